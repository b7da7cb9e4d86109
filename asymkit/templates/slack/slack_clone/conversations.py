"""``conversations.*`` and ``users.conversations``: channels, DMs and group DMs."""

# long module: the 17 conversations.* methods and users.conversations: one Slack family, one place.

from __future__ import annotations

import json
from typing import Any

from .methods import Caller, Conn, Params, method
from .objects import (
    SlackError,
    channel_object,
    message_object,
    now_seconds,
    ts_param,
)
from .store import next_id
from .validation import NAME_ERRORS, channel_name
from .web import (
    HISTORY,
    IS_CHANNEL,
    IS_MEMBER,
    JOIN,
    MANAGE,
    MEMBER_WRITABLE,
    NOT_ARCHIVED,
    OPEN,
    PAGING,
    READ,
    READABLE,
    VISIBLE,
    Rule,
    Rules,
    check,
    conversation,
    cursor_key,
    decorate,
    flag,
    limit_param,
    next_ts,
    page,
    required,
    split_page,
    user_row,
)

_TYPES = {"public_channel", "private_channel", "mpim", "im"}
MAX_INVITE = 1000
MAX_MPIM_USERS = 8  # others besides the caller


def _types(params: Params) -> set[str]:
    types = {t.strip() for t in params.get("types", "").split(",") if t.strip()}
    if not types <= _TYPES:
        raise SlackError("invalid_types")
    return types or {"public_channel"}


_IS_DM = Rule(lambda _, row: row["kind"] is not None, "method_not_supported_for_channel_type")
_ARCHIVED = Rule(lambda _, row: bool(row["is_archived"]), "not_archived")
_NOT_ARCHIVED_YET = Rule(lambda _, row: not row["is_archived"], "already_archived")
_MEMBER_OR_ADMIN = Rule(lambda caller, row: row["is_member"] or caller.is_admin, "not_in_channel")
# Its creator, an admin, or a bot member may rename a channel.
_MAY_RENAME = Rule(
    lambda caller, row: caller.is_bot or caller.is_admin or row["creator"] == caller.user_id,
    "not_authorized",
)


def _not_general(verb: str) -> Rule:
    """Nobody may ``verb`` the workspace's #general (``cant_<verb>_general``)."""
    return Rule(lambda _, row: not row["is_general"], f"cant_{verb}_general")


# What each method asks of its ``channel``, in the order Slack checks it.
_JOIN = Rules(IS_CHANNEL, NOT_ARCHIVED)
_INVITE = Rules(IS_CHANNEL, IS_MEMBER, NOT_ARCHIVED)
_LEAVE = Rules(IS_CHANNEL, _not_general("leave"), NOT_ARCHIVED)
_RENAME = Rules(IS_CHANNEL, IS_MEMBER, _MAY_RENAME, NOT_ARCHIVED)
_ARCHIVE = Rules(IS_CHANNEL, _NOT_ARCHIVED_YET, _not_general("archive"), IS_MEMBER)
_UNARCHIVE = Rules(IS_CHANNEL, _ARCHIVED, _MEMBER_OR_ADMIN)
_DM_ONLY = Rules(_IS_DM)


_LIST = """
    SELECT c.*, m.user_id IS NOT NULL AS is_member,
           CASE WHEN c.kind = 'im' THEN
                CASE WHEN c.creator = %(user)s THEN c.im_user ELSE c.creator END END AS other_user,
           (SELECT count(*) FROM channel_members x WHERE x.channel_id = c.id) AS num_members
    FROM channels c
    LEFT JOIN channel_members m ON m.channel_id = c.id AND m.user_id = %(member)s
    WHERE c.workspace_id = %(team)s AND c.id > %(after)s
      AND ((c.kind IS NULL AND NOT c.is_private AND %(public)s)
           OR (c.kind IS NULL AND c.is_private AND %(private)s AND m.user_id IS NOT NULL)
           OR (c.kind = 'mpim' AND %(mpim)s AND m.user_id IS NOT NULL)
           OR (c.kind = 'im' AND %(im)s AND m.user_id IS NOT NULL))
      AND (NOT %(exclude_archived)s OR NOT c.is_archived)
      AND (NOT %(only_member)s OR m.user_id IS NOT NULL)
      AND (%(member)s = %(user)s OR NOT c.is_private OR EXISTS (
           SELECT 1 FROM channel_members v WHERE v.channel_id = c.id AND v.user_id = %(user)s))
    ORDER BY c.id LIMIT %(limit)s"""


async def _list(
    conn: Conn, caller: Caller, params: Params, *, member: str, only_member: bool
) -> dict[str, Any]:
    types = _types(params)
    limit = limit_param(params, 100, 1000)
    cur = await conn.execute(
        _LIST,
        {
            "user": caller.user_id,
            "member": member,
            "team": caller.team_id,
            "after": cursor_key(params, "channel") or "",
            "public": "public_channel" in types,
            "private": "private_channel" in types,
            "mpim": "mpim" in types,
            "im": "im" in types,
            # The rule (and the clone's choice): archived channels are hidden
            # unless exclude_archived=false is passed explicitly.
            "exclude_archived": flag(params, "exclude_archived", default=True),
            "only_member": only_member,
            "limit": limit + 1,
        },
    )
    rows, more = split_page(await cur.fetchall(), limit)
    return {
        "channels": [channel_object(r, is_member=r["is_member"]) for r in rows],
        "response_metadata": page(rows[-1]["id"] if more else None, "channel"),
    }


@method(
    "conversations.list",
    scope=READ,
    tier=2,
    args=("types", "exclude_archived", *PAGING),
    errors=("invalid_types", "invalid_cursor", "invalid_limit"),
)
async def conversations_list(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Channels, and the caller's DMs/group DMs with ``types=im,mpim``; archived hidden."""
    return await _list(conn, caller, params, member=caller.user_id, only_member=False)


@method(
    "users.conversations",
    scope=READ,
    tier=3,
    args=("user", "types", "exclude_archived", *PAGING),
    errors=("user_not_found", "invalid_types", "invalid_cursor"),
)
async def users_conversations(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """The conversations a user (the caller by default) is a member of."""
    user = params.get("user", "").strip() or caller.user_id
    await user_row(conn, caller, user)
    return await _list(conn, caller, params, member=user, only_member=True)


async def _num_members(conn: Conn, channel_id: str) -> int:
    cur = await conn.execute(
        "SELECT count(*) AS n FROM channel_members WHERE channel_id = %s", (channel_id,)
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row["n"])


@method(
    "conversations.info",
    scope=READ,
    tier=3,
    args=("channel", "include_num_members"),
    errors=VISIBLE.errors,
)
async def conversations_info(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """One conversation; ``include_num_members`` adds its member count."""
    row = await VISIBLE.arg(conn, caller, params)
    if flag(params, "include_num_members"):
        row["num_members"] = await _num_members(conn, row["id"])
    if not row["is_member"]:
        row.pop("last_read", None)
    return {"channel": channel_object(row, is_member=row["is_member"])}


async def _add_member(conn: Conn, channel_id: str, user_id: str) -> None:
    await conn.execute(
        """INSERT INTO channel_members (channel_id, user_id, joined) VALUES (%s, %s, %s)
           ON CONFLICT DO NOTHING""",
        (channel_id, user_id, now_seconds()),
    )


async def post_membership(
    conn: Conn, channel_id: str, user_id: str, *, joined: bool, inviter: str | None = None
) -> None:
    """Slack's own record of a join or leave: a ``channel_join``/``channel_leave`` message."""
    verb = "joined" if joined else "left"
    await conn.execute(
        """INSERT INTO messages (channel_id, ts, user_id, text, subtype, inviter)
           VALUES (%s, %s, %s, %s, %s, %s)""",
        (
            channel_id,
            await next_ts(conn, channel_id),
            user_id,
            f"<@{user_id}> has {verb} the channel",
            "channel_join" if joined else "channel_leave",
            inviter,
        ),
    )


@method(
    "conversations.create",
    scope=MANAGE,
    tier=2,
    args=("name", "is_private"),
    errors=(*NAME_ERRORS, "name_taken"),
)
async def conversations_create(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """A new public or private channel, with the caller as its first member."""
    name = channel_name(params.get("name", ""))
    cur = await conn.execute(
        "SELECT 1 FROM channels WHERE workspace_id = %s AND name = %s", (caller.team_id, name)
    )
    if await cur.fetchone() is not None:
        raise SlackError("name_taken")
    channel_id = await next_id(conn, "C")
    cur = await conn.execute(
        """INSERT INTO channels (id, workspace_id, name, is_private, creator, created)
           VALUES (%s, %s, %s, %s, %s, %s) RETURNING *""",
        (
            channel_id,
            caller.team_id,
            name,
            flag(params, "is_private"),
            caller.user_id,
            now_seconds(),
        ),
    )
    row = await cur.fetchone()
    assert row is not None
    await _add_member(conn, channel_id, caller.user_id)
    return {"channel": channel_object({**row, "num_members": 1}, is_member=True)}


@method("conversations.join", scope=JOIN, tier=3, args=("channel",), errors=_JOIN.errors)
async def conversations_join(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Join a public channel (``already_in_channel`` warning if a member already)."""
    row = await _JOIN.arg(conn, caller, params)
    if row["is_private"] and not row["is_member"]:
        raise SlackError("method_not_supported_for_channel_type")
    result: dict[str, Any] = {}
    if row["is_member"]:
        result = {
            "warning": "already_in_channel",
            "response_metadata": {"warnings": ["already_in_channel"]},
        }
    else:
        await _add_member(conn, row["id"], caller.user_id)
        await post_membership(conn, row["id"], caller.user_id, joined=True)
    return {"channel": channel_object({**row, "is_member": True}, is_member=True), **result}


@method(
    "conversations.invite",
    scope=MANAGE,
    tier=3,
    args=("channel", "users"),
    errors=(
        *_INVITE.errors,
        "no_user",
        "user_not_found",
        "cant_invite_self",
        "already_in_channel",
        "too_many_users",
    ),
)
async def conversations_invite(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Add users (comma-separated ids; repeated ids count once) to a channel."""
    row = await _INVITE.arg(conn, caller, params)
    users = list(dict.fromkeys(u.strip() for u in params.get("users", "").split(",") if u.strip()))
    if not users:
        raise SlackError("no_user")
    if len(users) > MAX_INVITE:
        raise SlackError("too_many_users")
    for user_id in users:
        if user_id == caller.user_id:
            raise SlackError("cant_invite_self")
        await user_row(conn, caller, user_id)
    cur = await conn.execute(
        "SELECT user_id FROM channel_members WHERE channel_id = %s AND user_id = ANY(%s)",
        (row["id"], users),
    )
    if await cur.fetchone() is not None:
        raise SlackError("already_in_channel")
    for user_id in users:
        await _add_member(conn, row["id"], user_id)
        await post_membership(conn, row["id"], user_id, joined=True, inviter=caller.user_id)
    return {"channel": channel_object(row, is_member=True)}


@method(
    "conversations.kick",
    scope=MANAGE,
    tier=3,
    args=("channel", "user"),
    errors=(
        *VISIBLE.errors,
        "user_not_found",
        IS_CHANNEL.error,
        IS_MEMBER.error,
        "cant_kick_self",
        "cant_kick_from_general",
    ),
)
async def conversations_kick(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Remove a user from a channel the caller is in."""
    row = await VISIBLE.arg(conn, caller, params)
    user_id = required(params, "user", "user_not_found")
    await user_row(conn, caller, user_id)
    check(caller, row, IS_CHANNEL, IS_MEMBER)
    if user_id == caller.user_id:
        raise SlackError("cant_kick_self")
    if row["is_general"]:
        raise SlackError("cant_kick_from_general")
    cur = await conn.execute(
        "DELETE FROM channel_members WHERE channel_id = %s AND user_id = %s RETURNING user_id",
        (row["id"], user_id),
    )
    if await cur.fetchone() is None:
        raise SlackError("not_in_channel")
    await post_membership(conn, row["id"], user_id, joined=False)
    return {}


@method("conversations.leave", scope=MANAGE, tier=3, args=("channel",), errors=_LEAVE.errors)
async def conversations_leave(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Leave a channel (``not_in_channel: true`` if not a member)."""
    row = await _LEAVE.arg(conn, caller, params)
    if not row["is_member"]:
        return {"not_in_channel": True}
    await conn.execute(
        "DELETE FROM channel_members WHERE channel_id = %s AND user_id = %s",
        (row["id"], caller.user_id),
    )
    await post_membership(conn, row["id"], caller.user_id, joined=False)
    return {}


@method(
    "conversations.members",
    scope=READ,
    tier=4,
    args=("channel", *PAGING),
    errors=(*VISIBLE.errors, "invalid_cursor"),
)
async def conversations_members(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Member ids of a conversation, in pages."""
    row = await VISIBLE.arg(conn, caller, params)
    limit = limit_param(params, 100, 1000)
    cur = await conn.execute(
        """SELECT user_id FROM channel_members WHERE channel_id = %s AND user_id > %s
           ORDER BY user_id LIMIT %s""",
        (row["id"], cursor_key(params, "member") or "", limit + 1),
    )
    ids, more = split_page([r["user_id"] for r in await cur.fetchall()], limit)
    return {"members": ids, "response_metadata": page(ids[-1] if more else None, "member")}


def _ts_bounds(params: Params) -> tuple[str, str, bool]:
    """``oldest``/``latest``/``inclusive`` as comparable ts strings."""
    # Stored ts have ten digits of seconds; pad bounds like "0" or "5" so text order holds.
    oldest = (
        ts_param(params, "oldest", "invalid_ts_oldest").zfill(17) if params.get("oldest") else ""
    )
    latest = (
        ts_param(params, "latest", "invalid_ts_latest").zfill(17)
        if params.get("latest")
        else "9" * 17
    )
    return oldest, latest, flag(params, "inclusive")


THREAD_SUMMARY = """
    SELECT m.*, r.reply_count, r.reply_users, r.latest_reply
    FROM messages m
    LEFT JOIN LATERAL (
        SELECT count(*) AS reply_count, max(x.ts) AS latest_reply,
               array_agg(DISTINCT x.user_id) AS reply_users
        FROM messages x WHERE x.channel_id = m.channel_id AND x.thread_ts = m.ts
    ) r ON m.thread_ts IS NULL
"""


def _json(value: Any) -> str | None:
    """A jsonb value read back (a list or dict) as a parameter for a jsonb column again."""
    return None if value is None else json.dumps(value)


async def deliver_due(conn: Conn, channel_id: str | None = None) -> None:
    """Post the scheduled messages whose time has come (in this channel, or all)."""
    cur = await conn.execute(
        """DELETE FROM scheduled_messages WHERE id IN (
               SELECT id FROM scheduled_messages
               WHERE post_at <= %s AND (%s::text IS NULL OR channel_id = %s)
               ORDER BY post_at, id FOR UPDATE SKIP LOCKED)
           RETURNING *""",
        (now_seconds(), channel_id, channel_id),
    )
    for due in sorted(await cur.fetchall(), key=lambda r: (r["post_at"], r["id"])):
        ts = await next_ts(conn, due["channel_id"])
        await conn.execute(
            """INSERT INTO messages (channel_id, ts, user_id, bot_id, text, thread_ts,
                                     blocks, attachments, reply_broadcast, metadata)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
            (
                due["channel_id"],
                ts,
                due["user_id"],
                due["bot_id"],
                due["text"],
                due["thread_ts"],
                _json(due["blocks"]),
                _json(due["attachments"]),
                due["reply_broadcast"] or None,
                _json(due["metadata"]),
            ),
        )


@method(
    "conversations.history",
    scope=HISTORY,
    tier=3,
    args=("channel", "oldest", "latest", "inclusive", *PAGING),
    errors=(*READABLE.errors, "invalid_ts_oldest", "invalid_ts_latest", "invalid_cursor"),
)
async def conversations_history(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Messages of a conversation, newest first (thread replies only when broadcast)."""
    row = await READABLE.arg(conn, caller, params)
    limit = limit_param(params, 100, 999)
    oldest, latest, inclusive = _ts_bounds(params)
    if (resume := cursor_key(params, "next_ts")) is not None:
        latest, inclusive = resume, False
    if row["has_due"]:
        await deliver_due(conn, row["id"])
    cur = await conn.execute(
        THREAD_SUMMARY
        + """WHERE m.channel_id = %(channel)s AND (m.thread_ts IS NULL OR m.reply_broadcast)
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
    rows, more = split_page(await cur.fetchall(), limit)
    messages = [message_object(r, caller.team_id) for r in rows]
    pins = await _pin_count(conn, row["id"])
    return {
        "messages": await decorate(conn, caller, row["id"], messages),
        "has_more": more,
        "pin_count": pins,
        "channel_actions_ts": None,
        "channel_actions_count": 0,
        "response_metadata": page(rows[-1]["ts"] if more else None, "next_ts"),
    }


async def _pin_count(conn: Conn, channel_id: str) -> int:
    """Pins in the channel (the ``pins`` table comes with the pins feature's migration)."""
    cur = await conn.execute("SELECT count(*) AS n FROM pins WHERE channel_id = %s", (channel_id,))
    row = await cur.fetchone()
    return int(row["n"]) if row else 0


async def thread_root(conn: Conn, channel_id: str, ts: str) -> dict[str, Any]:
    """The parent of the thread ``ts`` belongs to (``thread_not_found`` if none)."""
    cur = await conn.execute(
        "SELECT * FROM messages WHERE channel_id = %s AND ts = %s", (channel_id, ts)
    )
    msg = await cur.fetchone()
    if msg is None:
        raise SlackError("thread_not_found")
    if msg["thread_ts"]:
        return await thread_root(conn, channel_id, msg["thread_ts"])
    return msg


@method(
    "conversations.replies",
    scope=HISTORY,
    tier=3,
    args=("channel", "ts", "oldest", "latest", "inclusive", *PAGING),
    errors=(*READABLE.errors, "thread_not_found", "invalid_cursor"),
)
async def conversations_replies(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """A thread: the parent first, then its replies oldest first, in pages."""
    row = await READABLE.arg(conn, caller, params)
    ts = ts_param(params, "ts", "thread_not_found")
    if row["has_due"]:
        await deliver_due(conn, row["id"])
    root = await thread_root(conn, row["id"], ts)
    limit = limit_param(params, 1000, 1000)
    oldest, latest, inclusive = _ts_bounds(params)
    resume = cursor_key(params, "next_ts")
    if resume is not None:
        oldest, inclusive = resume, False
    cur = await conn.execute(
        THREAD_SUMMARY
        + """WHERE m.channel_id = %(channel)s AND (m.ts = %(root)s OR m.thread_ts = %(root)s)
               AND (m.ts < %(latest)s OR (%(inclusive)s AND m.ts = %(latest)s)
                    OR (m.ts = %(root)s AND %(first_page)s))
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
            "first_page": resume is None,
        },
    )
    rows, more = split_page(await cur.fetchall(), limit)
    messages = []
    for r in rows:
        if r["ts"] != root["ts"]:
            r = {**r, "parent_user_id": root["user_id"], "reply_count": 0}
        messages.append(message_object(r, caller.team_id))
    return {
        "messages": await decorate(conn, caller, row["id"], messages),
        "has_more": more,
        "response_metadata": page(rows[-1]["ts"] if more else None, "next_ts"),
    }


async def _set_channel_text(
    conn: Conn, caller: Caller, params: Params, field: str
) -> dict[str, Any]:
    row = await MEMBER_WRITABLE.arg(conn, caller, params)
    value = params.get(field, "")
    if len(value) > 250:
        raise SlackError("too_long")
    await conn.execute(
        f"UPDATE channels SET {field} = %s, {field}_creator = %s, {field}_last_set = %s"
        " WHERE id = %s",
        (value, caller.user_id, now_seconds(), row["id"]),
    )
    if field == "topic":
        # Slack announces a new topic in the channel. (A new purpose is not announced:
        # AI seeding sets purposes, and recorded cassettes must replay to the same state.)
        ts = await next_ts(conn, row["id"])
        await conn.execute(
            """INSERT INTO messages (channel_id, ts, user_id, text, subtype)
               VALUES (%s, %s, %s, %s, 'channel_topic')""",
            (row["id"], ts, caller.user_id, f"set the channel topic: {value}"),
        )
    updated = {**row, field: value, f"{field}_creator": caller.user_id}
    return {field: value, "channel": channel_object(updated, is_member=True)}


def _text_setter(field: str) -> None:
    """Register ``conversations.set<Field>``: purpose and topic are set alike."""

    async def set_text(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
        return await _set_channel_text(conn, caller, params, field)

    set_text.__doc__ = f"Set a channel's {field} (at most 250 characters)."
    method(
        f"conversations.set{field.title()}",
        scope=MANAGE,
        tier=2,
        args=("channel", field),
        errors=(*MEMBER_WRITABLE.errors, "too_long"),
    )(set_text)


_text_setter("purpose")
_text_setter("topic")


@method(
    "conversations.rename",
    scope=MANAGE,
    tier=2,
    args=("channel", "name"),
    errors=(*_RENAME.errors, *NAME_ERRORS, "name_taken"),
)
async def conversations_rename(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Rename a channel (its creator, an admin, or a bot member)."""
    row = await _RENAME.arg(conn, caller, params)
    name = channel_name(params.get("name", ""))
    cur = await conn.execute(
        "SELECT 1 FROM channels WHERE workspace_id = %s AND name = %s AND id <> %s",
        (caller.team_id, name, row["id"]),
    )
    if await cur.fetchone() is not None:
        raise SlackError("name_taken")
    await conn.execute("UPDATE channels SET name = %s WHERE id = %s", (name, row["id"]))
    previous = [row["name"]] if row["name"] != name else []
    renamed = {**row, "name": name, "previous_names": previous}
    return {"channel": channel_object(renamed, is_member=True)}


@method("conversations.archive", scope=MANAGE, tier=2, args=("channel",), errors=_ARCHIVE.errors)
async def conversations_archive(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Archive a channel: read-only, hidden from conversations.list by default."""
    row = await _ARCHIVE.arg(conn, caller, params)
    await conn.execute("UPDATE channels SET is_archived = true WHERE id = %s", (row["id"],))
    return {}


@method(
    "conversations.unarchive", scope=MANAGE, tier=2, args=("channel",), errors=_UNARCHIVE.errors
)
async def conversations_unarchive(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Bring an archived channel back."""
    row = await _UNARCHIVE.arg(conn, caller, params)
    await conn.execute("UPDATE channels SET is_archived = false WHERE id = %s", (row["id"],))
    return {}


async def open_dm(conn: Conn, caller: Caller, others: list[str]) -> tuple[dict[str, Any], bool]:
    """The DM (one other user) or group DM (2-8) with these users, created if new.

    Returns the conversation and whether it already existed.
    """
    others = list(dict.fromkeys(u for u in others if u != caller.user_id)) or [caller.user_id]
    if len(others) > MAX_MPIM_USERS:
        raise SlackError("too_many_users")
    names = {}
    for user_id in others:
        user = await user_row(conn, caller, user_id)
        if user["deleted"]:
            raise SlackError("user_disabled")
        names[user_id] = user["name"]
    members = sorted({caller.user_id, *others})
    if len(others) == 1:
        other = others[0]
        cur = await conn.execute(
            """SELECT id FROM channels WHERE workspace_id = %s AND kind = 'im'
               AND ((creator = %s AND im_user = %s) OR (creator = %s AND im_user = %s))""",
            (caller.team_id, caller.user_id, other, other, caller.user_id),
        )
    else:
        cur = await conn.execute(
            """SELECT c.id FROM channels c JOIN channel_members m ON m.channel_id = c.id
               WHERE c.workspace_id = %s AND c.kind = 'mpim'
               GROUP BY c.id HAVING array_agg(m.user_id ORDER BY m.user_id) = %s::text[]""",
            (caller.team_id, members),
        )
    found = await cur.fetchone()
    if found is not None:
        await conn.execute(
            "UPDATE channel_members SET closed = NULL WHERE channel_id = %s AND user_id = %s",
            (found["id"], caller.user_id),
        )
        return await conversation(conn, caller, found["id"]), True
    kind = "im" if len(others) == 1 else "mpim"
    channel_id = await next_id(conn, "D" if kind == "im" else "G")
    me = (await user_row(conn, caller, caller.user_id))["name"]
    name = channel_id if kind == "im" else "mpdm-" + "--".join(sorted({me, *names.values()})) + "-1"
    await conn.execute(
        """INSERT INTO channels (id, workspace_id, name, is_private, creator, created, kind,
                                 im_user)
           VALUES (%s, %s, %s, true, %s, %s, %s, %s)""",
        (
            channel_id,
            caller.team_id,
            name,
            caller.user_id,
            now_seconds(),
            kind,
            others[0] if kind == "im" else None,
        ),
    )
    for user_id in members:
        await _add_member(conn, channel_id, user_id)
    return await conversation(conn, caller, channel_id), False


@method(
    "conversations.open",
    scope=OPEN,
    tier=3,
    args=("users", "channel", "return_im", "prevent_creation"),
    errors=("users_list_not_supplied", "user_not_found", "too_many_users", *_DM_ONLY.errors),
)
async def conversations_open(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Open (or reopen) a DM with one user or a group DM with up to eight."""
    if params.get("channel", "").strip():
        row = await _DM_ONLY.arg(conn, caller, params)  # reopen a DM or group DM
        existed = True
        await conn.execute(
            "UPDATE channel_members SET closed = NULL WHERE channel_id = %s AND user_id = %s",
            (row["id"], caller.user_id),
        )
    else:
        users = [u.strip() for u in params.get("users", "").split(",") if u.strip()]
        if not users:
            raise SlackError("users_list_not_supplied")
        if flag(params, "prevent_creation"):
            raise SlackError("channel_not_found")
        row, existed = await open_dm(conn, caller, users)
    result: dict[str, Any] = {"channel": {"id": row["id"]}}
    if flag(params, "return_im"):
        result["channel"] = channel_object({**row, "is_open": True}, is_member=True)
    if existed:
        result.update(no_op=True, already_open=True)
    return result


@method("conversations.close", scope=OPEN, tier=2, args=("channel",), errors=_DM_ONLY.errors)
async def conversations_close(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Close a DM or group DM (it stays in conversations.list; open reopens it)."""
    row = await _DM_ONLY.arg(conn, caller, params)
    if not row["is_open"]:
        return {"no_op": True, "already_closed": True}
    await conn.execute(
        "UPDATE channel_members SET closed = true WHERE channel_id = %s AND user_id = %s",
        (row["id"], caller.user_id),
    )
    return {}


@method(
    "conversations.mark",
    scope=MANAGE,
    tier=3,
    args=("channel", "ts"),
    errors=(*VISIBLE.errors, "invalid_timestamp", IS_MEMBER.error),
)
async def conversations_mark(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Move the caller's read cursor (``last_read`` in conversations.info)."""
    row = await VISIBLE.arg(conn, caller, params)
    ts = ts_param(params, "ts", "invalid_timestamp")
    check(caller, row, IS_MEMBER)
    await conn.execute(
        "UPDATE channel_members SET last_read = %s WHERE channel_id = %s AND user_id = %s",
        (ts, row["id"], caller.user_id),
    )
    return {}
