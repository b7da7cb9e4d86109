"""The review page: a run as the product shows it, the diff marked, the calls beside it.

``render(target, since=..., view=...)`` reads a clone once — the diff since the
last seed (or a snapshot), the call log, the events the app raised — and hands
the product's part of the page to the template's renderer, named in its
manifest (``view.renderer``: ``"slack"`` for the bundled one, or
``"module:attribute"`` in the template's folder, as seeders are). A template
without one gets a plain table per diff kind. The shell around it (header,
counts, the calls timeline, the events, inline CSS and script) is the same for
every template and never names a product.

Everything the agent wrote is escaped; the page's one script carries a nonce
that the Content-Security-Policy requires, so a ``<script>`` that slipped
through would not run either. No CDN, no network: ``--export`` writes the page
as one file.
"""

from __future__ import annotations

import html
import importlib
import json
import secrets
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import attrs
import httpx

from .. import calls as call_log
from .. import changes, diff, http, snapshot
from ..calls import Call, Calls
from ..diff import Diff
from ..errors import InvalidArgument, TemplateInvalid
from ..target import Target
from . import assets

# Nothing from the network, and no script but the page's own (its nonce changes per page).
CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; img-src data:"
PAGE_SIZE = 100  # top-level records per page (a channel of 5,000 messages pages)
EVENTS_SHOWN = 500


@attrs.frozen
class View:
    """What to open: a place (a channel, a team...), a page of it, or a record to show."""

    place: str | None = None
    page: int = 0
    at: str | None = None  # a record's key to bring into view (its page is chosen)
    export: bool = False  # one self-contained file: every place rendered, paged by script


@attrs.frozen
class Run:
    """What a review page shows, read once."""

    target: Target
    since: str
    diff: Diff
    calls: Calls
    events: tuple[Mapping[str, Any], ...]
    events_note: str = ""


@attrs.frozen
class Rendered:
    """The product's part of a page: its navigation, its main pane, and where a call's
    ``refs`` lead (``link(ref)`` returns ``(href, label)``, or ``None``)."""

    nav: str
    main: str
    link: Callable[[Mapping[str, Any]], tuple[str, str] | None]
    title: str = ""


class Renderer(Protocol):
    """A template's renderer: the workspace as its product shows it, changes marked."""

    def render(self, conn: changes.Conn, run: Run, view: View) -> Rendered: ...


def renderer(target: Target) -> Renderer:
    """The template's renderer (``view.renderer`` in its manifest), else the table one."""
    name = (target.template.view or {}).get("renderer")
    if not name:
        from .table import RENDERER

        return RENDERER
    if ":" in str(name):
        module_name, attr = str(name).split(":", 1)
        root = str(target.template.root)
        if root not in sys.path:
            sys.path.insert(0, root)
    else:
        module_name, attr = f"{__name__}.{name}", "RENDERER"
    try:
        found: Renderer = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise TemplateInvalid(
            f"Template '{target.template.name}' names renderer '{name}', which cannot be"
            f" loaded ({exc})."
        ) from exc
    return found


def read(target: Target, since: str | None = None) -> Run:
    """The diff, calls and events of ``target`` since ``since`` (default: the last seed)."""
    name = snapshot.check_name(since) if since else snapshot.SEED
    # A template without diff kinds still gets a page (its calls, its events).
    found_diff = diff.compute(target, name) if diff.kinds(target.template) else Diff(name, {})
    found_calls = call_log.read(target, name) if target.template.calls else Calls(name, (), 0, {})
    events, note = _events(target)
    return Run(target, name, found_diff, found_calls, events, note)


def _events(target: Target) -> tuple[tuple[Mapping[str, Any], ...], str]:
    """The events the clone raised (its admin endpoint), if it serves them and is up."""
    if not target.running:
        return (), "The app is not running: its events cannot be listed."
    out: list[Mapping[str, Any]] = []
    after: str | None = None
    try:
        while len(out) < EVENTS_SHOWN:
            params: dict[str, Any] = {"wait": 0, **({"after": after} if after else {})}
            resp = http.client().get(
                target.url + "/clone/events",
                params=params,
                headers={"Authorization": f"Bearer {target.admin_secret}"},
                timeout=10.0,
            )
            if resp.status_code != 200:
                return tuple(out), ""
            page = resp.json().get("events") or []
            if not page:
                break
            out.extend(page)
            after = str(page[-1].get("event_id"))
    except (httpx.HTTPError, ValueError):
        return tuple(out), "The app stopped answering while its events were read."
    return tuple(out[:EVENTS_SHOWN]), ""


def render(target: Target, since: str | None = None, view: View | None = None) -> str:
    """The review page of ``target`` as one HTML document."""
    view = view or View()
    run = read(target, since)
    with changes.session(target.dsn) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            product = renderer(target).render(conn, run, view)
        finally:
            conn.execute("ROLLBACK")
    return page(run, product, view)


def esc(value: object) -> str:
    """``value`` as HTML text: whatever the agent wrote is shown, never run."""
    return html.escape("" if value is None else str(value), quote=True)


def page(run: Run, product: Rendered, view: View) -> str:
    """The shell: header, counts, the product's panes, the calls and events, CSS and script."""
    nonce = secrets.token_urlsafe(16)
    counts = {"added": 0, "changed": 0, "removed": 0}
    for kind in run.diff.summary().values():
        for key in counts:
            counts[key] += kind[key]
    target = run.target
    since = "the last seed" if run.since == snapshot.SEED else f"snapshot {run.since}"
    dropped = (
        f'<p class="note" data-dropped="{run.calls.dropped}">The call log dropped its'
        f" {run.calls.dropped} oldest calls (it keeps the newest).</p>"
        if run.calls.dropped
        else ""
    )
    title = product.title or target.id
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP.format(nonce=nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} · review</title>
<style>{assets.CSS}</style></head>
<body data-mode="{"export" if view.export else "live"}">
<header><h1>{esc(title)}</h1>
<span class="meta">{esc(target.id)} · template {esc(target.template.name)} · since {esc(since)}
 · read {esc(time.strftime("%Y-%m-%d %H:%M:%S"))}</span>
<span class="counts"><b class="added">+{counts["added"]} added</b>
<b class="changed">~{counts["changed"]} changed</b>
<b class="removed">−{counts["removed"]} removed</b>
<b>{len(run.calls)} call{"" if len(run.calls) == 1 else "s"}</b></span></header>
<div class="layout">
<nav id="nav">{product.nav}</nav>
<main id="main">{product.main}</main>
<aside id="side"><h2>Calls</h2>{dropped}{timeline(run.calls, product.link)}
<h2>Events</h2>{events_list(run.events, run.events_note)}</aside>
</div>
<script nonce="{nonce}">{assets.JS}</script>
</body></html>
"""


def timeline(calls: Calls, link: Callable[[Mapping[str, Any]], tuple[str, str] | None]) -> str:
    """The calls, oldest first, each linked to the records it touched."""
    if not calls.calls:
        return '<p class="empty">No calls since then.</p>'
    items = []
    for call in calls:
        items.append(_call_item(call, calls, link))
    return f'<ol class="calls">{"".join(items)}</ol>'


def _call_item(
    call: Call, calls: Calls, link: Callable[[Mapping[str, Any]], tuple[str, str] | None]
) -> str:
    when = time.strftime("%H:%M:%S", time.localtime(call.at)) + f".{int(call.at * 1000) % 1000:03d}"
    args = ", ".join(
        f"{esc(k)}={esc(call_log.shown(v, calls.names))}" for k, v in list(call.args.items())[:4]
    )
    refs = []
    for ref in call.refs:
        found = link(ref)
        if found:
            href, label = found
            refs.append(f'<a class="ref" href="{esc(href)}">→ {esc(label)}</a>')
    state = "ok" if call.ok else "error"
    outcome = call.outcome if call.status == 200 else f"{call.outcome} ({call.status})"
    return (
        f'<li id="call-{call.id}" class="call {state}" data-method="{esc(call.method)}">'
        f'<span class="when">{esc(when)}</span> <span class="who">{esc(call.who or "-")}</span>'
        f' <b class="method">{esc(call.method)}</b>'
        f' <span class="outcome">{esc(outcome)}</span>'
        f' <span class="latency">{call.latency_ms:.1f} ms</span>'
        f'<div class="args">{args}</div>{"".join(refs)}</li>'
    )


def events_list(events: tuple[Mapping[str, Any], ...], note: str) -> str:
    """The events the app raised, as it was sent them (type, a summary, delivered or not)."""
    if not events:
        return f'<p class="empty">{esc(note or "No events since then.")}</p>'
    items = []
    for event in events:
        inner = (event.get("payload") or {}).get("event") or {}
        summary = json.dumps(
            {
                k: v
                for k, v in inner.items()
                if k in ("subtype", "channel", "user", "text", "reaction")
            },
            ensure_ascii=False,
        )
        delivered = "delivered" if event.get("delivered") else "not delivered"
        items.append(
            f'<li class="event"><b>{esc(event.get("type"))}</b> <span class="meta">'
            f'{esc(delivered)}</span><div class="args">{esc(summary[:300])}</div></li>'
        )
    return f'<ol class="events">{"".join(items)}</ol>'


def export(target: Target, path: str | Path, since: str | None = None) -> Path:
    """Write the review page of ``target`` to ``path`` as one self-contained HTML file."""
    from ..atomic import write_bytes

    out = Path(path)
    html_text = render(target, since, View(export=True))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(out, html_text.encode("utf-8"))
    except OSError as exc:
        raise InvalidArgument(f"Cannot write the review page to {out}: {exc.strerror}.") from exc
    return out
