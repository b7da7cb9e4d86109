"""Reset while clients write: every reset succeeds, the app never answers 5xx or drops a
connection, and once the writers stop a reset leaves exactly the seed."""

from __future__ import annotations

import time
from typing import Any

from load import Writers

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
