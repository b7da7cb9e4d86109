"""What the feature modules share: arguments, visible channels and messages, paging."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..methods import Caller, Conn, Params
from ..objects import (
    SlackError,
    decode_cursor,
    encode_cursor,
    format_ts,
    message_object,
    parse_ts,
    permalink,
)
from ..web import conversation, decorate, flag, require_member, required

__all__ = [
    "Caller",
    "Conn",
    "Params",
    "change_one",
    "channel_kind",
    "classic_page",
    "flag",
    "int_arg",
    "message_row",
    "next_cursor",
    "normalize_ts",
    "offset_page",
    "paging",
    "permalink",
    "render_message",
    "render_messages",
    "required",
    "user_arg",
    "visible_channel",
    "writable_channel",
]


def int_arg(params: Params, name: str, default: int, *, lo: int, hi: int, error: str) -> int:
    """An integer argument, clamped to ``hi``; ``error`` when it is not a number below ``lo``."""
    raw = params.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(float(raw))
    except (ValueError, OverflowError):
        raise SlackError(error) from None
    if value < lo:
        raise SlackError(error)
    return min(value, hi)


async def change_one(
    conn: Conn, statement: str, values: Sequence[Any] | Mapping[str, Any], *, unchanged: str
) -> dict[str, Any]:
    """Run a write that must touch a row (else Slack's ``unchanged`` error); Slack's ``{}``."""
    cur = await conn.execute(statement, values)
    if cur.rowcount == 0:
        raise SlackError(unchanged)
    return {}


async def user_arg(conn: Conn, caller: Caller, params: Params) -> str:
    """The ``user`` argument (the caller when not given): a user of the caller's workspace,
    else ``user_not_found``."""
    user_id = params.get("user", "").strip() or caller.user_id
    cur = await conn.execute(
        "SELECT 1 FROM users WHERE id = %s AND workspace_id = %s", (user_id, caller.team_id)
    )
    if await cur.fetchone() is None:
        raise SlackError("user_not_found")
    return user_id


def normalize_ts(raw: str) -> str | None:
    """A ts in any form Slack takes, as the six-digit string; ``None`` when it is not one."""
    try:
        return format_ts(parse_ts(raw))
    except ValueError:
        return None


def channel_kind(row: dict[str, Any]) -> str:
    """``channel``, ``group`` (private), ``im`` or ``mpim``: Slack's conversation types."""
    kind = row.get("kind")
    if kind in ("im", "mpim"):
        return str(kind)
    return "group" if row["is_private"] else "channel"


async def visible_channel(conn: Conn, caller: Caller, ref: str) -> dict[str, Any]:
    """A conversation the caller may see, by id or ``#name`` (the core's rules).

    Private channels, DMs and group DMs exist only for their members
    (``channel_not_found``); bot tokens must be members of public channels too
    (``not_in_channel``), user tokens may read them.
    """
    row = await conversation(conn, caller, ref.strip())
    require_member(caller, row)
    return row


async def writable_channel(conn: Conn, caller: Caller, ref: str) -> dict[str, Any]:
    """A visible conversation the caller may change: a member's, and not archived."""
    row = await visible_channel(conn, caller, ref)
    if row["is_archived"]:
        raise SlackError("is_archived")
    return row


async def message_row(conn: Conn, channel_id: str, raw_ts: str) -> dict[str, Any]:
    """The message at ``raw_ts`` in the channel (``message_not_found`` otherwise)."""
    ts = normalize_ts(raw_ts)
    if ts is None:
        raise SlackError("message_not_found")
    cur = await conn.execute(
        """SELECT m.*, p.user_id AS parent_user_id FROM messages m
           LEFT JOIN messages p ON p.channel_id = m.channel_id AND p.ts = m.thread_ts
           WHERE m.channel_id = %s AND m.ts = %s""",
        (channel_id, ts),
    )
    row = await cur.fetchone()
    if row is None or row.get("subtype") == "tombstone":
        raise SlackError("message_not_found")
    return row


def render_message(row: dict[str, Any], caller: Caller) -> dict[str, Any]:
    """A stored message as Slack returns it, with its ``permalink``."""
    msg = message_object(row, caller.team_id)
    msg["permalink"] = permalink(caller.team_domain, row["channel_id"], row["ts"], row["thread_ts"])
    return msg


async def render_messages(
    conn: Conn, caller: Caller, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Stored messages as Slack returns them, with every feature's fields (reactions,
    files, ``pinned_to``) added by the message hooks, channel by channel."""
    rendered = [render_message(r, caller) for r in rows]
    by_channel: dict[str, list[dict[str, Any]]] = {}
    for row, msg in zip(rows, rendered, strict=True):
        by_channel.setdefault(row["channel_id"], []).append(msg)
    for channel_id, messages in by_channel.items():
        await decorate(conn, caller, channel_id, messages)
    return rendered


def offset_page(params: Params, kind: str, *, default: int, maximum: int) -> tuple[int, int]:
    """``(offset, limit)`` from ``cursor``/``limit`` (cursors here count rows already shown)."""
    limit = int_arg(params, "limit", default, lo=0, hi=maximum, error="invalid_limit") or default
    offset = 0
    if params.get("cursor"):
        key = decode_cursor(params["cursor"], kind)
        if not key.isdigit() or len(key) > 9:
            raise SlackError("invalid_cursor")
        offset = int(key)
    return offset, limit


def next_cursor(kind: str, offset: int, limit: int, more: bool) -> dict[str, str]:
    return {"next_cursor": encode_cursor(kind, str(offset + limit)) if more else ""}


def classic_page(params: Params, *, default: int, maximum: int) -> tuple[int, int]:
    """``(count, page)``: Slack's older ``count``/``page`` paging (search, files.list)."""
    count = int_arg(params, "count", default, lo=1, hi=maximum, error="invalid_count")
    page = int_arg(params, "page", 1, lo=1, hi=100_000, error="invalid_page")
    return count, page


def paging(total: int, count: int, page: int) -> dict[str, int]:
    return {"count": count, "total": total, "page": page, "pages": max(1, math.ceil(total / count))}
