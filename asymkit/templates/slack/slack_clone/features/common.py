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
from ..web import (
    IS_MEMBER,
    MEMBER_IF_BOT,
    NOT_ARCHIVED,
    READABLE,
    WRITABLE,
    Rules,
    decorate,
    flag,
    required,
    user_row,
)

__all__ = [
    "READABLE",
    "WRITABLE",
    "WRITABLE_BY_MEMBERS",
    "Caller",
    "Conn",
    "Params",
    "Rules",
    "change_one",
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
]

# Bookmarks and pins change only in a conversation the caller belongs to (``not_in_channel``
# even for a person in a public channel), and not an archived one.
WRITABLE_BY_MEMBERS = Rules(MEMBER_IF_BOT, NOT_ARCHIVED, IS_MEMBER)


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
    await user_row(conn, caller, user_id)
    return user_id


def normalize_ts(raw: str) -> str | None:
    """A ts in any form Slack takes, as the six-digit string; ``None`` when it is not one."""
    try:
        return format_ts(parse_ts(raw))
    except ValueError:
        return None


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
