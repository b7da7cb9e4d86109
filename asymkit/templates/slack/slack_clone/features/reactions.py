"""Reactions on messages: ``reactions.add``/``remove``/``get``/``list``.

Names are checked against the standard emoji names and the workspace's custom
emoji (``invalid_name``); each name lists its users in the order they reacted,
and names come in the order they were first used, as in Slack. Reactions on
files and file comments are not cloned (``file``/``file_comment`` are answered
with ``no_item_specified`` unless ``channel`` and ``timestamp`` are given).
"""

from __future__ import annotations

import time
from typing import Any

from ..methods import method
from ..objects import SlackError
from .common import (
    READABLE,
    WRITABLE,
    Caller,
    Conn,
    Params,
    Rules,
    change_one,
    classic_page,
    message_row,
    next_cursor,
    normalize_ts,
    offset_page,
    paging,
    render_messages,
    required,
    user_arg,
)
from .emoji import reaction_name, valid_name

MAX_NAMES_PER_MESSAGE = 23  # Slack's limit of distinct reactions on one message


def _item_errors(rules: Rules) -> tuple[str, ...]:
    """What :func:`_item` answers, in the order it checks."""
    return ("no_item_specified", "bad_timestamp", *rules.errors, "message_not_found")


async def _item(conn: Conn, caller: Caller, params: Params, rules: Rules) -> dict[str, Any]:
    """The message ``channel`` and ``timestamp`` name, in a conversation that meets ``rules``."""
    if not params.get("channel") or not params.get("timestamp"):
        raise SlackError("no_item_specified")
    if normalize_ts(params["timestamp"]) is None:
        raise SlackError("bad_timestamp")
    channel = await rules.find(conn, caller, params["channel"])
    return await message_row(conn, channel["id"], params["timestamp"])


@method(
    "reactions.add",
    scope="reactions:write",
    tier=3,
    args=("channel", "timestamp", "name"),
    errors=(*_item_errors(WRITABLE), "invalid_name", "already_reacted", "too_many_emoji"),
)
async def reactions_add(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Adds a reaction (emoji name, with or without colons) to a message."""
    name = reaction_name(required(params, "name", "invalid_name"))
    msg = await _item(conn, caller, params, WRITABLE)
    if not await valid_name(conn, caller.team_id, name):
        raise SlackError("invalid_name")
    cur = await conn.execute(
        """SELECT count(DISTINCT name) AS names, bool_or(name = %s AND user_id = %s) AS mine,
                  bool_or(name = %s) AS used
           FROM reactions WHERE channel_id = %s AND ts = %s""",
        (name, caller.user_id, name, msg["channel_id"], msg["ts"]),
    )
    row = await cur.fetchone()
    assert row is not None
    if row["mine"]:
        raise SlackError("already_reacted")
    if not row["used"] and row["names"] >= MAX_NAMES_PER_MESSAGE:
        raise SlackError("too_many_emoji")
    return await change_one(
        conn,
        """INSERT INTO reactions (channel_id, ts, name, user_id, created)
           VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING""",
        (msg["channel_id"], msg["ts"], name, caller.user_id, time.time_ns() // 1000),
        unchanged="already_reacted",  # the same reaction, added a moment ago concurrently
    )


@method(
    "reactions.remove",
    scope="reactions:write",
    tier=2,
    args=("channel", "timestamp", "name"),
    errors=(*_item_errors(WRITABLE), "no_reaction"),
)
async def reactions_remove(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Removes the caller's reaction from a message."""
    name = reaction_name(required(params, "name", "no_reaction"))
    msg = await _item(conn, caller, params, WRITABLE)
    return await change_one(
        conn,
        "DELETE FROM reactions WHERE channel_id = %s AND ts = %s AND name = %s AND user_id = %s",
        (msg["channel_id"], msg["ts"], name, caller.user_id),
        unchanged="no_reaction",
    )


@method(
    "reactions.get",
    scope="reactions:read",
    tier=3,
    args=("channel", "timestamp", "full"),
    errors=_item_errors(READABLE),
)
async def reactions_get(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """A message with its reactions (every user is always listed: ``full`` is implied)."""
    msg = await _item(conn, caller, params, READABLE)
    [rendered] = await render_messages(conn, caller, [msg])
    rendered.setdefault("reactions", [])
    return {"type": "message", "channel": msg["channel_id"], "message": rendered}


@method(
    "reactions.list",
    scope="reactions:read",
    tier=2,
    args=("user", "count", "page", "cursor", "limit", "full"),
    errors=("user_not_found", "invalid_cursor", "invalid_limit"),
)
async def reactions_list(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Messages a user reacted to, most recent reaction first, in conversations the caller sees."""
    user_id = await user_arg(conn, caller, params)
    count, page = classic_page(params, default=100, maximum=1000)
    if params.get("cursor") or params.get("limit"):
        offset, limit = offset_page(params, "reactions", default=100, maximum=1000)
    else:
        offset, limit = (page - 1) * count, count
    cur = await conn.execute(
        """WITH mine AS (
               SELECT r.channel_id, r.ts, max(r.created) AS last
               FROM reactions r JOIN channels c ON c.id = r.channel_id
               WHERE r.user_id = %(user)s AND c.workspace_id = %(team)s
                 AND ((c.kind IS NULL AND NOT c.is_private)
                      OR EXISTS (SELECT 1 FROM channel_members x
                                 WHERE x.channel_id = c.id AND x.user_id = %(caller)s))
               GROUP BY r.channel_id, r.ts)
           SELECT m.*, p.user_id AS parent_user_id, count(*) OVER () AS total
           FROM mine JOIN messages m ON m.channel_id = mine.channel_id AND m.ts = mine.ts
           LEFT JOIN messages p ON p.channel_id = m.channel_id AND p.ts = m.thread_ts
           ORDER BY mine.last DESC, m.channel_id, m.ts OFFSET %(offset)s LIMIT %(limit)s""",
        {
            "user": user_id,
            "team": caller.team_id,
            "caller": caller.user_id,
            "offset": offset,
            "limit": limit + 1,
        },
    )
    rows = await cur.fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        {"type": "message", "channel": r["channel_id"], "message": m}
        for r, m in zip(rows, await render_messages(conn, caller, rows), strict=True)
    ]
    total = int(rows[0]["total"]) if rows else 0
    return {
        "items": items,
        "paging": paging(total, limit, offset // limit + 1 if limit else 1),
        "response_metadata": next_cursor("reactions", offset, limit, more),
    }
