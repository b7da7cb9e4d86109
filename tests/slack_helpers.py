"""Shared helpers for the Slack Web API tests: official clients on the acme-corp clone.

The acme-corp fixture is deterministic, so its ids are constants here. The
user token acts as dana, the workspace's primary owner (an admin); the bot
token is the provisioned app's bot, which starts in no channel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

TEAM = "TACME00001"
GENERAL, ENGINEERING, PRODUCT, SALES, INCIDENTS, RANDOM, LEADERSHIP = (
    f"CACME0000{i}" for i in range(1, 8)
)
DANA, MARCUS, PRIYA, LEO, SOFIA, OMAR, GRACE, BEN, HANNAH, TOM = (
    f"UACME{i:05d}" for i in range(1, 11)
)
# A thread in #incidents (started by omar, 4 replies) and a plain message in #general.
INCIDENT_THREAD = "1772718537.392787"
GENERAL_MESSAGE = "1772836078.765060"  # hannah, no replies


def web(clone: Any, kind: str = "bot") -> WebClient:
    """A slack_sdk WebClient on the clone with its bot (default) or user token."""
    return WebClient(token=getattr(clone.tokens, kind), base_url=clone.api_url)


def async_web(clone: Any, kind: str = "bot") -> AsyncWebClient:
    return AsyncWebClient(token=getattr(clone.tokens, kind), base_url=clone.api_url)


def token_web(clone: Any, token: str) -> WebClient:
    return WebClient(token=token, base_url=clone.api_url)


def error_of(call: Callable[..., Any], **kwargs: Any) -> str:
    """The Slack error code a call answers (the test fails if it succeeds)."""
    return str(failure(call, **kwargs)["error"])


def failure(call: Callable[..., Any], **kwargs: Any) -> dict[str, Any]:
    """The whole error response body of a call that must fail."""
    with pytest.raises(SlackApiError) as info:
        call(**kwargs)
    return dict(info.value.response.data)  # type: ignore[arg-type]


def mint_token(clone: Any, kind: str, scopes: list[str]) -> str:
    """A fresh token of the clone's workspace with exactly these scopes (admin endpoint)."""
    response = httpx.post(
        f"{clone.url}/clone/tokens",
        json={"kind": kind, "scopes": scopes},
        headers={"Authorization": f"Bearer {clone.record.admin_secret}"},
        timeout=10,
    )
    assert response.status_code in (200, 201), response.text
    return str(response.json()["token"])


def bot_user(client: WebClient) -> str:
    return str(client.auth_test()["user_id"])


def joined(clone: Any, channel: str = GENERAL) -> WebClient:
    """The bot's client, after joining ``channel``."""
    client = web(clone)
    client.conversations_join(channel=channel)
    return client


def history(client: WebClient, channel: str, **kwargs: Any) -> list[dict[str, Any]]:
    """Every message of a channel's history (all pages), newest first."""
    return [
        dict(m)
        for page in client.conversations_history(channel=channel, **kwargs)
        for m in page["messages"]
    ]


def find(messages: list[dict[str, Any]], ts: str) -> dict[str, Any]:
    return next(m for m in messages if m["ts"] == ts)
