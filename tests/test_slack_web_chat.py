"""chat.* through slack_sdk: ts forms (1), blocks (4), threads (5), update/delete rules (6)."""

from __future__ import annotations

import time
from typing import Any

import httpx
import psycopg
import pytest
from slack_helpers import (
    DANA,
    GENERAL,
    GENERAL_MESSAGE,
    INCIDENT_THREAD,
    INCIDENTS,
    LEO,
    bot_user,
    error_of,
    find,
    history,
    joined,
    web,
)

BLOCKS = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*Deploy* finished :rocket:"}},
    {"type": "divider"},
    {
        "type": "actions",
        "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Logs"}, "value": "logs"}
        ],
    },
]
ATTACHMENTS = [
    {"fallback": "Build 42 green", "color": "#36a64f", "title": "Build 42", "text": "ok"}
]
no_text_warning = pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")


# --- chat.postMessage ---------------------------------------------------------------------


def test_post_message_returns_the_message_with_a_six_digit_ts(acme: Any) -> None:
    client = joined(acme)
    posted = client.chat_postMessage(channel=GENERAL, text="Standup in 5")
    assert posted["channel"] == GENERAL
    seconds, micros = posted["ts"].split(".")
    assert len(seconds) == 10 and len(micros) == 6
    message = posted["message"]
    assert message["text"] == "Standup in 5"
    assert message["type"] == "message"
    assert message["ts"] == posted["ts"]
    assert message["bot_id"] == client.auth_test()["bot_id"]
    assert message["user"] == bot_user(client)


def test_post_message_by_a_user_has_no_bot_id(acme: Any) -> None:
    message = web(acme, "user").chat_postMessage(channel=GENERAL, text="hi all")["message"]
    assert message["user"] == DANA
    assert "bot_id" not in message


@no_text_warning
def test_blocks_are_stored_and_returned_as_given_without_text(acme: Any) -> None:
    client = joined(acme)
    posted = client.chat_postMessage(channel=GENERAL, blocks=BLOCKS)
    assert posted["message"]["blocks"] == BLOCKS
    stored = find(client.conversations_history(channel=GENERAL, limit=5)["messages"], posted["ts"])
    assert stored["blocks"] == BLOCKS


def test_attachments_are_stored_and_returned_as_given(acme: Any) -> None:
    client = joined(acme)
    posted = client.chat_postMessage(channel=GENERAL, text="Build report", attachments=ATTACHMENTS)
    stored = find(client.conversations_history(channel=GENERAL, limit=5)["messages"], posted["ts"])
    for given, got in zip(ATTACHMENTS, stored["attachments"], strict=True):
        assert {k: got[k] for k in given} == given


@no_text_warning
@pytest.mark.parametrize(
    "blocks",
    [
        pytest.param("{not json", id="not-json"),
        pytest.param('{"type": "divider"}', id="object-not-array"),
        pytest.param('[{"text": "no type"}]', id="block-without-type"),
    ],
)
def test_malformed_blocks_are_invalid_blocks(acme: Any, blocks: str) -> None:
    assert error_of(joined(acme).chat_postMessage, channel=GENERAL, blocks=blocks) == (
        "invalid_blocks"
    )


@no_text_warning
def test_attachments_that_are_not_a_json_array_are_refused(acme: Any) -> None:
    error = error_of(joined(acme).chat_postMessage, channel=GENERAL, attachments="{oops")
    assert error == "invalid_attachments"


@no_text_warning
def test_a_message_with_neither_text_nor_blocks_is_no_text(acme: Any) -> None:
    assert error_of(joined(acme).chat_postMessage, channel=GENERAL) == "no_text"


def test_unknown_arguments_are_ignored(acme: Any) -> None:
    posted = joined(acme).chat_postMessage(
        channel=GENERAL, text="hello", not_a_slack_argument="whatever", mrkdwn=True
    )
    assert posted["ok"] is True


# --- ts forms (behaviour 1) ---------------------------------------------------------------


@pytest.fixture
def old_message(db: psycopg.Connection[tuple[object, ...]]) -> str:
    """A #general message by dana at ts 1700000000.100000, written straight to the database."""
    db.execute(
        "INSERT INTO messages (channel_id, ts, user_id, text, thread_ts) "
        "VALUES (%s, %s, %s, %s, NULL)",
        (GENERAL, "1700000000.100000", DANA, "An old announcement"),
    )
    return "1700000000.100000"


@pytest.mark.parametrize(
    "given",
    [
        pytest.param("1700000000.100000", id="six-digits"),
        pytest.param("1700000000.1", id="short-fraction"),
        pytest.param(1700000000.1, id="number"),
    ],
)
def test_ts_forms_name_the_same_message(acme: Any, old_message: str, given: Any) -> None:
    owner = web(acme, "user")
    link = owner.chat_getPermalink(channel=GENERAL, message_ts=given)
    assert link["permalink"].endswith("p1700000000100000")
    thread = owner.conversations_replies(channel=GENERAL, ts=given)["messages"]
    assert thread[0]["ts"] == old_message


def test_a_whole_second_ts_names_the_message_at_that_second(acme: Any, db: Any) -> None:
    db.execute(
        "INSERT INTO messages (channel_id, ts, user_id, text, thread_ts) "
        "VALUES (%s, '1700000000.000000', %s, 'on the second', NULL)",
        (GENERAL, DANA),
    )
    updated = web(acme, "user").chat_update(channel=GENERAL, ts="1700000000", text="edited")
    assert updated["ts"] == "1700000000.000000"


def test_a_reply_to_a_short_ts_has_the_six_digit_thread_ts(acme: Any, old_message: str) -> None:
    reply = web(acme, "user").chat_postMessage(
        channel=GENERAL, text="still true", thread_ts="1700000000.1"
    )
    assert reply["message"]["thread_ts"] == old_message


def test_a_json_number_ts_is_accepted(acme: Any, old_message: str) -> None:
    """A JSON body may carry ts as a number (as many MCP servers send it)."""
    response = httpx.post(
        f"{acme.api_url}chat.update",
        headers={"Authorization": f"Bearer {acme.tokens.user}"},
        json={"channel": GENERAL, "ts": 1700000000.1, "text": "edited"},
        timeout=10,
    ).json()
    assert response["ok"] is True
    assert response["ts"] == old_message


def test_a_malformed_ts_is_refused(acme: Any) -> None:
    error = error_of(web(acme, "user").chat_update, channel=GENERAL, ts="yesterday", text="x")
    assert error in ("invalid_ts", "message_not_found")


# --- threads (behaviour 5) ------------------------------------------------------------------


def test_a_thread_parent_summarises_its_replies(acme: Any) -> None:
    owner = web(acme, "user")
    bot = joined(acme)
    parent = owner.chat_postMessage(channel=GENERAL, text="Release 2.15 today?")["ts"]
    first = bot.chat_postMessage(channel=GENERAL, text="CI is green", thread_ts=parent)["ts"]
    last = owner.chat_postMessage(channel=GENERAL, text="Ship it", thread_ts=parent)["ts"]
    head = find(owner.conversations_history(channel=GENERAL, limit=10)["messages"], parent)
    assert head["reply_count"] == 2
    assert set(head["reply_users"]) == {DANA, bot_user(bot)}
    assert head["reply_users_count"] == 2
    assert head["latest_reply"] == last
    assert head["thread_ts"] == parent
    assert first < last


def test_replies_stay_out_of_history_unless_broadcast(acme: Any) -> None:
    owner = web(acme, "user")
    parent = owner.chat_postMessage(channel=GENERAL, text="Which region?")["ts"]
    quiet = owner.chat_postMessage(channel=GENERAL, text="eu-west", thread_ts=parent)["ts"]
    loud = owner.chat_postMessage(
        channel=GENERAL, text="Decided: eu-west", thread_ts=parent, reply_broadcast=True
    )
    stamps = [m["ts"] for m in owner.conversations_history(channel=GENERAL, limit=10)["messages"]]
    assert quiet not in stamps
    assert loud["ts"] in stamps
    broadcast = find(owner.conversations_history(channel=GENERAL, limit=10)["messages"], loud["ts"])
    assert broadcast["subtype"] == "thread_broadcast"
    assert broadcast["thread_ts"] == parent


def test_replies_page_with_a_cursor(acme: Any) -> None:
    owner = web(acme, "user")
    pages = [
        dict(p.data)
        for p in owner.conversations_replies(channel=INCIDENTS, ts=INCIDENT_THREAD, limit=2)
    ]
    assert len(pages) >= 2
    stamps = [m["ts"] for page in pages for m in page["messages"]]
    assert stamps[0] == INCIDENT_THREAD
    assert len(set(stamps)) == 5
    assert pages[0]["has_more"] is True
    assert pages[-1]["response_metadata"]["next_cursor"] == ""


def test_replies_window_by_oldest_and_latest(acme: Any) -> None:
    owner = web(acme, "user")
    thread = owner.conversations_replies(channel=INCIDENTS, ts=INCIDENT_THREAD)["messages"]
    stamps = [m["ts"] for m in thread]
    window = owner.conversations_replies(
        channel=INCIDENTS, ts=INCIDENT_THREAD, oldest=stamps[1], latest=stamps[3], inclusive=True
    )["messages"]
    # Slack always returns the parent first, then the replies inside the window.
    assert [m["ts"] for m in window] == [stamps[0], stamps[1], stamps[2], stamps[3]]


# --- chat.update / chat.delete (behaviour 6) ------------------------------------------------


def test_update_changes_text_and_marks_the_message_edited(acme: Any) -> None:
    client = joined(acme)
    ts = client.chat_postMessage(channel=GENERAL, text="Deploy at 3")["ts"]
    updated = client.chat_update(channel=GENERAL, ts=ts, text="Deploy at 4")
    assert updated["ts"] == ts and updated["channel"] == GENERAL
    assert updated["text"] == "Deploy at 4"
    stored = find(client.conversations_history(channel=GENERAL, limit=5)["messages"], ts)
    assert stored["text"] == "Deploy at 4"
    assert stored["edited"]["user"] == bot_user(client)
    assert stored["edited"]["ts"] > ts


@no_text_warning
def test_update_can_replace_blocks(acme: Any) -> None:
    client = joined(acme)
    ts = client.chat_postMessage(channel=GENERAL, text="status")["ts"]
    client.chat_update(channel=GENERAL, ts=ts, blocks=BLOCKS[:1])
    stored = find(client.conversations_history(channel=GENERAL, limit=5)["messages"], ts)
    assert stored["blocks"] == BLOCKS[:1]


def test_update_by_someone_else_is_cant_update_message(acme: Any) -> None:
    client = joined(acme)
    assert error_of(client.chat_update, channel=GENERAL, ts=GENERAL_MESSAGE, text="x") == (
        "cant_update_message"
    )


def test_an_admin_user_token_may_update_others_messages(acme: Any) -> None:
    owner = web(acme, "user")
    owner.chat_update(channel=GENERAL, ts=GENERAL_MESSAGE, text="(edited by an admin)")
    stored = find(history(owner, GENERAL), GENERAL_MESSAGE)
    assert stored["text"] == "(edited by an admin)"


def test_update_of_a_missing_message_is_message_not_found(acme: Any) -> None:
    assert (
        error_of(web(acme, "user").chat_update, channel=GENERAL, ts="1600000000.000001", text="x")
        == "message_not_found"
    )


def test_delete_removes_the_message(acme: Any) -> None:
    client = joined(acme)
    ts = client.chat_postMessage(channel=GENERAL, text="oops, wrong channel")["ts"]
    deleted = client.chat_delete(channel=GENERAL, ts=ts)
    assert deleted["ts"] == ts and deleted["channel"] == GENERAL
    assert ts not in [m["ts"] for m in client.conversations_history(channel=GENERAL)["messages"]]
    assert error_of(client.chat_delete, channel=GENERAL, ts=ts) == "message_not_found"


def test_delete_by_someone_else_is_cant_delete_message(acme: Any) -> None:
    assert error_of(joined(acme).chat_delete, channel=GENERAL, ts=GENERAL_MESSAGE) == (
        "cant_delete_message"
    )


def test_an_admin_user_token_may_delete_others_messages(acme: Any) -> None:
    owner = web(acme, "user")
    owner.chat_delete(channel=GENERAL, ts=GENERAL_MESSAGE)
    assert GENERAL_MESSAGE not in [m["ts"] for m in history(owner, GENERAL)]


def test_a_deleted_thread_parent_becomes_a_tombstone(acme: Any) -> None:
    owner = web(acme, "user")
    owner.chat_delete(channel=INCIDENTS, ts=INCIDENT_THREAD)
    parent = find(history(owner, INCIDENTS), INCIDENT_THREAD)
    assert parent["subtype"] == "tombstone"
    assert parent["reply_count"] == 4
    thread = owner.conversations_replies(channel=INCIDENTS, ts=INCIDENT_THREAD)["messages"]
    assert len(thread) == 5


def test_the_fixture_has_an_edited_message(acme: Any) -> None:
    owner = web(acme, "user")
    listed = owner.conversations_list(types="public_channel,private_channel,mpim,im")
    edited = [m for c in listed["channels"] for m in history(owner, c["id"]) if "edited" in m]
    assert edited


# --- permalink / me message / ephemeral ------------------------------------------------------


def test_get_permalink_points_at_the_message(acme: Any) -> None:
    link = web(acme, "user").chat_getPermalink(channel=GENERAL, message_ts=GENERAL_MESSAGE)
    assert link["channel"] == GENERAL
    assert link["permalink"].startswith("http")
    assert link["permalink"].endswith(f"/archives/{GENERAL}/p{GENERAL_MESSAGE.replace('.', '')}")


def test_get_permalink_of_a_missing_message(acme: Any) -> None:
    assert (
        error_of(
            web(acme, "user").chat_getPermalink, channel=GENERAL, message_ts="1600000000.000001"
        )
        == "message_not_found"
    )


def test_me_message_posts_a_me_message(acme: Any) -> None:
    owner = web(acme, "user")
    posted = owner.chat_meMessage(channel=GENERAL, text="is out for lunch")
    stored = find(owner.conversations_history(channel=GENERAL, limit=3)["messages"], posted["ts"])
    assert stored["subtype"] == "me_message"
    assert stored["text"] == "is out for lunch"


def test_post_ephemeral_is_not_in_history(acme: Any) -> None:
    client = joined(acme)
    sent = client.chat_postEphemeral(channel=GENERAL, user=LEO, text="Only you can see this")
    assert len(sent["message_ts"].split(".")[1]) == 6
    texts = [m["text"] for m in client.conversations_history(channel=GENERAL, limit=5)["messages"]]
    assert "Only you can see this" not in texts


def test_post_ephemeral_to_a_non_member(acme: Any) -> None:
    client = web(acme)
    owner = web(acme, "user")
    channel = owner.conversations_create(name="tiny-room")["channel"]["id"]
    owner.conversations_invite(channel=channel, users=bot_user(client))
    assert error_of(client.chat_postEphemeral, channel=channel, user=LEO, text="x") == (
        "user_not_in_channel"
    )


# --- scheduled messages ----------------------------------------------------------------------


def test_schedule_message_lists_and_deletes(acme: Any) -> None:
    client = joined(acme)
    post_at = int(time.time()) + 3600
    scheduled = client.chat_scheduleMessage(channel=GENERAL, post_at=post_at, text="Reminder")
    assert scheduled["channel"] == GENERAL
    assert scheduled["post_at"] == post_at
    assert scheduled["scheduled_message_id"].startswith("Q")
    listed = client.chat_scheduledMessages_list(channel=GENERAL)["scheduled_messages"]
    assert [(m["id"], m["post_at"], m["text"]) for m in listed] == [
        (scheduled["scheduled_message_id"], post_at, "Reminder")
    ]
    client.chat_deleteScheduledMessage(
        channel=GENERAL, scheduled_message_id=scheduled["scheduled_message_id"]
    )
    assert client.chat_scheduledMessages_list(channel=GENERAL)["scheduled_messages"] == []


def test_schedule_message_in_the_past_is_refused(acme: Any) -> None:
    assert (
        error_of(
            joined(acme).chat_scheduleMessage, channel=GENERAL, post_at=1600000000, text="late"
        )
        == "time_in_past"
    )


def test_a_due_scheduled_message_is_posted(acme: Any) -> None:
    client = joined(acme)
    post_at = int(time.time()) + 2
    client.chat_scheduleMessage(channel=GENERAL, post_at=post_at, text="Right on time")
    deadline = time.time() + 15
    texts: list[str] = []
    while time.time() < deadline:
        texts = [
            m["text"] for m in client.conversations_history(channel=GENERAL, limit=3)["messages"]
        ]
        if "Right on time" in texts:
            break
        time.sleep(0.5)
    assert "Right on time" in texts


def test_delete_an_unknown_scheduled_message(acme: Any) -> None:
    assert (
        error_of(
            joined(acme).chat_deleteScheduledMessage, channel=GENERAL, scheduled_message_id="QNOPE"
        )
        == "invalid_scheduled_message_id"
    )


def test_deleting_a_reply_updates_the_parent(acme: Any) -> None:
    owner = web(acme, "user")
    parent = owner.chat_postMessage(channel=GENERAL, text="Lunch order?")["ts"]
    first = owner.chat_postMessage(channel=GENERAL, text="pizza", thread_ts=parent)["ts"]
    second = owner.chat_postMessage(channel=GENERAL, text="sushi", thread_ts=parent)["ts"]
    owner.chat_delete(channel=GENERAL, ts=second)
    head = owner.conversations_replies(channel=GENERAL, ts=parent)["messages"][0]
    assert head["reply_count"] == 1
    assert head["latest_reply"] == first


def test_a_reply_permalink_names_its_thread(acme: Any) -> None:
    owner = web(acme, "user")
    reply = owner.conversations_replies(channel=INCIDENTS, ts=INCIDENT_THREAD)["messages"][1]
    link = owner.chat_getPermalink(channel=INCIDENTS, message_ts=reply["ts"])["permalink"]
    assert f"/archives/{INCIDENTS}/p{reply['ts'].replace('.', '')}" in link
    assert f"thread_ts={INCIDENT_THREAD}" in link


def test_a_too_long_message_is_msg_too_long(acme: Any) -> None:
    assert error_of(web(acme, "user").chat_postMessage, channel=GENERAL, text="x" * 40_001) == (
        "msg_too_long"
    )


def test_short_ts_forms_work_for_reactions_pins_and_delete(acme: Any, old_message: str) -> None:
    owner = web(acme, "user")
    owner.reactions_add(channel=GENERAL, timestamp="1700000000.1", name="tada")
    got = owner.reactions_get(channel=GENERAL, timestamp=1700000000.1)
    assert got["message"]["ts"] == old_message
    assert got["message"]["reactions"][0]["name"] == "tada"
    owner.pins_add(channel=GENERAL, timestamp="1700000000.10")
    assert old_message in [i["message"]["ts"] for i in owner.pins_list(channel=GENERAL)["items"]]
    deleted = owner.chat_delete(channel=GENERAL, ts="1700000000.1")
    assert deleted["ts"] == old_message


def test_history_bounds_accept_whole_seconds(acme: Any, old_message: str) -> None:
    owner = web(acme, "user")
    window = owner.conversations_history(
        channel=GENERAL, oldest="1700000000", latest="1700000001", inclusive=True
    )["messages"]
    assert [m["ts"] for m in window] == [old_message]
