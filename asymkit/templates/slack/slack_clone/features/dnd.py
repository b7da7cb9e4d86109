"""Do Not Disturb: ``dnd.info``.

The clone has no DND schedules or snoozes, so every user answers as Slack does
for someone who never set one: DND off, no snooze.
"""

from __future__ import annotations

from typing import Any

from ..methods import method
from .common import Caller, Conn, Params, user_arg


@method("dnd.info", scope="dnd:read", tier=3, args=("user",), errors=("user_not_found",))
async def dnd_info(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """A user's Do Not Disturb status (the caller's when ``user`` is not given)."""
    user_id = await user_arg(conn, caller, params)
    result: dict[str, Any] = {
        "dnd_enabled": False,
        "next_dnd_start_ts": 1,
        "next_dnd_end_ts": 1,
    }
    if user_id == caller.user_id:
        result["snooze_enabled"] = False
    return result
