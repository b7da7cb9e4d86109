"""The ``asymkit`` command as a real process: JSON, one-line errors, pipes, the server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

import asymkit
from asymkit import cassette as cs
from asymkit import packing, paths, postgres, registry
from asymkit.cli import main
from asymkit.paths import home

ROOT = Path(__file__).parent.parent
SMALL = ROOT / "cassettes" / "startup-small.msgpack"


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python -m asymkit.cli`` in its own process, stdout and stderr captured (not a TTY)."""
    return subprocess.run(
        [sys.executable, "-m", "asymkit.cli", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


def json_of(done: subprocess.CompletedProcess[str]) -> Any:
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no progress bar, warning or noise in a pipe
    return json.loads(done.stdout)


def test_spin_seed_reset_destroy_speak_json() -> None:
    spun = json_of(run_cli("spin", "slack", "--seed", "acme-corp", "--json"))
    clone_id = spun["id"]
    try:
        assert spun["fixture"] == {"name": "acme-corp", "rows": spun["fixture"]["rows"]}
        seeded = json_of(
            run_cli("seed", clone_id, "--cassette", str(SMALL), "--record-mode", "none", "--json")
        )
        assert seeded["id"] == clone_id
        assert seeded["ai"]["written"] > 0 and seeded["ai"]["rejected"] == 0
        web = WebClient(token=spun["tokens"]["bot"], base_url=spun["api_url"])
        before = web.users_list()["members"]
        web.conversations_create(name="scratch-after-seed")

        reset = json_of(run_cli("reset", clone_id, "--json"))
        assert reset["id"] == clone_id and reset["strategy"] == "snapshot"
        assert reset["seed"]["fixture"] == "acme-corp" and len(reset["seed"]["ai"]) == 1
        assert web.users_list()["members"] == before
        names = [c["name"] for c in web.conversations_list()["channels"]]
        assert "scratch-after-seed" not in names
    finally:
        destroyed = json_of(run_cli("destroy", clone_id, "--json"))
    assert destroyed == {"id": clone_id, "destroyed": True}
    assert clone_id not in registry.read().clones


def test_a_named_error_is_one_line_on_stderr_and_exit_1() -> None:
    done = run_cli("reset", "slack-zzzz")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("error: No clone 'slack-zzzz' in ASYMKIT_HOME=")
    assert done.stderr.rstrip().endswith("[CLONE_NOT_FOUND]")


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["status"], id="status"),
        pytest.param(["ls", "--templates"], id="ls-templates"),
        pytest.param(["cassette", "export", str(SMALL)], id="cassette-export"),
    ],
)
def test_a_reader_that_stops_early_gets_no_broken_pipe_traceback(argv: list[str]) -> None:
    """``asymkit status | head -1``: the reader is gone before we write."""
    with subprocess.Popen(
        [sys.executable, "-m", "asymkit.cli", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 141
    assert err == ""


def test_host_beyond_loopback_warns_in_one_line() -> None:
    done = run_cli("spin", "notes", "--seed", "demo", "--host", "0.0.0.0", "--json")
    assert done.returncode == 0, done.stderr
    clone_id = json.loads(done.stdout)["id"]
    asymkit.Clone.get(clone_id).destroy()
    assert done.stderr.count("\n") == 1
    assert "--host 0.0.0.0" in done.stderr and "reachable from the network" in done.stderr


def test_loopback_spin_prints_no_warning() -> None:
    done = run_cli("spin", "notes", "--seed", "demo", "--host", "127.0.0.1", "--json")
    clone_id = json_of(done)["id"]
    asymkit.Clone.get(clone_id).destroy()


def test_server_status_on_a_fresh_home_reports_and_starts_nothing(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh-home"
    info = json_of(run_cli("server", "status", "--json", env={"ASYMKIT_HOME": str(fresh)}))
    assert info["embedded"] is True and info["running"] is False and info["clones"] == []
    assert not (fresh / paths.EMBEDDED_DIR / "postmaster.pid").exists()


def test_server_status_of_the_running_server_names_it_and_restarts_nothing() -> None:
    pid_file = home() / paths.EMBEDDED_DIR / "postmaster.pid"
    postgres.server()
    pid = int(pid_file.read_text().splitlines()[0])
    info = json_of(run_cli("server", "status", "--json"))
    assert info["running"] is True and info["pid"] == pid
    assert int(pid_file.read_text().splitlines()[0]) == pid


def test_server_status_never_prints_the_external_password() -> None:
    url = "postgresql://agent:s3cret-pw@127.0.0.1:1/evals"
    done = run_cli("server", "status", "--json", env={"ASYMKIT_DATABASE_URL": url})
    info = json_of(done)
    assert "s3cret-pw" not in done.stdout
    assert info["embedded"] is False and info["running"] is False
    assert "127.0.0.1" in info["url"] and "evals" in info["url"]
    human = run_cli("server", "status", env={"ASYMKIT_DATABASE_URL": url})
    assert human.returncode == 0 and "s3cret-pw" not in human.stdout + human.stderr


def test_server_stop_refuses_while_clones_run(
    acme: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    pid_file = home() / paths.EMBEDDED_DIR / "postmaster.pid"
    pid = pid_file.read_text().splitlines()[0]
    assert main(["server", "stop"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "[INVALID_ARGUMENT]" in err
    assert acme.id in err and "--force" in err
    assert pid_file.read_text().splitlines()[0] == pid
    assert asymkit.Clone.get(acme.id).status() == "running"


def test_server_stop_force_stops_the_clones_then_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASYMKIT_HOME", str(tmp_path / "home"))
    clone = asymkit.spin("notes", seed="demo")
    try:
        assert main(["server", "stop", "--force", "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out == {"stopped": True, "clones_stopped": [clone.id]}
        assert asymkit.Clone.get(clone.id).status() == "stopped"
        assert main(["server", "status", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["running"] is False
    finally:
        asymkit.Clone.get(clone.id).destroy()
        postgres.stop_embedded()


def test_cassette_pack_reads_what_cassette_export_writes(tmp_path: Path) -> None:
    exported = tmp_path / "exported.json"
    done = run_cli("cassette", "export", str(SMALL))
    assert done.returncode == 0, done.stderr
    exported.write_text(done.stdout)
    again = tmp_path / "again.msgpack"
    packed = run_cli("cassette", "pack", str(exported), "-o", str(again))
    assert packed.returncode == 0, packed.stderr
    assert packed.stdout.startswith(f"✓ packed {again}  (4 users · 3 channels · 12 messages)")
    assert cs.load(again) == cs.load(SMALL)


def test_an_edited_export_keeps_its_request_and_says_it_was_edited(tmp_path: Path) -> None:
    data = cs.load(SMALL).to_json()
    data["dataset"]["messages"].append({"channel": "general", "author": "maya", "text": "Hi!"})
    original = cs.load(SMALL)
    packed = packing.pack(data, tmp_path / "edited.msgpack")
    assert packed.request.volume == original.request.volume
    assert packed.request.brief == original.request.brief
    assert packed.request.messages == original.request.messages + 1
    assert packed.provenance.source == "hand-edited"
    assert original.provenance.source in packed.provenance.note
    assert packed.replay_fingerprint is None
    assert cs.load(tmp_path / "edited.msgpack") == packed


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(
            lambda p: p.write_text("[" * 20_000 + "]" * 20_000),
            "levels deep",
            id="nested-20000-deep",
        ),
        pytest.param(lambda p: p.mkdir(), "is a directory", id="a-directory"),
        pytest.param(lambda p: os.mkfifo(p), "is a FIFO", id="a-fifo"),
        pytest.param(lambda p: p.write_text("[1, 2]"), "expected a JSON object", id="a-list"),
        pytest.param(lambda p: p.write_text("{not json"), "Cannot read dataset", id="not-json"),
        pytest.param(lambda p: None, "No dataset at", id="missing"),
    ],
)
def test_cassette_pack_refuses_bad_input_in_one_line(
    tmp_path: Path, make: Any, message: str
) -> None:
    source = tmp_path / "input.json"
    make(source)
    done = run_cli("cassette", "pack", str(source), "-o", str(tmp_path / "out.msgpack"), timeout=30)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "[CASSETTE_INVALID]" in done.stderr
    assert message in done.stderr
    assert not (tmp_path / "out.msgpack").exists()


def test_ctrl_c_during_spin_is_exit_130_and_one_line() -> None:
    before = set(registry.read().clones)
    with subprocess.Popen(
        [sys.executable, "-m", "asymkit.cli", "spin", "slack", "--seed", "acme-corp"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    ) as proc:
        deadline = time.monotonic() + 60
        while set(registry.read().clones) == before and proc.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        proc.send_signal(signal.SIGINT)  # the clone is reserved: spin is under way
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err == "interrupted\n" and out == ""


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        pytest.param("not a url s3cret-pw", "cannot be read", id="not-a-url"),
        pytest.param(
            "postgresql://agent:s3cret-pw@127.0.0.1:notaport/evals", "port", id="bad-port"
        ),
    ],
)
def test_server_status_says_what_is_wrong_with_the_database_url(url: str, problem: str) -> None:
    done = run_cli("server", "status", "--json", env={"ASYMKIT_DATABASE_URL": url})
    info = json_of(done)
    assert info["running"] is False and problem in info["problem"]
    assert "s3cret-pw" not in done.stdout


def test_stop_and_start_report_json(acme: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stop", acme.id, "--json"]) == 0
    stopped = json.loads(capsys.readouterr().out)
    assert stopped["id"] == acme.id and stopped["status"] == "stopped"
    assert main(["start", acme.id, "--json"]) == 0
    started = json.loads(capsys.readouterr().out)
    assert started["status"] == "running" and started["api_url"].endswith("/api/")
    web = WebClient(token=started["tokens"]["bot"], base_url=started["api_url"])
    assert web.auth_test()["team"] == "Acme Corp"
    acme.record = asymkit.Clone.get(acme.id).record


def test_env_create_and_destroy_report_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["env", "create", "json-env", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"name": "json-env", "state": "ok", "clones": []}
    assert main(["env", "destroy", "json-env", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "env": "json-env",
        "destroyed": [],
        "errors": [],
    }
    assert "json-env" not in registry.read().environments


def test_cassette_show_json_is_the_export_without_the_dataset() -> None:
    shown = json_of(run_cli("cassette", "show", str(SMALL), "--json"))
    assert "dataset" not in shown
    assert shown["counts"] == {"users": 4, "channels": 3, "messages": 12}
    assert shown["dataset_digest"] == cs.load(SMALL).digest


def test_pack_options_set_the_request_and_provenance(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "d.json"
    source.write_text(json.dumps(cs.load(SMALL).to_json()["dataset"]))
    out = tmp_path / "d.msgpack"
    argv = ["cassette", "pack", str(source), "-o", str(out), "--json"]
    argv += ["--brief", "a bakery", "--volume", "small", "--source", "script", "--note", "n1"]
    assert main(argv) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == {
        "path": str(out),
        "users": 4,
        "channels": 3,
        "messages": 12,
        "digest": cs.load(SMALL).digest,
    }
    packed = cs.load(out)
    assert (packed.request.brief, packed.request.volume) == ("a bakery", "small")
    assert (packed.provenance.source, packed.provenance.note) == ("script", "n1")
    assert packed.request.template == "slack" and packed.provenance.model is None


def test_spin_rate_limits_turns_on_slacks_tiers() -> None:
    """`spin --rate-limits`: a burst past a method's tier answers 429 with Retry-After."""
    import httpx

    done = run_cli("spin", "slack", "--seed", "acme-corp", "--rate-limits", "--json")
    info = json_of(done)
    try:
        headers = {"Authorization": f"Bearer {info['tokens']['user']}"}
        answers = [
            httpx.post(info["api_url"] + "users.list", headers=headers) for _ in range(30)
        ]  # users.list is tier 2: 20 a minute
        limited = [r for r in answers if r.status_code == 429]
        assert limited and int(limited[0].headers["Retry-After"]) >= 1
        assert limited[0].json() == {"ok": False, "error": "ratelimited"}
    finally:
        run_cli("destroy", info["id"])
