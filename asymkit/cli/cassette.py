"""``asymkit cassette``: read a binary cassette as people and scripts can, or make one."""

from __future__ import annotations

from pathlib import Path

import click

from .. import cassette as cs
from .. import packing
from . import FullHelpGroup, output
from .output import json_option

path_argument = click.argument("path", type=click.Path(path_type=Path))


@click.group("cassette", cls=FullHelpGroup)
def cassette() -> None:
    """Inspect or make cassettes."""


@cassette.command("show")
@path_argument
@json_option
def show(path: Path, as_json: bool) -> None:
    """Summary of a cassette."""
    loaded = cs.load(path)
    exported = loaded.to_json()
    if as_json:
        summary = {k: v for k, v in exported.items() if k != "dataset"}
        output.print_json({**summary, "counts": loaded.dataset.counts()})
        return
    req, prov, counts = loaded.request, loaded.provenance, loaded.dataset.counts()
    output.line(f"cassette   {path}")
    output.line(
        f"request    template={req.template} volume={req.volume} model={req.model}"
        f" prompt={req.prompt_version}"
    )
    output.line(f"brief      {req.brief or '-'}")
    output.line(
        f"source     {prov.source}"
        + (f" ({prov.model})" if prov.model else "")
        + f", asymkit {prov.asymkit_version}, {prov.created}"
    )
    if prov.note:
        output.line(f"note       {prov.note}")
    workspace = exported["dataset"].get("workspace") or {}
    named = f"{workspace['name']}: " if isinstance(workspace, dict) and "name" in workspace else ""
    output.line(f"dataset    {named}{output.counted(counts)}")
    output.line(
        f"digest     {exported['dataset_digest']} (format {loaded.version}"
        + (", `asymkit cassette upgrade` rewrites it)" if loaded.version < cs.VERSION else ")")
    )
    output.line(f"replay     {loaded.replay_fingerprint or 'not yet recorded'}")
    for msg in exported["dataset"].get("messages", [])[:3]:
        output.line(f"  #{msg.get('channel')} {msg.get('author')}: {str(msg.get('text'))[:70]}")


@cassette.command("export")
@path_argument
def export(path: Path) -> None:
    """A cassette as JSON (`cassette pack` turns it back into a cassette)."""
    output.print_json(cs.load(path).to_json())


@cassette.command("pack")
@click.argument("dataset", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="Cassette path to write.",
)
@click.option("--template", help="Template the dataset is for (default: slack).")
@click.option("--brief", help="The brief the dataset answers.")
@click.option("--volume", help="Volume name to record (default: custom).")
@click.option(
    "--source", help="Who made the dataset (provenance): hand-written (default), script, ..."
)
@click.option("--note", help="A provenance note.")
@json_option
def pack(
    dataset: Path,
    out: Path,
    template: str | None,
    brief: str | None,
    volume: str | None,
    source: str | None,
    note: str | None,
    as_json: bool,
) -> None:
    """Turn a dataset JSON file (hand-written, or what `cassette export` printed) into a cassette.

    Options left out keep what an exported cassette recorded.
    """
    packed = packing.pack(
        dataset, out, template=template, brief=brief, volume=volume, source=source, note=note
    )
    counts = packed.dataset.counts()
    if as_json:
        output.print_json({"path": str(out), **counts, "digest": packed.digest})
        return
    output.line(f"✓ packed {out}  ({output.counted(counts)})")


@cassette.command("upgrade")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@json_option
def upgrade(paths: tuple[Path, ...], as_json: bool) -> None:
    """Rewrite format 1 cassettes as format 2 (same data, same replay)."""
    done = {str(path): cs.upgrade(path) for path in paths}
    if as_json:
        output.print_json({"upgraded": [p for p, d in done.items() if d], "version": cs.VERSION})
        return
    for path, upgraded in done.items():
        output.line(
            f"✓ upgraded {path} to format {cs.VERSION}" if upgraded else f"  {path} is current"
        )
