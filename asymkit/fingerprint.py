"""A digest of a clone's state: equal fingerprints mean equal rows.

Columns that must vary between two replays of the same data (creation times,
salted password hashes, tokens) are left out, as the template's manifest says
(``fingerprint.ignore``). Timestamps that only order rows are replaced by
their rank (``fingerprint.ordinal``): replays may differ in time, never in order.

Schemas grow, and a state recorded before a migration must keep its
fingerprint: a table with no rows contributes nothing, and a NULL in a column
the manifest lists under ``fingerprint.optional`` (columns added later, where
NULL means "as before") is left out of its row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg

from . import postgres
from .manifest import Template


def fingerprint(server: postgres.Server, database: str, template: Template) -> str:
    ignore: dict[str, list[str]] = template.fingerprint.get("ignore", {})
    ordinal: dict[str, dict[str, Any]] = template.fingerprint.get("ordinal", {})
    optional: dict[str, list[str]] = template.fingerprint.get("optional", {})
    digest = hashlib.sha256()
    with postgres.connect(server.dsn(database)) as conn:
        for table, cols in public_columns(conn, ignore).items():
            quoted = ", ".join(f'"{c}"' for c in cols)
            rows = [
                dict(zip(cols, r, strict=True))
                for r in conn.execute(f'SELECT {quoted} FROM "{table}"')
            ]
            if not rows:
                continue
            if table in ordinal:
                rows = _rank(rows, **ordinal[table])
            if table in optional:
                rows = _drop_nulls(rows, set(optional[table]))
            lines = sorted(json.dumps(r, sort_keys=True, default=str) for r in rows)
            digest.update(f"{table}\n".encode())
            for line in lines:
                digest.update(line.encode() + b"\n")
    return "sha256:" + digest.hexdigest()


def public_columns(
    conn: psycopg.Connection[Any], ignore: Mapping[str, Sequence[str]]
) -> dict[str, list[str]]:
    """Each public table's columns in order, less those ``ignore`` lists.

    An empty list in ``ignore`` leaves the whole table out.
    """
    columns: dict[str, list[str]] = {}
    for table, column in conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
    ):
        skip = ignore.get(str(table))
        if skip is not None and (not skip or column in skip):
            continue
        columns.setdefault(str(table), []).append(str(column))
    return columns


def _drop_nulls(rows: list[dict[str, Any]], columns: set[str]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if v is not None or k not in columns} for r in rows]


def _rank(
    rows: list[dict[str, Any]], *, key: str, partition: str, columns: list[str]
) -> list[dict[str, Any]]:
    """Replace each of ``columns`` by the rank of its value among ``key`` in the partition."""
    ranks: dict[tuple[Any, Any], int] = {}
    for part in {r[partition] for r in rows}:
        values = sorted(r[key] for r in rows if r[partition] == part)
        ranks.update({(part, v): n for n, v in enumerate(values)})
    return [
        {**r, **{c: ranks.get((r[partition], r[c])) if r[c] is not None else None for c in columns}}
        for r in rows
    ]
