"""Diff: what changed in a clone since its last seed or a named snapshot, per kind.

A template declares its kinds in its manifest (``diff.kinds``): for each, the
table it lives in, the fields that identify a record (``key``) and a SQL
``select`` that renders records as the product's API shows them (Slack: ``ts``,
``channel``, ``user``, ``text``…), written against the template's own tables.
``diff.names`` maps a prefix to a query of ``(id, name)`` so graders can say
``#general`` or ``@maya`` instead of ids.

Only rows the change log (see ``snapshot``) names are read: the select runs
twice over just those rows of its table — once against the snapshot's copy,
once against the live tables — by shadowing that table with a temporary one
holding the changed rows. A second template gets diffs from its manifest,
without new Python.
"""

from __future__ import annotations

import datetime
import decimal
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import attrs
import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from . import changes, snapshot
from . import table as plain_table
from .errors import DatabaseUnavailable, SnapshotInvalid, TemplateInvalid
from .manifest import Template
from .target import Target

Record = dict[str, Any]


@attrs.frozen
class Change:
    """A record present before and after, with only the differing fields in each side."""

    key: Record
    before: Record
    after: Record
    record: Record = attrs.field(eq=False, repr=False)  # the whole record after: for matching

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "before": self.before, "after": self.after}


@attrs.frozen
class KindDiff:
    added: tuple[Record, ...] = ()
    removed: tuple[Record, ...] = ()
    changed: tuple[Change, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def to_json(self) -> dict[str, Any]:
        return {
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": [c.to_json() for c in self.changed],
        }


@attrs.frozen
class Diff:
    """Every change to a clone's product state since ``since`` (``"seed"`` or a snapshot).

    ``diff["messages"].added`` lists new messages; ``bool(diff)`` is False when
    nothing changed; ``names`` resolves ``#channel``/``@user``-style references.
    """

    since: str
    kinds: Mapping[str, KindDiff]
    names: Mapping[str, Mapping[str, str]] = attrs.field(factory=dict, repr=False)

    def __bool__(self) -> bool:
        return any(self.kinds.values())

    def __getitem__(self, kind: str) -> KindDiff:
        return self.kinds[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.kinds))

    def summary(self) -> dict[str, dict[str, int]]:
        """Counts per kind: ``{"messages": {"added": 2, "removed": 0, "changed": 1}, ...}``."""
        return {
            kind: {
                "added": len(d.added),
                "removed": len(d.removed),
                "changed": len(d.changed),
            }
            for kind, d in sorted(self.kinds.items())
        }

    def to_json(self) -> dict[str, Any]:
        """``{"since": ..., "changes": {KIND: {"added": [...], ...}}}``, every kind present."""
        return {
            "since": self.since,
            "changes": {kind: d.to_json() for kind, d in sorted(self.kinds.items())},
        }

    def dumps(self) -> str:
        """The JSON text, keys sorted: stable and diffable."""
        return json.dumps(self.to_json(), sort_keys=True, indent=2, ensure_ascii=False)

    def rows(self) -> Iterator[tuple[str, str, str]]:
        """One ``(kind, change, record)`` row per change, as ``asymkit diff`` lists them,
        made as they are read: 100,000 changes are never held twice."""
        for kind in self:
            d = self[kind]
            for record in d.added:
                yield kind, "+ added", _brief(record)
            for record in d.removed:
                yield kind, "- removed", _brief(record)
            for change in d.changed:
                what = ", ".join(
                    f"{k}: {change.before[k]!r} → {change.after[k]!r}" for k in change.after
                )
                yield kind, "~ changed", _brief_text(f"{_brief(change.key)} {what}", 300)

    def table(self) -> str:
        """The changes as the plain-text table ``asymkit diff`` prints in a pipe, or one
        line saying there are none: what a test's failure report shows."""
        if not self:
            return f"No changes since {self.since}."
        rows = list(self.rows())
        lines = plain_table.render(TABLE_HEADERS, rows)
        if lines is None:  # a cell of wide characters: unaligned, still one row per change
            lines = ["  ".join(row) for row in (TABLE_HEADERS, *rows)]
        return "\n".join(lines)


TABLE_HEADERS = ("KIND", "CHANGE", "RECORD")


def _brief(record: Mapping[str, object], width: int = 100) -> str:
    """A record on one line: its non-empty fields, cut to ``width`` characters."""
    return _brief_text(
        " ".join(f"{k}={v!r}" for k, v in record.items() if v not in (None, "", False)), width
    )


def _brief_text(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@attrs.frozen
class Kind:
    """One kind of record, as the template's manifest declares it."""

    name: str
    table: str
    key: tuple[str, ...]
    select: str


def kinds(template: Template) -> list[Kind]:
    declared = template.diff.get("kinds") or {}
    out = []
    for name, spec in sorted(declared.items()):
        try:
            out.append(Kind(name, spec["table"], tuple(spec["key"]), spec["select"]))
        except (KeyError, TypeError) as exc:
            raise TemplateInvalid(
                f"Template '{template.name}': diff kind '{name}' needs table, key and select."
            ) from exc
    return out


def compute(target: Target, since: str = snapshot.SEED) -> Diff:
    """The clone's changes since snapshot ``since``, rendered per declared kind."""
    declared = kinds(target.template)
    if not declared:
        raise TemplateInvalid(
            f"Template '{target.template.name}' declares no diff kinds (diff.kinds in its"
            " manifest), so its changes cannot be shown."
        )
    for attempt in range(READ_ATTEMPTS):
        try:
            # The connection a reset then uses: a grading loop's diff and reset (and the
            # CLI's reset, which counts what it puts back first) share one, and its checks.
            with changes.session(target.dsn, changes.RESTORING) as conn:
                _begin(conn, since)
                try:
                    return _compute(conn, target, declared, since)
                finally:
                    conn.execute("ROLLBACK")  # read only
        except psycopg.OperationalError as exc:  # a kept connection the server ended
            if attempt == READ_ATTEMPTS - 1:
                raise DatabaseUnavailable(
                    f"{target.id}'s changes could not be read ({_first_line(exc)}); run the"
                    " diff again."
                ) from exc
    raise AssertionError("unreachable")


READ_ATTEMPTS = 3


def _begin(conn: changes.Conn, since: str) -> None:
    """Open the diff's read-only snapshot of the clone, holding its tables first.

    The locks come before the transaction's first read, all in one statement and in the
    order restores and captures take theirs (parents first): a diff then waits for a
    reset in progress, or a reset for the diff, and the two never deadlock. ACCESS
    SHARE lets the app's requests through.
    """
    tables = snapshot.tables_of(conn, since)  # outside the transaction: its plan
    begin = sql.SQL("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    if tables:
        conn.execute(
            sql.SQL("{}; {}").format(begin, changes.lock_statement(tables, "ACCESS SHARE"))
        )
    else:
        conn.execute(begin)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _compute(conn: changes.Conn, target: Target, declared: list[Kind], since: str) -> Diff:
    found = snapshot.changed_since(conn, since)
    if found is None:
        snapshot.require(target.server, target.database, since)  # names the nearest one
        raise SnapshotInvalid(
            f"{target.id} has no usable snapshot '{since}' (a new seed or a rebuild changed"
            f" its tables); run `asymkit reset {target.id}` or take the snapshot again."
        )
    position, changed, tables = found
    by_name = {t.name: t for t in tables}
    out = {}
    for kind in declared:
        if kind.table not in changed:
            out[kind.name] = KindDiff()
            continue
        whole, table = changed[kind.table], by_name[kind.table]
        before = _render(conn, kind, table, snapshot.schema_of(since), position, whole)
        after = _render(conn, kind, table, "public", position, whole)
        out[kind.name] = _compare(kind, before, after)
    return Diff(since, out, read_names(conn, target.template))


def read_names(conn: changes.Conn, template: Template) -> dict[str, dict[str, str]]:
    """Per reference prefix (``#``, ``@``), id -> name, from the manifest's ``diff.names``:
    how ids are shown, and ``#name``/``@name`` are matched, by diffs and call logs."""
    return {
        prefix: {str(i): str(n) for i, n in conn.execute(query)}
        for prefix, query in (template.diff.get("names") or {}).items()
    }


_WITH = re.compile(r"with(\s+recursive)?\s", re.IGNORECASE)


def _render(
    conn: changes.Conn,
    kind: Kind,
    table: changes.Table,
    schema: str,
    position: int,
    whole: bool,
) -> dict[tuple[Any, ...], Record]:
    """The kind's records over the changed rows of its table, as of ``schema``.

    Unless the whole table counts, a CTE of the table's name shadows it with just its
    changed rows: the kind's select then reads only those. One round trip.
    """
    select = kind.select.strip()
    query: sql.Composable = sql.SQL(select)
    if not whole:
        shadow = sql.SQL("{} AS (SELECT x.* FROM ({}) AS c JOIN {}.{} AS x ON {})").format(
            sql.Identifier(kind.table),
            changes.keys_since(table, sql.Literal(position)),
            sql.Identifier(schema),
            sql.Identifier(kind.table),
            changes.key_match(table, "x", "c"),
        )
        opening = _WITH.match(select)  # the select's own CTEs follow the shadow
        if opening:
            rest = sql.SQL(select[opening.end() :])
            query = sql.SQL("{} {}, {}").format(sql.SQL(opening.group(0)), shadow, rest)
        else:
            query = sql.SQL("WITH {} {}").format(shadow, query)
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            sql.SQL("SET LOCAL search_path = {}, public; {}").format(sql.Identifier(schema), query)
        )
        cur.nextset()
        rows = cur.fetchall()
    return {tuple(_plain(r.get(k)) for k in kind.key): _record(r) for r in rows}


def _plain(value: Any) -> Any:
    """A JSON-ready value: what the product's API would print."""
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (bytes, memoryview)):
        return None
    return value


def _record(row: Mapping[str, Any]) -> Record:
    return {k: _plain(v) for k, v in row.items()}


def _compare(
    kind: Kind, before: dict[tuple[Any, ...], Record], after: dict[tuple[Any, ...], Record]
) -> KindDiff:
    def order(key: tuple[Any, ...]) -> str:
        return json.dumps(key, default=str)

    added = tuple(after[k] for k in sorted(after.keys() - before.keys(), key=order))
    removed = tuple(before[k] for k in sorted(before.keys() - after.keys(), key=order))
    changed = []
    for k in sorted(after.keys() & before.keys(), key=order):
        old, new = before[k], after[k]
        fields = sorted(f for f in old.keys() | new.keys() if old.get(f) != new.get(f))
        if fields:
            changed.append(
                Change(
                    key=dict(zip(kind.key, k, strict=True)),
                    before={f: old.get(f) for f in fields},
                    after={f: new.get(f) for f in fields},
                    record=new,
                )
            )
    return KindDiff(added, removed, tuple(changed))
