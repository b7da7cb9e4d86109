"""Unmodified slack_bolt apps receive the clone's events over Socket Mode.

A coworker (a member's own user token) mentions the app in #general; the app,
connected with the clone's ``xapp-`` token, answers in the thread through the
Web API. Built-in and aiohttp Socket Mode clients, as Bolt ships them.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from events_helpers import (
    bot_joins,
    bot_replies,
    mention_app,
    raw_socket_mode,
    reply_text,
    wait_for,
)
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_helpers import GENERAL, MARCUS, error_of, token_web, web
from slack_sdk import WebClient
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import InvalidStatus

from asymkit.testing import Match, added, assert_diff


def test_a_bolt_app_answers_a_coworkers_mention_in_thread(acme: Any) -> None:
    bot = bot_joins(acme)
    marcus = token_web(acme, acme.user_token("@marcus"))
    handler = SocketModeHandler(mention_app(acme), app_token=acme.tokens.app)
    handler.connect()
    try:
        wait_for(handler.client.is_connected, what="the Socket Mode connection")
        posted = marcus.chat_postMessage(channel=GENERAL, text=f"<@{bot}> help")
        replies = wait_for(
            lambda: bot_replies(marcus, GENERAL, posted["ts"], bot), what="the bot's reply"
        )
    finally:
        handler.close()
    assert [r["text"] for r in replies] == [reply_text(MARCUS)]
    assert replies[0]["thread_ts"] == posted["ts"]


def test_the_reply_shows_in_the_clones_diff(acme: Any) -> None:
    bot = bot_joins(acme)
    marcus = token_web(acme, acme.user_token("@marcus"))
    handler = SocketModeHandler(mention_app(acme), app_token=acme.tokens.app)
    handler.connect()
    try:
        wait_for(handler.client.is_connected, what="the Socket Mode connection")
        posted = marcus.chat_postMessage(channel=GENERAL, text=f"<@{bot}> status?")
        wait_for(lambda: bot_replies(marcus, GENERAL, posted["ts"], bot), what="the reply")
    finally:
        handler.close()
    assert_diff(
        acme.diff(),
        added("messages", channel=GENERAL, user=bot, subtype="channel_join"),  # as Slack posts it
        added("messages", channel=GENERAL, user=MARCUS, text=f"<@{bot}> status?"),
        added(
            "messages",
            channel=GENERAL,
            user=bot,
            thread_ts=posted["ts"],
            text=Match.contains("on it"),
        ),
        ignore=["members"],  # the bot joined #general
    )


async def test_an_async_bolt_app_on_aiohttp_answers_a_mention(acme: Any) -> None:
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
    from slack_bolt.async_app import AsyncApp, AsyncSay
    from slack_sdk.web.async_client import AsyncWebClient

    bot = bot_joins(acme)
    app = AsyncApp(
        client=AsyncWebClient(token=acme.tokens.bot, base_url=acme.api_url),
        signing_secret="unused-over-socket-mode",
    )

    @app.event("app_mention")
    async def answer(event: dict[str, Any], say: AsyncSay) -> None:
        await say(text=reply_text(event["user"]), thread_ts=event["ts"])

    handler = AsyncSocketModeHandler(app, app_token=acme.tokens.app)
    await handler.connect_async()
    try:
        marcus = AsyncWebClient(token=acme.user_token("@marcus"), base_url=acme.api_url)
        posted = await marcus.chat_postMessage(channel=GENERAL, text=f"<@{bot}> deploy?")
        replies: list[dict[str, Any]] = []
        for _ in range(200):
            answer_page = await marcus.conversations_replies(channel=GENERAL, ts=posted["ts"])
            replies = [m for m in answer_page["messages"] if m.get("user") == bot]
            if replies:
                break
            await asyncio.sleep(0.05)
    finally:
        await handler.close_async()
    assert [r["text"] for r in replies] == [reply_text(MARCUS)]


def test_an_envelope_not_acknowledged_is_redelivered_as_retry_attempt_1(acme: Any) -> None:
    bot_joins(acme)
    marcus = token_web(acme, acme.user_token("@marcus"))
    # Leave first deliveries unanswered; acknowledge the redelivery.
    with raw_socket_mode(acme, ack=lambda req: bool(req.retry_attempt)) as seen:
        posted = marcus.chat_postMessage(channel=GENERAL, text="anyone around?")

        def deliveries() -> list[Any]:
            return [r for r in seen if r.payload["event"].get("ts") == posted["ts"]]

        wait_for(lambda: len(deliveries()) >= 2, timeout=15, what="the redelivery")
    first, again = deliveries()[:2]
    assert first.payload["event_id"] == again.payload["event_id"]
    assert (first.retry_attempt, again.retry_attempt) == (0, 1)
    assert again.retry_reason == "timeout"
    assert first.envelope_id != again.envelope_id


def test_events_raised_with_no_app_connected_wait_for_the_next_connection(acme: Any) -> None:
    bot_joins(acme)
    marcus = token_web(acme, acme.user_token("@marcus"))
    posted = marcus.chat_postMessage(channel=GENERAL, text="queued while nobody listens")
    with raw_socket_mode(acme) as seen:
        wait_for(
            lambda: [r for r in seen if r.payload["event"].get("ts") == posted["ts"]],
            what="the queued event",
        )


def test_reset_clears_undelivered_events(acme: Any) -> None:
    bot_joins(acme)
    marcus = token_web(acme, acme.user_token("@marcus"))
    marcus.chat_postMessage(channel=GENERAL, text="raised, never delivered")
    assert any(not e["delivered"] for e in acme.events.recorded())
    acme.reset()
    assert acme.events.recorded() == []
    with raw_socket_mode(acme) as seen:
        bot_joins(acme)  # a fresh event: anything still queued would come before it
        wait_for(
            lambda: [r for r in seen if r.payload["event"]["type"] == "member_joined_channel"],
            what="the bot's join",
        )
    texts = [r.payload["event"].get("text") for r in seen]
    assert "raised, never delivered" not in texts


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("xapp-1-A0000000000-1000000000000-" + "0" * 64, id="unknown-xapp"),
        pytest.param(None, id="bot-token"),
    ],
)
def test_apps_connections_open_refuses_anything_but_the_apps_token(
    acme: Any, token: str | None
) -> None:
    client = WebClient(base_url=acme.api_url)
    assert (
        error_of(client.apps_connections_open, app_token=token or acme.tokens.bot) == "invalid_auth"
    )


def test_apps_connections_open_gives_a_loopback_websocket_url(acme: Any) -> None:
    opened = web(acme).apps_connections_open(app_token=acme.tokens.app)
    assert opened["url"].startswith(f"ws://127.0.0.1:{acme.port}/")


def test_a_revoked_app_token_gets_invalid_auth(acme: Any) -> None:
    app = WebClient(token=acme.tokens.app, base_url=acme.api_url)
    assert app.auth_revoke()["revoked"] is True
    assert error_of(app.apps_connections_open, app_token=acme.tokens.app) == "invalid_auth"


def test_auth_revoke_in_test_mode_keeps_the_token(acme: Any) -> None:
    app = WebClient(token=acme.tokens.app, base_url=acme.api_url)
    assert app.auth_revoke(test=True)["revoked"] is False
    assert app.apps_connections_open(app_token=acme.tokens.app)["url"].startswith("ws://")


def test_revoking_the_app_token_closes_its_socket_mode_connection(acme: Any) -> None:
    with raw_socket_mode(acme) as seen:
        client = WebClient(token=acme.tokens.app, base_url=acme.api_url)
        client.auth_revoke()
        bot_joins(acme)  # an event the closed connection must not receive
        time.sleep(1.0)
    assert [r.payload["event"]["type"] for r in seen] == []
    assert acme.events.recorded()[-1]["delivered"] is False


def test_a_socket_mode_url_opened_before_the_revocation_is_refused(acme: Any) -> None:
    url = web(acme).apps_connections_open(app_token=acme.tokens.app)["url"]
    WebClient(token=acme.tokens.app, base_url=acme.api_url).auth_revoke()

    async def connect() -> None:
        async with ws_connect(url):
            pass

    with pytest.raises(InvalidStatus):
        asyncio.run(connect())


def test_a_reset_restores_a_revoked_app_token_as_the_seed_had_it(acme: Any) -> None:
    WebClient(token=acme.tokens.app, base_url=acme.api_url).auth_revoke()
    acme.reset()
    assert web(acme).apps_connections_open(app_token=acme.tokens.app)["url"].startswith("ws://")


def test_a_revoked_bot_token_gets_invalid_auth(acme: Any) -> None:
    bot = web(acme)
    assert bot.auth_revoke()["revoked"] is True
    assert error_of(bot.auth_test) == "invalid_auth"


def test_a_member_token_cannot_be_revoked_and_keeps_working(acme: Any) -> None:
    marcus = token_web(acme, acme.user_token("@marcus"))
    answer = marcus.auth_revoke()
    assert (answer["revoked"], answer["warning"]) == (False, "member_token_not_revocable")
    assert marcus.auth_test()["user_id"] == MARCUS
