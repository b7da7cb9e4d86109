"""Fault injection for the embedded Postgres: racing starts, interrupts, a killed server.

Every fault is real: separate asymkit processes, real signals (SIGINT to the
process group as a terminal's Ctrl-C sends it, SIGKILL), a real postmaster.
Each test has an ASYMKIT_HOME of its own so it cannot disturb the session's server.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg
import pytest

import asymkit
from asymkit import postgres
from asymkit.embedded import postmaster

# Starts the embedded server in a child process and proves it answers.
START_AND_QUERY = (
    "from asymkit import postgres\n"
    "s = postgres.server()\n"
    "with postgres.connect(s.url) as c:\n"
    "    print(c.execute('SHOW max_connections').fetchone()[0])\n"
)


@pytest.fixture
def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty ASYMKIT_HOME of this test's own; its embedded server is stopped after."""
    home = tmp_path / "home"
    monkeypatch.setenv("ASYMKIT_HOME", str(home))
    yield home
    with contextlib.suppress(asymkit.AsymkitError):
        postgres.stop_embedded()


def _python(code: str, **kwargs: object) -> subprocess.Popen[str]:
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def _postmaster_pid(home: Path) -> int:
    return int((home / "postgres" / "postmaster.pid").read_text().splitlines()[0])


def _run_together(count: int, home: Path) -> list[tuple[int, str, str]]:
    """Start ``count`` processes that wait for one go-signal, then all start the server."""
    go = home.parent / "go"
    code = (
        "import os, time\n"
        f"while not os.path.exists({str(go)!r}): time.sleep(0.001)\n" + START_AND_QUERY
    )
    procs = [_python(code) for _ in range(count)]
    time.sleep(0.5)  # let every interpreter reach the wait loop
    go.touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        results.append((proc.returncode, out.strip(), err.strip()))
    go.unlink()
    return results


@pytest.mark.parametrize("state", ["fresh", "stopped", "running"])
def test_six_processes_starting_the_server_at_once_all_succeed(
    fresh_home: Path, state: str
) -> None:
    if state != "fresh":
        postgres.server()
    if state == "stopped":
        assert postgres.stop_embedded()
    results = _run_together(6, fresh_home)
    assert [(code, out) for code, out, _ in results] == [(0, "1000")] * 6, results
    # One server: every process found or started the same postmaster.
    assert len(postmaster.processes_in(fresh_home / "postgres")) >= 1
    assert postgres.embedded().running() is not None


# Points in the first start at which the starting process is interrupted: while initdb
# runs, once the configured cluster is complete, and while the postmaster comes up.
INTERRUPT_POINTS = {
    "during-initdb": lambda home: any(home.glob(".postgres.init-*/data/PG_VERSION")),
    "cluster-complete": lambda home: (home / "postgres.password").exists(),
    "postmaster-starting": lambda home: (home / "postgres" / "postmaster.pid").exists(),
}


@pytest.mark.parametrize("point", list(INTERRUPT_POINTS))
@pytest.mark.parametrize(
    "sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["ctrl-c", "sigterm", "sigkill"]
)
def test_an_interrupted_first_start_leaves_a_server_with_its_settings(
    fresh_home: Path, point: str, sig: signal.Signals
) -> None:
    reached = INTERRUPT_POINTS[point]
    proc = _python(START_AND_QUERY, start_new_session=True)
    deadline = time.monotonic() + 60
    while not reached(fresh_home) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    assert proc.poll() is None, "the start finished before the interrupt point was reached"
    os.killpg(proc.pid, sig)  # to the whole process group, as a terminal or CI runner does
    proc.communicate(timeout=60)

    server = postgres.server()
    with postgres.connect(server.url) as conn:
        assert conn.execute("SHOW max_connections").fetchone() == ("1000",)
    assert not list(fresh_home.glob(".postgres.init-*")), "scratch init left behind"
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(server.dsn("postgres", user="postgres", password="wrong"))


def test_a_killed_postmaster_is_restarted_by_the_next_command(fresh_home: Path) -> None:
    server = postgres.server()
    held = postgres.connect(server.url)  # a backend that outlives its postmaster briefly
    before = _postmaster_pid(fresh_home)
    os.kill(before, signal.SIGKILL)
    psutil.Process(before).wait(10) if psutil.pid_exists(before) else None

    proc = _python(START_AND_QUERY)
    out, err = proc.communicate(timeout=120)
    assert (proc.returncode, out.strip()) == (0, "1000"), err
    assert _postmaster_pid(fresh_home) != before
    held.close()


ZOMBIE_SCRIPT = """
import ctypes, os, signal, time, psutil
from asymkit import postgres
# Adopt orphans (as an init that never reaps would), so the killed postmaster stays a zombie.
ctypes.CDLL(None).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER
postgres.server()
pid = postgres.embedded().running().pid
os.kill(pid, signal.SIGKILL)
while psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
    time.sleep(0.01)
state = postgres.status()["state"]
with postgres.connect(postgres.server().url) as c:
    answer = c.execute("SELECT 1").fetchone()[0]
print(state, answer, postgres.embedded().running().pid != pid)
postgres.stop_embedded()
os.waitpid(pid, 0)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_CHILD_SUBREAPER")
def test_a_zombie_postmaster_counts_as_dead_and_is_replaced(fresh_home: Path) -> None:
    proc = _python(ZOMBIE_SCRIPT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert out.split() == ["stopped", "1", "True"]


def test_a_server_that_cannot_start_says_in_one_line_what_to_do(fresh_home: Path) -> None:
    postgres.server()
    assert postgres.stop_embedded()
    with open(fresh_home / "postgres" / "postgresql.conf", "a") as conf:
        conf.write("shared_buffers = banana\n")
    with pytest.raises(asymkit.DatabaseUnavailable) as info:
        postgres.server()
    message = info.value.message
    assert "\n" not in message
    assert "did not start" in message
    assert str(fresh_home / "postgres" / "log") in message
    assert "remove" in message


def test_status_reports_a_stopped_server_without_starting_it(fresh_home: Path) -> None:
    assert postgres.status()["state"] == "not initialized"
    postgres.server()
    assert postgres.stop_embedded()
    status = postgres.status()
    assert status["state"] == "stopped" and status["pid"] is None
    assert status["version"] == "18"
    assert postgres.embedded().running() is None, "status() started the server"


def test_status_reports_a_running_server_and_no_password(fresh_home: Path) -> None:
    server = postgres.server()
    status = postgres.status()
    assert status["state"] == "running"
    assert status["pid"] == _postmaster_pid(fresh_home)
    assert status["max_connections"] == 1000
    assert status["data_dir"] == str(fresh_home / "postgres")
    password = (fresh_home / "postgres.password").read_text().strip()
    assert password and password in server.url
    assert password not in json.dumps(status)


def test_a_connect_to_a_server_that_never_answers_fails_within_seconds() -> None:
    import socket

    with socket.socket() as silent:  # accepts TCP connections and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(asymkit.DatabaseUnavailable, match="did not answer within 2 s"):
            postgres.connect(f"postgresql://u:p@127.0.0.1:{port}/db")
        assert time.monotonic() - started < 10  # unbounded (libpq's default) before


def test_a_socket_removed_by_a_tmp_cleaner_is_brought_back(fresh_home: Path) -> None:
    postgres.server()
    before = _postmaster_pid(fresh_home)
    shutil.rmtree(postgres.embedded().socket_dir)  # what systemd-tmpfiles may do to /tmp
    with postgres.connect(postgres.server().url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    assert _postmaster_pid(fresh_home) != before


def test_a_connection_to_a_stopped_embedded_server_says_how_to_get_it_back(
    fresh_home: Path,
) -> None:
    url = postgres.server().url
    assert postgres.stop_embedded()
    with pytest.raises(asymkit.DatabaseUnavailable) as info:
        postgres.connect(url)
    assert "run the command again to restart it" in info.value.message
    assert "ASYMKIT_DATABASE_URL" not in info.value.message
