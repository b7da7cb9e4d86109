"""Odd payloads, multipart bodies, retired methods and odd file names get Slack's answers
(issue 18 items 13 and 15, issue 19 section 3): never a 500, and nothing stored."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import httpx
import pytest
from slack_helpers import GENERAL, error_of, failure, web
from slack_sdk.models.metadata import (
    EntityAttributes,
    EntityMetadata,
    EntityPayload,
    EntityTitle,
    EventAndEntityMetadata,
    ExternalRef,
)

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}


def section(text: Any) -> list[dict[str, Any]]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]


def latest(acme: Any) -> str:
    """The ts of #general's newest message: unchanged when a call stored nothing."""
    history = web(acme, "user").conversations_history(channel=GENERAL, limit=1)
    return str(history["messages"][0]["ts"])


def post(acme: Any, method: str, **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {acme.tokens.user}", **kwargs.pop("headers", {})}
    return httpx.post(f"{acme.api_url}{method}", headers=headers, timeout=10, **kwargs)


# --- a: what no JSON argument may hold -------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        pytest.param({"text": "a\ud800b"}, "invalid_arguments", id="lone-surrogate-text"),
        pytest.param(
            {"text": "x", "blocks": section("a\ud800b")}, "invalid_blocks", id="surrogate-blocks"
        ),
        pytest.param({"text": "x", "blocks": section("a\x00b")}, "invalid_blocks", id="nul-blocks"),
        pytest.param(
            {"text": "x", "blocks": [{**SECTION, "\x00": 1}]}, "invalid_blocks", id="nul-key"
        ),
        pytest.param(
            {"text": "x", "blocks": [{**SECTION, "n": float("nan")}]}, "invalid_blocks", id="nan"
        ),
        pytest.param(
            {"text": "x", "blocks": [{**SECTION, "n": float("inf")}]},
            "invalid_blocks",
            id="infinity",
        ),
        pytest.param(
            {"text": "x", "metadata": {"event_type": "t", "event_payload": {"k": "a\x00b"}}},
            "invalid_metadata_format",
            id="nul-metadata",
        ),
        pytest.param(
            {"text": "x", "metadata": {"event_type": "t\ud800"}},
            "invalid_metadata_format",
            id="surrogate-metadata",
        ),
        pytest.param(
            {"text": "x", "attachments": [{"text": "a\ud800"}]},
            "invalid_attachments",
            id="surrogate-attachments",
        ),
    ],
)
def test_a_json_post_with_unstorable_values_gets_slacks_error(
    acme: Any, kwargs: dict[str, Any], error: str
) -> None:
    """slack_sdk sends these as JSON (a lone surrogate as its escape, NaN as NaN)."""
    before = latest(acme)
    assert error_of(web(acme, "user").chat_postMessage, channel=GENERAL, **kwargs) == error
    assert latest(acme) == before


@pytest.mark.parametrize(
    ("blocks", "error"),
    [
        pytest.param('[{"type":"section","t":"\\ud800"}]', "invalid_blocks", id="surrogate"),
        pytest.param('[{"type":"section","t":"\\u0000"}]', "invalid_blocks", id="nul-escape"),
        pytest.param('[{"type":"section","n":NaN}]', "invalid_blocks", id="nan"),
        pytest.param('[{"type":"section","n":1e999}]', "invalid_blocks", id="1e999"),
        pytest.param('[{"type":"section","n":-Infinity}]', "invalid_blocks", id="-infinity"),
    ],
)
def test_a_form_post_with_unstorable_blocks_gets_invalid_blocks(
    acme: Any, blocks: str, error: str
) -> None:
    before = latest(acme)
    form = {"channel": GENERAL, "text": "x", "blocks": blocks}
    answer = post(acme, "chat.postMessage", data=form)
    assert answer.status_code == 200
    assert answer.json() == {"ok": False, "error": error}
    assert latest(acme) == before


def test_1e999_written_into_a_json_body_gets_invalid_blocks(acme: Any) -> None:
    """The number as a client that writes JSON by hand sends it (slack_sdk writes Infinity)."""
    before = latest(acme)
    body = f'{{"channel":"{GENERAL}","text":"x","blocks":[{{"type":"section","n":1e999}}]}}'
    answer = post(
        acme, "chat.postMessage", content=body, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 200
    assert answer.json() == {"ok": False, "error": "invalid_blocks"}
    assert latest(acme) == before


def test_a_lone_surrogate_in_chat_update_is_refused_and_the_message_kept(acme: Any) -> None:
    owner = web(acme, "user")
    ts = owner.chat_postMessage(channel=GENERAL, text="original")["ts"]
    assert error_of(owner.chat_update, channel=GENERAL, ts=ts, text="a\ud800") == (
        "invalid_arguments"
    )
    blocks = section("\ud800")
    assert error_of(owner.chat_update, channel=GENERAL, ts=ts, text="x", blocks=blocks) == (
        "invalid_blocks"
    )
    assert owner.conversations_history(channel=GENERAL, limit=1)["messages"][0]["text"] == (
        "original"
    )


def test_a_profile_holding_a_lone_surrogate_is_invalid_profile(acme: Any) -> None:
    owner = web(acme, "user")
    name = owner.users_profile_get()["profile"]["real_name"]
    assert error_of(owner.users_profile_set, profile={"real_name": "a\ud800"}) == "invalid_profile"
    assert owner.users_profile_get()["profile"]["real_name"] == name


def test_ordinary_json_values_still_post(acme: Any) -> None:
    """Numbers, non-ASCII text and surrogate pairs (emoji) in blocks are fine."""
    blocks = [{**SECTION, "n": 1.5e300, "big": 10**40, "text": {"type": "mrkdwn", "text": "é 😀"}}]
    sent = web(acme, "user").chat_postMessage(channel=GENERAL, text="é 😀", blocks=blocks)
    assert sent["message"]["blocks"][0]["text"]["text"] == "é 😀"
    assert sent["message"]["blocks"][0]["big"] == 10**40


# --- b: multipart bodies --------------------------------------------------------------


def test_curl_f_posts_a_message(acme: Any) -> None:
    """What `curl -F` sends, from a real curl process."""
    before = latest(acme)
    done = subprocess.run(
        [
            "curl",
            "-sS",
            "--max-time",
            "10",
            "-H",
            f"Authorization: Bearer {acme.tokens.user}",
            "-F",
            f"channel={GENERAL}",
            "-F",
            "text=héllo from curl",
            f"{acme.api_url}chat.postMessage",
        ],
        capture_output=True,
        check=True,
        timeout=20,
    )
    answer = json.loads(done.stdout)
    assert answer["ok"] is True, answer
    assert answer["message"]["text"] == "héllo from curl"
    assert latest(acme) == answer["ts"] != before


def test_multipart_takes_the_token_and_a_text_file_as_arguments(acme: Any) -> None:
    fields = {"token": (None, acme.tokens.user), "channel": (None, GENERAL)}
    files = {**fields, "text": ("note.txt", b"from a file", "text/plain")}
    answer = httpx.post(f"{acme.api_url}chat.postMessage", files=files, timeout=10)
    assert answer.json()["ok"] is True
    assert answer.json()["message"]["text"] == "from a file"


def test_an_unknown_method_under_multipart_is_unknown_method(acme: Any) -> None:
    answer = post(acme, "chat.notAMethod", files={"text": (None, "hi")})
    assert answer.status_code == 200
    assert answer.json() == {"ok": False, "error": "unknown_method"}


@pytest.mark.parametrize(
    ("content", "ctype"),
    [
        pytest.param(b"text=hi", "multipart/form-data", id="no-boundary"),
        pytest.param(b"garbage", "multipart/form-data; boundary=XyZ", id="not-multipart"),
        pytest.param(
            b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nhi\r\n--XyZ--\r\n",
            "multipart/form-data; boundary=XyZ",
            id="part-without-name",
        ),
        pytest.param(
            b'--XyZ\r\nContent-Disposition: form-data; name="text"\r\n\r\n\xff\xfe\r\n--XyZ--\r\n',
            "multipart/form-data; boundary=XyZ",
            id="not-utf8",
        ),
    ],
)
def test_a_malformed_multipart_body_is_invalid_form_data(
    acme: Any, content: bytes, ctype: str
) -> None:
    answer = post(acme, "chat.postMessage", content=content, headers={"Content-Type": ctype})
    assert answer.status_code == 200
    assert answer.json() == {"ok": False, "error": "invalid_form_data"}


def test_a_nul_in_a_multipart_field_is_invalid_arguments(acme: Any) -> None:
    files = {"channel": (None, GENERAL), "text": (None, "a\0")}
    answer = post(acme, "chat.postMessage", files=files)
    assert answer.json() == {"ok": False, "error": "invalid_arguments"}


def test_a_multipart_body_over_the_limit_is_413(acme: Any) -> None:
    """The same 1 MiB limit as form and JSON bodies."""
    files = {"channel": (None, GENERAL), "text": (None, "x" * (1024 * 1024))}
    answer = post(acme, "chat.postMessage", files=files)
    assert answer.status_code == 413
    assert answer.json() == {"ok": False, "error": "request_too_large"}


def test_many_tiny_parts_are_refused_quickly(acme: Any) -> None:
    """A body of thousands of parts is refused rather than parsed part by part."""
    part = b'--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n'
    body = part * 5000 + b"--XyZ--\r\n"
    headers = {"Content-Type": "multipart/form-data; boundary=XyZ"}
    answer = post(acme, "chat.postMessage", content=body, headers=headers)
    assert answer.json() == {"ok": False, "error": "invalid_form_data"}


def test_an_upload_with_a_huge_part_header_is_refused_at_once(acme: Any) -> None:
    """The upload URL's multipart parser is linear: a 1 MiB part header used to keep the
    app busy for about 20 s (the standard library's email parser is quadratic there);
    the 10 s timeout is a hang guard, not a measurement."""
    size = 1024 * 1024
    ticket = web(acme, "user").files_getUploadURLExternal(filename="big.bin", length=size)
    header = b'Content-Disposition: form-data; name="file"; ' + b'x="y"; ' * (size // 8)
    body = b"--XyZ\r\n" + header + b"\r\n\r\ndata\r\n--XyZ--\r\n"
    answer = httpx.post(
        ticket["upload_url"],
        content=body,
        headers={"Content-Type": "multipart/form-data; boundary=XyZ"},
        timeout=10,
    )
    assert answer.status_code == 400


# --- c: Work Object metadata -----------------------------------------------------------


def entity(**changes: Any) -> dict[str, Any]:
    value = {
        "entity_type": "slack#/entities/task",
        "url": "https://tracker.example/T-1",
        "external_ref": {"id": "T-1"},
        "entity_payload": {"attributes": {"title": {"text": "Fix the build"}}},
    }
    return {**value, **changes}


def test_work_object_entities_are_accepted_and_kept(acme: Any) -> None:
    owner = web(acme, "user")
    metadata = EventAndEntityMetadata(
        entities=[
            EntityMetadata(
                entity_type="slack#/entities/task",
                entity_payload=EntityPayload(
                    attributes=EntityAttributes(title=EntityTitle(text="Fix the build"))
                ),
                external_ref=ExternalRef(id="T-1"),
                url="https://tracker.example/T-1",
            )
        ]
    )
    sent = owner.chat_postMessage(channel=GENERAL, text="see task", metadata=metadata)
    stored = owner.conversations_history(channel=GENERAL, limit=1, include_all_metadata=True)
    entities = stored["messages"][0]["metadata"]["entities"]
    assert stored["messages"][0]["ts"] == sent["ts"]
    assert entities[0]["external_ref"] == {"id": "T-1"}
    assert entities[0]["entity_payload"]["attributes"]["title"]["text"] == "Fix the build"


@pytest.mark.parametrize(
    "metadata",
    [
        pytest.param({"entities": []}, id="no-entities"),
        pytest.param({"entities": {"entity_type": "x"}}, id="entities-not-a-list"),
        pytest.param({"entities": [entity(url=None)]}, id="entity-without-url"),
        pytest.param({"entities": [entity(entity_type="")]}, id="entity-without-type"),
        pytest.param({"entities": [entity(external_ref={})]}, id="entity-without-ref"),
        pytest.param({"entities": [entity(entity_payload={})]}, id="entity-without-title"),
        pytest.param({"event_payload": {"a": 1}}, id="neither-event-nor-entities"),
        pytest.param({"event_type": "t", "event_payload": [1]}, id="payload-not-an-object"),
        pytest.param({"event_type": "t", "entities": [1]}, id="event-with-bad-entities"),
    ],
)
def test_malformed_metadata_is_still_refused(acme: Any, metadata: dict[str, Any]) -> None:
    before = latest(acme)
    owner = web(acme, "user")
    assert error_of(owner.chat_postMessage, channel=GENERAL, text="x", metadata=metadata) == (
        "invalid_metadata_format"
    )
    assert latest(acme) == before


# --- d: the retired files.upload -------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"content": "launch plan"}, id="content"),
        pytest.param({"file": b"\x89PNG\r\n\x1a\n\xff\x00", "filename": "x.png"}, id="file"),
    ],
)
def test_files_upload_answers_method_deprecated(acme: Any, kwargs: dict[str, Any]) -> None:
    owner = web(acme, "user")
    files = len(owner.files_list()["files"])
    with pytest.warns(UserWarning, match="files_upload_v2"):
        answer = failure(owner.files_upload, channels=GENERAL, **kwargs)
    assert answer["error"] == "method_deprecated"
    assert len(owner.files_list()["files"]) == files


# --- e: file names and what url_private serves -----------------------------------------


def upload(acme: Any, filename: str, content: bytes) -> dict[str, Any]:
    owner = web(acme, "user")
    sent = owner.files_upload_v2(channel=GENERAL, content=content, filename=filename)
    return dict(owner.files_info(file=sent["file"]["id"])["file"])


def fetch(acme: Any, url: str) -> httpx.Response:
    return httpx.get(url, headers={"Authorization": f"Bearer {acme.tokens.user}"}, timeout=10)


@pytest.mark.parametrize(
    "filename",
    [
        pytest.param("a/b.txt", id="slash"),
        pytest.param("../x.txt", id="traversal"),
        pytest.param("..", id="dot-dot"),
        pytest.param("a\\b.txt", id="backslash"),
        pytest.param("Q3 Report #2?.txt", id="url-characters"),
    ],
)
def test_a_file_with_an_odd_name_is_served_at_its_urls(acme: Any, filename: str) -> None:
    info = upload(acme, filename, b"odd name")
    assert info["name"] == filename  # stored as given
    for key in ("url_private", "url_private_download"):
        url = info[key]
        assert url.startswith(f"{acme.url}/files-pri/"), url
        got = fetch(acme, url)
        assert got.status_code == 200, (key, url)
        assert got.content == b"odd name"


def test_an_html_file_is_never_served_inline(acme: Any) -> None:
    page = b"<html><script>alert(document.cookie)</script></html>"
    info = upload(acme, "page.html", page)
    got = fetch(acme, info["url_private"])
    assert got.status_code == 200
    assert got.content == page
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"].startswith("attachment;")


def test_a_text_file_is_still_inline_and_not_sniffed(acme: Any) -> None:
    info = upload(acme, "notes.txt", b"<html>not a page</html>")
    got = fetch(acme, info["url_private"])
    assert got.headers["content-disposition"].startswith("inline;")
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-type"].startswith("text/plain")


# --- the clone's own account endpoints (what AI seeding drives) --------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            b'{"email":"a\\ud800@x.test","password":"pw-123456","name":"zed"}', id="surrogate"
        ),
        pytest.param(b'{"email":"z@x.test","password":"pw-123456","name":"z\\u0000"}', id="nul"),
        pytest.param(b'{"email":"z@x.test","password":"pw-123456","name":"z","n":NaN}', id="nan"),
    ],
)
def test_the_signup_endpoint_refuses_unstorable_json_with_400(acme: Any, body: bytes) -> None:
    headers = {"X-Clone-Admin": acme.record.admin_secret, "Content-Type": "application/json"}
    answer = httpx.post(f"{acme.url}/clone/signup", content=body, headers=headers, timeout=10)
    assert answer.status_code == 400
    assert answer.json() == {"ok": False, "error": "invalid_json"}
