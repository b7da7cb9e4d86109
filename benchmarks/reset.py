"""Reset: the snapshot (asymkit's fast path) against the full rebuild, in the same run.

Also measured, as the alternative considered: drop the database and clone it
from a template database (``CREATE DATABASE … TEMPLATE``), which needs every
connection to the clone closed and the app's pool drained afterwards.

    python benchmarks/reset.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _bench import ROOT, isolated_home, summary, synth_cassette, table, timings, write


def template_clone(clone: object) -> None:
    """Drop + CREATE DATABASE … TEMPLATE <snapshot db>, then drain the app's pool."""
    import httpx

    from asymkit import postgres

    db = clone.database  # type: ignore[attr-defined]
    with postgres.server().admin() as admin:
        postgres.close_connections(admin, db)
        postgres.drop_database(admin, db)
        admin.execute(f'CREATE DATABASE "{db}" TEMPLATE "{db}_tmpl"')
    httpx.post(
        clone.url + "/clone/drain",  # type: ignore[attr-defined]
        headers={"Authorization": f"Bearer {clone.record.admin_secret}"},
    )  # type: ignore[attr-defined]


def make_template(clone: object) -> None:
    from asymkit import postgres

    db = clone.database  # type: ignore[attr-defined]
    with postgres.server().admin() as admin:
        postgres.close_connections(admin, db)
        admin.execute(f'DROP DATABASE IF EXISTS "{db}_tmpl"')
        admin.execute(f'CREATE DATABASE "{db}_tmpl" TEMPLATE "{db}"')
        admin.execute(f'ALTER DATABASE "{db}_tmpl" IS_TEMPLATE true ALLOW_CONNECTIONS false')
        admin.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS true')


def drop_template(clone: object) -> None:
    from asymkit import postgres

    db = clone.database  # type: ignore[attr-defined]
    with postgres.server().admin() as admin:
        admin.execute(f'ALTER DATABASE "{db}_tmpl" IS_TEMPLATE false')
        admin.execute(f'DROP DATABASE IF EXISTS "{db}_tmpl"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, no 5,000 case")
    args = parser.parse_args()
    fast_n, slow_n = (10, 2) if args.quick else (30, 5)
    import asymkit

    cases = [
        ("acme-corp fixture", "acme-corp", None),
        ("medium cassette (30 records)", None, ROOT / "cassettes/support-medium.msgpack"),
        ("500-message cassette", None, ROOT / "cassettes/company-500.msgpack"),
    ]
    rows, results = [], []
    with isolated_home() as home:
        if not args.quick:
            cases.append(
                ("5,000-message cassette", None, synth_cassette(5000, home / "synth-5000.msgpack"))
            )
        for label, fixture, cassette in cases:
            ai = asymkit.AISeed(cassette=cassette, record_mode="none") if cassette else None
            started = time.perf_counter()
            clone = asymkit.spin("slack", seed=fixture, ai=ai)
            seed_s = time.perf_counter() - started
            fast = summary(timings(lambda c=clone: c.reset(), fast_n))
            full = summary(timings(lambda c=clone: c.reset(strategy="rebuild"), slow_n, warmup=0))
            make_template(clone)
            tmpl = summary(timings(lambda c=clone: template_clone(c), fast_n))
            drop_template(clone)
            clone.destroy()
            speedup = round(full["median_ms"] / fast["median_ms"], 1)
            rows.append(
                (label, fast["median_ms"], tmpl["median_ms"], full["median_ms"], f"{speedup}x")
            )
            results.append(
                {
                    "case": label,
                    "snapshot": fast,
                    "template_clone": tmpl,
                    "full_rebuild": full,
                    "speedup": speedup,
                    "spin_and_seed_s": round(seed_s, 3),
                }
            )
    print(
        "reset medians (ms): snapshot = asymkit's default; rebuild = drop, migrate, re-seed"
        " (re-replaying AI layers through the REST API)\n"
    )
    table(["case", "snapshot", "template clone", "full rebuild", "speedup"], rows)
    write("reset", {"results": results})


if __name__ == "__main__":
    main()
