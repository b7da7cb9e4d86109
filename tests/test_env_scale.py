"""Environments at scale: spinning several clones at once, and resetting them together."""

from __future__ import annotations

import json

import pytest
from slack_sdk import WebClient

import asymkit
from asymkit import embedded, postgres
from asymkit.cli import main


def test_spin_count_into_an_env_then_reset_and_destroy_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (
        main(["spin", "slack", "--seed", "acme-corp", "--env", "fleet", "--count", "5", "--json"])
        == 0
    )
    spun = json.loads(capsys.readouterr().out)
    assert spun["errors"] == [] and len(spun["clones"]) == 5
    ids = {c["id"] for c in spun["clones"]}
    assert set(asymkit.Environment.get("fleet").to_json()["clones"]) == ids
    for info in spun["clones"]:
        web = WebClient(token=info["tokens"]["bot"], base_url=info["api_url"])
        assert web.auth_test()["team"] == "Acme Corp"

    assert main(["env", "reset", "fleet", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["state"] == "ok" and {c["id"] for c in report["clones"]} == ids

    assert main(["env", "destroy", "fleet"]) == 0
    with postgres.server().admin() as conn:
        assert not any(postgres.database_exists(conn, c["database"]) for c in spun["clones"])


def test_count_without_env_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["spin", "slack", "--count", "3"]) == 1
    assert "--count needs --env NAME" in capsys.readouterr().err


def test_embedded_server_allows_many_connections() -> None:
    with postgres.server().admin() as conn:
        assert conn.execute("SHOW max_connections").fetchone() == (str(embedded.MAX_CONNECTIONS),)
