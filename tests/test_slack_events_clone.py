"""The Slack clone's side of events, over real HTTP and a raw WebSocket.

A dedicated acme-corp clone runs with short delivery timers (ack timeout 1 s,
HTTP retries after 0 and 0.2 s, a queue of 6) so redelivery and the bounded
queue are observable quickly. Payloads are checked against the fields the
Events API AsyncAPI document requires (``slackapi/slack-api-specs``,
``events-api/slack_events_api_asyncapi_v2.json``, ``GenericEventWrapper``).
"""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import json
import os
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
import websockets
from slack_helpers import ENGINEERING, GENERAL, MARCUS, PRIYA, error_of
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from asymkit import postgres

# GenericEventWrapper.required and its event's required fields, from the AsyncAPI document.
WRAPPER_REQUIRED = (
    "token",
    "team_id",
    "api_app_id",
    "event",
    "type",
    "event_id",
    "event_time",
    "authed_users",
)
EVENT_REQUIRED = ("type", "event_ts")
CLONE_ENV = {
    "CLONE_EVENT_ACK_TIMEOUT": "1",
    "CLONE_EVENT_RETRY_DELAYS": "0,0.2,0.2",
    "CLONE_EVENT_QUEUE": "6",
}


@pytest.fixture(scope="module")
def events_clone() -> Iterator[Any]:
    import asymkit

    saved = {k: os.environ.get(k) for k in CLONE_ENV}
    os.environ.update(CLONE_ENV)
    try:
        clone = asymkit.spin("slack", seed=asymkit.Fixture("acme-corp"))
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    yield clone
    clone.destroy()


@pytest.fixture
def ev(events_clone: Any) -> Any:
    events_clone.reset()
    _admin(events_clone, "POST", "/clone/events/subscription", {"url": None, "types": None})
    return events_clone


def _admin(clone: Any, verb: str, path: str, body: Any = None, **params: Any) -> httpx.Response:
    return httpx.request(
        verb,
        f"{clone.url}{path}",
        json=body,
        params=params,
        headers={"Authorization": f"Bearer {clone.record.admin_secret}"},
        timeout=40,
    )


def _member(clone: Any, who: str) -> WebClient:
    response = _admin(clone, "POST", "/clone/tokens", {"kind": "user", "user": who})
    assert response.status_code == 201, response.text
    return WebClient(token=response.json()["token"], base_url=clone.api_url)


def _bot(clone: Any) -> WebClient:
    return WebClient(token=clone.tokens.bot, base_url=clone.api_url)


def _recorded(clone: Any, after: str | None = None) -> list[dict[str, Any]]:
    params = {"after": after} if after else {}
    response = _admin(clone, "GET", "/clone/events", **params)
    assert response.status_code == 200, response.text
    return list(response.json()["events"])


def _last(clone: Any) -> str | None:
    events = _recorded(clone)
    return events[-1]["event_id"] if events else None


def _socket_url(clone: Any) -> str:
    app = WebClient(base_url=clone.api_url)
    return str(app.apps_connections_open(app_token=clone.tokens.app)["url"])


async def _next(ws: Any, timeout: float = 5.0) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    return message


async def _ack(ws: Any, envelope: dict[str, Any]) -> None:
    await ws.send(json.dumps({"envelope_id": envelope["envelope_id"]}))


def _socket_session(clone: Any, script: Any) -> Any:
    """Connect over Socket Mode, skip ``hello``, and run ``script(ws)``."""

    async def main() -> Any:
        async with websockets.connect(_socket_url(clone)) as ws:
            hello = await _next(ws)
            assert hello["type"] == "hello"
            return await script(ws)

    return asyncio.run(main())


def test_apps_connections_open_gives_a_loopback_websocket_url(ev: Any) -> None:
    url = _socket_url(ev)
    assert url.startswith(f"ws://127.0.0.1:{ev.record.port}/socket-mode/")


@pytest.mark.parametrize(
    ("token_kind", "error"),
    [
        pytest.param("bot", "invalid_auth", id="bot-token"),
        pytest.param("forged", "invalid_auth", id="unknown-xapp-token"),
    ],
)
def test_apps_connections_open_needs_the_app_token(ev: Any, token_kind: str, error: str) -> None:
    token = ev.tokens.bot if token_kind == "bot" else "xapp-1-A000-1-" + "0" * 64
    client = WebClient(base_url=ev.api_url)
    assert error_of(client.apps_connections_open, app_token=token) == error


def test_a_used_socket_mode_url_is_refused(ev: Any) -> None:
    url = _socket_url(ev)

    async def main() -> None:
        async with websockets.connect(url) as ws:
            assert (await _next(ws))["type"] == "hello"
        with pytest.raises(websockets.exceptions.InvalidStatus):
            async with websockets.connect(url):
                pass

    asyncio.run(main())


def test_mention_reaches_the_app_as_message_and_app_mention(ev: Any) -> None:
    bot = _bot(ev)
    bot.conversations_join(channel=GENERAL)
    bot_user = bot.auth_test()["user_id"]
    priya = _member(ev, "@priya")

    async def script(ws: Any) -> list[dict[str, Any]]:
        got = []
        while len(got) < 4:  # the bot's own join (message + member_joined_channel), then these
            envelope = await _next(ws)
            await _ack(ws, envelope)
            got.append(envelope)
            if len(got) == 2:
                await asyncio.to_thread(
                    priya.chat_postMessage, channel=GENERAL, text=f"<@{bot_user}> help"
                )
        return got

    envelopes = _socket_session(ev, script)
    events = {e["payload"]["event"]["type"]: e for e in envelopes[2:]}
    mention = events["app_mention"]["payload"]
    assert mention["event"]["user"] == PRIYA
    assert mention["event"]["text"] == f"<@{bot_user}> help"
    assert mention["event"]["channel"] == GENERAL
    message = events["message"]["payload"]["event"]
    assert message["channel_type"] == "channel"
    assert message["ts"] == mention["event"]["ts"]


def test_envelopes_carry_the_fields_the_spec_requires(ev: Any) -> None:
    bot = _bot(ev)
    bot.conversations_join(channel=GENERAL)

    async def script(ws: Any) -> list[dict[str, Any]]:
        first, second = await _next(ws), await _next(ws)
        await _ack(ws, first)
        await _ack(ws, second)
        return [first, second]

    for envelope in _socket_session(ev, script):
        assert envelope["type"] == "events_api"
        assert envelope["retry_attempt"] == 0
        assert envelope["accepts_response_payload"] is False
        payload = envelope["payload"]
        assert [k for k in WRAPPER_REQUIRED if k not in payload] == []
        assert payload["type"] == "event_callback"
        assert payload["event_id"].startswith("Ev")
        assert [k for k in EVENT_REQUIRED if k not in payload["event"]] == []
        assert payload["authorizations"][0]["user_id"] == bot.auth_test()["user_id"]


def test_an_unacknowledged_envelope_is_redelivered_with_the_same_event_id(ev: Any) -> None:
    _bot(ev).conversations_join(channel=GENERAL)

    async def script(ws: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        first = await _next(ws)
        other = await _next(ws)
        await _ack(ws, other)
        again = await _next(ws, timeout=5)  # after the 1 s ack timeout
        await _ack(ws, again)
        return first, again

    first, again = _socket_session(ev, script)
    assert again["payload"]["event_id"] == first["payload"]["event_id"]
    assert (again["retry_attempt"], again["retry_reason"]) == (1, "timeout")
    assert again["envelope_id"] != first["envelope_id"]


def test_events_in_channels_the_bot_is_not_in_are_recorded_not_delivered(ev: Any) -> None:
    bot = _bot(ev)
    priya = _member(ev, "@priya")
    before = _last(ev)
    priya.chat_postMessage(channel=ENGINEERING, text="not for the bot")  # bot not a member
    bot.conversations_join(channel=GENERAL)

    async def script(ws: Any) -> dict[str, Any]:
        envelope = await _next(ws)
        await _ack(ws, envelope)
        return envelope

    first = _socket_session(ev, script)
    assert first["payload"]["event"]["subtype"] == "channel_join"
    recorded = _recorded(ev, after=before)
    assert recorded[0]["payload"]["event"]["text"] == "not for the bot"
    assert recorded[0]["delivered"] is False


def test_a_failed_write_raises_no_event(ev: Any) -> None:
    before = _last(ev)
    bot = _bot(ev)
    assert error_of(bot.chat_postMessage, channel=ENGINEERING, text="hi") == "not_in_channel"
    assert _recorded(ev, after=before) == []


def test_reaction_added_has_the_documented_shape(ev: Any) -> None:
    priya = _member(ev, "@priya")
    ts = priya.chat_postMessage(channel=GENERAL, text="ship it")["ts"]
    before = _last(ev)
    _member(ev, "@marcus").reactions_add(channel=GENERAL, timestamp=ts, name="tada")
    [reaction] = _recorded(ev, after=before)
    assert reaction["payload"]["event"] == {
        "type": "reaction_added",
        "user": MARCUS,
        "reaction": "tada",
        "item_user": PRIYA,
        "item": {"type": "message", "channel": GENERAL, "ts": ts},
        "event_ts": reaction["payload"]["event"]["event_ts"],
    }


def test_an_edit_raises_message_changed_with_the_previous_text(ev: Any) -> None:
    priya = _member(ev, "@priya")
    ts = priya.chat_postMessage(channel=GENERAL, text="draft")["ts"]
    before = _last(ev)
    priya.chat_update(channel=GENERAL, ts=ts, text="final")
    [changed] = _recorded(ev, after=before)
    event = changed["payload"]["event"]
    assert (event["subtype"], event["hidden"]) == ("message_changed", True)
    assert (event["message"]["text"], event["previous_message"]["text"]) == ("final", "draft")
    assert event["message"]["edited"]["user"] == PRIYA


def test_a_delete_raises_message_deleted(ev: Any) -> None:
    priya = _member(ev, "@priya")
    ts = priya.chat_postMessage(channel=GENERAL, text="oops")["ts"]
    before = _last(ev)
    priya.chat_delete(channel=GENERAL, ts=ts)
    [deleted] = _recorded(ev, after=before)
    event = deleted["payload"]["event"]
    assert (event["subtype"], event["deleted_ts"]) == ("message_deleted", ts)
    assert event["previous_message"]["text"] == "oops"


def test_thread_broadcast_and_channel_lifecycle_events(ev: Any) -> None:
    priya = _member(ev, "@priya")
    root = priya.chat_postMessage(channel=GENERAL, text="root")["ts"]
    before = _last(ev)
    priya.chat_postMessage(channel=GENERAL, text="also here", thread_ts=root, reply_broadcast=True)
    channel = priya.conversations_create(name="launch-room")["channel"]["id"]
    priya.conversations_rename(channel=channel, name="launch-war-room")
    priya.conversations_archive(channel=channel)
    types = [(e["type"], e["payload"]["event"].get("subtype")) for e in _recorded(ev, after=before)]
    assert types == [
        ("message", "thread_broadcast"),
        ("channel_created", None),
        ("channel_rename", None),
        ("channel_archive", None),
    ]


def test_undelivered_events_queue_and_the_oldest_are_dropped(ev: Any) -> None:
    _bot(ev).conversations_join(channel=GENERAL)  # 2 events: channel_join + member_joined
    priya = _member(ev, "@priya")
    for n in range(8):
        priya.chat_postMessage(channel=GENERAL, text=f"queued {n}")

    async def script(ws: Any) -> list[str]:
        texts = []
        for _ in range(6):
            envelope = await _next(ws)
            await _ack(ws, envelope)
            texts.append(envelope["payload"]["event"].get("text"))
        return texts

    assert _socket_session(ev, script) == [f"queued {n}" for n in range(2, 8)]


def test_reset_clears_undelivered_events(ev: Any) -> None:
    bot = _bot(ev)
    bot.conversations_join(channel=GENERAL)
    ev.reset()
    assert _recorded(ev) == []
    bot.conversations_join(channel=ENGINEERING)

    async def script(ws: Any) -> dict[str, Any]:
        envelope = await _next(ws)
        await _ack(ws, envelope)
        return envelope

    assert _socket_session(ev, script)["payload"]["event"]["channel"] == ENGINEERING


def test_a_burst_of_acknowledged_events_is_recorded_as_delivered(ev: Any) -> None:
    _bot(ev).conversations_join(channel=GENERAL)  # 2 events: channel_join + member_joined
    priya = _member(ev, "@priya")
    for n in range(4):
        priya.chat_postMessage(channel=GENERAL, text=f"burst {n}")

    async def script(ws: Any) -> None:
        for _ in range(6):
            await _ack(ws, await _next(ws))

    _socket_session(ev, script)
    # Reading the events writes the acknowledgements gathered so far first; the
    # last one may still be on its way over the socket when the read arrives.
    deadline = time.monotonic() + 5
    while [e["delivered"] for e in _recorded(ev)] != [True] * 6 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [e["delivered"] for e in _recorded(ev)] == [True] * 6


def test_acknowledgements_reach_the_database_once_the_app_is_quiet(ev: Any) -> None:
    """Nobody reads the recorded events: the clone still writes the acknowledgements it
    gathered, in one go, about a second after the last one."""
    _bot(ev).conversations_join(channel=GENERAL)  # 2 events: channel_join + member_joined
    _member(ev, "@priya").chat_postMessage(channel=GENERAL, text="quietly acknowledged")

    async def script(ws: Any) -> None:
        for _ in range(3):
            await _ack(ws, await _next(ws))

    _socket_session(ev, script)

    def delivered() -> list[bool]:
        with psycopg.connect(postgres.server().dsn(ev.database)) as db:
            rows = db.execute("SELECT delivered FROM events ORDER BY seq").fetchall()
        return [bool(row[0]) for row in rows]

    deadline = time.monotonic() + 10
    while delivered() != [True] * 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert delivered() == [True] * 3


def test_acknowledgements_gathered_when_the_app_stops_are_written_first() -> None:
    """Nothing acknowledged is lost to a stop: the app writes what it gathered on its way
    down (here the quiet period is a minute, so only the stop can have written them)."""
    import asymkit

    os.environ["CLONE_EVENT_FLUSH_IDLE"] = "60"
    try:
        clone = asymkit.spin("slack", seed=asymkit.Fixture("acme-corp"))
    finally:
        os.environ.pop("CLONE_EVENT_FLUSH_IDLE")
    try:
        _bot(clone).conversations_join(channel=GENERAL)  # channel_join + member_joined

        async def script(ws: Any) -> None:
            for _ in range(2):
                await _ack(ws, await _next(ws))
            await asyncio.sleep(0.2)  # the acknowledgements reach the clone

        _socket_session(clone, script)
        clone.stop()
        with psycopg.connect(postgres.server().dsn(clone.database)) as db:
            rows = db.execute("SELECT delivered FROM events ORDER BY seq").fetchall()
        assert [bool(row[0]) for row in rows] == [True, True]
    finally:
        clone.destroy()


def test_an_event_awaiting_redelivery_is_dropped_by_a_reset(ev: Any) -> None:
    async def script(ws: Any) -> list[dict[str, Any]]:
        await asyncio.to_thread(_bot(ev).conversations_join, channel=GENERAL)
        await _next(ws)  # never acknowledged: due again after the 1 s ack timeout
        await _ack(ws, await _next(ws))
        await asyncio.to_thread(ev.reset)
        got = []
        with contextlib.suppress(asyncio.TimeoutError):
            while True:
                got.append(await _next(ws, timeout=2.5))
        return got

    assert _socket_session(ev, script) == []


def test_recorded_events_long_poll_until_one_is_raised(ev: Any) -> None:
    before = _last(ev)
    priya = _member(ev, "@priya")
    timer = threading.Timer(0.5, priya.chat_postMessage, kwargs={"channel": GENERAL, "text": "x"})
    timer.start()
    response = _admin(ev, "GET", "/clone/events", after=before or "", wait=10)
    timer.join()
    body = response.json()
    assert [e["payload"]["event"]["text"] for e in body["events"]] == ["x"]
    assert body["last"] == body["events"][-1]["event_id"]


def test_recorded_events_need_the_admin_secret(ev: Any) -> None:
    assert httpx.get(f"{ev.url}/clone/events", timeout=10).status_code == 401


def test_a_member_token_acts_as_that_member_and_survives_a_reset(ev: Any) -> None:
    priya = _member(ev, "@priya")
    ev.reset()
    assert priya.auth_test()["user_id"] == PRIYA


def test_a_member_token_for_an_unknown_member_is_404(ev: Any) -> None:
    response = _admin(ev, "POST", "/clone/tokens", {"kind": "user", "user": "@nobody"})
    assert (response.status_code, response.json()["error"]) == (404, "user_not_found")


class _Receiver:
    """A local Events API endpoint: answers the challenge, records signed POSTs."""

    def __init__(self, *, fail_first: int = 0, challenge: bool = True) -> None:
        self.posts: queue.Queue[tuple[dict[str, str], bytes]] = queue.Queue()
        receiver = self
        self.failures = fail_first

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                data = json.loads(body)
                if data.get("type") == "url_verification":
                    answer = data["challenge"] if challenge else "wrong"
                    self._answer(200, json.dumps({"challenge": answer}).encode())
                    return
                receiver.posts.put((dict(self.headers), body))
                if receiver.failures > 0:
                    receiver.failures -= 1
                    self._answer(500, b"")
                    return
                self._answer(200, b"")

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slack/events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def next(self) -> tuple[dict[str, str], bytes]:
        return self.posts.get(timeout=10)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    r = _Receiver()
    yield r
    r.close()


def _subscribe(clone: Any, url: str | None) -> httpx.Response:
    return _admin(clone, "POST", "/clone/events/subscription", {"url": url})


def test_http_events_are_signed_with_the_signing_secret(ev: Any, receiver: _Receiver) -> None:
    assert _subscribe(ev, receiver.url).json()["url"] == receiver.url
    _bot(ev).conversations_join(channel=GENERAL)
    headers, body = receiver.next()
    verifier = SignatureVerifier(ev.tokens.signing_secret)
    assert verifier.is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
    assert json.loads(body)["event"]["channel"] == GENERAL  # the join (HTTP posts run in parallel)


def test_a_failed_http_delivery_is_retried_with_retry_headers(ev: Any) -> None:
    receiver = _Receiver(fail_first=1)
    try:
        _subscribe(ev, receiver.url)
        _bot(ev).conversations_join(channel=GENERAL)  # two events; the first POST fails
        posts = [receiver.next() for _ in range(3)]
    finally:
        receiver.close()
    (first_headers, first), *rest = posts
    [(retry_headers, retry)] = [p for p in rest if "X-Slack-Retry-Num" in p[0]]
    assert "X-Slack-Retry-Num" not in first_headers
    assert (retry_headers["X-Slack-Retry-Num"], retry_headers["X-Slack-Retry-Reason"]) == (
        "1",
        "http_error",
    )
    assert json.loads(retry)["event_id"] == json.loads(first)["event_id"]


def test_a_url_that_fails_the_challenge_is_refused_and_the_old_one_stays(
    ev: Any, receiver: _Receiver
) -> None:
    _subscribe(ev, receiver.url)
    liar = _Receiver(challenge=False)
    try:
        response = _subscribe(ev, liar.url)
    finally:
        liar.close()
    assert (response.status_code, response.json()["error"]) == (400, "url_verification_failed")
    current = _admin(ev, "POST", "/clone/events/subscription", {})
    assert current.json()["url"] == receiver.url


def test_unknown_event_types_are_refused_with_the_known_ones(ev: Any) -> None:
    response = _admin(ev, "POST", "/clone/events/subscription", {"types": ["app_mentions"]})
    assert response.status_code == 400
    assert "app_mention" in response.json()["detail"]


def test_stopping_the_clone_sends_disconnect_first(events_clone: Any) -> None:
    url = _socket_url(events_clone)

    async def main() -> dict[str, Any]:
        async with websockets.connect(url) as ws:
            assert (await _next(ws))["type"] == "hello"
            stopping = asyncio.create_task(asyncio.to_thread(events_clone.stop))
            try:
                return await _next(ws)
            finally:
                await stopping

    try:
        assert asyncio.run(main())["type"] == "disconnect"
    finally:
        events_clone.start()


def _first_delivered(clone: Any) -> dict[str, Any]:
    async def script(ws: Any) -> dict[str, Any]:
        envelope = await _next(ws)
        await _ack(ws, envelope)
        return envelope

    event: dict[str, Any] = _socket_session(clone, script)["payload"]["event"]
    return event


def test_a_direct_message_to_the_bot_reaches_it_as_message_im(ev: Any) -> None:
    bot_user = _bot(ev).auth_test()["user_id"]
    priya = _member(ev, "@priya")
    dm = priya.conversations_open(users=bot_user)["channel"]["id"]
    priya.chat_postMessage(channel=dm, text="can you help?")
    event = _first_delivered(ev)
    assert (event["channel"], event["channel_type"], event["text"]) == (dm, "im", "can you help?")


def test_the_bots_own_messages_are_delivered_with_bot_id(ev: Any) -> None:
    bot = _bot(ev)
    bot.conversations_join(channel=GENERAL)
    ts = bot.chat_postMessage(channel=GENERAL, text="beep")["ts"]

    async def script(ws: Any) -> dict[str, Any]:
        while True:
            envelope = await _next(ws)
            await _ack(ws, envelope)
            if envelope["payload"]["event"].get("ts") == ts:
                return dict(envelope["payload"]["event"])

    event = _socket_session(ev, script)
    assert event["bot_id"] == bot.auth_test()["bot_id"]
    assert event["user"] == bot.auth_test()["user_id"]


def test_me_message_and_file_share_subtypes(ev: Any) -> None:
    priya = _member(ev, "@priya")
    before = _last(ev)
    priya.chat_meMessage(channel=GENERAL, text="waves")
    priya.files_upload_v2(channel=GENERAL, content=b"a,b\n1,2\n", filename="t.csv", title="T")
    events = [e["payload"]["event"] for e in _recorded(ev, after=before)]
    assert [e.get("subtype") for e in events] == ["me_message", "file_share"]
    assert events[1]["files"][0]["name"] == "t.csv"


def test_pin_added_names_the_pinned_message(ev: Any) -> None:
    priya = _member(ev, "@priya")
    ts = priya.chat_postMessage(channel=GENERAL, text="pin me")["ts"]
    before = _last(ev)
    priya.pins_add(channel=GENERAL, timestamp=ts)
    [pin] = _recorded(ev, after=before)
    event = pin["payload"]["event"]
    assert (event["type"], event["channel_id"], event["user"]) == ("pin_added", GENERAL, PRIYA)
    assert event["item"]["message"]["ts"] == ts


def test_only_subscribed_types_are_delivered(ev: Any) -> None:
    bot = _bot(ev)
    _admin(ev, "POST", "/clone/events/subscription", {"types": ["app_mention"]})
    try:
        bot.conversations_join(channel=GENERAL)  # message.channels + member_joined: not wanted
        bot_user = bot.auth_test()["user_id"]
        _member(ev, "@priya").chat_postMessage(channel=GENERAL, text=f"<@{bot_user}> hi")
        assert _first_delivered(ev)["type"] == "app_mention"
    finally:
        _admin(ev, "POST", "/clone/events/subscription", {"types": None})


def test_two_connections_share_the_events(ev: Any) -> None:
    first_url, second_url = _socket_url(ev), _socket_url(ev)

    async def main() -> list[str]:
        async with websockets.connect(first_url) as one, websockets.connect(second_url) as two:
            for ws in (one, two):
                assert (await _next(ws))["type"] == "hello"
            await asyncio.to_thread(_bot(ev).conversations_join, channel=GENERAL)
            got = []
            for ws in (one, two):  # two events, one each
                envelope = await _next(ws)
                await _ack(ws, envelope)
                got.append(envelope["payload"]["event"]["type"])
            return got

    assert sorted(asyncio.run(main())) == ["member_joined_channel", "message"]


def test_null_types_restore_the_default_set(ev: Any) -> None:
    _admin(ev, "POST", "/clone/events/subscription", {"types": ["app_mention"]})
    response = _admin(ev, "POST", "/clone/events/subscription", {"types": None})
    assert response.json()["types"] == [
        "message.channels",
        "message.im",
        "app_mention",
        "reaction_added",
        "member_joined_channel",
    ]
