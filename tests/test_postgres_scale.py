"""Fifty clones' worth of databases fit on a server with Postgres' default 100 connections.

Each "clone" is what a clone's app is to the server: its own database, its own
login role, and a psycopg pool of at most 2 connections (min_size=0, idle ones let go
after 2 s) that is hit with a burst of concurrent queries.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from asymkit import embedded, postgres

CLONES = 50


@pytest.fixture
def default_sized_server(tmp_path: Path) -> Iterator[postgres.Server]:
    """An embedded server configured like a default external one: max_connections=100."""
    cluster = embedded.Embedded(tmp_path / "pg", max_connections=100)
    server = postgres.Server(url=cluster.ensure(), embedded=False)
    yield server
    cluster.stop()


def test_fifty_clone_databases_with_small_pools_all_work_on_100_connections(
    default_sized_server: postgres.Server,
) -> None:
    server = default_sized_server
    clones = []
    with server.admin() as admin:
        assert admin.execute("SHOW max_connections").fetchone() == ("100",)
        for _ in range(CLONES):
            database = f"clone_scale_{secrets.token_hex(3)}"
            role, password = postgres.create_clone_role(admin, database)
            postgres.create_database(admin, database, owner=role)
            clones.append(server.dsn(database, user=role, password=password))

    errors: list[BaseException] = []
    answers: list[int] = []
    lock = threading.Lock()

    def burst(pool: ConnectionPool[psycopg.Connection[tuple[object, ...]]]) -> None:
        try:
            with pool.connection() as conn:
                row = conn.execute("SELECT count(*) FROM pg_stat_activity").fetchone()
            with lock:
                answers.append(1 if row else 0)
        except BaseException as exc:  # the assertion below reports it
            with lock:
                errors.append(exc)

    # As the clone app's pool does, idle connections are let go after a few seconds: a
    # pool whose first connections were refused (100 asked for, 97 slots for non-
    # superusers) connects once others have let theirs go, not 10 minutes later.
    pools = [
        ConnectionPool(dsn, min_size=0, max_size=2, max_idle=2.0, timeout=120, open=True)
        for dsn in clones
    ]
    try:
        # Two requests at once per clone: every pool may grow to its 2 (100 in all, over
        # what the server admits at once), so connections must be handed back in turn.
        threads = [threading.Thread(target=burst, args=(pool,)) for pool in pools for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert errors == []
        assert answers == [1] * (CLONES * 2)
        with server.admin() as admin:
            per_db = admin.execute(
                "SELECT datname, count(*) FROM pg_stat_activity"
                " WHERE datname LIKE 'clone_scale_%' GROUP BY datname"
            ).fetchall()
        assert all(int(str(count)) <= 2 for _, count in per_db)
    finally:
        for pool in pools:
            pool.close()
