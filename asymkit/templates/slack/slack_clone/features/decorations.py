"""What reactions and pins add to every message returned: ``reactions`` and ``pinned_to``."""

from __future__ import annotations

from typing import Any

from ..methods import message_hook
from .common import Caller, Conn


@message_hook
async def annotate(
    conn: Conn, caller: Caller, channel_id: str, messages: list[dict[str, Any]]
) -> None:
    """Each name's users in the order they reacted (names in order of first use), and
    ``pinned_to`` on pinned messages: one round trip for a page of messages."""
    if not messages:
        return
    cur = await conn.execute(
        """SELECT r.ts, r.name, array_agg(r.user_id ORDER BY r.created) AS users,
                  min(r.created) AS first
           FROM reactions r WHERE r.channel_id = %(channel)s AND r.ts = ANY(%(stamps)s)
           GROUP BY r.ts, r.name
           UNION ALL
           SELECT p.ts, NULL, NULL, NULL
           FROM pins p WHERE p.channel_id = %(channel)s AND p.ts = ANY(%(stamps)s)
           ORDER BY first NULLS LAST, name""",
        {"channel": channel_id, "stamps": [m["ts"] for m in messages]},
    )
    reactions: dict[str, list[dict[str, Any]]] = {}
    pinned: set[str] = set()
    for r in await cur.fetchall():
        if r["name"] is None:
            pinned.add(r["ts"])
        else:
            reactions.setdefault(r["ts"], []).append(
                {"name": r["name"], "users": r["users"], "count": len(r["users"])}
            )
    for m in messages:
        if m["ts"] in reactions:
            m["reactions"] = reactions[m["ts"]]
        if m["ts"] in pinned:
            m["pinned_to"] = [channel_id]
