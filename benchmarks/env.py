"""Environment reset: how the cost grows with 1, 5, 10 and 25 clones, concurrent (asymkit's
default, 4 at once) against one after the other, in the same run.

    python benchmarks/env.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _bench import isolated_home, summary, table, timings, write


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="sizes 1, 5, 10 only")
    args = parser.parse_args()
    import asymkit
    from asymkit import registry
    from asymkit.registry import EnvironmentRecord

    sizes = [1, 5, 10] if args.quick else [1, 5, 10, 25]
    rows, results = [], []
    with isolated_home():
        fleet = asymkit.Environment.create("fleet")
        started = time.perf_counter()
        clones, errors = fleet.spin("slack", count=max(sizes), seed="acme-corp", workers=4)
        spin_s = time.perf_counter() - started
        assert not errors, errors
        print(
            f"spun {len(clones)} acme-corp clones into one environment in {spin_s:.1f} s"
            " (4 at once)\n"
        )
        for n in sizes:
            with registry.transaction() as state:
                state.environments[f"env{n}"] = EnvironmentRecord(
                    name=f"env{n}", clones=tuple(c.id for c in clones[:n])
                )
            env = asymkit.Environment.get(f"env{n}")
            concurrent = summary(timings(lambda e=env: e.reset(workers=4), 5))
            sequential = summary(timings(lambda e=env: e.reset(workers=1), 5))
            rows.append(
                (
                    n,
                    concurrent["median_ms"],
                    sequential["median_ms"],
                    round(concurrent["median_ms"] / n, 1),
                )
            )
            results.append({"clones": n, "concurrent_4": concurrent, "sequential": sequential})
    table(["clones", "env reset (4 at once) ms", "one after the other ms", "ms per clone"], rows)
    write("env", {"spin_seconds": round(spin_s, 2), "spun": max(sizes), "results": results})


if __name__ == "__main__":
    main()
