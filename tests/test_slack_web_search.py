"""search.messages / search.files / search.all through slack_sdk (behaviour 8)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from slack_helpers import GENERAL, INCIDENTS, LEADERSHIP, OMAR, error_of, web

# Fixture facts: five messages mention geocoding: one in #engineering on 2026-03-03,
# three in #incidents on 2026-03-05 (two by omar), one in #engineering on 2026-03-07.


def search(acme: Any, query: str, **kwargs: Any) -> dict[str, Any]:
    return dict(web(acme, "user").search_messages(query=query, **kwargs)["messages"])


def test_search_messages_finds_matches_with_permalinks(acme: Any) -> None:
    found = search(acme, "geocoding")
    assert found["total"] >= 4
    assert found["paging"]["total"] == found["total"]
    assert {"count", "total", "page", "pages"} <= set(found["paging"])
    for match in found["matches"]:
        assert "geocoding" in match["text"].lower()
        assert match["permalink"].startswith("http")
        assert match["channel"]["id"].startswith("C")
        assert match["channel"]["name"]
        assert len(match["ts"].split(".")[1]) == 6
        assert match["type"] == "message"


def test_search_is_case_insensitive(acme: Any) -> None:
    assert search(acme, "GEOCODING")["total"] == search(acme, "geocoding")["total"]


def test_search_in_channel(acme: Any) -> None:
    found = search(acme, "geocoding in:#incidents")
    assert found["total"] >= 3
    assert {m["channel"]["id"] for m in found["matches"]} == {INCIDENTS}


def test_search_from_user(acme: Any) -> None:
    found = search(acme, "geocoding from:@omar")
    assert found["total"] >= 2
    assert {m["user"] for m in found["matches"]} == {OMAR}


@pytest.mark.parametrize(
    ("modifier", "expected"),
    [
        pytest.param("on:2026-03-05", {"2026-03-05"}, id="on"),
        pytest.param("before:2026-03-06", {"2026-03-03", "2026-03-05"}, id="before"),
        pytest.param("after:2026-03-06", {"2026-03-07"}, id="after"),
    ],
)
def test_search_by_date(acme: Any, modifier: str, expected: set[str]) -> None:
    found = search(acme, f"geocoding {modifier}")
    assert found["matches"]
    days = {
        datetime.datetime.fromtimestamp(float(m["ts"]), tz=datetime.timezone.utc).date().isoformat()
        for m in found["matches"]
    }
    assert days == expected


def test_search_has_link(acme: Any) -> None:
    owner = web(acme, "user")
    owner.chat_postMessage(channel=GENERAL, text="Zeppelin tracker: https://zeppelin.acme.test/now")
    owner.chat_postMessage(channel=GENERAL, text="Zeppelin tracker is down again")
    found = search(acme, "zeppelin has:link")
    assert [m["text"] for m in found["matches"]] == [
        "Zeppelin tracker: https://zeppelin.acme.test/now"
    ]


def test_search_pages_with_count_and_page(acme: Any) -> None:
    first = search(acme, "geocoding", count=2, page=1)
    second = search(acme, "geocoding", count=2, page=2)
    assert len(first["matches"]) == 2
    assert first["paging"]["pages"] >= 2
    assert {m["ts"] for m in first["matches"]}.isdisjoint({m["ts"] for m in second["matches"]})


def test_search_sees_private_channels_the_user_is_in(acme: Any) -> None:
    found = search(acme, "runway")
    assert LEADERSHIP in {m["channel"]["id"] for m in found["matches"]}


def test_search_with_no_match(acme: Any) -> None:
    found = search(acme, "xylophone")
    assert found["total"] == 0 and found["matches"] == []


def test_search_is_for_user_tokens_only(acme: Any) -> None:
    assert error_of(web(acme).search_messages, query="geocoding") == "not_allowed_token_type"
    assert error_of(web(acme).search_all, query="geocoding") == "not_allowed_token_type"
    assert error_of(web(acme).search_files, query="notes") == "not_allowed_token_type"


def test_search_without_a_query(acme: Any) -> None:
    client = web(acme, "user")
    # The spec's example says "No query passed"; Slack's docs name the code no_query.
    assert error_of(client.api_call, api_method="search.messages") in (
        "no_query",
        "No query passed",
    )


def test_search_files_and_search_all(acme: Any) -> None:
    owner = web(acme, "user")
    owner.files_upload_v2(
        channel=GENERAL, content=b"Q3 roadmap draft", filename="roadmap.txt", title="Roadmap Q3"
    )
    owner.chat_postMessage(channel=GENERAL, text="The roadmap review is Thursday")
    files = owner.search_files(query="roadmap")["files"]
    assert files["total"] >= 1
    assert files["matches"][0]["name"] == "roadmap.txt"
    everything = owner.search_all(query="roadmap")
    assert everything["messages"]["total"] >= 1
    assert everything["files"]["total"] >= 1
    assert everything["query"] == "roadmap"


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_search_sorts_by_timestamp(acme: Any, direction: str) -> None:
    found = search(acme, "geocoding", sort="timestamp", sort_dir=direction)
    stamps = [m["ts"] for m in found["matches"]]
    assert stamps == sorted(stamps, reverse=direction == "desc")
    assert len(stamps) == found["total"]


def test_search_matches_name_the_author(acme: Any) -> None:
    match = search(acme, "geocoding from:@omar")["matches"][0]
    assert match["username"] == "omar"
    assert match["team"] == "TACME00001"


def test_search_does_not_reveal_other_peoples_dms(acme: Any) -> None:
    web(acme).chat_postMessage(channel="UACME00004", text="quokka launch codes")  # bot -> leo
    owner = web(acme, "user")
    owner.chat_postMessage(channel=GENERAL, text="quokka sighting in the park")
    found = search(acme, "quokka")
    assert [m["text"] for m in found["matches"]] == ["quokka sighting in the park"]


def test_join_and_leave_notices_are_not_found(acme: Any) -> None:
    user = web(acme, "user")
    lobby = user.conversations_create(name="lobby")["channel"]["id"]
    user.conversations_leave(channel=lobby)
    user.conversations_join(channel=lobby)
    history = user.conversations_history(channel=lobby, limit=5)["messages"]
    assert {"channel_join", "channel_leave"} <= {m.get("subtype") for m in history}
    assert search(acme, "joined")["total"] == 0
    assert search(acme, "left the channel")["total"] == 0
