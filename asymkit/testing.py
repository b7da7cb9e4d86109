"""Test helpers: clones shared across a test session, reset before each test.

The pytest plugin is built from these, and other harnesses can use them as
they are::

    pool = asymkit.testing.ClonePool(root=Path.cwd(), record_mode="none")
    clone = pool.get(CloneConfig(fixture="acme-corp", cassette="cassettes/x.msgpack"))
    ...
    pool.close()

A configuration whose seed failed is never handed out: every test asking for
it gets the same error, with the reason, and the half-seeded clone is gone.

Grading what an agent did::

    from asymkit.testing import assert_diff, added, changed, Match

    assert_diff(clone.diff(), added("messages", channel="#support", text=Match.contains("refund")))
    assert_calls(clone.calls(), called("chat.postMessage", channel="#support"), at_most(20))
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import attrs

from .calls import assert_calls, at_most, called, not_called
from .clone import Clone, spin
from .errors import AsymkitError, CassetteInvalid
from .expect import Expect, Match, added, assert_diff, changed, removed
from .seed import AISeed

__all__ = [
    "CloneConfig",
    "ClonePool",
    "Expect",
    "Match",
    "added",
    "assert_calls",
    "assert_diff",
    "at_most",
    "called",
    "changed",
    "default_record_mode",
    "not_called",
    "removed",
]


def default_record_mode() -> str:
    """``none`` in CI (replay only: nothing reaches the Anthropic API), else ``once``."""
    return "none" if os.environ.get("CI") else "once"


@attrs.frozen(kw_only=True)
class CloneConfig:
    """What a test asks for: a template, a fixture, and a cassette layered on top."""

    template: str = "slack"
    fixture: str | None = None
    cassette: str | None = None


@attrs.define
class ClonePool:
    """One clone per configuration, spun on first use and reset on every later one.

    Relative cassette paths resolve against ``root`` (the test project's root,
    not the current directory).
    """

    root: Path
    record_mode: str = attrs.field(factory=default_record_mode)
    _clones: dict[CloneConfig, Clone] = attrs.field(factory=dict, init=False)
    _failures: dict[CloneConfig, AsymkitError] = attrs.field(factory=dict, init=False)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, init=False)

    def cassette_path(self, cassette: str) -> Path:
        path = Path(cassette).expanduser()
        return path if path.is_absolute() else self.root / path

    def get(self, config: CloneConfig) -> Clone:
        """The clone for ``config``, in exactly its seeded state."""
        with self._lock:
            if config in self._failures:
                raise self._failures[config]
            clone = self._clones.get(config)
            if clone is not None:
                clone.reset()
                return clone
            try:
                clone = self._spin(config)
            except AsymkitError as exc:
                self._failures[config] = exc
                raise
            self._clones[config] = clone
            return clone

    def _spin(self, config: CloneConfig) -> Clone:
        clone = spin(config.template, seed=config.fixture)
        try:
            if config.cassette:
                path = self.cassette_path(config.cassette)
                report = clone.seed(ai=AISeed(cassette=path, record_mode=self.record_mode))
                if report.ai is None:
                    # Skipped (no key, nothing to replay): a test must never pass on
                    # data it did not ask for.
                    raise CassetteInvalid(
                        f"{path} cannot be replayed or recorded: {'; '.join(report.notes)}"
                    )
        except BaseException:
            clone.destroy()
            raise
        return clone

    def close(self) -> None:
        """Destroy every clone this pool spun."""
        with self._lock:
            clones, self._clones = list(self._clones.values()), {}
        for clone in clones:
            clone.destroy()
