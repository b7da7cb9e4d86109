"""The Postgres server asymkit puts clones on, and the admin SQL it runs there.

``ASYMKIT_DATABASE_URL`` names an existing server (shared, managed, CI's).
Unset, asymkit runs its embedded server (``asymkit.embedded``: started if
needed, shared by every process of this ``ASYMKIT_HOME``). Either way the
server is a ``Server``: a URL for its maintenance database, as its admin.
Here too: databases and the clones' own login roles. Connections open through
``connect`` (``asymkit.connection``), which names the fix when one fails.

Several homes (machines) may share one server. Each database and role asymkit
makes carries its home in a comment (``home_marker``), and nothing here drops or
changes a database or role another home made: it raises ``NOT_OWNED`` instead.
Comments, not a catalog table: a managed server's non-superuser admin may comment
on what it created, the mark goes wherever the object goes (a rename keeps it),
and it cannot outlive the object.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
import threading
import urllib.parse
from collections.abc import Iterator

import attrs
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

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
        homes = server_homes(conn)
    homes.pop(home_id(), None)
    return {
        "shared": bool(homes),
        "other_homes": len(homes),
        "other_clones": sum(homes.values()),
    }


# -- which home made what ---------------------------------------------------------

_MARK = "asymkit home "
Conn = psycopg.Connection[tuple[object, ...]]


def home_marker() -> str:
    """The comment on every database and role this home makes: its id, then where it is."""
    return f"{_MARK}{home_id()} {socket.gethostname()}:{home()}"


def _comment(conn: Conn, kind: str, name: str) -> tuple[bool, str | None]:
    """``(exists, comment)`` of the database or role ``name``."""
    if kind == "database":
        query = "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s"
    else:
        query = "SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = %s"
    row = conn.execute(query, (name,)).fetchone()
    return (row is not None, str(row[0]) if row and row[0] is not None else None)


def ours(conn: Conn, kind: str, name: str) -> bool:
    """Whether the ``kind`` (database or role) ``name`` exists and this home may change it.

    ``False`` if absent; ``NOT_OWNED`` if another home's mark is on it. One with no
    mark was made by an asymkit from before marks, and callers only ever name what
    their own registry holds, whose names were checked free on the server when drawn.
    """
    exists, comment = _comment(conn, kind, name)
    if not exists:
        return False
    if comment is None or not comment.startswith(_MARK):
        return True
    owner = comment.removeprefix(_MARK)
    if owner.split(" ", 1)[0] == home_id():
        return True
    where = owner.split(" ", 1)[1] if " " in owner else "unknown"
    raise NotOwned(
        f"The {kind} {name} on this Postgres server belongs to another asymkit home"
        f" ({where}), so this home will not drop or change it: destroy that clone from its"
        " own home, or give this one another ASYMKIT_DATABASE_URL."
    )


def _mark(conn: Conn, kind: str, name: str) -> None:
    noun = "DATABASE" if kind == "database" else "ROLE"
    conn.execute(
        sql.SQL("COMMENT ON {} {} IS {}").format(
            sql.SQL(noun), sql.Identifier(name), sql.Literal(home_marker())
        )
    )


def name_taken(conn: Conn, database: str) -> bool:
    """Whether a clone database named ``database`` would collide with anything on the server
    (its database, its staging database or its role, whoever made them)."""
    row = conn.execute(
        "SELECT 1 FROM pg_roles WHERE rolname = %s"
        " UNION ALL SELECT 1 FROM pg_database WHERE datname IN (%s, %s)",
        (clone_role_name(database), database, f"{database}__next"),
    ).fetchone()
    return row is not None


def server_homes(conn: Conn) -> dict[str, int]:
    """Clone databases on the server per home id that marked them (staging ones not counted)."""
    counts: dict[str, int] = {}
    for (comment,) in conn.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database"
        " WHERE right(datname, 6) <> '__next'"
    ):
        if isinstance(comment, str) and comment.startswith(_MARK):
            owner = comment.removeprefix(_MARK).split(" ", 1)[0]
            counts[owner] = counts.get(owner, 0) + 1
    return counts


# -- admin SQL ----------------------------------------------------------------------


def database_exists(conn: psycopg.Connection[tuple[object, ...]], name: str) -> bool:
    cur = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
    return cur.fetchone() is not None


def close_connections(conn: psycopg.Connection[tuple[object, ...]], name: str) -> None:
    """Refuse new connections to ``name`` and end the open ones (``NOT_OWNED`` if not ours)."""
    if not ours(conn, "database", name):
        return
    conn.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(sql.Identifier(name)))
    conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = %s AND pid <> pg_backend_pid()",
        (name,),
    )


def drop_database(conn: psycopg.Connection[tuple[object, ...]], name: str) -> None:
    """Drop ``name`` if it exists; ``NOT_OWNED`` if another home made it."""
    if not ours(conn, "database", name):
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
    _mark(conn, "database", name)
    if owner is not None:
        conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(name)))


def rename_database(conn: psycopg.Connection[tuple[object, ...]], old: str, new: str) -> None:
    """Rename ``old`` (ours) to ``new``; the mark goes with it."""
    if not ours(conn, "database", old):
        raise DatabaseUnavailable(f"The database {old} is gone: run the command again.")
    conn.execute(
        sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(old), sql.Identifier(new))
    )


def clone_role_name(database: str) -> str:
    """The login role of the clone whose database is ``database`` (the same name)."""
    return database


class NameTaken(Exception):
    """A new clone's role already exists on the server (another home drew the same id)."""


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
        exists = ours(conn, "role", role)
    except NotOwned:
        if new:
            raise NameTaken(role) from None
        raise
    if exists and new:
        raise NameTaken(role)
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
        raise NameTaken(role) from exc
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
        _mark(conn, "role", role)
    return role, password


def drop_clone_role(conn: psycopg.Connection[tuple[object, ...]], role: str) -> None:
    """Drop a clone's role (after its database): ends its sessions first; no error if absent,
    ``NOT_OWNED`` if another home made it."""
    if not ours(conn, "role", role):
        return
    conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE usename = %s AND pid <> pg_backend_pid()",
        (role,),
    )
    conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
