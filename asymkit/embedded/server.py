"""The embedded Postgres server of one data directory: init, secure, start, stop, status.

Everything that changes the server holds an exclusive ``flock`` on
``<pgdata>.lock``, so any number of processes may call ``ensure()`` at once;
reading its state takes no lock. The package docstring lists the guarantees.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import attrs
import psutil
import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from .. import atomic
from ..connection import connect, scram_verifier
from ..errors import DatabaseUnavailable
from .account import service_account
from .binaries import run
from .datadir import (
    HBA,
    SETTINGS_MARK,
    SUPERUSER,
    check_version,
    failure,
    init,
    settings_block,
    trusts,
)
from .postmaster import PORT, Postmaster, clear_stale, postmaster_of, sweep_init_dirs
from .socketdir import is_ours, make_private, socket_dir

# Every clone's app keeps a small pool; environments of dozens of clones need more
# than Postgres' default 100 connections.
MAX_CONNECTIONS = 1000

_START_TIMEOUT = 60


def _resolved(path: Path | str) -> Path:
    return Path(path).resolve()


@attrs.frozen
class _Seen:
    """A server found running: what identified it then, and its admin URL."""

    key: tuple[int, ...]  # postmaster.pid's and the password file's identity
    pid: int
    socket: Path
    url: str


_RUNNING: dict[Path, _Seen] = {}  # per data directory, the last one found


def _lives(pid: int) -> bool:
    """Whether ``pid`` is still a live postgres (a dead one's pid may be reused)."""
    try:
        proc = psutil.Process(pid)
        with proc.oneshot():
            return proc.name().startswith("postgres") and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


@attrs.frozen
class Embedded:
    """The embedded server whose data directory is ``pgdata``.

    Everything that changes the server (init, start, stop) holds an exclusive
    ``flock`` on ``<pgdata>.lock``; reading its state takes no lock.
    """

    pgdata: Path = attrs.field(converter=_resolved)
    max_connections: int = MAX_CONNECTIONS
    # Unix socket only, by default. Tests start a second server on TCP (127.0.0.1 and
    # a free port) to stand in for a managed one.
    port: int = PORT
    listen_addresses: str = ""

    # -- files next to the data directory -------------------------------------

    @property
    def lock_path(self) -> Path:
        return self.pgdata.with_name(self.pgdata.name + ".lock")

    @property
    def password_path(self) -> Path:
        return self.pgdata.with_name(self.pgdata.name + ".password")

    @property
    def log_path(self) -> Path:
        return self.pgdata / "log"

    @property
    def socket_dir(self) -> Path:
        """The Unix socket's directory, private to the server's owner (``socketdir``)."""
        return socket_dir(self.pgdata)

    # -- reading state, no lock -------------------------------------------------

    def _password(self) -> str | None:
        try:
            return self.password_path.read_text().strip() or None
        except OSError:
            return None

    def url(self, socket_dir: Path | str | None = None) -> str:
        password = self._password() or ""
        return make_conninfo(
            "",
            host=str(socket_dir or self.socket_dir),
            port=self.port,
            user=SUPERUSER,
            password=password,
            dbname="postgres",
        )

    def running(self) -> Postmaster | None:
        """The postmaster if one serves this data directory and is ready, else ``None``."""
        info = Postmaster.read(self.pgdata)
        if info is None or info.status != "ready" or not postmaster_of(self.pgdata, info.pid):
            return None
        return info

    def running_url(self) -> str | None:
        """The admin URL if our server (private socket, password set) is up, else ``None``.

        Every clone verb asks: while ``postmaster.pid`` and the password file are
        unchanged and the postmaster lives, the answer found last is given again
        (the full check reads process details, ~0.5 ms).
        """
        key = self._signature()
        seen = _RUNNING.get(self.pgdata)
        if seen and seen.key == key and seen.socket.exists() and _lives(seen.pid):
            return seen.url
        info = self.running()
        if info is None or self._password() is None or not is_ours(self.pgdata, info.socket_dir):
            return None  # e.g. a server started by an older asymkit: ensure() migrates it
        socket = Path(info.socket_dir) / f".s.PGSQL.{info.port}"
        if not socket.exists():
            return None
        url = self.url(info.socket_dir)
        if key is not None:
            _RUNNING[self.pgdata] = _Seen(key, info.pid, socket, url)
        return url

    def _signature(self) -> tuple[int, ...] | None:
        """What changes when the server restarts or its password does."""
        try:
            pid, password = (self.pgdata / "postmaster.pid").stat(), self.password_path.stat()
        except OSError:
            return None
        return (pid.st_ino, pid.st_mtime_ns, pid.st_size, password.st_ino, password.st_mtime_ns)

    def status(self) -> dict[str, object]:
        """State of the server, read without starting it; never a password."""
        version_file = self.pgdata / "PG_VERSION"
        initialized = version_file.exists()
        info = Postmaster.read(self.pgdata)
        alive = info is not None and postmaster_of(self.pgdata, info.pid)
        if not initialized:
            state = "not initialized"
        elif not alive:
            state = "stopped"
        else:
            assert info is not None
            state = "running" if info.status == "ready" else info.status
        result: dict[str, object] = {
            "kind": "embedded",
            "state": state,
            "pid": info.pid if alive and info is not None else None,
            "data_dir": str(self.pgdata),
            "socket_dir": info.socket_dir if alive and info is not None else str(self.socket_dir),
            "log": str(self.log_path),
            "version": version_file.read_text().strip() if initialized else None,
            "max_connections": self.max_connections,
        }
        url = self.running_url()
        if url is not None:
            with (
                contextlib.suppress(DatabaseUnavailable, psycopg.Error),
                connect(url, autocommit=True) as conn,
            ):
                row = conn.execute("SHOW max_connections").fetchone()
                result["max_connections"] = int(str(row[0])) if row else None
                result["version"] = conn.info.server_version // 10000
        return result

    # -- changing state, under the lock ---------------------------------------

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        self.pgdata.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock; so does the process dying

    def ensure(self) -> str:
        """Init and start the server as needed (safe to call from many processes at once)."""
        url = self.running_url()
        if url is not None:
            return url
        with self._lock():
            url = self.running_url()
            if url is not None:
                return url
            account = service_account()
            sweep_init_dirs(self.pgdata)
            if not (self.pgdata / "PG_VERSION").exists():
                init(
                    self.pgdata,
                    self.password_path,
                    account=account,
                    max_connections=self.max_connections,
                )
            check_version(self.pgdata)
            if self._password() is None or trusts(self.pgdata):
                self._secure(account)
            self._start(account)
            url = self.running_url()
            if url is None:
                raise failure(self.pgdata, "started but is not ready")
            return url

    def stop(self) -> bool:
        """Stop the server if it runs; ``True`` if one was stopped."""
        with self._lock():
            info = Postmaster.read(self.pgdata)
            if info is None or not postmaster_of(self.pgdata, info.pid):
                with contextlib.suppress(OSError):
                    self.socket_dir.rmdir()  # left empty by a failed or crashed start
                return False
            self._stop(service_account(), info)
            return True

    # -- the steps --------------------------------------------------------------

    def _data_arg(self, account: tuple[int, int] | None) -> str:
        # As root, Postgres runs as SERVICE_USER, which may not be allowed through the
        # directories above ASYMKIT_HOME. It starts inside the data directory and names it
        # by /proc/self/cwd, so no parent directory needs opening up.
        return "/proc/self/cwd" if account is not None else str(self.pgdata)

    def _secure(self, account: tuple[int, int] | None) -> None:
        """Give a data directory from an older asymkit a password and SCRAM-only logins.

        It is started with a single trust rule on the private socket (nobody else can
        reach it), given a password, then switched to password logins.
        """
        info = Postmaster.read(self.pgdata)
        if info is not None and postmaster_of(self.pgdata, info.pid):
            self._stop(account, info)
        atomic.write_bytes(
            self.pgdata / "pg_hba.conf",
            f"local all {SUPERUSER} trust\n".encode(),
            mode=0o600,
            owner=account,
        )
        conf = self.pgdata / "postgresql.conf"
        if SETTINGS_MARK not in conf.read_text():
            with open(conf, "a") as out:
                out.write(settings_block(self.max_connections))
        self._start(account)
        password = secrets.token_urlsafe(24)
        dsn = make_conninfo(
            "", host=str(self.socket_dir), port=self.port, user=SUPERUSER, dbname="postgres"
        )
        try:
            conn = connect(dsn, autocommit=True)
        except DatabaseUnavailable as exc:
            raise failure(
                self.pgdata, "could not be moved to password logins", exc.message
            ) from exc
        with conn:
            conn.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    sql.Identifier(SUPERUSER), sql.Literal(scram_verifier(password))
                )
            )
            atomic.write_bytes(self.password_path, (password + "\n").encode(), mode=0o600)
            atomic.write_bytes(self.pgdata / "pg_hba.conf", HBA.encode(), mode=0o600, owner=account)
            conn.execute("SELECT pg_reload_conf()")
        # pg_reload_conf() signals the postmaster; wait until password logins work.
        deadline = time.monotonic() + 10
        while True:
            try:
                with connect(self.url(), autocommit=True):
                    break
            except DatabaseUnavailable:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _start(self, account: tuple[int, int] | None) -> None:
        info = Postmaster.read(self.pgdata)
        if info is not None and postmaster_of(self.pgdata, info.pid):
            socket = Path(info.socket_dir) / f".s.PGSQL.{info.port}"
            if is_ours(self.pgdata, info.socket_dir) and (
                info.status != "ready" or socket.exists()
            ):
                self._wait_ready(info.pid)  # another process's start, still coming up
                return
            # An older asymkit's server on a shared socket directory, or one whose socket
            # a /tmp cleaner removed: restart it on a private one.
            self._stop(account, info)
        else:
            clear_stale(self.pgdata, info)
        socket_dir = make_private(self.pgdata, account)
        options = (
            f"-c listen_addresses='{self.listen_addresses}' -k {socket_dir} -p {self.port}"
            f" -c max_connections={self.max_connections} -c unix_socket_permissions=0700"
        )
        data = self._data_arg(account)
        for attempt in range(3):
            result = run(
                "pg_ctl",
                [
                    "-D",
                    data,
                    "-l",
                    f"{data}/log",
                    "-w",
                    "-t",
                    str(_START_TIMEOUT),
                    "-o",
                    options,
                    "start",
                ],
                account=account,
                cwd=self.pgdata,
                timeout=_START_TIMEOUT + 10,
            )
            if result.returncode == 0:
                break
            # A crashed server's children may still hold its shared memory for a moment.
            time.sleep(0.5 * (attempt + 1))
            clear_stale(self.pgdata, Postmaster.read(self.pgdata))
        else:
            with contextlib.suppress(OSError):
                socket_dir.rmdir()  # leave no empty directory behind in /tmp
            raise failure(self.pgdata, "did not start", result.stdout)
        info = Postmaster.read(self.pgdata)
        if info is None:
            raise failure(self.pgdata, "did not start", result.stdout)
        self._wait_ready(info.pid)

    def _wait_ready(self, pid: int) -> None:
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            info = Postmaster.read(self.pgdata)
            if info is None or not postmaster_of(self.pgdata, info.pid):
                raise failure(self.pgdata, "stopped while starting")
            if info.status == "ready":
                return
            time.sleep(0.05)
        raise failure(self.pgdata, f"was not ready within {_START_TIMEOUT} s")

    def _stop(self, account: tuple[int, int] | None, info: Postmaster) -> None:
        data = self._data_arg(account)
        result = run(
            "pg_ctl",
            ["-D", data, "-m", "fast", "-w", "-t", "30", "stop"],
            account=account,
            cwd=self.pgdata,
            timeout=40,
        )
        if result.returncode != 0 and postmaster_of(self.pgdata, info.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(info.pid, signal.SIGQUIT)  # immediate shutdown
            with contextlib.suppress(psutil.Error):
                psutil.Process(info.pid).wait(10)
        clear_stale(self.pgdata, Postmaster.read(self.pgdata))
        if is_ours(self.pgdata, info.socket_dir):
            with contextlib.suppress(OSError):
                Path(info.socket_dir).rmdir()  # empty once the server is down
