"""What can be applied to a clone, and what applying it reported."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
from cattrs.gen import make_dict_unstructure_fn, override

from . import serde
from .errors import InvalidArgument, expect

if TYPE_CHECKING:
    from .cassette import Cassette

MAX_WARNINGS = 5
# How a cassette is used: replay if present else generate, replay only, always regenerate.
RECORD_MODES = ("once", "none", "all")

# How long work reports progress: called once per task with a label and a total,
# it returns the function to call with each step done (the CLI draws a rich bar).
ProgressFactory = Callable[[str, int], Callable[[int], None]]


def _checked(*kinds: type) -> Any:
    """An attrs validator that refuses a wrong type with ``INVALID_ARGUMENT``."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        what = f"{type(instance).__name__}.{attribute.name}"
        expect(value, kinds, what)
        if isinstance(value, int) and not isinstance(value, bool) and value < 1:
            raise InvalidArgument(f"{what} must be at least 1, not {value}.")

    return check


@attrs.frozen
class Fixture:
    """A named SQL pack from the template's ``seed.fixtures`` glob."""

    name: str = attrs.field(validator=_checked(str))


@attrs.frozen(kw_only=True)
class AISeed:
    """An AI-generated dataset, replayed from (or recorded to) a cassette.

    Fields left ``None`` are not checked against the cassette's request.
    """

    brief: str | None = attrs.field(default=None, validator=_checked(str, type(None)))
    volume: str | None = attrs.field(default=None, validator=_checked(str, type(None)))
    cassette: str | Path | None = attrs.field(
        default=None, validator=_checked(str, Path, type(None))
    )
    record_mode: str | None = attrs.field(default=None, validator=_checked(str, type(None)))
    users: int | None = attrs.field(default=None, validator=_checked(int, type(None)))
    channels: int | None = attrs.field(default=None, validator=_checked(int, type(None)))
    messages: int | None = attrs.field(default=None, validator=_checked(int, type(None)))
    client: Any = attrs.field(default=None, eq=False, repr=False)  # an anthropic.Anthropic


@attrs.frozen
class AILayer:
    """One replayed cassette in a clone's seed: its file and the dataset digest."""

    cassette: str
    digest: str


@attrs.frozen
class SeedSpec:
    """A clone's seed as the registry records it: what ``reset`` restores.

    The fixture first, then each AI layer in the order it was applied.
    """

    fixture: str | None = None
    ai: tuple[AILayer, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> SeedSpec:
        """The spec the registry recorded (``None``: nothing seeded yet)."""
        return serde.structure(data or {}, cls, "seed")

    def to_json(self) -> dict[str, Any]:
        return serde.to_dict(self)

    def check_new_layer(self, cassette: Cassette, path: str | Path) -> None:
        """Refuse to layer a dataset this seed already holds (``INVALID_ARGUMENT``).

        Replaying it again would only record a second layer whose records are
        all rejected, since every user, channel and message already exists.
        Call it before the replay touches the clone.
        """
        for layer in self.ai:
            if cassette.matches(layer.digest):
                raise InvalidArgument(
                    f"The dataset of {path} is already seeded on this clone (from"
                    f" {layer.cassette}); reset first or use another cassette."
                )

    def describe(self) -> str:
        parts = [f"fixture: {self.fixture}"] if self.fixture else []
        parts += [f"ai: {Path(a.cassette).name}" for a in self.ai]
        return ", ".join(parts) or "empty"


@attrs.frozen
class AIReport:
    written: int
    rejected: int
    warnings: tuple[str, ...]
    cassette: str
    verified: bool | None = None  # replay fingerprint checked: True/False; None: not checked


@attrs.frozen
class FixtureReport:
    name: str
    rows: int


@attrs.frozen
class SeedReport:
    """What a seed (or a spin's seed) wrote."""

    clone_id: str
    fixture: FixtureReport | None = None
    ai: AIReport | None = None
    seconds: float = 0.0
    notes: tuple[str, ...] = ()  # e.g. "AI seeding skipped: ..."

    @property
    def written(self) -> int:
        return (self.fixture.rows if self.fixture else 0) + (self.ai.written if self.ai else 0)

    @property
    def rejected(self) -> int:
        return self.ai.rejected if self.ai else 0

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.notes + (self.ai.warnings if self.ai else ())

    def summary(self) -> str:
        """The seed line users know, then at most five warning lines."""
        parts = []
        if self.fixture is not None:
            parts.append(f"fixture: {self.fixture.rows} rows")
        if self.ai is not None:
            rejected = f"{self.ai.rejected} rejected"
            if self.ai.rejected and self.ai.warnings:
                # The first is usually the cause: later records fail for depending on it.
                rejected += f", first: {self.ai.warnings[0]}"
            parts.append(f"ai: {self.ai.written} ({rejected})")
        lines = [f"✓ seeded {self.clone_id}  ({' · '.join(parts) or 'nothing'})"]
        if self.ai is not None and self.ai.verified is not None:
            lines.append(
                "  replay verified"
                if self.ai.verified
                else "  ! replay differs from the recorded fingerprint"
            )
        lines += [f"  ! {w}" for w in self.warnings[:MAX_WARNINGS]]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return serde.to_dict(self)


@attrs.frozen
class ResetReport:
    clone_id: str
    seed: SeedSpec
    rows: int  # fixture rows (rebuild), or rows deleted or written back (snapshot)
    seconds: float
    strategy: str = "rebuild"  # "snapshot" (the seed's), or "snapshot:NAME"
    ai_written: int = 0
    # Per diff kind, the records a snapshot restore put back: what `diff` showed before it,
    # which the CLI counts (the SDK's reset does not spend a diff on it). None: not counted.
    records: dict[str, int] | None = None

    def summary(self) -> str:
        what = self.seed.describe()
        ms = f"{self.seconds * 1000:.0f} ms"
        if self.strategy.startswith("snapshot"):
            name = self.strategy.partition(":")[2]
            to = f"snapshot {name}" if name else f"its seed ({what})"
            return f"✓ reset {self.clone_id} to {to}: {self._put_back()} in {ms}"
        if self.seed.fixture:
            what += f", {self.rows} rows"
        if self.seed.ai:
            what += f", {self.ai_written} ai records"
        return f"✓ reset {self.clone_id} ({what}; rebuilt in {ms})"

    def _put_back(self) -> str:
        """``3 records put back (2 messages, 1 reaction)``: numbers to hold against ``diff``."""
        if self.records is None:
            return f"{self.rows} rows put back"
        total = sum(self.records.values())
        parts = ", ".join(
            f"{n} {kind[:-1] if n == 1 and kind.endswith('s') else kind}"
            for kind, n in sorted(self.records.items())
        )
        noun = "record" if total == 1 else "records"
        return f"{total} {noun} put back" + (f" ({parts})" if parts else "")

    def to_json(self) -> dict[str, Any]:
        return serde.to_dict(self)


def _report_shape(cls: type, **fields: Any) -> None:
    """Reports print ``id`` (not ``clone_id``) and seconds to 0.1 ms; ``fields`` adds to that."""
    serde.converter.register_unstructure_hook_factory(
        lambda type_: type_ is cls,
        # Generated on first use, not at import: `import asymkit` stays cheap.
        lambda type_: make_dict_unstructure_fn(
            type_,
            serde.converter,
            clone_id=override(rename="id"),
            seconds=override(unstruct_hook=lambda value: round(value, 4)),
            **fields,
        ),
    )


# The JSON shapes `seed --json` and `reset --json` print (scripts rely on them).
_report_shape(
    SeedReport,
    fixture=override(omit_if_default=True),
    ai=override(omit_if_default=True),
    notes=override(omit_if_default=True),
)
_report_shape(ResetReport, ai_written=override(omit=True), records=override(omit_if_default=True))
