"""SQL shared by the Web API and the clone endpoints."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

from .objects import hash_token, make_id, now_seconds

Conn = AsyncConnection[dict[str, Any]]


async def next_id(conn: Conn, prefix: str) -> str:
    cur = await conn.execute("SELECT nextval('object_seq') AS n")
    row = await cur.fetchone()
    assert row is not None
    return make_id(prefix, int(row["n"]))


async def resolve_token(conn: Conn, token: str) -> dict[str, Any] | None:
    """The token's row with its workspace, acting user and bot; ``None`` if unknown."""
    cur = await conn.execute(
        """WITH t AS (
               SELECT t.*, COALESCE(t.user_id, CASE WHEN t.kind = 'user' THEN w.owner_id END)
                           AS acting_user
               FROM tokens t LEFT JOIN workspaces w ON w.id = t.workspace_id
               WHERE t.token_hash = %s)
           SELECT t.kind, t.workspace_id, t.account_id, t.acting_user AS user_id,
                  t.scopes, w.name AS team_name, w.domain AS team_domain,
                  u.name AS user_name, (u.is_admin OR u.is_owner) AS is_admin, b.id AS bot_id
           FROM t
           LEFT JOIN workspaces w ON w.id = t.workspace_id
           LEFT JOIN users u ON u.id = t.acting_user AND NOT u.deleted
           LEFT JOIN bots b ON b.user_id = u.id AND t.kind = 'bot'""",
        (hash_token(token),),
    )
    row = await cur.fetchone()
    if row is not None and row["kind"] != "session" and row["user_name"] is None:
        row["user_id"] = None
    return row


async def store_token(
    conn: Conn,
    token: str,
    kind: str,
    *,
    workspace_id: str | None = None,
    user_id: str | None = None,
    account_id: str | None = None,
) -> None:
    await conn.execute(
        """INSERT INTO tokens (token_hash, kind, workspace_id, user_id, account_id, created)
           VALUES (%s, %s, %s, %s, %s, %s)
           ON CONFLICT (token_hash) DO UPDATE SET kind = EXCLUDED.kind,
               workspace_id = EXCLUDED.workspace_id, user_id = EXCLUDED.user_id,
               account_id = EXCLUDED.account_id""",
        (hash_token(token), kind, workspace_id, user_id, account_id, now_seconds()),
    )


async def primary_workspace(conn: Conn) -> dict[str, Any] | None:
    """The clone's one workspace (the oldest, should a fixture ever add more)."""
    cur = await conn.execute("SELECT * FROM workspaces ORDER BY created, id LIMIT 1")
    return await cur.fetchone()
