"""Snapshots: a copy of a clone's seeded state inside its own database, restored in place.

Right after every seed, asymkit copies each table of the ``public`` schema into
the ``asymkit_snapshot`` schema (with sequence positions and a digest of what
the state was built from). ``reset`` then restores it in one transaction:
``DELETE`` every table (children first), ``INSERT … SELECT`` from the snapshot
(parents first), put the sequences back. The app keeps its connections;
requests running meanwhile see the old state or the new one, never a mix.

The snapshot is used only when its ``source`` digest equals the clone's current
one (same migrations, same fixture file, same cassettes); anything else —
missing, stale, damaged — falls back to the full rebuild, which takes a fresh
snapshot.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import psycopg
from psycopg import sql

from . import faults, fixtures, postgres
from .manifest import Template
from .seed import SeedSpec
from .target import Target

log = logging.getLogger(__name__)

# A reset waits this long for requests holding table locks, then tries again.
LOCK_TIMEOUT = "5s"
LOCK_ATTEMPTS = 3

SCHEMA = "asymkit_snapshot"
_META = "_asymkit_meta"
_SEQUENCES = "_asymkit_sequences"

Conn = psycopg.Connection[tuple[object, ...]]


def source_digest(template: Template, spec: SeedSpec, fixture: Path | None) -> str:
    """What a snapshot was built from: migrations, fixture content and AI layers."""
    h = hashlib.sha256()
    for path in template.migration_files():
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    h.update(json.dumps(spec.to_json(), sort_keys=True).encode())
    if fixture is not None:
        h.update(fixture.read_bytes())
    return "sha256:" + h.hexdigest()


def take(target: Target, spec: SeedSpec) -> None:
    """Capture the seeded state for fast resets, once the app has installed its tokens."""
    if not target.running:
        return  # tokens are not in the database yet: the next reset rebuilds
    path = fixtures.find(target.template, spec.fixture) if spec.fixture else None
    capture(target.server, target.database, source_digest(target.template, spec, path))


def _tables(conn: Conn) -> list[str]:
    """Public tables, parents before children (foreign keys decide)."""
    names = [
        str(r[0])
        for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
    ]
    parents: dict[str, set[str]] = {n: set() for n in names}
    for child, parent in conn.execute(
        """SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c
           JOIN pg_namespace n ON n.oid = c.connamespace
           WHERE c.contype = 'f' AND n.nspname = 'public'"""
    ):
        child, parent = str(child).strip('"'), str(parent).strip('"')
        if child in parents and parent in parents and child != parent:
            parents[child].add(parent)
    ordered: list[str] = []
    while parents:
        ready = sorted(n for n, p in parents.items() if not p - set(ordered))
        if not ready:  # a cycle: the remaining order cannot satisfy every key
            ready = sorted(parents)
        for n in ready:
            ordered.append(n)
            del parents[n]
    return ordered


def _sequences(conn: Conn) -> list[str]:
    return [
        str(r[0])
        for r in conn.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"
        )
    ]


def capture(server: postgres.Server, database: str, source: str) -> None:
    """Replace the clone's snapshot with its current state (one transaction)."""
    with postgres.connect(server.dsn(database)) as conn:
        schema = sql.Identifier(SCHEMA)
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(schema))
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(schema))
        tables = _tables(conn)
        for table in tables:
            conn.execute(
                sql.SQL("CREATE TABLE {}.{} AS TABLE public.{}").format(
                    schema, sql.Identifier(table), sql.Identifier(table)
                )
            )
        conn.execute(
            sql.SQL("CREATE TABLE {}.{} (name text, last_value bigint, is_called bool)").format(
                schema, sql.Identifier(_SEQUENCES)
            )
        )
        for seq in _sequences(conn):
            conn.execute(
                sql.SQL("INSERT INTO {}.{} SELECT %s, last_value, is_called FROM public.{}").format(
                    schema, sql.Identifier(_SEQUENCES), sql.Identifier(seq)
                ),
                (seq,),
            )
        conn.execute(
            sql.SQL("CREATE TABLE {}.{} AS SELECT %s::text AS source, %s::text AS tables").format(
                schema, sql.Identifier(_META)
            ),
            (source, json.dumps(tables)),
        )
        conn.commit()


def _insertable(conn: Conn) -> dict[str, list[str]]:
    """Each public table's columns that take a value: every one but GENERATED ones."""
    columns: dict[str, list[str]] = {}
    for table, column in conn.execute(
        """SELECT c.relname, a.attname FROM pg_attribute a
           JOIN pg_class c ON c.oid = a.attrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0
             AND NOT a.attisdropped AND a.attgenerated = ''
           ORDER BY c.relname, a.attnum"""
    ):
        columns.setdefault(str(table), []).append(str(column))
    return columns


def restore(server: postgres.Server, database: str, source: str) -> int | None:
    """Put the snapshot back in place; return the rows restored.

    ``None`` (and nothing changed) if the snapshot is missing, stale or cannot
    be restored for any reason: the caller then rebuilds. Requests that run
    meanwhile wait for the restore (it locks every table first) and then see
    the restored state: never a mix, never a foreign-key race with a writer.
    """
    for attempt in range(LOCK_ATTEMPTS):
        try:
            with postgres.connect(server.dsn(database)) as conn:
                return _restore(conn, source)
        except (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected):
            log.info("reset of %s waited on app locks (attempt %d)", database, attempt + 1)
        except psycopg.Error as exc:
            log.warning("snapshot of %s cannot be restored (%s); rebuilding", database, exc)
            return None
    return None


def _restore(conn: Conn, source: str) -> int | None:
    try:
        row = conn.execute(
            sql.SQL("SELECT source, tables FROM {}.{}").format(
                sql.Identifier(SCHEMA), sql.Identifier(_META)
            )
        ).fetchone()
    except (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName):
        return None
    if row is None or row[0] != source:
        return None
    tables = json.loads(str(row[1]))
    if tables != _tables(conn):
        return None
    conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    conn.execute(
        sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(
            sql.SQL(", ").join(sql.SQL("public.{}").format(sql.Identifier(t)) for t in tables)
        )
    )
    faults.point("reset:restore-locked")
    rows = 0
    insertable = _insertable(conn)
    for table in reversed(tables):
        conn.execute(sql.SQL("DELETE FROM public.{}").format(sql.Identifier(table)))
    for table in tables:
        cols = sql.SQL(", ").join(map(sql.Identifier, insertable[table]))
        rows += conn.execute(
            sql.SQL(
                "INSERT INTO public.{} ({}) OVERRIDING SYSTEM VALUE SELECT {} FROM {}.{}"
            ).format(
                sql.Identifier(table), cols, cols, sql.Identifier(SCHEMA), sql.Identifier(table)
            )
        ).rowcount
    for name, last_value, is_called in conn.execute(
        sql.SQL("SELECT name, last_value, is_called FROM {}.{}").format(
            sql.Identifier(SCHEMA), sql.Identifier(_SEQUENCES)
        )
    ).fetchall():
        conn.execute("SELECT setval(%s, %s, %s)", (f'public."{name}"', last_value, is_called))
    conn.commit()
    return rows
