"""Change capture: every row written to a clone's tables is logged by key.

``install`` puts a schema ``asymkit`` in the clone's database — the
``changes`` log (table, primary key, seq) and ``snapshots`` — and an
``AFTER ... FOR EACH ROW`` trigger on every public table that records the
key of each row written with a new ``seq``. Snapshots (``snapshot``) and
diffs (``diff``) then read only the rows logged after a position.
"""

from __future__ import annotations

import atexit
import contextlib
import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import attrs
import psycopg
from psycopg import sql

from . import postgres
from .errors import CloneBusy

Conn = psycopg.Connection[tuple[object, ...]]
T = TypeVar("T")

TRIGGER = "asymkit_changes"
# A restore or capture waits at most this long for all its table locks, then lets go of
# them and tries again. Shorter than Postgres' deadlock_timeout (1 s): when a request that
# holds one table waits for another the restore already holds, the restore lets go before
# the server would roll the request back as a deadlock's victim.
LOCK_WAIT = "500ms"
# ...and gives up (CLONE_BUSY, nothing changed) after trying for this many seconds.
LOCK_PATIENCE = 30.0
# What a lock wait that gave up raises: the statement timeout, a lock timeout, a deadlock.
CONTENDED = (
    psycopg.errors.QueryCanceled,
    psycopg.errors.LockNotAvailable,
    psycopg.errors.DeadlockDetected,
)

INSTALL = """
CREATE SCHEMA IF NOT EXISTS asymkit;
CREATE SEQUENCE IF NOT EXISTS asymkit.change_seq;
CREATE TABLE IF NOT EXISTS asymkit.changes (
    tbl text NOT NULL, pk jsonb NOT NULL, seq bigint NOT NULL, PRIMARY KEY (tbl, pk)
);
CREATE INDEX IF NOT EXISTS changes_seq ON asymkit.changes (seq);
CREATE TABLE IF NOT EXISTS asymkit.snapshots (
    name text PRIMARY KEY, position bigint NOT NULL, source text,
    plan jsonb NOT NULL, shape text NOT NULL, created double precision NOT NULL
);
CREATE OR REPLACE FUNCTION asymkit.log_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    seq bigint;
    old_row jsonb;
    new_row jsonb;
    old_key jsonb := '{}';
    new_key jsonb := '{}';
    keys jsonb[] := '{}';
    i int;
BEGIN
    -- A restore logs the rows it puts back itself, in one statement at its end.
    IF current_setting('asymkit.restoring', true) = 'on' THEN
        RETURN NULL;
    END IF;
    seq := nextval('asymkit.change_seq');
    IF TG_NARGS = 0 THEN  -- no primary key: the whole table counts as changed
        keys := ARRAY['null'::jsonb];
    ELSE  -- the row's key before and after (an update may change it)
        IF TG_OP <> 'INSERT' THEN old_row := to_jsonb(OLD); END IF;
        IF TG_OP <> 'DELETE' THEN new_row := to_jsonb(NEW); END IF;
        FOR i IN 0 .. TG_NARGS - 1 LOOP
            old_key := old_key || jsonb_build_object(TG_ARGV[i], old_row -> TG_ARGV[i]);
            new_key := new_key || jsonb_build_object(TG_ARGV[i], new_row -> TG_ARGV[i]);
        END LOOP;
        IF old_row IS NOT NULL THEN
            keys := array_append(keys, old_key);
        END IF;
        IF new_row IS NOT NULL AND (old_row IS NULL OR new_key <> old_key) THEN
            keys := array_append(keys, new_key);
        END IF;
    END IF;
    INSERT INTO asymkit.changes SELECT TG_TABLE_NAME, k, seq FROM unnest(keys) AS k
    ON CONFLICT (tbl, pk) DO UPDATE SET seq = EXCLUDED.seq;
    RETURN NULL;
END $$;
"""


# One digest of everything a restore plan depends on (columns, keys, foreign keys,
# change triggers): equal digests mean a plan made earlier still fits the tables.
SHAPE = """SELECT md5(coalesce(string_agg(x, ',' ORDER BY x), '')) FROM (
    SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
           || a.attgenerated::text AS x
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT 'trigger ' || t.tgrelid::regclass::text || t.tgenabled::text FROM pg_trigger t
    WHERE t.tgname = 'asymkit_changes'
    UNION ALL
    SELECT 'constraint ' || k.conrelid::regclass::text || ' ' || pg_get_constraintdef(k.oid)
    FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace
    WHERE n.nspname = 'public' AND k.contype IN ('p', 'f')
) AS shape"""


@attrs.frozen
class Table:
    """What a restore or diff needs to know about one public table."""

    name: str
    columns: tuple[str, ...]  # those that take a value (GENERATED ones left out)
    key: tuple[tuple[str, str], ...]  # primary key columns and their SQL types
    logged: bool  # carries the change trigger
    parents: tuple[str, ...] = ()  # tables it references

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "columns": list(self.columns),
            "key": [list(k) for k in self.key],
            "logged": self.logged,
            "parents": list(self.parents),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Table:
        return cls(
            str(data["name"]),
            tuple(data["columns"]),
            tuple((str(c), str(t)) for c, t in data["key"]),
            bool(data["logged"]),
            tuple(data["parents"]),
        )


# Connections kept open between calls, a few: a reset in an eval loop then costs
# its statements, not a new connection (~2 ms, more with password auth). Kept per
# (DSN, purpose): a restoring connection is set up once for restores only.
_IDLE: dict[tuple[str, str], list[Conn]] = {}
_IDLE_MAX = 4
_IDLE_LOCK = threading.Lock()
READING = "reading"
RESTORING = "restoring"


@atexit.register
def _close_idle() -> None:
    """Close kept connections at exit, quietly (not in the garbage collector's warnings)."""
    with _IDLE_LOCK:
        for conns in _IDLE.values():
            for conn in conns:
                with contextlib.suppress(Exception):
                    conn.close()
        _IDLE.clear()


def _connect(dsn: str, purpose: str) -> Conn:
    conn = postgres.connect(dsn, autocommit=True)
    if purpose == RESTORING and conn.info.parameter_status("is_superuser") == "on":
        # Foreign-key checks and the tables' own triggers stand aside, as in pg_restore:
        # a restore writes back a state that satisfied them, row for row. Set once per
        # connection, not per restore: changing it drops every plan the server kept.
        conn.execute("SET session_replication_role = replica")
    return conn


@contextlib.contextmanager
def session(dsn: str, purpose: str = READING) -> Iterator[Conn]:
    """An autocommit connection to ``dsn``, reused across calls; dropped on any error.

    ``RESTORING`` connections run restores, and diffs (reads in a read-only transaction),
    nothing that changes a setting (see ``_connect``).
    """
    key = (dsn, purpose)
    with _IDLE_LOCK:
        conn = _IDLE[key].pop() if _IDLE.get(key) else None
    if conn is None or conn.closed:
        conn = _connect(dsn, purpose)
    try:
        yield conn
    except BaseException:
        conn.close()
        raise
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        conn.close()
        return
    with _IDLE_LOCK:
        _IDLE.setdefault(key, []).append(conn)
        while sum(map(len, _IDLE.values())) > _IDLE_MAX:
            oldest = next(k for k, c in _IDLE.items() if c)
            _IDLE[oldest].pop(0).close()


def forget(dsn: str) -> None:
    """Close the idle connections to ``dsn`` (its database is about to go)."""
    with _IDLE_LOCK:
        for key in [k for k in _IDLE if k[0] == dsn]:
            for conn in _IDLE.pop(key):
                conn.close()


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


def install(conn: Conn) -> list[Table]:
    """Create the log (idempotent) and a trigger on every public table; return the tables."""
    conn.execute(INSTALL)
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
    return catalog(conn) if any(not t.logged for t in tables) else tables


def changed(conn: Conn, position: int, tables: list[Table]) -> dict[str, bool]:
    """Tables with rows logged after ``position``; ``True`` where the whole table must count
    (no primary key, no trigger: the log cannot be trusted there)."""
    out = {
        str(tbl): bool(whole)
        for tbl, whole in conn.execute(
            "SELECT tbl, bool_or(pk = 'null') FROM asymkit.changes WHERE seq > %s GROUP BY tbl",
            (position,),
        )
    }
    for t in tables:
        if not t.logged or not t.key:
            out[t.name] = True
    return out


def lock_statement(tables: list[Table], mode: str) -> sql.Composed:
    """Hold every table in ``mode`` (parents first, the order every caller uses)."""
    return sql.SQL("LOCK TABLE {} IN {} MODE").format(
        sql.SQL(", ").join(sql.SQL("public.{}").format(sql.Identifier(t.name)) for t in tables),
        sql.SQL(mode),
    )


def hold_statement(tables: list[Table], mode: str) -> sql.Composed:
    """Start a transaction holding every table in ``mode``, waiting at most ``LOCK_WAIT``
    for all of them together (the statements after it run without that limit)."""
    return sql.SQL(
        "BEGIN; SET LOCAL statement_timeout = {}; {}; SET LOCAL statement_timeout TO DEFAULT"
    ).format(sql.Literal(LOCK_WAIT), lock_statement(tables, mode))


def patiently(conn: Conn, attempt: Callable[[], T], what: str) -> T:
    """``attempt()`` (which begins with ``hold_statement``) until it gets its locks.

    A wait that gave up is rolled back (nothing was changed yet) and tried again a
    moment later, for up to ``LOCK_PATIENCE`` seconds; then ``CLONE_BUSY``.
    """
    deadline = time.monotonic() + LOCK_PATIENCE
    while True:
        try:
            return attempt()
        except CONTENDED:
            conn.execute("ROLLBACK")
            if time.monotonic() > deadline:
                raise CloneBusy(
                    f"{what} did not run: the clone's tables stayed locked by requests for"
                    f" {LOCK_PATIENCE:.0f} s, so nothing was changed and its snapshots are"
                    " kept. Try again once the clients calling it slow down."
                ) from None
            time.sleep(random.uniform(0.01, 0.1))  # apart, so two waiters do not meet again


def position(conn: Conn) -> int:
    row = conn.execute(
        "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM asymkit.change_seq"
    ).fetchone()
    return int(row[0]) if row else 0  # type: ignore[call-overload]


def same_key(table: Table, left: str, right: str) -> sql.Composable:
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


def keys_since(table: Table, position: sql.Composable) -> sql.Composed:
    """The primary keys (``pk``, JSON) of ``table``'s rows logged after ``position``."""
    return sql.SQL("SELECT DISTINCT pk FROM asymkit.changes WHERE tbl = {} AND seq > {}").format(
        sql.Literal(table.name), position
    )
