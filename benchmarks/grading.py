"""Grading: diff and reset after 20 agent writes, change capture's cost on throughput.

Against the naive ways in the same run: the whole-table restore (every row of
every table deleted and copied back, which is what reset did before change
capture) and the same write load with the change triggers disabled.

    python benchmarks/grading.py [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))

from _bench import capture_on, isolated_home, summary, synth_cassette, table, write


def agent_writes(clone: object, n: int = 20) -> None:
    """What an agent might do: post, reply, set a topic, create a channel."""
    from slack_sdk import WebClient

    web = WebClient(token=clone.tokens.user, base_url=clone.api_url)  # type: ignore[attr-defined]
    general = next(c["id"] for c in web.conversations_list()["channels"] if c["name"] == "general")
    web.conversations_join(channel=general)
    first = web.chat_postMessage(channel=general, text="agent: starting")["ts"]
    for i in range(n - 4):
        web.chat_postMessage(channel=general, text=f"agent step {i}", thread_ts=first)
    web.conversations_setTopic(channel=general, topic="agent was here")
    web.conversations_create(name=f"agent-{time.monotonic_ns()}")


def measure(clone: object, repeat: int) -> dict[str, dict[str, float]]:
    from asymkit import postgres, snapshot

    def timed(fn: Callable[[], object]) -> float:
        started = time.perf_counter()
        fn()
        return time.perf_counter() - started

    def whole() -> None:
        snapshot.restore(postgres.server(), clone.database, whole=True)  # type: ignore[attr-defined]

    diffs, resets, wholes = [], [], []
    for _ in range(repeat):
        agent_writes(clone)
        diffs.append(timed(clone.diff))  # type: ignore[attr-defined]
        resets.append(timed(clone.reset))  # type: ignore[attr-defined]
        agent_writes(clone)
        wholes.append(timed(whole))
    rewritten, rewritten_whole = [], []
    for _ in range(max(3, repeat // 3)):
        rewrite_everything(clone)
        rewritten.append(timed(clone.reset))  # type: ignore[attr-defined]
        rewrite_everything(clone)
        rewritten_whole.append(timed(whole))
    return {
        "diff": summary(diffs),
        "reset": summary(resets),
        "whole": summary(wholes),
        "reset_after_rewriting_everything": summary(rewritten),
        "whole_after_rewriting_everything": summary(rewritten_whole),
    }


def rewrite_everything(clone: object) -> None:
    """The worst case for a reset that follows the log: every message, channel and member
    row written (in SQL: 5,000 chat.update calls would measure the API instead)."""
    from asymkit import postgres

    with postgres.connect(postgres.server().dsn(clone.database), autocommit=True) as conn:  # type: ignore[attr-defined]
        conn.execute("UPDATE messages SET text = text || ' (edited)'")
        conn.execute("UPDATE channels SET topic = 'rewritten'")
        conn.execute("UPDATE channel_members SET channel_id = channel_id")


def throughput(clone: object, seconds: float, rounds: int) -> dict[str, list[float]]:
    """Requests/s of 8 slack_sdk writers with the change triggers on and off, in alternating
    rounds (on/off, then off/on, ...) from the same freshly rebuilt state each time, so that
    neither side gains from going second or from a smaller table."""
    from load import Writers

    rates: dict[str, list[float]] = {"with": [], "without": []}
    for r in range(rounds):
        for on in (True, False) if r % 2 == 0 else (False, True):
            clone.reset(strategy="rebuild")  # type: ignore[attr-defined]
            capture_on(clone, on)
            with Writers(clone, 8) as writers:
                time.sleep(seconds)
            rates["with" if on else "without"].append(writers.counts["ok"] * 2 / seconds)
    capture_on(clone, True)
    clone.reset(strategy="rebuild")  # type: ignore[attr-defined]
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no 5,000 case")
    args = parser.parse_args()
    repeat, seconds, rounds = (5, 3.0, 2) if args.quick else (15, 5.0, 6)
    import asymkit

    rows, results = [], []
    with isolated_home() as home:
        cases = [("acme-corp", asymkit.spin("slack", seed="acme-corp"))]
        if not args.quick:
            big = synth_cassette(5000, home / "s5000.msgpack")
            ai = asymkit.AISeed(cassette=big, record_mode="none")
            cases.append(("5,000 messages", asymkit.spin("slack", ai=ai)))
        for label, clone in cases:
            got = measure(clone, repeat)
            results.append({"case": label, **got})
            rows.append(
                (
                    label,
                    got["diff"]["median_ms"],
                    got["reset"]["median_ms"],
                    got["whole"]["median_ms"],
                    f"{got['whole']['median_ms'] / got['reset']['median_ms']:.1f}x",
                    got["reset_after_rewriting_everything"]["median_ms"],
                    got["whole_after_rewriting_everything"]["median_ms"],
                )
            )
        rates = throughput(cases[0][1], seconds, rounds)
        for _, clone in cases:
            clone.destroy()
    print("after 20 agent writes, medians (ms)\n")
    table(
        [
            "clone",
            "diff",
            "reset",
            "naive: whole restore",
            "speedup",
            "reset, all rewritten",
            "whole, all rewritten",
        ],
        rows,
    )
    with_capture, without = (statistics.median(rates[k]) for k in ("with", "without"))
    cost = 100 * (1 - with_capture / without) if without else 0.0
    print(
        f"\nthroughput, 8 writers, median of {rounds} alternating rounds of {seconds:.0f} s:"
        f" {with_capture:.0f} req/s with change capture, {without:.0f} without"
        f" ({cost:+.1f}% cost)"
    )
    write(
        "grading",
        {
            "results": results,
            "throughput": {
                "with_capture": with_capture,
                "without": without,
                "cost_pct": cost,
                "rounds": rates,
            },
        },
    )


if __name__ == "__main__":
    main()
