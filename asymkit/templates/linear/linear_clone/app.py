"""The Linear clone's ASGI app: ``POST /graphql`` plus the ``/clone/...`` admin endpoints."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import psycopg
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    OperationDefinitionNode,
    execute,
    parse,
    validate,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import auth, db, graph, limits
from .context import Ctx
from .errors import (
    AuthenticationError,
    GraphQLSyntaxError,
    InternalError,
    InvalidInput,
    LinearError,
    RequestTooLarge,
)

log = logging.getLogger("linear_clone")
Endpoint = Callable[[Request], Awaitable[Response]]
MAX_BODY = 1_000_000  # bytes of one request
MAX_TOKENS = 20_000  # tokens of one GraphQL document
SCHEMA = graph.load()


class _Parse(GraphQLSyntaxError):
    code = "GRAPHQL_PARSE_FAILED"


def _answer(errors: list[dict[str, Any]], status: int, data: Any = None) -> JSONResponse:
    body: dict[str, Any] = {"errors": errors} if errors else {}
    body["data"] = data
    return JSONResponse(body, status_code=status)


def _fail(error: LinearError) -> JSONResponse:
    return _answer([error.to_json()], error.status)


async def _body(request: Request) -> bytes:
    size = int(request.headers.get("content-length") or 0)
    if size > MAX_BODY:
        raise RequestTooLarge(f"Request body larger than {MAX_BODY} bytes")
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > MAX_BODY:
            raise RequestTooLarge(f"Request body larger than {MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _request(raw: bytes) -> tuple[str, dict[str, Any], str | None]:
    try:
        data = json.loads(raw) if raw.strip() else None
    except (ValueError, RecursionError):
        raise InvalidInput("Request body is not valid JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("query"), str):
        raise InvalidInput('Send a JSON body {"query": "...", "variables": {...}}')
    variables = data.get("variables") or {}
    operation = data.get("operationName")
    if not isinstance(variables, dict) or not isinstance(operation, (str, type(None))):
        raise InvalidInput("'variables' must be an object and 'operationName' a string")
    if _has_nul(data):
        raise InvalidInput("Strings must not contain NUL characters")
    return data["query"], variables, operation


def _document(query: str) -> DocumentNode:
    try:
        document = parse(query, max_tokens=MAX_TOKENS)
    except GraphQLError as exc:
        raise _Parse(exc.message) from None
    except RecursionError:
        raise _Parse("Document nested too deeply") from None
    return document


def _introspection_only(document: DocumentNode, operation: str | None) -> bool:
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            if operation and (definition.name is None or definition.name.value != operation):
                continue
            names = [getattr(s, "name", None) for s in definition.selection_set.selections]
            if not names or not all(n is not None and n.value.startswith("__") for n in names):
                return False
    return True


def _error_json(error: GraphQLError) -> dict[str, Any]:
    original = error.original_error
    if isinstance(original, LinearError):
        shaped = original
    elif isinstance(original, psycopg.DataError):
        shaped = InvalidInput(f"Invalid value: {str(original).splitlines()[0]}")
    elif original is None or (isinstance(original, GraphQLError) and not error.path):
        shaped = InvalidInput(error.message)  # arguments or variables that do not fit their types
    else:
        log.error("unhandled error at %s", error.path, exc_info=original)
        shaped = InternalError()
    out = shaped.to_json()
    if error.path:
        out["path"] = error.path
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    return out


async def graphql_endpoint(request: Request) -> Response:
    try:
        query, variables, operation = _request(await _body(request))
        document = _document(query)
        problems = validate(SCHEMA, document)
        if problems:
            return _answer(
                [
                    {"message": p.message, **GraphQLSyntaxError(p.message).to_json()}
                    | (
                        {
                            "locations": [
                                {"line": loc.line, "column": loc.column} for loc in p.locations
                            ]
                        }
                        if p.locations
                        else {}
                    )
                    for p in problems
                ],
                400,
            )
        limits.check(document, operation, variables)
        key = auth.credential(request.headers.get("authorization"))
        pool = request.app.state.pool
        async with pool.connection() as conn:
            viewer = await auth.viewer(conn, key) if key else None
            if viewer is None and not _introspection_only(document, operation):
                raise AuthenticationError()
            org = await db.row(conn, "SELECT * FROM organizations ORDER BY created_at LIMIT 1")
            ctx = Ctx(conn=conn, viewer=viewer, org=org)
            result = execute(
                SCHEMA,
                document,
                context_value=ctx,
                variable_values=variables,
                operation_name=operation,
                field_resolver=graph.field_resolver,
            )
            if not isinstance(result, ExecutionResult):
                result = await result
    except LinearError as exc:
        return _fail(exc)
    except (psycopg.OperationalError, TimeoutError):
        unavailable = LinearError("Service unavailable", "The clone's database is unavailable.")
        return JSONResponse(
            {
                "errors": [
                    {
                        **unavailable.to_json(),
                        "extensions": {
                            **unavailable.extensions(),
                            "type": "internal error",
                            "code": "SERVICE_UNAVAILABLE",
                            "statusCode": 503,
                            "userError": False,
                        },
                    }
                ],
                "data": None,
            },
            status_code=503,
            headers={"Retry-After": "1"},
        )
    errors = [_error_json(e) for e in result.errors or ()]
    status = 200 if result.data is not None or not errors else 400
    return _answer(errors, status, result.data)


# -- clone endpoints (asymkit's side) ----------------------------------------------


def _admin_ok(request: Request) -> bool:
    secret = os.environ.get("CLONE_ADMIN_SECRET", "")
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    return bool(secret) and secrets.compare_digest(given, secret)


def _rest_error(error: str, status: int, detail: str = "") -> JSONResponse:
    # A 503 (no working database connection yet, e.g. just after a rebuild swapped the
    # database) did nothing: asymkit calls again, as Retry-After asks.
    headers = {"Retry-After": "1"} if status == 503 else None
    return JSONResponse(
        {"ok": False, "error": error, "detail": detail}, status_code=status, headers=headers
    )


def _database_errors(endpoint: Endpoint) -> Endpoint:
    """A lost database connection answers 503 (the pool replaces it) instead of 500."""

    @functools.wraps(endpoint)
    async def guarded(request: Request) -> Response:
        try:
            return await endpoint(request)
        except (psycopg.OperationalError, TimeoutError):
            return _rest_error("database_unavailable", 503)

    return guarded


async def _admin_json(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(await _body(request) or b"{}")
    except (ValueError, LinearError):
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
        return _rest_error("not_authorized", 401)
    try:
        body = await _admin_json(request)
    except LinearError:
        return _rest_error("invalid_json", 400)
    given = body.get("tokens") or {}
    if not isinstance(given, dict):
        return _rest_error("invalid_tokens", 400)
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
            return _rest_error("invalid_tokens", 400, "user must be lin_api_..., bot lin_oauth_...")
        await auth.store(conn, user_key, owner["id"], "api_key")
        await auth.store(conn, bot, owner["id"], "oauth")
    return JSONResponse({"ok": True, "tokens": {"user": user_key, "bot": bot}, "members": keys})


async def tokens(request: Request) -> Response:
    """A member's personal API key: ``{"kind": "user", "user": "@omar" | "<id>"}``."""
    if not _admin_ok(request):
        return _rest_error("not_authorized", 401)
    try:
        body = await _admin_json(request)
    except LinearError:
        return _rest_error("invalid_json", 400)
    who = body.get("user")
    if body.get("kind", "user") != "user" or not isinstance(who, str) or not who.strip():
        return _rest_error("invalid_arguments", 400, "pass {'kind': 'user', 'user': '@name'}")
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
            return _rest_error("user_not_found", 404, f"no member {who}")
        key = auth.member_key(member["id"])
        await auth.store(conn, key, member["id"], "api_key")
    return JSONResponse({"ok": True, "token": key, "user": member["id"]})


async def health(request: Request) -> Response:
    try:
        async with request.app.state.pool.connection(timeout=5) as conn:
            await conn.execute("SELECT 1")
    except (psycopg.OperationalError, TimeoutError):
        return _rest_error("database_unavailable", 503)
    return JSONResponse({"ok": True})


async def drain(request: Request) -> Response:
    """Replace every pooled connection (asymkit calls this right after a rebuild)."""
    if not _admin_ok(request):
        return _rest_error("not_authorized", 401)
    await request.app.state.pool.drain()
    return JSONResponse({"ok": True})


async def statements(request: Request) -> Response:
    """How many SQL statements the app has sent so far (tests prove batch loading with it)."""
    if not _admin_ok(request):
        return _rest_error("not_authorized", 401)
    return JSONResponse({"ok": True, "statements": db.COUNTER.statements})


async def not_found(request: Request, exc: Exception) -> Response:
    return _rest_error("not_found", 404)


async def method_not_allowed(request: Request, exc: Exception) -> Response:
    return _fail(InvalidInput("The GraphQL endpoint takes POST requests"))


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return _fail(InternalError())


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    pool = db.new_pool()
    await pool.open(wait=True, timeout=30)
    app.state.pool = pool
    try:
        yield
    finally:
        await pool.close()


def create_app() -> Starlette:
    """A new app with its own pool and routes."""
    return Starlette(
        routes=[
            Route("/graphql", graphql_endpoint, methods=["POST"]),
            Route("/clone/health", health, methods=["GET"]),
            Route("/clone/provision", _database_errors(provision), methods=["POST"]),
            Route("/clone/tokens", _database_errors(tokens), methods=["POST"]),
            Route("/clone/drain", drain, methods=["POST"]),
            Route("/clone/debug/statements", statements, methods=["GET"]),
        ],
        exception_handlers={404: not_found, 405: method_not_allowed, 500: server_error},
        lifespan=lifespan,
    )


app = create_app()
