"""A page of 50 Linear issues with nested fields: latency, and SQL statements per page
with the clone's batch loading against a per-row (naive) resolver, in the same run.

Over HTTP, the real clone app answers the page through a kept-alive client
(p50/p95). In this process, the same app runs twice on the same database
through Starlette's TestClient: as shipped, and with its loaders made naive
(one query per key, as resolvers that each fetch their own row would do);
each run counts the SQL statements a page costs (``/clone/debug/statements``).

    python benchmarks/linear_page.py [--repeat 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _bench import ROOT, isolated_home, table, write

PAGE = """query($n: Int) { issues(first: $n) { nodes {
    identifier title priorityLabel url branchName
    state { name type } assignee { name email } team { key }
    labels { nodes { name color } }
    comments { nodes { body user { name } } } } } }"""


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000, 2)


def measure(post: Any, statements: Any, repeat: int) -> dict[str, Any]:
    """Latency of ``repeat`` pages and the statements one page costs."""
    post()  # warm: documents are kept validated, connections open
    before = statements()
    post()
    per_page = statements() - before
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        post()
        samples.append(time.perf_counter() - started)
    return {
        "statements_per_page": per_page,
        "p50_ms": percentile(samples, 0.5),
        "p95_ms": percentile(samples, 0.95),
        "median_ms": round(statistics.median(samples) * 1000, 2),
        "n": repeat,
    }


def over_http(clone: Any, repeat: int) -> dict[str, Any]:
    import httpx

    admin = {"Authorization": f"Bearer {clone.record.admin_secret}"}
    with httpx.Client(headers={"Authorization": clone.tokens.user}) as client:

        def post() -> None:
            resp = client.post(clone.api_url, json={"query": PAGE, "variables": {"n": 50}})
            assert resp.status_code == 200 and len(resp.json()["data"]["issues"]["nodes"]) == 50

        def statements() -> int:
            return int(
                client.get(clone.url + "/clone/debug/statements", headers=admin).json()[
                    "statements"
                ]
            )

        return measure(post, statements, repeat)


def naive_loaders() -> None:
    """Make every load its own query, as a resolver fetching its own row would."""
    import asyncio

    from linear_clone import loaders

    def load(self: Any, key: Any) -> Any:
        async def one() -> Any:
            found = await self._fetch([key])
            return found.get(key)

        return asyncio.ensure_future(one())

    loaders.Loader.load = load  # type: ignore[method-assign]


def in_process(clone: Any, repeat: int, naive: bool) -> dict[str, Any]:
    from starlette.testclient import TestClient

    from asymkit import build, postgres

    os.environ.update(build.app_env(clone.record, postgres.server()))
    sys.path.insert(0, str(ROOT / "asymkit" / "templates" / "linear"))
    from linear_clone import app as app_module

    if naive:
        naive_loaders()
    admin = {"Authorization": f"Bearer {clone.record.admin_secret}"}
    with TestClient(app_module.create_app(), base_url="http://127.0.0.1") as client:

        def post() -> None:
            resp = client.post(
                "/graphql",
                json={"query": PAGE, "variables": {"n": 50}},
                headers={"Authorization": clone.tokens.user},
            )
            assert resp.status_code == 200, resp.text[:300]

        def statements() -> int:
            return int(client.get("/clone/debug/statements", headers=admin).json()["statements"])

        return measure(post, statements, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    with isolated_home():
        import asymkit

        clone = asymkit.spin("linear", seed=asymkit.Fixture("acme-corp"))
        results = {
            "http (the clone app)": over_http(clone, args.repeat),
            "in process, batch loading": in_process(clone, args.repeat // 4, naive=False),
            "in process, per-row loading": in_process(clone, args.repeat // 4, naive=True),
        }
    table(
        ["page of 50 issues", "SQL statements", "p50 ms", "p95 ms", "n"],
        [
            [name, r["statements_per_page"], r["p50_ms"], r["p95_ms"], r["n"]]
            for name, r in results.items()
        ],
    )
    write("linear_page", {"query": PAGE, "results": results})


if __name__ == "__main__":
    main()
