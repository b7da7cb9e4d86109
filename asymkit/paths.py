"""Where asymkit keeps its state: ``ASYMKIT_HOME``, default ``~/.asymkit``."""

from __future__ import annotations

import os
from pathlib import Path

# The embedded Postgres' data directory below ``home()``; its lock and password
# files sit beside it (``postgres.lock``, ``postgres.password``).
EMBEDDED_DIR = "postgres"


def home() -> Path:
    path = Path(os.environ.get("ASYMKIT_HOME") or "~/.asymkit").expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
