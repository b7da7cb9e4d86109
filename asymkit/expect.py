"""Expectations on a diff: what graders assert about the changes an agent made.

Python (``asymkit.testing``)::

    assert_diff(
        clone.diff(),
        added("messages", channel="#support", text=Match.contains("refund")),
        changed("channels", name="#incidents", topic=Match.regex("SEV-?1")),
        strict=True,  # any other change fails ("collateral damage")
        ignore=["members"],
    )

Other harnesses write the same as JSON (``asymkit.expectfile``).

Values match Slack-facing references: ``"#general"`` matches a channel id whose
name is ``general``, ``"@maya"`` a user id whose name is ``maya`` (the diff
carries those names), and the ``name`` field of that channel or user itself;
in any other field a reference is plain text. Nothing is ignored quietly: an
unknown key, a matcher with a wrong argument or an unknown kind is an error,
since an expectation that checks less than it says passes by mistake.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from .diff import Diff, Record
from .errors import DiffMismatch, InvalidArgument, choices, shown

CHANGES = ("added", "removed", "changed")
MATCHERS = ("any", "contains", "regex", "one_of")


def _regex_engine() -> Any:
    """RE2: matching time is linear in the text, whatever the pattern (no backtracking)."""
    import re2  # type: ignore[import-untyped]  # loaded only when a regex is used

    return re2


@functools.lru_cache(maxsize=256)
def _compile_regex(pattern: str) -> Any:
    """``pattern`` compiled by RE2, or ``InvalidArgument`` saying why it cannot be used.

    Python's ``re`` checks it first: RE2 quietly reads a repetition count it cannot
    hold (``a{99999999999}``) as literal text, and Python says "too large".
    """
    try:
        re.compile(pattern)
    except (re.error, OverflowError, RecursionError) as exc:
        raise InvalidArgument(f"Bad regex {shown(pattern)}: {exc}.") from None
    re2 = _regex_engine()
    options = re2.Options()
    options.log_errors = False  # the error is raised below, not printed to stderr
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        detail = exc.args[0] if exc.args else "invalid"
        if isinstance(detail, bytes):  # the bindings pass RE2's own message through as bytes
            detail = detail.decode(errors="replace")
        raise InvalidArgument(
            f"Regex {shown(pattern)} is not supported ({detail[:100]}): patterns run on RE2,"
            " which has no backreferences or lookaround and repeats at most 1000 times."
        ) from None


@attrs.frozen
class Matcher:
    """A test on one field's value, beyond equality."""

    op: str
    arg: Any = None

    def test(self, actual: Any, names: Mapping[str, Mapping[str, str]], own_id: Any = None) -> bool:
        """Whether ``actual`` passes; ``own_id`` is the record's id when this is its name."""
        if self.op == "any":
            return True
        if self.op == "one_of":
            return any(value_matches(v, actual, names, own_id) for v in self.arg)
        if not isinstance(actual, str):
            return False
        if self.op == "contains":
            return bool(self.arg in actual)
        return _compile_regex(self.arg).search(actual) is not None  # compiled once, cached

    def describe(self) -> str:
        if self.op == "any":
            return "anything"
        if self.op == "one_of":
            return "one of " + ", ".join(
                v.describe() if isinstance(v, Matcher) else _brief(v) for v in self.arg
            )
        return f"{self.op} {_brief(self.arg)}"

    def to_json(self) -> dict[str, Any]:
        if self.op == "one_of":
            return {"one_of": [v.to_json() if isinstance(v, Matcher) else v for v in self.arg]}
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
        """A string field holding ``text``."""
        if not isinstance(text, str):
            raise InvalidArgument(f"Match.contains takes a string, not {type(text).__name__}.")
        return Matcher("contains", text)

    @staticmethod
    def regex(pattern: str) -> Matcher:
        """A string field in which RE2 ``pattern`` matches somewhere (``re.search``)."""
        if not isinstance(pattern, str):
            raise InvalidArgument(f"Match.regex takes a string, not {type(pattern).__name__}.")
        _compile_regex(pattern)
        return Matcher("regex", pattern)

    @staticmethod
    def one_of(*values: Any) -> Matcher:
        """A field equal to, or matching, any of ``values`` (literals, references, matchers)."""
        if not values:
            raise InvalidArgument("Match.one_of needs at least one value.")
        return Matcher("one_of", tuple(values))

    @staticmethod
    def count(n: int) -> Count:
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
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
    if not isinstance(kind, str):
        raise InvalidArgument(f"{change}() takes a kind's name first, not {type(kind).__name__}.")
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


def value_matches(
    expected: Any, actual: Any, names: Mapping[str, Mapping[str, str]], own_id: Any = None
) -> bool:
    """Equality, a matcher, or a ``#name``/``@name`` reference.

    A reference matches an id the template's names resolve to that name (a field that
    holds ids: ``channel``, ``user``, ``id``…), or, in a record's ``name`` field
    (``own_id`` is then the record's ``id``), the name of a record that is itself that
    channel or user. Anywhere else it is compared as the plain text it is, so
    ``text="@dana"`` matches the text "@dana", never "dana".
    """
    if isinstance(expected, Matcher):
        return expected.test(actual, names, own_id)
    if expected == actual:
        return True
    if isinstance(expected, str) and len(expected) > 1 and expected[0] in names:
        ids, name = names[expected[0]], expected[1:]
        if isinstance(actual, str) and ids.get(actual) == name:
            return True
        return isinstance(own_id, str) and ids.get(own_id) == name and actual == name
    return False


def _field_matches(
    expected: Any, field: str, record: Record, names: Mapping[str, Mapping[str, str]]
) -> bool:
    own_id = record.get("id") if field == "name" else None
    return value_matches(expected, record.get(field), names, own_id)


def _describe_value(value: Any) -> str:
    return f" {value.describe()}" if isinstance(value, Matcher) else f"={_brief(value)}"


def _brief(value: Any, width: int = 80) -> str:
    """``repr(value)`` cut to ``width``: an agent's 40,000-character message is named, not
    echoed (ten of them in one failure would flood the report)."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _known_kind(diff: Diff, kind: str) -> None:
    if kind not in diff.kinds:
        raise InvalidArgument(
            f"No kind {shown(kind)} in this clone's diff. {choices(kind, diff.kinds, 'kind')}"
        )


def _records(diff: Diff, change: str, kind: str) -> list[Record]:
    """The records an expectation is tested against (a changed one: its whole new self)."""
    _known_kind(diff, kind)
    found = diff[kind]
    if change == "changed":
        return [{**c.record, **c.key} for c in found.changed]
    return list(found.added if change == "added" else found.removed)


def _matches(expect: Expect, record: Record, diff: Diff) -> bool:
    return all(_field_matches(v, k, record, diff.names) for k, v in expect.where.items())


def _show(record: Record, diff: Diff, limit: int = 6) -> str:
    parts = []
    for k, v in list(record.items())[:limit]:
        label = next((p + n[str(v)] for p, n in diff.names.items() if str(v) in n), None)
        parts.append(f"{k}={_brief(v)}" + (f" ({label})" if label else ""))
    return "{" + ", ".join(parts) + ("" if len(record) <= limit else ", …") + "}"


def _closest(expect: Expect, candidates: list[Record], diff: Diff) -> list[str]:
    def score(record: Record) -> int:
        return sum(_field_matches(v, k, record, diff.names) for k, v in expect.where.items())

    ranked = sorted(candidates, key=score, reverse=True)[:2]
    lines = []
    for record in ranked:
        wrong = [k for k, v in expect.where.items() if not _field_matches(v, k, record, diff.names)]
        lines.append(f"      closest: {_show(record, diff)} — {', '.join(wrong)} differ")
    return lines


def check(
    diff: Diff,
    *expected: Expect,
    strict: bool = True,
    ignore: Iterable[str | Expect] = (),
) -> list[str]:
    """What does not hold, one line each (empty: the diff is as expected).

    Refuses (``INVALID_ARGUMENT``) what would check less than it says: an unknown kind
    in ``expected`` or ``ignore``, a count on an ignore pattern, and nothing to check at
    all (no expectations and not strict).
    """
    ignore = tuple(ignore)
    _check_arguments(diff, expected, strict, ignore)
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


def _known_fields(diff: Diff, expect: Expect) -> None:
    """Refuse a field no record of the kind has, where it could change the outcome.

    A misspelt field never equals a value, but it does pass ``Match.any`` (or a
    ``count`` of 0, or an ignore pattern left out), so with records to test a typo
    would pass. Every record of a kind has the same fields (its select's columns).
    """
    records = _records(diff, expect.change, expect.kind)
    if not records:
        return  # nothing to test: an expectation finds nothing, a pattern ignores nothing
    fields = sorted(records[0])
    for field in expect.where:
        if field not in fields:
            close = choices(field, fields, "field")
            raise InvalidArgument(
                f"{expect.change} {expect.kind}: no record has a field {shown(field)}. {close}"
            )


def _check_arguments(
    diff: Diff, expected: Sequence[Any], strict: Any, ignore: Sequence[Any]
) -> None:
    if not isinstance(strict, bool):
        raise InvalidArgument(f"strict must be True or False, not {strict!r}.")
    for expect in expected:
        if not isinstance(expect, Expect):
            raise InvalidArgument(
                "Expectations are added(...), removed(...) or changed(...), not"
                f" {type(expect).__name__}."
            )
        _known_fields(diff, expect)
    for item in ignore:
        if isinstance(item, str):
            _known_kind(diff, item)
        elif isinstance(item, Expect):
            _known_fields(diff, item)
            if item.count is not None:
                raise InvalidArgument(
                    f"The ignore pattern {item.describe()} has a count; an ignore pattern"
                    " leaves out every record it matches, so it takes none."
                )
        else:
            raise InvalidArgument(
                'ignore takes kinds ("members") and patterns (added(...), ...), not'
                f" {type(item).__name__}."
            )
    if not strict and not expected:
        raise InvalidArgument(
            "Nothing to check: no expectations and strict=False would pass any diff; give"
            " expectations or leave strict on."
        )


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
