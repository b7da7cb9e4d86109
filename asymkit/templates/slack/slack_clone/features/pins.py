"""Pinned messages: ``pins.add``/``remove``/``list``.

Only messages are pinned here (Slack's ``file`` items are not cloned). Pinning
needs a conversation the caller belongs to, as in Slack; the message then carries
``pinned_to`` and ``pins.list`` shows who pinned it and when.
"""

from __future__ import annotations

from typing import Any

from ..methods import method
from ..objects import SlackError, now_seconds
from .common import (
    READABLE,
    WRITABLE_BY_MEMBERS,
    Caller,
    Conn,
    Params,
    change_one,
    message_row,
    next_cursor,
    normalize_ts,
    offset_page,
    render_messages,
)


async def _pinnable(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    channel = await WRITABLE_BY_MEMBERS.arg(conn, caller, params)
    if not params.get("timestamp"):
        raise SlackError("no_item_specified")
    if normalize_ts(params["timestamp"]) is None:
        raise SlackError("bad_timestamp")
    return await message_row(conn, channel["id"], params["timestamp"])


def _pin_change(name: str, statement: str, unchanged: str, doc: str) -> None:
    """Register ``pins.add`` or ``pins.remove``: one statement on the message's pin row,
    ``unchanged`` when it finds nothing to do."""

    async def change(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
        msg = await _pinnable(conn, caller, params)
        pin = {"channel": msg["channel_id"], "ts": msg["ts"], "user": caller.user_id}
        return await change_one(conn, statement, {**pin, "now": now_seconds()}, unchanged=unchanged)

    change.__doc__ = doc
    method(
        name,
        scope="pins:write",
        tier=2,
        args=("channel", "timestamp"),
        errors=(
            *WRITABLE_BY_MEMBERS.errors,
            "no_item_specified",
            "bad_timestamp",
            "message_not_found",
            unchanged,
        ),
    )(change)


_pin_change(
    "pins.add",
    """INSERT INTO pins (channel_id, ts, pinned_by, created)
       VALUES (%(channel)s, %(ts)s, %(user)s, %(now)s) ON CONFLICT DO NOTHING""",
    "already_pinned",
    "Pins a message to its conversation.",
)
_pin_change(
    "pins.remove",
    "DELETE FROM pins WHERE channel_id = %(channel)s AND ts = %(ts)s",
    "no_pin",
    "Un-pins a message.",
)


@method(
    "pins.list",
    scope="pins:read",
    tier=2,
    args=("channel", "limit", "cursor"),
    errors=(*READABLE.errors, "invalid_cursor", "invalid_limit"),
)
async def pins_list(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """A conversation's pinned messages, most recently pinned first."""
    channel = await READABLE.arg(conn, caller, params)
    offset, limit = offset_page(params, "pins", default=100, maximum=1000)
    cur = await conn.execute(
        """SELECT m.*, t.user_id AS parent_user_id, p.pinned_by, p.created AS pinned_at
           FROM pins p JOIN messages m ON m.channel_id = p.channel_id AND m.ts = p.ts
           LEFT JOIN messages t ON t.channel_id = m.channel_id AND t.ts = m.thread_ts
           WHERE p.channel_id = %s ORDER BY p.created DESC, p.ts DESC OFFSET %s LIMIT %s""",
        (channel["id"], offset, limit + 1),
    )
    rows = await cur.fetchall()
    shown = rows[:limit]
    items = [
        {
            "type": "message",
            "created": r["pinned_at"],
            "created_by": r["pinned_by"],
            "channel": channel["id"],
            "message": msg,
        }
        for r, msg in zip(shown, await render_messages(conn, caller, shown), strict=True)
    ]
    return {
        "items": items,
        "response_metadata": next_cursor("pins", offset, limit, len(rows) > limit),
    }
