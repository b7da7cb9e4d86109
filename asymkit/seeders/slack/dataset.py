"""The generated dataset: plain data with names, not database ids.

Reactions on a message (``reactions: [{"name": "tada", "users": ["maya"]}]``)
and direct conversations (``dms: [{"members": ["maya", "dev"], "messages":
[{"author": "maya", "text": "…"}]}]``) are optional: a dataset without them
reads, stores and digests exactly as before they existed.

Reading is lenient per record, strict per shape: unknown keys are ignored; a
record missing a required key is kept as *invalid* (the driver counts it as
rejected) instead of failing the whole dataset.
"""

from __future__ import annotations

from typing import Any

import attrs
from cattrs.gen import make_dict_unstructure_fn, override

from ... import serde
from ...errors import CassetteInvalid

MAX_RECORDS = 100_000  # per list; a "large" volume is a few hundred


def _nonblank(_: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if not value.strip():
        raise ValueError(f"missing or empty '{attribute.name}'")


@attrs.frozen
class Workspace:
    name: str
    domain: str


@attrs.frozen
class User:
    handle: str = attrs.field(validator=_nonblank)
    real_name: str = ""
    email: str = ""
    title: str = ""


@attrs.frozen
class Channel:
    name: str = attrs.field(validator=_nonblank)
    purpose: str = ""
    is_private: bool = False
    members: tuple[str, ...] = ()


@attrs.frozen
class Reaction:
    name: str = attrs.field(validator=_nonblank)  # emoji name, without colons
    users: tuple[str, ...] = ()  # handles of the people who reacted


@attrs.frozen
class Message:
    channel: str = attrs.field(validator=_nonblank)
    author: str = attrs.field(validator=_nonblank)
    text: str = attrs.field(validator=_nonblank)
    reply_to: int | None = None
    reactions: tuple[Reaction, ...] = ()


@attrs.frozen
class DirectMessage:
    author: str = attrs.field(validator=_nonblank)
    text: str = attrs.field(validator=_nonblank)


@attrs.frozen
class DM:
    """A direct conversation: two members (a DM) or more (a group DM), and what they said."""

    members: tuple[str, ...]
    messages: tuple[DirectMessage, ...] = ()


@attrs.frozen
class Invalid:
    """A record that could not be read: counted as rejected, with why."""

    kind: str
    index: int
    reason: str


@attrs.frozen
class Dataset:
    workspace: Workspace
    users: tuple[User | Invalid, ...] = ()
    channels: tuple[Channel | Invalid, ...] = ()
    messages: tuple[Message | Invalid, ...] = ()
    dms: tuple[DM | Invalid, ...] = ()

    def counts(self) -> dict[str, int]:
        counts = {
            "users": len(self.users),
            "channels": len(self.channels),
            "messages": len(self.messages),
        }
        reactions = sum(
            len(r.users) for m in self.messages if isinstance(m, Message) for r in m.reactions
        )
        if reactions:
            counts["reactions"] = reactions
        if self.dms:
            counts["dms"] = len(self.dms)
        return counts

    def to_json(self) -> dict[str, Any]:
        return serde.to_dict(self)


_MODELS: dict[str, type[User | Channel | Message | DM]] = {
    "users": User,
    "channels": Channel,
    "messages": Message,
    "dms": DM,
}


def _record(kind: str, index: int, raw: Any) -> User | Channel | Message | DM | Invalid:
    """One record, or an ``Invalid`` saying why not (the driver counts it as rejected)."""
    if isinstance(raw, dict) and "invalid" in raw:  # kept as invalid when it was stored
        return Invalid(kind, index, str(raw["invalid"]))
    try:
        return serde.structure(raw, _MODELS[kind], "record")
    except serde.Malformed as exc:
        if exc.path == "record":  # not an object, or a validator (an empty required field)
            return Invalid(kind, index, exc.problem if isinstance(raw, dict) else "not an object")
        field = exc.path.removeprefix("record.")
        if exc.problem == "is missing":
            return Invalid(kind, index, f"missing or empty '{field}'")
        return Invalid(kind, index, f"'{field}' {exc.problem}")


def _structure(data: Any, _: Any) -> Dataset:
    if not isinstance(data, dict):
        raise CassetteInvalid("The dataset must be a JSON object with workspace, users, ...")
    ws = data.get("workspace")
    if not isinstance(ws, dict) or not isinstance(ws.get("name"), str) or not ws["name"]:
        raise CassetteInvalid("The dataset needs a workspace with a name.")
    domain = ws.get("domain") or ws["name"].lower().replace(" ", "-")
    if not isinstance(domain, str):
        raise CassetteInvalid("The dataset's workspace domain must be a string.")
    lists: dict[str, Any] = {}
    for kind in _MODELS:
        items = data.get(kind, [])
        if not isinstance(items, list):
            raise CassetteInvalid(f"The dataset's '{kind}' must be a list.")
        if len(items) > MAX_RECORDS:
            raise CassetteInvalid(
                f"The dataset has {len(items)} {kind}; at most {MAX_RECORDS} fit in one seed."
            )
        lists[kind] = tuple(_record(kind, i, r) for i, r in enumerate(items))
    return Dataset(workspace=Workspace(name=ws["name"], domain=domain), **lists)


serde.converter.register_structure_hook(Dataset, _structure)
# A record that could not be read is stored as what it was: {"invalid": why}.
serde.converter.register_unstructure_hook(Invalid, lambda record: {"invalid": record.reason})
# Optional parts are left out when empty: older datasets keep their exact bytes.
serde.converter.register_unstructure_hook(
    Message,
    make_dict_unstructure_fn(Message, serde.converter, reactions=override(omit_if_default=True)),
)
serde.converter.register_unstructure_hook(
    Dataset,
    make_dict_unstructure_fn(Dataset, serde.converter, dms=override(omit_if_default=True)),
)


def from_json(data: Any) -> Dataset:
    """Read a dataset; only a wrong overall shape is an error (``CASSETTE_INVALID``)."""
    return serde.structure(data, Dataset, "dataset")
