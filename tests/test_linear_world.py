"""One company in two products: Slack's and Linear's acme-corp clones in one environment."""

from __future__ import annotations

from linear_helpers import data
from slack_helpers import INCIDENTS, token_web, web

import asymkit


def test_an_environment_holds_both_products_and_resets_them_together() -> None:
    slack = asymkit.spin("slack", seed=asymkit.Fixture("acme-corp"), env="acme-world")
    linear = asymkit.spin("linear", seed=asymkit.Fixture("acme-corp"), env="acme-world")
    try:
        members = web(slack).users_list()["members"]
        slack_people = {m["profile"].get("email") for m in members if not m.get("is_bot")}
        linear_people = {
            u["email"] for u in data(linear, "{ users { nodes { email } } }")["users"]["nodes"]
        }
        assert linear_people and linear_people <= slack_people

        # A coworker reports in Slack; the same person files it in Linear.
        token_web(slack, slack.user_token("@omar")).chat_postMessage(
            channel=INCIDENTS, text="Tracking webhook 504s again"
        )
        eng = data(linear, '{ teams(filter: {key: {eq: "OPS"}}) { nodes { id } } }')
        data(
            linear,
            'mutation($t: String!) { issueCreate(input: {teamId: $t, title: "Webhook 504s"})'
            " { success } }",
            {"t": eng["teams"]["nodes"][0]["id"]},
            key=linear.user_token("@omar"),
        )
        assert slack.diff()["messages"].added and linear.diff()["issues"].added

        report = asymkit.Environment.get("acme-world").reset()
        assert report.state == "ok", report.to_json()
        assert not asymkit.Clone.get(slack.id).diff()
        assert not asymkit.Clone.get(linear.id).diff()
    finally:
        asymkit.Environment.get("acme-world").destroy()
