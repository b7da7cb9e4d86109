"""Event delivery with slow, failing, silent and hostile subscribers (issue #18, 10-12, 15).

Two dedicated acme-corp clones, each with its own delivery timers:

- ``quick``: ack timeout 1 s, HTTP back-off 0/1/1 s, a queue of 100, so that
  redelivery, back-off and the queue limit are seen within seconds;
- ``patient``: Slack's long back-off shape (0/60/60 s), so that an event stuck
  behind a retry would wait a minute, far past the tests' hang guards.

Everything is real: the clone's app under uvicorn, local HTTP subscribers on
127.0.0.1 (``http.server``), raw TCP and slack_sdk Socket Mode clients, psutil
on the app's process.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import psutil
import pytest
import websockets
from events_helpers import raw_socket_mode, serving, wait_for
from slack_helpers import GENERAL, web
from slack_sdk import WebClient

QUICK = {
    "CLONE_EVENT_ACK_TIMEOUT": "1",
    "CLONE_EVENT_RETRY_DELAYS": "0,1,1",
    "CLONE_EVENT_QUEUE": "100",
}
PATIENT = {"CLONE_EVENT_ACK_TIMEOUT": "1", "CLONE_EVENT_RETRY_DELAYS": "0,60,60"}


def _spin(env: dict[str, str]) -> Any:
    import asymkit

    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return asymkit.spin("slack", seed=asymkit.Fixture("acme-corp"))
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def quick_clone() -> Iterator[Any]:
    clone = _spin(QUICK)
    yield clone
    clone.destroy()


@pytest.fixture(scope="module")
def patient_clone() -> Iterator[Any]:
    clone = _spin(PATIENT)
    yield clone
    clone.destroy()


def _fresh(clone: Any) -> Any:
    clone.reset()
    clone.events.unsubscribe()
    web(clone).conversations_join(channel=GENERAL)  # the bot hears #general from now on
    return clone


@pytest.fixture
def quick(quick_clone: Any) -> Iterator[Any]:
    yield _fresh(quick_clone)
    quick_clone.events.unsubscribe()


@pytest.fixture
def patient(patient_clone: Any) -> Iterator[Any]:
    yield _fresh(patient_clone)
    patient_clone.events.unsubscribe()


# --- local subscribers ---------------------------------------------------------------


class Subscriber(ThreadingHTTPServer):
    """An Events API endpoint on 127.0.0.1 whose answer to events is set by ``mode``.

    ``ok`` answers 200; ``fail`` answers 500; ``hang`` holds the request until
    released; ``huge`` answers 200 with a body of ``huge_bytes``, streamed in
    1 MB chunks. The url_verification challenge is always answered.
    """

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, mode: str = "ok") -> None:
        super().__init__(("127.0.0.1", 0), _SubscriberHandler)
        self.mode = mode
        self.huge_bytes = 200 * 1024 * 1024
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.events: list[tuple[float, dict[str, Any]]] = []  # (arrival, payload)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/slack/events"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: the clone hangs up on a late or endless answer, by design."""

    def event_ids(self) -> set[str]:
        with self.lock:
            return {payload["event_id"] for _, payload in self.events}

    def texts(self) -> list[str]:
        with self.lock:
            return [payload["event"].get("text", "") for _, payload in self.events]

    def of(self, text: str) -> list[tuple[float, dict[str, Any]]]:
        """The POSTs (arrival, payload) of the event whose message text is ``text``."""
        with self.lock:
            return [(t, p) for t, p in self.events if p["event"].get("text") == text]


class _SubscriberHandler(BaseHTTPRequestHandler):
    server: Subscriber
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        payload = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
        if payload.get("type") == "url_verification":
            self._answer(200, json.dumps({"challenge": payload["challenge"]}).encode())
            return
        with self.server.lock:
            self.server.events.append((time.monotonic(), payload))
        mode = self.server.mode
        if mode == "hang":
            self.server.release.wait(120)
            mode = "ok"
        if mode == "huge":
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(self.server.huge_bytes))
            self.end_headers()
            chunk = b" " * (1024 * 1024)
            with contextlib.suppress(OSError):  # the clone stops reading and hangs up
                for _ in range(self.server.huge_bytes // len(chunk)):
                    self.wfile.write(chunk)
            self.close_connection = True
            return
        self._answer(500 if mode == "fail" else 200, b"{}")

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def subscriber(mode: str = "ok") -> contextlib.AbstractContextManager[Subscriber]:
    return serving(Subscriber(mode))


def _post_many(clone: Any, texts: list[str], threads: int = 4) -> list[str]:
    """Post ``texts`` to #general as marcus from a few threads; return the messages' ts."""
    token = clone.user_token("@marcus")

    def post(chunk: list[str]) -> list[str]:
        client = WebClient(token=token, base_url=clone.api_url, timeout=60)
        return [str(client.chat_postMessage(channel=GENERAL, text=t)["ts"]) for t in chunk]

    chunks = [texts[i::threads] for i in range(threads)]
    with ThreadPoolExecutor(threads) as pool:
        return [ts for got in pool.map(post, chunks) for ts in got]


def _app_process(clone: Any) -> psutil.Process:
    pid = clone.record.pid
    assert pid is not None
    return psutil.Process(pid)


@contextlib.contextmanager
def peak_rss(process: psutil.Process) -> Iterator[list[int]]:
    """Sample ``process``'s RSS every 20 ms; the list holds [before, peak] when the block ends."""
    before = process.memory_info().rss
    result = [before, before]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.02):
            with contextlib.suppress(psutil.Error):
                result[1] = max(result[1], process.memory_info().rss)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield result
    finally:
        stop.set()
        thread.join()


# --- 10: one Socket Mode connection that stops reading ---------------------------------


@contextlib.contextmanager
def stalled_socket_mode(clone: Any) -> Iterator[socket.socket]:
    """A Socket Mode connection that completes the handshake and then never reads again."""
    url = web(clone).apps_connections_open(app_token=clone.tokens.app)["url"]
    host_port, path = url.removeprefix("ws://").split("/", 1)
    host, port = host_port.rsplit(":", 1)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fills after a few frames
    sock.connect((host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET /{path} HTTP/1.1\r\nHost: {host_port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(1)
    assert answer.startswith(b"HTTP/1.1 101"), answer
    try:
        yield sock
    finally:
        sock.close()


def test_a_socket_mode_connection_that_stops_reading_does_not_stall_a_healthy_one(
    quick: Any,
) -> None:
    """400 events with one connection that never reads: the healthy one gets all 400."""
    with stalled_socket_mode(quick), raw_socket_mode(quick) as seen:
        time.sleep(0.5)  # both connections registered before the events start
        texts = [f"event {n} " + "x" * 3000 for n in range(400)]
        posted = set(_post_many(quick, texts))

        def missing() -> set[str]:
            got = {r.payload["event"].get("ts") for r in list(seen)}
            return posted - got

        wait_for(lambda: not missing(), timeout=60, what="all 400 events on the healthy client")


def test_a_connection_whose_writes_block_is_closed_and_its_unsent_events_go_on(
    quick: Any,
) -> None:
    """8 MB of envelopes for a client that never reads: the clone's writes block, it
    closes that connection, and the next app to connect is told it is the only one and
    gets the events not yet sent."""
    with stalled_socket_mode(quick):
        time.sleep(0.5)
        _post_many(quick, [f"big {n} " + "x" * 20000 for n in range(400)])
        time.sleep(3.0)  # the ack timeout (1 s) passes with a write still blocked
        url = web(quick).apps_connections_open(app_token=quick.tokens.app)["url"]

        async def main() -> tuple[dict[str, Any], dict[str, Any]]:
            async with websockets.connect(url, max_size=None) as ws:
                hello = json.loads(await asyncio.wait_for(ws.recv(), 10))
                # a hang guard: before the fix the clone's one sender stayed blocked
                envelope = json.loads(await asyncio.wait_for(ws.recv(), 20))
                return hello, envelope

        hello, envelope = asyncio.run(main())
    assert hello["num_connections"] == 1  # the stalled connection was closed
    assert envelope["payload"]["event"]["text"].startswith("big ")


# --- 11: failing HTTP deliveries hold up nothing, and never cross a switch or a reset ----


def test_retries_in_back_off_do_not_delay_an_event_for_a_healthy_url(patient: Any) -> None:
    """20 events in a minute-long back-off; the new URL still gets its event at once,
    and the old URL gets nothing after the switch (its retries are dropped)."""
    with subscriber("fail") as failing, subscriber("ok") as healthy:
        patient.events.subscribe(failing.url)
        _post_many(patient, [f"failing {n}" for n in range(20)])
        # each event: a first POST and its immediate retry, then a minute's back-off (before
        # the fix, each of the 16 senders slept it through, holding up everything behind it)
        wait_for(
            lambda: sum(len(failing.of(f"failing {n}")) for n in range(20)) >= 32,
            timeout=30,
            what="first attempts",
        )
        patient.events.subscribe(healthy.url)
        switched = time.monotonic()
        _post_many(patient, ["for the healthy url"], threads=1)
        wait_for(
            lambda: "for the healthy url" in healthy.texts(),
            timeout=20,  # a hang guard: before the fix, it waited out the minute's back-off
            what="the event at the healthy URL",
        )
        patient.events.unsubscribe()
        time.sleep(1.0)
    # (events never tried before the switch go to the new URL: they were only queued)
    assert [p for t, p in failing.events if t > switched] == []


def test_an_event_in_back_off_is_not_delivered_after_a_reset(quick: Any) -> None:
    with subscriber("fail") as server:
        quick.events.subscribe(server.url)
        _post_many(quick, ["raised before the reset"], threads=1)
        wait_for(
            lambda: len(server.of("raised before the reset")) >= 2,
            what="the first POST and its retry",
        )
        quick.reset()
        reset_at = time.monotonic()
        server.mode = "ok"
        time.sleep(3.0)  # past the 1 s back-off of the second retry
    late = [p["event"].get("text") for t, p in server.events if t > reset_at]
    assert late == []


def test_an_event_in_back_off_is_not_delivered_after_a_rebuild(quick: Any) -> None:
    with subscriber("fail") as server:
        quick.events.subscribe(server.url)
        _post_many(quick, ["raised before the rebuild"], threads=1)
        wait_for(
            lambda: len(server.of("raised before the rebuild")) >= 2,
            what="the first POST and its retry",
        )
        quick.reset(strategy="rebuild")
        reset_at = time.monotonic()
        server.mode = "ok"
        time.sleep(3.0)
    late = [p["event"].get("text") for t, p in server.events if t > reset_at]
    assert late == []


def test_unsubscribing_cancels_the_retries_in_back_off(quick: Any) -> None:
    with subscriber("fail") as server:
        quick.events.subscribe(server.url)
        _post_many(quick, ["unsubscribed meanwhile"], threads=1)
        wait_for(
            lambda: len(server.of("unsubscribed meanwhile")) >= 2,
            what="the first POST and its retry",
        )
        quick.events.unsubscribe()
        gone_at = time.monotonic()
        server.mode = "ok"
        quick.events.subscribe(server.url)  # the same URL again: the old retries stay gone
        time.sleep(3.0)
    assert [p for t, p in server.of("unsubscribed meanwhile") if t > gone_at] == []


# --- 12: bounded memory ------------------------------------------------------------------


def test_a_huge_answer_from_the_subscriber_is_not_read_into_memory(quick: Any) -> None:
    """The subscriber answers each event with 200 MB; the app reads a few KB of it."""
    app = _app_process(quick)
    with subscriber("huge") as server:
        quick.events.subscribe(server.url)
        with peak_rss(app) as rss:
            _post_many(quick, ["huge answer 1", "huge answer 2"], threads=1)
            wait_for(lambda: len(server.events) >= 2, what="two event POSTs")
            time.sleep(2.0)  # the clone reads (or not) what the subscriber streams
    growth = (rss[1] - rss[0]) / 2**20
    assert growth < 100, f"the app grew by {growth:.0f} MB reading a subscriber's answer"


def test_a_silent_subscriber_holds_at_most_the_queue_limit(quick: Any) -> None:
    """2,000 events for a subscriber that never answers: the 100-event queue limit holds
    (the oldest are dropped), and the app does not grow with the events posted."""
    app = _app_process(quick)
    with subscriber("hang") as server:
        quick.events.subscribe(server.url)
        with peak_rss(app) as rss:
            _post_many(quick, [f"silent {n}" for n in range(2000)])
        server.mode = "ok"
        server.release.set()  # it answers now: what the clone still holds reaches it
        delivered = _settled(server)
    growth = (rss[1] - rss[0]) / 2**20
    # Held at most: the queue (100), the retries in back-off (another 100), plus the
    # few taken by the 16 senders each second while the posts ran.
    assert delivered < 1000, f"{delivered} of 2000 events reached a subscriber that hung"
    assert growth < 50, f"the app grew by {growth:.0f} MB holding events for a silent subscriber"


def _settled(server: Subscriber) -> int:
    """How many events ``server`` got, once no new one arrived for 3 s (at most 120 s)."""
    deadline = time.monotonic() + 120
    count, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        now = len(server.event_ids())
        if now != count:
            count, since = now, time.monotonic()
        elif time.monotonic() - since > 3.0:
            break
        time.sleep(0.2)
    return count


# --- 13 / 15: odd input -----------------------------------------------------------------


def test_an_unparsable_url_is_an_invalid_argument_naming_it(quick: Any) -> None:
    from asymkit import InvalidArgument

    with pytest.raises(InvalidArgument, match=r"http://\[::1"):
        quick.events.subscribe("http://[::1")


def test_the_cli_refuses_an_unparsable_url_in_one_line(quick: Any) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "asymkit.cli", "events", quick.id, "--url", "http://[::1"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1, done.stderr
    assert "[INVALID_ARGUMENT]" in done.stderr and "http://[::1" in done.stderr
    assert "PROVISION_FAILED" not in done.stderr


def test_the_clone_answers_an_unparsable_url_with_invalid_url(quick: Any) -> None:
    import httpx

    response = httpx.post(
        f"{quick.url}/clone/events/subscription",
        json={"url": "http://[::1"},
        headers={"Authorization": f"Bearer {quick.record.admin_secret}"},
    )
    assert (response.status_code, response.json()["error"]) == (400, "invalid_url")


def test_a_refused_connection_is_reported_as_refused(quick: Any) -> None:
    from asymkit import EventsUrlRejected

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: connections are refused
        with pytest.raises(EventsUrlRejected) as caught:
            quick.events.subscribe(f"http://127.0.0.1:{port}/slack/events")
    assert "refused" in str(caught.value)
    assert "did not answer within" not in str(caught.value)


def test_a_binary_socket_mode_frame_closes_the_connection_without_a_traceback(
    quick: Any,
) -> None:
    url = web(quick).apps_connections_open(app_token=quick.tokens.app)["url"]
    log = quick.log_path
    size = log.stat().st_size if log.exists() else 0

    async def main() -> int | None:
        async with websockets.connect(url) as ws:
            assert json.loads(await ws.recv())["type"] == "hello"
            await ws.send(b"\x00\x01binary")
            with contextlib.suppress(websockets.ConnectionClosed):
                for _ in range(100):  # envelopes queued before may come first
                    await asyncio.wait_for(ws.recv(), 10)
            return ws.close_code

    assert asyncio.run(main()) == 1003
    time.sleep(0.3)
    with open(log, "rb") as f:
        f.seek(size)
        written = f.read().decode(errors="replace")
    assert "Traceback" not in written
