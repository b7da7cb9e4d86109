"""The Linear clone's schema is a cut of Linear's public schema, not a retyping of it."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from graphql import GraphQLObjectType, build_schema

ROOT = Path(__file__).resolve().parent.parent
SERVED = ROOT / "asymkit/templates/linear/linear_clone/schema.graphql"


@pytest.fixture(scope="module")
def cutter() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "linear_schema", ROOT / "scripts/linear_schema.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def source(cutter: ModuleType) -> str:
    path: Path = cutter.SOURCE
    if not path.is_file():
        pytest.skip(f"Linear's reference schema is not beside the checkout ({path})")
    return path.read_text(encoding="utf-8")


def test_the_committed_schema_is_a_fresh_cut_of_linears(cutter: ModuleType, source: str) -> None:
    assert SERVED.read_text(encoding="utf-8") == cutter.cut(source), (
        "the served schema differs from a fresh cut: run python scripts/linear_schema.py"
    )


def test_every_kept_type_keeps_all_of_linears_fields(source: str) -> None:
    full = build_schema(source)
    served = build_schema(SERVED.read_text(encoding="utf-8"))
    for name, kind in served.type_map.items():
        if name.startswith("__") or name in ("Query", "Mutation"):
            continue
        original = full.type_map[name]
        if isinstance(kind, GraphQLObjectType):
            assert isinstance(original, GraphQLObjectType)
            assert list(kind.fields) == list(original.fields), name
            for field, definition in kind.fields.items():
                assert str(definition.type) == str(original.fields[field].type), (name, field)


def test_the_root_fields_are_the_served_surface(cutter: ModuleType) -> None:
    served = build_schema(SERVED.read_text(encoding="utf-8"))
    assert served.query_type is not None and served.mutation_type is not None
    assert sorted(served.query_type.fields) == sorted(cutter.QUERIES)
    assert sorted(served.mutation_type.fields) == sorted(cutter.MUTATIONS)
    assert served.subscription_type is None
    assert {"issueCreate", "issueUpdate", "commentCreate"} <= set(served.mutation_type.fields)


def test_the_header_names_the_source_commit_and_licence() -> None:
    head = SERVED.read_text(encoding="utf-8")[:400]
    assert "8335e09a" in head and "MIT" in head
