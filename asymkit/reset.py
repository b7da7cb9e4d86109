"""Reset: bring a target back to exactly its last seed.

``auto`` restores the snapshot taken right after the seed when it is still
valid (milliseconds; the app keeps its connections), and falls back to the
full rebuild for anything else; ``rebuild`` forces the full path: drop,
migrate, fixture, replay AI layers from their cassettes (never calling the
model), then take a fresh snapshot. Both yield the same state.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from . import faults, fixtures, snapshot
from .errors import DatabaseUnavailable, InvalidArgument, SnapshotInvalid
from .seed import ResetReport, SeedSpec
from .target import Target

# The rebuild's machinery (build: httpx; seeding: cassettes, seeders) loads only when a
# reset needs it: the snapshot restore, the usual path, uses neither.
if TYPE_CHECKING:
    from . import seeding

STRATEGIES = ("auto", "rebuild")


def check_strategy(strategy: str) -> str:
    if strategy not in STRATEGIES:
        raise InvalidArgument(f"Unknown reset strategy '{strategy}': use auto or rebuild.")
    return strategy


def reset(
    target: Target,
    spec: SeedSpec,
    *,
    strategy: str = "auto",
    progress: seeding.Progress | None = None,
    building: Callable[[bool], None] = lambda busy: None,
) -> ResetReport:
    """Restore ``target`` to ``spec``: the snapshot when valid, else a full rebuild.

    A busy clone is no reason to rebuild: when requests keep its tables locked the
    restore waits, then fails with ``CLONE_BUSY`` leaving the clone and its snapshots
    as they were. Only a changed source or a snapshot that cannot be used rebuilds.

    ``building(True)`` is called before a rebuild starts and ``building(False)``
    once it is complete, so an interrupted one can be told apart.
    """
    check_strategy(strategy)
    template = target.template
    started = time.perf_counter()
    path = fixtures.find(template, spec.fixture) if spec.fixture else None
    if strategy == "auto":
        source = snapshot.source_digest(template, spec, path)
        try:
            restored = snapshot.restore(
                target.server, target.database, snapshot.SEED, source, clone=target.id
            )
        except DatabaseUnavailable:
            from . import build

            # Left refusing connections by a killed rebuild: let them in again and
            # restore; half-dropped or gone, the rebuild below makes it anew.
            restored = None
            if build.repair(target.server, target.database):
                restored = snapshot.restore(
                    target.server, target.database, snapshot.SEED, source, clone=target.id
                )
        if restored is not None:
            return ResetReport(
                target.id, spec, restored, time.perf_counter() - started, strategy="snapshot"
            )
    from . import build, seeding

    layers = [seeding.load_layer(template, layer) for layer in spec.ai]
    building(True)
    build.repair(target.server, target.database)
    if not target.running:  # no snapshot without the app's tokens: the next reset rebuilds
        rows = build.build_database(target.server, template, target.database, path, target.role)
        written = sum(
            seeding.replay(target, cassette, progress=progress).total_written for cassette in layers
        )
        building(False)
        return ResetReport(target.id, spec, rows, time.perf_counter() - started, ai_written=written)
    # Built, provisioned, seeded and snapshotted in the staging database, through an app
    # only this process knows: no client of the clone can write into the new seed.
    rows = build.build_staging(target.server, template, target.database, path, target.role)
    staging = build.staging_name(target.database)
    with build.private_app(target, staging) as private:
        written = sum(
            seeding.replay(private, cassette, progress=progress).total_written
            for cassette in layers
        )
        snapshot.take(private, spec)
        faults.point("build:seeded-privately")
    build.swap_in(target.server, target.database)
    build.after_swap(target, private.tokens)
    building(False)
    return ResetReport(target.id, spec, rows, time.perf_counter() - started, ai_written=written)


def reset_to(target: Target, name: str) -> ResetReport:
    """Restore the named snapshot ``name`` (taken with ``clone.snapshot(name)``)."""
    started = time.perf_counter()
    snapshot.require(target.server, target.database, name)
    rows = snapshot.restore(target.server, target.database, name, clone=target.id)
    if rows is None:
        raise SnapshotInvalid(
            f"Snapshot '{name}' of {target.id} no longer fits the clone's tables (a new seed or"
            f" a rebuild changed them); take it again, or reset to the seed."
        )
    return ResetReport(
        target.id, SeedSpec(), rows, time.perf_counter() - started, strategy=f"snapshot:{name}"
    )
