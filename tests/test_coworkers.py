"""Tokens and identities: the app-level token and signing secret, and coworkers' user tokens."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import pytest
from slack_helpers import GENERAL, GENERAL_MESSAGE, MARCUS, PRIYA, error_of, token_web, web
from test_cli import run_cli

import asymkit


def test_spin_makes_an_app_token_and_a_signing_secret(acme: Any) -> None:
    assert re.fullmatch(r"xapp-1-A[0-9A-Z]{10}-\d{13}-[0-9a-f]{64}", acme.tokens.app)
    assert re.fullmatch(r"[0-9a-f]{32}", acme.tokens.signing_secret)


def test_the_app_token_opens_socket_mode_after_a_reset(acme: Any) -> None:
    acme.reset(strategy="rebuild")
    assert web(acme).apps_connections_open(app_token=acme.tokens.app)["ok"]


def test_a_clone_made_before_app_tokens_gets_them_at_its_next_rebuild(acme: Any) -> None:
    from asymkit import registry

    old = {k: v for k, v in acme.record.tokens.items() if k in ("bot", "user")}
    registry.save_clone(acme.id, tokens=old)
    asymkit.Clone.get(acme.id).reset(strategy="rebuild")
    tokens = asymkit.Clone.get(acme.id).tokens
    assert (tokens.bot, tokens.user) == (old["bot"], old["user"])
    assert web(acme).apps_connections_open(app_token=tokens.app)["ok"]
    acme.record = registry.read().clones[acme.id]  # the session's handle sees the new token


def test_the_signing_secret_stays_out_of_the_tokens_repr(acme: Any) -> None:
    assert acme.tokens.signing_secret not in repr(acme.tokens)


@pytest.mark.parametrize("who", ["@marcus", MARCUS], ids=["handle", "user-id"])
def test_a_user_token_acts_as_that_member(acme: Any, who: str) -> None:
    token = acme.user_token(who)
    assert token.startswith("xoxp-")
    assert token_web(acme, token).auth_test()["user_id"] == MARCUS


def test_a_coworkers_token_survives_a_reset(acme: Any) -> None:
    token = acme.user_token("@priya")
    acme.reset(strategy="rebuild")
    assert token_web(acme, token).auth_test()["user_id"] == PRIYA
    assert acme.user_token("@priya") == token


def test_a_coworker_posts_and_reacts_as_themself(acme: Any) -> None:
    marcus = token_web(acme, acme.user_token("@marcus"))
    posted = marcus.chat_postMessage(channel=GENERAL, text="morning all")
    marcus.reactions_add(channel=GENERAL, timestamp=GENERAL_MESSAGE, name="wave")
    assert posted["message"]["user"] == MARCUS
    reactions = marcus.reactions_get(channel=GENERAL, timestamp=GENERAL_MESSAGE)
    assert {"name": "wave", "users": [MARCUS], "count": 1} in reactions["message"]["reactions"]


def test_an_unknown_member_is_a_clear_error(acme: Any) -> None:
    with pytest.raises(asymkit.InvalidArgument, match="No member @nobody"):
        acme.user_token("@nobody")


def test_a_made_up_user_token_is_refused(acme: Any) -> None:
    token = acme.user_token("@marcus")
    forged = token[:-4] + ("0000" if not token.endswith("0000") else "1111")
    assert error_of(token_web(acme, forged).auth_test) == "invalid_auth"


def test_cli_tokens_json_shows_the_app_token_and_signing_secret(acme: Any) -> None:
    done = run_cli("tokens", acme.id, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "bot": acme.tokens.bot,
        "user": acme.tokens.user,
        "app": acme.tokens.app,
        "signing_secret": acme.tokens.signing_secret,
    }


def test_cli_tokens_user_prints_a_members_token(acme: Any) -> None:
    done = run_cli("tokens", acme.id, "--user", "@marcus")
    assert done.returncode == 0, done.stderr
    assert token_web(acme, done.stdout.strip()).auth_test()["user_id"] == MARCUS


def test_cli_tokens_user_unknown_is_one_line_exit_1(acme: Any) -> None:
    done = run_cli("tokens", acme.id, "--user", "@nobody")
    assert done.returncode == 1
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1
    assert "No member @nobody" in done.stderr and "[INVALID_ARGUMENT]" in done.stderr


def test_a_template_without_events_says_so() -> None:
    with asymkit.spin("todo") as clone:
        with pytest.raises(asymkit.InvalidArgument, match="does not serve events"):
            clone.events.recorded()
        with pytest.raises(asymkit.InvalidArgument, match="does not serve per-member tokens"):
            clone.user_token("@maya")


def test_cli_tokens_scopes_mints_a_narrower_token(acme: Any) -> None:
    """`asymkit tokens ID --scopes …`: a token with only those scopes; others answer
    missing_scope with needed and provided, as Slack does."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "asymkit.cli",
            "tokens",
            acme.id,
            "--scopes",
            "channels:read",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    minted = json.loads(done.stdout)
    assert minted["scopes"] == ["channels:read"] and minted["token"].startswith("xoxb-")
    web = WebClient(token=minted["token"], base_url=acme.api_url)
    assert web.conversations_list()["ok"]
    with pytest.raises(SlackApiError) as refused:
        web.users_list()
    assert refused.value.response["error"] == "missing_scope"
    assert refused.value.response["provided"] == "channels:read"
