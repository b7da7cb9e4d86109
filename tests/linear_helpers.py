"""Helpers for the Linear clone's tests: raw GraphQL posts and gql clients."""

from __future__ import annotations

from typing import Any

import httpx
from gql import Client
from gql.transport.httpx import HTTPXTransport


def post(
    clone: Any,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    key: str | None = None,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """One GraphQL request as Linear's clients send it (the key bare in Authorization)."""
    return httpx.post(
        clone.api_url,
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": key if key is not None else clone.tokens.user, **(headers or {})},
        timeout=30,
        **kwargs,
    )


def data(clone: Any, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> Any:
    resp = post(clone, query, variables, **kw)
    body = resp.json()
    assert resp.status_code == 200 and "errors" not in body, body
    return body["data"]


def error(resp: httpx.Response) -> dict[str, Any]:
    """The first error's extensions, with its message."""
    body = resp.json()
    assert body.get("errors"), body
    first: dict[str, Any] = body["errors"][0]
    return {"message": first["message"], **first["extensions"]}


def gql_client(clone: Any, key: str | None = None) -> Client:
    """A gql client that fetches the served schema and validates every document against it."""
    transport = HTTPXTransport(
        url=clone.api_url, headers={"Authorization": key or clone.tokens.user}, timeout=30
    )
    return Client(transport=transport, fetch_schema_from_transport=True)
