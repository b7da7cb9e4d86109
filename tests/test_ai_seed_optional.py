"""Optional parts of a Slack dataset: reactions on messages and direct conversations.

A cassette with them replays them through the Web API (reactions.add,
conversations.open); cassettes without them read and replay exactly as before."""

from __future__ import annotations

from pathlib import Path

from slack_sdk import WebClient

import asymkit
from asymkit import packing

DATASET = {
    "workspace": {"name": "Pine Labs", "domain": "pine-labs"},
    "users": [
        {"handle": "maya", "real_name": "Maya Ortiz", "title": "CEO"},
        {"handle": "dev", "real_name": "Dev Patel", "title": "Engineer"},
        {"handle": "lin", "real_name": "Lin Wu", "title": "Designer"},
    ],
    "channels": [{"name": "general", "members": ["maya", "dev", "lin"]}],
    "messages": [
        {
            "channel": "general",
            "author": "maya",
            "text": "We shipped!",
            "reactions": [{"name": "tada", "users": ["dev", "lin"]}, {"name": "nope", "users": []}],
        },
        {
            "channel": "general",
            "author": "dev",
            "text": "typo here",
            "reactions": [{"name": "not-an-emoji-at-all", "users": ["maya"]}],
        },
    ],
    "dms": [
        {"members": ["maya", "dev"], "messages": [{"author": "maya", "text": "1:1 at 3?"}]},
        {
            "members": ["maya", "dev", "lin"],
            "messages": [{"author": "lin", "text": "mockups attached"}],
        },
        {"members": ["maya", "ghost"], "messages": []},
    ],
}


def test_reactions_and_dms_replay_through_the_web_api(tmp_path: Path) -> None:
    cassette = tmp_path / "optional.msgpack"
    packing.pack(DATASET, cassette)
    with asymkit.spin("slack") as clone:
        report = clone.seed(ai=asymkit.AISeed(cassette=cassette, record_mode="none"))
        assert report.ai is not None
        assert report.ai.rejected == 2  # an unknown emoji, a DM with an unknown member
        assert any("not-an-emoji-at-all" in w for w in report.warnings)
        assert any("ghost" in w for w in report.warnings)
        web = WebClient(token=clone.tokens.user, base_url=clone.api_url)
        general = next(
            c["id"] for c in web.conversations_list()["channels"] if c["name"] == "general"
        )
        shipped = next(
            m
            for m in web.conversations_history(channel=general)["messages"]
            if m["text"] == "We shipped!"
        )
        [tada] = shipped["reactions"]
        assert tada["name"] == "tada" and tada["count"] == 2
        dms = web.conversations_list(types="im,mpim")["channels"]
        assert sum(c.get("is_im", False) for c in dms) >= 1
        assert sum(c.get("is_mpim", False) for c in dms) == 1
        before = clone.diff()
        clone.reset(strategy="rebuild")  # replayed again from the cassette: same state
        assert not clone.diff() and not before


def test_a_dataset_without_the_optional_parts_keeps_its_exact_form(tmp_path: Path) -> None:
    plain = {k: v for k, v in DATASET.items() if k != "dms"}
    plain["messages"] = [
        {k: v for k, v in m.items() if k != "reactions"} for m in DATASET["messages"]
    ]
    packed = packing.pack(plain, tmp_path / "plain.msgpack")
    data = packed.dataset.to_json()
    assert "dms" not in data and all("reactions" not in m for m in data["messages"])
    assert set(packed.dataset.counts()) == {"users", "channels", "messages"}
