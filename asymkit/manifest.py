"""Templates: find, load and validate ``clone.manifest.json``.

A template is a directory holding a manifest. The bundled ``slack`` template
ships inside the package; ``ASYMKIT_TEMPLATES_DIR`` (one or more directories,
``os.pathsep``-separated) adds a user's own, and wins on a name clash.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import attrs

from .errors import TemplateInvalid, TemplateNotFound, choices

MANIFEST = "clone.manifest.json"
# What asymkit can make for a clone beside its API tokens, once at spin, and re-send on every
# provision: an app-level token (Slack's xapp-, Socket Mode) and a signing secret (signed
# event deliveries). A manifest lists the ones its app takes ("credentials"); by default both,
# as the Slack clone and templates written for it expect.
CREDENTIALS = ("app", "signing_secret")
BUNDLED = Path(__file__).parent / "templates"


@attrs.frozen
class Template:
    """A template's manifest, with paths resolved against its directory."""

    name: str
    root: Path
    app: str
    health: str
    migrations: Path
    database: str
    fixtures: str
    api_path: str = "/api/"
    provision: str | None = None
    drain: str | None = None
    description: str = ""
    ai_entities: tuple[str, ...] = ()
    seeder: str | None = None  # seed.ai.seeder: a bundled seeder's name or "module:attr"
    fingerprint: dict[str, Any] = attrs.field(factory=dict, eq=False, hash=False)
    diff: dict[str, Any] = attrs.field(factory=dict, eq=False, hash=False)  # kinds and names
    credentials: tuple[str, ...] = CREDENTIALS
    calls: dict[str, Any] = attrs.field(factory=dict, eq=False, hash=False)  # the call log
    view: dict[str, Any] = attrs.field(factory=dict, eq=False, hash=False)  # the review page

    def database_for(self, clone_id: str) -> str:
        return self.database.format(id=clone_id.replace("-", "_"))

    def migration_files(self) -> list[Path]:
        return sorted(self.migrations.glob("*.sql"))

    @property
    def supports_ai(self) -> bool:
        return self.seeder is not None


def _require(data: dict[str, Any], key: str, path: Path) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise TemplateInvalid(f"{path} needs a non-empty string '{key}'; fix the manifest.")
    return value


def _seeder(ai: dict[str, Any], path: Path) -> str | None:
    """The AI seeder's name; a manifest from before seeders were named means Slack's."""
    if not ai:
        return None
    seeder = ai.get("seeder", "slack" if ai.get("entities") else None)
    if seeder is not None and (not isinstance(seeder, str) or not seeder):
        raise TemplateInvalid(f"{path}: 'seed.ai.seeder' must be a non-empty string.")
    return seeder


def _credentials(data: dict[str, Any], path: Path) -> tuple[str, ...]:
    value = data.get("credentials", list(CREDENTIALS))
    if not isinstance(value, list) or not all(v in CREDENTIALS for v in value):
        raise TemplateInvalid(
            f"{path}: 'credentials' must be a list of {', '.join(CREDENTIALS)} (or empty)."
        )
    return tuple(value)


def load(root: Path) -> Template:
    """Load and check the manifest in ``root``."""
    path = root / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TemplateInvalid(f"{root} has no {MANIFEST}.") from None
    except (OSError, ValueError) as exc:
        raise TemplateInvalid(f"{path} is not valid JSON ({exc}); fix the manifest.") from exc
    if not isinstance(data, dict):
        raise TemplateInvalid(f"{path} must hold a JSON object; fix the manifest.")
    seed = data.get("seed") or {}
    if not isinstance(seed, dict):
        raise TemplateInvalid(f"{path}: 'seed' must be an object; fix the manifest.")
    ai = seed.get("ai") or {}
    database = data.get("database", "clone_{id}")
    if "{id}" not in database:
        raise TemplateInvalid(f"{path}: 'database' must contain '{{id}}'; fix the manifest.")
    migrations = root / _require(data, "migrations", path)
    if not migrations.is_dir():
        raise TemplateInvalid(f"{path}: migrations directory {migrations} does not exist.")
    return Template(
        name=_require(data, "name", path),
        root=root,
        app=_require(data, "app", path),
        health=_require(data, "health", path),
        migrations=migrations,
        database=database,
        fixtures=seed.get("fixtures", "seeds/*.sql"),
        api_path=data.get("api_path", "/api/"),
        provision=data.get("provision"),
        drain=data.get("drain"),
        description=data.get("description", ""),
        ai_entities=tuple(ai.get("entities", ())),
        seeder=_seeder(ai, path),
        fingerprint=data.get("fingerprint") or {},
        diff=data.get("diff") or {},
        credentials=_credentials(data, path),
        calls=data.get("calls") or {},
        view=data.get("view") or {},
    )


def _search_path() -> list[Path]:
    extra = os.environ.get("ASYMKIT_TEMPLATES_DIR", "")
    return [Path(p).expanduser() for p in extra.split(os.pathsep) if p] + [BUNDLED]


def discover() -> dict[str, Template]:
    """Every template on the search path, by name; earlier directories win."""
    found: dict[str, Template] = {}
    for base in reversed(_search_path()):
        candidates = [base] if (base / MANIFEST).is_file() else sorted(base.glob(f"*/{MANIFEST}"))
        for manifest in candidates:
            root = manifest if manifest.is_dir() else manifest.parent
            template = load(root)
            found[template.name] = template
    return found


def find(name: str) -> Template:
    templates = discover()
    if name not in templates:
        raise TemplateNotFound(
            f"No template named '{name}'. {choices(name, templates, 'template')}"
            " Add your own with ASYMKIT_TEMPLATES_DIR."
        )
    return templates[name]
