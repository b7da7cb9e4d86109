"""Reset while clients write: every reset succeeds, the app never answers 5xx or drops a
connection, and once the writers stop a reset leaves exactly the seed."""

from __future__ import annotations

import threading
import time
from typing import Any

from load import Writers
from slack_sdk import WebClient

from asymkit import fingerprint as fp
from asymkit import postgres


def state(clone: Any) -> str:
    return fp.fingerprint(postgres.server(), clone.database, clone.template)


def test_resets_under_eight_writers_all_succeed_without_5xx(acme: Any) -> None:
    seeded = state(acme)
    strategies = []
    with Writers(acme, 8) as writers:
        time.sleep(0.5)
        for _ in range(25):
            strategies.append(acme.reset().strategy)
            time.sleep(0.05)
    assert strategies == ["snapshot"] * 25  # never an error, never a fallback rebuild
    assert writers.counts["ok"] > 0
    assert {k: v for k, v in writers.counts.items() if k != "ok"} == {}
    acme.reset()
    assert state(acme) == seeded


def test_a_request_picked_as_a_deadlock_victim_is_answered_after_all(acme: Any) -> None:
    """A transaction holding a table the request needs, then waiting for one the request
    holds (as a reset's locks can): Postgres rolls the request back to break the cycle,
    and the app runs it again instead of answering 503."""
    web = WebClient(token=acme.tokens.user, base_url=acme.api_url, timeout=30)
    general = next(c["id"] for c in web.conversations_list()["channels"] if c["name"] == "general")
    answers: list[Any] = []
    with postgres.connect(postgres.server().dsn(acme.database)) as other:
        other.execute("SET LOCAL deadlock_timeout = '10s'")  # the request is the one to give way
        other.execute("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE")
        reader = threading.Thread(
            target=lambda: answers.append(web.conversations_history(channel=general, limit=1))
        )
        reader.start()
        time.sleep(0.3)  # the request has read its token and waits for messages
        other.execute("LOCK TABLE tokens IN ACCESS EXCLUSIVE MODE")  # waits for the request
        other.rollback()
        reader.join(30)
    assert answers and answers[0]["ok"]
