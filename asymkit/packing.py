"""Pack a dataset written by hand or by a script into a cassette, without a model.

``pack`` reads either a bare dataset (``{"workspace": ..., "users": ...}``) or
what ``asymkit cassette export`` prints. An exported cassette whose dataset is
unchanged packs back into the same cassette; an edited one keeps its request
(so it still replays for the same ``--volume``/``--brief``) but its provenance
says a person edited it, never that the model wrote it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import cassette as cs
from . import manifest, seeders, serde
from ._version import __version__
from .errors import CassetteInvalid

DEFAULT_TEMPLATE = "slack"
DEFAULT_VOLUME = "custom"
DEFAULT_SOURCE = "hand-written"
EDITED_SOURCE = "hand-edited"


def pack(
    data: Path | Mapping[str, Any],
    out: Path,
    *,
    template: str | None = None,
    brief: str | None = None,
    volume: str | None = None,
    source: str | None = None,
    note: str | None = None,
) -> cs.Cassette:
    """Write ``data`` (a JSON file or its parsed content) to the cassette ``out``; return it.

    Options left ``None`` come from an exported cassette when ``data`` is one,
    else from the defaults (template ``slack``, volume ``custom``, source
    ``hand-written``).
    """
    raw = cs.read_json(data) if isinstance(data, Path) else data
    where = str(data) if isinstance(data, Path) else "the dataset"
    if not isinstance(raw, Mapping):
        raise CassetteInvalid(f"{where} is not a dataset: expected a JSON object.")
    exported = raw.get("format") == cs.FORMAT
    recorded = raw.get("request") if exported else None
    name = template or (recorded.get("template") if isinstance(recorded, Mapping) else None)
    parse = seeders.for_template(manifest.find(name or DEFAULT_TEMPLATE)).parse
    try:
        dataset = parse(dict(raw["dataset"]) if exported else dict(raw))
    except (KeyError, TypeError, ValueError) as exc:
        raise CassetteInvalid(f"{where} has no readable dataset ({exc}).") from exc
    if exported:
        cassette = _repack(raw, dataset, where)
    else:
        counts = dataset.counts()
        request = cs.Request(
            template=DEFAULT_TEMPLATE,
            brief="",
            volume=DEFAULT_VOLUME,
            users=counts.get("users", 0),
            channels=counts.get("channels", 0),
            messages=counts.get("messages", 0),
            model="none",
            prompt_version="none",
        )
        provenance = cs.Provenance(
            source=DEFAULT_SOURCE, asymkit_version=__version__, created=cs.now_iso()
        )
        cassette = cs.Cassette(request, provenance, dataset)
    cassette = _override(
        cassette, template=template, brief=brief, volume=volume, source=source, note=note
    )
    cassette.save(out)
    return cassette


def _repack(raw: Mapping[str, Any], dataset: seeders.Dataset, where: str) -> cs.Cassette:
    """An exported cassette back as a cassette: as it was, or marked as edited."""
    fingerprint = raw.get("replay_fingerprint")
    try:
        original = cs.Cassette(
            serde.structure(raw.get("request"), cs.Request, "request"),
            serde.structure(raw.get("provenance"), cs.Provenance, "provenance"),
            dataset,
            fingerprint if isinstance(fingerprint, str) else None,
        )
    except serde.Malformed as exc:
        raise CassetteInvalid(f"{where} is malformed: {exc}.") from exc
    if original.matches(str(raw.get("dataset_digest"))):
        return original
    counts = dataset.counts()
    fields = original.request.to_json()
    fields.update({k: counts[k] for k in ("users", "channels", "messages") if k in counts})
    request = cs.Request(**fields)
    was = original.provenance
    provenance = cs.Provenance(
        source=EDITED_SOURCE,
        asymkit_version=__version__,
        created=cs.now_iso(),
        note=f"edited from a {was.source} dataset"
        + (f" ({was.model})" if was.model else "")
        + f" created {was.created}",
    )
    return cs.Cassette(request, provenance, dataset)


def _override(cassette: cs.Cassette, **given: str | None) -> cs.Cassette:
    """Apply the options the caller set; nothing changes when none is set."""
    request_changes = {k: given[k] for k in ("template", "brief", "volume") if given[k] is not None}
    provenance_changes = {k: given[k] for k in ("source", "note") if given[k] is not None}
    if not request_changes and not provenance_changes:
        return cassette
    request = cs.Request(**{**cassette.request.to_json(), **request_changes})
    prov = {**cassette.provenance.to_json(), **provenance_changes}
    prov["reply_ids"], prov["stop_reasons"] = tuple(prov["reply_ids"]), tuple(prov["stop_reasons"])
    # A different request is a new cassette: its replay is not recorded yet.
    fingerprint = None if request_changes else cassette.replay_fingerprint
    return cs.Cassette(request, cs.Provenance(**prov), cassette.dataset, fingerprint)
