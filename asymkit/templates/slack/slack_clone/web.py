"""The Slack Web API methods: ``/api/<method>``, Slack's envelope and errors."""

from __future__ import annotations

import time
from typing import Any, TypeVar

from .methods import METHODS, Caller, Conn, Params, authenticate, method
from .objects import (
    MAX_MESSAGE_CHARS,
    SlackError,
    channel_name_error,
    channel_object,
    decode_cursor,
    encode_cursor,
    format_ts,
    message_object,
    now_seconds,
    parse_ts,
    user_object,
)
from .store import next_id

__all__ = ["METHODS", "Caller", "Conn", "Params", "authenticate", "method"]

T = TypeVar("T")

# Scopes for methods whose scope depends on the conversation type: any one will do,
# and missing_scope names them all, as Slack does.
READ = "channels:read,groups:read,im:read,mpim:read"
HISTORY = "channels:history,groups:history,im:history,mpim:history"
MANAGE = {
    "bot": "channels:manage,groups:write,im:write,mpim:write",
    "user": "channels:write,groups:write,im:write,mpim:write",
}
JOIN = {"bot": "channels:join", "user": "channels:write"}


def _limit(params: dict[str, str], default: int, maximum: int) -> int:
    raw = params.get("limit") or ""
    if not raw:
        return default
    try:
        limit = int(raw)
    except ValueError:
        raise SlackError("invalid_limit") from None
    if limit < 0:
        raise SlackError("invalid_limit")
    return min(limit, maximum) if limit else default


def _flag(params: dict[str, str], name: str) -> bool:
    return params.get(name, "").lower() in ("1", "true", "yes")


def _required(params: dict[str, str], name: str, error: str) -> str:
    value = params.get(name, "").strip()
    if not value:
        raise SlackError(error)
    return value


def _split_page(rows: list[T], limit: int) -> tuple[list[T], bool]:
    """Queries fetch ``limit + 1`` rows: the extra one only says there is more."""
    return rows[:limit], len(rows) > limit


def _page(next_key: str | None, kind: str) -> dict[str, Any]:
    return {"next_cursor": encode_cursor(kind, next_key) if next_key else ""}


async def _channel(conn: Conn, caller: Caller, ref: str) -> dict[str, Any]:
    """A channel the caller may see, by id or ``#name``; private ones only to members."""
    name = ref.lstrip("#")
    cur = await conn.execute(
        """SELECT c.*, EXISTS (SELECT 1 FROM channel_members m
                               WHERE m.channel_id = c.id AND m.user_id = %s) AS is_member
           FROM channels c WHERE c.workspace_id = %s AND (c.id = %s OR c.name = %s)""",
        (caller.user_id, caller.team_id, ref, name),
    )
    row = await cur.fetchone()
    if row is None or (row["is_private"] and not row["is_member"]):
        raise SlackError("channel_not_found")
    return row


async def _user(conn: Conn, caller: Caller, user_id: str) -> dict[str, Any]:
    cur = await conn.execute(
        """SELECT u.*, (w.owner_id = u.id) AS is_primary_owner
           FROM users u JOIN workspaces w ON w.id = u.workspace_id
           WHERE u.id = %s AND u.workspace_id = %s""",
        (user_id, caller.team_id),
    )
    row = await cur.fetchone()
    if row is None:
        raise SlackError("user_not_found")
    return row


async def _num_members(conn: Conn, channel_id: str) -> int:
    cur = await conn.execute(
        "SELECT count(*) AS n FROM channel_members WHERE channel_id = %s", (channel_id,)
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row["n"])


@method("api.test", scope=None, tier=4)
async def api_test(conn: Conn, caller: Caller, params: dict[str, str]) -> dict[str, Any]:
    return {"args": params}


@method("auth.test", scope=None, tier="special")
async def auth_test(conn: Conn, caller: Caller, params: dict[str, str]) -> dict[str, Any]:
    result = {
        "url": f"https://{caller.team_domain}.slack.com/",
        "team": caller.team_name,
        "user": caller.user_name,
        "team_id": caller.team_id,
        "user_id": caller.user_id,
        "is_enterprise_install": False,
    }
    if caller.bot_id:
        result["bot_id"] = caller.bot_id
    return result


@method("team.info", scope="team:read", tier=3)
async def team_info(conn: Conn, caller: Caller, params: dict[str, str]) -> dict[str, Any]:
    return {
        "team": {
            "id": caller.team_id,
            "name": caller.team_name,
            "domain": caller.team_domain,
            "email_domain": "",
            "icon": {"image_default": True},
        }
    }


@method("users.list", scope="users:read", tier=2)
async def users_list(conn: Conn, caller: Caller, params: dict[str, str]) -> dict[str, Any]:
    limit = _limit(params, 200, 1000)
    after = decode_cursor(params["cursor"], "user") if params.get("cursor") else ""
    cur = await conn.execute(
        """SELECT u.*, (w.owner_id = u.id) AS is_primary_owner
           FROM users u JOIN workspaces w ON w.id = u.workspace_id
           WHERE u.workspace_id = %s AND u.id > %s ORDER BY u.id LIMIT %s""",
        (caller.team_id, after, limit + 1),
    )
    rows, more = _split_page(await cur.fetchall(), limit)
    return {
        "members": [user_object(r, caller.team_id) for r in rows],
        "cache_ts": now_seconds(),
        "response_metadata": _page(rows[-1]["id"] if more else None, "user"),
    }


@method("users.info", scope="users:read", tier=4)
async def users_info(conn: Conn, caller: Caller, params: dict[str, str]) -> dict[str, Any]:
    user_id = _required(params, "user", "user_not_found")
    return {"user": user_object(await _user(conn, caller, user_id), caller.team_id)}


@method("users.lookupByEmail", scope="users:read.email", tier=3)
async def users_lookup_by_email(
    conn: Conn, caller: Caller, params: dict[str, str]
) -> dict[str, Any]:
    email = _required(params, "email", "users_not_found")
    cur = await conn.execute(
        "SELECT id FROM users WHERE workspace_id = %s AND lower(email) = lower(%s)",
        (caller.team_id, email),
    )
    row = await cur.fetchone()
    if row is None:
        raise SlackError("users_not_found")
    return {"user": user_object(await _user(conn, caller, row["id"]), caller.team_id)}


_CHANNEL_TYPES = {"public_channel", "private_channel", "mpim", "im"}


@method("conversations.list", scope=READ, tier=2)
async def conversations_list(conn: Conn, caller: Caller, params: dict[str, str]) -> dict[str, Any]:
    types = {t.strip() for t in params.get("types", "public_channel").split(",") if t.strip()}
    if not types <= _CHANNEL_TYPES:
        raise SlackError("invalid_types")
    limit = _limit(params, 100, 1000)
    after = decode_cursor(params["cursor"], "channel") if params.get("cursor") else ""
    cur = await conn.execute(
        """SELECT c.*, m.user_id IS NOT NULL AS is_member,
                  (SELECT count(*) FROM channel_members x WHERE x.channel_id = c.id) AS num_members
           FROM channels c
           LEFT JOIN channel_members m ON m.channel_id = c.id AND m.user_id = %(user)s
           WHERE c.workspace_id = %(team)s AND c.id > %(after)s
             AND ((NOT c.is_private AND %(public)s)
                  OR (c.is_private AND %(private)s AND m.user_id IS NOT NULL))
             AND (NOT %(exclude_archived)s OR NOT c.is_archived)
           ORDER BY c.id LIMIT %(limit)s""",
        {
            "user": caller.user_id,
            "team": caller.team_id,
            "after": after,
            "public": "public_channel" in types,
            "private": "private_channel" in types,
            "exclude_archived": _flag(params, "exclude_archived"),
            "limit": limit + 1,
        },
    )
    rows, more = _split_page(await cur.fetchall(), limit)
    return {
        "channels": [channel_object(r, is_member=r["is_member"]) for r in rows],
        "response_metadata": _page(rows[-1]["id"] if more else None, "channel"),
    }


@method("conversations.info", scope=READ, tier=3)
async def conversations_info(conn: Conn, caller: Caller, params: dict[str, str]) -> dict[str, Any]:
    row = await _channel(conn, caller, _required(params, "channel", "channel_not_found"))
    if _flag(params, "include_num_members"):
        row = {**row, "num_members": await _num_members(conn, row["id"])}
    return {"channel": channel_object(row, is_member=row["is_member"])}


@method("conversations.create", scope=MANAGE, tier=2)
async def conversations_create(
    conn: Conn, caller: Caller, params: dict[str, str]
) -> dict[str, Any]:
    name = params.get("name", "")
    error = channel_name_error(name)
    if error:
        raise SlackError(error)
    cur = await conn.execute(
        "SELECT 1 FROM channels WHERE workspace_id = %s AND name = %s", (caller.team_id, name)
    )
    if await cur.fetchone() is not None:
        raise SlackError("name_taken")
    channel_id = await next_id(conn, "C")
    created = now_seconds()
    cur = await conn.execute(
        """INSERT INTO channels (id, workspace_id, name, is_private, creator, created)
           VALUES (%s, %s, %s, %s, %s, %s) RETURNING *""",
        (channel_id, caller.team_id, name, _flag(params, "is_private"), caller.user_id, created),
    )
    row = await cur.fetchone()
    assert row is not None
    await conn.execute(
        "INSERT INTO channel_members (channel_id, user_id, joined) VALUES (%s, %s, %s)",
        (channel_id, caller.user_id, created),
    )
    return {"channel": channel_object({**row, "num_members": 1}, is_member=True)}


@method("conversations.join", scope=JOIN, tier=3)
async def conversations_join(conn: Conn, caller: Caller, params: dict[str, str]) -> dict[str, Any]:
    row = await _channel(conn, caller, _required(params, "channel", "channel_not_found"))
    if row["is_archived"]:
        raise SlackError("is_archived")
    if row["is_private"] and not row["is_member"]:
        raise SlackError("method_not_supported_for_channel_type")
    result: dict[str, Any] = {}
    if row["is_member"]:
        result = {
            "warning": "already_in_channel",
            "response_metadata": {"warnings": ["already_in_channel"]},
        }
    else:
        await conn.execute(
            "INSERT INTO channel_members (channel_id, user_id, joined) VALUES (%s, %s, %s)",
            (row["id"], caller.user_id, now_seconds()),
        )
    return {"channel": channel_object({**row, "is_member": True}, is_member=True), **result}


@method("conversations.invite", scope=MANAGE, tier=3)
async def conversations_invite(
    conn: Conn, caller: Caller, params: dict[str, str]
) -> dict[str, Any]:
    row = await _channel(conn, caller, _required(params, "channel", "channel_not_found"))
    if not row["is_member"]:
        raise SlackError("not_in_channel")
    if row["is_archived"]:
        raise SlackError("is_archived")
    users = [u.strip() for u in params.get("users", "").split(",") if u.strip()]
    if not users:
        raise SlackError("no_user")
    for user_id in users:
        if user_id == caller.user_id:
            raise SlackError("cant_invite_self")
        await _user(conn, caller, user_id)
    cur = await conn.execute(
        "SELECT user_id FROM channel_members WHERE channel_id = %s AND user_id = ANY(%s)",
        (row["id"], users),
    )
    if await cur.fetchone() is not None:
        raise SlackError("already_in_channel")
    joined = now_seconds()
    for user_id in users:
        await conn.execute(
            "INSERT INTO channel_members (channel_id, user_id, joined) VALUES (%s, %s, %s)",
            (row["id"], user_id, joined),
        )
    return {"channel": channel_object(row, is_member=True)}


@method("conversations.members", scope=READ, tier=4)
async def conversations_members(
    conn: Conn, caller: Caller, params: dict[str, str]
) -> dict[str, Any]:
    row = await _channel(conn, caller, _required(params, "channel", "channel_not_found"))
    limit = _limit(params, 100, 1000)
    after = decode_cursor(params["cursor"], "member") if params.get("cursor") else ""
    cur = await conn.execute(
        """SELECT user_id FROM channel_members WHERE channel_id = %s AND user_id > %s
           ORDER BY user_id LIMIT %s""",
        (row["id"], after, limit + 1),
    )
    ids, more = _split_page([r["user_id"] for r in await cur.fetchall()], limit)
    return {"members": ids, "response_metadata": _page(ids[-1] if more else None, "member")}


def _ts_bounds(params: dict[str, str]) -> tuple[str, str, bool]:
    """``oldest``/``latest``/``inclusive`` as comparable ts strings."""
    try:
        oldest = format_ts(parse_ts(params["oldest"])) if params.get("oldest") else ""
        latest = format_ts(parse_ts(params["latest"])) if params.get("latest") else "9" * 17
    except ValueError:
        raise SlackError(
            "invalid_ts_latest" if params.get("latest") else "invalid_ts_oldest"
        ) from None
    return oldest, latest, _flag(params, "inclusive")


_THREAD_SUMMARY = """
    SELECT m.*, r.reply_count, r.reply_users, r.latest_reply
    FROM messages m
    LEFT JOIN LATERAL (
        SELECT count(*) AS reply_count, max(x.ts) AS latest_reply,
               array_agg(DISTINCT x.user_id) AS reply_users
        FROM messages x WHERE x.channel_id = m.channel_id AND x.thread_ts = m.ts
    ) r ON true
"""


@method("conversations.history", scope=HISTORY, tier=3)
async def conversations_history(
    conn: Conn, caller: Caller, params: dict[str, str]
) -> dict[str, Any]:
    row = await _channel(conn, caller, _required(params, "channel", "channel_not_found"))
    limit = _limit(params, 100, 999)
    oldest, latest, inclusive = _ts_bounds(params)
    if params.get("cursor"):
        latest, inclusive = decode_cursor(params["cursor"], "next_ts"), False
    cur = await conn.execute(
        _THREAD_SUMMARY
        + """WHERE m.channel_id = %(channel)s AND m.thread_ts IS NULL
               AND (m.ts < %(latest)s OR (%(inclusive)s AND m.ts = %(latest)s))
               AND (m.ts > %(oldest)s OR (%(inclusive)s AND m.ts = %(oldest)s))
             ORDER BY m.ts DESC LIMIT %(limit)s""",
        {
            "channel": row["id"],
            "latest": latest,
            "oldest": oldest,
            "inclusive": inclusive,
            "limit": limit + 1,
        },
    )
    rows, more = _split_page(await cur.fetchall(), limit)
    return {
        "messages": [message_object(r, caller.team_id) for r in rows],
        "has_more": more,
        "pin_count": 0,
        "channel_actions_ts": None,
        "channel_actions_count": 0,
        "response_metadata": _page(rows[-1]["ts"] if more else None, "next_ts"),
    }


async def _thread_root(conn: Conn, channel_id: str, ts: str) -> dict[str, Any]:
    cur = await conn.execute(
        "SELECT * FROM messages WHERE channel_id = %s AND ts = %s", (channel_id, ts)
    )
    msg = await cur.fetchone()
    if msg is None:
        raise SlackError("thread_not_found")
    if msg["thread_ts"]:
        return await _thread_root(conn, channel_id, msg["thread_ts"])
    return msg


@method("conversations.replies", scope=HISTORY, tier=3)
async def conversations_replies(
    conn: Conn, caller: Caller, params: dict[str, str]
) -> dict[str, Any]:
    row = await _channel(conn, caller, _required(params, "channel", "channel_not_found"))
    try:
        ts = format_ts(parse_ts(_required(params, "ts", "thread_not_found")))
    except ValueError:
        raise SlackError("thread_not_found") from None
    root = await _thread_root(conn, row["id"], ts)
    limit = _limit(params, 1000, 1000)
    oldest, latest, inclusive = _ts_bounds(params)
    if params.get("cursor"):
        oldest, inclusive = decode_cursor(params["cursor"], "next_ts"), False
    cur = await conn.execute(
        _THREAD_SUMMARY
        + """WHERE m.channel_id = %(channel)s AND (m.ts = %(root)s OR m.thread_ts = %(root)s)
               AND (m.ts < %(latest)s OR (%(inclusive)s AND m.ts = %(latest)s))
               AND (m.ts > %(oldest)s OR (%(inclusive)s AND m.ts = %(oldest)s)
                    OR (m.ts = %(root)s AND %(first_page)s))
             ORDER BY m.ts LIMIT %(limit)s""",
        {
            "channel": row["id"],
            "root": root["ts"],
            "latest": latest,
            "oldest": oldest,
            "inclusive": inclusive,
            "limit": limit + 1,
            "first_page": not params.get("cursor"),
        },
    )
    rows, more = _split_page(await cur.fetchall(), limit)
    messages = []
    for r in rows:
        if r["ts"] != root["ts"]:
            r = {**r, "parent_user_id": root["user_id"], "reply_count": 0}
        messages.append(message_object(r, caller.team_id))
    return {
        "messages": messages,
        "has_more": more,
        "response_metadata": _page(rows[-1]["ts"] if more else None, "next_ts"),
    }


async def _next_ts(conn: Conn, channel_id: str) -> str:
    """Now, or one microsecond after the channel's latest message: ts stays unique and ordered."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (channel_id,))
    cur = await conn.execute(
        "SELECT max(ts) AS ts FROM messages WHERE channel_id = %s", (channel_id,)
    )
    row = await cur.fetchone()
    now = int(time.time() * 1_000_000)
    if row is not None and row["ts"]:
        now = max(now, parse_ts(row["ts"]) + 1)
    return format_ts(now)


@method("chat.postMessage", scope="chat:write", tier="special")
async def chat_post_message(conn: Conn, caller: Caller, params: dict[str, str]) -> dict[str, Any]:
    row = await _channel(conn, caller, _required(params, "channel", "channel_not_found"))
    text = params.get("text", "")
    if not text.strip():
        raise SlackError("no_text")
    if len(text) > MAX_MESSAGE_CHARS:
        raise SlackError("msg_too_long")
    if row["is_archived"]:
        raise SlackError("is_archived")
    if not row["is_member"]:
        raise SlackError("not_in_channel")
    thread_ts = None
    if params.get("thread_ts"):
        try:
            parent = format_ts(parse_ts(params["thread_ts"]))
        except ValueError:
            raise SlackError("thread_not_found") from None
        root = await _thread_root(conn, row["id"], parent)
        thread_ts = root["ts"]
    ts = await _next_ts(conn, row["id"])
    await conn.execute(
        """INSERT INTO messages (channel_id, ts, user_id, bot_id, text, thread_ts)
           VALUES (%s, %s, %s, %s, %s, %s)""",
        (row["id"], ts, caller.user_id, caller.bot_id, text, thread_ts),
    )
    msg = {
        "user_id": caller.user_id,
        "bot_id": caller.bot_id,
        "text": text,
        "ts": ts,
        "thread_ts": thread_ts,
        "parent_user_id": root["user_id"] if thread_ts else None,
    }
    return {"channel": row["id"], "ts": ts, "message": message_object(msg, caller.team_id)}


async def _set_channel_text(
    conn: Conn, caller: Caller, params: dict[str, str], field: str
) -> dict[str, Any]:
    row = await _channel(conn, caller, _required(params, "channel", "channel_not_found"))
    if not row["is_member"]:
        raise SlackError("not_in_channel")
    value = params.get(field, "")
    if len(value) > 250:
        raise SlackError("too_long")
    await conn.execute(
        f"UPDATE channels SET {field} = %s, {field}_creator = %s, {field}_last_set = %s"
        " WHERE id = %s",
        (value, caller.user_id, now_seconds(), row["id"]),
    )
    updated = {**row, field: value, f"{field}_creator": caller.user_id}
    return {field: value, "channel": channel_object(updated, is_member=True)}


@method("conversations.setPurpose", scope=MANAGE, tier=2)
async def conversations_set_purpose(
    conn: Conn, caller: Caller, params: dict[str, str]
) -> dict[str, Any]:
    return await _set_channel_text(conn, caller, params, "purpose")


@method("conversations.setTopic", scope=MANAGE, tier=2)
async def conversations_set_topic(
    conn: Conn, caller: Caller, params: dict[str, str]
) -> dict[str, Any]:
    return await _set_channel_text(conn, caller, params, "topic")
