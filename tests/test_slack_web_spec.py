"""Each live response carries the top-level keys Slack's OpenAPI spec documents.

tests/slack_spec_fields.json is derived from slackapi/slack-api-specs by
scripts/slack_spec_fields.py (see its ``_source``). Each method below is
called the way an agent would, and its success response must have every
documented key; methods the spec does not describe must at least say ``ok``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from slack_helpers import (
    DANA,
    ENGINEERING,
    GENERAL,
    GENERAL_MESSAGE,
    INCIDENT_THREAD,
    INCIDENTS,
    LEO,
    RANDOM,
    web,
)
from slack_sdk import WebClient

SPEC = json.loads((Path(__file__).parent / "slack_spec_fields.json").read_text(encoding="utf-8"))
METHODS: dict[str, dict[str, Any] | None] = SPEC["methods"]
OBJECTS: dict[str, list[str]] = SPEC["objects"]


def _message(owner: WebClient, text: str = "spec check") -> str:
    return str(owner.chat_postMessage(channel=GENERAL, text=text)["ts"])


def _group(owner: WebClient) -> str:
    return str(owner.usergroups_create(name="Spec", handle="spec")["usergroup"]["id"])


def _file(owner: WebClient) -> str:
    return str(
        owner.files_upload_v2(channel=GENERAL, content=b"spec", filename="s.txt")["file"]["id"]
    )


def _scheduled(owner: WebClient) -> str:
    answer = owner.chat_scheduleMessage(channel=GENERAL, post_at=int(time.time()) + 3600, text="x")
    return str(answer["scheduled_message_id"])


def _bookmark(owner: WebClient) -> str:
    answer = owner.bookmarks_add(
        channel_id=GENERAL, title="Wiki", type="link", link="https://w.test"
    )
    return str(answer["bookmark"]["id"])


def _archived(owner: WebClient) -> str:
    channel = str(owner.conversations_create(name="spec-archived")["channel"]["id"])
    owner.conversations_archive(channel=channel)
    return channel


Call = Callable[[WebClient, WebClient], Any]

# method -> (bot_client, user_client) -> response. The user token is dana (owner).
CALLS: dict[str, Call] = {
    "api.test": lambda b, u: b.api_test(),
    "auth.test": lambda b, u: b.auth_test(),
    "bots.info": lambda b, u: b.bots_info(bot=b.auth_test()["bot_id"]),
    "team.info": lambda b, u: b.team_info(),
    "emoji.list": lambda b, u: b.emoji_list(),
    "dnd.info": lambda b, u: u.dnd_info(),
    "users.list": lambda b, u: b.users_list(),
    "users.info": lambda b, u: b.users_info(user=LEO),
    "users.lookupByEmail": lambda b, u: b.users_lookupByEmail(email="leo@acme-corp.test"),
    "users.conversations": lambda b, u: u.users_conversations(),
    "users.getPresence": lambda b, u: b.users_getPresence(user=LEO),
    "users.setPresence": lambda b, u: u.users_setPresence(presence="away"),
    "users.profile.get": lambda b, u: u.users_profile_get(),
    "users.profile.set": lambda b, u: u.users_profile_set(profile={"title": "CEO"}),
    "conversations.list": lambda b, u: b.conversations_list(),
    "conversations.info": lambda b, u: b.conversations_info(channel=GENERAL),
    "conversations.create": lambda b, u: u.conversations_create(name="spec-check"),
    "conversations.join": lambda b, u: b.conversations_join(channel=RANDOM),
    "conversations.leave": lambda b, u: u.conversations_leave(channel=RANDOM),
    "conversations.invite": lambda b, u: u.conversations_invite(
        channel=ENGINEERING, users=b.auth_test()["user_id"]
    ),
    "conversations.kick": lambda b, u: u.conversations_kick(channel=ENGINEERING, user=LEO),
    "conversations.members": lambda b, u: b.conversations_members(channel=GENERAL),
    "conversations.history": lambda b, u: u.conversations_history(channel=GENERAL),
    "conversations.replies": lambda b, u: u.conversations_replies(
        channel=INCIDENTS, ts=INCIDENT_THREAD
    ),
    "conversations.setTopic": lambda b, u: u.conversations_setTopic(channel=RANDOM, topic="t"),
    "conversations.setPurpose": lambda b, u: u.conversations_setPurpose(
        channel=RANDOM, purpose="p"
    ),
    "conversations.rename": lambda b, u: u.conversations_rename(channel=RANDOM, name="banter"),
    "conversations.archive": lambda b, u: u.conversations_archive(
        channel=u.conversations_create(name="spec-archive")["channel"]["id"]
    ),
    "conversations.unarchive": lambda b, u: u.conversations_unarchive(channel=_archived(u)),
    "conversations.open": lambda b, u: b.conversations_open(users=LEO),
    "conversations.close": lambda b, u: b.conversations_close(
        channel=b.conversations_open(users=LEO)["channel"]["id"]
    ),
    "conversations.mark": lambda b, u: u.conversations_mark(channel=GENERAL, ts=GENERAL_MESSAGE),
    "chat.postMessage": lambda b, u: u.chat_postMessage(channel=GENERAL, text="hello"),
    "chat.postEphemeral": lambda b, u: u.chat_postEphemeral(channel=GENERAL, user=LEO, text="psst"),
    "chat.update": lambda b, u: u.chat_update(channel=GENERAL, ts=_message(u), text="edited"),
    "chat.delete": lambda b, u: u.chat_delete(channel=GENERAL, ts=_message(u)),
    "chat.getPermalink": lambda b, u: u.chat_getPermalink(
        channel=GENERAL, message_ts=GENERAL_MESSAGE
    ),
    "chat.meMessage": lambda b, u: u.chat_meMessage(channel=GENERAL, text="waves"),
    "chat.scheduleMessage": lambda b, u: u.chat_scheduleMessage(
        channel=GENERAL, post_at=int(time.time()) + 3600, text="later"
    ),
    "chat.scheduledMessages.list": lambda b, u: u.chat_scheduledMessages_list(),
    "chat.deleteScheduledMessage": lambda b, u: u.chat_deleteScheduledMessage(
        channel=GENERAL, scheduled_message_id=_scheduled(u)
    ),
    "reactions.add": lambda b, u: u.reactions_add(
        channel=GENERAL, timestamp=GENERAL_MESSAGE, name="tada"
    ),
    "reactions.remove": lambda b, u: (
        u.reactions_add(channel=GENERAL, timestamp=GENERAL_MESSAGE, name="eyes"),
        u.reactions_remove(channel=GENERAL, timestamp=GENERAL_MESSAGE, name="eyes"),
    )[1],
    "reactions.get": lambda b, u: u.reactions_get(channel=GENERAL, timestamp=GENERAL_MESSAGE),
    "reactions.list": lambda b, u: u.reactions_list(),
    "pins.add": lambda b, u: u.pins_add(channel=GENERAL, timestamp=GENERAL_MESSAGE),
    "pins.remove": lambda b, u: (
        u.pins_add(channel=GENERAL, timestamp=GENERAL_MESSAGE),
        u.pins_remove(channel=GENERAL, timestamp=GENERAL_MESSAGE),
    )[1],
    "pins.list": lambda b, u: u.pins_list(channel=GENERAL),
    "bookmarks.add": lambda b, u: u.bookmarks_add(
        channel_id=GENERAL, title="Docs", type="link", link="https://docs.acme.test"
    ),
    "bookmarks.list": lambda b, u: u.bookmarks_list(channel_id=GENERAL),
    "bookmarks.remove": lambda b, u: u.bookmarks_remove(
        channel_id=GENERAL, bookmark_id=_bookmark(u)
    ),
    "search.messages": lambda b, u: u.search_messages(query="geocoding"),
    "search.files": lambda b, u: u.search_files(query="notes"),
    "search.all": lambda b, u: u.search_all(query="geocoding"),
    "files.getUploadURLExternal": lambda b, u: u.files_getUploadURLExternal(
        filename="a.txt", length=3
    ),
    "files.completeUploadExternal": lambda b, u: _complete(u),
    "files.info": lambda b, u: u.files_info(file=_file(u)),
    "files.list": lambda b, u: u.files_list(),
    "files.delete": lambda b, u: u.files_delete(file=_file(u)),
    "usergroups.list": lambda b, u: u.usergroups_list(),
    "usergroups.create": lambda b, u: u.usergroups_create(name="Spec", handle="spec"),
    "usergroups.users.list": lambda b, u: u.usergroups_users_list(usergroup=_group(u)),
    "usergroups.users.update": lambda b, u: u.usergroups_users_update(
        usergroup=_group(u), users=[LEO, DANA]
    ),
}


def _complete(owner: WebClient) -> Any:
    import httpx

    ticket = owner.files_getUploadURLExternal(filename="a.txt", length=3)
    httpx.post(ticket["upload_url"], content=b"abc", timeout=10).raise_for_status()
    return owner.files_completeUploadExternal(files=[{"id": ticket["file_id"]}], channel_id=GENERAL)


def test_the_fixture_covers_the_63_methods() -> None:
    assert len(METHODS) == 63
    assert set(CALLS) == set(METHODS)


@pytest.mark.parametrize("method", list(METHODS))
def test_response_has_the_documented_keys(acme: Any, method: str) -> None:
    documented = METHODS[method]
    response = CALLS[method](web(acme), web(acme, "user"))
    assert response["ok"] is True
    keys = {"ok"} if documented is None else {*documented["required"], *documented["example"]}
    missing = keys - set(response.data)
    assert not missing, f"{method} lacks {sorted(missing)}"


@pytest.mark.parametrize(
    ("name", "get"),
    [
        pytest.param("user", lambda b, u: b.users_info(user=LEO)["user"], id="user"),
        pytest.param(
            "user_profile", lambda b, u: b.users_info(user=LEO)["user"]["profile"], id="profile"
        ),
        pytest.param(
            "message",
            lambda b, u: u.conversations_history(channel=GENERAL, limit=1)["messages"][0],
            id="message",
        ),
        pytest.param(
            "conversation",
            lambda b, u: b.conversations_info(channel=GENERAL)["channel"],
            id="conversation",
        ),
        pytest.param(
            "im", lambda b, u: b.conversations_open(users=LEO, return_im=True)["channel"], id="im"
        ),
    ],
)
def test_objects_have_the_documented_keys(acme: Any, name: str, get: Call) -> None:
    got = get(web(acme), web(acme, "user"))
    missing = set(OBJECTS[name]) - set(got)
    assert not missing, f"{name} lacks {sorted(missing)}"


def _script() -> Any:
    import importlib.util

    path = Path(__file__).parent.parent / "scripts" / "slack_spec_fields.py"
    spec = importlib.util.spec_from_file_location("slack_spec_fields", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_script_reads_required_keys_and_example_keys() -> None:
    """scripts/slack_spec_fields.py on a two-method excerpt shaped like the real spec."""
    script = _script()
    placeholder = {"title": "Default success template", "required": ["ok"]}
    spec = {
        "paths": {
            "/chat.update": {
                "post": {
                    "responses": {
                        "200": {
                            "schema": {
                                "title": "chat.update success schema",
                                "required": ["ok", "channel", "ts", "text"],
                            },
                            "examples": {
                                "application/json": {
                                    "ok": True,
                                    "channel": "C1",
                                    "ts": "1.0",
                                    "text": "x",
                                }
                            },
                        }
                    }
                }
            },
            "/conversations.join": {
                "post": {
                    "responses": {
                        "200": {
                            "schema": placeholder,
                            "examples": {
                                "application/json": {
                                    "ok": True,
                                    "channel": {},
                                    "warning": "w",
                                    "response_metadata": {},
                                }
                            },
                        }
                    }
                }
            },
        },
    }
    assert script.method_fields(spec, "chat.update") == {
        "required": ["channel", "ok", "text", "ts"],
        "example": ["channel", "ok", "text", "ts"],
    }
    joined = script.method_fields(spec, "conversations.join")
    assert joined["required"] == []
    assert joined["example"] == ["channel", "ok"]
    assert set(joined["excluded"]) == {"warning", "response_metadata"}
    assert script.method_fields(spec, "bookmarks.add") is None


def test_the_committed_fixture_names_its_source() -> None:
    source = SPEC["_source"]
    assert source["repository"] == "slackapi/slack-api-specs"
    assert source["path"] == "web-api/slack_web_openapi_v2.json"
    assert len(source["commit"]) == 40
    assert set(METHODS) == set(_script().METHODS)
