"""Slack-shaped ids, timestamps, validation and the JSON objects Slack returns."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from typing import Any

# A multiplicative permutation of the id sequence: ids look like Slack's
# (U04KX7Q2M9A) yet stay deterministic for the same calls in the same order.
# Generated ids use only 0-9 and A-F after the prefix, so hand-written
# fixture ids with any other letter never collide with them.
_PRIME = 4_294_967_291
_MULT = 2_654_435_761

MAX_MESSAGE_CHARS = 40_000
MAX_CHANNEL_NAME = 80
_CHANNEL_NAME = re.compile(r"^[a-z0-9][a-z0-9._\-\u00c0-\uffff]*$")
_HANDLE = re.compile(r"^[a-z0-9][a-z0-9._\-]{0,79}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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


def parse_ts(ts: str) -> int:
    seconds, _, frac = ts.partition(".")
    if not seconds.isdigit() or not frac.isdigit() or len(frac) != 6:
        raise ValueError(ts)
    return int(seconds) * 1_000_000 + int(frac)


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


def channel_name_error(name: str) -> str | None:
    """Slack's rules for a channel name, as the error code it answers with."""
    if not name:
        return "invalid_name_required"
    if len(name) > MAX_CHANNEL_NAME:
        return "invalid_name_maxlength"
    if name != name.lower() or " " in name:
        return "invalid_name_specials"
    if not _CHANNEL_NAME.match(name):
        return "invalid_name_specials"
    return None


def valid_handle(handle: str) -> bool:
    return bool(_HANDLE.match(handle))


def valid_email(email: str) -> bool:
    return bool(_EMAIL.match(email)) and len(email) <= 254


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


def user_object(row: dict[str, Any], team_id: str) -> dict[str, Any]:
    real = row["real_name"] or row["name"]
    display = row["display_name"]
    return {
        "id": row["id"],
        "team_id": team_id,
        "name": row["name"],
        "deleted": row["deleted"],
        "color": hashlib.md5(row["id"].encode()).hexdigest()[:6],
        "real_name": real,
        "tz": row["tz"],
        "tz_label": "Pacific Standard Time",
        "tz_offset": -28800,
        "profile": {
            "title": row["title"],
            "phone": "",
            "skype": "",
            "real_name": real,
            "real_name_normalized": real,
            "display_name": display,
            "display_name_normalized": display,
            "email": row["email"],
            "first_name": real.split(" ")[0],
            "last_name": " ".join(real.split(" ")[1:]),
            "team": team_id,
        },
        "is_admin": row["is_admin"],
        "is_owner": row["is_owner"],
        "is_primary_owner": row.get("is_primary_owner", False),
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": row["is_bot"],
        "is_app_user": False,
        "updated": row["created"],
    }


def channel_object(row: dict[str, Any], *, is_member: bool | None = None) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "id": row["id"],
        "name": row["name"],
        "is_channel": not row["is_private"],
        "is_group": row["is_private"],
        "is_im": False,
        "is_mpim": False,
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
        "previous_names": [],
    }
    if is_member is not None:
        obj["is_member"] = is_member
    if "num_members" in row:
        obj["num_members"] = row["num_members"]
    return obj


def message_object(row: dict[str, Any], team_id: str) -> dict[str, Any]:
    msg: dict[str, Any] = {
        "type": "message",
        "user": row["user_id"],
        "text": row["text"],
        "ts": row["ts"],
        "team": team_id,
    }
    if row.get("bot_id"):
        msg["bot_id"] = row["bot_id"]
    if row["thread_ts"]:
        msg["thread_ts"] = row["thread_ts"]
        if row["thread_ts"] != row["ts"]:
            msg["parent_user_id"] = row.get("parent_user_id")
    if row.get("reply_count"):
        msg["thread_ts"] = row["ts"]
        msg["reply_count"] = row["reply_count"]
        msg["reply_users_count"] = len(row["reply_users"])
        msg["reply_users"] = row["reply_users"]
        msg["latest_reply"] = row["latest_reply"]
        msg["is_locked"] = False
        msg["subscribed"] = False
    return msg
