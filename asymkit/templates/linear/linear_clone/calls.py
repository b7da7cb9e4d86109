"""The call log: every GraphQL request the clone served, gathered in memory, written in batches.

The same log as the Slack clone's, in the same table shape and with the same
flush contract (asymkit reads both through the manifest's ``calls`` section, with
no product branch): a request only appends an entry (:meth:`CallLog.add`); a
background task writes what gathered in one ``INSERT`` every
``CLONE_CALL_FLUSH`` seconds (default 0.5) or as soon as ``FLUSH_BACKLOG``
entries wait; ``POST /clone/calls/flush`` writes them at once or, with
``{"discard": true}``, drops them (before a reset). The log is bounded
(``CLONE_CALL_LOG_MAX`` calls, default 10,000): each write removes the oldest
calls beyond it and adds their number to ``call_log.dropped``.

An entry's ``method`` is the operation's type and name (``mutation IssueCreate``,
or its root fields when it has no name), its ``args`` the variables with keys,
tokens and secrets redacted and every text cut at ``TEXT_LIMIT`` characters, its
``outcome`` ``ok`` or the first error's ``extensions.code``, its ``refs`` the
records it touched (``{"issue": id}``, ``{"comment": id}``). A copy of the Slack
clone's module rather than a shared one: a clone never imports another.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import attrs

log = logging.getLogger("linear_clone.calls")

TEXT_LIMIT = 2000  # characters kept of any one argument (the rest is cut, with a marker)
FLUSH_BACKLOG = 500  # entries gathered that are written without waiting for the next tick
REDACTED = "[redacted]"
# Variables never stored as given (at any depth): keys, tokens, credentials.
SECRET_WORDS = ("token", "secret", "password", "apikey", "api_key", "key_hash")
DEPTH_LIMIT = 8  # nesting kept of one variable (deeper values are replaced by a marker)
ITEMS_LIMIT = 100  # entries kept of one list or object

BATCH_ROWS = 1000  # calls per row at most: ``i`` stays below ID_STRIDE
ID_STRIDE = 100_000  # a call's id: its row's id * ID_STRIDE + its place in the row
INSERT = "INSERT INTO calls (entries, n) VALUES (%s::jsonb, %s)"
# The calls of the oldest row past the bound, without its first ``k`` (ids unchanged).
CUT = """UPDATE calls SET n = n - %(k)s, entries = (
    SELECT jsonb_agg(x ORDER BY o) FROM jsonb_array_elements(entries) WITH ORDINALITY AS t(x, o)
    WHERE o > %(k)s) WHERE id = %(id)s"""


def _int_env(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, "") or default)
    except ValueError:
        return default


def _float_env(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        return default


def cut(text: str) -> str:
    """``text``, cut at ``TEXT_LIMIT`` characters with a note of how much was left out."""
    if len(text) <= TEXT_LIMIT:
        return text
    return f"{text[:TEXT_LIMIT]}… [cut: {len(text) - TEXT_LIMIT} more characters]"


def _secret(key: str) -> bool:
    lowered = key.lower().replace("-", "_")
    return any(word in lowered for word in SECRET_WORDS) or lowered in ("key", "code")


def _kept(value: Any, depth: int = 0) -> Any:
    """``value`` as the log keeps it: secrets redacted, texts cut, size bounded."""
    if isinstance(value, str):
        return cut(value)
    if depth >= DEPTH_LIMIT:
        return "[nested too deeply]"
    if isinstance(value, dict):
        return {
            str(k): REDACTED if _secret(str(k)) else _kept(v, depth + 1)
            for k, v in list(value.items())[:ITEMS_LIMIT]
        }
    if isinstance(value, list):
        return [_kept(v, depth + 1) for v in value[:ITEMS_LIMIT]]
    return value


def redact(variables: Mapping[str, Any]) -> dict[str, Any]:
    """The variables as the log keeps them: no keys or secrets, no long texts."""
    kept = _kept(dict(variables))
    return kept if isinstance(kept, dict) else {}


# Root fields whose ``id`` argument names the record they touch, by the record's kind.
KINDS = (("comment", "comment"), ("issue", "issue"))


def refs(touched: list[tuple[str, Any]], data: Any) -> list[dict[str, str]]:
    """The records a request touched, as the review page links them: ``{issue: id}`` or
    ``{comment: id}``, from the root fields' ``id`` arguments and the payloads returned."""
    found: dict[tuple[str, str], dict[str, str]] = {}

    def add(kind: str, value: object) -> None:
        if isinstance(value, str) and value and len(found) < 10:
            found.setdefault((kind, value), {kind: value})

    for field, value in touched:
        for prefix, kind in KINDS:
            if field.startswith(prefix):
                add(kind, value)
                break
    if isinstance(data, dict):
        for payload in data.values():
            if isinstance(payload, dict):
                for _, kind in KINDS:
                    record = payload.get(kind)
                    if isinstance(record, dict):
                        add(kind, record.get("id"))
    return list(found.values())


@attrs.define
class CallLog:
    """The entries not yet written, the task that writes them, and whether to record."""

    write: Callable[[list[dict[str, Any]], int, int], Awaitable[None]] | None = None
    max_rows: int = attrs.field(factory=lambda: max(1, _int_env("CLONE_CALL_LOG_MAX", 10_000)))
    interval: float = attrs.field(factory=lambda: _float_env("CLONE_CALL_FLUSH", 0.5))
    recording: bool = attrs.field(factory=lambda: os.environ.get("CLONE_CALL_LOG", "1") != "0")
    _entries: list[dict[str, Any]] = attrs.field(factory=list)
    _lost: int = 0  # entries pushed out of memory before they could be written
    _wake: asyncio.Event = attrs.field(factory=asyncio.Event)
    _flushing: asyncio.Lock = attrs.field(factory=asyncio.Lock)
    _task: asyncio.Task[Any] | None = None

    def add(self, entry: dict[str, Any]) -> None:
        """Keep ``entry`` for the next write (cheap: the request path calls it)."""
        if not self.recording:
            return
        self._entries.append(entry)
        if len(self._entries) > self.max_rows:  # the database is away: memory stays bounded
            del self._entries[0]
            self._lost += 1
        if len(self._entries) >= FLUSH_BACKLOG:
            self._wake.set()

    def forget_pending(self) -> None:
        """Drop the entries not yet written (a rebuild replaced the database they belong to)."""
        self._entries.clear()
        self._lost = 0

    async def discard(self) -> int:
        """Drop the entries not yet written, once a write under way has finished: a reset
        is about to undo the run they belong to (and the rows that write adds)."""
        async with self._flushing:
            dropped = len(self._entries)
            self.forget_pending()
            return dropped

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        with contextlib.suppress(Exception):
            await self.flush()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
            self._wake.clear()
            try:
                await self.flush()
            except Exception as exc:  # the database away or being reset: try next tick
                log.warning("call log not written (%s: %s)", type(exc).__name__, exc)

    async def flush(self) -> int:
        """Write every entry gathered so far; return how many."""
        async with self._flushing:
            batch, lost = self._entries, self._lost
            if not batch and not lost:
                return 0
            self._entries, self._lost = [], 0
            if self.write is None:
                return 0
            try:
                await self.write(batch, lost, self.max_rows)
            except BaseException:
                self._entries[:0] = batch[-self.max_rows :]  # written next time, still bounded
                self._lost += lost
                raise
            return len(batch)


def entry(
    *,
    at: float,
    who: str,
    user_id: str | None,
    method: str,
    variables: Mapping[str, Any],
    outcome: str,
    status: int,
    started: float,
    touched: list[tuple[str, Any]],
    data: Any = None,
) -> dict[str, Any]:
    """One request as the log stores it (``started``: the monotonic clock at its arrival;
    ``touched``: the root fields with the ``id`` each was given)."""
    return {
        "at": at,
        "who": who,
        "user_id": user_id,
        "method": method,
        "args": redact(variables),
        "outcome": outcome,
        "status": status,
        "latency_ms": round((time.monotonic() - started) * 1000, 3),
        "refs": refs(touched, data),
    }


async def write(conn: Any, batch: list[dict[str, Any]], lost: int, max_rows: int) -> None:
    """Insert ``batch`` (a row per ``BATCH_ROWS`` calls) and trim the log to ``max_rows``
    calls, oldest first, counting what went in ``call_log.dropped``; one transaction."""
    for start in range(0, len(batch), BATCH_ROWS):
        chunk = [{**e, "i": i} for i, e in enumerate(batch[start : start + BATCH_ROWS], 1)]
        await conn.execute(INSERT, (json.dumps(chunk), len(chunk)))
    cur = await conn.execute("SELECT coalesce(sum(n), 0) AS total FROM calls")
    row = await cur.fetchone()
    excess = int(row["total"]) - max_rows if row else 0
    dropped = lost
    if excess > 0:
        cur = await conn.execute("SELECT id, n FROM calls ORDER BY id")
        for old in await cur.fetchall():
            if excess <= 0:
                break
            if old["n"] <= excess:
                await conn.execute("DELETE FROM calls WHERE id = %s", (old["id"],))
                taken = int(old["n"])
            else:
                await conn.execute(CUT, {"k": excess, "id": old["id"]})
                taken = excess
            excess -= taken
            dropped += taken
    if dropped:
        await conn.execute("UPDATE call_log SET dropped = dropped + %s", (dropped,))
