"""AI seeds on a clone: find the cassette, check it, replay it, verify the result."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from . import cassette as cs
from . import drive, fingerprint
from .errors import CassetteInvalid, InvalidArgument, LLMUnavailable
from .manifest import Template
from .seed import AILayer, AIReport, AISeed

if TYPE_CHECKING:
    from .clone import Clone

DEFAULT_MODE = "once"


def record_mode(ai: AISeed) -> str:
    return cs.check_mode(ai.record_mode or os.environ.get("ASYMKIT_RECORD_MODE") or DEFAULT_MODE)


def apply(
    clone: Clone, template: Template, ai: AISeed, *, verify: bool
) -> tuple[AIReport, AILayer] | str:
    """Replay ``ai``'s cassette into ``clone``; a string is why it was skipped."""
    if not template.supports_ai:
        raise InvalidArgument(
            f"Template '{template.name}' has no AI seeding (no seed.ai in its manifest);"
            " use a fixture."
        )
    mode = record_mode(ai)
    path = Path(ai.cassette).expanduser().resolve() if ai.cassette else None
    if path is None or mode == "all" or not path.exists():
        if mode == "none":
            raise CassetteInvalid(
                f"No cassette at {path}: record mode 'none' only replays. Pass an existing"
                " --cassette, or record one with --record-mode once."
            )
        if not os.environ.get("ANTHROPIC_API_KEY"):
            return (
                "AI seeding skipped: ANTHROPIC_API_KEY is not set and there is no cassette"
                " to replay (pass --cassette PATH)."
            )
        raise LLMUnavailable(
            "Generating a dataset with Claude is not available in this asymkit version yet;"
            " replay a cassette with --cassette PATH."
        )
    cassette = cs.load(path)
    cs.check_matches(
        cassette, {"template": template.name, "brief": ai.brief, "volume": ai.volume}, path
    )
    report = replay(clone, cassette)
    verified = None
    if verify:
        state = fingerprint.fingerprint(clone._server(), clone.database, template)
        if cassette.replay_fingerprint is not None:
            verified = state == cassette.replay_fingerprint
        elif mode != "none":
            cassette = attrs.evolve(cassette, replay_fingerprint=state)
            cassette.save(path)
    ai_report = AIReport(
        report.total_written, report.total_rejected, report.warnings, str(path), verified
    )
    return ai_report, AILayer(str(path), cassette.dataset.digest())


def replay(clone: Clone, cassette: cs.Cassette) -> drive.DriveReport:
    return drive.drive(cassette.dataset, base_url=clone.url, api_url=clone.api_url)


def load_layer(layer: AILayer) -> cs.Cassette:
    """The cassette of a recorded AI layer, unchanged since it was seeded."""
    cassette = cs.load(Path(layer.cassette))
    if cassette.dataset.digest() != layer.digest:
        raise CassetteInvalid(
            f"{layer.cassette} changed since it was seeded, so reset cannot restore the same"
            " state; put the original back or seed again."
        )
    return cassette
