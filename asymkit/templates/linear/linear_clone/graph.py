"""The served schema, its scalars and the resolution rules shared by every type.

The schema is Linear's (``schema.graphql``, cut by ``scripts/linear_schema.py``).
Fields the clone implements have a resolver in ``RESOLVERS``; any other field
reads the row's column of the same name (``createdAt`` -> ``created_at``) or,
when there is none, resolves to null, or for a non-null field to a neutral
default (``""``, ``0``, ``false``, ``[]``, an empty connection), so that
clients asking for whole fragments get a valid answer.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLType,
    build_schema,
)
from graphql.language import ast

if TYPE_CHECKING:
    from .context import Ctx

    Info = GraphQLResolveInfo[Ctx]  # graphql-core >= 3.3 types the context
else:
    Info = GraphQLResolveInfo

Resolver = Callable[..., Any]
RESOLVERS: dict[tuple[str, str], Resolver] = {}
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")


def resolver(*names: str) -> Callable[[Resolver], Resolver]:
    """Register a function as the resolver of ``Type.field`` (one or more)."""

    def register(fn: Resolver) -> Resolver:
        for name in names:
            type_name, field_name = name.split(".")
            RESOLVERS[(type_name, field_name)] = _taking_known_args(fn)
        return fn

    return register


def _taking_known_args(fn: Resolver) -> Resolver:
    """``fn`` called with only the field arguments it names: Linear's fields take arguments
    (``issueCount(includeArchived:)``...) that a resolver may have no use for."""
    parameters = inspect.signature(fn).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return fn

    def call(source: Any, info: Any, **args: Any) -> Any:
        return fn(source, info, **{k: v for k, v in args.items() if k in parameters})

    return call


def snake(name: str) -> str:
    return _SNAKE.sub("_", name).lower()


def _empty_connection() -> dict[str, Any]:
    return {
        "nodes": [],
        "edges": [],
        "pageInfo": {"hasNextPage": False, "hasPreviousPage": False},
    }


def default(kind: GraphQLType, source: Any) -> Any:
    """What a field the clone does not store resolves to."""
    if not isinstance(kind, GraphQLNonNull):
        return None
    inner = kind.of_type
    if isinstance(inner, GraphQLList):
        return []
    if isinstance(inner, GraphQLEnumType):
        return next(iter(inner.values))
    if isinstance(inner, GraphQLObjectType):
        return _empty_connection() if inner.name.endswith("Connection") else {}
    name = getattr(inner, "name", "")
    if name in ("String", "ID"):
        return ""
    if name == "Boolean":
        return False
    if name in ("Int", "Float"):
        return 0
    if name == "DateTime":
        return (source.get("created_at") if isinstance(source, dict) else None) or EPOCH
    if name == "TimelessDate":
        return EPOCH.date()
    if name in ("JSON", "JSONObject"):
        return {}
    return ""


def field_resolver(source: Any, info: Info, **args: Any) -> Any:
    """The column of the same name, else the field's default."""
    if isinstance(source, dict):
        if info.field_name in source:
            return source[info.field_name]
        column = snake(info.field_name)
        if column in source:
            return source[column]
    return default(info.return_type, source)


def _datetime(value: Any) -> str:
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dt.datetime):
        utc = value.astimezone(dt.timezone.utc)
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    raise TypeError(f"not a date-time: {value!r}")


def _parse_datetime(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError("a DateTime is an ISO 8601 string")
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def _date(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return str(value)


def _parse_date(value: Any) -> dt.date:
    if not isinstance(value, str):
        raise ValueError("a TimelessDate is a YYYY-MM-DD string")
    return dt.date.fromisoformat(value[:10])


def _literal(parse: Callable[[Any], Any]) -> Callable[..., Any]:
    def parse_literal(node: ast.ValueNode, _variables: Any = None) -> Any:
        if not isinstance(node, ast.StringValueNode):
            raise ValueError("expected a string")
        return parse(node.value)

    return parse_literal


def _scalars(schema: GraphQLSchema) -> None:
    for name, serialize, parse in (
        ("DateTime", _datetime, _parse_datetime),
        ("TimelessDate", _date, _parse_date),
    ):
        scalar = schema.type_map.get(name)
        if isinstance(scalar, GraphQLScalarType):
            # graphql-core 3.3 reads the coerce_* names, 3.2 the older ones: set both.
            for attribute, fn in (
                ("serialize", serialize),
                ("coerce_output_value", serialize),
                ("parse_value", parse),
                ("coerce_input_value", parse),
                ("parse_literal", _literal(parse)),
            ):
                setattr(scalar, attribute, fn)


def load() -> GraphQLSchema:
    """The served schema with the clone's resolvers attached."""
    from . import mutations, resolvers  # noqa: F401  (they register themselves)

    schema = build_schema((Path(__file__).parent / "schema.graphql").read_text(encoding="utf-8"))
    _scalars(schema)
    for (type_name, field_name), fn in RESOLVERS.items():
        kind = schema.type_map.get(type_name)
        if not isinstance(kind, GraphQLObjectType) or field_name not in kind.fields:
            raise RuntimeError(f"{type_name}.{field_name} is not in the served schema")
        kind.fields[field_name].resolve = fn
    return schema
