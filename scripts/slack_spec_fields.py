"""Derive tests/slack_spec_fields.json from Slack's published Web API OpenAPI document.

For each Web API method the Slack clone implements, the fixture records the
top-level keys Slack documents for a successful response:

- ``required``: the ``required`` list of the method's HTTP 200 schema, when the
  spec has a real schema (not its "Default success template" placeholder);
- ``example``: the top-level keys of the spec's HTTP 200 example, minus the
  few keys listed in ``EXCLUDED`` (each with the reason, copied into the JSON).

Methods the pinned document does not describe are looked up in a later
version of the same file (``FALLBACK_COMMIT``; the method's entry then names
that commit); methods neither describes map to ``null``, and the test checks
only ``ok``. A few shared object definitions (``objects``) record the
``required`` keys of the user, profile, message and conversation objects.

Usage::

    python scripts/slack_spec_fields.py [SPEC] [--fallback SPEC] [-o tests/slack_spec_fields.json]

``SPEC`` is a path to (or an https URL of) ``web-api/slack_web_openapi_v2.json``
from the public repository ``slackapi/slack-api-specs``; by default the URL of
the pinned commit below (and of ``FALLBACK_COMMIT`` for ``--fallback``). The
output is deterministic (sorted keys).
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from pathlib import Path
from typing import Any

REPO = "slackapi/slack-api-specs"
PATH = "web-api/slack_web_openapi_v2.json"
COMMIT = "1fbe71ecd961895f41ed84c8ee8e5f456767b18f"
FALLBACK_COMMIT = "3f1e8b4a03855cb29cffbfcaf60195e5867780ea"
DEFAULT_SPEC = f"https://raw.githubusercontent.com/{REPO}/{COMMIT}/{PATH}"
DEFAULT_FALLBACK = f"https://raw.githubusercontent.com/{REPO}/{FALLBACK_COMMIT}/{PATH}"
OUT = Path(__file__).resolve().parent.parent / "tests" / "slack_spec_fields.json"

# The 63 methods of issue 11, in the order.
METHODS: tuple[str, ...] = (
    "api.test",
    "auth.test",
    "bots.info",
    "team.info",
    "emoji.list",
    "dnd.info",
    "users.list",
    "users.info",
    "users.lookupByEmail",
    "users.conversations",
    "users.getPresence",
    "users.setPresence",
    "users.profile.get",
    "users.profile.set",
    "conversations.list",
    "conversations.info",
    "conversations.create",
    "conversations.join",
    "conversations.leave",
    "conversations.invite",
    "conversations.kick",
    "conversations.members",
    "conversations.history",
    "conversations.replies",
    "conversations.setTopic",
    "conversations.setPurpose",
    "conversations.rename",
    "conversations.archive",
    "conversations.unarchive",
    "conversations.open",
    "conversations.close",
    "conversations.mark",
    "chat.postMessage",
    "chat.postEphemeral",
    "chat.update",
    "chat.delete",
    "chat.getPermalink",
    "chat.meMessage",
    "chat.scheduleMessage",
    "chat.scheduledMessages.list",
    "chat.deleteScheduledMessage",
    "reactions.add",
    "reactions.remove",
    "reactions.get",
    "reactions.list",
    "pins.add",
    "pins.remove",
    "pins.list",
    "bookmarks.add",
    "bookmarks.list",
    "bookmarks.remove",
    "search.messages",
    "search.files",
    "search.all",
    "files.getUploadURLExternal",
    "files.completeUploadExternal",
    "files.info",
    "files.list",
    "files.delete",
    "usergroups.list",
    "usergroups.create",
    "usergroups.users.list",
    "usergroups.users.update",
)

# Example keys that describe one particular situation, not every success.
EXCLUDED: dict[str, dict[str, str]] = {
    "conversations.join": {
        "warning": "the example is the already_in_channel case; a first join has no warning",
        "response_metadata": "the example is the already_in_channel case (warnings list)",
    },
    "reactions.get": {
        "file": "the example is a file item; a message item carries message and channel",
    },
}

OBJECTS: dict[str, str] = {
    "user": "users.info#user",
    "user_profile": "objs_user_profile",
    "message": "objs_message",
    "conversation": "objs_conversation#0",
    "im": "objs_conversation#2",
}


def load(spec: str) -> dict[str, Any]:
    if spec.startswith("https://"):
        with urllib.request.urlopen(spec, timeout=60) as response:
            return dict(json.load(response))
    return dict(json.loads(Path(spec).read_text(encoding="utf-8")))


def _ok_response(spec: dict[str, Any], name: str) -> dict[str, Any] | None:
    entry = spec["paths"].get(f"/{name}")
    if entry is None:
        return None
    operation = entry.get("get") or entry.get("post")
    return dict(operation["responses"]["200"])


def method_fields(spec: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The documented top-level success keys of one method, or None if undocumented."""
    ok = _ok_response(spec, name)
    if ok is None:
        return None
    schema = ok.get("schema") or {}
    placeholder = schema.get("title") == "Default success template"
    required = [] if placeholder else sorted(schema.get("required", []))
    example = ok.get("examples", {}).get("application/json", {})
    excluded = EXCLUDED.get(name, {})
    fields: dict[str, Any] = {
        "required": required,
        "example": sorted(k for k in example if k not in excluded),
    }
    if excluded:
        fields["excluded"] = dict(sorted(excluded.items()))
    return fields


def object_fields(spec: dict[str, Any], ref: str) -> list[str]:
    """The ``required`` keys of a definition (``name#index`` picks an ``items`` variant)."""
    if ref == "users.info#user":
        ok = _ok_response(spec, "users.info")
        assert ok is not None
        return sorted(ok["schema"]["properties"]["user"]["required"])
    name, _, index = ref.partition("#")
    definition = spec["definitions"][name]
    if index:
        definition = definition["items"][int(index)]
    return sorted(definition["required"])


def derive(spec: dict[str, Any], fallback: dict[str, Any] | None = None) -> dict[str, Any]:
    methods: dict[str, Any] = {}
    for name in METHODS:
        fields = method_fields(spec, name)
        if fields is None and fallback is not None:
            fields = method_fields(fallback, name)
            if fields is not None:
                fields["commit"] = FALLBACK_COMMIT
        methods[name] = fields
    return {
        "_source": {
            "repository": REPO,
            "path": PATH,
            "commit": COMMIT,
            "note": (
                "Top-level keys of each method's HTTP 200 response as documented by the "
                "spec: the schema's required list (unless it is the placeholder "
                "'Default success template') and the keys of the 200 example. An entry "
                "with its own commit comes from that later version of the file; null: "
                "neither version describes the method."
            ),
        },
        "methods": methods,
        "objects": {name: object_fields(spec, ref) for name, ref in OBJECTS.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", nargs="?", default=DEFAULT_SPEC)
    parser.add_argument("--fallback", default=DEFAULT_FALLBACK)
    parser.add_argument("-o", "--output", type=Path, default=OUT)
    args = parser.parse_args(argv)
    fields = derive(load(args.spec), load(args.fallback))
    args.output.write_text(json.dumps(fields, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    missing = [name for name, value in fields["methods"].items() if value is None]
    print(f"wrote {args.output} ({len(METHODS) - len(missing)} methods documented)")
    if missing:
        print("in neither version of the spec: " + ", ".join(missing))
    return 0


if __name__ == "__main__":
    sys.exit(main())
