"""The reference Slack MCP server's tools as plain data: names, schemas, Web API calls.

The names, argument names, types and required lists are those of the
reference server (``modelcontextprotocol/servers``, ``src/slack``), so an
agent prompt written for it works against a clone. No I/O here: a ``Tool``
maps checked arguments to one Web API method and its parameters.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

import attrs

__all__ = ["TOOLS", "USER_TOOLS", "Tool", "check_arguments"]

MAX_PAGE = 200  # conversations.list / users.list: Slack's largest page
MAX_SEARCH = 100  # search.messages: Slack's largest `count`

_TS = (
    "ts of the thread's parent message, as Slack writes it: '1700000000.000100'"
    " (a ts given without the dot gets one before its last six digits)"
)


def _string(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def _number(description: str, default: int) -> dict[str, Any]:
    return {"type": "number", "description": description, "default": default}


def _schema(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


Params = dict[str, Any]


@attrs.frozen
class Tool:
    """One MCP tool: its advertised name and schema, and the Web API call it makes."""

    name: str
    description: str
    input_schema: dict[str, Any]
    method: str  # the Slack Web API method, e.g. "chat.postMessage"
    params: Callable[[Mapping[str, Any]], Params]  # checked tool arguments -> method params

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(self.input_schema.get("required", ()))


def _limit(args: Mapping[str, Any], default: int, most: int | None = None) -> int:
    value = int(args.get("limit", default))
    return min(value, most) if most else value


def _cursor(args: Mapping[str, Any]) -> Params:
    return {"cursor": args["cursor"]} if args.get("cursor") else {}


TOOLS: tuple[Tool, ...] = (
    Tool(
        "slack_list_channels",
        "List the channels this token can see, a page at a time",
        _schema(
            {
                "limit": _number("How many channels per page (default 100, at most 200)", 100),
                "cursor": _string("next_cursor from the previous page, to get the next one"),
            }
        ),
        "conversations.list",
        lambda a: {
            "types": "public_channel,private_channel",
            "exclude_archived": "true",
            "limit": _limit(a, 100, MAX_PAGE),
            **_cursor(a),
        },
    ),
    Tool(
        "slack_post_message",
        "Post a message in a Slack channel",
        _schema(
            {
                "channel_id": _string("ID of the channel to post in (C…)"),
                "text": _string("Text of the message"),
            },
            ("channel_id", "text"),
        ),
        "chat.postMessage",
        lambda a: {"channel": a["channel_id"], "text": a["text"]},
    ),
    Tool(
        "slack_reply_to_thread",
        "Post a reply in a message's thread",
        _schema(
            {
                "channel_id": _string("ID of the channel the thread is in"),
                "thread_ts": _string(_TS),
                "text": _string("Text of the reply"),
            },
            ("channel_id", "thread_ts", "text"),
        ),
        "chat.postMessage",
        lambda a: {"channel": a["channel_id"], "thread_ts": a["thread_ts"], "text": a["text"]},
    ),
    Tool(
        "slack_add_reaction",
        "React to a message with an emoji",
        _schema(
            {
                "channel_id": _string("ID of the channel the message is in"),
                "timestamp": _string("ts of the message to react to"),
                "reaction": _string("Emoji name without colons, e.g. tada"),
            },
            ("channel_id", "timestamp", "reaction"),
        ),
        "reactions.add",
        lambda a: {"channel": a["channel_id"], "timestamp": a["timestamp"], "name": a["reaction"]},
    ),
    Tool(
        "slack_get_channel_history",
        "Read a channel's latest messages, newest first",
        _schema(
            {
                "channel_id": _string("ID of the channel to read"),
                "limit": _number("How many messages (default 10)", 10),
            },
            ("channel_id",),
        ),
        "conversations.history",
        lambda a: {"channel": a["channel_id"], "limit": _limit(a, 10)},
    ),
    Tool(
        "slack_get_thread_replies",
        "Read a thread: its parent message and every reply",
        _schema(
            {
                "channel_id": _string("ID of the channel the thread is in"),
                "thread_ts": _string(_TS),
            },
            ("channel_id", "thread_ts"),
        ),
        "conversations.replies",
        lambda a: {"channel": a["channel_id"], "ts": a["thread_ts"]},
    ),
    Tool(
        "slack_get_users",
        "List the workspace's members and their profiles, a page at a time",
        _schema(
            {
                "cursor": _string("next_cursor from the previous page, to get the next one"),
                "limit": _number("How many members per page (default 100, at most 200)", 100),
            }
        ),
        "users.list",
        lambda a: {"limit": _limit(a, 100, MAX_PAGE), **_cursor(a)},
    ),
    Tool(
        "slack_get_user_profile",
        "Read one member's full profile",
        _schema({"user_id": _string("ID of the member (U…)")}, ("user_id",)),
        "users.profile.get",
        lambda a: {"user": a["user_id"], "include_labels": "true"},
    ),
)

# Only a user token may search (Slack's search:read is a user scope).
USER_TOOLS: tuple[Tool, ...] = (
    Tool(
        "slack_search_messages",
        "Search for messages across the workspace the user can see",
        _schema(
            {
                "query": _string(
                    "The search query (Slack search syntax, e.g. 'deploy in:#general')"
                ),
                "count": _number("Number of matches to return (default 20, max 100)", 20),
            },
            ("query",),
        ),
        "search.messages",
        lambda a: {"query": a["query"], "count": min(int(a.get("count", 20)), MAX_SEARCH)},
    ),
)


def check_arguments(tool: Tool, arguments: Mapping[str, Any] | None) -> str | None:
    """What is wrong with ``arguments`` for ``tool``, as one sentence; ``None`` when nothing is."""
    args = dict(arguments or {})
    missing = [name for name in tool.required if args.get(name) in (None, "")]
    if missing:
        return f"Missing required argument{'s' if len(missing) > 1 else ''}: {', '.join(missing)}"
    properties = tool.input_schema["properties"]
    for name, value in args.items():
        kind = properties.get(name, {}).get("type")
        if kind == "string" and not isinstance(value, str):
            return f"Argument {name} must be a string, not {json.dumps(value)}"
        if kind == "number" and not _is_count(value):
            return f"Argument {name} must be a positive whole number, not {json.dumps(value)}"
    return None


def _is_count(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value) and value >= 1 and value == int(value)
