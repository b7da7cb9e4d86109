"""clone.events: the record of events raised, the subscription, and `asymkit events`."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
from typing import Any

import pytest
from events_helpers import bot_joins, local_server, subscribed, wait_for
from slack_helpers import GENERAL, GENERAL_MESSAGE, MARCUS, TEAM, token_web, web
from test_cli import run_cli

import asymkit


def of_type(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == kind]


def test_a_join_and_a_reaction_are_recorded_as_slack_envelopes(acme: Any) -> None:
    bot = bot_joins(acme)
    marcus = token_web(acme, acme.user_token("@marcus"))
    marcus.reactions_add(channel=GENERAL, timestamp=GENERAL_MESSAGE, name="eyes")
    events = acme.events.recorded()
    (joined,) = of_type(events, "member_joined_channel")
    assert joined["payload"]["event"]["user"] == bot
    assert joined["payload"]["event"]["channel"] == GENERAL
    (reacted,) = of_type(events, "reaction_added")
    envelope = reacted["payload"]
    assert envelope["type"] == "event_callback"
    assert envelope["team_id"] == TEAM
    assert envelope["api_app_id"].startswith("A")
    assert envelope["event_id"] == reacted["event_id"]
    assert envelope["authorizations"][0]["user_id"] == bot
    assert envelope["event"]["user"] == MARCUS
    assert envelope["event"]["reaction"] == "eyes"
    assert envelope["event"]["item"] == {
        "type": "message",
        "channel": GENERAL,
        "ts": GENERAL_MESSAGE,
    }


def test_recorded_after_an_event_lists_only_later_ones(acme: Any) -> None:
    bot_joins(acme)
    first = acme.events.recorded()[-1]["event_id"]
    posted = web(acme).chat_postMessage(channel=GENERAL, text="later")
    later = acme.events.recorded(after=first)
    assert [e["payload"]["event"].get("ts") for e in later] == [posted["ts"]]


def test_a_fresh_seed_has_no_events(acme: Any) -> None:
    assert acme.events.recorded() == []


def test_stream_yields_events_as_they_are_raised(acme: Any) -> None:
    bot_joins(acme)
    stream = acme.events.stream()
    texts = iter(["one", "two"])
    timer = threading.Timer(
        0.3, lambda: [web(acme).chat_postMessage(channel=GENERAL, text=t) for t in texts]
    )
    timer.start()
    got = [next(stream)["payload"]["event"]["text"] for _ in range(2)]
    timer.join()
    assert got == ["one", "two"]


def test_types_sets_the_subscribed_event_types(acme: Any) -> None:
    try:
        sub = acme.events.types("app_mention", "reaction_removed")
        assert sub.types == ("app_mention", "reaction_removed")
        assert asymkit.Clone.get(acme.id).record.events["types"] == [
            "app_mention",
            "reaction_removed",
        ]
    finally:
        acme.events.types(
            "message.channels",
            "message.im",
            "app_mention",
            "reaction_added",
            "member_joined_channel",
        )


def test_an_unknown_event_type_is_refused(acme: Any) -> None:
    with pytest.raises(asymkit.InvalidArgument, match="reaction_exploded"):
        acme.events.types("reaction_exploded")


def test_the_subscription_comes_back_after_a_restart(acme: Any) -> None:
    with local_server() as server, subscribed(acme, server.url):
        acme.stop()
        acme.start()
        assert acme.events.subscription().url == server.url
        bot_joins(acme)
        wait_for(server.events, what="an event POST after the restart")


def test_a_saved_url_that_fails_verification_at_start_is_one_warning(
    acme: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with local_server() as server:
        acme.events.subscribe(server.url)  # saved in the registry, sent again at start
        acme.stop()
    try:
        with caplog.at_level(logging.WARNING, logger="asymkit"):
            acme.start()
        (warning,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert server.url in warning.getMessage()
        assert f"asymkit events {acme.id} --url" in warning.getMessage()
        assert acme.events.subscription().url is None  # the clone goes without it
    finally:
        acme.events.unsubscribe()


def test_cli_start_prints_a_saved_url_that_failed_verification(acme: Any) -> None:
    with local_server() as server:
        acme.events.subscribe(server.url)
        assert run_cli("stop", acme.id).returncode == 0
    try:
        done = run_cli("start", acme.id)
        assert done.returncode == 0, done.stderr
        (line,) = done.stderr.splitlines()
        assert line.startswith("  ! ") and server.url in line
    finally:
        acme.events.unsubscribe()


def test_cli_events_url_that_fails_verification_is_one_line_exit_1(acme: Any) -> None:
    with local_server(answer_challenge=False) as bad:
        done = run_cli("events", acme.id, "--url", bad.url)
    assert done.returncode == 1
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert "url_verification" in line and "[EVENTS_URL_REJECTED]" in line


def test_cli_events_url_and_unsubscribe(acme: Any) -> None:
    with local_server() as server:
        done = run_cli("events", acme.id, "--url", server.url, "--json")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["url"] == server.url
        done = run_cli("events", acme.id, "--unsubscribe", "--json")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["url"] is None
    assert acme.events.subscription().url is None


def test_cli_events_log_streams_json_lines_and_ctrl_c_exits_130(acme: Any) -> None:
    bot_joins(acme)
    with subprocess.Popen(
        [sys.executable, "-m", "asymkit.cli", "events", acme.id, "--log"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    ) as proc:
        try:
            # --log starts from now, once it runs: post until a line comes out.
            done = threading.Event()

            def post_until_logged() -> None:
                while not done.wait(0.5):
                    web(acme).chat_postMessage(channel=GENERAL, text="logged")

            poster = threading.Thread(target=post_until_logged)
            poster.start()
            assert proc.stdout is not None
            line = json.loads(proc.stdout.readline())
            done.set()
            poster.join()
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert line["type"] == "message"
    assert line["payload"]["event"]["text"] == "logged"
    assert line["event_id"] == line["payload"]["event_id"]
    assert proc.returncode == 130
    assert err.strip() == "interrupted"


def test_cli_events_shows_the_current_subscription(acme: Any) -> None:
    done = run_cli("events", acme.id)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("url:   -")
    assert "app_mention" in done.stdout.splitlines()[1]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        pytest.param(["--subscribe", "reaction_exploded"], "reaction_exploded", id="unknown-type"),
        pytest.param(["--url", "ftp://example.test/x"], "http(s) URL", id="not-http"),
        pytest.param(["--log", "--unsubscribe"], "--log only streams", id="log-and-change"),
    ],
)
def test_cli_events_bad_input_is_one_line_exit_1(acme: Any, args: list[str], says: str) -> None:
    done = run_cli("events", acme.id, *args)
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert says in line and "[INVALID_ARGUMENT]" in line
