"""The call log: every Web API call the clone served, gathered in memory, written in batches.

A request only appends an entry to a list (:meth:`CallLog.add`); a background
task writes what gathered in one ``INSERT`` every ``CLONE_CALL_FLUSH`` seconds
(default 0.5) or as soon as ``FLUSH_BACKLOG`` entries wait, and the admin
endpoint ``POST /clone/calls/flush`` writes them at once (asymkit calls it
before it reads the log or captures a snapshot) or, with ``{"discard": true}``,
drops them (before a reset, which undoes the run they belong to: cheaper than
writing rows the reset then deletes); the app writes the rest when it stops.
Writing each entry inside its request's transaction cost a row and a change-log
row per call on the hot path, the same cost the events hub avoids for its
acknowledgements.

Each write is one row per batch (see migrations/0007_calls.sql): a row per call
cost Postgres a row, an index entry and a change-log row per request. The log is
bounded (``CLONE_CALL_LOG_MAX`` calls, default 10,000): each write removes the
oldest calls beyond it and adds their number to ``call_log.dropped``.
Arguments are stored with tokens, secrets and passwords redacted, file contents
left out and every text cut at ``TEXT_LIMIT`` characters.
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

log = logging.getLogger("slack_clone.calls")

TEXT_LIMIT = 2000  # characters kept of any one argument (the rest is cut, with a marker)
FLUSH_BACKLOG = 500  # entries gathered that are written without waiting for the next tick
REDACTED = "[redacted]"
# Arguments never stored as given: credentials, and file bodies (their size is kept).
SECRET_ARGS = frozenset({"token", "client_secret", "password", "secret", "signing_secret", "code"})
FILE_ARGS = frozenset({"content", "file"})

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


def redact(params: Mapping[str, str]) -> dict[str, str]:
    """The arguments as the log keeps them: no secrets, no file bodies, no long texts."""
    out: dict[str, str] = {}
    for key, value in params.items():
        lowered = key.lower()
        if lowered in SECRET_ARGS or "password" in lowered or "secret" in lowered:
            out[key] = REDACTED
        elif lowered in FILE_ARGS:
            out[key] = f"[file body: {len(value)} characters]"
        else:
            out[key] = cut(value)
    return out


def refs(params: Mapping[str, str], result: Mapping[str, Any] | None) -> list[dict[str, str]]:
    """The records a call touched, as the review page links them: ``{channel, ts?}``."""
    found: dict[tuple[str, str], dict[str, str]] = {}

    def add(channel: object, ts: object = None) -> None:
        if isinstance(channel, str) and channel:
            ref = {"channel": channel}
            if isinstance(ts, str) and ts:
                ref["ts"] = ts
            found.setdefault((channel, ref.get("ts", "")), ref)

    if result is not None:
        channel = result.get("channel")
        if isinstance(channel, dict):
            add(channel.get("id"))
        else:
            add(channel, result.get("ts"))
    add(params.get("channel"), params.get("ts") or params.get("timestamp"))
    precise = {channel for channel, ts in found if ts}
    return [r for (channel, ts), r in found.items() if ts or channel not in precise][:10]


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
    params: Mapping[str, str],
    outcome: str,
    status: int,
    started: float,
    result: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One call as the log stores it (``started``: the monotonic clock at its arrival)."""
    return {
        "at": at,
        "who": who,
        "user_id": user_id,
        "method": method,
        "args": redact(params),
        "outcome": outcome,
        "status": status,
        "latency_ms": round((time.monotonic() - started) * 1000, 3),
        "refs": refs(params, result),
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
