"""The ASGI app: routing, parameter merging, the envelope, rate limits, the pool.

Configuration comes from the environment asymkit sets when it starts the clone:
``CLONE_DATABASE_URL`` (required), ``CLONE_ADMIN_SECRET`` (guards provision and
drain) and ``SLACK_CLONE_RATE_LIMIT`` (calls per minute per token and method;
0, the default, means unlimited).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import time
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import accounts
from .objects import SlackError
from .store import Conn
from .web import METHODS, authenticate

log = logging.getLogger("slack_clone")

_pool: AsyncConnectionPool[Any] | None = None
_windows: dict[tuple[str, str], tuple[int, int]] = {}


def _rate_limit() -> int:
    return int(os.environ.get("SLACK_CLONE_RATE_LIMIT", "0") or 0)


def _limited(token: str, method: str) -> int:
    """Seconds to wait if this call is over the per-minute limit, else 0."""
    limit = _rate_limit()
    if not limit:
        return 0
    minute = int(time.time() // 60)
    start, count = _windows.get((token, method), (minute, 0))
    if start != minute:
        start, count = minute, 0
    if count >= limit:
        return max(1, 60 - int(time.time()) % 60)
    _windows[(token, method)] = (start, count + 1)
    return 0


async def _in_transaction(fn: Callable[[Conn], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    """Run ``fn`` in one transaction; retry once on a connection that a reset closed."""
    assert _pool is not None
    for attempt in range(2):
        try:
            async with _pool.connection() as conn, conn.transaction():
                return await fn(conn)
        except psycopg.OperationalError:
            if attempt:
                raise
            await _pool.check()
    raise AssertionError("unreachable")


async def _params(request: Request) -> dict[str, str]:
    params: dict[str, str] = dict(request.query_params)
    if request.method == "POST":
        ctype = request.headers.get("content-type", "")
        if ctype.startswith("application/json"):
            body = await request.body()
            data = json.loads(body) if body.strip() else {}
            if not isinstance(data, dict):
                raise SlackError("invalid_json")
            for key, value in data.items():
                if isinstance(value, str):
                    params[key] = value
                elif isinstance(value, bool):
                    params[key] = "true" if value else "false"
                elif value is not None:
                    params[key] = json.dumps(value)
        elif ctype.startswith("application/x-www-form-urlencoded"):
            form = (await request.body()).decode("utf-8")
            params.update(urllib.parse.parse_qsl(form, keep_blank_values=True))
        elif ctype.startswith("multipart/form-data"):
            raise SlackError("invalid_form_data")  # file uploads are not cloned
    return params


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else None


def _error(code: str, status: int = 200, **extra: Any) -> JSONResponse:
    return JSONResponse({"ok": False, "error": code, **extra}, status_code=status)


async def web_api(request: Request) -> Response:
    name = request.path_params["method"]
    try:
        params = await _params(request)
    except (SlackError, ValueError):
        return _error("invalid_form_data")
    token = _bearer(request) or params.pop("token", None)
    method = METHODS.get(name)
    if method is None:
        return _error("unknown_method")
    if token and (wait := _limited(token, name)):
        return JSONResponse(
            {"ok": False, "error": "ratelimited"},
            status_code=429,
            headers={"Retry-After": str(wait)},
        )

    async def call(conn: Conn) -> dict[str, Any]:
        caller = await authenticate(conn, token)
        return await method(conn, caller, params)

    try:
        result = await _in_transaction(call)
    except SlackError as exc:
        return _error(exc.code, 200, **exc.extra)
    except psycopg.OperationalError:
        log.warning("database unavailable during %s", name)
        return JSONResponse(
            {"ok": False, "error": "service_unavailable"},
            status_code=503,
            headers={"Retry-After": "1"},
        )
    return JSONResponse({"ok": True, **result})


async def _json_body(request: Request) -> dict[str, Any]:
    body = await request.body()
    try:
        data = json.loads(body) if body.strip() else {}
    except ValueError:
        raise SlackError("invalid_json", 400) from None
    if not isinstance(data, dict):
        raise SlackError("invalid_json", 400)
    return data


def _rest(
    handler: Callable[[Request, dict[str, Any]], Awaitable[Callable[[Conn], Awaitable[Any]]]],
    *,
    admin: bool = False,
    created: bool = True,
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        if admin:
            secret = os.environ.get("CLONE_ADMIN_SECRET", "")
            given = _bearer(request) or ""
            if not secret or not secrets.compare_digest(given, secret):
                return _error("not_authorized", 401)
        try:
            body = await _json_body(request) if request.method == "POST" else {}
            result = await _in_transaction(await handler(request, body))
        except SlackError as exc:
            return _error(exc.code, exc.status, **exc.extra)
        except psycopg.OperationalError:
            return _error("service_unavailable", 503)
        status = 201 if created and request.method == "POST" else 200
        return JSONResponse({"ok": True, **result}, status_code=status)

    return endpoint


async def _signup(request: Request, body: dict[str, Any]) -> Callable[[Conn], Awaitable[Any]]:
    return lambda conn: accounts.signup(conn, body)


async def _login(request: Request, body: dict[str, Any]) -> Callable[[Conn], Awaitable[Any]]:
    return lambda conn: accounts.login(conn, body)


async def _create_ws(request: Request, body: dict[str, Any]) -> Callable[[Conn], Awaitable[Any]]:
    return lambda conn: accounts.create_workspace(conn, _bearer(request), body)


async def _join_ws(request: Request, body: dict[str, Any]) -> Callable[[Conn], Awaitable[Any]]:
    team = request.path_params["team_id"]
    return lambda conn: accounts.join_workspace(conn, _bearer(request), team, body)


async def _workspace(request: Request, body: dict[str, Any]) -> Callable[[Conn], Awaitable[Any]]:
    return accounts.workspace_info


async def _provision(request: Request, body: dict[str, Any]) -> Callable[[Conn], Awaitable[Any]]:
    return lambda conn: accounts.provision(conn, body)


async def health(request: Request) -> Response:
    async def ping(conn: Conn) -> dict[str, Any]:
        await conn.execute("SELECT 1")
        return {}

    try:
        await _in_transaction(ping)
    except psycopg.OperationalError:
        return _error("database_unavailable", 503)
    return JSONResponse({"ok": True})


async def drain(request: Request) -> Response:
    """Replace every pooled connection (asymkit calls this right after a reset)."""
    if not secrets.compare_digest(_bearer(request) or "", os.environ.get("CLONE_ADMIN_SECRET", "")):
        return _error("not_authorized", 401)
    assert _pool is not None
    await _pool.drain()
    return JSONResponse({"ok": True})


async def not_found(request: Request, exc: Exception) -> Response:
    return _error("not_found", 404)


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return _error("internal_error", 500)


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    global _pool
    _pool = AsyncConnectionPool(
        os.environ["CLONE_DATABASE_URL"],
        min_size=1,
        max_size=int(os.environ.get("CLONE_POOL_SIZE", "8")),
        kwargs={"row_factory": dict_row},
        open=False,
        reconnect_timeout=3600,
    )
    await _pool.open(wait=True, timeout=30)
    try:
        yield
    finally:
        await _pool.close()


app = Starlette(
    routes=[
        Route("/api/{method}", web_api, methods=["GET", "POST"]),
        Route("/clone/health", health, methods=["GET"]),
        Route("/clone/signup", _rest(_signup), methods=["POST"]),
        Route("/clone/login", _rest(_login, created=False), methods=["POST"]),
        Route("/clone/workspace", _rest(_workspace), methods=["GET"]),
        Route("/clone/workspaces", _rest(_create_ws), methods=["POST"]),
        Route("/clone/workspaces/{team_id}/join", _rest(_join_ws), methods=["POST"]),
        Route("/clone/provision", _rest(_provision, admin=True), methods=["POST"]),
        Route("/clone/drain", drain, methods=["POST"]),
    ],
    exception_handlers={404: not_found, 500: server_error},
    lifespan=lifespan,
)
