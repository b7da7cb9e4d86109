"""Expectation files: the JSON form of expectations, what ``asymkit diff ID --expect FILE`` reads.

::

    {"strict": true,
     "ignore": ["members", {"added": "messages", "where": {"subtype": "channel_join"}}],
     "expect": [{"added": "messages", "count": 1,
                 "where": {"channel": "#support", "text": {"contains": "refund"}}}]}

Read strictly: a key nobody reads, a matcher with the wrong argument or a file
that checks nothing is ``EXPECTATION_INVALID`` naming the place, since a file
that checks less than it says passes by mistake. The file is read as untrusted
input (``untrusted.read_json``: bounded size, depth and time).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from .diff import Diff
from .errors import ExpectationInvalid, InvalidArgument, shown
from .expect import CHANGES, MATCHERS, Expect, Match, check
from .untrusted import read_json

FILE_KEYS = ("expect", "ignore", "strict")
EXPECT_KEYS = ("added | removed | changed", "count", "where")
PATTERN_KEYS = ("added | removed | changed", "where")


def _refuse_unknown_keys(item: Mapping[str, Any], accepted: Sequence[str], where: str) -> None:
    """A key nobody reads is a typo that would make the file check less than it says."""
    names = [n for a in accepted for n in a.split(" | ")]
    for key in item:
        if key not in names:
            close = difflib.get_close_matches(str(key), names, n=1, cutoff=0.6)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise ExpectationInvalid(
                f"{where}: unknown key {shown(str(key))}; it takes {', '.join(accepted)}.{hint}"
            )


def _value_from_json(value: Any, where: str) -> Any:
    """A literal, or a matcher: an object whose one key is any/contains/regex/one_of."""
    if not isinstance(value, dict) or not any(k in MATCHERS for k in value):
        if isinstance(value, dict) and len(value) == 1:
            close = difflib.get_close_matches(next(iter(value)), MATCHERS, n=1, cutoff=0.8)
            if close:  # {"contain": "x"}: surely a misspelt matcher, not a literal object
                raise ExpectationInvalid(
                    f"{where}: unknown matcher {shown(next(iter(value)))}; did you mean"
                    f" '{close[0]}'? Matchers: {', '.join(MATCHERS)}."
                )
        return value
    if len(value) != 1:
        raise ExpectationInvalid(
            f"{where}: a matcher is an object with exactly one key ({', '.join(MATCHERS)}),"
            f" not {', '.join(shown(str(k)) for k in value)}."
        )
    op, arg = next(iter(value.items()))
    if op == "any":
        if arg is not True:
            raise ExpectationInvalid(
                f'{where}: "any" takes true ({{"any": true}} matches every value), not'
                f" {json.dumps(arg)[:40]}; to ask for a missing value write null."
            )
        return Match.any
    if op == "one_of":
        if not isinstance(arg, list) or not arg:
            raise ExpectationInvalid(f"{where}: one_of takes a list of at least one value.")
        return Match.one_of(
            *(_value_from_json(v, f"{where}.one_of[{i}]") for i, v in enumerate(arg))
        )
    if not isinstance(arg, str):
        raise ExpectationInvalid(f"{where}: {op} takes a string, not {json.dumps(arg)[:40]}.")
    try:
        return Match.contains(arg) if op == "contains" else Match.regex(arg)
    except InvalidArgument as exc:
        raise ExpectationInvalid(f"{where}: {exc.message}") from None


def _expect_from_json(item: Any, where: str, pattern: bool = False) -> Expect:
    example = '{"added": "messages", "where": {...}}'
    if not isinstance(item, dict):
        raise ExpectationInvalid(f"{where} must be an object like {example}.")
    _refuse_unknown_keys(item, PATTERN_KEYS if pattern else EXPECT_KEYS, where)
    changes = [c for c in CHANGES if c in item]
    if len(changes) != 1 or not isinstance(item[changes[0]], str):
        raise ExpectationInvalid(
            f"{where} needs exactly one of added, removed or changed, naming a kind: {example}."
        )
    fields = item.get("where", {})
    if not isinstance(fields, dict):
        raise ExpectationInvalid(f"{where}: 'where' must be an object of field: value.")
    count = item.get("count")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 0):
        raise ExpectationInvalid(f"{where}: 'count' must be a whole number >= 0.")
    return Expect(
        changes[0],
        item[changes[0]],
        {k: _value_from_json(v, f"{where}.where.{shown(k, 40)}") for k, v in fields.items()},
        count,
    )


@attrs.frozen
class ExpectationFile:
    """An expectation file, read: what ``asymkit diff --expect`` checks."""

    expect: tuple[Expect, ...]
    strict: bool = True
    ignore: tuple[str | Expect, ...] = ()
    source: str = attrs.field(default="the expectation file", eq=False)

    def check(self, diff: Diff) -> list[str]:
        """What does not hold; an unknown kind is ``EXPECTATION_INVALID`` naming the file."""
        try:
            return check(diff, *self.expect, strict=self.strict, ignore=self.ignore)
        except ExpectationInvalid:
            raise
        except InvalidArgument as exc:
            raise ExpectationInvalid(f"{self.source}: {exc.message}") from None

    def to_json(self) -> dict[str, Any]:
        return {
            "strict": self.strict,
            "ignore": [i if isinstance(i, str) else i.to_json() for i in self.ignore],
            "expect": [e.to_json() for e in self.expect],
        }


def load(path: Path) -> ExpectationFile:
    """Read an expectation file; anything it cannot use is ``EXPECTATION_INVALID`` naming
    the place: unknown keys, wrong types, bad matchers, a file that checks nothing."""
    where = f"expectation file {path}"
    data = read_json(path, "expectation file", ExpectationInvalid)
    if not isinstance(data, dict):
        raise ExpectationInvalid(f"{where} must hold an object with an 'expect' list.")
    _refuse_unknown_keys(data, FILE_KEYS, where)
    expect, ignore, strict = (
        data.get("expect", []),
        data.get("ignore", []),
        data.get("strict", True),
    )
    if not isinstance(expect, list):
        raise ExpectationInvalid(f"{where}: 'expect' must be a list of expectations.")
    if not isinstance(ignore, list):
        raise ExpectationInvalid(f"{where}: 'ignore' must be a list of kinds or patterns.")
    if not isinstance(strict, bool):
        raise ExpectationInvalid(f"{where}: 'strict' must be true or false.")
    if not strict and not expect:
        raise ExpectationInvalid(
            f"{where} checks nothing: with no expectations and strict false any diff passes."
        )
    return ExpectationFile(
        tuple(_expect_from_json(e, f"{where}: expect[{i}]") for i, e in enumerate(expect)),
        strict,
        tuple(
            i if isinstance(i, str) else _expect_from_json(i, f"{where}: ignore[{n}]", True)
            for n, i in enumerate(ignore)
        ),
        where,
    )


def dumps(expectations: ExpectationFile) -> str:
    return json.dumps(expectations.to_json(), indent=2, sort_keys=True)
