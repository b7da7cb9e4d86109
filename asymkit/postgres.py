"""The Postgres server asymkit puts clones on, and the admin SQL it runs there.

``ASYMKIT_DATABASE_URL`` names an existing server (shared, managed, CI's).
Unset, asymkit runs its embedded server (``asymkit.embedded``: started if
needed, shared by every process of this ``ASYMKIT_HOME``). Either way the
server is a ``Server``: a URL for its maintenance database, as its admin.
Here too: databases and the clones' own login roles. Connections open through
``connect`` (``asymkit.connection``), which names the fix when one fails.

Several homes (machines) may share one server: nothing here drops or changes a
database or role another home made (``asymkit.homes``: ``NOT_OWNED``).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import threading
import urllib.parse
from collections.abc import Iterator

import attrs
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from . import homes
from .connection import connect as connect  # callers connect through postgres.connect
from .connection import scram_verifier
from .embedded import Embedded
from .errors import DatabaseUnavailable, InvalidArgument, NotOwned
from .paths import EMBEDDED_DIR, home, home_id


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


# -- which server -------------------------------------------------------------------


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
        info = embedded().status()
        running = embedded().running_url()
        if running is not None:
            with contextlib.suppress(DatabaseUnavailable, psycopg.Error):
                info.update(_sharing(Server(url=running, embedded=True)))
        return info
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
        result.update(_sharing(ext))
    except DatabaseUnavailable as exc:
        result["error"] = exc.message
    return result


def _sharing(server: Server) -> dict[str, object]:
    """Whether other homes keep clones on ``server``: ``shared``, ``other_homes``,
    ``other_clones`` (each home marks its databases: ``home_marker``)."""
    with server.admin() as conn:
        others = homes.server_homes(conn)
    others.pop(home_id(), None)
    return {
        "shared": bool(others),
        "other_homes": len(others),
        "other_clones": sum(others.values()),
    }


# -- admin SQL ----------------------------------------------------------------------


def database_exists(conn: psycopg.Connection[tuple[object, ...]], name: str) -> bool:
    cur = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
    return cur.fetchone() is not None


def close_connections(conn: psycopg.Connection[tuple[object, ...]], name: str) -> None:
    """Refuse new connections to ``name`` and end the open ones (``NOT_OWNED`` if not ours)."""
    if not homes.ours(conn, "database", name):
        return
    conn.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(sql.Identifier(name)))
    end_connections(conn, name)


def end_connections(conn: psycopg.Connection[tuple[object, ...]], name: str) -> None:
    """End the open connections to ``name`` (new ones are still let in)."""
    conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = %s AND pid <> pg_backend_pid()",
        (name,),
    )


def drop_database(conn: psycopg.Connection[tuple[object, ...]], name: str) -> None:
    """Drop ``name`` if it exists; ``NOT_OWNED`` if another home made it."""
    if not homes.ours(conn, "database", name):
        return
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
    homes.mark(conn, "database", name)
    if owner is not None:
        conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(name)))


def rename_database(conn: psycopg.Connection[tuple[object, ...]], old: str, new: str) -> None:
    """Rename ``old`` (ours) to ``new``; the mark goes with it."""
    if not homes.ours(conn, "database", old):
        raise DatabaseUnavailable(f"The database {old} is gone: run the command again.")
    conn.execute(
        sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(old), sql.Identifier(new))
    )


def clone_role_name(database: str) -> str:
    """The login role of the clone whose database is ``database`` (the same name)."""
    return database


def create_clone_role(
    conn: psycopg.Connection[tuple[object, ...]], database: str, *, new: bool = False
) -> tuple[str, str]:
    """Create (or re-key) the clone's own login role; return ``(role, password)``.

    ``new``: the role must not exist yet (``NameTaken`` otherwise): creating it is
    how a home claims a drawn name on a shared server, atomically. Re-keying a
    role another home made raises ``NOT_OWNED``.

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
    ).format(sql.Literal(scram_verifier(password)))
    try:
        exists = homes.ours(conn, "role", role)
    except NotOwned:
        if new:
            raise homes.NameTaken(role) from None
        raise
    if exists and new:
        raise homes.NameTaken(role)
    if exists:
        # Only the password: a non-superuser (a managed server's admin) may not even
        # restate NOSUPERUSER, and the powers were fixed when the role was made.
        statement = sql.SQL("ALTER ROLE {} WITH PASSWORD {}").format(
            sql.Identifier(role), sql.Literal(scram_verifier(password))
        )
    else:
        statement = sql.SQL("CREATE ROLE {} WITH {}").format(sql.Identifier(role), options)
    try:
        conn.execute(statement)
    except psycopg.errors.DuplicateObject as exc:  # made by another home since we looked
        raise homes.NameTaken(role) from exc
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
    if not exists:
        homes.mark(conn, "role", role)
    return role, password


def drop_clone_role(conn: psycopg.Connection[tuple[object, ...]], role: str) -> None:
    """Drop a clone's role (after its database): ends its sessions first; no error if absent,
    ``NOT_OWNED`` if another home made it."""
    if not homes.ours(conn, "role", role):
        return
    conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE usename = %s AND pid <> pg_backend_pid()",
        (role,),
    )
    conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
