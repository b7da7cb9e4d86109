"""The function each snapshot carries to put itself back: generated SQL, run in the server.

``snapshot.capture`` creates ``<snapshot schema>.restore(since, changed, whole)``
next to the snapshot's tables; ``snapshot.restore`` locks the clone's tables
(``begin``) and calls it. Inside the server its statements keep their plans
from one restore to the next on a kept connection, and no SQL is composed or
sent per table: a restore costs what the agent changed.
"""

from __future__ import annotations

from psycopg import sql

from . import changes

SINCE = sql.SQL("restore.since")  # the function's argument


def begin(name: str, tables: list[changes.Table]) -> sql.Composed:
    """Lock every table, then read the snapshot's position and the tables changed since."""
    where = sql.SQL("FROM asymkit.snapshots WHERE name = {}").format(sql.Literal(name))
    return sql.SQL(
        # A reset need not wait for the disk: lost in a crash, it is simply redone.
        "BEGIN; {}; SET LOCAL asymkit.restoring = 'on'; SET LOCAL synchronous_commit = off;"
        " SELECT created, position {};"
        " SELECT DISTINCT tbl FROM asymkit.changes WHERE seq > (SELECT position {})"
    ).format(changes.lock_statement(tables, "ACCESS EXCLUSIVE"), where, where)


def whole(tables: list[changes.Table], entire: bool) -> set[str]:
    """Tables restored whole: all when asked, those the log cannot vouch for (no key, no
    trigger), and every table that references one of them."""
    out = {t.name for t in tables if entire or not t.logged or not t.key}
    for table in tables:  # parents come first: the rule reaches every descendant
        if out & set(table.parents):
            out.add(table.name)
    return out


def function(name: str, schema: str, sequences: str, tables: list[changes.Table]) -> sql.Composed:
    """``restore(since, changed, whole)`` for snapshot ``name``: the restore, done inside
    the server with plans it keeps per connection, returning the rows it wrote back.

    Children first, rows the snapshot does not have are deleted; parents first,
    the snapshot's version of every logged row is written back (an upsert, so
    rows referenced by others stay put). A table in ``whole`` is emptied and
    copied back entirely. The caller holds every table's lock.
    """
    snap = sql.Identifier(schema)
    body: list[sql.Composable] = []
    for table in reversed(tables):
        ident = sql.Identifier(table.name)
        body.append(
            _branch(
                table,
                sql.SQL("DELETE FROM public.{}").format(ident),
                sql.SQL(
                    "DELETE FROM public.{} AS x USING ({}) AS c"
                    " WHERE {} AND NOT EXISTS (SELECT FROM {}.{} AS s WHERE {})"
                ).format(
                    ident,
                    changes.keys_since(table, SINCE),
                    changes.key_match(table, "x", "c"),
                    snap,
                    ident,
                    changes.same_key(table, "s", "x"),
                ),
            )
        )
    for table in tables:
        ident = sql.Identifier(table.name)
        cols = sql.SQL(", ").join(map(sql.Identifier, table.columns))
        copy = sql.SQL(
            "INSERT INTO public.{} ({}) OVERRIDING SYSTEM VALUE SELECT {} FROM {}.{} AS x"
        ).format(ident, cols, cols, snap, ident)
        keys = {k for k, _ in table.key}
        others = [c for c in table.columns if c not in keys]
        on_conflict = (
            sql.SQL("UPDATE SET {}").format(
                sql.SQL(", ").join(
                    sql.SQL("{} = EXCLUDED.{}").format(sql.Identifier(c), sql.Identifier(c))
                    for c in others
                )
            )
            if others
            else sql.SQL("NOTHING")
        )
        body.append(
            _branch(
                table,
                copy,
                sql.SQL(
                    "{} WHERE EXISTS (SELECT FROM ({}) AS c WHERE {}) ON CONFLICT ({}) DO {}"
                ).format(
                    copy,
                    changes.keys_since(table, SINCE),
                    changes.key_match(table, "x", "c"),
                    sql.SQL(", ").join(sql.Identifier(k) for k, _ in table.key),
                    on_conflict,
                ),
            )
        )
    body.append(
        sql.SQL(
            # Only the sequences that moved: each setval is a write.
            "PERFORM setval(format('public.%I', s.name), s.last_value, s.is_called)"
            " FROM {}.{} AS s JOIN pg_sequences AS p"
            " ON p.schemaname = 'public' AND p.sequencename = s.name"
            " WHERE p.last_value IS DISTINCT FROM CASE WHEN s.is_called THEN s.last_value END;"
        ).format(snap, sql.Identifier(sequences))
    )
    # The rows put back changed for every other snapshot: log them anew, in one go
    # (the trigger stood aside), tables restored whole as such. The clone then equals
    # the snapshot again: later changes are counted from here.
    body.append(
        sql.SQL(
            "UPDATE asymkit.changes SET seq = nextval('asymkit.change_seq')"
            " WHERE seq > restore.since;"
            " INSERT INTO asymkit.changes SELECT t, 'null', nextval('asymkit.change_seq')"
            " FROM unnest(restore.whole) AS t"
            " ON CONFLICT (tbl, pk) DO UPDATE SET seq = EXCLUDED.seq;"
            " UPDATE asymkit.snapshots SET position ="
            " (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM asymkit.change_seq)"
            " WHERE name = {};"
            " RETURN written;"
        ).format(sql.Literal(name))
    )
    return sql.SQL(
        "CREATE FUNCTION {}.restore(since bigint, changed text[], whole text[]) RETURNS bigint"
        " LANGUAGE plpgsql AS $restore$\n"
        "DECLARE n bigint; written bigint := 0;\nBEGIN\n{}\nEND $restore$"
    ).format(snap, sql.SQL("\n").join(body))


def _branch(table: changes.Table, entire: sql.Composable, rows: sql.Composable) -> sql.Composed:
    """Run ``entire`` if the table is restored whole, else ``rows`` if it changed (only
    with a primary key: without one a table is always whole); count what they wrote."""
    count = sql.SQL("GET DIAGNOSTICS n = ROW_COUNT; written := written + n;")
    name = sql.Literal(table.name)
    if not table.key:
        return sql.SQL("IF {} = ANY(whole) THEN {}; {} END IF;").format(name, entire, count)
    return sql.SQL(
        "IF {} = ANY(whole) THEN {}; {} ELSIF {} = ANY(changed) THEN {}; {} END IF;"
    ).format(name, entire, count, name, rows, count)
