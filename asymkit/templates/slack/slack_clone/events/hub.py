# long module: delivery is one state machine (transports, queue, acks, retries).
"""Delivery: events go to the app over Socket Mode, else the subscribed URL, else a queue.

The hub lives on ``app.state.events``. The Web API hands it the events a write
stored once the transaction commits (:meth:`Hub.publish`); background tasks
deliver them, so a slow or silent subscriber never slows the request that
raised them. Configuration: ``CLONE_EVENT_ACK_TIMEOUT`` (seconds a Socket Mode
envelope may go unacknowledged, a frame may take to be written, and an HTTP
POST may take, default 3), ``CLONE_EVENT_RETRY_DELAYS`` (the HTTP back-off
before each retry, default ``0,60,300`` as Slack), ``CLONE_EVENT_QUEUE``
(events kept while no transport can take them, oldest dropped first, default
1000; also the most HTTP retries kept waiting), ``CLONE_EVENT_FLUSH_IDLE``
(seconds without a new acknowledgement before the gathered ones are written,
default 1).

Nothing one subscriber does holds up another, and memory stays bounded:

- Each Socket Mode connection has its own outbox (``OUTBOX`` envelopes) and
  sender task. A frame write that does not complete within the ack timeout (a
  client that stopped reading) closes that connection; its unsent envelopes go
  back to the front of the queue for the other connections, its unacknowledged
  ones are redelivered as usual. A full outbox is skipped by the dispatcher.
- HTTP delivery has ``HTTP_SENDERS`` sender tasks that take events from the
  same bounded queue; a failed POST is retried by a timer (the back-off holds
  no sender), at most ``CLONE_EVENT_QUEUE`` retries wait at once (the oldest
  dropped first). A retry goes only to the URL that failed: switching or
  removing the URL cancels the waiting retries. A subscriber's answer is read
  up to ``webhook.ANSWER_LIMIT`` bytes.
- A reset (``forget_pending``, after a rebuild) drops everything waiting; an
  event that waited (queued, in an outbox, or for a retry) is checked against
  the ``events`` table before it is sent, since a reset that restores the
  tables in place does not tell the app. So no event raised before a reset is
  delivered after it.

Delivery keeps the database work off the hot path. Acknowledgements are
gathered in memory and marked delivered in one ``UPDATE`` when the app has
been quiet for ``flush_idle`` seconds, when ``FLUSH_BACKLOG`` of them have
gathered, before the recorded events are read and when the app stops; a reset
drops those of the events it removed. (Marking each event as it was
acknowledged cost the clone's Postgres about as much again as delivering it:
the row is rewritten and the change log records it.) An event sent the moment
it was raised is not looked up again; only events that waited are checked, a
batch at a time, against the ``events`` table.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import signal
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import attrs
import httpx
from starlette.websockets import WebSocket

from .webhook import Poster

log = logging.getLogger("slack_clone.events")

DEFAULT_TYPES: tuple[str, ...] = (
    "message.channels",
    "message.im",
    "app_mention",
    "reaction_added",
    "member_joined_channel",
)
KNOWN_TYPES: frozenset[str] = frozenset(
    {
        "message.channels",
        "message.groups",
        "message.im",
        "message.mpim",
        "app_mention",
        "reaction_added",
        "reaction_removed",
        "member_joined_channel",
        "member_left_channel",
        "channel_created",
        "channel_rename",
        "channel_archive",
        "channel_unarchive",
        "pin_added",
        "pin_removed",
    }
)
MAX_RETRIES = 3
TICKET_TTL = 300.0
FLUSH_BACKLOG = 2000  # acknowledgements gathered that are written without waiting for quiet
OUTBOX = 64  # envelopes waiting for one Socket Mode connection's sender
HTTP_SENDERS = 16  # Events API POSTs under way at once
DROP_LOG_EVERY = 10.0  # seconds between two log lines about dropped events


def _float_env(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        return default


def _delays() -> list[float]:
    raw = os.environ.get("CLONE_EVENT_RETRY_DELAYS", "0,60,300")
    try:
        delays = [max(0.0, float(part)) for part in raw.split(",") if part.strip()]
    except ValueError:
        delays = [0.0, 60.0, 300.0]
    return (delays + [delays[-1] if delays else 0.0] * MAX_RETRIES)[:MAX_RETRIES]


@attrs.define(eq=False)
class Connection:
    """One open Socket Mode WebSocket, with its own outbox and sender."""

    socket: WebSocket
    token_hash: str = ""  # the app token that opened it: revoking the token closes it
    id: str = attrs.field(factory=lambda: uuid.uuid4().hex)
    lock: asyncio.Lock = attrs.field(factory=asyncio.Lock)  # one frame at a time
    outbox: deque[dict[str, Any]] = attrs.field(factory=deque)
    ready: asyncio.Event = attrs.field(factory=asyncio.Event)  # the outbox has envelopes
    gone: asyncio.Event = attrs.field(factory=asyncio.Event)  # the hub let go of it
    sender: asyncio.Task[Any] | None = None
    unacked: int = 0  # envelopes sent and neither acknowledged nor timed out
    writing_since: float = 0.0  # monotonic time the frame being written started; 0 if none

    async def send(self, message: dict[str, Any]) -> None:
        await self.send_text(json.dumps(message))

    async def send_text(self, text: str) -> None:
        async with self.lock:
            self.writing_since = time.monotonic()
            try:
                await self.socket.send_text(text)
            finally:
                self.writing_since = 0.0


def payload_json(row: dict[str, Any]) -> str:
    """The row's Events API envelope as JSON, encoded once however often it is sent."""
    text = row.get("payload_json")
    if text is None:
        text = row["payload_json"] = json.dumps(row["payload"])
    return str(text)


@attrs.define
class Hub:
    """The app's event transports, subscription, queue and acknowledgements."""

    secret: str = ""  # CLONE_ADMIN_SECRET, for the envelopes' verification token
    url: str | None = None
    types: tuple[str, ...] = DEFAULT_TYPES
    default_types: tuple[str, ...] = DEFAULT_TYPES  # the manifest's, else Slack's usual set
    ack_timeout: float = attrs.field(factory=lambda: _float_env("CLONE_EVENT_ACK_TIMEOUT", 3.0))
    flush_idle: float = attrs.field(factory=lambda: _float_env("CLONE_EVENT_FLUSH_IDLE", 1.0))
    delays: list[float] = attrs.field(factory=_delays)
    queue: deque[dict[str, Any]] = attrs.field(
        factory=lambda: deque(maxlen=max(1, int(_float_env("CLONE_EVENT_QUEUE", 1000))))
    )
    connections: list[Connection] = attrs.field(factory=list)
    tickets: dict[str, tuple[float, str]] = attrs.field(factory=dict)  # -> (expiry, token)
    # Envelopes sent and not yet acknowledged: id -> (row, attempt, ack timer, connection).
    pending: dict[str, tuple[dict[str, Any], int, asyncio.TimerHandle, Connection]] = attrs.field(
        factory=dict
    )
    changed: asyncio.Condition = attrs.field(factory=asyncio.Condition)
    wake: asyncio.Event = attrs.field(factory=asyncio.Event)
    dropped: int = 0  # events dropped for want of room (queue or retries), since the start
    # Marks the given event ids delivered (one call per burst of acknowledgements).
    mark_delivered: Callable[[list[str]], Awaitable[Any]] | None = None
    # The ids among those given still in the database: a reset (which may restore
    # the tables in place, without telling the app) drops the events it removed.
    still_stored: Callable[[list[str]], Awaitable[set[str]]] | None = None
    poster: Poster = attrs.field(factory=Poster)
    _turn: int = 0
    _tasks: set[asyncio.Task[Any]] = attrs.field(factory=set)
    _workers: list[asyncio.Task[Any]] = attrs.field(factory=list)
    _acked: list[str] = attrs.field(factory=list)
    _envelope_stem: str = attrs.field(factory=lambda: str(uuid.uuid4())[:24])
    _envelopes: int = 0
    _flusher: asyncio.Task[Any] | None = None
    _flushing: asyncio.Lock = attrs.field(factory=asyncio.Lock)
    _resets: int = 0  # forget_pending calls: work begun before one is abandoned
    # HTTP retries waiting out their back-off, by event id: (row, url, timer), oldest first.
    _retrying: dict[str, tuple[dict[str, Any], str, asyncio.TimerHandle]] = attrs.field(
        factory=dict
    )
    _retry_ready: deque[tuple[dict[str, Any], str]] = attrs.field(factory=deque)
    _http_wake: asyncio.Event = attrs.field(factory=asyncio.Event)
    _dropped_logged: tuple[float, int] = (0.0, 0)

    @property
    def signing_secret(self) -> str:
        return self.poster.signing_secret

    @signing_secret.setter
    def signing_secret(self, value: str) -> None:
        self.poster.signing_secret = value

    # --- lifecycle -------------------------------------------------------

    def start(self) -> None:
        self.poster.timeout = self.ack_timeout
        self.poster.open()
        self._workers = [asyncio.create_task(self._run()), asyncio.create_task(self._watch())]
        self._workers += [asyncio.create_task(self._http_sender()) for _ in range(HTTP_SENDERS)]

    async def stop(self) -> None:
        await self.goodbye()
        await asyncio.gather(*(self.let_go(conn, code=1000) for conn in list(self.connections)))
        await self.flush()  # acknowledgements not yet written
        self._cancel_waiting()
        for task in [*self._workers, self._flusher, *self._tasks]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        await self.poster.close()

    async def goodbye(self) -> None:
        """Tell every Socket Mode connection that the server is going away (``disconnect``)."""
        message = {"type": "disconnect", "reason": "warning", "debug_info": {}}
        await asyncio.gather(*(self._bounded(c.send(message)) for c in list(self.connections)))

    async def _bounded(self, work: Awaitable[Any]) -> None:
        """``work`` for at most the ack timeout: a client that stopped reading gets no more."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(work, self.ack_timeout)

    def goodbye_on_signals(self) -> None:
        """Send ``disconnect`` when the server is told to stop, before it drops connections.

        uvicorn closes WebSockets (code 1012) before the app's shutdown runs, so
        the app chains onto uvicorn's own SIGTERM/SIGINT handlers instead.
        """
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous = signal.getsignal(sig)
            if not callable(previous):
                continue

            def handler(signum: int, frame: Any, previous: Any = previous) -> None:
                loop.call_soon_threadsafe(lambda: self._spawn(self.goodbye()))
                previous(signum, frame)

            with contextlib.suppress(ValueError):  # not the main thread: no signals here
                signal.signal(sig, handler)

    def forget_pending(self) -> None:
        """Drop undelivered events (a reset restored the state they came from)."""
        self._resets += 1
        self.queue.clear()
        self._acked.clear()  # their rows are gone too
        for conn in self.connections:
            conn.outbox.clear()
        self._cancel_waiting()

    def _cancel_waiting(self) -> None:
        for _, _, timer, conn in self.pending.values():
            timer.cancel()
            conn.unacked = 0
        self.pending.clear()
        self._drop_retries()

    # --- what the Web API calls ----------------------------------------------

    async def publish(self, rows: list[dict[str, Any]]) -> None:
        """Queue the events a committed write stored (the app's ones) and wake the senders."""
        # With a Socket Mode app there, the dispatcher takes them at once: no reset
        # can have removed them in between worth a lookup. Anything else is checked
        # when it goes out: it may wait behind a slow subscriber (one lookup per POST
        # costs little next to the POST).
        fresh = bool(self.connections)
        for row in rows:
            if row["for_app"] and self._subscribed(row):
                row["fresh"] = fresh
                if len(self.queue) == self.queue.maxlen:
                    self._note_dropped(1)  # the oldest makes room
                self.queue.append(row)
        self.wake.set()
        self._http_wake.set()
        async with self.changed:
            self.changed.notify_all()

    def _subscribed(self, row: dict[str, Any]) -> bool:
        return row["subscription"] in self.types

    def set_url(self, url: str | None) -> None:
        """Send events to ``url`` (``None``: to nobody over HTTP) from now on.

        Retries waiting for the old URL are dropped: no event goes to a URL after
        it was switched or removed. Events never tried stay queued for the new one.
        """
        if url != self.url:
            self._drop_retries()
        self.url = url
        self.wake.set()
        self._http_wake.set()

    def _requeue(self, rows: Iterable[dict[str, Any]], *, wake: bool = True) -> None:
        """Put ``rows`` (older than anything queued) back at the front of the queue.

        They were waiting already, so they are checked against a reset before they
        go out; with too little room, the oldest of them are the ones dropped.
        ``wake=False`` leaves the dispatcher asleep (it is the one waiting for room).
        """
        rows = list(rows)
        room = (self.queue.maxlen or len(rows)) - len(self.queue)
        if room < len(rows):
            self._note_dropped(len(rows) - max(room, 0))
            rows = rows[len(rows) - max(room, 0) :]
        for row in reversed(rows):
            row["fresh"] = False
            self.queue.appendleft(row)
        if wake:
            self.wake.set()
        self._http_wake.set()

    def _note_dropped(self, count: int) -> None:
        """Count events dropped for want of room; say so in the log now and then."""
        self.dropped += count
        now = time.monotonic()
        last, logged = self._dropped_logged
        if now - last >= DROP_LOG_EVERY:
            log.warning(
                "%d undelivered events dropped (queue of %d full); %d in all",
                self.dropped - logged,
                self.queue.maxlen,
                self.dropped,
            )
            self._dropped_logged = (now, self.dropped)

    # --- Socket Mode -----------------------------------------------------------

    def new_ticket(self, token_hash: str = "") -> str:
        """A one-use Socket Mode URL ticket for the app token ``token_hash``."""
        now = time.monotonic()
        self.tickets = {t: got for t, got in self.tickets.items() if got[0] > now}
        ticket = secrets.token_urlsafe(24)
        self.tickets[ticket] = (now + TICKET_TTL, token_hash)
        return ticket

    def take_ticket(self, ticket: str) -> str | None:
        """The token hash the ticket was given for, if it is valid (once)."""
        got = self.tickets.pop(ticket, None)
        return got[1] if got is not None and got[0] > time.monotonic() else None

    def revoke(self, token_hash: str) -> None:
        """The app token ``token_hash`` was revoked: its tickets lapse, its connections close."""
        self.tickets = {t: got for t, got in self.tickets.items() if got[1] != token_hash}
        for conn in [c for c in self.connections if c.token_hash == token_hash]:
            self._detach(conn)  # no more envelopes; the handler stays for the goodbye
            self._spawn(self._close(conn, "link_disabled"))

    async def _close(self, conn: Connection, reason: str) -> None:
        await self._bounded(conn.send({"type": "disconnect", "reason": reason, "debug_info": {}}))
        await self.let_go(conn, code=1000)

    async def let_go(self, conn: Connection, *, code: int, reason: str = "") -> None:
        """Stop serving ``conn`` and close its WebSocket (waiting at most the ack timeout)."""
        self._detach(conn)
        await self._bounded(conn.socket.close(code=code, reason=reason))
        conn.gone.set()

    def connected(self, conn: Connection) -> None:
        self.connections.append(conn)
        conn.sender = asyncio.create_task(self._send_from(conn))
        self.wake.set()

    def disconnected(self, conn: Connection) -> None:
        """``conn`` is gone (or given up): its unsent envelopes go back to the queue."""
        self._detach(conn)
        conn.gone.set()  # its handler returns

    def _detach(self, conn: Connection) -> None:
        with contextlib.suppress(ValueError):
            self.connections.remove(conn)
        if conn.sender is not None and conn.sender is not asyncio.current_task():
            conn.sender.cancel()
        if conn.outbox:
            unsent, conn.outbox = list(conn.outbox), deque()
            self._requeue(unsent)
        if not self.connections:
            self._http_wake.set()  # HTTP delivery takes over, if a URL is subscribed

    def acknowledged(self, envelope_id: str) -> None:
        entry = self.pending.pop(envelope_id, None)
        if entry is None:
            return
        row, _, timer, conn = entry
        timer.cancel()
        conn.unacked -= 1
        self._delivered(row)

    def _next_connection(self, row: dict[str, Any]) -> Connection | None:
        """The connection to take ``row``: the least busy with room in its outbox, in turn.

        Busy is envelopes waiting in the outbox plus those sent and not acknowledged,
        so a client that stops acknowledging (or reading) is soon given nothing new;
        a redelivery avoids the connection that let it time out, if there is another.
        """
        conns = self.connections
        if len(conns) == 1:  # the usual case, kept cheap
            return conns[0] if len(conns[0].outbox) < OUTBOX else None
        avoid = row.get("avoid")
        best: Connection | None = None
        best_load = 0
        self._turn = (self._turn + 1) % len(conns) if conns else 0
        for conn in conns[self._turn :] + conns[: self._turn]:
            if len(conn.outbox) >= OUTBOX:
                continue
            load = len(conn.outbox) + conn.unacked + (OUTBOX * 4 if conn.id == avoid else 0)
            if best is None or load < best_load:
                best, best_load = conn, load
        return best

    def _envelope_id(self) -> str:
        """A UUID-shaped id, unique in this app: a random stem and a counter (no syscall)."""
        self._envelopes += 1
        return f"{self._envelope_stem}{self._envelopes & 0xFFFFFFFFFFFF:012x}"

    async def _send_from(self, conn: Connection) -> None:
        """``conn``'s sender: its outbox's envelopes, one frame at a time."""
        while True:
            if not conn.outbox:
                conn.ready.clear()
                await conn.ready.wait()
                continue
            row = conn.outbox.popleft()
            if len(conn.outbox) == OUTBOX - 1:
                self.wake.set()  # room again: the dispatcher may have been waiting for it
            if not await self._send_socket(conn, row):
                return

    async def _send_socket(self, conn: Connection, row: dict[str, Any]) -> bool:
        """Send ``row`` to ``conn`` (acknowledgement timer set); False if the socket is gone."""
        envelope_id = self._envelope_id()
        attempt = int(row.get("attempt", 0))
        # The envelope around the payload's JSON, encoded once per event, not per send.
        text = (
            f'{{"envelope_id":"{envelope_id}","payload":{payload_json(row)},'
            f'"type":"events_api","accepts_response_payload":false,'
            f'"retry_attempt":{attempt},"retry_reason":"{"timeout" if attempt else ""}"}}'
        )
        loop = asyncio.get_running_loop()
        timer = loop.call_later(self.ack_timeout, self._unacknowledged, envelope_id)
        self.pending[envelope_id] = (row, attempt, timer, conn)
        conn.unacked += 1
        try:
            await conn.send_text(text)
        except Exception:  # the socket went away: the timer redelivers elsewhere
            log.info("socket mode connection lost while sending %s", row["event_id"])
            self.disconnected(conn)
            return False
        return True

    def _unacknowledged(self, envelope_id: str) -> None:
        entry = self.pending.pop(envelope_id, None)
        if entry is None:
            return
        row, attempt, _, conn = entry
        conn.unacked -= 1
        if attempt >= MAX_RETRIES:
            log.info("event %s dropped after %d retries", row["event_id"], attempt)
            return
        row["fresh"] = False  # a reset may have removed it while it waited
        row.update(attempt=attempt + 1, avoid=conn.id)
        self._requeue([row])

    async def _watch(self) -> None:
        """Close each connection whose frame write has not completed within the ack timeout.

        Such a client stopped reading (its buffers are full); it would hold its
        envelopes forever. Its unacknowledged envelopes are redelivered, its
        unsent ones go to the other connections at once.
        """
        while True:
            await asyncio.sleep(min(1.0, self.ack_timeout / 2))
            now = time.monotonic()
            for conn in list(self.connections):
                if conn.writing_since and now - conn.writing_since > self.ack_timeout:
                    log.warning(
                        "socket mode connection %s took no frame for %g s: closed",
                        conn.id[:8],
                        self.ack_timeout,
                    )
                    # Its handler returns and uvicorn closes the transport; a close
                    # frame would wait behind the very writes that are stuck.
                    self.disconnected(conn)

    # --- Events API over HTTP --------------------------------------------------

    async def verify(self, url: str) -> str | None:
        """Send the ``url_verification`` challenge; why it failed, or ``None`` if answered."""
        return await self.poster.verify(url)

    def _next_for_http(self) -> tuple[dict[str, Any], str] | None:
        """The next event to POST and its URL: a retry that is due, else the queue's oldest
        (when no Socket Mode app is connected to take it instead)."""
        if self._retry_ready:
            return self._retry_ready.popleft()
        if self.queue and self.url and not self.connections:
            return self.queue.popleft(), self.url
        return None

    async def _http_sender(self) -> None:
        """One of ``HTTP_SENDERS``: POSTs events one at a time, never sleeping a back-off."""
        while True:
            got = self._next_for_http()
            if got is None:
                self._http_wake.clear()
                await self._http_wake.wait()
                continue
            try:
                await self._post_event(*got)
            except Exception:  # one event's bad luck must not stop the sender
                log.exception("could not deliver event %s over HTTP", got[0].get("event_id"))

    async def _post_event(self, row: dict[str, Any], url: str) -> None:
        resets = self._resets
        if not await self._current([row]) or resets != self._resets:
            return  # a reset removed it while it waited
        if url != self.url:  # switched or removed meanwhile
            if not row.get("http_attempt"):
                self._requeue([row])  # never tried: it waits for the current transport
            return
        attempt = int(row.get("http_attempt", 0))
        headers = (
            {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": row["retry_reason"]}
            if attempt
            else {}
        )
        try:
            answer = await self.poster.post(url, payload_json(row), headers)
        except (httpx.TimeoutException, asyncio.TimeoutError):
            reason = "http_timeout"
        except httpx.HTTPError:
            reason = "http_error"
        else:
            if 200 <= answer.status < 300:
                self._delivered(row)
                return
            reason = "http_error"
        if resets == self._resets and url == self.url:
            self._retry_later(row, url, attempt + 1, reason)

    def _retry_later(self, row: dict[str, Any], url: str, attempt: int, reason: str) -> None:
        """Send ``row`` to ``url`` again after its back-off (a timer: no sender waits)."""
        if attempt > MAX_RETRIES:
            log.info("event %s dropped after %d retries", row["event_id"], MAX_RETRIES)
            return
        limit = self.queue.maxlen or 1
        while self._retrying and len(self._retrying) + len(self._retry_ready) >= limit:
            _, _, timer = self._retrying.pop(next(iter(self._retrying)))  # the oldest
            timer.cancel()
            self._note_dropped(1)
        row.update(http_attempt=attempt, retry_reason=reason, fresh=False)
        loop = asyncio.get_running_loop()
        timer = loop.call_later(self.delays[attempt - 1], self._retry_due, row["event_id"])
        self._retrying[row["event_id"]] = (row, url, timer)

    def _retry_due(self, event_id: str) -> None:
        entry = self._retrying.pop(event_id, None)
        if entry is not None:
            row, url, _ = entry
            self._retry_ready.append((row, url))
            self._http_wake.set()

    def _drop_retries(self) -> None:
        """Cancel every HTTP retry waiting or due (a reset, or the URL changed)."""
        for _, _, timer in self._retrying.values():
            timer.cancel()
        self._retrying.clear()
        self._retry_ready.clear()

    # --- the dispatcher ----------------------------------------------------------

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _delivered(self, row: dict[str, Any]) -> None:
        """Note ``row`` as acknowledged; they are written in one go once the app is quiet."""
        if self.mark_delivered is None:
            return
        self._acked.append(row["event_id"])
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_when_quiet())

    async def _flush_when_quiet(self) -> None:
        """Write the acknowledgements once none came for ``flush_idle`` s (or too many wait)."""
        seen = -1
        while self._acked:
            if len(self._acked) == seen or len(self._acked) >= FLUSH_BACKLOG:
                await self.flush()
            seen = len(self._acked)
            await asyncio.sleep(self.flush_idle)

    async def flush(self) -> None:
        """Write the acknowledgements gathered so far (and wait for one already under way),
        so that a read of the ``events`` table after this sees every one of them."""
        async with self._flushing:
            if not self._acked or self.mark_delivered is None:
                return
            ids, self._acked = self._acked, []
            try:
                await self.mark_delivered(ids)
            except Exception:  # the database being away must not break delivery
                log.info("could not mark %d events delivered", len(ids))

    async def _current(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``rows`` less the events a reset removed since they were raised.

        Only the events that waited are looked up (one query for the batch).
        """
        waited = [row["event_id"] for row in rows if not row.get("fresh")]
        if self.still_stored is None or not waited:
            return rows
        try:
            kept = await self.still_stored(waited)
        except Exception:  # database away: deliver rather than lose them
            return rows
        return [row for row in rows if row.get("fresh") or row["event_id"] in kept]

    async def _run(self) -> None:
        """Hand queued events to the Socket Mode connections' outboxes, in turn."""
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.queue and self.connections:
                batch = [self.queue.popleft() for _ in range(min(100, len(self.queue)))]
                rows = await self._current(batch)
                for index, row in enumerate(rows):
                    conn = self._next_connection(row)
                    if conn is None:  # every outbox is full (or the connections went away)
                        self._requeue(rows[index:], wake=False)
                        break
                    conn.outbox.append(row)
                    conn.ready.set()
                else:
                    continue
                break  # wait until a sender makes room (it sets ``wake``)
