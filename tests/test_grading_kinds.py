"""Every diff kind the Slack clone declares, added, removed and changed through slack_sdk:
each change shows up exactly once, Slack-shaped, and nothing else moves."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from asymkit.testing import added, assert_diff, changed, removed


def user(clone: Any) -> WebClient:
    return WebClient(token=clone.tokens.user, base_url=clone.api_url)


def general(web: WebClient) -> str:
    listed = web.conversations_list(limit=200)["channels"]
    return next(c["id"] for c in listed if c["name"] == "general")


def posted(acme: Any, text: str) -> tuple[WebClient, str, str]:
    """Post ``text`` in #general and take snapshot "posted" after it: the client, the
    channel and the message's ts."""
    web = user(acme)
    channel = general(web)
    ts = web.chat_postMessage(channel=channel, text=text)["ts"]
    acme.snapshot("posted")
    return web, channel, ts


def test_a_reaction_added_then_removed(acme: Any) -> None:
    web, channel, ts = posted(acme, "ship it")
    web.reactions_add(channel=channel, timestamp=ts, name="tada")
    me = web.auth_test()["user_id"]
    diff = acme.diff(since="posted")
    assert diff["reactions"].added == ({"channel": channel, "ts": ts, "name": "tada", "user": me},)
    assert_diff(diff, added("reactions", channel="#general", name="tada", user=me))
    acme.snapshot("reacted")
    web.reactions_remove(channel=channel, timestamp=ts, name="tada")
    assert_diff(acme.diff(since="reacted"), removed("reactions", name="tada", ts=ts))


def test_a_pin_added_then_removed(acme: Any) -> None:
    web, channel, ts = posted(acme, "the plan")
    web.pins_add(channel=channel, timestamp=ts)
    diff = acme.diff(since="posted")
    [pin] = diff["pins"].added
    assert pin == {"channel": channel, "ts": ts, "created_by": web.auth_test()["user_id"]}
    assert_diff(diff, added("pins", channel="#general", ts=ts), ignore=["messages"])
    acme.snapshot("pinned")
    web.pins_remove(channel=channel, timestamp=ts)
    assert_diff(
        acme.diff(since="pinned"), removed("pins", channel="#general", ts=ts), ignore=["messages"]
    )


def test_a_file_uploaded_then_deleted(acme: Any) -> None:
    web = user(acme)
    channel = general(web)
    upload = web.files_upload_v2(channel=channel, content="a,b\n1,2\n", filename="t.csv")
    file_id = upload["file"]["id"]
    diff = acme.diff()
    [record] = diff["files"].added
    assert record["id"] == file_id and record["name"] == "t.csv" and record["size"] == 8
    # Sharing it posts a file_share message in the channel, as Slack does.
    assert_diff(diff, added("files", id=file_id), added("messages", subtype="file_share"))
    acme.snapshot("uploaded")
    web.files_delete(file=file_id)
    # Gone, as from Slack's files.info: removed, not a changed flag.
    assert_diff(acme.diff(since="uploaded"), removed("files", id=file_id, name="t.csv"))


def test_a_profile_change_is_the_only_field_that_changes(acme: Any) -> None:
    web = user(acme)
    web.users_profile_set(profile={"status_text": "on call", "status_emoji": ":pager:"})
    diff = acme.diff()
    [change] = diff["users"].changed
    assert change.key == {"id": web.auth_test()["user_id"]}
    assert change.after == {"status_text": "on call", "status_emoji": ":pager:"}
    assert set(change.before) == {"status_text", "status_emoji"}
    assert_diff(diff, changed("users", status_text="on call"))


def test_a_message_edited_then_deleted(acme: Any) -> None:
    web, channel, ts = posted(acme, "typo here")
    web.chat_update(channel=channel, ts=ts, text="fixed")
    [edit] = acme.diff(since="posted")["messages"].changed
    assert edit.key == {"channel": channel, "ts": ts}
    assert edit.before["text"] == "typo here" and edit.after["text"] == "fixed"
    assert edit.after["edited"]["user"] == web.auth_test()["user_id"]
    assert_diff(acme.diff(since="posted"), changed("messages", ts=ts, text="fixed"))
    web.chat_delete(channel=channel, ts=ts)
    assert not acme.diff(since="posted")["messages"].changed
    assert_diff(acme.diff(since="posted"), removed("messages", ts=ts, text="typo here"))


def test_an_archived_channel_changes_only_is_archived(acme: Any) -> None:
    web = user(acme)
    channel = web.conversations_create(name="short-lived")["channel"]["id"]
    acme.snapshot("created")
    web.conversations_archive(channel=channel)
    diff = acme.diff(since="created")
    [change] = diff["channels"].changed
    assert (change.key, change.before, change.after) == (
        {"id": channel},
        {"is_archived": False},
        {"is_archived": True},
    )
    assert_diff(
        diff,
        changed("channels", name="#short-lived", is_archived=True),
        ignore=["messages", "members"],  # Slack posts the archive and the leave
    )
