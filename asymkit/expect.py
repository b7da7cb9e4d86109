"""Expectations on a diff: what graders assert about the changes an agent made.

Python (``asymkit.testing``)::

    assert_diff(
        clone.diff(),
        added("messages", channel="#support", text=Match.contains("refund")),
        changed("channels", name="#incidents", topic=Match.regex("SEV-?1")),
        strict=True,  # any other change fails ("collateral damage")
        ignore=["members"],
    )

Other harnesses write the same as JSON and run ``asymkit diff ID --expect FILE``::

    {"strict": true,
     "ignore": ["members", {"added": "messages", "where": {"subtype": "channel_join"}}],
     "expect": [{"added": "messages", "count": 1,
                 "where": {"channel": "#support", "text": {"contains": "refund"}}}]}

Values match Slack-facing references: ``"#general"`` matches a channel id
whose name is ``general`` (or the name itself), ``"@maya"`` a user id whose
name is ``maya``; the diff carries those names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from .diff import Diff, Record
from .errors import DiffMismatch, InvalidArgument

CHANGES = ("added", "removed", "changed")
_MATCHERS = ("any", "contains", "regex", "one_of")


@attrs.frozen
class Matcher:
    """A test on one field's value, beyond equality."""

    op: str
    arg: Any = None

    def test(self, actual: Any, names: Mapping[str, Mapping[str, str]]) -> bool:
        if self.op == "any":
            return True
        if self.op == "one_of":
            return any(value_matches(v, actual, names) for v in self.arg)
        if not isinstance(actual, str):
            return False
        if self.op == "contains":
            return str(self.arg) in actual
        return re.search(str(self.arg), actual) is not None  # regex

    def describe(self) -> str:
        return "anything" if self.op == "any" else f"{self.op.replace('_', ' ')} {self.arg!r}"

    def to_json(self) -> dict[str, Any]:
        return {self.op: True if self.op == "any" else self.arg}


@attrs.frozen
class Count:
    """``Match.count(n)``: exactly ``n`` records must match (default: at least one)."""

    n: int


class Match:
    """Matchers for field values: ``Match.any``, ``.contains``, ``.regex``, ``.one_of``,
    and ``Match.count(n)`` for how many records an expectation must find."""

    any = Matcher("any")

    @staticmethod
    def contains(text: str) -> Matcher:
        return Matcher("contains", text)

    @staticmethod
    def regex(pattern: str) -> Matcher:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise InvalidArgument(f"Bad regex {pattern!r}: {exc}.") from exc
        return Matcher("regex", pattern)

    @staticmethod
    def one_of(*values: Any) -> Matcher:
        return Matcher("one_of", tuple(values))

    @staticmethod
    def count(n: int) -> Count:
        if not isinstance(n, int) or n < 0:
            raise InvalidArgument(f"Match.count takes a whole number >= 0, not {n!r}.")
        return Count(n)


@attrs.frozen
class Expect:
    """Records of one kind added, removed or changed, whose fields match ``where``."""

    change: str
    kind: str
    where: Mapping[str, Any] = attrs.field(factory=dict)
    count: int | None = None  # None: at least one

    def describe(self) -> str:
        fields = ", ".join(f"{k}{_describe_value(v)}" for k, v in self.where.items())
        many = f"{self.count} " if self.count is not None else ""
        return f"{self.change} {many}{self.kind}" + (f" where {fields}" if fields else "")

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            self.change: self.kind,
            "where": {
                k: v.to_json() if isinstance(v, Matcher) else v for k, v in self.where.items()
            },
        }
        if self.count is not None:
            data["count"] = self.count
        return data


def _expect(change: str, kind: str, args: Sequence[Any], fields: dict[str, Any]) -> Expect:
    counts = [a for a in args if isinstance(a, Count)]
    if len(counts) != len(args) or len(counts) > 1:
        raise InvalidArgument(
            f"{change}({kind!r}, ...) takes at most one Match.count(n) besides field=value."
        )
    return Expect(change, kind, fields, counts[0].n if counts else None)


def added(kind: str, *count: Count, **where: Any) -> Expect:
    """Records of ``kind`` the agent created whose fields match ``where``."""
    return _expect("added", kind, count, where)


def removed(kind: str, *count: Count, **where: Any) -> Expect:
    """Records of ``kind`` the agent deleted whose fields matched ``where``."""
    return _expect("removed", kind, count, where)


def changed(kind: str, *count: Count, **where: Any) -> Expect:
    """Records of ``kind`` the agent modified whose fields (after the change) match ``where``."""
    return _expect("changed", kind, count, where)


def value_matches(expected: Any, actual: Any, names: Mapping[str, Mapping[str, str]]) -> bool:
    """Equality, a matcher, or a ``#name``/``@name`` reference to an id."""
    if isinstance(expected, Matcher):
        return expected.test(actual, names)
    if expected == actual:
        return True
    if isinstance(expected, str) and len(expected) > 1 and expected[0] in names:
        name = expected[1:]
        return actual == name or names[expected[0]].get(str(actual)) == name
    return False


def _describe_value(value: Any) -> str:
    return f" {value.describe()}" if isinstance(value, Matcher) else f"={value!r}"


def _records(diff: Diff, change: str, kind: str) -> list[Record]:
    """The records an expectation is tested against (a changed one: its whole new self)."""
    if kind not in diff.kinds:
        raise InvalidArgument(
            f"No kind '{kind}' in this clone's diff; its kinds are {', '.join(diff)}."
        )
    found = diff[kind]
    if change == "changed":
        return [{**c.record, **c.key} for c in found.changed]
    return list(found.added if change == "added" else found.removed)


def _matches(expect: Expect, record: Record, diff: Diff) -> bool:
    return all(value_matches(v, record.get(k), diff.names) for k, v in expect.where.items())


def _show(record: Record, diff: Diff, limit: int = 6) -> str:
    parts = []
    for k, v in list(record.items())[:limit]:
        label = next((p + n[str(v)] for p, n in diff.names.items() if str(v) in n), None)
        parts.append(f"{k}={v!r}" + (f" ({label})" if label else ""))
    return "{" + ", ".join(parts) + ("" if len(record) <= limit else ", …") + "}"


def _closest(expect: Expect, candidates: list[Record], diff: Diff) -> list[str]:
    def score(record: Record) -> int:
        return sum(value_matches(v, record.get(k), diff.names) for k, v in expect.where.items())

    ranked = sorted(candidates, key=score, reverse=True)[:2]
    lines = []
    for record in ranked:
        wrong = [
            k for k, v in expect.where.items() if not value_matches(v, record.get(k), diff.names)
        ]
        lines.append(f"      closest: {_show(record, diff)} — {', '.join(wrong)} differ")
    return lines


def check(
    diff: Diff,
    *expected: Expect,
    strict: bool = True,
    ignore: Iterable[str | Expect] = (),
) -> list[str]:
    """What does not hold, one line each (empty: the diff is as expected)."""
    problems: list[str] = []
    explained: set[tuple[str, str, int]] = set()
    for expect in expected:
        candidates = _records(diff, expect.change, expect.kind)
        hits = [i for i, r in enumerate(candidates) if _matches(expect, r, diff)]
        explained |= {(expect.change, expect.kind, i) for i in hits}
        wanted = "at least 1" if expect.count is None else str(expect.count)
        if (expect.count is None and not hits) or (
            expect.count is not None and len(hits) != expect.count
        ):
            problems.append(f"  ✗ expected {expect.describe()}: found {len(hits)}, wanted {wanted}")
            if not hits:
                problems += _closest(expect, candidates, diff)
    if strict:
        ignored_kinds = {i for i in ignore if isinstance(i, str)}
        patterns = [i for i in ignore if isinstance(i, Expect)]
        extra = []
        for kind in diff:
            if kind in ignored_kinds:
                continue
            for change in CHANGES:
                for i, record in enumerate(_records(diff, change, kind)):
                    if (change, kind, i) in explained or any(
                        p.change == change and p.kind == kind and _matches(p, record, diff)
                        for p in patterns
                    ):
                        continue
                    extra.append(f"      {change} {kind} {_show(record, diff)}")
        if extra:
            problems.append(f"  ✗ {len(extra)} unexpected change(s) (strict):")
            problems += extra[:10] + (
                [f"      … and {len(extra) - 10} more"] if len(extra) > 10 else []
            )
    return problems


def assert_diff(
    diff: Diff,
    *expected: Expect,
    strict: bool = True,
    ignore: Iterable[str | Expect] = (),
) -> None:
    """Fail (``DiffMismatch``, an ``AssertionError``) unless ``diff`` is as expected.

    Each expectation must find its records; with ``strict`` (the default) every
    other change fails too, except kinds or records named in ``ignore``.
    """
    problems = check(diff, *expected, strict=strict, ignore=ignore)
    if problems:
        raise DiffMismatch(
            f"The clone's changes since {diff.since} are not as expected:\n" + "\n".join(problems)
        )


# -- expectation files ----------------------------------------------------------


def _value_from_json(value: Any, where: str) -> Any:
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in _MATCHERS:
        op, arg = next(iter(value.items()))
        if op == "regex":
            return Match.regex(str(arg))
        if op == "one_of":
            if not isinstance(arg, list):
                raise InvalidArgument(f"{where}: one_of takes a list.")
            return Match.one_of(*arg)
        return Match.any if op == "any" else Match.contains(str(arg))
    return value


def _expect_from_json(item: Any, where: str) -> Expect:
    if not isinstance(item, dict):
        raise InvalidArgument(f'{where} must be an object like {{"added": "messages"}}.')
    changes = [c for c in CHANGES if c in item]
    if len(changes) != 1 or not isinstance(item[changes[0]], str):
        raise InvalidArgument(f"{where} needs exactly one of added/removed/changed: KIND.")
    fields = item.get("where", {})
    if not isinstance(fields, dict):
        raise InvalidArgument(f"{where}: 'where' must be an object of field: value.")
    count = item.get("count")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 0):
        raise InvalidArgument(f"{where}: 'count' must be a whole number >= 0.")
    return Expect(
        changes[0],
        item[changes[0]],
        {k: _value_from_json(v, f"{where}.where.{k}") for k, v in fields.items()},
        count,
    )


@attrs.frozen
class ExpectationFile:
    """An expectation file, read: what ``asymkit diff --expect`` checks."""

    expect: tuple[Expect, ...]
    strict: bool = True
    ignore: tuple[str | Expect, ...] = ()

    def check(self, diff: Diff) -> list[str]:
        return check(diff, *self.expect, strict=self.strict, ignore=self.ignore)

    def to_json(self) -> dict[str, Any]:
        return {
            "strict": self.strict,
            "ignore": [i if isinstance(i, str) else i.to_json() for i in self.ignore],
            "expect": [e.to_json() for e in self.expect],
        }


def load(path: Path) -> ExpectationFile:
    """Read an expectation file; a malformed one is ``INVALID_ARGUMENT`` naming the place."""
    from .untrusted import read_json

    try:
        data = read_json(path)
    except Exception as exc:
        raise InvalidArgument(f"Cannot read expectation file {path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("expect", []), list):
        raise InvalidArgument(f"{path} must hold an object with an 'expect' list.")
    ignore = data.get("ignore", [])
    if not isinstance(ignore, list):
        raise InvalidArgument(f"{path}: 'ignore' must be a list of kinds or patterns.")
    strict = data.get("strict", True)
    if not isinstance(strict, bool):
        raise InvalidArgument(f"{path}: 'strict' must be true or false.")
    return ExpectationFile(
        tuple(
            _expect_from_json(e, f"{path}: expect[{i}]")
            for i, e in enumerate(data.get("expect", []))
        ),
        strict,
        tuple(
            i if isinstance(i, str) else _expect_from_json(i, f"{path}: ignore[{n}]")
            for n, i in enumerate(ignore)
        ),
    )


def dumps(expectations: ExpectationFile) -> str:
    return json.dumps(expectations.to_json(), indent=2, sort_keys=True)
