"""The pytest plugin, run for real with pytester in a subprocess."""

from __future__ import annotations

from pathlib import Path

import pytest

SMALL = Path(__file__).parent.parent / "cassettes" / "startup-small.msgpack"

pytest_plugins = ["pytester"]

AGENT_TESTS = """
import pytest
from slack_sdk import WebClient

SEEN = []

def general(web):
    return next(c["id"] for c in web.conversations_list()["channels"] if c["name"] == "general")

@pytest.mark.parametrize("run", [1, 2])
def test_each_test_starts_from_the_seed(asymkit_clone, run):
    web = WebClient(token=asymkit_clone.tokens.user, base_url=asymkit_clone.api_url)
    texts = [m["text"] for m in web.conversations_history(channel=general(web))["messages"]]
    assert "left by an earlier test" not in texts
    web.chat_postMessage(channel=general(web), text="left by an earlier test")
    SEEN.append(asymkit_clone.id)
    assert len(set(SEEN)) == 1  # one clone for the whole session
"""


def test_clone_is_spun_once_and_reset_per_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(AGENT_TESTS)
    result = pytester.runpytest_subprocess(
        "--asymkit-fixture", "acme-corp", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=2)


def test_marker_replays_a_cassette_offline_in_ci(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-never-used")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")
    pytester.makepyfile(f"""
import pytest
from slack_sdk import WebClient

def test_mode(asymkit_record_mode):
    assert asymkit_record_mode == "none"

@pytest.mark.asymkit(cassette={str(SMALL)!r})
def test_replayed(asymkit_clone):
    web = WebClient(token=asymkit_clone.tokens.user, base_url=asymkit_clone.api_url)
    assert web.auth_test()["team"] == "Lumen Labs"

@pytest.mark.asymkit(cassette="missing.msgpack")
def test_missing_cassette_fails_without_calling_anthropic(asymkit_clone):
    pass
""")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*CASSETTE_INVALID*only replays*"])


def test_default_record_mode_outside_ci_is_once(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    pytester.makepyfile(
        "def test_mode(asymkit_record_mode):\n    assert asymkit_record_mode == 'once'\n"
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_failed_seed_errors_every_test_that_asks_for_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside CI with no key, a missing cassette is an error, never unseeded data."""
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    pytester.makepyfile("""
import pytest

@pytest.mark.asymkit(cassette="missing.msgpack")
@pytest.mark.parametrize("run", [1, 2, 3])
def test_needs_the_cassette(asymkit_clone, run):
    pass

def test_other_clones_still_work(asymkit_clone):
    assert asymkit_clone.status() == "running"
""")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=3)
    result.stdout.fnmatch_lines(["*missing.msgpack cannot be replayed or recorded*"])


def test_cassette_paths_resolve_against_the_project_root(pytester: pytest.Pytester) -> None:
    (pytester.path / "cassettes").mkdir()
    (pytester.path / "cassettes" / "small.msgpack").write_bytes(SMALL.read_bytes())
    pytester.makeini("[pytest]\n")
    sub = pytester.mkdir("agents")
    sub.joinpath("test_agent.py").write_text("""
import pytest
from slack_sdk import WebClient

@pytest.mark.asymkit(cassette="cassettes/small.msgpack")
def test_replayed(asymkit_clone):
    web = WebClient(token=asymkit_clone.tokens.user, base_url=asymkit_clone.api_url)
    assert web.auth_test()["team"] == "Lumen Labs"
""")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(sub)  # run from a subdirectory: the cwd is not the project's root
        result = pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", "--rootdir", str(pytester.path), str(sub)
        )
    result.assert_outcomes(passed=1)


def test_a_project_not_using_asymkit_loads_none_of_its_stack(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
import sys

def test_nothing_heavy_loaded():
    heavy = ("asymkit.clone", "anthropic", "psycopg", "starlette", "uvicorn")
    assert [m for m in heavy if m in sys.modules] == []
""")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_plugin_under_xdist_gives_each_worker_its_own_clone(pytester: pytest.Pytester) -> None:
    """``pytest -n 2``: each worker spins its own clone on the one shared server."""
    pytester.makepyfile("""
import os
import pytest
from slack_sdk import WebClient

@pytest.mark.parametrize("run", range(6))
def test_agent(asymkit_clone, run, tmp_path_factory):
    web = WebClient(token=asymkit_clone.tokens.user, base_url=asymkit_clone.api_url)
    general = next(c["id"] for c in web.conversations_list()["channels"] if c["name"] == "general")
    texts = [m["text"] for m in web.conversations_history(channel=general)["messages"]]
    assert "left by an earlier test" not in texts
    web.chat_postMessage(channel=general, text="left by an earlier test")
    worker = os.environ["PYTEST_XDIST_WORKER"]
    (tmp_path_factory.getbasetemp().parent / f"{worker}-{run}").write_text(asymkit_clone.id)
""")
    result = pytester.runpytest_subprocess(
        "-n", "2", "--asymkit-fixture", "acme-corp", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=6)
    seen: dict[str, set[str]] = {}
    for path in pytester.path.parent.rglob("gw*-*"):
        seen.setdefault(path.name.split("-")[0], set()).add(path.read_text())
    assert len(seen) == 2  # both workers ran tests
    ids = [next(iter(v)) for v in seen.values()]
    assert all(len(v) == 1 for v in seen.values()) and len(set(ids)) == 2


def test_a_failing_test_shows_what_it_changed_in_the_clone(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
from slack_sdk import WebClient

def test_agent(asymkit_clone):
    web = WebClient(token=asymkit_clone.tokens.user, base_url=asymkit_clone.api_url)
    general = next(c["id"] for c in web.conversations_list()["channels"] if c["name"] == "general")
    web.chat_postMessage(channel=general, text="the agent was here")
    assert False, "graded wrong"
""")
    result = pytester.runpytest_subprocess(
        "--asymkit-fixture", "acme-corp", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(failed=1)
    # The table `asymkit diff` prints: one row for the one change, no JSON of empty kinds.
    result.stdout.re_match_lines(
        [
            r".*asymkit: what the test changed in the clone.*",
            r"^KIND +CHANGE +RECORD$",
            r"^messages +\+ added +.*text='the agent was here'.*$",
        ],
        consecutive=True,
    )
    section = result.stdout.str().split("what the test changed in the clone")[1]
    assert '"added"' not in section and "reactions" not in section
