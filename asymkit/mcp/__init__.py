"""An MCP server over a clone, with the tools of the reference Slack MCP server.

Agents written against the widely used reference Slack MCP server
(``modelcontextprotocol/servers``, ``src/slack``) find the same tool names,
argument names, types and required lists here, so a prompt written for that
server works against a clone unchanged. Each tool is one call to the clone's
Slack Web API over HTTP (Bearer token); its JSON answer comes back as the
tool's text content. A Slack error (``{"ok": false, "error": "channel_not_found"}``)
is a tool result with ``isError`` set, never a protocol error, so the agent
reads the error code and can recover.

``server(clone)`` returns the official ``mcp`` SDK's low-level ``Server`` for
frameworks that host MCP servers in process; ``asymkit mcp ID`` serves it on
stdio (``serve_stdio``). The ``mcp`` SDK is an optional extra
(``pip install 'asymkit[mcp]'``), loaded only here: ``import asymkit`` never
imports it.

The tool table and argument checks are plain data and pure functions
(``asymkit.mcp.tools``); ``SlackTools.call`` is the one place that does I/O.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

import attrs
import httpx

from ..errors import CloneNotRunning, InvalidArgument
from .tools import TOOLS, USER_TOOLS, Params, Tool, check_arguments

if TYPE_CHECKING:
    from mcp.server.lowlevel import Server

    from ..clone import Clone

__all__ = ["SlackTools", "serve_stdio", "server", "token_for"]

SERVER_NAME = "asymkit Slack clone"


def token_for(clone: Clone, as_: str = "bot") -> str:
    """The token an MCP session acts with: ``bot``, ``user`` (the owner) or ``@name`` (a member)."""
    if as_ in ("bot", "user"):
        token = getattr(clone.tokens, as_)
        if not token:
            raise InvalidArgument(
                f"{clone.id} has no {as_} token; `asymkit tokens {clone.id}` lists what it has."
            )
        return str(token)
    if as_.startswith("@") or (as_[:1] == "U" and as_[1:].isalnum()):
        user_token = getattr(clone, "user_token", None)
        if user_token is None:
            raise InvalidArgument(
                f"Acting as a member ({as_}) needs asymkit with per-member tokens;"
                " use --as bot or --as user."
            )
        return str(user_token(as_))
    raise InvalidArgument(
        f"Cannot act as '{as_}': use bot, user, or @name (a member's handle, e.g. @dana)."
    )


@attrs.define
class SlackTools:
    """The tools an MCP session offers, and the HTTP calls behind them."""

    api_url: str
    token: str
    is_user: bool
    http: httpx.AsyncClient | None = None  # set for the length of a session when None

    @property
    def tools(self) -> tuple[Tool, ...]:
        return TOOLS + USER_TOOLS if self.is_user else TOOLS

    def find(self, name: str) -> Tool | None:
        return next((t for t in self.tools if t.name == name), None)

    async def call(self, name: str, arguments: Mapping[str, Any] | None) -> tuple[Any, bool]:
        """Run tool ``name``; return ``(JSON answer, is_error)``. Never raises for bad input."""
        tool = self.find(name)
        if tool is None:
            known = ", ".join(t.name for t in self.tools)
            return _problem("unknown_tool", f"No tool named {name!r}; the tools are: {known}"), True
        problem = check_arguments(tool, arguments)
        if problem:
            return _problem("invalid_arguments", problem), True
        args = dict(arguments or {})
        answer = await self._post(tool.method, tool.params(args))
        if tool.method == "users.profile.get" and answer.get("error") == "unknown_method":
            answer = await self._profile_from_users_info(args["user_id"])
        return answer, not answer.get("ok", False)

    async def _profile_from_users_info(self, user_id: str) -> dict[str, Any]:
        """users.profile.get's answer built from users.info, for clones that predate the former."""
        answer = await self._post("users.info", {"user": user_id})
        if not answer.get("ok"):
            return answer
        return {"ok": True, "profile": answer.get("user", {}).get("profile", {})}

    async def _post(self, method: str, params: Params) -> dict[str, Any]:
        url = self.api_url + method
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            if self.http is None:
                async with httpx.AsyncClient(timeout=30.0) as http:
                    response = await http.post(url, json=params, headers=headers)
            else:
                response = await self.http.post(url, json=params, headers=headers)
        except httpx.TransportError as exc:
            return _problem(
                "clone_unreachable",
                f"The clone at {self.api_url} did not answer ({type(exc).__name__});"
                " check `asymkit status` and `asymkit start`.",
            )
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return _problem("invalid_response", f"{method} answered HTTP {response.status_code}")
        return data


def _problem(code: str, detail: str) -> dict[str, Any]:
    """An error answer shaped like Slack's, with a sentence for whoever reads it."""
    return {"ok": False, "error": code, "detail": detail}


def _running(clone: Clone) -> None:
    status = clone.status()
    if status != "running":
        verb = "reset" if status in ("broken", "building") else "start"
        raise CloneNotRunning(f"{clone.id} is {status}; run `asymkit {verb} {clone.id}` first.")


def server(
    clone: Clone,
    *,
    as_: str = "bot",
    http: httpx.AsyncClient | None = None,
) -> Server[Any]:
    """An MCP ``Server`` (the official SDK's low-level one) over ``clone``'s Slack Web API.

    ``as_`` picks the token: ``"bot"`` (default), ``"user"`` (the workspace
    owner; adds ``slack_search_messages``) or ``"@name"`` (a member, where the
    clone offers per-member tokens). Pass ``http`` to reuse your own
    ``httpx.AsyncClient``. Run it with ``server.run(read, write,
    server.create_initialization_options())`` on any MCP transport.
    """
    from mcp import types
    from mcp.server.lowlevel import Server

    token = token_for(clone, as_)
    _running(clone)
    slack = SlackTools(
        api_url=clone.api_url,
        token=token,
        is_user=as_ != "bot",
        http=http,
    )
    listed = [
        types.Tool(name=t.name, description=t.description, input_schema=t.input_schema)
        for t in slack.tools
    ]

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=listed)

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        answer, is_error = await slack.call(params.name, params.arguments)
        text = types.TextContent(type="text", text=json.dumps(answer))
        return types.CallToolResult(content=[text], is_error=is_error)

    @contextlib.asynccontextmanager
    async def session(_: Server[Any]) -> AsyncIterator[dict[str, Any]]:
        """One HTTP client per served connection (keep-alive), closed when it ends."""
        if http is not None:
            yield {}
            return
        async with httpx.AsyncClient(timeout=30.0) as own:
            slack.http = own
            try:
                yield {}
            finally:
                slack.http = None

    from .._version import __version__

    return Server(
        SERVER_NAME,
        version=__version__,
        lifespan=session,
        instructions=f"Slack Web API of the asymkit clone {clone.id}, acting as {as_}.",
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


def serve_stdio(clone: Clone, *, as_: str = "bot") -> None:
    """Serve ``server(clone, as_=as_)`` on stdin/stdout until the client hangs up."""
    import anyio
    from mcp.server.stdio import stdio_server

    mcp_server = server(clone, as_=as_)

    async def run() -> None:
        async with stdio_server() as (read, write):
            screened = _AnsweringBadLines(read, write)
            await mcp_server.run(screened, write, mcp_server.create_initialization_options())

    anyio.run(run)


class _AnsweringBadLines:
    """The stdio transport's read stream, answering each line that is no JSON-RPC message.

    The SDK's stdio transport hands such a line to the server as an exception,
    which the server drops without a word; JSON-RPC asks for an error response
    with a null id: -32700 for a line that is not JSON, -32600 for JSON that is
    no JSON-RPC message. The session goes on either way.
    """

    def __init__(self, inner: Any, write: Any) -> None:
        self._inner = inner
        self._write = write

    def __getattr__(self, name: str) -> Any:  # last_context and the like
        return getattr(self._inner, name)

    async def receive(self) -> Any:
        from mcp.shared.message import SessionMessage
        from mcp.types import INVALID_REQUEST, PARSE_ERROR, ErrorData, JSONRPCError

        while True:
            item = await self._inner.receive()
            if not isinstance(item, Exception):
                return item
            errors: list[Any] = getattr(item, "errors", list)()
            not_json = any(e.get("type") == "json_invalid" for e in errors)
            code, message = (  # JSON-RPC's codes for the two cases
                (PARSE_ERROR, "Parse error: the line is not JSON")
                if not_json
                else (INVALID_REQUEST, "Invalid Request: the line is not a JSON-RPC message")
            )
            error = ErrorData(code=code, message=message)
            answer = JSONRPCError(jsonrpc="2.0", id=None, error=error)
            await self._write.send(SessionMessage(answer))

    async def aclose(self) -> None:
        await self._inner.aclose()

    def __aiter__(self) -> _AnsweringBadLines:
        return self

    async def __anext__(self) -> Any:
        import anyio

        try:
            return await self.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None

    async def __aenter__(self) -> _AnsweringBadLines:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
