"""A clone's app process gets only the environment it needs."""

from __future__ import annotations

import time
from pathlib import Path

import psutil
import pytest

from asymkit import manifest, process


def _environ_of(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc/<pid>/environ")
def test_the_app_inherits_no_secrets_only_basics_and_template_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-canary")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-canary")
    monkeypatch.setenv("ASYMKIT_DATABASE_URL", "postgresql://u:pw-canary@db/x")
    monkeypatch.setenv("SLACK_CLONE_RATE_LIMIT", "7")
    port = process.free_port("127.0.0.1")
    pid = process.start(
        manifest.find("notes"),
        host="127.0.0.1",
        port=port,
        env={"CLONE_DATABASE_URL": "dbname=nowhere", "CLONE_ADMIN_SECRET": "s"},
        log=tmp_path / "app.log",
    )
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
