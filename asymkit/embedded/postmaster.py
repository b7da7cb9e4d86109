"""A postmaster as its data directory shows it: ``postmaster.pid``, alive or not, leftovers.

A dead, zombie or crashed postmaster leaves a pid file, a socket and its lock,
and maybe children; ``clear_stale`` removes them so Postgres will start again.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from pathlib import Path

import attrs
import psutil

PORT = 5432


@attrs.frozen
class Postmaster:
    """What ``postmaster.pid`` says about a server."""

    pid: int
    socket_dir: str
    port: int
    status: str

    @classmethod
    def read(cls, pgdata: Path) -> Postmaster | None:
        try:
            lines = (pgdata / "postmaster.pid").read_text().splitlines()
            return cls(
                pid=int(lines[0]),
                socket_dir=lines[4].strip() if len(lines) > 4 else "",
                port=int(lines[3]) if len(lines) > 3 and lines[3].strip() else PORT,
                status=lines[7].strip() if len(lines) > 7 else "starting",
            )
        except (OSError, ValueError, IndexError):
            return None


def postmaster_of(pgdata: Path, pid: int) -> bool:
    """Whether ``pid`` is a live (non-zombie) postgres whose data directory is ``pgdata``."""
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        if not proc.name().startswith("postgres"):
            return False
        return Path(proc.cwd()).resolve() == pgdata.resolve()
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True  # cannot tell: never treat somebody else's server as dead


def processes_in(
    directory: Path, names: tuple[str, ...] = ("postgres",), *, below: bool = False
) -> list[psutil.Process]:
    """Live processes named ``names`` whose working directory is ``directory`` (or below)."""
    directory = directory.resolve()
    found = []
    for proc in psutil.process_iter(["name"]):
        with contextlib.suppress(psutil.Error, OSError):
            name = proc.info["name"] or ""
            if not name.startswith(names) or proc.status() == psutil.STATUS_ZOMBIE:
                continue
            cwd = Path(proc.cwd()).resolve()
            if cwd == directory or (below and directory in cwd.parents):
                found.append(proc)
    return found


def clear_stale(pgdata: Path, info: Postmaster | None) -> None:
    """Remove a dead (or zombie) postmaster's pid file and wait for its children."""
    if info is None or postmaster_of(pgdata, info.pid):
        return
    deadline = time.monotonic() + 10
    while True:
        orphans = [p for p in processes_in(pgdata) if p.pid != info.pid]
        if not orphans:
            break
        if time.monotonic() > deadline:
            for proc in orphans:
                with contextlib.suppress(psutil.Error):
                    proc.kill()
            break
        time.sleep(0.05)
    # The pid file and the socket's lock name the dead pid; a zombie's pid still
    # exists, so Postgres itself would refuse to start over them.
    stale_files = [pgdata / "postmaster.pid"]
    if info.socket_dir:
        sock = Path(info.socket_dir) / f".s.PGSQL.{info.port}"
        stale_files += [sock.with_name(sock.name + ".lock"), sock]
    for path in stale_files:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def sweep_init_dirs(pgdata: Path) -> None:
    """Remove scratch directories of interrupted inits, stopping any initdb a SIGKILL
    orphaned there (call it under the server's lock: their makers are gone)."""
    for stale in pgdata.parent.glob(f".{pgdata.name}.init-*"):
        for proc in processes_in(stale, ("initdb", "postgres"), below=True):
            with contextlib.suppress(psutil.Error):
                proc.kill()
                proc.wait(5)
        shutil.rmtree(stale, ignore_errors=True)
