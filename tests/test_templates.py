"""Templates other than Slack: discovery, spin, fixtures and reset work the same."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

import asymkit
from asymkit import manifest
from asymkit.cli import main


def test_ls_templates_lists_bundled_and_user_templates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ls", "--templates", "--json"]) == 0
    found = {t["name"]: t for t in json.loads(capsys.readouterr().out)}
    assert found["slack"]["fixtures"] == ["acme-corp"] and found["slack"]["ai"] is True
    assert found["notes"]["fixtures"] == ["broken", "demo"] and found["notes"]["ai"] is False


def test_a_user_template_spins_seeds_and_resets() -> None:
    with asymkit.spin("notes", seed="demo") as clone:
        notes = clone.url + "/notes"
        assert httpx.get(notes).json()["notes"] == ["groceries", "standup", "ideas"]
        assert httpx.post(notes, json={"title": "scratch"}).status_code == 201
        assert len(httpx.get(notes).json()["notes"]) == 4
        report = clone.reset()
        assert report.rows == 3
        assert httpx.get(notes).json()["notes"] == ["groceries", "standup", "ideas"]


def test_a_manifest_without_its_fields_is_refused(tmp_path: Path) -> None:
    (tmp_path / "clone.manifest.json").write_text('{"name": "half"}')
    with pytest.raises(asymkit.TemplateInvalid, match="needs a non-empty string 'migrations'"):
        manifest.load(tmp_path)
