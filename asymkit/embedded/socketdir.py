"""The embedded server's Unix socket directory: short, stable, private to the server's owner.

Only the server's owner may enter it, so nobody else can reach the socket, and
a directory somebody else planted there is refused rather than used.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from pathlib import Path

from ..errors import DatabaseUnavailable
from .account import as_root, server_uid


def socket_dir(pgdata: Path) -> Path:
    """A short directory for the Unix socket of the server whose data is ``pgdata``.

    The data directory's own path may be too long for a socket (108 bytes),
    so it is ``$XDG_RUNTIME_DIR`` (when usable) or ``/tmp``, plus a name
    derived from the data directory: stable, so clones reconnect after a restart.
    """
    key = hashlib.sha256(str(pgdata).encode()).hexdigest()[:12]
    name = f"asymkit-{os.getuid()}-{key}"
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime and not as_root() and len(runtime) < 60 and " " not in runtime:
        with contextlib.suppress(OSError):
            st = os.stat(runtime)
            if st.st_uid == os.getuid() and not st.st_mode & 0o077:
                return Path(runtime) / name
    return Path("/tmp") / name


def is_ours(pgdata: Path, path: Path | str) -> bool:
    """Whether ``path`` is a private socket directory the server of ``pgdata`` may use.

    Its name is ours (wherever ``$XDG_RUNTIME_DIR`` pointed when the server
    started) and it is still a real directory of the server's owner, mode 0700.
    """
    path = Path(path)
    if path.name != socket_dir(pgdata).name:
        return False
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == server_uid() and not st.st_mode & 0o077


def make_private(pgdata: Path, account: tuple[int, int] | None) -> Path:
    """Create (or check) the socket directory: ours, a real directory, mode 0700."""
    path = socket_dir(pgdata)
    owner = account[0] if account is not None else os.getuid()
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, 0o700)
    st = os.lstat(path)
    if stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and account is not None:
        os.chown(path, *account)  # just made by root, still 0700: hand it over
        st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != owner:
        raise DatabaseUnavailable(
            f"The embedded Postgres' socket directory {path} exists and belongs to another"
            f" user (uid {st.st_uid}), so asymkit will not use it: remove it (it may be an"
            " attempt to intercept the server) and try again."
        )
    if st.st_mode & 0o077:
        os.chmod(path, 0o700)
    return path
