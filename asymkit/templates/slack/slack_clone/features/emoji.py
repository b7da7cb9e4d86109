"""Emoji: the standard names every workspace has, and ``emoji.list``'s custom ones."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from ..methods import method
from ..objects import now_seconds
from .common import Caller, Conn, Params

_NAMES = Path(__file__).with_name("emoji_names.txt")
SKIN_TONES = frozenset(f"skin-tone-{n}" for n in range(2, 7))


@functools.cache
def standard_names() -> frozenset[str]:
    """Slack's standard emoji names (``thumbsup``, ``+1``, ``white_check_mark``...)."""
    lines = _NAMES.read_text(encoding="utf-8").splitlines()
    return frozenset(n for n in lines if n and not n.startswith("#"))


def reaction_name(raw: str) -> str:
    """The name as stored: surrounding colons dropped (``:tada:`` → ``tada``)."""
    return raw.strip().strip(":").strip()


async def custom_emoji(conn: Conn, team_id: str) -> dict[str, str]:
    cur = await conn.execute(
        "SELECT name, value FROM custom_emoji WHERE workspace_id = %s ORDER BY name", (team_id,)
    )
    return {r["name"]: r["value"] for r in await cur.fetchall()}


async def valid_name(conn: Conn, team_id: str, name: str) -> bool:
    """Whether ``name`` is a standard emoji, a custom one, or either with a skin tone."""
    base, _, tone = name.partition("::")
    if tone and tone not in SKIN_TONES:
        return False
    if base in standard_names():
        return True
    cur = await conn.execute(
        "SELECT 1 FROM custom_emoji WHERE workspace_id = %s AND name = %s", (team_id, base)
    )
    return await cur.fetchone() is not None


@method("emoji.list", scope="emoji:read", tier=2)
async def emoji_list(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """The workspace's custom emoji: name → image URL or ``alias:<name>`` (no categories)."""
    return {
        "emoji": await custom_emoji(conn, caller.team_id),
        "cache_ts": f"{now_seconds()}.000000",
    }
