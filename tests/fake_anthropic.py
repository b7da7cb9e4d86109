"""A stand-in for the Anthropic Messages API at the HTTP level.

The real ``anthropic`` SDK sends real requests through an ``httpx2``
transport that answers here, so its retries, parsing and errors all run.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from typing import Any

import anthropic
import httpx2

API_KEY = "sk-ant-test-DO-NOT-LEAK-0123456789"
Handler = Callable[[dict[str, Any], int], httpx2.Response | None]

FIRST = [
    "maya",
    "devon",
    "ines",
    "sam",
    "priya",
    "leo",
    "omar",
    "grace",
    "ben",
    "tom",
    "hana",
    "yusuf",
]
TITLES = [
    "CEO",
    "CTO",
    "Designer",
    "Growth Lead",
    "PM",
    "Engineer",
    "SRE",
    "Support",
    "Sales",
    "Finance",
    "Data",
    "Ops",
]


def roster(users: int, channels: int) -> dict[str, Any]:
    handles = [FIRST[i % len(FIRST)] + ("" if i < len(FIRST) else str(i)) for i in range(users)]
    names = ["general"] + [f"team-{i}" for i in range(1, channels)]
    return {
        "workspace": {"name": "Lumen Labs", "domain": "lumen-labs"},
        "users": [
            {
                "handle": h,
                "real_name": h.title() + " Doe",
                "email": f"{h}@lumen.test",
                "title": TITLES[i % len(TITLES)],
            }
            for i, h in enumerate(handles)
        ],
        "channels": [
            {
                "name": n,
                "purpose": f"All about {n}",
                "is_private": i == channels - 1 and channels > 1,
                "members": handles if i == 0 else handles[: 2 + i],
            }
            for i, n in enumerate(names)
        ],
    }


def messages(prompt: str, n: int) -> dict[str, Any]:
    members = re.search(r"members: ([^.]*)\.", prompt)
    authors = members.group(1).split(", ") if members else ["maya"]
    return {
        "messages": [
            {
                "author": authors[i % len(authors)],
                "text": f"Update {i}: on track.",
                "reply_to": i - 1 if i % 3 == 2 else None,
            }
            for i in range(n)
        ]
    }


def reply(tool_input: dict[str, Any], tool: str, *, stop: str = "tool_use") -> httpx2.Response:
    return httpx2.Response(
        200,
        json={
            "id": f"msg_{next(_ids):04d}",
            "type": "message",
            "role": "assistant",
            "model": "claude-haiku-4-5",
            "stop_reason": stop,
            "stop_sequence": None,
            "content": [{"type": "tool_use", "id": "toolu_1", "name": tool, "input": tool_input}],
            "usage": {"input_tokens": 100, "output_tokens": 50},
        },
    )


_ids = itertools.count(1)


class FakeAnthropic:
    """Answers like Claude would, unless ``override`` answers first; records every request."""

    def __init__(self, override: Handler | None = None) -> None:
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.override = override

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        if self.override is not None:
            forced = self.override(body, len(self.requests))
            if forced is not None:
                return forced
        prompt = body["messages"][0]["content"]
        tool = body["tool_choice"]["name"]
        if tool == "write_roster":
            users = int(re.search(r"exactly (\d+) users", prompt).group(1))  # type: ignore[union-attr]
            channels = int(re.search(r"exactly (\d+) channels", prompt).group(1))  # type: ignore[union-attr]
            return reply(roster(users, channels), tool)
        n = int(re.search(r"Write the next (\d+) messages", prompt).group(1))  # type: ignore[union-attr]
        return reply(messages(prompt, n), tool)

    def client(self, max_retries: int = 2) -> anthropic.Anthropic:
        return anthropic.Anthropic(
            api_key=API_KEY,
            max_retries=max_retries,
            http_client=httpx2.Client(transport=httpx2.MockTransport(self)),
        )

    def asked_sizes(self) -> list[int]:
        return [
            int(m.group(1))
            for r in self.requests
            if (m := re.search(r"Write the next (\d+) messages", r["messages"][0]["content"]))
        ]


def status(code: int, error_type: str, **headers: str) -> httpx2.Response:
    return httpx2.Response(
        code, headers=headers, json={"type": "error", "error": {"type": error_type, "message": "x"}}
    )
