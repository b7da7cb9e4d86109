"""Generation through the real anthropic SDK, with the API mocked at the HTTP level."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx2
import pytest
from fake_anthropic import API_KEY, FakeAnthropic, reply, roster, status

import asymkit
from asymkit import cassette as cs
from asymkit.seeders.slack import generate
from asymkit.seeders.slack.dataset import Invalid


def request(**kw: Any) -> cs.Request:
    return generate.request_for(
        "slack", brief=kw.pop("brief", None), volume=kw.pop("volume", None), **kw
    )


@pytest.mark.parametrize(
    ("volume", "counts"),
    [
        pytest.param("small", (4, 3, 12), id="small"),
        pytest.param(None, (6, 4, 20), id="medium-default"),
        pytest.param("large", (8, 5, 30), id="large"),
    ],
)
def test_volumes_give_the_documented_counts(
    volume: str | None, counts: tuple[int, int, int]
) -> None:
    fake = FakeAnthropic()
    got = generate.generate(request(volume=volume), client=fake.client())
    assert tuple(got.dataset.counts().values()) == counts
    assert got.request.brief == "a small, fast-moving software startup."
    assert got.request.model == "claude-haiku-4-5"
    assert all(r["model"] == "claude-haiku-4-5" for r in fake.requests)


def test_provenance_records_the_replies_and_usage() -> None:
    fake = FakeAnthropic()
    got = generate.generate(request(volume="small"), client=fake.client())
    prov = got.provenance
    assert prov.source == "anthropic" and prov.model == "claude-haiku-4-5"
    assert len(prov.reply_ids) == len(fake.requests) == 1 + 3
    assert prov.input_tokens == 100 * len(fake.requests)
    assert set(prov.stop_reasons) == {"tool_use"}


def test_a_500_message_dataset_is_generated_in_chunks() -> None:
    fake = FakeAnthropic()
    got = generate.generate(request(users=8, channels=5, messages=500), client=fake.client())
    assert got.request.volume == "custom"
    assert got.dataset.counts()["messages"] == 500
    assert max(fake.asked_sizes()) <= generate.CHUNK
    assert sum(fake.asked_sizes()) == 500
    replies = [m for m in got.dataset.messages if m.reply_to is not None]  # type: ignore[union-attr]
    assert replies and all(
        got.dataset.messages[m.reply_to].channel == m.channel
        for m in replies  # type: ignore[union-attr, index]
    )


def test_a_truncated_chunk_is_split_and_asked_again() -> None:
    def truncate_first_messages_call(body: dict[str, Any], n: int) -> httpx2.Response | None:
        if n == 2:
            return reply(
                {"messages": [{"author": "maya", "text": "cut"}]},
                "write_messages",
                stop="max_tokens",
            )
        return None

    fake = FakeAnthropic(truncate_first_messages_call)
    got = generate.generate(request(volume="small"), client=fake.client(), workers=1)
    assert got.dataset.counts()["messages"] == 12
    assert "cut" not in [m.text for m in got.dataset.messages]  # type: ignore[union-attr]
    assert fake.asked_sizes()[:3] == [4, 2, 2]
    assert "max_tokens" in got.provenance.stop_reasons


def test_a_truncated_roster_is_an_error_not_data() -> None:
    fake = FakeAnthropic(lambda body, n: reply(roster(2, 1), "write_roster", stop="max_tokens"))
    with pytest.raises(asymkit.GenerationFailed, match="cut off at max_tokens"):
        generate.generate(request(volume="small"), client=fake.client())


def test_an_answer_without_the_tool_call_is_an_error() -> None:
    def text_only(body: dict[str, Any], n: int) -> httpx2.Response:
        return httpx2.Response(
            200,
            json={
                "id": "msg_x",
                "type": "message",
                "role": "assistant",
                "model": "claude-haiku-4-5",
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "content": [{"type": "text", "text": "Sure! Here is a workspace..."}],
                "usage": {"input_tokens": 1, "output_tokens": 1},
            },
        )

    with pytest.raises(asymkit.GenerationFailed, match="without calling write_roster"):
        generate.generate(request(volume="small"), client=FakeAnthropic(text_only).client())


def test_malformed_records_are_kept_as_rejections_not_failures() -> None:
    def bad_roster(body: dict[str, Any], n: int) -> httpx2.Response | None:
        if n == 1:
            data = roster(4, 3)
            data["users"][1] = {"real_name": "No Handle"}
            return reply(data, "write_roster")
        return None

    got = generate.generate(request(volume="small"), client=FakeAnthropic(bad_roster).client())
    assert isinstance(got.dataset.users[1], Invalid)
    assert "handle" in got.dataset.users[1].reason


def test_429_then_success_is_retried_by_the_sdk() -> None:
    fake = FakeAnthropic(
        lambda body, n: (
            status(429, "rate_limit_error", **{"retry-after-ms": "5"}) if n == 1 else None
        )
    )
    got = generate.generate(request(volume="small"), client=fake.client())
    assert got.dataset.counts()["users"] == 4
    assert len(fake.requests) == 1 + 1 + 3


def test_529_exhaustion_is_llm_unavailable() -> None:
    fake = FakeAnthropic(lambda body, n: status(529, "overloaded_error", **{"retry-after-ms": "5"}))
    with pytest.raises(asymkit.LLMUnavailable, match="answered 529 after retries"):
        generate.generate(request(volume="small"), client=fake.client(max_retries=2))
    assert len(fake.requests) == 3


def test_401_is_llm_unavailable_naming_the_key() -> None:
    fake = FakeAnthropic(lambda body, n: status(401, "authentication_error"))
    with pytest.raises(asymkit.LLMUnavailable, match="ANTHROPIC_API_KEY"):
        generate.generate(request(volume="small"), client=fake.client())
    assert len(fake.requests) == 1


def test_the_key_never_lands_in_the_cassette(tmp_path: Path) -> None:
    fake = FakeAnthropic()
    got = generate.generate(request(volume="small"), client=fake.client())
    assert any(API_KEY in v for v in fake.headers[0].values())  # it was really sent...
    path = tmp_path / "c.msgpack"
    got.save(path)
    raw = path.read_bytes()
    assert API_KEY.encode() not in raw and b"sk-ant" not in raw  # ...and never stored
    assert cs.load(path).dataset == got.dataset


def test_403_is_llm_unavailable_naming_the_model() -> None:
    fake = FakeAnthropic(lambda body, n: status(403, "permission_error"))
    with pytest.raises(asymkit.LLMUnavailable, match="denied access to claude-haiku-4-5"):
        generate.generate(request(volume="small"), client=fake.client())


def test_an_unreachable_api_is_llm_unavailable() -> None:
    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("connection refused", request=request)

    import anthropic

    client = anthropic.Anthropic(
        api_key=API_KEY,
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(refuse)),
    )
    with pytest.raises(asymkit.LLMUnavailable, match="Cannot reach the Anthropic API"):
        generate.generate(request(volume="small"), client=client)
