"""What can be applied to a clone, and what applying it reported."""

from __future__ import annotations

from typing import Any

import attrs


@attrs.frozen
class Fixture:
    """A named SQL pack from the template's ``seed.fixtures`` glob."""

    name: str


@attrs.frozen
class SeedSpec:
    """A clone's seed as the registry records it: what ``reset`` restores."""

    fixture: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> SeedSpec:
        return cls(fixture=(data or {}).get("fixture"))

    def to_json(self) -> dict[str, Any]:
        return {"fixture": self.fixture}

    def describe(self) -> str:
        return f"fixture: {self.fixture}" if self.fixture else "empty"


@attrs.frozen
class FixtureReport:
    name: str
    rows: int


@attrs.frozen
class SeedReport:
    """What a seed (or a spin's seed) wrote."""

    clone_id: str
    fixture: FixtureReport | None = None
    seconds: float = 0.0

    def summary(self) -> str:
        parts = []
        if self.fixture is not None:
            parts.append(f"fixture: {self.fixture.rows} rows")
        inner = " · ".join(parts) or "nothing"
        return f"✓ seeded {self.clone_id}  ({inner})"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.clone_id, "seconds": round(self.seconds, 4)}
        if self.fixture is not None:
            data["fixture"] = {"name": self.fixture.name, "rows": self.fixture.rows}
        return data


@attrs.frozen
class ResetReport:
    clone_id: str
    seed: SeedSpec
    rows: int
    seconds: float
    strategy: str = "rebuild"

    def summary(self) -> str:
        what = self.seed.describe()
        if self.seed.fixture:
            what += f", {self.rows} rows"
        return f"✓ reset {self.clone_id} ({what}; {self.strategy} in {self.seconds * 1000:.0f} ms)"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.clone_id,
            "seed": self.seed.to_json(),
            "rows": self.rows,
            "seconds": round(self.seconds, 4),
            "strategy": self.strategy,
        }
