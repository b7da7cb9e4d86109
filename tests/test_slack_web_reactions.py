"""reactions.*, emoji.list, pins.*, bookmarks.* and dnd.info through slack_sdk (behaviour 7)."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from slack_helpers import (
    DANA,
    GENERAL,
    GENERAL_MESSAGE,
    INCIDENTS,
    LEO,
    TEAM,
    bot_user,
    error_of,
    history,
    joined,
    web,
)

# --- reactions ------------------------------------------------------------------------------


def test_reactions_add_shows_on_the_message(acme: Any) -> None:
    owner = web(acme, "user")
    owner.reactions_add(channel=GENERAL, timestamp=GENERAL_MESSAGE, name="tada")
    message = next(m for m in history(owner, GENERAL) if m["ts"] == GENERAL_MESSAGE)
    assert {"name": "tada", "count": 1, "users": [DANA]} in message["reactions"]


def test_reactions_from_two_users_are_counted_under_one_name(acme: Any) -> None:
    owner = web(acme, "user")
    bot = joined(acme)
    owner.reactions_add(channel=GENERAL, timestamp=GENERAL_MESSAGE, name="thumbsup")
    bot.reactions_add(channel=GENERAL, timestamp=GENERAL_MESSAGE, name=":thumbsup:")
    got = bot.reactions_get(channel=GENERAL, timestamp=GENERAL_MESSAGE)
    assert got["type"] == "message"
    assert got["channel"] == GENERAL
    reaction = next(r for r in got["message"]["reactions"] if r["name"] == "thumbsup")
    assert reaction["count"] == 2
    assert set(reaction["users"]) == {DANA, bot_user(bot)}


def test_reacting_twice_is_already_reacted(acme: Any) -> None:
    owner = web(acme, "user")
    owner.reactions_add(channel=GENERAL, timestamp=GENERAL_MESSAGE, name="eyes")
    assert (
        error_of(owner.reactions_add, channel=GENERAL, timestamp=GENERAL_MESSAGE, name="eyes")
        == "already_reacted"
    )


def test_reactions_remove_takes_only_the_callers_reaction(acme: Any) -> None:
    owner = web(acme, "user")
    bot = joined(acme)
    owner.reactions_add(channel=GENERAL, timestamp=GENERAL_MESSAGE, name="rocket")
    bot.reactions_add(channel=GENERAL, timestamp=GENERAL_MESSAGE, name="rocket")
    owner.reactions_remove(channel=GENERAL, timestamp=GENERAL_MESSAGE, name="rocket")
    message = bot.reactions_get(channel=GENERAL, timestamp=GENERAL_MESSAGE)["message"]
    assert {"name": "rocket", "count": 1, "users": [bot_user(bot)]} in message["reactions"]


def test_removing_a_reaction_that_is_not_there_is_no_reaction(acme: Any) -> None:
    assert (
        error_of(
            web(acme, "user").reactions_remove,
            channel=GENERAL,
            timestamp=GENERAL_MESSAGE,
            name="tada",
        )
        == "no_reaction"
    )


def test_the_last_reaction_removed_leaves_no_reactions_key(acme: Any) -> None:
    owner = web(acme, "user")
    owner.reactions_add(channel=GENERAL, timestamp=GENERAL_MESSAGE, name="tada")
    owner.reactions_remove(channel=GENERAL, timestamp=GENERAL_MESSAGE, name="tada")
    message = owner.reactions_get(channel=GENERAL, timestamp=GENERAL_MESSAGE)["message"]
    assert all(r["name"] != "tada" for r in message.get("reactions", []))


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("definitely_not_an_emoji", id="unknown"),
        pytest.param("", id="empty"),
        pytest.param("two words", id="spaces"),
    ],
)
def test_unknown_emoji_names_are_invalid_name(acme: Any, name: str) -> None:
    assert (
        error_of(
            web(acme, "user").reactions_add, channel=GENERAL, timestamp=GENERAL_MESSAGE, name=name
        )
        == "invalid_name"
    )


def test_skin_tone_variants_of_standard_emoji_are_accepted(acme: Any) -> None:
    owner = web(acme, "user")
    owner.reactions_add(channel=GENERAL, timestamp=GENERAL_MESSAGE, name="+1::skin-tone-2")
    message = owner.reactions_get(channel=GENERAL, timestamp=GENERAL_MESSAGE)["message"]
    assert any(r["name"].startswith("+1") for r in message["reactions"])


def test_reacting_to_a_missing_message_is_message_not_found(acme: Any) -> None:
    assert (
        error_of(
            web(acme, "user").reactions_add,
            channel=GENERAL,
            timestamp="1600000000.000001",
            name="tada",
        )
        == "message_not_found"
    )


def test_bots_must_be_in_the_channel_to_react(acme: Any) -> None:
    owner = web(acme, "user")
    message = owner.conversations_history(channel=INCIDENTS, limit=1)["messages"][0]["ts"]
    assert error_of(web(acme).reactions_add, channel=INCIDENTS, timestamp=message, name="tada") in (
        "not_in_channel",
        "channel_not_found",
    )


def test_reactions_list_shows_what_a_user_reacted_to(acme: Any) -> None:
    bot = joined(acme)
    bot.reactions_add(channel=GENERAL, timestamp=GENERAL_MESSAGE, name="white_check_mark")
    items = bot.reactions_list(user=bot_user(bot))["items"]
    assert items[0]["type"] == "message"
    assert items[0]["channel"] == GENERAL
    assert items[0]["message"]["ts"] == GENERAL_MESSAGE
    assert any(r["name"] == "white_check_mark" for r in items[0]["message"]["reactions"])


def test_reactions_list_defaults_to_the_caller_and_pages(acme: Any) -> None:
    owner = web(acme, "user")
    stamps = [m["ts"] for m in history(owner, GENERAL)[:3]]
    for ts in stamps:
        owner.reactions_add(channel=GENERAL, timestamp=ts, name="heart")
    pages = [dict(p.data) for p in owner.reactions_list(limit=1)]
    listed = [item["message"]["ts"] for page in pages for item in page["items"]]
    assert set(stamps) <= set(listed)
    assert pages[-1]["response_metadata"]["next_cursor"] == ""


def test_the_fixture_has_reactions(acme: Any) -> None:
    owner = web(acme, "user")
    channels = [c["id"] for c in owner.conversations_list()["channels"]]
    assert any("reactions" in m for ch in channels for m in history(owner, ch))


# --- emoji.list -----------------------------------------------------------------------------


def test_emoji_list_has_the_workspace_custom_emoji(acme: Any) -> None:
    emoji = web(acme).emoji_list()["emoji"]
    assert emoji, "the acme-corp fixture has custom emoji"
    assert all(v.startswith(("http", "alias:")) for v in emoji.values())


def test_a_custom_emoji_can_be_a_reaction(
    acme: Any, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    db.execute(
        "INSERT INTO custom_emoji (workspace_id, name, value, user_id, created) "
        "VALUES (%s, 'made-for-this-test', 'https://emoji.example/m.png', %s, 1767258000)",
        (TEAM, DANA),
    )
    client = web(acme, "user")
    assert client.emoji_list()["emoji"]["made-for-this-test"] == "https://emoji.example/m.png"
    client.reactions_add(channel=GENERAL, timestamp=GENERAL_MESSAGE, name="made-for-this-test")
    message = client.reactions_get(channel=GENERAL, timestamp=GENERAL_MESSAGE)["message"]
    assert any(r["name"] == "made-for-this-test" for r in message["reactions"])


# --- pins -------------------------------------------------------------------------------------


def test_pins_add_list_and_remove(acme: Any) -> None:
    owner = web(acme, "user")
    owner.pins_add(channel=GENERAL, timestamp=GENERAL_MESSAGE)
    items = owner.pins_list(channel=GENERAL)["items"]
    pinned = next(i for i in items if i["message"]["ts"] == GENERAL_MESSAGE)
    assert pinned["type"] == "message"
    assert pinned["channel"] == GENERAL
    assert pinned["created_by"] == DANA
    assert pinned["message"]["permalink"].startswith("http")
    owner.pins_remove(channel=GENERAL, timestamp=GENERAL_MESSAGE)
    stamps = [i["message"]["ts"] for i in owner.pins_list(channel=GENERAL)["items"]]
    assert GENERAL_MESSAGE not in stamps


def test_pinning_twice_is_already_pinned(acme: Any) -> None:
    owner = web(acme, "user")
    owner.pins_add(channel=GENERAL, timestamp=GENERAL_MESSAGE)
    assert error_of(owner.pins_add, channel=GENERAL, timestamp=GENERAL_MESSAGE) == (
        "already_pinned"
    )


def test_unpinning_what_is_not_pinned_is_no_pin(acme: Any) -> None:
    assert (
        error_of(web(acme, "user").pins_remove, channel=GENERAL, timestamp=GENERAL_MESSAGE)
        == "no_pin"
    )


def test_pins_count_shows_in_history(acme: Any) -> None:
    owner = web(acme, "user")
    before = owner.conversations_history(channel=GENERAL, limit=1)["pin_count"]
    owner.pins_add(channel=GENERAL, timestamp=GENERAL_MESSAGE)
    assert owner.conversations_history(channel=GENERAL, limit=1)["pin_count"] == before + 1


def test_the_fixture_has_pinned_messages(acme: Any) -> None:
    owner = web(acme, "user")
    channels = [c["id"] for c in owner.conversations_list()["channels"]]
    assert any(owner.pins_list(channel=ch)["items"] for ch in channels)


# --- bookmarks --------------------------------------------------------------------------------


def test_bookmarks_add_list_and_remove(acme: Any) -> None:
    owner = web(acme, "user")
    added = owner.bookmarks_add(
        channel_id=GENERAL, title="Runbook", type="link", link="https://wiki.acme.test/runbook"
    )["bookmark"]
    assert added["id"].startswith("Bk")
    assert added["channel_id"] == GENERAL
    assert added["title"] == "Runbook"
    assert added["link"] == "https://wiki.acme.test/runbook"
    listed = owner.bookmarks_list(channel_id=GENERAL)["bookmarks"]
    assert added["id"] in [b["id"] for b in listed]
    owner.bookmarks_remove(channel_id=GENERAL, bookmark_id=added["id"])
    assert added["id"] not in [
        b["id"] for b in owner.bookmarks_list(channel_id=GENERAL)["bookmarks"]
    ]


def test_bookmarks_remove_unknown_bookmark(acme: Any) -> None:
    assert error_of(
        web(acme, "user").bookmarks_remove, channel_id=GENERAL, bookmark_id="BkNOPE"
    ) in ("not_found", "invalid_bookmark_id", "bookmark_not_found")


def test_bookmarks_add_needs_a_link(acme: Any) -> None:
    assert error_of(
        web(acme, "user").bookmarks_add, channel_id=GENERAL, title="x", type="link"
    ) in ("invalid_link", "invalid_arguments")


def test_the_fixture_has_a_bookmark(acme: Any) -> None:
    owner = web(acme, "user")
    channels = [c["id"] for c in owner.conversations_list()["channels"]]
    assert any(owner.bookmarks_list(channel_id=ch)["bookmarks"] for ch in channels)


# --- dnd --------------------------------------------------------------------------------------


def test_dnd_info_for_the_caller_and_another_user(acme: Any) -> None:
    client = web(acme, "user")
    mine = client.dnd_info()
    assert isinstance(mine["dnd_enabled"], bool)
    assert "next_dnd_start_ts" in mine and "next_dnd_end_ts" in mine
    theirs = client.dnd_info(user=LEO)
    assert isinstance(theirs["dnd_enabled"], bool)


def test_dnd_info_of_an_unknown_user(acme: Any) -> None:
    assert error_of(web(acme).dnd_info, user="UNOPE0000") == "user_not_found"


def test_reactions_on_a_thread_reply(acme: Any) -> None:
    owner = web(acme, "user")
    parent = owner.chat_postMessage(channel=GENERAL, text="Ship Friday?")["ts"]
    reply = owner.chat_postMessage(channel=GENERAL, text="Yes", thread_ts=parent)["ts"]
    owner.reactions_add(channel=GENERAL, timestamp=reply, name="white_check_mark")
    thread = owner.conversations_replies(channel=GENERAL, ts=parent)["messages"]
    assert thread[1]["reactions"] == [{"name": "white_check_mark", "count": 1, "users": [DANA]}]
