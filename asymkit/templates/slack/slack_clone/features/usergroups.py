"""User groups (``@handle`` mentions for a set of people): ``usergroups.list``,
``usergroups.create``, ``usergroups.users.list`` and ``usergroups.users.update``."""

from __future__ import annotations

import re
from typing import Any

from ..methods import method
from ..objects import SlackError, now_seconds
from ..store import next_id
from ..validation import valid_handle
from .common import Caller, Conn, Params, flag, required

MAX_NAME = 255
MAX_DESCRIPTION = 255


def _ids(raw: str) -> list[str]:
    return sorted({part.strip() for part in raw.split(",") if part.strip()})


async def _members(conn: Conn, group_ids: list[str]) -> dict[str, list[str]]:
    cur = await conn.execute(
        """SELECT g.usergroup_id, g.user_id FROM usergroup_members g
           JOIN users u ON u.id = g.user_id AND NOT u.deleted
           WHERE g.usergroup_id = ANY(%s) ORDER BY g.user_id""",
        (group_ids,),
    )
    out: dict[str, list[str]] = {g: [] for g in group_ids}
    for r in await cur.fetchall():
        out[r["usergroup_id"]].append(r["user_id"])
    return out


def usergroup_object(
    row: dict[str, Any], users: list[str], *, with_users: bool, with_count: bool
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "id": row["id"],
        "team_id": row["workspace_id"],
        "is_usergroup": True,
        "is_subteam": True,
        "name": row["name"],
        "description": row["description"],
        "handle": row["handle"],
        "is_external": False,
        "date_create": row["date_create"],
        "date_update": row["date_update"],
        "date_delete": row["date_delete"],
        "auto_type": None,
        "auto_provision": False,
        "enterprise_subteam_id": "",
        "created_by": row["created_by"],
        "updated_by": row["updated_by"],
        "deleted_by": None,
        "prefs": {"channels": _ids(row["channels"]), "groups": []},
    }
    if with_users:
        obj["users"] = users
    if with_count:
        obj["user_count"] = len(users)
    return obj


async def _group(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    group_id = required(params, "usergroup", "no_such_subteam")
    cur = await conn.execute(
        "SELECT * FROM usergroups WHERE id = %s AND workspace_id = %s", (group_id, caller.team_id)
    )
    row = await cur.fetchone()
    if row is None:
        raise SlackError("no_such_subteam")
    return row


@method(
    "usergroups.list",
    scope="usergroups:read",
    tier=2,
    args=("include_users", "include_count", "include_disabled"),
)
async def usergroups_list(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """The workspace's user groups, by name (disabled ones only with ``include_disabled``)."""
    cur = await conn.execute(
        """SELECT * FROM usergroups WHERE workspace_id = %s AND (%s OR date_delete = 0)
           ORDER BY name, id""",
        (caller.team_id, flag(params, "include_disabled")),
    )
    rows = await cur.fetchall()
    members = await _members(conn, [r["id"] for r in rows])
    with_users, with_count = flag(params, "include_users"), flag(params, "include_count")
    return {
        "usergroups": [
            usergroup_object(r, members[r["id"]], with_users=with_users, with_count=with_count)
            for r in rows
        ]
    }


@method(
    "usergroups.create",
    scope="usergroups:write",
    tier=2,
    args=("name", "handle", "description", "channels", "include_count"),
    errors=(
        "invalid_arguments",
        "name_too_long",
        "description_too_long",
        "bad_handle",
        "name_already_exists",
        "handle_already_exists",
        "channel_not_found",
    ),
)
async def usergroups_create(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Creates a user group; its handle (unique among groups, users and channels)
    defaults to the name, lowercased and hyphenated."""
    name = required(params, "name", "invalid_arguments")
    if len(name) > MAX_NAME:
        raise SlackError("name_too_long")
    description = params.get("description", "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise SlackError("description_too_long")
    handle = params.get("handle", "").strip().lstrip("@") or re.sub(r"\s+", "-", name.lower())
    if not valid_handle(handle):
        raise SlackError("bad_handle")
    cur = await conn.execute(
        """SELECT bool_or(name = %(name)s) AS name_taken, bool_or(handle = %(handle)s) AS taken
           FROM usergroups WHERE workspace_id = %(team)s""",
        {"name": name, "handle": handle, "team": caller.team_id},
    )
    clash = await cur.fetchone()
    assert clash is not None
    if clash["name_taken"]:
        raise SlackError("name_already_exists")
    cur = await conn.execute(
        """SELECT 1 FROM users WHERE workspace_id = %(team)s AND name = %(handle)s
           UNION ALL
           SELECT 1 FROM channels WHERE workspace_id = %(team)s AND name = %(handle)s""",
        {"team": caller.team_id, "handle": handle},
    )
    if clash["taken"] or await cur.fetchone() is not None:
        raise SlackError("handle_already_exists")
    channels = _ids(params.get("channels", ""))
    if channels:
        cur = await conn.execute(
            "SELECT count(*) AS n FROM channels WHERE workspace_id = %s AND id = ANY(%s)",
            (caller.team_id, channels),
        )
        found = await cur.fetchone()
        assert found is not None
        if found["n"] != len(channels):
            raise SlackError("channel_not_found")
    now = now_seconds()
    cur = await conn.execute(
        """INSERT INTO usergroups (id, workspace_id, name, handle, description, channels,
                                   created_by, updated_by, date_create, date_update)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT DO NOTHING RETURNING *""",
        (
            await next_id(conn, "S"),
            caller.team_id,
            name,
            handle,
            description,
            ",".join(channels),
            caller.user_id,
            caller.user_id,
            now,
            now,
        ),
    )
    row = await cur.fetchone()
    if row is None:  # a concurrent create took the name or the handle first
        raise SlackError("name_already_exists")
    return {
        "usergroup": usergroup_object(
            row, [], with_users=True, with_count=flag(params, "include_count")
        )
    }


@method(
    "usergroups.users.list",
    scope="usergroups:read",
    tier=2,
    args=("usergroup", "include_disabled"),
    errors=("no_such_subteam",),
)
async def usergroups_users_list(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """The ids of a user group's members."""
    row = await _group(conn, caller, params)
    if row["date_delete"] and not flag(params, "include_disabled"):
        raise SlackError("no_such_subteam")
    return {"users": (await _members(conn, [row["id"]]))[row["id"]]}


@method(
    "usergroups.users.update",
    scope="usergroups:write",
    tier=2,
    args=("usergroup", "users", "include_count"),
    errors=("no_such_subteam", "no_users_provided", "invalid_users"),
)
async def usergroups_users_update(conn: Conn, caller: Caller, params: Params) -> dict[str, Any]:
    """Replaces a user group's members with ``users`` (comma-separated ids)."""
    row = await _group(conn, caller, params)
    users = _ids(params.get("users", ""))
    if not users:
        raise SlackError("no_users_provided")
    cur = await conn.execute(
        """SELECT count(*) AS n FROM users
           WHERE workspace_id = %s AND id = ANY(%s) AND NOT deleted""",
        (caller.team_id, users),
    )
    found = await cur.fetchone()
    assert found is not None
    if found["n"] != len(users):
        raise SlackError("invalid_users")
    # Updates of one group take turns, so that the last one wins whole.
    await conn.execute("SELECT 1 FROM usergroups WHERE id = %s FOR UPDATE", (row["id"],))
    await conn.execute("DELETE FROM usergroup_members WHERE usergroup_id = %s", (row["id"],))
    await conn.execute(
        """INSERT INTO usergroup_members (usergroup_id, user_id)
           SELECT %s, unnest(%s::text[])""",
        (row["id"], users),
    )
    cur = await conn.execute(
        """UPDATE usergroups SET updated_by = %s, date_update = %s WHERE id = %s
           RETURNING *""",
        (caller.user_id, now_seconds(), row["id"]),
    )
    updated = await cur.fetchone()
    assert updated is not None
    return {
        "usergroup": usergroup_object(
            updated, users, with_users=True, with_count=flag(params, "include_count")
        )
    }
