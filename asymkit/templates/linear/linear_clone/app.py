"""The Linear clone's ASGI app: ``POST /graphql`` plus the ``/clone/...`` admin endpoints."""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import psycopg
from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLError,
    ObjectValueNode,
    OperationDefinitionNode,
    StringValueNode,
    ValueNode,
    VariableNode,
    execute,
    parse,
    validate,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from . import admin, auth, db, graph, limits
from .calls import CallLog
from .calls import entry as call_entry
from .calls import write as write_call_batch
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


@functools.lru_cache(maxsize=512)
def _checked(query: str) -> tuple[DocumentNode, tuple[dict[str, Any], ...]]:
    """``query`` parsed and validated against the schema, with the problems found.

    Kept per query text: clients such as @linear/sdk send the same few documents
    over and over, and validating a whole fragment against Linear's schema is most
    of the cost of a small request. Documents are never changed by execution.
    """
    try:
        document = parse(query, max_tokens=MAX_TOKENS)
    except GraphQLError as exc:
        raise _Parse(exc.message) from None
    except RecursionError:
        raise _Parse("Document nested too deeply") from None
    problems = tuple(
        GraphQLSyntaxError(p.message).to_json()
        | (
            {"locations": [{"line": loc.line, "column": loc.column} for loc in p.locations]}
            if p.locations
            else {}
        )
        for p in validate(SCHEMA, document)
    )
    return document, problems


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


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    """The operation a request runs: the one named, else the document's only one."""
    found = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name:
        return next((d for d in found if d.name is not None and d.name.value == name), None)
    return found[0] if len(found) == 1 else None


def _value(node: ValueNode, variables: dict[str, Any]) -> Any:
    """A string argument's value, given inline or as a variable."""
    if isinstance(node, VariableNode):
        return variables.get(node.name.value)
    return node.value if isinstance(node, StringValueNode) else None


def _input_issue(node: ValueNode, variables: dict[str, Any]) -> Any:
    """The ``issueId`` an ``input`` argument names, given inline or as a variable."""
    if isinstance(node, VariableNode):
        given = variables.get(node.name.value)
        return given.get("issueId") if isinstance(given, dict) else None
    if isinstance(node, ObjectValueNode):
        for field in node.fields:
            if field.name.value == "issueId":
                return _value(field.value, variables)
    return None


def _method(
    operation: OperationDefinitionNode | None, variables: dict[str, Any]
) -> tuple[str, list[tuple[str, Any]]]:
    """What the call log says a request ran (``mutation IssueCreate``, or its root fields
    when the operation has no name) and each root field with the ``id`` it was given."""
    if operation is None:
        return "", []
    fields = [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]
    touched: list[tuple[str, Any]] = []
    for field in fields:
        for argument in field.arguments or ():
            value = argument.value
            if argument.name.value == "id":
                touched.append((field.name.value, _value(value, variables)))
            elif argument.name.value == "input":  # e.g. commentCreate(input: {issueId})
                touched.append(("issue", _input_issue(value, variables)))
    kind = operation.operation.value
    if operation.name is not None:
        return f"{kind} {operation.name.value}"[:200], touched
    return f"{kind} {', '.join(f.name.value for f in fields[:5])}"[:200], touched


def _outcome(response: Response, seen: dict[str, Any]) -> str:
    """``ok``, or the code of the first error the response carries."""
    if seen.get("clean"):
        return "ok"
    try:
        errors = json.loads(bytes(response.body)).get("errors") or []
        return str(errors[0]["extensions"]["code"])[:100] if errors else "ok"
    except (ValueError, AttributeError, LookupError, TypeError):
        return "error"


async def graphql_endpoint(request: Request) -> Response:
    """Serve one GraphQL request and add it to the call log."""
    started, at = time.monotonic(), time.time()
    seen: dict[str, Any] = {}
    response = await _graphql(request, seen)
    calls: CallLog = request.app.state.calls
    if calls.recording:
        viewer: dict[str, Any] | None = seen.get("viewer")
        who = ""
        if viewer is not None:
            who = "bot" if seen.get("key_kind") == "oauth" else f"@{viewer['display_name']}"
        method, touched = _method(seen.get("operation"), seen.get("variables") or {})
        calls.add(
            call_entry(
                at=at,
                who=who,
                user_id=str(viewer["id"]) if viewer is not None else None,
                method=method or "(unparsed request)",
                variables=seen.get("variables") or {},
                outcome=_outcome(response, seen),
                status=response.status_code,
                started=started,
                touched=touched,
                data=seen.get("data"),
            )
        )
    return response


async def _graphql(request: Request, seen: dict[str, Any]) -> Response:
    """The request itself; ``seen`` gets what the log records (operation, variables, viewer,
    the data returned, and ``clean`` when no error was returned)."""
    try:
        query, variables, operation = _request(await _body(request))
        seen["variables"] = variables
        document, problems = _checked(query)
        seen["operation"] = _operation(document, operation)
        if problems:
            return _answer([dict(p) for p in problems], 400)
        limits.check(document, operation, variables)
        key = auth.credential(request.headers.get("authorization"))
        pool = request.app.state.pool
        async with pool.connection() as conn:
            viewer = await auth.viewer(conn, key) if key else None
            if viewer is not None:
                seen["key_kind"] = viewer.pop("key_kind", None)
                seen["viewer"] = viewer
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
    seen["data"], seen["clean"] = result.data, not errors
    return _answer(errors, status, result.data)


async def not_found(request: Request, exc: Exception) -> Response:
    return admin.rest_error("not_found", 404)


async def method_not_allowed(request: Request, exc: Exception) -> Response:
    return _fail(InvalidInput("The GraphQL endpoint takes POST requests"))


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return _fail(InternalError())


_LOOPBACK_NAMES = {"localhost", "localhost.", "127.0.0.1", "::1"}


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host.lower() in _LOOPBACK_NAMES


class HostCheck:
    """On a loopback bind, refuse requests whose Host is not a loopback name (DNS rebinding:
    a web page must not reach the clone's API or admin endpoints through the browser)."""

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
                response = admin.rest_error("invalid_host", 421)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    pool = db.new_pool()
    await pool.open(wait=True, timeout=30)
    app.state.pool = pool
    calls = CallLog()

    async def write_calls(batch: list[dict[str, Any]], lost: int, max_rows: int) -> None:
        async with pool.connection(timeout=10) as conn, conn.transaction():
            await write_call_batch(conn, batch, lost, max_rows)

    calls.write = write_calls
    calls.start()
    app.state.calls = calls
    try:
        yield
    finally:
        await calls.stop()  # the entries not yet written, while the pool is still open
        await pool.close()


def create_app() -> Starlette:
    """A new app with its own pool and routes."""
    starlette = Starlette(
        routes=[
            Route("/graphql", graphql_endpoint, methods=["POST"]),
            Route("/clone/health", admin.health, methods=["GET"]),
            Route("/clone/provision", admin.guarded(admin.provision), methods=["POST"]),
            Route("/clone/tokens", admin.guarded(admin.tokens), methods=["POST"]),
            Route("/clone/drain", admin.drain, methods=["POST"]),
            Route("/clone/calls/flush", admin.flush_calls, methods=["POST"]),
            Route("/clone/debug/statements", admin.statements, methods=["GET"]),
        ],
        exception_handlers={404: not_found, 405: method_not_allowed, 500: server_error},
        lifespan=lifespan,
    )
    starlette.add_middleware(HostCheck)
    return starlette


app = create_app()
