"""Every failure asymkit reports, each with a stable ``code`` and a sentence that says what to do.

The tree::

    AsymkitError
    ├── CloneNotFound          CLONE_NOT_FOUND
    ├── CloneNotRunning        CLONE_NOT_RUNNING
    ├── CloneBusy              CLONE_BUSY
    ├── TemplateNotFound       TEMPLATE_NOT_FOUND
    ├── TemplateInvalid        TEMPLATE_INVALID
    ├── FixtureNotFound        FIXTURE_NOT_FOUND
    ├── FixtureFailed          FIXTURE_FAILED
    ├── MigrationFailed        MIGRATION_FAILED
    ├── EnvironmentNotFound    ENV_NOT_FOUND
    ├── EnvironmentPartial     ENV_PARTIAL
    ├── HealthTimeout          HEALTH_TIMEOUT
    ├── PortInUse              PORT_IN_USE
    ├── DatabaseUnavailable    DATABASE_UNAVAILABLE
    ├── NotOwned               NOT_OWNED
    ├── RegistryCorrupt        REGISTRY_CORRUPT
    ├── ProvisionFailed        PROVISION_FAILED
    ├── InvalidArgument        INVALID_ARGUMENT
    │   └── ExpectationInvalid EXPECTATION_INVALID  (an expectation file asymkit cannot use)
    ├── LLMUnavailable         LLM_UNAVAILABLE
    ├── GenerationFailed       GENERATION_FAILED
    ├── CassetteInvalid        CASSETTE_INVALID
    ├── CassetteMismatch       CASSETTE_MISMATCH
    ├── SnapshotNotFound       SNAPSHOT_NOT_FOUND
    ├── SnapshotInvalid        SNAPSHOT_INVALID
    ├── EventsUrlRejected      EVENTS_URL_REJECTED
    ├── DiffMismatch           DIFF_MISMATCH   (also an AssertionError, for pytest)
    └── CallsMismatch          CALLS_MISMATCH  (also an AssertionError, for pytest)
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class AsymkitError(Exception):
    """Root of asymkit's errors; ``code`` is stable, the message is for people."""

    code = "ASYMKIT_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class CloneNotFound(AsymkitError):
    code = "CLONE_NOT_FOUND"


class CloneNotRunning(AsymkitError):
    code = "CLONE_NOT_RUNNING"


class CloneBusy(AsymkitError):
    """A reset or snapshot could not lock the clone's tables in time; nothing changed."""

    code = "CLONE_BUSY"


class TemplateNotFound(AsymkitError):
    code = "TEMPLATE_NOT_FOUND"


class TemplateInvalid(AsymkitError):
    code = "TEMPLATE_INVALID"


class FixtureNotFound(AsymkitError):
    code = "FIXTURE_NOT_FOUND"


class FixtureFailed(AsymkitError):
    code = "FIXTURE_FAILED"


class MigrationFailed(AsymkitError):
    code = "MIGRATION_FAILED"


class EnvironmentNotFound(AsymkitError):
    code = "ENV_NOT_FOUND"


class EnvironmentPartial(AsymkitError):
    code = "ENV_PARTIAL"


class HealthTimeout(AsymkitError):
    code = "HEALTH_TIMEOUT"


class PortInUse(AsymkitError):
    code = "PORT_IN_USE"


class DatabaseUnavailable(AsymkitError):
    code = "DATABASE_UNAVAILABLE"


class NotOwned(AsymkitError):
    """A database or role on a shared server that another asymkit home made."""

    code = "NOT_OWNED"


class RegistryCorrupt(AsymkitError):
    code = "REGISTRY_CORRUPT"


class ProvisionFailed(AsymkitError):
    code = "PROVISION_FAILED"


class InvalidArgument(AsymkitError):
    code = "INVALID_ARGUMENT"


class ExpectationInvalid(InvalidArgument):
    """An expectation file (``asymkit diff --expect``) that cannot be read or says nothing
    asymkit can check: unknown keys, wrong types, a bad matcher."""

    code = "EXPECTATION_INVALID"


class LLMUnavailable(AsymkitError):
    code = "LLM_UNAVAILABLE"


class GenerationFailed(AsymkitError):
    code = "GENERATION_FAILED"


class CassetteInvalid(AsymkitError):
    code = "CASSETTE_INVALID"


class CassetteMismatch(AsymkitError):
    code = "CASSETTE_MISMATCH"


class SnapshotNotFound(AsymkitError):
    code = "SNAPSHOT_NOT_FOUND"


class SnapshotInvalid(AsymkitError):
    code = "SNAPSHOT_INVALID"


class EventsUrlRejected(AsymkitError):
    """An Events API URL did not answer the ``url_verification`` challenge."""

    code = "EVENTS_URL_REJECTED"


class DiffMismatch(AsymkitError, AssertionError):
    """A clone's changes are not what the grader expected."""

    code = "DIFF_MISMATCH"


def expect(value: object, kinds: type | tuple[type, ...], what: str) -> None:
    """Refuse a wrong type at the public API's edge: ``INVALID_ARGUMENT`` naming it.

    ``what`` reads as the sentence's subject, e.g. ``"spin()'s template"``.
    """
    kinds = kinds if isinstance(kinds, tuple) else (kinds,)
    ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
    if not ok:
        names = " or ".join("None" if k is type(None) else k.__name__ for k in kinds)
        raise InvalidArgument(f"{what} must be {names}, not {type(value).__name__}.")


def shown(text: str, limit: int = 60) -> str:
    """``text`` quoted for a message, cut to about ``limit`` characters: names that come from
    users are echoed, but a 10,000-character one must not flood the terminal."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text)} characters)"


def choices(given: str, valid: Iterable[str], noun: str) -> str:
    """``"Available <noun>s: a, b. Did you mean 'a'?"`` for error messages."""
    names = sorted(valid)
    if not names:
        return f"There are no {noun}s."
    text = f"Available {noun}s: {', '.join(names)}."
    close = difflib.get_close_matches(given, names, n=1, cutoff=0.5)
    if close:
        text += f" Did you mean '{close[0]}'?"
    return text


class CallsMismatch(AsymkitError, AssertionError):
    """A clone's calls are not what the grader expected."""

    code = "CALLS_MISMATCH"
