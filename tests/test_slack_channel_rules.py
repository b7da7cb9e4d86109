"""The rules a method asks of its conversation: checked in a fixed order (the first that fails
answers), and the errors its coverage row lists are errors it really answers."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from slack_helpers import DANA, GENERAL, GENERAL_MESSAGE, error_of, joined, web

TEMPLATE = Path(__file__).resolve().parent.parent / "asymkit" / "templates" / "slack"


def _archived_channel(acme: Any) -> str:
    """A new public channel, archived, that the bot is not a member of."""
    owner = web(acme, "user")
    channel = str(owner.conversations_create(name="old-project")["channel"]["id"])
    owner.conversations_archive(channel=channel)
    return channel


def test_a_rule_set_lists_channel_not_found_then_each_rules_error_once_in_order() -> None:
    if str(TEMPLATE) not in sys.path:
        sys.path.insert(0, str(TEMPLATE))
    from slack_clone.web import IS_CHANNEL, IS_MEMBER, MEMBER_IF_BOT, NOT_ARCHIVED, Rules

    rules = Rules(IS_CHANNEL, MEMBER_IF_BOT, NOT_ARCHIVED, IS_MEMBER)
    assert rules.errors == (
        "channel_not_found",
        "method_not_supported_for_channel_type",
        "not_in_channel",
        "is_archived",
    )


def test_a_bot_posting_to_an_archived_channel_it_is_not_in_hears_is_archived(acme: Any) -> None:
    channel = _archived_channel(acme)
    assert error_of(web(acme).chat_postMessage, channel=channel, text="hello?") == "is_archived"


def test_a_bot_pinning_in_an_archived_channel_it_is_not_in_hears_not_in_channel(
    acme: Any,
) -> None:
    channel = _archived_channel(acme)
    pin = web(acme).pins_add
    assert error_of(pin, channel=channel, timestamp=GENERAL_MESSAGE) == "not_in_channel"


def test_a_member_pinning_in_an_archived_channel_hears_is_archived(acme: Any) -> None:
    channel = _archived_channel(acme)
    pin = web(acme, "user").pins_add
    assert error_of(pin, channel=channel, timestamp=GENERAL_MESSAGE) == "is_archived"


def test_scheduling_a_reply_to_a_thread_that_does_not_exist_answers_thread_not_found(
    acme: Any,
) -> None:
    schedule = joined(acme).chat_scheduleMessage
    post_at = int(time.time()) + 3600
    missing = "1000000000.000001"
    assert (
        error_of(schedule, channel=GENERAL, text="later", post_at=post_at, thread_ts=missing)
        == "thread_not_found"
    )


def test_an_ephemeral_message_with_too_many_attachments_answers_too_many_attachments(
    acme: Any,
) -> None:
    attachments = [{"fallback": f"item {i}", "text": "x"} for i in range(101)]
    ephemeral = joined(acme).chat_postEphemeral
    assert (
        error_of(ephemeral, channel=GENERAL, user=DANA, text="x", attachments=attachments)
        == "too_many_attachments"
    )


def test_a_bot_listing_the_files_of_a_channel_it_is_not_in_hears_not_in_channel(
    acme: Any,
) -> None:
    assert error_of(web(acme).files_list, channel=GENERAL) == "not_in_channel"
