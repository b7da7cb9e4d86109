"""The method table: one entry per Web API method, and the decorator that fills it.

Each entry names the scope Slack requires, the rate tier and which token types
may call the method. The app routes ``/api/<method>`` through this table, checks
scopes (``missing_scope`` with ``needed`` and ``provided``), sets the
``x-oauth-scopes`` header and applies the tier's rate limit; the coverage doc
(``docs/slack-coverage.md``) is generated from it.

Feature modules register their methods with :func:`method` and extra Starlette
routes (e.g. a file upload URL) with :func:`route`; the app imports
``slack_clone.features`` once at startup so that both run.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import hmac
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, Literal

import attrs
from psycopg import AsyncConnection
from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from .objects import SlackError, hash_token
from .store import resolve_token

Conn = AsyncConnection[dict[str, Any]]
Params = dict[str, str]
TokenType = Literal["bot", "user", "app"]
Tier = int | Literal["special"]

# The scopes a typical Slack app's tokens carry (a token minted with an explicit
# list carries exactly that list instead).
BOT_SCOPES: tuple[str, ...] = (
    "bookmarks:read",
    "bookmarks:write",
    "channels:history",
    "channels:join",
    "channels:manage",
    "channels:read",
    "chat:write",
    "dnd:read",
    "emoji:read",
    "files:read",
    "files:write",
    "groups:history",
    "groups:read",
    "groups:write",
    "im:history",
    "im:read",
    "im:write",
    "mpim:history",
    "mpim:read",
    "mpim:write",
    "pins:read",
    "pins:write",
    "reactions:read",
    "reactions:write",
    "team:read",
    "usergroups:read",
    "usergroups:write",
    "users.profile:read",
    "users:read",
    "users:read.email",
    "users:write",
)
USER_SCOPES: tuple[str, ...] = tuple(
    sorted(
        {s for s in BOT_SCOPES if s not in ("channels:join", "channels:manage")}
        | {"channels:write", "search:read", "users.profile:write"}
    )
)
# An app-level (``xapp-``) token opens Socket Mode connections and nothing else.
APP_SCOPES: tuple[str, ...] = ("connections:write",)
DEFAULT_SCOPES: dict[str, tuple[str, ...]] = {
    "bot": BOT_SCOPES,
    "user": USER_SCOPES,
    "app": APP_SCOPES,
}


@attrs.frozen
class Caller:
    """Who is calling: the token's workspace, acting user, token type and scopes."""

    team_id: str
    team_name: str
    team_domain: str
    user_id: str
    user_name: str
    bot_id: str | None
    token_type: TokenType = "user"
    scopes: frozenset[str] = frozenset()
    is_admin: bool = False
    token_hash: str = ""  # which token (hashed, as stored): auth.revoke revokes it
    member: bool = False  # a member token (asymkit's ``user_token("@maya")``)

    @property
    def is_bot(self) -> bool:
        return self.token_type == "bot"


Handler = Callable[[Conn, Caller, Params], Awaitable[dict[str, Any]]]
APP_ONLY = ("app",)  # the tokens of an app-level method (``apps.connections.open``)


@attrs.frozen
class Method:
    """One Web API method: its handler and the rules the app applies before calling it.

    ``scope`` is the scope Slack requires, a comma-separated list when any one of
    several will do (``channels:history,groups:history``), or a mapping per
    token type when bot and user tokens need different scopes; ``None`` means
    no scope is needed (``api.test``, ``auth.test``).
    """

    name: str
    handler: Handler
    scope: str | Mapping[str, str] | None
    tier: Tier
    tokens: tuple[str, ...]
    args: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    doc: str = ""
    auth: bool = True

    def needed(self, token_type: str) -> str | None:
        """The scope(s) this token type needs, comma-separated when any one will do."""
        if self.scope is None or isinstance(self.scope, str):
            return self.scope
        return self.scope.get(token_type)

    def check(self, caller: Caller) -> None:
        """Raise Slack's error when this caller's token may not call the method."""
        if not self.auth:
            return
        if caller.token_type not in self.tokens:
            # An app-level method does not authenticate other tokens at all.
            app_only = self.tokens == APP_ONLY
            raise SlackError("invalid_auth" if app_only else "not_allowed_token_type")
        needed = self.needed(caller.token_type)
        if needed and not caller.scopes & set(needed.split(",")):
            raise SlackError(
                "missing_scope", needed=needed, provided=",".join(sorted(caller.scopes))
            )


METHODS: dict[str, Method] = {}
ROUTES: list[BaseRoute] = []
# The URL the current request reached the app at (``http://127.0.0.1:PORT/``): the
# app sets it per request so that methods can hand out absolute links to the
# clone itself (file upload URLs, ``url_private``).
BASE_URL: contextvars.ContextVar[str] = contextvars.ContextVar(
    "base_url", default="http://127.0.0.1/"
)
ANONYMOUS = Caller("", "", "", "", "", None)

# Called with (conn, caller, channel_id, messages) before history and replies answer,
# so that feature modules can add their fields (reactions, files, pinned_to) in place.
MessageHook = Callable[[Conn, Caller, str, list[dict[str, Any]]], Awaitable[None]]
MESSAGE_HOOKS: list[MessageHook] = []


def message_hook(fn: MessageHook) -> MessageHook:
    """Register ``fn`` to decorate the messages history and replies return."""
    MESSAGE_HOOKS.append(fn)
    return fn


def method(
    name: str,
    *,
    scope: str | Mapping[str, str] | None,
    tier: Tier,
    tokens: tuple[str, ...] = ("bot", "user"),
    args: tuple[str, ...] = (),
    errors: tuple[str, ...] = (),
    auth: bool = True,
) -> Callable[[Handler], Handler]:
    """Register ``fn`` as the Web API method ``name`` (see :class:`Method`).

    ``args`` and ``errors`` list the arguments read and the error codes
    answered, for the coverage doc; an app-level method (``tokens=APP_ONLY``)
    lists ``invalid_auth`` first, what :meth:`Method.check` answers other tokens.
    ``auth=False``: callable without a token (``api.test``); the handler then
    gets ``ANONYMOUS`` as its caller.
    """
    if tier != "special" and tier not in (1, 2, 3, 4):
        raise ValueError(f"{name}: tier must be 1-4 or 'special', not {tier!r}")
    if tokens == APP_ONLY:
        errors = ("invalid_auth", *errors)

    def register(fn: Handler) -> Handler:
        if name in METHODS:
            raise ValueError(f"{name} is registered twice")
        doc = (fn.__doc__ or "").strip().split("\n")[0]
        METHODS[name] = Method(name, fn, scope, tier, tokens, args, errors, doc, auth)
        return fn

    return register


def route(
    path: str, *, methods: tuple[str, ...] = ("GET",)
) -> Callable[[Callable[[Request], Awaitable[Any]]], Callable[[Request], Awaitable[Any]]]:
    """Mount a plain Starlette endpoint on the app (e.g. a file upload URL)."""

    def register(fn: Callable[[Request], Awaitable[Any]]) -> Callable[[Request], Awaitable[Any]]:
        ROUTES.append(Route(path, fn, methods=list(methods)))
        return fn

    return register


@contextlib.asynccontextmanager
async def transaction(request: Request) -> AsyncIterator[Conn]:
    """A connection from the app's pool, inside one transaction (for :func:`route` endpoints)."""
    async with request.app.state.pool.connection() as conn, conn.transaction():
        yield conn


class BodyTooLarge(Exception):
    """A request body longer than the endpoint takes."""


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing (``BodyTooLarge``) past ``limit`` bytes without reading on."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def bearer(request: Request) -> str | None:
    """The token in an ``Authorization: Bearer`` header, if any."""
    auth = request.headers.get("authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else None


async def authenticate(conn: Conn, token: str | None) -> Caller:
    """The caller a Web API token stands for: ``not_authed``/``invalid_auth`` otherwise."""
    if not token:
        raise SlackError("not_authed")
    row = await resolve_token(conn, token)
    member = False
    if row is None and token.startswith("xoxp-"):
        row = await resolve_member_token(conn, token)
        member = row is not None
    if row is None or row["kind"] == "session" or row["user_id"] is None:
        raise SlackError("invalid_auth")
    kind: TokenType = row["kind"] if row["kind"] in ("bot", "app") else "user"
    scopes = row.get("scopes")
    return Caller(
        team_id=row["workspace_id"],
        team_name=row["team_name"],
        team_domain=row["team_domain"],
        user_id=row["user_id"],
        user_name=row["user_name"],
        bot_id=row["bot_id"],
        token_type=kind,
        scopes=frozenset(
            [s for s in scopes.split(",") if s] if scopes is not None else DEFAULT_SCOPES[kind]
        ),
        is_admin=bool(row.get("is_admin")) and kind == "user",
        token_hash=hash_token(token),
        member=member,
    )


def member_token(team_id: str, user_id: str) -> str:
    """A user token acting as ``user_id``, derived from the admin secret (survives resets)."""
    return f"xoxp-{team_id}-{user_id}-{_member_mac(user_id)}"


def _member_mac(user_id: str) -> str:
    secret = os.environ.get("CLONE_ADMIN_SECRET", "")
    return hmac.new(secret.encode(), f"member:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]


async def resolve_member_token(conn: Conn, token: str) -> dict[str, Any] | None:
    """The row of a member token (see :func:`member_token`), if it is one and its user exists."""
    parts = token.split("-")
    if len(parts) != 4 or not os.environ.get("CLONE_ADMIN_SECRET"):
        return None
    _, team_id, user_id, mac = parts
    if not hmac.compare_digest(mac, _member_mac(user_id)):
        return None
    cur = await conn.execute(
        """SELECT 'user' AS kind, w.id AS workspace_id, NULL AS account_id, u.id AS user_id,
                  NULL AS scopes, w.name AS team_name, w.domain AS team_domain,
                  u.name AS user_name, (u.is_admin OR u.is_owner) AS is_admin, NULL AS bot_id
           FROM users u JOIN workspaces w ON w.id = u.workspace_id
           WHERE u.id = %s AND w.id = %s AND NOT u.deleted AND NOT u.is_bot""",
        (user_id, team_id),
    )
    return await cur.fetchone()
