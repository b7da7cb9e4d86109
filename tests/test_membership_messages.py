"""Joins and leaves are messages, as Slack posts them (issue #12: side effects the product
itself records): ``channel_join`` / ``channel_leave`` rows in history, in the grading diff,
and the message event the app receives is that stored message."""

from __future__ import annotations

from typing import Any

from events_helpers import raw_socket_mode, wait_for
from slack_helpers import DANA, ENGINEERING, GENERAL, MARCUS, PRIYA, RANDOM, SALES, token_web, web
from slack_sdk import WebClient

from asymkit.testing import added, assert_diff


def _history(client: WebClient, channel: str) -> list[dict[str, Any]]:
    return list(client.conversations_history(channel=channel, limit=5)["messages"])


def test_a_join_shows_the_member_and_the_channel_join_message_in_the_diff(acme: Any) -> None:
    marcus = token_web(acme, acme.user_token("@marcus"))
    marcus.conversations_join(channel=SALES)  # marcus is not in #sales
    assert_diff(
        acme.diff(),
        added("members", channel="#sales", user="@marcus"),
        added(
            "messages",
            channel="#sales",
            user="@marcus",
            subtype="channel_join",
            text=f"<@{MARCUS}> has joined the channel",
        ),
    )
    acme.reset()
    assert not acme.diff()


def test_history_shows_the_join_as_slack_posts_it(acme: Any) -> None:
    bot = web(acme)
    bot.conversations_join(channel=ENGINEERING)
    bot_user = bot.auth_test()["user_id"]
    latest = _history(token_web(acme, acme.user_token("@marcus")), ENGINEERING)[0]
    assert {k: latest[k] for k in ("type", "subtype", "user", "text")} == {
        "type": "message",
        "subtype": "channel_join",
        "user": bot_user,
        "text": f"<@{bot_user}> has joined the channel",
    }
    assert "inviter" not in latest


def test_joining_a_channel_one_is_in_already_posts_nothing(acme: Any) -> None:
    marcus = token_web(acme, acme.user_token("@marcus"))
    before = _history(marcus, GENERAL)
    assert marcus.conversations_join(channel=GENERAL)["warning"] == "already_in_channel"
    assert _history(marcus, GENERAL) == before


def test_an_invited_members_join_names_the_inviter(acme: Any) -> None:
    dana = web(acme, "user")
    room = dana.conversations_create(name="offsite-plans", is_private=True)["channel"]["id"]
    dana.conversations_invite(channel=room, users=MARCUS)
    [joined] = [m for m in _history(dana, room) if m["user"] == MARCUS]
    assert (joined["subtype"], joined["inviter"]) == ("channel_join", DANA)
    assert joined["text"] == f"<@{MARCUS}> has joined the channel"


def test_leaving_posts_channel_leave(acme: Any) -> None:
    marcus = token_web(acme, acme.user_token("@marcus"))
    marcus.conversations_leave(channel=ENGINEERING)
    latest = _history(web(acme, "user"), ENGINEERING)[0]
    assert (latest["subtype"], latest["user"]) == ("channel_leave", MARCUS)
    assert latest["text"] == f"<@{MARCUS}> has left the channel"


def test_a_kicked_member_gets_a_channel_leave_message(acme: Any) -> None:
    dana = web(acme, "user")
    dana.conversations_kick(channel=ENGINEERING, user=PRIYA)
    latest = _history(dana, ENGINEERING)[0]
    assert (latest["subtype"], latest["user"]) == ("channel_leave", PRIYA)
    assert latest["text"] == f"<@{PRIYA}> has left the channel"


def test_the_join_event_the_app_receives_is_the_stored_message(acme: Any) -> None:
    bot = web(acme)
    with raw_socket_mode(acme) as seen:
        bot.conversations_join(channel=RANDOM)
        joins = wait_for(
            lambda: [r for r in seen if r.payload["event"].get("subtype") == "channel_join"],
            what="the bot's channel_join message event",
        )
    event = joins[0].payload["event"]
    stored = _history(bot, RANDOM)[0]
    assert (event["ts"], event["text"], event["channel"]) == (
        stored["ts"],
        stored["text"],
        RANDOM,
    )
