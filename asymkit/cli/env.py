"""``asymkit env``: named groups of clones, reset or destroyed together."""

from __future__ import annotations

import click

from .. import Environment, EnvironmentPartial
from . import FullHelpGroup, output
from .output import json_option


@click.group("env", cls=FullHelpGroup)
def env() -> None:
    """Manage environments (named groups of clones)."""


@env.command("ls")
@json_option
def ls(as_json: bool) -> None:
    """List environments."""
    envs = Environment.all()
    if as_json:
        output.print_json([e.to_json() for e in envs])
    elif not envs:
        output.line("No environments. Create one with `asymkit spin slack --env NAME`.")
    else:
        output.table(
            ("ENV", "STATE", "CLONES"),
            [(e.name, e.state, " ".join(c.id for c in e.clones) or "-") for e in envs],
        )


@env.command("create")
@click.argument("name")
@json_option
def create(name: str, as_json: bool) -> None:
    """Create an empty environment (nothing happens if it exists)."""
    created = Environment.create(name)
    output.result(as_json, created.to_json(), f"✓ created environment {name}")


@env.command("reset")
@click.argument("name")
@output.workers_option("reset")
@json_option
def reset(name: str, workers: int, as_json: bool) -> None:
    """Reset every clone of the environment."""
    environment = Environment.get(name)
    members = len(environment.to_json()["clones"])
    with output.ProgressBars.for_command(as_json=as_json) as bars:
        advance = bars.task(f"resetting {name}", members) if bars.enabled else None
        report = environment.reset(workers=workers, progress=advance)
    failed = sum(not r.ok for r in report.results)
    if as_json:
        output.print_json(report.to_json())
    else:
        for r in report.results:
            detail = r.error if r.error else f"{r.seconds * 1000:.0f} ms"
            output.line(f"  {'!' if r.error else '✓'} {r.clone_id}  {detail}")
        output.line(
            f"{'!' if failed else '✓'} reset environment {name}:"
            f" {len(report.results) - failed}/{len(report.results)} clones"
            f" in {report.seconds:.2f} s"
        )
    if failed:
        raise EnvironmentPartial(
            f"Environment '{name}' is partial: {failed} clone(s) failed to reset;"
            f" fix them and run `asymkit env reset {name}` again."
        )


@env.command("destroy")
@click.argument("name")
@json_option
def destroy(name: str, as_json: bool) -> None:
    """Destroy every clone and the environment."""
    results = Environment.get(name).destroy()
    broken = [r for r in results if not r.ok]
    if as_json:
        output.print_json(
            {
                "env": name,
                "destroyed": [r.clone_id for r in results if r.ok],
                "errors": [{"id": r.clone_id, "error": r.error} for r in broken],
            }
        )
    for r in broken:
        output.warn(f"  ! {r.clone_id}: {r.error}")
    if broken:
        raise EnvironmentPartial(
            f"{len(broken)} of {len(results)} clones of '{name}' could not be destroyed;"
            " the environment is kept, fix them and run `asymkit env destroy` again."
        )
    if not as_json:
        output.line(f"✓ destroyed environment {name} ({len(results)} clones)")
