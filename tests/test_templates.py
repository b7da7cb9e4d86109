"""Templates other than Slack: discovery, spin, fixtures and reset work the same."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

import asymkit
from asymkit import manifest, postgres, registry
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
        assert report.rows == 1  # the one note added, deleted again
        assert httpx.get(notes).json()["notes"] == ["groceries", "standup", "ideas"]


def test_a_manifest_without_its_fields_is_refused(tmp_path: Path) -> None:
    (tmp_path / "clone.manifest.json").write_text('{"name": "half"}')
    with pytest.raises(asymkit.TemplateInvalid, match="needs a non-empty string 'migrations'"):
        manifest.load(tmp_path)


def test_a_broken_migration_names_file_and_line_and_leaves_nothing(
    editable_templates: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = editable_templates
    (root / "notes" / "migrations" / "0003_broken.sql").write_text(
        "-- adds a column\nALTER TABLE notes\n  ADD COLUMN oops nonexistent_type;\n"
    )
    before = registry.read()
    assert main(["spin", "notes", "--seed", "demo"]) == 1
    err = capsys.readouterr().err
    assert "Migration 0003_broken.sql failed at line 3" in err
    assert 'type "nonexistent_type" does not exist' in err and "[MIGRATION_FAILED]" in err
    assert registry.read() == before
    with postgres.server().admin() as conn:
        leftovers = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'clone_notes_%'"
        ).fetchall()
    assert leftovers == []


def test_an_app_that_exits_while_starting_leaves_the_log_its_error_names(
    editable_templates: Path,
) -> None:
    app = editable_templates / "notes" / "notes_app.py"
    app.write_text('raise RuntimeError("notes app cannot start: broken on purpose")\n')
    with pytest.raises(asymkit.HealthTimeout) as caught:
        asymkit.spin("notes")
    [named] = re.findall(r"\((/[^)]+\.log)\)", str(caught.value))
    assert "broken on purpose" in Path(named).read_text()
    assert all(c.template != "notes" for c in asymkit.Clone.all())  # the clone is gone
