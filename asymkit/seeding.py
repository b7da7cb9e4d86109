"""Applying a seed to a target: the fixture layer first, then AI layers on top.

Seeding works on a plain ``Target`` (URLs, database, admin secret) and never
imports ``clone``: the clone handle locks and records, this module does the
work. AI layers come from cassettes: ``prepare`` finds, checks or generates
one before anything touches the clone (a bad cassette never leaves a
half-applied seed); ``apply`` replays it through the template's seeder.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import attrs

from . import build, faults, fingerprint, fixtures, seeders, snapshot
from . import cassette as cs
from .drive import DriveReport
from .errors import CassetteInvalid, DatabaseUnavailable, InvalidArgument
from .manifest import Template
from .seed import (
    AILayer,
    AIReport,
    AISeed,
    FixtureReport,
    ProgressFactory,
    SeedReport,
    SeedSpec,
)
from .target import Target

DEFAULT_MODE = "once"

Progress = ProgressFactory  # progress(label, total) returns advance(n): callers draw bars


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
    seeder = seeders.for_template(template)
    mode = record_mode(ai)
    path = Path(ai.cassette).expanduser().resolve() if ai.cassette else None
    counts = {"users": ai.users, "channels": ai.channels, "messages": ai.messages}
    asked = {"template": template.name, "brief": ai.brief, "volume": ai.volume, **counts}
    if path is not None and path.exists() and mode != "all":
        cassette = cs.load(path, seeder.parse)
    else:
        request = seeder.request(template.name, ai)
        path = path or default_path(request)
        if mode == "none":
            raise CassetteInvalid(
                f"No cassette at {path}: record mode 'none' only replays. Pass an existing"
                " --cassette, or record one with --record-mode once."
            )
        if path.exists() and mode == "once":
            cassette = cs.load(path, seeder.parse)
        elif ai.client is None and not os.environ.get("ANTHROPIC_API_KEY"):
            return (
                "AI seeding skipped: ANTHROPIC_API_KEY is not set and there is no cassette"
                f" to replay at {path}."
            )
        else:
            cassette = seeder.generate(request, client=ai.client)
            cassette.save(path)  # frozen before any replay, so a failed replay loses nothing
    cs.check_matches(cassette, asked, path)
    return Prepared(cassette, path, mode)


def default_path(request: cs.Request) -> Path:
    """``cassettes/<template>-<volume>-<request digest>.msgpack`` under the working directory:
    the same request finds its cassette again."""
    digest = request.fingerprint().split(":")[1][:10]
    return Path("cassettes").resolve() / f"{request.template}-{request.volume}-{digest}.msgpack"


def apply(
    target: Target,
    spec: SeedSpec,
    *,
    fixture: str | None,
    prepared: Prepared | str | None,
    record: Callable[[SeedSpec], None],
    progress: Progress | None = None,
) -> SeedReport:
    """Apply a fixture and/or a prepared AI layer to ``target``, whose seed is ``spec``.

    A fixture replaces the state with migrations + fixture (built aside and
    swapped in: on failure nothing changes); an AI layer is replayed on top.
    ``record`` is told the new seed after each step, so the registry always
    names what the database holds; a snapshot of the result is taken last.
    """
    started = time.perf_counter()
    template = target.template
    path = fixtures.find(template, fixture) if fixture else None
    fixture_report = ai_report = None
    if not build.repair(target.server, target.database) and path is None:
        raise DatabaseUnavailable(
            f"{target.id}'s database was lost by an interrupted reset;"
            f" run `asymkit reset {target.id}` first."
        )
    if path is not None and fixture is not None:
        rows = build.build_database(target.server, template, target.database, path, target.role)
        faults.point("seed:fixture-applied")
        spec = SeedSpec(fixture=fixture)
        record(spec)
        build.after_rebuild(target)
        fixture_report = FixtureReport(fixture, rows)
    if isinstance(prepared, Prepared):
        if fixture is None:  # a fixture replaces the AI layers: nothing to repeat then
            spec.check_new_layer(prepared.cassette, prepared.path)
        ai_report, layer = _apply_ai(target, prepared, verify=spec == SeedSpec(), progress=progress)
        spec = attrs.evolve(spec, ai=(*spec.ai, layer))
        record(spec)
    if fixture_report is not None or ai_report is not None:
        snapshot.take(target, spec)
    return SeedReport(
        target.id,
        fixture=fixture_report,
        ai=ai_report,
        notes=(prepared,) if isinstance(prepared, str) else (),
        seconds=time.perf_counter() - started,
    )


def _apply_ai(
    target: Target, prepared: Prepared, *, verify: bool, progress: Progress | None
) -> tuple[AIReport, AILayer]:
    """Replay a prepared cassette; verify (or record) its fingerprint on an empty clone."""
    cassette, path = prepared.cassette, prepared.path
    report = replay(target, cassette, progress=progress)
    verified = None
    if verify:
        state = fingerprint.fingerprint(target.server, target.database, target.template)
        if cassette.replay_fingerprint is not None:
            verified = state == cassette.replay_fingerprint
        elif prepared.mode != "none":
            cassette = attrs.evolve(cassette, replay_fingerprint=state)
            cassette.save(path)
    ai_report = AIReport(
        report.total_written, report.total_rejected, report.warnings, str(path), verified
    )
    return ai_report, AILayer(str(path), cassette.digest)


def replay(
    target: Target, cassette: cs.Cassette, *, progress: Progress | None = None
) -> DriveReport:
    """Drive the cassette's dataset into the target through its template's seeder."""
    seeder = seeders.for_template(target.template)
    total = sum(cassette.dataset.counts().values())
    advance = progress(f"seeding {target.id}", total) if progress else None
    return seeder.drive(cassette.dataset, target, progress=advance)


def load_layer(template: Template, layer: AILayer) -> cs.Cassette:
    """The cassette of a recorded AI layer, unchanged since it was seeded."""
    cassette = cs.load(Path(layer.cassette), seeders.for_template(template).parse)
    if not cassette.matches(layer.digest):
        raise CassetteInvalid(
            f"{layer.cassette} changed since it was seeded, so reset cannot restore the same"
            " state; put the original back or seed again."
        )
    return cassette
