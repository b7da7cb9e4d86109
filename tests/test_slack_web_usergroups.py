"""usergroups.* through slack_sdk."""

from __future__ import annotations

from typing import Any

from slack_helpers import DANA, LEO, OMAR, SOFIA, TEAM, error_of, web


def test_usergroups_create_and_list(acme: Any) -> None:
    owner = web(acme, "user")
    group = owner.usergroups_create(name="On-call", handle="oncall", description="Pager rota")[
        "usergroup"
    ]
    assert group["id"].startswith("S")
    assert group["team_id"] == TEAM
    assert group["name"] == "On-call"
    assert group["handle"] == "oncall"
    assert group["description"] == "Pager rota"
    assert group["is_usergroup"] is True
    assert group["created_by"] == DANA
    listed = owner.usergroups_list()["usergroups"]
    assert group["id"] in [g["id"] for g in listed]


def test_usergroups_users_update_and_list(acme: Any) -> None:
    owner = web(acme, "user")
    group = owner.usergroups_create(name="On-call", handle="oncall")["usergroup"]["id"]
    updated = owner.usergroups_users_update(usergroup=group, users=[OMAR, LEO])["usergroup"]
    assert set(updated["users"]) == {OMAR, LEO}
    assert set(owner.usergroups_users_list(usergroup=group)["users"]) == {OMAR, LEO}
    owner.usergroups_users_update(usergroup=group, users=[SOFIA])
    assert owner.usergroups_users_list(usergroup=group)["users"] == [SOFIA]


def test_usergroups_list_with_users_and_counts(acme: Any) -> None:
    owner = web(acme, "user")
    group = owner.usergroups_create(name="On-call", handle="oncall")["usergroup"]["id"]
    owner.usergroups_users_update(usergroup=group, users=[OMAR, LEO])
    listed = owner.usergroups_list(include_users=True, include_count=True)["usergroups"]
    mine = next(g for g in listed if g["id"] == group)
    assert set(mine["users"]) == {OMAR, LEO}
    assert int(mine["user_count"]) == 2


def test_usergroup_names_and_handles_are_unique(acme: Any) -> None:
    owner = web(acme, "user")
    owner.usergroups_create(name="On-call", handle="oncall")
    assert error_of(owner.usergroups_create, name="On-call", handle="other") == (
        "name_already_exists"
    )
    assert error_of(owner.usergroups_create, name="Other", handle="oncall") == (
        "handle_already_exists"
    )


def test_usergroups_users_update_with_an_unknown_user(acme: Any) -> None:
    owner = web(acme, "user")
    group = owner.usergroups_create(name="On-call", handle="oncall")["usergroup"]["id"]
    assert error_of(owner.usergroups_users_update, usergroup=group, users=["UNOPE0000"]) == (
        "invalid_users"
    )


def test_usergroups_users_list_of_an_unknown_group(acme: Any) -> None:
    assert error_of(web(acme, "user").usergroups_users_list, usergroup="SNOPE0000") == (
        "no_such_subteam"
    )


def test_the_fixture_has_a_usergroup_with_members(acme: Any) -> None:
    listed = web(acme, "user").usergroups_list(include_users=True)["usergroups"]
    assert any(g["users"] for g in listed)
