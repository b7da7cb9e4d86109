"""Fixtures: discovery, all-or-nothing apply, and the errors a user reads."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import PROVISIONED, table_dump

import asymkit
from asymkit import postgres
from asymkit.cli import main
from asymkit.sqlfile import split


def test_same_fixture_gives_the_same_rows_in_two_clones(acme: Any) -> None:
    with asymkit.spin("slack", seed="acme-corp") as other:
        server = postgres.server()
        mine = table_dump(server.dsn(acme.database), PROVISIONED)
        theirs = table_dump(server.dsn(other.database), PROVISIONED)
    assert mine == theirs
    assert len(mine["messages"]) >= 120 and len(mine["users"]) == 11


def test_seed_reports_rows_written(acme: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seed", acme.id, "--fixture", "acme-corp"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"✓ seeded {acme.id}  (fixture: ")
    rows = int(out.split("fixture: ")[1].split(" rows")[0])
    # workspace, accounts, users, owner update, channels, memberships, messages
    # the original workspace, then the core-surface and satellites sections (issue 11)
    assert rows == (1 + 10 + 10 + 1 + 7 + 47 + 125) + 37 + 30


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("acme", "Did you mean 'acme-corp'?", id="nearest-name"),
        pytest.param("../../etc/passwd", "not a fixture name", id="path-refused"),
        pytest.param("acme-corp.sql", "use 'acme-corp'", id="file-name-refused"),
    ],
)
def test_unknown_fixture_names_the_choices(
    acme: Any, capsys: pytest.CaptureFixture[str], name: str, expected: str
) -> None:
    before = table_dump(postgres.server().dsn(acme.database))
    assert main(["seed", acme.id, "--fixture", name]) == 1
    err = capsys.readouterr().err
    assert expected in err and "[FIXTURE_NOT_FOUND]" in err
    assert "Traceback" not in err
    assert err.count("\n") == 1
    assert table_dump(postgres.server().dsn(acme.database)) == before


def test_broken_fixture_names_file_and_line_and_changes_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with asymkit.spin("notes", seed="demo") as clone:
        dsn = postgres.server().dsn(clone.database)
        before = table_dump(dsn)
        assert main(["seed", clone.id, "--fixture", "broken"]) == 1
        err = capsys.readouterr().err
        assert "broken.sql failed at line 5" in err
        assert 'column "nonexistent_column" of relation "notes" does not exist' in err
        assert "[FIXTURE_FAILED]" in err
        assert table_dump(dsn) == before
        assert clone.seed_spec.fixture == "demo"
        assert asymkit.Clone.get(clone.id).seed_spec.fixture == "demo"


def test_no_seed_arguments_is_a_clear_error(acme: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seed", acme.id]) == 1
    assert "Nothing to seed. Pass --fixture <name> and/or --ai." in capsys.readouterr().err


@pytest.mark.parametrize(
    ("source", "lines"),
    [
        pytest.param("SELECT 1; SELECT 2;", [1, 1], id="two-on-a-line"),
        pytest.param("SELECT ';';\n-- a; comment\nSELECT 2", [1, 3], id="quoted-semicolon"),
        pytest.param("SELECT $f$ a; b $f$;\n\n/* x; */ SELECT 3;", [1, 3], id="dollar-and-block"),
        pytest.param("SELECT E'it\\'s;';\nSELECT \"a;b\";", [1, 2], id="escapes-and-idents"),
        pytest.param("-- only a comment\n", [], id="comment-only"),
    ],
)
def test_sql_splitter_keeps_statements_whole(source: str, lines: list[int]) -> None:
    assert [s.line for s in split(source)] == lines
