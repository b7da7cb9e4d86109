"""``asymkit mcp ID``: serve a clone to an MCP client (Claude Desktop, an agent) on stdio."""

from __future__ import annotations

import click

from .. import Clone


@click.command("mcp")
@click.argument("clone_id", metavar="ID")
@click.option(
    "--as",
    "as_",
    default="bot",
    show_default=True,
    metavar="bot|user|@name",
    help="Whose token the tools act with: the bot, the workspace owner, or a member.",
)
def mcp_command(clone_id: str, as_: str) -> None:
    """Serve the clone's Slack as MCP tools on stdin/stdout (the reference Slack MCP server's)."""
    clone = Clone.get(clone_id)
    try:
        import mcp  # noqa: F401  (the optional extra: say how to get it before serving)
    except ImportError:
        raise click.ClickException(
            "asymkit mcp needs the MCP SDK: pip install 'asymkit[mcp]'."
        ) from None
    from ..mcp import serve_stdio

    serve_stdio(clone, as_=as_)
