"""Fixtures: named SQL packs from a template's ``seed.fixtures`` glob.

A fixture changes data only — rows added, changed or deleted in the tables the
migrations made — all or nothing, within a time limit
(``ASYMKIT_FIXTURE_TIMEOUT`` seconds, default 60). One that changes the
schema (``CREATE``/``ALTER``/``DROP TABLE``) or runs too long is refused with
the reason, and nothing is changed.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import FixtureFailed, FixtureNotFound, InvalidArgument, choices
from .manifest import Template

# Finding fixtures needs no database driver (`asymkit status --templates` lists them):
# psycopg loads when one is applied.
if TYPE_CHECKING:
    import psycopg

TIMEOUT = 60.0
TIMEOUT_ENV = "ASYMKIT_FIXTURE_TIMEOUT"


def available(template: Template) -> dict[str, Path]:
    """Fixture name (the file stem) to file, for ``template``."""
    return {p.stem: p for p in sorted(template.root.glob(template.fixtures)) if p.is_file()}


def find(template: Template, name: str) -> Path:
    if not name or "/" in name or "\\" in name or name.startswith(".") or name.endswith(".sql"):
        hint = f" (use '{Path(name).stem}')" if name.endswith(".sql") else ""
        raise FixtureNotFound(
            f"'{name}' is not a fixture name{hint}: pass the name of a pack from the template's"
            f" seeds, not a path. {choices(Path(name).stem, available(template), 'fixture')}"
        )
    packs = available(template)
    if name not in packs:
        raise FixtureNotFound(
            f"Template '{template.name}' has no fixture '{name}'. {choices(name, packs, 'fixture')}"
        )
    return packs[name]


def timeout() -> float:
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    try:
        value = float(raw) if raw else TIMEOUT
    except ValueError:
        value = 0.0
    if value <= 0:
        raise InvalidArgument(f"{TIMEOUT_ENV} must be a positive number of seconds, not {raw!r}.")
    return value


def apply(conn: psycopg.Connection[tuple[object, ...]], path: Path) -> int:
    """Run the fixture in the caller's transaction; return the rows it wrote."""
    import psycopg

    from . import sqlfile

    limit = timeout()
    before = _shape(conn)
    # Cancelled from outside, so that no statement in the fixture can lift the limit.
    expired = threading.Event()

    def cancel() -> None:
        expired.set()
        conn.cancel_safe()

    timer = threading.Timer(limit, cancel)
    timer.start()
    try:
        rows = sqlfile.run(conn, path, FixtureFailed, "fixture")
    except FixtureFailed as exc:
        if isinstance(exc.__cause__, psycopg.errors.QueryCanceled) and expired.is_set():
            raise FixtureFailed(
                f"Fixture {path.name} ran longer than {limit:g} s and was stopped; nothing was"
                f" changed. Make it faster, or raise {TIMEOUT_ENV}."
            ) from exc
        raise
    finally:
        timer.cancel()
    if _shape(conn) != before:
        raise FixtureFailed(
            f"Fixture {path.name} changes the schema (CREATE, ALTER or DROP of a table, column,"
            " key or trigger); a fixture may only add, change or delete rows. Move schema"
            " changes to a migration; nothing was changed."
        )
    return rows


def _shape(conn: psycopg.Connection[tuple[object, ...]]) -> str:
    from . import changes

    row = conn.execute(changes.SHAPE).fetchone()
    return str(row[0]) if row else ""
