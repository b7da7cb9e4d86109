"""The Events API over HTTP, one request at a time: signing, bounded answers, verification.

A subscriber's answer is read only up to ``ANSWER_LIMIT`` bytes (the status is
what counts for an event; the ``url_verification`` answer is a short JSON), and
never decompressed, so a subscriber answering gigabytes costs the clone a few
kilobytes. Each request, answer included, must complete within the timeout the
caller gives (a subscriber trickling a byte a second does not hold a sender).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import secrets
import time
import urllib.parse
from typing import Any

import attrs
import httpx

ANSWER_LIMIT = 64 * 1024  # bytes of a subscriber's answer read; the rest is never read


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's v0 request signature of ``body`` sent at ``timestamp``."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def url_problem(url: object) -> str | None:
    """Why ``url`` cannot be subscribed (one sentence), or ``None`` if it is an http(s) URL."""
    if not isinstance(url, str):
        return "url must be an http(s) URL or null"
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - parsing the port is what checks it
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as exc:
        return f"{url!r} is not a valid URL ({exc})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "url must be an http(s) URL or null"
    return None


def _refused(exc: BaseException) -> bool:
    """Whether a failed connect was refused (somewhere down the chain of causes)."""
    seen: BaseException | None = exc
    for _ in range(10):  # httpx -> httpcore -> anyio's "all attempts failed" -> the OSError
        if seen is None:
            return False
        if isinstance(seen, ConnectionRefusedError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@attrs.frozen
class Answer:
    """A subscriber's answer: its status and at most ``ANSWER_LIMIT`` bytes of its body."""

    status: int
    body: bytes
    truncated: bool


@attrs.define
class Poster:
    """Signed POSTs to subscribers over one keep-alive client."""

    signing_secret: str = ""
    timeout: float = 3.0
    client: httpx.AsyncClient | None = None

    def open(self) -> None:
        self.client = httpx.AsyncClient(timeout=self.timeout, trust_env=False)

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()

    async def post(self, url: str, body: str, headers: dict[str, str]) -> Answer:
        """POST ``body`` signed; the answer within ``timeout`` s or ``asyncio.TimeoutError``."""
        return await asyncio.wait_for(self._post(url, body.encode(), headers), self.timeout)

    async def _post(self, url: str, data: bytes, headers: dict[str, str]) -> Answer:
        assert self.client is not None
        stamp = str(int(time.time()))
        signed = {
            "Content-Type": "application/json",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": sign(self.signing_secret, stamp, data),
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            "Accept-Encoding": "identity",  # read as sent: no decompression bomb
            **headers,
        }
        kept = bytearray()
        truncated = False
        async with self.client.stream("POST", url, content=data, headers=signed) as response:
            async for chunk in response.aiter_raw():
                kept += chunk[: ANSWER_LIMIT - len(kept)]
                if len(kept) >= ANSWER_LIMIT:
                    truncated = True  # leaving the block unread closes the connection
                    break
        return Answer(response.status_code, bytes(kept), truncated)

    async def verify(self, url: str) -> str | None:
        """Send the ``url_verification`` challenge; why it failed, or ``None`` if answered."""
        challenge = secrets.token_urlsafe(32)
        body = json.dumps({"token": "", "challenge": challenge, "type": "url_verification"})
        try:
            answer = await self.post(url, body, {})
        except httpx.ConnectError as exc:
            if _refused(exc):
                return "the connection was refused: nothing listens at that address and port"
            return f"could not connect ({str(exc) or type(exc).__name__})"
        except (httpx.TimeoutException, asyncio.TimeoutError):
            return f"the URL did not answer within {self.timeout:g} s"
        except httpx.HTTPError as exc:
            return f"the request failed ({type(exc).__name__}: {exc})"
        if answer.status != 200:
            return f"the URL answered HTTP {answer.status}"
        if answer.truncated:
            return f"the URL answered more than {ANSWER_LIMIT // 1024} KB"
        text = answer.body.decode(errors="replace").strip()
        got: Any = text
        with contextlib.suppress(ValueError):
            parsed = json.loads(text)
            got = parsed.get("challenge") if isinstance(parsed, dict) else parsed
        if got != challenge:
            return "the URL did not answer with the challenge value"
        return None
