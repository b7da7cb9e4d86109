"""The Slack clone's app under abuse: big, odd or hostile requests, a burst, the database down.

Each answer must be Slack-shaped (an ``ok: false`` envelope with a stable
error), never a 500, and the app must recover on its own.
"""

from __future__ import annotations

import concurrent.futures
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from slack_sdk import WebClient

GENERAL = "CACME00001"
PRODUCT = "CACME00003"  # Leo (UACME00004) is not a member
SLACK_TEMPLATE = Path(__file__).parent.parent / "asymkit" / "templates" / "slack"


def post(clone: Any, method: str, **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {clone.tokens.user}", **kwargs.pop("headers", {})}
    return httpx.post(clone.api_url + method, headers=headers, timeout=30, **kwargs)


def admin_dsn() -> str:
    from asymkit import postgres

    return postgres.server().dsn("postgres")


def test_a_body_over_the_limit_is_413_before_it_is_read(acme: Any) -> None:
    answer = post(
        acme,
        "chat.postMessage",
        headers={"content-type": "application/json"},
        content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
    )
    assert answer.status_code == 413
    assert answer.json() == {"ok": False, "error": "request_too_large"}


def test_a_streamed_body_without_length_is_cut_at_the_limit(acme: Any) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(64):
            yield b"x" * 65536

    answer = post(
        acme,
        "chat.postMessage",
        headers={"content-type": "application/x-www-form-urlencoded"},
        content=chunks(),
    )
    assert answer.status_code == 413


def test_a_foreign_host_header_is_refused_on_a_loopback_bind(acme: Any) -> None:
    answer = post(acme, "auth.test", headers={"host": "attacker.example.com"})
    assert answer.status_code == 421
    assert answer.json()["error"] == "invalid_host"
    assert post(acme, "auth.test", headers={"host": "localhost"}).json()["ok"] is True


def test_nul_bytes_in_arguments_are_invalid_arguments(acme: Any) -> None:
    answer = post(acme, "chat.postMessage", data={"channel": GENERAL, "text": "a\x00b"})
    assert answer.status_code == 200
    assert answer.json() == {"ok": False, "error": "invalid_arguments"}


@pytest.mark.parametrize("depth", [40, 100_000], ids=["deep-blocks", "absurdly-deep"])
def test_deeply_nested_json_is_refused_not_a_crash(acme: Any, depth: int) -> None:
    body = f'{{"channel": "{GENERAL}", "blocks": {"[" * depth}1{"]" * depth}}}'
    answer = post(
        acme, "chat.postMessage", headers={"content-type": "application/json"}, content=body
    )
    assert answer.status_code == 200
    assert answer.json() == {"ok": False, "error": "invalid_json"}


def test_a_repeated_user_in_invite_counts_once(acme: Any) -> None:
    owner = WebClient(token=acme.tokens.user, base_url=acme.api_url)
    owner.conversations_invite(channel=PRODUCT, users="UACME00004,UACME00004")
    members = owner.conversations_members(channel=PRODUCT)["members"]
    assert members.count("UACME00004") == 1


def _connections(database: str) -> int:
    """The clone app's connections to its database (asymkit's own, kept for fast resets,
    are named ``asymkit``)."""
    with psycopg.connect(admin_dsn(), autocommit=True) as conn:
        row = conn.execute(
            """SELECT count(*) FROM pg_stat_activity
               WHERE datname = %s AND application_name = 'slack_clone'""",
            (database,),
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_after_a_burst_the_pool_is_back_to_two_connections(acme: Any) -> None:
    def read(_: int) -> int:
        return post(acme, "conversations.history", data={"channel": GENERAL}).status_code

    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        assert set(pool.map(read, range(300))) == {200}
    deadline = time.monotonic() + 5
    while _connections(acme.database) > 2 and time.monotonic() < deadline:
        time.sleep(0.25)
    assert 1 <= _connections(acme.database) <= 2  # the pool keeps one: the count sees the app's


def test_with_the_database_down_methods_answer_fast_and_recover(acme: Any) -> None:
    quoted = psycopg.sql.Identifier(acme.database)
    with psycopg.connect(admin_dsn(), autocommit=True) as admin:
        admin.execute(psycopg.sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(quoted))
        try:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (acme.database,),
            )
            # Long enough for the pool's reconnect backoff to grow past several seconds.
            outage_ends = time.monotonic() + 8
            while time.monotonic() < outage_ends:
                started = time.monotonic()
                answer = post(acme, "auth.test")
                assert time.monotonic() - started < 2.0
                assert answer.status_code == 503
                assert answer.json()["error"] == "service_unavailable"
                assert answer.headers["retry-after"] == "1"
        finally:
            admin.execute(
                psycopg.sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(quoted)
            )
    back = time.monotonic()
    while not post(acme, "auth.test").json().get("ok") and time.monotonic() - back < 15:
        time.sleep(0.2)
    assert time.monotonic() - back < 3.0, "the clone took too long to use the database again"
    client = WebClient(token=acme.tokens.bot, base_url=acme.api_url)
    assert client.auth_test()["ok"] is True


def test_a_json_body_that_is_not_an_object_is_a_slack_error(acme: Any) -> None:
    answer = post(
        acme, "auth.test", headers={"content-type": "application/json"}, content=json.dumps([1])
    )
    assert answer.status_code == 200
    assert answer.json()["ok"] is False


def test_the_manifest_turns_rate_limits_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import asymkit

    root = tmp_path / "templates" / "slack-limited"
    shutil.copytree(
        SLACK_TEMPLATE, root, ignore=shutil.ignore_patterns("__pycache__", ".mypy_cache")
    )
    manifest = json.loads((root / "clone.manifest.json").read_text())
    manifest["name"] = "slack-limited"
    manifest["rate_limits"] = {"enabled": True, "tiers": {"2": 3}}
    (root / "clone.manifest.json").write_text(json.dumps(manifest))
    monkeypatch.setenv("ASYMKIT_TEMPLATES_DIR", str(tmp_path / "templates"))
    monkeypatch.delenv("SLACK_CLONE_RATE_LIMITS", raising=False)
    with asymkit.spin("slack-limited", seed="acme-corp") as clone:
        headers = {"Authorization": f"Bearer {clone.tokens.bot}"}
        answers = [httpx.post(clone.api_url + "users.list", headers=headers) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert httpx.post(clone.api_url + "users.info", headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("path", "body"),
    [
        pytest.param("/clone/signup", {"email": "x@evil.test", "password": "pw-1234"}, id="signup"),
        pytest.param("/clone/login", {"email": "dana@acme.test", "password": "x"}, id="login"),
        pytest.param("/clone/workspaces", {"name": "Mine", "domain": "mine"}, id="create"),
        pytest.param("/clone/workspaces/TACME00001/join", {"handle": "x"}, id="join"),
    ],
)
def test_account_endpoints_need_the_clones_admin_secret(
    acme: Any, path: str, body: dict[str, str]
) -> None:
    """Anyone who can reach the port must not become a member (or the owner)."""
    refused = httpx.post(acme.url + path, json=body)
    assert refused.status_code == 401 and refused.json()["error"] == "not_authorized"
    wrong = httpx.post(acme.url + path, json=body, headers={"X-Clone-Admin": "guess"})
    assert wrong.status_code == 401
