"""The call log's cost: Web API throughput with and without recording, in the same run.

The Slack load test's mix (benchmarks/slack_load.py: three reads for every write,
slack_sdk's AsyncWebClient over keep-alive sessions) runs in short slices with the
clone's call log recording and paused (``POST /clone/calls/flush`` with
``{"recording": false}``), alternating A B, B A, A B, ... after a reset each, so
that load swings on a shared machine weigh on both alike; the cost reported is
the median of the pairs' drops. The issue's target: recording costs <= 5%.

Throughput on a machine others share swings by more than 5% from one slice to
the next, so each slice also reports what the calls cost in CPU, whatever else
runs: the clone app's CPU milliseconds per request, and its Postgres server's
(the postmaster, its live backends and those that ended) per request.

    python benchmarks/calls.py [--pairs N] [--slice SECONDS] [--clients N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _bench import isolated_home, table, write
from slack_load import MIX, run


def cpu_seconds(proc: Any, *, children: bool = False) -> float:
    """CPU seconds ``proc`` used, with (``children``) its children's, live or reaped."""
    t = proc.cpu_times()
    total = float(t.user + t.system)
    if children:
        total += float(t.children_user + t.children_system)
        for child in proc.children():
            with contextlib.suppress(Exception):
                c = child.cpu_times()
                total += float(c.user + c.system)
    return total


def postmaster() -> Any:
    """The isolated home's Postgres server process (its data directory is under the home)."""
    import psutil

    home = os.environ["ASYMKIT_HOME"]
    for proc in psutil.process_iter(["name"]):
        with contextlib.suppress(Exception):
            parent = proc.parent()
            if (
                proc.info["name"] == "postgres"
                and proc.cwd().startswith(home)
                and (parent is None or parent.name() != "postgres")
            ):
                return proc
    raise RuntimeError("no Postgres server under ASYMKIT_HOME")


def recording(clone: Any, on: bool) -> None:
    """Turn the clone's call log on or off (the flush endpoint takes the switch)."""
    from asymkit import admin

    admin.admin_post(clone.target(), "/clone/calls/flush", {"recording": on})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=8, help="alternating pairs (default 8)")
    parser.add_argument("--slice", type=float, default=5.0, help="seconds per slice (default 5)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    args = parser.parse_args()
    import psutil

    import asymkit

    rates: dict[str, list[float]] = {"on": [], "off": []}
    cpu: dict[str, dict[str, list[float]]] = {k: {"app": [], "postgres": []} for k in ("on", "off")}
    drops: list[float] = []
    logged = 0
    with isolated_home(), asymkit.spin("slack", seed=asymkit.Fixture("acme-corp")) as clone:
        asyncio.run(run(clone, args.clients, 2.0, keep_alive=True))  # warm-up
        app, server = psutil.Process(clone.record.pid), postmaster()
        for pair in range(args.pairs):
            got: dict[str, float] = {}
            for on in (True, False) if pair % 2 == 0 else (False, True):
                clone.reset()
                recording(clone, on)
                app_before, pg_before = cpu_seconds(app), cpu_seconds(server, children=True)
                result = asyncio.run(run(clone, args.clients, args.slice, keep_alive=True))
                recording(clone, on)  # writes what the slice gathered: counted in its cost
                key = "on" if on else "off"
                got[key] = result["req_per_s"]
                n = max(1, result["requests"])
                cpu[key]["app"].append((cpu_seconds(app) - app_before) * 1000 / n)
                pg = cpu_seconds(server, children=True) - pg_before
                cpu[key]["postgres"].append(pg * 1000 / n)
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
    med = {k: {p: statistics.median(v) for p, v in c.items()} for k, c in cpu.items()}
    table(
        ["setup", "median req/s", "app CPU ms/req", "Postgres CPU ms/req", "slices (req/s)"],
        [
            [
                "call log recording",
                f"{on:.0f}",
                f"{med['on']['app']:.3f}",
                f"{med['on']['postgres']:.3f}",
                rates["on"],
            ],
            [
                "call log paused",
                f"{off:.0f}",
                f"{med['off']['app']:.3f}",
                f"{med['off']['postgres']:.3f}",
                rates["off"],
            ],
        ],
    )
    total_on = med["on"]["app"] + med["on"]["postgres"]
    total_off = med["off"]["app"] + med["off"]["postgres"]
    print(
        f"\nCPU per request, app + Postgres: {total_on:.3f} ms recording,"
        f" {total_off:.3f} ms paused ({100 * (total_on / total_off - 1):+.1f}%)"
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
            "cpu_ms_per_request": {
                k: {p: [round(x, 4) for x in v] for p, v in c.items()} for k, c in cpu.items()
            },
            "median_cpu_ms_per_request": {
                k: {p: round(x, 4) for p, x in m.items()} for k, m in med.items()
            },
            "calls_logged_in_a_slice": logged,
        },
    )


if __name__ == "__main__":
    main()
