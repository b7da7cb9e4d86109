"""Claude, for every seeder: one forced tool call at a time, errors translated here.

This is the one boundary where ``anthropic`` errors become asymkit errors
(``LLM_UNAVAILABLE``, ``GENERATION_FAILED``). Retries on 429/529 come from the
SDK (``max_retries``). ``anthropic`` is imported only when generation runs.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import attrs

from . import cassette as cs
from ._version import __version__
from .errors import GenerationFailed, LLMUnavailable

if TYPE_CHECKING:
    import anthropic

MODEL = "claude-haiku-4-5"


@attrs.define
class Usage:
    """What a generation cost and how each answer ended (for the cassette's provenance)."""

    reply_ids: list[str] = attrs.field(factory=list)
    stop_reasons: list[str] = attrs.field(factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    _lock: threading.Lock = attrs.field(factory=threading.Lock, repr=False)

    def add(self, reply: Any) -> None:
        with self._lock:
            self.reply_ids.append(reply.id)
            self.stop_reasons.append(str(reply.stop_reason))
            self.input_tokens += reply.usage.input_tokens
            self.output_tokens += reply.usage.output_tokens

    def provenance(self) -> cs.Provenance:
        return cs.Provenance(
            source="anthropic",
            asymkit_version=__version__,
            created=cs.now_iso(),
            model=MODEL,
            reply_ids=tuple(self.reply_ids),
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            stop_reasons=tuple(self.stop_reasons),
        )


def default_client() -> anthropic.Anthropic:
    import anthropic

    try:
        return anthropic.Anthropic(max_retries=4)
    except anthropic.AnthropicError as exc:
        raise LLMUnavailable(
            "No Anthropic API key: set ANTHROPIC_API_KEY, or replay a cassette with --cassette."
        ) from exc


def call_tool(
    client: anthropic.Anthropic,
    usage: Usage,
    *,
    system: str,
    tool: dict[str, Any],
    max_tokens: int,
    prompt: str,
) -> dict[str, Any] | None:
    """One forced call of ``tool``; its input, or ``None`` if the answer was truncated."""
    import anthropic

    try:
        request: dict[str, Any] = {
            "model": MODEL,
            "max_tokens": max_tokens,
            "system": system,
            "tools": [tool],
            "tool_choice": {"type": "tool", "name": tool["name"]},
            "messages": [{"role": "user", "content": prompt}],
        }
        reply = client.messages.create(**request)
    except (anthropic.APIConnectionError, anthropic.APIStatusError) as exc:
        raise LLMUnavailable(_why_unavailable(exc)) from exc
    usage.add(reply)
    if reply.stop_reason == "max_tokens":
        return None
    for block in reply.content:
        if block.type == "tool_use" and block.name == tool["name"]:
            if not isinstance(block.input, dict):
                break
            return dict(block.input)
    raise GenerationFailed(
        f"Claude answered without calling {tool['name']} (stop_reason {reply.stop_reason});"
        " try again."
    )


def _why_unavailable(exc: Any) -> str:
    """What went wrong with a call to Claude, and what to do next, in one sentence."""
    import anthropic

    if isinstance(exc, anthropic.AuthenticationError):
        return "Anthropic refused the API key (401); check ANTHROPIC_API_KEY, or replay a cassette."
    if isinstance(exc, anthropic.PermissionDeniedError):
        return f"Anthropic denied access to {MODEL} (403); check the key's workspace permissions."
    if isinstance(exc, anthropic.APIConnectionError):
        return "Cannot reach the Anthropic API; check the network, or replay a cassette offline."
    return (
        f"The Anthropic API answered {exc.status_code} after retries"
        f" ({_error_type(exc)}); try again later, or replay a cassette."
    )


def _error_type(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("type", "error"))
    return type(exc).__name__
