"""Cassettes: one generated dataset frozen to msgpack, with its request and provenance.

Record modes, as in VCR: ``once`` replays a cassette if present, else
generates and records; ``none`` only replays (a missing or mismatched cassette
is an error: what CI uses); ``all`` always regenerates.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import msgpack

from .errors import CassetteInvalid, CassetteMismatch, InvalidArgument

FORMAT = "asymkit-cassette"
VERSION = 1
MAX_BYTES = 64 * 1024 * 1024  # a 10k-message dataset is ~2 MB; refuse anything absurd
RECORD_MODES = ("once", "none", "all")

if TYPE_CHECKING:
    from .seeders import Dataset

    Parse = Callable[[Any], Dataset]


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
        return attrs.asdict(self)

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
        data = attrs.asdict(self)
        data["reply_ids"], data["stop_reasons"] = list(self.reply_ids), list(self.stop_reasons)
        return data


@attrs.frozen
class Cassette:
    request: Request
    provenance: Provenance
    dataset: Dataset  # parsed by the template's seeder
    replay_fingerprint: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "request": self.request.to_json(),
            "request_fingerprint": self.request.fingerprint(),
            "provenance": self.provenance.to_json(),
            "dataset": self.dataset.to_json(),
            "dataset_digest": self.dataset.digest(),
            "replay_fingerprint": self.replay_fingerprint,
        }

    def save(self, path: Path) -> None:
        """Write atomically: a crash never leaves half a cassette behind."""
        path.parent.mkdir(parents=True, exist_ok=True)
        data = msgpack.packb(self.to_json(), use_bin_type=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)  # a cassette is meant to be shared and committed
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

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
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise CassetteInvalid(f"No cassette at {path}.") from None
    if size > MAX_BYTES:
        raise CassetteInvalid(f"{path} is {size} bytes, over the {MAX_BYTES} byte limit.")
    raw = path.read_bytes()
    try:
        data = msgpack.unpackb(raw, raw=False, strict_map_key=True)
    except (ValueError, msgpack.UnpackException, RecursionError) as exc:
        raise CassetteInvalid(
            f"{path} is not a readable cassette ({type(exc).__name__}); re-record it."
        ) from exc
    return from_json(data, str(path), parse)


def from_json(data: Any, where: str, parse: Parse | None = None) -> Cassette:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CassetteInvalid(f"{where} is not an asymkit cassette.")
    version = data.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise CassetteInvalid(
            f"{where} has cassette format version {version!r}; this asymkit reads up to"
            f" {VERSION}. Upgrade asymkit."
        )
    try:
        request = Request(**data["request"])
        prov = dict(data["provenance"])
        prov["reply_ids"] = tuple(prov.get("reply_ids", ()))
        prov["stop_reasons"] = tuple(prov.get("stop_reasons", ()))
        provenance = Provenance(**prov)
    except (KeyError, TypeError) as exc:
        raise CassetteInvalid(f"{where} has a malformed request or provenance ({exc}).") from exc
    dataset = (parse or _parser_for(request.template))(data.get("dataset"))
    if data.get("dataset_digest") != dataset.digest():
        raise CassetteInvalid(f"{where} is damaged: its dataset does not match its digest.")
    fingerprint = data.get("replay_fingerprint")
    return Cassette(
        request, provenance, dataset, fingerprint if isinstance(fingerprint, str) else None
    )


def _parser_for(template: str) -> Parse:
    # Imported here: seeders build cassettes, so they import this module.
    from . import manifest, seeders

    return seeders.for_template(manifest.find(template)).parse


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
