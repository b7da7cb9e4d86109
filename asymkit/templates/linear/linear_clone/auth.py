"""API keys and OAuth tokens: how a request says who it acts as.

A member's personal key (``lin_api_...``) is derived from the admin secret and
the member's id, so asymkit can hand it out again after any reset; the clone
stores only its hash and accepts only keys it holds.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets

from . import db
from .db import Conn, Row


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def member_key(user_id: str) -> str:
    """The personal API key of ``user_id`` (40 characters after ``lin_api_``, as Linear's)."""
    secret = os.environ.get("CLONE_ADMIN_SECRET", "")
    mac = hmac.new(secret.encode(), f"member:{user_id}".encode(), hashlib.sha256).hexdigest()
    return "lin_api_" + mac[:40]


def new_oauth_token() -> str:
    return "lin_oauth_" + secrets.token_hex(32)


def credential(header: str | None) -> str | None:
    """The key or token an ``Authorization`` header carries (``Bearer`` optional)."""
    if not header:
        return None
    value = header.strip()
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    return value or None


async def viewer(conn: Conn, key: str) -> Row | None:
    """The active member a key acts as, with ``key_kind`` (``api_key`` or ``oauth``: the
    call log says ``bot`` for the latter); ``None`` for an unknown key."""
    return await db.row(
        conn,
        """SELECT u.*, k.kind AS key_kind FROM api_keys k JOIN users u ON u.id = k.user_id
           WHERE k.key_hash = %s AND u.active""",
        (hash_key(key),),
    )


async def store(conn: Conn, key: str, user_id: str, kind: str) -> None:
    """Hold ``key`` for ``user_id``; a key already held as given writes nothing (no change
    for reset or diff to see when asymkit hands out a member's key again)."""
    await db.rows(
        conn,
        """INSERT INTO api_keys (key_hash, user_id, kind) VALUES (%s, %s, %s)
           ON CONFLICT (key_hash) DO UPDATE SET user_id = EXCLUDED.user_id, kind = EXCLUDED.kind
           WHERE (api_keys.user_id, api_keys.kind) <> (EXCLUDED.user_id, EXCLUDED.kind)""",
        (hash_key(key), user_id, kind),
    )
