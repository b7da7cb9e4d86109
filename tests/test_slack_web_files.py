"""files.* through slack_sdk: files_upload_v2 end to end, url_private, file_share (behaviour 9)."""

from __future__ import annotations

from typing import Any

import httpx
from slack_helpers import DANA, GENERAL, LEADERSHIP, error_of, failure, joined, web

CONTENT = b"route_id,stops\n42,17\n43,9\n"


def upload(acme: Any, **kwargs: Any) -> dict[str, Any]:
    options = {"channel": GENERAL, "content": CONTENT, "filename": "routes.csv", "title": "Routes"}
    answer = web(acme, "user").files_upload_v2(**{**options, **kwargs})
    return dict(answer["file"])


def test_upload_v2_stores_the_file(acme: Any) -> None:
    uploaded = upload(acme)
    info = web(acme, "user").files_info(file=uploaded["id"])["file"]
    assert info["id"].startswith("F")
    assert info["name"] == "routes.csv"
    assert info["title"] == "Routes"
    assert info["size"] == len(CONTENT)
    assert info["user"] == DANA
    assert info["mimetype"] == "text/csv"
    assert GENERAL in info["channels"]
    assert info["url_private"].startswith("http")


def test_url_private_serves_the_bytes_to_an_authorised_token(acme: Any) -> None:
    url = web(acme, "user").files_info(file=upload(acme)["id"])["file"]["url_private"]
    got = httpx.get(url, headers={"Authorization": f"Bearer {acme.tokens.user}"}, timeout=10)
    assert got.status_code == 200
    assert got.content == CONTENT


def test_url_private_refuses_a_request_without_a_token(acme: Any) -> None:
    url = web(acme, "user").files_info(file=upload(acme)["id"])["file"]["url_private"]
    got = httpx.get(url, timeout=10)
    assert got.status_code in (401, 403, 404)
    assert got.content != CONTENT


def test_url_private_refuses_a_token_that_cannot_see_the_file(acme: Any) -> None:
    url = web(acme, "user").files_info(
        file=upload(acme, channel=LEADERSHIP, filename="board.txt")["id"]
    )["file"]["url_private"]
    got = httpx.get(url, headers={"Authorization": f"Bearer {acme.tokens.bot}"}, timeout=10)
    assert got.status_code in (403, 404)
    assert got.content != CONTENT


def test_a_shared_file_appears_as_a_file_share_message(acme: Any) -> None:
    uploaded = upload(acme, initial_comment="Latest routes attached")
    latest = web(acme, "user").conversations_history(channel=GENERAL, limit=1)["messages"][0]
    assert latest["subtype"] == "file_share"
    assert latest["user"] == DANA
    assert latest["files"][0]["id"] == uploaded["id"]
    assert latest["text"] == "Latest routes attached"


def test_the_two_step_flow_by_hand(acme: Any) -> None:
    owner = web(acme, "user")
    ticket = owner.files_getUploadURLExternal(filename="hello.txt", length=5)
    assert ticket["file_id"].startswith("F")
    sent = httpx.post(ticket["upload_url"], content=b"hello", timeout=10)
    assert sent.status_code == 200
    done = owner.files_completeUploadExternal(
        files=[{"id": ticket["file_id"], "title": "Hello"}], channel_id=GENERAL
    )
    assert done["files"][0]["id"] == ticket["file_id"]
    assert owner.files_info(file=ticket["file_id"])["file"]["size"] == 5


def test_complete_before_the_bytes_arrive_is_refused(acme: Any) -> None:
    owner = web(acme, "user")
    ticket = owner.files_getUploadURLExternal(filename="late.txt", length=5)
    error = error_of(
        owner.files_completeUploadExternal, files=[{"id": ticket["file_id"]}], channel_id=GENERAL
    )
    assert error in ("upload_not_complete", "file_not_found")


def test_a_file_over_the_size_limit_is_refused_with_a_clear_error(acme: Any) -> None:
    owner = web(acme, "user")
    answer = failure(owner.files_getUploadURLExternal, filename="huge.bin", length=1024**4)
    assert answer["error"] == "file_upload_size_restricted"
    assert answer["response_metadata"]["messages"], "the error says what the limit is"


def test_files_list_filters_by_channel_and_user(acme: Any) -> None:
    uploaded = upload(acme)["id"]
    owner = web(acme, "user")
    assert uploaded in [f["id"] for f in owner.files_list()["files"]]
    assert uploaded in [f["id"] for f in owner.files_list(channel=GENERAL)["files"]]
    assert uploaded in [f["id"] for f in owner.files_list(user=DANA)["files"]]
    assert uploaded not in [f["id"] for f in owner.files_list(channel=LEADERSHIP)["files"]]


def test_files_delete_then_info_says_deleted(acme: Any) -> None:
    uploaded = upload(acme)["id"]
    owner = web(acme, "user")
    owner.files_delete(file=uploaded)
    assert error_of(owner.files_info, file=uploaded) == "file_deleted"
    assert uploaded not in [f["id"] for f in owner.files_list()["files"]]


def test_files_delete_by_someone_else_is_refused(acme: Any) -> None:
    uploaded = upload(acme)["id"]
    assert error_of(joined(acme).files_delete, file=uploaded) == "cant_delete_file"


def test_files_info_of_an_unknown_file(acme: Any) -> None:
    assert error_of(web(acme, "user").files_info, file="FNOPE0000") == "file_not_found"


def test_the_fixture_has_two_files(acme: Any) -> None:
    assert len(web(acme, "user").files_list()["files"]) >= 2


def test_a_bot_uploads_into_a_channel_it_joined(acme: Any) -> None:
    client = joined(acme)
    answer = client.files_upload_v2(channel=GENERAL, content=b"bot log", filename="bot.log")
    assert answer["file"]["id"].startswith("F")


def test_a_file_shared_into_a_thread_is_a_reply(acme: Any) -> None:
    owner = web(acme, "user")
    parent = owner.chat_postMessage(channel=GENERAL, text="Send me the routes?")["ts"]
    uploaded = owner.files_upload_v2(
        channel=GENERAL, thread_ts=parent, content=CONTENT, filename="routes.csv"
    )["file"]["id"]
    thread = owner.conversations_replies(channel=GENERAL, ts=parent)["messages"]
    assert thread[0]["reply_count"] == 1
    assert thread[1]["files"][0]["id"] == uploaded
    top = owner.conversations_history(channel=GENERAL, limit=1)["messages"][0]
    assert top["ts"] == parent  # the reply stays in the thread
