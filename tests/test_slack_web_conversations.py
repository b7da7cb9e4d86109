"""conversations.* through slack_sdk: membership rules (2), DMs (3), archive (11)."""

from __future__ import annotations

from typing import Any

from slack_helpers import (
    DANA,
    ENGINEERING,
    GENERAL,
    INCIDENT_THREAD,
    INCIDENTS,
    LEADERSHIP,
    LEO,
    OMAR,
    PRIYA,
    RANDOM,
    SOFIA,
    TOM,
    bot_user,
    error_of,
    history,
    joined,
    web,
)

# --- list / info -------------------------------------------------------------------


def test_conversations_list_shows_public_channels_with_membership(acme: Any) -> None:
    channels = {c["id"]: c for c in web(acme, "user").conversations_list()["channels"]}
    assert channels[GENERAL]["is_general"] is True
    assert channels[GENERAL]["is_member"] is True
    assert channels[INCIDENTS]["is_member"] is False
    assert channels[GENERAL]["num_members"] == 10
    assert LEADERSHIP not in channels  # private channels need types=private_channel


def test_conversations_info_of_a_channel(acme: Any) -> None:
    channel = web(acme).conversations_info(channel=ENGINEERING)["channel"]
    assert channel["name"] == "engineering"
    assert channel["is_channel"] is True and channel["is_private"] is False
    assert channel["topic"]["value"].startswith("Release train")
    assert channel["purpose"]["value"].startswith("Building Acme Routes")
    assert channel["creator"].startswith("U")


def test_conversations_info_of_an_unknown_channel(acme: Any) -> None:
    assert error_of(web(acme).conversations_info, channel="CNOPE0000") == "channel_not_found"


# --- create / join / leave / invite / kick -------------------------------------------


def test_conversations_create_makes_the_creator_a_member(acme: Any) -> None:
    owner = web(acme, "user")
    channel = owner.conversations_create(name="launch-plan")["channel"]
    assert channel["id"].startswith("C")
    assert channel["name"] == "launch-plan"
    assert channel["is_member"] is True
    assert owner.conversations_members(channel=channel["id"])["members"] == [DANA]


def test_conversations_join_adds_the_bot(acme: Any) -> None:
    client = web(acme)
    channel = client.conversations_join(channel=RANDOM)["channel"]
    assert channel["id"] == RANDOM
    assert bot_user(client) in client.conversations_members(channel=RANDOM)["members"]


def test_conversations_join_twice_warns_already_in_channel(acme: Any) -> None:
    client = joined(acme, RANDOM)
    again = client.conversations_join(channel=RANDOM)
    assert again["ok"] is True
    assert again["warning"] == "already_in_channel"


def test_conversations_leave_removes_the_caller(acme: Any) -> None:
    client = joined(acme, RANDOM)
    client.conversations_leave(channel=RANDOM)
    assert bot_user(client) not in client.conversations_members(channel=RANDOM)["members"]
    assert error_of(client.chat_postMessage, channel=RANDOM, text="hi") == "not_in_channel"


def test_conversations_leave_general_is_refused(acme: Any) -> None:
    assert error_of(web(acme, "user").conversations_leave, channel=GENERAL) == "cant_leave_general"


def test_conversations_leave_when_not_a_member_says_so(acme: Any) -> None:
    answer = web(acme, "user").conversations_leave(channel=INCIDENTS)
    assert answer["ok"] is True
    assert answer["not_in_channel"] is True


def test_conversations_invite_adds_users(acme: Any) -> None:
    owner = web(acme, "user")
    owner.conversations_join(channel=INCIDENTS)
    owner.conversations_invite(channel=INCIDENTS, users=[PRIYA, TOM])
    assert {PRIYA, TOM} <= set(owner.conversations_members(channel=INCIDENTS)["members"])


def test_conversations_invite_unknown_user(acme: Any) -> None:
    owner = web(acme, "user")
    assert error_of(owner.conversations_invite, channel=GENERAL, users="UNOPE0000") == (
        "user_not_found"
    )


def test_conversations_kick_removes_a_member(acme: Any) -> None:
    owner = web(acme, "user")
    owner.conversations_kick(channel=ENGINEERING, user=LEO)
    assert LEO not in owner.conversations_members(channel=ENGINEERING)["members"]


def test_conversations_kick_self_is_refused(acme: Any) -> None:
    assert error_of(web(acme, "user").conversations_kick, channel=ENGINEERING, user=DANA) == (
        "cant_kick_self"
    )


def test_conversations_kick_from_general_is_refused(acme: Any) -> None:
    owner = web(acme, "user")
    assert error_of(owner.conversations_kick, channel=GENERAL, user=LEO) == (
        "cant_kick_from_general"
    )


def test_conversations_kick_a_non_member(acme: Any) -> None:
    owner = web(acme, "user")
    assert error_of(owner.conversations_kick, channel=LEADERSHIP, user=LEO) == "not_in_channel"


# --- members / history / replies ---------------------------------------------------------


def test_conversations_members_of_a_private_channel(acme: Any) -> None:
    members = web(acme, "user").conversations_members(channel=LEADERSHIP)["members"]
    assert set(members) == {DANA, "UACME00002", "UACME00003", "UACME00010"}


def test_conversations_history_windows_by_oldest_and_latest(acme: Any) -> None:
    owner = web(acme, "user")
    every = history(owner, INCIDENTS)
    middle = every[len(every) // 2]["ts"]
    newer = owner.conversations_history(channel=INCIDENTS, oldest=middle, limit=100)["messages"]
    assert all(m["ts"] > middle for m in newer)
    older = owner.conversations_history(channel=INCIDENTS, latest=middle, limit=100)["messages"]
    assert all(m["ts"] < middle for m in older)
    assert len(newer) + len(older) + 1 == len(every)


def test_conversations_replies_lists_a_thread_oldest_first(acme: Any) -> None:
    thread = web(acme, "user").conversations_replies(channel=INCIDENTS, ts=INCIDENT_THREAD)
    messages = thread["messages"]
    assert messages[0]["ts"] == INCIDENT_THREAD
    assert messages[0]["reply_count"] == 4
    assert [m["ts"] for m in messages[1:]] == sorted(m["ts"] for m in messages[1:])
    assert all(m["thread_ts"] == INCIDENT_THREAD for m in messages)
    assert all(m["parent_user_id"] == OMAR for m in messages[1:])


def test_conversations_replies_of_an_unknown_thread(acme: Any) -> None:
    assert (
        error_of(web(acme, "user").conversations_replies, channel=INCIDENTS, ts="1600000000.000001")
        == "thread_not_found"
    )


# --- topic / purpose / rename / archive ------------------------------------------------


def test_set_topic_and_purpose_show_in_info(acme: Any) -> None:
    owner = web(acme, "user")
    topic = owner.conversations_setTopic(channel=RANDOM, topic="Ramen Friday")
    assert topic["channel"]["topic"]["value"] == "Ramen Friday"
    owner.conversations_setPurpose(channel=RANDOM, purpose="Snacks and banter")
    info = owner.conversations_info(channel=RANDOM)["channel"]
    assert info["topic"]["value"] == "Ramen Friday"
    assert info["topic"]["creator"] == DANA
    assert info["purpose"]["value"] == "Snacks and banter"


def test_set_topic_posts_a_channel_topic_message(acme: Any) -> None:
    owner = web(acme, "user")
    owner.conversations_setTopic(channel=RANDOM, topic="Ramen Friday")
    latest = owner.conversations_history(channel=RANDOM, limit=1)["messages"][0]
    assert latest["subtype"] == "channel_topic"


def test_set_topic_needs_membership(acme: Any) -> None:
    assert error_of(web(acme).conversations_setTopic, channel=RANDOM, topic="x") == (
        "not_in_channel"
    )


def test_conversations_rename_changes_the_name(acme: Any) -> None:
    owner = web(acme, "user")
    renamed = owner.conversations_rename(channel=RANDOM, name="water-cooler")["channel"]
    assert renamed["name"] == "water-cooler"
    assert owner.conversations_info(channel=RANDOM)["channel"]["name"] == "water-cooler"


def test_conversations_rename_to_a_taken_name(acme: Any) -> None:
    assert error_of(web(acme, "user").conversations_rename, channel=RANDOM, name="general") == (
        "name_taken"
    )


def test_archived_channel_refuses_posts_and_hides_from_the_list(acme: Any) -> None:
    owner = web(acme, "user")
    channel = owner.conversations_create(name="old-project")["channel"]["id"]
    owner.conversations_archive(channel=channel)
    assert owner.conversations_info(channel=channel)["channel"]["is_archived"] is True
    assert error_of(owner.chat_postMessage, channel=channel, text="hello?") == "is_archived"
    listed = [c["id"] for page in owner.conversations_list(limit=100) for c in page["channels"]]
    assert channel not in listed
    everything = [
        c["id"]
        for page in owner.conversations_list(exclude_archived=False, limit=100)
        for c in page["channels"]
    ]
    assert channel in everything


def test_archive_twice_and_general(acme: Any) -> None:
    owner = web(acme, "user")
    channel = owner.conversations_create(name="old-project")["channel"]["id"]
    owner.conversations_archive(channel=channel)
    assert error_of(owner.conversations_archive, channel=channel) == "already_archived"
    assert error_of(owner.conversations_archive, channel=GENERAL) == "cant_archive_general"


def test_unarchive_lets_the_channel_be_used_again(acme: Any) -> None:
    owner = web(acme, "user")
    channel = owner.conversations_create(name="old-project")["channel"]["id"]
    owner.conversations_archive(channel=channel)
    owner.conversations_unarchive(channel=channel)
    assert owner.conversations_info(channel=channel)["channel"]["is_archived"] is False
    assert owner.chat_postMessage(channel=channel, text="back again")["ok"] is True
    assert error_of(owner.conversations_unarchive, channel=channel) == "not_archived"


def test_the_fixture_has_an_archived_channel(acme: Any) -> None:
    owner = web(acme, "user")
    archived = [
        c
        for page in owner.conversations_list(
            exclude_archived=False, types="public_channel,private_channel", limit=100
        )
        for c in page["channels"]
        if c["is_archived"]
    ]
    assert archived


# --- membership rules for bots (behaviour 2) -----------------------------------------


def test_bot_cannot_read_history_of_a_public_channel_it_has_not_joined(acme: Any) -> None:
    assert error_of(web(acme).conversations_history, channel=INCIDENTS) == "not_in_channel"


def test_bot_cannot_read_replies_in_a_channel_it_has_not_joined(acme: Any) -> None:
    assert (
        error_of(web(acme).conversations_replies, channel=INCIDENTS, ts=INCIDENT_THREAD)
        == "not_in_channel"
    )


def test_bot_cannot_post_in_a_channel_it_has_not_joined(acme: Any) -> None:
    assert error_of(web(acme).chat_postMessage, channel=INCIDENTS, text="hi") == "not_in_channel"


def test_user_token_reads_a_public_channel_it_is_not_in(acme: Any) -> None:
    messages = web(acme, "user").conversations_history(channel=INCIDENTS)["messages"]
    assert messages


def test_private_channel_is_not_found_for_outsiders(acme: Any) -> None:
    client = web(acme)
    assert error_of(client.conversations_history, channel=LEADERSHIP) == "channel_not_found"
    assert error_of(client.conversations_info, channel=LEADERSHIP) == "channel_not_found"
    assert error_of(client.chat_postMessage, channel=LEADERSHIP, text="x") == "channel_not_found"


def test_bot_reads_history_after_joining(acme: Any) -> None:
    client = joined(acme, INCIDENTS)
    assert client.conversations_history(channel=INCIDENTS, limit=1)["messages"]


# --- DMs and group DMs (behaviour 3) -------------------------------------------------


def test_post_to_a_user_id_opens_a_dm_and_reuses_it(acme: Any) -> None:
    client = web(acme)
    first = client.chat_postMessage(channel=LEO, text="Your deploy finished")
    assert first["channel"].startswith("D")
    second = client.chat_postMessage(channel=LEO, text="And the smoke tests passed")
    assert second["channel"] == first["channel"]
    texts = [m["text"] for m in client.conversations_history(channel=first["channel"])["messages"]]
    assert texts[:2] == ["And the smoke tests passed", "Your deploy finished"]


def test_conversations_open_with_one_user_is_the_same_dm(acme: Any) -> None:
    client = web(acme)
    posted = client.chat_postMessage(channel=LEO, text="ping")["channel"]
    opened = client.conversations_open(users=LEO)["channel"]
    assert opened["id"] == posted


def test_conversations_open_returns_a_full_im_when_asked(acme: Any) -> None:
    opened = web(acme).conversations_open(users=LEO, return_im=True)["channel"]
    assert opened["id"].startswith("D")
    assert opened["is_im"] is True
    assert opened["user"] == LEO


def test_conversations_open_with_several_users_is_a_group_dm(acme: Any) -> None:
    owner = web(acme, "user")
    group = owner.conversations_open(users=[LEO, SOFIA])["channel"]["id"]
    info = owner.conversations_info(channel=group)["channel"]
    assert info["is_mpim"] is True
    assert info["name"].startswith("mpdm-")
    assert set(owner.conversations_members(channel=group)["members"]) == {DANA, LEO, SOFIA}
    again = owner.conversations_open(users=f"{SOFIA},{LEO}")["channel"]["id"]
    assert again == group


def test_conversations_open_without_users(acme: Any) -> None:
    # slack_sdk refuses this locally; send it raw to see the clone's answer.
    client = web(acme)
    assert error_of(client.api_call, api_method="conversations.open") == "users_list_not_supplied"


def test_dms_and_group_dms_are_listed_by_type(acme: Any) -> None:
    owner = web(acme, "user")
    dm = owner.conversations_open(users=LEO)["channel"]["id"]
    group = owner.conversations_open(users=[LEO, SOFIA])["channel"]["id"]
    listed = {c["id"]: c for c in owner.conversations_list(types="im,mpim")["channels"]}
    assert listed[dm]["is_im"] is True
    assert listed[dm]["user"] == LEO
    assert listed[group]["is_mpim"] is True
    assert all(c["is_im"] or c["is_mpim"] for c in listed.values())


def test_the_fixture_has_dms_with_the_owner_and_the_bot(acme: Any) -> None:
    ims = web(acme, "user").conversations_list(types="im", limit=100)["channels"]
    assert ims, "the acme-corp fixture has DMs with the workspace owner"
    mpims = web(acme, "user").conversations_list(types="mpim", limit=100)["channels"]
    assert mpims, "the acme-corp fixture has a group DM with the workspace owner"
    bot_ims = web(acme).conversations_list(types="im", limit=100)["channels"]
    assert bot_ims, "the acme-corp fixture has a DM with the app's bot"


def test_post_to_at_name_and_hash_name(acme: Any) -> None:
    client = joined(acme, RANDOM)
    by_name = client.chat_postMessage(channel="#random", text="hello #random")
    assert by_name["channel"] == RANDOM
    dm = client.chat_postMessage(channel="@leo", text="hello leo")
    assert dm["channel"].startswith("D")
    assert dm["channel"] == client.conversations_open(users=LEO)["channel"]["id"]


def test_conversations_close_closes_a_dm(acme: Any) -> None:
    client = web(acme)
    dm = client.conversations_open(users=LEO)["channel"]["id"]
    assert client.conversations_close(channel=dm)["ok"] is True
    assert client.conversations_close(channel=dm)["already_closed"] is True


def test_conversations_close_refuses_a_channel(acme: Any) -> None:
    assert error_of(web(acme, "user").conversations_close, channel=GENERAL) == (
        "method_not_supported_for_channel_type"
    )


def test_conversations_mark_moves_the_read_cursor(acme: Any) -> None:
    owner = web(acme, "user")
    latest = owner.conversations_history(channel=GENERAL, limit=1)["messages"][0]["ts"]
    assert owner.conversations_mark(channel=GENERAL, ts=latest)["ok"] is True
    assert owner.conversations_info(channel=GENERAL)["channel"]["last_read"] == latest


def test_conversations_mark_with_a_bad_ts(acme: Any) -> None:
    assert error_of(web(acme, "user").conversations_mark, channel=GENERAL, ts="soon") == (
        "invalid_timestamp"
    )


def test_the_bot_can_read_its_dm(acme: Any) -> None:
    client = web(acme)
    dm = client.conversations_open(users=DANA)["channel"]["id"]
    web(acme, "user").chat_postMessage(channel=dm, text="hi bot")
    assert client.conversations_history(channel=dm)["messages"][0]["text"] == "hi bot"


def test_a_user_token_dm_is_between_the_user_and_the_recipient(acme: Any) -> None:
    owner = web(acme, "user")
    dm = owner.chat_postMessage(channel=LEO, text="1:1 at 3?")["channel"]
    assert dm.startswith("D")
    assert set(owner.conversations_members(channel=dm)["members"]) == {DANA, LEO}
    info = owner.conversations_info(channel=dm)["channel"]
    assert info["is_im"] is True and info["user"] == LEO


def test_conversations_open_with_a_channel_resumes_the_dm(acme: Any) -> None:
    owner = web(acme, "user")
    dm = owner.conversations_open(users=LEO)["channel"]["id"]
    assert owner.conversations_open(channel=dm)["channel"]["id"] == dm


def test_a_dm_is_private_to_its_members(acme: Any) -> None:
    dm = web(acme, "user").chat_postMessage(channel=LEO, text="confidential")["channel"]
    client = web(acme)
    assert error_of(client.conversations_history, channel=dm) == "channel_not_found"
    assert error_of(client.chat_postMessage, channel=dm, text="x") == "channel_not_found"


def test_an_archived_channel_cannot_be_joined_or_invited_to(acme: Any) -> None:
    owner = web(acme, "user")
    channel = owner.conversations_create(name="old-project")["channel"]["id"]
    owner.conversations_archive(channel=channel)
    assert error_of(web(acme).conversations_join, channel=channel) == "is_archived"
    assert error_of(owner.conversations_invite, channel=channel, users=LEO) == "is_archived"


def test_an_archived_channel_can_still_be_read(acme: Any) -> None:
    owner = web(acme, "user")
    channel = owner.conversations_create(name="old-project")["channel"]["id"]
    owner.chat_postMessage(channel=channel, text="final notes")
    owner.conversations_archive(channel=channel)
    texts = [m["text"] for m in owner.conversations_history(channel=channel)["messages"]]
    assert "final notes" in texts


def test_channel_only_methods_refuse_a_dm(acme: Any) -> None:
    owner = web(acme, "user")
    dm = owner.conversations_open(users=LEO)["channel"]["id"]
    unsupported = "method_not_supported_for_channel_type"
    assert error_of(owner.conversations_archive, channel=dm) == unsupported
    assert error_of(owner.conversations_rename, channel=dm, name="nope") == unsupported
    assert error_of(owner.conversations_kick, channel=dm, user=LEO) == unsupported
    assert error_of(owner.conversations_invite, channel=dm, users=SOFIA) == unsupported
