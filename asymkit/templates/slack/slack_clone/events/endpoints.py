"""The events surface: ``apps.connections.open``, the Socket Mode WebSocket, admin endpoints.

Admin endpoints (``Authorization: Bearer <CLONE_ADMIN_SECRET>``):
``POST /clone/events/subscription`` sets the Events API URL (after the
``url_verification`` challenge) and the subscribed types; ``GET /clone/events``
lists every event raised, oldest first, long-polling with ``wait``.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import os
import secrets
import time
import urllib.parse
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from ..methods import APP_ONLY, BASE_URL, ROUTES, Caller, Conn, Params, bearer, method
from ..objects import SlackError
from .hub import KNOWN_TYPES, Connection, Hub
from .webhook import url_problem

log = logging.getLogger("slack_clone.events")

# The hub of the app serving the current request (set per request, like BASE_URL).
HUB: contextvars.ContextVar[Hub | None] = contextvars.ContextVar("events_hub", default=None)
MAX_WAIT = 30.0
PAGE = 1000


@method("apps.connections.open", scope="connections:write", tier=1, tokens=APP_ONLY)
async def apps_connections_open(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """A Socket Mode WebSocket URL for the app (app-level ``xapp-`` token only)."""
    hub = HUB.get()
    if hub is None:
        raise SlackError("internal_error")
    base = urllib.parse.urlsplit(BASE_URL.get())
    scheme = "wss" if base.scheme == "https" else "ws"
    ticket = hub.new_ticket(caller.token_hash)
    return {"url": f"{scheme}://{base.netloc}/socket-mode/{ticket}"}


def token_revoked(token_hash: str) -> None:
    """``auth.revoke`` revoked this token: close the Socket Mode connections it opened."""
    hub = HUB.get()
    if hub is not None:
        hub.revoke(token_hash)


async def socket_mode(websocket: WebSocket) -> None:
    """One Socket Mode connection: ``hello``, then envelopes out and acknowledgements in.

    The connection's own sender (in the hub) writes the envelopes; this task
    reads acknowledgements until the client leaves or the hub lets go of the
    connection (a client that stopped reading), whichever comes first.
    """
    hub: Hub = websocket.app.state.events
    token_hash = hub.take_ticket(websocket.path_params["ticket"])
    app_id = await _app_id(websocket, token_hash) if token_hash is not None else None
    if app_id is None:  # no such ticket, or its token was revoked since
        await websocket.close(code=4001, reason="invalid or expired ticket")
        return
    await websocket.accept()
    conn = Connection(websocket, token_hash=token_hash or "")
    try:
        await conn.send(
            {
                "type": "hello",
                "num_connections": len(hub.connections) + 1,
                "debug_info": {"host": "asymkit-clone", "approximate_connection_time": 18060},
                "connection_info": {"app_id": app_id},
            }
        )
    except Exception:  # gone before the greeting
        return
    hub.connected(conn)
    reading = asyncio.ensure_future(_read_acknowledgements(hub, conn))
    let_go = asyncio.ensure_future(conn.gone.wait())
    try:
        await asyncio.wait({reading, let_go}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (reading, let_go):
            task.cancel()
        hub.disconnected(conn)


async def _read_acknowledgements(hub: Hub, conn: Connection) -> None:
    """Note each envelope the client acknowledges, until it leaves or sends a binary frame."""
    try:
        while True:
            message = await conn.socket.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None:  # a binary frame: Socket Mode speaks JSON text only
                log.info("socket mode connection %s sent a binary frame: closed", conn.id[:8])
                await hub.let_go(conn, code=1003, reason="Socket Mode frames are JSON text")
                return
            try:
                parsed = json.loads(text)
            except ValueError:
                continue
            if isinstance(parsed, dict) and isinstance(parsed.get("envelope_id"), str):
                hub.acknowledged(parsed["envelope_id"])
    except (WebSocketDisconnect, RuntimeError):
        pass


async def _app_id(websocket: WebSocket, token_hash: str) -> str | None:
    """The app's id for ``hello``; ``None`` if the app token was revoked meanwhile."""
    try:
        async with websocket.app.state.pool.connection(timeout=1.0) as db:
            cur = await db.execute(
                """SELECT (SELECT app_id FROM bots ORDER BY id LIMIT 1) AS app_id,
                          EXISTS (SELECT 1 FROM tokens WHERE token_hash = %s) AS valid""",
                (token_hash,),
            )
            row = await cur.fetchone()
    except Exception:  # database away: the ticket was good moments ago
        return ""
    if row is None or not row["valid"]:
        return None
    return str(row["app_id"] or "")


ROUTES.append(WebSocketRoute("/socket-mode/{ticket}", socket_mode))


def _admin(request: Request) -> bool:
    secret = os.environ.get("CLONE_ADMIN_SECRET", "")
    return bool(secret) and secrets.compare_digest(bearer(request) or "", secret)


def _refuse(code: str, status: int, detail: str = "") -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error": code}
    if detail:
        body["detail"] = detail
    return JSONResponse(body, status_code=status)


async def subscription(request: Request) -> Response:
    """Set (after verification) or clear the Events API URL, and the subscribed types.

    A key left out keeps its value; ``"url": null`` unsubscribes, ``"types": null``
    restores the default types.
    """
    if not _admin(request):
        return _refuse("not_authorized", 401)
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return _refuse("invalid_json", 400)
    if not isinstance(body, dict):
        return _refuse("invalid_json", 400)
    hub: Hub = request.app.state.events
    types = body.get("types")
    if types is not None:
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            return _refuse("invalid_types", 400, "types must be a list of event type names")
        unknown = sorted(set(types) - KNOWN_TYPES)
        if unknown:
            return _refuse(
                "invalid_types",
                400,
                f"unknown event type {unknown[0]!r}; known: {', '.join(sorted(KNOWN_TYPES))}",
            )
    if "url" in body:
        url = body["url"]
        if url is None:
            hub.set_url(None)
        else:
            problem = url_problem(url)
            if problem is not None:
                return _refuse("invalid_url", 400, problem)
            failure = await hub.verify(url)
            if failure is not None:
                return _refuse("url_verification_failed", 400, f"{url}: {failure}")
            hub.set_url(url)
    if "types" in body:  # null: back to the default set
        hub.types = tuple(dict.fromkeys(types)) if types is not None else hub.default_types
    return JSONResponse({"ok": True, "url": hub.url, "types": list(hub.types)})


async def _events_after(request: Request, after: str | None) -> list[dict[str, Any]]:
    async with request.app.state.pool.connection(timeout=2.0) as db:
        cur = await db.execute(
            """SELECT event_id, event_time, type, delivered, payload FROM events
               WHERE seq > COALESCE((SELECT seq FROM events WHERE event_id = %s), 0)
               ORDER BY seq LIMIT %s""",
            (after, PAGE),
        )
        return list(await cur.fetchall())


async def recorded(request: Request) -> Response:
    """Every event raised after ``after`` (oldest first), waiting up to ``wait`` s for one."""
    if not _admin(request):
        return _refuse("not_authorized", 401)
    after = request.query_params.get("after") or None
    try:
        wait = min(MAX_WAIT, max(0.0, float(request.query_params.get("wait") or 0)))
    except ValueError:
        return _refuse("invalid_wait", 400, "wait must be a number of seconds (at most 30)")
    hub: Hub = request.app.state.events
    await hub.flush()  # acknowledgements still gathering show as delivered
    deadline = time.monotonic() + wait
    try:
        while True:
            rows = await _events_after(request, after)
            remaining = deadline - time.monotonic()
            if rows or remaining <= 0:
                break
            async with hub.changed:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(hub.changed.wait(), min(remaining, 1.0))
    except (TimeoutError, OSError):
        return _refuse("service_unavailable", 503)
    events = [
        {
            "event_id": row["event_id"],
            "event_time": row["event_time"],
            "type": row["type"],
            "delivered": row["delivered"],
            "payload": row["payload"],
        }
        for row in rows
    ]
    last = events[-1]["event_id"] if events else after
    return JSONResponse({"ok": True, "events": events, "last": last})


async def mark_delivered(pool: Any, event_ids: list[str]) -> None:
    """Record that the app acknowledged ``event_ids`` (those a reset removed are skipped)."""
    async with pool.connection(timeout=2.0) as db:
        await db.execute(
            "UPDATE events SET delivered = true WHERE event_id = ANY(%s)", (event_ids,)
        )


async def still_stored(pool: Any, event_ids: list[str]) -> set[str]:
    """Which of ``event_ids`` are still in the events table."""
    async with pool.connection(timeout=2.0) as db:
        cur = await db.execute("SELECT event_id FROM events WHERE event_id = ANY(%s)", (event_ids,))
        return {str(row["event_id"]) for row in await cur.fetchall()}
