"""Which asymkit home made a database or role on a shared server, and names free on it.

Several homes (machines) may share one server. Each database and role asymkit
makes carries its home in a comment (``home_marker``), and ``postgres`` drops or
changes nothing another home made: ``ours`` raises ``NOT_OWNED`` instead.
Comments, not a catalog table: a managed server's non-superuser admin may comment
on what it created, the mark goes wherever the object goes (a rename keeps it),
and it cannot outlive the object.
"""

from __future__ import annotations

import socket

import psycopg
from psycopg import sql

from .errors import NotOwned
from .paths import home, home_id

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


def mark(conn: Conn, kind: str, name: str) -> None:
    """Put this home's mark on the ``kind`` (database or role) ``name``."""
    noun = "DATABASE" if kind == "database" else "ROLE"
    conn.execute(
        sql.SQL("COMMENT ON {} {} IS {}").format(
            sql.SQL(noun), sql.Identifier(name), sql.Literal(home_marker())
        )
    )


def name_taken(conn: Conn, database: str, role: str) -> bool:
    """Whether a clone whose database is ``database`` and role ``role`` would collide with
    anything on the server (those, or its staging database, whoever made them)."""
    row = conn.execute(
        "SELECT 1 FROM pg_roles WHERE rolname = %s"
        " UNION ALL SELECT 1 FROM pg_database WHERE datname IN (%s, %s)",
        (role, database, f"{database}__next"),
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


class NameTaken(Exception):
    """A new clone's role already exists on the server (another home drew the same id)."""
