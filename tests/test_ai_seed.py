"""AI seeds: cassettes replayed through the clone's REST API, verified, restored by reset."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import msgpack
import pytest
from fake_anthropic import API_KEY, FakeAnthropic
from slack_sdk import WebClient

import asymkit
from asymkit import cassette as cs
from asymkit import fingerprint as fp
from asymkit import postgres
from asymkit.cli import main

ROOT = Path(__file__).parent.parent
SMALL = ROOT / "cassettes" / "startup-small.msgpack"


@pytest.fixture
def empty() -> Any:
    with asymkit.spin("slack") as clone:
        yield clone


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """A private copy of the committed small cassette, without its replay fingerprint."""
    path = tmp_path / "small.msgpack"
    attrs.evolve(cs.load(SMALL), replay_fingerprint=None).save(path)
    return path


def state(clone: Any) -> str:
    return fp.fingerprint(postgres.server(), clone.database, clone.template)


def test_replay_with_no_key_and_mode_none_seeds_what_slack_sdk_sees(
    empty: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["seed", empty.id, "--cassette", str(SMALL), "--record-mode", "none"]) == 0
    assert capsys.readouterr().out.startswith(f"✓ seeded {empty.id}  (ai: 19 (0 rejected))")
    web = WebClient(token=empty.tokens.user, base_url=empty.api_url)
    assert web.auth_test()["team"] == "Lumen Labs"
    assert web.auth_test()["user"] == "maya"
    handles = {m["name"] for m in web.users_list()["members"] if not m["is_bot"]}
    assert handles == {"maya", "dev", "ines", "sam"}
    channels = {
        c["name"]: c
        for c in web.conversations_list(types="public_channel,private_channel")["channels"]
    }
    assert set(channels) == {"general", "eng", "founders"}
    assert channels["founders"]["is_private"]
    eng = web.conversations_history(channel=channels["eng"]["id"])["messages"]
    parent = next(m for m in eng if m.get("reply_count"))
    assert parent["reply_count"] == 2
    thread = web.conversations_replies(channel=channels["eng"]["id"], ts=parent["ts"])
    assert [m["text"][:5] for m in thread["messages"]] == ["Migra", "Nice.", "Low. "]


def test_two_fresh_clones_from_one_cassette_have_one_fingerprint(
    small: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with asymkit.spin("slack") as first, asymkit.spin("slack") as second:
        report = first.seed(ai=asymkit.AISeed(cassette=small))
        assert report.ai is not None and report.ai.verified is None  # recording replay
        recorded = cs.load(small).replay_fingerprint
        assert recorded == state(first)
        assert main(["seed", second.id, "--cassette", str(small), "--record-mode", "none"]) == 0
        assert "  replay verified" in capsys.readouterr().out
        assert state(second) == state(first)


def test_reset_replays_the_cassette_without_calling_anthropic(small: Path, empty: Any) -> None:
    empty.seed(ai=asymkit.AISeed(cassette=small))
    before = state(empty)
    web = WebClient(token=empty.tokens.user, base_url=empty.api_url)
    general = next(c["id"] for c in web.conversations_list()["channels"] if c["name"] == "general")
    web.chat_postMessage(channel=general, text="agent was here")
    code = (
        "import sys; from asymkit.cli import main; rc = main(['reset', sys.argv[1]]);"
        " print('anthropic loaded' if 'anthropic' in sys.modules else 'anthropic untouched');"
        " sys.exit(rc)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, empty.id],
        capture_output=True,
        text=True,
        env={
            **__import__("os").environ,
            "ANTHROPIC_API_KEY": API_KEY,
            "ANTHROPIC_BASE_URL": "http://127.0.0.1:9",
        },
    )
    assert done.returncode == 0, done.stderr
    assert "anthropic untouched" in done.stdout
    assert state(empty) == before
    assert WebClient(token=empty.tokens.user, base_url=empty.api_url).auth_test()["user"] == "maya"


def test_fixture_then_ai_layer_and_reset_restores_both(
    small: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with asymkit.spin("slack") as clone:
        assert (
            main(
                [
                    "seed",
                    clone.id,
                    "--fixture",
                    "acme-corp",
                    "--ai",
                    "--cassette",
                    str(small),
                    "--record-mode",
                    "none",
                ]
            )
            == 0
        )
        assert capsys.readouterr().out.startswith(
            f"✓ seeded {clone.id}  (fixture: 268 rows · ai: 19 (0 rejected))"
        )
        layered = state(clone)
        web = WebClient(token=clone.tokens.user, base_url=clone.api_url)
        assert web.auth_test()["team"] == "Acme Corp"  # the fixture's workspace is kept
        names = {m["name"] for m in web.users_list()["members"]}
        assert {"dana", "maya", "sam"} <= names
        clone.reset()
        assert state(clone) == layered
        assert clone.seed_spec.fixture == "acme-corp" and len(clone.seed_spec.ai) == 1


def test_no_key_and_no_cassette_skips_ai_but_applies_the_fixture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    with asymkit.spin("slack") as clone:
        assert main(["seed", clone.id, "--fixture", "acme-corp", "--ai"]) == 0
        out = capsys.readouterr().out
        assert out.startswith(f"✓ seeded {clone.id}  (fixture: 268 rows)")
        assert "! AI seeding skipped: ANTHROPIC_API_KEY is not set" in out
        assert asymkit.Clone.get(clone.id).seed_spec == asymkit.SeedSpec(fixture="acme-corp")
    assert not (tmp_path / "cassettes").exists()


def test_generation_records_a_cassette_then_once_replays_it(
    empty: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    fake = FakeAnthropic()
    report = empty.seed(ai=asymkit.AISeed(volume="small", client=fake.client()))
    assert report.ai is not None and report.ai.rejected == 0 and report.ai.written == 19
    recorded = Path(report.ai.cassette)
    assert recorded.parent == tmp_path / "cassettes" and recorded.name.startswith("slack-small-")
    calls = len(fake.requests)
    raw = recorded.read_bytes()
    for secret in (API_KEY, empty.tokens.bot, empty.tokens.user, empty.record.admin_secret):
        assert secret.encode() not in raw
    assert cs.load(recorded).replay_fingerprint == state(empty)
    with asymkit.spin("slack") as again:
        replayed = again.seed(ai=asymkit.AISeed(volume="small", client=fake.client()))
        assert replayed.ai is not None and replayed.ai.verified is True
    assert len(fake.requests) == calls  # `once` found the cassette: no new call


def test_mode_none_never_reaches_anthropic(empty: Any, tmp_path: Path) -> None:
    fake = FakeAnthropic()
    with pytest.raises(asymkit.CassetteInvalid, match="only replays"):
        empty.seed(
            ai=asymkit.AISeed(
                cassette=tmp_path / "missing.msgpack", record_mode="none", client=fake.client()
            )
        )
    assert fake.requests == []


def test_a_request_that_differs_from_the_cassette_names_the_difference(
    empty: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "seed",
                empty.id,
                "--cassette",
                str(SMALL),
                "--volume",
                "large",
                "--record-mode",
                "none",
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert "[CASSETTE_MISMATCH]" in err and "volume 'small' was recorded but 'large'" in err
    assert asymkit.Clone.get(empty.id).seed_spec == asymkit.SeedSpec()


def test_bad_records_are_rejected_exactly_and_the_rest_is_seeded(
    empty: Any, tmp_path: Path
) -> None:
    data = json.loads((ROOT / "cassettes" / "src" / "startup-small.json").read_text())
    data["users"].append(dict(data["users"][1], email="other@lumen.test"))  # duplicate handle
    data["channels"].append({"name": "Bad Name!", "members": ["maya"]})
    data["messages"] += [
        {"channel": "nowhere", "author": "maya", "text": "lost"},
        {"channel": "general", "author": "maya", "text": "orphan", "reply_to": 99},
        {"channel": "general", "author": "maya"},
    ]
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(data))
    cassette = tmp_path / "bad.msgpack"
    assert main(["cassette", "pack", str(source), "-o", str(cassette)]) == 0
    report = empty.seed(ai=asymkit.AISeed(cassette=cassette))
    assert report.ai is not None
    assert report.ai.written == 19 and report.ai.rejected == 5
    assert report.ai.warnings == (
        "join dev: 409 name_taken",
        "channel Bad Name!: invalid_name_specials",
        "message #14: missing or empty 'text'",
        "message #12 in nowhere: unknown channel",
        "message #13 in general: reply_to 99 is not an earlier message",
    )
    lines = report.summary().splitlines()
    assert lines[0] == (
        f"✓ seeded {empty.id}  (ai: 19 (5 rejected, first: join dev: 409 name_taken))"
    )
    assert lines[1:] == [f"  ! {w}" for w in report.ai.warnings]


def test_cassette_show_export_and_pack_round_trip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cassette", "show", str(SMALL)]) == 0
    shown = capsys.readouterr().out
    assert "hand-written" in shown and "4 users · 3 channels · 12 messages" in shown
    assert main(["cassette", "export", str(SMALL)]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["provenance"]["source"] == "hand-written"
    assert exported["provenance"]["model"] is None
    (tmp_path / "d.json").write_text(json.dumps(exported["dataset"]))
    assert (
        main(["cassette", "pack", str(tmp_path / "d.json"), "-o", str(tmp_path / "again.msgpack")])
        == 0
    )
    assert cs.load(tmp_path / "again.msgpack").dataset == cs.load(SMALL).dataset


def _damaged(path: Path, kind: str) -> None:
    raw = SMALL.read_bytes()
    data = msgpack.unpackb(raw)
    if kind == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif kind == "garbage":
        path.write_bytes(b"\xc1" * 64)
    elif kind == "not-a-cassette":
        path.write_bytes(msgpack.packb({"hello": "world"}))
    elif kind == "future-version":
        path.write_bytes(msgpack.packb({**data, "version": 99}))
    elif kind == "edited-dataset":  # the blob changed, its digest not
        dataset = msgpack.unpackb(data["dataset"])
        dataset["messages"][0]["text"] = "tampered"
        path.write_bytes(msgpack.packb({**data, "dataset": msgpack.packb(dataset)}))
    elif kind == "oversized":
        with open(path, "wb") as fh:
            fh.truncate(cs.MAX_BYTES + 1)
    elif kind == "deep-nesting":
        path.write_bytes(b"\x91" * 100_000 + b"\xc0")


@pytest.mark.parametrize(
    "kind",
    [
        "truncated",
        "garbage",
        "not-a-cassette",
        "future-version",
        "edited-dataset",
        "oversized",
        "deep-nesting",
    ],
)
def test_a_damaged_cassette_is_cassette_invalid(
    kind: str, tmp_path: Path, empty: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / f"{kind}.msgpack"
    _damaged(path, kind)
    before = state(empty)
    assert main(["seed", empty.id, "--cassette", str(path), "--record-mode", "none"]) == 1
    err = capsys.readouterr().err
    assert "[CASSETTE_INVALID]" in err and "Traceback" not in err and err.count("\n") == 1
    assert state(empty) == before


@pytest.mark.parametrize(
    ("name", "written"),
    [
        pytest.param("startup-small", 19, id="small"),
        pytest.param("support-medium", 30, id="medium"),
        pytest.param("agency-large", 43, id="large"),
        pytest.param("company-500", 520, id="500-messages"),
    ],
)
def test_committed_cassettes_replay_offline_and_verify(name: str, written: int) -> None:
    path = ROOT / "cassettes" / f"{name}.msgpack"
    cassette = cs.load(path)
    assert cassette.provenance.source in ("hand-written", "script")
    assert cassette.provenance.model is None and cassette.replay_fingerprint
    with asymkit.spin("slack") as clone:
        report = clone.seed(ai=asymkit.AISeed(cassette=path, record_mode="none"))
    assert report.ai is not None
    assert (report.ai.written, report.ai.rejected, report.ai.verified) == (written, 0, True)


@pytest.fixture(scope="module")
def acme_to_layer_on() -> Any:
    """An acme-corp clone of its own: layering changes its last seed, which `acme` resets to."""
    with asymkit.spin("slack", seed=asymkit.Fixture("acme-corp")) as clone:
        yield clone


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, id=p.stem) for p in sorted((ROOT / "cassettes").glob("*.msgpack"))],
)
def test_every_bundled_cassette_layers_over_acme_corp_with_none_rejected(
    path: Path, acme_to_layer_on: Any
) -> None:
    report = acme_to_layer_on.seed(
        "acme-corp", ai=asymkit.AISeed(cassette=path, record_mode="none")
    )
    assert report.ai is not None
    assert (report.ai.rejected, report.ai.warnings) == (0, ())


def test_spin_with_fixture_and_cassette_reports_both_as_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (
        main(
            [
                "spin",
                "slack",
                "--seed",
                "acme-corp",
                "--ai",
                "--cassette",
                str(SMALL),
                "--record-mode",
                "none",
                "--json",
            ]
        )
        == 0
    )
    info = json.loads(capsys.readouterr().out)
    try:
        assert info["fixture"] == {"name": "acme-corp", "rows": 268}
        assert info["ai"]["written"] == 19 and info["ai"]["rejected"] == 0
        assert info["ai"]["cassette"] == str(SMALL)
        assert info["seed"]["fixture"] == "acme-corp" and len(info["seed"]["ai"]) == 1
        assert info["api_url"].endswith("/api/") and info["tokens"]["bot"].startswith("xoxb-")
    finally:
        asymkit.Clone.get(info["id"]).destroy()


def test_a_bad_cassette_is_refused_before_the_fixture_touches_the_clone(
    acme: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    before = state(acme)
    assert (
        main(
            [
                "seed",
                acme.id,
                "--fixture",
                "acme-corp",
                "--cassette",
                str(SMALL),
                "--volume",
                "large",
                "--record-mode",
                "none",
            ]
        )
        == 1
    )
    assert "[CASSETTE_MISMATCH]" in capsys.readouterr().err
    assert state(acme) == before
    assert asymkit.Clone.get(acme.id).seed_spec == asymkit.SeedSpec(fixture="acme-corp")


def test_spin_with_a_missing_cassette_in_mode_none_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from asymkit import registry

    before = registry.read()
    assert (
        main(
            [
                "spin",
                "slack",
                "--seed",
                "acme-corp",
                "--cassette",
                str(tmp_path / "nope.msgpack"),
                "--record-mode",
                "none",
            ]
        )
        == 1
    )
    assert "[CASSETTE_INVALID]" in capsys.readouterr().err
    assert registry.read() == before
