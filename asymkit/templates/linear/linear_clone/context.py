"""One request's context: its connection, its viewer, and its batch loaders."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from . import db
from .db import Conn, Row
from .errors import InvalidInput
from .filters import Compiler
from .loaders import Loader

MAX_PAGE = 250  # Linear's largest page
DEFAULT_PAGE = 50


@dataclass(frozen=True)
class Relation:
    """A connection: rows of ``kind`` from ``source`` (SQL with a ``_parent`` column)."""

    kind: str
    source: str
    archivable: bool = True


@dataclass
class Ctx:
    conn: Conn
    viewer: Row | None
    org: Row | None = None
    loaders: dict[Any, Loader[Any]] = field(default_factory=dict)

    @property
    def viewer_id(self) -> str | None:
        return self.viewer["id"] if self.viewer else None

    def by_id(self, table: str) -> Loader[str]:
        """Rows of ``table`` by id, batched."""
        key = ("id", table)
        if key not in self.loaders:

            async def fetch(ids: list[str]) -> dict[str, Row]:
                found = await db.rows(
                    self.conn, f"SELECT * FROM {table} WHERE id = ANY(%s)", (ids,)
                )
                return {r["id"]: r for r in found}

            self.loaders[key] = Loader(fetch)
        return self.loaders[key]

    def page(self, relation: Relation, args: dict[str, Any], extra: str = "") -> Loader[Any]:
        """Pages of ``relation`` by parent id (``None`` at the root), batched per arguments."""
        key = ("page", relation, json.dumps(args, sort_keys=True, default=str), extra)
        if key not in self.loaders:

            async def fetch(parents: list[Any]) -> dict[Any, dict[str, Any]]:
                return await pages(self, relation, args, parents, extra)

            self.loaders[key] = Loader(fetch)
        return self.loaders[key]

    def forget(self) -> None:
        """Drop every cached row (a mutation just wrote)."""
        self.loaders.clear()


def _size(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or value < 0:
        raise InvalidInput(f"'{name}' must be a non-negative number of items.")
    if value > MAX_PAGE:
        raise InvalidInput(f"'{name}' may be at most {MAX_PAGE}.")
    return value


async def pages(
    ctx: Ctx, relation: Relation, args: dict[str, Any], parents: list[Any], extra: str = ""
) -> dict[Any, dict[str, Any]]:
    """Relay connections of ``relation`` for each parent, in one query.

    Order: ``orderBy`` (createdAt by default, or updatedAt), newest first, id as
    tie-break; cursors are node ids, as Linear's are. ``first`` defaults to 50.
    """
    if args.get("sort"):
        raise InvalidInput("'sort' is not supported by this clone; use orderBy.")
    first, last = _size(args.get("first"), "first"), _size(args.get("last"), "last")
    after, before = args.get("after"), args.get("before")
    if first is not None and last is not None:
        raise InvalidInput("Pass either 'first' or 'last', not both.")
    backward = last is not None
    size = last if backward else first
    limit = DEFAULT_PAGE if size is None else size
    order = "updated_at" if args.get("orderBy") == "updatedAt" else "created_at"
    compiler = Compiler(ctx.viewer_id)
    where = [compiler.compile(relation.kind, "t", args.get("filter"))]
    params = compiler.params
    if extra:
        where.append(extra)
        params.append(args.get("_term"))
    if relation.archivable and not args.get("includeArchived"):
        where.append("t.archived_at IS NULL")
    roots = [p for p in parents if p is not None]
    if roots:
        where.append("t._parent = ANY(%s)")
        params.append(roots)
    for cursor, older in ((after, True), (before, False)):
        if cursor is None:
            continue
        if not isinstance(cursor, str):
            raise InvalidInput("A cursor is the id of a node of this connection.")
        # After a cursor, newest first, means older rows (and the reverse for before).
        op = "<" if older else ">"
        where.append(
            f"(t.{order}, t.id) {op} (SELECT c.{order}, c.id FROM ({relation.source}) c"
            " WHERE c.id = %s LIMIT 1)"
        )
        params.append(cursor)
    direction = "ASC" if backward else "DESC"
    query = (
        f"SELECT * FROM (SELECT t.*, row_number() OVER (PARTITION BY t._parent"
        f" ORDER BY t.{order} {direction}, t.id {direction}) AS _rn"
        f" FROM ({relation.source}) t WHERE {' AND '.join(where)}) s"
        " WHERE _rn <= %s ORDER BY _rn"
    )
    params.append(limit + 1)
    found = await db.rows(ctx.conn, query, params)
    grouped: dict[Any, list[Row]] = {p: [] for p in parents}
    for r in found:
        grouped.setdefault(r["_parent"] if roots else None, []).append(r)
    return {p: _connection(grouped.get(p, []), limit, backward, after, before) for p in parents}


def _connection(
    found: list[Row], limit: int, backward: bool, after: Any, before: Any
) -> dict[str, Any]:
    more = len(found) > limit
    nodes = found[:limit]
    if backward:
        nodes.reverse()
    return {
        "nodes": nodes,
        "edges": [{"node": n, "cursor": n["id"]} for n in nodes],
        "pageInfo": {
            "hasNextPage": more if not backward else before is not None,
            "hasPreviousPage": more if backward else after is not None,
            "startCursor": nodes[0]["id"] if nodes else None,
            "endCursor": nodes[-1]["id"] if nodes else None,
        },
        "totalCount": len(nodes),
    }
