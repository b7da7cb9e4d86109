"""Generate the Linear template's acme-corp fixture (the same company as Slack's).

    python scripts/linear_acme_corp.py   # rewrites asymkit/templates/linear/seeds/acme-corp.sql

Same people (names, emails, titles) as asymkit/templates/slack/seeds/acme-corp.sql;
teams matching its channels; issues across every state type, some of them the
follow-ups of the incidents discussed in Slack's #incidents. Ids are UUIDv5 of
stable names and timestamps are fixed, so the fixture is the same every time.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "asymkit" / "templates" / "linear" / "seeds" / "acme-corp.sql"
NS = uuid.UUID("6f1f3f52-5b0e-4c8e-9a4e-acme00000000".replace("acme", "a0e0"))
START = dt.datetime(2026, 2, 2, 9, 0, tzinfo=dt.timezone.utc)

PEOPLE = [  # handle, name, title, admin, owner (Slack's acme-corp)
    ("dana", "Dana Whitfield", "CEO & Co-founder", True, True),
    ("marcus", "Marcus Chen", "CTO & Co-founder", True, False),
    ("priya", "Priya Raman", "Head of Product", False, False),
    ("leo", "Leo Alvarez", "Senior Backend Engineer", False, False),
    ("sofia", "Sofia Novak", "Frontend Engineer", False, False),
    ("omar", "Omar Haddad", "Site Reliability Engineer", False, False),
    ("grace", "Grace Kim", "Product Designer", False, False),
    ("ben", "Ben Okafor", "Account Executive", False, False),
    ("hannah", "Hannah Ito", "Customer Success Lead", False, False),
    ("tom", "Tom Fischer", "Finance & Operations", False, False),
]
TEAMS = [  # key, name (Slack channel), description, members, triage
    (
        "ENG",
        "Engineering",
        "Building Acme Routes: design, code review, releases",
        ["marcus", "leo", "sofia", "omar", "grace"],
        True,
    ),
    ("PRD", "Product", "Roadmap, specs and customer feedback", ["priya", "grace", "dana"], False),
    (
        "OPS",
        "Operations",
        "Production incidents, on-call and reliability",
        ["omar", "leo", "marcus", "hannah"],
        True,
    ),
    (
        "SAL",
        "Sales",
        "Pipeline, deals and pricing questions",
        ["ben", "hannah", "tom", "dana"],
        False,
    ),
]
STATES = [  # name, type, color
    ("Triage", "triage", "#fc7840"),
    ("Backlog", "backlog", "#bec2c8"),
    ("Todo", "unstarted", "#e2e2e2"),
    ("In Progress", "started", "#f2c94c"),
    ("In Review", "started", "#0f783c"),
    ("Done", "completed", "#5e6ad2"),
    ("Canceled", "canceled", "#95a2b3"),
    ("Duplicate", "canceled", "#95a2b3"),
]
LABELS = [  # name, team key or None, color
    ("Bug", None, "#eb5757"),
    ("Feature", None, "#bb87fc"),
    ("Improvement", None, "#4ea7fc"),
    ("backend", "ENG", "#26b5ce"),
    ("frontend", "ENG", "#f2994a"),
    ("infra", "ENG", "#4cb782"),
    ("incident", "OPS", "#eb5757"),
    ("postmortem", "OPS", "#95a2b3"),
    ("research", "PRD", "#bb87fc"),
    ("customer", "SAL", "#f7c8c1"),
]
PROJECTS = [  # name, description, state, lead, teams, priority
    (
        "Multi-stop optimizer v2",
        "Faster, cheaper multi-stop routes for mid-size fleets.",
        "started",
        "priya",
        ["ENG", "PRD"],
        1,
    ),
    (
        "Per-tenant limits",
        "Cap route size per request and per plan after the EU timeout incident.",
        "started",
        "leo",
        ["ENG", "OPS"],
        1,
    ),
    (
        "Geocoding cache",
        "Geocode on write and cache results so batch jobs stop burning quota.",
        "planned",
        "leo",
        ["ENG"],
        2,
    ),
    (
        "Route history revamp",
        "A faster route history page with filters and export.",
        "completed",
        "sofia",
        ["ENG", "PRD"],
        3,
    ),
    ("Q2 pricing", "New plan tiers and usage-based pricing for Q2.", "started", "ben", ["SAL"], 2),
]

# team, title, state, assignee, priority, labels, project, estimate, parent (index in list)
ISSUES: list[
    tuple[str, str, str, str | None, int, list[str], str | None, int | None, int | None]
] = [
    (
        "OPS",
        "EU route optimization requests timing out",
        "Done",
        "omar",
        1,
        ["incident", "Bug"],
        None,
        None,
        None,
    ),
    (
        "OPS",
        "Postmortem: EU timeout incident (2026-03-05)",
        "Done",
        "omar",
        2,
        ["postmortem"],
        "Per-tenant limits",
        2,
        0,
    ),
    (
        "ENG",
        "Per-tenant limit on route size (1,500 stops per request)",
        "In Progress",
        "leo",
        1,
        ["backend", "Feature"],
        "Per-tenant limits",
        5,
        1,
    ),
    (
        "OPS",
        "Queue depth alerting for the scoring workers",
        "In Review",
        "omar",
        2,
        ["infra"],
        "Per-tenant limits",
        3,
        1,
    ),
    (
        "ENG",
        "Autoscale the scoring worker pool in eu-west",
        "Todo",
        "omar",
        2,
        ["infra"],
        "Per-tenant limits",
        5,
        1,
    ),
    (
        "ENG",
        "Make the route limit configurable per plan",
        "Backlog",
        "leo",
        3,
        ["backend"],
        "Per-tenant limits",
        3,
        2,
    ),
    (
        "OPS",
        "Geocoding provider returning 429s",
        "Done",
        "omar",
        1,
        ["incident", "Bug"],
        None,
        None,
        None,
    ),
    (
        "ENG",
        "Geocoding batch job retries without backoff",
        "Done",
        "leo",
        1,
        ["backend", "Bug"],
        "Geocoding cache",
        2,
        6,
    ),
    (
        "ENG",
        "RFC: geocode on write and cache the results",
        "In Review",
        "marcus",
        2,
        ["backend"],
        "Geocoding cache",
        3,
        None,
    ),
    (
        "ENG",
        "Geocoding cache: storage and invalidation",
        "Todo",
        "leo",
        2,
        ["backend"],
        "Geocoding cache",
        5,
        8,
    ),
    (
        "ENG",
        "Keep the geocoding batch job paused until the cache ships",
        "Todo",
        "omar",
        3,
        ["infra"],
        "Geocoding cache",
        1,
        8,
    ),
    (
        "OPS",
        "502 on the route history page during deploys",
        "Done",
        "omar",
        3,
        ["Bug"],
        None,
        1,
        None,
    ),
    (
        "OPS",
        "Announce deploys in #incidents before they start",
        "Done",
        "omar",
        4,
        ["Improvement"],
        None,
        1,
        11,
    ),
    ("OPS", "Weekly on-call summary in #incidents", "In Progress", "omar", 4, [], None, 1, None),
    ("OPS", "Update the runbook after this week's pages", "Done", "omar", 3, [], None, 2, None),
    (
        "OPS",
        "Publish incident history at health.acme-corp.test",
        "Done",
        "omar",
        3,
        ["Improvement"],
        None,
        2,
        None,
    ),
    (
        "OPS",
        "False-positive page from the disk usage alert",
        "Canceled",
        "omar",
        4,
        [],
        None,
        None,
        None,
    ),
    ("OPS", "Rotate the on-call schedule for Q2", "Todo", "marcus", 3, [], None, 1, None),
    (
        "OPS",
        "Error budget dashboard for the routing API",
        "Backlog",
        None,
        3,
        ["infra"],
        None,
        3,
        None,
    ),
    (
        "OPS",
        "Load test the optimizer with 4,000-stop routes",
        "Todo",
        "leo",
        2,
        ["infra"],
        "Per-tenant limits",
        3,
        None,
    ),
    ("OPS", "Customer reports slow route exports", "Triage", None, 0, ["Bug"], None, None, None),
    (
        "OPS",
        "Intermittent 504s from the tracking webhook",
        "Triage",
        None,
        2,
        ["Bug"],
        None,
        None,
        None,
    ),
    ("OPS", "Backup restore drill", "Backlog", "omar", 3, ["infra"], None, 2, None),
    ("OPS", "Duplicate: geocoding quota alert", "Duplicate", None, 0, [], None, None, None),
    (
        "ENG",
        "Multi-stop optimizer v2: new solver integration",
        "In Progress",
        "leo",
        1,
        ["backend", "Feature"],
        "Multi-stop optimizer v2",
        8,
        None,
    ),
    (
        "ENG",
        "Optimizer v2: time-window constraints",
        "In Progress",
        "leo",
        2,
        ["backend"],
        "Multi-stop optimizer v2",
        5,
        24,
    ),
    (
        "ENG",
        "Optimizer v2: vehicle capacity constraints",
        "Todo",
        "marcus",
        2,
        ["backend"],
        "Multi-stop optimizer v2",
        5,
        24,
    ),
    (
        "ENG",
        "Optimizer v2: compare results with v1 on 100 real routes",
        "Backlog",
        "leo",
        2,
        ["backend"],
        "Multi-stop optimizer v2",
        3,
        24,
    ),
    (
        "ENG",
        "Optimizer v2: route editor drag and drop",
        "In Progress",
        "sofia",
        2,
        ["frontend", "Feature"],
        "Multi-stop optimizer v2",
        5,
        None,
    ),
    (
        "ENG",
        "Optimizer v2: show savings versus the current plan",
        "Todo",
        "sofia",
        3,
        ["frontend"],
        "Multi-stop optimizer v2",
        3,
        None,
    ),
    (
        "ENG",
        "Route history: server-side pagination",
        "Done",
        "sofia",
        2,
        ["frontend"],
        "Route history revamp",
        3,
        None,
    ),
    (
        "ENG",
        "Route history: filters by driver and date",
        "Done",
        "sofia",
        3,
        ["frontend", "Feature"],
        "Route history revamp",
        3,
        None,
    ),
    (
        "ENG",
        "Route history: CSV export",
        "Done",
        "leo",
        3,
        ["backend", "Feature"],
        "Route history revamp",
        2,
        None,
    ),
    (
        "ENG",
        "Route history: empty state illustration",
        "Done",
        "grace",
        4,
        ["frontend"],
        "Route history revamp",
        1,
        None,
    ),
    ("ENG", "Upgrade Postgres to 17", "Backlog", "marcus", 3, ["infra"], None, 5, None),
    ("ENG", "Flaky test: test_route_scoring_concurrency", "Todo", "leo", 3, ["Bug"], None, 1, None),
    (
        "ENG",
        "Dark mode for the dispatcher dashboard",
        "Backlog",
        "sofia",
        4,
        ["frontend", "Feature"],
        None,
        5,
        None,
    ),
    (
        "ENG",
        "Release train: automate the Monday freeze",
        "Todo",
        "marcus",
        3,
        ["infra"],
        None,
        2,
        None,
    ),
    (
        "ENG",
        "Map tiles load slowly on mobile",
        "Triage",
        None,
        0,
        ["Bug", "frontend"],
        None,
        None,
        None,
    ),
    (
        "ENG",
        "Driver app crashes when a stop has no address",
        "Triage",
        None,
        1,
        ["Bug"],
        None,
        None,
        None,
    ),
    (
        "ENG",
        "Remove the legacy v0 routing endpoint",
        "Canceled",
        "leo",
        4,
        ["backend"],
        None,
        2,
        None,
    ),
    (
        "ENG",
        "Design review: stop details panel",
        "In Review",
        "grace",
        3,
        ["frontend"],
        "Multi-stop optimizer v2",
        2,
        None,
    ),
    (
        "ENG",
        "Rate limit the public API per API key",
        "Backlog",
        "leo",
        2,
        ["backend", "Feature"],
        "Per-tenant limits",
        5,
        None,
    ),
    (
        "ENG",
        "Accessibility pass on the route editor",
        "Backlog",
        "sofia",
        3,
        ["frontend", "Improvement"],
        None,
        3,
        None,
    ),
    (
        "ENG",
        "Structured logging for the scoring workers",
        "Done",
        "omar",
        3,
        ["infra", "Improvement"],
        None,
        2,
        None,
    ),
    ("ENG", "Speed up CI: cache the Docker layers", "Done", "marcus", 4, ["infra"], None, 1, None),
    (
        "ENG",
        "Timezone bug in the delivery window picker",
        "Done",
        "sofia",
        2,
        ["Bug", "frontend"],
        None,
        1,
        None,
    ),
    (
        "ENG",
        "Spike: OR-Tools versus in-house heuristics",
        "Canceled",
        "marcus",
        3,
        ["backend"],
        "Multi-stop optimizer v2",
        2,
        None,
    ),
    (
        "PRD",
        "Spec: multi-stop optimizer v2",
        "Done",
        "priya",
        1,
        ["research"],
        "Multi-stop optimizer v2",
        3,
        None,
    ),
    (
        "PRD",
        "Interview five mid-size fleet customers",
        "Done",
        "priya",
        2,
        ["research"],
        "Multi-stop optimizer v2",
        3,
        None,
    ),
    (
        "PRD",
        "Pricing for route size limits per plan",
        "In Progress",
        "priya",
        2,
        [],
        "Per-tenant limits",
        2,
        None,
    ),
    (
        "PRD",
        "Route editor: final designs",
        "In Review",
        "grace",
        2,
        ["Feature"],
        "Multi-stop optimizer v2",
        3,
        None,
    ),
    (
        "PRD",
        "Onboarding checklist for new fleet admins",
        "Todo",
        "grace",
        3,
        ["Improvement"],
        None,
        3,
        None,
    ),
    ("PRD", "Q2 roadmap review with leadership", "Todo", "priya", 2, [], None, 1, None),
    (
        "PRD",
        "Customer advisory board: March session notes",
        "Done",
        "priya",
        3,
        ["research"],
        None,
        1,
        None,
    ),
    (
        "PRD",
        "Competitive teardown: three routing tools",
        "Backlog",
        "priya",
        4,
        ["research"],
        None,
        2,
        None,
    ),
    (
        "PRD",
        "Usage analytics for the route history page",
        "Backlog",
        None,
        3,
        [],
        "Route history revamp",
        2,
        None,
    ),
    (
        "PRD",
        "Write the v2 launch announcement",
        "Backlog",
        "dana",
        3,
        [],
        "Multi-stop optimizer v2",
        1,
        None,
    ),
    ("PRD", "Feature request: recurring routes", "Backlog", None, 0, ["Feature"], None, None, None),
    (
        "PRD",
        "Feature request: driver breaks in planning",
        "Canceled",
        None,
        4,
        ["Feature"],
        None,
        None,
        None,
    ),
    ("PRD", "Design system: update map markers", "In Progress", "grace", 3, [], None, 2, None),
    (
        "PRD",
        "Survey: how dispatchers plan their day",
        "Done",
        "grace",
        3,
        ["research"],
        None,
        2,
        None,
    ),
    (
        "PRD",
        "Help center article: route size limits",
        "Todo",
        "hannah",
        3,
        [],
        "Per-tenant limits",
        1,
        None,
    ),
    ("PRD", "Board meeting product update (April 14)", "Todo", "dana", 2, [], None, 1, None),
    ("SAL", "Q2 pricing: new plan tiers", "In Progress", "ben", 1, [], "Q2 pricing", 3, None),
    (
        "SAL",
        "Q2 pricing: usage-based add-on for large routes",
        "Todo",
        "ben",
        2,
        [],
        "Q2 pricing",
        2,
        64,
    ),
    (
        "SAL",
        "Q2 pricing: update the pricing page copy",
        "Backlog",
        "ben",
        3,
        [],
        "Q2 pricing",
        1,
        64,
    ),
    (
        "SAL",
        "Proposal for Northwind Logistics",
        "In Progress",
        "ben",
        2,
        ["customer"],
        None,
        2,
        None,
    ),
    ("SAL", "Renewal: Contoso Freight", "Done", "hannah", 2, ["customer"], None, 1, None),
    (
        "SAL",
        "Follow up with EU customers affected by the timeouts",
        "Done",
        "hannah",
        1,
        ["customer"],
        None,
        1,
        None,
    ),
    ("SAL", "Credit note for the EU timeout incident", "Done", "tom", 2, ["customer"], None, 1, 69),
    ("SAL", "Security questionnaire for Fabrikam", "Todo", "ben", 3, ["customer"], None, 2, None),
    (
        "SAL",
        "Sales deck: optimizer v2 savings",
        "Backlog",
        "ben",
        3,
        [],
        "Multi-stop optimizer v2",
        2,
        None,
    ),
    ("SAL", "Pipeline review: Q2 target $480k new ARR", "Todo", "dana", 2, [], None, 1, None),
    ("SAL", "Annual budget: tooling spend", "Done", "tom", 3, [], None, 1, None),
    ("SAL", "Invoice dispute: Tailspin Toys", "Canceled", "tom", 4, ["customer"], None, None, None),
    ("SAL", "Customer health scores in the CRM", "Backlog", "hannah", 3, [], None, 2, None),
    ("SAL", "Reference call for Woodgrove Bank", "Todo", "hannah", 3, ["customer"], None, 1, None),
    ("ENG", "Duplicate: route editor drag and drop", "Duplicate", None, 0, [], None, None, None),
    ("OPS", "Status page: subscribe by email", "Backlog", None, 4, ["Improvement"], None, 1, None),
]
COMMENTS = [  # issue index, author, body, parent comment index
    (0, "omar", "Investigating: requests timing out for some EU customers since 07:42 UTC.", None),
    (
        0,
        "leo",
        "The scoring worker queue is backed up in eu-west: one tenant submitted a 4,000-stop route.",
        None,
    ),
    (0, "omar", "Scaled the pool from 6 to 12 workers. Queue draining.", None),
    (0, "hannah", "Two customers have written in; I've told them we're on it.", None),
    (0, "omar", "Resolved at 08:19 UTC. Postmortem to follow.", None),
    (
        1,
        "omar",
        "Postmortem is in the drive. Action items: per-tenant limits, queue depth alerting, autoscaling.",
        None,
    ),
    (1, "marcus", "Good write-up. Let's review it Friday.", 5),
    (2, "marcus", "We need a per-tenant limit on route size. Leo, can you add it to 2.15?", None),
    (2, "leo", "Yes. Proposing 1,500 stops per request, configurable per plan.", 7),
    (2, "priya", "1,500 covers every customer we have today except one; I'll talk to them.", None),
    (
        6,
        "omar",
        "Geocoding provider returning 429s: new addresses can't be placed on the map.",
        None,
    ),
    (6, "leo", "We're over the daily quota again. The batch job retried without backoff.", None),
    (
        6,
        "omar",
        "Paused the batch job. The provider confirmed the quota resets at midnight UTC.",
        None,
    ),
    (6, "marcus", "This is exactly why the on-write geocoding RFC matters.", None),
    (7, "leo", "Exponential backoff with jitter, capped at 10 minutes. PR is up.", None),
    (
        8,
        "marcus",
        "Draft is ready for comments. Main question: cache TTL for business addresses.",
        None,
    ),
    (8, "leo", "90 days for business addresses, 30 for residential?", 15),
    (11, "sofia", "Dashboard shows a 502 on the route history page for me. Anyone else?", None),
    (
        11,
        "omar",
        "Deploy in progress, should clear in a minute. Sorry, forgot to announce it.",
        None,
    ),
    (11, "sofia", "Cleared, thanks.", 18),
    (
        13,
        "omar",
        "Weekly summary: 2 incidents, 1 false-positive page, 0 customer-facing outages.",
        None,
    ),
    (
        15,
        "omar",
        "Customer-facing incident history now lives at https://health.acme-corp.test",
        None,
    ),
    (
        20,
        "hannah",
        "Two customers mentioned exports taking over a minute for a month of routes.",
        None,
    ),
    (24, "leo", "Solver integration behind a feature flag; first benchmarks are 3x faster.", None),
    (24, "priya", "Great. Can we get numbers on the 100 real routes before the demo?", 23),
    (25, "leo", "Time windows work for single vehicles; multi-vehicle next.", None),
    (28, "grace", "Designs for the drop targets are in Figma.", None),
    (28, "sofia", "Thanks! Snapping to the nearest stop feels right.", 26),
    (30, "sofia", "Shipped behind the flag, 10x faster on big accounts.", None),
    (35, "leo", "Fails about 1 in 30 runs on CI; looks like a race in the fixture.", None),
    (39, "hannah", "Reported by Northwind's dispatch team, two drivers affected.", None),
    (48, "priya", "Spec approved by Marcus and Dana.", None),
    (49, "priya", "Three of five want time windows first; capacity second.", None),
    (50, "priya", "Drafting the tiers: 500 / 1,500 / custom.", None),
    (51, "grace", "Final designs are up for review.", None),
    (64, "ben", "Draft tiers shared in #sales.", None),
    (64, "dana", "Let's keep the starter tier under $200/month.", 35),
    (67, "ben", "Proposal sent; they want a pilot in April.", None),
    (69, "hannah", "Wrote to all four affected EU accounts with the postmortem summary.", None),
    (70, "tom", "Credit notes issued for two accounts.", None),
    (73, "dana", "We're at $310k; need two more mid-size deals.", None),
]


def _id(*parts: str) -> str:
    return str(uuid.uuid5(NS, "/".join(parts)))


def _q(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dt.datetime):
        return f"'{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def _insert(table: str, columns: list[str], rows: list[list[object]]) -> str:
    values = ",\n".join("  (" + ", ".join(_q(v) for v in r) + ")" for r in rows)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES\n{values};\n"


def render() -> str:
    org = _id("org")
    users = {h: _id("user", h) for h, *_ in PEOPLE}
    teams = {k: _id("team", k) for k, *_ in TEAMS}
    out = [
        "-- acme-corp: Acme Routes (the same 10 people as the Slack fixture) as a Linear workspace.\n"
        "-- Generated by scripts/linear_acme_corp.py; edit that and run it again.\n\n",
        _insert(
            "organizations",
            ["id", "name", "url_key", "created_at", "updated_at"],
            [[org, "Acme Corp", "acme-corp", START, START]],
        ),
        _insert(
            "users",
            [
                "id",
                "organization_id",
                "name",
                "display_name",
                "email",
                "title",
                "admin",
                "owner",
                "timezone",
                "created_at",
                "updated_at",
            ],
            [
                [
                    users[h],
                    org,
                    name,
                    h,
                    f"{h}@acme-corp.test",
                    title,
                    admin,
                    owner,
                    "Europe/Berlin",
                    START + dt.timedelta(hours=i),
                    START + dt.timedelta(hours=i),
                ]
                for i, (h, name, title, admin, owner) in enumerate(PEOPLE)
            ],
        ),
    ]
    team_rows, member_rows, state_rows = [], [], []
    states: dict[tuple[str, str], str] = {}
    for i, (key, name, description, members, triage) in enumerate(TEAMS):
        when = START + dt.timedelta(days=1, hours=i)
        count = sum(1 for issue in ISSUES if issue[0] == key)
        team_rows.append(
            [teams[key], org, key, name, description, triage, key == "ENG", count, when, when]
        )
        member_rows += [[teams[key], users[m], when] for m in members]
        for position, (state, kind, color) in enumerate(STATES):
            if kind == "triage" and not triage:
                continue
            states[(key, state)] = _id("state", key, state)
            state_rows.append(
                [states[(key, state)], teams[key], state, kind, color, float(position), when, when]
            )
    out.append(
        _insert(
            "teams",
            [
                "id",
                "organization_id",
                "key",
                "name",
                "description",
                "triage_enabled",
                "cycles_enabled",
                "last_number",
                "created_at",
                "updated_at",
            ],
            team_rows,
        )
    )
    out.append(_insert("team_members", ["team_id", "user_id", "created_at"], member_rows))
    out.append(
        _insert(
            "workflow_states",
            ["id", "team_id", "name", "type", "color", "position", "created_at", "updated_at"],
            state_rows,
        )
    )
    labels = {(n, t): _id("label", t or "-", n) for n, t, _ in LABELS}
    label_by_name = {n: labels[(n, t)] for n, t, _ in LABELS}
    out.append(
        _insert(
            "issue_labels",
            [
                "id",
                "organization_id",
                "team_id",
                "name",
                "color",
                "creator_id",
                "created_at",
                "updated_at",
            ],
            [
                [labels[(n, t)], org, teams[t] if t else None, n, c, users["marcus"], START, START]
                for n, t, c in LABELS
            ],
        )
    )
    projects = {p[0]: _id("project", p[0]) for p in PROJECTS}
    project_rows, project_teams = [], []
    for i, (name, description, state, lead, pteams, priority) in enumerate(PROJECTS):
        when = START + dt.timedelta(days=2, hours=i)
        project_rows.append(
            [
                projects[name],
                name,
                description,
                state,
                priority,
                users[lead],
                users[lead],
                uuid.uuid5(NS, name).hex[:12],
                when,
                when,
                when if state in ("started", "completed") else None,
                when + dt.timedelta(days=30) if state == "completed" else None,
            ]
        )
        project_teams += [[projects[name], teams[t]] for t in pteams]
    out.append(
        _insert(
            "projects",
            [
                "id",
                "name",
                "description",
                "state",
                "priority",
                "lead_id",
                "creator_id",
                "slug_id",
                "created_at",
                "updated_at",
                "started_at",
                "completed_at",
            ],
            project_rows,
        )
    )
    out.append(_insert("project_teams", ["project_id", "team_id"], project_teams))
    cycles = {1: _id("cycle", "ENG", "1"), 2: _id("cycle", "ENG", "2")}
    out.append(
        _insert(
            "cycles",
            [
                "id",
                "team_id",
                "number",
                "name",
                "starts_at",
                "ends_at",
                "completed_at",
                "created_at",
                "updated_at",
            ],
            [
                [
                    cycles[1],
                    teams["ENG"],
                    1,
                    "Cycle 1",
                    dt.datetime(2026, 2, 23, tzinfo=dt.timezone.utc),
                    dt.datetime(2026, 3, 9, tzinfo=dt.timezone.utc),
                    dt.datetime(2026, 3, 9, tzinfo=dt.timezone.utc),
                    START,
                    START,
                ],
                [
                    cycles[2],
                    teams["ENG"],
                    2,
                    "Cycle 2",
                    dt.datetime(2026, 3, 9, tzinfo=dt.timezone.utc),
                    dt.datetime(2026, 3, 23, tzinfo=dt.timezone.utc),
                    None,
                    START,
                    START,
                ],
            ],
        )
    )
    numbers: dict[str, int] = {}
    issue_ids, issue_rows, links = [], [], []
    for i, (
        team,
        title,
        state,
        assignee,
        priority,
        ilabels,
        project,
        estimate,
        parent,
    ) in enumerate(ISSUES):
        numbers[team] = numbers.get(team, 0) + 1
        issue_id = _id("issue", team, str(numbers[team]))
        issue_ids.append(issue_id)
        when = START + dt.timedelta(days=3, hours=7 * i)
        kind = next(k for n, k, _ in STATES if n == state)
        done = when + dt.timedelta(days=2)
        cycle = None
        if team == "ENG" and kind in ("started", "unstarted", "completed") and i % 3 != 0:
            cycle = cycles[1] if kind == "completed" else cycles[2]
        issue_rows.append(
            [
                issue_id,
                teams[team],
                numbers[team],
                title,
                f"{title}.",
                states[(team, state)],
                users[assignee] if assignee else None,
                users[assignee or "marcus"],
                priority,
                estimate,
                projects[project] if project else None,
                cycle,
                issue_ids[parent] if parent is not None else None,
                float(i),
                when,
                done if kind in ("started", "completed", "canceled") else when,
                when + dt.timedelta(hours=6) if kind in ("started", "completed") else None,
                done if kind == "completed" else None,
                done if kind == "canceled" else None,
            ]
        )
        for label in ilabels:
            links.append([issue_id, label_by_name[label]])
    out.append(
        _insert(
            "issues",
            [
                "id",
                "team_id",
                "number",
                "title",
                "description",
                "state_id",
                "assignee_id",
                "creator_id",
                "priority",
                "estimate",
                "project_id",
                "cycle_id",
                "parent_id",
                "sort_order",
                "created_at",
                "updated_at",
                "started_at",
                "completed_at",
                "canceled_at",
            ],
            issue_rows,
        )
    )
    out.append(_insert("issue_label_links", ["issue_id", "label_id"], links))
    comment_ids = [_id("comment", str(i)) for i in range(len(COMMENTS))]
    out.append(
        _insert(
            "comments",
            ["id", "issue_id", "user_id", "parent_id", "body", "created_at", "updated_at"],
            [
                [
                    comment_ids[i],
                    issue_ids[issue],
                    users[who],
                    comment_ids[parent] if parent is not None else None,
                    body,
                    START + dt.timedelta(days=4, hours=5 * i),
                    START + dt.timedelta(days=4, hours=5 * i),
                ]
                for i, (issue, who, body, parent) in enumerate(COMMENTS)
            ],
        )
    )
    out.append(
        _insert(
            "reactions",
            ["id", "user_id", "emoji", "issue_id", "comment_id", "created_at"],
            [
                [_id("reaction", "1"), users["marcus"], "+1", None, comment_ids[4], START],
                [_id("reaction", "2"), users["dana"], "tada", None, comment_ids[28], START],
                [_id("reaction", "3"), users["priya"], "eyes", issue_ids[2], None, START],
            ],
        )
    )
    return "".join(out)


if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)} ({len(ISSUES)} issues, {len(COMMENTS)} comments)")
