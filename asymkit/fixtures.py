"""Fixtures: named SQL packs from a template's ``seed.fixtures`` glob."""

from __future__ import annotations

from pathlib import Path

import psycopg

from . import sqlfile
from .errors import FixtureFailed, FixtureNotFound, choices
from .manifest import Template


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


def apply(conn: psycopg.Connection[tuple[object, ...]], path: Path) -> int:
    """Run the fixture in the caller's transaction; return the rows it wrote."""
    return sqlfile.run(conn, path, FixtureFailed, "fixture")
