"""What the ``asymkit`` command imports: a command loads only what it runs (issue 19).

Each case runs the CLI in its own process, as a shell loop does, then lists
``sys.modules``. "Heavy" parts, measured with ``python -X importtime``: psycopg
(~80 ms, with asyncio), httpx (~75 ms), ``rich.console`` (~25 ms: what every rich
table, bar or text pulls in), starlette and anthropic (the clone's app and the
model client), msgpack and the seeders (cassettes). The bare ``rich`` package
is free (a few attributes), so it is not counted.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from asymkit.cli import COMMANDS, cli

# Runs the CLI's main on argv, then writes every module loaded to the file named by
# $MODULES (stdout stays the command's own).
WRAPPER = (
    "import os, sys; from asymkit.cli import main; code = main(sys.argv[1:]);"
    " open(os.environ['MODULES'], 'w').write('\\n'.join(sorted(sys.modules))); sys.exit(code)"
)
HEAVY = ("psycopg", "httpx", "rich.console", "starlette", "anthropic", "msgpack")


def modules_after(tmp_path: Path, *args: str) -> set[str]:
    """The modules loaded by ``asymkit ARGS`` in a process of its own (stdout a pipe)."""
    listing = tmp_path / "modules.txt"
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "MODULES": str(listing)},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return set(listing.read_text().split())


def loaded(modules: set[str], *roots: str) -> list[str]:
    """Which of ``roots`` (a package and its submodules) are among ``modules``."""
    return sorted(r for r in roots if any(m == r or m.startswith(r + ".") for m in modules))


@pytest.mark.parametrize("args", [("--help",), ("reset", "--help")], ids=["top", "reset"])
def test_help_imports_no_driver_client_or_rich_console(tmp_path: Path, args: tuple[str]) -> None:
    assert loaded(modules_after(tmp_path, *args), *HEAVY) == []


def test_status_imports_no_database_driver(tmp_path: Path, acme: object) -> None:
    """With a clone to list (so a table is printed): no psycopg, and in a pipe no rich."""
    modules = modules_after(tmp_path, "status")
    assert loaded(modules, "psycopg", "httpx", "rich.console", "msgpack") == []
    assert "asymkit.clone" in modules  # it did list the clone


def test_reset_loads_the_driver_but_no_http_rich_cassettes_or_seeders(
    tmp_path: Path, acme: object
) -> None:
    modules = modules_after(tmp_path, "reset", acme.id)  # type: ignore[attr-defined]
    assert loaded(modules, "httpx", "rich.console", "msgpack", "asymkit.seeders") == []
    assert "psycopg" in modules  # the restore ran here, not somewhere else


def test_help_shows_each_summary_whole() -> None:
    """`asymkit --help` lists every summary uncut, each the command's own first sentence."""
    ctx = click.Context(cli, info_name="asymkit")
    for name, (_, _, summary) in COMMANDS.items():
        command = cli.get_command(ctx, name)
        assert command is not None
        assert command.get_short_help_str(limit=sys.maxsize) == summary, name
    text = subprocess.run(
        [sys.executable, "-m", "asymkit.cli", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "80"},
        timeout=60,
    ).stdout
    listed = " ".join(text.split("Commands:")[1].split())
    assert "..." not in listed and "…" not in listed
    for name, (_, _, summary) in COMMANDS.items():
        assert f"{name} {summary}" in listed


def test_a_group_shows_each_summary_whole() -> None:
    text = subprocess.run(
        [sys.executable, "-m", "asymkit.cli", "env", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "60"},
        timeout=60,
    ).stdout
    listed = " ".join(text.split("Commands:")[1].split())
    assert "create Create an empty environment (nothing happens if it exists)." in listed
