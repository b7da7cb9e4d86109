"""``asymkit server``: the Postgres server clones live on.

``status`` only reports: it reads the embedded server's ``postmaster.pid``
(or tries a connection to ``ASYMKIT_DATABASE_URL``) and never starts a
server. It never prints a password.
"""

from __future__ import annotations

import os
from typing import Any

import click

from .. import Clone, InvalidArgument, postgres
from . import FullHelpGroup, output
from .output import json_option


@click.group("server", cls=FullHelpGroup)
def server() -> None:
    """The Postgres server clones live on."""


def _status(url: str) -> dict[str, Any]:
    """``postgres.status()`` (which starts nothing), in this command's terms."""
    try:
        info = postgres.status()
    except InvalidArgument as exc:  # a malformed ASYMKIT_DATABASE_URL
        return {"embedded": False, "running": False, "url": None, "problem": exc.message}
    result: dict[str, Any] = {
        "embedded": info["kind"] == "embedded",
        "running": info["state"] == "running",
        **info,
    }
    if url:
        result["url"] = info.get("server")
        if info.get("error"):
            result["problem"] = info["error"]
    return result


def _clones_on(identity: str) -> list[Clone]:
    return [c for c in sorted(Clone.all(), key=lambda c: c.id) if c.record.server == identity]


@server.command("status")
@json_option
def status(as_json: bool) -> None:
    """Describe the server, without starting it."""
    url = os.environ.get("ASYMKIT_DATABASE_URL", "").strip()
    info = _status(url)
    if not url:
        info["clones"] = [c.id for c in _clones_on("embedded")]
    elif info["url"] is not None:
        info["clones"] = [c.id for c in _clones_on(str(info["server"]))]
    else:
        info["clones"] = []
    if as_json:
        output.print_json(info)
        return
    clones = f"; {len(info['clones'])} clone(s) on it" if info["clones"] else ""
    if info.get("shared"):
        clones += (
            f"; shared: {info['other_clones']} clone(s) of {info['other_homes']} other"
            " asymkit home(s) on it too"
        )
    if url:
        state = "answers" if info["running"] else "does not answer"
        output.line(
            f"{'✓' if info['running'] else '!'} external postgres {state}"
            f" at {info['url'] or 'a malformed ASYMKIT_DATABASE_URL'}{clones}"
        )
        if "problem" in info:
            output.line(f"  ! {info['problem']}")
    elif info["running"]:
        output.line(
            f"✓ embedded postgres running (pid {info['pid']}, Postgres {info['version']},"
            f" max_connections {info['max_connections']}, data in {info['data_dir']}){clones}"
        )
    else:
        output.line(
            f"embedded postgres is not running (data in {info['data_dir']}); the next command"
            f" that needs it starts it{clones}"
        )


@server.command("stop")
@click.option("--force", is_flag=True, help="Stop running clones' apps too, then the server.")
@json_option
def stop(force: bool, as_json: bool) -> None:
    """Stop the embedded server (refused while clones run on it, unless --force)."""
    running = [c for c in _clones_on("embedded") if c.status() == "running"]
    if running and not force:
        ids = ", ".join(c.id for c in running)
        raise InvalidArgument(
            f"{len(running)} clone(s) still run on the embedded server ({ids}); stop them first"
            " (`asymkit stop <id>`), or pass --force to stop them with the server."
        )
    for clone in running:
        clone.stop()
        if not as_json:
            output.line(f"✓ stopped {clone.id}")
    stopped = postgres.stop_embedded()
    if as_json:
        output.print_json({"stopped": stopped, "clones_stopped": [c.id for c in running]})
    elif stopped:
        output.line("✓ stopped the embedded postgres")
    else:
        output.line("The embedded postgres is not running.")
