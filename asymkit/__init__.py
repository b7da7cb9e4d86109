"""asymkit: put a running SaaS clone (Slack first) into a known starting state.

import asymkit

with asymkit.spin("slack", seed=asymkit.Fixture("acme-corp")) as clone:
    clone.api_url, clone.tokens.bot
    clone.reset()
"""

from __future__ import annotations

from ._version import __version__
from .clone import Clone, Tokens, spin
from .environment import Environment, EnvironmentResetReport
from .errors import (
    AsymkitError,
    CassetteInvalid,
    CassetteMismatch,
    CloneNotFound,
    CloneNotRunning,
    DatabaseUnavailable,
    EnvironmentNotFound,
    EnvironmentPartial,
    FixtureFailed,
    FixtureNotFound,
    GenerationFailed,
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
from .seed import AIReport, AISeed, Fixture, FixtureReport, ResetReport, SeedReport, SeedSpec

__all__ = [
    "AIReport",
    "AISeed",
    "AsymkitError",
    "CassetteInvalid",
    "CassetteMismatch",
    "Clone",
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
    "GenerationFailed",
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
