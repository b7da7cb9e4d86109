"""Grading under contention: resets, diffs, snapshots and Slack writers, each in its own
process, at once. A reset never rebuilds because of lock contention (named snapshots and
the seed survive), no process sees a raw psycopg error, writers see no 5xx or
``invalid_auth``, and a seed never holds a writer's message."""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import psutil
import pytest

import asymkit
from asymkit import changes, faults, postgres

# One loop in its own process: ROLE is reset, rebuild, diff, snapshot or write; it runs for
# SECONDS and prints what it saw, by kind: a reset's strategy, "ok", an asymkit error's code,
# a Slack error ("slack:<error>", "http:<status>"), or "raw:<exception type>" for anything
# else (what no user may see).
LOOP = r"""
import collections, json, sys, time
import asymkit
from asymkit import postgres
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

role, clone_id, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
clone = asymkit.Clone.get(clone_id)
seen = collections.Counter()
web = WebClient(token=clone.tokens.user, base_url=clone.api_url, timeout=30)
channel = sys.argv[4] if len(sys.argv) > 4 else ""
end = time.monotonic() + seconds
while time.monotonic() < end:
    try:
        if role == "reset":
            seen[clone.reset().strategy] += 1
        elif role == "rebuild":  # and how many messages each new seed holds
            seen[clone.reset(strategy="rebuild").strategy] += 1
            with postgres.connect(postgres.server().dsn(clone.database)) as db:
                row = db.execute("SELECT count(*) FROM asymkit_snap_seed.messages").fetchone()
            seen[f"seed:{row[0]}"] += 1
        elif role == "diff":
            clone.diff()
            seen["ok"] += 1
        elif role == "snapshot":
            clone.snapshot("s1")
            seen["ok"] += 1
        else:
            web.chat_postMessage(channel=channel, text=f"agent at {time.time()}")
            seen["ok"] += 1
    except asymkit.AsymkitError as exc:
        seen[exc.code] += 1
        print(exc, file=sys.stderr)
    except SlackApiError as exc:
        status = exc.response.status_code
        seen[f"http:{status}" if status >= 500 else f"slack:{exc.response.get('error')}"] += 1
    except Exception as exc:
        seen[f"raw:{type(exc).__module__}.{type(exc).__name__}"] += 1
        print(repr(exc), file=sys.stderr)
print(json.dumps(seen))
"""


def run_loops(
    clone: Any, roles: list[str], seconds: float, channel: str
) -> dict[str, collections.Counter[str]]:
    """Run one process per role for ``seconds``; what each role saw, summed per role."""
    procs = [
        (
            role,
            subprocess.Popen(
                [sys.executable, "-c", LOOP, role, clone.id, str(seconds), channel],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=os.environ.copy(),
            ),
        )
        for role in roles
    ]
    out: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for role, proc in procs:
        stdout, stderr = proc.communicate(timeout=seconds + 120)
        assert proc.returncode == 0, stderr[-2000:]
        out[role].update(json.loads(stdout.strip().splitlines()[-1]))
    return dict(out)


def seed_taken(clone: Any) -> float:
    """When the seed's snapshot was taken: a rebuild takes it again."""
    with postgres.connect(postgres.server().dsn(clone.database)) as conn:
        row = conn.execute("SELECT created FROM asymkit.snapshots WHERE name = 'seed'").fetchone()
    assert row is not None
    return float(row[0])  # type: ignore[arg-type]


def messages(clone: Any) -> int:
    with postgres.connect(postgres.server().dsn(clone.database)) as conn:
        row = conn.execute("SELECT count(*) FROM messages").fetchone()
    assert row is not None
    return int(row[0])  # type: ignore[call-overload]


@pytest.fixture
def busy() -> Iterator[Any]:
    """A clone of its own (a rebuild here must not disturb the session's), seeded with
    acme-corp, with a named snapshot ``marker``."""
    clone = asymkit.spin("slack", seed=asymkit.Fixture("acme-corp"))
    try:
        clone.snapshot("marker")
        yield clone
    finally:
        clone.destroy()


def general(clone: Any) -> str:
    from slack_sdk import WebClient

    web = WebClient(token=clone.tokens.user, base_url=clone.api_url)
    return next(c["id"] for c in web.conversations_list()["channels"] if c["name"] == "general")


def raw(seen: dict[str, collections.Counter[str]]) -> dict[str, int]:
    return {k: v for c in seen.values() for k, v in c.items() if k.startswith("raw:")}


def test_resets_next_to_diffs_and_a_writer_never_rebuild(busy: Any) -> None:
    """The issue's repro: a reset loop, two diff loops and a writer, in four processes."""
    seeded, taken = messages(busy), seed_taken(busy)
    seen = run_loops(busy, ["reset", "diff", "diff", "write"], 26, general(busy))
    assert seen["reset"]["snapshot"] > 0
    assert set(seen["reset"]) == {"snapshot"}, seen  # never a rebuild, never an error
    assert set(seen["diff"]) == {"ok"}, seen  # no DeadlockDetected, no "not answering"
    assert set(seen["write"]) == {"ok"}, seen  # no invalid_auth, no 503
    assert [s.name for s in busy.snapshots()] == ["marker"]
    assert seed_taken(busy) == taken
    busy.reset()
    assert messages(busy) == seeded


def test_snapshots_next_to_writers_are_taken(busy: Any) -> None:
    """Four writers and a snapshot loop: every snapshot is taken, no raw psycopg error."""
    seen = run_loops(busy, ["snapshot", "write", "write", "write", "write"], 20, general(busy))
    assert seen["snapshot"]["ok"] > 0
    assert set(seen["snapshot"]) == {"ok"}, seen
    assert set(seen["write"]) == {"ok"}, seen
    assert raw(seen) == {}


def test_a_rebuild_among_writers_keeps_their_messages_out_of_the_seed(busy: Any) -> None:
    """Rebuilds (a real reason: strategy="rebuild") while three processes post: every new
    seed holds the fixture's messages only, and writers never see invalid_auth."""
    seeded = messages(busy)
    seen = run_loops(busy, ["rebuild", "write", "write", "write"], 12, general(busy))
    assert seen["rebuild"]["rebuild"] > 0
    assert {k for k in seen["rebuild"] if k.startswith("seed:")} == {f"seed:{seeded}"}, seen
    assert "slack:invalid_auth" not in seen["write"], seen
    assert raw(seen) == {}
    busy.reset()
    assert messages(busy) == seeded


def test_a_rebuild_killed_while_seeding_privately_leaves_no_app_behind(busy: Any) -> None:
    """The private app dies with the rebuild that started it; the next reset restores."""
    killed = subprocess.run(
        [sys.executable, "-m", "asymkit.cli", "reset", busy.id, "--rebuild"],
        env={**os.environ, faults.ENV: "build:seeded-privately"},
        capture_output=True,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL
    staging = f"{busy.database}__next"
    deadline = time.monotonic() + 10
    while private_apps(staging) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert private_apps(staging) == []
    assert busy.reset().strategy == "snapshot"
    assert [s.name for s in busy.snapshots()] == ["marker"]


def private_apps(database: str) -> list[int]:
    """Processes serving ``database`` (their CLONE_DATABASE_URL names it)."""
    found = []
    for proc in psutil.process_iter():
        try:
            url = proc.environ().get("CLONE_DATABASE_URL", "")
        except psutil.Error:
            continue
        if f"dbname={database} " in url + " " or url.endswith(f"/{database}"):
            found.append(proc.pid)
    return found


def test_a_reset_that_cannot_get_its_locks_fails_cleanly(
    busy: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A transaction that keeps a table: the reset fails with CLONE_BUSY and changes nothing
    (no rebuild: the agent's message, the snapshots and the seed are all still there)."""
    monkeypatch.setattr(changes, "LOCK_PATIENCE", 3.0, raising=False)  # (old code: none)
    from slack_sdk import WebClient

    web = WebClient(token=busy.tokens.user, base_url=busy.api_url)
    web.chat_postMessage(channel=general(busy), text="the agent was here")
    written, taken = messages(busy), seed_taken(busy)
    with postgres.connect(postgres.server().dsn(busy.database)) as holder:
        holder.execute("LOCK TABLE messages IN ACCESS SHARE MODE")
        with pytest.raises(asymkit.AsymkitError, match="nothing was changed") as refused:
            busy.reset()
        holder.rollback()
    assert refused.value.code == "CLONE_BUSY"
    assert messages(busy) == written
    assert [s.name for s in busy.snapshots()] == ["marker"] and seed_taken(busy) == taken
    assert busy.reset().strategy == "snapshot"
    assert messages(busy) == written - 1


def test_a_snapshot_whose_connection_is_ended_is_a_named_error(busy: Any) -> None:
    """The server ends a capture's connection while it waits for a table: DATABASE_UNAVAILABLE,
    not a psycopg exception."""
    failed: list[BaseException] = []

    def take() -> None:
        try:
            busy.snapshot("s2")
        except BaseException as exc:  # what the caller of clone.snapshot would see
            failed.append(exc)

    server = postgres.server()
    with postgres.connect(server.dsn(busy.database)) as holder:
        holder.execute("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE")
        taker = threading.Thread(target=take)
        taker.start()
        deadline = time.monotonic() + 20
        ended = False
        while not ended and time.monotonic() < deadline:
            with server.admin() as admin:
                ended = bool(
                    admin.execute(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                        " WHERE datname = %s AND wait_event_type = 'Lock'"
                        " AND query LIKE '%%LOCK TABLE%%'",
                        (busy.database,),
                    ).fetchone()
                    != (0,)
                )
            time.sleep(0.05)
        holder.rollback()
        taker.join(60)
    assert ended
    [error] = failed
    assert isinstance(error, asymkit.DatabaseUnavailable), repr(error)
    assert [s.name for s in busy.snapshots()] == ["marker"]


def test_a_database_being_swapped_is_not_reported_as_the_server_down(busy: Any) -> None:
    """What a diff meets mid-rebuild (the database refusing connections, or renamed away):
    a sentence about the database, not "the embedded Postgres is not answering"."""
    server = postgres.server()
    with server.admin() as admin:
        admin.execute(f"ALTER DATABASE {busy.database} ALLOW_CONNECTIONS false")
    try:
        with pytest.raises(asymkit.DatabaseUnavailable, match="not there right now") as refused:
            busy.diff()
    finally:
        with server.admin() as admin:
            admin.execute(f"ALTER DATABASE {busy.database} ALLOW_CONNECTIONS true")
    assert "not answering" not in str(refused.value)
    with pytest.raises(asymkit.DatabaseUnavailable, match="not there right now"):
        postgres.connect(server.dsn(busy.database + "_gone"))


def test_the_seed_snapshot_cannot_be_dropped(busy: Any) -> None:
    with pytest.raises(asymkit.InvalidArgument, match="seed"):
        busy.drop_snapshot("seed")
    taken = seed_taken(busy)
    assert busy.reset().strategy == "snapshot"
    assert seed_taken(busy) == taken
    assert [s.name for s in busy.snapshots()] == ["marker"]


def test_the_cli_refuses_to_drop_the_seed_snapshot(busy: Any) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "asymkit.cli", "snapshot", busy.id, "--drop", "seed"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "'seed' is the last seed's state" in done.stderr and "Traceback" not in done.stderr
    assert not busy.diff()  # the seed's snapshot is still there to diff against
