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
    "The timestamp of the parent message in the format '1234567890.123456'. Timestamps in"
    " the format without the period can be converted by adding the period such that 6"
    " numbers come after it."
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
        "List channels the app has access to with pagination",
        _schema(
            {
                "limit": _number(
                    "Maximum number of channels to return (default 100, max 200)", 100
                ),
                "cursor": _string("Pagination cursor for next page of results"),
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
        "Post a new message to a Slack channel",
        _schema(
            {
                "channel_id": _string("The ID of the channel to post to"),
                "text": _string("The message text to post"),
            },
            ("channel_id", "text"),
        ),
        "chat.postMessage",
        lambda a: {"channel": a["channel_id"], "text": a["text"]},
    ),
    Tool(
        "slack_reply_to_thread",
        "Reply to a specific message thread in Slack",
        _schema(
            {
                "channel_id": _string("The ID of the channel containing the thread"),
                "thread_ts": _string(_TS),
                "text": _string("The reply text"),
            },
            ("channel_id", "thread_ts", "text"),
        ),
        "chat.postMessage",
        lambda a: {"channel": a["channel_id"], "thread_ts": a["thread_ts"], "text": a["text"]},
    ),
    Tool(
        "slack_add_reaction",
        "Add a reaction emoji to a message",
        _schema(
            {
                "channel_id": _string("The ID of the channel containing the message"),
                "timestamp": _string("The timestamp of the message to react to"),
                "reaction": _string("The name of the emoji reaction (without ::)"),
            },
            ("channel_id", "timestamp", "reaction"),
        ),
        "reactions.add",
        lambda a: {"channel": a["channel_id"], "timestamp": a["timestamp"], "name": a["reaction"]},
    ),
    Tool(
        "slack_get_channel_history",
        "Get recent messages from a channel",
        _schema(
            {
                "channel_id": _string("The ID of the channel"),
                "limit": _number("Number of messages to retrieve (default 10)", 10),
            },
            ("channel_id",),
        ),
        "conversations.history",
        lambda a: {"channel": a["channel_id"], "limit": _limit(a, 10)},
    ),
    Tool(
        "slack_get_thread_replies",
        "Get all replies in a message thread",
        _schema(
            {
                "channel_id": _string("The ID of the channel containing the thread"),
                "thread_ts": _string(_TS),
            },
            ("channel_id", "thread_ts"),
        ),
        "conversations.replies",
        lambda a: {"channel": a["channel_id"], "ts": a["thread_ts"]},
    ),
    Tool(
        "slack_get_users",
        "Get a list of all users in the workspace with their basic profile information",
        _schema(
            {
                "cursor": _string("Pagination cursor for next page of results"),
                "limit": _number("Maximum number of users to return (default 100, max 200)", 100),
            }
        ),
        "users.list",
        lambda a: {"limit": _limit(a, 100, MAX_PAGE), **_cursor(a)},
    ),
    Tool(
        "slack_get_user_profile",
        "Get detailed profile information for a specific user",
        _schema({"user_id": _string("The ID of the user")}, ("user_id",)),
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
