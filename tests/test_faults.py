"""Fault injection: a real process SIGKILLed at each named point of a rebuild, reset or
seed; the next ``reset`` brings the clone back to exactly its seed, and the API answers.

``ASYMKIT_FAULT=<point>`` (asymkit/faults.py) makes the process kill itself there, so
every point is hit for certain, not by timing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

import asymkit
from asymkit import faults, postgres
from asymkit import fingerprint as fp

SMALL = Path(__file__).parent.parent / "cassettes" / "startup-small.msgpack"


def state(clone: Any) -> str:
    return fp.fingerprint(postgres.server(), clone.database, clone.template)


def dirty(clone: Any) -> None:
    web = WebClient(token=clone.tokens.user, base_url=clone.api_url)
    general = next(c["id"] for c in web.conversations_list()["channels"] if c["name"] == "general")
    web.chat_postMessage(channel=general, text="agent output")


def killed_at(point: str, *args: str) -> None:
    """Run ``asymkit ARGS`` with the fault armed; it must die by SIGKILL at ``point``."""
    proc = subprocess.run(
        [sys.executable, "-m", "asymkit.cli", *args],
        env={**os.environ, faults.ENV: point},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stderr[-500:])


def answers(clone: Any) -> bool:
    return bool(WebClient(token=clone.tokens.bot, base_url=clone.api_url).auth_test()["ok"])


@pytest.mark.parametrize("point", [p for p in faults.POINTS if p.startswith("build:")])
def test_a_rebuild_killed_at_each_point_is_repaired_by_the_next_reset(
    acme: Any, point: str
) -> None:
    seeded = state(acme)
    dirty(acme)
    killed_at(point, "reset", acme.id, "--rebuild")
    asymkit.Clone.get(acme.id).reset()
    assert state(acme) == seeded
    assert answers(acme)


def test_a_database_left_refusing_connections_is_reopened_and_restored_fast(acme: Any) -> None:
    """Killed between refusing connections and the swap: the next reset lets connections in
    again and restores the snapshot, instead of rebuilding from scratch."""
    seeded = state(acme)
    killed_at("build:live-closed", "reset", acme.id, "--rebuild")
    with postgres.server().admin() as admin:
        row = admin.execute(
            "SELECT datallowconn FROM pg_database WHERE datname = %s", (acme.database,)
        ).fetchone()
    assert row == (False,)  # what the killed rebuild left
    report = asymkit.Clone.get(acme.id).reset()
    assert report.strategy == "snapshot"
    assert state(acme) == seeded
    assert answers(acme)


def test_an_ai_seed_after_a_killed_rebuild_repairs_the_database_first() -> None:
    with asymkit.spin("slack", seed="acme-corp") as clone:  # its own: the seed changes
        killed_at("build:live-closed", "reset", clone.id, "--rebuild")
        report = asymkit.Clone.get(clone.id).seed(
            ai=asymkit.AISeed(cassette=SMALL, record_mode="none")
        )
        assert report.ai is not None and report.ai.written > 0
        assert answers(clone)


def test_a_reset_killed_holding_its_table_locks_leaves_the_app_serving(acme: Any) -> None:
    seeded = state(acme)
    dirty(acme)
    killed_at("reset:restore-locked", "reset", acme.id)
    assert answers(acme)  # the server rolled the dead transaction back and freed its locks
    asymkit.Clone.get(acme.id).reset()
    assert state(acme) == seeded


def test_a_fixture_seed_killed_before_it_is_recorded_resets_to_the_recorded_seed(
    acme: Any,
) -> None:
    seeded = state(acme)
    killed_at("seed:fixture-applied", "seed", acme.id, "--fixture", "acme-corp")
    asymkit.Clone.get(acme.id).reset()
    assert state(acme) == seeded
    assert answers(acme)


@pytest.mark.parametrize("point", [p for p in faults.POINTS if p.startswith("spin:")])
def test_a_spin_killed_half_way_shows_broken_and_reset_repairs_it(point: str) -> None:
    killed_at(point, "spin", "slack", "--seed", "acme-corp")
    [clone] = [c for c in asymkit.Clone.all() if c.status() == "broken"]
    try:
        with pytest.raises(asymkit.CloneNotRunning, match="asymkit reset"):
            clone.start()
        clone.reset()
        assert clone.status() == "running"
        assert answers(asymkit.Clone.get(clone.id))
        assert clone.reset().strategy == "snapshot"
    finally:
        clone.destroy()


def test_a_rebuild_killed_half_way_shows_broken_until_reset(acme: Any) -> None:
    seeded = state(acme)
    killed_at("build:migrated", "reset", acme.id, "--rebuild")
    assert asymkit.Clone.get(acme.id).status() == "broken"
    asymkit.Clone.get(acme.id).reset()
    assert asymkit.Clone.get(acme.id).status() == "running"
    assert state(acme) == seeded


def test_sigterm_during_a_spin_leaves_no_clone_behind() -> None:
    """SIGTERM runs the same cleanup as Ctrl-C: the half-made clone is undone."""
    before = {c.id for c in asymkit.Clone.all()}
    proc = subprocess.Popen(
        [sys.executable, "-m", "asymkit.cli", "spin", "slack", "--seed", "acme-corp"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not ({c.id for c in asymkit.Clone.all()} - before):  # reserved: under way
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert err.strip().splitlines()[-1] == "terminated"
    assert {c.id for c in asymkit.Clone.all()} == before
