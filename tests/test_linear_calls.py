"""The Linear clone's call log and review page: every GraphQL request it served, read with
``clone.calls()`` through the manifest as Slack's is, and the page that shows the run;
driven through gql against a real clone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from gql import GraphQLRequest, gql
from linear_helpers import gql_client, post

import asymkit
from asymkit import review


def run(session: Any, query: str, **variables: Any) -> Any:
    return session.execute(GraphQLRequest(gql(query), variable_values=variables or None))


def _eng(session: Any) -> str:
    teams = run(session, "query Teams { teams { nodes { id key } } }")["teams"]["nodes"]
    return str(next(t["id"] for t in teams if t["key"] == "ENG"))


CREATE = """mutation IssueCreate($input: IssueCreateInput!) {
  issueCreate(input: $input) { success issue { id identifier } } }"""


def test_each_request_is_recorded_with_who_operation_variables_outcome_and_refs(
    linear: Any,
) -> None:
    with gql_client(linear) as dana:
        eng = _eng(dana)
        long_text = "x" * 5000
        created = run(
            dana, CREATE, input={"teamId": eng, "title": "Logged", "description": long_text}
        )
    issue = created["issueCreate"]["issue"]
    bot = post(linear, "{ viewer { id } }", key=linear.tokens.bot)
    assert bot.status_code == 200
    secret = post(
        linear,
        "query Secret($token: String, $id: String!) { issue(id: $id) { title } }",
        {"token": "lin_api_secret", "id": "ENG-9999"},
    )
    assert secret.status_code == 400  # $token is unused: the document does not validate
    calls = [c for c in linear.calls() if "IntrospectionQuery" not in c.method]
    assert [c.method for c in calls] == [
        "query Teams",
        "mutation IssueCreate",
        "query viewer",
        "query Secret",
    ]
    _, create, viewer, lookup = calls
    assert create.who == "@dana" and create.ok and create.status == 200
    assert create.latency_ms > 0
    assert create.args["input"]["title"] == "Logged"
    assert create.args["input"]["description"].startswith("x" * 2000 + "… [cut: 3000 more")
    assert {"issue": issue["id"]} in create.refs
    assert viewer.who == "bot" and viewer.ok
    assert lookup.args == {"token": "[redacted]", "id": "ENG-9999"}
    assert lookup.outcome == "GRAPHQL_VALIDATION_FAILED" and lookup.status == 400
    assert {"issue": "ENG-9999"} in lookup.refs
    assert "lin_api_secret" not in repr(linear.calls())


def test_reset_puts_the_log_back(linear: Any) -> None:
    post(linear, "query Me { viewer { id } }")
    assert [c.method for c in linear.calls()] == ["query Me"]
    linear.reset()
    assert len(linear.calls()) == 0
    post(linear, "query Again { viewer { id } }")
    assert [c.method for c in linear.calls()] == ["query Again"]


def test_the_log_is_left_out_of_the_diff(linear: Any) -> None:
    post(linear, "query Me { viewer { id } }")
    assert len(linear.calls()) == 1
    assert not linear.diff()


@pytest.fixture
def tiny_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A Linear clone whose call log keeps 5 entries."""
    monkeypatch.setenv("CLONE_CALL_LOG_MAX", "5")
    clone = asymkit.spin("linear", seed=asymkit.Fixture("acme-corp"))
    try:
        yield clone
    finally:
        clone.destroy()


def test_the_log_is_bounded_and_counts_what_it_dropped(tiny_log: Any) -> None:
    for n in range(8):
        post(tiny_log, "query Me { viewer { id } }", {"n": n})  # n: ignored, logged
    calls = tiny_log.calls()
    assert [c.args["n"] for c in calls] == [3, 4, 5, 6, 7] and all(c.ok for c in calls)
    assert calls.dropped == 3
    page = review.render(tiny_log.target())
    assert 'data-dropped="3">The call log dropped its 3 oldest calls' in page
    tiny_log.reset()
    assert tiny_log.calls().dropped == 0 and len(tiny_log.calls()) == 0


def test_the_review_page_shows_issues_by_state_with_changes_marked_and_escaped(
    linear: Any, tmp_path: Any
) -> None:
    with gql_client(linear) as dana:
        eng = _eng(dana)
        created = run(dana, CREATE, input={"teamId": eng, "title": "<script>alert(1)</script>"})
        run(
            dana,
            """mutation IssueUpdate($id: String!) { issueUpdate(id: $id,
                 input: {title: "Per-tenant limits, renamed"}) { success } }""",
            id="ENG-1",
        )
        comment = run(
            dana,
            """mutation CommentCreate { commentCreate(input: {issueId: "ENG-2", body: "On it"}) {
                 comment { id } } }""",
        )["commentCreate"]["comment"]
    new = created["issueCreate"]["issue"]["identifier"]
    page = review.render(linear.target())
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert f'class="issue added" id="i-{new}" data-change="added"' in page
    assert 'class="issue changed" id="i-ENG-1" data-change="changed"' in page
    changed = page[page.index('id="i-ENG-1"') :]
    changed = changed[: changed.index('<div class="issue')]
    assert 'data-field="title"' in changed and '<span class="before">Per-tenant' in changed
    assert "→ Per-tenant limits, renamed" in changed
    assert f'id="cm-{comment["id"]}" data-change="added"' in page
    assert '<div class="group" data-state="In Progress">' in page  # issues grouped by state
    assert 'href="?place=t-ENG&amp;at=i-ENG-1#i-ENG-1"' in page  # IssueUpdate links to ENG-1
    out = review.export(linear.target(), tmp_path / "run.html")
    exported = out.read_text()
    assert f'href="#cm-{comment["id"]}"' in exported  # CommentCreate links to its comment
    call = next(c for c in linear.calls() if c.method == "mutation CommentCreate")
    assert {"issue": "ENG-2"} in call.refs and {"comment": comment["id"]} in call.refs
    assert 'data-place="t-OPS"' in exported and "&lt;script&gt;alert(1)" in exported
    assert "<script>alert(1)</script>" not in exported
