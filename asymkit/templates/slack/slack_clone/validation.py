"""Slack's rules for names, handles, emails and message metadata."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from .objects import SlackError

MAX_CHANNEL_NAME = 80
# Unicode's default-ignorable code points (DerivedCoreProperties.txt): drawn as nothing,
# so a name holding one looks like the name without it. Some are letters (the Hangul
# fillers) or combining marks (variation selectors), which the categories below let in.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
# Lowercase letters, letters of scripts without case, digits; marks only after one of them.
_NAME_START = {"Ll", "Lo", "Lm", "Nd"}
_NAME_PART = _NAME_START | {"Mn", "Mc"}
_HANDLE = re.compile(r"^[a-z0-9][a-z0-9._\-]{0,79}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# What channel_name answers, in the order it checks.
NAME_ERRORS = ("invalid_name_required", "invalid_name_maxlength", "invalid_name_specials")


def channel_name(raw: str) -> str:
    """``raw`` as a channel name under Slack's rules (lowercase letters of any script, digits,
    ``-`` and ``_``; at most 80 characters), NFKC-normalised so that names which look the
    same are the same name; ``SlackError`` with Slack's code otherwise."""
    name = unicodedata.normalize("NFKC", raw)
    if not name:
        raise SlackError("invalid_name_required")
    if len(name) > MAX_CHANNEL_NAME:
        raise SlackError("invalid_name_maxlength")
    if _INVISIBLE.search(name) or not all(
        (char in "-_" and n) or unicodedata.category(char) in (_NAME_PART if n else _NAME_START)
        for n, char in enumerate(name)
    ):
        raise SlackError("invalid_name_specials")
    return name


def valid_handle(handle: str) -> bool:
    return bool(_HANDLE.match(handle))


def valid_email(email: str) -> bool:
    return bool(_EMAIL.match(email)) and len(email) <= 254


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _entity(value: Any) -> bool:
    """Whether ``value`` is a Work Object entity with the fields Slack requires."""
    if not isinstance(value, dict):
        return False
    payload, ref = value.get("entity_payload"), value.get("external_ref")
    attributes = payload.get("attributes") if isinstance(payload, dict) else None
    title = attributes.get("title") if isinstance(attributes, dict) else None
    return (
        _text(value.get("entity_type"))
        and _text(value.get("url"))
        and isinstance(ref, dict)
        and _text(ref.get("id"))
        and isinstance(title, dict)
        and isinstance(title.get("text"), str)
    )


def valid_metadata(value: Any) -> bool:
    """Whether ``value`` is message metadata as Slack takes it: an event (``event_type``, and
    an ``event_payload`` object if any) and/or Work Object ``entities`` (a non-empty list,
    each with ``entity_type``, ``entity_payload.attributes.title.text``, ``external_ref.id``
    and ``url``)."""
    if not isinstance(value, dict) or ("event_type" not in value and "entities" not in value):
        return False
    if "event_type" in value and not (
        _text(value["event_type"]) and isinstance(value.get("event_payload", {}), dict)
    ):
        return False
    if "entities" not in value:
        return True
    entities = value["entities"]
    return isinstance(entities, list) and bool(entities) and all(map(_entity, entities))
