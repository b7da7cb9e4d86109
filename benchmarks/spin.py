"""Spin and footprint: cold and warm spin to a healthy acme-corp clone, cassette load time
at 10,000 messages (msgpack against the same dataset as JSON), and the app's memory.

    python benchmarks/spin.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _bench import isolated_home, summary, synth_cassette, table, timings, write


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    import psutil

    import asymkit
    from asymkit import cassette as cs
    from asymkit.seeders.slack import dataset

    repeat = 3 if args.quick else 7
    with isolated_home() as home:
        started = time.perf_counter()
        cold_clone = asymkit.spin("slack", seed="acme-corp")
        cold = time.perf_counter() - started
        cold_clone.destroy()

        spun: list[asymkit.Clone] = []
        warm = summary(
            timings(lambda: spun.append(asymkit.spin("slack", seed="acme-corp")), repeat, warmup=0)
        )
        rss = psutil.Process(spun[0].record.pid).memory_info().rss
        replayed = asymkit.spin(
            "slack",
            ai=asymkit.AISeed(
                cassette=Path(__file__).parent.parent / "cassettes/company-500.msgpack",
                record_mode="none",
            ),
        )
        rss_500 = psutil.Process(replayed.record.pid).memory_info().rss
        for clone in [*spun, replayed]:
            clone.destroy()

        big = synth_cassette(10_000, home / "s10k.msgpack")
        as_json = home / "s10k.json"
        as_json.write_text(json.dumps(cs.load(big).to_json()))
        load_msgpack = summary(timings(lambda: cs.load(big), repeat))
        # The same dataset from a JSON export (`cassette pack` reads these): bounded
        # read, shape checks and record validation; only the encoding differs.
        load_json = summary(
            timings(lambda: dataset.from_json(cs.read_json(as_json)["dataset"]), repeat)
        )
        size_mb, json_mb = big.stat().st_size / 1e6, as_json.stat().st_size / 1e6

    rows = [
        ("spin + seed acme-corp, cold (new embedded Postgres)", f"{cold * 1000:.0f} ms"),
        ("spin + seed acme-corp, warm (median)", f"{warm['median_ms']:.0f} ms"),
        ("cassette load, 10,000 messages, msgpack (median)", f"{load_msgpack['median_ms']} ms"),
        ("same dataset from a JSON export (median)", f"{load_json['median_ms']} ms"),
        ("file size, 10,000 messages: msgpack / JSON", f"{size_mb:.2f} / {json_mb:.2f} MB"),
        ("clone app memory (RSS) after spin", f"{rss / 2**20:.0f} MiB"),
        ("clone app memory (RSS) after a 500-message replay", f"{rss_500 / 2**20:.0f} MiB"),
    ]
    table(["measure", "value"], rows)
    write(
        "spin",
        {
            "cold_spin_ms": round(cold * 1000, 1),
            "warm_spin": warm,
            "cassette_load_10k_msgpack": load_msgpack,
            "cassette_load_10k_json": load_json,
            "size_mb": {"msgpack": round(size_mb, 2), "json": round(json_mb, 2)},
            "app_rss_mib": round(rss / 2**20, 1),
            "app_rss_after_500_mib": round(rss_500 / 2**20, 1),
        },
    )


if __name__ == "__main__":
    main()
