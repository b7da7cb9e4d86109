"""The core Web API methods (api, auth, team, bots, users) and the helpers every method shares.

Conversations live in ``conversations.py``, chat in ``chat.py``, the satellite
features (reactions, pins, files, search...) under ``features/``; they all
register in one table, ``methods.METHODS``.
"""

# long module: the core methods plus the helpers every method module imports.

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from . import arguments
from .methods import (
    MESSAGE_HOOKS,
    METHODS,
    Caller,
    Conn,
    Params,
    authenticate,
    method,
)
from .objects import (
    SlackError,
    channel_object,
    decode_cursor,
    encode_cursor,
    format_ts,
    message_object,
    now_seconds,
    parse_ts,
    profile_object,
    user_object,
)
from .store import next_id

__all__ = [
    "IS_CHANNEL",
    "IS_MEMBER",
    "MEMBER_IF_BOT",
    "MEMBER_WRITABLE",
    "METHODS",
    "NOT_ARCHIVED",
    "READABLE",
    "VISIBLE",
    "WRITABLE",
    "Caller",
    "Conn",
    "Params",
    "Rule",
    "Rules",
    "authenticate",
    "channel_object",
    "check",
    "conversation",
    "cursor_key",
    "flag",
    "limit_param",
    "message_object",
    "method",
    "next_id",
    "page",
    "required",
    "split_page",
    "user_row",
]

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
OPEN = "channels:manage,groups:write,im:write,mpim:write"
PAGING = ("cursor", "limit")
LOCALE = "en-US"  # every clone user's locale (include_locale=true)


# --- argument helpers -------------------------------------------------------------


def limit_param(params: Params, default: int, maximum: int) -> int:
    """``limit`` as Slack reads it: absent or 0 means the default, capped at ``maximum``."""
    raw = (params.get("limit") or "").strip()
    if not raw:
        return default
    try:
        limit = int(raw)
    except ValueError:
        raise SlackError("invalid_limit") from None
    if limit < 0:
        raise SlackError("invalid_limit")
    return min(limit, maximum) if limit else default


def flag(params: Params, name: str, default: bool = False) -> bool:
    raw = params.get(name, "").strip().lower()
    if not raw:
        return default
    return raw in ("1", "true", "yes", "on")


def required(params: Params, name: str, error: str) -> str:
    value = params.get(name, "").strip()
    if not value:
        raise SlackError(error)
    return value


def cursor_key(params: Params, kind: str) -> str | None:
    """The key a ``cursor`` argument resumes after (``invalid_cursor`` if garbled)."""
    raw = params.get("cursor", "").strip()
    return decode_cursor(raw, kind) if raw else None


def split_page(rows: list[T], limit: int) -> tuple[list[T], bool]:
    """Queries fetch ``limit + 1`` rows: the extra one only says there is more."""
    return rows[:limit], len(rows) > limit


def page(next_key: str | None, kind: str) -> dict[str, Any]:
    """``response_metadata``: ``next_cursor`` is ``""`` on the last page."""
    return {"next_cursor": encode_cursor(kind, next_key) if next_key else ""}


def json_array(params: Params, name: str, error: str) -> list[Any] | None:
    """A JSON array argument (``blocks``, ``attachments``); Slack's ``error`` otherwise
    (also for what no JSON argument may hold: see :func:`arguments.loads`)."""
    raw = params.get(name)
    if raw is None or not raw.strip():
        return None
    try:
        value = arguments.loads(raw)
    except ValueError:
        raise SlackError(error) from None
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise SlackError(error)
    return value


# Old private names, kept for modules written against them.
_limit, _flag, _required, _split_page, _page = limit_param, flag, required, split_page, page


# --- lookups ----------------------------------------------------------------------


async def conversation(
    conn: Conn, caller: Caller, ref: str, *, names: bool = False
) -> dict[str, Any]:
    """A conversation the caller may see, by id (or by ``name``/``#name`` when ``names``:
    only the methods Slack documents as taking one), with ``is_member`` (and ``has_due``:
    scheduled messages are waiting to be posted in it).

    Private channels, DMs and group DMs exist only for their members
    (``channel_not_found`` for everyone else), as in Slack.
    """
    # Names are stored NFKC-normalised (objects.channel_name): look them up the same way.
    name = unicodedata.normalize("NFKC", ref.removeprefix("#")) if names else None
    cur = await conn.execute(
        """SELECT c.*, m.user_id IS NOT NULL AS is_member, m.last_read,
                  COALESCE(NOT m.closed, true) AS is_open,
                  EXISTS (SELECT 1 FROM scheduled_messages s
                          WHERE s.channel_id = c.id AND s.post_at <= %s) AS has_due
           FROM channels c
           LEFT JOIN channel_members m ON m.channel_id = c.id AND m.user_id = %s
           WHERE c.workspace_id = %s
             AND (c.id = %s OR (c.name = %s::text AND c.kind IS NULL))""",
        (now_seconds(), caller.user_id, caller.team_id, ref, name),
    )
    row = await cur.fetchone()
    if row is None or (row["is_private"] and not row["is_member"]):
        raise SlackError("channel_not_found")
    if row["kind"] == "im":
        row["other_user"] = row["im_user"] if row["creator"] == caller.user_id else row["creator"]
    return row


_channel = conversation


@attrs.frozen
class Rule:
    """A condition on a conversation, and the error Slack answers when it does not hold."""

    holds: Callable[[Caller, dict[str, Any]], bool]
    error: str


IS_CHANNEL = Rule(lambda _, row: row["kind"] is None, "method_not_supported_for_channel_type")
IS_MEMBER = Rule(lambda _, row: bool(row["is_member"]), "not_in_channel")
NOT_ARCHIVED = Rule(lambda _, row: not row["is_archived"], "is_archived")
# Bots read and write only where they are members; people may read public channels.
MEMBER_IF_BOT = Rule(
    lambda caller, row: not caller.is_bot or bool(row["is_member"]), "not_in_channel"
)


def check(caller: Caller, row: dict[str, Any], *rules: Rule) -> None:
    """Raise the error of the first of ``rules`` that does not hold for ``row``."""
    for rule in rules:
        if not rule.holds(caller, row):
            raise SlackError(rule.error)


@attrs.frozen(init=False)
class Rules:
    """What a method asks of its conversation argument: rules checked in order.

    One declaration serves the handler and the method table: the handler finds
    its conversation with ``await WRITABLE.arg(conn, caller, params)`` and its
    ``@method`` lists what that may answer with ``errors=(*WRITABLE.errors, ...)``,
    so that no error code is typed twice.
    """

    rules: tuple[Rule, ...]
    # ``channel_not_found`` first (the lookup), then each rule's error in the order
    # checked; an error two rules share is listed once.
    errors: tuple[str, ...]

    def __init__(self, *rules: Rule) -> None:
        errors = tuple(dict.fromkeys(("channel_not_found", *(r.error for r in rules))))
        self.__attrs_init__(rules, errors)

    def check(self, caller: Caller, row: dict[str, Any]) -> None:
        """Raise the error of the first rule that does not hold for ``row``."""
        check(caller, row, *self.rules)

    async def find(self, conn: Conn, caller: Caller, ref: str) -> dict[str, Any]:
        """The conversation the id ``ref`` names, if it meets the rules."""
        row = await conversation(conn, caller, ref.strip())
        self.check(caller, row)
        return row

    async def arg(
        self, conn: Conn, caller: Caller, params: Params, name: str = "channel"
    ) -> dict[str, Any]:
        """The conversation the argument ``name`` names (``channel_not_found`` when absent),
        if it meets the rules: the preamble most methods share."""
        return await self.find(conn, caller, required(params, name, "channel_not_found"))


# The rule sets several families share.
VISIBLE = Rules()  # any conversation the caller may see
READABLE = Rules(MEMBER_IF_BOT)  # ...a bot only where it is a member
WRITABLE = Rules(MEMBER_IF_BOT, NOT_ARCHIVED)  # ...and not archived
MEMBER_WRITABLE = Rules(IS_MEMBER, NOT_ARCHIVED)  # the caller's own conversation, not archived


async def user_row(conn: Conn, caller: Caller, user_id: str) -> dict[str, Any]:
    """A user of the caller's workspace (``user_not_found`` otherwise)."""
    cur = await conn.execute(
        """SELECT u.*, (w.owner_id = u.id) AS is_primary_owner, b.id AS bot_id
           FROM users u JOIN workspaces w ON w.id = u.workspace_id
           LEFT JOIN bots b ON b.user_id = u.id
           WHERE u.id = %s AND u.workspace_id = %s""",
        (user_id, caller.team_id),
    )
    row = await cur.fetchone()
    if row is None:
        raise SlackError("user_not_found")
    return row


_user = user_row


async def decorate(
    conn: Conn, caller: Caller, channel_id: str, messages: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Let feature modules add their fields (reactions, files...) to these messages."""
    for hook in MESSAGE_HOOKS:
        await hook(conn, caller, channel_id, messages)
    return messages


async def next_ts(conn: Conn, channel_id: str) -> str:
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


# --- api, auth, team, bots ---------------------------------------------------------


@method("api.test", scope=None, tier=4, auth=False, args=("error",), errors=("<error>",))
async def api_test(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Echo the arguments; ``error=X`` answers error X, as Slack does."""
    args = {k: v for k, v in params.items() if k != "token"}
    if params.get("error"):
        raise SlackError(params["error"], args=args)
    return {"args": args} if args else {}


@method("auth.test", scope=None, tier="special", errors=("not_authed", "invalid_auth"))
async def auth_test(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Who the token belongs to: team, user and (for a bot token) bot id."""
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


@method("team.info", scope="team:read", tier=3, args=("team",), errors=("team_not_found",))
async def team_info(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """The workspace: id, name, domain, icon."""
    team = params.get("team", "").strip()
    if team and team != caller.team_id:
        raise SlackError("team_not_found")
    return {
        "team": {
            "id": caller.team_id,
            "name": caller.team_name,
            "url": f"https://{caller.team_domain}.slack.com/",
            "domain": caller.team_domain,
            "email_domain": "",
            "is_verified": False,
            "icon": {"image_default": True},
            "avatar_base_url": "https://ca.slack-edge.com/",
        }
    }


@method("bots.info", scope="users:read", tier=3, args=("bot",), errors=("bot_not_found",))
async def bots_info(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """A bot of the workspace: name, app id, bot user id (the caller's bot by default)."""
    bot_id = params.get("bot", "").strip() or caller.bot_id
    cur = await conn.execute(
        "SELECT * FROM bots WHERE id = %s AND workspace_id = %s", (bot_id, caller.team_id)
    )
    row = await cur.fetchone()
    if row is None:
        raise SlackError("bot_not_found")
    return {
        "bot": {
            "id": row["id"],
            "deleted": False,
            "name": row["name"],
            "updated": 0,
            "app_id": row["app_id"],
            "user_id": row["user_id"],
            "icons": {
                "image_36": "https://a.slack-edge.com/80588/img/plugins/app/bot_36.png",
                "image_48": "https://a.slack-edge.com/80588/img/plugins/app/bot_48.png",
                "image_72": "https://a.slack-edge.com/80588/img/plugins/app/service_72.png",
            },
        }
    }


# --- users -------------------------------------------------------------------------

_USERS = """SELECT u.*, (w.owner_id = u.id) AS is_primary_owner, b.id AS bot_id
            FROM users u JOIN workspaces w ON w.id = u.workspace_id
            LEFT JOIN bots b ON b.user_id = u.id"""


@method(
    "users.list",
    scope="users:read",
    tier=2,
    args=("include_locale", *PAGING),
    errors=("invalid_cursor", "invalid_limit"),
)
async def users_list(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Every user of the workspace, bots included, in pages."""
    limit = limit_param(params, 200, 1000)
    after = cursor_key(params, "user") or ""
    cur = await conn.execute(
        _USERS + " WHERE u.workspace_id = %s AND u.id > %s ORDER BY u.id LIMIT %s",
        (caller.team_id, after, limit + 1),
    )
    rows, more = split_page(await cur.fetchall(), limit)
    locale = {"locale": LOCALE} if flag(params, "include_locale") else {}
    return {
        "members": [{**user_object(r, caller.team_id), **locale} for r in rows],
        "cache_ts": now_seconds(),
        "response_metadata": page(rows[-1]["id"] if more else None, "user"),
    }


@method(
    "users.info",
    scope="users:read",
    tier=4,
    args=("user", "include_locale"),
    errors=("user_not_found",),
)
async def users_info(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """One user, with profile and time zone."""
    user_id = required(params, "user", "user_not_found")
    user = user_object(await user_row(conn, caller, user_id), caller.team_id)
    if flag(params, "include_locale"):
        user["locale"] = LOCALE
    return {"user": user}


@method(
    "users.lookupByEmail",
    scope="users:read.email",
    tier=3,
    args=("email",),
    errors=("users_not_found",),
)
async def users_lookup_by_email(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """The user with this email address."""
    email = required(params, "email", "users_not_found")
    cur = await conn.execute(
        "SELECT id FROM users WHERE workspace_id = %s AND lower(email) = lower(%s)",
        (caller.team_id, email),
    )
    row = await cur.fetchone()
    if row is None:
        raise SlackError("users_not_found")
    return {"user": user_object(await user_row(conn, caller, row["id"]), caller.team_id)}


@method("users.getPresence", scope="users:read", tier=3, args=("user",), errors=("user_not_found",))
async def users_get_presence(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """``active`` or ``away`` (set with users.setPresence); details for the caller only."""
    user_id = params.get("user", "").strip() or caller.user_id
    row = await user_row(conn, caller, user_id)
    away = row["presence"] == "away"
    result: dict[str, Any] = {"presence": "away" if away else "active"}
    if user_id == caller.user_id:
        result.update(
            online=not away,
            auto_away=False,
            manual_away=away,
            connection_count=0 if away else 1,
            last_activity=now_seconds(),
        )
    return result


@method(
    "users.setPresence",
    scope="users:write",
    tier=2,
    args=("presence",),
    errors=("invalid_presence",),
)
async def users_set_presence(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """``auto`` or ``away``: what users.getPresence reports for the caller."""
    presence = params.get("presence", "").strip()
    if presence not in ("auto", "away"):
        raise SlackError("invalid_presence")
    await conn.execute(
        "UPDATE users SET presence = %s WHERE id = %s",
        (None if presence == "auto" else "away", caller.user_id),
    )
    return {}


@method(
    "users.profile.get",
    scope="users.profile:read",
    tier=4,
    args=("user", "include_labels"),
    errors=("user_not_found",),
)
async def users_profile_get(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """A user's profile (the caller's by default)."""
    user_id = params.get("user", "").strip() or caller.user_id
    return {"profile": profile_object(await user_row(conn, caller, user_id), caller.team_id)}


# Profile fields users.profile.set changes, with Slack's length limits.
_PROFILE_FIELDS = {
    "real_name": 100,
    "display_name": 80,
    "title": 200,
    "phone": 50,
    "pronouns": 50,
    "status_text": 100,
    "status_emoji": 100,
    "first_name": 50,
    "last_name": 50,
    "email": 254,
    "status_expiration": 20,
}


@method(
    "users.profile.set",
    scope="users.profile:write",
    tier=3,
    tokens=("user",),
    args=("profile", "name", "value", "user"),
    errors=("invalid_profile", "too_long", "not_admin", "cannot_update_admin_user"),
)
async def users_profile_set(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Change profile fields (``profile`` JSON, or one ``name``/``value``)."""
    changes: dict[str, Any]
    if params.get("profile", "").strip():
        try:
            changes = arguments.loads(params["profile"])
        except ValueError:
            raise SlackError("invalid_profile") from None
        if not isinstance(changes, dict):
            raise SlackError("invalid_profile")
    elif params.get("name", "").strip():
        changes = {params["name"].strip(): params.get("value", "")}
    else:
        raise SlackError("invalid_profile")
    user_id = params.get("user", "").strip() or caller.user_id
    if user_id != caller.user_id and not caller.is_admin:
        raise SlackError("not_admin")
    row = await user_row(conn, caller, user_id)
    if row["is_owner"] and user_id != caller.user_id:
        raise SlackError("cannot_update_admin_user")
    updates: dict[str, Any] = {}
    for key, value in changes.items():
        if key not in _PROFILE_FIELDS:
            continue  # Slack ignores fields it does not know (custom fields are not cloned)
        if key == "status_expiration":
            try:
                updates[key] = int(value or 0)
            except (TypeError, ValueError):
                raise SlackError("invalid_profile") from None
            continue
        if not isinstance(value, str):
            raise SlackError("invalid_profile")
        if len(value) > _PROFILE_FIELDS[key]:
            raise SlackError("too_long")
        updates[key] = value.strip()
    if "email" in updates and not caller.is_admin:
        raise SlackError("not_admin")
    first = updates.pop("first_name", None)
    last = updates.pop("last_name", None)
    if (first is not None or last is not None) and "real_name" not in updates:
        real = row["real_name"] or row["name"]
        first = real.split(" ")[0] if first is None else first
        last = " ".join(real.split(" ")[1:]) if last is None else last
        updates["real_name"] = f"{first} {last}".strip()
    if updates:
        sets = ", ".join(f"{k} = %({k})s" for k in updates)
        await conn.execute(f"UPDATE users SET {sets} WHERE id = %(id)s", {**updates, "id": user_id})
    row = await user_row(conn, caller, user_id)
    return {"profile": profile_object(row, caller.team_id), "username": row["name"]}
