"""The command line refuses bad arguments before doing anything, and maps outcomes to exit codes."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from asymkit import CloneNotFound, registry
from asymkit.cli import AsymkitGroup, cli


def invoke(*args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        pytest.param(["spin", "slack", "--port", "70000"], "--port", id="port-too-big"),
        pytest.param(["spin", "slack", "--port", "0"], "--port", id="port-zero"),
        pytest.param(["spin", "slack", "--port", "-1"], "--port", id="port-negative"),
        pytest.param(["spin", "slack", "--port", "http"], "--port", id="port-not-a-number"),
        pytest.param(["spin", "slack", "--env", "e", "--count", "-2"], "--count", id="count-neg"),
        pytest.param(["spin", "slack", "--env", "e", "--count", "0"], "--count", id="count-zero"),
        pytest.param(["spin", "slack", "--users", "-1"], "--users", id="users-negative"),
        pytest.param(["spin", "slack", "--users", "0"], "--users", id="users-zero"),
        pytest.param(["spin", "slack", "--channels", "0"], "--channels", id="channels-zero"),
        pytest.param(["seed", "slack-a1b2", "--messages", "-5"], "--messages", id="messages-neg"),
        pytest.param(["spin", "slack", "--workers", "0"], "--workers", id="workers-zero"),
        pytest.param(["spin", "slack", "--volume", "huge"], "--volume", id="unknown-volume"),
        pytest.param(
            ["seed", "slack-a1b2", "--record-mode", "sometimes"], "--record-mode", id="bad-mode"
        ),
        pytest.param(["logs", "slack-a1b2", "-n", "-1"], "-n", id="lines-negative"),
        pytest.param(["env", "reset", "qa", "--workers", "-3"], "--workers", id="env-workers"),
    ],
)
def test_bad_numbers_and_choices_are_usage_errors_before_anything_is_made(
    argv: list[str], option: str
) -> None:
    before = registry.read()
    result = invoke(*argv)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert option in result.stderr and "--help" in result.stderr
    assert result.stdout == ""
    assert registry.read() == before  # no clone, no (empty) environment left behind


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        pytest.param(
            ["spin", "slack", "--env", "fleet", "--count", "3", "--port", "5000"],
            "INVALID_ARGUMENT",
            "--port names one port but --count makes several clones",
            id="count-with-port",
        ),
        pytest.param(
            ["spin", "slack", "--env", "fleet", "--count", "2", "--host", "0.0.0.0"],
            "INVALID_ARGUMENT",
            "--host applies to one clone but --count makes several",
            id="count-with-host",
        ),
        pytest.param(
            ["spin", "slack", "--count", "3"],
            "INVALID_ARGUMENT",
            "--count needs --env NAME",
            id="count-without-env",
        ),
        pytest.param(
            ["spin", "slak", "--count", "2", "--env", "fleet"],
            "TEMPLATE_NOT_FOUND",
            "Did you mean 'slack'?",
            id="count-wrong-template",
        ),
        pytest.param(
            ["spin", "slack", "--seed", "acme", "--count", "2", "--env", "fleet"],
            "FIXTURE_NOT_FOUND",
            "Did you mean 'acme-corp'?",
            id="count-wrong-fixture",
        ),
    ],
)
def test_wrong_spins_are_refused_with_one_line_before_anything_is_made(
    argv: list[str], code: str, message: str
) -> None:
    before = registry.read()
    result = invoke(*argv)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert f"[{code}]" in result.stderr and message in result.stderr
    assert registry.read() == before  # in particular, no empty environment 'fleet'


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["spin"], id="missing-template"),
        pytest.param(["frobnicate"], id="unknown-command"),
        pytest.param(["env", "frob"], id="unknown-env-action"),
        pytest.param(["status", "--colour"], id="unknown-option"),
    ],
)
def test_usage_errors_exit_2_with_one_line(argv: list[str]) -> None:
    result = invoke(*argv)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")


@pytest.mark.parametrize("argv", [pytest.param([], id="asymkit"), pytest.param(["env"], id="env")])
def test_a_bare_group_shows_its_commands_and_exits_2(argv: list[str]) -> None:
    result = invoke(*argv)
    assert result.exit_code == 2
    assert result.stderr.startswith("Usage: ") and "Commands:" in result.stderr


def test_help_and_version_exit_0() -> None:
    assert invoke("--help").exit_code == 0
    version = invoke("--version")
    assert version.exit_code == 0 and version.stdout.startswith("asymkit ")


def _group_that(raises: BaseException) -> AsymkitGroup:
    """A group with the CLI's error mapping and one command that fails as asked."""
    group = AsymkitGroup("asymkit")

    @group.command("fail")
    def fail() -> None:
        raise raises

    return group


def test_a_named_error_is_one_line_and_exit_1() -> None:
    result = CliRunner().invoke(_group_that(CloneNotFound("No clone 'x'.")), ["fail"])
    assert result.exit_code == 1
    assert result.stderr == "error: No clone 'x'. [CLONE_NOT_FOUND]\n"


def test_a_bug_is_exit_2_with_one_line_and_the_traceback_in_a_log(asymkit_home: Path) -> None:
    result = CliRunner().invoke(_group_that(RuntimeError("kaboom\nsecond line")), ["fail"])
    assert result.exit_code == 2
    err = result.stderr
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("asymkit: unexpected error (this is a bug): RuntimeError: kaboom")
    log = Path(err.rstrip("\n").rsplit("details in ", 1)[1])
    assert log.parent == asymkit_home / "logs"
    assert "Traceback" in log.read_text() and "kaboom" in log.read_text()
    assert log.stat().st_mode & 0o077 == 0


def test_ctrl_c_is_exit_130_with_one_line() -> None:
    result = CliRunner().invoke(_group_that(KeyboardInterrupt()), ["fail"])
    assert result.exit_code == 130
    assert result.stderr == "interrupted\n"
