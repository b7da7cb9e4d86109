"""The renderer of a template that declares none: each diff kind as a table of its changes.

It proves the seam (a template gets a review page from its manifest alone) and
shows what a product renderer leaves out (Slack's: users).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from .. import changes
from ..diff import Diff
from . import Rendered, Run, View, esc


def _cell(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return esc(json.dumps(value, ensure_ascii=False)[:300])
    return esc(value)


def kind_table(diff: Diff, kind: str) -> str:
    """One kind's added, changed (before → after) and removed records, as rows."""
    found = diff[kind]
    rows: list[tuple[str, Mapping[str, Any]]] = [("added", r) for r in found.added]
    rows += [("removed", r) for r in found.removed]
    fields: list[str] = []
    for _, record in rows:
        fields += [f for f in record if f not in fields]
    for change in found.changed:
        fields += [f for f in {**change.key, **change.after} if f not in fields]
    if not fields:
        return '<p class="empty">No changes.</p>'
    head = "".join(f"<th>{esc(f)}</th>" for f in fields)
    body: list[str] = []
    for state, record in rows:
        cells = "".join(f"<td>{_cell(record.get(f))}</td>" for f in fields)
        body.append(f'<tr class="{state}" data-change="{state}"><td>{state}</td>{cells}</tr>')
    for change in found.changed:
        parts: list[str] = []
        for f in fields:
            if f in change.before:
                parts.append(
                    f'<td><div class="before">{_cell(change.before[f])}</div>'
                    f"{_cell(change.after.get(f))}</td>"
                )
            else:
                parts.append(f"<td>{_cell(change.key.get(f, change.record.get(f)))}</td>")
        row = "".join(parts)
        body.append(f'<tr class="changed" data-change="changed"><td>changed</td>{row}</tr>')
    return f'<table class="records"><tr><th></th>{head}</tr>{"".join(body)}</table>'


def kind_places(diff: Diff, kinds: Iterable[str], view: View) -> tuple[str, str]:
    """Nav links and sections for ``kinds`` (each a place named ``kind-<name>``)."""
    nav, main = [], []
    chosen = [k for k in kinds if k in diff.kinds]
    for kind in chosen:
        place = f"kind-{kind}"
        n = sum(diff.summary()[kind].values())
        href = f"#{place}" if view.export else f"?place={place}"
        dot = f'<span class="dot">{n}</span>' if n else ""
        nav.append(f'<a href="{esc(href)}" data-place="{esc(place)}">{esc(kind)}{dot}</a>')
        if view.export or view.place == place or (view.place is None and kind == chosen[0]):
            main.append(
                f'<section class="place" id="{esc(place)}" data-place="{esc(place)}">'
                f"<h2>{esc(kind)}</h2>{kind_table(diff, kind)}</section>"
            )
    return "".join(nav), "".join(main)


class TableRenderer:
    """Every diff kind as a table (the default for templates without a renderer)."""

    def render(self, conn: changes.Conn, run: Run, view: View) -> Rendered:
        nav, main = kind_places(run.diff, list(run.diff), view)
        return Rendered(
            nav=f"<h3>Changes</h3>{nav}",
            main=main or '<p class="empty">This template declares no diff kinds.</p>',
            link=lambda ref: None,
        )


RENDERER = TableRenderer()
