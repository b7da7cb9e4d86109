"""Write a large, varied Slack dataset without a model: sentences assembled from parts.

Used to make the committed ~500-message cassette and the 5,000+ message ones the
benchmarks need. Deterministic for a given seed. Its output is *script-written*
and its cassettes say so in their provenance.

    python benchmarks/synth.py --messages 500 -o cassettes/src/company-500.json
    python benchmarks/synth.py --messages 5000 -o /tmp/company-5000.msgpack   # a cassette
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

PEOPLE = [
    ("amara", "Amara Okafor", "CEO"),
    ("bruno", "Bruno Silva", "CTO"),
    ("chloe", "Chloé Martin", "Head of Product"),
    ("dmitri", "Dmitri Volkov", "Staff Engineer"),
    ("esi", "Esi Mensah", "Backend Engineer"),
    ("farid", "Farid Haddad", "Frontend Engineer"),
    ("greta", "Greta Lund", "Designer"),
    ("hiro", "Hiro Sato", "Data Engineer"),
    ("isla", "Isla Murray", "Customer Success"),
    ("jonas", "Jonas Weber", "Sales"),
    ("kiri", "Kiri Walker", "SRE"),
    ("lucia", "Lucía Romero", "Marketing"),
    ("malik", "Malik Johnson", "Support"),
    ("nora", "Nora Berg", "Finance"),
    ("oscar", "Oscar Reyes", "QA Engineer"),
    ("pia", "Pia Keller", "Recruiter"),
]
CHANNELS = [
    ("general", "Company-wide", False),
    ("engineering", "Code, reviews and releases", False),
    ("product", "Roadmap and specs", False),
    ("customers", "Feedback and escalations", False),
    ("incidents", "Production issues", False),
    ("design", "Design crits", False),
    ("growth", "Marketing and sales", False),
    ("random", "Water cooler", False),
    ("leadership", "Leadership team", True),
    ("data", "Metrics and pipelines", False),
]
THINGS = [
    "the billing page",
    "the onboarding flow",
    "the search index",
    "the mobile app",
    "the export job",
    "the API gateway",
    "the pricing page",
    "the admin console",
    "the notification service",
    "the SSO integration",
    "the analytics dashboard",
    "the import wizard",
    "the webhook retries",
    "the audit log",
    "the Q3 roadmap",
]
OPENERS = [
    "Quick update on {t}:",
    "Heads up about {t}:",
    "Question on {t}:",
    "FYI on {t}:",
    "Draft for {t} is ready.",
    "Looking at {t} now.",
    "Small win on {t}!",
    "Need a second pair of eyes on {t}.",
]
BODIES = [
    "p95 latency is down {n}% since Tuesday.",
    "we shipped it to {n}% of accounts.",
    "{n} customers asked about it this week.",
    "the fix is in review, PR #{n}.",
    "I found {n} edge cases we didn't cover.",
    "it's blocked on the vendor until {d}.",
    "tests are green, merging after lunch.",
    "I'd like feedback by {d}.",
    "we're {n} tickets down from last week.",
    "the spec doc has {n} open comments.",
]
REPLIES = [
    "Thanks, looking now.",
    "Nice work!",
    "Can we pair on it tomorrow?",
    "I'll add it to the release notes.",
    "Agreed, let's ship it.",
    "What's the rollback plan?",
    "+1, that matches what customers say.",
    "Let's discuss in standup.",
    "Do we have numbers for the EU region?",
    "I can take this one.",
    "Good catch.",
    "Let me check with the team and get back.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "next week", "the 15th"]


def build(messages: int, users: int = 12, channels: int = 8, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    people = PEOPLE[:users]
    handles = [h for h, _, _ in people]
    chans = CHANNELS[:channels]
    members = {
        name: (
            handles
            if name in ("general", "random") or i == 0
            else sorted(rng.sample(handles, k=max(3, len(handles) // 2)))
        )
        for i, (name, _, _) in enumerate(chans)
    }
    out: list[dict[str, Any]] = []
    parents: dict[str, list[int]] = {name: [] for name, _, _ in chans}
    for i in range(messages):
        name = chans[i % len(chans)][0] if i < len(chans) else rng.choice(chans)[0]
        author = rng.choice(members[name])
        if parents[name] and rng.random() < 0.3:
            parent = rng.choice(parents[name][-5:])
            text = rng.choice(REPLIES)
            out.append({"channel": name, "author": author, "text": text, "reply_to": parent})
            continue
        thing = rng.choice(THINGS)
        body = rng.choice(BODIES).format(n=rng.randint(2, 60), d=rng.choice(DAYS))
        opener = rng.choice(OPENERS).format(t=thing)
        if opener.endswith((".", "!")):
            body = body[0].upper() + body[1:]
        text = f"{opener} {body}"
        parents[name].append(i)
        out.append({"channel": name, "author": author, "text": text, "reply_to": None})
    return {
        "workspace": {"name": "Brightwave", "domain": "brightwave"},
        "users": [
            {"handle": h, "real_name": n, "email": f"{h}@brightwave.test", "title": t}
            for h, n, t in people
        ],
        "channels": [
            {"name": n, "purpose": p, "is_private": priv, "members": members[n]}
            for n, p, priv in chans
        ],
        "messages": out,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--users", type=int, default=12)
    parser.add_argument("--channels", type=int, default=8)
    parser.add_argument(
        "-o", "--output", type=Path, required=True, help="dataset .json, or a .msgpack cassette"
    )
    args = parser.parse_args()
    data = build(args.messages, args.users, args.channels)
    if args.output.suffix == ".msgpack":
        from asymkit import packing

        packing.pack(data, args.output, source="script", note="benchmarks/synth.py")
    else:
        args.output.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
