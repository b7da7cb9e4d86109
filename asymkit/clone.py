"""Clone: a handle on one running (or stopped) instance of a template.

The handle knows where the clone is (ids, URLs, tokens, status) and holds its
lock; the work is done elsewhere — ``build`` (database, app, tokens),
``seeding`` (fixture and AI layers), ``reset`` (snapshot or rebuild) — on a
plain ``Target`` describing the clone.
"""
# long module: the handle's verbs each stay a few lines that delegate; splitting the
# class would scatter the one object users hold.

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import attrs

from . import admin, manifest, paths, process, registry
from .errors import (
    AsymkitError,
    CloneNotFound,
    CloneNotRunning,
    DatabaseUnavailable,
    InvalidArgument,
    PortInUse,
    choices,
    expect,
)
from .manifest import Template
from .registry import CloneRecord
from .seed import (
    AISeed,
    Fixture,
    FixtureReport,
    ProgressFactory,
    ResetReport,
    SeedReport,
    SeedSpec,
)

# The verbs' machinery (build, seeding, reset, diff, events: psycopg, httpx, msgpack, the
# seeders) loads in the verb that uses it, so that a handle costs little: `asymkit status`
# reads the registry and checks processes, and a reset loads no HTTP or seeding code.
if TYPE_CHECKING:
    from . import postgres, seeding
    from .calls import Calls
    from .diff import Diff
    from .events import Events
    from .snapshot import Info as SnapshotInfo
    from .target import Target


@attrs.frozen
class Tokens:
    """The tokens provisioned at spin; they survive every seed and reset."""

    bot: str | None = None
    user: str | None = None
    app: str | None = None  # xapp-: Socket Mode (apps.connections.open)
    signing_secret: str | None = attrs.field(default=None, repr=False)  # Events API over HTTP


def _fixture_name(seed: Fixture | str | None) -> str | None:
    if seed is None:
        return None
    return seed.name if isinstance(seed, Fixture) else seed


@attrs.define
class Clone:
    """A running (or stopped) instance of a template, as the registry knows it."""

    record: CloneRecord
    last_report: SeedReport | None = None

    # -- lookup ---------------------------------------------------------------

    @classmethod
    def get(cls, clone_id: str) -> Clone:
        expect(clone_id, str, "Clone.get()'s clone id")
        state = registry.read()
        if clone_id not in state.clones:
            raise CloneNotFound(
                f"No clone '{clone_id}' in {paths.described()}."
                f" {choices(clone_id, state.clones, 'clone')} See `asymkit status`."
            )
        return cls(state.clones[clone_id])

    @classmethod
    def all(cls) -> list[Clone]:
        return [cls(r) for r in registry.read().clones.values()]

    # -- what users read ------------------------------------------------------

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def template(self) -> Template:
        return manifest.find(self.record.template)

    @property
    def url(self) -> str:
        return f"http://{self.record.host}:{self.record.port}"

    @property
    def api_url(self) -> str:
        """Base URL for API clients, e.g. ``slack_sdk.WebClient(base_url=clone.api_url)``."""
        return self.url + self.template.api_path

    @property
    def database(self) -> str:
        return self.record.database

    @property
    def port(self) -> int:
        return self.record.port

    @property
    def tokens(self) -> Tokens:
        get = self.record.tokens.get
        return Tokens(
            bot=get("bot"), user=get("user"), app=get("app"), signing_secret=get("signing_secret")
        )

    def user_token(self, who: str) -> str:
        """An ``xoxp-`` token acting as member ``who`` (``"@maya"`` or ``"U…"``).

        Coworkers in a test: what they post, react or mention raises events like
        any write. The token is derived from the member, so it survives resets.
        """
        from .events import user_token

        return user_token(self, who)

    def scoped_token(self, scopes: list[str], *, kind: str = "bot") -> str:
        """A new bot (or user) token holding exactly ``scopes`` (e.g. to see ``missing_scope``)."""
        from .events import scoped_token

        return scoped_token(self, scopes, kind=kind)

    @property
    def events(self) -> Events:
        """Its events: ``subscribe(url)``, ``types(...)``, ``recorded()``, ``stream()``."""
        from .events import Events

        return Events(self)

    @property
    def seed_spec(self) -> SeedSpec:
        return SeedSpec.from_json(self.record.seed)

    @property
    def log_path(self) -> Path:
        from . import build

        return build.log_path(self.id)

    @property
    def environment(self) -> str | None:
        for env in registry.read().environments.values():
            if self.id in env.clones:
                return env.name
        return None

    def status(self) -> str:
        """``running``; ``stopped`` (by the user); ``dead`` (the app went away: ``start``);
        ``building`` (a spin or rebuild is under way); ``broken`` (one was interrupted:
        ``reset`` repairs it, ``destroy`` removes it)."""
        if self.record.builder is not None:
            return "building" if process.running(self.record.builder) else "broken"
        if self.record.pid is None:
            return "stopped"
        return "running" if process.alive(self.record.pid, self.record.port) else "dead"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "template": self.record.template,
            "status": self.status(),
            "url": self.url,
            "api_url": self.url + self._api_path_or_default(),
            "database": self.database,
            "port": self.port,
            "pid": self.record.pid,
            "tokens": {"bot": self.tokens.bot, "user": self.tokens.user, "app": self.tokens.app},
            "seed": self.seed_spec.to_json(),
            "env": self.environment,
        }

    def _api_path_or_default(self) -> str:
        try:
            return self.template.api_path
        except AsymkitError:
            return "/api/"

    # -- plumbing -------------------------------------------------------------

    def _server(self) -> postgres.Server:
        """The Postgres server holding this clone's database."""
        from . import postgres

        server = postgres.server()
        if server.identity != self.record.server:
            raise DatabaseUnavailable(
                f"{self.id} lives on the {self.record.server} Postgres server but asymkit is"
                f" pointed at {server.identity}; set ASYMKIT_DATABASE_URL to match."
            )
        return server

    def target(self, template: Template | None = None) -> Target:
        """This clone as plain values (URLs, database, admin secret) for seeding and builds."""
        from .target import Target

        template = template or self.template
        return Target(
            id=self.id,
            template=template,
            url=self.url,
            server=self._server(),
            database=self.database,
            admin_secret=self.record.admin_secret,
            tokens=dict(self.record.tokens),
            running=process.alive(self.record.pid, self.record.port),
            role=self.record.db_role,
        )

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the clone's lock, with ``record`` re-read: another process may have changed it."""
        with registry.clone_lock(self.id):
            current = registry.read().clones.get(self.id)
            if current is None:
                raise CloneNotFound(f"{self.id} was destroyed by another process.")
            self.record = current
            yield

    def _record_seed(self, spec: SeedSpec) -> None:
        self.record = registry.save_clone(self.id, seed=spec.to_json())

    # -- verbs ----------------------------------------------------------------

    def seed(
        self,
        fixture: Fixture | str | None = None,
        *,
        ai: AISeed | None = None,
        progress: ProgressFactory | None = None,
    ) -> SeedReport:
        """Apply a fixture and/or an AI dataset; ``reset`` restores the result.

        A fixture replaces the clone's state with migrations + fixture (built in a
        staging database: on failure nothing changes). An AI seed is layered on
        top, through the clone's REST API.
        """
        from . import fixtures, seeding

        expect(fixture, (Fixture, str, type(None)), "seed()'s fixture")
        expect(ai, (AISeed, type(None)), "seed()'s ai")
        name = _fixture_name(fixture)
        if name is None and ai is None:
            raise InvalidArgument("Nothing to seed. Pass --fixture <name> and/or --ai.")
        template = self.template
        if name is not None:
            fixtures.find(template, name)  # a wrong name fails before any work
        # The cassette is checked (or generated) before the clone is touched.
        prepared = seeding.prepare(template, ai) if ai is not None else None
        return self._apply(template, name, prepared, progress=progress)

    def _apply(
        self,
        template: Template,
        fixture: str | None,
        prepared: seeding.Prepared | str | None,
        *,
        progress: ProgressFactory | None,
    ) -> SeedReport:
        from . import seeding

        with self._locked():
            report = seeding.apply(
                self.target(template),
                self.seed_spec,
                fixture=fixture,
                prepared=prepared,
                record=self._record_seed,
                progress=progress,
            )
        self.last_report = report
        return report

    def reset(
        self,
        *,
        to: str | None = None,
        progress: ProgressFactory | None = None,
        strategy: str = "auto",
    ) -> ResetReport:
        """Bring the clone back to exactly its last seed, or to snapshot ``to``.

        ``auto`` restores the seed's snapshot when valid, else rebuilds;
        ``rebuild`` always takes the full path (see ``asymkit.reset``).
        """
        from . import reset, snapshot

        expect(to, (str, type(None)), "reset()'s to")
        expect(strategy, str, "reset()'s strategy")
        reset.check_strategy(strategy)
        template = self.template
        with self._locked():
            target = self.target(template)
            # Calls the app still holds in memory belong to the run being undone: dropped
            # now (else they would be written after the restore, as if made since).
            admin.flush_calls(target, discard=True)
            if to is not None and to != snapshot.SEED:
                return reset.reset_to(target, snapshot.check_name(to))
            broken = self.status() == "broken"
            if broken and not (self.record.tokens and process.alive(self.record.pid, self.port)):
                # Killed before its app ran with tokens: build and start it afresh.
                from . import build

                self.record = build.restart(self.record, template, self._server())
                target = self.target(template)
            seed = self.seed_spec
            report = reset.reset(
                target, seed, strategy=strategy, progress=progress, building=self._building
            )
            if broken and self.record.builder is not None:
                self._building(False)
            return report

    def _building(self, busy: bool) -> None:
        """Mark (or clear) a rebuild under way, so that a killed one shows as ``broken``."""
        self.record = registry.save_clone(self.id, builder=os.getpid() if busy else None)

    def snapshot(self, name: str) -> None:
        """Save the clone's current state as ``name``; ``reset(to=name)`` restores it."""
        from . import snapshot

        snapshot.check_name(name)
        if name == snapshot.SEED:
            raise InvalidArgument("'seed' names the last seed's state; pick another name.")
        with self._locked():
            admin.flush_calls(self.target())  # the calls so far belong to the state captured
            snapshot.capture(self._server(), self.database, name, clone=self.id)

    def snapshots(self) -> list[SnapshotInfo]:
        """The clone's named snapshots, oldest first."""
        from . import snapshot

        return snapshot.names(self._server(), self.database)

    def drop_snapshot(self, name: str) -> None:
        """Delete named snapshot ``name`` (not ``seed``: every reset restores that one)."""
        from . import snapshot

        with self._locked():
            snapshot.drop(self._server(), self.database, snapshot.check_name(name))

    def diff(self, since: str | None = None) -> Diff:
        """What changed since the last seed (default) or since snapshot ``since``."""
        from . import diff, snapshot

        name = snapshot.check_name(since) if since else snapshot.SEED
        return diff.compute(self.target(), name)

    @property
    def view_url(self) -> str:
        """The review page's address (a server in this process, started on first use)."""
        from .review import server  # the page's code loads only when asked for

        return f"{server.shared()}/{self.id}"

    def calls(self, since: str | None = None) -> Calls:
        """The API calls it served since the last seed (default) or snapshot ``since``."""
        from . import calls as call_log
        from . import snapshot

        expect(since, (str, type(None)), "calls()'s since")
        return call_log.read(self.target(), snapshot.check_name(since) if since else None)

    def start(self, *, health_timeout: float = process.HEALTH_TIMEOUT) -> None:
        """Start the app again (same port if free) and re-install its tokens."""
        from . import build

        status = self.status()
        if status == "running":
            return
        if status in ("broken", "building"):
            raise CloneNotRunning(
                f"{self.id} was interrupted while being built; run `asymkit reset {self.id}`"
                f" to repair it, or `asymkit destroy {self.id}`."
            )
        template = self.template
        with self._locked():
            self.record = build.start_app(
                self.record, template, self._server(), health_timeout=health_timeout
            )

    def stop(self) -> None:
        with self._locked():
            process.stop(self.record.pid, self.record.port)
            self.record = registry.save_clone(self.id, pid=None)

    def destroy(self) -> None:
        """Stop the app, drop the database, forget the clone. Safe to repeat."""
        from . import build

        if self.id not in registry.read().clones:
            return
        with self._locked():
            build.remove(self.record, self._server())
            registry.remove_clone_lock(self.id)

    def __enter__(self) -> Clone:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.destroy()


def spin(
    template: str = "slack",
    *,
    seed: Fixture | str | None = None,
    ai: AISeed | None = None,
    env: str | None = None,
    port: int | None = None,
    host: str = process.DEFAULT_HOST,
    health_timeout: float = process.HEALTH_TIMEOUT,
    progress: ProgressFactory | None = None,
    rate_limits: bool = False,
) -> Clone:
    """Create a database, migrate, seed, start the app, provision tokens; return the clone.

    ``seed`` is a fixture; ``ai`` layers an AI dataset on top once the app runs;
    ``rate_limits`` makes the app enforce the product's rate limits (off by default).
    ``clone.last_report`` tells what was written. Use as a context manager to
    destroy the clone on exit.
    """
    from . import build, fixtures, postgres, seeding, snapshot

    expect(template, str, "spin()'s template")
    expect(seed, (Fixture, str, type(None)), "spin()'s seed")
    expect(ai, (AISeed, type(None)), "spin()'s ai")
    expect(env, (str, type(None)), "spin()'s env")
    expect(port, (int, type(None)), "spin()'s port")
    expect(host, str, "spin()'s host")
    if port is not None and not 1 <= port <= 65535:
        raise InvalidArgument(f"spin()'s port must be between 1 and 65535, not {port}.")
    started = time.perf_counter()
    tmpl = manifest.find(template)
    fixture_name = _fixture_name(seed)
    fixture = (fixture_name, fixtures.find(tmpl, fixture_name)) if fixture_name else None
    if env is not None:
        registry.check_env_name(env)
    if port is not None and not process.port_is_free(host, port):
        raise PortInUse(f"Port {port} on {host} is taken; pass another --port or leave it out.")
    # A bad cassette fails here, before anything exists; generation happens here too.
    prepared = seeding.prepare(tmpl, ai) if ai is not None else None
    server = postgres.server()
    with server.admin():
        pass  # fail fast, before anything is recorded, if the server is unreachable
    record, rows = build.create(
        tmpl,
        server,
        fixture=fixture,
        env=env,
        port=port,
        host=host,
        health_timeout=health_timeout,
        rate_limits=rate_limits,
    )
    clone = Clone(record)
    snapshot.take(clone.target(tmpl), clone.seed_spec)
    report = SeedReport(record.id, fixture=FixtureReport(fixture[0], rows) if fixture else None)
    if prepared is not None:
        try:
            ai_report = clone._apply(tmpl, None, prepared, progress=progress)
        except BaseException:
            clone.destroy()
            raise
        report = attrs.evolve(report, ai=ai_report.ai, notes=ai_report.notes)
    clone.last_report = attrs.evolve(report, seconds=time.perf_counter() - started)
    return clone
