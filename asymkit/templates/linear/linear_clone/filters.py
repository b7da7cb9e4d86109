"""Linear's filter inputs (``IssueFilter``, ``TeamFilter``...) compiled to SQL.

Each type's filterable fields map to a column, a related entity (``team``,
``state``, ``assignee``...) or a collection (``labels``). A filter field the
clone does not implement is refused by name, never silently ignored: a grader
must not pass because a filter did nothing.
"""

from __future__ import annotations

import itertools
from typing import Any

from .errors import InvalidInput

# GraphQL type -> (table, {filter field: spec}). Specs: ("col", column),
# ("rel", column, target type), ("many", link table, own key, other key, target type),
# ("me",) for User.isMe.
SPECS: dict[str, tuple[str, dict[str, tuple[str, ...]]]] = {
    "Issue": (
        "issues",
        {
            "id": ("col", "id"),
            "title": ("col", "title"),
            "description": ("col", "description"),
            "number": ("col", "number"),
            "priority": ("col", "priority"),
            "estimate": ("col", "estimate"),
            "dueDate": ("col", "due_date"),
            "createdAt": ("col", "created_at"),
            "updatedAt": ("col", "updated_at"),
            "startedAt": ("col", "started_at"),
            "completedAt": ("col", "completed_at"),
            "canceledAt": ("col", "canceled_at"),
            "archivedAt": ("col", "archived_at"),
            "team": ("rel", "team_id", "Team"),
            "state": ("rel", "state_id", "WorkflowState"),
            "assignee": ("rel", "assignee_id", "User"),
            "creator": ("rel", "creator_id", "User"),
            "project": ("rel", "project_id", "Project"),
            "cycle": ("rel", "cycle_id", "Cycle"),
            "parent": ("rel", "parent_id", "Issue"),
            "labels": ("many", "issue_label_links", "issue_id", "label_id", "IssueLabel"),
            "searchableContent": ("text",),
        },
    ),
    "Team": (
        "teams",
        {
            "id": ("col", "id"),
            "key": ("col", "key"),
            "name": ("col", "name"),
            "description": ("col", "description"),
            "private": ("col", "private"),
            "createdAt": ("col", "created_at"),
            "updatedAt": ("col", "updated_at"),
        },
    ),
    "WorkflowState": (
        "workflow_states",
        {
            "id": ("col", "id"),
            "name": ("col", "name"),
            "type": ("col", "type"),
            "position": ("col", "position"),
            "description": ("col", "description"),
            "createdAt": ("col", "created_at"),
            "updatedAt": ("col", "updated_at"),
            "team": ("rel", "team_id", "Team"),
        },
    ),
    "User": (
        "users",
        {
            "id": ("col", "id"),
            "name": ("col", "name"),
            "displayName": ("col", "display_name"),
            "email": ("col", "email"),
            "active": ("col", "active"),
            "admin": ("col", "admin"),
            "owner": ("col", "owner"),
            "createdAt": ("col", "created_at"),
            "updatedAt": ("col", "updated_at"),
            "isMe": ("me",),
        },
    ),
    "IssueLabel": (
        "issue_labels",
        {
            "id": ("col", "id"),
            "name": ("col", "name"),
            "isGroup": ("col", "is_group"),
            "createdAt": ("col", "created_at"),
            "updatedAt": ("col", "updated_at"),
            "team": ("rel", "team_id", "Team"),
            "parent": ("rel", "parent_id", "IssueLabel"),
            "creator": ("rel", "creator_id", "User"),
        },
    ),
    "Project": (
        "projects",
        {
            "id": ("col", "id"),
            "name": ("col", "name"),
            "slugId": ("col", "slug_id"),
            "state": ("col", "state"),
            "priority": ("col", "priority"),
            "startDate": ("col", "start_date"),
            "targetDate": ("col", "target_date"),
            "createdAt": ("col", "created_at"),
            "updatedAt": ("col", "updated_at"),
            "completedAt": ("col", "completed_at"),
            "canceledAt": ("col", "canceled_at"),
            "lead": ("rel", "lead_id", "User"),
            "creator": ("rel", "creator_id", "User"),
        },
    ),
    "Cycle": (
        "cycles",
        {
            "id": ("col", "id"),
            "number": ("col", "number"),
            "name": ("col", "name"),
            "startsAt": ("col", "starts_at"),
            "endsAt": ("col", "ends_at"),
            "completedAt": ("col", "completed_at"),
            "createdAt": ("col", "created_at"),
            "updatedAt": ("col", "updated_at"),
            "team": ("rel", "team_id", "Team"),
        },
    ),
    "Comment": (
        "comments",
        {
            "id": ("col", "id"),
            "body": ("col", "body"),
            "createdAt": ("col", "created_at"),
            "updatedAt": ("col", "updated_at"),
            "issue": ("rel", "issue_id", "Issue"),
            "user": ("rel", "user_id", "User"),
            "parent": ("rel", "parent_id", "Comment"),
        },
    ),
}

_SIMPLE = {"eq": "=", "neq": "<>", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
_LIKE = {
    "contains": ("LIKE", "%{}%", False),
    "containsIgnoreCase": ("ILIKE", "%{}%", False),
    "containsIgnoreCaseAndAccent": ("ILIKE", "%{}%", False),
    "notContains": ("LIKE", "%{}%", True),
    "notContainsIgnoreCase": ("ILIKE", "%{}%", True),
    "startsWith": ("LIKE", "{}%", False),
    "startsWithIgnoreCase": ("ILIKE", "{}%", False),
    "notStartsWith": ("LIKE", "{}%", True),
    "endsWith": ("LIKE", "%{}", False),
    "notEndsWith": ("LIKE", "%{}", True),
    "eqIgnoreCase": ("ILIKE", "{}", False),
    "neqIgnoreCase": ("ILIKE", "{}", True),
}


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class Compiler:
    """Builds one WHERE clause; aliases are numbered so nested subqueries never clash."""

    def __init__(self, viewer_id: str | None) -> None:
        self.viewer_id = viewer_id
        self.params: list[Any] = []
        self._aliases = itertools.count(1)

    def compile(self, kind: str, alias: str, where: dict[str, Any] | None) -> str:
        """SQL true for the rows of ``kind`` (as ``alias``) that ``where`` matches."""
        if not where:
            return "TRUE"
        fields = SPECS[kind][1]
        parts: list[str] = []
        for key, value in where.items():
            if value is None:
                continue
            if key in ("and", "or"):
                joined = [self.compile(kind, alias, item) for item in value]
                if joined:
                    glue = " AND " if key == "and" else " OR "
                    parts.append("(" + glue.join(joined) + ")")
                continue
            spec = fields.get(key)
            if spec is None:
                raise InvalidInput(
                    f"Filtering {kind} by '{key}' is not supported by this clone; "
                    f"supported: {', '.join(sorted(fields))}, and, or."
                )
            parts.append(self._field(alias, key, spec, value))
        return "(" + " AND ".join(parts) + ")" if parts else "TRUE"

    def _field(self, alias: str, key: str, spec: tuple[str, ...], value: dict[str, Any]) -> str:
        if spec[0] == "col":
            return self.comparator(f"{alias}.{spec[1]}", value, key)
        if spec[0] == "me":
            wanted = value.get("eq")
            if wanted is None:
                raise InvalidInput("isMe takes {eq: true|false}.")
            self.params.append(self.viewer_id)
            return f"({alias}.id = %s) = {'TRUE' if wanted else 'FALSE'}"
        if spec[0] == "text":
            text = value.get("contains") or value.get("containsIgnoreCase")
            if not isinstance(text, str):
                raise InvalidInput("searchableContent takes {contains: text}.")
            pattern = f"%{_escape_like(text)}%"
            self.params.extend([pattern, pattern])
            return f"({alias}.title ILIKE %s OR coalesce({alias}.description, '') ILIKE %s)"
        if spec[0] == "rel":
            column, target = spec[1], spec[2]
            rest = {k: v for k, v in value.items() if k != "null"}
            parts = []
            if value.get("null") is not None:
                parts.append(f"{alias}.{column} IS {'' if value['null'] else 'NOT '}NULL")
            if rest:
                inner = f"x{next(self._aliases)}"
                table = SPECS[target][0]
                sub = self.compile(target, inner, rest)
                parts.append(
                    f"{alias}.{column} IN (SELECT {inner}.id FROM {table} {inner} WHERE {sub})"
                )
            return "(" + " AND ".join(parts) + ")" if parts else "TRUE"
        # ("many", link, own, other, target): a collection filter such as IssueFilter.labels
        link, own, other, target = spec[1], spec[2], spec[3], spec[4]
        table = SPECS[target][0]
        inner, via = f"x{next(self._aliases)}", f"l{next(self._aliases)}"
        base = (
            f"SELECT 1 FROM {link} {via} JOIN {table} {inner} ON {inner}.id = {via}.{other}"
            f" WHERE {via}.{own} = {alias}.id"
        )
        parts = []
        for op, sub_filter in value.items():
            if sub_filter is None:
                continue
            if op == "some":
                parts.append(f"EXISTS ({base} AND {self.compile(target, inner, sub_filter)})")
            elif op == "every":
                parts.append(
                    f"NOT EXISTS ({base} AND NOT {self.compile(target, inner, sub_filter)})"
                )
            elif op == "null":
                parts.append(f"{'NOT ' if sub_filter else ''}EXISTS ({base})")
            elif op == "length":
                count = f"(SELECT count(*) FROM {link} {via} WHERE {via}.{own} = {alias}.id)"
                parts.append(self.comparator(count, sub_filter, "length"))
            else:  # a field of the target applied directly: "some" in Linear's reading
                sub = self.compile(target, inner, {op: sub_filter})
                parts.append(f"EXISTS ({base} AND {sub})")
        return "(" + " AND ".join(parts) + ")" if parts else "TRUE"

    def comparator(self, column: str, value: dict[str, Any], field: str) -> str:
        """One comparator (``StringComparator``, ``NumberComparator``...) on ``column``."""
        if not isinstance(value, dict):
            raise InvalidInput(f"Filter '{field}' takes a comparator such as {{eq: ...}}.")
        parts: list[str] = []
        for op, operand in value.items():
            if operand is None:
                continue
            if op in _SIMPLE:
                self.params.append(operand)
                parts.append(f"{column} {_SIMPLE[op]} %s")
            elif op in ("in", "nin"):
                self.params.append(list(operand))
                parts.append(f"{'NOT ' if op == 'nin' else ''}({column} = ANY(%s))")
            elif op == "null":
                parts.append(f"{column} IS {'' if operand else 'NOT '}NULL")
            elif op in _LIKE:
                like, shape, negate = _LIKE[op]
                self.params.append(shape.format(_escape_like(str(operand))))
                test = f"coalesce({column}::text, '') {like} %s"
                parts.append(f"NOT ({test})" if negate else test)
            elif op in ("and", "or"):
                joined = [self.comparator(column, item, field) for item in operand]
                if joined:
                    parts.append("(" + (" AND " if op == "and" else " OR ").join(joined) + ")")
            else:
                raise InvalidInput(
                    f"The comparator '{op}' on '{field}' is not supported by this clone."
                )
        return "(" + " AND ".join(parts) + ")" if parts else "TRUE"
