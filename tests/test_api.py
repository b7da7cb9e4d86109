"""The public face: a pinned __all__ and a light import."""

import subprocess
import sys

import asymkit


def test_all_is_pinned_and_sorted() -> None:
    assert asymkit.__all__ == sorted(asymkit.__all__)
    assert set(asymkit.__all__) == {
        "AIReport",
        "AISeed",
        "GenerationFailed",
        "AsymkitError",
        "Call",
        "Calls",
        "CallsMismatch",
        "CassetteInvalid",
        "CassetteMismatch",
        "Clone",
        "CloneBusy",
        "CloneNotFound",
        "CloneNotRunning",
        "DatabaseUnavailable",
        "Diff",
        "DiffMismatch",
        "Environment",
        "EnvironmentNotFound",
        "EnvironmentPartial",
        "EnvironmentResetReport",
        "EventsUrlRejected",
        "ExpectationInvalid",
        "Fixture",
        "FixtureFailed",
        "FixtureNotFound",
        "FixtureReport",
        "HealthTimeout",
        "InvalidArgument",
        "LLMUnavailable",
        "MigrationFailed",
        "NotOwned",
        "PortInUse",
        "ProvisionFailed",
        "RegistryCorrupt",
        "ResetReport",
        "SeedReport",
        "SeedSpec",
        "SnapshotInvalid",
        "SnapshotNotFound",
        "Template",
        "TemplateInvalid",
        "TemplateNotFound",
        "Tokens",
        "__version__",
        "spin",
    }


def test_import_does_not_load_the_clone_stack() -> None:
    code = (
        "import sys, asymkit; "
        "print(sorted(m for m in ('starlette', 'uvicorn', 'anthropic') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_error_has_a_distinct_stable_code() -> None:
    errors = [
        getattr(asymkit, n)
        for n in asymkit.__all__
        if n.endswith(
            (
                "Error",
                "Found",
                "Failed",
                "Invalid",
                "Mismatch",
                "Busy",
                "Running",
                "Partial",
                "Timeout",
                "InUse",
                "Unavailable",
                "Corrupt",
                "Argument",
                "Mismatch",
            )
        )
    ]
    codes = [e.code for e in errors]
    assert len(codes) == len(set(codes))
    assert all(c.isupper() for c in codes)
