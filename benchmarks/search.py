"""search.messages over a 5,000-message clone: the full-text index against a naive scan.

The acme-corp clone gets 5,000 more script-written messages (benchmarks/synth.py's
sentences, spread over its public channels and people), then each query runs
through ``slack_sdk`` (``search.messages`` with the user token, end to end over
HTTP) and, for the database part alone, as the clone's full-text SQL and as the
naive ``ILIKE '%word%'`` scan one would otherwise write.

    python benchmarks/search.py [--messages 5000] [--repeat 40]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _bench import isolated_home, table, write

QUERIES = [
    "billing",
    "search index",
    '"export job"',
    "onboarding in:#engineering",
    "dashboard from:@marcus",
    "gateway after:2026-01-01",
    "notification service before:2027-01-01",
]
BASE_TS = 1_775_000_000  # after the fixture's own messages


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000, 2)


def add_messages(dsn: str, count: int) -> None:
    """Insert ``count`` script-written messages into the clone's public channels."""
    import psycopg
    import synth

    texts = [m["text"] for m in synth.build(count)["messages"]][:count]
    rng = random.Random(11)
    with psycopg.connect(dsn) as conn:
        channels = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM channels WHERE NOT is_private AND kind IS NULL AND NOT is_archived"
            )
        ]
        users = [r[0] for r in conn.execute("SELECT id FROM users WHERE NOT is_bot")]
        with conn.cursor().copy("COPY messages (channel_id, ts, user_id, text) FROM STDIN") as copy:
            for n, text in enumerate(texts):
                ts = f"{BASE_TS + n * 60}.{rng.randrange(10**6):06d}"
                copy.write_row((rng.choice(channels), ts, rng.choice(users), text))
        conn.commit()
        conn.execute("ANALYZE messages")


def words_of(query: str) -> list[str]:
    return [w.strip('"') for w in query.replace('"', " ").split() if ":" not in w]


# What the clone runs for the words (its stored vector, GIN index, rank).
FTS_SQL = """
WITH m AS MATERIALIZED (
    SELECT x.*, ts_rank(x.search_vector, q.q) AS score
    FROM messages x, websearch_to_tsquery('english', %s) AS q (q)
    WHERE x.search_vector @@ q.q)
SELECT m.ts, m.text, count(*) OVER () AS total FROM m
JOIN channels c ON c.id = m.channel_id
ORDER BY m.score DESC, m.ts DESC
LIMIT 20"""

NAIVE_SQL = """
SELECT m.ts, m.text, count(*) OVER () AS total FROM messages m
JOIN channels c ON c.id = m.channel_id
WHERE {where}
ORDER BY m.ts DESC LIMIT 20"""


def run(messages: int, repeat: int) -> dict[str, Any]:
    import psycopg
    from slack_sdk import WebClient

    import asymkit
    from asymkit import postgres

    clone = asymkit.spin("slack", seed=asymkit.Fixture("acme-corp"))
    dsn = postgres.server().dsn(clone.database)
    started = time.perf_counter()
    add_messages(dsn, messages)
    print(f"added {messages} messages in {time.perf_counter() - started:.1f}s")
    with psycopg.connect(dsn) as conn:
        total_messages = conn.execute("SELECT count(*) FROM messages").fetchone()[0]  # type: ignore[index]
    web = WebClient(token=clone.tokens.user, base_url=clone.api_url)
    rows, results = [], []
    all_http: list[float] = []
    with psycopg.connect(dsn) as conn:
        for query in QUERIES:
            web.search_messages(query=query)  # warm up
            http: list[float] = []
            hits = 0
            for _ in range(repeat):
                t0 = time.perf_counter()
                found = web.search_messages(query=query, count=20)
                http.append(time.perf_counter() - t0)
                hits = found["messages"]["total"]
            all_http += http
            words = words_of(query)
            fts: list[float] = []
            naive: list[float] = []
            where = " AND ".join("m.text ILIKE %s" for _ in words)
            for _ in range(repeat):
                t0 = time.perf_counter()
                conn.execute(FTS_SQL, (" ".join(words),)).fetchall()
                fts.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                conn.execute(NAIVE_SQL.format(where=where), [f"%{w}%" for w in words]).fetchall()
                naive.append(time.perf_counter() - t0)
            row = {
                "query": query,
                "hits": hits,
                "http_p50_ms": percentile(http, 0.5),
                "http_p95_ms": percentile(http, 0.95),
                "fts_sql_p95_ms": percentile(fts, 0.95),
                "ilike_sql_p95_ms": percentile(naive, 0.95),
            }
            results.append(row)
            rows.append(list(row.values()))
    clone.destroy()
    table(
        ["query", "hits", "http p50", "http p95", "FTS SQL p95", "ILIKE SQL p95"],
        rows,
    )
    overall = percentile(all_http, 0.95)
    print(f"\nsearch.messages p95 over all queries: {overall} ms ({total_messages} messages)")
    return {
        "messages": total_messages,
        "repeat": repeat,
        "search_messages_p95_ms": overall,
        "queries": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000, help="messages to add")
    parser.add_argument("--repeat", type=int, default=40, help="calls per query")
    args = parser.parse_args()
    with isolated_home():
        data = run(args.messages, args.repeat)
    write("search", data)


if __name__ == "__main__":
    main()
