"""A representative set of methods through slack_sdk's AsyncWebClient (aiohttp)."""

from __future__ import annotations

from typing import Any

import pytest
from slack_helpers import DANA, GENERAL, GENERAL_MESSAGE, LEO, async_web
from slack_sdk.errors import SlackApiError


async def test_async_auth_and_users(acme: Any) -> None:
    client = async_web(acme)
    auth = await client.auth_test()
    assert auth["bot_id"].startswith("B")
    user = (await client.users_info(user=LEO))["user"]
    assert user["profile"]["email"] == "leo@acme-corp.test"
    profile = (await client.users_profile_get(user=LEO))["profile"]
    assert profile["real_name"] == "Leo Alvarez"


async def test_async_join_post_reply_update_and_delete(acme: Any) -> None:
    client = async_web(acme)
    await client.conversations_join(channel=GENERAL)
    posted = await client.chat_postMessage(channel=GENERAL, text="async hello")
    reply = await client.chat_postMessage(channel=GENERAL, text="in thread", thread_ts=posted["ts"])
    assert reply["message"]["thread_ts"] == posted["ts"]
    await client.chat_update(channel=GENERAL, ts=posted["ts"], text="async hello (edited)")
    replies = (await client.conversations_replies(channel=GENERAL, ts=posted["ts"]))["messages"]
    assert replies[0]["text"] == "async hello (edited)"
    assert replies[0]["reply_count"] == 1
    await client.chat_delete(channel=GENERAL, ts=reply["ts"])
    replies = (await client.conversations_replies(channel=GENERAL, ts=posted["ts"]))["messages"]
    assert [m["ts"] for m in replies] == [posted["ts"]]


async def test_async_pagination_walks_every_page(acme: Any) -> None:
    client = async_web(acme, "user")
    names = [
        c["name"]
        async for page in await client.conversations_list(limit=2)
        for c in page["channels"]
    ]
    assert "general" in names and len(names) == len(set(names))


async def test_async_dm_reactions_and_pins(acme: Any) -> None:
    owner = async_web(acme, "user")
    dm = (await owner.conversations_open(users=LEO))["channel"]["id"]
    posted = await owner.chat_postMessage(channel=dm, text="lunch?")
    await owner.reactions_add(channel=dm, timestamp=posted["ts"], name="ramen")
    got = await owner.reactions_get(channel=dm, timestamp=posted["ts"])
    assert got["message"]["reactions"] == [{"name": "ramen", "count": 1, "users": [DANA]}]
    await owner.pins_add(channel=GENERAL, timestamp=GENERAL_MESSAGE)
    items = (await owner.pins_list(channel=GENERAL))["items"]
    assert GENERAL_MESSAGE in [i["message"]["ts"] for i in items]


async def test_async_search_and_files(acme: Any) -> None:
    owner = async_web(acme, "user")
    found = (await owner.search_messages(query="geocoding"))["messages"]
    assert found["total"] >= 4
    uploaded = await owner.files_upload_v2(
        channel=GENERAL, content=b"async bytes", filename="async.txt"
    )
    info = (await owner.files_info(file=uploaded["file"]["id"]))["file"]
    assert info["size"] == len(b"async bytes")


async def test_async_errors_raise_slack_api_error(acme: Any) -> None:
    client = async_web(acme)
    with pytest.raises(SlackApiError) as info:
        await client.conversations_history(channel="CNOPE0000")
    assert info.value.response["error"] == "channel_not_found"


async def test_async_usergroups(acme: Any) -> None:
    owner = async_web(acme, "user")
    group = (await owner.usergroups_create(name="Async crew", handle="async-crew"))["usergroup"]
    await owner.usergroups_users_update(usergroup=group["id"], users=[LEO, DANA])
    users = (await owner.usergroups_users_list(usergroup=group["id"]))["users"]
    assert set(users) == {LEO, DANA}
