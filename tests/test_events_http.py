"""The Events API over HTTP: url_verification, signed POSTs a Bolt app verifies, retries.

Bolt's own development server (``slack_bolt.app.app.SlackAppDevelopmentServer``)
serves the app on a local port with signature verification on, as a user's
HTTP app would run; the clone signs with the signing secret made at spin.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from events_helpers import (
    bot_joins,
    bot_replies,
    local_server,
    mention_app,
    reply_text,
    subscribed,
    wait_for,
)
from slack_bolt import App
from slack_bolt.app.app import SlackAppDevelopmentServer
from slack_helpers import GENERAL, MARCUS, token_web, web
from slack_sdk.signature import SignatureVerifier

from asymkit import EventsUrlRejected


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def bolt_http(app: App) -> Iterator[str]:
    """Serve ``app`` with Bolt's own HTTP server on a free port; yield its events URL."""
    port = free_port()
    server = SlackAppDevelopmentServer(
        port=port, path="/slack/events", app=app, http_server_logger_enabled=False
    )
    thread = threading.Thread(target=server.start, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/slack/events"
    finally:
        server._server.shutdown()  # Bolt's dev server has no public stop
        thread.join(5)


def test_a_bolt_http_app_verifying_signatures_answers_a_mention(acme: Any) -> None:
    bot = bot_joins(acme)
    marcus = token_web(acme, acme.user_token("@marcus"))
    app = mention_app(acme, signing_secret=acme.tokens.signing_secret)
    with bolt_http(app) as url, subscribed(acme, url):
        posted = marcus.chat_postMessage(channel=GENERAL, text=f"<@{bot}> help")
        replies = wait_for(
            lambda: bot_replies(marcus, GENERAL, posted["ts"], bot), what="the bot's reply"
        )
    assert [r["text"] for r in replies] == [reply_text(MARCUS)]


def test_a_bolt_app_with_another_signing_secret_refuses_the_url(acme: Any) -> None:
    app = mention_app(acme, signing_secret="not-the-clones-secret")
    with bolt_http(app) as url, pytest.raises(EventsUrlRejected):
        acme.events.subscribe(url)
    assert acme.events.subscription().url is None


def test_posts_are_signed_with_the_signing_secret(acme: Any) -> None:
    bot_joins(acme)
    with local_server() as server, subscribed(acme, server.url):
        web(acme).chat_postMessage(channel=GENERAL, text="signed, please")
        headers, payload = wait_for(server.events, what="an event POST")[0]
    body = next(b for b in server.raw_bodies if payload["event_id"].encode() in b)
    verifier = SignatureVerifier(acme.tokens.signing_secret)
    assert verifier.is_valid(
        body=body.decode(),
        timestamp=headers["x-slack-request-timestamp"],
        signature=headers["x-slack-signature"],
    )
    assert payload["type"] == "event_callback"


def test_a_failed_post_is_retried_with_retry_num_and_reason(acme: Any) -> None:
    bot_joins(acme)
    with local_server(fail_first=True) as server, subscribed(acme, server.url):
        posted = web(acme).chat_postMessage(channel=GENERAL, text="try again")

        def deliveries() -> list[tuple[dict[str, str], dict[str, Any]]]:
            return [(h, p) for h, p in server.events() if p["event"].get("ts") == posted["ts"]]

        wait_for(lambda: len(deliveries()) >= 2, what="the retry")
    (first_headers, first), (again_headers, again) = deliveries()[:2]
    assert again["event_id"] == first["event_id"]
    assert "x-slack-retry-num" not in first_headers
    assert again_headers["x-slack-retry-num"] == "1"
    assert again_headers["x-slack-retry-reason"] == "http_error"


def test_a_url_that_fails_verification_is_refused_and_the_old_one_stays(acme: Any) -> None:
    with local_server() as good, subscribed(acme, good.url):
        with local_server(answer_challenge=False) as bad, pytest.raises(EventsUrlRejected):
            acme.events.subscribe(bad.url)
        assert acme.events.subscription().url == good.url


def test_a_subscriber_that_never_answers_does_not_slow_the_web_api(acme: Any) -> None:
    """Each POST to it would hold 3 s; five messages still post at once."""
    bot_joins(acme)
    client = web(acme)
    with local_server(hang=True) as server, subscribed(acme, server.url):
        started = time.monotonic()
        for i in range(5):
            client.chat_postMessage(channel=GENERAL, text=f"message {i}")
        elapsed = time.monotonic() - started
        wait_for(server.events, what="the first delivery attempt")
    assert elapsed < 3.0, f"5 posts took {elapsed:.1f} s with a silent subscriber"
