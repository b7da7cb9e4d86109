"""MCP: what `asymkit mcp` adds on top of calling the clone's Web API directly.

Startup (spawn `python -m asymkit.cli mcp ID` until the tool list arrives) and
the latency of one tool call through the MCP stdio session, against the naive
way an agent would skip MCP: the same Web API call with httpx (one kept
client) and with slack_sdk's WebClient.

    python benchmarks/mcp_server.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _bench import isolated_home, summary, table, write

GENERAL = "CACME00001"


def server_params(clone: Any) -> Any:
    from mcp import StdioServerParameters

    env = {k: os.environ[k] for k in ("ASYMKIT_HOME", "PATH") if k in os.environ}
    return StdioServerParameters(
        command=sys.executable, args=["-m", "asymkit.cli", "mcp", clone.id], env=env
    )


async def startup(clone: Any, repeat: int) -> list[float]:
    """Seconds from spawning the server to holding its tool list."""
    from mcp import ClientSession
    from mcp.client.stdio import stdio_client

    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        async with stdio_client(server_params(clone)) as (r, w), ClientSession(r, w) as s:
            await s.initialize()
            await s.list_tools()
            samples.append(time.perf_counter() - started)
    return samples


async def through_mcp(clone: Any, repeat: int) -> dict[str, list[float]]:
    """Per-call seconds of a read and a write as MCP tool calls over one stdio session."""
    from mcp import ClientSession
    from mcp.client.stdio import stdio_client

    calls = {
        "history": ("slack_get_channel_history", {"channel_id": GENERAL, "limit": 10}),
        "post": ("slack_post_message", {"channel_id": GENERAL, "text": "bench"}),
    }
    out: dict[str, list[float]] = {k: [] for k in calls}
    async with stdio_client(server_params(clone)) as (r, w), ClientSession(r, w) as s:
        await s.initialize()
        for label, (tool, args) in calls.items():
            await s.call_tool(tool, args)  # warm up
            for _ in range(repeat):
                started = time.perf_counter()
                result = await s.call_tool(tool, args)
                out[label].append(time.perf_counter() - started)
                assert not result.is_error, result.content
    return out


def direct(clone: Any, repeat: int) -> dict[str, dict[str, list[float]]]:
    """The same calls without MCP: httpx with a kept client, and slack_sdk's WebClient."""
    import httpx
    from slack_sdk import WebClient

    headers = {"Authorization": f"Bearer {clone.tokens.bot}"}
    web = WebClient(token=clone.tokens.bot, base_url=clone.api_url)
    out: dict[str, dict[str, list[float]]] = {"httpx": {}, "slack_sdk": {}}
    with httpx.Client(base_url=clone.api_url, headers=headers) as http:
        ways = {
            "httpx": {
                "history": lambda: http.post(
                    "conversations.history", json={"channel": GENERAL, "limit": 10}
                ).json(),
                "post": lambda: http.post(
                    "chat.postMessage", json={"channel": GENERAL, "text": "bench"}
                ).json(),
            },
            "slack_sdk": {
                "history": lambda: web.conversations_history(channel=GENERAL, limit=10),
                "post": lambda: web.chat_postMessage(channel=GENERAL, text="bench"),
            },
        }
        for way, calls in ways.items():
            for label, fn in calls.items():
                fn()
                samples = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    fn()
                    samples.append(time.perf_counter() - started)
                out[way][label] = samples
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    starts, repeat = (3, 50) if args.quick else (10, 300)
    import asymkit

    with isolated_home():
        clone = asymkit.spin("slack", seed="acme-corp")
        from slack_sdk import WebClient

        WebClient(token=clone.tokens.bot, base_url=clone.api_url).conversations_join(
            channel=GENERAL
        )
        start = summary(asyncio.run(startup(clone, starts)))
        mcp = {k: summary(v) for k, v in asyncio.run(through_mcp(clone, repeat)).items()}
        naive = {
            way: {k: summary(v) for k, v in calls.items()}
            for way, calls in direct(clone, repeat).items()
        }
        clone.destroy()
    print(f"asymkit mcp startup (spawn to tool list): median {start['median_ms']} ms\n")
    print("one call, medians (ms)\n")
    rows = [
        (
            label,
            mcp[label]["median_ms"],
            mcp[label]["p90_ms"],
            naive["httpx"][label]["median_ms"],
            naive["slack_sdk"][label]["median_ms"],
            f"{mcp[label]['median_ms'] - naive['httpx'][label]['median_ms']:+.2f}",
        )
        for label in ("history", "post")
    ]
    table(["call", "MCP tool", "MCP p90", "naive: httpx", "naive: slack_sdk", "MCP cost"], rows)
    write("mcp", {"startup": start, "mcp": mcp, "direct": naive, "repeat": repeat})


if __name__ == "__main__":
    main()
