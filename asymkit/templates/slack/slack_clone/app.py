"""The ASGI app: routing, parameter merging, the envelope, scopes, rate limits, the pool.

Configuration comes from the environment asymkit sets when it starts the clone:
``CLONE_DATABASE_URL`` (required), ``CLONE_ADMIN_SECRET`` (guards provision and
drain), ``SLACK_CLONE_RATE_LIMITS`` or ``CLONE_RATE_LIMITS`` (``spin
--rate-limits`` sets the latter; ``1`` turns Slack's per-method rate tiers
on, ``0`` off; unset, the manifest's ``rate_limits.enabled`` decides, default
off) and ``SLACK_CLONE_RATE_LIMIT`` (a flat calls-per-minute limit per token
and method for every method, overriding the tiers; 0 or unset: no flat limit).

All state lives on the Starlette app (``app.state``), none in module globals.
"""

# long module: the request path in one place (routing, envelope, scopes, limits, pool, lifecycle).

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import math
import os
import secrets
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from . import (  # noqa: F401  (these modules register their methods on import)
    accounts,
    arguments,
    chat,
    conversations,
    events,
    features,
    web,
)
from .calls import CallLog
from .calls import entry as call_entry
from .calls import write as write_call_batch
from .methods import (
    ANONYMOUS,
    BASE_URL,
    METHODS,
    ROUTES,
    BodyTooLarge,
    Caller,
    Method,
    authenticate,
    bearer,
    read_body,
)
from .objects import SlackError
from .store import Conn

log = logging.getLogger("slack_clone")

MANIFEST = Path(__file__).resolve().parent.parent / "clone.manifest.json"
MAX_BODY = int(os.environ.get("SLACK_CLONE_MAX_BODY", str(1024 * 1024)))
DB_BUDGET = 1.5  # seconds a call may spend getting a working connection before an error
REVIVE_EVERY = 0.5  # seconds between checks that the database is back
MAX_ATTEMPTS = 10  # more than the pool's connections: every stale one can be dropped
POOL_MAX_IDLE = 2
# Slack's documented per-minute budgets for each tier; "special" is chat.postMessage's
# "about one message per second per channel", with a short burst allowed.
DEFAULT_TIER_LIMITS: dict[str, int] = {"1": 1, "2": 20, "3": 50, "4": 100, "special": 60}


class RateLimiter:
    """Token buckets per (token, method[, channel]): a tier's budget refills over a minute."""

    def __init__(self, per_minute: Mapping[str, int], *, flat: int = 0) -> None:
        self.per_minute = dict(per_minute)
        self.flat = flat
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, ...], tuple[float, float]] = {}

    def retry_after(self, key: tuple[str, ...], tier: int | str) -> int:
        """Seconds to wait if this call is over budget (and so refused), else 0."""
        limit = self.flat or self.per_minute.get(str(tier), 0)
        if limit <= 0:
            return 0
        rate = limit / 60.0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(limit), now))
            tokens = min(float(limit), tokens + (now - last) * rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                if len(self._buckets) > 50_000:  # forget idle buckets: bounded memory
                    self._buckets = {key: self._buckets[key]}
                return 0
            self._buckets[key] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / rate))


def _manifest() -> dict[str, Any]:
    try:
        data = json.loads(MANIFEST.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _rate_limiter() -> RateLimiter | None:
    config = _manifest().get("rate_limits") or {}
    # CLONE_RATE_LIMITS is what asymkit sets for `spin --rate-limits` (any template).
    flag = (
        (os.environ.get("SLACK_CLONE_RATE_LIMITS") or os.environ.get("CLONE_RATE_LIMITS") or "")
        .strip()
        .lower()
    )
    enabled = flag in ("1", "true", "yes", "on") if flag else bool(config.get("enabled"))
    flat = int(os.environ.get("SLACK_CLONE_RATE_LIMIT", "0") or 0)
    if not enabled and not flat:
        return None
    limits = {**DEFAULT_TIER_LIMITS, **{str(k): int(v) for k, v in config.get("tiers", {}).items()}}
    return RateLimiter(limits, flat=flat)


async def _params(request: Request) -> dict[str, str]:
    """The call's arguments: the query string, then the body's (form, multipart or JSON)."""
    params: dict[str, str] = dict(request.query_params)
    if request.method == "POST":
        ctype = request.headers.get("content-type", "")
        body = await read_body(request, MAX_BODY)
        if ctype.startswith("application/json"):
            params.update(arguments.json_body(body))
        elif ctype.startswith("multipart/form-data"):
            params.update(arguments.multipart_body(body, ctype))
        elif body:
            params.update(arguments.form_body(body))
    return arguments.checked(params)


def _error(
    code: str, status: int = 200, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    return JSONResponse({"ok": False, "error": code, **extra}, status_code=status, headers=headers)


def _scope_headers(caller: Caller | None, spec: Method) -> dict[str, str]:
    if caller is None:
        return {}
    return {
        "x-oauth-scopes": ",".join(sorted(caller.scopes)),
        "x-accepted-oauth-scopes": spec.needed(caller.token_type) or "",
    }


async def _in_transaction(
    request: Request, fn: Callable[[Conn], Awaitable[dict[str, Any]]]
) -> dict[str, Any]:
    """Run ``fn`` in one transaction, within ``DB_BUDGET`` seconds.

    A connection that a reset or a database restart closed fails at once and the
    pool drops it, so the call is retried on another one while the budget lasts, as
    is a transaction the server rolled back to break a deadlock or a serialization
    conflict (nothing of it was kept);
    with the database down, the pool times out and the caller answers an error.
    """
    pool: AsyncConnectionPool[Any] = request.app.state.pool
    deadline = time.monotonic() + DB_BUDGET
    for _ in range(MAX_ATTEMPTS):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        used: Conn | None = None
        try:
            async with pool.connection(timeout=remaining) as conn:
                used = conn
                async with conn.transaction():
                    return await fn(conn)
        except PoolTimeout:
            _revive_later(request.app)
            raise
        except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure):
            continue  # a deadlock's victim (e.g. against a reset's locks): rolled back, redo
        except psycopg.OperationalError:
            if used is None or not (used.closed or used.broken):
                raise  # not a dead connection: retrying would not help
    _revive_later(request.app)
    raise PoolTimeout("no working database connection within the budget")


def _unavailable() -> JSONResponse:
    return _error("service_unavailable", 503, {"Retry-After": "1"})


def _who(caller: Caller | None) -> str:
    """Who called, as the call log says it: bot, app, user, @handle (a member token) or ''."""
    if caller is None:
        return ""
    if caller.member:
        return "@" + caller.user_name
    return caller.token_type


async def web_api(request: Request) -> Response:
    """Serve one Web API call and add it to the call log."""
    started, at = time.monotonic(), time.time()
    seen: dict[str, Any] = {}
    response = await _web_api(request, seen)
    calls: CallLog = request.app.state.calls
    if calls.recording:
        caller: Caller | None = seen.get("caller")
        calls.add(
            call_entry(
                at=at,
                who=_who(caller),
                user_id=caller.user_id if caller is not None else None,
                method=request.path_params["method"][:200],
                params=seen.get("params") or {},
                outcome=seen.get("error") or "ok",
                status=response.status_code,
                started=started,
                result=seen.get("result"),
            )
        )
    return response


async def _web_api(request: Request, seen: dict[str, Any]) -> Response:
    """The call itself; ``seen`` gets what the log records (params, caller, result, error)."""
    name = request.path_params["method"]
    BASE_URL.set(str(request.base_url))
    spec = METHODS.get(name)
    if spec is None:  # whatever the body holds: the method is looked up first, as in Slack
        seen["error"] = "unknown_method"
        return _error("unknown_method")
    try:
        params = await _params(request)
    except BodyTooLarge:
        seen["error"] = "request_too_large"
        return _error("request_too_large", 413)
    except SlackError as exc:
        seen["error"] = exc.code
        return _error(exc.code)
    except (ValueError, RecursionError, ClientDisconnect):
        seen["error"] = "invalid_form_data"
        return _error("invalid_form_data")
    seen["params"] = params
    token = bearer(request) or params.pop("token", None)
    limiter: RateLimiter | None = request.app.state.rate_limiter
    if token and limiter is not None:
        key = (token, name, params.get("channel", "")) if spec.tier == "special" else (token, name)
        if wait := limiter.retry_after(key, spec.tier):
            seen["error"] = "ratelimited"
            return _error("ratelimited", 429, {"Retry-After": str(wait)})
    caller: Caller | None = None
    raised: list[dict[str, Any]] = []
    hub: events.Hub = request.app.state.events
    events.HUB.set(hub)

    async def call(conn: Conn) -> dict[str, Any]:
        nonlocal caller, raised
        await events.lock_first(conn, name)
        if spec.auth or token:
            caller = await authenticate(conn, token)
        who = caller or ANONYMOUS
        spec.check(who)
        previous = await events.before(conn, who, name, params)
        result = await spec.handler(conn, who, params)
        # Stored in the same transaction as the write: both or neither.
        raised = await events.record(conn, who, name, params, result, previous, secret=hub.secret)
        return result

    try:
        result = await _in_transaction(request, call)
    except SlackError as exc:
        seen["caller"], seen["error"] = caller, exc.code
        return _error(exc.code, 200, _scope_headers(caller, spec), **exc.extra)
    except (psycopg.OperationalError, TimeoutError) as exc:
        log.warning("database unavailable during %s (%s: %s)", name, type(exc).__name__, exc)
        seen["caller"], seen["error"] = caller, "service_unavailable"
        return _unavailable()
    seen["caller"], seen["result"] = caller, result
    if raised:
        await hub.publish(raised)  # delivery runs in the hub's task, never in this request
    return JSONResponse({"ok": True, **result}, headers=_scope_headers(caller, spec))


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = await read_body(request, MAX_BODY)
    except BodyTooLarge:
        raise SlackError("request_too_large", 413) from None
    try:
        # Strictly: what these endpoints take is stored as it is (names, emails, ...).
        data = arguments.loads(body) if body.strip() else {}
    except (ValueError, RecursionError):
        raise SlackError("invalid_json", 400) from None
    if not isinstance(data, dict):
        raise SlackError("invalid_json", 400)
    return data


def _admin_ok(request: Request) -> bool:
    secret = os.environ.get("CLONE_ADMIN_SECRET", "")
    return bool(secret) and secrets.compare_digest(bearer(request) or "", secret)


def _operator_ok(request: Request) -> bool:
    """The account endpoints (sign-up, log-in, workspaces) serve only whoever runs the
    clone: the admin secret in ``X-Clone-Admin`` (the Bearer token there is the user's)."""
    secret = os.environ.get("CLONE_ADMIN_SECRET", "")
    given = request.headers.get("x-clone-admin", "")
    return bool(secret) and secrets.compare_digest(given, secret)


def _rest(
    handler: Callable[[Request, dict[str, Any]], Awaitable[Callable[[Conn], Awaitable[Any]]]],
    *,
    admin: bool = False,
    operator: bool = False,
    created: bool = True,
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        if (admin and not _admin_ok(request)) or (operator and not _operator_ok(request)):
            return _error("not_authorized", 401)
        try:
            body = await _json_body(request) if request.method == "POST" else {}
            result = await _in_transaction(request, await handler(request, body))
        except SlackError as exc:
            return _error(exc.code, exc.status, **exc.extra)
        except (psycopg.OperationalError, TimeoutError):
            return _unavailable()
        status = 201 if created and request.method == "POST" else 200
        return JSONResponse({"ok": True, **result}, status_code=status)

    return endpoint


async def _signup(request: Request, body: dict[str, Any]) -> Callable[[Conn], Awaitable[Any]]:
    return lambda conn: accounts.signup(conn, body)


async def _login(request: Request, body: dict[str, Any]) -> Callable[[Conn], Awaitable[Any]]:
    return lambda conn: accounts.login(conn, body)


async def _create_ws(request: Request, body: dict[str, Any]) -> Callable[[Conn], Awaitable[Any]]:
    return lambda conn: accounts.create_workspace(conn, bearer(request), body)


async def _join_ws(request: Request, body: dict[str, Any]) -> Callable[[Conn], Awaitable[Any]]:
    team = request.path_params["team_id"]
    return lambda conn: accounts.join_workspace(conn, bearer(request), team, body)


async def _workspace(request: Request, body: dict[str, Any]) -> Callable[[Conn], Awaitable[Any]]:
    return accounts.workspace_info


async def _provision(request: Request, body: dict[str, Any]) -> Callable[[Conn], Awaitable[Any]]:
    secret = body.get("signing_secret")
    if secret is not None and (not isinstance(secret, str) or not secret.strip()):
        raise SlackError("invalid_signing_secret", 400)
    if secret:
        request.app.state.events.signing_secret = secret
    return lambda conn: accounts.provision(conn, body)


async def _mint_token(request: Request, body: dict[str, Any]) -> Callable[[Conn], Awaitable[Any]]:
    return lambda conn: accounts.mint_token(conn, body)


async def health(request: Request) -> Response:
    async def ping(conn: Conn) -> dict[str, Any]:
        await conn.execute("SELECT 1")
        return {}

    try:
        await _in_transaction(request, ping)
    except (psycopg.OperationalError, TimeoutError):
        return _error("database_unavailable", 503)
    return JSONResponse({"ok": True})


async def drain(request: Request) -> Response:
    """Replace every pooled connection (asymkit calls this right after a reset)."""
    if not _admin_ok(request):
        return _error("not_authorized", 401)
    await request.app.state.pool.drain()
    request.app.state.events.forget_pending()  # a reset cleared the undelivered events
    request.app.state.calls.forget_pending()  # ...and the calls logged before it
    return JSONResponse({"ok": True})


async def flush_calls(request: Request) -> Response:
    """Write the call log's gathered entries now (asymkit calls this before reading the log);
    ``{"discard": true}`` drops them instead (before a reset); ``{"recording": false}``
    pauses recording (the benchmark's "without")."""
    if not _admin_ok(request):
        return _error("not_authorized", 401)
    try:
        body = await _json_body(request)
    except SlackError as exc:
        return _error(exc.code, exc.status)
    calls: CallLog = request.app.state.calls
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


async def not_found(request: Request, exc: Exception) -> Response:
    return _error("not_found", 404)


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return _error("internal_error", 500)


_LOOPBACK_NAMES = {"localhost", "localhost.", "127.0.0.1", "::1"}


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host.lower() in _LOOPBACK_NAMES


class HostCheck:
    """On a loopback bind, refuse requests whose Host is not a loopback name (DNS rebinding)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("server") and _loopback(str(scope["server"][0])):
            host = ""
            for key, value in scope.get("headers", []):
                if key == b"host":
                    host = value.decode("latin-1")
                    break
            name = host.rsplit(":", 1)[0] if not host.startswith("[") else host[1:].split("]")[0]
            if host and not _loopback(name):
                response = _error("invalid_host", 421)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _new_pool() -> AsyncConnectionPool[Any]:
    return AsyncConnectionPool(
        os.environ["CLONE_DATABASE_URL"],
        # CLONE_POOL_MIN=0: an idle clone holds no connection at all (a small shared
        # server: 100 idle clones on 100 connections), at a connect on its next call.
        min_size=int(os.environ.get("CLONE_POOL_MIN", "1")),
        max_size=int(os.environ.get("CLONE_POOL_SIZE", "8")),
        kwargs={"row_factory": dict_row, "connect_timeout": 2, "application_name": "slack_clone"},
        open=False,
        reconnect_timeout=3600,
        max_idle=5.0,
    )


def _revive_later(app: Starlette) -> None:
    """Watch for the database to come back (once: a running watch is enough)."""
    if getattr(app.state, "reviver", None) is None:
        app.state.reviver = asyncio.create_task(_revive(app))


async def _revive(app: Starlette) -> None:
    """Once the database answers again, replace a pool still waiting out its backoff.

    psycopg_pool retries a lost server with exponential backoff (1, 2, 4, 8...
    seconds), so after a long outage the clone would stay unavailable for as
    long again; a fresh pool connects at once.
    """
    try:
        while True:
            await asyncio.sleep(REVIVE_EVERY)
            try:
                probe = await psycopg.AsyncConnection.connect(
                    os.environ["CLONE_DATABASE_URL"], connect_timeout=2
                )
            except psycopg.OperationalError:
                continue
            await probe.close()
            old: AsyncConnectionPool[Any] = app.state.pool
            try:
                async with old.connection(timeout=REVIVE_EVERY) as conn:
                    await conn.execute("SELECT 1")
                return  # the pool is serving again by itself
            except (psycopg.OperationalError, TimeoutError):
                pass
            fresh = _new_pool()
            await fresh.open(wait=False)
            app.state.pool = fresh
            log.warning("database back: replaced the connection pool")
            await old.close(timeout=1.0)
            return
    finally:
        app.state.reviver = None


async def _trim_pool(app: Starlette) -> None:
    """Close idle connections beyond ``POOL_MAX_IDLE`` once a burst is over.

    psycopg_pool's own ``max_idle`` drops one connection per period, too slow to
    be back to two within seconds; this closes every connection over the
    limit that stayed idle for two consecutive ticks. It uses the pool's
    internals (psycopg_pool 3.2/3.3) and stops, leaving the pool's own
    shrinking, should they change.
    """
    idle_before = 0
    while True:
        await asyncio.sleep(1.0)
        pool: AsyncConnectionPool[Any] = app.state.pool
        try:
            async with pool._lock:
                idle = len(pool._pool)
                extra = max(0, min(idle, idle_before) - POOL_MAX_IDLE)
                victims = [pool._pool.popleft() for _ in range(extra)]
                pool._nconns -= extra
                pool._nconns_min = min(pool._nconns_min, len(pool._pool))
                idle_before = len(pool._pool)
        except AttributeError:
            log.warning("psycopg_pool internals changed: idle connections trimmed by max_idle only")
            return
        for conn in victims:
            conn._pool = None
            with contextlib.suppress(Exception):
                await conn.close()


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    pool = _new_pool()
    await pool.open(wait=True, timeout=30)
    app.state.pool = pool
    app.state.reviver = None
    app.state.rate_limiter = _rate_limiter()
    hub = events.Hub(secret=os.environ.get("CLONE_ADMIN_SECRET", ""))
    hub.mark_delivered = lambda ids: events.mark_delivered(app.state.pool, ids)
    hub.still_stored = lambda ids: events.still_stored(app.state.pool, ids)
    types = (_manifest().get("events") or {}).get("types")
    if isinstance(types, list) and types:
        hub.types = hub.default_types = tuple(str(t) for t in types)
    hub.start()
    hub.goodbye_on_signals()
    app.state.events = hub
    calls = CallLog()

    async def write_calls(batch: list[dict[str, Any]], lost: int, max_rows: int) -> None:
        async with app.state.pool.connection(timeout=DB_BUDGET) as conn, conn.transaction():
            await write_call_batch(conn, batch, lost, max_rows)

    calls.write = write_calls
    calls.start()
    app.state.calls = calls
    trimmer = asyncio.create_task(_trim_pool(app))
    try:
        yield
    finally:
        await hub.stop()
        await calls.stop()  # the entries not yet written, while the pool is still open
        for task in (trimmer, app.state.reviver):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await app.state.pool.close()


def create_app() -> Starlette:
    """A new app with its own pool, rate limiter and routes."""
    starlette = Starlette(
        routes=[
            Route("/api/{method}", web_api, methods=["GET", "POST"]),
            Route("/clone/health", health, methods=["GET"]),
            Route("/clone/signup", _rest(_signup, operator=True), methods=["POST"]),
            Route("/clone/login", _rest(_login, operator=True, created=False), methods=["POST"]),
            Route("/clone/workspace", _rest(_workspace, operator=True), methods=["GET"]),
            Route("/clone/workspaces", _rest(_create_ws, operator=True), methods=["POST"]),
            Route(
                "/clone/workspaces/{team_id}/join",
                _rest(_join_ws, operator=True),
                methods=["POST"],
            ),
            Route("/clone/provision", _rest(_provision, admin=True), methods=["POST"]),
            Route("/clone/tokens", _rest(_mint_token, admin=True), methods=["POST"]),
            Route("/clone/drain", drain, methods=["POST"]),
            Route("/clone/calls/flush", flush_calls, methods=["POST"]),
            Route("/clone/events/subscription", events.subscription, methods=["POST"]),
            Route("/clone/events", events.recorded, methods=["GET"]),
            *ROUTES,
        ],
        exception_handlers={404: not_found, 500: server_error},
        lifespan=lifespan,
    )
    starlette.add_middleware(HostCheck)
    return starlette


app = create_app()
