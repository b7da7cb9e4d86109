"""The registry: private, atomic, and safe under concurrent CLI processes."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import asymkit
from asymkit import registry
from asymkit.cli import main
from asymkit.paths import home

WRITER = """
import sys
from asymkit import registry
from asymkit.registry import EnvironmentRecord
for i in range(40):
    with registry.transaction() as state:
        name = f"w{sys.argv[1]}-{i}"
        state.environments[name] = EnvironmentRecord(name=name)
"""


def test_registry_is_private_to_the_user(acme: asymkit.Clone) -> None:
    mode = stat.S_IMODE((home() / "registry.json").stat().st_mode)
    assert mode == 0o600


def test_two_processes_writing_at_once_lose_nothing() -> None:
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(n)]) for n in range(2)]
    assert [p.wait(60) for p in procs] == [0, 0]
    names = set(registry.read().environments)
    assert {f"w{n}-{i}" for n in range(2) for i in range(40)} <= names
    with registry.transaction() as state:
        for name in list(state.environments):
            if name.startswith("w"):
                del state.environments[name]


def test_a_corrupt_registry_is_reported_not_overwritten(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path: Path = home() / "registry.json"
    good = path.read_bytes()
    path.write_text('{"version": 1, "clones": {"x": ')
    try:
        assert main(["status"]) == 1
        err = capsys.readouterr().err
        assert "[REGISTRY_CORRUPT]" in err and str(path) in err
        assert path.read_text() == '{"version": 1, "clones": {"x": '
    finally:
        path.write_bytes(good)


CLONE = {
    "id": "slack-beef",
    "template": "slack",
    "database": "clone_slack_beef",
    "host": "127.0.0.1",
    "port": 41000,
    "admin_secret": "s",
    "created": 1.0,
}


@pytest.mark.parametrize(
    ("change", "says"),
    [
        pytest.param(
            {"clones": {"slack-beef": {**CLONE, "port": "41000"}}},
            "clones['slack-beef'].port must be an integer, not str",
            id="port-as-text",
        ),
        pytest.param(
            {"clones": {"slack-beef": {**CLONE, "port": True}}},
            "clones['slack-beef'].port must be an integer, not bool",
            id="port-as-bool",
        ),
        pytest.param(
            {"clones": {"slack-beef": {**CLONE, "tokens": ["xoxb"]}}},
            "clones['slack-beef'].tokens must be an object, not list",
            id="tokens-as-list",
        ),
        pytest.param(
            {"clones": {"slack-beef": {k: v for k, v in CLONE.items() if k != "database"}}},
            "clones['slack-beef'].database is missing",
            id="missing-field",
        ),
        pytest.param(
            {"clones": {"slack-beef": {**CLONE, "seed": {"ai": "cassettes/a.msgpack"}}}},
            "clones['slack-beef'].seed.ai must be a list, not str",
            id="seed-ai-as-text",
        ),
        pytest.param(
            {"environments": {"e": {"name": "e", "clones": "slack-beef"}}},
            "environments['e'].clones must be a list, not str",
            id="env-clones-as-text",
        ),
        pytest.param({"clones": []}, "clones must be an object, not list", id="clones-as-list"),
        pytest.param({"version": "1"}, "version '1' is not 1", id="version-as-text"),
    ],
)
def test_a_registry_with_wrong_types_names_the_field_and_what_to_do(
    change: dict[str, object], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path: Path = home() / "registry.json"
    good = path.read_bytes() if path.exists() else None
    path.write_text(json.dumps({"version": 1, "clones": {}, "environments": {}, **change}))
    try:
        assert main(["status"]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err
        assert err.endswith("[REGISTRY_CORRUPT]\n")
        assert says in err and "move the file aside" in err and str(path) in err
    finally:
        if good is None:
            path.unlink()
        else:
            path.write_bytes(good)


def test_keys_another_asymkit_version_wrote_are_ignored() -> None:
    path: Path = home() / "registry.json"
    good = path.read_bytes() if path.exists() else None
    record = {**CLONE, "pid": None, "future_field": [1, 2]}
    path.write_text(
        json.dumps({"version": 1, "clones": {"slack-beef": record}, "environments": {}, "x": 1})
    )
    try:
        state = registry.read()
        assert state.clones["slack-beef"].port == 41000
        assert state.clones["slack-beef"].to_json()["tokens"] == {}
    finally:
        if good is None:
            path.unlink()
        else:
            path.write_bytes(good)


def test_the_registry_is_written_0600_whatever_the_umask(tmp_path: Path) -> None:
    umask = os.umask(0)
    try:
        with registry.transaction() as state:
            state.environments["umask-probe"] = registry.EnvironmentRecord(name="umask-probe")
        assert stat.S_IMODE((home() / "registry.json").stat().st_mode) == 0o600
    finally:
        os.umask(umask)
        with registry.transaction() as state:
            del state.environments["umask-probe"]
