"""Mutations: each runs in its own savepoint and answers Linear's payload shapes."""
# long module: the served surface's fifteen mutations with the checks Linear makes; each is
# short, and they share the issue field checks, so one file reads better than five.

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from . import db
from .context import Ctx
from .db import Row
from .errors import Forbidden, InvalidInput, NotFound
from .graph import Info, resolver
from .resolvers import ctx_of, find_issue

Mutation = Callable[..., Awaitable[dict[str, Any]]]
STATE_STAMPS = {"started": "started_at", "completed": "completed_at", "canceled": "canceled_at"}
MAX_TITLE = 255
MAX_TEXT = 200_000
ISSUE_FIELDS = (
    "teamId title description stateId assigneeId priority estimate labelIds projectId cycleId"
    " parentId dueDate"
)
PROJECT_FIELDS = (
    "name description content color icon leadId memberIds teamIds priority startDate"
    " targetDate statusId"
)


def mutation(name: str, accepts: str = "") -> Callable[[Mutation], Mutation]:
    """Register a mutation: one savepoint (all or nothing), caches dropped after.

    ``accepts`` names the ``input`` fields the clone implements; any other field
    given a value is refused by name rather than silently dropped, so an agent
    never believes a write happened that did not.
    """
    known = set(accepts.split())

    def register(fn: Mutation) -> Mutation:
        async def resolve(_: Any, info: Info, **args: Any) -> dict[str, Any]:
            ctx = ctx_of(info)
            given = args.get("input") or {}
            extra = sorted(k for k, v in given.items() if v is not None and k not in known)
            if known and extra:
                raise InvalidInput(
                    f"{name}: {', '.join(extra)} not supported by this clone; "
                    f"supported: {', '.join(sorted(known))}."
                )
            async with ctx.conn.transaction():
                result = await fn(ctx, **args)
                sync = await db.row(ctx.conn, "SELECT nextval('sync_seq') AS n")
            ctx.forget()
            assert sync is not None
            return {"success": True, "lastSyncId": float(sync["n"]), **result}

        resolver(f"Mutation.{name}")(resolve)
        return fn

    return register


def _new_id() -> str:
    return str(uuid.uuid4())


def _viewer(ctx: Ctx) -> str:
    assert ctx.viewer is not None
    return str(ctx.viewer["id"])


async def _exists(ctx: Ctx, table: str, kind: str, key: str, extra: str = "", *params: Any) -> Row:
    found = await db.row(ctx.conn, f"SELECT * FROM {table} WHERE id = %s {extra}", (key, *params))
    if found is None:
        raise NotFound(kind)
    return found


def _title(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("title must not be empty", "The issue needs a title.")
    if len(value) > MAX_TITLE:
        raise InvalidInput(f"title must be at most {MAX_TITLE} characters")
    return value.strip()


def _text(value: Any, name: str) -> str | None:
    if value is not None and len(value) > MAX_TEXT:
        raise InvalidInput(f"{name} must be at most {MAX_TEXT} characters")
    return value  # type: ignore[no-any-return]


def _priority(value: Any) -> int:
    if not isinstance(value, int) or not 0 <= value <= 4:
        raise InvalidInput("priority must be 0 (none), 1 (urgent), 2 (high), 3 (medium) or 4 (low)")
    return value


async def _issue_fields(
    ctx: Ctx, team_id: str, data: dict[str, Any], current: Row | None
) -> dict[str, Any]:
    """Checked column values for the issue fields present in ``data``."""
    out: dict[str, Any] = {}
    if "title" in data:
        out["title"] = _title(data["title"])
    if "description" in data:
        out["description"] = _text(data["description"], "description")
    if "priority" in data and data["priority"] is not None:
        out["priority"] = _priority(data["priority"])
    if "estimate" in data:
        if data["estimate"] is not None and data["estimate"] < 0:
            raise InvalidInput("estimate must not be negative")
        out["estimate"] = data["estimate"]
    if "dueDate" in data:
        out["due_date"] = data["dueDate"]
    if "stateId" in data and data["stateId"] is not None:
        state = await _exists(ctx, "workflow_states", "WorkflowState", data["stateId"])
        if state["team_id"] != team_id:
            raise InvalidInput(
                "stateId belongs to another team", "The workflow state is not in this team."
            )
        out["state_id"] = state["id"]
        now = dt.datetime.now(dt.timezone.utc)
        previous = current and await db.row(
            ctx.conn, "SELECT type FROM workflow_states WHERE id = %s", (current["state_id"],)
        )
        if previous is None or previous["type"] != state["type"]:
            for kind, column in STATE_STAMPS.items():
                out[column] = now if state["type"] == kind else None
            if state["type"] == "completed" and current is not None:
                out["started_at"] = current.get("started_at") or now
    if "assigneeId" in data:
        if data["assigneeId"] is not None:
            await _exists(ctx, "users", "User", data["assigneeId"], "AND active")
        out["assignee_id"] = data["assigneeId"]
    if "projectId" in data:
        if data["projectId"] is not None:
            await _exists(ctx, "projects", "Project", data["projectId"])
        out["project_id"] = data["projectId"]
    if "cycleId" in data:
        if data["cycleId"] is not None:
            await _exists(ctx, "cycles", "Cycle", data["cycleId"], "AND team_id = %s", team_id)
        out["cycle_id"] = data["cycleId"]
    if "parentId" in data:
        if data["parentId"] is not None:
            parent = await find_issue(ctx, data["parentId"])
            if current is not None:
                cycle = await db.row(
                    ctx.conn,
                    """WITH RECURSIVE up AS (SELECT id, parent_id FROM issues WHERE id = %s
                         UNION SELECT i.id, i.parent_id FROM issues i
                         JOIN up ON i.id = up.parent_id)
                       SELECT 1 AS hit FROM up WHERE id = %s""",
                    (parent["id"], current["id"]),
                )
                if cycle is not None:
                    raise InvalidInput(
                        "parentId would make the issue its own ancestor",
                        "An issue cannot be a sub-issue of itself or of its sub-issues.",
                    )
            out["parent_id"] = parent["id"]
        else:
            out["parent_id"] = None
    return out


async def _labels(ctx: Ctx, team_id: str, ids: list[str]) -> list[str]:
    found = await db.rows(
        ctx.conn,
        """SELECT id FROM issue_labels WHERE id = ANY(%s) AND archived_at IS NULL
           AND (team_id IS NULL OR team_id = %s)""",
        (ids, team_id),
    )
    if len(found) != len(set(ids)):
        raise NotFound("IssueLabel")
    return [r["id"] for r in found]


async def _set_labels(ctx: Ctx, issue_id: str, add: list[str], remove: list[str]) -> None:
    if remove:
        await db.rows(
            ctx.conn,
            "DELETE FROM issue_label_links WHERE issue_id = %s AND label_id = ANY(%s)",
            (issue_id, remove),
        )
    for label in add:
        await db.rows(
            ctx.conn,
            "INSERT INTO issue_label_links (issue_id, label_id) VALUES (%s, %s)"
            " ON CONFLICT DO NOTHING",
            (issue_id, label),
        )


def _assignments(values: dict[str, Any]) -> tuple[str, list[Any]]:
    columns = list(values)
    return ", ".join(f"{c} = %s" for c in columns), [values[c] for c in columns]


@mutation("issueCreate", "id " + ISSUE_FIELDS)
async def issue_create(ctx: Ctx, input: dict[str, Any]) -> dict[str, Any]:
    team = await _exists(ctx, "teams", "Team", input["teamId"], "AND archived_at IS NULL")
    data = dict(input)
    data["title"] = data.get("title")
    fields = await _issue_fields(ctx, team["id"], data, None)
    if "state_id" not in fields:
        state = await db.row(
            ctx.conn,
            """SELECT id FROM workflow_states WHERE team_id = %s AND archived_at IS NULL
               ORDER BY (type = 'backlog') DESC, (type = 'unstarted') DESC, position LIMIT 1""",
            (team["id"],),
        )
        if state is None:
            raise InvalidInput("the team has no workflow states")
        fields["state_id"] = state["id"]
    number = await db.row(
        ctx.conn,
        "UPDATE teams SET last_number = last_number + 1 WHERE id = %s RETURNING last_number",
        (team["id"],),
    )
    assert number is not None
    fields.update(
        id=input.get("id") or _new_id(),
        team_id=team["id"],
        number=number["last_number"],
        creator_id=_viewer(ctx),
        sort_order=float(number["last_number"]),
    )
    columns = list(fields)
    await db.rows(
        ctx.conn,
        f"INSERT INTO issues ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",
        [fields[c] for c in columns],
    )
    if input.get("labelIds"):
        await _set_labels(ctx, fields["id"], await _labels(ctx, team["id"], input["labelIds"]), [])
    return {"issue": await _issue(ctx, fields["id"])}


async def _issue(ctx: Ctx, issue_id: str) -> Row:
    found = await db.row(ctx.conn, "SELECT * FROM issues WHERE id = %s", (issue_id,))
    assert found is not None
    return found


@mutation("issueUpdate", ISSUE_FIELDS + " addedLabelIds removedLabelIds")
async def issue_update(ctx: Ctx, id: str, input: dict[str, Any]) -> dict[str, Any]:
    current = await find_issue(ctx, id)
    if input.get("teamId") not in (None, current["team_id"]):
        raise InvalidInput("Moving an issue to another team is not supported by this clone.")
    fields = await _issue_fields(ctx, current["team_id"], input, current)
    fields["updated_at"] = dt.datetime.now(dt.timezone.utc)
    sets, params = _assignments(fields)
    await db.rows(ctx.conn, f"UPDATE issues SET {sets} WHERE id = %s", [*params, current["id"]])
    if input.get("labelIds") is not None:
        wanted = await _labels(ctx, current["team_id"], input["labelIds"])
        await db.rows(
            ctx.conn, "DELETE FROM issue_label_links WHERE issue_id = %s", (current["id"],)
        )
        await _set_labels(ctx, current["id"], wanted, [])
    added = input.get("addedLabelIds") or []
    removed = input.get("removedLabelIds") or []
    if added or removed:
        await _set_labels(
            ctx, current["id"], await _labels(ctx, current["team_id"], added), removed
        )
    return {"issue": await _issue(ctx, current["id"])}


@mutation("issueAddLabel")
async def issue_add_label(ctx: Ctx, id: str, labelId: str) -> dict[str, Any]:
    current = await find_issue(ctx, id)
    await _set_labels(ctx, current["id"], await _labels(ctx, current["team_id"], [labelId]), [])
    await _touch(ctx, "issues", current["id"])
    return {"issue": await _issue(ctx, current["id"])}


@mutation("issueRemoveLabel")
async def issue_remove_label(ctx: Ctx, id: str, labelId: str) -> dict[str, Any]:
    current = await find_issue(ctx, id)
    await _set_labels(ctx, current["id"], [], [labelId])
    await _touch(ctx, "issues", current["id"])
    return {"issue": await _issue(ctx, current["id"])}


async def _touch(ctx: Ctx, table: str, key: str, **values: Any) -> None:
    values["updated_at"] = dt.datetime.now(dt.timezone.utc)
    sets, params = _assignments(values)
    await db.rows(ctx.conn, f"UPDATE {table} SET {sets} WHERE id = %s", [*params, key])


@mutation("issueArchive")
async def issue_archive(ctx: Ctx, id: str, trash: bool | None = None) -> dict[str, Any]:
    current = await find_issue(ctx, id)
    now = dt.datetime.now(dt.timezone.utc)
    await _touch(ctx, "issues", current["id"], archived_at=now, trashed=bool(trash))
    return {"entity": await _issue(ctx, current["id"])}


@mutation("issueUnarchive")
async def issue_unarchive(ctx: Ctx, id: str) -> dict[str, Any]:
    current = await find_issue(ctx, id)
    await _touch(ctx, "issues", current["id"], archived_at=None, trashed=False)
    return {"entity": await _issue(ctx, current["id"])}


@mutation("issueDelete")
async def issue_delete(ctx: Ctx, id: str, permanentlyDelete: bool | None = None) -> dict[str, Any]:
    """Linear moves a deleted issue to the trash (archived, ``trashed``); an admin may
    delete it for good with ``permanentlyDelete``."""
    current = await find_issue(ctx, id)
    if permanentlyDelete:
        assert ctx.viewer is not None
        if not ctx.viewer["admin"]:
            raise Forbidden("Only admins can permanently delete issues.")
        await db.rows(ctx.conn, "DELETE FROM issues WHERE id = %s", (current["id"],))
        return {"entity": None}
    now = dt.datetime.now(dt.timezone.utc)
    await _touch(ctx, "issues", current["id"], archived_at=now, trashed=True)
    return {"entity": await _issue(ctx, current["id"])}


def _body(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("body must not be empty", "The comment is empty.")
    if len(value) > MAX_TEXT:
        raise InvalidInput(f"body must be at most {MAX_TEXT} characters")
    return value


@mutation("commentCreate", "id issueId body parentId")
async def comment_create(ctx: Ctx, input: dict[str, Any]) -> dict[str, Any]:
    if not input.get("issueId"):
        raise InvalidInput("issueId is required: this clone serves comments on issues.")
    issue = await find_issue(ctx, input["issueId"])
    body = _body(input.get("body"))
    parent = input.get("parentId")
    if parent is not None:
        await _exists(ctx, "comments", "Comment", parent, "AND issue_id = %s", issue["id"])
    comment_id = input.get("id") or _new_id()
    await db.rows(
        ctx.conn,
        "INSERT INTO comments (id, issue_id, user_id, parent_id, body) VALUES (%s, %s, %s, %s, %s)",
        (comment_id, issue["id"], _viewer(ctx), parent, body),
    )
    return {"comment": await _exists(ctx, "comments", "Comment", comment_id)}


async def _own_comment(ctx: Ctx, comment_id: str) -> Row:
    comment = await _exists(ctx, "comments", "Comment", comment_id)
    assert ctx.viewer is not None
    if comment["user_id"] != ctx.viewer["id"] and not ctx.viewer["admin"]:
        raise Forbidden("Only the comment's author can change it.")
    return comment


@mutation("commentUpdate", "body")
async def comment_update(
    ctx: Ctx, id: str, input: dict[str, Any], skipEditedAt: bool | None = None
) -> dict[str, Any]:
    comment = await _own_comment(ctx, id)
    values: dict[str, Any] = {}
    if input.get("body") is not None:
        values["body"] = _body(input["body"])
        if not skipEditedAt:
            values["edited_at"] = dt.datetime.now(dt.timezone.utc)
    await _touch(ctx, "comments", comment["id"], **values)
    return {"comment": await _exists(ctx, "comments", "Comment", comment["id"])}


@mutation("commentDelete")
async def comment_delete(ctx: Ctx, id: str) -> dict[str, Any]:
    comment = await _own_comment(ctx, id)
    await db.rows(ctx.conn, "DELETE FROM comments WHERE id = %s", (comment["id"],))
    return {"entityId": comment["id"]}


async def _teams(ctx: Ctx, ids: list[str]) -> list[str]:
    found = await db.rows(ctx.conn, "SELECT id FROM teams WHERE id = ANY(%s)", (ids,))
    if len(found) != len(set(ids)):
        raise NotFound("Team")
    return [r["id"] for r in found]


async def _users(ctx: Ctx, ids: list[str]) -> list[str]:
    found = await db.rows(ctx.conn, "SELECT id FROM users WHERE id = ANY(%s)", (ids,))
    if len(found) != len(set(ids)):
        raise NotFound("User")
    return [r["id"] for r in found]


def _status(status_id: str) -> str:
    from .resolvers import PROJECT_STATUSES

    for state, status in PROJECT_STATUSES.items():
        if status["id"] == status_id:
            return state
    raise NotFound("ProjectStatus")


async def _project_fields(ctx: Ctx, input: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "name" in input:
        if not isinstance(input["name"], str) or not input["name"].strip():
            raise InvalidInput("name must not be empty", "The project needs a name.")
        out["name"] = input["name"].strip()[:MAX_TITLE]
    for key, column in (("description", "description"), ("content", "content")):
        if key in input:
            out[column] = _text(input[key], key) or ("" if key == "description" else None)
    for key, column in (("color", "color"), ("icon", "icon")):
        if input.get(key) is not None:
            out[column] = input[key]
    for key, column in (("startDate", "start_date"), ("targetDate", "target_date")):
        if key in input:
            out[column] = input[key]
    if input.get("priority") is not None:
        out["priority"] = _priority(input["priority"])
    if "leadId" in input:
        if input["leadId"] is not None:
            await _users(ctx, [input["leadId"]])
        out["lead_id"] = input["leadId"]
    if input.get("statusId") is not None:
        state = _status(input["statusId"])
        out["state"] = state
        now = dt.datetime.now(dt.timezone.utc)
        out["started_at"] = now if state == "started" else None
        out["completed_at"] = now if state == "completed" else None
        out["canceled_at"] = now if state == "canceled" else None
    return out


async def _project_links(ctx: Ctx, project_id: str, input: dict[str, Any]) -> None:
    if input.get("teamIds") is not None:
        teams = await _teams(ctx, input["teamIds"])
        if not teams:
            raise InvalidInput("teamIds must name at least one team")
        await db.rows(ctx.conn, "DELETE FROM project_teams WHERE project_id = %s", (project_id,))
        for team in teams:
            await db.rows(
                ctx.conn,
                "INSERT INTO project_teams (project_id, team_id) VALUES (%s, %s)",
                (project_id, team),
            )
    if input.get("memberIds") is not None:
        members = await _users(ctx, input["memberIds"])
        await db.rows(ctx.conn, "DELETE FROM project_members WHERE project_id = %s", (project_id,))
        for member in members:
            await db.rows(
                ctx.conn,
                "INSERT INTO project_members (project_id, user_id) VALUES (%s, %s)",
                (project_id, member),
            )


@mutation("projectCreate", "id " + PROJECT_FIELDS)
async def project_create(
    ctx: Ctx, input: dict[str, Any], slackChannelName: str | None = None
) -> dict[str, Any]:
    if not input.get("teamIds"):
        raise InvalidInput("teamIds must name at least one team")
    fields = await _project_fields(ctx, input)
    fields.update(
        id=input.get("id") or _new_id(), creator_id=_viewer(ctx), slug_id=uuid.uuid4().hex[:12]
    )
    columns = list(fields)
    await db.rows(
        ctx.conn,
        f"INSERT INTO projects ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",
        [fields[c] for c in columns],
    )
    await _project_links(ctx, fields["id"], input)
    return {"project": await _exists(ctx, "projects", "Project", fields["id"])}


@mutation("projectUpdate", PROJECT_FIELDS)
async def project_update(ctx: Ctx, id: str, input: dict[str, Any]) -> dict[str, Any]:
    project = await _exists(ctx, "projects", "Project", id)
    await _touch(ctx, "projects", project["id"], **await _project_fields(ctx, input))
    await _project_links(ctx, project["id"], input)
    return {"project": await _exists(ctx, "projects", "Project", project["id"])}


@mutation("issueLabelCreate", "id name color description teamId parentId isGroup")
async def label_create(
    ctx: Ctx, input: dict[str, Any], replaceTeamLabels: bool | None = None
) -> dict[str, Any]:
    name = input.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("name must not be empty", "The label needs a name.")
    team = input.get("teamId")
    if team is not None:
        await _exists(ctx, "teams", "Team", team)
    clash = await db.row(
        ctx.conn,
        """SELECT 1 AS hit FROM issue_labels WHERE lower(name) = lower(%s) AND archived_at IS NULL
           AND (team_id IS NOT DISTINCT FROM %s OR team_id IS NULL OR %s::text IS NULL)""",
        (name.strip(), team, team),
    )
    if clash is not None:
        raise InvalidInput("duplicate label name", f"A label named {name.strip()} already exists.")
    if input.get("parentId") is not None:
        await _exists(ctx, "issue_labels", "IssueLabel", input["parentId"], "AND is_group")
    org = ctx.org
    assert org is not None
    label_id = input.get("id") or _new_id()
    await db.rows(
        ctx.conn,
        """INSERT INTO issue_labels (id, organization_id, team_id, name, color, description,
               is_group, parent_id, creator_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)""",
        (
            label_id,
            org["id"],
            team,
            name.strip(),
            input.get("color") or "#bec2c8",
            input.get("description"),
            bool(input.get("isGroup")),
            input.get("parentId"),
            _viewer(ctx),
        ),
    )
    return {"issueLabel": await _exists(ctx, "issue_labels", "IssueLabel", label_id)}


@mutation("cycleCreate", "id teamId startsAt endsAt name description")
async def cycle_create(ctx: Ctx, input: dict[str, Any]) -> dict[str, Any]:
    team = await _exists(ctx, "teams", "Team", input["teamId"])
    if input["endsAt"] <= input["startsAt"]:
        raise InvalidInput("endsAt must be after startsAt", "A cycle must end after it starts.")
    overlap = await db.row(
        ctx.conn,
        """SELECT 1 AS hit FROM cycles WHERE team_id = %s AND archived_at IS NULL
           AND starts_at < %s AND ends_at > %s""",
        (team["id"], input["endsAt"], input["startsAt"]),
    )
    if overlap is not None:
        raise InvalidInput("cycle overlaps another cycle", "Cycles of a team cannot overlap.")
    number = await db.row(
        ctx.conn,
        "SELECT coalesce(max(number), 0) + 1 AS n FROM cycles WHERE team_id = %s",
        (team["id"],),
    )
    assert number is not None
    cycle_id = input.get("id") or _new_id()
    await db.rows(
        ctx.conn,
        """INSERT INTO cycles (id, team_id, number, name, description, starts_at, ends_at)
           VALUES (%s, %s, %s, %s, %s, %s, %s)""",
        (
            cycle_id,
            team["id"],
            number["n"],
            input.get("name"),
            input.get("description"),
            input["startsAt"],
            input["endsAt"],
        ),
    )
    await _touch(ctx, "teams", team["id"], cycles_enabled=True)
    return {"cycle": await _exists(ctx, "cycles", "Cycle", cycle_id)}


@mutation("reactionCreate", "id emoji issueId commentId")
async def reaction_create(ctx: Ctx, input: dict[str, Any]) -> dict[str, Any]:
    targets = [k for k in ("issueId", "commentId") if input.get(k)]
    others = [k for k, v in input.items() if v and k.endswith("Id") and k not in targets]
    if others:
        raise InvalidInput(f"Reactions on {others[0][:-2]} are not supported by this clone.")
    if len(targets) != 1:
        raise InvalidInput("Pass exactly one of issueId or commentId.")
    emoji = input["emoji"]
    if not isinstance(emoji, str) or not emoji.strip() or len(emoji) > 64:
        raise InvalidInput("emoji must be an emoji name or character")
    issue_id = comment_id = None
    if targets[0] == "issueId":
        issue_id = (await find_issue(ctx, input["issueId"]))["id"]
    else:
        comment_id = (await _exists(ctx, "comments", "Comment", input["commentId"]))["id"]
    reaction_id = input.get("id") or _new_id()
    await db.rows(
        ctx.conn,
        """INSERT INTO reactions (id, user_id, emoji, issue_id, comment_id)
           VALUES (%s, %s, %s, %s, %s)""",
        (reaction_id, _viewer(ctx), emoji.strip(), issue_id, comment_id),
    )
    return {"reaction": await _exists(ctx, "reactions", "Reaction", reaction_id)}
