"""Snapshots and change capture: saved states of a clone, kept in its own database.

Inside the clone's database:

- schema ``asymkit``: ``snapshots`` (name, position, source, tables),
  ``changes`` (table, primary key, seq) and the trigger function that fills it;
- every public table carries an ``AFTER ... FOR EACH ROW`` trigger that records
  the primary key of each row written, with a new ``seq``;
- one schema per snapshot (``asymkit_snap_<name>``; the last seed is
  ``seed``): a copy of every public table, keyed like the original, and the
  sequences' positions.

A snapshot's ``position`` is the last ``seq`` at which the clone was known to
equal it, so the rows that may differ are exactly those logged after it.
Restoring puts back only those (delete them, copy the snapshot's version in)
and a diff reads only those: both cost what the agent did, not what the
dataset holds. Where the log cannot be trusted (a table without its trigger,
a table without a primary key) that table is restored whole.

A restore runs in one transaction that first locks every table: requests in
flight finish first, new ones wait and then see the restored state — never a
mix, never a foreign-key race with a writer. The seed snapshot is used only
when its ``source`` digest still equals the clone's (same migrations, fixture
file and cassettes); the caller rebuilds otherwise.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path

import attrs
import psycopg
from psycopg import sql

from . import faults, fixtures, postgres
from .errors import InvalidArgument, SnapshotNotFound, choices
from .manifest import Template
from .seed import SeedSpec
from .target import Target

log = logging.getLogger(__name__)

SEED = "seed"  # the snapshot taken right after the last seed: what reset() restores
CONTROL = "asymkit"
PREFIX = "asymkit_snap_"
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
_SEQUENCES = "_asymkit_sequences"
TRIGGER = "asymkit_changes"
# The primary keys of one table's rows logged after a position (parameters: table, position).
CHANGED_KEYS = sql.SQL("SELECT DISTINCT pk FROM asymkit.changes WHERE tbl = %s AND seq > %s")

# A reset waits this long for requests holding table locks, then tries again.
LOCK_TIMEOUT = "5s"
LOCK_ATTEMPTS = 3

Conn = psycopg.Connection[tuple[object, ...]]

_INSTALL = """
CREATE SCHEMA IF NOT EXISTS asymkit;
CREATE SEQUENCE IF NOT EXISTS asymkit.change_seq;
CREATE TABLE IF NOT EXISTS asymkit.changes (
    tbl text NOT NULL, pk jsonb NOT NULL, seq bigint NOT NULL, PRIMARY KEY (tbl, pk)
);
CREATE INDEX IF NOT EXISTS changes_seq ON asymkit.changes (seq);
CREATE TABLE IF NOT EXISTS asymkit.snapshots (
    name text PRIMARY KEY, position bigint NOT NULL, source text,
    tables jsonb NOT NULL, created double precision NOT NULL
);
CREATE OR REPLACE FUNCTION asymkit.log_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    seq bigint := nextval('asymkit.change_seq');
    old_key jsonb;
    new_key jsonb;
    i int;
BEGIN
    IF TG_NARGS = 0 THEN  -- no primary key: the whole table counts as changed
        INSERT INTO asymkit.changes VALUES (TG_TABLE_NAME, 'null', seq)
        ON CONFLICT (tbl, pk) DO UPDATE SET seq = EXCLUDED.seq;
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        old_key := '{}';
        FOR i IN 0 .. TG_NARGS - 1 LOOP
            old_key := old_key || jsonb_build_object(TG_ARGV[i], to_jsonb(OLD) -> TG_ARGV[i]);
        END LOOP;
        INSERT INTO asymkit.changes VALUES (TG_TABLE_NAME, old_key, seq)
        ON CONFLICT (tbl, pk) DO UPDATE SET seq = EXCLUDED.seq;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_key := '{}';
        FOR i IN 0 .. TG_NARGS - 1 LOOP
            new_key := new_key || jsonb_build_object(TG_ARGV[i], to_jsonb(NEW) -> TG_ARGV[i]);
        END LOOP;
        IF new_key IS DISTINCT FROM old_key THEN
            INSERT INTO asymkit.changes VALUES (TG_TABLE_NAME, new_key, seq)
            ON CONFLICT (tbl, pk) DO UPDATE SET seq = EXCLUDED.seq;
        END IF;
    END IF;
    RETURN NULL;
END $$;
"""


@attrs.frozen
class Table:
    """What a restore or diff needs to know about one public table."""

    name: str
    columns: tuple[str, ...]  # those that take a value (GENERATED ones left out)
    key: tuple[tuple[str, str], ...]  # primary key columns and their SQL types
    logged: bool  # carries the change trigger
    parents: tuple[str, ...] = ()  # tables it references


@attrs.frozen
class Info:
    """A saved snapshot, as ``clone.snapshots()`` lists it."""

    name: str
    created: float


def source_digest(template: Template, spec: SeedSpec, fixture: Path | None) -> str:
    """What a seed snapshot was built from: migrations, fixture content and AI layers."""
    h = hashlib.sha256()
    for path in template.migration_files():
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    h.update(json.dumps(spec.to_json(), sort_keys=True).encode())
    if fixture is not None:
        h.update(fixture.read_bytes())
    return "sha256:" + h.hexdigest()


def check_name(name: str) -> str:
    """Snapshot names: letters, digits, ``-`` and ``_`` (``seed`` is the last seed's)."""
    if not name or len(name) > 40 or not set(name) <= _NAME_CHARS:
        raise InvalidArgument(
            f"'{name}' is not a valid snapshot name: use 1-40 letters, digits, '-' or '_'."
        )
    return name


def schema_of(name: str) -> str:
    return PREFIX + name


def take(target: Target, spec: SeedSpec) -> None:
    """Capture the seeded state for fast resets, once the app has installed its tokens."""
    if not target.running:
        return  # tokens are not in the database yet: the next reset rebuilds
    path = fixtures.find(target.template, spec.fixture) if spec.fixture else None
    capture(target.server, target.database, SEED, source_digest(target.template, spec, path))


def catalog(conn: Conn) -> list[Table]:
    """Public tables, parents before children (foreign keys decide), with their keys."""
    columns: dict[str, list[str]] = {}
    keys: dict[str, list[tuple[str, str]]] = {}
    for table, column, sqltype, in_key in conn.execute(
        """SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                  coalesce(a.attnum = ANY(i.indkey::int2[]), false)
           FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
           LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
           WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attgenerated = ''
           ORDER BY c.relname, a.attnum"""
    ):
        columns.setdefault(str(table), []).append(str(column))
        if in_key:
            keys.setdefault(str(table), []).append((str(column), str(sqltype)))
    parents: dict[str, set[str]] = {n: set() for n in columns}
    logged: set[str] = set()
    for kind, child, parent in conn.execute(
        """SELECT 'fk', c.conrelid::regclass::text, c.confrelid::regclass::text
           FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
           WHERE c.contype = 'f' AND n.nspname = 'public'
           UNION ALL
           SELECT 'trigger', t.tgrelid::regclass::text, NULL FROM pg_trigger t
           WHERE t.tgname = %s AND t.tgenabled <> 'D'""",
        (TRIGGER,),
    ):
        child = str(child).strip('"').removeprefix("public.")
        if kind == "trigger":
            logged.add(child)
            continue
        parent = str(parent).strip('"').removeprefix("public.")
        if child in parents and parent in parents and child != parent:
            parents[child].add(parent)
    refs = {n: set(p) for n, p in parents.items()}
    ordered: list[str] = []
    while parents:
        ready = sorted(n for n, p in parents.items() if not p - set(ordered))
        if not ready:  # a cycle: the remaining order cannot satisfy every key
            ready = sorted(parents)
        for n in ready:
            ordered.append(n)
            del parents[n]
    return [
        Table(n, tuple(columns[n]), tuple(keys.get(n, ())), n in logged, tuple(sorted(refs[n])))
        for n in ordered
    ]


def _sequences(conn: Conn) -> list[str]:
    return [
        str(r[0])
        for r in conn.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"
        )
    ]


def _lock(conn: Conn, tables: list[Table], mode: str) -> None:
    conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    conn.execute(
        sql.SQL("LOCK TABLE {} IN " + mode + " MODE").format(
            sql.SQL(", ").join(sql.SQL("public.{}").format(sql.Identifier(t.name)) for t in tables)
        )
    )


def _position(conn: Conn) -> int:
    row = conn.execute(
        "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM asymkit.change_seq"
    ).fetchone()
    return int(row[0]) if row else 0  # type: ignore[call-overload]


def capture(server: postgres.Server, database: str, name: str, source: str | None = None) -> None:
    """Save the clone's current state as snapshot ``name`` (replacing one of that name)."""
    with postgres.connect(server.dsn(database)) as conn:
        conn.execute(_INSTALL)
        tables = catalog(conn)
        for table in tables:
            if not table.logged:
                conn.execute(
                    sql.SQL(
                        "CREATE TRIGGER {} AFTER INSERT OR UPDATE OR DELETE ON public.{}"
                        " FOR EACH ROW EXECUTE FUNCTION asymkit.log_change({})"
                    ).format(
                        sql.Identifier(TRIGGER),
                        sql.Identifier(table.name),
                        sql.SQL(", ").join(sql.Literal(c) for c, _ in table.key),
                    )
                )
        if tables:
            _lock(conn, tables, "SHARE")  # writers wait: the copy and position agree
        schema = sql.Identifier(schema_of(name))
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(schema))
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(schema))
        for table in tables:
            ident = sql.Identifier(table.name)
            conn.execute(
                sql.SQL("CREATE TABLE {}.{} AS TABLE public.{}").format(schema, ident, ident)
            )
            if table.key:
                conn.execute(
                    sql.SQL("ALTER TABLE {}.{} ADD PRIMARY KEY ({})").format(
                        schema, ident, sql.SQL(", ").join(sql.Identifier(c) for c, _ in table.key)
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
            """INSERT INTO asymkit.snapshots VALUES (%s, %s, %s, %s, %s)
               ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position,
                 source = EXCLUDED.source, tables = EXCLUDED.tables, created = EXCLUDED.created""",
            (name, _position(conn), source, json.dumps([t.name for t in tables]), time.time()),
        )
        conn.commit()


def restore(
    server: postgres.Server, database: str, name: str = SEED, source: str | None = None
) -> int | None:
    """Put snapshot ``name`` back in place; return the rows copied back.

    ``None`` (and nothing changed) if it is missing, stale (``source`` given
    and different), taken over other tables, or cannot be restored for any
    reason: the caller then rebuilds or reports.
    """
    for attempt in range(LOCK_ATTEMPTS):
        try:
            with postgres.connect(server.dsn(database)) as conn:
                return _restore(conn, name, source)
        except (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected):
            log.info("reset of %s waited on app locks (attempt %d)", database, attempt + 1)
        except psycopg.Error as exc:
            log.warning("snapshot %s of %s cannot be restored (%s)", name, database, exc)
            return None
    return None


def _meta(conn: Conn, name: str) -> tuple[int, str | None, list[str]] | None:
    try:
        row = conn.execute(
            "SELECT position, source, tables FROM asymkit.snapshots WHERE name = %s", (name,)
        ).fetchone()
    except (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName):
        conn.rollback()
        return None
    if row is None:
        return None
    position, source, tables = row
    return int(str(position)), None if source is None else str(source), list(tables)  # type: ignore[call-overload]


def _restore(conn: Conn, name: str, source: str | None) -> int | None:
    meta = _meta(conn, name)
    if meta is None or (source is not None and meta[1] != source):
        return None
    position = meta[0]
    tables = catalog(conn)
    if [t.name for t in tables] != meta[2]:
        return None
    _lock(conn, tables, "ACCESS EXCLUSIVE")
    faults.point("reset:restore-locked")
    schema = sql.Identifier(schema_of(name))
    changed = {
        str(tbl): bool(whole)
        for tbl, whole in conn.execute(
            "SELECT tbl, bool_or(pk = 'null') FROM asymkit.changes WHERE seq > %s GROUP BY tbl",
            (position,),
        )
    }
    # Tables whose log cannot be trusted are restored whole.
    whole = {t.name for t in tables if not t.logged or not t.key or changed.get(t.name)}
    # A table restored whole takes the tables referencing it along (their rows go first).
    for table in tables:
        if whole & set(table.parents):
            whole.add(table.name)
    todo = [t for t in tables if t.name in whole or t.name in changed]
    for table in reversed(todo):  # children first
        ident = sql.Identifier(table.name)
        if table.name in whole:
            conn.execute(sql.SQL("DELETE FROM public.{}").format(ident))
        else:  # rows the snapshot does not have: added since
            conn.execute(
                sql.SQL(
                    "DELETE FROM public.{} AS x USING ({}) AS c WHERE {}"
                    " AND NOT EXISTS (SELECT FROM {}.{} AS s WHERE {})"
                ).format(
                    ident,
                    CHANGED_KEYS,
                    key_match(table, "x", "c"),
                    schema,
                    ident,
                    _same_key(table, "s", "x"),
                ),
                (table.name, position),
            )
    rows = 0
    for table in todo:  # parents first: put the snapshot's version back
        ident = sql.Identifier(table.name)
        cols = sql.SQL(", ").join(map(sql.Identifier, table.columns))
        query = sql.SQL(
            "INSERT INTO public.{} ({}) OVERRIDING SYSTEM VALUE SELECT {} FROM {}.{} AS x"
        ).format(ident, cols, cols, schema, ident)
        if table.name in whole:
            rows += conn.execute(query).rowcount
            continue
        others = [c for c in table.columns if c not in {k for k, _ in table.key}]
        conflict = sql.SQL(" ON CONFLICT ({}) DO ").format(
            sql.SQL(", ").join(sql.Identifier(k) for k, _ in table.key)
        ) + (
            sql.SQL("UPDATE SET {}").format(
                sql.SQL(", ").join(
                    sql.SQL("{} = EXCLUDED.{}").format(sql.Identifier(c), sql.Identifier(c))
                    for c in others
                )
            )
            if others
            else sql.SQL("NOTHING")
        )
        rows += conn.execute(
            sql.SQL("{} WHERE EXISTS (SELECT FROM ({}) AS c WHERE {}){}").format(
                query, CHANGED_KEYS, key_match(table, "x", "c"), conflict
            ),
            (table.name, position),
        ).rowcount
    for seq, last_value, is_called in conn.execute(
        sql.SQL("SELECT name, last_value, is_called FROM {}.{}").format(
            schema, sql.Identifier(_SEQUENCES)
        )
    ).fetchall():
        conn.execute("SELECT setval(%s, %s, %s)", (f'public."{seq}"', last_value, is_called))
    # The clone equals the snapshot again: later changes are counted from here.
    conn.execute(
        "UPDATE asymkit.snapshots SET position = %s WHERE name = %s", (_position(conn), name)
    )
    conn.commit()
    return rows


def _same_key(table: Table, left: str, right: str) -> sql.Composable:
    return sql.SQL(" AND ").join(
        sql.SQL("{}.{} = {}.{}").format(
            sql.Identifier(left), sql.Identifier(c), sql.Identifier(right), sql.Identifier(c)
        )
        for c, _ in table.key
    )


def key_match(table: Table, row: str, change: str) -> sql.Composable:
    return sql.SQL(" AND ").join(
        sql.SQL("{}.{} = ({}.pk ->> {})::{}").format(
            sql.Identifier(row),
            sql.Identifier(col),
            sql.Identifier(change),
            sql.Literal(col),
            sql.SQL(sqltype),
        )
        for col, sqltype in table.key
    )


def changed_since(conn: Conn, name: str) -> tuple[dict[str, bool], list[Table]]:
    """Tables with rows changed since snapshot ``name`` (``True``: the whole table)."""
    meta = _meta(conn, name)
    if meta is None:
        raise SnapshotNotFound(f"No snapshot '{name}'; take one with `asymkit snapshot ID NAME`.")
    tables = catalog(conn)
    changed = {
        str(tbl): bool(whole)
        for tbl, whole in conn.execute(
            "SELECT tbl, bool_or(pk = 'null') FROM asymkit.changes WHERE seq > %s GROUP BY tbl",
            (meta[0],),
        )
    }
    for t in tables:
        if not t.logged or not t.key or changed.get(t.name):
            changed[t.name] = True
    return changed, tables


def names(server: postgres.Server, database: str) -> list[Info]:
    """The named snapshots of a clone (not the seed's), oldest first."""
    with postgres.connect(server.dsn(database)) as conn:
        try:
            rows = conn.execute(
                "SELECT name, created FROM asymkit.snapshots WHERE name <> %s ORDER BY created",
                (SEED,),
            ).fetchall()
        except (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName):
            return []
    return [Info(str(n), float(c)) for n, c in rows]  # type: ignore[arg-type]


def require(server: postgres.Server, database: str, name: str) -> None:
    """Fail with the nearest existing name unless snapshot ``name`` exists."""
    if name == SEED:
        return
    existing = [i.name for i in names(server, database)]
    if name not in existing:
        raise SnapshotNotFound(
            f"No snapshot '{name}'. {choices(name, existing, 'snapshot')}"
            " List them with `asymkit snapshot ID --list`."
        )


def drop(server: postgres.Server, database: str, name: str) -> None:
    """Delete snapshot ``name``."""
    require(server, database, name)
    with postgres.connect(server.dsn(database)) as conn:
        conn.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema_of(name)))
        )
        conn.execute("DELETE FROM asymkit.snapshots WHERE name = %s", (name,))
        conn.commit()
