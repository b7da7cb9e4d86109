"""The ``asymkit`` command line: parse (click), call the public API, print (rich).

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
import logging
import os
import signal
import sys
import tempfile
import threading
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from click.exceptions import NoArgsIsHelpError

from .. import __version__
from ..errors import AsymkitError, DiffMismatch
from ..paths import home
from . import calls, cassette, clones, env, events, grading, mcp, server, view

EXIT_TERMINATED = 143  # 128 + SIGTERM, as shells report it

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 0, 1, 2, 130, 141


class AsymkitGroup(click.Group):
    """A click group whose ``main`` maps every outcome to one line and an exit code."""

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
        """Commands in the order they were added (the order of a workflow), not sorted."""
        return list(self.commands)


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
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, "--version", prog_name="asymkit", message="%(prog)s %(version)s")
def cli() -> None:
    """Put a running SaaS clone into a known starting state."""


for _command in (*clones.COMMANDS, *grading.COMMANDS, env.env, cassette.cassette, server.server):
    cli.add_command(_command)
cli.add_command(mcp.mcp_command)
cli.add_command(events.events_command)
cli.add_command(calls.calls_command)
cli.add_command(view.view_command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``asymkit`` with ``argv`` (default: the process's arguments); return the exit code."""
    code: int = cli.main(argv, standalone_mode=False)
    return code


__all__ = ["AsymkitGroup", "cli", "main", "run"]
