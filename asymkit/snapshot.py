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
mix, never a foreign-key race with a writer. A capture does the same in SHARE
mode (readers go on, writers wait). Both take every lock in one statement, in
one order (parents first, as diffs do), waiting a bounded time and trying
again (``changes.patiently``): a busy clone delays them or, after
``changes.LOCK_PATIENCE``, fails them with ``CLONE_BUSY``, never changing
anything by halves. The seed snapshot is used only when its ``source`` digest
still equals the clone's (same migrations, fixture file and cassettes); the
caller rebuilds otherwise — never because the clone was busy.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
import weakref
from pathlib import Path

import attrs
import psycopg
from psycopg import sql

from . import admin, changes, faults, fixtures, postgres, restorer
from .errors import (
    CloneBusy,
    DatabaseUnavailable,
    InvalidArgument,
    SnapshotNotFound,
    choices,
    expect,
    shown,
)
from .manifest import Template
from .seed import SeedSpec
from .target import Target

log = logging.getLogger(__name__)

SEED = "seed"  # the snapshot taken right after the last seed: what reset() restores
CONTROL = "asymkit"
PREFIX = "asymkit_snap_"
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
_SEQUENCES = "_asymkit_sequences"
RECONNECTS = 3  # a restore whose kept connection the server ended tries on a new one

Conn = changes.Conn


@attrs.frozen
class Info:
    """A saved snapshot, as ``clone.snapshots()`` lists it."""

    name: str
    created: float


def source_digest(template: Template, spec: SeedSpec, fixture: Path | None) -> str:
    """What a seed snapshot was built from: migrations, fixture content and AI layers.

    Every reset asks: the files are hashed again only when one of them changed on disk.
    """
    migrations = template.migration_files()
    files = [*migrations, *([fixture] if fixture is not None else [])]
    layers = json.dumps(spec.to_json(), sort_keys=True)
    key = (layers, *((str(p), *_stamp(p)) for p in files))
    if key not in _DIGESTS:
        h = hashlib.sha256()
        for path in migrations:
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        h.update(layers.encode())
        if fixture is not None:
            h.update(fixture.read_bytes())
        if len(_DIGESTS) > 64:
            _DIGESTS.clear()
        _DIGESTS[key] = "sha256:" + h.hexdigest()
    return _DIGESTS[key]


_DIGESTS: dict[tuple[object, ...], str] = {}


def _stamp(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return st.st_ino, st.st_mtime_ns, st.st_size


def check_name(name: str) -> str:
    """Snapshot names: letters, digits, ``-`` and ``_`` (``seed`` is the last seed's)."""
    expect(name, str, "A snapshot name")
    if not name or len(name) > 40 or not set(name) <= _NAME_CHARS:
        raise InvalidArgument(
            f"{shown(name)} is not a valid snapshot name: use 1-40 letters, digits, '-' or '_'."
        )
    return name


def schema_of(name: str) -> str:
    return PREFIX + name


def take(target: Target, spec: SeedSpec) -> None:
    """Capture the seeded state for fast resets, once the app has installed its tokens."""
    if not target.running:
        return  # tokens are not in the database yet: the next reset rebuilds
    admin.flush_calls(target)  # the seed's own calls (an AI layer's) belong to the seed
    path = fixtures.find(target.template, spec.fixture) if spec.fixture else None
    capture(target.server, target.database, SEED, source_digest(target.template, spec, path))


def _sequences(conn: Conn) -> list[str]:
    return [
        str(r[0])
        for r in conn.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"
        )
    ]


def capture(
    server: postgres.Server,
    database: str,
    name: str,
    source: str | None = None,
    *,
    clone: str | None = None,
) -> None:
    """Save the clone's current state as snapshot ``name`` (replacing one of that name).

    ``CLONE_BUSY`` (and nothing saved or replaced) if writers kept its tables locked;
    ``clone`` names it in that message (default: the database).
    """
    what = f"Snapshot '{name}' of {clone or database}"
    try:
        with postgres.connect(server.dsn(database), autocommit=True) as conn:
            # Each statement its own transaction: the log's DDL holds nothing while the
            # capture below waits for the tables (a writer's trigger writes to the log).
            tables = changes.install(conn)
            changes.patiently(conn, lambda: _capture(conn, tables, name, source), what)
    except psycopg.OperationalError as exc:  # the server ended the connection midway
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable(
            f"{what} was not saved: the connection to its database was lost ({first})."
            " Take it again."
        ) from exc


def _capture(conn: Conn, tables: list[changes.Table], name: str, source: str | None) -> None:
    # Writers wait (readers do not): the copy and the log's position agree.
    conn.execute(changes.hold_statement(tables, "SHARE"))
    schema = sql.Identifier(schema_of(name))
    conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(schema))
    conn.execute(sql.SQL("CREATE SCHEMA {}").format(schema))
    for table in tables:
        ident = sql.Identifier(table.name)
        conn.execute(sql.SQL("CREATE TABLE {}.{} AS TABLE public.{}").format(schema, ident, ident))
        if table.key:
            conn.execute(
                sql.SQL("ALTER TABLE {}.{} ADD PRIMARY KEY ({})").format(
                    schema, ident, sql.SQL(", ").join(sql.Identifier(c) for c, _ in table.key)
                )
            )
    conn.execute(restorer.function(name, schema_of(name), _SEQUENCES, tables))
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
        f"""INSERT INTO asymkit.snapshots VALUES (%s, %s, %s, %s, ({changes.SHAPE}), %s)
           ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position,
             source = EXCLUDED.source, plan = EXCLUDED.plan, shape = EXCLUDED.shape,
             created = EXCLUDED.created""",
        (
            name,
            changes.position(conn),
            source,
            json.dumps([t.to_json() for t in tables]),
            time.time(),
        ),
    )
    conn.execute("COMMIT")


def restore(
    server: postgres.Server,
    database: str,
    name: str = SEED,
    source: str | None = None,
    *,
    whole: bool = False,
    clone: str | None = None,
) -> int | None:
    """Put snapshot ``name`` back in place; return the rows deleted or written back.

    Only the rows logged since the snapshot are put back; ``whole`` restores
    every table entirely instead (what the log's absence forces, and the
    baseline the benchmarks compare with). ``None`` (and nothing changed) if
    the snapshot is missing, stale (``source`` given and different), taken
    over other tables, or cannot be restored for any reason: the caller then
    rebuilds or reports. ``CLONE_BUSY`` (nothing changed) if requests kept its tables
    locked for ``changes.LOCK_PATIENCE``; ``clone`` names it in that message.

    On a kept connection, once its plan is known: lock every table (one statement,
    within ``changes.LOCK_WAIT``, else again) and call the snapshot's ``restore``
    function (it puts back what changed) in one round trip, then commit.
    """
    dsn = server.dsn(database)
    for attempt in range(RECONNECTS):
        try:
            with changes.session(dsn, changes.RESTORING) as conn:
                return _restore(conn, name, source, whole, f"The reset of {clone or database}")
        except CloneBusy:
            raise  # contention is no reason to rebuild: the caller says so, nothing changed
        except psycopg.OperationalError as exc:  # a kept connection the server ended
            log.info("reconnecting to %s (attempt %d: %s)", database, attempt + 1, exc)
        except psycopg.Error as exc:
            log.warning("snapshot %s of %s cannot be restored (%s)", name, database, exc)
            return None
    return None


# The shape last checked on each kept connection. The tables' shape changes only by
# DDL: migrations make a new database (and so a new connection), fixtures may not
# change it. Weak keys: the entry goes with its connection (an id could be reused).
_FITS: weakref.WeakKeyDictionary[Conn, str] = weakref.WeakKeyDictionary()


@attrs.frozen
class _Plan:
    """A snapshot as a restore or diff needs it; ``created`` tells whether it was taken
    again (the restore function compares it, and the source, in the server)."""

    position: int
    tables: list[changes.Table]
    created: float


def _plan(conn: Conn, name: str) -> _Plan | None:
    """The snapshot's position and tables, if they still fit the clone's tables."""
    try:
        row = conn.execute(
            "SELECT position, plan, shape, created FROM asymkit.snapshots WHERE name = %s",
            (name,),
        ).fetchone()
        if row is None:
            return None
        if _FITS.get(conn) != row[2]:
            now = conn.execute(changes.SHAPE).fetchone()
            if now is None or now[0] != row[2]:
                return None
            _FITS[conn] = str(row[2])
    except (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName):
        return None
    position, plan, _, created = row
    return _Plan(
        int(str(position)),
        [changes.Table.from_json(t) for t in plan],  # type: ignore[attr-defined]
        float(created),  # type: ignore[arg-type]
    )


# The snapshots restored on each kept restoring connection, as planned (their shape
# checked): a restore is then one round trip and a commit. The function it calls
# checks that the snapshot was not taken again since (by another process, say).
_KEPT: weakref.WeakKeyDictionary[Conn, dict[str, _Plan]] = weakref.WeakKeyDictionary()


def _restore(conn: Conn, name: str, source: str | None, entire: bool, what: str) -> int | None:
    kept = _KEPT.setdefault(conn, {})
    for fresh in (False, True):
        plan = kept.get(name) if not fresh else None
        if plan is None:
            plan = _plan(conn, name)
            if plan is None:
                return None
            kept[name] = plan
        # One round trip: every table locked (within LOCK_WAIT, else tried again), then
        # the snapshot's own function.
        call = sql.SQL("{}; SELECT {}.restore({}, {}, {})").format(
            changes.hold_statement(plan.tables, "ACCESS EXCLUSIVE"),
            sql.Identifier(schema_of(name)),
            sql.Literal(plan.created),
            sql.Literal(source),
            sql.Literal(entire),
        )
        written = changes.patiently(conn, functools.partial(_call, conn, call), what)
        if written >= 0:
            break
        conn.execute("ROLLBACK")
        del kept[name]
        if written == restorer.STALE:
            return None  # made from another source: the caller rebuilds
    else:
        return None  # gone, or taken again under other tables
    faults.point("reset:restore-locked")
    conn.execute("COMMIT")
    return written


def _call(conn: Conn, call: sql.Composed) -> int:
    """Run ``call`` and return the integer its last statement selected."""
    with conn.cursor() as cur:
        cur.execute(call)
        while cur.nextset():
            pass
        row = cur.fetchone()
    return int(row[0]) if row else restorer.RETAKEN  # type: ignore[call-overload]


def tables_of(conn: Conn, name: str) -> list[changes.Table] | None:
    """The tables snapshot ``name`` was taken over, parents first; ``None`` if it is missing
    or no longer fits (the order every lock on them is taken in)."""
    found = _plan(conn, name)
    return None if found is None else found.tables


def changed_since(conn: Conn, name: str) -> tuple[int, dict[str, bool], list[changes.Table]] | None:
    """Snapshot ``name``'s position, the tables with rows changed since (``True``: count the
    whole table) and every table; ``None`` if it is missing or no longer fits."""
    found = _plan(conn, name)
    if found is None:
        return None
    return found.position, changes.changed(conn, found.position, found.tables), found.tables


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
    """Delete snapshot ``name``; the seed's is refused (every reset restores it)."""
    if name == SEED:
        raise InvalidArgument(
            "'seed' is the last seed's state, which reset restores; it cannot be dropped."
        )
    require(server, database, name)
    with postgres.connect(server.dsn(database)) as conn:
        conn.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema_of(name)))
        )
        conn.execute("DELETE FROM asymkit.snapshots WHERE name = %s", (name,))
        conn.commit()
