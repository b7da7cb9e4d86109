"""A slack_bolt app runs against the clone unchanged (behaviour 15).

Events delivery is a later issue: the test hands the Bolt app a signed Events
API request itself (``app.dispatch``), as Slack's servers would; everything the
listener does (``say()``, ``client.*``) goes through the clone over HTTP.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from slack_bolt import App, BoltRequest, Say
from slack_helpers import DANA, GENERAL, TEAM, joined
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

SECRET = "test-signing-secret"


def bolt_app(clone: Any) -> App:
    client = WebClient(token=clone.tokens.bot, base_url=clone.api_url)
    # process_before_response: run listeners before dispatch returns, so the test
    # can look at the clone right after.
    return App(client=client, signing_secret=SECRET, process_before_response=True)


def signed(payload: dict[str, Any]) -> BoltRequest:
    body = json.dumps(payload)
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    headers = {
        "content-type": "application/json",
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": signature or "",
    }
    return BoltRequest(body=body, headers=headers)


def message_event(text: str, *, ts: str, thread_ts: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "message",
        "channel": GENERAL,
        "channel_type": "channel",
        "user": DANA,
        "text": text,
        "ts": ts,
        "event_ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM,
        "api_app_id": "ATESTAPP1",
        "type": "event_callback",
        "event": event,
        "event_id": f"Ev{ts.replace('.', '')}",
        "event_time": int(float(ts)),
    }


def test_a_bolt_app_initialises_against_the_clone(acme: Any) -> None:
    app = bolt_app(acme)  # Bolt calls auth.test here and fails loudly if it cannot
    auth = app.client.auth_test()
    assert auth["team_id"] == TEAM
    assert auth["bot_id"].startswith("B")


def test_a_bolt_app_with_a_bad_token_fails_to_start(acme: Any) -> None:
    from slack_bolt.error import BoltError

    client = WebClient(token="xoxb-not-a-real-token", base_url=acme.api_url)
    with pytest.raises(BoltError):
        App(client=client, signing_secret=SECRET)


def test_say_posts_through_the_clone(acme: Any) -> None:
    bot = joined(acme, GENERAL)
    app = bolt_app(acme)
    heard: list[str] = []

    @app.message("deploy status")
    def answer(message: dict[str, Any], say: Say) -> None:
        heard.append(message["text"])
        say(f"<@{message['user']}> all services are green")

    leo_said = post_as_owner(acme, "what's the deploy status?")
    response = app.dispatch(signed(message_event("what's the deploy status?", ts=leo_said)))
    assert response.status == 200
    assert heard == ["what's the deploy status?"]
    latest = bot.conversations_history(channel=GENERAL, limit=1)["messages"][0]
    assert latest["text"] == f"<@{DANA}> all services are green"
    assert latest["bot_id"] == bot.auth_test()["bot_id"]


def test_say_in_a_thread_and_use_the_client(acme: Any) -> None:
    bot = joined(acme, GENERAL)
    app = bolt_app(acme)

    @app.message("help")
    def help_in_thread(message: dict[str, Any], say: Say, client: WebClient) -> None:
        client.reactions_add(channel=message["channel"], timestamp=message["ts"], name="eyes")
        say(text="On it", thread_ts=message["ts"])

    asked = post_as_owner(acme, "help, the map is blank")
    app.dispatch(signed(message_event("help, the map is blank", ts=asked)))
    thread = bot.conversations_replies(channel=GENERAL, ts=asked)["messages"]
    assert [m["text"] for m in thread] == ["help, the map is blank", "On it"]
    reactions = bot.reactions_get(channel=GENERAL, timestamp=asked)["message"]["reactions"]
    assert reactions[0]["name"] == "eyes"


def test_a_badly_signed_request_is_refused(acme: Any) -> None:
    app = bolt_app(acme)
    request = signed(message_event("deploy status", ts="1772900000.000100"))
    request.headers["x-slack-signature"] = ["v0=" + "0" * 64]
    assert app.dispatch(request).status == 401


def post_as_owner(acme: Any, text: str) -> str:
    """Dana's message in #general: the message the event below tells the app about."""
    owner = WebClient(token=acme.tokens.user, base_url=acme.api_url)
    return str(owner.chat_postMessage(channel=GENERAL, text=text)["ts"])
