"""asymkit: put a running SaaS clone (Slack first) into a known starting state.

import asymkit

with asymkit.spin("slack", seed=asymkit.Fixture("acme-corp")) as clone:
    clone.api_url, clone.tokens.bot
    clone.reset()
"""

from __future__ import annotations

from .clone import Clone, Environment, EnvironmentResetReport, Tokens, spin
from .errors import (
    AsymkitError,
    CassetteInvalid,
    CassetteMismatch,
    CloneBusy,
    CloneNotFound,
    CloneNotRunning,
    DatabaseUnavailable,
    EnvironmentNotFound,
    EnvironmentPartial,
    FixtureFailed,
    FixtureNotFound,
    HealthTimeout,
    InvalidArgument,
    LLMUnavailable,
    MigrationFailed,
    PortInUse,
    ProvisionFailed,
    RegistryCorrupt,
    TemplateInvalid,
    TemplateNotFound,
)
from .manifest import Template
from .seed import Fixture, FixtureReport, ResetReport, SeedReport, SeedSpec

__version__ = "0.1.0"

__all__ = [
    "AsymkitError",
    "CassetteInvalid",
    "CassetteMismatch",
    "Clone",
    "CloneBusy",
    "CloneNotFound",
    "CloneNotRunning",
    "DatabaseUnavailable",
    "Environment",
    "EnvironmentNotFound",
    "EnvironmentPartial",
    "EnvironmentResetReport",
    "Fixture",
    "FixtureFailed",
    "FixtureNotFound",
    "FixtureReport",
    "HealthTimeout",
    "InvalidArgument",
    "LLMUnavailable",
    "MigrationFailed",
    "PortInUse",
    "ProvisionFailed",
    "RegistryCorrupt",
    "ResetReport",
    "SeedReport",
    "SeedSpec",
    "Template",
    "TemplateInvalid",
    "TemplateNotFound",
    "Tokens",
    "__version__",
    "spin",
]
