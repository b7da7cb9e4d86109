"""Plain-text tables: aligned columns under a header row, as ``asymkit`` prints them in a pipe.

The CLI draws tables with rich on a terminal (bold header, coloured states); in a pipe,
and in the pytest plugin's failure report, the same table is this plain text, which
costs no rich import (``asymkit status`` in a shell loop pays for every import).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

GAP = "  "  # between columns, as rich's borderless table puts it


def plain_width(text: str) -> int | None:
    """How many terminal cells ``text`` takes, or ``None`` if that needs rich to tell
    (wide or combining characters, control characters such as a newline)."""
    for char in text:
        if not char.isprintable() or unicodedata.east_asian_width(char) in ("W", "F"):
            return None
        if unicodedata.combining(char):
            return None
    return len(text)


def render(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str] | None:
    """The table's lines, or ``None`` when a cell is not plain (see ``plain_width``)."""
    cells = [list(headers), *(list(row) for row in rows)]
    widths = [0] * len(headers)
    for row in cells:
        for i, cell in enumerate(row):
            width = plain_width(cell)
            if width is None:
                return None
            widths[i] = max(widths[i], width)
    return [
        GAP.join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]
