"""The registry: private, atomic, and safe under concurrent CLI processes."""

from __future__ import annotations

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
