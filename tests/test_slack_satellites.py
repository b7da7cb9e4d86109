"""Edges of the satellite features the method tests leave out: the upload URL's own
rules, the search index following edits and deletes, and reactions and pins on
messages that go away."""

from __future__ import annotations

import concurrent.futures
import time
from typing import Any

import httpx
import psycopg
from slack_helpers import ENGINEERING, GENERAL, LEADERSHIP, MARCUS, error_of, joined, web


def ticket(acme: Any, length: int, name: str = "notes.csv") -> dict[str, Any]:
    return dict(web(acme, "user").files_getUploadURLExternal(filename=name, length=length).data)


def test_the_upload_url_takes_a_multipart_form_as_slack_does(acme: Any) -> None:
    got = ticket(acme, 11)
    form = {"file": ("notes.csv", b"a,b\n1,2\n3,4", "text/csv")}
    assert httpx.post(got["upload_url"], files=form, timeout=10).status_code == 200
    owner = web(acme, "user")
    done = owner.files_completeUploadExternal(files=[{"id": got["file_id"]}], channel_id=GENERAL)
    url = done["files"][0]["url_private_download"]
    body = httpx.get(url, headers={"Authorization": f"Bearer {acme.tokens.user}"}, timeout=10)
    assert body.content == b"a,b\n1,2\n3,4"
    assert body.headers["content-disposition"].startswith("attachment")


def test_an_upload_url_takes_one_upload_only(acme: Any) -> None:
    got = ticket(acme, 5)
    assert httpx.post(got["upload_url"], content=b"first", timeout=10).status_code == 200
    again = httpx.post(got["upload_url"], content=b"again", timeout=10)
    assert again.status_code == 404


def test_more_bytes_than_announced_are_refused(acme: Any) -> None:
    got = ticket(acme, 4)
    sent = httpx.post(got["upload_url"], content=b"more than four bytes", timeout=10)
    assert sent.status_code == 413
    assert "4 bytes" in sent.text


def test_an_upload_url_with_a_wrong_secret_is_refused(acme: Any) -> None:
    got = ticket(acme, 5)
    forged = got["upload_url"].rsplit(".", 1)[0] + ".forged"
    assert httpx.post(forged, content=b"hello", timeout=10).status_code == 404


def test_an_edited_message_is_found_by_its_new_words_only(acme: Any) -> None:
    owner = web(acme, "user")
    posted = owner.chat_postMessage(channel=GENERAL, text="lunch order: tacos")
    owner.chat_update(channel=GENERAL, ts=posted["ts"], text="lunch order: dumplings")
    assert owner.search_messages(query="tacos")["messages"]["total"] == 0
    found = owner.search_messages(query="dumplings")["messages"]["matches"]
    assert [m["ts"] for m in found] == [posted["ts"]]


def test_a_deleted_message_leaves_search(acme: Any) -> None:
    owner = web(acme, "user")
    posted = owner.chat_postMessage(channel=GENERAL, text="temporary kumquat notice")
    owner.chat_delete(channel=GENERAL, ts=posted["ts"])
    assert owner.search_messages(query="kumquat")["messages"]["total"] == 0


def test_search_ranks_by_score_or_orders_by_time(acme: Any) -> None:
    owner = web(acme, "user")
    old = owner.chat_postMessage(channel=GENERAL, text="pallet pallet pallet inventory")
    new = owner.chat_postMessage(channel=GENERAL, text="one pallet left")
    by_score = owner.search_messages(query="pallet")["messages"]["matches"]
    by_time = owner.search_messages(query="pallet", sort="timestamp", sort_dir="asc")
    assert [m["ts"] for m in by_score] == [old["ts"], new["ts"]]
    assert [m["ts"] for m in by_time["messages"]["matches"]] == [old["ts"], new["ts"]]
    newest_first = owner.search_messages(query="pallet", sort="timestamp")["messages"]
    assert [m["ts"] for m in newest_first["matches"]] == [new["ts"], old["ts"]]


def test_reactions_and_pins_go_with_a_deleted_message(acme: Any) -> None:
    owner = web(acme, "user")
    posted = owner.chat_postMessage(channel=ENGINEERING, text="short-lived")
    owner.reactions_add(channel=ENGINEERING, timestamp=posted["ts"], name="eyes")
    owner.pins_add(channel=ENGINEERING, timestamp=posted["ts"])
    owner.chat_delete(channel=ENGINEERING, ts=posted["ts"])
    pinned = [i["message"]["ts"] for i in owner.pins_list(channel=ENGINEERING)["items"]]
    assert posted["ts"] not in pinned
    listed = [i["message"]["ts"] for i in owner.reactions_list()["items"]]
    assert posted["ts"] not in listed
    assert (
        error_of(owner.reactions_get, channel=ENGINEERING, timestamp=posted["ts"])
        == "message_not_found"
    )


def test_history_shows_reactions_and_pins_on_messages(acme: Any) -> None:
    owner = web(acme, "user")
    posted = owner.chat_postMessage(channel=GENERAL, text="ship it?")
    owner.reactions_add(channel=GENERAL, timestamp=posted["ts"], name="+1")
    owner.pins_add(channel=GENERAL, timestamp=posted["ts"])
    latest = owner.conversations_history(channel=GENERAL, limit=1)["messages"][0]
    assert latest["reactions"] == [
        {"name": "+1", "users": [owner.auth_test()["user_id"]], "count": 1}
    ]
    assert latest["pinned_to"] == [GENERAL]


def test_highlight_marks_the_matched_words(acme: Any) -> None:
    owner = web(acme, "user")
    owner.chat_postMessage(channel=GENERAL, text="The forklift battery is charged")
    plain = owner.search_messages(query="forklift")["messages"]["matches"][0]["text"]
    marked = owner.search_messages(query="forklift", highlight=True)["messages"]["matches"][0]
    assert plain == "The forklift battery is charged"
    assert marked["text"] == "The \ue000forklift\ue001 battery is charged"


def test_with_the_database_down_file_routes_answer_503_fast_and_recover(acme: Any) -> None:
    got = ticket(acme, 5)
    url = web(acme, "user").files_info(file="FACME00001")["file"]["url_private"]
    auth = {"Authorization": f"Bearer {acme.tokens.user}"}
    from asymkit import postgres

    database = psycopg.sql.Identifier(acme.database)
    with psycopg.connect(postgres.server().dsn("postgres"), autocommit=True) as admin:
        admin.execute(psycopg.sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(database))
        try:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (acme.database,),
            )
            for call in (
                lambda: httpx.post(got["upload_url"], content=b"hello", timeout=10),
                lambda: httpx.get(url, headers=auth, timeout=10),
            ):
                started = time.monotonic()
                answer = call()
                assert time.monotonic() - started < 2.5
                assert answer.status_code == 503
                assert answer.headers["retry-after"] == "1"
        finally:
            admin.execute(
                psycopg.sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(database)
            )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if httpx.get(url, headers=auth, timeout=10).status_code == 200:
            break
        time.sleep(0.5)
    assert httpx.post(got["upload_url"], content=b"hello", timeout=10).status_code == 200


def test_sharing_a_file_with_a_user_posts_it_in_their_dm(acme: Any) -> None:
    owner = web(acme, "user")
    got = ticket(acme, 5, "note.txt")
    httpx.post(got["upload_url"], content=b"hello", timeout=10)
    done = owner.files_completeUploadExternal(files=[{"id": got["file_id"]}], channels=[MARCUS])
    [dm] = done["files"][0]["ims"]
    latest = owner.conversations_history(channel=dm, limit=1)["messages"][0]
    assert latest["subtype"] == "file_share"
    assert [f["id"] for f in latest["files"]] == [got["file_id"]]


def test_the_same_reaction_added_at_once_lands_once(acme: Any) -> None:
    owner = web(acme, "user")
    posted = owner.chat_postMessage(channel=GENERAL, text="race me")

    def react(_: int) -> str:
        answer = httpx.post(
            acme.api_url + "reactions.add",
            headers={"Authorization": f"Bearer {acme.tokens.user}"},
            data={"channel": GENERAL, "timestamp": posted["ts"], "name": "zap"},
            timeout=30,
        )
        assert answer.status_code == 200
        return "ok" if answer.json()["ok"] else str(answer.json()["error"])

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        outcomes = sorted(pool.map(react, range(16)))
    assert outcomes == ["already_reacted"] * 15 + ["ok"]
    message = owner.reactions_get(channel=GENERAL, timestamp=posted["ts"])["message"]
    assert message["reactions"][0]["count"] == 1


def test_files_info_names_only_the_conversations_the_caller_can_see(acme: Any) -> None:
    owner = web(acme, "user")
    got = ticket(acme, 5, "plan.txt")
    httpx.post(got["upload_url"], content=b"plans", timeout=10)
    owner.files_completeUploadExternal(
        files=[{"id": got["file_id"]}], channels=[GENERAL, LEADERSHIP]
    )
    assert owner.files_info(file=got["file_id"])["file"]["groups"] == [LEADERSHIP]
    bot = joined(acme, GENERAL)
    seen = bot.files_info(file=got["file_id"])["file"]
    assert (seen["channels"], seen["groups"]) == ([GENERAL], [])


def test_search_modifiers_ignore_case(acme: Any) -> None:
    owner = web(acme, "user")
    lower = owner.search_messages(query="geocoding from:@omar in:#incidents")["messages"]
    mixed = owner.search_messages(query="geocoding FROM:@Omar In:#Incidents")["messages"]
    assert lower["total"] >= 1
    assert [m["ts"] for m in mixed["matches"]] == [m["ts"] for m in lower["matches"]]


def test_a_text_file_has_a_preview(acme: Any) -> None:
    runbook = web(acme, "user").files_info(file="FACME00002")["file"]
    assert runbook["preview"].startswith("On-call runbook\n")
    assert runbook["preview_is_truncated"] is False
    assert runbook["size"] == len(runbook["preview"].encode())
