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


@attrs.frozen
class Arg:
    """One tool argument and its JSON Schema: a string, or a number with a default."""

    name: str
    description: str
    required: bool = True
    default: int | None = None  # a number argument's default (never required)

    @property
    def schema(self) -> dict[str, Any]:
        if self.default is None:
            return {"type": "string", "description": self.description}
        return {"type": "number", "description": self.description, "default": self.default}


def _optional(name: str, description: str) -> Arg:
    return Arg(name, description, required=False)


def _number(name: str, description: str, default: int) -> Arg:
    return Arg(name, description, required=False, default=default)


# The tools' arguments (shared where tools take the same one).
_PAGE_SIZE = "How many {} per page (default 100, at most 200)"
CHANNEL_ID = Arg("channel_id", "ID of the channel (C…)")
THREAD_TS = Arg("thread_ts", _TS)
CURSOR = _optional("cursor", "next_cursor from the previous page, to get the next one")
CHANNELS_PAGE = _number("limit", _PAGE_SIZE.format("channels"), 100)
MEMBERS_PAGE = _number("limit", _PAGE_SIZE.format("members"), 100)
MESSAGES = _number("limit", "How many messages (default 10)", 10)
TEXT = Arg("text", "Text of the message")
REPLY = Arg("text", "Text of the reply")
MESSAGE_TS = Arg("timestamp", "ts of the message to react to")
REACTION = Arg("reaction", "Emoji name without colons, e.g. tada")
USER_ID = Arg("user_id", "ID of the member (U…)")
QUERY = Arg("query", "The search query (Slack search syntax, e.g. 'deploy in:#general')")
MATCHES = _number("count", "Number of matches to return (default 20, max 100)", 20)

Params = dict[str, Any]
Arguments = Mapping[str, Any]


@attrs.frozen
class Tool:
    """One MCP tool: its advertised name and schema, and the Web API call it makes."""

    name: str
    description: str
    input_schema: dict[str, Any]
    method: str  # the Slack Web API method, e.g. "chat.postMessage"
    params: Callable[[Arguments], Params]  # checked tool arguments -> method params

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(self.input_schema.get("required", ()))


_REGISTERED: list[tuple[Tool, bool]] = []  # each tool, and whether only a user may call it


def _tool(
    name: str, method: str, *args: Arg, user: bool = False
) -> Callable[[Callable[[Arguments], Params]], Callable[[Arguments], Params]]:
    """Offer the decorated function (tool arguments -> ``method``'s parameters) as the
    tool ``name``, described by its docstring and taking ``args`` in this order."""

    def register(params: Callable[[Arguments], Params]) -> Callable[[Arguments], Params]:
        schema: dict[str, Any] = {"type": "object", "properties": {a.name: a.schema for a in args}}
        required = [a.name for a in args if a.required]
        if required:
            schema["required"] = required
        description = (params.__doc__ or "").strip()
        _REGISTERED.append((Tool(name, description, schema, method, params), user))
        return params

    return register


def _limit(args: Arguments, default: int, most: int | None = None) -> int:
    value = int(args.get("limit", default))
    return min(value, most) if most else value


def _cursor(args: Arguments) -> Params:
    return {"cursor": args["cursor"]} if args.get("cursor") else {}


# The reference server's tools, in its order.


@_tool("slack_list_channels", "conversations.list", CHANNELS_PAGE, CURSOR)
def _list_channels(a: Arguments) -> Params:
    """List the channels this token can see, a page at a time"""
    page = {"limit": _limit(a, 100, MAX_PAGE), **_cursor(a)}
    return {"types": "public_channel,private_channel", "exclude_archived": "true", **page}


@_tool("slack_post_message", "chat.postMessage", CHANNEL_ID, TEXT)
def _post_message(a: Arguments) -> Params:
    """Post a message in a Slack channel"""
    return {"channel": a["channel_id"], "text": a["text"]}


@_tool("slack_reply_to_thread", "chat.postMessage", CHANNEL_ID, THREAD_TS, REPLY)
def _reply_to_thread(a: Arguments) -> Params:
    """Post a reply in a message's thread"""
    return {"channel": a["channel_id"], "thread_ts": a["thread_ts"], "text": a["text"]}


@_tool("slack_add_reaction", "reactions.add", CHANNEL_ID, MESSAGE_TS, REACTION)
def _add_reaction(a: Arguments) -> Params:
    """React to a message with an emoji"""
    return {"channel": a["channel_id"], "timestamp": a["timestamp"], "name": a["reaction"]}


@_tool("slack_get_channel_history", "conversations.history", CHANNEL_ID, MESSAGES)
def _channel_history(a: Arguments) -> Params:
    """Read a channel's latest messages, newest first"""
    return {"channel": a["channel_id"], "limit": _limit(a, 10)}


@_tool("slack_get_thread_replies", "conversations.replies", CHANNEL_ID, THREAD_TS)
def _thread_replies(a: Arguments) -> Params:
    """Read a thread: its parent message and every reply"""
    return {"channel": a["channel_id"], "ts": a["thread_ts"]}


@_tool("slack_get_users", "users.list", CURSOR, MEMBERS_PAGE)
def _users(a: Arguments) -> Params:
    """List the workspace's members and their profiles, a page at a time"""
    return {"limit": _limit(a, 100, MAX_PAGE), **_cursor(a)}


@_tool("slack_get_user_profile", "users.profile.get", USER_ID)
def _user_profile(a: Arguments) -> Params:
    """Read one member's full profile"""
    return {"user": a["user_id"], "include_labels": "true"}


# Only a user token may search (Slack's search:read is a user scope).
@_tool("slack_search_messages", "search.messages", QUERY, MATCHES, user=True)
def _search_messages(a: Arguments) -> Params:
    """Search for messages across the workspace the user can see"""
    return {"query": a["query"], "count": min(int(a.get("count", 20)), MAX_SEARCH)}


TOOLS: tuple[Tool, ...] = tuple(t for t, user in _REGISTERED if not user)
USER_TOOLS: tuple[Tool, ...] = tuple(t for t, user in _REGISTERED if user)


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
