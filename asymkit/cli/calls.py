"""``asymkit calls ID``: the API calls a clone served since its last seed (or a snapshot)."""

from __future__ import annotations

import datetime
import json
import sys
import time
from collections.abc import Mapping

import click

from .. import Clone
from .. import calls as call_log
from . import output
from .output import json_option

FOLLOW_EVERY = 1.0  # seconds between two reads of the log with --follow


def _row(call: call_log.Call, names: Mapping[str, Mapping[str, str]]) -> list[str]:
    when = datetime.datetime.fromtimestamp(call.at).strftime("%H:%M:%S.%f")[:-3]
    args = " ".join(f"{k}={call_log.shown(v, names)}" for k, v in list(call.args.items())[:3])
    return [
        str(call.id),
        when,
        call.who or "-",
        call.method,
        args[:70],
        call.outcome if call.status == 200 else f"{call.outcome} ({call.status})",
        f"{call.latency_ms:.1f} ms",
    ]


HEADERS = ("#", "time", "who", "method", "arguments", "outcome", "latency")


@click.command("calls")
@click.argument("clone_id", metavar="ID")
@click.option("--since", metavar="NAME", help="A snapshot's name (default: the last seed).")
@click.option("--follow", is_flag=True, help="Keep printing calls as the clone serves them.")
@json_option
def calls_command(clone_id: str, since: str | None, follow: bool, as_json: bool) -> None:
    """The API calls a clone served since its last seed: who, method, arguments, outcome."""
    clone = Clone.get(clone_id)
    calls = clone.calls(since=since)
    if as_json and not follow:
        output.print_json(calls.to_json())
        return
    if as_json:
        for call in calls:
            sys.stdout.write(json.dumps(call.to_json(), sort_keys=True) + "\n")
    elif calls.calls:
        output.table(HEADERS, [_row(c, calls.names) for c in calls])
    elif not follow:
        output.line(f"No calls to {clone_id} since {calls.since}.")
    if calls.dropped and not as_json:
        output.line(f"(the log dropped its {calls.dropped} oldest calls: it keeps the newest)")
    if not follow:
        return
    last = calls.calls[-1].id if calls.calls else None
    target = clone.target()
    while True:
        sys.stdout.flush()
        time.sleep(FOLLOW_EVERY)
        fresh = call_log.read(target, since, after=last) if last is not None else None
        if fresh is None:
            fresh = call_log.read(target, since)
        for call in fresh:
            if as_json:
                sys.stdout.write(json.dumps(call.to_json(), sort_keys=True) + "\n")
            else:
                output.line("  ".join(_row(call, fresh.names)))
            last = call.id
