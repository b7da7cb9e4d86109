"""api/auth/bots/team and users.* through slack_sdk, and Slack's user profiles (behaviour 13)."""

from __future__ import annotations

from typing import Any

from slack_helpers import DANA, GENERAL, INCIDENTS, LEADERSHIP, LEO, TEAM, error_of, web


def test_api_test_echoes_its_arguments(acme: Any) -> None:
    answer = web(acme).api_test(foo="bar")
    assert answer["ok"] is True
    assert answer["args"]["foo"] == "bar"


def test_api_test_returns_the_error_it_is_asked_for(acme: Any) -> None:
    assert error_of(web(acme).api_test, error="my_error") == "my_error"


def test_auth_test_names_the_bot_and_its_team(acme: Any) -> None:
    auth = web(acme).auth_test()
    assert auth["team_id"] == TEAM
    assert auth["url"].startswith("http")
    assert auth["bot_id"].startswith("B")
    assert auth["user_id"].startswith("U")


def test_auth_test_refuses_a_made_up_token(acme: Any) -> None:
    from slack_sdk import WebClient

    client = WebClient(token="xoxb-not-a-real-token", base_url=acme.api_url)
    assert error_of(client.auth_test) == "invalid_auth"


def test_bots_info_describes_the_app_bot(acme: Any) -> None:
    client = web(acme)
    bot_id = client.auth_test()["bot_id"]
    bot = client.bots_info(bot=bot_id)["bot"]
    assert bot["id"] == bot_id
    assert bot["deleted"] is False
    assert bot["user_id"] == client.auth_test()["user_id"]
    assert bot["name"]


def test_bots_info_answers_bot_not_found(acme: Any) -> None:
    assert error_of(web(acme).bots_info, bot="BNOPE0000") == "bot_not_found"


def test_team_info_describes_acme(acme: Any) -> None:
    team = web(acme).team_info()["team"]
    assert team["id"] == TEAM
    assert team["name"] == "Acme Corp"
    assert team["domain"] == "acme-corp"


def test_users_list_includes_the_bot_user(acme: Any) -> None:
    client = web(acme)
    members = [m for page in client.users_list(limit=4) for m in page["members"]]
    me = client.auth_test()["user_id"]
    bot = next(m for m in members if m["id"] == me)
    assert bot["is_bot"] is True
    assert bot["profile"]["bot_id"] == client.auth_test()["bot_id"]


def test_users_info_shows_a_full_profile(acme: Any) -> None:
    user = web(acme).users_info(user=LEO)["user"]
    assert user["name"] == "leo"
    assert user["team_id"] == TEAM
    profile = user["profile"]
    assert profile["real_name"] == "Leo Alvarez"
    assert profile["display_name"] == "Leo"
    assert profile["title"] == "Senior Backend Engineer"
    assert profile["email"] == "leo@acme-corp.test"
    for size in (24, 32, 48, 72, 192, 512):
        assert profile[f"image_{size}"].startswith("http")
    assert "status_text" in profile and "status_emoji" in profile


def test_users_have_a_time_zone(acme: Any) -> None:
    user = web(acme).users_info(user=DANA)["user"]
    assert isinstance(user["tz"], str) and "/" in user["tz"]
    assert isinstance(user["tz_label"], str) and user["tz_label"]
    assert isinstance(user["tz_offset"], int)


def test_users_lookup_by_email_finds_the_user(acme: Any) -> None:
    user = web(acme).users_lookupByEmail(email="leo@acme-corp.test")["user"]
    assert user["id"] == LEO


def test_users_lookup_by_email_answers_users_not_found(acme: Any) -> None:
    assert error_of(web(acme).users_lookupByEmail, email="nobody@acme-corp.test") == (
        "users_not_found"
    )


def test_users_conversations_lists_the_callers_channels(acme: Any) -> None:
    owner = web(acme, "user")
    names = {
        c["id"]
        for page in owner.users_conversations(types="public_channel,private_channel", limit=2)
        for c in page["channels"]
    }
    assert {GENERAL, LEADERSHIP} <= names
    assert INCIDENTS not in names  # dana is not in #incidents


def test_users_conversations_for_another_user(acme: Any) -> None:
    channels = web(acme, "user").users_conversations(user=LEO, types="public_channel")["channels"]
    assert INCIDENTS in {c["id"] for c in channels}


def test_users_conversations_for_the_bot_is_empty_until_it_joins(acme: Any) -> None:
    client = web(acme)
    assert client.users_conversations()["channels"] == []
    client.conversations_join(channel=GENERAL)
    assert [c["id"] for c in client.users_conversations()["channels"]] == [GENERAL]


def test_set_presence_away_shows_in_get_presence(acme: Any) -> None:
    owner = web(acme, "user")
    owner.users_setPresence(presence="away")
    assert owner.users_getPresence(user=DANA)["presence"] == "away"
    owner.users_setPresence(presence="auto")
    assert owner.users_getPresence(user=DANA)["presence"] == "active"


def test_set_presence_rejects_an_unknown_value(acme: Any) -> None:
    assert error_of(web(acme, "user").users_setPresence, presence="asleep") == "invalid_presence"


def test_get_presence_of_another_user(acme: Any) -> None:
    assert web(acme).users_getPresence(user=LEO)["presence"] in ("active", "away")


def test_users_profile_get_returns_the_profile(acme: Any) -> None:
    profile = web(acme).users_profile_get(user=LEO)["profile"]
    assert profile["real_name"] == "Leo Alvarez"
    assert profile["email"] == "leo@acme-corp.test"


def test_users_profile_set_changes_what_users_info_returns(acme: Any) -> None:
    owner = web(acme, "user")
    changed = owner.users_profile_set(
        profile={
            "title": "Chief Executive",
            "status_text": "In a board meeting",
            "status_emoji": ":calendar:",
        }
    )["profile"]
    assert changed["title"] == "Chief Executive"
    profile = web(acme).users_info(user=DANA)["user"]["profile"]
    assert profile["title"] == "Chief Executive"
    assert profile["status_text"] == "In a board meeting"
    assert profile["status_emoji"] == ":calendar:"


def test_users_profile_set_with_name_and_value(acme: Any) -> None:
    owner = web(acme, "user")
    owner.users_profile_set(name="display_name", value="dana-w")
    assert owner.users_profile_get()["profile"]["display_name"] == "dana-w"


def test_users_info_unknown_user_is_user_not_found(acme: Any) -> None:
    assert error_of(web(acme).users_info, user="UNOPE0000") == "user_not_found"
