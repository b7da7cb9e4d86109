"""Which events a Web API write raises, built as Slack's Events API payloads.

One builder per method name (``chat.postMessage`` -> ``message`` [+
``app_mention``], ``reactions.add`` -> ``reaction_added``, ...). The app calls
:func:`before` ahead of the handler (to keep what a write is about to change,
e.g. the message an edit replaces) and :func:`record` after it, in the same
transaction: the events are stored with the write, or not at all. Payload
shapes follow ``slackapi/slack-api-specs``
(``events-api/slack_events_api_asyncapi_v2.json``).
"""

# long module: one builder per event type Slack documents (17 of them), each small.

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

import attrs

from ..methods import Caller, Conn, Params
from ..objects import channel_type, format_ts, message_object

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@attrs.frozen
class Raised:
    """One event a write raised, before its envelope: where it happened and who may see it."""

    event: dict[str, Any]
    channel: dict[str, Any] | None = None  # the conversation row, for delivery rules
    mention: bool = False  # app_mention: delivered only when the bot is mentioned
    workspace_wide: bool = False  # channel_created: every app with channels:read sees it


@attrs.frozen
class Context:
    conn: Conn
    caller: Caller
    params: Params
    result: dict[str, Any]
    before: dict[str, Any]


Builder = Callable[[Context], Awaitable[list[Raised]]]
BUILDERS: dict[str, Builder] = {}
BEFORE: dict[str, Callable[[Conn, Caller, Params], Awaitable[dict[str, Any]]]] = {}


def builder(*names: str) -> Callable[[Builder], Builder]:
    def register(fn: Builder) -> Builder:
        for name in names:
            BUILDERS[name] = fn
        return fn

    return register


def subscription(event: dict[str, Any], channel: dict[str, Any] | None) -> str:
    """The event type an app subscribes to for this event (``message.channels``, ...)."""
    if event["type"] == "message" and channel is not None:
        return {
            "channel": "message.channels",
            "group": "message.groups",
            "im": "message.im",
            "mpim": "message.mpim",
        }[channel_type(channel)]
    return str(event["type"])


def _now_ts() -> str:
    return format_ts(time.time_ns() // 1000)


async def _channel(conn: Conn, channel_id: str | None) -> dict[str, Any] | None:
    if not channel_id:
        return None
    cur = await conn.execute("SELECT * FROM channels WHERE id = %s", (channel_id,))
    return await cur.fetchone()


async def _message(conn: Conn, channel_id: str, ts: str) -> dict[str, Any] | None:
    cur = await conn.execute(
        "SELECT * FROM messages WHERE channel_id = %s AND ts = %s", (channel_id, ts)
    )
    return await cur.fetchone()


def _message_event(
    msg: dict[str, Any], channel: dict[str, Any], team: str, app_id: str | None
) -> dict[str, Any]:
    event = message_object(msg, team)
    event["channel"] = channel["id"]
    event["event_ts"] = msg["ts"]
    event["channel_type"] = channel_type(channel)
    if msg.get("bot_id"):
        event["app_id"] = app_id
        if msg.get("username") and "subtype" not in event:
            event["subtype"] = "bot_message"  # a bot posting under a custom name, as Slack
    return event


async def _app_id(conn: Conn, bot_id: str | None) -> str | None:
    if not bot_id:
        return None
    cur = await conn.execute("SELECT app_id FROM bots WHERE id = %s", (bot_id,))
    row = await cur.fetchone()
    return None if row is None else str(row["app_id"])


@builder("chat.postMessage", "chat.meMessage")
async def _posted(ctx: Context) -> list[Raised]:
    channel = await _channel(ctx.conn, ctx.result.get("channel"))
    msg = await _message(ctx.conn, str(ctx.result.get("channel")), str(ctx.result.get("ts")))
    if channel is None or msg is None:
        return []
    if msg["thread_ts"]:
        root = await _message(ctx.conn, channel["id"], msg["thread_ts"])
        msg = {**msg, "parent_user_id": root["user_id"] if root else None}
    team = ctx.caller.team_id
    event = _message_event(msg, channel, team, await _app_id(ctx.conn, msg["bot_id"]))
    raised = [Raised(event, channel)]
    if channel.get("kind") not in ("im", "mpim") and MENTION.search(msg["text"] or ""):
        mention = {
            "type": "app_mention",
            "user": msg["user_id"],
            "text": msg["text"],
            "ts": msg["ts"],
            "channel": channel["id"],
            "event_ts": msg["ts"],
            "team": team,
        }
        for key in ("thread_ts", "blocks", "bot_id"):
            if event.get(key) is not None:
                mention[key] = event[key]
        raised.append(Raised(mention, channel, mention=True))
    return raised


async def _before_message(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    channel, ts = params.get("channel", ""), params.get("ts", "")
    msg = await _message(conn, channel, ts) if channel and ts else None
    return {"message": msg}


BEFORE["chat.update"] = _before_message
BEFORE["chat.delete"] = _before_message


def _hidden_message(
    channel: dict[str, Any], subtype: str, *, deleted_ts: str | None = None
) -> dict[str, Any]:
    """The head of a ``message_changed``/``message_deleted`` event, stamped now."""
    now = _now_ts()
    deleted = {} if deleted_ts is None else {"deleted_ts": deleted_ts}
    return {
        "type": "message",
        "subtype": subtype,
        "hidden": True,
        "channel": channel["id"],
        "ts": now,
        **deleted,
        "event_ts": now,
        "channel_type": channel_type(channel),
    }


@builder("chat.update")
async def _edited(ctx: Context) -> list[Raised]:
    channel = await _channel(ctx.conn, ctx.result.get("channel"))
    old = ctx.before.get("message")
    new = await _message(ctx.conn, str(ctx.result.get("channel")), str(ctx.result.get("ts")))
    if channel is None or old is None or new is None:
        return []
    team = ctx.caller.team_id
    app_id = await _app_id(ctx.conn, new["bot_id"])
    event = {
        **_hidden_message(channel, "message_changed"),
        "message": _message_event(new, channel, team, app_id),
        "previous_message": _message_event(old, channel, team, app_id),
    }
    return [Raised(event, channel)]


@builder("chat.delete")
async def _deleted(ctx: Context) -> list[Raised]:
    channel = await _channel(ctx.conn, ctx.result.get("channel"))
    old = ctx.before.get("message")
    if channel is None or old is None:
        return []
    event = {
        **_hidden_message(channel, "message_deleted", deleted_ts=old["ts"]),
        "previous_message": _message_event(
            old, channel, ctx.caller.team_id, await _app_id(ctx.conn, old["bot_id"])
        ),
    }
    return [Raised(event, channel)]


async def _membership(
    conn: Conn,
    channel: dict[str, Any],
    user: str,
    team: str,
    *,
    joined: bool,
    inviter: str | None,
) -> list[Raised]:
    """The ``channel_join``/``channel_leave`` message the write stored, and the member event."""
    cur = await conn.execute(
        """SELECT * FROM messages WHERE channel_id = %s AND user_id = %s AND subtype = %s
           ORDER BY ts DESC LIMIT 1""",
        (channel["id"], user, "channel_join" if joined else "channel_leave"),
    )
    stored = await cur.fetchone()
    raised = [Raised(_message_event(stored, channel, team, None), channel)] if stored else []
    now = _now_ts()
    member: dict[str, Any] = {
        "type": "member_joined_channel" if joined else "member_left_channel",
        "user": user,
        "channel": channel["id"],
        "channel_type": "G" if channel["is_private"] else "C",
        "team": team,
        "event_ts": now,
    }
    if inviter:
        member["inviter"] = inviter
    return [*raised, Raised(member, channel)]


async def _answered_channel(ctx: Context) -> dict[str, Any] | None:
    """The conversation the method answered with (its ``channel`` object), as stored now."""
    return await _channel(ctx.conn, (ctx.result.get("channel") or {}).get("id"))


def _channel_wide(event: dict[str, Any], channel: dict[str, Any]) -> list[Raised]:
    """An event about ``channel`` itself (created, renamed, archived): stamped now, and seen
    workspace-wide when the channel is public."""
    stamped = {**event, "event_ts": _now_ts()}
    return [Raised(stamped, channel, workspace_wide=not channel["is_private"])]


@builder("conversations.join")
async def _joined(ctx: Context) -> list[Raised]:
    if ctx.result.get("warning") == "already_in_channel":
        return []
    channel = await _answered_channel(ctx)
    if channel is None:
        return []
    return await _membership(
        ctx.conn, channel, ctx.caller.user_id, ctx.caller.team_id, joined=True, inviter=None
    )


@builder("conversations.invite")
async def _invited(ctx: Context) -> list[Raised]:
    channel = await _answered_channel(ctx)
    if channel is None:
        return []
    users = dict.fromkeys(u.strip() for u in ctx.params.get("users", "").split(",") if u.strip())
    raised: list[Raised] = []
    for user in users:
        raised += await _membership(
            ctx.conn, channel, user, ctx.caller.team_id, joined=True, inviter=ctx.caller.user_id
        )
    return raised


async def _before_channel(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    return {"channel": await _channel(conn, params.get("channel"))}


BEFORE["conversations.leave"] = _before_channel
BEFORE["conversations.kick"] = _before_channel


@builder("conversations.leave", "conversations.kick")
async def _left(ctx: Context) -> list[Raised]:
    channel = ctx.before.get("channel")
    if channel is None or ctx.result.get("not_in_channel"):
        return []
    user = ctx.params.get("user") or ctx.caller.user_id
    return await _membership(
        ctx.conn, channel, user, ctx.caller.team_id, joined=False, inviter=None
    )


@builder("conversations.create")
async def _created(ctx: Context) -> list[Raised]:
    channel = await _answered_channel(ctx)
    if channel is None:
        return []
    event = {
        "type": "channel_created",
        "channel": {
            "id": channel["id"],
            "name": channel["name"],
            "created": channel["created"],
            "creator": channel["creator"],
            "is_channel": not channel["is_private"],
            "is_private": channel["is_private"],
            "context_team_id": ctx.caller.team_id,
        },
    }
    return _channel_wide(event, channel)


@builder("conversations.rename")
async def _renamed(ctx: Context) -> list[Raised]:
    channel = await _answered_channel(ctx)
    if channel is None:
        return []
    named = {"id": channel["id"], "name": channel["name"], "created": channel["created"]}
    return _channel_wide({"type": "channel_rename", "channel": named}, channel)


@builder("conversations.archive", "conversations.unarchive")
async def _archived(ctx: Context) -> list[Raised]:
    channel = await _channel(ctx.conn, ctx.params.get("channel"))
    if channel is None:
        return []
    kind = "channel_archive" if channel["is_archived"] else "channel_unarchive"
    event = {"type": kind, "channel": channel["id"], "user": ctx.caller.user_id}
    return _channel_wide(event, channel)


async def _item(ctx: Context) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    channel = await _channel(ctx.conn, ctx.params.get("channel"))
    ts = ctx.params.get("timestamp", "")
    if channel is None or not ts:
        return None, None
    cur = await ctx.conn.execute(
        "SELECT * FROM messages WHERE channel_id = %s AND ts::numeric = %s::numeric",
        (channel["id"], ts),
    )
    return channel, await cur.fetchone()


@builder("reactions.add", "reactions.remove")
async def _reacted(ctx: Context) -> list[Raised]:
    channel, msg = await _item(ctx)
    if channel is None or msg is None:
        return []
    name = ctx.params.get("name", "").strip().strip(":")
    added = ctx.params.get("_method") == "reactions.add"
    event = {
        "type": "reaction_added" if added else "reaction_removed",
        "user": ctx.caller.user_id,
        "reaction": name,
        "item_user": msg["user_id"],
        "item": {"type": "message", "channel": channel["id"], "ts": msg["ts"]},
        "event_ts": _now_ts(),
    }
    return [Raised(event, channel)]


@builder("pins.add", "pins.remove")
async def _pinned(ctx: Context) -> list[Raised]:
    channel, msg = await _item(ctx)
    if channel is None or msg is None:
        return []
    added = ctx.params.get("_method") == "pins.add"
    cur = await ctx.conn.execute(
        "SELECT count(*) AS n FROM pins WHERE channel_id = %s", (channel["id"],)
    )
    row = await cur.fetchone()
    count = int(row["n"]) if row else 0
    item: dict[str, Any] = {
        "type": "message",
        "channel": channel["id"],
        "created_by": ctx.caller.user_id,
        "created": int(time.time()),
        "message": _message_event(
            msg, channel, ctx.caller.team_id, await _app_id(ctx.conn, msg["bot_id"])
        ),
    }
    event: dict[str, Any] = {
        "type": "pin_added" if added else "pin_removed",
        "user": ctx.caller.user_id,
        "channel_id": channel["id"],
        "item": item,
        "event_ts": _now_ts(),
    }
    if added:
        event["pin_count"] = count
    else:
        event["has_pins"] = count > 0
    return [Raised(event, channel)]


@builder("files.completeUploadExternal", "files.share")
async def _file_shared(ctx: Context) -> list[Raised]:
    """A file shared into a conversation posts a ``file_share`` message there."""
    files = ctx.result.get("files") or ([ctx.result["file"]] if ctx.result.get("file") else [])
    raised: list[Raised] = []
    seen: set[tuple[str, str]] = set()
    for file in files:
        shares = (file.get("shares") or {}) if isinstance(file, dict) else {}
        for scope in ("public", "private"):
            for channel_id, posts in (shares.get(scope) or {}).items():
                for post in posts or []:
                    key = (channel_id, str(post.get("ts")))
                    if key in seen:
                        continue
                    seen.add(key)
                    channel = await _channel(ctx.conn, channel_id)
                    msg = await _message(ctx.conn, channel_id, str(post.get("ts")))
                    if channel is None or msg is None:
                        continue
                    event = _message_event(msg, channel, ctx.caller.team_id, None)
                    event["subtype"] = "file_share"
                    event["files"] = [f for f in files if isinstance(f, dict)]
                    event["upload"] = True
                    raised.append(Raised(event, channel))
    return raised


def new_event_id() -> str:
    return "Ev" + "".join(secrets.choice(_ID_CHARS) for _ in range(10))


def verification_token(secret: str) -> str:
    """The deprecated ``token`` field of envelopes: stable per clone, never a credential."""
    return hashlib.sha256(f"verification:{secret}".encode()).hexdigest()[:24]


@attrs.frozen
class App:
    """The installed app events are for: its bot user and ids."""

    app_id: str
    bot_id: str
    user_id: str


async def installed_app(conn: Conn) -> App | None:
    cur = await conn.execute("SELECT id, user_id, app_id FROM bots ORDER BY id LIMIT 1")
    row = await cur.fetchone()
    return None if row is None else App(row["app_id"], row["id"], row["user_id"])


async def _is_member(conn: Conn, channel_id: str, user_id: str) -> bool:
    cur = await conn.execute(
        "SELECT 1 FROM channel_members WHERE channel_id = %s AND user_id = %s",
        (channel_id, user_id),
    )
    return await cur.fetchone() is not None


async def _for_app(conn: Conn, raised: Raised, app: App | None) -> bool:
    """Whether Slack would deliver this event to the app (membership, mention, DM)."""
    if app is None:
        return False
    channel = raised.channel
    if channel is None:
        return True
    if raised.workspace_wide:
        return True
    member = await _is_member(conn, channel["id"], app.user_id)
    if raised.event["type"] == "member_left_channel" and raised.event["user"] == app.user_id:
        return True  # the app hears that it was removed
    if raised.mention:
        mentioned = {m.group(1) for m in MENTION.finditer(raised.event.get("text") or "")}
        return member and app.user_id in mentioned and raised.event.get("user") != app.user_id
    return member


async def lock_first(conn: Conn, name: str) -> None:
    """Before anything else in a write that raises events, lock the events table.

    asymkit's reset and snapshot capture lock every table in one order,
    parents first, and ``events`` (no foreign keys) comes before every table a
    Web API call reads or writes. Taking it first keeps each write in that same
    order, so a write and a reset wait for each other instead of deadlocking.
    """
    if name in BUILDERS:
        await conn.execute("LOCK TABLE events IN ROW EXCLUSIVE MODE")


async def before(conn: Conn, caller: Caller, name: str, params: Params) -> dict[str, Any]:
    """What a write is about to change, for the events it raises (``{}`` for most methods)."""
    if name not in BUILDERS:
        return {}
    fn = BEFORE.get(name)
    return await fn(conn, caller, params) if fn is not None else {}


async def record(
    conn: Conn,
    caller: Caller,
    name: str,
    params: Params,
    result: dict[str, Any],
    previous: dict[str, Any],
    *,
    secret: str,
) -> list[dict[str, Any]]:
    """Build and store the events ``name`` raised; the stored rows, oldest first."""
    fn = BUILDERS.get(name)
    if fn is None:
        return []
    raised = await fn(Context(conn, caller, {**params, "_method": name}, result, previous))
    if not raised:
        return []
    app = await installed_app(conn)
    rows: list[dict[str, Any]] = []
    for item in raised:
        event_id = new_event_id()
        event_time = int(time.time())
        envelope = {
            "token": verification_token(secret),
            "team_id": caller.team_id,
            "context_team_id": caller.team_id,
            "context_enterprise_id": None,
            "api_app_id": app.app_id if app else "",
            "event": item.event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": event_time,
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": caller.team_id,
                    "user_id": app.user_id if app else "",
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "authed_users": [app.user_id] if app else [],  # deprecated, still required
            "is_ext_shared_channel": False,
            "event_context": "4-" + secrets.token_urlsafe(24),
        }
        row = {
            "event_id": event_id,
            "event_time": event_time,
            "type": item.event["type"],
            "subscription": subscription(item.event, item.channel),
            "for_app": await _for_app(conn, item, app),
            "payload": envelope,
            # Encoded once: stored as jsonb here, sent as is by the hub.
            "payload_json": json.dumps(envelope),
        }
        cur = await conn.execute(
            """INSERT INTO events (event_id, event_time, type, subscription, for_app, payload)
               VALUES (%s, %s, %s, %s, %s, %s::jsonb) RETURNING seq""",
            (
                event_id,
                event_time,
                row["type"],
                row["subscription"],
                row["for_app"],
                row["payload_json"],
            ),
        )
        got = await cur.fetchone()
        assert got is not None
        row["seq"] = int(got["seq"])
        rows.append(row)
    return rows
