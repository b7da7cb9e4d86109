"""The rest of the served mutations: projects, labels, cycles, label edits, archive and delete,
each checked through the API and through the diff kinds graders read."""

from __future__ import annotations

from typing import Any

from linear_helpers import data, error, post


def _team(clone: Any, key: str) -> str:
    found = data(
        clone, "query($k: String!) { teams(filter: {key: {eq: $k}}) { nodes { id } } }", {"k": key}
    )
    return str(found["teams"]["nodes"][0]["id"])


def test_projects_are_created_and_completed(linear: Any) -> None:
    leo = data(linear, "{ viewer { id } }", key=linear.user_token("@leo"))["viewer"]["id"]
    made = data(
        linear,
        'mutation($t: [String!]!, $l: String) { projectCreate(input: {name: "Webhook retries",'
        ' teamIds: $t, leadId: $l, targetDate: "2026-06-30"}) { success project { id name'
        " lead { name } teams { nodes { key } } status { type } url targetDate } } }",
        {"t": [_team(linear, "ENG"), _team(linear, "OPS")], "l": leo},
    )["projectCreate"]["project"]
    assert made["lead"] == {"name": "Leo Alvarez"} and made["targetDate"] == "2026-06-30"
    assert {t["key"] for t in made["teams"]["nodes"]} == {"ENG", "OPS"}
    assert made["status"]["type"] == "planned" and "/project/webhook-retries-" in made["url"]
    statuses = data(linear, "{ organization { projectStatuses { id type } } }")
    completed = next(
        s["id"] for s in statuses["organization"]["projectStatuses"] if s["type"] == "completed"
    )
    done = data(
        linear,
        "mutation($id: String!, $s: String!) { projectUpdate(id: $id, input: {statusId: $s})"
        " { project { state completedAt } } }",
        {"id": made["id"], "s": completed},
    )["projectUpdate"]["project"]
    assert done["state"] == "completed" and done["completedAt"]
    (record,) = linear.diff()["projects"].added
    assert (record["name"], record["state"], record["lead"]) == (
        "Webhook retries",
        "completed",
        "Leo Alvarez",
    )
    assert (
        error(
            post(linear, 'mutation { projectCreate(input: {name: "x", teamIds: []}) { success } }')
        )["code"]
        == "INVALID_INPUT"
    )


def test_labels_are_created_added_and_removed(linear: Any) -> None:
    label = data(
        linear,
        'mutation($t: String) { issueLabelCreate(input: {name: "regression", teamId: $t,'
        ' color: "#ff0000"}) { issueLabel { id name team { key } } } }',
        {"t": _team(linear, "ENG")},
    )["issueLabelCreate"]["issueLabel"]
    assert label["team"] == {"key": "ENG"}
    dup = post(linear, 'mutation { issueLabelCreate(input: {name: "Bug"}) { success } }')
    assert error(dup)["code"] == "INVALID_INPUT"
    query = '{ issue(id: "ENG-5") { labels { nodes { name } } } }'
    add = 'mutation($l: String!) { issueAddLabel(id: "ENG-5", labelId: $l) { success } }'
    data(linear, add, {"l": label["id"]})
    assert {"name": "regression"} in data(linear, query)["issue"]["labels"]["nodes"]
    changed = [c for c in linear.diff()["issues"].changed if c.key == {"identifier": "ENG-5"}]
    assert "regression" in changed[0].after["labels"]
    assert [r["name"] for r in linear.diff()["labels"].added] == ["regression"]
    remove = 'mutation($l: String!) { issueRemoveLabel(id: "ENG-5", labelId: $l) { success } }'
    data(linear, remove, {"l": label["id"]})
    assert {"name": "regression"} not in data(linear, query)["issue"]["labels"]["nodes"]
    other_team = data(linear, '{ issueLabels(filter: {name: {eq: "incident"}}) { nodes { id } } }')
    wrong = post(linear, add, {"l": other_team["issueLabels"]["nodes"][0]["id"]})
    assert error(wrong)["message"] == "Entity not found: IssueLabel"


def test_cycles_are_numbered_per_team_and_may_not_overlap(linear: Any) -> None:
    create = (
        "mutation($t: String!, $s: DateTime!, $e: DateTime!) { cycleCreate(input: {teamId: $t,"
        " startsAt: $s, endsAt: $e}) { cycle { number team { key } startsAt } } }"
    )
    eng = _team(linear, "ENG")
    cycle = data(
        linear, create, {"t": eng, "s": "2026-03-23T00:00:00Z", "e": "2026-04-06T00:00:00Z"}
    )
    assert cycle["cycleCreate"]["cycle"]["number"] == 3
    assert cycle["cycleCreate"]["cycle"]["startsAt"] == "2026-03-23T00:00:00.000Z"
    overlap = post(
        linear, create, {"t": eng, "s": "2026-04-01T00:00:00Z", "e": "2026-04-10T00:00:00Z"}
    )
    assert error(overlap)["code"] == "INVALID_INPUT"
    backwards = post(
        linear, create, {"t": eng, "s": "2026-05-10T00:00:00Z", "e": "2026-05-01T00:00:00Z"}
    )
    assert error(backwards)["code"] == "INVALID_INPUT"
    assert [(r["team"], r["number"]) for r in linear.diff()["cycles"].added] == [("ENG", 3)]


def test_archive_unarchive_delete_and_comment_delete(linear: Any) -> None:
    archived = data(
        linear, 'mutation { issueArchive(id: "PRD-5") { success entity { archivedAt } } }'
    )
    assert archived["issueArchive"]["entity"]["archivedAt"]
    data(linear, 'mutation { issueUnarchive(id: "PRD-5") { success } }')
    assert data(linear, '{ issue(id: "PRD-5") { archivedAt } }')["issue"]["archivedAt"] is None
    trashed = data(
        linear, 'mutation { issueDelete(id: "PRD-6") { entity { trashed archivedAt } } }'
    )
    assert trashed["issueDelete"]["entity"]["trashed"] is True
    (change,) = [c for c in linear.diff()["issues"].changed if c.key == {"identifier": "PRD-6"}]
    assert change.after["trashed"] is True
    forbidden = post(
        linear,
        'mutation { issueDelete(id: "PRD-7", permanentlyDelete: true) { success } }',
        key=linear.user_token("@grace"),
    )
    assert error(forbidden)["code"] == "FORBIDDEN"
    comment = data(
        linear,
        '{ issue(id: "OPS-1") { comments(first: 1) { nodes { id user { displayName } } } } }',
    )
    node = comment["issue"]["comments"]["nodes"][0]
    author = linear.user_token(f"@{node['user']['displayName']}")
    gone = data(
        linear,
        "mutation($id: String!) { commentDelete(id: $id) { success entityId } }",
        {"id": node["id"]},
        key=author,
    )
    assert gone["commentDelete"] == {"success": True, "entityId": node["id"]}
    assert [r["id"] for r in linear.diff()["comments"].removed] == [node["id"]]
