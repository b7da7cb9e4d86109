"""The review page's server time: the first view of acme-corp, and views after it.

Spins acme-corp, lets a scripted agent make a few changes through slack_sdk (post,
reply, edit, react, delete: 20 calls), then times ``review.render`` — what
``asymkit view`` and ``clone.view_url`` do per request: the diff, the call log,
the events and the Slack renderer — the first time in this process (after
loading the page's code, as a review server does when it starts; no connection
to the clone kept yet) and then ``--repeat`` times. Also a
channel of 5,000 messages (its newest page) and the exported file (every
channel, every page). The issue's target: the first view of acme-corp renders
in <= 150 ms server time.

    python benchmarks/review.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _bench import isolated_home, summary, table, timings, write

GENERAL = "CACME00001"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed views (default 20)")
    args = parser.parse_args()
    from slack_sdk import WebClient

    import asymkit
    from asymkit import postgres

    with isolated_home(), asymkit.spin("slack", seed=asymkit.Fixture("acme-corp")) as clone:
        web = WebClient(token=clone.tokens.user, base_url=clone.api_url)
        for n in range(4):
            posted = web.chat_postMessage(channel=GENERAL, text=f"agent update {n}")
            web.chat_postMessage(channel=GENERAL, text="a reply", thread_ts=posted["ts"])
            web.chat_update(channel=GENERAL, ts=posted["ts"], text=f"agent update {n}, edited")
            web.reactions_add(channel=GENERAL, timestamp=posted["ts"], name="eyes")
        for _ in range(4):
            web.chat_delete(
                channel=GENERAL, ts=web.chat_postMessage(channel=GENERAL, text="oops")["ts"]
            )
        started = time.perf_counter()  # what a review server loads when it starts
        from asymkit import review

        target = clone.target()
        review.renderer(target)
        loading = time.perf_counter() - started
        started = time.perf_counter()  # the first view: no connection to the clone kept yet
        review.render(target)
        first = time.perf_counter() - started
        views = summary(timings(lambda: review.render(target), args.repeat, warmup=0))
        with postgres.connect(postgres.server().dsn(clone.database), autocommit=True) as conn:
            conn.execute(
                """INSERT INTO messages (channel_id, ts, user_id, text)
                   SELECT 'CACME00006', (1800000000 + n)::text || '.000000', 'UACME00002',
                          'bulk message ' || n FROM generate_series(1, 5000) AS n"""
            )
        big = summary(
            timings(lambda: review.render(target, view=review.View(place="CACME00006")), 10)
        )
        exported = summary(timings(lambda: review.render(target, view=review.View(export=True)), 3))
    rows = [
        ["server start: loading the page's code", f"{loading * 1000:.1f}", "-"],
        ["first view of acme-corp (20 calls, 12 changes)", f"{first * 1000:.1f}", "-"],
        ["later views", views["median_ms"], views["p90_ms"]],
        ["a channel of 5,000 messages (newest page)", big["median_ms"], big["p90_ms"]],
        ["export: every channel, every page (5,000+)", exported["median_ms"], exported["p90_ms"]],
    ]
    table(["render", "median ms", "p90 ms"], rows)
    print("\ntarget: first view of acme-corp <= 150 ms server time")
    write(
        "review",
        {
            "loading_ms": round(loading * 1000, 2),
            "first_view_ms": round(first * 1000, 2),
            "views": views,
            "channel_of_5000": big,
            "export_with_5000": exported,
        },
    )


if __name__ == "__main__":
    main()
