"""CLI start-up: `asymkit --help`, `status` and `reset ID` as ratios to `import httpx`.

Each command runs as its own process, as a shell loop runs it; the yardstick is
`python -c "import httpx"` timed in the same rounds (interleaved with the
commands, so that a busy machine slows all of them alike). `reset` restores a
clone of acme-corp after 20 messages were posted to it (20 changed rows).

    python benchmarks/cli.py [--quick]

To measure another checkout with this venv, put it first on the path:
`PYTHONPATH=/path/to/checkout python benchmarks/cli.py`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _bench import isolated_home, summary, table, write

# The targets, as a ratio to the httpx import.
TARGETS = {"asymkit --help": 1.0, "asymkit status": 1.2, "asymkit reset ID": 1.6}
CHANGED_ROWS = 20
YARDSTICK = 'python -c "import httpx"'


def run(argv: list[str]) -> float:
    """Wall time of one process running ``argv`` to its end (it must succeed)."""
    # As users run it: with compiled modules cached (__pycache__). A shell that sets
    # PYTHONDONTWRITEBYTECODE makes every run compile asymkit from source (~40 ms more).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    return time.perf_counter() - started


def post_messages(clone: object, n: int) -> None:
    """What an agent leaves behind: ``n`` messages in #general (one changed row each)."""
    from slack_sdk import WebClient

    web = WebClient(token=clone.tokens.user, base_url=clone.api_url)  # type: ignore[attr-defined]
    general = next(c["id"] for c in web.conversations_list()["channels"] if c["name"] == "general")
    for i in range(n):
        web.chat_postMessage(channel=general, text=f"agent step {i}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args()
    rounds = 8 if args.quick else 30
    python = sys.executable
    asymkit_script = str(Path(python).parent / "asymkit")
    import asymkit

    with isolated_home():
        clone = asymkit.spin("slack", seed="acme-corp")
        post_messages(clone, CHANGED_ROWS)
        changed = sum(sum(n.values()) for n in clone.diff().summary().values())
        clone.reset()

        def reset() -> float:
            post_messages(clone, CHANGED_ROWS)  # not timed: only the reset process is
            return run([asymkit_script, "reset", clone.id])

        cases: dict[str, Callable[[], float]] = {
            YARDSTICK: lambda: run([python, "-c", "import httpx"]),
            # Floors, for reading the ratios: the interpreter alone, and the driver a
            # reset cannot do without (psycopg loads asyncio, its errors, its types).
            'python -c "pass"': lambda: run([python, "-c", "pass"]),
            'python -c "import psycopg"': lambda: run([python, "-c", "import psycopg"]),
            "asymkit --help": lambda: run([asymkit_script, "--help"]),
            "asymkit status": lambda: run([asymkit_script, "status"]),
            "asymkit reset ID": reset,
        }
        for measure in cases.values():  # warm the page cache and the clone's kept plans
            measure()
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(rounds):
            for name, measure in cases.items():
                samples[name].append(measure())
        clone.destroy()

    stats = {name: summary(got) for name, got in samples.items()}
    base = stats[YARDSTICK]["median_ms"]
    rows, results = [], []
    for name, got in stats.items():
        ratio = got["median_ms"] / base
        target = TARGETS.get(name)
        verdict = "" if target is None else ("met" if ratio <= target else "missed")
        rows.append(
            (
                name,
                got["median_ms"],
                got["p90_ms"],
                f"{ratio:.2f}x",
                f"<= {target:.1f}x {verdict}"
                if target
                else ("(yardstick)" if name == YARDSTICK else "(floor)"),
            )
        )
        results.append({"command": name, **got, "ratio": round(ratio, 3), "target": target})
    print(
        f"wall time of one process, {rounds} interleaved rounds; reset after {CHANGED_ROWS}"
        f" posts ({changed} records in the diff); PYTHONPATH={os.environ.get('PYTHONPATH', '-')}\n"
    )
    table(["command", "median ms", "p90 ms", "ratio", "target"], rows)
    write("cli", {"rounds": rounds, "changed_records": changed, "commands": results})


if __name__ == "__main__":
    main()
