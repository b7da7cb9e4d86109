"""The Linear clone through Python's gql, which fetches the served schema and validates
every document against it, and through raw requests for what a client would refuse."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from gql import GraphQLRequest, gql
from linear_helpers import data, error, gql_client, post


@pytest.fixture
def client(linear: Any) -> Any:
    with gql_client(linear) as session:
        yield session


def run(session: Any, query: str, **variables: Any) -> Any:
    """Validate ``query`` against the fetched schema, then send it."""
    return session.execute(GraphQLRequest(gql(query), variable_values=variables or None))


def _state(clone: Any, team: str, name: str) -> str:
    found = data(
        clone,
        "query($k: String!) { workflowStates(filter: {team: {key: {eq: $k}}}) {"
        " nodes { id name } } }",
        {"k": team},
    )
    return next(s["id"] for s in found["workflowStates"]["nodes"] if s["name"] == name)


def test_gql_fetches_the_schema_and_lists_teams_and_members(client: Any) -> None:
    result = run(client, "{ teams { nodes { key name members { nodes { email } } } } }")
    teams = {t["key"]: t for t in result["teams"]["nodes"]}
    assert set(teams) == {"ENG", "PRD", "OPS", "SAL"}
    emails = {m["email"] for m in teams["OPS"]["members"]["nodes"]}
    assert "omar@acme-corp.test" in emails
    assert client.client.schema.get_type("IssueFilter") is not None


def test_an_issue_reads_by_identifier_with_linears_derived_fields(client: Any) -> None:
    issue = run(
        client,
        (
            """{ issue(id: "eng-1") { id identifier title priority priorityLabel url branchName
                 state { name type } assignee { name displayName } team { key }
                 labels { nodes { name } } children { nodes { identifier } }
                 comments { nodes { body user { name } } } } }"""
        ),
    )["issue"]
    assert issue["identifier"] == "ENG-1"
    assert issue["priorityLabel"] == "Urgent" and issue["priority"] == 1
    assert issue["url"].startswith("https://linear.app/acme-corp/issue/ENG-1/per-tenant-limit")
    assert issue["branchName"].startswith("leo/eng-1-per-tenant-limit")
    assert issue["state"] == {"name": "In Progress", "type": "started"}
    assert {n["name"] for n in issue["labels"]["nodes"]} == {"backend", "Feature"}
    assert [c["identifier"] for c in issue["children"]["nodes"]] == ["ENG-3"]
    by_id = run(client, "query($id: String!) { issue(id: $id) { identifier } }", id=issue["id"])
    assert by_id["issue"]["identifier"] == "ENG-1"


def test_create_move_to_completed_and_comment(linear: Any, client: Any) -> None:
    team = run(client, "{ teams { nodes { id key } } }")
    eng = next(t["id"] for t in team["teams"]["nodes"] if t["key"] == "ENG")
    created = run(
        client,
        """mutation($input: IssueCreateInput!) { issueCreate(input: $input) {
             success issue { id identifier number state { type } completedAt priorityLabel } } }""",
        input={"teamId": eng, "title": "Rate-limit the geocoder", "priority": 2},
    )["issueCreate"]
    assert created["success"] and created["issue"]["identifier"] == "ENG-33"
    assert (
        created["issue"]["state"]["type"] == "backlog" and created["issue"]["completedAt"] is None
    )
    done = run(
        client,
        """mutation($id: String!, $s: String!) { issueUpdate(id: $id, input: {stateId: $s}) {
             issue { state { name type } completedAt startedAt } } }""",
        id="ENG-33",
        s=_state(linear, "ENG", "Done"),
    )["issueUpdate"]["issue"]
    assert done["state"]["type"] == "completed" and done["completedAt"] is not None
    comment = run(
        client,
        """mutation($i: String!) { commentCreate(input: {issueId: $i, body: "Shipped."}) {
             success comment { body user { email } issue { identifier } } } }""",
        i=created["issue"]["id"],
    )["commentCreate"]["comment"]
    assert comment == {
        "body": "Shipped.",
        "user": {"email": "dana@acme-corp.test"},
        "issue": {"identifier": "ENG-33"},
    }


def test_filters_on_state_assignee_labels_priority_and_or(linear: Any) -> None:
    def identifiers(where: dict[str, Any], key: str | None = None) -> set[str]:
        found = data(
            linear,
            "query($f: IssueFilter) { issues(filter: $f, first: 250) { nodes { identifier } } }",
            {"f": where},
            key=key,
        )
        return {n["identifier"] for n in found["issues"]["nodes"]}

    completed = identifiers({"state": {"type": {"eq": "completed"}}})
    assert "OPS-1" in completed and "ENG-1" not in completed
    omar = linear.user_token("@omar")
    mine = identifiers({"assignee": {"isMe": {"eq": True}}}, key=omar)
    assert mine and mine == identifiers({"assignee": {"email": {"eq": "omar@acme-corp.test"}}})
    incidents = identifiers({"labels": {"name": {"eq": "incident"}}})
    assert incidents == {"OPS-1", "OPS-4"}
    urgent_or_incident = identifiers(
        {"or": [{"priority": {"eq": 1}}, {"labels": {"some": {"name": {"eq": "incident"}}}}]}
    )
    assert incidents < urgent_or_incident
    both = identifiers(
        {"and": [{"team": {"key": {"eq": "OPS"}}}, {"title": {"containsIgnoreCase": "GEOCODING"}}]}
    )
    assert both == {"OPS-4", "OPS-17"}
    assert identifiers({"assignee": {"null": True}, "team": {"key": {"eq": "PRD"}}}) == {
        "PRD-9",
        "PRD-11",
        "PRD-12",
    }


def test_relay_pagination_forward_and_backward(linear: Any) -> None:
    query = """query($first: Int, $after: String, $last: Int, $before: String) {
        issues(first: $first, after: $after, last: $last, before: $before) {
          nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
    seen: list[str] = []
    after = None
    while True:
        page = data(linear, query, {"first": 30, "after": after})["issues"]
        seen += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 80
    back = data(linear, query, {"last": 10, "before": seen[30]})["issues"]
    assert [n["id"] for n in back["nodes"]] == seen[20:30]
    assert back["pageInfo"]["hasPreviousPage"] and back["pageInfo"]["hasNextPage"]


def test_order_by_updated_at_puts_the_last_written_issue_first(linear: Any) -> None:
    data(linear, 'mutation { issueUpdate(id: "SAL-3", input: {priority: 1}) { success } }')
    query = (
        "query($o: PaginationOrderBy) { issues(first: 1, orderBy: $o) { nodes { identifier } } }"
    )
    assert data(linear, query, {"o": "updatedAt"})["issues"]["nodes"] == [{"identifier": "SAL-3"}]
    assert data(linear, query)["issues"]["nodes"] != [{"identifier": "SAL-3"}]


def test_reactions_on_issues_and_comments(linear: Any) -> None:
    made = data(
        linear,
        'mutation { reactionCreate(input: {issueId: "ENG-2", emoji: "rocket"})'
        " { success reaction { emoji user { displayName } issue { identifier } } } }",
    )["reactionCreate"]
    assert made["reaction"] == {
        "emoji": "rocket",
        "user": {"displayName": "dana"},
        "issue": {"identifier": "ENG-2"},
    }
    found = data(linear, '{ issue(id: "ENG-2") { reactions { emoji } } }')["issue"]["reactions"]
    assert {"emoji": "rocket"} in found
    resp = post(linear, 'mutation { reactionCreate(input: {emoji: "x"}) { success } }')
    assert error(resp)["code"] == "INVALID_INPUT"


def test_archived_issues_need_include_archived(linear: Any) -> None:
    data(linear, 'mutation { issueArchive(id: "SAL-1") { success entity { archivedAt } } }')
    query = (
        "query($a: Boolean) { issues(first: 250, includeArchived: $a) { nodes { identifier } } }"
    )
    plain = {n["identifier"] for n in data(linear, query)["issues"]["nodes"]}
    everything = {n["identifier"] for n in data(linear, query, {"a": True})["issues"]["nodes"]}
    assert "SAL-1" not in plain and "SAL-1" in everything


def test_search_and_priority_values(linear: Any) -> None:
    found = data(linear, '{ issueSearch(query: "geocoding") { nodes { identifier } } }')
    assert {"OPS-4", "ENG-6"} <= {n["identifier"] for n in found["issueSearch"]["nodes"]}
    other = data(linear, '{ searchIssues(term: "geocoding") { totalCount nodes { identifier } } }')
    assert other["searchIssues"]["totalCount"] == len(found["issueSearch"]["nodes"])
    values = data(linear, "{ issuePriorityValues { priority label } }")["issuePriorityValues"]
    assert values[1] == {"priority": 1, "label": "Urgent"}


# -- bad input: Linear's errors, and the clone keeps serving ------------------------


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        pytest.param("{ viewer { id ", None, "GRAPHQL_PARSE_FAILED", id="invalid-graphql"),
        pytest.param("{ viewer { nope } }", None, "GRAPHQL_VALIDATION_FAILED", id="unknown-field"),
        pytest.param(
            "query($n: Int) { issues(first: $n) { nodes { id } } }",
            {"n": "many"},
            "INVALID_INPUT",
            id="wrong-type",
        ),
        pytest.param(
            '{ issue(id: "ENG-9999") { id } }', None, "INVALID_INPUT", id="bad-identifier"
        ),
        pytest.param('{ issue(id: "not-an-id") { id } }', None, "INVALID_INPUT", id="bad-id"),
        pytest.param(
            "{ issues(first: 300) { nodes { id } } }", None, "INVALID_INPUT", id="huge-page"
        ),
        pytest.param(
            "{ issues(sort: [{priority: {order: Ascending}}]) { nodes { id } } }",
            None,
            "INVALID_INPUT",
            id="unsupported-sort",
        ),
        pytest.param(
            "{ issues(filter: {hasBlockedByRelations: {eq: true}}) { nodes { id } } }",
            None,
            "INVALID_INPUT",
            id="unsupported-filter",
        ),
        pytest.param(
            "{ issues(first: 1) "
            + "{ nodes { children(first: 1) " * 7
            + "{ nodes { id } }"
            + " } }" * 7
            + " }",
            None,
            "QUERY_TOO_COMPLEX",
            id="deeply-nested",
        ),
        pytest.param(
            "{ teams(first: 250) { nodes { issues(first: 250) { nodes { id title } } } } }",
            None,
            "QUERY_TOO_COMPLEX",
            id="too-complex",
        ),
    ],
)
def test_bad_input_gets_linears_errors(linear: Any, query: str, variables: Any, code: str) -> None:
    resp = post(linear, query, variables)
    got = error(resp)
    assert got["code"] == code, got
    assert got["userPresentableMessage"] and got["type"]
    assert data(linear, "{ viewer { email } }")["viewer"]["email"] == "dana@acme-corp.test"


def test_a_bad_key_is_an_authentication_error(linear: Any) -> None:
    for key in ("lin_api_0000000000000000000000000000000000000000", "", "Bearer nope"):
        got = error(post(linear, "{ viewer { id } }", key=key))
        assert got["code"] == "AUTHENTICATION_ERROR" and got["type"] == "authentication error"


def test_introspection_needs_no_key_but_data_does(linear: Any) -> None:
    found = data(linear, "{ __schema { queryType { name } } }", key="")
    assert found["__schema"]["queryType"]["name"] == "Query"
    resp = post(linear, "{ __schema { queryType { name } } viewer { id } }", key="")
    assert error(resp)["code"] == "AUTHENTICATION_ERROR"


def test_only_a_comments_author_may_edit_it(linear: Any) -> None:
    made = data(
        linear,
        'mutation { commentCreate(input: {issueId: "ENG-1", body: "mine"}) { comment { id } } }',
        key=linear.user_token("@leo"),
    )["commentCreate"]["comment"]["id"]
    edit = 'mutation($id: String!) { commentUpdate(id: $id, input: {body: "edited"}) { success } }'
    got = error(post(linear, edit, {"id": made}, key=linear.user_token("@sofia")))
    assert got["code"] == "FORBIDDEN" and got["type"] == "forbidden"
    assert data(linear, edit, {"id": made}, key=linear.user_token("@leo"))["commentUpdate"][
        "success"
    ]


def test_the_oauth_token_works_as_bearer(linear: Any) -> None:
    assert linear.tokens.bot.startswith("lin_oauth_")
    found = data(linear, "{ viewer { email } }", key=f"Bearer {linear.tokens.bot}")
    assert found["viewer"]["email"] == "dana@acme-corp.test"


def test_a_document_with_too_many_tokens_is_refused(linear: Any) -> None:
    query = "{ viewer { " + "id " * 30_000 + "} }"
    assert error(post(linear, query))["code"] == "GRAPHQL_PARSE_FAILED"


def test_deeply_nested_variables_are_refused(linear: Any) -> None:
    nested = "[" * 100_000 + "]" * 100_000
    body = '{"query": "{ viewer { id } }", "variables": {"x": ' + nested + "}}"
    resp = httpx.post(
        linear.api_url,
        content=body,
        headers={"Authorization": linear.tokens.user, "Content-Type": "application/json"},
    )
    assert error(resp)["code"] == "INVALID_INPUT"
    assert data(linear, "{ viewer { email } }")["viewer"]["email"] == "dana@acme-corp.test"


def test_a_foreign_host_header_is_refused(linear: Any) -> None:
    resp = post(linear, "{ viewer { id } }", headers={"Host": "evil.example"})
    assert resp.status_code == 421


def test_a_body_over_the_limit_is_refused(linear: Any) -> None:
    resp = post(linear, "{ viewer { id } }", {"pad": "x" * 1_100_000})
    assert resp.status_code == 413 and error(resp)["code"] == "REQUEST_TOO_LARGE"


def test_an_unsupported_input_field_is_refused_not_dropped(linear: Any) -> None:
    resp = post(
        linear,
        'mutation { issueUpdate(id: "ENG-1", input: {title: "t",'
        ' snoozedUntilAt: "2030-01-01T00:00:00Z"}) { success } }',
    )
    got = error(resp)
    assert got["code"] == "INVALID_INPUT" and "snoozedUntilAt" in got["message"]
    title = data(linear, '{ issue(id: "ENG-1") { title } }')["issue"]["title"]
    assert title.startswith("Per-tenant limit")


def test_mutation_validation_errors(linear: Any) -> None:
    eng = data(linear, '{ teams(filter: {key: {eq: "ENG"}}) { nodes { id } } }')["teams"]["nodes"][
        0
    ]["id"]
    resp = post(
        linear,
        'mutation($t: String!) { issueCreate(input: {teamId: $t, title: "x", priority: 9})'
        " { success } }",
        {"t": eng},
    )
    assert error(resp)["code"] == "INVALID_INPUT"
    resp = post(
        linear, 'mutation { issueUpdate(id: "ENG-1", input: {parentId: "ENG-3"}) { success } }'
    )
    assert "sub-issue" in error(resp)["userPresentableMessage"]
    parent = data(linear, '{ issue(id: "ENG-1") { parent { identifier } } }')["issue"]["parent"]
    assert parent == {"identifier": "OPS-2"}
