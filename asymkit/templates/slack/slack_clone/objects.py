"""Slack-shaped ids, timestamps, validation and the JSON objects Slack returns."""

from __future__ import annotations

import base64
import datetime
import hashlib
import secrets
import time
import zoneinfo
from typing import Any

# A multiplicative permutation of the id sequence: ids look like Slack's
# (U04KX7Q2M9A) yet stay deterministic for the same calls in the same order.
# Generated ids use only 0-9 and A-F after the prefix, so hand-written
# fixture ids with any other letter never collide with them.
_PRIME = 4_294_967_291
_MULT = 2_654_435_761

MAX_MESSAGE_CHARS = 40_000


class SlackError(Exception):
    """A Web API failure: becomes ``{"ok": false, "error": code}``."""

    def __init__(self, code: str, status: int = 200, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.extra = extra


def make_id(prefix: str, n: int) -> str:
    return f"{prefix}{(n * _MULT) % _PRIME:08X}{n % 16:X}"


def now_seconds() -> int:
    return int(time.time())


def format_ts(micros: int) -> str:
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def parse_ts(ts: str | int | float) -> int:
    """Microseconds from a Slack ts: ``"1700000000.000100"``, ``"1700000000.1"``,
    ``"1700000000"`` or a number, as Slack and its clients send them."""
    text = repr(ts) if isinstance(ts, float) else str(ts)
    text = text.strip()
    seconds, dot, frac = text.partition(".")
    if not seconds.isdigit() or (dot and not frac.isdigit()) or len(seconds) > 12:
        raise ValueError(ts)
    return int(seconds) * 1_000_000 + int((frac + "000000")[:6])


def ts_param(params: dict[str, str], name: str, error: str) -> str:
    """A ts argument in the six-digit form, or Slack's ``error`` when absent or malformed."""
    raw = params.get(name, "").strip()
    try:
        return format_ts(parse_ts(raw))
    except ValueError:
        raise SlackError(error) from None


def new_token(kind: str) -> str:
    """A token in Slack's shape: ``xoxb-``/``xoxp-``/``xoxc-`` and random parts."""
    prefix = {"bot": "xoxb", "user": "xoxp", "session": "xoxc"}[kind]
    digits = "".join(str(secrets.randbelow(10)) for _ in range(13))
    return f"{prefix}-{digits[:13]}-{secrets.token_hex(6)}-{secrets.token_urlsafe(18)}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**12, r=8, p=1)
    return f"scrypt$4096$8$1${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    _, n, r, p, salt, digest = stored.split("$")
    got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    return secrets.compare_digest(got.hex(), digest)


def encode_cursor(kind: str, key: str) -> str:
    return base64.b64encode(f"{kind}:{key}".encode()).decode()


def decode_cursor(cursor: str, kind: str) -> str:
    try:
        got_kind, _, key = base64.b64decode(cursor, validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        raise SlackError("invalid_cursor") from None
    if got_kind != kind or not key:
        raise SlackError("invalid_cursor")
    return key


_TZ_NAMES = {
    "PST": "Pacific Standard Time",
    "PDT": "Pacific Daylight Time",
    "MST": "Mountain Standard Time",
    "MDT": "Mountain Daylight Time",
    "CST": "Central Standard Time",
    "CDT": "Central Daylight Time",
    "EST": "Eastern Standard Time",
    "EDT": "Eastern Daylight Time",
    "GMT": "Greenwich Mean Time",
    "BST": "British Summer Time",
    "CET": "Central European Time",
    "CEST": "Central European Summer Time",
    "IST": "India Standard Time",
    "JST": "Japan Standard Time",
    "UTC": "Coordinated Universal Time",
}


def tz_fields(tz: str) -> dict[str, Any]:
    """Slack's ``tz``, ``tz_label`` and ``tz_offset`` (seconds east of UTC, now)."""
    try:
        zone: datetime.tzinfo = zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz, zone = "UTC", datetime.timezone.utc
    now = datetime.datetime.now(zone)
    offset = now.utcoffset() or datetime.timedelta(0)
    abbrev = now.tzname() or "UTC"
    return {
        "tz": tz,
        "tz_label": _TZ_NAMES.get(abbrev, abbrev),
        "tz_offset": int(offset.total_seconds()),
    }


def _avatar(user_id: str, size: int) -> str:
    color = hashlib.md5(user_id.encode()).hexdigest()[:6]
    return f"https://secure.gravatar.com/avatar/{color}.jpg?s={size}&d=identicon"


def profile_object(row: dict[str, Any], team_id: str) -> dict[str, Any]:
    """A user's ``profile`` as ``users.info`` and ``users.profile.get`` return it."""
    real = row["real_name"] or row["name"]
    display = row["display_name"]
    profile: dict[str, Any] = {
        "title": row["title"],
        "phone": row.get("phone") or "",
        "skype": "",
        "real_name": real,
        "real_name_normalized": real,
        "display_name": display,
        "display_name_normalized": display,
        "fields": {},
        "status_text": row.get("status_text") or "",
        "status_emoji": row.get("status_emoji") or "",
        "status_emoji_display_info": [],
        "status_expiration": row.get("status_expiration") or 0,
        "avatar_hash": hashlib.md5(row["id"].encode()).hexdigest()[:12],
        "pronouns": row.get("pronouns") or "",
        "email": row["email"],
        "first_name": real.split(" ")[0],
        "last_name": " ".join(real.split(" ")[1:]),
        "team": team_id,
    }
    for size in (24, 32, 48, 72, 192, 512):
        profile[f"image_{size}"] = _avatar(row["id"], size)
    if row["is_bot"] and row.get("bot_id"):
        profile["bot_id"] = row["bot_id"]
    return profile


def user_object(row: dict[str, Any], team_id: str) -> dict[str, Any]:
    real = row["real_name"] or row["name"]
    return {
        "id": row["id"],
        "team_id": team_id,
        "name": row["name"],
        "deleted": row["deleted"],
        "color": hashlib.md5(row["id"].encode()).hexdigest()[:6],
        "real_name": real,
        **tz_fields(row["tz"]),
        "profile": profile_object(row, team_id),
        "is_admin": row["is_admin"],
        "is_owner": row["is_owner"],
        "is_primary_owner": row.get("is_primary_owner", False),
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": row["is_bot"],
        "is_app_user": False,
        "updated": row["created"],
        "is_email_confirmed": not row["is_bot"],
        "has_2fa": False,
        "who_can_share_contact_card": "EVERYONE",
    }


def channel_type(row: dict[str, Any]) -> str:
    """``channel``, ``group`` (private), ``im`` or ``mpim``: Slack's conversation types
    (the ``channel_type`` of message events, search results and file shares)."""
    kind = row.get("kind")
    if kind in ("im", "mpim"):
        return str(kind)
    return "group" if row["is_private"] else "channel"


def channel_object(row: dict[str, Any], *, is_member: bool | None = None) -> dict[str, Any]:
    """A conversation as Slack returns it: a channel, a DM (``is_im``) or a group DM."""
    kind = row.get("kind")
    if kind == "im":
        im: dict[str, Any] = {
            "id": row["id"],
            "created": row["created"],
            "is_archived": False,
            "is_im": True,
            "is_org_shared": False,
            "context_team_id": row["workspace_id"],
            "updated": row["created"] * 1000,
            "user": row.get("other_user") or row["im_user"],
            "is_user_deleted": False,
            "priority": 0,
        }
        if "is_open" in row:
            im["is_open"] = row["is_open"]
        if "last_read" in row:
            im["last_read"] = row["last_read"] or "0000000000.000000"
        return im
    obj: dict[str, Any] = {
        "id": row["id"],
        "name": row["name"],
        "is_channel": not row["is_private"],
        "is_group": row["is_private"] and kind != "mpim",
        "is_im": False,
        "is_mpim": kind == "mpim",
        "is_private": row["is_private"],
        "created": row["created"],
        "is_archived": row["is_archived"],
        "is_general": row["is_general"],
        "unlinked": 0,
        "name_normalized": row["name"],
        "is_shared": False,
        "is_org_shared": False,
        "is_ext_shared": False,
        "is_pending_ext_shared": False,
        "pending_shared": [],
        "context_team_id": row["workspace_id"],
        "updated": row["created"] * 1000,
        "creator": row["creator"],
        "topic": {
            "value": row["topic"],
            "creator": row["topic_creator"],
            "last_set": row["topic_last_set"],
        },
        "purpose": {
            "value": row["purpose"],
            "creator": row["purpose_creator"],
            "last_set": row["purpose_last_set"],
        },
        "previous_names": list(row.get("previous_names") or []),
    }
    if is_member is not None:
        obj["is_member"] = is_member
    if "num_members" in row:
        obj["num_members"] = row["num_members"]
    if "last_read" in row:
        obj["last_read"] = row["last_read"] or "0000000000.000000"
    return obj


TOMBSTONE_TEXT = "This message was deleted."


def permalink(domain: str, channel_id: str, ts: str, thread_ts: str | None = None) -> str:
    """A message's permalink in Slack's form (``…/archives/C…/p1700000000000100``)."""
    link = f"https://{domain}.slack.com/archives/{channel_id}/p{ts.replace('.', '')}"
    if thread_ts and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel_id}"
    return link


def message_object(row: dict[str, Any], team_id: str) -> dict[str, Any]:
    """A message as history, replies and chat.* return it."""
    msg: dict[str, Any] = {
        "type": "message",
        "user": row["user_id"],
        "text": row["text"],
        "ts": row["ts"],
        "team": team_id,
    }
    if row.get("subtype"):
        msg["subtype"] = row["subtype"]
        if row.get("inviter"):  # channel_join of an invited member
            msg["inviter"] = row["inviter"]
        if row["subtype"] == "tombstone":
            msg["hidden"] = True
            msg["user"] = "USLACKBOT"
    if row.get("bot_id"):
        msg["bot_id"] = row["bot_id"]
    if row.get("username"):
        msg["username"] = row["username"]
    icons = {k: row[f"icon_{k}"] for k in ("emoji", "url") if row.get(f"icon_{k}")}
    if icons:
        msg["icons"] = icons
    if row.get("blocks") is not None:
        msg["blocks"] = row["blocks"]
    if row.get("attachments") is not None:
        msg["attachments"] = row["attachments"]
    if row.get("metadata") is not None:
        msg["metadata"] = row["metadata"]
    if row.get("edited_ts"):
        msg["edited"] = {"user": row["edited_by"], "ts": row["edited_ts"]}
    if row["thread_ts"]:
        msg["thread_ts"] = row["thread_ts"]
        if row["thread_ts"] != row["ts"]:
            msg["parent_user_id"] = row.get("parent_user_id")
    if row.get("reply_broadcast"):
        msg["subtype"] = "thread_broadcast"
        msg["reply_broadcast"] = True
    if row.get("reply_count"):
        msg["thread_ts"] = row["ts"]
        msg["reply_count"] = row["reply_count"]
        msg["reply_users_count"] = len(row["reply_users"])
        msg["reply_users"] = row["reply_users"]
        msg["latest_reply"] = row["latest_reply"]
        msg["is_locked"] = False
        msg["subscribed"] = False
    return msg
