"""How requests reach the clone: GET/form/JSON bodies, scopes (10), pagination (12), rates (14)."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from slack_helpers import (
    GENERAL,
    INCIDENT_THREAD,
    INCIDENTS,
    error_of,
    failure,
    history,
    joined,
    mint_token,
    token_web,
    web,
)
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

# --- bodies: GET query, form, JSON ---------------------------------------------------------


def test_get_with_a_query_string(acme: Any) -> None:
    answer = httpx.get(
        f"{acme.api_url}conversations.info",
        params={"channel": GENERAL},
        headers={"Authorization": f"Bearer {acme.tokens.user}"},
        timeout=10,
    )
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["channel"]["id"] == GENERAL


def test_post_a_form_with_the_token_as_a_parameter(acme: Any) -> None:
    answer = httpx.post(
        f"{acme.api_url}conversations.info",
        data={"channel": GENERAL, "token": acme.tokens.user},
        timeout=10,
    ).json()
    assert answer["ok"] is True and answer["channel"]["id"] == GENERAL


def test_post_json_with_nested_blocks(acme: Any) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "from JSON"}}]
    answer = httpx.post(
        f"{acme.api_url}chat.postMessage",
        json={"channel": GENERAL, "blocks": blocks, "unfurl_links": False},
        headers={"Authorization": f"Bearer {acme.tokens.user}"},
        timeout=10,
    ).json()
    assert answer["ok"] is True
    assert answer["message"]["blocks"] == blocks


READS = [
    pytest.param("users.info", {"user": "UACME00004"}, id="users.info"),
    pytest.param("users.profile.get", {"user": "UACME00004"}, id="users.profile.get"),
    pytest.param("conversations.history", {"channel": GENERAL, "limit": "3"}, id="history"),
    pytest.param(
        "conversations.replies", {"channel": INCIDENTS, "ts": INCIDENT_THREAD}, id="replies"
    ),
    pytest.param("conversations.members", {"channel": GENERAL}, id="members"),
    pytest.param("reactions.list", {"user": "UACME00004"}, id="reactions.list"),
    pytest.param("pins.list", {"channel": GENERAL}, id="pins.list"),
    pytest.param("bookmarks.list", {"channel_id": GENERAL}, id="bookmarks.list"),
    pytest.param("files.list", {"channel": GENERAL}, id="files.list"),
    pytest.param("usergroups.list", {"include_users": "true"}, id="usergroups.list"),
    pytest.param("search.messages", {"query": "geocoding in:#incidents"}, id="search"),
    pytest.param("emoji.list", {}, id="emoji.list"),
    pytest.param("dnd.info", {"user": "UACME00004"}, id="dnd.info"),
]


@pytest.mark.parametrize(("method", "args"), READS)
def test_get_form_and_json_bodies_get_the_same_answer(
    acme: Any, method: str, args: dict[str, str]
) -> None:
    url = f"{acme.api_url}{method}"
    auth = {"Authorization": f"Bearer {acme.tokens.user}"}
    by_get, by_form, by_json = (
        {k: v for k, v in answer.json().items() if k != "cache_ts"}  # "now", per call
        for answer in (
            httpx.get(url, params=args, headers=auth, timeout=10),
            httpx.post(url, data=args, headers=auth, timeout=10),
            httpx.post(url, json=args, headers=auth, timeout=10),
        )
    )
    assert by_get["ok"] is True, by_get
    assert by_form == by_get
    assert by_json == by_get


@pytest.mark.parametrize(("method", "args"), READS)
def test_unknown_arguments_change_nothing(acme: Any, method: str, args: dict[str, str]) -> None:
    url = f"{acme.api_url}{method}"
    auth = {"Authorization": f"Bearer {acme.tokens.user}"}
    plain, extra = (
        {k: v for k, v in answer.json().items() if k != "cache_ts"}
        for answer in (
            httpx.get(url, params=args, headers=auth, timeout=10),
            httpx.get(url, params={**args, "pretty": "1", "x_made_up": "y"}, headers=auth),
        )
    )
    assert plain["ok"] is True
    assert extra == plain


def test_an_unknown_method_is_unknown_method(acme: Any) -> None:
    assert error_of(web(acme).api_call, api_method="chat.teleport") == "unknown_method"


def test_no_token_is_not_authed(acme: Any) -> None:
    answer = httpx.post(f"{acme.api_url}auth.test", timeout=10).json()
    assert answer["ok"] is False
    assert answer["error"] == "not_authed"


# --- scopes (behaviour 10) ------------------------------------------------------------------


def test_every_response_carries_x_oauth_scopes(acme: Any) -> None:
    client = web(acme)
    for response in (client.auth_test(), client.users_list(limit=1), client.team_info()):
        scopes = set(response.headers["x-oauth-scopes"].split(","))
        assert {"chat:write", "channels:read", "users:read"} <= scopes


def test_responses_name_the_scopes_the_method_accepts(acme: Any) -> None:
    answer = web(acme, "user").conversations_history(channel=GENERAL, limit=1)
    assert "channels:history" in answer.headers["x-accepted-oauth-scopes"].split(",")


def test_an_error_response_carries_x_oauth_scopes_too(acme: Any) -> None:
    with pytest.raises(SlackApiError) as info:
        web(acme).conversations_history(channel=INCIDENTS)
    assert "chat:write" in info.value.response.headers["x-oauth-scopes"]


def test_the_user_token_has_user_scopes(acme: Any) -> None:
    scopes = set(web(acme, "user").auth_test().headers["x-oauth-scopes"].split(","))
    assert {"search:read", "chat:write", "users.profile:write"} <= scopes


def test_a_bot_token_has_no_search_scope(acme: Any) -> None:
    scopes = set(web(acme).auth_test().headers["x-oauth-scopes"].split(","))
    assert "search:read" not in scopes


def test_a_method_without_its_scope_is_missing_scope(acme: Any) -> None:
    narrow = token_web(acme, mint_token(acme, "bot", ["channels:read"]))
    answer = failure(narrow.chat_postMessage, channel=GENERAL, text="hi")
    assert answer["error"] == "missing_scope"
    assert "chat:write" in answer["needed"]
    assert answer["provided"] == "channels:read"


def test_a_narrow_token_can_call_what_its_scopes_allow(acme: Any) -> None:
    narrow = token_web(acme, mint_token(acme, "bot", ["channels:read"]))
    assert GENERAL in [c["id"] for c in narrow.conversations_list()["channels"]]
    assert narrow.conversations_list().headers["x-oauth-scopes"] == "channels:read"


@pytest.mark.parametrize(
    ("call", "kwargs", "needed"),
    [
        pytest.param("users_list", {}, "users:read", id="users.list"),
        pytest.param(
            "users_lookupByEmail",
            {"email": "leo@acme-corp.test"},
            "users:read.email",
            id="users.lookupByEmail",
        ),
        pytest.param(
            "reactions_get",
            {"channel": GENERAL, "timestamp": INCIDENT_THREAD},
            "reactions:read",
            id="reactions.get",
        ),
        pytest.param("pins_list", {"channel": GENERAL}, "pins:read", id="pins.list"),
        pytest.param("emoji_list", {}, "emoji:read", id="emoji.list"),
        pytest.param("usergroups_list", {}, "usergroups:read", id="usergroups.list"),
        pytest.param("files_list", {}, "files:read", id="files.list"),
        pytest.param("team_info", {}, "team:read", id="team.info"),
    ],
)
def test_read_methods_name_their_scope(
    acme: Any, call: str, kwargs: dict[str, Any], needed: str
) -> None:
    narrow = token_web(acme, mint_token(acme, "bot", ["chat:write"]))
    answer = failure(getattr(narrow, call), **kwargs)
    assert answer["error"] == "missing_scope"
    assert needed in answer["needed"].split(",")


def test_auth_test_needs_no_scope(acme: Any) -> None:
    narrow = token_web(acme, mint_token(acme, "bot", ["chat:write"]))
    assert narrow.auth_test()["ok"] is True


def test_a_user_token_without_search_read(acme: Any) -> None:
    narrow = token_web(acme, mint_token(acme, "user", ["channels:read"]))
    answer = failure(narrow.search_messages, query="geocoding")
    assert answer["error"] == "missing_scope"
    assert answer["needed"] == "search:read"


# --- pagination (behaviour 12) --------------------------------------------------------------


def _prepare(acme: Any, kind: str) -> tuple[WebClient, dict[str, Any]]:
    owner = web(acme, "user")
    if kind == "reactions.list":
        for message in history(owner, GENERAL)[:3]:
            owner.reactions_add(channel=GENERAL, timestamp=message["ts"], name="eyes")
    if kind == "pins.list":
        for message in history(owner, GENERAL)[:3]:
            owner.pins_add(channel=GENERAL, timestamp=message["ts"])
    if kind == "files.list":
        for n in range(3):
            owner.files_upload_v2(channel=GENERAL, content=b"x", filename=f"f{n}.txt")
    if kind == "chat.scheduledMessages.list":
        for n in range(3):
            owner.chat_scheduleMessage(
                channel=GENERAL, post_at=int(time.time()) + 3600 + n, text=f"later {n}"
            )
    return owner, {
        "conversations.list": {},
        "conversations.members": {"channel": GENERAL},
        "conversations.history": {"channel": GENERAL},
        "conversations.replies": {"channel": INCIDENTS, "ts": INCIDENT_THREAD},
        "users.list": {},
        "users.conversations": {},
        "reactions.list": {},
        "files.list": {},
        "chat.scheduledMessages.list": {},
        "pins.list": {"channel": GENERAL},
    }[kind]


ITEMS = {
    "conversations.list": "channels",
    "conversations.members": "members",
    "conversations.history": "messages",
    "conversations.replies": "messages",
    "users.list": "members",
    "users.conversations": "channels",
    "reactions.list": "items",
    "files.list": "files",
    "chat.scheduledMessages.list": "scheduled_messages",
    "pins.list": "items",
}


@pytest.mark.parametrize("method", sorted(ITEMS))
def test_list_methods_page_with_limit_and_cursor(acme: Any, method: str) -> None:
    client, args = _prepare(acme, method)
    key = ITEMS[method]
    cursor, seen, pages = "", [], 0
    while True:
        page = client.api_call(method, params={**args, "limit": 1, "cursor": cursor})
        assert len(page[key]) <= 1
        seen.extend(repr(item) for item in page[key])
        cursor = page["response_metadata"]["next_cursor"]
        pages += 1
        if not cursor:
            break
        assert pages < 200
    assert pages >= 2
    everything = client.api_call(method, params={**args, "limit": 1000})
    assert len(seen) == len(everything[key])
    assert everything["response_metadata"]["next_cursor"] == ""


@pytest.mark.parametrize("method", sorted(ITEMS))
def test_list_methods_refuse_a_garbage_cursor(acme: Any, method: str) -> None:
    client, args = _prepare(acme, method)
    answer = failure(client.api_call, api_method=method, params={**args, "cursor": "garbage!!"})
    assert answer["error"] == "invalid_cursor"


# --- rate limits (behaviour 14) -----------------------------------------------------------------


@pytest.fixture
def limited_clone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A second acme clone whose app enforces Slack's rate tiers (SLACK_CLONE_RATE_LIMITS=1)."""
    import asymkit

    monkeypatch.setenv("SLACK_CLONE_RATE_LIMITS", "1")
    clone = asymkit.spin("slack", seed=asymkit.Fixture("acme-corp"))
    try:
        yield clone
    finally:
        clone.destroy()


def test_rate_limits_are_off_by_default(acme: Any) -> None:
    client = web(acme)
    for _ in range(30):  # tier 2 allows 20 a minute when limits are on
        client.users_list(limit=1)


def test_a_tier_limit_answers_429_with_retry_after(limited_clone: Any) -> None:
    client = web(limited_clone)
    client.retry_handlers.clear()  # see the raw 429, no automatic retry
    with pytest.raises(SlackApiError) as info:
        for _ in range(40):  # conversations.list is tier 2: 20 a minute
            client.conversations_list(limit=1)
    response = info.value.response
    assert response.status_code == 429
    assert response["error"] == "ratelimited"
    assert int(response.headers["retry-after"]) >= 1


def test_limits_are_per_method(limited_clone: Any) -> None:
    client = web(limited_clone)
    client.retry_handlers.clear()
    with pytest.raises(SlackApiError):
        for _ in range(40):
            client.conversations_list(limit=1)
    assert client.auth_test()["ok"] is True  # another method, another budget


def test_rate_limit_retry_handler_honours_retry_after(limited_clone: Any) -> None:
    client = web(limited_clone)
    client.retry_handlers.clear()
    with pytest.raises(SlackApiError):
        for _ in range(40):
            client.conversations_list(limit=1)
    patient = web(limited_clone)
    patient.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    started = time.monotonic()
    assert patient.conversations_list(limit=1)["ok"] is True
    assert time.monotonic() - started >= 1.0  # it waited for the bucket to refill


def test_posting_is_limited_per_channel(limited_clone: Any) -> None:
    client = joined(limited_clone, GENERAL)
    client.retry_handlers.clear()
    with pytest.raises(SlackApiError) as info:
        for n in range(200):
            client.chat_postMessage(channel=GENERAL, text=f"burst {n}")
    assert info.value.response.status_code == 429


@pytest.fixture
def manifest_limited_clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A copy of the slack template whose manifest turns rate limits on (tier 2: 5 a minute)."""
    import asymkit
    from asymkit import manifest

    root = tmp_path / "templates" / "slack-limited"
    shutil.copytree(manifest.find("slack").root, root, ignore=shutil.ignore_patterns(".*cache*"))
    data = json.loads((root / "clone.manifest.json").read_text(encoding="utf-8"))
    data["name"] = "slack-limited"
    data["rate_limits"] = {**data.get("rate_limits", {}), "enabled": True, "tiers": {"2": 5}}
    (root / "clone.manifest.json").write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setenv("ASYMKIT_TEMPLATES_DIR", str(tmp_path / "templates"))
    monkeypatch.delenv("SLACK_CLONE_RATE_LIMITS", raising=False)
    clone = asymkit.spin("slack-limited", seed=asymkit.Fixture("acme-corp"))
    try:
        yield clone
    finally:
        clone.destroy()


def test_the_manifest_can_turn_rate_limits_on(manifest_limited_clone: Any) -> None:
    client = web(manifest_limited_clone)
    client.retry_handlers.clear()
    with pytest.raises(SlackApiError) as info:
        for _ in range(10):
            client.users_list(limit=1)
    assert info.value.response.status_code == 429
    assert info.value.response["error"] == "ratelimited"


async def test_the_async_client_retries_after_a_429(limited_clone: Any) -> None:
    from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
    from slack_sdk.web.async_client import AsyncWebClient

    eager = AsyncWebClient(token=limited_clone.tokens.bot, base_url=limited_clone.api_url)
    eager.retry_handlers.clear()
    with pytest.raises(SlackApiError):
        for _ in range(40):
            await eager.conversations_list(limit=1)
    patient = AsyncWebClient(
        token=limited_clone.tokens.bot,
        base_url=limited_clone.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
    )
    assert (await patient.conversations_list(limit=1))["ok"] is True


SCOPED = sorted(
    json.loads((Path(__file__).parent / "slack_spec_fields.json").read_text(encoding="utf-8"))[
        "methods"
    ].keys()
    - {"api.test", "auth.test", "chat.getPermalink"}  # Slack requires no scope for these
)


@pytest.fixture(scope="module")
def scopeless_user_token(acme_session: Any) -> str:
    """A user token of the acme clone with one unrelated scope (minted once per module)."""
    return mint_token(acme_session, "user", ["identify"])


@pytest.mark.parametrize("method", SCOPED)
def test_every_method_checks_its_scope(
    acme_session: Any, scopeless_user_token: str, method: str
) -> None:
    """Before looking at the arguments, as Slack does: missing_scope names what is needed."""
    client = token_web(acme_session, scopeless_user_token)
    answer = failure(client.api_call, api_method=method)
    assert answer["error"] == "missing_scope"
    assert answer["needed"]
    assert answer["provided"] == "identify"


def test_json_calls_the_way_slack_mcp_servers_send_them(acme: Any) -> None:
    """JSON bodies with real booleans and numbers, as MCP servers' fetch() calls send them."""

    def call(method: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = httpx.post(
            f"{acme.api_url}{method}",
            json=body,
            headers={"Authorization": f"Bearer {acme.tokens.bot}"},
            timeout=10,
        )
        assert answer.status_code == 200
        data = dict(answer.json())
        assert data["ok"] is True, data
        return data

    listed = call(
        "conversations.list",
        {
            "types": "public_channel",
            "exclude_archived": True,
            "limit": 100,
            "team_id": "TACME00001",
        },
    )
    assert GENERAL in [c["id"] for c in listed["channels"]]
    call("conversations.join", {"channel": GENERAL})
    posted = call("chat.postMessage", {"channel": GENERAL, "text": "Hello from MCP"})
    call("chat.postMessage", {"channel": GENERAL, "thread_ts": posted["ts"], "text": "threaded"})
    call("reactions.add", {"channel": GENERAL, "timestamp": posted["ts"], "name": "wave"})
    replies = call("conversations.replies", {"channel": GENERAL, "ts": posted["ts"], "limit": 10})
    assert [m["text"] for m in replies["messages"]] == ["Hello from MCP", "threaded"]
    users = call("users.list", {"limit": 200})
    assert len(users["members"]) >= 10
    profile = call("users.profile.get", {"user": "UACME00004", "include_labels": True})
    assert profile["profile"]["real_name"] == "Leo Alvarez"
    history = call("conversations.history", {"channel": GENERAL, "limit": 5})
    assert history["messages"][0]["reactions"][0]["name"] == "wave"
