"""The ``asymkit`` command line: parse, call the public API, print.

Named errors print one line on stderr and exit 1; a usage error exits 2, as
does an unexpected bug (with a traceback only when ``ASYMKIT_DEBUG`` is set).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import cassette as cs
from . import dataset, fixtures, manifest, postgres
from ._version import __version__
from .cassette import RECORD_MODES
from .clone import Clone, Environment, spin
from .errors import AsymkitError, CassetteInvalid, EnvironmentPartial, InvalidArgument
from .progress import Bar
from .seed import AISeed

Handler = Callable[[argparse.Namespace], int]


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=True))


def _spin_many(args: argparse.Namespace) -> int:
    if not args.env:
        raise InvalidArgument("--count needs --env NAME: several clones live in an environment.")
    env = Environment.create(args.env)
    clones, errors = env.spin(
        args.template, count=args.count, seed=args.seed, ai=_ai_seed(args), workers=args.workers
    )
    if args.json:
        _print_json({"env": args.env, "clones": [c.to_json() for c in clones], "errors": errors})
    else:
        for clone in clones:
            print(f"✓ spun {clone.id}  {clone.api_url}")
        print(
            f"  environment: {args.env} ({len(clones)} new clones; `asymkit tokens <id>`"
            " shows their tokens)"
        )
    for error in errors:
        print(f"  ! {error}", file=sys.stderr)
    if errors:
        raise EnvironmentPartial(f"{len(errors)} of {args.count} clones did not start; see above.")
    return 0


def _spin(args: argparse.Namespace) -> int:
    if args.count != 1:
        return _spin_many(args)
    clone = spin(
        args.template,
        seed=args.seed,
        ai=_ai_seed(args),
        env=args.env,
        port=args.port,
        host=args.host,
        progress=True,
    )
    if args.json:
        report_json = clone.last_report.to_json() if clone.last_report else {}
        _print_json({**report_json, **clone.to_json()})
        return 0
    print(f"✓ spun {clone.id}  {clone.api_url}")
    report = clone.last_report
    if report is not None and (report.fixture or report.ai):
        print(report.summary())
    elif report is not None:
        for note in report.notes:
            print(f"  ! {note}")
    tokens = clone.tokens
    if tokens.bot:
        print(f"  bot token:   {tokens.bot}")
    if tokens.user:
        print(f"  user token:  {tokens.user}")
    print(f"  database:    {clone.database}")
    if args.env:
        print(f"  environment: {args.env}")
    return 0


def _ai_seed(args: argparse.Namespace) -> AISeed | None:
    counts = {"users": args.users, "channels": args.channels, "messages": args.messages}
    wants_ai = args.ai or args.cassette or args.brief or args.volume or any(counts.values())
    if not wants_ai:
        return None
    return AISeed(
        brief=args.brief,
        volume=args.volume,
        cassette=args.cassette,
        record_mode=args.record_mode,
        **counts,
    )


def _seed(args: argparse.Namespace) -> int:
    clone = Clone.get(args.id)
    report = clone.seed(args.fixture, ai=_ai_seed(args), progress=True)
    if args.json:
        _print_json(report.to_json())
    else:
        print(report.summary())
    return 0


def _reset(args: argparse.Namespace) -> int:
    strategy = "rebuild" if args.rebuild else "auto"
    report = Clone.get(args.id).reset(progress=True, strategy=strategy)
    if args.json:
        _print_json(report.to_json())
    else:
        print(report.summary())
    return 0


def _status(args: argparse.Namespace) -> int:
    if getattr(args, "templates", False):
        return _templates(args)
    clones = Clone.all()
    if args.json:
        _print_json([c.to_json() for c in clones])
        return 0
    if not clones:
        print("No clones. Start one with `asymkit spin slack --seed acme-corp`.")
        return 0
    rows = [("ID", "TEMPLATE", "STATUS", "URL", "SEED", "ENV")]
    for c in sorted(clones, key=lambda c: c.id):
        rows.append(
            (
                c.id,
                c.record.template,
                c.status(),
                c.url,
                c.seed_spec.describe(),
                c.environment or "-",
            )
        )
    _table(rows)
    return 0


def _table(rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def _templates(args: argparse.Namespace) -> int:
    found = sorted(manifest.discover().values(), key=lambda t: t.name)
    data = [
        {
            "name": t.name,
            "path": str(t.root),
            "fixtures": sorted(fixtures.available(t)),
            "ai": t.supports_ai,
            "description": t.description,
        }
        for t in found
    ]
    if args.json:
        _print_json(data)
        return 0
    rows = [("TEMPLATE", "FIXTURES", "AI", "PATH")]
    rows += [
        (
            t.name,
            ", ".join(sorted(fixtures.available(t))) or "-",
            "yes" if t.supports_ai else "no",
            str(t.root),
        )
        for t in found
    ]
    _table(rows)
    return 0


def _logs(args: argparse.Namespace) -> int:
    clone = Clone.get(args.id)
    try:
        lines = clone.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        lines = []
    for line in lines[-args.lines :] if args.lines else lines:
        print(line)
    return 0


def _tokens(args: argparse.Namespace) -> int:
    tokens = Clone.get(args.id).tokens
    if args.json:
        _print_json({"bot": tokens.bot, "user": tokens.user})
    else:
        print(f"bot:  {tokens.bot or '-'}")
        print(f"user: {tokens.user or '-'}")
    return 0


def _stop(args: argparse.Namespace) -> int:
    Clone.get(args.id).stop()
    print(f"✓ stopped {args.id}")
    return 0


def _start(args: argparse.Namespace) -> int:
    clone = Clone.get(args.id)
    clone.start()
    print(f"✓ started {clone.id}  {clone.api_url}")
    return 0


def _destroy(args: argparse.Namespace) -> int:
    Clone.get(args.id).destroy()
    print(f"✓ destroyed {args.id}")
    return 0


def _env(args: argparse.Namespace) -> int:
    if args.env_command == "ls":
        envs = Environment.all()
        if args.json:
            _print_json([e.to_json() for e in envs])
        elif not envs:
            print("No environments. Create one with `asymkit spin slack --env NAME`.")
        else:
            _table(
                [("ENV", "STATE", "CLONES")]
                + [(e.name, e.state, " ".join(c.id for c in e.clones) or "-") for e in envs]
            )
        return 0
    if args.env_command == "create":
        Environment.create(args.name)
        print(f"✓ created environment {args.name}")
        return 0
    env = Environment.get(args.name)
    if args.env_command == "destroy":
        results = env.destroy()
        broken = [r for r in results if not r.ok]
        for r in broken:
            print(f"  ! {r.clone_id}: {r.error}", file=sys.stderr)
        if broken:
            raise EnvironmentPartial(
                f"{len(broken)} of {len(results)} clones of '{args.name}' could not be destroyed;"
                " the environment is kept, fix them and run `asymkit env destroy` again."
            )
        print(f"✓ destroyed environment {args.name} ({len(results)} clones)")
        return 0
    bar = Bar(f"resetting {args.name}", len(env.to_json()["clones"]))
    try:
        report = env.reset(workers=args.workers, progress=bar.advance)
    finally:
        bar.close()
    failed = sum(not r.ok for r in report.results)
    if args.json:
        _print_json(report.to_json())
    else:
        for r in report.results:
            detail = r.error if r.error else f"{r.seconds * 1000:.0f} ms"
            print(f"  {'!' if r.error else '✓'} {r.clone_id}  {detail}")
        print(
            f"{'!' if failed else '✓'} reset environment {args.name}:"
            f" {len(report.results) - failed}/{len(report.results)} clones"
            f" in {report.seconds:.2f} s"
        )
    if failed:
        raise EnvironmentPartial(
            f"Environment '{args.name}' is partial: {failed} clone(s) failed to reset;"
            f" fix them and run `asymkit env reset {args.name}` again."
        )
    return 0


def _cassette(args: argparse.Namespace) -> int:
    if args.cassette_command == "pack":
        try:
            raw = json.loads(Path(args.dataset).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CassetteInvalid(f"Cannot read dataset {args.dataset} ({exc}).") from exc
        data = dataset.from_json(raw)
        counts = data.counts()
        request = cs.Request(
            template="slack",
            brief=args.brief,
            volume=args.volume,
            users=counts["users"],
            channels=counts["channels"],
            messages=counts["messages"],
            model="none",
            prompt_version="none",
        )
        provenance = cs.Provenance(
            source=args.source, asymkit_version=__version__, created=cs.now_iso(), note=args.note
        )
        out = Path(args.output)
        cs.Cassette(request, provenance, data).save(out)
        print(
            f"✓ packed {out}  ({counts['users']} users · {counts['channels']} channels"
            f" · {counts['messages']} messages)"
        )
        return 0
    cassette = cs.load(Path(args.path))
    exported = cassette.to_json()
    if args.cassette_command == "export":
        _print_json(exported)
        return 0
    req, prov, counts = cassette.request, cassette.provenance, cassette.dataset.counts()
    print(f"cassette   {args.path}")
    print(
        f"request    template={req.template} volume={req.volume} model={req.model}"
        f" prompt={req.prompt_version}"
    )
    print(f"brief      {req.brief or '-'}")
    print(
        f"source     {prov.source}"
        + (f" ({prov.model})" if prov.model else "")
        + f", asymkit {prov.asymkit_version}, {prov.created}"
    )
    if prov.note:
        print(f"note       {prov.note}")
    print(
        f"dataset    {cassette.dataset.workspace.name}: {counts['users']} users ·"
        f" {counts['channels']} channels · {counts['messages']} messages"
    )
    print(f"digest     {exported['dataset_digest']}")
    print(f"replay     {cassette.replay_fingerprint or 'not yet recorded'}")
    for msg in exported["dataset"]["messages"][:3]:
        print(f"  #{msg.get('channel')} {msg.get('author')}: {str(msg.get('text'))[:70]}")
    return 0


def _server(args: argparse.Namespace) -> int:
    if args.server_command == "stop":
        stopped = postgres.stop_embedded()
        print(
            "✓ stopped the embedded postgres"
            if stopped
            else "The embedded postgres is not running."
        )
        return 0
    server = postgres.server()
    if args.json:
        _print_json({"url": server.redacted_url, "embedded": server.embedded})
    else:
        print(f"✓ {server.describe()}")
    return 0


def _add_ai_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ai", action="store_true", help="layer an AI-generated dataset on top")
    p.add_argument(
        "--brief", help="what the company is (default: a small, fast-moving software startup.)"
    )
    p.add_argument(
        "--volume",
        choices=("small", "medium", "large"),
        help="small 4/3/12, medium 6/4/20 (default), large 8/5/30 users/channels/messages",
    )
    for kind in ("users", "channels", "messages"):
        p.add_argument(f"--{kind}", type=int, metavar="N", help=f"explicit number of {kind}")
    p.add_argument(
        "--cassette",
        metavar="PATH",
        help="cassette to replay or record (default: under ./cassettes/)",
    )
    p.add_argument(
        "--record-mode",
        choices=RECORD_MODES,
        help="once (default; $ASYMKIT_RECORD_MODE), none (replay only), all (regenerate)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="asymkit",
        description="Put a running SaaS clone into a known starting state.",
    )
    parser.add_argument("--version", action="version", version=f"asymkit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        name: str, handler: Handler, help: str, json_flag: bool = False, **kw: Any
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help, **kw)
        p.set_defaults(handler=handler)
        if json_flag:
            p.add_argument("--json", action="store_true", help="print JSON for scripts")
        return p

    p = command("spin", _spin, "create, seed and start a clone of a template", json_flag=True)
    p.add_argument("template", help="template name, e.g. slack")
    p.add_argument("--seed", metavar="FIXTURE", help="fixture to apply, e.g. acme-corp")
    p.add_argument("--env", metavar="NAME", help="add the clone to this environment")
    p.add_argument("--port", type=int, help="port for the app (default: a free one)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--count", type=int, default=1, help="spin N clones into --env, a few at once")
    p.add_argument("--workers", type=int, default=4, help="clones spun at once with --count")
    _add_ai_options(p)

    p = command(
        "seed",
        _seed,
        "apply a fixture (replacing the state) and/or layer an AI dataset",
        json_flag=True,
    )
    p.add_argument("id")
    p.add_argument("--fixture", metavar="NAME", help="fixture to apply")
    _add_ai_options(p)

    p = command("reset", _reset, "bring a clone back to exactly its last seed", json_flag=True)
    p.add_argument("id")
    p.add_argument(
        "--rebuild", action="store_true", help="skip the snapshot: drop, migrate and re-seed"
    )

    for name in ("status", "ls"):
        p = command(name, _status, "list clones and whether they run", json_flag=True)
        p.add_argument("--templates", action="store_true", help="list templates instead")

    p = command("logs", _logs, "print a clone's app log")
    p.add_argument("id")
    p.add_argument("-n", "--lines", type=int, default=200, help="last N lines (0: all)")

    p = command("tokens", _tokens, "print a clone's API tokens", json_flag=True)
    p.add_argument("id")
    for name, handler, text in (
        ("stop", _stop, "stop a clone's app (the database stays)"),
        ("start", _start, "start a stopped or dead clone again"),
        ("destroy", _destroy, "stop a clone, drop its database and forget it"),
    ):
        command(name, handler, text).add_argument("id")

    p = command("env", _env, "manage environments (named groups of clones)")
    env_sub = p.add_subparsers(dest="env_command", required=True, metavar="ACTION")
    e = env_sub.add_parser("ls", help="list environments")
    e.add_argument("--json", action="store_true")
    for action, text in (
        ("create", "create an empty environment"),
        ("reset", "reset every clone of the environment"),
        ("destroy", "destroy every clone and the environment"),
    ):
        e = env_sub.add_parser(action, help=text)
        e.add_argument("name")
        if action == "reset":
            e.add_argument("--json", action="store_true")
            e.add_argument("--workers", type=int, default=4, help="clones reset at once")

    p = command("cassette", _cassette, "inspect or make cassettes")
    c = p.add_subparsers(dest="cassette_command", required=True, metavar="ACTION")
    c.add_parser("show", help="summary of a cassette").add_argument("path")
    c.add_parser("export", help="a cassette as JSON").add_argument("path")
    pack = c.add_parser("pack", help="turn a dataset JSON file into a cassette")
    pack.add_argument("dataset", help="dataset JSON (hand-written or exported)")
    pack.add_argument("-o", "--output", required=True, help="cassette path to write")
    pack.add_argument("--brief", default="", help="the brief the dataset answers")
    pack.add_argument("--volume", default="custom", help="volume name to record")
    pack.add_argument(
        "--source",
        default="hand-written",
        help="who made the dataset (provenance): hand-written, script, ...",
    )
    pack.add_argument("--note", default="", help="a provenance note")

    p = command("server", _server, "the Postgres server clones live on")
    s = p.add_subparsers(dest="server_command", required=True, metavar="ACTION")
    s.add_parser("status", help="start (if embedded) and describe the server").add_argument(
        "--json", action="store_true"
    )
    s.add_parser("stop", help="stop the embedded server")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
        return code
    except AsymkitError as exc:
        print(f"error: {exc.message} [{exc.code}]", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("ASYMKIT_DEBUG"):
            traceback.print_exc()
        print(
            f"internal error: {type(exc).__name__}: {exc} (a bug in asymkit; rerun with"
            " ASYMKIT_DEBUG=1 for a traceback and report it)",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
