"""An environment of 50 Slack clones on a server with the default max_connections=100
spins and resets cleanly: each idle clone holds at most 2 connections, asymkit's own work
a few at a time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import asymkit
from asymkit import embedded, postgres

CLONES = 50


@pytest.fixture
def default_sized_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[postgres.Server]:
    """An embedded cluster configured like a default external server, used as one."""
    cluster = embedded.Embedded(tmp_path / "pg", max_connections=100)
    url = cluster.ensure()
    monkeypatch.setenv("ASYMKIT_DATABASE_URL", url)
    yield postgres.Server(url=url, embedded=False)
    for clone in asymkit.Clone.all():
        if clone.record.server != "embedded":
            clone.destroy()
    cluster.stop()


@pytest.mark.slow
def test_an_environment_of_fifty_clones_resets_on_a_100_connection_server(
    default_sized_server: postgres.Server,
) -> None:
    env = asymkit.Environment.create("fifty")
    clones, errors = env.spin("slack", count=CLONES, seed="acme-corp", workers=4)
    assert errors == [] and len(clones) == CLONES
    report = env.reset(workers=4)
    assert report.state == "ok", [r.error for r in report.results if not r.ok][:3]
    assert all(r.report is not None and r.report.strategy == "snapshot" for r in report.results)
    with default_sized_server.admin() as admin:
        row = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE datname LIKE 'clone_%'")
        in_use = row.fetchone()
    assert in_use is not None and int(str(in_use[0])) <= 2 * CLONES
    env.destroy()
