"""Calls to a clone app's admin endpoints (provision, drain, subscription, call log).

Over the standard library's ``http.client``, not httpx: these are a few loopback POSTs,
and a CLI ``reset`` (which asks the app to drop the calls it holds) would otherwise pay
httpx's import, several times the whole reset.
"""

from __future__ import annotations

import http.client
import json
import logging
import time
import urllib.parse
from typing import TYPE_CHECKING, Any

from .errors import AsymkitError, CloneNotRunning, ProvisionFailed
from .process import HEALTH_TIMEOUT

if TYPE_CHECKING:  # target imports the Postgres driver, which `asymkit status` never loads
    from .target import Target

log = logging.getLogger(__name__)
TIMEOUT = 30.0  # one request; the 503 retries below have their own deadline


def admin_post(target: Target, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """Call one of the clone's admin endpoints (guarded by its admin secret).

    A 503 means the app has no working database connection yet (just after a rebuild's
    swap, or on a busy machine) and did nothing: the call is made again, as its
    ``Retry-After`` asks, for up to ``HEALTH_TIMEOUT``. The admin calls are idempotent.
    """
    deadline = time.monotonic() + HEALTH_TIMEOUT
    while True:
        status, headers, text = _post(target, path, body)
        if status != 503 or time.monotonic() > deadline:
            break
        time.sleep(min(_retry_after(headers.get("retry-after")), 1.0))
    if status >= 300:
        raise ProvisionFailed(f"{target.id} refused {path} with HTTP {status}: {text[:200]}")
    data: dict[str, Any] = json.loads(text)
    return data


def flush_calls(target: Target, *, discard: bool = False) -> None:
    """Have the app write the calls it gathered in memory (the manifest's ``calls.flush``),
    before the log is read or the state captured; ``discard``: drop them instead (a reset
    is about to undo their run). A stopped app has none left."""
    path = (target.template.calls or {}).get("flush")
    if not path or not target.running:
        return
    try:
        admin_post(target, str(path), {"discard": True} if discard else {})
    except AsymkitError as exc:  # a courtesy to the log: never what fails a seed or reset
        log.warning("%s: the call log was not flushed (%s)", target.id, exc)


def _post(target: Target, path: str, body: dict[str, Any]) -> tuple[int, dict[str, str], str]:
    url = urllib.parse.urlsplit(target.url)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=TIMEOUT)
    try:
        conn.request(
            "POST",
            url.path.rstrip("/") + path,
            body=json.dumps(body).encode(),
            headers={
                "Authorization": f"Bearer {target.admin_secret}",
                "Content-Type": "application/json",
            },
        )
        resp = conn.getresponse()
        text = resp.read().decode("utf-8", "replace")
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, text
    except (OSError, http.client.HTTPException) as exc:
        raise CloneNotRunning(
            f"{target.id} does not answer at {target.url} ({type(exc).__name__});"
            f" run `asymkit start {target.id}`."
        ) from exc
    finally:
        conn.close()


def _retry_after(value: str | None) -> float:
    try:
        return max(0.1, float(value or "1"))
    except ValueError:
        return 1.0
