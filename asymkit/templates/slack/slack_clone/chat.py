"""``chat.*``: post, update, delete, permalinks, /me messages, ephemeral and scheduled messages."""

# long module: the chat.* family, whose methods share drafting and rendering.

from __future__ import annotations

import decimal
import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from . import arguments
from .conversations import deliver_due, open_dm, thread_root
from .methods import Caller, Conn, Params, method
from .objects import (
    MAX_MESSAGE_CHARS,
    TOMBSTONE_TEXT,
    SlackError,
    format_ts,
    message_object,
    now_seconds,
    permalink,
    ts_param,
)
from .store import next_id
from .validation import valid_metadata
from .web import (
    IS_MEMBER,
    NOT_ARCHIVED,
    VISIBLE,
    Rules,
    check,
    conversation,
    cursor_key,
    flag,
    json_array,
    limit_param,
    next_ts,
    page,
    required,
    split_page,
)

MAX_BLOCKS = 50
MAX_ATTACHMENTS = 100
SCHEDULE_HORIZON = 120 * 24 * 3600  # Slack schedules at most 120 days ahead
_CONTENT = ("text", "blocks", "attachments")
# Where a new message goes: not archived, and the caller's conversation (checked in that order).
_POSTABLE = Rules(NOT_ARCHIVED, IS_MEMBER)
T = TypeVar("T")  # what a method's own argument reads as (see _draft)


# The methods whose ``channel`` Slack documents as "an encoded ID, or a name" (every other
# method takes an id only and answers channel_not_found to a name, as Slack does).
TAKES_NAMES = ("chat.meMessage", "chat.postEphemeral", "chat.postMessage", "chat.scheduleMessage")


async def target(conn: Conn, caller: Caller, ref: str, *, names: bool = True) -> dict[str, Any]:
    """Where a message goes: a conversation id, a user (``U…``: the DM with them, opened
    or reused as Slack does) and, when ``names``, ``#name``/``name`` or ``@user``."""
    if ref.startswith("@") and names:
        cur = await conn.execute(
            "SELECT id FROM users WHERE workspace_id = %s AND name = %s",
            (caller.team_id, ref[1:]),
        )
        user = await cur.fetchone()
        if user is None:
            raise SlackError("channel_not_found")
        return (await open_dm(conn, caller, [user["id"]]))[0]
    if ref[:1] in ("U", "W"):
        cur = await conn.execute(
            "SELECT id FROM users WHERE workspace_id = %s AND id = %s", (caller.team_id, ref)
        )
        if await cur.fetchone() is not None:
            return (await open_dm(conn, caller, [ref]))[0]
    return await conversation(conn, caller, ref, names=names)


# What content() answers.
CONTENT_ERRORS = (
    "no_text",
    "msg_too_long",
    "invalid_blocks",
    "invalid_attachments",
    "too_many_attachments",
)


def content(params: Params, *, required_text: bool = True) -> dict[str, Any]:
    """``text``, ``blocks`` and ``attachments`` validated as Slack does."""
    text = params.get("text", "")
    blocks = json_array(params, "blocks", "invalid_blocks")
    attachments = json_array(params, "attachments", "invalid_attachments")
    if blocks is not None and (
        len(blocks) > MAX_BLOCKS or not all(isinstance(b.get("type"), str) for b in blocks)
    ):
        raise SlackError("invalid_blocks")
    if attachments is not None and len(attachments) > MAX_ATTACHMENTS:
        raise SlackError("too_many_attachments")
    if required_text and not text.strip() and not blocks and not attachments:
        raise SlackError("no_text")
    if len(text) > MAX_MESSAGE_CHARS:
        raise SlackError("msg_too_long")
    return {"text": text, "blocks": blocks, "attachments": attachments}


def _metadata(params: Params) -> dict[str, Any] | None:
    raw = params.get("metadata", "").strip()
    if not raw:
        return None
    try:
        value = arguments.loads(raw)
    except ValueError:
        raise SlackError("invalid_metadata_format") from None
    if not valid_metadata(value):
        raise SlackError("invalid_metadata_format")
    return dict(value)


def _jsonb(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


async def _writable(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    row = await target(conn, caller, required(params, "channel", "channel_not_found"))
    _POSTABLE.check(caller, row)
    return row


@attrs.frozen
class _Draft:
    """A new message: where it goes, what it says and which thread it answers."""

    channel: dict[str, Any]
    body: dict[str, Any]
    root: dict[str, Any] | None  # the thread's parent
    broadcast: bool  # a reply also shown in the channel


def _draft_errors(*own: str) -> tuple[str, ...]:
    """What :func:`_draft` answers, in the order it checks, with ``own`` its method's own."""
    return (*_POSTABLE.errors, *CONTENT_ERRORS, *own, "thread_not_found")


async def _draft(
    conn: Conn, caller: Caller, params: Params, read_own: Callable[[Params], T]
) -> tuple[_Draft, T]:
    """The arguments chat.postMessage and chat.scheduleMessage share, checked in order, with
    the method's own argument (``read_own``: metadata, post_at) read before the thread."""
    row = await _writable(conn, caller, params)
    body = content(params)
    own = read_own(params)
    root = None
    if params.get("thread_ts", "").strip():
        ts = ts_param(params, "thread_ts", "thread_not_found")
        root = await thread_root(conn, row["id"], ts)
    return _Draft(row, body, root, bool(root) and flag(params, "reply_broadcast")), own


@method(
    "chat.postMessage",
    scope="chat:write",
    tier="special",
    args=(
        "channel",
        "text",
        "blocks",
        "attachments",
        "thread_ts",
        "reply_broadcast",
        "username",
        "icon_emoji",
        "icon_url",
        "metadata",
        "mrkdwn",
        "unfurl_links",
        "unfurl_media",
        "link_names",
        "parse",
    ),
    errors=_draft_errors("invalid_metadata_format"),
)
async def chat_post_message(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Post to a channel, a DM (``U…``/``@name`` opens it) or a thread."""
    draft, metadata = await _draft(conn, caller, params, _metadata)
    row, body, root = draft.channel, draft.body, draft.root
    persona: dict[str, str | None] = {
        k: (params.get(k) or None) if caller.is_bot else None
        for k in ("username", "icon_emoji", "icon_url")
    }
    ts = await next_ts(conn, row["id"])
    await conn.execute(
        """INSERT INTO messages (channel_id, ts, user_id, bot_id, text, thread_ts, blocks,
                                 attachments, reply_broadcast, username, icon_emoji, icon_url,
                                 metadata)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
        (
            row["id"],
            ts,
            caller.user_id,
            caller.bot_id,
            body["text"],
            root["ts"] if root else None,
            _jsonb(body["blocks"]),
            _jsonb(body["attachments"]),
            draft.broadcast or None,
            persona["username"],
            persona["icon_emoji"],
            persona["icon_url"],
            _jsonb(metadata),
        ),
    )
    msg = {
        "user_id": caller.user_id,
        "bot_id": caller.bot_id,
        "ts": ts,
        "thread_ts": root["ts"] if root else None,
        "parent_user_id": root["user_id"] if root else None,
        "reply_broadcast": draft.broadcast,
        "metadata": metadata,
        **persona,
        **body,
    }
    return {"channel": row["id"], "ts": ts, "message": message_object(msg, caller.team_id)}


@method(
    "chat.meMessage",
    scope="chat:write",
    tier=3,
    args=("channel", "text"),
    errors=(*_POSTABLE.errors, "no_text", "msg_too_long"),
)
async def chat_me_message(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """A ``/me`` message (subtype ``me_message``)."""
    row = await _writable(conn, caller, params)
    text = params.get("text", "")
    if not text.strip():
        raise SlackError("no_text")
    if len(text) > MAX_MESSAGE_CHARS:
        raise SlackError("msg_too_long")
    ts = await next_ts(conn, row["id"])
    await conn.execute(
        """INSERT INTO messages (channel_id, ts, user_id, bot_id, text, subtype)
           VALUES (%s, %s, %s, %s, %s, 'me_message')""",
        (row["id"], ts, caller.user_id, caller.bot_id, text),
    )
    return {"channel": row["id"], "ts": ts}


@method(
    "chat.postEphemeral",
    scope="chat:write",
    tier=4,
    args=("channel", "user", "text", "blocks", "attachments", "thread_ts"),
    errors=(*_POSTABLE.errors, *CONTENT_ERRORS, "user_not_found", "user_not_in_channel"),
)
async def chat_post_ephemeral(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """A message only ``user`` sees (never stored, never in history)."""
    row = await _writable(conn, caller, params)
    content(params)
    user = required(params, "user", "user_not_found")
    cur = await conn.execute(
        "SELECT 1 FROM users WHERE id = %s AND workspace_id = %s", (user, caller.team_id)
    )
    if await cur.fetchone() is None:
        raise SlackError("user_not_found")
    cur = await conn.execute(
        "SELECT 1 FROM channel_members WHERE channel_id = %s AND user_id = %s", (row["id"], user)
    )
    if await cur.fetchone() is None:
        raise SlackError("user_not_in_channel")
    return {"message_ts": format_ts(int(time.time() * 1_000_000))}


async def _message(conn: Conn, channel_id: str, ts: str) -> dict[str, Any]:
    cur = await conn.execute(
        """SELECT m.*, EXISTS (SELECT 1 FROM messages r
                               WHERE r.channel_id = m.channel_id AND r.thread_ts = m.ts)
                       AS has_replies
           FROM messages m WHERE m.channel_id = %s AND m.ts = %s""",
        (channel_id, ts),
    )
    msg = await cur.fetchone()
    if msg is None or msg["subtype"] == "tombstone":
        raise SlackError("message_not_found")
    return msg


def _may_change(caller: Caller, msg: dict[str, Any]) -> bool:
    """Authors change their own messages; admins (with a user token) anyone's."""
    if msg["user_id"] == caller.user_id:
        return True
    return caller.token_type == "user" and caller.is_admin and not msg["bot_id"]


async def _changeable(
    conn: Conn, caller: Caller, params: Params, refused: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The conversation and the message ``ts`` the caller may change (else ``refused``)."""
    row = await VISIBLE.arg(conn, caller, params)
    msg = await _message(conn, row["id"], ts_param(params, "ts", "message_not_found"))
    if not _may_change(caller, msg):
        raise SlackError(refused)
    return row, msg


@method(
    "chat.update",
    scope="chat:write",
    tier=3,
    args=("channel", "ts", "text", "blocks", "attachments", "metadata", "reply_broadcast"),
    errors=(
        *VISIBLE.errors,
        "message_not_found",
        "cant_update_message",
        NOT_ARCHIVED.error,
        *CONTENT_ERRORS,
    ),
)
async def chat_update(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Edit a message: only its author (or an admin's user token); marks it ``edited``."""
    row, msg = await _changeable(conn, caller, params, "cant_update_message")
    check(caller, row, NOT_ARCHIVED)
    ts = msg["ts"]
    given = {k for k in _CONTENT if k in params}
    body = content(params, required_text=False)
    if not given:
        raise SlackError("no_text")
    new = {
        "text": body["text"] if "text" in given else msg["text"],
        "blocks": body["blocks"] if "blocks" in given else msg["blocks"],
        "attachments": body["attachments"] if "attachments" in given else msg["attachments"],
    }
    if not new["text"].strip() and not new["blocks"] and not new["attachments"]:
        raise SlackError("no_text")
    edited_ts = format_ts(int(time.time() * 1_000_000))
    cur = await conn.execute(
        """UPDATE messages SET text = %s, blocks = %s, attachments = %s, edited_by = %s,
                  edited_ts = %s
           WHERE channel_id = %s AND ts = %s RETURNING *""",
        (
            new["text"],
            _jsonb(new["blocks"]),
            _jsonb(new["attachments"]),
            caller.user_id,
            edited_ts,
            row["id"],
            ts,
        ),
    )
    updated = await cur.fetchone()
    assert updated is not None
    message = message_object(updated, caller.team_id)
    return {"channel": row["id"], "ts": ts, "text": new["text"], "message": message}


@method(
    "chat.delete",
    scope="chat:write",
    tier=3,
    args=("channel", "ts"),
    errors=(*VISIBLE.errors, "message_not_found", "cant_delete_message"),
)
async def chat_delete(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Delete a message: a thread parent with replies stays as a tombstone."""
    row, msg = await _changeable(conn, caller, params, "cant_delete_message")
    ts = msg["ts"]
    if msg["has_replies"]:
        await conn.execute(
            """UPDATE messages SET subtype = 'tombstone', text = %s, blocks = NULL,
                      attachments = NULL, metadata = NULL
               WHERE channel_id = %s AND ts = %s""",
            (TOMBSTONE_TEXT, row["id"], ts),
        )
        return {"channel": row["id"], "ts": ts}
    await conn.execute("DELETE FROM messages WHERE channel_id = %s AND ts = %s", (row["id"], ts))
    if msg["thread_ts"]:
        # A tombstone whose last reply is gone disappears, as in Slack.
        await conn.execute(
            """DELETE FROM messages p WHERE p.channel_id = %s AND p.ts = %s
               AND p.subtype = 'tombstone' AND NOT EXISTS (
                   SELECT 1 FROM messages r WHERE r.channel_id = p.channel_id
                   AND r.thread_ts = p.ts)""",
            (row["id"], msg["thread_ts"]),
        )
    return {"channel": row["id"], "ts": ts}


@method(
    "chat.getPermalink",
    scope=None,
    tier="special",
    args=("channel", "message_ts"),
    errors=(*VISIBLE.errors, "message_not_found"),
)
async def chat_get_permalink(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """A message's permalink (replies carry ``thread_ts`` and ``cid``)."""
    row = await VISIBLE.arg(conn, caller, params)
    ts = ts_param(params, "message_ts", "message_not_found")
    cur = await conn.execute(
        "SELECT thread_ts FROM messages WHERE channel_id = %s AND ts = %s", (row["id"], ts)
    )
    msg = await cur.fetchone()
    if msg is None:
        raise SlackError("message_not_found")
    link = permalink(caller.team_domain, row["id"], ts, msg["thread_ts"])
    return {"channel": row["id"], "permalink": link}


_POST_AT_ERRORS = ("invalid_time", "time_in_past", "time_too_far")


def _post_at(params: Params) -> int:
    """``post_at`` as epoch seconds: a number (any size: ``1e309`` or 400 digits is
    ``time_too_far``, not an overflow), in the future and within Slack's horizon."""
    raw = required(params, "post_at", "invalid_time")
    try:
        # Decimal, not float: a float turns 1e309 and long digit strings into inf.
        value = decimal.Decimal(raw)
    except decimal.InvalidOperation:
        raise SlackError("invalid_time") from None
    if not value.is_finite():
        raise SlackError("invalid_time")
    now = now_seconds()
    if value <= now:
        raise SlackError("time_in_past")
    if value > now + SCHEDULE_HORIZON:
        raise SlackError("time_too_far")
    return int(value)


def _schedule_args(params: Params) -> tuple[int, dict[str, Any] | None]:
    """chat.scheduleMessage's own arguments: ``post_at``, then ``metadata`` as postMessage
    reads it."""
    return _post_at(params), _metadata(params)


@method(
    "chat.scheduleMessage",
    scope="chat:write",
    tier=3,
    args=(
        "channel",
        "post_at",
        "text",
        "blocks",
        "attachments",
        "thread_ts",
        "reply_broadcast",
        "metadata",
    ),
    errors=_draft_errors(*_POST_AT_ERRORS, "invalid_metadata_format"),
)
async def chat_schedule_message(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Post later: the message appears once ``post_at`` has passed (within 120 days)."""
    draft, (post_at, metadata) = await _draft(conn, caller, params, _schedule_args)
    row, body, root = draft.channel, draft.body, draft.root
    scheduled_id = await next_id(conn, "Q")
    await conn.execute(
        """INSERT INTO scheduled_messages (id, channel_id, user_id, bot_id, post_at, text,
                                           thread_ts, reply_broadcast, blocks, attachments,
                                           metadata, created)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
        (
            scheduled_id,
            row["id"],
            caller.user_id,
            caller.bot_id,
            post_at,
            body["text"],
            root["ts"] if root else None,
            draft.broadcast,
            _jsonb(body["blocks"]),
            _jsonb(body["attachments"]),
            _jsonb(metadata),
            now_seconds(),
        ),
    )
    message: dict[str, Any] = {
        "type": "message",
        "text": body["text"],
        "user": caller.user_id,
        "team": caller.team_id,
    }
    if caller.bot_id:
        message["bot_id"] = caller.bot_id
    for key in ("blocks", "attachments"):
        if body[key] is not None:
            message[key] = body[key]
    if metadata is not None:
        message["metadata"] = metadata
    return {
        "channel": row["id"],
        "scheduled_message_id": scheduled_id,
        "post_at": post_at,
        "message": message,
    }


@method(
    "chat.scheduledMessages.list",
    scope="chat:write",
    tier=3,
    args=("channel", "oldest", "latest", "team_id", "cursor", "limit"),
    errors=(*VISIBLE.errors, "invalid_cursor", "invalid_limit"),
)
async def chat_scheduled_messages_list(
    conn: Conn, caller: Caller, params: Params
) -> dict[str, Any]:
    """The caller's messages still waiting to be posted, soonest first, in pages."""
    await deliver_due(conn)
    channel_id = None
    if params.get("channel", "").strip():
        channel_id = (await VISIBLE.arg(conn, caller, params))["id"]
    limit = limit_param(params, 100, 1000)
    try:
        oldest = int(float(params["oldest"])) if params.get("oldest") else 0
        latest = int(float(params["latest"])) if params.get("latest") else 2**62
    except ValueError:
        raise SlackError("invalid_time") from None
    after = cursor_key(params, "scheduled") or ""
    cur = await conn.execute(
        """SELECT * FROM scheduled_messages
           WHERE user_id = %s AND (%s::text IS NULL OR channel_id = %s)
             AND post_at >= %s AND post_at <= %s AND id > %s
           ORDER BY id LIMIT %s""",
        (caller.user_id, channel_id, channel_id, oldest, latest, after, limit + 1),
    )
    rows, more = split_page(await cur.fetchall(), limit)
    return {
        "scheduled_messages": [
            {
                "id": r["id"],
                "channel_id": r["channel_id"],
                "post_at": r["post_at"],
                "date_created": r["created"],
                "text": r["text"],
            }
            for r in rows
        ],
        "response_metadata": page(rows[-1]["id"] if more else None, "scheduled"),
    }


@method(
    "chat.deleteScheduledMessage",
    scope="chat:write",
    tier=3,
    args=("channel", "scheduled_message_id"),
    errors=(*VISIBLE.errors, "invalid_scheduled_message_id"),
)
async def chat_delete_scheduled_message(
    conn: Conn, caller: Caller, params: Params
) -> dict[str, Any]:
    """Cancel a scheduled message that has not been posted yet."""
    row = await VISIBLE.arg(conn, caller, params)
    scheduled_id = required(params, "scheduled_message_id", "invalid_scheduled_message_id")
    cur = await conn.execute(
        """DELETE FROM scheduled_messages
           WHERE id = %s AND channel_id = %s AND user_id = %s AND post_at > %s RETURNING id""",
        (scheduled_id, row["id"], caller.user_id, now_seconds()),
    )
    if await cur.fetchone() is None:
        raise SlackError("invalid_scheduled_message_id")
    return {}
