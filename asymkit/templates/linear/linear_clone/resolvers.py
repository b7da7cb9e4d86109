"""Query resolvers: the root fields and every relation between Linear's types.

Relations return loader futures (``Ctx.by_id``, ``Ctx.page``) rather than
awaiting queries, so a page of issues costs one query per relation, not per issue.
"""
# long module: one table of every relation between the served types and their derived
# fields (identifier, url, branchName...), which read best side by side.

from __future__ import annotations

import re
from collections.abc import Awaitable
from typing import Any

from . import db
from .context import Ctx, Relation
from .db import Row
from .errors import NotFound
from .graph import Info, resolver
from .loaders import then

PRIORITY_LABELS = {0: "No priority", 1: "Urgent", 2: "High", 3: "Medium", 4: "Low"}
IDENTIFIER = re.compile(r"^([A-Za-z][A-Za-z0-9]{0,6})-(\d{1,9})$")
APP_URL = "https://linear.app"


def _issues(parent: str) -> Relation:
    return Relation("Issue", f"SELECT i.*, {parent} AS _parent FROM issues i")


ROOT_ISSUES = _issues("NULL::text")
RELATIONS: dict[str, Relation] = {
    "Query.issues": ROOT_ISSUES,
    "Team.issues": _issues("i.team_id"),
    "WorkflowState.issues": _issues("i.state_id"),
    "User.assignedIssues": _issues("i.assignee_id"),
    "User.createdIssues": _issues("i.creator_id"),
    "Issue.children": _issues("i.parent_id"),
    "Project.issues": _issues("i.project_id"),
    "Cycle.issues": _issues("i.cycle_id"),
    "IssueLabel.issues": Relation(
        "Issue",
        "SELECT i.*, k.label_id AS _parent FROM issues i"
        " JOIN issue_label_links k ON k.issue_id = i.id",
    ),
    "Query.users": Relation("User", "SELECT u.*, NULL::text AS _parent FROM users u"),
    "Organization.users": Relation("User", "SELECT u.*, u.organization_id AS _parent FROM users u"),
    "Team.members": Relation(
        "User",
        "SELECT u.*, m.team_id AS _parent FROM users u JOIN team_members m ON m.user_id = u.id",
    ),
    "Project.members": Relation(
        "User",
        "SELECT u.*, m.project_id AS _parent FROM users u"
        " JOIN project_members m ON m.user_id = u.id",
    ),
    "Query.teams": Relation("Team", "SELECT t.*, NULL::text AS _parent FROM teams t"),
    "Organization.teams": Relation("Team", "SELECT t.*, t.organization_id AS _parent FROM teams t"),
    "User.teams": Relation(
        "Team",
        "SELECT t.*, m.user_id AS _parent FROM teams t JOIN team_members m ON m.team_id = t.id",
    ),
    "Project.teams": Relation(
        "Team",
        "SELECT t.*, p.project_id AS _parent FROM teams t JOIN project_teams p ON p.team_id = t.id",
    ),
    "Query.workflowStates": Relation(
        "WorkflowState", "SELECT s.*, NULL::text AS _parent FROM workflow_states s"
    ),
    "Team.states": Relation(
        "WorkflowState", "SELECT s.*, s.team_id AS _parent FROM workflow_states s"
    ),
    "Query.issueLabels": Relation(
        "IssueLabel", "SELECT l.*, NULL::text AS _parent FROM issue_labels l"
    ),
    "Organization.labels": Relation(
        "IssueLabel", "SELECT l.*, l.organization_id AS _parent FROM issue_labels l"
    ),
    "Team.labels": Relation(
        "IssueLabel",
        # A team sees its own labels and the workspace's (team_id NULL), as in Linear.
        "SELECT l.*, t.id AS _parent FROM issue_labels l"
        " JOIN teams t ON l.team_id = t.id OR l.team_id IS NULL",
    ),
    "IssueLabel.children": Relation(
        "IssueLabel", "SELECT l.*, l.parent_id AS _parent FROM issue_labels l"
    ),
    "Issue.labels": Relation(
        "IssueLabel",
        "SELECT l.*, k.issue_id AS _parent FROM issue_labels l"
        " JOIN issue_label_links k ON k.label_id = l.id",
    ),
    "Query.projects": Relation("Project", "SELECT p.*, NULL::text AS _parent FROM projects p"),
    "Team.projects": Relation(
        "Project",
        "SELECT p.*, x.team_id AS _parent FROM projects p"
        " JOIN project_teams x ON x.project_id = p.id",
    ),
    "Query.cycles": Relation("Cycle", "SELECT c.*, NULL::text AS _parent FROM cycles c"),
    "Team.cycles": Relation("Cycle", "SELECT c.*, c.team_id AS _parent FROM cycles c"),
    "Query.comments": Relation("Comment", "SELECT c.*, NULL::text AS _parent FROM comments c"),
    "Issue.comments": Relation("Comment", "SELECT c.*, c.issue_id AS _parent FROM comments c"),
    "Comment.children": Relation("Comment", "SELECT c.*, c.parent_id AS _parent FROM comments c"),
}


def ctx_of(info: Info) -> Ctx:
    ctx: Ctx = info.context
    return ctx


def _connection(name: str) -> Any:
    relation = RELATIONS[name]
    root = name.startswith("Query.")

    def resolve(source: Any, info: Info, **args: Any) -> Awaitable[Any]:
        return ctx_of(info).page(relation, args).load(None if root else source["id"])

    return resolve


for _name in RELATIONS:
    resolver(_name)(_connection(_name))


def _one(table: str, column: str) -> Any:
    def resolve(source: Row, info: Info) -> Any:
        value = source.get(column)
        return None if value is None else ctx_of(info).by_id(table).load(value)

    return resolve


for _name, _table, _column in (
    ("Issue.team", "teams", "team_id"),
    ("Issue.state", "workflow_states", "state_id"),
    ("Issue.assignee", "users", "assignee_id"),
    ("Issue.creator", "users", "creator_id"),
    ("Issue.project", "projects", "project_id"),
    ("Issue.cycle", "cycles", "cycle_id"),
    ("Issue.parent", "issues", "parent_id"),
    ("WorkflowState.team", "teams", "team_id"),
    ("Comment.user", "users", "user_id"),
    ("Comment.issue", "issues", "issue_id"),
    ("Comment.parent", "comments", "parent_id"),
    ("Project.lead", "users", "lead_id"),
    ("Project.creator", "users", "creator_id"),
    ("Cycle.team", "teams", "team_id"),
    ("IssueLabel.team", "teams", "team_id"),
    ("IssueLabel.parent", "issue_labels", "parent_id"),
    ("IssueLabel.creator", "users", "creator_id"),
    ("Reaction.user", "users", "user_id"),
    ("Reaction.issue", "issues", "issue_id"),
    ("Reaction.comment", "comments", "comment_id"),
    ("User.organization", "organizations", "organization_id"),
    ("Team.organization", "organizations", "organization_id"),
    ("IssueLabel.organization", "organizations", "organization_id"),
):
    resolver(_name)(_one(_table, _column))


# -- derived fields ---------------------------------------------------------------


def _slug(text: str, limit: int = 60) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].strip("-")


def _org(info: Info) -> Row:
    ctx = ctx_of(info)
    assert ctx.org is not None
    return ctx.org


@resolver("Issue.identifier", "IssueSearchResult.identifier")
def issue_identifier(issue: Row, info: Info) -> Any:
    return then(
        ctx_of(info).by_id("teams").load(issue["team_id"]),
        lambda team: f"{team['key']}-{issue['number']}",
    )


@resolver("Issue.url", "IssueSearchResult.url")
def issue_url(issue: Row, info: Info) -> Any:
    key = _org(info)["url_key"]
    return then(
        ctx_of(info).by_id("teams").load(issue["team_id"]),
        lambda team: (
            f"{APP_URL}/{key}/issue/{team['key']}-{issue['number']}/{_slug(issue['title'])}"
        ),
    )


@resolver("Issue.branchName", "IssueSearchResult.branchName")
async def issue_branch(issue: Row, info: Info) -> str:
    ctx = ctx_of(info)
    team = await ctx.by_id("teams").load(issue["team_id"])
    name = f"{team['key'].lower()}-{issue['number']}-{_slug(issue['title'], 40)}".strip("-")
    if issue.get("assignee_id"):
        user = await ctx.by_id("users").load(issue["assignee_id"])
        if user is not None:
            return f"{_slug(user['display_name'])}/{name}"
    return name


@resolver("Issue.priorityLabel", "IssueSearchResult.priorityLabel", "Project.priorityLabel")
def priority_label(source: Row, info: Info) -> str:
    return PRIORITY_LABELS.get(int(source.get("priority") or 0), "No priority")


@resolver("Issue.prioritySortOrder", "IssueSearchResult.prioritySortOrder")
def priority_sort(source: Row, info: Info) -> float:
    priority = int(source.get("priority") or 0)
    return float(priority or 5)  # no priority sorts last, as in Linear


@resolver("Issue.labelIds", "IssueSearchResult.labelIds")
def issue_label_ids(issue: Row, info: Info) -> Any:
    page = ctx_of(info).page(RELATIONS["Issue.labels"], {"first": 250}).load(issue["id"])
    return then(page, lambda conn: [n["id"] for n in conn["nodes"]])


for _kind in ("IssueSearchResult",):
    for _field, _fn in (
        ("team", _one("teams", "team_id")),
        ("state", _one("workflow_states", "state_id")),
        ("assignee", _one("users", "assignee_id")),
        ("creator", _one("users", "creator_id")),
        ("project", _one("projects", "project_id")),
        ("cycle", _one("cycles", "cycle_id")),
        ("parent", _one("issues", "parent_id")),
    ):
        resolver(f"{_kind}.{_field}")(_fn)
    for _field, _rel in (
        ("labels", "Issue.labels"),
        ("comments", "Issue.comments"),
        ("children", "Issue.children"),
    ):
        resolver(f"{_kind}.{_field}")(_connection(_rel))


@resolver("User.isMe")
def user_is_me(user: Row, info: Info) -> bool:
    return bool(user["id"] == ctx_of(info).viewer_id)


@resolver("User.initials")
def user_initials(user: Row, info: Info) -> str:
    return "".join(part[0] for part in user["name"].split()[:2]).upper()


@resolver("User.url")
def user_url(user: Row, info: Info) -> str:
    return f"{APP_URL}/{_org(info)['url_key']}/profiles/{_slug(user['display_name'])}"


@resolver("User.isAssignable", "User.isMentionable")
def user_active(user: Row, info: Info) -> bool:
    return bool(user["active"])


@resolver("Team.displayName")
def team_display_name(team: Row, info: Info) -> str:
    return str(team["name"])


@resolver("Team.issueCount")
def team_issue_count(team: Row, info: Info) -> int:
    return int(team["last_number"])


@resolver("Team.defaultIssueState")
async def team_default_state(team: Row, info: Info) -> Row | None:
    return await db.row(
        ctx_of(info).conn,
        """SELECT * FROM workflow_states WHERE team_id = %s AND archived_at IS NULL
           ORDER BY (type = 'backlog') DESC, (type = 'unstarted') DESC, position LIMIT 1""",
        (team["id"],),
    )


@resolver("Team.activeCycle")
async def team_active_cycle(team: Row, info: Info) -> Row | None:
    return await db.row(
        ctx_of(info).conn,
        """SELECT * FROM cycles WHERE team_id = %s AND archived_at IS NULL
           AND starts_at <= now() AND ends_at > now() AND completed_at IS NULL LIMIT 1""",
        (team["id"],),
    )


@resolver("Comment.url")
def comment_url(comment: Row, info: Info) -> Any:
    ctx = ctx_of(info)

    async def url() -> str:
        issue = await ctx.by_id("issues").load(comment["issue_id"])
        team = await ctx.by_id("teams").load(issue["team_id"])
        key = _org(info)["url_key"]
        slug = _slug(issue["title"])
        anchor = f"comment-{comment['id'][:8]}"
        return f"{APP_URL}/{key}/issue/{team['key']}-{issue['number']}/{slug}#{anchor}"

    return url()


@resolver("Comment.bodyData")
def comment_body_data(comment: Row, info: Info) -> str:
    return ""


@resolver("Project.url")
def project_url(project: Row, info: Info) -> str:
    slug = _slug(project["name"])
    return f"{APP_URL}/{_org(info)['url_key']}/project/{slug}-{project['slug_id']}"


PROJECT_STATUSES = {
    state: {
        "id": f"00000000-0000-4000-8000-00000000000{i}",
        "name": state.capitalize(),
        "type": state,
        "color": "#bec2c8",
        "position": float(i),
        "indefinite": state in ("backlog", "paused"),
    }
    for i, state in enumerate(("backlog", "planned", "started", "paused", "completed", "canceled"))
}


@resolver("Project.status")
def project_status(project: Row, info: Info) -> dict[str, Any]:
    return PROJECT_STATUSES[project["state"]]


@resolver("Organization.projectStatuses")
def organization_statuses(org: Row, info: Info) -> list[dict[str, Any]]:
    return list(PROJECT_STATUSES.values())


@resolver("Organization.userCount")
async def organization_user_count(org: Row, info: Info) -> int:
    found = await db.row(ctx_of(info).conn, "SELECT count(*) AS n FROM users WHERE active")
    return int(found["n"]) if found else 0


@resolver("Organization.createdIssueCount")
async def organization_issue_count(org: Row, info: Info) -> int:
    found = await db.row(ctx_of(info).conn, "SELECT count(*) AS n FROM issues")
    return int(found["n"]) if found else 0


def _cycle_phase(cycle: Row) -> str:
    import datetime as dt

    now = dt.datetime.now(dt.timezone.utc)
    if cycle["completed_at"] is not None or cycle["ends_at"] <= now:
        return "past"
    return "active" if cycle["starts_at"] <= now else "future"


@resolver("Cycle.isActive")
def cycle_active(cycle: Row, info: Info) -> bool:
    return _cycle_phase(cycle) == "active"


@resolver("Cycle.isFuture")
def cycle_future(cycle: Row, info: Info) -> bool:
    return _cycle_phase(cycle) == "future"


@resolver("Cycle.isPast")
def cycle_past(cycle: Row, info: Info) -> bool:
    return _cycle_phase(cycle) == "past"


async def _reactions(info: Info, column: str, key: str) -> list[Row]:
    return await db.rows(
        ctx_of(info).conn,
        f"SELECT * FROM reactions WHERE {column} = %s ORDER BY created_at, id",
        (key,),
    )


@resolver("Issue.reactions")
async def issue_reactions(issue: Row, info: Info) -> list[Row]:
    return await _reactions(info, "issue_id", issue["id"])


@resolver("Comment.reactions")
async def comment_reactions(comment: Row, info: Info) -> list[Row]:
    return await _reactions(info, "comment_id", comment["id"])


# -- root fields -------------------------------------------------------------------


@resolver("Query.viewer")
def viewer(_: Any, info: Info) -> Row | None:
    return ctx_of(info).viewer


@resolver("Query.organization")
def organization(_: Any, info: Info) -> Row:
    return _org(info)


def _by_id(table: str, kind: str) -> Any:
    async def resolve(_: Any, info: Info, id: str) -> Row:
        found = await ctx_of(info).by_id(table).load(id)
        if found is None:
            raise NotFound(kind)
        return dict(found)

    return resolve


for _name, _table, _kind in (
    ("Query.user", "users", "User"),
    ("Query.team", "teams", "Team"),
    ("Query.workflowState", "workflow_states", "WorkflowState"),
    ("Query.comment", "comments", "Comment"),
    ("Query.project", "projects", "Project"),
    ("Query.cycle", "cycles", "Cycle"),
    ("Query.issueLabel", "issue_labels", "IssueLabel"),
):
    resolver(_name)(_by_id(_table, _kind))


async def find_issue(ctx: Ctx, key: str) -> Row:
    """An issue by id or by identifier (``ENG-12``), archived ones included."""
    match = IDENTIFIER.match(key.strip()) if isinstance(key, str) else None
    if match:
        found = await db.row(
            ctx.conn,
            """SELECT i.* FROM issues i JOIN teams t ON t.id = i.team_id
               WHERE upper(t.key) = upper(%s) AND i.number = %s""",
            (match.group(1), int(match.group(2))),
        )
    else:
        found = await ctx.by_id("issues").load(key)
    if found is None:
        raise NotFound("Issue")
    return dict(found)


@resolver("Query.issue")
async def issue(_: Any, info: Info, id: str) -> Row:
    return await find_issue(ctx_of(info), id)


_SEARCH = (
    "(t.title || ' ' || coalesce(t.description, '')"
    " || ' ' || (SELECT k.key FROM teams k WHERE k.id = t.team_id) || '-' || t.number)"
    " ILIKE %s"
)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@resolver("Query.issueSearch")
def issue_search(_: Any, info: Info, **args: Any) -> Any:
    term = args.pop("query", None) or ""
    args["_term"] = f"%{_escape(term)}%"
    return ctx_of(info).page(ROOT_ISSUES, args, _SEARCH).load(None)


@resolver("Query.searchIssues")
def search_issues(_: Any, info: Info, **args: Any) -> Any:
    term = args.pop("term")
    team = args.pop("teamId", None)
    args.pop("includeComments", None)
    if team:
        args["filter"] = {"and": [args.get("filter") or {}, {"team": {"id": {"eq": team}}}]}
    args["_term"] = f"%{_escape(term)}%"
    page = ctx_of(info).page(ROOT_ISSUES, args, _SEARCH).load(None)
    return then(page, lambda conn: {**conn, "totalCount": len(conn["nodes"])})


@resolver("Query.issuePriorityValues")
def priority_values(_: Any, info: Info) -> list[dict[str, Any]]:
    return [{"priority": p, "label": label} for p, label in PRIORITY_LABELS.items()]
