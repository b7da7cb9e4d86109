"""Where real clients found the Slack clone was not Slack (issue 19 section 3, issue 18 items
13 and 14): search dates, scheduled metadata, ids-only channel arguments, bookmarks.edit and
look-alike channel names. Each check goes through slack_sdk against the real clone."""

from __future__ import annotations

import datetime
import sys
import time
import unicodedata
import zoneinfo
from pathlib import Path
from typing import Any

import psycopg
import pytest
from slack_helpers import (
    DANA,
    GENERAL,
    GENERAL_MESSAGE,
    LEO,
    RANDOM,
    error_of,
    failure,
    joined,
    token_web,
    web,
)
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

TEMPLATE = Path(__file__).resolve().parent.parent / "asymkit" / "templates" / "slack"

# --- search.messages: date modifiers --------------------------------------------------------

# The fixture's five "geocoding" messages: 2026-03-03, three on 2026-03-05, 2026-03-07 (UTC).
WORD = "zebracorn"  # in no fixture message: only the one each test posts today


def _found(acme: Any, query: str) -> list[dict[str, Any]]:
    return list(web(acme, "user").search_messages(query=query, count=100)["messages"]["matches"])


def _today(acme: Any) -> datetime.date:
    """Today in the searching user's (dana's) time zone, the one search's dates use."""
    tz = web(acme, "user").users_info(user=DANA)["user"]["tz"]
    return datetime.datetime.now(zoneinfo.ZoneInfo(tz)).date()


@pytest.fixture
def posted_today(acme: Any) -> str:
    """A message posted now (by dana in #general) whose one searchable word is ``WORD``."""
    return str(web(acme, "user").chat_postMessage(channel=GENERAL, text=f"the {WORD} ran")["ts"])


@pytest.mark.parametrize(
    ("modifier", "finds"),
    [
        pytest.param("after:2000-01-01", True, id="after-an-old-day"),
        pytest.param("before:2000-01-01", False, id="before-an-old-day"),
        pytest.param("after:1969-07-20", True, id="after-a-day-before-1970"),
        pytest.param("before:1969-07-20", False, id="before-a-day-before-1970"),
        pytest.param("on:2000-01-01", False, id="on-an-old-day"),
        pytest.param("during:1999", False, id="during-an-old-year"),
        pytest.param("during:1999-12", False, id="during-an-old-month"),
        pytest.param("after:2999-01-01", False, id="after-a-future-day"),
        pytest.param("before:2999-01-01", True, id="before-a-future-day"),
        pytest.param("before:9999-12-31", True, id="before-the-last-day"),
        pytest.param("after:9999-12-31", False, id="after-the-last-day"),
        pytest.param("on:9999-12-31", False, id="on-the-last-day"),
        pytest.param("during:2999", False, id="during-a-future-year"),
        pytest.param("after:0001-01-01", True, id="after-the-first-day"),
        pytest.param("before:0001-01-01", False, id="before-the-first-day"),
    ],
)
def test_search_dates_far_from_today_compare_as_dates(
    acme: Any, posted_today: str, modifier: str, finds: bool
) -> None:
    found = [m["ts"] for m in _found(acme, f"{modifier} {WORD}")]
    assert found == ([posted_today] if finds else [])


def test_search_on_and_during_today_find_todays_message(acme: Any, posted_today: str) -> None:
    today = _today(acme)
    month = today.strftime("%B").lower()
    for modifier in (
        f"on:{today.isoformat()}",
        f"during:{today:%Y-%m}",
        f"during:{today.year}",
        f"during:{month}",
        f"during:{month[:3]}",
        "on:today",
    ):
        assert [m["ts"] for m in _found(acme, f"{modifier} {WORD}")] == [posted_today], modifier
    other = (today.replace(day=1) - datetime.timedelta(days=1)).strftime("%B").lower()
    assert _found(acme, f"during:{other} {WORD}") == []


@pytest.mark.parametrize(
    ("modifier", "days"),
    [
        pytest.param("during:2026-03", {"2026-03-03", "2026-03-05", "2026-03-07"}, id="month"),
        pytest.param("during:2026", {"2026-03-03", "2026-03-05", "2026-03-07"}, id="year"),
        pytest.param("during:2025", set(), id="another-year"),
        pytest.param("after:2000-01-01", {"2026-03-03", "2026-03-05", "2026-03-07"}, id="old"),
        pytest.param("before:2000-01-01", set(), id="before-old"),
        pytest.param("before:2300-01-01", {"2026-03-03", "2026-03-05", "2026-03-07"}, id="far"),
    ],
)
def test_search_dates_select_the_fixtures_days(acme: Any, modifier: str, days: set[str]) -> None:
    found = _found(acme, f"geocoding {modifier}")
    utc = datetime.timezone.utc
    assert {
        datetime.datetime.fromtimestamp(float(m["ts"]), tz=utc).date().isoformat() for m in found
    } == days


# --- chat.scheduleMessage: metadata and post_at -----------------------------------------------

METADATA = {"event_type": "task_created", "event_payload": {"id": "TK-1", "title": "Ship it"}}


def test_scheduled_metadata_is_in_the_answer_and_on_the_posted_message(
    acme: Any, db: psycopg.Connection[Any]
) -> None:
    client = joined(acme)
    answer = client.chat_scheduleMessage(
        channel=GENERAL,
        post_at=int(time.time()) + 3600,
        text="Task created",
        metadata=METADATA,
    )
    assert answer["message"]["metadata"] == METADATA
    # Make it due now rather than wait an hour: the next read of #general posts it.
    db.execute(
        "UPDATE scheduled_messages SET post_at = 1 WHERE id = %s", (answer["scheduled_message_id"],)
    )
    posted = client.conversations_history(channel=GENERAL, limit=1, include_all_metadata=True)
    assert posted["messages"][0]["text"] == "Task created"
    assert posted["messages"][0]["metadata"] == METADATA


def test_a_scheduled_message_with_blocks_and_attachments_is_posted_with_them(
    acme: Any, db: psycopg.Connection[Any]
) -> None:
    """Delivering it used to fail (a list is not a jsonb parameter), and with it every read
    of the channel: internal_error until the scheduled row was deleted."""
    client = joined(acme)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*due*"}}]
    attachments = [{"fallback": "due", "text": "due"}]
    answer = client.chat_scheduleMessage(
        channel=GENERAL,
        post_at=int(time.time()) + 3600,
        text="due",
        blocks=blocks,
        attachments=attachments,
    )
    db.execute(
        "UPDATE scheduled_messages SET post_at = 1 WHERE id = %s",
        (answer["scheduled_message_id"],),
    )
    posted = client.conversations_history(channel=GENERAL, limit=1)["messages"][0]
    assert (posted["text"], posted["blocks"]) == ("due", blocks)
    assert [a["text"] for a in posted["attachments"]] == ["due"]


def test_scheduled_metadata_is_checked_like_chat_postmessages(acme: Any) -> None:
    schedule = joined(acme).chat_scheduleMessage
    post_at = int(time.time()) + 3600
    bad = {"event_payload": {}}
    assert error_of(schedule, channel=GENERAL, post_at=post_at, text="x", metadata=bad) == error_of(
        joined(acme).chat_postMessage, channel=GENERAL, text="x", metadata=bad
    )


@pytest.mark.parametrize(
    ("post_at", "error"),
    [
        pytest.param("inf", "invalid_time", id="inf"),
        pytest.param("-inf", "invalid_time", id="minus-inf"),
        pytest.param("nan", "invalid_time", id="nan"),
        pytest.param("1e309", "time_too_far", id="past-the-float-range"),
        pytest.param("-1e309", "time_in_past", id="below-the-float-range"),
        pytest.param("9" * 400, "time_too_far", id="400-digits"),
        pytest.param("-" + "9" * 400, "time_in_past", id="minus-400-digits"),
        pytest.param("1e999999999", "time_too_far", id="a-huge-exponent"),
        pytest.param("soon", "invalid_time", id="a-word"),
    ],
)
def test_an_out_of_range_post_at_answers_slacks_error(acme: Any, post_at: str, error: str) -> None:
    answer = failure(
        web(acme, "user").chat_scheduleMessage, channel=GENERAL, post_at=post_at, text="x"
    )
    assert answer == {"ok": False, "error": error}  # not HTTP 500 internal_error


# --- channel arguments: ids only, except where Slack takes names -----------------------------

# The methods whose channel argument Slack documents as "an encoded ID, or a name".
TAKES_NAMES = {"chat.postMessage", "chat.postEphemeral", "chat.meMessage", "chat.scheduleMessage"}


def _clone_methods() -> dict[str, Any]:
    if str(TEMPLATE) not in sys.path:
        sys.path.insert(0, str(TEMPLATE))
    import slack_clone.app  # noqa: F401  (registers every method)
    from slack_clone.methods import METHODS

    return dict(METHODS)


def _arguments(channel: str) -> dict[str, Any]:
    """Arguments every channel-taking method finds valid apart from the channel."""
    return {
        "channel": channel,
        "channel_id": channel,
        "ts": GENERAL_MESSAGE,
        "timestamp": GENERAL_MESSAGE,
        "message_ts": GENERAL_MESSAGE,
        "text": "named",
        "name": "thumbsup",
        "post_at": int(time.time()) + 3600,
        "user": LEO,
        "users": LEO,
        "title": "Wiki",
        "type": "link",
        "link": "https://wiki.acme.test",
        "bookmark_id": "BkNOPE",
        "scheduled_message_id": "QNOPE",
        "files": '[{"id": "FNOPE"}]',
        "topic": "t",
        "purpose": "p",
    }


@pytest.mark.parametrize("name", ["general", "#general"])
def test_only_the_methods_slack_documents_take_a_channel_name(acme: Any, name: str) -> None:
    owner = web(acme, "user")
    took_name = set()
    for method, spec in sorted(_clone_methods().items()):
        if not {"channel", "channel_id"} & set(spec.args) or "user" not in spec.tokens:
            continue
        try:
            owner.api_call(method, params=_arguments(name))
        except SlackApiError as exc:
            if exc.response["error"] == "channel_not_found":
                continue
        took_name.add(method)
    assert took_name == TAKES_NAMES
    # ...and the coverage doc, which lists the clone's own TAKES_NAMES, says so.
    from slack_clone.chat import TAKES_NAMES as documented

    assert set(documented) == TAKES_NAMES


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda c: c.conversations_history(channel="general"), id="history"),
        pytest.param(lambda c: c.conversations_info(channel="#general"), id="info"),
        pytest.param(lambda c: c.conversations_members(channel="general"), id="members"),
        pytest.param(lambda c: c.pins_list(channel="#general"), id="pins-list"),
        pytest.param(lambda c: c.bookmarks_list(channel_id="general"), id="bookmarks-list"),
    ],
)
def test_reading_a_channel_by_name_is_channel_not_found(acme: Any, call: Any) -> None:
    with pytest.raises(SlackApiError) as info:
        call(web(acme, "user"))
    assert info.value.response["error"] == "channel_not_found"


def test_posting_by_name_still_works(acme: Any) -> None:
    owner = web(acme, "user")
    for ref in ("general", "#general"):
        assert owner.chat_postMessage(channel=ref, text=f"to {ref}")["channel"] == GENERAL
    assert owner.chat_meMessage(channel="#random", text="waves")["channel"] == RANDOM


# --- bookmarks.edit ---------------------------------------------------------------------------


def _bookmark(client: WebClient, channel: str = GENERAL) -> dict[str, Any]:
    return dict(
        client.bookmarks_add(
            channel_id=channel, title="Runbook", type="link", link="https://wiki.acme.test/rb"
        )["bookmark"]
    )


def test_bookmarks_edit_changes_the_fields_it_is_given(acme: Any) -> None:
    owner = web(acme, "user")
    added = _bookmark(owner)
    edited = owner.bookmarks_edit(
        channel_id=GENERAL, bookmark_id=added["id"], title="Runbook v2", emoji=":book:"
    )["bookmark"]
    assert edited["id"] == added["id"]
    assert edited["title"] == "Runbook v2"
    assert edited["emoji"] == ":book:"
    assert edited["link"] == "https://wiki.acme.test/rb"  # not given: unchanged
    assert edited["date_updated"] >= added["date_created"] > 0
    listed = owner.bookmarks_list(channel_id=GENERAL)["bookmarks"]
    assert [b for b in listed if b["id"] == added["id"]] == [edited]


def test_bookmarks_edit_by_another_member_names_them_as_last_updater(acme: Any) -> None:
    added = _bookmark(web(acme, "user"))
    leo = token_web(acme, acme.user_token("@leo"))
    edited = leo.bookmarks_edit(
        channel_id=GENERAL, bookmark_id=added["id"], link="https://wiki.acme.test/new"
    )["bookmark"]
    assert edited["link"] == "https://wiki.acme.test/new"
    assert edited["last_updated_by_user_id"] == LEO


@pytest.mark.parametrize(
    ("change", "error"),
    [
        pytest.param({"bookmark_id": "BkNOPE"}, "not_found", id="unknown-bookmark"),
        pytest.param({"channel_id": "CNOPE"}, "channel_not_found", id="unknown-channel"),
        pytest.param({"channel_id": "general"}, "channel_not_found", id="channel-name"),
        pytest.param({"link": "ftp://wiki.acme.test"}, "invalid_link", id="bad-link"),
        pytest.param({"emoji": "book"}, "invalid_emoji", id="bad-emoji"),
        pytest.param({"title": "x" * 300}, "invalid_title", id="long-title"),
    ],
)
def test_bookmarks_edit_refuses_what_slack_refuses(
    acme: Any, change: dict[str, str], error: str
) -> None:
    owner = web(acme, "user")
    added = _bookmark(owner)
    kwargs = {"channel_id": GENERAL, "bookmark_id": added["id"], **change}
    assert error_of(owner.bookmarks_edit, **kwargs) == error


def test_bookmarks_edit_of_another_channels_bookmark_is_not_found(acme: Any) -> None:
    owner = web(acme, "user")
    added = _bookmark(owner, RANDOM)
    assert error_of(owner.bookmarks_edit, channel_id=GENERAL, bookmark_id=added["id"]) == (
        "not_found"
    )


def test_bookmarks_edit_needs_membership_and_the_write_scope(acme: Any) -> None:
    added = _bookmark(web(acme, "user"))
    bot = web(acme)  # the bot is in no channel
    assert error_of(bot.bookmarks_edit, channel_id=GENERAL, bookmark_id=added["id"]) == (
        "not_in_channel"
    )
    spec = _clone_methods()["bookmarks.edit"]
    assert (spec.scope, spec.tier) == ("bookmarks:write", 2)


# --- channel names: Slack's rules, no look-alikes ---------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("general\u200b", id="zero-width-space"),
        pytest.param("gen\u200deral", id="zero-width-joiner"),
        pytest.param("\u2066general", id="bidi-isolate"),
        pytest.param("general\u00ad", id="soft-hyphen"),
        pytest.param("general\ufe0f", id="variation-selector"),
        pytest.param("gen eral", id="space"),
        pytest.param("gen\u00a0eral", id="no-break-space"),
        pytest.param("eng.platform", id="period"),
        pytest.param("General", id="uppercase"),
        pytest.param("Général", id="uppercase-accented"),
        pytest.param("deploy!", id="punctuation"),
        pytest.param("\u0301gen", id="leading-combining-mark"),
        pytest.param("-general", id="leading-hyphen"),
        pytest.param("\u3164general", id="hangul-filler"),
    ],
)
def test_a_name_outside_slacks_rules_is_refused(acme: Any, name: str) -> None:
    owner = web(acme, "user")
    assert error_of(owner.conversations_create, name=name) == "invalid_name_specials"
    channel = owner.conversations_create(name="to-rename")["channel"]["id"]
    assert error_of(owner.conversations_rename, channel=channel, name=name) == (
        "invalid_name_specials"
    )


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param("g\u00e9n", "ge\u0301n", id="nfc-then-nfd"),
        pytest.param("ge\u0301n", "g\u00e9n", id="nfd-then-nfc"),
        pytest.param("general", "\uff47\uff45\uff4e\uff45\uff52\uff41\uff4c", id="fullwidth"),
    ],
)
def test_names_that_look_the_same_are_one_name(acme: Any, first: str, second: str) -> None:
    owner = web(acme, "user")
    if first != "general":
        made = owner.conversations_create(name=first)["channel"]
        assert made["name"] == unicodedata.normalize("NFC", first)
    assert error_of(owner.conversations_create, name=second) == "name_taken"
    other = owner.conversations_create(name="another-room")["channel"]["id"]
    assert error_of(owner.conversations_rename, channel=other, name=second) == "name_taken"


def test_names_in_other_scripts_are_kept(acme: Any) -> None:
    owner = web(acme, "user")
    for name in ("雑談", "équipe-café", "команда_2", "हिन्दी"):
        assert owner.conversations_create(name=name)["channel"]["name"] == name
