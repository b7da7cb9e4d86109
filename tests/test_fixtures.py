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


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        pytest.param("DROP TABLE notes;", "changes the schema", id="drop-table"),
        pytest.param(
            "INSERT INTO notes (title) VALUES ('x');\nALTER TABLE notes DROP COLUMN body;",
            "changes the schema",
            id="alter-table-after-data",
        ),
        pytest.param("CREATE TABLE extra (id int PRIMARY KEY);", "changes the schema", id="create"),
        pytest.param("SELECT pg_sleep(3600);", "ran longer than 2 s", id="sleeps-for-ever"),
        pytest.param(
            "SET statement_timeout = 0;\nSELECT pg_sleep(3600);",
            "ran longer than 2 s",
            id="lifts-the-timeout-then-sleeps",
        ),
    ],
)
def test_a_fixture_may_only_change_data_within_a_time_limit(
    editable_templates: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    sql: str,
    expected: str,
) -> None:
    monkeypatch.setenv("ASYMKIT_FIXTURE_TIMEOUT", "2")
    (editable_templates / "notes" / "seeds" / "hostile.sql").write_text(sql)
    with asymkit.spin("notes", seed="demo") as clone:
        dsn = postgres.server().dsn(clone.database)
        before = table_dump(dsn)
        assert main(["seed", clone.id, "--fixture", "hostile"]) == 1
        err = capsys.readouterr().err
        assert expected in err and "[FIXTURE_FAILED]" in err and err.count("\n") == 1
        assert table_dump(dsn) == before
        assert asymkit.Clone.get(clone.id).reset().strategy == "snapshot"


def test_a_fixture_runs_as_the_clones_own_role_and_cannot_run_programs(
    editable_templates: Any, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    marker = tmp_path / "pwned"
    (editable_templates / "notes" / "seeds" / "program.sql").write_text(
        f"COPY (SELECT 1) TO PROGRAM 'touch {marker}';"
    )
    with asymkit.spin("notes", seed="demo") as clone:
        assert main(["seed", clone.id, "--fixture", "program"]) == 1
        err = capsys.readouterr().err
        assert "[FIXTURE_FAILED]" in err and "permission denied" in err.lower()
        assert not marker.exists()
        with postgres.server().admin() as admin:
            owner, superuser = admin.execute(
                "SELECT r.rolname, r.rolsuper FROM pg_database d"
                " JOIN pg_roles r ON r.oid = d.datdba WHERE d.datname = %s",
                (clone.database,),
            ).fetchone()  # type: ignore[misc]
        assert owner == clone.database and superuser is False
    with postgres.server().admin() as admin:  # destroy drops the role with the database
        gone = admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (clone.database,))
        assert gone.fetchone() is None
