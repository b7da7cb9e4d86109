"""Grading: what did the agent change? Diffs, named snapshots and assertions, driven through
slack_sdk against a real clone."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

import asymkit
from asymkit import fingerprint as fp
from asymkit import postgres
from asymkit.testing import Match, added, assert_diff, changed, removed

KINDS = {"channels", "files", "members", "messages", "pins", "reactions", "users"}
TS = re.compile(r"^\d{10}\.\d{6}$")


def state(clone: Any) -> str:
    return fp.fingerprint(postgres.server(), clone.database, clone.template)


def user(clone: Any) -> WebClient:
    return WebClient(token=clone.tokens.user, base_url=clone.api_url)


def channel_id(web: WebClient, name: str) -> str:
    listed = web.conversations_list(types="public_channel,private_channel", limit=200)
    return next(c["id"] for c in listed["channels"] if c["name"] == name)


def test_a_fresh_seed_has_an_empty_diff_with_every_kind(acme: Any) -> None:
    diff = acme.diff()
    assert not diff
    assert set(diff.to_json()["changes"]) == KINDS
    assert all(v == {"added": 0, "removed": 0, "changed": 0} for v in diff.summary().values())


def test_a_posted_message_is_added_once_slack_shaped(acme: Any) -> None:
    web = user(acme)
    general = channel_id(web, "general")
    posted = web.chat_postMessage(channel=general, text="refund issued for order 42")
    diff = acme.diff()
    [message] = diff["messages"].added
    assert message["channel"] == general and message["ts"] == posted["ts"]
    assert TS.match(message["ts"]) and message["text"] == "refund issued for order 42"
    assert message["user"] == web.auth_test()["user_id"] and message["thread_ts"] is None
    assert diff.summary()["messages"] == {"added": 1, "removed": 0, "changed": 0}


def test_a_reply_carries_its_thread(acme: Any) -> None:
    web = user(acme)
    general = channel_id(web, "general")
    parent = web.conversations_history(channel=general, limit=1)["messages"][0]["ts"]
    web.chat_postMessage(channel=general, text="on it", thread_ts=parent)
    [reply] = acme.diff()["messages"].added
    assert reply["thread_ts"] == parent


def test_a_created_channel_and_its_members_are_added(acme: Any) -> None:
    web = user(acme)
    made = web.conversations_create(name="incident-42")["channel"]
    diff = acme.diff()
    [channel] = diff["channels"].added
    assert channel["id"] == made["id"] and channel["name"] == "incident-42"
    assert {"channel": made["id"], "user": web.auth_test()["user_id"]} in diff["members"].added


def test_a_topic_change_is_changed_with_only_the_differing_fields(acme: Any) -> None:
    web = user(acme)
    general = channel_id(web, "general")
    web.conversations_setTopic(channel=general, topic="SEV1: checkout down")
    [change] = acme.diff()["channels"].changed
    assert change.to_json()["key"] == {"id": general}
    assert change.after == {"topic": "SEV1: checkout down"}
    assert set(change.before) == {"topic"}


def test_a_member_who_leaves_is_removed(acme: Any) -> None:
    web = user(acme)
    random = channel_id(web, "random")
    me = web.auth_test()["user_id"]
    web.conversations_join(channel=random)
    acme.snapshot("joined")
    web.conversations_leave(channel=random)
    diff = acme.diff(since="joined")
    assert diff["members"].removed == ({"channel": random, "user": me},)


def test_reset_after_a_diff_leaves_an_empty_diff(acme: Any) -> None:
    web = user(acme)
    web.chat_postMessage(channel=channel_id(web, "general"), text="x")
    web.conversations_create(name="scratch")
    assert acme.diff()
    acme.reset()
    assert not acme.diff()


def test_reset_to_a_mid_run_snapshot_restores_it_exactly(acme: Any) -> None:
    web = user(acme)
    general = channel_id(web, "general")
    web.chat_postMessage(channel=general, text="before the snapshot")
    acme.snapshot("mid")
    mid = state(acme)
    web.chat_postMessage(channel=general, text="after the snapshot")
    web.conversations_setTopic(channel=general, topic="changed later")
    web.conversations_create(name="later")
    report = acme.reset(to="mid")
    assert report.strategy == "snapshot:mid"
    assert state(acme) == mid
    assert [m["text"] for m in acme.diff()["messages"].added] == ["before the snapshot"]
    assert not acme.diff(since="mid")


def test_a_snapshot_taken_again_under_its_name_restores_its_new_state(acme: Any) -> None:
    """A restore keeps the snapshot's plan between calls: retaking it must not restore the
    old one."""
    web = user(acme)
    general = channel_id(web, "general")
    acme.snapshot("step")
    web.chat_postMessage(channel=general, text="first")
    acme.reset(to="step")  # the plan of the first "step" is now kept
    web.chat_postMessage(channel=general, text="second")
    acme.snapshot("step")
    second = state(acme)
    web.chat_postMessage(channel=general, text="third")
    acme.reset(to="step")
    assert state(acme) == second
    assert [m["text"] for m in acme.diff()["messages"].added] == ["second"]


def test_a_diff_since_a_later_snapshot_lists_its_additions_as_removed(acme: Any) -> None:
    web = user(acme)
    general = channel_id(web, "general")
    acme.snapshot("a")
    web.chat_postMessage(channel=general, text="only in b")
    acme.snapshot("b")
    acme.reset(to="a")
    diff = acme.diff(since="b")
    assert [m["text"] for m in diff["messages"].removed] == ["only in b"]


def test_snapshots_are_listed_dropped_and_survive_stop_start() -> None:
    with asymkit.spin("slack", seed="acme-corp") as clone:
        clone.snapshot("first")
        clone.snapshot("second")
        assert [s.name for s in clone.snapshots()] == ["first", "second"]
        clone.stop()
        clone.start()
        assert [s.name for s in clone.snapshots()] == ["first", "second"]
        clone.drop_snapshot("first")
        assert [s.name for s in clone.snapshots()] == ["second"]
        with pytest.raises(asymkit.SnapshotNotFound, match="Did you mean 'second'"):
            clone.reset(to="secnd")


@pytest.mark.parametrize("name", ["", "has space", "x" * 41, "semi;colon", "seed"])
def test_bad_snapshot_names_are_refused(acme: Any, name: str) -> None:
    with pytest.raises(asymkit.InvalidArgument):
        acme.snapshot(name)


def test_assert_diff_passes_on_the_expected_change(acme: Any) -> None:
    web = user(acme)
    support = channel_id(web, "general")
    web.chat_postMessage(channel=support, text="Your refund is on its way")
    web.conversations_setTopic(channel=support, topic="SEV-1 ongoing")
    assert_diff(
        acme.diff(),
        added("messages", channel="#general", text=Match.contains("refund"), thread_ts=Match.any),
        changed("channels", name="#general", topic=Match.regex("SEV-?1")),
        # As in Slack, setting a topic posts a channel_topic message: a side effect, explained.
        added("messages", channel="#general", subtype="channel_topic"),
    )


def test_strict_mode_catches_a_stray_message_in_another_channel(acme: Any) -> None:
    web = user(acme)
    web.chat_postMessage(channel=channel_id(web, "general"), text="refund sent")
    web.conversations_join(channel=channel_id(web, "random"))
    web.chat_postMessage(channel=channel_id(web, "random"), text="oops, wrong channel")
    expected = added("messages", channel="#general", text=Match.contains("refund"))
    with pytest.raises(AssertionError) as failure:
        assert_diff(acme.diff(), expected, ignore=["members"])
    message = str(failure.value)
    assert "unexpected change" in message and "oops, wrong channel" in message
    assert "(#random)" in message
    # Not strict, or ignoring the stray pattern, it passes.
    assert_diff(acme.diff(), expected, strict=False)
    assert_diff(
        acme.diff(),
        expected,
        ignore=["members", added("messages", channel="#random")],
    )


def test_a_failed_expectation_shows_the_closest_candidates(acme: Any) -> None:
    web = user(acme)
    web.chat_postMessage(channel=channel_id(web, "general"), text="refund denied")
    with pytest.raises(asymkit.DiffMismatch) as failure:
        assert_diff(acme.diff(), added("messages", channel="#random", text="refund denied"))
    message = str(failure.value)
    assert "found 0, wanted at least 1" in message
    assert "closest:" in message and "channel differ" in message


def test_match_count_and_one_of_and_removed(acme: Any) -> None:
    web = user(acme)
    random = channel_id(web, "random")
    web.conversations_join(channel=random)
    for text in ("one", "two"):
        web.chat_postMessage(channel=random, text=text)
    acme.snapshot("two-posted")
    web.conversations_leave(channel=random)
    diff = acme.diff()
    assert_diff(
        diff,
        added("messages", Match.count(2), text=Match.one_of("one", "two")),
        strict=False,
    )
    with pytest.raises(AssertionError, match="found 2, wanted 3"):
        assert_diff(diff, added("messages", Match.count(3), text=Match.one_of("one", "two")))
    assert_diff(
        acme.diff(since="two-posted"),
        removed("members", channel="#random", user="@" + web.auth_test()["user"]),
        ignore=[added("messages", subtype="channel_leave")],  # Slack's own side effect
    )


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "asymkit.cli", *args], capture_output=True, text=True, timeout=60
    )


def test_the_cli_diff_prints_sorted_json_with_every_kind(acme: Any) -> None:
    web = user(acme)
    web.chat_postMessage(channel=channel_id(web, "general"), text="hello from the agent")
    done = run_cli("diff", acme.id, "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["since"] == "seed" and set(data["changes"]) == KINDS
    assert data["changes"]["messages"]["added"][0]["text"] == "hello from the agent"
    assert done.stdout == json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    table = run_cli("diff", acme.id)
    assert "messages" in table.stdout and "hello from the agent" in table.stdout


def test_an_expectation_file_round_trips_through_the_cli(acme: Any, tmp_path: Path) -> None:
    web = user(acme)
    web.chat_postMessage(channel=channel_id(web, "general"), text="refund issued")
    good = tmp_path / "good.json"
    good.write_text(
        json.dumps(
            {
                "strict": True,
                "expect": [
                    {
                        "added": "messages",
                        "count": 1,
                        "where": {"channel": "#general", "text": {"contains": "refund"}},
                    }
                ],
            }
        )
    )
    done = run_cli("diff", acme.id, "--expect", str(good))
    assert done.returncode == 0, done.stderr
    assert "match" in done.stdout
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"expect": [{"added": "messages", "where": {"channel": "#random"}}]}))
    done = run_cli("diff", acme.id, "--expect", str(bad))
    assert done.returncode == 1
    assert "[DIFF_MISMATCH]" in done.stderr and "channel='#random'" in done.stderr
    assert "refund issued" in done.stderr  # the unexpected change, named


def test_the_cli_snapshot_and_reset_to(acme: Any) -> None:
    assert run_cli("snapshot", acme.id, "cli-mid").returncode == 0
    listed = run_cli("snapshot", acme.id, "--list", "--json")
    assert [s["name"] for s in json.loads(listed.stdout)] == ["cli-mid"]
    web = user(acme)
    web.chat_postMessage(channel=channel_id(web, "general"), text="after")
    done = run_cli("reset", acme.id, "--to", "cli-mid")
    assert done.returncode == 0, done.stderr
    assert not acme.diff(since="cli-mid")
    unknown = run_cli("reset", acme.id, "--to", "cli-mdi")
    assert unknown.returncode == 1 and "Did you mean 'cli-mid'" in unknown.stderr
    assert unknown.stderr.count("\n") == 1
    assert run_cli("snapshot", acme.id, "--drop", "cli-mid").returncode == 0


def test_the_cli_reset_counts_the_records_diff_showed(acme: Any) -> None:
    """`reset` says what it restored and how many records per kind, as `diff` counted them
    (not the rows it wrote, which include the events each write raised)."""
    web = user(acme)
    general = channel_id(web, "general")
    first = web.chat_postMessage(channel=general, text="before mid")["ts"]
    assert run_cli("snapshot", acme.id, "mid").returncode == 0
    web.chat_postMessage(channel=general, text="reply", thread_ts=first)
    web.reactions_add(channel=general, timestamp=first, name="tada")
    web.reactions_add(channel=general, timestamp=first, name="eyes")
    shown = json.loads(run_cli("diff", acme.id, "--since", "mid", "--json").stdout)["changes"]
    assert [len(shown[k]["added"]) for k in ("messages", "reactions")] == [1, 2]
    to_mid = run_cli("reset", acme.id, "--to", "mid")
    assert to_mid.returncode == 0, to_mid.stderr
    assert re.fullmatch(
        rf"✓ reset {acme.id} to snapshot mid: 3 records put back \(1 message, 2 reactions\)"
        r" in \d+ ms\n",
        to_mid.stdout,
    )
    # Since the seed, only "before mid" is left: the records mid's restore put back are
    # not counted again.
    to_seed = run_cli("reset", acme.id, "--json")
    assert json.loads(to_seed.stdout)["records"] == {"messages": 1}
    again = run_cli("reset", acme.id)
    assert "to its seed (fixture: acme-corp): 0 records put back in" in again.stdout


def test_a_second_template_gets_diffs_from_its_manifest_alone(editable_templates: Path) -> None:
    """Kinds are declared in the manifest (a select with its own CTE here): no new Python."""
    path = editable_templates / "notes" / "clone.manifest.json"
    manifest = json.loads(path.read_text())
    manifest["diff"] = {
        "kinds": {
            "notes": {
                "table": "notes",
                "key": ["id"],
                "select": "WITH t AS (SELECT id, title, tag FROM notes) SELECT * FROM t",
            }
        }
    }
    path.write_text(json.dumps(manifest))
    with asymkit.spin("notes", seed="demo") as clone:
        with postgres.connect(postgres.server().dsn(clone.database), autocommit=True) as conn:
            conn.execute("UPDATE notes SET tag = 'done' WHERE title = 'standup'")
            conn.execute("INSERT INTO notes (title) VALUES ('new')")
        diff = clone.diff()
        assert [n["title"] for n in diff["notes"].added] == ["new"]
        [change] = diff["notes"].changed
        assert (change.before, change.after) == ({"tag": "work"}, {"tag": "done"})
        clone.reset()
        assert not clone.diff()
