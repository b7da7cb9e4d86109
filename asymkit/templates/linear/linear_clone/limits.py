"""Request limits, measured on the parsed document before anything runs.

Linear refuses documents that are too deep or too complex; its exact formula is
not public, so the clone uses a documented approximation: an object field costs
1, a scalar 0.1, and a connection multiplies what it selects by its page size
(``first``/``last``, else 50). Introspection fields (``__schema``...) are free.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)

from .errors import QueryTooComplex

MAX_DEPTH = 12
MAX_COMPLEXITY = 10_000
DEFAULT_PAGE = 50


def _page(field: FieldNode, variables: dict[str, Any]) -> int:
    for arg in field.arguments or ():
        if arg.name.value in ("first", "last"):
            value = arg.value
            if isinstance(value, IntValueNode):
                return max(1, int(value.value))
            if isinstance(value, VariableNode):
                given = variables.get(value.name.value)
                if isinstance(given, int):
                    return max(1, given)
    return DEFAULT_PAGE


class _Walk:
    def __init__(self, document: DocumentNode, variables: dict[str, Any]) -> None:
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.variables = variables
        self.depth = 0

    def cost(self, selections: SelectionSetNode | None, depth: int, seen: frozenset[str]) -> float:
        if selections is None:
            return 0.0
        self.depth = max(self.depth, depth)
        if depth > MAX_DEPTH:
            raise QueryTooComplex(
                f"Query too deep: more than {MAX_DEPTH} levels of nested fields",
                f"The query nests fields more than {MAX_DEPTH} levels deep.",
            )
        total = 0.0
        for node in selections.selections:
            if isinstance(node, FieldNode):
                if node.name.value.startswith("__"):
                    continue
                if node.selection_set is None:
                    total += 0.1
                    continue
                inner = self.cost(node.selection_set, depth + 1, seen)
                names = {
                    s.name.value for s in node.selection_set.selections if isinstance(s, FieldNode)
                }
                if names & {"nodes", "edges"}:
                    inner *= _page(node, self.variables)
                total += 1 + inner
            elif isinstance(node, InlineFragmentNode):
                total += self.cost(node.selection_set, depth, seen)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:
                    total += self.cost(fragment.selection_set, depth, seen | {name})
        return total


def check(document: DocumentNode, operation: str | None, variables: dict[str, Any]) -> float:
    """The operation's complexity; raises when it is too deep or too complex."""
    walk = _Walk(document, variables)
    cost = 0.0
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            if operation and (definition.name is None or definition.name.value != operation):
                continue
            cost += walk.cost(definition.selection_set, 1, frozenset())
    if cost > MAX_COMPLEXITY:
        raise QueryTooComplex(
            f"Query too complex: complexity {cost:.0f}, maximum allowed is {MAX_COMPLEXITY}",
            "The query asks for too much at once; ask for fewer fields or smaller pages.",
        )
    return cost
