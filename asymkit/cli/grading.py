"""``asymkit diff`` and ``asymkit snapshot``: what an agent changed, and saved states."""

from __future__ import annotations

import datetime
from pathlib import Path

import click

from .. import Clone, DiffMismatch, InvalidArgument, expectfile
from ..diff import TABLE_HEADERS
from . import output
from .output import json_option


@click.command("diff")
@click.argument("clone_id", metavar="ID")
@click.option("--since", metavar="NAME", help="A snapshot's name (default: the last seed).")
@click.option(
    "--expect",
    "expect_file",
    type=click.Path(path_type=Path),
    help="An expectation file: exit 0 when the diff matches it, 1 (saying why) when not.",
)
@json_option
def diff_command(clone_id: str, since: str | None, expect_file: Path | None, as_json: bool) -> None:
    """What changed in a clone since its last seed (or a snapshot), per kind."""
    wanted = expectfile.load(expect_file) if expect_file else None
    diff = Clone.get(clone_id).diff(since=since)
    if wanted is not None:
        problems = wanted.check(diff)
        if problems:
            raise DiffMismatch(
                f"{clone_id}'s changes since {diff.since} do not match {expect_file}:\n"
                + "\n".join(problems)
            )
        output.line(f"✓ {clone_id}'s changes since {diff.since} match {expect_file}")
        return
    if as_json:
        output.stream_json(diff.to_json(), ensure_ascii=False)  # as diff.dumps(), streamed
        return
    if not diff:
        output.line(f"No changes in {clone_id} since {diff.since}.")
        return
    kind_width = max(len("KIND"), *(len(kind) for kind in diff if diff[kind]))
    output.stream_table(TABLE_HEADERS, (kind_width, len("~ changed")), diff.rows())


@click.command("snapshot")
@click.argument("clone_id", metavar="ID")
@click.argument("name", required=False)
@click.option("--list", "list_", is_flag=True, help="List the clone's snapshots.")
@click.option("--drop", metavar="NAME", help="Delete a snapshot.")
@json_option
def snapshot_command(
    clone_id: str, name: str | None, list_: bool, drop: str | None, as_json: bool
) -> None:
    """Save a clone's state under NAME (`reset ID --to NAME` restores it), list or drop one."""
    if sum((name is not None, list_, drop is not None)) != 1:
        raise InvalidArgument("Give exactly one of: NAME, --list, --drop NAME.")
    clone = Clone.get(clone_id)
    if drop is not None:
        clone.drop_snapshot(drop)
        output.result(
            as_json, {"id": clone_id, "dropped": drop}, f"✓ dropped snapshot {drop} of {clone_id}"
        )
        return
    if name is not None:
        clone.snapshot(name)
        output.result(
            as_json, {"id": clone_id, "snapshot": name}, f"✓ saved {clone_id} as snapshot {name}"
        )
        return
    snaps = clone.snapshots()
    if as_json:
        output.print_json([{"name": s.name, "created": s.created} for s in snaps])
    elif not snaps:
        output.line(
            f"No snapshots of {clone_id}. Save one with `asymkit snapshot {clone_id} NAME`."
        )
    else:
        output.table(
            ("NAME", "CREATED"),
            [
                (s.name, datetime.datetime.fromtimestamp(s.created).isoformat(timespec="seconds"))
                for s in snaps
            ],
        )
