"""Environments: named groups of clones, spun, reset and destroyed together."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import attrs

from . import registry
from .clone import Clone, spin
from .errors import AsymkitError, EnvironmentNotFound, InvalidArgument, choices, expect
from .registry import EnvironmentRecord
from .seed import AISeed, Fixture, ResetReport


@attrs.frozen
class MemberResult:
    clone_id: str
    ok: bool
    seconds: float
    error: str | None = None
    report: ResetReport | None = None


@attrs.frozen
class EnvironmentResetReport:
    name: str
    results: tuple[MemberResult, ...]
    seconds: float

    @property
    def state(self) -> str:
        return "ok" if all(r.ok for r in self.results) else "partial"

    def to_json(self) -> dict[str, Any]:
        return {
            "env": self.name,
            "state": self.state,
            "seconds": round(self.seconds, 4),
            "clones": [
                {"id": r.clone_id, "ok": r.ok, "seconds": round(r.seconds, 4), "error": r.error}
                for r in self.results
            ],
        }


@attrs.define
class Environment:
    """A named group of clones, reset or destroyed together."""

    name: str

    @classmethod
    def create(cls, name: str) -> Environment:
        registry.check_env_name(name)
        with registry.transaction() as state:
            state.environments.setdefault(name, EnvironmentRecord(name=name))
        return cls(name)

    @classmethod
    def get(cls, name: str) -> Environment:
        cls._record(name)
        return cls(name)

    @classmethod
    def all(cls) -> list[Environment]:
        return [cls(n) for n in sorted(registry.read().environments)]

    @staticmethod
    def _record(name: str) -> EnvironmentRecord:
        envs = registry.read().environments
        if name not in envs:
            raise EnvironmentNotFound(
                f"No environment '{name}'. {choices(name, envs, 'environment')}"
            )
        return envs[name]

    @property
    def clones(self) -> list[Clone]:
        return [Clone.get(c) for c in self._record(self.name).clones]

    @property
    def state(self) -> str:
        return self._record(self.name).state

    def to_json(self) -> dict[str, Any]:
        record = self._record(self.name)
        return {"name": self.name, "state": record.state, "clones": list(record.clones)}

    def _each(
        self,
        action: Callable[[Clone], object],
        workers: int,
        progress: Callable[[int], None] | None = None,
    ) -> list[MemberResult]:
        """Run ``action`` on every member, a few at once; collect each outcome."""
        ids = self._record(self.name).clones

        def run(clone_id: str) -> MemberResult:
            started = time.perf_counter()
            try:
                outcome = action(Clone.get(clone_id))
            except AsymkitError as exc:
                return MemberResult(clone_id, False, time.perf_counter() - started, str(exc))
            except Exception as exc:  # one member's surprise must not stop the others
                why = f"unexpected {type(exc).__name__}: {exc}"
                return MemberResult(clone_id, False, time.perf_counter() - started, why)
            finally:
                if progress is not None:
                    progress(1)
            report = outcome if isinstance(outcome, ResetReport) else None
            return MemberResult(clone_id, True, time.perf_counter() - started, report=report)

        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(ids) or 1))) as pool:
            return list(pool.map(run, ids))

    def spin(
        self,
        template: str = "slack",
        *,
        count: int = 1,
        seed: Fixture | str | None = None,
        ai: AISeed | None = None,
        workers: int = 4,
        rate_limits: bool = False,
    ) -> tuple[list[Clone], list[str]]:
        """Spin ``count`` clones into this environment, a few at once.

        Returns the clones that came up and the errors of those that did not.
        """
        expect(count, int, "Environment.spin()'s count")
        expect(workers, int, "Environment.spin()'s workers")
        if count < 1 or workers < 1:
            raise InvalidArgument("count and workers must be at least 1.")

        def one(_: int) -> Clone | str:
            try:
                return spin(template, seed=seed, ai=ai, env=self.name, rate_limits=rate_limits)
            except AsymkitError as exc:
                return str(exc)

        with ThreadPoolExecutor(max_workers=max(1, min(workers, count))) as pool:
            outcomes = list(pool.map(one, range(count)))
        return (
            [o for o in outcomes if isinstance(o, Clone)],
            [o for o in outcomes if isinstance(o, str)],
        )

    def reset(
        self, *, workers: int = 4, progress: Callable[[int], None] | None = None
    ) -> EnvironmentResetReport:
        """Reset every member, a few at once; one failure does not stop the others."""
        expect(workers, int, "Environment.reset()'s workers")
        if workers < 1:
            raise InvalidArgument("workers must be at least 1.")
        started = time.perf_counter()
        results = tuple(self._each(Clone.reset, workers, progress))
        report = EnvironmentResetReport(self.name, results, time.perf_counter() - started)
        with registry.transaction() as state:
            env = state.environments.get(self.name)
            if env is not None:
                state.environments[self.name] = attrs.evolve(env, state=report.state)
        return report

    def destroy(self, *, workers: int = 4) -> list[MemberResult]:
        """Destroy every member, then the environment (kept if a member could not go)."""
        results = self._each(Clone.destroy, workers)
        with registry.transaction() as state:
            if all(r.ok for r in results):
                state.environments.pop(self.name, None)
        return results
