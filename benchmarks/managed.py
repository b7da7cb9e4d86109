"""Reset after 20 writes on a managed-like server: the non-superuser admin vs a superuser.

Same run, same clone shape (acme-corp), three ways to reach Postgres:

- the embedded server (superuser, Unix socket): asymkit's default;
- a second server configured like a managed one (``tests/managed_server.py``: TCP on
  127.0.0.1, SCRAM, ``max_connections=100``) reached as its superuser;
- the same server reached as its ``CREATEDB CREATEROLE`` admin that is not a superuser
  (what RDS, Cloud SQL, Neon and Supabase give you).

The last two differ only in privilege: a superuser's restore sets
``session_replication_role = replica`` (foreign keys and triggers stand aside), a
non-superuser's cannot. Each round posts 20 messages through slack_sdk, then times
``clone.reset()``.

    python benchmarks/managed.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))  # the managed-like server

from _bench import isolated_home, summary, table, write


def _rounds(rounds: int) -> tuple[dict[str, Any], str]:
    """Spin acme-corp on the current server, then ``rounds`` rounds of 20 writes + timed reset."""
    import time

    from slack_sdk import WebClient

    import asymkit

    started = time.perf_counter()
    clone = asymkit.spin("slack", seed=asymkit.Fixture("acme-corp"))
    spin_s = time.perf_counter() - started
    try:
        web = WebClient(token=clone.tokens.user, base_url=clone.api_url)
        general = next(
            c["id"] for c in web.conversations_list()["channels"] if c["name"] == "general"
        )
        samples = []
        for n in range(rounds + 1):
            for i in range(20):
                web.chat_postMessage(channel=general, text=f"round {n} write {i}")
            started = time.perf_counter()
            clone.reset()
            if n:  # the first round warms the kept connections
                samples.append(time.perf_counter() - started)
        with asymkit.postgres.server().admin() as admin:
            row = admin.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            superuser = bool((row.fetchone() or (False,))[0])
    finally:
        clone.destroy()
    who = "superuser" if superuser else "CREATEDB CREATEROLE, not superuser"
    return {**summary(samples), "spin_s": round(spin_s, 2)}, who


def _on(url: str, rounds: int) -> tuple[dict[str, Any], str]:
    with tempfile.TemporaryDirectory(prefix="asymkit-bench-") as home:
        saved = {k: os.environ.get(k) for k in ("ASYMKIT_HOME", "ASYMKIT_DATABASE_URL")}
        os.environ.update(ASYMKIT_HOME=home, ASYMKIT_DATABASE_URL=url)
        try:
            return _rounds(rounds)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def _cells(result: dict[str, Any]) -> tuple[object, ...]:
    return result["median_ms"], result["p90_ms"], result["spin_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 rounds instead of 30")
    args = parser.parse_args()
    rounds = 10 if args.quick else 30
    import managed_server

    rows: list[tuple[Any, ...]] = []
    results: dict[str, Any] = {}
    with isolated_home() as home:
        embedded, who = _rounds(rounds)
        rows.append(("embedded (Unix socket)", who, *_cells(embedded)))
        results["embedded_superuser"] = embedded
        managed = managed_server.start(home / "managed")
        try:
            su, who = _on(managed.superuser_tcp_url, rounds)
            rows.append(("managed-like (TCP)", who, *_cells(su)))
            results["managed_superuser"] = su
            ops, who = _on(managed.url, rounds)
            rows.append(("managed-like (TCP)", who, *_cells(ops)))
            results["managed_non_superuser"] = ops
        finally:
            managed.stop()
    ratio = round(ops["median_ms"] / su["median_ms"], 2)
    results["non_superuser_over_superuser"] = ratio
    print(f"reset after 20 writes, acme-corp, {rounds} rounds each (ms)\n")
    table(["server", "admin login", "reset median", "reset p90", "spin (s)"], rows)
    print(f"\nnon-superuser / superuser on the same server: {ratio}x (promise: at most 2x)")
    write("managed", results)


if __name__ == "__main__":
    main()
