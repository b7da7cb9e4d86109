"""Channel bookmarks: ``bookmarks.add``/``edit``/``list``/``remove`` (links only, as Slack's
API allows)."""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

from ..methods import method
from ..objects import SlackError, now_seconds
from ..store import next_id
from .common import READABLE, WRITABLE_BY_MEMBERS, Caller, Conn, Params, change_one, required

MAX_TITLE = 250
MAX_PER_CONVERSATION = 100  # Slack's limit
_EMOJI = re.compile(r"^:[a-z0-9_+\-']+(::skin-tone-[2-6])?:$")


def bookmark_object(row: dict[str, Any], team_id: str) -> dict[str, Any]:
    return {
        "id": row["id"],
        "channel_id": row["channel_id"],
        "title": row["title"],
        "link": row["link"],
        "emoji": row["emoji"],
        "icon_url": None,
        "type": row["type"],
        "entity_id": None,
        "date_created": row["date_created"],
        "date_updated": row["date_updated"],
        "last_updated_by_user_id": row["updated_by"] or row["created_by"],
        "last_updated_by_team_id": team_id,
        "shortcut_id": None,
        "app_id": None,
    }


def _title(raw: str) -> str:
    title = raw.strip()
    if not title or len(title) > MAX_TITLE:
        raise SlackError("invalid_title")
    return title


def _link(raw: str) -> str:
    link = raw.strip()
    parsed = urllib.parse.urlsplit(link)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SlackError("invalid_link")
    return link


def _emoji(raw: str) -> str | None:
    emoji = raw.strip() or None
    if emoji is not None and not _EMOJI.match(emoji):
        raise SlackError("invalid_emoji")
    return emoji


@method(
    "bookmarks.add",
    scope="bookmarks:write",
    tier=2,
    args=("channel_id", "title", "type", "link", "emoji"),
    errors=(
        *WRITABLE_BY_MEMBERS.errors,
        "invalid_bookmark_type",
        "invalid_link",
        "invalid_title",
        "invalid_emoji",
        "too_many_tabs",
    ),
)
async def bookmarks_add(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Adds a link bookmark (at most 100 per conversation) to one the caller belongs to."""
    channel = await WRITABLE_BY_MEMBERS.arg(conn, caller, params, "channel_id")
    kind = params.get("type", "").strip() or "link"
    if kind != "link":
        raise SlackError("invalid_bookmark_type")
    title = _title(params.get("title", ""))
    link = _link(params.get("link", ""))
    emoji = _emoji(params.get("emoji", ""))
    cur = await conn.execute(
        "SELECT count(*) AS n FROM bookmarks WHERE channel_id = %s", (channel["id"],)
    )
    existing = await cur.fetchone()
    assert existing is not None
    if existing["n"] >= MAX_PER_CONVERSATION:
        raise SlackError("too_many_tabs")
    bookmark_id = await next_id(conn, "Bk")
    cur = await conn.execute(
        """INSERT INTO bookmarks (id, channel_id, title, type, link, emoji, created_by,
                                  date_created)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING *""",
        (bookmark_id, channel["id"], title, kind, link, emoji, caller.user_id, now_seconds()),
    )
    row = await cur.fetchone()
    assert row is not None
    return {"bookmark": bookmark_object(row, caller.team_id)}


@method(
    "bookmarks.list", scope="bookmarks:read", tier=2, args=("channel_id",), errors=READABLE.errors
)
async def bookmarks_list(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """A conversation's bookmarks, oldest first (Slack's order)."""
    channel = await READABLE.arg(conn, caller, params, "channel_id")
    cur = await conn.execute(
        "SELECT * FROM bookmarks WHERE channel_id = %s ORDER BY date_created, id",
        (channel["id"],),
    )
    return {"bookmarks": [bookmark_object(r, caller.team_id) for r in await cur.fetchall()]}


@method(
    "bookmarks.remove",
    scope="bookmarks:write",
    tier=2,
    args=("channel_id", "bookmark_id"),
    errors=(*WRITABLE_BY_MEMBERS.errors, "not_found"),
)
async def bookmarks_remove(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Removes a bookmark from a conversation the caller belongs to."""
    channel = await WRITABLE_BY_MEMBERS.arg(conn, caller, params, "channel_id")
    bookmark_id = required(params, "bookmark_id", "not_found")
    return await change_one(
        conn,
        "DELETE FROM bookmarks WHERE id = %s AND channel_id = %s",
        (bookmark_id, channel["id"]),
        unchanged="not_found",
    )


@method(
    "bookmarks.edit",
    scope="bookmarks:write",
    tier=2,
    args=("channel_id", "bookmark_id", "title", "link", "emoji"),
    errors=(
        *WRITABLE_BY_MEMBERS.errors,
        "not_found",
        "invalid_title",
        "invalid_link",
        "invalid_emoji",
    ),
)
async def bookmarks_edit(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Changes a bookmark's title, link or emoji (those given) in a conversation the caller
    belongs to."""
    channel = await WRITABLE_BY_MEMBERS.arg(conn, caller, params, "channel_id")
    bookmark_id = required(params, "bookmark_id", "not_found")
    changes: dict[str, str | None] = {}
    if "title" in params:
        changes["title"] = _title(params["title"])
    if "link" in params:
        changes["link"] = _link(params["link"])
    if "emoji" in params:
        changes["emoji"] = _emoji(params["emoji"])  # an empty emoji clears it
    sets = "".join(f"{column} = %({column})s, " for column in changes)
    cur = await conn.execute(
        f"""UPDATE bookmarks SET {sets}updated_by = %(user)s, date_updated = %(now)s
            WHERE id = %(id)s AND channel_id = %(channel)s RETURNING *""",
        {
            **changes,
            "user": caller.user_id,
            "now": now_seconds(),
            "id": bookmark_id,
            "channel": channel["id"],
        },
    )
    row = await cur.fetchone()
    if row is None:
        raise SlackError("not_found")
    return {"bookmark": bookmark_object(row, caller.team_id)}
