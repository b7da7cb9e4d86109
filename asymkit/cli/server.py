"""``asymkit server``: the Postgres server clones live on.

``status`` only reports: it reads the embedded server's ``postmaster.pid``
(or tries a connection to ``ASYMKIT_DATABASE_URL``) and never starts a
server. It never prints a password.
"""

from __future__ import annotations

import os
from typing import Any

import click
import psutil
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from .. import Clone, DatabaseUnavailable, InvalidArgument, postgres
from ..paths import home
from . import output
from .output import json_option


@click.group("server")
def server() -> None:
    """The Postgres server clones live on."""


def _embedded_status() -> dict[str, Any]:
    """What ``postmaster.pid`` says about the embedded server, without starting it."""
    data_dir = home() / postgres.EMBEDDED_DIR
    info: dict[str, Any] = {"embedded": True, "running": False, "data_dir": str(data_dir)}
    try:
        # postmaster.pid: pid, data dir, start time, port, socket dir, listen address, ...
        fields = (data_dir / "postmaster.pid").read_text().splitlines()
        pid, port = int(fields[0]), int(fields[3])
    except (OSError, ValueError, IndexError):
        return info  # no (readable) pid file: not running
    try:
        alive = psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        alive = False
    ready = len(fields) > 7 and fields[7].strip() == "ready"
    if alive:
        info.update(running=ready, state=fields[7].strip() if len(fields) > 7 else "starting")
        info.update(pid=pid, port=port, socket_dir=fields[4] if len(fields) > 4 else None)
    return info


def _external_status(url: str) -> dict[str, Any]:
    """Whether ``ASYMKIT_DATABASE_URL`` answers, where it points and what is wrong (no password)."""
    try:
        safe = {k: v for k, v in conninfo_to_dict(url).items() if k != "password"}
        shown = make_conninfo("", **safe)
    except Exception:  # psycopg raises ProgrammingError for a malformed URL
        problem = "ASYMKIT_DATABASE_URL is not a Postgres URL (postgresql://user@host:port/db)"
        return {"embedded": False, "running": False, "url": None, "problem": problem}
    info: dict[str, Any] = {"embedded": False, "url": shown, "running": False}
    try:
        with postgres.connect(url):
            info["running"] = True
    except DatabaseUnavailable as exc:
        info["problem"] = exc.message
    return info


def _clones_on(identity: str) -> list[Clone]:
    return [c for c in sorted(Clone.all(), key=lambda c: c.id) if c.record.server == identity]


@server.command("status")
@json_option
def status(as_json: bool) -> None:
    """Describe the server, without starting it."""
    url = os.environ.get("ASYMKIT_DATABASE_URL", "").strip()
    info = _external_status(url) if url else _embedded_status()
    if not url:
        info["clones"] = [c.id for c in _clones_on("embedded")]
    elif info["url"] is not None:
        info["clones"] = [c.id for c in _clones_on(postgres.Server(url, embedded=False).identity)]
    else:
        info["clones"] = []
    if as_json:
        output.print_json(info)
        return
    clones = f"; {len(info['clones'])} clone(s) on it" if info["clones"] else ""
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
            f"✓ embedded postgres running (pid {info['pid']}, port {info['port']},"
            f" data in {info['data_dir']}){clones}"
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
