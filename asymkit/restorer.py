"""The function each snapshot carries to put itself back: generated SQL, run in the server.

``snapshot.capture`` creates ``<snapshot schema>.restore(created, source, entire)``
next to the snapshot's tables; ``snapshot.restore`` calls it in a transaction
and commits. The function locks every table, checks that the snapshot is
still the one the caller planned for, reads which tables changed, and puts
back only their logged rows. Inside the server its statements keep their plans
from one restore to the next on a kept connection, and no SQL is composed or
sent per table: a restore costs what the agent changed, in one round trip and
a commit.
"""

from __future__ import annotations

from psycopg import sql

from . import changes

RETAKEN = -1  # returned when the snapshot is gone or was taken again since it was planned
STALE = -2  # returned when the snapshot was made from another source than the caller's
# The position read at the start, qualified by the function's block label.
SINCE = sql.SQL("asymkit_restore.since")


def whole(tables: list[changes.Table]) -> set[str]:
    """Tables always restored whole: those the log cannot vouch for (no key, no trigger),
    and every table that references one of them."""
    out = {t.name for t in tables if not t.logged or not t.key}
    for table in tables:  # parents come first: the rule reaches every descendant
        if out & set(table.parents):
            out.add(table.name)
    return out


def function(name: str, schema: str, sequences: str, tables: list[changes.Table]) -> sql.Composed:
    """``restore(created, source, entire)`` for snapshot ``name``: the restore, done
    inside the server with plans it keeps per connection, returning the rows it wrote
    back (or ``RETAKEN``, ``STALE``). ``entire`` restores every table whole.

    Children first, rows the snapshot does not have are deleted; parents first,
    the snapshot's version of every logged row is written back (an upsert, so
    rows referenced by others stay put). A table in ``whole`` is emptied and
    copied back entirely.
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
            " WHERE seq > asymkit_restore.since;"
            " INSERT INTO asymkit.changes SELECT t, 'null', nextval('asymkit.change_seq')"
            " FROM unnest(asymkit_restore.whole) AS t"
            " ON CONFLICT (tbl, pk) DO UPDATE SET seq = EXCLUDED.seq;"
            " UPDATE asymkit.snapshots SET position ="
            " (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM asymkit.change_seq)"
            " WHERE name = {};"
            " RETURN written;"
        ).format(sql.Literal(name))
    )
    names = sql.SQL(", ").join(sql.Literal(t.name) for t in tables)
    prologue = sql.SQL(
        "{}"  # every table locked: at once, as the caller already holds them
        " PERFORM set_config('asymkit.restoring', 'on', true);"
        # A reset need not wait for the disk: lost in a crash, it is simply redone.
        " PERFORM set_config('synchronous_commit', 'off', true);"
        " SELECT s.position, s.created, s.source INTO since, taken, made"
        " FROM asymkit.snapshots AS s WHERE s.name = {};"
        " IF NOT FOUND OR taken IS DISTINCT FROM restore.created THEN RETURN {}; END IF;"
        " IF restore.source IS NOT NULL AND made IS DISTINCT FROM restore.source"
        " THEN RETURN {}; END IF;"
        " changed := ARRAY(SELECT DISTINCT c.tbl FROM asymkit.changes AS c WHERE c.seq > since);"
        " whole := CASE WHEN restore.entire THEN ARRAY[{}]::text[] ELSE ARRAY[{}]::text[] END;"
    ).format(
        sql.SQL("{};").format(changes.lock_statement(tables, "ACCESS EXCLUSIVE"))
        if tables
        else sql.SQL(""),
        sql.Literal(name),
        sql.Literal(RETAKEN),
        sql.Literal(STALE),
        names,
        sql.SQL(", ").join(sql.Literal(t) for t in sorted(whole(tables))),
    )
    return sql.SQL(
        "CREATE FUNCTION {}.restore(created double precision, source text, entire boolean)"
        " RETURNS bigint LANGUAGE plpgsql AS $restore$\n"
        # Column names in the statements below win over the function's own names.
        "#variable_conflict use_column\n<<asymkit_restore>>\n"
        "DECLARE since bigint; taken double precision; made text; changed text[]; whole text[];"
        " n bigint; written bigint := 0;\nBEGIN\n{}\n{}\nEND $restore$"
    ).format(snap, prologue, sql.SQL("\n").join(body))


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
