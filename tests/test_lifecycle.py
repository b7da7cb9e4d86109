"""Spin, reset, stop, start, destroy: the clone lifecycle through CLI and API."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import httpx
import psutil
import pytest
from slack_sdk import WebClient

import asymkit
from asymkit import postgres, registry
from asymkit.cli import main


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The real ``asymkit`` entry point in its own process, with no stdin."""
    return subprocess.run(
        [sys.executable, "-m", "asymkit.cli", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def database_exists(name: str) -> bool:
    with postgres.server().admin() as conn:
        return postgres.database_exists(conn, name)


def test_spin_json_outlives_the_cli_and_destroy_leaves_nothing() -> None:
    spun = run_cli("spin", "slack", "--seed", "acme-corp", "--json")
    assert spun.returncode == 0, spun.stderr
    info = json.loads(spun.stdout)
    assert {"id", "template", "api_url", "database", "port", "tokens", "seed"} <= info.keys()
    assert info["api_url"].endswith("/api/")
    assert info["seed"] == {"fixture": "acme-corp", "ai": []}
    # The CLI process is gone; the clone's app still answers.
    web = WebClient(token=info["tokens"]["bot"], base_url=info["api_url"])
    assert web.auth_test()["team"] == "Acme Corp"
    pid = asymkit.Clone.get(info["id"]).record.pid

    destroyed = run_cli("destroy", info["id"])
    assert destroyed.returncode == 0, destroyed.stderr
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert not database_exists(info["database"])
    assert info["id"] not in registry.read().clones
    with pytest.raises(httpx.TransportError):
        httpx.get(info["api_url"] + "auth.test", timeout=2)


def test_reset_removes_posted_messages_and_tokens_keep_working(acme: Any) -> None:
    web = WebClient(token=acme.tokens.bot, base_url=acme.api_url)
    general = next(c["id"] for c in web.conversations_list()["channels"] if c["name"] == "general")
    web.conversations_join(channel=general)
    posted = web.chat_postMessage(channel=general, text="temporary")["ts"]

    assert main(["reset", acme.id]) == 0

    # No request after reset returns may fail, and the token printed at spin still works.
    # (The reset also undid the bot's join, so the owner reads the channel.)
    owner = WebClient(token=acme.tokens.user, base_url=acme.api_url)
    latest = owner.conversations_history(channel=general, limit=1)["messages"][0]
    assert latest["ts"] != posted
    assert all(
        m["text"] != "temporary"
        for m in owner.conversations_history(channel=general, limit=200)["messages"]
    )
    assert web.auth_test()["ok"] is True
    assert WebClient(token=acme.tokens.user, base_url=acme.api_url).auth_test()["user"] == "dana"


def test_reset_output_lines(acme: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reset", acme.id]) == 0
    assert capsys.readouterr().out.startswith(
        f"✓ reset {acme.id} to its seed (fixture: acme-corp): 0 records put back in "
    )
    assert main(["reset", acme.id, "--rebuild"]) == 0
    assert capsys.readouterr().out.startswith(
        f"✓ reset {acme.id} (fixture: acme-corp, 268 rows; rebuilt in "
    )


STRATEGIES = [pytest.param("auto", id="snapshot"), pytest.param("rebuild", id="rebuild")]


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_requests_right_after_reset_never_fail(acme: Any, strategy: str) -> None:
    web = WebClient(token=acme.tokens.bot, base_url=acme.api_url)
    for _ in range(3):
        acme.reset(strategy=strategy)
        assert web.auth_test()["ok"]
        assert len(web.users_list()["members"]) == 11


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_requests_during_a_reset_get_clean_answers(acme: Any, strategy: str) -> None:
    """In flight during a reset: a proper answer or a Slack-style error, never a hang or a 500."""
    statuses: list[int] = []
    problems: list[str] = []
    stop = threading.Event()

    def hammer() -> None:
        with httpx.Client(timeout=10) as http:
            while not stop.is_set():
                try:
                    r = http.get(
                        acme.api_url + "users.list",
                        headers={"Authorization": f"Bearer {acme.tokens.bot}"},
                    )
                except httpx.HTTPError as exc:  # a hang ends in a timeout here
                    problems.append(repr(exc))
                    continue
                is_json = r.headers["content-type"].startswith("application/json")
                if not is_json or "ok" not in r.json():
                    problems.append(r.text[:200])
                statuses.append(r.status_code)

    worker = threading.Thread(target=hammer)
    worker.start()
    try:
        for _ in range(3):
            acme.reset(strategy=strategy)
            time.sleep(0.05)
    finally:
        stop.set()
        worker.join(30)
    assert problems == []
    # The snapshot swaps rows inside one transaction: readers never notice.
    assert statuses and set(statuses) <= ({200} if strategy == "auto" else {200, 503})


def test_stop_start_and_a_dead_clone(acme: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stop", acme.id]) == 0
    assert asymkit.Clone.get(acme.id).status() == "stopped"
    assert main(["start", acme.id]) == 0
    clone = asymkit.Clone.get(acme.id)
    assert clone.status() == "running"

    os.killpg(clone.record.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while clone.status() != "dead" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert clone.status() == "dead"
    capsys.readouterr()
    assert main(["status"]) == 0
    assert f"{acme.id}" in (
        row := next(
            line for line in capsys.readouterr().out.splitlines() if line.startswith(acme.id)
        )
    )
    assert " dead " in row
    assert main(["start", acme.id]) == 0
    acme.record = asymkit.Clone.get(acme.id).record
    assert WebClient(token=acme.tokens.bot, base_url=acme.api_url).auth_test()["ok"]


def test_tokens_and_status_json(acme: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tokens", acme.id, "--json"]) == 0
    tokens = json.loads(capsys.readouterr().out)
    assert tokens["bot"].startswith("xoxb-") and tokens["user"].startswith("xoxp-")
    assert main(["status", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert any(r["id"] == acme.id and r["status"] == "running" for r in rows)


def test_logs_show_the_app_output(acme: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["logs", acme.id]) == 0
    assert "Application startup complete" in capsys.readouterr().out


def test_a_clean_life_leaves_nothing_alarming_in_the_log() -> None:
    """Spin, rebuild, re-seed, serve, stop: the app's log has no warning, error or traceback
    (the pool used to log every connection a rebuild closed as `[BAD]`)."""
    clone = asymkit.spin("slack", seed="acme-corp")
    try:
        for args in (
            ("reset", clone.id, "--rebuild"),
            ("seed", clone.id, "--fixture", "acme-corp"),
        ):
            done = run_cli(*args)
            assert done.returncode == 0, done.stderr
        web = WebClient(token=clone.tokens.user, base_url=clone.api_url)
        general = next(
            c["id"] for c in web.conversations_list()["channels"] if c["name"] == "general"
        )
        for n in range(3):
            web.chat_postMessage(channel=general, text=f"after the rebuild {n}")
        clone.stop()
        log = clone.log_path.read_text()
        assert "Application shutdown complete." in log  # it did stop, cleanly
        alarming = [
            line
            for line in log.splitlines()
            if not line.startswith("INFO:")
            or any(w in line for w in ("[BAD]", "WARNING", "ERROR", "Traceback"))
        ]
        assert alarming == []
    finally:
        clone.destroy()


def test_tokens_are_stored_hashed_in_the_clone(acme: Any, db: Any) -> None:
    stored = [r[0] for r in db.execute("SELECT token_hash FROM tokens")]
    assert stored and acme.tokens.bot not in stored and acme.tokens.user not in stored
    assert all(len(h) == 64 for h in stored)


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        pytest.param(
            ["reset", "slack-zzzz"], "CLONE_NOT_FOUND", "No clone 'slack-zzzz'", id="wrong-id"
        ),
        pytest.param(
            ["spin", "slak"], "TEMPLATE_NOT_FOUND", "Did you mean 'slack'?", id="wrong-template"
        ),
        pytest.param(
            ["spin", "slack", "--seed", "acme"],
            "FIXTURE_NOT_FOUND",
            "Did you mean 'acme-corp'?",
            id="wrong-fixture",
        ),
        pytest.param(
            ["env", "reset", "nope"], "ENV_NOT_FOUND", "No environment 'nope'", id="wrong-env"
        ),
        pytest.param(
            ["spin", "slack", "--env", "Bad Name"],
            "INVALID_ARGUMENT",
            "not a valid environment name",
            id="bad-env-name",
        ),
    ],
)
def test_user_mistakes_get_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str], argv: list[str], code: str, message: str
) -> None:
    before = registry.read()
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"[{code}]" in err and message in err
    assert "Traceback" not in err
    assert registry.read() == before


def test_port_in_use_is_refused_before_anything_is_made(
    acme: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    before = registry.read()
    assert main(["spin", "slack", "--port", str(acme.port)]) == 1
    assert "[PORT_IN_USE]" in capsys.readouterr().err
    assert registry.read() == before


def test_a_dead_database_server_is_one_clear_sentence(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASYMKIT_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/postgres")
    before = registry.read()
    assert main(["spin", "slack"]) == 1
    err = capsys.readouterr().err
    assert "[DATABASE_UNAVAILABLE]" in err and "ASYMKIT_DATABASE_URL" in err
    assert registry.read() == before


def test_usage_errors_exit_2() -> None:
    assert run_cli("spin").returncode == 2
    assert run_cli("frobnicate").returncode == 2


def test_destroy_leaves_no_lock_file_behind() -> None:
    from asymkit.paths import home

    clone = asymkit.spin("notes", seed="demo")
    clone.reset()
    assert (home() / "locks" / f"clone-{clone.id}.lock").exists()
    clone.destroy()
    assert not (home() / "locks" / f"clone-{clone.id}.lock").exists()


def test_provisioning_waits_for_a_database_that_is_coming_back() -> None:
    """A clone whose database refuses connections for a moment answers its admin calls with
    503 and Retry-After (as after a rebuild's swap, slowed by a busy machine): asymkit
    tries again instead of failing the rebuild or start with ProvisionFailed."""
    from asymkit import build

    with asymkit.spin("slack", seed="acme-corp") as clone:
        target = clone.target()
        with postgres.server().admin() as admin:
            admin.execute(f'ALTER DATABASE "{clone.database}" WITH ALLOW_CONNECTIONS false')
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (clone.database,),
            )

            def allow() -> None:
                with postgres.connect(postgres.server().url, autocommit=True) as conn:
                    conn.execute(f'ALTER DATABASE "{clone.database}" WITH ALLOW_CONNECTIONS true')

            reopen = threading.Timer(2.5, allow)
            reopen.start()
            try:
                tokens = build.provision(target)
            finally:
                reopen.join()
        assert tokens["bot"] == clone.tokens.bot
        assert WebClient(token=tokens["bot"], base_url=clone.api_url).auth_test()["ok"]
