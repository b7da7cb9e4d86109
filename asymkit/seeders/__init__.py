"""Seeders: the template-specific half of AI seeding, behind one small protocol.

A template's manifest names its seeder (``seed.ai.seeder``): a bundled one by
name (``"slack"`` is ``asymkit.seeders.slack``) or the template's own as
``"module:attribute"``, imported from the template's directory. A seeder plans
the generation request, asks Claude for the data, parses what it (or a
cassette) holds into a dataset, and drives that dataset into a target over the
clone's HTTP API. Everything else — cassettes, record modes, replay, reports,
reset — is shared, so a new template's AI seeding is a new folder and no edit
elsewhere.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import TemplateInvalid

if TYPE_CHECKING:
    from .. import cassette as cs
    from ..drive import DriveReport
    from ..manifest import Template
    from ..seed import AISeed
    from ..target import Target


class Dataset(Protocol):
    """What a seeder's parsed dataset offers the shared code."""

    def counts(self) -> dict[str, int]: ...

    def to_json(self) -> dict[str, Any]: ...


class Seeder(Protocol):
    """The four steps only a template knows."""

    def request(self, template: str, asked: AISeed) -> cs.Request:
        """The full generation request for what ``asked`` names (its brief, volume and
        entity counts), with the seeder's defaults for what it leaves out."""
        ...

    def generate(self, request: cs.Request, *, client: Any) -> cs.Cassette:
        """Ask Claude (``client``: an ``anthropic.Anthropic``) for the dataset."""
        ...

    def parse(self, data: Any) -> Dataset:
        """Plain data (model output, cassette, hand-edited JSON) -> dataset."""
        ...

    def drive(
        self, dataset: Any, target: Target, *, progress: Callable[[int], None] | None
    ) -> DriveReport:
        """Create ``dataset`` in the clone at ``target`` through its API; tally the outcome."""
        ...


def for_template(template: Template) -> Seeder:
    """The seeder named by ``template``'s manifest."""
    name = template.seeder
    if not name:
        raise TemplateInvalid(
            f"Template '{template.name}' names no AI seeder (seed.ai.seeder in its manifest)."
        )
    if ":" in name:
        module_name, _, attr = name.partition(":")
        root = str(template.root)
        if root not in sys.path:
            sys.path.insert(0, root)
    else:
        module_name, attr = f"{__name__}.{name}", "SEEDER"
    try:
        seeder: Seeder = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise TemplateInvalid(
            f"Template '{template.name}' names seeder '{name}', which cannot be loaded ({exc})."
        ) from exc
    return seeder
