"""Reading files from elsewhere in bounded time and memory: cassettes and dataset JSON.

People hand asymkit files they got from somewhere. Only regular files are
read (a FIFO never hangs, ``/dev/zero`` is never read), at most
``ASYMKIT_MAX_CASSETTE_BYTES``; msgpack is decoded with every declared length
capped and a total count of values; JSON is checked for depth and size before
it is parsed, in time linear in its size. Anything else is one sentence: ``CASSETTE_INVALID``
for cassettes and datasets, or the error class the caller names (expectation files:
``EXPECTATION_INVALID``).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import msgpack

from .errors import AsymkitError, CassetteInvalid, InvalidArgument

MAX_BYTES = 64 * 1024 * 1024  # default limit; a 10k-message dataset is ~2 MB
MAX_BYTES_ENV = "ASYMKIT_MAX_CASSETTE_BYTES"
MAX_ITEMS = 1_000_000  # decoded values (containers and their elements): ~100 MB at worst
MAX_JSON_DEPTH = 64  # a dataset is 4 levels deep


def max_bytes() -> int:
    """The largest cassette (or dataset JSON) asymkit reads: ``ASYMKIT_MAX_CASSETTE_BYTES``."""
    raw = os.environ.get(MAX_BYTES_ENV, "").strip()
    if not raw:
        return MAX_BYTES
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise InvalidArgument(
            f"{MAX_BYTES_ENV} must be a positive number of bytes, not {raw!r}; unset it for"
            f" the default ({MAX_BYTES})."
        )
    return value


_FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_file(
    path: Path, noun: str = "cassette", error: type[AsymkitError] = CassetteInvalid
) -> bytes:
    """The bytes of a regular file of at most ``max_bytes()``; anything else is ``error``.

    Opened non-blocking and checked with ``fstat`` before reading, so a FIFO
    never hangs and ``/dev/zero`` is never read.
    """
    limit = max_bytes()
    a_noun = ("an " if noun[:1] in tuple("aeiou") else "a ") + noun
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise error(f"No {noun} at {path}.") from None
    except OSError as exc:
        raise error(f"Cannot open {noun} {path}: {exc.strerror}.") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = next((name for test, name in _FILE_KINDS if test(info.st_mode)), "special")
            raise error(f"{path} is {kind}, not {a_noun} file.")
    except BaseException:
        os.close(fd)
        raise
    with open(fd, "rb", closefd=True) as fh:
        data = fh.read(limit + 1) if info.st_size <= limit else b""
        if info.st_size > limit or len(data) > limit:
            raise error(
                f"{path} is over the {limit} byte limit for {a_noun}; if you trust it, raise"
                f" {MAX_BYTES_ENV}."
            )
    return data


class _TooMany(ValueError):
    pass


def unpack(raw: bytes, where: str) -> Any:
    """Decode msgpack from an untrusted source in bounded memory.

    Every declared length is capped before anything is allocated, and the
    hooks stop decoding after ``MAX_ITEMS`` values, since a one-byte empty
    list costs ~60 bytes of memory: without a total, 40 MB of them is 2.5 GB.
    """
    left = MAX_ITEMS

    def spend(count: int) -> None:
        nonlocal left
        left -= count
        if left < 0:
            raise _TooMany(f"more than {MAX_ITEMS} values")

    def on_list(value: list[Any]) -> list[Any]:
        spend(1 + len(value))
        return value

    def on_map(value: dict[Any, Any]) -> dict[Any, Any]:
        spend(1 + 2 * len(value))
        return value

    try:
        return msgpack.unpackb(
            raw,
            raw=False,
            strict_map_key=True,
            list_hook=on_list,
            object_hook=on_map,
            max_str_len=len(raw),
            max_bin_len=len(raw),
            max_array_len=MAX_ITEMS,
            max_map_len=MAX_ITEMS,
            max_ext_len=0,  # asymkit writes no extension types
        )
    except (ValueError, msgpack.UnpackException, OverflowError) as exc:
        detail = (str(exc) or type(exc).__name__)[:100]
        raise CassetteInvalid(
            f"{where} is not a readable cassette ({detail}); re-record or re-pack it."
        ) from exc


# A JSON string, or an unterminated one running to the end of the text: every match that
# starts at a quote succeeds, so no input makes the engine retry from later quotes (a
# pattern that had to find the closing quote took quadratic time on unterminated escapes).
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\[\s\S][^"\\]*)*(?:"|\\?\Z)')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def _check_json_shape(text: str, where: str, error: type[AsymkitError] = CassetteInvalid) -> None:
    """Refuse JSON nested deeper than ``MAX_JSON_DEPTH`` or holding over ``MAX_ITEMS`` values,
    before ``json`` builds (or recurses into) any of it; linear in the text's length."""
    skeleton = _JSON_STRING.sub("", text)
    values = skeleton.count(",") + skeleton.count("[") + skeleton.count("{")
    if values > MAX_ITEMS:
        raise error(f"{where} holds more than {MAX_ITEMS} values; split it.")
    brackets = _NOT_BRACKET.sub("", skeleton)
    depth = max(itertools.accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)
    if depth > MAX_JSON_DEPTH:
        raise error(f"{where} is nested {depth} levels deep; at most {MAX_JSON_DEPTH} are read.")


def read_json(
    path: Path, noun: str = "dataset", error: type[AsymkitError] = CassetteInvalid
) -> Any:
    """A JSON file from elsewhere (a dataset, or what ``cassette export`` printed; an
    expectation file), parsed in bounded time and memory: regular files only, size-, depth-
    and count-limited; any failure is ``error`` naming the file as a ``noun``."""
    raw = read_file(path, noun, error)
    try:
        text = raw.decode("utf-8")
        _check_json_shape(text, f"{noun} {path}", error)
        data = json.loads(text)
    except ValueError as exc:  # also UnicodeDecodeError
        raise error(f"Cannot read {noun} {path} ({str(exc)[:200]}).") from exc
    return data
