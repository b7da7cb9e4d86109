"""A Web API request's arguments, and the JSON values some of them carry, read as Slack reads them.

Arguments come from the query string and a form, multipart (what ``curl -F``
sends) or JSON body. Whatever a method then sees is text that JSON can carry
and Postgres can store: a NUL or an unpaired surrogate (``"\\ud800"`` in JSON)
is refused here, and so are ``NaN``, ``Infinity`` and numbers too large for a
double inside a JSON argument (``blocks``, ``metadata``, ``profile``...), each
with the error its argument answers. No method has to think of them, and none
reaches the database with them, where they would fail as a server error.
"""

from __future__ import annotations

import json
import math
import urllib.parse
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import attrs
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from .objects import SlackError

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

MAX_JSON_DEPTH = 32
MAX_PARTS = 1000  # parts of one multipart body (what Starlette's own form parser allows)
MAX_PART_HEADERS = 16 * 1024  # bytes of one part's headers (a long file name fits)


class UnreadableBody(ValueError):
    """A body that cannot be read as arguments (Slack's ``invalid_form_data``)."""


def storable(text: str) -> bool:
    """Whether ``text`` has no NUL and no unpaired surrogate: what any Slack text may hold."""
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, which no UTF-8 text can hold
        return False
    return True


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text[:20]} is too large for a number")
    return value


def _nested(value: Any) -> Iterator[tuple[Any, int]]:
    """Every value inside ``value`` (dict keys included) with its depth, iteratively."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        yield item, depth
        if isinstance(item, dict):
            stack.extend((k, depth + 1) for k in item)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


def too_deep(body: str | bytes) -> bool:
    """Whether a JSON text opens more than ``MAX_JSON_DEPTH`` brackets before anything else:
    checked before parsing, so that the parser never recurses that deep."""
    stripped = body.lstrip("[{ \t\r\n") if isinstance(body, str) else body.lstrip(b"[{ \t\r\n")
    return len(body) - len(stripped) > MAX_JSON_DEPTH


def loads(raw: str | bytes) -> Any:
    """A JSON argument's value, strictly: ``ValueError`` for what Slack cannot take.

    That is malformed JSON, nesting deeper than ``MAX_JSON_DEPTH``, ``NaN`` or
    ``Infinity`` (which are not JSON), a number beyond a double's range, and a
    string or key holding a NUL or an unpaired surrogate.
    """
    if too_deep(raw):
        raise ValueError("nested too deeply")
    value = json.loads(raw, parse_constant=_no_constant, parse_float=_finite)
    for item, depth in _nested(value):
        if depth > MAX_JSON_DEPTH:
            raise ValueError("nested too deeply")
        if isinstance(item, str) and not storable(item):
            raise ValueError("a string holds a NUL or an unpaired surrogate")
    return value


def parse_json(body: bytes) -> Any:
    """A JSON body, leniently (``NaN`` and lone surrogates parse); ``ValueError`` when it is
    malformed or nested deeper than ``MAX_JSON_DEPTH``. An empty body is ``{}``."""
    if not body.strip():
        return {}
    if too_deep(body):
        raise ValueError("nested too deeply")
    data = json.loads(body)
    if any(depth > MAX_JSON_DEPTH for _, depth in _nested(data)):
        raise ValueError("nested too deeply")
    return data


def json_body(body: bytes) -> dict[str, str]:
    """The arguments of a JSON body: strings as they are, other values as JSON text.

    The body is read leniently: each argument is then judged on its own, so
    that ``blocks`` holding ``NaN`` answers ``invalid_blocks`` whether it came
    in a form or in JSON.
    """
    try:
        data = parse_json(body)
    except (ValueError, RecursionError):
        raise SlackError("invalid_json") from None
    if not isinstance(data, dict):
        raise SlackError("invalid_json")
    params: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, str):
            params[key] = value
        elif isinstance(value, bool):
            params[key] = "true" if value else "false"
        elif value is not None:
            # ensure_ascii (the default) writes a lone surrogate as an escape that
            # loads() then refuses, rather than as text no encoder can write.
            params[key] = json.dumps(value)
    return params


def form_body(body: bytes) -> dict[str, str]:
    """The arguments of an ``application/x-www-form-urlencoded`` body."""
    try:
        form = body.decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableBody("the form is not UTF-8") from None
    return dict(urllib.parse.parse_qsl(form, keep_blank_values=True))


@attrs.frozen
class Part:
    """One part of a multipart body: its field name, file name (if a file) and bytes."""

    name: str
    filename: str | None
    content: bytes


@attrs.define
class _Reader:
    """The parts python-multipart's callbacks report, and the one being read."""

    found: list[Part] = attrs.Factory(list)
    field: bytes = b""
    value: bytes = b""
    disposition: bytes = b""
    header_bytes: int = 0
    data: bytearray = attrs.Factory(bytearray)

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self.begin,
            "on_header_field": self.header_field,
            "on_header_value": self.header_value,
            "on_header_end": self.header_end,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
        }

    def begin(self) -> None:
        self.field = self.value = self.disposition = b""
        self.header_bytes = 0
        self.data = bytearray()

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self.field += data[start:end]
        self._grown(end - start)

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self.value += data[start:end]
        self._grown(end - start)

    def _grown(self, size: int) -> None:
        # Bounded here, whatever limits the installed python-multipart applies itself.
        self.header_bytes += size
        if self.header_bytes > MAX_PART_HEADERS:
            raise UnreadableBody(f"a part's headers are longer than {MAX_PART_HEADERS} bytes")

    def header_end(self) -> None:
        if self.field.lower() == b"content-disposition":
            self.disposition = self.value
        self.field = self.value = b""

    def part_data(self, data: bytes, start: int, end: int) -> None:
        self.data += data[start:end]

    def part_end(self) -> None:
        _, params = parse_options_header(self.disposition)
        if b"name" not in params:
            raise UnreadableBody("a multipart part without a name")
        if len(self.found) >= MAX_PARTS:
            raise UnreadableBody(f"more than {MAX_PARTS} parts")
        filename = params.get(b"filename")
        self.found.append(
            Part(
                name=_header_text(params[b"name"]),
                filename=None if filename is None else _header_text(filename),
                content=bytes(self.data),
            )
        )


def _header_text(raw: bytes) -> str:
    """A name from a part's header: UTF-8 as curl and browsers send it, else latin-1."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def parts(body: bytes, content_type: str) -> list[Part]:
    """The parts of a ``multipart/form-data`` body, at most ``MAX_PARTS`` of them.

    ``UnreadableBody`` when it has no boundary, is not multipart, or a part has
    no name. python-multipart's streaming parser reads it in linear time (the
    standard library's ``email`` parser takes quadratic time on long headers).
    """
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        raise UnreadableBody("multipart body without a boundary")
    reader = _Reader()
    try:
        parser = MultipartParser(boundary, reader.callbacks())
        parser.write(body)
        parser.finalize()
    except FormParserError:
        raise UnreadableBody("malformed multipart body") from None
    return reader.found


def multipart_body(body: bytes, content_type: str) -> dict[str, str]:
    """The arguments of a ``multipart/form-data`` body (what ``curl -F`` sends).

    A field's text must be UTF-8. A file part counts as its argument when it is
    text (``-F text=@note.txt``); a binary file is left out, as no method of
    the clone takes a file among its arguments (uploads go to the upload URL).
    """
    params: dict[str, str] = {}
    for part in parts(body, content_type):
        try:
            params[part.name] = part.content.decode("utf-8")
        except UnicodeDecodeError:
            if part.filename is None:
                raise UnreadableBody(f"the field {part.name!r} is not UTF-8") from None
    return params


def checked(params: dict[str, str]) -> dict[str, str]:
    """``params``, if every name and value can be stored (``invalid_arguments`` otherwise)."""
    if not all(storable(k) and storable(v) for k, v in params.items()):
        raise SlackError("invalid_arguments")
    return params
