"""Where a seed goes: a clone seen as plain values, so seeding never needs ``Clone``."""

from __future__ import annotations

import attrs

from . import postgres
from .manifest import Template


@attrs.frozen
class Target:
    """A clone's app and database as seeding, building and resetting need them."""

    id: str
    template: Template
    url: str  # the app's base URL, e.g. http://127.0.0.1:PORT
    server: postgres.Server
    database: str
    admin_secret: str = attrs.field(repr=False)
    tokens: dict[str, str] = attrs.field(factory=dict, repr=False, eq=False, hash=False)
    running: bool = True
    role: tuple[str, str] | None = attrs.field(default=None, repr=False)  # (role, password)

    @property
    def api_url(self) -> str:
        return self.url + self.template.api_path

    @property
    def dsn(self) -> str:
        return self.server.dsn(self.database)
