"""The ``asymkit`` command line: parse (click), call the public API, print (rich).

Each command's module (and through it the SDK modules, psycopg, httpx, rich ...)
loads only when that command runs: ``asymkit --help`` imports none of them and
``asymkit reset ID`` only what a reset needs, because shell loops pay the start-up
on every call (issue 19; ``benchmarks/cli.py`` measures it, ``tests/test_cli_imports.py``
keeps it so).

``AsymkitGroup.main`` is the one place that turns what went wrong into an exit
code, whatever runs it (the ``asymkit`` script, ``python -m asymkit.cli``,
``main([...])`` or click's ``CliRunner``):

======================================  ====  =========================================
what happened                           exit  on stderr
======================================  ====  =========================================
success                                 0
a named ``AsymkitError``                1     ``error: <message> [CODE]``
a usage error (click)                   2     ``error: <problem> (see `... --help`)``
interrupted (Ctrl-C)                    130   ``interrupted``
terminated (SIGTERM)                    143   ``terminated`` (cleanups ran, as for Ctrl-C)
stdout closed early (``| head -1``)     141   nothing
anything else: a bug in asymkit         2     one line naming the log with the traceback
======================================  ====  =========================================
"""

from __future__ import annotations

import contextlib
import datetime
import importlib
import logging
import os
import signal
import sys
import threading
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click
from click.exceptions import NoArgsIsHelpError

from .. import __version__
from ..errors import AsymkitError, DiffMismatch
from ..paths import home

# name -> (module under asymkit.cli, attribute, the summary `asymkit --help` shows). The
# summaries are the commands' own first sentences (a test keeps them equal), written here
# so that the top-level help loads no command module. Listed in a workflow's order.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "spin": ("clones", "spin_command", "Create, seed and start a clone of a template."),
    "seed": ("clones", "seed_command", "Apply a fixture and/or layer an AI dataset."),
    "reset": (
        "clones",
        "reset_command",
        "Bring a clone back to exactly its last seed (or to snapshot NAME).",
    ),
    "status": ("clones", "status_command", "List clones and whether they run."),
    "ls": ("clones", "ls_command", "List clones and whether they run."),
    "logs": ("clones", "logs_command", "Print a clone's app log."),
    "tokens": (
        "clones",
        "tokens_command",
        "Print a clone's API tokens (app: Socket Mode; signing secret: Events API).",
    ),
    "stop": ("clones", "stop_command", "Stop a clone's app (the database stays)."),
    "start": ("clones", "start_command", "Start a stopped or dead clone again."),
    "destroy": ("clones", "destroy_command", "Stop a clone, drop its database and forget it."),
    "diff": (
        "grading",
        "diff_command",
        "What changed in a clone since its last seed (or a snapshot), per kind.",
    ),
    "snapshot": (
        "grading",
        "snapshot_command",
        "Save a clone's state under NAME (`reset ID --to NAME` restores it), list or drop one.",
    ),
    "env": ("env", "env", "Manage environments (named groups of clones)."),
    "cassette": ("cassette", "cassette", "Inspect or make cassettes."),
    "server": ("server", "server", "The Postgres server clones live on."),
    "mcp": (
        "mcp",
        "mcp_command",
        "Serve the clone's Slack as MCP tools on stdin/stdout (the reference Slack MCP server's).",
    ),
    "events": (
        "events",
        "events_command",
        "Show or change a clone's Events API subscription, or stream its events (--log).",
    ),
    "calls": (
        "calls",
        "calls_command",
        "The API calls a clone served since its last seed: who, method, arguments, outcome.",
    ),
    "view": (
        "view",
        "view_command",
        "The run as the product shows it, changes marked, calls beside it (a local page).",
    ),
}

EXIT_TERMINATED = 143  # 128 + SIGTERM, as shells report it

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 0, 1, 2, 130, 141


class AsymkitGroup(click.Group):
    """A click group whose ``main`` maps every outcome to one line and an exit code.

    ``lazy`` names commands by module (see :data:`COMMANDS`): each is imported when it
    runs or shows its own help. Summaries in ``--help`` are printed whole, never cut to
    "…" (click's default cuts them to the terminal's width).
    """

    def __init__(
        self,
        name: str | None = None,
        *,
        lazy: Mapping[str, tuple[str, str, str]] | None = None,
        **attrs: Any,
    ) -> None:
        super().__init__(name, **attrs)
        self.lazy = dict(lazy or {})

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        code = run(self, list(sys.argv[1:] if args is None else args), prog_name or "asymkit")
        if standalone_mode:
            sys.exit(code)
        return code

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Commands in the order they were listed (the order of a workflow), not sorted."""
        return [*self.lazy, *(name for name in self.commands if name not in self.lazy)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            module, attribute, _ = self.lazy[cmd_name]
            command = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
            self.add_command(command, cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands and their whole summaries, without loading a lazy command."""
        rows = [
            (name, self.lazy[name][2] if name in self.lazy else _summary(self.commands[name]))
            for name in self.list_commands(ctx)
            if name in self.lazy or not self.commands[name].hidden
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _summary(command: click.Command) -> str:
    """A command's one-line summary, whole: its ``short_help`` or its help's first sentence."""
    return command.get_short_help_str(limit=sys.maxsize)


class FullHelpGroup(click.Group):
    """A command group (``env``, ``cassette``, ``server``) whose ``--help`` shows whole
    summaries, as the top level does."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            (name, _summary(command))
            for name in self.list_commands(ctx)
            if (command := self.get_command(ctx, name)) is not None and not command.hidden
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is so that every cleanup runs, as for Ctrl-C."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def run(group: click.Group, args: list[str], prog_name: str) -> int:
    """Run the command line in ``args``; return the exit code (see the module docstring)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    # Libraries' log records (psycopg's "error ignored in rollback" on Ctrl-C, asymkit's
    # own notes) stay out of the one-line stderr contract; outcomes are printed below.
    for name in ("psycopg", "asymkit"):
        logging.getLogger(name).addHandler(logging.NullHandler())
        logging.getLogger(name).propagate = False
    try:
        try:
            with group.make_context(prog_name, args) as ctx:
                group.invoke(ctx)
            sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
            return EXIT_OK
        except click.exceptions.Exit as exc:  # --help, --version
            sys.stdout.flush()
            return exc.exit_code
    except DiffMismatch as exc:  # a report, not a sentence: its lines stay lines
        print(f"error: {exc.message} [{exc.code}]", file=sys.stderr)
        return EXIT_ERROR
    except AsymkitError as exc:
        _err(f"error: {exc.message} [{exc.code}]")
        return EXIT_ERROR
    except NoArgsIsHelpError as exc:  # a bare group (`asymkit env`): its help, as a hint
        print(exc.format_message(), file=sys.stderr)
        return EXIT_USAGE
    except click.UsageError as exc:
        path = exc.ctx.command_path if exc.ctx else prog_name
        _err(f"error: {exc.format_message()} (see `{path} --help`)")
        return EXIT_USAGE
    except click.ClickException as exc:  # e.g. a file option that cannot be opened
        _err(f"error: {exc.format_message()}")
        return EXIT_ERROR
    except Terminated:
        _err("terminated")
        return EXIT_TERMINATED
    except (KeyboardInterrupt, click.Abort):
        _err("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as exc:
        log = _write_crash_log(exc)
        what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        _err(f"asymkit: unexpected error (this is a bug): {what}; details in {log}")
        return EXIT_USAGE


def _err(text: str) -> None:
    with contextlib.suppress(BrokenPipeError):
        print(" ".join(text.split("\n")), file=sys.stderr)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so Python's exit-time flush does not complain again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # not a real file (e.g. under CliRunner): nothing to flush
        pass


def _write_crash_log(exc: BaseException) -> Path:
    """Write the traceback under ``ASYMKIT_HOME/logs/`` (or the temp dir); return its path."""
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    name = f"crash-{stamp}-{os.getpid()}.log"
    text = f"asymkit {__version__}, argv: {sys.argv!r}\n" + "".join(
        traceback.format_exception(type(exc), exc, exc.__traceback__)
    )
    import tempfile  # only a crash needs it

    for folder in (_logs_dir, lambda: Path(tempfile.gettempdir())):
        try:
            path = folder() / name
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            return path
        except Exception:  # the home itself may be the problem: try the temp dir
            continue
    return Path("(nowhere: neither ASYMKIT_HOME/logs nor the temp dir is writable)")


def _logs_dir() -> Path:
    logs = home() / "logs"
    logs.mkdir(parents=True, exist_ok=True, mode=0o700)
    return logs


@click.group(
    cls=AsymkitGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, "--version", prog_name="asymkit", message="%(prog)s %(version)s")
def cli() -> None:
    """Put a running SaaS clone into a known starting state."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``asymkit`` with ``argv`` (default: the process's arguments); return the exit code."""
    code: int = cli.main(argv, standalone_mode=False)
    return code


__all__ = ["AsymkitGroup", "FullHelpGroup", "cli", "main", "run"]
