"""A manifest declares which credentials asymkit makes for its clones beside API tokens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from asymkit import manifest
from asymkit.errors import TemplateInvalid


def test_the_linear_clone_gets_no_slack_app_token(linear: object) -> None:
    tokens = linear.tokens  # type: ignore[attr-defined]
    assert tokens.app is None and tokens.signing_secret is None
    assert tokens.user.startswith("lin_api_") and tokens.bot.startswith("lin_oauth_")


def test_templates_without_the_field_keep_slacks_credentials() -> None:
    assert manifest.find("slack").credentials == ("app", "signing_secret")
    assert manifest.find("linear").credentials == ()


def test_an_unknown_credential_is_a_clear_manifest_error(editable_templates: Path) -> None:
    path = editable_templates / "notes" / "clone.manifest.json"
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "credentials": ["password"]}))
    with pytest.raises(TemplateInvalid, match="'credentials' must be a list of app"):
        manifest.load(path.parent)
