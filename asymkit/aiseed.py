"""AI seeds on a clone: find the cassette, check it, replay it, verify the result."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from . import cassette as cs
from . import drive, fingerprint, generate
from .errors import CassetteInvalid, InvalidArgument
from .manifest import Template
from .progress import Bar
from .seed import AILayer, AIReport, AISeed

if TYPE_CHECKING:
    from .clone import Clone

DEFAULT_MODE = "once"


def record_mode(ai: AISeed) -> str:
    return cs.check_mode(ai.record_mode or os.environ.get("ASYMKIT_RECORD_MODE") or DEFAULT_MODE)


@attrs.frozen
class Prepared:
    """A cassette ready to replay: loaded and checked, or freshly generated and saved."""

    cassette: cs.Cassette
    path: Path
    mode: str


def prepare(template: Template, ai: AISeed) -> Prepared | str:
    """Find, check or generate ``ai``'s cassette, before anything touches the clone.

    A string is why AI seeding is skipped (no key and nothing to replay).
    """
    if not template.supports_ai:
        raise InvalidArgument(
            f"Template '{template.name}' has no AI seeding (no seed.ai in its manifest);"
            " use a fixture."
        )
    mode = record_mode(ai)
    path = Path(ai.cassette).expanduser().resolve() if ai.cassette else None
    asked = {
        "template": template.name,
        "brief": ai.brief,
        "volume": ai.volume,
        "users": ai.users,
        "channels": ai.channels,
        "messages": ai.messages,
    }
    if path is not None and path.exists() and mode != "all":
        cassette = cs.load(path)
    else:
        request = generate.request_for(
            template.name,
            brief=ai.brief,
            volume=ai.volume,
            users=ai.users,
            channels=ai.channels,
            messages=ai.messages,
        )
        path = path or default_path(request)
        if mode == "none":
            raise CassetteInvalid(
                f"No cassette at {path}: record mode 'none' only replays. Pass an existing"
                " --cassette, or record one with --record-mode once."
            )
        if path.exists() and mode == "once":
            cassette = cs.load(path)
        elif ai.client is None and not os.environ.get("ANTHROPIC_API_KEY"):
            return (
                "AI seeding skipped: ANTHROPIC_API_KEY is not set and there is no cassette"
                f" to replay at {path}."
            )
        else:
            cassette = generate.generate(request, client=ai.client)
            cassette.save(path)  # frozen before any replay, so a failed replay loses nothing
    cs.check_matches(cassette, asked, path)
    return Prepared(cassette, path, mode)


def apply(
    clone: Clone, template: Template, prepared: Prepared, *, verify: bool, progress: bool = False
) -> tuple[AIReport, AILayer]:
    """Replay a prepared cassette into ``clone``; verify (or record) its fingerprint."""
    cassette, path = prepared.cassette, prepared.path
    report = replay(clone, cassette, progress=progress)
    verified = None
    if verify:
        state = fingerprint.fingerprint(clone._server(), clone.database, template)
        if cassette.replay_fingerprint is not None:
            verified = state == cassette.replay_fingerprint
        elif prepared.mode != "none":
            cassette = attrs.evolve(cassette, replay_fingerprint=state)
            cassette.save(path)
    ai_report = AIReport(
        report.total_written, report.total_rejected, report.warnings, str(path), verified
    )
    return ai_report, AILayer(str(path), cassette.digest)


def default_path(request: cs.Request) -> Path:
    """``cassettes/<template>-<volume>-<request digest>.msgpack`` under the working directory:
    the same request finds its cassette again."""
    digest = request.fingerprint().split(":")[1][:10]
    return Path("cassettes").resolve() / f"{request.template}-{request.volume}-{digest}.msgpack"


def replay(clone: Clone, cassette: cs.Cassette, *, progress: bool = False) -> drive.DriveReport:
    """Drive the cassette's dataset into the clone (a bar on a terminal if ``progress``)."""
    total = sum(cassette.dataset.counts().values())
    bar = Bar(f"seeding {clone.id}", total) if progress else None
    try:
        return drive.drive(
            cassette.dataset,
            base_url=clone.url,
            api_url=clone.api_url,
            progress=bar.advance if bar else None,
        )
    finally:
        if bar:
            bar.close()


def load_layer(layer: AILayer) -> cs.Cassette:
    """The cassette of a recorded AI layer, unchanged since it was seeded."""
    cassette = cs.load(Path(layer.cassette))
    if not cassette.matches(layer.digest):
        raise CassetteInvalid(
            f"{layer.cassette} changed since it was seeded, so reset cannot restore the same"
            " state; put the original back or seed again."
        )
    return cassette
