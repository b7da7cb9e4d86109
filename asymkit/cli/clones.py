"""Commands on clones: spin, seed, reset, status/ls, logs, tokens, stop, start, destroy."""
# long module: every clone verb (spin, seed, reset, status, logs, tokens, start, stop, destroy)
# shares its option parsing and printing here; splitting them would scatter one idea.

from __future__ import annotations

import ipaddress
import logging
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import click

from .. import AISeed, AsymkitError, Clone, EnvironmentPartial, InvalidArgument, fixtures, manifest
from .. import spin as spin_clone
from ..seed import RECORD_MODES
from . import output
from .output import json_option

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_HOST = "127.0.0.1"

id_argument = click.argument("clone_id", metavar="ID")


def ai_options(func: F) -> F:
    """The options that ask for an AI-generated dataset (shared by spin and seed)."""
    options = [
        click.option("--ai", is_flag=True, help="Layer an AI-generated dataset on top."),
        click.option(
            "--brief",
            help="What the company is (default: a small, fast-moving software startup.)",
        ),
        click.option(
            "--volume",
            type=click.Choice(["small", "medium", "large"]),
            help="small 4/3/12, medium 6/4/20 (default), large 8/5/30 users/channels/messages.",
        ),
        *(
            click.option(
                f"--{kind}",
                type=click.IntRange(min=1),
                metavar="N",
                help=f"Explicit number of {kind}.",
            )
            for kind in ("users", "channels", "messages")
        ),
        click.option(
            "--cassette",
            metavar="PATH",
            help="Cassette to replay or record (default: under ./cassettes/).",
        ),
        click.option(
            "--record-mode",
            type=click.Choice(RECORD_MODES),
            help="once (default; $ASYMKIT_RECORD_MODE), none (replay only), all (regenerate).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def ai_seed(opts: dict[str, Any]) -> AISeed | None:
    """The AI seed the options ask for, or ``None`` when none of them was given."""
    counts = {k: opts[k] for k in ("users", "channels", "messages")}
    wanted = (opts["ai"], opts["cassette"], opts["brief"], opts["volume"], *counts.values())
    if not any(wanted):
        return None
    return AISeed(
        brief=opts["brief"],
        volume=opts["volume"],
        cassette=opts["cassette"],
        record_mode=opts["record_mode"],
        **counts,
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


@click.command("spin")
@click.argument("template")
@click.option("--seed", "fixture", metavar="FIXTURE", help="Fixture to apply, e.g. acme-corp.")
@click.option("--env", "env_name", metavar="NAME", help="Add the clone to this environment.")
@click.option(
    "--port", type=click.IntRange(1, 65535), help="Port for the app (default: a free one)."
)
@click.option(
    "--host",
    default=DEFAULT_HOST,
    show_default=True,
    help="Address to bind; anything but loopback makes the clone reachable from the network.",
)
@click.option(
    "--count",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Spin N clones into --env, a few at once.",
)
@output.workers_option("spun with --count")
@click.option(
    "--rate-limits",
    is_flag=True,
    help="Enforce the product's rate limits (Slack's tiers: 429 with Retry-After).",
)
@ai_options
@json_option
def spin_command(
    template: str,
    fixture: str | None,
    env_name: str | None,
    port: int | None,
    host: str,
    count: int,
    workers: int,
    rate_limits: bool,
    as_json: bool,
    **ai: Any,
) -> None:
    """Create, seed and start a clone of a template."""
    if count > 1 and port is not None:
        raise InvalidArgument(
            "--port names one port but --count makes several clones; drop --port (each clone"
            " gets a free one) or spin one clone."
        )
    if count > 1 and host != DEFAULT_HOST:
        raise InvalidArgument(
            f"--host applies to one clone but --count makes several (each binds {DEFAULT_HOST});"
            " drop --host or spin one clone."
        )
    if count > 1 and not env_name:
        raise InvalidArgument("--count needs --env NAME: several clones live in an environment.")
    if not _is_loopback(host):
        output.warn(
            f"warning: --host {host} makes the clone reachable from the network: anyone who can"
            " reach its port can use its API."
        )
    seed = ai_seed(ai)
    if count > 1:
        assert env_name is not None
        _spin_many(template, fixture, seed, env_name, count, workers, rate_limits, as_json)
        return
    with output.ProgressBars.for_command(as_json=as_json) as bars:
        clone = spin_clone(
            template,
            seed=fixture,
            ai=seed,
            env=env_name,
            port=port,
            host=host,
            progress=bars.factory,
            rate_limits=rate_limits,
        )
    report = clone.last_report
    if as_json:
        output.print_json({**(report.to_json() if report else {}), **clone.to_json()})
        return
    output.line(f"✓ spun {clone.id}  {clone.api_url}")
    if report is not None and (report.fixture or report.ai):
        output.line(report.summary())
    elif report is not None:
        for note in report.notes:
            output.line(f"  ! {note}")
    tokens = clone.tokens
    if tokens.bot:
        output.line(f"  bot token:   {tokens.bot}")
    if tokens.user:
        output.line(f"  user token:  {tokens.user}")
    output.line(f"  database:    {clone.database}")
    if env_name:
        output.line(f"  environment: {env_name}")


def _spin_many(
    template: str,
    fixture: str | None,
    seed: AISeed | None,
    env_name: str,
    count: int,
    workers: int,
    rate_limits: bool,
    as_json: bool,
) -> None:
    from ..environment import Environment  # threads for a few clones at once: loaded here

    # A wrong template or fixture is one error, before the environment exists.
    found = manifest.find(template)
    if fixture:
        fixtures.find(found, fixture)
    existed = env_name in {e.name for e in Environment.all()}
    env = Environment.create(env_name)
    clones, errors = env.spin(
        template, count=count, seed=fixture, ai=seed, workers=workers, rate_limits=rate_limits
    )
    if not clones and not existed:
        env.destroy()  # nothing came up: leave no empty environment behind
    if as_json:
        output.print_json(
            {"env": env_name, "clones": [c.to_json() for c in clones], "errors": errors}
        )
    else:
        for clone in clones:
            output.line(f"✓ spun {clone.id}  {clone.api_url}")
        if clones:
            output.line(
                f"  environment: {env_name} ({len(clones)} new clones; `asymkit tokens <id>`"
                " shows their tokens)"
            )
    for error, times in Counter(errors).items():
        output.warn(f"  ! {error}" + (f" (x{times})" if times > 1 else ""))
    if errors:
        raise EnvironmentPartial(f"{len(errors)} of {count} clones did not start; see above.")


@click.command("seed")
@id_argument
@click.option("--fixture", metavar="NAME", help="Fixture to apply (replaces the state).")
@ai_options
@json_option
def seed_command(clone_id: str, fixture: str | None, as_json: bool, **ai: Any) -> None:
    """Apply a fixture and/or layer an AI dataset.

    A fixture replaces the clone's state; an AI dataset is layered on top,
    through the clone's REST API. `reset` restores the result.
    """
    clone = Clone.get(clone_id)
    with output.ProgressBars.for_command(as_json=as_json) as bars:
        report = clone.seed(fixture, ai=ai_seed(ai), progress=bars.factory)
    output.result(as_json, report.to_json(), report.summary())


@click.command("reset")
@id_argument
@click.option("--rebuild", is_flag=True, help="Skip the snapshot: drop, migrate and re-seed.")
@click.option("--to", metavar="NAME", help="Restore a named snapshot instead of the last seed.")
@json_option
def reset_command(clone_id: str, rebuild: bool, to: str | None, as_json: bool) -> None:
    """Bring a clone back to exactly its last seed (or to snapshot NAME)."""
    clone = Clone.get(clone_id)
    records = None if rebuild else _records_to_put_back(clone, to)
    with output.ProgressBars.for_command(as_json=as_json) as bars:
        report = clone.reset(
            to=to, progress=bars.factory, strategy="rebuild" if rebuild else "auto"
        )
    if report.strategy != "rebuild":
        report = attrs.evolve(report, records=records)
    output.result(as_json, report.to_json(), report.summary())


def _records_to_put_back(clone: Clone, to: str | None) -> dict[str, int] | None:
    """Per kind, the records ``diff`` shows now: what the reset will put back, in numbers a
    user can hold against ``asymkit diff`` (rows alone count the events a write raised, too).
    ``None`` if there is no diff to take (the reset then says how many rows it put back)."""
    try:
        counts = clone.diff(since=to).summary()
    except AsymkitError:  # no diff kinds, no usable snapshot (the reset rebuilds): no count
        return None
    return {kind: total for kind, n in counts.items() if (total := sum(n.values()))}


def _status(templates: bool, as_json: bool) -> None:
    if templates:
        _templates(as_json)
        return
    found = sorted(Clone.all(), key=lambda c: c.id)
    if as_json:
        output.print_json([c.to_json() for c in found])
        return
    if not found:
        output.line("No clones. Start one with `asymkit spin slack --seed acme-corp`.")
        return
    output.table(
        ("ID", "TEMPLATE", "STATUS", "URL", "SEED", "ENV"),
        [
            (
                c.id,
                c.record.template,
                output.status_text(c.status(), c.id),
                c.url,
                c.seed_spec.describe(),
                c.environment or "-",
            )
            for c in found
        ],
    )


def _templates(as_json: bool) -> None:
    found = sorted(manifest.discover().values(), key=lambda t: t.name)
    if as_json:
        output.print_json(
            [
                {
                    "name": t.name,
                    "path": str(t.root),
                    "fixtures": sorted(fixtures.available(t)),
                    "ai": t.supports_ai,
                    "description": t.description,
                }
                for t in found
            ]
        )
        return
    output.table(
        ("TEMPLATE", "FIXTURES", "AI", "PATH"),
        [
            (
                t.name,
                ", ".join(sorted(fixtures.available(t))) or "-",
                "yes" if t.supports_ai else "no",
                str(t.root),
            )
            for t in found
        ],
    )


def _status_command(name: str) -> click.Command:
    @click.command(name)
    @click.option("--templates", is_flag=True, help="List templates instead.")
    @json_option
    def command(templates: bool, as_json: bool) -> None:
        """List clones and whether they run."""
        _status(templates, as_json)

    return command


@click.command("logs")
@id_argument
@click.option(
    "-n",
    "--lines",
    type=click.IntRange(min=0),
    default=200,
    show_default=True,
    help="Last N lines (0: all).",
)
def logs_command(clone_id: str, lines: int) -> None:
    """Print a clone's app log."""
    clone = Clone.get(clone_id)
    try:
        text = clone.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        text = []
    for entry in text[-lines:] if lines else text:
        output.line(entry)


@click.command("tokens")
@id_argument
@click.option(
    "--user",
    "member",
    metavar="@NAME|U…",
    help="Print a user token acting as this member (a coworker in a test).",
)
@click.option(
    "--scopes",
    metavar="SCOPE,...",
    help="Mint a new token with exactly these scopes (see --kind), e.g. chat:write.",
)
@click.option(
    "--kind",
    type=click.Choice(["bot", "user"]),
    default="bot",
    show_default=True,
    help="With --scopes: a bot or a user token.",
)
@json_option
def tokens_command(
    clone_id: str, member: str | None, scopes: str | None, kind: str, as_json: bool
) -> None:
    """Print a clone's API tokens (app: Socket Mode; signing secret: Events API)."""
    clone = Clone.get(clone_id)
    if scopes is not None:
        wanted = [s.strip() for s in scopes.split(",") if s.strip()]
        token = clone.scoped_token(wanted, kind=kind)
        output.result(as_json, {"kind": kind, "scopes": wanted, "token": token}, token)
        return
    if member is not None:
        token = clone.user_token(member)
        output.result(as_json, {"user": member, "token": token}, token)
        return
    tokens = clone.tokens
    if as_json:
        output.print_json(
            {
                "bot": tokens.bot,
                "user": tokens.user,
                "app": tokens.app,
                "signing_secret": tokens.signing_secret,
            }
        )
    else:
        output.line(f"bot:  {tokens.bot or '-'}")
        output.line(f"user: {tokens.user or '-'}")
        output.line(f"app:  {tokens.app or '-'}")
        output.line(f"signing secret: {tokens.signing_secret or '-'}")


def _switch_command(name: str, act: Callable[[Clone], None], done: str, help: str) -> click.Command:
    """``stop`` or ``start``: ``act`` on the clone, then show it (``--json``) or ``done``."""

    @click.command(name, help=help)
    @id_argument
    @json_option
    def command(clone_id: str, as_json: bool) -> None:
        clone = Clone.get(clone_id)
        act(clone)
        output.result(as_json, clone.to_json(), done.format(clone=clone))

    return command


class _Notes(logging.Handler):
    """Keeps the warnings logged while a command runs, to print them as its own lines."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _start(clone: Clone) -> None:
    """Start the clone; warnings logged meanwhile (e.g. a saved events URL that no longer
    answers) are printed as lines of their own (log records stay off stderr in the CLI)."""
    notes = _Notes()
    logging.getLogger("asymkit.build").addHandler(notes)
    try:
        clone.start()
    finally:
        logging.getLogger("asymkit.build").removeHandler(notes)
    for note in notes.lines:
        output.warn(f"  ! {note}")


stop_command = _switch_command(
    "stop", Clone.stop, "✓ stopped {clone.id}", "Stop a clone's app (the database stays)."
)
start_command = _switch_command(
    "start",
    _start,
    "✓ started {clone.id}  {clone.api_url}",
    "Start a stopped or dead clone again.",
)


@click.command("destroy")
@id_argument
@json_option
def destroy_command(clone_id: str, as_json: bool) -> None:
    """Stop a clone, drop its database and forget it."""
    Clone.get(clone_id).destroy()
    output.result(as_json, {"id": clone_id, "destroyed": True}, f"✓ destroyed {clone_id}")


status_command = _status_command("status")
ls_command = _status_command("ls")
