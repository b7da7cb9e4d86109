"""One converter between asymkit's attrs models and plain data (JSON and msgpack).

Structuring is strict about types — ``"8080"`` is not a port, ``"abc"`` is not
a list — and lenient about keys: keys a newer asymkit wrote are ignored, so
files stay readable across versions. Data that does not fit raises
``Malformed`` naming the field (``clones.slack-a1b2.port must be an integer,
not str``); each caller turns it into its own named error (``REGISTRY_CORRUPT``,
``CASSETTE_INVALID``) with what to do next.

Models that need a special shape register their hooks next to their
definition (reports in ``seed``, invalid dataset records in ``dataset``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.cols import (
    homogenous_tuple_structure_factory,
    is_mapping,
    is_sequence,
    list_structure_factory,
    mapping_structure_factory,
)
from cattrs.gen import make_dict_structure_fn

T = TypeVar("T")

Hook = Callable[[Any, Any], Any]


class Malformed(ValueError):
    """Data that does not fit a model; the message names the field and the problem."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path} {problem}")
        self.path, self.problem = path, problem


converter = cattrs.Converter(unstruct_collection_overrides={tuple: list})

_KINDS = {str: "a string", int: "an integer", bool: "true or false", float: "a number"}


def _scalar(kind: type) -> Hook:
    def structure(value: Any, _: Any) -> Any:
        # bool is an int in Python, but `true` is not a port number.
        if isinstance(value, bool) is not (kind is bool) or not isinstance(value, kind):
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                return float(value)
            raise TypeError(f"must be {_KINDS[kind]}, not {type(value).__name__}")
        return value

    return structure


for _kind in _KINDS:
    converter.register_structure_hook(_kind, _scalar(_kind))


def _checked(expected: type | tuple[type, ...], what: str, inner: Hook) -> Hook:
    def structure(value: Any, type_: Any) -> Any:
        if not isinstance(value, expected):
            raise TypeError(f"must be {what}, not {type(value).__name__}")
        return inner(value, type_)

    return structure


def _sequence(type_: Any, conv: cattrs.Converter) -> Hook:
    origin = getattr(type_, "__origin__", type_)
    make = homogenous_tuple_structure_factory if origin is tuple else list_structure_factory
    return _checked((list, tuple), "a list", make(type_, conv))


def _mapping(type_: Any, conv: cattrs.Converter) -> Hook:
    return _checked(dict, "an object", mapping_structure_factory(type_, conv))


def _model(type_: Any, conv: cattrs.Converter) -> Hook:
    return _checked(dict, "an object", make_dict_structure_fn(type_, conv))


converter.register_structure_hook_factory(is_sequence, _sequence)
converter.register_structure_hook_factory(is_mapping, _mapping)
converter.register_structure_hook_factory(attrs.has, _model)


def _describe(exc: BaseException, type_: Any) -> str:
    if isinstance(exc, KeyError):
        return "is missing"
    text = str(exc)
    if text.startswith("must be") or (type(exc) is ValueError and text):
        return text  # ours, or an attrs validator's sentence
    name = _KINDS.get(type_) or getattr(type_, "__name__", None) or str(type_)
    return f"must be {name}"


def structure(data: Any, cls: type[T], where: str) -> T:
    """``data`` as a ``cls``; ``Malformed`` names the first field that does not fit.

    ``where`` is the path shown for the top level, e.g. ``provenance``.
    """
    try:
        return converter.structure(data, cls)
    except (cattrs.BaseValidationError, KeyError, TypeError, ValueError) as exc:
        first = cattrs.transform_error(exc, path=where, format_exception=_describe)[0]
        problem, _, path = first.rpartition(" @ ")
        raise Malformed(path, problem) from exc


def unstructure(value: Any) -> Any:
    """Plain data (dicts, lists, str, int, ...) for any asymkit model."""
    return converter.unstructure(value)


def to_dict(model: Any) -> dict[str, Any]:
    """An attrs model as a plain JSON object (what every model's ``to_json`` returns)."""
    data: dict[str, Any] = converter.unstructure(model)
    return data
