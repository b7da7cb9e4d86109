"""The Linear clone through asymkit's seam: spin, member keys, batch loading, diff and reset.

Nothing here is Linear-specific on the SDK side: the template's manifest,
migrations and admin endpoints are all asymkit knows.
"""

from __future__ import annotations

from typing import Any

import httpx
from linear_helpers import data, post
from test_cli import json_of, run_cli

import asymkit

PAGE = """query($n: Int) { issues(first: $n) { nodes {
    identifier title priorityLabel url branchName
    state { name type } assignee { name email } team { key }
    labels { nodes { name color } }
    comments { nodes { body user { name } } } } } }"""


def _statements(clone: Any) -> int:
    resp = httpx.get(
        clone.url + "/clone/debug/statements",
        headers={"Authorization": f"Bearer {clone.record.admin_secret}"},
    )
    return int(resp.json()["statements"])


def _cost(clone: Any, size: int) -> int:
    before = _statements(clone)
    found = data(clone, PAGE, {"n": size})
    assert len(found["issues"]["nodes"]) == size
    return _statements(clone) - before


def test_a_page_of_issues_costs_a_bounded_number_of_queries(linear: Any) -> None:
    """Batch loading: a page's states, assignees, labels, comments and their authors cost a
    query or two per relation whatever the page size (loading per row costs 136 for 50)."""
    small, large = _cost(linear, 5), _cost(linear, 50)
    # Loads that start at different moments (an assignee for branchName, after the team)
    # may make a second batch, so the count may vary by one or two, never with the page.
    assert small <= 12 and large <= 12, (small, large)


def test_member_keys_act_as_their_member_and_survive_a_reset(linear: Any) -> None:
    omar = linear.user_token("@omar")
    assert omar.startswith("lin_api_") and len(omar) == len("lin_api_") + 40
    assert (
        data(linear, "{ viewer { email } }", key=omar)["viewer"]["email"] == "omar@acme-corp.test"
    )
    by_id = data(linear, "{ viewer { id } }", key=omar)["viewer"]["id"]
    assert linear.user_token(by_id) == omar
    linear.reset(strategy="rebuild")
    assert linear.user_token("@omar") == omar
    assert data(linear, "{ viewer { name } }", key=omar)["viewer"]["name"] == "Omar Haddad"


def test_an_unknown_member_is_a_clear_error(linear: Any) -> None:
    try:
        linear.user_token("@nobody")
    except asymkit.AsymkitError as exc:
        assert "No member @nobody" in str(exc)
    else:
        raise AssertionError("user_token('@nobody') should fail")


def test_the_cli_gives_a_members_key(linear: Any) -> None:
    done = run_cli("tokens", linear.id, "--user", "@priya", "--json")
    key = json_of(done)["token"]
    assert (
        data(linear, "{ viewer { email } }", key=key)["viewer"]["email"] == "priya@acme-corp.test"
    )


def test_spin_from_the_cli_serves_graphql_at_api_url() -> None:
    spun = json_of(run_cli("spin", "linear", "--seed", "acme-corp", "--json"))
    try:
        assert spun["api_url"].endswith("/graphql")
        assert spun["tokens"]["user"].startswith("lin_api_")
        clone = asymkit.Clone.get(spun["id"])
        teams = data(clone, "{ teams { nodes { key } } }")["teams"]["nodes"]
        assert {t["key"] for t in teams} == {"ENG", "PRD", "OPS", "SAL"}
    finally:
        run_cli("destroy", spun["id"])


def _write(clone: Any) -> None:
    eng = data(clone, '{ teams(filter: {key: {eq: "ENG"}}) { nodes { id } } }')
    team = eng["teams"]["nodes"][0]["id"]
    done = data(
        clone,
        '{ workflowStates(filter: {team: {key: {eq: "ENG"}}, name: {eq: "Done"}})'
        " { nodes { id } } }",
    )["workflowStates"]["nodes"][0]["id"]
    omar = clone.user_token("@omar")
    data(
        clone,
        'mutation($t: String!) { issueCreate(input: {teamId: $t, title: "Cache warmup job"})'
        " { success } }",
        {"t": team},
        key=omar,
    )
    data(
        clone,
        'mutation($s: String!) { issueUpdate(id: "ENG-1", input: {stateId: $s}) { success } }',
        {"s": done},
    )
    data(
        clone,
        'mutation { commentCreate(input: {issueId: "ENG-1", body: "Limits shipped."})'
        " { success } }",
        key=omar,
    )


def test_diff_shows_writes_as_linear_shows_them_and_reset_undoes_them(linear: Any) -> None:
    _write(linear)
    diff = linear.diff()
    added = diff["issues"].added
    assert [(r["identifier"], r["title"], r["state"]) for r in added] == [
        ("ENG-33", "Cache warmup job", "Backlog")
    ]
    (changed,) = diff["issues"].changed
    assert changed.key == {"identifier": "ENG-1"}
    assert changed.before["state"] == "In Progress" and changed.after["state"] == "Done"
    (comment,) = diff["comments"].added
    assert comment["issue"] == "ENG-1" and comment["author"] == "Omar Haddad"
    linear.reset()
    assert not linear.diff()
    assert post(linear, '{ issue(id: "ENG-33") { id } }').json()["errors"]
    state = data(linear, '{ issue(id: "ENG-1") { state { name } } }')["issue"]["state"]
    assert state == {"name": "In Progress"}


def test_snapshots_work_on_the_linear_clone(linear: Any) -> None:
    linear.snapshot("before-writes")
    try:
        _write(linear)
        assert linear.diff(since="before-writes")["issues"]
        linear.reset(to="before-writes")
        assert not linear.diff(since="before-writes")
    finally:
        linear.drop_snapshot("before-writes")


def test_handing_out_a_key_again_writes_nothing(linear: Any) -> None:
    """A member's key is stored at provision; asking for it again must not look like a write."""
    import psycopg

    from asymkit import postgres

    linear.user_token("@omar")
    with psycopg.connect(postgres.server().dsn(linear.database)) as conn:
        logged = conn.execute("SELECT max(seq) FROM asymkit.changes WHERE tbl = 'api_keys'")
        before = logged.fetchone()
        linear.user_token("@omar")
        linear.user_token("@omar")
        after = conn.execute(
            "SELECT max(seq) FROM asymkit.changes WHERE tbl = 'api_keys'"
        ).fetchone()
    assert before == after
