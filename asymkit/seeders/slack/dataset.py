"""The generated dataset: plain data with names, not database ids.

Reading is lenient per record, strict per shape: unknown keys are ignored; a
record missing a required key is kept as *invalid* (the driver counts it as
rejected) instead of failing the whole dataset.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import attrs

from ...errors import CassetteInvalid


@attrs.frozen
class Workspace:
    name: str
    domain: str


@attrs.frozen
class User:
    handle: str
    real_name: str = ""
    email: str = ""
    title: str = ""


@attrs.frozen
class Channel:
    name: str
    purpose: str = ""
    is_private: bool = False
    members: tuple[str, ...] = ()


@attrs.frozen
class Message:
    channel: str
    author: str
    text: str
    reply_to: int | None = None


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

    def counts(self) -> dict[str, int]:
        return {
            "users": len(self.users),
            "channels": len(self.channels),
            "messages": len(self.messages),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "workspace": attrs.asdict(self.workspace),
            "users": [_out(u) for u in self.users],
            "channels": [_out(c) for c in self.channels],
            "messages": [_out(m) for m in self.messages],
        }

    def digest(self) -> str:
        """SHA-256 of the canonical JSON form: what a cassette pins."""
        canonical = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def _out(record: Any) -> dict[str, Any]:
    if isinstance(record, Invalid):
        return {"invalid": record.reason}
    data = attrs.asdict(record)
    if "members" in data:
        data["members"] = list(data["members"])
    return data


def _str(raw: dict[str, Any], key: str, required: bool = True) -> str:
    value = raw.get(key, "" if not required else None)
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValueError(f"missing or empty '{key}'")
    return value


def _record(kind: str, index: int, raw: Any) -> Any:
    try:
        if not isinstance(raw, dict):
            raise ValueError("not an object")
        if "invalid" in raw:
            raise ValueError(str(raw["invalid"]))
        if kind == "users":
            return User(
                handle=_str(raw, "handle"),
                real_name=_str(raw, "real_name", False),
                email=_str(raw, "email", False),
                title=_str(raw, "title", False),
            )
        if kind == "channels":
            members = raw.get("members", [])
            if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
                raise ValueError("'members' must be a list of handles")
            return Channel(
                name=_str(raw, "name"),
                purpose=_str(raw, "purpose", False),
                is_private=bool(raw.get("is_private", False)),
                members=tuple(members),
            )
        reply_to = raw.get("reply_to")
        if reply_to is not None and (not isinstance(reply_to, int) or isinstance(reply_to, bool)):
            raise ValueError("'reply_to' must be an index or null")
        return Message(
            channel=_str(raw, "channel"),
            author=_str(raw, "author"),
            text=_str(raw, "text"),
            reply_to=reply_to,
        )
    except ValueError as exc:
        return Invalid(kind, index, str(exc))


def from_json(data: Any) -> Dataset:
    """Read a dataset; only a wrong overall shape is an error."""
    if not isinstance(data, dict):
        raise CassetteInvalid("The dataset must be a JSON object with workspace, users, ...")
    ws = data.get("workspace")
    if not isinstance(ws, dict) or not isinstance(ws.get("name"), str) or not ws["name"]:
        raise CassetteInvalid("The dataset needs a workspace with a name.")
    domain = ws.get("domain") or ws["name"].lower().replace(" ", "-")
    lists = {}
    for kind in ("users", "channels", "messages"):
        items = data.get(kind, [])
        if not isinstance(items, list):
            raise CassetteInvalid(f"The dataset's '{kind}' must be a list.")
        lists[kind] = tuple(_record(kind, i, r) for i, r in enumerate(items))
    return Dataset(workspace=Workspace(name=ws["name"], domain=str(domain)), **lists)
