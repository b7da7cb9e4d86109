"""Shared helpers for the events tests: Bolt apps, Socket Mode connections, local HTTP servers."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

from slack_bolt import App, Say
from slack_helpers import GENERAL, web
from slack_sdk import WebClient
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

T = TypeVar("T")


def wait_for(check: Callable[[], T], *, timeout: float = 10.0, what: str = "it") -> T:
    """Poll ``check`` until it returns something truthy; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}, in vain")
        time.sleep(0.05)


def bot_user(clone: Any) -> str:
    return str(web(clone).auth_test()["user_id"])


def bot_joins(clone: Any, channel: str = GENERAL) -> str:
    """Put the app's bot in ``channel`` (it starts in none); return the bot's user id."""
    web(clone).conversations_join(channel=channel)
    return bot_user(clone)


def reply_text(user: str) -> str:
    return f"Hi <@{user}>, on it."


def mention_app(clone: Any, *, signing_secret: str | None = None) -> App:
    """A Bolt app that answers every mention in the mention's thread."""
    client = WebClient(token=clone.tokens.bot, base_url=clone.api_url)
    app = App(
        client=client,
        signing_secret=signing_secret or "unused-over-socket-mode",
        process_before_response=True,
    )

    @app.event("app_mention")
    def answer(event: dict[str, Any], say: Say) -> None:
        say(text=reply_text(event["user"]), thread_ts=event.get("thread_ts") or event["ts"])

    return app


def bot_replies(client: WebClient, channel: str, ts: str, bot: str) -> list[dict[str, Any]]:
    messages = client.conversations_replies(channel=channel, ts=ts)["messages"]
    return [m for m in messages if m.get("user") == bot and m["ts"] != ts]


@contextlib.contextmanager
def raw_socket_mode(
    clone: Any, *, ack: Callable[[SocketModeRequest], bool] = lambda req: True
) -> Iterator[list[SocketModeRequest]]:
    """A plain slack_sdk Socket Mode client; yields the envelopes it receives, in order.

    ``ack(request)`` says whether to acknowledge an envelope (True: at once).
    """
    client = SocketModeClient(
        app_token=clone.tokens.app,
        web_client=WebClient(base_url=clone.api_url),
        auto_reconnect_enabled=False,
    )
    seen: list[SocketModeRequest] = []

    def listener(c: SocketModeClient, req: SocketModeRequest) -> None:
        seen.append(req)
        if ack(req):
            c.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))

    client.socket_mode_request_listeners.append(listener)
    client.connect()
    wait_for(client.is_connected, what="the Socket Mode connection")
    try:
        yield seen
    finally:
        client.close()


class _Handler(BaseHTTPRequestHandler):
    """Answers url_verification; then does what the server's ``behaviour`` says."""

    server: LocalServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        payload = json.loads(body or b"{}")
        self.server.raw_bodies.append(body)
        self.server.requests.append(({k.lower(): v for k, v in self.headers.items()}, payload))
        if payload.get("type") == "url_verification" and self.server.answer_challenge:
            self._send(200, {"challenge": payload.get("challenge")})
            return
        if payload.get("type") == "url_verification":
            self._send(200, {"challenge": "not-the-challenge"})
            return
        if self.server.hang:
            self.server.release.wait(30)  # a subscriber that never answers
        event_id = payload.get("event_id")
        if (
            self.server.fail_first
            and [p.get("event_id") for _, p in self.server.events()].count(event_id) == 1
        ):  # the first delivery of each event fails
            self._send(500, {})
            return
        self._send(200, {})

    def _send(self, status: int, data: dict[str, Any]) -> None:
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, *, answer_challenge: bool = True, hang: bool = False, fail_first: bool = False
    ) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answer_challenge = answer_challenge
        self.hang = hang
        self.fail_first = fail_first
        self.release = threading.Event()
        self.requests: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.raw_bodies: list[bytes] = []

    def events(self) -> list[tuple[dict[str, str], dict[str, Any]]]:
        """The event_callback requests received, as (headers, payload), in order."""
        return [(h, p) for h, p in self.requests if p.get("type") == "event_callback"]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/slack/events"


Served = TypeVar("Served", bound=ThreadingHTTPServer)


@contextlib.contextmanager
def serving(server: Served) -> Iterator[Served]:
    """Run ``server`` (which has a ``release`` event for its hanging handlers) in a thread."""
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()  # type: ignore[attr-defined]
        server.shutdown()
        server.server_close()


def local_server(**options: bool) -> contextlib.AbstractContextManager[LocalServer]:
    return serving(LocalServer(**options))


@contextlib.contextmanager
def subscribed(clone: Any, url: str) -> Iterator[None]:
    """The clone sends events to ``url`` for the length of the block."""
    clone.events.subscribe(url)
    try:
        yield
    finally:
        clone.events.unsubscribe()
