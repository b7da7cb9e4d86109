"""Every verb on a server configured like a managed Postgres (``managed_server``).

The admin in ``ASYMKIT_DATABASE_URL`` has ``CREATEDB CREATEROLE`` and is not a
superuser; the server takes only TLS over TCP with SCRAM passwords and has
``max_connections=100``. Fixtures, AI replay from a cassette, events, environments,
snapshots, diff, reset and destroy all work there; the URL's TLS settings reach
every connection, the clone's app included.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import psutil
import psycopg
import pytest
from events_helpers import bot_joins
from managed_server import ADMIN, Managed
from psycopg.conninfo import conninfo_to_dict
from slack_helpers import GENERAL, web

import asymkit
from asymkit import cassette as cs
from asymkit import fingerprint, postgres

SMALL = Path(__file__).parent.parent / "cassettes" / "startup-small.msgpack"


@pytest.fixture(scope="module", autouse=True)
def on_managed(managed: Managed, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Managed]:
    """This module's tests run as a home of their own on the managed-like server."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ASYMKIT_HOME", str(tmp_path_factory.mktemp("managed-home")))
        mp.setenv("ASYMKIT_DATABASE_URL", managed.url)
        yield managed
        for clone in asymkit.Clone.all():
            clone.destroy()


@pytest.fixture(scope="module")
def acme(on_managed: Managed) -> Iterator[asymkit.Clone]:
    clone = asymkit.spin("slack", seed=asymkit.Fixture("acme-corp"))
    yield clone
    clone.destroy()


def _su(managed: Managed) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(managed.superuser_url, autocommit=True)


def test_the_admin_is_not_a_superuser_on_a_100_connection_server(acme: asymkit.Clone) -> None:
    assert web(acme).auth_test()["team"] == "Acme Corp"
    with postgres.server().admin() as admin:
        row = admin.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        assert row == (False, True, True)
        assert admin.execute("SHOW max_connections").fetchone() == ("100",)


def test_the_urls_tls_settings_reach_the_clones_app(acme: asymkit.Clone) -> None:
    """The app's own connection string keeps sslmode and sslrootcert from the URL (as a
    managed server's CA bundle would be named), read from the running app's environment."""
    app = psutil.Process(acme.record.pid)
    info = conninfo_to_dict(app.environ()["CLONE_DATABASE_URL"])
    expected = conninfo_to_dict(os.environ["ASYMKIT_DATABASE_URL"])
    assert info["sslmode"] == expected["sslmode"] == "prefer"
    assert info["sslrootcert"] == expected["sslrootcert"]
    assert info["user"] == acme.database != ADMIN


def test_a_url_requiring_tls_the_server_lacks_fails_in_one_sentence(
    on_managed: Managed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``sslmode=require`` reaches the connection: this server has no TLS, so spin stops
    before making anything, with one sentence."""
    before = [c.id for c in asymkit.Clone.all()]
    monkeypatch.setenv("ASYMKIT_DATABASE_URL", on_managed.url.replace("=prefer", "=require"))
    with pytest.raises(asymkit.DatabaseUnavailable) as info:
        asymkit.spin("notes", seed="demo")
    assert "SSL" in info.value.message
    assert "\n" not in info.value.message
    assert [c.id for c in asymkit.Clone.all()] == before


def test_fixture_reset_snapshot_and_diff(acme: asymkit.Clone) -> None:
    acme.reset()
    client = web(acme, "user")
    client.chat_postMessage(channel=GENERAL, text="before the snapshot")
    acme.snapshot("mid")
    client.chat_postMessage(channel=GENERAL, text="after the snapshot")
    diff = acme.diff()
    assert sorted(m["text"] for m in diff["messages"].added) == [
        "after the snapshot",
        "before the snapshot",
    ]
    assert [m["text"] for m in acme.diff(since="mid")["messages"].added] == ["after the snapshot"]
    acme.reset(to="mid")
    assert [m["text"] for m in acme.diff()["messages"].added] == ["before the snapshot"]
    acme.drop_snapshot("mid")
    acme.reset()
    assert not acme.diff()


def test_reset_after_twenty_writes_restores_the_seed(acme: asymkit.Clone) -> None:
    acme.reset()
    seeded = fingerprint.fingerprint(postgres.server(), acme.database, acme.template)
    client = web(acme, "user")
    for n in range(20):
        client.chat_postMessage(channel=GENERAL, text=f"write {n}")
    acme.reset()
    assert fingerprint.fingerprint(postgres.server(), acme.database, acme.template) == seeded


def test_events_are_recorded(acme: asymkit.Clone) -> None:
    acme.reset()
    bot_joins(acme)
    posted = web(acme).chat_postMessage(channel=GENERAL, text="an event")
    texts = [e["payload"]["event"].get("ts") for e in acme.events.recorded()]
    assert posted["ts"] in texts


def test_a_cassette_replays_and_reset_restores_it(tmp_path: Path) -> None:
    small = tmp_path / "small.msgpack"
    attrs.evolve(cs.load(SMALL), replay_fingerprint=None).save(small)
    with asymkit.spin("slack") as clone:
        report = clone.seed(ai=asymkit.AISeed(cassette=small, record_mode="none"))
        assert report.ai is not None and report.ai.written > 0 and report.ai.rejected == 0
        seeded = fingerprint.fingerprint(postgres.server(), clone.database, clone.template)
        web(clone, "user").chat_postMessage(channel=first_channel(clone), text="extra")
        clone.reset()
        assert fingerprint.fingerprint(postgres.server(), clone.database, clone.template) == seeded


def first_channel(clone: Any) -> str:
    """The id of a replayed workspace's first public channel."""
    channels = web(clone, "user").conversations_list()["channels"]
    return str(channels[0]["id"])


def test_an_environment_spins_resets_and_destroys(on_managed: Managed) -> None:
    env = asymkit.Environment.create("managed-env")
    clones, errors = env.spin("notes", count=2, seed="demo")
    assert errors == [] and len(clones) == 2
    report = env.reset()
    assert report.state == "ok"
    databases = [c.database for c in clones]
    env.destroy()
    with _su(on_managed) as su:
        left = su.execute(
            "SELECT datname FROM pg_database WHERE datname = ANY(%s)"
            " UNION ALL SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)",
            (databases, databases),
        ).fetchall()
    assert left == []


def test_destroy_leaves_no_database_or_role(on_managed: Managed) -> None:
    clone = asymkit.spin("notes", seed="demo")
    clone.destroy()
    with _su(on_managed) as su:
        left = su.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s"
            " UNION ALL SELECT rolname FROM pg_roles WHERE rolname = %s",
            (clone.database + "%", clone.database),
        ).fetchall()
    assert left == []


def test_a_clone_role_is_re_keyed_by_the_non_superuser_admin(on_managed: Managed) -> None:
    """Setting a clone role's password again must not restate powers only a superuser may."""
    database = f"clone_rekey_{secrets.token_hex(3)}"
    server = postgres.server()
    with server.admin() as admin:
        role, old = postgres.create_clone_role(admin, database)
        try:
            again, new = postgres.create_clone_role(admin, database)
            assert again == role and new != old
            with psycopg.connect(server.dsn("postgres", user=role, password=new)) as conn:
                assert conn.execute("SELECT current_user").fetchone() == (role,)
        finally:
            postgres.drop_clone_role(admin, role)


def test_idle_clones_hold_one_connection_and_the_harness_a_bounded_few(
    on_managed: Managed, acme: asymkit.Clone
) -> None:
    """On a 100-connection server: after each of five clones was written to, reset and
    diffed from this one process, each idle clone keeps 1 connection and this process
    keeps its few reused ones (not one per clone), so 100 clones fit with room to spare."""
    env = asymkit.Environment.create("connections")
    more, errors = env.spin("slack", count=4, seed=asymkit.Fixture("acme-corp"))
    assert errors == []
    try:
        for clone in [acme, *more]:
            web(clone, "user").chat_postMessage(channel=GENERAL, text="one write")
            clone.reset()
            clone.diff()
        roles = [c.database for c in [acme, *more]]
        query = (
            "SELECT usename, count(*) FROM pg_stat_activity WHERE usename = ANY(%s)"
            " OR (usename = %s AND application_name = 'asymkit') GROUP BY usename"
        )
        # Idle connections are let go within seconds; the deadline is generous on purpose
        # (a busy CI machine): this checks how many stay, not how fast the rest go.
        deadline = time.monotonic() + 30
        with _su(on_managed) as su:
            while True:
                held = {str(u): int(str(n)) for u, n in su.execute(query, (roles, ADMIN))}
                if all(held.get(r, 0) <= 1 for r in roles) or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
        assert all(held.get(role) == 1 for role in roles), held
        assert held.get(ADMIN, 0) <= 5, held  # changes._IDLE_MAX kept + none in flight
    finally:
        env.destroy()


def test_with_clone_pool_min_0_an_idle_clone_holds_no_connection(
    on_managed: Managed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``CLONE_POOL_MIN=0`` (passed to the app like every ``CLONE_*`` setting): idle, the
    clone gives its last connection back, and its next call connects again."""
    monkeypatch.setenv("CLONE_POOL_MIN", "0")
    with asymkit.spin("slack", seed=asymkit.Fixture("acme-corp")) as clone:
        assert web(clone).auth_test()["ok"]
        query = "SELECT count(*) FROM pg_stat_activity WHERE usename = %s"
        # The pool lets idle connections go every few seconds; the deadline is generous
        # on purpose (a busy CI machine): this checks that none stays, not how fast.
        deadline = time.monotonic() + 40
        with _su(on_managed) as su:
            while True:
                (held,) = su.execute(query, (clone.database,)).fetchone() or (0,)
                if held == 0 or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
        assert held == 0
        assert web(clone).auth_test()["team"] == "Acme Corp"
