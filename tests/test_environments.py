"""Environments: spin into one, reset them all (continue-all), destroy them."""

from __future__ import annotations

import json

import pytest

import asymkit
from asymkit import registry
from asymkit.cli import main


def test_env_spin_reset_partial_and_destroy(capsys: pytest.CaptureFixture[str]) -> None:
    first = asymkit.spin("notes", seed="demo", env="qa")
    second = asymkit.spin("notes", seed="demo", env="qa")
    assert set(registry.read().environments["qa"].clones) == {first.id, second.id}

    assert main(["env", "ls", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {"name": "qa", "state": "ok", "clones": [first.id, second.id]} in listed

    assert main(["env", "reset", "qa", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["state"] == "ok" and [c["ok"] for c in report["clones"]] == [True, True]

    # Break one member: its recorded seed names a fixture that no longer exists.
    with registry.transaction() as state:
        rec = state.clones[first.id]
        state.clones[first.id] = type(rec)(**{**rec.to_json(), "seed": {"fixture": "gone"}})
    assert main(["env", "reset", "qa"]) == 1
    captured = capsys.readouterr()
    assert f"✓ {second.id}" in captured.out and f"! {first.id}" in captured.out
    assert "[ENV_PARTIAL]" in captured.err
    assert asymkit.Environment.get("qa").state == "partial"

    assert main(["env", "destroy", "qa"]) == 0
    state = registry.read()
    assert "qa" not in state.environments
    assert first.id not in state.clones and second.id not in state.clones


def test_env_create_is_idempotent_and_listed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["env", "create", "empty"]) == 0
    assert main(["env", "create", "empty"]) == 0
    capsys.readouterr()
    assert main(["env", "ls"]) == 0
    assert "empty" in capsys.readouterr().out
    assert main(["env", "destroy", "empty"]) == 0
