"""Replace a file atomically: readers see the old bytes or the new ones, never half of each."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def write_bytes(
    path: Path, data: bytes, *, mode: int | None = None, owner: tuple[int, int] | None = None
) -> None:
    """Write ``data`` to ``path`` through a temp file in the same directory, fsync, rename.

    ``mode`` (e.g. ``0o600`` for files holding secrets) is set exactly; without
    it the file gets the usual ``0o666`` minus the umask. ``owner`` (``(uid, gid)``,
    root only) hands the file to another user before it appears. A crash at any point
    leaves either the old file or the new one, and at worst a stray
    ``.<name>.*.tmp`` beside it.
    """
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    # Created with the requested mode (or 0o666, which the umask trims) so that
    # the bytes are never readable by more people than the final file.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            if mode is not None:
                os.fchmod(fh.fileno(), mode)  # exactly this mode, whatever the umask
            if owner is not None:
                os.fchown(fh.fileno(), *owner)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_directory(path.parent)


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (a power cut after it keeps the new file)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems refuse fsync on a directory; the data itself is synced
    finally:
        os.close(fd)
