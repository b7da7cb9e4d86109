"""The connection pool and the one way SQL is sent (which counts statements)."""

from __future__ import annotations

import os
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

Conn = psycopg.AsyncConnection[dict[str, Any]]
Row = dict[str, Any]


class Counter:
    """How many SQL statements the app has sent: tests read it to prove batch loading."""

    def __init__(self) -> None:
        self.statements = 0


COUNTER = Counter()


async def rows(conn: Conn, query: str, params: tuple[Any, ...] | list[Any] = ()) -> list[Row]:
    """Run one statement and return its rows (none for a statement that returns none)."""
    COUNTER.statements += 1
    cur = await conn.execute(query, params)
    if cur.description is None:
        return []
    return await cur.fetchall()


async def row(conn: Conn, query: str, params: tuple[Any, ...] | list[Any] = ()) -> Row | None:
    found = await rows(conn, query, params)
    return found[0] if found else None


def new_pool() -> AsyncConnectionPool[Any]:
    return AsyncConnectionPool(
        os.environ["CLONE_DATABASE_URL"],
        min_size=1,
        max_size=int(os.environ.get("CLONE_POOL_SIZE", "8")),
        kwargs={"row_factory": dict_row, "connect_timeout": 2, "application_name": "linear_clone"},
        open=False,
        reconnect_timeout=3600,
        max_idle=5.0,
    )
