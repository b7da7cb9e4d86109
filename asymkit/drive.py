"""Driving a dataset into a clone: the generic half, shared by every seeder.

A seeder's driver (``asymkit/seeders/<template>/drive.py``) decides which
calls to make, in what order; this module sends them (``RestApi``), turns a
refusal into a short reason (``Rejected``) and tallies what was written and
rejected per kind (``Tally`` -> ``DriveReport``). Seeding is best effort: a
rejected record is counted with a warning and the seed goes on.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import attrs
import httpx

from .errors import CloneNotRunning

MAX_WARNINGS = 5


@attrs.frozen
class DriveReport:
    written: dict[str, int]
    rejected: dict[str, int]
    warnings: tuple[str, ...]  # every warning; show at most MAX_WARNINGS

    @property
    def total_written(self) -> int:
        return sum(self.written.values())

    @property
    def total_rejected(self) -> int:
        return sum(self.rejected.values())


class Tally:
    """Written and rejected records per kind, safe to update from several threads."""

    def __init__(self, kinds: tuple[str, ...]) -> None:
        self.kinds = kinds
        self.written: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()
        self.warnings: list[str] = []
        self._lock = threading.Lock()

    def ok(self, kind: str) -> None:
        with self._lock:
            self.written[kind] += 1

    def reject(self, kind: str, warning: str) -> None:
        with self._lock:
            self.rejected[kind] += 1
            self.warnings.append(warning)

    def report(self) -> DriveReport:
        return DriveReport(
            {k: self.written[k] for k in self.kinds},
            {k: self.rejected[k] for k in self.kinds},
            tuple(self.warnings),
        )


class Rejected(Exception):
    """The clone refused one call; the message is the short reason shown as a warning."""


ADMIN_HEADER = "X-Clone-Admin"  # the clone's admin secret, on its account endpoints


class RestApi:
    """Thin calls to a clone: its REST endpoints and a Slack-style ``{"ok": ...}`` envelope.

    With ``admin_secret``, REST calls carry it (``X-Clone-Admin``): a clone's
    sign-up and join endpoints serve only the one who runs the clone.
    """

    def __init__(
        self, http: httpx.Client, base: str, api: str, admin_secret: str | None = None
    ) -> None:
        self.http, self.base, self.api = http, base, api
        self.admin = {ADMIN_HEADER: admin_secret} if admin_secret else {}

    def rest(self, path: str, body: dict[str, Any], token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        r = self._send("POST", self.base + path, json=body, headers={**self.admin, **headers})
        data = r.json()
        if r.status_code >= 300:
            raise Rejected(f"{r.status_code} {data.get('error', 'error')}")
        return data

    def call(self, method: str, token: str, **params: Any) -> Any:
        """An API method answering ``{"ok": true|false, ...}``; ``ok: false`` is rejected."""
        r = self._send(
            "POST", self.api + method, json=params, headers={"Authorization": f"Bearer {token}"}
        )
        data = r.json()
        if not data.get("ok"):
            raise Rejected(str(data.get("error", r.status_code)))
        return data

    def get(self, path: str) -> Any:
        return self._send("GET", self.base + path, headers=self.admin).json()

    def _send(self, method: str, url: str, **kw: Any) -> httpx.Response:
        try:
            return self.http.request(method, url, **kw)
        except httpx.TransportError as exc:
            raise CloneNotRunning(
                f"The clone at {self.base} stopped answering ({type(exc).__name__});"
                " check `asymkit status` and `asymkit logs`."
            ) from exc
