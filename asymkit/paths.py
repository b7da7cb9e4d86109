"""Where asymkit keeps its state: ``ASYMKIT_HOME``, default ``~/.asymkit``."""

from __future__ import annotations

import os
from pathlib import Path

# The embedded Postgres' data directory below ``home()``; its lock and password
# files sit beside it (``postgres.lock``, ``postgres.password``).
EMBEDDED_DIR = "postgres"


def location() -> Path:
    """Where the home is, without creating it: a lookup must not leave a home behind."""
    return Path(os.environ.get("ASYMKIT_HOME") or "~/.asymkit").expanduser().resolve()


def home() -> Path:
    """The home, created (mode 0700) on first use by anything that writes state."""
    path = location()
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def described() -> str:
    """The home as a message names it, saying whether ASYMKIT_HOME chose it."""
    if os.environ.get("ASYMKIT_HOME"):
        return f"ASYMKIT_HOME={location()}"
    return f"{location()} (the default; ASYMKIT_HOME is not set)"
