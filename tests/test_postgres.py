"""The Postgres server: embedded by default, reused across processes, or ASYMKIT_DATABASE_URL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

import asymkit
from asymkit import embedded, paths, postgres
from asymkit.paths import home


@pytest.fixture(scope="module")
def external_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway Postgres cluster, separate from the embedded one, by URL."""
    cluster = embedded.Embedded(tmp_path_factory.mktemp("external") / "pg")
    yield cluster.ensure()
    cluster.stop()


def test_embedded_server_is_started_once_and_reused_by_other_processes() -> None:
    pid_file = home() / paths.EMBEDDED_DIR / "postmaster.pid"
    postgres.server()
    before = pid_file.read_text().splitlines()[0]
    for _ in range(2):
        out = subprocess.run(
            [sys.executable, "-m", "asymkit.cli", "server", "status", "--json"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert json.loads(out.stdout)["embedded"] is True
        assert (home() / "postgres.password").read_text().strip() not in out.stdout
    assert pid_file.read_text().splitlines()[0] == before


def test_a_process_killed_while_holding_the_server_leaves_it_usable() -> None:
    code = (
        "import os, signal; from asymkit import postgres; postgres.server();"
        " os.kill(os.getpid(), signal.SIGKILL)"
    )
    killed = subprocess.run([sys.executable, "-c", code])
    assert killed.returncode == -signal.SIGKILL
    with postgres.server().admin() as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_database_url_puts_clones_on_that_server(
    external_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASYMKIT_DATABASE_URL", external_url)
    clone = asymkit.spin("notes", seed="demo")
    try:
        with psycopg.connect(external_url) as conn:
            names = [r[0] for r in conn.execute("SELECT datname FROM pg_database")]
        assert clone.database in names
        assert clone.record.server != "embedded"
        assert clone.reset().strategy == "snapshot"
        # The same clone, asked about against the embedded server, says where it lives.
        monkeypatch.delenv("ASYMKIT_DATABASE_URL")
        with pytest.raises(asymkit.DatabaseUnavailable, match="set ASYMKIT_DATABASE_URL"):
            asymkit.Clone.get(clone.id).reset()
        monkeypatch.setenv("ASYMKIT_DATABASE_URL", external_url)
    finally:
        clone.destroy()
    with psycopg.connect(external_url) as conn:
        names = [r[0] for r in conn.execute("SELECT datname FROM pg_database")]
    assert clone.database not in names


def test_embedded_data_lives_under_asymkit_home() -> None:
    server = postgres.server()
    assert server.embedded
    assert Path(home() / paths.EMBEDDED_DIR / "PG_VERSION").read_text().strip() == "18"


def test_after_a_reboot_start_brings_back_the_server_and_the_clone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Server and app both gone (as after a reboot): `asymkit start` restores both."""
    import httpx

    from asymkit.cli import main

    monkeypatch.setenv("ASYMKIT_HOME", str(tmp_path / "home"))
    clone = asymkit.spin("notes", seed="demo")
    try:
        os.killpg(clone.record.pid, signal.SIGKILL)
        assert postgres.stop_embedded()
        assert asymkit.Clone.get(clone.id).status() == "dead"
        assert main(["start", clone.id]) == 0
        again = asymkit.Clone.get(clone.id)
        assert httpx.get(again.url + "/notes").json()["notes"] == ["groceries", "standup", "ideas"]
    finally:
        asymkit.Clone.get(clone.id).destroy()
        postgres.stop_embedded()


def test_status_of_an_external_server_says_whether_it_answers_without_its_password(
    external_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASYMKIT_DATABASE_URL", external_url)
    status = postgres.status()
    assert status["state"] == "running" and status["max_connections"] == 1000
    password = str(psycopg.conninfo.conninfo_to_dict(external_url)["password"])
    assert password not in json.dumps(status)
    monkeypatch.setenv("ASYMKIT_DATABASE_URL", "postgresql://u:p@127.0.0.1:1/db")
    assert postgres.status()["state"] == "unreachable"
