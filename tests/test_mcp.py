"""`asymkit mcp ID` through the official MCP SDK's stdio client, against a real clone.

The server runs as `python -m asymkit.cli mcp ID` in its own process; the
tools call the clone's Slack Web API over real HTTP.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import CallToolResult, TextContent

GENERAL = "CACME00001"  # #general in the acme-corp fixture
DANA = "UACME00001"  # the workspace owner (the user token acts as her)

# The reference Slack MCP server's tools: name -> (argument types, required arguments).
REFERENCE = {
    "slack_list_channels": ({"limit": "number", "cursor": "string"}, []),
    "slack_post_message": ({"channel_id": "string", "text": "string"}, ["channel_id", "text"]),
    "slack_reply_to_thread": (
        {"channel_id": "string", "thread_ts": "string", "text": "string"},
        ["channel_id", "thread_ts", "text"],
    ),
    "slack_add_reaction": (
        {"channel_id": "string", "timestamp": "string", "reaction": "string"},
        ["channel_id", "timestamp", "reaction"],
    ),
    "slack_get_channel_history": ({"channel_id": "string", "limit": "number"}, ["channel_id"]),
    "slack_get_thread_replies": (
        {"channel_id": "string", "thread_ts": "string"},
        ["channel_id", "thread_ts"],
    ),
    "slack_get_users": ({"cursor": "string", "limit": "number"}, []),
    "slack_get_user_profile": ({"user_id": "string"}, ["user_id"]),
}


@pytest.fixture
def bot_in_general(acme: Any) -> Any:
    """The acme clone with its bot a member of #general (as after an invite)."""
    from slack_sdk import WebClient

    WebClient(token=acme.tokens.bot, base_url=acme.api_url).conversations_join(channel=GENERAL)
    return acme


def _env() -> dict[str, str]:
    """What the server process needs to find the test session's clones."""
    keys = ("ASYMKIT_HOME", "ASYMKIT_TEMPLATES_DIR", "PATH")
    return {k: os.environ[k] for k in keys if k in os.environ}


@asynccontextmanager
async def session(clone: Any, *options: str) -> AsyncIterator[ClientSession]:
    """An initialized MCP client session with `asymkit mcp <clone> <options>`."""
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "asymkit.cli", "mcp", clone.id, *options],
        env=_env(),
    )
    async with stdio_client(params) as (read, write), ClientSession(read, write) as s:
        await s.initialize()
        yield s


def answer(result: CallToolResult) -> Any:
    """The JSON a tool answered (its one text content)."""
    (content,) = result.content
    assert isinstance(content, TextContent)
    return json.loads(content.text)


async def call(s: ClientSession, tool: str, **arguments: Any) -> Any:
    """Call a tool that must succeed; return its JSON answer."""
    result = await s.call_tool(tool, arguments)
    assert not result.is_error, result.content
    return answer(result)


# -- the tool list ------------------------------------------------------------------


async def test_tools_have_the_reference_servers_names_types_and_required_arguments(
    acme: Any,
) -> None:
    async with session(acme) as s:
        tools = (await s.list_tools()).tools
    listed = {
        t.name: (
            {name: prop["type"] for name, prop in t.input_schema["properties"].items()},
            t.input_schema.get("required", []),
        )
        for t in tools
    }
    assert listed == REFERENCE
    assert [t.name for t in tools] == list(REFERENCE)  # and in the reference's order


async def test_search_tool_is_offered_when_acting_as_the_user(acme: Any) -> None:
    async with session(acme, "--as", "user") as s:
        tools = {t.name: t for t in (await s.list_tools()).tools}
    assert set(tools) == {*REFERENCE, "slack_search_messages"}
    search = tools["slack_search_messages"].input_schema
    assert search["required"] == ["query"]
    assert {k: v["type"] for k, v in search["properties"].items()} == {
        "query": "string",
        "count": "number",
    }


# -- tools that read and write ------------------------------------------------------------


async def test_posted_message_is_the_latest_in_channel_history(bot_in_general: Any) -> None:
    async with session(bot_in_general) as s:
        posted = await call(s, "slack_post_message", channel_id=GENERAL, text="hello from MCP")
        history = await call(s, "slack_get_channel_history", channel_id=GENERAL, limit=3)
    assert posted["ok"] is True
    assert len(history["messages"]) == 3
    latest = history["messages"][0]
    assert (latest["ts"], latest["text"]) == (posted["ts"], "hello from MCP")


async def test_reply_to_thread_shows_in_the_threads_replies(bot_in_general: Any) -> None:
    async with session(bot_in_general) as s:
        parent = await call(s, "slack_post_message", channel_id=GENERAL, text="question?")
        await call(
            s, "slack_reply_to_thread", channel_id=GENERAL, thread_ts=parent["ts"], text="answer"
        )
        replies = await call(
            s, "slack_get_thread_replies", channel_id=GENERAL, thread_ts=parent["ts"]
        )
    assert [m["text"] for m in replies["messages"]] == ["question?", "answer"]
    assert replies["messages"][1]["thread_ts"] == parent["ts"]


async def test_list_channels_pages_with_the_cursor(acme: Any) -> None:
    async with session(acme) as s:
        first = await call(s, "slack_list_channels", limit=2)
        cursor = first["response_metadata"]["next_cursor"]
        second = await call(s, "slack_list_channels", limit=2, cursor=cursor)
    assert [c["name"] for c in first["channels"]] == ["general", "engineering"]
    assert [c["name"] for c in second["channels"]] == ["product", "sales"]


async def test_get_users_lists_the_seeded_members(acme: Any) -> None:
    async with session(acme) as s:
        users = await call(s, "slack_get_users", limit=200)
    names = {m["name"] for m in users["members"]}
    assert "dana" in names
    assert len(names) >= 10


async def test_user_profile_shows_the_members_name_and_title(acme: Any) -> None:
    async with session(acme) as s:
        users = await call(s, "slack_get_users")
        dana = next(m for m in users["members"] if m["id"] == DANA)
        profile = await call(s, "slack_get_user_profile", user_id=DANA)
    assert profile["ok"] is True
    assert profile["profile"]["real_name"] == dana["real_name"]
    assert profile["profile"]["title"] == dana["profile"]["title"]


async def test_add_reaction_shows_on_the_message(bot_in_general: Any) -> None:
    """Needs reactions.add in the clone (the Slack breadth branch)."""
    async with session(bot_in_general) as s:
        posted = await call(s, "slack_post_message", channel_id=GENERAL, text="ship it")
        await call(
            s,
            "slack_add_reaction",
            channel_id=GENERAL,
            timestamp=posted["ts"],
            reaction="tada",
        )
        history = await call(s, "slack_get_channel_history", channel_id=GENERAL, limit=1)
    (reaction,) = history["messages"][0]["reactions"]
    assert (reaction["name"], reaction["count"]) == ("tada", 1)


async def test_search_messages_as_the_user_finds_a_seeded_message(acme: Any) -> None:
    """Needs search.messages in the clone (the Slack breadth branch)."""
    async with session(acme, "--as", "user") as s:
        found = await call(s, "slack_search_messages", query="Changelog", count=5)
    texts = [m["text"] for m in found["messages"]["matches"]]
    assert "v2.14 is out! Changelog posted in #general." in texts


async def test_acting_as_a_member_posts_as_that_member(acme: Any) -> None:
    """Needs `clone.user_token("@name")` (per-member tokens, another branch)."""
    async with session(acme, "--as", "@dana") as s:
        posted = await call(s, "slack_post_message", channel_id=GENERAL, text="from dana")
    assert posted["message"]["user"] == DANA


# -- errors an agent can read and recover from ----------------------------------------


async def test_unknown_channel_is_a_tool_error_carrying_slacks_code(acme: Any) -> None:
    async with session(acme) as s:
        result = await s.call_tool("slack_post_message", {"channel_id": "CNOPE", "text": "hi"})
    assert result.is_error
    assert answer(result)["error"] == "channel_not_found"


async def test_missing_required_argument_is_a_tool_error_naming_it(bot_in_general: Any) -> None:
    async with session(bot_in_general) as s:
        before = await call(s, "slack_get_channel_history", channel_id=GENERAL, limit=1)
        result = await s.call_tool("slack_post_message", {"channel_id": GENERAL})
        after = await call(s, "slack_get_channel_history", channel_id=GENERAL, limit=1)
    assert result.is_error
    assert answer(result)["detail"] == "Missing required argument: text"
    assert after["messages"] == before["messages"]  # nothing was posted


@pytest.mark.parametrize(
    ("arguments", "detail"),
    [
        pytest.param({"channel_id": GENERAL, "limit": 0}, "positive whole number", id="zero"),
        pytest.param({"channel_id": GENERAL, "limit": "ten"}, "positive whole number", id="text"),
        pytest.param({"channel_id": 42}, "must be a string", id="channel-number"),
    ],
)
async def test_argument_of_the_wrong_type_is_a_tool_error(
    acme: Any, arguments: dict[str, Any], detail: str
) -> None:
    async with session(acme) as s:
        result = await s.call_tool("slack_get_channel_history", arguments)
    assert result.is_error
    assert detail in answer(result)["detail"]


async def test_search_is_not_a_bot_tool(acme: Any) -> None:
    async with session(acme) as s:
        result = await s.call_tool("slack_search_messages", {"query": "x"})
    assert result.is_error
    assert answer(result)["error"] == "unknown_tool"


async def test_session_keeps_working_across_a_reset(acme: Any) -> None:
    async with session(acme, "--as", "user") as s:  # the owner, a member of #general
        posted = await call(s, "slack_post_message", channel_id=GENERAL, text="before reset")
        acme.reset()
        history = await call(s, "slack_get_channel_history", channel_id=GENERAL, limit=50)
    assert history["messages"]  # the seeded messages are back...
    assert posted["ts"] not in [m["ts"] for m in history["messages"]]  # ...and the post is gone


async def test_clone_stopping_mid_session_is_a_tool_error(acme: Any) -> None:
    async with session(acme) as s:
        acme.stop()
        try:
            result = await s.call_tool("slack_get_users", {})
        finally:
            acme.start()
    assert result.is_error
    assert answer(result)["error"] == "clone_unreachable"


# -- in process ---------------------------------------------------------------------


async def test_server_object_serves_the_tools_in_process(bot_in_general: Any) -> None:
    from mcp import Client

    import asymkit.mcp

    async with Client(asymkit.mcp.server(bot_in_general)) as client:
        posted = await client.call_tool(
            "slack_post_message", {"channel_id": GENERAL, "text": "in process"}
        )
        history = await client.call_tool(
            "slack_get_channel_history", {"channel_id": GENERAL, "limit": 1}
        )
    assert not posted.is_error
    assert answer(history)["messages"][0]["text"] == "in process"


def test_importing_asymkit_does_not_import_the_mcp_sdk() -> None:
    code = "import sys, asymkit, asymkit.cli; print(sorted(m for m in sys.modules if m == 'mcp'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- the command line's bad input -------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "asymkit.cli", "mcp", *args],
        capture_output=True,
        text=True,
        env={**os.environ},
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def test_unknown_clone_id_is_one_line_and_exit_1(acme: Any) -> None:
    done = run_cli("slack-zzzz")
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "No clone 'slack-zzzz'" in done.stderr
    assert "[CLONE_NOT_FOUND]" in done.stderr


def test_unknown_identity_is_one_line_and_exit_1(acme: Any) -> None:
    done = run_cli(acme.id, "--as", "admin")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert "use bot, user, or @name" in done.stderr
    assert "[INVALID_ARGUMENT]" in done.stderr


def test_missing_mcp_sdk_is_one_line_naming_the_extra(acme: Any) -> None:
    code = (
        "import sys; sys.modules['mcp'] = None; from asymkit.cli import cli;"
        f" cli.main(['mcp', {acme.id!r}])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == "error: asymkit mcp needs the MCP SDK: pip install 'asymkit[mcp]'.\n"


def test_stopped_clone_is_one_line_and_exit_1(acme: Any) -> None:
    acme.stop()
    try:
        done = run_cli(acme.id)
    finally:
        acme.start()
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert f"run `asymkit start {acme.id}` first" in done.stderr
    assert "[CLONE_NOT_RUNNING]" in done.stderr


def test_an_unknown_clone_names_the_home_it_looked_in_and_creates_none(tmp_path: Path) -> None:
    """What an MCP client that passes no ASYMKIT_HOME sees: where it looked, and no new home."""
    env = {k: v for k, v in os.environ.items() if k != "ASYMKIT_HOME"}
    env["HOME"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "asymkit.cli", "mcp", "slack-a1b2"],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert done.returncode == 1 and done.stderr.count("\n") == 1
    default = (tmp_path / ".asymkit").resolve()
    assert f"No clone 'slack-a1b2' in {default} (the default; ASYMKIT_HOME is not set)." in (
        done.stderr
    )
    assert not default.exists()


def test_an_unknown_clone_names_the_asymkit_home_it_was_given(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "asymkit.cli", "mcp", "slack-a1b2"],
        capture_output=True,
        text=True,
        env={**os.environ, "ASYMKIT_HOME": str(tmp_path / "elsewhere")},
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert done.returncode == 1
    assert f"in ASYMKIT_HOME={tmp_path.resolve() / 'elsewhere'}." in done.stderr
    assert not (tmp_path / "elsewhere").exists()


# -- lines that are no JSON-RPC message ----------------------------------------------------


@pytest.mark.parametrize(
    ("line", "code"),
    [
        pytest.param("this is not json", -32700, id="not-json"),
        pytest.param('{"truncated": ', -32700, id="cut-short"),
        pytest.param('{"jsonrpc": "2.0", "hello": 1}', -32600, id="json-not-json-rpc"),
    ],
)
async def test_a_bad_line_is_answered_with_a_json_rpc_error_and_serving_goes_on(
    acme: Any, line: str, code: int
) -> None:
    import asyncio

    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "asymkit.cli",
        "mcp",
        acme.id,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env=_env(),
    )
    assert proc.stdin is not None and proc.stdout is not None
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "test", "version": "0"},
        },
    }
    try:
        proc.stdin.write(line.encode() + b"\n" + json.dumps(initialize).encode() + b"\n")
        await proc.stdin.drain()
        # a hang guard: before the fix no answer to the bad line ever came
        first = json.loads(await asyncio.wait_for(proc.stdout.readline(), 30))
        second = json.loads(await asyncio.wait_for(proc.stdout.readline(), 30))
    finally:
        proc.stdin.close()
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
        await proc.wait()
    assert (first["id"], first["error"]["code"]) == (None, code)
    assert second["id"] == 1 and "serverInfo" in second["result"]
