"""The to-do template's own AI seeder: lists of items, created through its REST API.

It lives in the template's folder and is named by its manifest
(``"seeder": "todo_seeder:SEEDER"``); asymkit needed no edit to take it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import attrs

from asymkit import cassette as cs
from asymkit import llm
from asymkit.drive import DriveReport, Rejected, RestApi, Tally
from asymkit.errors import CassetteInvalid
from asymkit.http import client

KINDS = ("lists", "items")

TOOL = {
    "name": "write_todos",
    "description": "To-do lists and their items.",
    "input_schema": {
        "type": "object",
        "properties": {
            "lists": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "title": {"type": "string"},
                        "items": {"type": "array", "items": {"type": "string"}},
                    },
                    "required": ["title", "items"],
                },
            }
        },
        "required": ["lists"],
    },
}


@attrs.frozen
class TodoDataset:
    lists: tuple[dict[str, Any], ...]

    def counts(self) -> dict[str, int]:
        return {"lists": len(self.lists), "items": sum(len(x["items"]) for x in self.lists)}

    def to_json(self) -> dict[str, Any]:
        return {"lists": [dict(x) for x in self.lists]}

    def digest(self) -> str:
        canonical = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


class TodoSeeder:
    def request(self, template, asked):
        return cs.Request(
            template=template,
            brief=asked.brief or "a busy household",
            volume=asked.volume or "small",
            users=0,
            channels=asked.channels or 2,  # lists
            messages=asked.messages or 6,  # items
            model=llm.MODEL,
            prompt_version="todo-1",
        )

    def generate(self, request, *, client):
        usage = llm.Usage()
        got = llm.call_tool(
            client or llm.default_client(),
            usage,
            system="You write realistic to-do lists.",
            tool=TOOL,
            max_tokens=2048,
            prompt=f"{request.brief}: {request.channels} lists, {request.messages} items in all.",
        )
        return cs.Cassette(request, usage.provenance(), self.parse(got))

    def parse(self, data):
        if not isinstance(data, dict) or not isinstance(data.get("lists"), list):
            raise CassetteInvalid("A to-do dataset is an object with a 'lists' array.")
        return TodoDataset(
            tuple(
                {"title": str(x.get("title", "")), "items": [str(i) for i in x.get("items", [])]}
                for x in data["lists"]
                if isinstance(x, dict)
            )
        )

    def drive(self, dataset, target, *, progress):
        api, tally = RestApi(client(), target.url, target.api_url), Tally(KINDS)
        for todo in dataset.lists:
            try:
                list_id = api.rest("/lists", {"title": todo["title"]})["id"]
            except Rejected as exc:
                tally.reject("lists", f"list {todo['title']!r}: {exc}")
                continue
            tally.ok("lists")
            for text in todo["items"]:
                try:
                    api.rest(f"/lists/{list_id}/items", {"text": text})
                    tally.ok("items")
                except Rejected as exc:
                    tally.reject("items", f"item {text!r}: {exc}")
            if progress:
                progress(1 + len(todo["items"]))
        report: DriveReport = tally.report()
        return report


SEEDER = TodoSeeder()
