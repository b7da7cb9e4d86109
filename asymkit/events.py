"""``clone.events``: the events a clone raises, and where it sends them.

A Slack clone raises an event (an Events API envelope) for each write through
its Web API. It sends them to the app over Socket Mode while a connection is
open, else to the subscribed Events API URL (signed POSTs), else queues them.
This module is the SDK's side: the subscription (kept in the registry and
re-sent whenever the app starts, since the app holds it in memory) and the
record of every event raised, for tests (``recorded``) and ``asymkit events
ID --log`` (``stream``).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import attrs
import httpx

from . import http, registry
from .errors import CloneNotRunning, EventsUrlRejected, InvalidArgument, ProvisionFailed

if TYPE_CHECKING:
    from .clone import Clone

SUBSCRIPTION = "/clone/events/subscription"
RECORD = "/clone/events"
TOKENS = "/clone/tokens"
# Long-poll window of one request of `stream` (the clone caps it at 30 s).
POLL_SECONDS = 25.0


def admin_call(
    clone: Clone,
    method: str,
    path: str,
    *,
    body: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
    timeout: float = 30.0,
) -> httpx.Response:
    """One call to a clone admin endpoint; a clone that does not answer is CLONE_NOT_RUNNING."""
    try:
        return http.client().request(
            method,
            clone.url + path,
            json=body,
            params=params,
            headers={"Authorization": f"Bearer {clone.record.admin_secret}"},
            timeout=timeout,
        )
    except httpx.TransportError as exc:
        raise CloneNotRunning(
            f"{clone.id} does not answer at {clone.url} ({type(exc).__name__});"
            f" run `asymkit start {clone.id}`."
        ) from exc


def _json(clone: Clone, resp: httpx.Response, what: str) -> dict[str, Any]:
    if resp.status_code in (404, 405):  # the answers these endpoints mean are handled before
        raise InvalidArgument(
            f"{clone.id}'s template '{clone.record.template}' does not serve {what};"
            " events and member tokens are for templates that do (slack)."
        )
    if resp.status_code >= 300:
        raise ProvisionFailed(
            f"{clone.id} refused {what} with HTTP {resp.status_code}: {resp.text[:200]}"
        )
    data: dict[str, Any] = resp.json()
    return data


def _error_of(resp: httpx.Response) -> tuple[str, str]:
    """``(error, detail)`` of a clone's REST error answer."""
    try:
        data = resp.json()
    except ValueError:
        return "", resp.text[:200]
    if not isinstance(data, dict):
        return "", str(data)[:200]
    return str(data.get("error") or ""), str(data.get("detail") or "")


def user_token(clone: Clone, who: str) -> str:
    """An ``xoxp-`` token acting as member ``who`` (``@handle`` or a ``U…`` id)."""
    # An id is the template's own (Slack's U…, another template's UUID): letters, digits, dashes.
    if not who or not (who.startswith("@") or who.replace("-", "").isalnum()):
        raise InvalidArgument(
            f"'{who}' names no member: use @handle (e.g. @maya) or a user id (U…)."
        )
    resp = admin_call(clone, "POST", TOKENS, body={"kind": "user", "user": who})
    if resp.status_code == 404:
        error, _ = _error_of(resp)
        if error in ("user_not_found", "users_not_found"):
            raise InvalidArgument(
                f"No member {who} in {clone.id}; `users.list` (or the seed) names its members."
            )
    return str(_json(clone, resp, "per-member tokens")["token"])


def scoped_token(clone: Clone, scopes: list[str], *, kind: str = "bot") -> str:
    """A new ``kind`` (bot or user) token with exactly ``scopes``: what a narrower Slack
    app would hold, for testing ``missing_scope``."""
    if kind not in ("bot", "user"):
        raise InvalidArgument(f"A scoped token is a bot or a user token, not {kind!r}.")
    if not scopes or not all(isinstance(s, str) and s and "," not in s for s in scopes):
        raise InvalidArgument("Give the scopes as names, e.g. chat:write,channels:read.")
    resp = admin_call(clone, "POST", TOKENS, body={"kind": kind, "scopes": scopes})
    return str(_json(clone, resp, "scoped tokens")["token"])


@attrs.frozen
class Subscription:
    """Where the clone sends events when no Socket Mode app is connected, and which ones."""

    url: str | None
    types: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "types": list(self.types)}


def _check_url(url: str) -> None:
    """Refuse what is not an http(s) URL, in one sentence, before the clone is asked."""
    shown = url if len(url) <= 200 else url[:200] + "..."
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - reading the port is what checks it
    except ValueError as exc:
        raise InvalidArgument(f"'{shown}' is not a valid URL ({exc}).") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidArgument(f"'{shown}' is not an http(s) URL to send events to.")


def _check_types(types: tuple[str, ...]) -> list[str]:
    bad = [t for t in types if not isinstance(t, str) or not t or " " in t or "," in t]
    if bad or not types:
        raise InvalidArgument(
            "Event types are names like message.channels, app_mention, reaction_added"
            f" (got {', '.join(map(repr, bad)) or 'none'})."
        )
    return list(dict.fromkeys(types))


@attrs.define
class Events:
    """The events of one clone: its subscription and its record of events raised."""

    clone: Clone

    def subscription(self) -> Subscription:
        """The current subscription, as the clone's app holds it."""
        return self._set({})

    def subscribe(self, url: str) -> Subscription:
        """Send events to ``url`` (Events API over HTTP) once it answers the
        ``url_verification`` challenge; until then the old URL stays."""
        _check_url(url)
        return self._set({"url": url})

    def unsubscribe(self) -> Subscription:
        """Stop sending events over HTTP (Socket Mode and the record are unaffected)."""
        return self._set({"url": None})

    def types(self, *names: str) -> Subscription:
        """Set the subscribed event types (``message.channels``, ``app_mention``, ...)."""
        return self._set({"types": _check_types(names)})

    def _set(self, body: dict[str, Any]) -> Subscription:
        """Change what ``body`` names (``url``, ``types``); the rest stays as it is."""
        resp = admin_call(self.clone, "POST", SUBSCRIPTION, body=body, timeout=15.0)
        if resp.status_code == 400:
            error, detail = _error_of(resp)
            if error == "url_verification_failed":
                url = body.get("url")
                why = detail.removeprefix(f"{url}: ") or "no detail"
                raise EventsUrlRejected(
                    f"{url} failed the url_verification challenge ({why}); it must answer"
                    " the challenge within 3 s. The subscription is unchanged."
                )
            raise InvalidArgument(
                f"{self.clone.id} refused the subscription ({error}): {detail or resp.text[:200]}"
            )
        return self._saved(_json(self.clone, resp, "events"))

    def _saved(self, data: dict[str, Any]) -> Subscription:
        sub = Subscription(url=data.get("url"), types=tuple(data.get("types") or ()))
        if self.clone.record.events != sub.to_json():
            self.clone.record = registry.save_clone(self.clone.id, events=sub.to_json())
        return sub

    def recorded(self, after: str | None = None) -> list[dict[str, Any]]:
        """Every event raised since the last seed (or after event id ``after``), oldest first.

        Each is ``{"event_id", "event_time", "type", "delivered", "payload"}``,
        ``payload`` being the Events API envelope the app gets.
        """
        out: list[dict[str, Any]] = []
        while True:
            page = self._page(after, wait=0)
            if not page["events"]:
                return out
            out.extend(page["events"])
            after = page["events"][-1]["event_id"]

    def stream(self, *, after: str | None = None) -> Iterator[dict[str, Any]]:
        """Events as they are raised (long-polling), from now on or after event ``after``."""
        if after is None:
            after = self._page(None, wait=0).get("last") or None
            while True:  # skip what is already recorded
                page = self._page(after, wait=0)
                if not page["events"]:
                    break
                after = page["events"][-1]["event_id"]
        while True:
            page = self._page(after, wait=POLL_SECONDS)
            for event in page["events"]:
                yield event
                after = event["event_id"]

    def _page(self, after: str | None, *, wait: float) -> dict[str, Any]:
        params: dict[str, Any] = {"wait": wait}
        if after:
            params["after"] = after
        resp = admin_call(self.clone, "GET", RECORD, params=params, timeout=wait + 10.0)
        return _json(self.clone, resp, "events")
