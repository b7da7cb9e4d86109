"""The clone endpoints: sign up, create or join the workspace, provision an app.

These are REST-style (real status codes) rather than Slack's envelope, since
Slack has no public API for them; asymkit's AI seeding drives them. The end of
a token's life is Slack's own method, ``auth.revoke``, also here.
"""

from __future__ import annotations

import secrets
from typing import Any

from . import events
from .methods import Caller, Params, method
from .methods import member_token as stateless_member_token
from .objects import (
    SlackError,
    check_password,
    hash_password,
    hash_token,
    new_token,
    now_seconds,
)
from .store import Conn, next_id, primary_workspace, resolve_token, store_token
from .validation import valid_email, valid_handle
from .web import flag

MIN_PASSWORD = 8


def _text(body: dict[str, Any], name: str, *, required: bool = True, limit: int = 200) -> str:
    value = body.get(name, "")
    if not isinstance(value, str):
        raise SlackError(f"invalid_{name}", 400)
    value = value.strip()
    if (required and not value) or len(value) > limit:
        raise SlackError(f"invalid_{name}", 400)
    return value


async def signup(conn: Conn, body: dict[str, Any]) -> dict[str, Any]:
    email = _text(body, "email").lower()
    if not valid_email(email):
        raise SlackError("invalid_email", 400)
    password = body.get("password")
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise SlackError("invalid_password", 400, detail=f"at least {MIN_PASSWORD} characters")
    real_name = _text(body, "real_name", required=False)
    cur = await conn.execute("SELECT 1 FROM accounts WHERE email = %s", (email,))
    if await cur.fetchone() is not None:
        raise SlackError("email_taken", 409)
    account_id = await next_id(conn, "A")
    await conn.execute(
        """INSERT INTO accounts (id, email, password_hash, real_name, created)
           VALUES (%s, %s, %s, %s, %s)""",
        (account_id, email, hash_password(password), real_name, now_seconds()),
    )
    token = new_token("session")
    await store_token(conn, token, "session", account_id=account_id)
    return {"account": {"id": account_id, "email": email}, "token": token}


async def login(conn: Conn, body: dict[str, Any]) -> dict[str, Any]:
    email = _text(body, "email").lower()
    password = body.get("password")
    cur = await conn.execute("SELECT * FROM accounts WHERE email = %s", (email,))
    account = await cur.fetchone()
    if (
        account is None
        or not isinstance(password, str)
        or not check_password(password, account["password_hash"])
    ):
        raise SlackError("invalid_credentials", 401)
    token = new_token("session")
    await store_token(conn, token, "session", account_id=account["id"])
    return {"account": {"id": account["id"], "email": email}, "token": token}


async def _account(conn: Conn, token: str | None) -> dict[str, Any]:
    row = await resolve_token(conn, token) if token else None
    if row is None or row["kind"] != "session":
        raise SlackError("invalid_auth", 401)
    cur = await conn.execute("SELECT * FROM accounts WHERE id = %s", (row["account_id"],))
    account = await cur.fetchone()
    assert account is not None
    return account


async def _add_member(
    conn: Conn, workspace_id: str, account: dict[str, Any], body: dict[str, Any], *, owner: bool
) -> dict[str, Any]:
    handle = _text(body, "handle", limit=80).lower()
    if not valid_handle(handle):
        raise SlackError("invalid_handle", 400)
    cur = await conn.execute(
        "SELECT account_id FROM users WHERE workspace_id = %s AND (name = %s OR account_id = %s)",
        (workspace_id, handle, account["id"]),
    )
    clash = await cur.fetchone()
    if clash is not None:
        raise SlackError(
            "already_member" if clash["account_id"] == account["id"] else "name_taken", 409
        )
    user_id = await next_id(conn, "U")
    real_name = _text(body, "real_name", required=False) or account["real_name"]
    await conn.execute(
        """INSERT INTO users (id, workspace_id, account_id, name, real_name, display_name,
                              email, title, is_admin, is_owner, created)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
        (
            user_id,
            workspace_id,
            account["id"],
            handle,
            real_name,
            _text(body, "display_name", required=False),
            account["email"],
            _text(body, "title", required=False),
            owner,
            owner,
            now_seconds(),
        ),
    )
    token = new_token("user")
    await store_token(conn, token, "user", workspace_id=workspace_id, user_id=user_id)
    return {"user": {"id": user_id, "name": handle, "team_id": workspace_id}, "token": token}


async def create_workspace(conn: Conn, token: str | None, body: dict[str, Any]) -> dict[str, Any]:
    """Create the clone's workspace, or claim it if provisioning left it without an owner."""
    account = await _account(conn, token)
    name = _text(body, "name", limit=100)
    domain = _text(body, "domain", limit=60).lower()
    if not valid_handle(domain):
        raise SlackError("invalid_domain", 400)
    existing = await primary_workspace(conn)
    if existing is not None and existing["owner_id"] is not None:
        raise SlackError("workspace_exists", 409, team_id=existing["id"])
    if existing is None:
        workspace_id = await next_id(conn, "T")
        await conn.execute(
            "INSERT INTO workspaces (id, name, domain, created) VALUES (%s, %s, %s, %s)",
            (workspace_id, name, domain, now_seconds()),
        )
    else:
        workspace_id = existing["id"]
        await conn.execute(
            "UPDATE workspaces SET name = %s, domain = %s WHERE id = %s",
            (name, domain, workspace_id),
        )
    member = await _add_member(conn, workspace_id, account, body, owner=True)
    await conn.execute(
        "UPDATE workspaces SET owner_id = %s WHERE id = %s", (member["user"]["id"], workspace_id)
    )
    return {"workspace": {"id": workspace_id, "name": name, "domain": domain}, **member}


async def join_workspace(
    conn: Conn, token: str | None, team_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    account = await _account(conn, token)
    cur = await conn.execute("SELECT id FROM workspaces WHERE id = %s", (team_id,))
    if await cur.fetchone() is None:
        raise SlackError("team_not_found", 404)
    return await _add_member(conn, team_id, account, body, owner=False)


async def workspace_info(conn: Conn) -> dict[str, Any]:
    ws = await primary_workspace(conn)
    if ws is None:
        return {"workspace": None}
    return {
        "workspace": {
            "id": ws["id"],
            "name": ws["name"],
            "domain": ws["domain"],
            "owner_id": ws["owner_id"],
        }
    }


async def provision(conn: Conn, body: dict[str, Any]) -> dict[str, Any]:
    """Install an app in the primary workspace: a bot user and a bot + user token.

    Tokens passed in are installed as given (asymkit re-provisions the tokens it
    printed at spin after every reset), otherwise fresh ones are minted.
    """
    tokens = body.get("tokens") or {}
    if not isinstance(tokens, dict):
        raise SlackError("invalid_tokens", 400)
    bot_token = tokens.get("bot") or new_token("bot")
    user_token = tokens.get("user") or new_token("user")
    if not (str(bot_token).startswith("xoxb-") and str(user_token).startswith("xoxp-")):
        raise SlackError("invalid_tokens", 400)
    app_token = body.get("app_token") or tokens.get("app") or new_app_token()
    if not isinstance(app_token, str) or not app_token.startswith("xapp-"):
        raise SlackError("invalid_tokens", 400, detail="app_token must start with 'xapp-'")
    ws = await primary_workspace(conn)
    if ws is None:
        workspace_id = await next_id(conn, "T")
        await conn.execute(
            "INSERT INTO workspaces (id, name, domain, created) VALUES (%s, %s, %s, %s)",
            (workspace_id, "Workspace", "workspace", now_seconds()),
        )
    else:
        workspace_id = ws["id"]
    app_name = _text(body, "app_name", required=False, limit=80) or "asymkit"
    cur = await conn.execute(
        "SELECT * FROM bots WHERE workspace_id = %s AND name = %s", (workspace_id, app_name)
    )
    bot = await cur.fetchone()
    if bot is None:
        user_id = await next_id(conn, "U")
        bot_id = await next_id(conn, "B")
        app_id = await next_id(conn, "A")
        await conn.execute(
            """INSERT INTO users (id, workspace_id, name, real_name, is_bot, created)
               VALUES (%s, %s, %s, %s, true, %s)""",
            (user_id, workspace_id, app_name, app_name, now_seconds()),
        )
        await conn.execute(
            """INSERT INTO bots (id, workspace_id, user_id, app_id, name)
               VALUES (%s, %s, %s, %s, %s)""",
            (bot_id, workspace_id, user_id, app_id, app_name),
        )
    else:
        user_id, bot_id = bot["user_id"], bot["id"]
    await store_token(conn, bot_token, "bot", workspace_id=workspace_id, user_id=user_id)
    await store_token(conn, user_token, "user", workspace_id=workspace_id)
    # The app-level token acts for the bot's app (Socket Mode: apps.connections.open).
    await store_token(conn, app_token, "app", workspace_id=workspace_id, user_id=user_id)
    return {
        "team_id": workspace_id,
        "bot_user_id": user_id,
        "bot_id": bot_id,
        "tokens": {"bot": bot_token, "user": user_token, "app": app_token},
    }


def new_app_token() -> str:
    """An app-level token in Slack's shape: ``xapp-1-A…-digits-hex``."""
    digits = "".join(str(secrets.randbelow(10)) for _ in range(13))
    return f"xapp-1-A{secrets.token_hex(5).upper()}-{digits}-{secrets.token_hex(32)}"


async def member_token(conn: Conn, body: dict[str, Any]) -> dict[str, Any]:
    """A user token acting as a seeded member (``"@maya"`` or ``"U…"``), stable across resets."""
    who = body.get("user")
    if not isinstance(who, str) or not who.strip():
        raise SlackError("user_not_found", 404, detail="pass a member as '@name' or a user id")
    who = who.strip()
    ws = await primary_workspace(conn)
    if ws is None:
        raise SlackError("team_not_found", 404)
    if who.startswith("@"):
        cur = await conn.execute(
            """SELECT id FROM users WHERE workspace_id = %s AND lower(name) = lower(%s)
               AND NOT deleted AND NOT is_bot""",
            (ws["id"], who[1:]),
        )
    else:
        cur = await conn.execute(
            """SELECT id FROM users WHERE workspace_id = %s AND id = %s
               AND NOT deleted AND NOT is_bot""",
            (ws["id"], who),
        )
    row = await cur.fetchone()
    if row is None:
        raise SlackError("user_not_found", 404, detail=f"no member {who} in the workspace")
    return {"token": stateless_member_token(ws["id"], row["id"]), "user": row["id"]}


async def mint_token(conn: Conn, body: dict[str, Any]) -> dict[str, Any]:
    """A new bot or user token of the primary workspace with exactly the scopes given.

    ``{"kind": "bot"|"user", "scopes": ["chat:write", ...]}``; tests use it to
    check ``missing_scope`` (asymkit's ``tokens ID --scopes``).
    """
    kind = body.get("kind", "bot")
    if kind == "user" and "user" in body:
        return await member_token(conn, body)
    scopes = body.get("scopes")
    if kind not in ("bot", "user"):
        raise SlackError("invalid_kind", 400, detail="kind must be 'bot' or 'user'")
    if not isinstance(scopes, list) or not all(
        isinstance(s, str) and s and "," not in s for s in scopes
    ):
        raise SlackError("invalid_scopes", 400, detail="scopes must be a list of scope names")
    ws = await primary_workspace(conn)
    if ws is None:
        raise SlackError("team_not_found", 404)
    user_id = None
    if kind == "bot":
        cur = await conn.execute(
            "SELECT user_id FROM bots WHERE workspace_id = %s ORDER BY id LIMIT 1", (ws["id"],)
        )
        bot = await cur.fetchone()
        if bot is None:
            raise SlackError("no_bot", 409, detail="provision the app first")
        user_id = bot["user_id"]
    token = new_token(kind)
    await store_token(conn, token, kind, workspace_id=ws["id"], user_id=user_id)
    await conn.execute(
        "UPDATE tokens SET scopes = %s WHERE token_hash = %s",
        (",".join(sorted(set(scopes))), hash_token(token)),
    )
    return {"token": token, "kind": kind, "scopes": sorted(set(scopes))}


@method(
    "auth.revoke",
    scope=None,
    tier=3,
    tokens=("bot", "user", "app"),
    args=("test",),
    errors=("not_authed", "invalid_auth"),
)
async def auth_revoke(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Revoke the calling token (``test=true``: only check it); its Socket Mode links close.

    A member token (``clone.user_token``) is derived from the clone's secret,
    not stored, so it cannot be revoked: ``revoked: false`` with a warning.
    """
    if flag(params, "test"):
        return {"revoked": False}
    cur = await conn.execute(
        "DELETE FROM tokens WHERE token_hash = %s RETURNING kind", (caller.token_hash,)
    )
    if await cur.fetchone() is None:
        warning = "member_token_not_revocable"
        return {"revoked": False, "warning": warning, "response_metadata": {"warnings": [warning]}}
    events.token_revoked(caller.token_hash)
    return {"revoked": True}
