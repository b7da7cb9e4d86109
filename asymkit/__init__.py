"""asymkit: put a running SaaS clone (Slack first) into a known starting state.

import asymkit

with asymkit.spin("slack", seed=asymkit.Fixture("acme-corp")) as clone:
    clone.api_url, clone.tokens.bot
    clone.reset()

The names below are the public API. Errors load with the package; the rest
(``Clone``, ``spin``, ...) load on first use, so ``import asymkit`` stays cheap
and never imports Postgres, HTTP or Claude clients.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import (
    AsymkitError,
    CallsMismatch,
    CassetteInvalid,
    CassetteMismatch,
    CloneBusy,
    CloneNotFound,
    CloneNotRunning,
    DatabaseUnavailable,
    DiffMismatch,
    EnvironmentNotFound,
    EnvironmentPartial,
    EventsUrlRejected,
    ExpectationInvalid,
    FixtureFailed,
    FixtureNotFound,
    GenerationFailed,
    HealthTimeout,
    InvalidArgument,
    LLMUnavailable,
    MigrationFailed,
    NotOwned,
    PortInUse,
    ProvisionFailed,
    RegistryCorrupt,
    SnapshotInvalid,
    SnapshotNotFound,
    TemplateInvalid,
    TemplateNotFound,
)

if TYPE_CHECKING:
    from .calls import Call, Calls
    from .clone import Clone, Tokens, spin
    from .diff import Diff
    from .environment import Environment, EnvironmentResetReport
    from .manifest import Template
    from .seed import AIReport, AISeed, Fixture, FixtureReport, ResetReport, SeedReport, SeedSpec

# Public name -> the module that defines it, imported on first use.
_LAZY = {
    "AIReport": "seed",
    "AISeed": "seed",
    "Call": "calls",
    "Calls": "calls",
    "Clone": "clone",
    "Diff": "diff",
    "Environment": "environment",
    "EnvironmentResetReport": "environment",
    "Fixture": "seed",
    "FixtureReport": "seed",
    "ResetReport": "seed",
    "SeedReport": "seed",
    "SeedSpec": "seed",
    "Template": "manifest",
    "Tokens": "clone",
    "spin": "clone",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'asymkit' has no attribute '{name}'")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "AIReport",
    "AISeed",
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
    "GenerationFailed",
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
]
