"""The Slack clone with the official slack_sdk clients, unchanged."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient


def client(clone: Any, kind: str = "bot") -> WebClient:
    return WebClient(token=getattr(clone.tokens, kind), base_url=clone.api_url)


def channel_id(web: WebClient, name: str) -> str:
    for page in web.conversations_list(types="public_channel,private_channel"):
        for ch in page["channels"]:
            if ch["name"] == name:
                return str(ch["id"])
    raise AssertionError(name)


def error_of(call: Any, **kwargs: Any) -> str:
    with pytest.raises(SlackApiError) as info:
        call(**kwargs)
    return str(info.value.response["error"])


def test_auth_test_names_the_acme_workspace_and_the_bot(acme: Any) -> None:
    auth = client(acme).auth_test()
    assert auth["team"] == "Acme Corp"
    assert auth["team_id"].startswith("T")
    assert auth["user_id"].startswith("U")
    assert auth["bot_id"].startswith("B")


def test_user_token_acts_as_the_workspace_owner(acme: Any) -> None:
    auth = client(acme, "user").auth_test()
    assert auth["user"] == "dana"
    assert "bot_id" not in auth


def test_conversations_list_pages_with_cursors(acme: Any) -> None:
    web = client(acme)
    first = web.conversations_list(limit=2)
    assert len(first["channels"]) == 2
    assert first["response_metadata"]["next_cursor"]
    names = [c["name"] for page in web.conversations_list(limit=2) for c in page["channels"]]
    assert names == ["general", "engineering", "product", "sales", "incidents", "random"]
    last = web.conversations_list(limit=100)
    assert last["response_metadata"]["next_cursor"] == ""


def test_private_channel_is_visible_to_members_only(acme: Any) -> None:
    assert "leadership" not in [
        c["name"]
        for c in client(acme).conversations_list(types="public_channel,private_channel")["channels"]
    ]
    owner = client(acme, "user")
    leadership = channel_id(owner, "leadership")
    info = owner.conversations_info(channel=leadership)["channel"]
    assert info["is_private"] and info["is_member"]
    assert error_of(client(acme).conversations_history, channel=leadership) == "channel_not_found"


def test_users_list_pages_and_shapes_profiles(acme: Any) -> None:
    web = client(acme)
    members = [m for page in web.users_list(limit=3) for m in page["members"]]
    humans = [m for m in members if not m["is_bot"]]
    assert len(humans) == 10
    dana = next(m for m in humans if m["name"] == "dana")
    assert dana["profile"]["title"] == "CEO & Co-founder"
    assert dana["profile"]["email"] == "dana@acme-corp.test"
    assert dana["is_primary_owner"] is True
    assert web.users_info(user=dana["id"])["user"]["real_name"] == "Dana Whitfield"
    assert error_of(web.users_info, user="UNOPE") == "user_not_found"


def test_history_pages_newest_first_and_replies_follow_threads(acme: Any) -> None:
    web = client(acme)
    general = channel_id(web, "general")
    web.conversations_join(channel=general)  # bots read only where they are members
    # slack_sdk reuses one response object across pages: keep each page's data.
    pages = [dict(p.data) for p in web.conversations_history(channel=general, limit=4)]
    assert len(pages) > 1
    assert pages[0]["has_more"] is True and pages[-1]["has_more"] is False
    messages = [m for p in pages for m in p["messages"]]
    stamps = [m["ts"] for m in messages]
    assert stamps == sorted(stamps, reverse=True)
    assert len(set(stamps)) == len(stamps)
    parent = next(m for m in messages if m.get("reply_count"))
    thread = web.conversations_replies(channel=general, ts=parent["ts"])["messages"]
    assert thread[0]["ts"] == parent["ts"]
    assert len(thread) == parent["reply_count"] + 1
    assert all(r["thread_ts"] == parent["ts"] for r in thread[1:])


def test_bot_joins_then_posts_and_replies_in_a_thread(acme: Any) -> None:
    web = client(acme)
    general = channel_id(web, "general")
    assert error_of(web.chat_postMessage, channel=general, text="hi") == "not_in_channel"
    web.conversations_join(channel=general)
    posted = web.chat_postMessage(channel=general, text="Deploy finished :rocket:")
    assert posted["message"]["text"] == "Deploy finished :rocket:"
    reply = web.chat_postMessage(channel=general, text="all green", thread_ts=posted["ts"])
    assert reply["message"]["thread_ts"] == posted["ts"]
    latest = web.conversations_history(channel=general, limit=1)["messages"][0]
    assert latest["ts"] == posted["ts"] and latest["reply_count"] == 1
    members = web.conversations_members(channel=general)["members"]
    assert web.auth_test()["user_id"] in members


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        pytest.param({"name": "Has Spaces"}, "invalid_name_specials", id="bad-channel-name"),
        pytest.param({"name": ""}, "invalid_name_required", id="empty-name"),
        pytest.param({"name": "x" * 81}, "invalid_name_maxlength", id="name-too-long"),
        pytest.param({"name": "general"}, "name_taken", id="duplicate-name"),
    ],
)
def test_conversations_create_applies_slack_rules(
    acme: Any, kwargs: dict[str, str], error: str
) -> None:
    assert error_of(client(acme).conversations_create, **kwargs) == error


def test_create_invite_and_post_in_a_private_channel(acme: Any) -> None:
    owner = client(acme, "user")
    created = owner.conversations_create(name="launch-war-room", is_private=True)["channel"]
    leo = next(m["id"] for m in owner.users_list()["members"] if m["name"] == "leo")
    owner.conversations_invite(channel=created["id"], users=leo)
    assert (
        error_of(owner.conversations_invite, channel=created["id"], users=leo)
        == "already_in_channel"
    )
    assert set(owner.conversations_members(channel=created["id"])["members"]) >= {leo}
    assert error_of(client(acme).conversations_join, channel=created["id"]) == "channel_not_found"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        pytest.param({"channel": "CNOPE", "text": "x"}, "channel_not_found", id="unknown-channel"),
        pytest.param(
            {"channel": "general", "text": " "},
            "no_text",
            id="blank-text",
            marks=pytest.mark.filterwarnings("ignore:The top-level `text`"),
        ),
        pytest.param({"channel": "general", "text": "x" * 40_001}, "msg_too_long", id="too-long"),
        pytest.param(
            {"channel": "general", "text": "x", "thread_ts": "1234567890.000001"},
            "thread_not_found",
            id="missing-parent",
        ),
    ],
)
def test_post_message_errors(acme: Any, kwargs: dict[str, str], error: str) -> None:
    assert error_of(client(acme, "user").chat_postMessage, **kwargs) == error


def test_bad_tokens_are_refused(acme: Any) -> None:
    bad = WebClient(token="xoxb-0-0-nope", base_url=acme.api_url)
    assert error_of(bad.auth_test) == "invalid_auth"
    anonymous = WebClient(base_url=acme.api_url)
    assert error_of(anonymous.auth_test) == "not_authed"


async def test_async_client_reads_and_pages(acme: Any) -> None:
    web = AsyncWebClient(token=acme.tokens.bot, base_url=acme.api_url)
    names = []
    async for page in await web.conversations_list(limit=4):
        names += [c["name"] for c in page["channels"]]
    assert len(names) == 6
    general = next(
        c for c in (await web.conversations_list())["channels"] if c["name"] == "general"
    )
    await web.conversations_join(channel=general["id"])
    posted = await web.chat_postMessage(channel=general["id"], text="async hello")
    history = await web.conversations_history(channel=general["id"], limit=1)
    assert history["messages"][0]["ts"] == posted["ts"]


def test_rate_limited_calls_get_429_with_an_integer_retry_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import httpx

    import asymkit

    monkeypatch.setenv("SLACK_CLONE_RATE_LIMIT", "3")  # calls per minute, per token and method
    with asymkit.spin("slack", seed="acme-corp") as clone:
        headers = {"Authorization": f"Bearer {clone.tokens.bot}"}
        answers = [httpx.post(clone.api_url + "auth.test", headers=headers) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        limited = answers[-1]
        assert limited.json() == {"ok": False, "error": "ratelimited"}
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        # Other methods have their own budget; slack_sdk surfaces the 429 as ratelimited.
        web = WebClient(token=clone.tokens.bot, base_url=clone.api_url)
        assert web.users_list()["ok"]
        assert error_of(web.auth_test) == "ratelimited"


def test_a_garbled_cursor_is_invalid_cursor(acme: Any) -> None:
    assert error_of(client(acme).conversations_list, cursor="not-a-cursor") == "invalid_cursor"


def test_history_window_with_oldest_latest_and_inclusive(acme: Any) -> None:
    web = client(acme)
    general = channel_id(web, "general")
    web.conversations_join(channel=general)  # bots read only where they are members
    stamps = [m["ts"] for m in web.conversations_history(channel=general)["messages"]]
    newest, middle, oldest = stamps[0], stamps[len(stamps) // 2], stamps[-1]
    window = web.conversations_history(channel=general, oldest=oldest, latest=middle)["messages"]
    assert [m["ts"] for m in window] == [t for t in stamps if oldest < t < middle]
    inclusive = web.conversations_history(
        channel=general, oldest=oldest, latest=middle, inclusive=True
    )["messages"]
    assert [m["ts"] for m in inclusive] == [t for t in stamps if oldest <= t <= middle]
    assert newest not in [m["ts"] for m in inclusive]
