"""The clone endpoints asymkit calls (admin secret only): health, provision, member keys,
drain, and the SQL statement count tests read."""

from __future__ import annotations

import functools
import json
import os
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from . import auth, db
from .errors import InvalidInput, LinearError

Endpoint = Callable[[Request], Awaitable[Response]]
MAX_BODY = 100_000


def _admin_ok(request: Request) -> bool:
    secret = os.environ.get("CLONE_ADMIN_SECRET", "")
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    return bool(secret) and secrets.compare_digest(given, secret)


def rest_error(error: str, status: int, detail: str = "") -> JSONResponse:
    # A 503 (no working database connection yet, e.g. just after a rebuild swapped the
    # database) did nothing: asymkit calls again, as Retry-After asks.
    headers = {"Retry-After": "1"} if status == 503 else None
    return JSONResponse(
        {"ok": False, "error": error, "detail": detail}, status_code=status, headers=headers
    )


def guarded(endpoint: Endpoint) -> Endpoint:
    """A lost database connection answers 503 (the pool replaces it) instead of 500."""

    @functools.wraps(endpoint)
    async def guarded(request: Request) -> Response:
        try:
            return await endpoint(request)
        except (psycopg.OperationalError, TimeoutError):
            return rest_error("database_unavailable", 503)

    return guarded


async def _admin_json(request: Request) -> dict[str, Any]:
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        raise InvalidInput("invalid_json")
    try:
        data = json.loads(await request.body() or b"{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise InvalidInput("invalid_json")
    return data


async def _owner(conn: db.Conn) -> db.Row:
    """The workspace's owner (made, with the workspace, when the clone is empty)."""
    owner = await db.row(
        conn,
        """SELECT * FROM users WHERE active ORDER BY owner DESC, admin DESC, created_at, id
           LIMIT 1""",
    )
    if owner is not None:
        return owner
    org = await db.row(conn, "SELECT id FROM organizations LIMIT 1")
    if org is None:
        org = {"id": "00000000-0000-4000-8000-00000000a001"}
        await db.rows(
            conn,
            "INSERT INTO organizations (id, name, url_key) VALUES (%s, 'Workspace', 'workspace')",
            (org["id"],),
        )
    await db.rows(
        conn,
        """INSERT INTO users (id, organization_id, name, display_name, email, admin, owner)
           VALUES ('00000000-0000-4000-8000-00000000a002', %s, 'Admin', 'admin',
                   'admin@workspace.test', true, true)""",
        (org["id"],),
    )
    return await _owner(conn)


async def provision(request: Request) -> Response:
    """Install a key for every member, the owner's as ``user`` and an OAuth token as ``bot``.

    Keys passed in are installed as given (asymkit re-sends the ones it printed
    at spin after every rebuild); otherwise they are made here.
    """
    if not _admin_ok(request):
        return rest_error("not_authorized", 401)
    try:
        body = await _admin_json(request)
    except LinearError:
        return rest_error("invalid_json", 400)
    given = body.get("tokens") or {}
    if not isinstance(given, dict):
        return rest_error("invalid_tokens", 400)
    async with request.app.state.pool.connection() as conn:
        owner = await _owner(conn)
        members = await db.rows(conn, "SELECT id, display_name FROM users WHERE active ORDER BY id")
        keys = {}
        for member in members:
            key = auth.member_key(member["id"])
            await auth.store(conn, key, member["id"], "api_key")
            keys[f"@{member['display_name']}"] = key
        user_key = str(given.get("user") or auth.member_key(owner["id"]))
        bot = str(given.get("bot") or auth.new_oauth_token())
        if not user_key.startswith("lin_api_") or not bot.startswith("lin_oauth_"):
            return rest_error("invalid_tokens", 400, "user must be lin_api_..., bot lin_oauth_...")
        await auth.store(conn, user_key, owner["id"], "api_key")
        await auth.store(conn, bot, owner["id"], "oauth")
    return JSONResponse({"ok": True, "tokens": {"user": user_key, "bot": bot}, "members": keys})


async def tokens(request: Request) -> Response:
    """A member's personal API key: ``{"kind": "user", "user": "@omar" | "<id>"}``."""
    if not _admin_ok(request):
        return rest_error("not_authorized", 401)
    try:
        body = await _admin_json(request)
    except LinearError:
        return rest_error("invalid_json", 400)
    who = body.get("user")
    if body.get("kind", "user") != "user" or not isinstance(who, str) or not who.strip():
        return rest_error("invalid_arguments", 400, "pass {'kind': 'user', 'user': '@name'}")
    who = who.strip()
    async with request.app.state.pool.connection() as conn:
        if who.startswith("@"):
            member = await db.row(
                conn,
                "SELECT id FROM users WHERE active AND lower(display_name) = lower(%s)",
                (who[1:],),
            )
        else:
            member = await db.row(conn, "SELECT id FROM users WHERE active AND id = %s", (who,))
        if member is None:
            return rest_error("user_not_found", 404, f"no member {who}")
        key = auth.member_key(member["id"])
        await auth.store(conn, key, member["id"], "api_key")
    return JSONResponse({"ok": True, "token": key, "user": member["id"]})


async def health(request: Request) -> Response:
    try:
        async with request.app.state.pool.connection(timeout=5) as conn:
            await conn.execute("SELECT 1")
    except (psycopg.OperationalError, TimeoutError):
        return rest_error("database_unavailable", 503)
    return JSONResponse({"ok": True})


async def drain(request: Request) -> Response:
    """Replace every pooled connection (asymkit calls this right after a rebuild)."""
    if not _admin_ok(request):
        return rest_error("not_authorized", 401)
    await request.app.state.pool.drain()
    request.app.state.calls.forget_pending()  # a rebuild replaced the run they belong to
    return JSONResponse({"ok": True})


async def flush_calls(request: Request) -> Response:
    """Write the call log's gathered entries now (asymkit calls this before reading the log);
    ``{"discard": true}`` drops them instead (before a reset); ``{"recording": false}``
    pauses recording."""
    if not _admin_ok(request):
        return rest_error("not_authorized", 401)
    try:
        body = await _admin_json(request)
    except LinearError:
        return rest_error("invalid_json", 400)
    calls = request.app.state.calls
    if isinstance(body.get("recording"), bool):
        calls.recording = body["recording"]
    if body.get("discard") is True:  # a reset is about to undo the run they belong to
        dropped = await calls.discard()
        return JSONResponse({"ok": True, "discarded": dropped, "recording": calls.recording})
    try:
        written = await calls.flush()
    except (psycopg.OperationalError, TimeoutError):
        # Not a 503: asymkit flushes before a reset, which must not wait for a database
        # that a reset is about to repair. The entries stay for the next write.
        return JSONResponse({"ok": False, "error": "database_unavailable"})
    return JSONResponse({"ok": True, "written": written, "recording": calls.recording})


async def statements(request: Request) -> Response:
    """How many SQL statements the app has sent so far (tests prove batch loading with it)."""
    if not _admin_ok(request):
        return rest_error("not_authorized", 401)
    return JSONResponse({"ok": True, "statements": db.COUNTER.statements})
