"""Children asymkit starts and leaves running or waits on: Postgres tools, clone apps."""

from __future__ import annotations

import subprocess
from typing import IO, Any


def options(out: IO[Any]) -> dict[str, Any]:
    """``Popen`` options for a child that reads nothing, writes its output and errors to
    ``out``, and runs in its own session: a Ctrl-C meant for asymkit must not reach it."""
    return {
        "stdin": subprocess.DEVNULL,
        "stdout": out,
        "stderr": subprocess.STDOUT,
        "start_new_session": True,
    }
