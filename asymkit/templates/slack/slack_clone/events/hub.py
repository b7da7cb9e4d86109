"""Delivery: events go to the app over Socket Mode, else the subscribed URL, else a queue.

The hub lives on ``app.state.events``. The Web API hands it the events a write
stored once the transaction commits (:meth:`Hub.publish`); a background task
delivers them, so a slow or silent subscriber never slows the request that
raised them. Configuration: ``CLONE_EVENT_ACK_TIMEOUT`` (seconds a Socket Mode
envelope or an HTTP POST may take, default 3), ``CLONE_EVENT_RETRY_DELAYS``
(the HTTP back-off before each retry, default ``0,60,300`` as Slack),
``CLONE_EVENT_QUEUE`` (events kept while no transport is connected, oldest
dropped first, default 1000), ``CLONE_EVENT_FLUSH_IDLE`` (seconds without a new
acknowledgement before the gathered ones are written, default 1).

Delivery keeps the database work off the hot path. Acknowledgements are
gathered in memory and marked delivered in one ``UPDATE`` when the app has
been quiet for ``flush_idle`` seconds, when ``FLUSH_BACKLOG`` of them have
gathered, before the recorded events are read and when the app stops; a reset
drops those of the events it removed. (Marking each event as it was
acknowledged cost the clone's Postgres about as much again as delivering it:
the row is rewritten and the change log records it.) An event sent the moment
it was raised is not looked up again; only events that waited (queued with no
transport, or redelivered after a timeout) are checked, a batch at a time,
against the ``events`` table, since a reset may have removed them meanwhile.
"""

# long module: delivery is one state machine (transports, queue, acks, retries).

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import os
import secrets
import signal
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import httpx
from starlette.websockets import WebSocket

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


def _float_env(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        return default


def _delays() -> list[float]:
    raw = os.environ.get("CLONE_EVENT_RETRY_DELAYS", "0,60,300")
    try:
        delays = [float(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        delays = [0.0, 60.0, 300.0]
    return (delays + [delays[-1] if delays else 0.0] * MAX_RETRIES)[:MAX_RETRIES]


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's v0 request signature of ``body`` sent at ``timestamp``."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@attrs.define
class Connection:
    """One open Socket Mode WebSocket."""

    socket: WebSocket
    token_hash: str = ""  # the app token that opened it: revoking the token closes it
    id: str = attrs.field(factory=lambda: uuid.uuid4().hex)
    lock: asyncio.Lock = attrs.field(factory=asyncio.Lock)

    async def send(self, message: dict[str, Any]) -> None:
        await self.send_text(json.dumps(message))

    async def send_text(self, text: str) -> None:
        async with self.lock:
            await self.socket.send_text(text)


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
    signing_secret: str = ""
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
    pending: dict[str, tuple[dict[str, Any], int, asyncio.TimerHandle]] = attrs.field(factory=dict)
    changed: asyncio.Condition = attrs.field(factory=asyncio.Condition)
    wake: asyncio.Event = attrs.field(factory=asyncio.Event)
    # Marks the given event ids delivered (one call per burst of acknowledgements).
    mark_delivered: Callable[[list[str]], Awaitable[Any]] | None = None
    # The ids among those given still in the database: a reset (which may restore
    # the tables in place, without telling the app) drops the events it removed.
    still_stored: Callable[[list[str]], Awaitable[set[str]]] | None = None
    _turn: int = 0
    _tasks: set[asyncio.Task[Any]] = attrs.field(factory=set)
    _runner: asyncio.Task[Any] | None = None
    _http: httpx.AsyncClient | None = None
    _http_busy: asyncio.Semaphore = attrs.field(factory=lambda: asyncio.Semaphore(16))
    _acked: list[str] = attrs.field(factory=list)
    _envelope_stem: str = attrs.field(factory=lambda: str(uuid.uuid4())[:24])
    _envelopes: int = 0
    _flusher: asyncio.Task[Any] | None = None
    _flushing: asyncio.Lock = attrs.field(factory=asyncio.Lock)

    # --- lifecycle -------------------------------------------------------

    def start(self) -> None:
        self._http = httpx.AsyncClient(timeout=self.ack_timeout, trust_env=False)
        self._runner = asyncio.create_task(self._run())

    async def stop(self) -> None:
        await self.goodbye()
        for conn in list(self.connections):
            with contextlib.suppress(Exception):
                await conn.socket.close()
        await self.flush()  # acknowledgements not yet written
        for _, _, timer in self.pending.values():
            timer.cancel()
        for task in [self._runner, self._flusher, *self._tasks]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if self._http is not None:
            await self._http.aclose()

    async def goodbye(self) -> None:
        """Tell every Socket Mode connection that the server is going away (``disconnect``)."""
        for conn in list(self.connections):
            with contextlib.suppress(Exception):
                await conn.send({"type": "disconnect", "reason": "warning", "debug_info": {}})

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
        self.queue.clear()
        self._acked.clear()  # their rows are gone too
        for _, _, timer in self.pending.values():
            timer.cancel()
        self.pending.clear()

    # --- what the Web API calls ----------------------------------------------

    async def publish(self, rows: list[dict[str, Any]]) -> None:
        """Queue the events a committed write stored (the app's ones) and wake the sender."""
        # With a transport there, the sender takes them at once: no reset can have
        # removed them in between worth a lookup. Queued for later, they are checked.
        fresh = bool(self.connections or self.url)
        for row in rows:
            if row["for_app"] and self._subscribed(row):
                row["fresh"] = fresh
                self.queue.append(row)
        self.wake.set()
        async with self.changed:
            self.changed.notify_all()

    def _subscribed(self, row: dict[str, Any]) -> bool:
        return row["subscription"] in self.types

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
            self.disconnected(conn)
            self._spawn(self._close(conn, "link_disabled"))

    async def _close(self, conn: Connection, reason: str) -> None:
        with contextlib.suppress(Exception):
            await conn.send({"type": "disconnect", "reason": reason, "debug_info": {}})
        with contextlib.suppress(Exception):
            await conn.socket.close(code=1000)

    def connected(self, conn: Connection) -> None:
        self.connections.append(conn)
        self.wake.set()

    def disconnected(self, conn: Connection) -> None:
        with contextlib.suppress(ValueError):
            self.connections.remove(conn)

    def acknowledged(self, envelope_id: str) -> None:
        entry = self.pending.pop(envelope_id, None)
        if entry is None:
            return
        row, _, timer = entry
        timer.cancel()
        self._delivered(row)

    def _next_connection(self) -> Connection | None:
        if not self.connections:
            return None
        self._turn = (self._turn + 1) % len(self.connections)
        return self.connections[self._turn]

    def _envelope_id(self) -> str:
        """A UUID-shaped id, unique in this app: a random stem and a counter (no syscall)."""
        self._envelopes += 1
        return f"{self._envelope_stem}{self._envelopes & 0xFFFFFFFFFFFF:012x}"

    async def _send_socket(self, conn: Connection, row: dict[str, Any], attempt: int) -> None:
        envelope_id = self._envelope_id()
        # The envelope around the payload's JSON, encoded once per event, not per send.
        text = (
            f'{{"envelope_id":"{envelope_id}","payload":{payload_json(row)},'
            f'"type":"events_api","accepts_response_payload":false,'
            f'"retry_attempt":{attempt},"retry_reason":"{"timeout" if attempt else ""}"}}'
        )
        loop = asyncio.get_running_loop()
        timer = loop.call_later(self.ack_timeout, self._unacknowledged, envelope_id)
        self.pending[envelope_id] = (row, attempt, timer)
        try:
            await conn.send_text(text)
        except Exception:  # the socket went away: the timer redelivers elsewhere
            log.info("socket mode connection lost while sending %s", row["event_id"])
            self.disconnected(conn)

    def _unacknowledged(self, envelope_id: str) -> None:
        entry = self.pending.pop(envelope_id, None)
        if entry is None:
            return
        row, attempt, _ = entry
        if attempt >= MAX_RETRIES:
            log.info("event %s dropped after %d retries", row["event_id"], attempt)
            return
        row["fresh"] = False  # a reset may have removed it while it waited
        self._spawn(self._redeliver(row, attempt + 1))

    async def _redeliver(self, row: dict[str, Any], attempt: int) -> None:
        if not await self._current([row]):
            return
        conn = self._next_connection()
        if conn is None:
            self.queue.appendleft(row)
            return
        await self._send_socket(conn, row, attempt)

    # --- Events API over HTTP --------------------------------------------------

    async def post(
        self, url: str, body: dict[str, Any] | str, headers: dict[str, str]
    ) -> httpx.Response:
        assert self._http is not None
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        stamp = str(int(time.time()))
        signed = {
            "Content-Type": "application/json",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": sign(self.signing_secret, stamp, data),
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            **headers,
        }
        return await self._http.post(url, content=data, headers=signed)

    async def verify(self, url: str) -> str | None:
        """Send the ``url_verification`` challenge; why it failed, or ``None`` if answered."""
        challenge = secrets.token_urlsafe(32)
        body = {"token": "", "challenge": challenge, "type": "url_verification"}
        try:
            response = await asyncio.wait_for(self.post(url, body, {}), self.ack_timeout)
        except (httpx.HTTPError, asyncio.TimeoutError) as exc:
            return f"the URL did not answer within {self.ack_timeout:g} s ({type(exc).__name__})"
        if response.status_code != 200:
            return f"the URL answered HTTP {response.status_code}"
        text = response.text.strip()
        answer: Any = text
        with contextlib.suppress(ValueError):
            parsed = json.loads(text)
            answer = parsed.get("challenge") if isinstance(parsed, dict) else parsed
        if answer != challenge:
            return "the URL did not answer with the challenge value"
        return None

    async def _send_http(self, url: str, row: dict[str, Any]) -> None:
        async with self._http_busy:
            reason = ""
            for attempt in range(MAX_RETRIES + 1):
                if attempt:
                    await asyncio.sleep(self.delays[attempt - 1])
                    if self.url != url:
                        return  # unsubscribed or replaced meanwhile
                headers = (
                    {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": reason}
                    if attempt
                    else {}
                )
                try:
                    response = await asyncio.wait_for(
                        self.post(url, payload_json(row), headers), self.ack_timeout
                    )
                except (httpx.TimeoutException, asyncio.TimeoutError):
                    reason = "http_timeout"
                    continue
                except httpx.HTTPError:
                    reason = "http_error"
                    continue
                if 200 <= response.status_code < 300:
                    self._delivered(row)
                    return
                reason = "http_error"
            log.info("event %s dropped after %d retries", row["event_id"], MAX_RETRIES)

    # --- the sender --------------------------------------------------------------

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
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.queue and (self.connections or self.url):
                batch = [self.queue.popleft() for _ in range(min(100, len(self.queue)))]
                for row in await self._current(batch):
                    conn = self._next_connection()
                    if conn is not None:
                        await self._send_socket(conn, row, 0)
                    elif self.url:
                        self._spawn(self._send_http(self.url, row))
                    else:
                        row["fresh"] = False
                        self.queue.append(row)  # the transport went away meanwhile
