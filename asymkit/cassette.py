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
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import msgpack

from . import atomic, serde
from .errors import CassetteInvalid, CassetteMismatch, InvalidArgument
from .seed import RECORD_MODES as RECORD_MODES  # defined with AISeed, which takes one
from .untrusted import MAX_BYTES, MAX_BYTES_ENV, read_file, read_json, unpack

FORMAT = "asymkit-cassette"
VERSION = 2
__all__ = ["MAX_BYTES", "MAX_BYTES_ENV", "read_file", "read_json", "unpack"]  # and below

if TYPE_CHECKING:
    from .seeders import Dataset

    Parse = Callable[[Any], Dataset]  # a seeder's ``parse``: plain data -> its dataset


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
        return serde.to_dict(self)

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
        return serde.to_dict(self)


def pack_dataset(dataset: Dataset) -> bytes:
    """The canonical stored form of a dataset: msgpack of its plain data, fields in order."""
    packed: bytes = msgpack.packb(dataset.to_json(), use_bin_type=True)
    return packed


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _v1_digest(dataset: Dataset) -> str:
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
    dataset: Dataset  # parsed by the template's seeder
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


def load(path: Path, parse: Parse | None = None) -> Cassette:
    """Read and check a cassette; anything wrong is ``CASSETTE_INVALID``, in bounded memory.

    ``parse`` reads the dataset (a seeder's ``parse``); by default the seeder of
    the template the cassette was recorded for.
    """
    return from_bytes(read_file(path), str(path), parse)


def _parser_for(template: str) -> Parse:
    # Imported here: seeders build cassettes, so they import this module.
    from . import manifest, seeders

    return seeders.for_template(manifest.find(template)).parse


def from_bytes(raw: bytes, where: str, parse: Parse | None = None) -> Cassette:
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
    parse = parse or _parser_for(request.template)
    if version == 1:
        dataset = parse(data.get("dataset"))
        legacy = _v1_digest(dataset)
        if data.get("dataset_digest") != legacy:
            raise CassetteInvalid(f"{where} is damaged: its dataset does not match its digest.")
        return Cassette(request, provenance, dataset, fingerprint, legacy_digest=legacy, version=1)
    blob = data.get("dataset")
    if not isinstance(blob, bytes):
        raise CassetteInvalid(f"{where} is malformed: its dataset must be a msgpack bin blob.")
    if data.get("dataset_digest") != _sha256(blob):
        raise CassetteInvalid(f"{where} is damaged: its dataset does not match its digest.")
    dataset = parse(unpack(blob, where))
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
