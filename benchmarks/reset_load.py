"""Reset under load: p50/p95 of ``reset()`` at rest and while 8 slack_sdk clients write.

The naive way, in the same run: the full rebuild under the same writers (it
drops and replaces the database, so clients see errors). Client outcomes are
counted for each case.

    python benchmarks/reset_load.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))

from _bench import isolated_home, summary, table, timings, write


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    n = 20 if args.quick else 60
    import asymkit

    with isolated_home():
        clone = asymkit.spin("slack", seed="acme-corp")
        rest = timings(clone.reset, n)
        from load import Writers

        with Writers(clone, 8) as writers:
            time.sleep(0.5)
            loaded = timings(clone.reset, n, warmup=0)
        load_counts = dict(writers.counts)
        with Writers(clone, 8) as writers:
            time.sleep(0.5)
            naive = timings(lambda: clone.reset(strategy="rebuild"), max(3, n // 10), warmup=0)
        naive_counts = dict(writers.counts)
        clone.destroy()
    cases = [
        ("snapshot, at rest", rest, {}),
        ("snapshot, 8 writers", loaded, load_counts),
        ("naive: rebuild, 8 writers", naive, naive_counts),
    ]
    rows, results = [], []
    for label, samples, counts in cases:
        s = summary(samples)
        failures = sum(v for k, v in counts.items() if k != "ok")
        rows.append((label, s["median_ms"], p95(samples), counts.get("ok", "-"), failures))
        results.append({"case": label, **s, "p95_ms": p95(samples), "clients": counts})
    print("reset of acme-corp (ms); client calls ok / failed during the resets\n")
    table(["case", "p50", "p95", "client ok", "client failed"], rows)
    write("reset_load", {"results": results})


if __name__ == "__main__":
    main()
