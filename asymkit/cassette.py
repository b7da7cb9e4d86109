"""Cassettes: one generated dataset frozen to msgpack, with its request and provenance.

Record modes, as in VCR: ``once`` replays a cassette if present, else
generates and records; ``none`` only replays (a missing or mismatched cassette
is an error: what CI uses); ``all`` always regenerates.

Format version 2 (what this asymkit writes) stores the dataset as one msgpack
``bin`` blob and pins it by ``sha256`` of exactly those bytes, so a model that
gains an optional field never invalidates an existing cassette. Version 1
(the dataset as a map, pinned by a digest of its canonical JSON) still loads;
``upgrade()`` rewrites it as version 2. See docs/cassettes.md.

Cassettes come from anywhere, so reading one is bounded: only regular files,
at most ``ASYMKIT_MAX_CASSETTE_BYTES``, and at most ``MAX_ITEMS`` decoded values.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import attrs
import msgpack

from . import atomic, serde
from . import dataset as ds
from .errors import CassetteInvalid, CassetteMismatch, InvalidArgument

FORMAT = "asymkit-cassette"
VERSION = 2
MAX_BYTES = 64 * 1024 * 1024  # default limit; a 10k-message dataset is ~2 MB
MAX_BYTES_ENV = "ASYMKIT_MAX_CASSETTE_BYTES"
MAX_ITEMS = 1_000_000  # decoded values (containers and their elements): ~100 MB at worst
MAX_JSON_DEPTH = 64  # a dataset is 4 levels deep
RECORD_MODES = ("once", "none", "all")


@attrs.frozen
class Request:
    """What was asked of the generator; a cassette replays only for the same request."""

    template: str
    brief: str
    volume: str
    users: int
    channels: int
    messages: int
    model: str
    prompt_version: str

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = serde.unstructure(self)
        return data

    def fingerprint(self) -> str:
        canonical = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


@attrs.frozen
class Provenance:
    """Where the dataset came from. ``source`` never claims a model wrote what it did not."""

    source: str  # "anthropic", "hand-written", "script", ...
    asymkit_version: str
    created: str
    model: str | None = None
    reply_ids: tuple[str, ...] = ()
    input_tokens: int = 0
    output_tokens: int = 0
    stop_reasons: tuple[str, ...] = ()
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = serde.unstructure(self)
        return data


def pack_dataset(dataset: ds.Dataset) -> bytes:
    """The canonical stored form of a dataset: msgpack of its plain data, fields in order."""
    packed: bytes = msgpack.packb(serde.unstructure(dataset), use_bin_type=True)
    return packed


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _v1_digest(dataset: ds.Dataset) -> str:
    """Format 1's digest: SHA-256 of the dataset's canonical JSON, re-serialised."""
    canonical = json.dumps(dataset.to_json(), sort_keys=True, separators=(",", ":"))
    return _sha256(canonical.encode())


@attrs.frozen
class Cassette:
    """A dataset with its request and provenance; ``blob`` is the dataset as stored.

    ``blob`` defaults to ``pack_dataset(dataset)``; a loaded cassette keeps the
    bytes it was read with (a newer asymkit may have written fields this one
    ignores), so saving it again never changes its digest. Pass ``blob`` again
    if you ``attrs.evolve`` the dataset.
    """

    request: Request
    provenance: Provenance
    dataset: ds.Dataset
    replay_fingerprint: str | None = None
    blob: bytes = attrs.field(eq=False, repr=False)
    # Format 1's digest of this dataset, when it was first written as version 1:
    # layers a clone recorded from the v1 file still match after an upgrade.
    legacy_digest: str | None = attrs.field(default=None, eq=False, repr=False)
    version: int = attrs.field(default=VERSION, eq=False)  # of the file it was read from

    @blob.default
    def _canonical_blob(self) -> bytes:
        return pack_dataset(self.dataset)

    @property
    def digest(self) -> str:
        """``sha256:`` of the stored dataset bytes: what a clone's seed records."""
        return _sha256(self.blob)

    def matches(self, digest: str) -> bool:
        """Whether a seed layer that recorded ``digest`` was seeded from this dataset."""
        return digest in (self.digest, self.legacy_digest)

    def _map(self, version: int, dataset: Any, digest: str | None) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": version,
            "request": self.request.to_json(),
            "request_fingerprint": self.request.fingerprint(),
            "provenance": self.provenance.to_json(),
            "dataset": dataset,
            "dataset_digest": digest,
            "replay_fingerprint": self.replay_fingerprint,
        }

    def to_json(self) -> dict[str, Any]:
        """A JSON view (what ``cassette export`` prints): the dataset decoded."""
        digest = self.legacy_digest if self.version == 1 else self.digest
        return self._map(self.version, self.dataset.to_json(), digest)

    def save(self, path: Path) -> None:
        """Write as format 2, atomically: a crash never leaves half a cassette behind."""
        stored = self._map(VERSION, self.blob, self.digest)
        if self.legacy_digest is not None:
            stored["upgraded_from"] = {"version": 1, "dataset_digest": self.legacy_digest}
        data = msgpack.packb(stored, use_bin_type=True)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Default mode (umask applies): a cassette is meant to be shared and committed.
            atomic.write_bytes(path, data)
        except OSError as exc:
            raise InvalidArgument(
                f"Cannot write the cassette to {path}: {exc.strerror or exc}; pick a writable"
                " file path."
            ) from exc

    def differences(self, asked: dict[str, Any]) -> list[str]:
        """What in ``asked`` (fields the caller set) differs from the recorded request."""
        recorded = self.request.to_json()
        return [
            f"{key} {recorded[key]!r} was recorded but {value!r} was asked"
            for key, value in asked.items()
            if value is not None and recorded.get(key) != value
        ]


def now_iso() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


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


def read_file(path: Path, noun: str = "cassette") -> bytes:
    """The bytes of a regular file of at most ``max_bytes()``; anything else is refused.

    Opened non-blocking and checked with ``fstat`` before reading, so a FIFO
    never hangs and ``/dev/zero`` is never read.
    """
    limit = max_bytes()
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise CassetteInvalid(f"No {noun} at {path}.") from None
    except OSError as exc:
        raise CassetteInvalid(f"Cannot open {noun} {path}: {exc.strerror}.") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = next((name for test, name in _FILE_KINDS if test(info.st_mode)), "special")
            raise CassetteInvalid(f"{path} is {kind}, not a {noun} file.")
    except BaseException:
        os.close(fd)
        raise
    with open(fd, "rb", closefd=True) as fh:
        data = fh.read(limit + 1) if info.st_size <= limit else b""
        if info.st_size > limit or len(data) > limit:
            raise CassetteInvalid(
                f"{path} is over the {limit} byte limit for a {noun}; if you trust it, raise"
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


def load(path: Path) -> Cassette:
    """Read and check a cassette; anything wrong is ``CASSETTE_INVALID``, in bounded memory."""
    return from_bytes(read_file(path), str(path))


def from_bytes(raw: bytes, where: str) -> Cassette:
    """A cassette from its file's bytes (format 1 or 2); ``where`` names it in errors."""
    data = unpack(raw, where)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CassetteInvalid(f"{where} is not an asymkit cassette.")
    version = data.get("version")
    if version not in (1, VERSION):
        raise CassetteInvalid(
            f"{where} has cassette format version {version!r}; this asymkit reads 1 to"
            f" {VERSION}. Upgrade asymkit."
        )
    try:
        request = serde.structure(data.get("request"), Request, "request")
        provenance = serde.structure(data.get("provenance"), Provenance, "provenance")
        upgraded = serde.structure(data.get("upgraded_from", {}), dict[str, Any], "upgraded_from")
    except serde.Malformed as exc:
        raise CassetteInvalid(f"{where} is malformed: {exc}; re-record or re-pack it.") from exc
    fingerprint = data.get("replay_fingerprint")
    if fingerprint is not None and not isinstance(fingerprint, str):
        raise CassetteInvalid(
            f"{where} is malformed: replay_fingerprint must be a string, not"
            f" {type(fingerprint).__name__}; re-record it."
        )
    if version == 1:
        dataset = ds.from_json(data.get("dataset"))
        legacy = _v1_digest(dataset)
        if data.get("dataset_digest") != legacy:
            raise CassetteInvalid(f"{where} is damaged: its dataset does not match its digest.")
        return Cassette(request, provenance, dataset, fingerprint, legacy_digest=legacy, version=1)
    blob = data.get("dataset")
    if not isinstance(blob, bytes):
        raise CassetteInvalid(f"{where} is malformed: its dataset must be a msgpack bin blob.")
    if data.get("dataset_digest") != _sha256(blob):
        raise CassetteInvalid(f"{where} is damaged: its dataset does not match its digest.")
    dataset = ds.from_json(unpack(blob, where))
    claimed = upgraded.get("dataset_digest")
    return Cassette(
        request,
        provenance,
        dataset,
        fingerprint,
        blob=blob,
        legacy_digest=claimed if isinstance(claimed, str) else None,
    )


def upgrade(path: Path) -> bool:
    """Rewrite a format 1 cassette as format 2, atomically; ``False`` if it already is 2.

    The dataset, request, provenance and replay fingerprint stay as they were,
    so the cassette replays to the same state.
    """
    cassette = load(path)
    if cassette.version == VERSION:
        return False
    cassette.save(path)
    return True


# A JSON string, written so that no input makes the regex backtrack.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def _check_json_shape(text: str, where: str) -> None:
    """Refuse JSON nested deeper than ``MAX_JSON_DEPTH`` or holding over ``MAX_ITEMS`` values,
    before ``json`` builds (or recurses into) any of it."""
    skeleton = _JSON_STRING.sub("", text)
    values = skeleton.count(",") + skeleton.count("[") + skeleton.count("{")
    if values > MAX_ITEMS:
        raise CassetteInvalid(f"{where} holds more than {MAX_ITEMS} values; split the dataset.")
    brackets = _NOT_BRACKET.sub("", skeleton)
    depth = max(itertools.accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)
    if depth > MAX_JSON_DEPTH:
        raise CassetteInvalid(
            f"{where} is nested {depth} levels deep; a dataset needs 4 and at most"
            f" {MAX_JSON_DEPTH} are read."
        )


def read_dataset_json(path: Path) -> ds.Dataset:
    """A dataset from a JSON file: hand-written, or what ``cassette export`` printed."""
    raw = read_file(path, "dataset")
    try:
        text = raw.decode("utf-8")
        _check_json_shape(text, str(path))
        data = json.loads(text)
    except ValueError as exc:  # also UnicodeDecodeError
        raise CassetteInvalid(f"Cannot read dataset {path} ({exc}).") from exc
    if isinstance(data, dict) and data.get("format") == FORMAT:
        data = data.get("dataset")  # a `cassette export`: pack its dataset
    return ds.from_json(data)


def check_mode(mode: str) -> str:
    if mode not in RECORD_MODES:
        raise InvalidArgument(
            f"Unknown record mode '{mode}'. Use one of: once (replay if present, else"
            " generate), none (replay only), all (always regenerate)."
        )
    return mode


def check_matches(cassette: Cassette, asked: dict[str, Any], path: Path) -> None:
    diffs = cassette.differences(asked)
    if diffs:
        raise CassetteMismatch(
            f"{path} does not match this request: {'; '.join(diffs)}. Re-record with"
            " --record-mode all, or drop the differing options."
        )
