"""Run a ``.sql`` file statement by statement, so errors can name the line.

The splitter knows what can hide a ``;``: quoted strings (``'..'``, ``E'..'``),
quoted identifiers, dollar-quoted bodies and both kinds of comment.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import attrs
import psycopg

from .errors import AsymkitError

_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$")


@attrs.frozen
class Statement:
    text: str
    line: int  # 1-based line of the statement's first character in the file


def split(source: str) -> Iterator[Statement]:
    i, n, start = 0, len(source), 0
    while i < n:
        c = source[i]
        if c == "-" and source.startswith("--", i):
            i = source.find("\n", i)
            i = n if i < 0 else i
        elif c == "/" and source.startswith("/*", i):
            end = source.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif c in "'\"":
            escaped = c == "'" and i > 0 and source[i - 1] in "eE"
            i += 1
            while i < n:
                if escaped and source[i] == "\\":
                    i += 2
                    continue
                if source[i] == c:
                    if source.startswith(c * 2, i):
                        i += 2
                        continue
                    break
                i += 1
            i += 1
        elif c == "$" and (m := _DOLLAR.match(source, i)):
            end = source.find(m.group(0), m.end())
            i = n if end < 0 else end + len(m.group(0))
        elif c == ";":
            yield from _statement(source, start, i)
            start = i + 1
            i += 1
        else:
            i += 1
    yield from _statement(source, start, n)


_LEADING = re.compile(r"(?:\s+|--[^\n]*|/\*.*?\*/)*", re.S)


def _statement(source: str, start: int, end: int) -> Iterator[Statement]:
    """The statement in ``source[start:end]``, starting at its first token."""
    begin = _LEADING.match(source, start, end)
    first = begin.end() if begin else start
    if first < end:
        yield Statement(source[first:end].rstrip(), source.count("\n", 0, first) + 1)


def run(
    conn: psycopg.Connection[tuple[object, ...]], path: Path, error: type[AsymkitError], what: str
) -> int:
    """Execute every statement of ``path`` on ``conn``; return rows written.

    The caller owns the transaction. A failure raises ``error`` naming the file,
    the line and Postgres' own message.
    """
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"Cannot read {what} {path} ({exc}).") from exc
    rows = 0
    for stmt in split(source):
        try:
            cur = conn.execute(stmt.text.encode())
        except psycopg.Error as exc:
            line = stmt.line
            position = getattr(exc.diag, "statement_position", None)
            if position and position.isdigit():
                line += stmt.text.count("\n", 0, int(position) - 1)
            message = (exc.diag.message_primary or str(exc)).strip()
            raise error(
                f"{what.capitalize()} {path.name} failed at line {line}: {message}."
                f" Fix {path} and try again; nothing was changed."
            ) from exc
        if (
            cur.rowcount > 0
            and cur.statusmessage
            and cur.statusmessage.split()[0] in ("INSERT", "UPDATE", "DELETE", "COPY", "MERGE")
        ):
            rows += cur.rowcount
    return rows
