"""``asymkit events ID``: where a clone sends its events, and a live log of them."""

from __future__ import annotations

import json
import sys

import click

from .. import Clone, InvalidArgument
from . import output
from .output import json_option


@click.command("events")
@click.argument("clone_id", metavar="ID")
@click.option("--url", metavar="URL", help="Send events to this Events API URL (verified first).")
@click.option("--unsubscribe", is_flag=True, help="Stop sending events to the URL.")
@click.option(
    "--subscribe",
    "types",
    metavar="TYPES",
    help="Comma-separated event types, e.g. message.channels,app_mention,reaction_added.",
)
@click.option("--log", is_flag=True, help="Stream events as they are raised, one JSON per line.")
@json_option
def events_command(
    clone_id: str,
    url: str | None,
    unsubscribe: bool,
    types: str | None,
    log: bool,
    as_json: bool,
) -> None:
    """Show or change a clone's Events API subscription, or stream its events (--log)."""
    if url is not None and unsubscribe:
        raise InvalidArgument("Pass --url or --unsubscribe, not both.")
    if log and (url is not None or unsubscribe or types is not None):
        raise InvalidArgument("--log only streams events; change the subscription in another call.")
    clone = Clone.get(clone_id)
    events = clone.events
    if log:
        for event in events.stream():
            sys.stdout.write(json.dumps(event, sort_keys=True) + "\n")
            sys.stdout.flush()
        return
    sub = events.subscription()
    if types is not None:
        sub = events.types(*(t.strip() for t in types.split(",") if t.strip()))
    if unsubscribe:
        sub = events.unsubscribe()
    if url is not None:
        sub = events.subscribe(url)
    if as_json:
        output.print_json(sub.to_json())
    else:
        output.line(f"url:   {sub.url or '- (Socket Mode, or queued until an app connects)'}")
        output.line(f"types: {', '.join(sub.types)}")
