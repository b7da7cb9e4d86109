"""Slack's prompt: Claude -> dataset, from the brief and volume, in chunks.

Claude -> dataset: a prompt from the brief and volume, structured output, in chunks.

Generation runs in two steps so big volumes never hit ``max_tokens``: a
*roster* call (workspace, users, channels) and then one call per chunk of at
most ``CHUNK`` messages, channel by channel, a few at once. A truncated answer
(``stop_reason == "max_tokens"``) is never used: a message chunk is split in
half and asked again; a truncated roster is an error. Retries on 429/529 come
from the SDK (``max_retries``); what is left after them becomes
``LLM_UNAVAILABLE``.

``anthropic`` is imported here only, when generation actually runs.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from ... import cassette as cs
from ... import llm
from ...errors import GenerationFailed
from . import dataset as ds

if TYPE_CHECKING:
    import anthropic

PROMPT_VERSION = "1"
DEFAULT_BRIEF = "a small, fast-moving software startup."
VOLUMES = {"small": (4, 3, 12), "medium": (6, 4, 20), "large": (8, 5, 30)}
DEFAULT_VOLUME = "medium"
CHUNK = 40
MIN_CHUNK = 1
ROSTER_TOKENS = 8192
MESSAGE_TOKENS = 8192

SYSTEM = (
    "You write realistic seed data for a Slack workspace clone used to evaluate AI agents."
    " People have distinct voices and roles; conversations are specific to the company and"
    " refer to concrete projects, numbers, customers and dates; threads answer their parent."
    " Handles are lowercase letters, digits, '.', '-' or '_'. Channel names are lowercase,"
    " without spaces, at most 80 characters. Always answer by calling the given tool."
)


def _object(**properties: Any) -> dict[str, Any]:
    """A JSON-schema object all of whose ``properties`` are required."""
    return {"type": "object", "properties": properties, "required": list(properties)}


def _array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


_STRING = {"type": "string"}

_ROSTER_TOOL = {
    "name": "write_roster",
    "description": "The workspace, its people and its channels.",
    "input_schema": _object(
        workspace=_object(name=_STRING, domain=_STRING),
        users=_array(_object(**{k: _STRING for k in ("handle", "real_name", "email", "title")})),
        channels=_array(
            _object(
                name=_STRING,
                purpose=_STRING,
                is_private={"type": "boolean"},
                members=_array(_STRING),
            )
        ),
    ),
}

_MESSAGES_TOOL = {
    "name": "write_messages",
    "description": "Messages in one channel, oldest first.",
    "input_schema": _object(
        messages=_array(
            _object(
                author=_STRING,
                text=_STRING,
                reply_to={
                    "type": ["integer", "null"],
                    "description": "index in this list of an earlier message this"
                    " one replies to in a thread, or null",
                },
            )
        )
    ),
}


def request_for(
    template: str,
    *,
    brief: str | None,
    volume: str | None,
    users: int | None = None,
    channels: int | None = None,
    messages: int | None = None,
) -> cs.Request:
    """The full request: defaults filled in, explicit counts making the volume ``custom``."""
    name = volume or DEFAULT_VOLUME
    if name not in VOLUMES and name != "custom":
        raise GenerationFailed(
            f"Unknown volume '{name}'. Use small (4/3/12), medium (6/4/20) or large (8/5/30),"
            " or give explicit counts."
        )
    base = VOLUMES.get(name, VOLUMES[DEFAULT_VOLUME])
    counts = (users or base[0], channels or base[1], messages or base[2])
    if counts != base:
        name = "custom"
    return cs.Request(
        template=template,
        brief=brief or DEFAULT_BRIEF,
        volume=name,
        users=counts[0],
        channels=counts[1],
        messages=counts[2],
        model=llm.MODEL,
        prompt_version=PROMPT_VERSION,
    )


def generate(
    request: cs.Request, *, client: anthropic.Anthropic | None = None, workers: int = 4
) -> cs.Cassette:
    """Ask Claude for the dataset ``request`` describes; return it as a cassette."""
    claude = client or llm.default_client()
    usage = llm.Usage()
    roster = _ask(claude, usage, _ROSTER_TOOL, ROSTER_TOKENS, _roster_prompt(request))
    if roster is None:
        raise GenerationFailed(
            "Claude's roster answer was cut off at max_tokens; ask for fewer users or channels."
        )
    # Claude is asked for exact counts; extra records are dropped, never used.
    roster["users"] = list(roster.get("users") or [])[: request.users]
    roster["channels"] = list(roster.get("channels") or [])[: request.channels]
    channels = [c for c in roster["channels"] if isinstance(c, dict)]
    plan = _message_plan(channels, request.messages)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        batches = list(
            pool.map(lambda job: _channel_messages(claude, usage, request, roster, *job), plan)
        )
    messages: list[dict[str, Any]] = []
    for channel, batch in zip((c for c, _ in plan), batches, strict=True):
        offset = len(messages)
        for m in batch:
            reply = m.get("reply_to")
            messages.append(
                {
                    "channel": channel["name"],
                    "author": m.get("author"),
                    "text": m.get("text"),
                    "reply_to": reply + offset if isinstance(reply, int) and reply >= 0 else None,
                }
            )
    data = ds.from_json({**roster, "messages": messages})
    return cs.Cassette(request, usage.provenance(), data)


def _roster_prompt(request: cs.Request) -> str:
    return (
        f"Company: {request.brief}\n"
        f"Write its Slack workspace: a name and domain, exactly {request.users} users"
        f" (the first is the founder/CEO), and exactly {request.channels} channels, the first"
        " being 'general' with everybody in it and at most one private channel. Each channel"
        " lists its members by handle, the first member being its creator."
    )


def _message_plan(channels: list[dict[str, Any]], total: int) -> list[tuple[dict[str, Any], int]]:
    """How many messages each channel gets (the first gets the remainder)."""
    if not channels:
        return []
    share, extra = divmod(total, len(channels))
    return [(c, share + (extra if i == 0 else 0)) for i, c in enumerate(channels)]


def _channel_messages(
    claude: anthropic.Anthropic,
    usage: llm.Usage,
    request: cs.Request,
    roster: dict[str, Any],
    channel: dict[str, Any],
    count: int,
) -> list[dict[str, Any]]:
    """``count`` messages for ``channel``, chunked; a truncated chunk is split and re-asked."""
    out: list[dict[str, Any]] = []
    pending = [min(CHUNK, count - start) for start in range(0, count, CHUNK)]
    while pending:
        size = pending.pop(0)
        got = _ask(
            claude,
            usage,
            _MESSAGES_TOOL,
            MESSAGE_TOKENS,
            _messages_prompt(request, roster, channel, size, out),
        )
        if got is None:
            if size <= MIN_CHUNK:
                raise GenerationFailed(
                    f"Claude's answer for #{channel.get('name')} was cut off at max_tokens"
                    f" even for {size} messages."
                )
            pending[:0] = [size // 2, size - size // 2]
            continue
        batch = [m for m in got.get("messages", []) if isinstance(m, dict)][:size]
        offset = len(out)
        for m in batch:
            reply = m.get("reply_to")
            m["reply_to"] = reply + offset if isinstance(reply, int) and reply >= 0 else None
        out += batch
    return out


def _messages_prompt(
    request: cs.Request,
    roster: dict[str, Any],
    channel: dict[str, Any],
    size: int,
    before: list[dict[str, Any]],
) -> str:
    people = [
        f"{u.get('handle')} ({u.get('title')})"
        for u in roster.get("users", [])
        if isinstance(u, dict)
    ]
    recent = "\n".join(f"- {m.get('author')}: {m.get('text')}" for m in before[-10:])
    return (
        f"Company: {request.brief}\nWorkspace: {json.dumps(roster.get('workspace'))}\n"
        f"People: {', '.join(people)}\n"
        f"Channel #{channel.get('name')} ({channel.get('purpose')}),"
        f" members: {', '.join(map(str, channel.get('members', [])))}.\n"
        + (f"The channel so far ends with:\n{recent}\n" if recent else "")
        + f"Write the next {size} messages in this channel, oldest first, only by its members;"
        " about a third of them thread replies (reply_to = index of an earlier message in"
        " your list)."
    )


def _ask(
    claude: anthropic.Anthropic,
    usage: llm.Usage,
    tool: dict[str, Any],
    max_tokens: int,
    prompt: str,
) -> dict[str, Any] | None:
    return llm.call_tool(
        claude, usage, system=SYSTEM, tool=tool, max_tokens=max_tokens, prompt=prompt
    )
