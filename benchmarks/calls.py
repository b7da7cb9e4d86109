"""The call log's cost: Web API throughput with and without recording, in the same run.

The Slack load test's mix (benchmarks/slack_load.py: three reads for every write,
slack_sdk's AsyncWebClient over keep-alive sessions) runs in short slices with the
clone's call log recording and paused (``POST /clone/calls/flush`` with
``{"recording": false}``), alternating A B, B A, A B, ... after a reset each, so
that load swings on a shared machine weigh on both alike; the cost reported is
the median of the pairs' drops. The issue's target: recording costs <= 5%.

    python benchmarks/calls.py [--pairs N] [--slice SECONDS] [--clients N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _bench import isolated_home, table, write
from slack_load import MIX, run


def recording(clone: Any, on: bool) -> None:
    """Turn the clone's call log on or off (the flush endpoint takes the switch)."""
    from asymkit import build

    build.admin_post(clone.target(), "/clone/calls/flush", {"recording": on})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=8, help="alternating pairs (default 8)")
    parser.add_argument("--slice", type=float, default=5.0, help="seconds per slice (default 5)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    args = parser.parse_args()
    import asymkit

    rates: dict[str, list[float]] = {"on": [], "off": []}
    drops: list[float] = []
    logged = 0
    with isolated_home(), asymkit.spin("slack", seed=asymkit.Fixture("acme-corp")) as clone:
        asyncio.run(run(clone, args.clients, 2.0, keep_alive=True))  # warm-up
        for pair in range(args.pairs):
            got: dict[str, float] = {}
            for on in (True, False) if pair % 2 == 0 else (False, True):
                clone.reset()
                recording(clone, on)
                result = asyncio.run(run(clone, args.clients, args.slice, keep_alive=True))
                got["on" if on else "off"] = result["req_per_s"]
                if on:
                    logged = max(logged, len(clone.calls()))
            rates["on"].append(got["on"])
            rates["off"].append(got["off"])
            drops.append(100 * (1 - got["on"] / got["off"]))
            print(f"pair {pair + 1}: {got['on']:.0f} req/s recording, {got['off']:.0f} without")
        recording(clone, True)
    on, off, drop = (
        statistics.median(rates["on"]),
        statistics.median(rates["off"]),
        statistics.median(drops),
    )
    print()
    table(
        ["setup", "median req/s", "slices"],
        [
            ["call log recording", f"{on:.0f}", rates["on"]],
            ["call log paused", f"{off:.0f}", rates["off"]],
        ],
    )
    print(f"\ncost of recording: {drop:+.1f}% (median of {args.pairs} pairs' drops; target <= 5%)")
    print(f"calls logged in one {args.slice:.0f} s slice: {logged}")
    write(
        "calls",
        {
            "mix": dict(MIX),
            "clients": args.clients,
            "slice_seconds": args.slice,
            "req_per_s": rates,
            "drop_percent_by_pair": [round(d, 2) for d in drops],
            "median_drop_percent": round(drop, 2),
            "calls_logged_in_a_slice": logged,
        },
    )


if __name__ == "__main__":
    main()
