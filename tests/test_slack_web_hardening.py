"""Hostile or broken requests get Slack-style errors, never a 500 (issue 10's app-side items)."""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import httpx
import psycopg
import pytest
from slack_helpers import GENERAL, LEO, RANDOM, web
from slack_sdk.web.async_client import AsyncWebClient


def post(acme: Any, method: str, **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {acme.tokens.user}", **kwargs.pop("headers", {})}
    return httpx.post(f"{acme.api_url}{method}", headers=headers, timeout=10, **kwargs)


def test_an_oversized_body_is_413_without_being_read(acme: Any) -> None:
    """The clone answers from the Content-Length alone: it never waits for the body."""
    host, port = acme.url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(
            b"POST /api/chat.postMessage HTTP/1.1\r\n"
            + f"Host: {host}:{port}\r\n".encode()
            + b"Content-Type: application/x-www-form-urlencoded\r\n"
            + b"Content-Length: 1073741824\r\n\r\n"
            + b"channel=C&text="
        )
        received = b""
        while b"}" not in received:  # the status line, headers and the JSON body
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        answer = received.decode(errors="replace")
    assert answer.startswith("HTTP/1.1 413")
    assert '"ok":false' in answer.replace(" ", "")


def test_a_streamed_body_over_the_limit_is_413(acme: Any) -> None:
    def chunks() -> Any:
        for _ in range(64):
            yield b"x" * 65536  # 4 MiB, no Content-Length

    answer = post(
        acme, "chat.postMessage", content=chunks(), headers={"Content-Type": "text/plain"}
    )
    assert answer.status_code == 413
    assert answer.json()["ok"] is False


@pytest.mark.parametrize(
    "host",
    [pytest.param("evil.example", id="name"), pytest.param("203.0.113.9:80", id="address")],
)
def test_a_foreign_host_header_is_refused_on_a_loopback_bind(acme: Any, host: str) -> None:
    answer = post(acme, "auth.test", headers={"Host": host})
    assert answer.status_code == 421
    assert answer.json() == {"ok": False, "error": "invalid_host"}


def test_localhost_host_headers_are_fine(acme: Any) -> None:
    port = acme.url.rsplit(":", 1)[1]
    for host in (f"localhost:{port}", f"127.0.0.1:{port}"):
        assert post(acme, "auth.test", headers={"Host": host}).json()["ok"] is True


JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize(
    ("kwargs", "errors"),
    [
        pytest.param(
            {"data": {"channel": GENERAL, "text": "a\x00b"}}, {"invalid_arguments"}, id="nul-form"
        ),
        pytest.param(
            {"json": {"channel": GENERAL, "text": "a\x00b"}}, {"invalid_arguments"}, id="nul-json"
        ),
        pytest.param({"content": b"{" * 10_000, "headers": JSON}, {"invalid_json"}, id="deep"),
        pytest.param(
            {"content": b"[" * 50 + b"]" * 50, "headers": JSON}, {"invalid_json"}, id="deep-array"
        ),
        pytest.param({"content": b"{not json", "headers": JSON}, {"invalid_json"}, id="broken"),
        pytest.param(
            {"content": b"[1, 2]", "headers": JSON},
            {"json_not_object", "invalid_json"},  # both in the spec's error lists
            id="not-object",
        ),
        pytest.param(
            {"content": b"text=\xff\xfe", "headers": FORM},
            {"invalid_charset", "invalid_form_data"},
            id="not-utf8",
        ),
    ],
)
def test_malformed_requests_get_slack_errors(
    acme: Any, kwargs: dict[str, Any], errors: set[str]
) -> None:
    answer = post(acme, "chat.postMessage", **kwargs)
    assert answer.status_code < 500
    body = answer.json()
    assert body["ok"] is False
    assert body["error"] in errors


def test_duplicate_users_in_invite_are_not_a_server_error(acme: Any) -> None:
    owner = web(acme, "user")
    answer = httpx.post(
        f"{acme.api_url}conversations.invite",
        data={"channel": RANDOM, "users": f"{LEO},{LEO}"},
        headers={"Authorization": f"Bearer {acme.tokens.user}"},
        timeout=10,
    )
    assert answer.status_code == 200
    assert answer.json()["error"] == "already_in_channel"  # leo is in #random
    channel = owner.conversations_create(name="dupes")["channel"]["id"]
    invited = owner.conversations_invite(channel=channel, users=f"{LEO},{LEO}")
    assert invited["ok"] is True
    assert owner.conversations_members(channel=channel)["members"].count(LEO) == 1


def test_the_pool_keeps_few_idle_connections_after_a_burst(
    acme: Any, db: psycopg.Connection[tuple[object, ...]]
) -> None:
    async def burst() -> None:
        client = AsyncWebClient(token=acme.tokens.user, base_url=acme.api_url)
        await asyncio.gather(*(client.conversations_history(channel=GENERAL) for _ in range(40)))

    asyncio.run(burst())
    query = (
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND application_name = 'slack_clone'"
    )
    # The clone trims idle connections within seconds; the deadline is generous on
    # purpose (a busy CI machine), this checks the trimming, not its speed.
    deadline = time.monotonic() + 20
    while True:
        (count,) = db.execute(query).fetchone()  # type: ignore[misc]
        if int(count) <= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    assert 1 <= int(count) <= 2  # the pool keeps one (so the count does see the app's)


def test_with_the_database_gone_the_clone_answers_503_then_recovers(acme: Any) -> None:
    """Connections to the clone's database refused: a Slack-style 503, then service again."""
    from asymkit import postgres

    server = postgres.server()
    client = web(acme, "user")
    client.auth_test()

    def allow(flag: bool) -> None:
        with server.admin() as admin:
            admin.execute(f'ALTER DATABASE "{acme.database}" ALLOW_CONNECTIONS {str(flag).lower()}')
            if not flag:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    (acme.database,),
                )

    allow(False)
    try:
        answer = httpx.post(
            f"{acme.api_url}auth.test",
            headers={"Authorization": f"Bearer {acme.tokens.user}"},
            timeout=30,
        )
        assert answer.status_code == 503
        assert answer.json() == {"ok": False, "error": "service_unavailable"}
        assert int(answer.headers["retry-after"]) >= 1
    finally:
        allow(True)
    deadline = time.monotonic() + 30
    while True:
        answer = httpx.post(
            f"{acme.api_url}auth.test",
            headers={"Authorization": f"Bearer {acme.tokens.user}"},
            timeout=30,
        )
        if answer.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert answer.json()["ok"] is True
