"""Calls: the API requests a clone served, as its call log records them.

A template declares where its log is in its manifest (``calls``)::

    "calls": {"table": "calls", "flush": "/clone/calls/flush",
              "select": "SELECT id, at, who, user_id, method, args, outcome, status,
                         latency_ms, refs FROM calls",
              "dropped": "SELECT dropped FROM call_log"}

``select`` renders one row per call with at least ``id`` (ascending with time),
``at``, ``who``, ``method``, ``args``, ``outcome`` (``ok`` or the error code),
``status`` and ``latency_ms``; ``flush`` is an admin endpoint that writes the
entries the app gathered in memory (called before every read); ``dropped``
counts the oldest entries the log's bound pushed out. The table is a public
table of the clone's database, so snapshots and resets put it back with the
state: ``calls(since="mid")`` are those logged after snapshot ``mid`` was taken.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import attrs
import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from . import admin, changes, diff, errors, snapshot
from .errors import CallsMismatch, InvalidArgument, SnapshotNotFound, TemplateInvalid
from .manifest import Template
from .target import Target

_REQUIRED = ("id", "at", "who", "method", "args", "outcome", "status", "latency_ms")


@attrs.frozen
class Call:
    """One API request a clone served."""

    id: int
    at: float  # Unix seconds
    who: str  # bot, user, app, @handle (a member's token), or "" (no token)
    method: str
    args: Mapping[str, Any]  # redacted as the clone stores them
    outcome: str  # "ok" or the error code
    status: int  # HTTP status
    latency_ms: float
    user_id: str | None = None
    refs: tuple[Mapping[str, Any], ...] = ()  # the records it touched (template-defined)

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at,
            "who": self.who,
            "user_id": self.user_id,
            "method": self.method,
            "args": dict(self.args),
            "outcome": self.outcome,
            "status": self.status,
            "latency_ms": self.latency_ms,
            "refs": [dict(r) for r in self.refs],
        }


@attrs.frozen
class Calls:
    """The calls a clone served since the last seed (or a snapshot), oldest first.

    ``dropped`` counts entries the log's bound pushed out (the oldest go first);
    ``names`` resolves ``#channel``/``@user`` references as the diff does.
    """

    since: str
    calls: tuple[Call, ...]
    dropped: int = 0
    names: Mapping[str, Mapping[str, str]] = attrs.field(factory=dict, repr=False)

    def __iter__(self) -> Iterator[Call]:
        return iter(self.calls)

    def __len__(self) -> int:
        return len(self.calls)

    def __getitem__(self, index: int) -> Call:
        return self.calls[index]

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "dropped": self.dropped,
            "calls": [c.to_json() for c in self.calls],
        }


def declared(template: Template) -> dict[str, str]:
    """The template's ``calls`` section, checked: ``TEMPLATE_INVALID`` if it has none."""
    spec = template.calls
    if not spec:
        raise TemplateInvalid(
            f"Template '{template.name}' keeps no call log (no 'calls' section in its manifest),"
            " so its calls cannot be shown."
        )
    for key in ("table", "select"):
        if not isinstance(spec.get(key), str) or not spec[key]:
            raise TemplateInvalid(
                f"Template '{template.name}': the manifest's 'calls' section needs '{key}'."
            )
    return {k: str(v) for k, v in spec.items() if isinstance(v, str)}


def read(target: Target, since: str | None = None, *, after: int | None = None) -> Calls:
    """The calls logged since snapshot ``since`` (default: the last seed), or after id
    ``after``; flushed first, so that every call served so far is there."""
    spec = declared(target.template)
    name = since or snapshot.SEED
    admin.flush_calls(target)
    for attempt in range(2):
        try:
            with changes.session(target.dsn) as conn:
                conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                try:
                    return _read(conn, target, spec, name, after)
                finally:
                    conn.execute("ROLLBACK")  # read only
        except psycopg.OperationalError:  # a kept connection the server ended: once more
            if attempt:
                raise
    raise AssertionError("unreachable")


def _read(
    conn: changes.Conn, target: Target, spec: Mapping[str, str], name: str, after: int | None
) -> Calls:
    start = _start(conn, spec, name) if after is None else after
    if start is None:
        snapshot.require(target.server, target.database, name)
        raise SnapshotNotFound(f"{target.id} has no snapshot '{name}'.")
    calls = _rows(conn, spec["select"], start)
    dropped = 0
    if spec.get("dropped"):
        row = conn.execute(spec["dropped"]).fetchone()
        dropped = int(row[0]) if row and row[0] is not None else 0  # type: ignore[call-overload]
    return Calls(name, tuple(calls), dropped, diff.read_names(conn, target.template))


def _start(conn: changes.Conn, spec: Mapping[str, str], name: str) -> int | None:
    """The last call id in snapshot ``name``'s copy of the log (0 if it had none): the
    template's own select, run with the snapshot's schema first on the search path.
    ``None`` when there is no such snapshot (the seed's absence means: everything)."""
    schema = snapshot.schema_of(name)
    found = conn.execute(
        "SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename = %s",
        (schema, spec["table"]),
    ).fetchone()
    if found is None:
        return 0 if name == snapshot.SEED else None
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL(
                "SET LOCAL search_path = {}, public; SELECT coalesce(max(c.id), 0) FROM ({}) AS c"
            ).format(sql.Identifier(schema), sql.SQL(spec["select"]))
        )
        cur.nextset()
        row = cur.fetchone()
        cur.execute("SET LOCAL search_path = public")
    return int(row[0]) if row else 0  # type: ignore[call-overload]


def _rows(conn: changes.Conn, select: str, after: int) -> list[Call]:
    query = sql.SQL("SELECT * FROM ({}) AS c WHERE c.id > {} ORDER BY c.id").format(
        sql.SQL(select), sql.Literal(after)
    )
    try:
        with conn.cursor(row_factory=dict_row) as cur:
            rows = cur.execute(query).fetchall()
    except psycopg.errors.UndefinedColumn as exc:
        raise TemplateInvalid(f"The manifest's calls.select must return {_REQUIRED}.") from exc
    return [_call(r) for r in rows]


def _call(row: Mapping[str, Any]) -> Call:
    missing = [k for k in _REQUIRED if k not in row]
    if missing:
        raise TemplateInvalid(
            f"The manifest's calls.select returns no {', '.join(missing)}; it must return"
            f" {', '.join(_REQUIRED)}."
        )
    args = row["args"]
    if isinstance(args, str):
        args = json.loads(args)
    return Call(
        id=int(row["id"]),
        at=float(row["at"]),
        who=str(row["who"] or ""),
        method=str(row["method"]),
        args=dict(args or {}),
        outcome=str(row["outcome"]),
        status=int(row["status"]),
        latency_ms=float(row["latency_ms"]),
        user_id=row.get("user_id"),
        refs=tuple(row.get("refs") or ()),
    )


# --- expectations (asymkit.testing: assert_calls, called, not_called, at_most) -----------

_FIELDS = ("who", "outcome", "status")  # matched on the call itself; other keys on its args


@attrs.frozen
class CallExpect:
    """One expectation on the calls: ``called``, ``not_called`` or ``at_most``."""

    op: str
    method: str | None = None
    where: Mapping[str, Any] = attrs.field(factory=dict)
    n: int = 0

    def describe(self, names: Mapping[str, Mapping[str, str]]) -> str:
        where = "".join(f" {k}={v!r}" for k, v in self.where.items())
        if self.op == "at_most":
            return f"at most {self.n} calls" + (f" of {self.method}" if self.method else "")
        return f"{self.op} {self.method}{where}"

    def failure(self, calls: Calls) -> str | None:
        """Why ``calls`` do not meet this expectation, or ``None`` when they do."""
        from .expect import value_matches  # the diff's matchers: Match.contains, #name, @name

        def matches(call: Call) -> bool:
            if self.method is not None and call.method != self.method:
                return False
            for key, want in self.where.items():
                have = getattr(call, key) if key in _FIELDS else call.args.get(key)
                if not value_matches(want, have, calls.names):
                    return False
            return True

        found = [c for c in calls if matches(c)]
        if self.op == "called" and not found:
            same = [c for c in calls if c.method == self.method]
            if not same:
                return f"no {self.method} call at all ({_summary(calls)})"
            seen = "; ".join(describe_call(c, calls.names) for c in same[:5])
            more = f" and {len(same) - 5} more" if len(same) > 5 else ""
            return f"none of the {len(same)} {self.method} calls matched: {seen}{more}"
        if self.op == "not_called" and found:
            seen = "; ".join(describe_call(c, calls.names) for c in found[:5])
            return f"called {len(found)} time(s): {seen}"
        if self.op == "at_most" and len(found) > self.n:
            return f"{len(found)} calls ({_summary(calls)})"
        return None


def describe_call(call: Call, names: Mapping[str, Mapping[str, str]]) -> str:
    """``#3 chat.postMessage by bot channel=#general text='hi' -> ok``, ids shown as names."""
    args = " ".join(f"{k}={shown(v, names)}" for k, v in list(call.args.items())[:4])
    return f"#{call.id} {call.method} by {call.who or 'nobody'} {args} -> {call.outcome}".replace(
        "  ", " "
    )


def shown(value: Any, names: Mapping[str, Mapping[str, str]]) -> str:
    """A value as a person reads it: a channel or user id by its ``#``/``@`` name."""
    if isinstance(value, str):
        for prefix, known in names.items():
            if value in known:
                return prefix + known[value]
        return errors.shown(value)
    return repr(value)


def _summary(calls: Calls) -> str:
    counts: dict[str, int] = {}
    for call in calls:
        counts[call.method] = counts.get(call.method, 0) + 1
    if not counts:
        return "no calls were made"
    listed = ", ".join(f"{m} x{n}" for m, n in sorted(counts.items(), key=lambda x: -x[1])[:8])
    return f"calls made: {listed}"


def called(method: str, **where: Any) -> CallExpect:
    """At least one call of ``method`` whose arguments match ``where`` (``who``, ``outcome``
    and ``status`` match the call itself); values as in diffs: ``"#support"``, ``Match``."""
    return CallExpect("called", method, dict(where))


def not_called(method: str, **where: Any) -> CallExpect:
    """No call of ``method`` (with arguments matching ``where``, when given)."""
    return CallExpect("not_called", method, dict(where))


def at_most(n: int, method: str | None = None) -> CallExpect:
    """At most ``n`` calls in all (or of ``method``)."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise InvalidArgument(f"at_most() takes a count of 0 or more, not {n!r}.")
    return CallExpect("at_most", method, {}, n)


def assert_calls(calls: Calls, *expects: CallExpect) -> None:
    """Raise ``CALLS_MISMATCH`` (an AssertionError) listing every expectation not met."""
    if not isinstance(calls, Calls):
        raise InvalidArgument(
            f"assert_calls() takes clone.calls() first, not {type(calls).__name__}."
        )
    failed = []
    for expect in expects:
        if not isinstance(expect, CallExpect):
            raise InvalidArgument(
                "assert_calls() takes called(...), not_called(...) or at_most(...),"
                f" not {type(expect).__name__}."
            )
        why = expect.failure(calls)
        if why is not None:
            failed.append(f"  - expected {expect.describe(calls.names)}: {why}")
    if failed:
        dropped = f" (the log dropped its {calls.dropped} oldest calls)" if calls.dropped else ""
        raise CallsMismatch(
            f"{len(failed)} of {len(expects)} call expectations failed{dropped}:\n"
            + "\n".join(failed)
        )
