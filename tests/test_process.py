"""A clone's app process gets only the environment it needs."""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from asymkit import manifest, process
from asymkit.errors import HealthTimeout


def _environ_of(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


def start_notes(tmp_path: Path) -> tuple[int, int]:
    """The notes template's app on a free port, with no real database; (port, pid)."""
    port = process.free_port("127.0.0.1")
    pid = process.start(
        manifest.find("notes"),
        host="127.0.0.1",
        port=port,
        env={"CLONE_DATABASE_URL": "dbname=nowhere", "CLONE_ADMIN_SECRET": "s"},
        log=tmp_path / "app.log",
    )
    return port, pid


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc/<pid>/environ")
def test_the_app_inherits_no_secrets_only_basics_and_template_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-canary")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-canary")
    monkeypatch.setenv("ASYMKIT_DATABASE_URL", "postgresql://u:pw-canary@db/x")
    monkeypatch.setenv("SLACK_CLONE_RATE_LIMIT", "7")
    port, pid = start_notes(tmp_path)
    try:
        # For an instant after exec, /proc shows no command line or environment yet.
        deadline = time.monotonic() + 30
        while "uvicorn" not in " ".join(psutil.Process(pid).cmdline()):
            assert time.monotonic() < deadline
            time.sleep(0.01)
        env = _environ_of(pid)
    finally:
        process.stop(pid, port)
    assert "canary" not in repr(env)
    assert env["SLACK_CLONE_RATE_LIMIT"] == "7"
    assert env["CLONE_DATABASE_URL"] == "dbname=nowhere"
    assert "PATH" in env


def test_an_app_stopped_right_after_it_was_started_does_not_linger(tmp_path: Path) -> None:
    port = process.free_port("127.0.0.1")
    pid = process.start(
        manifest.find("notes"),
        host="127.0.0.1",
        port=port,
        env={"CLONE_DATABASE_URL": "dbname=nowhere"},
        log=tmp_path / "app.log",
    )
    process.stop(pid, port)  # possibly before the child has even exec'd uvicorn
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_a_port_given_to_another_clone_is_not_handed_out_again() -> None:
    first = process.free_port("127.0.0.1")
    # Reserved but not yet listening: free in the kernel, not free to take.
    assert all(process.free_port("127.0.0.1", taken={first}) != first for _ in range(200))


def test_a_health_answer_from_another_app_on_the_port_is_not_taken_for_ours(
    tmp_path: Path,
) -> None:
    """The port taken by another server between the check and our app's bind (two spins
    given one port): ours exits, and that server's 200 must not make it look started."""
    port, pid = start_notes(tmp_path)

    class Healthy(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    other = http.server.HTTPServer(("127.0.0.1", port), Healthy)  # before uvicorn binds
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        with pytest.raises(HealthTimeout, match="exited while starting"):
            process.wait_healthy(
                f"http://127.0.0.1:{port}/health",
                pid=pid,
                port=port,
                timeout=60,
                clone_id="second",
                log=tmp_path / "app.log",
            )
    finally:
        other.shutdown()
        other.server_close()
        process.stop(pid, port)


_START_AND_EXIT = """
import json, os, signal, sys, time
from pathlib import Path
from asymkit import manifest, process
port = process.free_port("127.0.0.1")
pid = process.start(manifest.find("notes"), host="127.0.0.1", port=port,
                    env={"CLONE_DATABASE_URL": "dbname=nowhere", "CLONE_ADMIN_SECRET": "s"},
                    log=Path(sys.argv[1]))
print(json.dumps([port, pid]), flush=True)
if sys.argv[2] == "ended":  # the app ends before this process does (another one stopped it)
    os.killpg(pid, signal.SIGTERM)
    while process.running(pid):  # until it is a zombie: this process reaps it at exit
        time.sleep(0.02)
"""


@pytest.mark.parametrize("app", ["running", "ended"])
def test_a_process_that_started_an_app_exits_without_a_resource_warning(
    tmp_path: Path, app: str
) -> None:
    """A clone outlives the process that spun it: exiting leaves it running (or reaps it)
    without Python's 'subprocess ... is still running' warning in the user's output."""
    done = subprocess.run(
        [sys.executable, "-W", "default", "-c", _START_AND_EXIT, str(tmp_path / "app.log"), app],
        capture_output=True,
        text=True,
        timeout=60,
    )
    port, pid = json.loads(done.stdout)
    try:
        assert done.returncode == 0, done.stderr
        assert "ResourceWarning" not in done.stderr, done.stderr
        assert process.running(pid) == (app == "running")
    finally:
        process.stop(pid, port)
