"""The call log: every Web API call a clone served, read with ``clone.calls()`` and graded with
``assert_calls``; driven through slack_sdk against a real clone."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

import asymkit
from asymkit import fingerprint as fp
from asymkit import postgres, review
from asymkit.testing import Match, assert_calls, at_most, called, not_called


def web(clone: Any, token: str | None = None) -> WebClient:
    return WebClient(token=token or clone.tokens.user, base_url=clone.api_url)


def channel_id(client: WebClient, name: str) -> str:
    listed = client.conversations_list(types="public_channel,private_channel", limit=200)
    return next(c["id"] for c in listed["channels"] if c["name"] == name)


def state(clone: Any) -> str:
    return fp.fingerprint(postgres.server(), clone.database, clone.template)


def test_a_fresh_seed_has_no_calls(acme: Any) -> None:
    calls = acme.calls()
    assert len(calls) == 0 and calls.dropped == 0 and calls.since == "seed"


def test_each_call_is_recorded_with_who_what_outcome_and_latency(acme: Any) -> None:
    bot = web(acme)
    general = channel_id(bot, "general")
    posted = bot.chat_postMessage(channel=general, text="hello from the agent")
    with pytest.raises(SlackApiError):
        bot.chat_delete(channel=general, ts="1.000000")
    marcus = web(acme, acme.user_token("@marcus"))
    marcus.reactions_add(channel=general, timestamp=posted["ts"], name="eyes")
    calls = acme.calls()
    assert [c.method for c in calls] == [
        "conversations.list",
        "chat.postMessage",
        "chat.delete",
        "reactions.add",
    ]
    listed, post, delete, react = calls
    assert post.who == "user" and post.ok and post.status == 200 and post.latency_ms > 0
    assert post.args == {"channel": general, "text": "hello from the agent"}
    assert {"channel": general, "ts": posted["ts"]} in post.refs
    assert delete.outcome == "message_not_found" and not delete.ok
    assert react.who == "@marcus" and react.args["name"] == "eyes"
    assert listed.at <= post.at <= delete.at <= react.at
    assert [c.id for c in calls] == sorted(c.id for c in calls)


def test_tokens_and_secrets_are_redacted_and_long_text_is_cut(acme: Any) -> None:
    bot = web(acme)
    general = channel_id(bot, "general")
    bot.api_call(
        "chat.postMessage",
        params={"channel": general, "text": "x" * 3000, "token": acme.tokens.user},
    )
    bot.api_call("api.test", params={"client_secret": "s3cr3t", "password": "hunter2"})
    post, test = acme.calls().calls[-2:]
    dumped = json.dumps([post.to_json(), test.to_json()])
    assert acme.tokens.user not in dumped and "s3cr3t" not in dumped and "hunter2" not in dumped
    assert test.args == {"client_secret": "[redacted]", "password": "[redacted]"}
    assert post.args["text"].startswith("x" * 2000)
    assert post.args["text"].endswith("[cut: 1000 more characters]")


def test_a_file_body_is_not_stored(acme: Any) -> None:
    bot = web(acme)
    general = channel_id(bot, "general")
    with pytest.raises(SlackApiError):  # retired, as in Slack: the body still reaches the log
        bot.api_call("files.upload", data={"channels": general, "content": "secret body " * 50})
    [upload] = [c for c in acme.calls() if c.method == "files.upload"]
    assert upload.args["content"] == "[file body: 600 characters]"


def test_reading_the_log_changes_no_state_and_no_diff(acme: Any) -> None:
    before = state(acme)
    bot = web(acme)
    for _ in range(3):
        bot.conversations_list(limit=10)
    assert len(acme.calls()) == 3
    assert state(acme) == before
    assert not acme.diff()


def test_reset_puts_the_log_back(acme: Any) -> None:
    bot = web(acme)
    bot.chat_postMessage(channel=channel_id(bot, "general"), text="undone by reset")
    assert len(acme.calls()) == 2
    acme.reset()
    assert len(acme.calls()) == 0
    bot.auth_test()
    assert [c.method for c in acme.calls()] == ["auth.test"]


def test_calls_not_yet_written_at_reset_do_not_follow_it(acme: Any) -> None:
    bot = web(acme)
    for _ in range(5):  # gathered in the app's memory, not written yet
        bot.auth_test()
    acme.reset()
    assert len(acme.calls()) == 0


def test_reset_to_a_snapshot_puts_its_log_back(acme: Any) -> None:
    bot = web(acme)
    general = channel_id(bot, "general")
    bot.chat_postMessage(channel=general, text="before the snapshot")
    acme.snapshot("mid")
    bot.chat_postMessage(channel=general, text="after the snapshot")
    bot.auth_test()
    assert [c.method for c in acme.calls(since="mid")] == ["chat.postMessage", "auth.test"]
    assert len(acme.calls()) == 4
    acme.reset(to="mid")
    assert [c.method for c in acme.calls()] == ["conversations.list", "chat.postMessage"]
    assert acme.calls()[1].args["text"] == "before the snapshot"
    assert len(acme.calls(since="mid")) == 0


def test_an_unknown_snapshot_is_one_clear_error(acme: Any) -> None:
    with pytest.raises(asymkit.SnapshotNotFound, match="No snapshot 'nope'"):
        acme.calls(since="nope")


@pytest.fixture
def tiny_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A clone whose call log keeps 5 entries."""
    monkeypatch.setenv("CLONE_CALL_LOG_MAX", "5")
    clone = asymkit.spin("slack", seed=asymkit.Fixture("acme-corp"))
    try:
        yield clone
    finally:
        clone.destroy()


def test_the_log_is_bounded_and_counts_what_it_dropped(tiny_log: Any) -> None:
    bot = web(tiny_log)
    for n in range(8):
        bot.api_call("api.test", params={"n": str(n)})
    calls = tiny_log.calls()
    assert [c.args["n"] for c in calls] == ["3", "4", "5", "6", "7"]
    assert calls.dropped == 3
    page = review.render(tiny_log.target())  # the review page says so
    assert 'data-dropped="3">The call log dropped its 3 oldest calls' in page
    for n in range(8, 10):
        bot.api_call("api.test", params={"n": str(n)})
    assert tiny_log.calls().dropped == 5
    tiny_log.reset()
    assert tiny_log.calls().dropped == 0 and len(tiny_log.calls()) == 0


def test_assert_calls_passes_on_what_the_agent_did(acme: Any) -> None:
    bot = web(acme)
    bot.chat_postMessage(channel=channel_id(bot, "random"), text="refund issued")
    assert_calls(
        acme.calls(),
        called("chat.postMessage", channel="#random", text=Match.contains("refund")),
        called("chat.postMessage", who="user", outcome="ok"),
        not_called("chat.delete"),
        at_most(2),
        at_most(1, "chat.postMessage"),
    )


def test_assert_calls_names_every_failure_with_channel_names(acme: Any) -> None:
    bot = web(acme)
    general = channel_id(bot, "general")
    posted = bot.chat_postMessage(channel=general, text="wrong channel")
    bot.chat_delete(channel=general, ts=posted["ts"])
    with pytest.raises(asymkit.CallsMismatch) as caught:
        assert_calls(
            acme.calls(),
            called("chat.postMessage", channel="#random"),
            not_called("chat.delete"),
            at_most(2),
            called("reactions.add"),
        )
    message = str(caught.value)
    assert message.startswith("CALLS_MISMATCH: 4 of 4 call expectations failed")
    assert "none of the 1 chat.postMessage calls matched" in message
    assert "channel=#general" in message and "text='wrong channel'" in message
    assert "not_called chat.delete: called 1 time(s)" in message
    assert "at most 2 calls: 3 calls" in message
    assert "no reactions.add call at all" in message
    assert isinstance(caught.value, AssertionError)


def test_assert_calls_refuses_what_is_not_calls(acme: Any) -> None:
    with pytest.raises(asymkit.InvalidArgument, match=r"takes clone\.calls"):
        assert_calls(acme.diff(), at_most(1))  # type: ignore[arg-type]
    with pytest.raises(asymkit.InvalidArgument, match="count of 0 or more"):
        at_most(-1)


def test_cli_calls_prints_the_log_and_json(acme: Any) -> None:
    bot = web(acme)
    bot.chat_postMessage(channel=channel_id(bot, "general"), text="from the cli test")
    run = [sys.executable, "-m", "asymkit.cli", "calls", acme.id]
    shown = subprocess.run(run, capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    assert "chat.postMessage" in text and "#general" in text and "ok" in text
    data = json.loads(
        subprocess.run([*run, "--json"], capture_output=True, text=True, check=True).stdout
    )
    assert [c["method"] for c in data["calls"]] == ["conversations.list", "chat.postMessage"]
    bad = subprocess.run([*run[:-1], "slack-zzzz"], capture_output=True, text=True)
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "CLONE_NOT_FOUND" in bad.stderr


def test_cli_calls_follow_prints_new_calls_as_they_come(acme: Any) -> None:
    import selectors

    with subprocess.Popen(
        [sys.executable, "-m", "asymkit.cli", "calls", acme.id, "--follow", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            web(acme).api_call("api.test", params={"n": "followed"})
            sel = selectors.DefaultSelector()
            sel.register(proc.stdout, selectors.EVENT_READ)  # type: ignore[arg-type]
            assert sel.select(timeout=20), "no call printed within 20 s"
            line = proc.stdout.readline()  # type: ignore[union-attr]
            assert json.loads(line)["args"] == {"n": "followed"}
            sel.close()
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def test_an_ai_seeds_own_calls_belong_to_the_seed() -> None:
    """A cassette replays through the REST API; calls() starts after it, and after a reset."""
    cassette = Path(__file__).parent.parent / "cassettes" / "startup-small.msgpack"
    with asymkit.spin("slack") as clone:
        clone.seed(ai=asymkit.AISeed(cassette=cassette, record_mode="none"))
        assert len(clone.calls()) == 0
        with postgres.connect(postgres.server().dsn(clone.database)) as conn:
            row = conn.execute("SELECT coalesce(sum(n), 0) FROM calls").fetchone()
        assert row is not None and int(row[0]) > 20  # the replay's own calls, kept
        web(clone).auth_test()
        assert [c.method for c in clone.calls()] == ["auth.test"]
        clone.reset(strategy="rebuild")  # replays the cassette again
        assert len(clone.calls()) == 0


def test_calls_gathered_when_the_app_stops_are_written(acme: Any) -> None:
    client = web(acme)
    for _ in range(3):
        client.auth_test()
    acme.stop()
    try:
        assert [c.method for c in acme.calls()] == ["auth.test"] * 3  # read from the database
    finally:
        acme.start()
