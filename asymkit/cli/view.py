"""``asymkit view ID``: the review page of a run — serve it locally, or export one file."""

from __future__ import annotations

from pathlib import Path

import click

from .. import Clone, PortInUse
from . import output


@click.command("view")
@click.argument("clone_id", metavar="ID")
@click.option("--since", metavar="NAME", help="A snapshot's name (default: the last seed).")
@click.option(
    "--export",
    "export_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the page to this file (self-contained HTML) instead of serving it.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default="any free port",
    help="Serve on this port.",
)
def view_command(clone_id: str, since: str | None, export_path: Path | None, port: int) -> None:
    """The run as the product shows it, changes marked, calls beside it (a local page)."""
    from .. import review
    from ..review import server

    clone = Clone.get(clone_id)
    target = clone.target()
    if export_path is not None:
        written = review.export(target, export_path, since)
        output.line(f"✓ wrote {written}")
        return
    review.render(target, since)  # a wrong id or snapshot fails here, in one line
    try:
        httpd = server.serve(port=port)
    except OSError as exc:
        raise PortInUse(
            f"Cannot serve on port {port} ({exc.strerror}); pick another --port."
        ) from exc
    query = f"?since={since}" if since else ""
    output.line(f"{server.base_url(httpd)}/{clone.id}{query}")
    output.line("(serving the review page; Ctrl-C stops)")
    try:
        httpd.serve_forever()
    finally:
        httpd.server_close()
