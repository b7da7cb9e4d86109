"""Fast reset: same state as the full rebuild, invalidated when its sources change,
and serialized across processes (crash repair: test_faults.py)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest
from slack_sdk import WebClient

import asymkit
from asymkit import fingerprint as fp
from asymkit import postgres, registry, snapshot

ROOT = Path(__file__).parent.parent
SMALL = ROOT / "cassettes" / "startup-small.msgpack"


def state(clone: Any) -> str:
    return fp.fingerprint(postgres.server(), clone.database, clone.template)


def dirty(clone: Any) -> None:
    """What an agent would do: join, post, create a channel."""
    web = WebClient(token=clone.tokens.user, base_url=clone.api_url)
    general = next(c["id"] for c in web.conversations_list()["channels"] if c["name"] == "general")
    web.conversations_join(channel=general)
    web.chat_postMessage(channel=general, text="agent output")
    web.conversations_create(name="agent-scratch")


@pytest.mark.parametrize(
    ("fixture", "cassette"),
    [
        pytest.param("acme-corp", None, id="fixture"),
        pytest.param(None, SMALL, id="ai"),
        pytest.param("acme-corp", SMALL, id="fixture+ai"),
    ],
)
def test_fast_reset_yields_the_rebuild_state(fixture: str | None, cassette: Path | None) -> None:
    ai = asymkit.AISeed(cassette=cassette, record_mode="none") if cassette else None
    with asymkit.spin("slack", seed=fixture, ai=ai) as clone:
        seeded = state(clone)
        dirty(clone)
        assert state(clone) != seeded
        fast = clone.reset()
        assert fast.strategy == "snapshot"
        assert state(clone) == seeded
        dirty(clone)
        full = clone.reset(strategy="rebuild")
        assert full.strategy == "rebuild"
        assert state(clone) == seeded
        # The tokens printed at spin work after both.
        assert WebClient(token=clone.tokens.bot, base_url=clone.api_url).auth_test()["ok"]


def test_a_changed_fixture_file_invalidates_the_snapshot(editable_templates: Path) -> None:
    templates = editable_templates
    with asymkit.spin("notes", seed="demo") as clone:
        assert clone.reset().strategy == "snapshot"
        demo = templates / "notes" / "seeds" / "demo.sql"
        demo.write_text(demo.read_text().replace("ideas", "plans"))
        report = clone.reset()
        assert report.strategy == "rebuild" and report.rows == 3
        assert clone.reset().strategy == "snapshot"  # the rebuild took a fresh snapshot


def test_a_new_migration_invalidates_the_snapshot(editable_templates: Path) -> None:
    templates = editable_templates
    with asymkit.spin("notes", seed="demo") as clone:
        (templates / "notes" / "migrations" / "0003_pinned.sql").write_text(
            "ALTER TABLE notes ADD COLUMN pinned boolean NOT NULL DEFAULT false;"
        )
        assert clone.reset().strategy == "rebuild"
        with postgres.connect(postgres.server().dsn(clone.database)) as conn:
            assert conn.execute("SELECT count(*) FROM notes WHERE NOT pinned").fetchone() == (3,)


def test_a_changed_key_and_a_table_without_a_key_are_put_back_exactly(
    editable_templates: Path,
) -> None:
    """The log records a row's key before and after an update that moves it, and a table
    without a primary key is restored whole."""
    (editable_templates / "notes" / "migrations" / "0003_log.sql").write_text(
        "CREATE TABLE note_log (note_id int, word text); INSERT INTO note_log VALUES (1, 'seeded');"
    )

    def rows(conn: Any) -> list[Any]:
        return [
            *conn.execute("SELECT id, title, body, tag FROM notes ORDER BY id"),
            *conn.execute("SELECT note_id, word FROM note_log ORDER BY 1, 2"),
        ]

    with (
        asymkit.spin("notes", seed="demo") as clone,
        postgres.connect(postgres.server().dsn(clone.database), autocommit=True) as conn,
    ):
        seeded = rows(conn)
        conn.execute("UPDATE notes SET id = id + 100, body = 'moved' WHERE title = 'ideas'")
        conn.execute("INSERT INTO note_log VALUES (2, 'agent')")
        conn.execute("DELETE FROM note_log WHERE word = 'seeded'")
        assert rows(conn) != seeded
        assert clone.reset().strategy == "snapshot"
        assert rows(conn) == seeded


def test_a_damaged_snapshot_falls_back_to_the_rebuild(acme: Any) -> None:
    seeded = state(acme)
    with postgres.connect(postgres.server().dsn(acme.database), autocommit=True) as conn:
        conn.execute(f"DROP TABLE {snapshot.schema_of(snapshot.SEED)}.messages")
    dirty(acme)
    assert acme.reset().strategy == "rebuild"
    assert state(acme) == seeded


def holds_open(pid: int, needle: str) -> bool:
    """Whether process ``pid`` has a file whose path contains ``needle`` open."""
    try:
        return any(needle in f.path for f in psutil.Process(pid).open_files())
    except psutil.NoSuchProcess:
        return False


def test_two_resets_of_one_clone_are_serialized_across_processes(acme: Any) -> None:
    """A second reset waits at the clone's lock: while we hold it, the clone stays dirty."""
    seeded = state(acme)
    with registry.clone_lock(acme.id):
        dirty(acme)
        waiting = subprocess.Popen(
            [sys.executable, "-m", "asymkit.cli", "reset", acme.id],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while not holds_open(waiting.pid, acme.id) and waiting.poll() is None:
            assert time.monotonic() < deadline, "the reset never reached the clone's lock"
            time.sleep(0.05)
        time.sleep(0.5)  # time enough to reset (~15 ms) had it not waited
        assert waiting.poll() is None  # blocked on our lock, not interleaving
        assert state(acme) != seeded  # and it has not touched the clone
    out, err = waiting.communicate(timeout=60)
    assert waiting.returncode == 0, err
    assert out.startswith(f"✓ reset {acme.id}")
    assert state(acme) == seeded
