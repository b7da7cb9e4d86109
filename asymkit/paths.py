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


def home_id() -> str:
    """This home's id: random, made once, kept in ``ASYMKIT_HOME/home.id``.

    It marks the databases and roles this home makes on a shared server. Random
    rather than derived from the path: many machines have the same ``~/.asymkit``.
    """
    path = home() / "home.id"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    import secrets

    fresh = secrets.token_hex(8)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: theirs is the id
        return path.read_text().strip()
    with os.fdopen(fd, "w") as out:
        out.write(fresh + "\n")
    return fresh
