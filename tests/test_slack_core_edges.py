"""Edge cases of the Slack clone's core methods that agents hit in practice."""

from __future__ import annotations

import time
from typing import Any

import httpx
from slack_helpers import (
    GENERAL,
    INCIDENT_THREAD,
    INCIDENTS,
    error_of,
    failure,
    mint_token,
    token_web,
    web,
)


def test_short_history_bounds_compare_as_times_not_text(acme: Any) -> None:
    owner = web(acme, "user")
    everything = owner.conversations_history(channel=GENERAL)["messages"]
    assert owner.conversations_history(channel=GENERAL, oldest="0")["messages"] == everything
    assert owner.conversations_history(channel=GENERAL, latest="5")["messages"] == []


def test_a_tombstone_goes_with_its_last_reply(acme: Any) -> None:
    owner = web(acme, "user")
    parent = owner.chat_postMessage(channel=GENERAL, text="parent")["ts"]
    reply = owner.chat_postMessage(channel=GENERAL, text="reply", thread_ts=parent)["ts"]
    owner.chat_delete(channel=GENERAL, ts=parent)
    latest = owner.conversations_history(channel=GENERAL, limit=1)["messages"][0]
    assert latest["ts"] == parent and latest["subtype"] == "tombstone"
    owner.chat_delete(channel=GENERAL, ts=reply)
    stamps = [m["ts"] for m in owner.conversations_history(channel=GENERAL)["messages"]]
    assert parent not in stamps


def test_a_tombstone_cannot_be_edited(acme: Any) -> None:
    owner = web(acme, "user")
    owner.chat_delete(channel=INCIDENTS, ts=INCIDENT_THREAD)
    assert error_of(owner.chat_update, channel=INCIDENTS, ts=INCIDENT_THREAD, text="x") == (
        "message_not_found"
    )


def test_api_test_needs_no_token(acme: Any) -> None:
    answer = httpx.post(acme.api_url + "api.test", data={"foo": "bar"}, timeout=10)
    assert answer.json() == {"ok": True, "args": {"foo": "bar"}}


def test_missing_scope_names_every_scope_that_would_do(acme: Any) -> None:
    narrow = token_web(acme, mint_token(acme, "user", ["chat:write"]))
    body = failure(narrow.conversations_history, channel=GENERAL)
    assert body["error"] == "missing_scope"
    assert body["needed"] == "channels:history,groups:history,im:history,mpim:history"
    assert body["provided"] == "chat:write"


def test_a_bot_posts_to_a_user_by_id_in_their_dm(acme: Any) -> None:
    bot = web(acme)
    posted = bot.chat_postMessage(channel="UACME00004", text="Your deploy finished.")
    assert posted["channel"].startswith("D")
    leo_dms = bot.conversations_members(channel=posted["channel"])["members"]
    assert "UACME00004" in leo_dms


def test_scheduled_messages_page_with_a_cursor(acme: Any) -> None:
    owner = web(acme, "user")
    later = int(time.time()) + 3600
    for n in range(3):
        owner.chat_scheduleMessage(channel=GENERAL, text=f"later {n}", post_at=later + n)
    first = owner.chat_scheduledMessages_list(limit=2)
    assert len(first["scheduled_messages"]) == 2
    cursor = first["response_metadata"]["next_cursor"]
    rest = owner.chat_scheduledMessages_list(limit=2, cursor=cursor)
    assert len(rest["scheduled_messages"]) == 1
    assert rest["response_metadata"]["next_cursor"] == ""


def test_include_locale_adds_the_users_locale(acme: Any) -> None:
    client = web(acme)
    assert "locale" not in client.users_info(user="UACME00002")["user"]
    assert client.users_info(user="UACME00002", include_locale=True)["user"]["locale"] == "en-US"
    members = client.users_list(include_locale=True)["members"]
    assert {m["locale"] for m in members} == {"en-US"}
