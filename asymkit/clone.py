"""Clones and environments: spin, seed, reset, stop, start, destroy."""

from __future__ import annotations

import contextlib
import re
import secrets
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any

import attrs
import httpx

from . import aiseed, fixtures, http, manifest, postgres, process, registry, reset, snapshot
from .errors import (
    AsymkitError,
    CloneNotFound,
    CloneNotRunning,
    DatabaseUnavailable,
    EnvironmentNotFound,
    InvalidArgument,
    PortInUse,
    ProvisionFailed,
    choices,
)
from .manifest import Template
from .paths import home
from .registry import CloneRecord, EnvironmentRecord
from .seed import (
    AIReport,
    AISeed,
    Fixture,
    FixtureReport,
    ProgressFactory,
    ResetReport,
    SeedReport,
    SeedSpec,
)

DEFAULT_HOST = "127.0.0.1"
HEALTH_TIMEOUT = 30.0
_ENV_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")


@attrs.frozen
class Tokens:
    """The tokens provisioned at spin; they survive every seed and reset."""

    bot: str | None = None
    user: str | None = None


def _log_path(clone_id: str) -> Path:
    return home() / "logs" / f"{clone_id}.log"


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
        state = registry.read()
        if clone_id not in state.clones:
            raise CloneNotFound(
                f"No clone '{clone_id}'. {choices(clone_id, state.clones, 'clone')}"
                " See `asymkit status`."
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
        return Tokens(bot=self.record.tokens.get("bot"), user=self.record.tokens.get("user"))

    @property
    def seed_spec(self) -> SeedSpec:
        return SeedSpec.from_json(self.record.seed)

    @property
    def log_path(self) -> Path:
        return _log_path(self.id)

    @property
    def environment(self) -> str | None:
        for env in registry.read().environments.values():
            if self.id in env.clones:
                return env.name
        return None

    def status(self) -> str:
        """``running``, ``stopped`` (by the user) or ``dead`` (the process went away)."""
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
            "tokens": {"bot": self.tokens.bot, "user": self.tokens.user},
            "seed": self.seed_spec.to_json(),
            "env": self.environment,
        }

    def _api_path_or_default(self) -> str:
        try:
            return self.template.api_path
        except AsymkitError:
            return "/api/"

    # -- changing state -------------------------------------------------------

    def _server(self) -> postgres.Server:
        """The Postgres server holding this clone's database."""
        server = postgres.server()
        if server.identity != self.record.server:
            raise DatabaseUnavailable(
                f"{self.id} lives on the {self.record.server} Postgres server but asymkit is"
                f" pointed at {server.identity}; set ASYMKIT_DATABASE_URL to match."
            )
        return server

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the clone's lock, with ``record`` re-read: another process may have changed it."""
        with registry.clone_lock(self.id):
            current = registry.read().clones.get(self.id)
            if current is None:
                raise CloneNotFound(f"{self.id} was destroyed by another process.")
            self.record = current
            yield

    def _save(self, **changes: Any) -> None:
        with registry.transaction() as state:
            current = state.clones.get(self.id)
            if current is None:
                raise CloneNotFound(f"{self.id} was destroyed by another process.")
            self.record = attrs.evolve(current, **changes)
            state.clones[self.id] = self.record

    def _admin_post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            resp = http.client().post(
                self.url + path,
                json=body,
                headers={"Authorization": f"Bearer {self.record.admin_secret}"},
            )
        except httpx.TransportError as exc:
            raise CloneNotRunning(
                f"{self.id} does not answer at {self.url} ({type(exc).__name__});"
                f" run `asymkit start {self.id}`."
            ) from exc
        if resp.status_code >= 300:
            raise ProvisionFailed(
                f"{self.id} refused {path} with HTTP {resp.status_code}: {resp.text[:200]}"
            )
        data: dict[str, Any] = resp.json()
        return data

    def _provision(self, template: Template) -> None:
        """Install the clone's tokens in its database (fresh ones on first spin)."""
        if not template.provision:
            return
        data = self._admin_post(template.provision, {"tokens": self.record.tokens or None})
        if data["tokens"] != self.record.tokens:
            self._save(tokens=dict(data["tokens"]))

    def _after_rebuild(self, template: Template) -> None:
        """Put tokens back and make the app drop connections to the old database."""
        if not process.alive(self.record.pid, self.record.port):
            return  # `start` provisions when the app comes back
        self._provision(template)
        if template.drain:
            self._admin_post(template.drain, {})

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
        name = _fixture_name(fixture)
        if name is None and ai is None:
            raise InvalidArgument("Nothing to seed. Pass --fixture <name> and/or --ai.")
        template = self.template
        path = fixtures.find(template, name) if name else None
        # The cassette is checked (or generated) before the clone is touched.
        prepared = aiseed.prepare(template, ai) if ai is not None else None
        return self._seed(template, name, path, prepared, progress=progress)

    def _seed(
        self,
        template: Template,
        name: str | None,
        path: Path | None,
        prepared: aiseed.Prepared | str | None,
        *,
        progress: ProgressFactory | None,
    ) -> SeedReport:
        started = time.perf_counter()
        fixture_report = None
        ai_report: AIReport | None = None
        notes: tuple[str, ...] = (prepared,) if isinstance(prepared, str) else ()
        with self._locked():
            spec = self.seed_spec
            if not reset.repair(self._server(), self.database) and path is None:
                raise DatabaseUnavailable(
                    f"{self.id}'s database was lost by an interrupted reset;"
                    f" run `asymkit reset {self.id}` first."
                )
            if path is not None and name is not None:
                rows = reset.build(self._server(), template, self.database, path)
                spec = SeedSpec(fixture=name)
                self._save(seed=spec.to_json())
                self._after_rebuild(template)
                fixture_report = FixtureReport(name, rows)
            if isinstance(prepared, aiseed.Prepared):
                base_empty = spec == SeedSpec()
                ai_report, layer = aiseed.apply(
                    self, template, prepared, verify=base_empty, progress=progress
                )
                spec = attrs.evolve(spec, ai=(*spec.ai, layer))
                self._save(seed=spec.to_json())
            if fixture_report is not None or ai_report is not None:
                self._snapshot(template, spec)
        report = SeedReport(
            self.id,
            fixture=fixture_report,
            ai=ai_report,
            notes=notes,
            seconds=time.perf_counter() - started,
        )
        self.last_report = report
        return report

    def reset(
        self, *, progress: ProgressFactory | None = None, strategy: str = "auto"
    ) -> ResetReport:
        """Bring the clone back to exactly its last seed.

        ``auto`` restores the snapshot taken right after the seed when it is
        still valid (milliseconds; connections stay open), else rebuilds:
        drop, migrate, fixture, replay AI layers from their cassettes (never
        calling the model) and takes a fresh snapshot. ``rebuild`` forces the
        full path.
        """
        if strategy not in ("auto", "rebuild"):
            raise InvalidArgument(f"Unknown reset strategy '{strategy}': use auto or rebuild.")
        template = self.template
        started = time.perf_counter()
        with self._locked():
            spec = self.seed_spec
            path = fixtures.find(template, spec.fixture) if spec.fixture else None
            server = self._server()
            if strategy == "auto":
                source = snapshot.source_digest(template, spec, path)
                try:
                    restored = snapshot.restore(server, self.database, source)
                except DatabaseUnavailable:
                    restored = None  # left closed or half-dropped by a killed reset: rebuild
                if restored is not None:
                    return ResetReport(
                        self.id, spec, restored, time.perf_counter() - started, strategy="snapshot"
                    )
            reset.repair(server, self.database)
            layers = [aiseed.load_layer(layer) for layer in spec.ai]
            rows = reset.build(server, template, self.database, path)
            self._after_rebuild(template)
            written = sum(aiseed.replay(self, c, progress=progress).total_written for c in layers)
            self._snapshot(template, spec)
        return ResetReport(self.id, spec, rows, time.perf_counter() - started, ai_written=written)

    def _snapshot(self, template: Template, spec: SeedSpec) -> None:
        """Capture the seeded state for fast resets, once the app has installed its tokens."""
        if not process.alive(self.record.pid, self.record.port):
            return  # tokens are not in the database yet: the next reset rebuilds
        path = fixtures.find(template, spec.fixture) if spec.fixture else None
        source = snapshot.source_digest(template, spec, path)
        snapshot.capture(self._server(), self.database, source)

    def start(self, *, health_timeout: float = HEALTH_TIMEOUT) -> None:
        """Start the app again (same port if free) and re-install its tokens."""
        if self.status() == "running":
            return
        template = self.template
        with self._locked():
            port = self.port
            if not process.port_is_free(self.record.host, port):
                port = process.free_port(self.record.host)
            server = self._server()
            pid = process.start(
                template,
                host=self.record.host,
                port=port,
                env=_app_env(server, self.database, self.record.admin_secret),
                log=self.log_path,
            )
            self._save(pid=pid, port=port)
            try:
                process.wait_healthy(
                    self.url + template.health,
                    pid=pid,
                    port=port,
                    timeout=health_timeout,
                    clone_id=self.id,
                    log=self.log_path,
                )
                self._provision(template)
            except BaseException:
                process.stop(pid, port)
                self._save(pid=None)
                raise

    def stop(self) -> None:
        with self._locked():
            process.stop(self.record.pid, self.record.port)
            self._save(pid=None)

    def destroy(self) -> None:
        """Stop the app, drop the database, forget the clone. Safe to repeat."""
        if self.id not in registry.read().clones:
            return
        with self._locked():
            process.stop(self.record.pid, self.record.port)
            reset.drop(self._server(), self.database)
            _forget(self.id)
            with contextlib.suppress(FileNotFoundError):
                self.log_path.unlink()

    def __enter__(self) -> Clone:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.destroy()


def _forget(clone_id: str) -> None:
    """Remove a clone from the registry and from its environment."""
    with registry.transaction() as state:
        state.clones.pop(clone_id, None)
        for name, env in list(state.environments.items()):
            if clone_id in env.clones:
                state.environments[name] = attrs.evolve(
                    env, clones=tuple(c for c in env.clones if c != clone_id)
                )


def _app_env(server: postgres.Server, database: str, admin_secret: str) -> dict[str, str]:
    return {"CLONE_DATABASE_URL": server.dsn(database), "CLONE_ADMIN_SECRET": admin_secret}


def _new_id(template: str, taken: dict[str, Any]) -> str:
    while True:
        clone_id = f"{template}-{secrets.token_hex(2)}"
        if clone_id not in taken:
            return clone_id


def spin(
    template: str = "slack",
    *,
    seed: Fixture | str | None = None,
    ai: AISeed | None = None,
    env: str | None = None,
    port: int | None = None,
    host: str = DEFAULT_HOST,
    health_timeout: float = HEALTH_TIMEOUT,
    progress: ProgressFactory | None = None,
) -> Clone:
    """Create a database, migrate, seed, start the app, provision tokens; return the clone.

    ``seed`` is a fixture; ``ai`` layers an AI dataset on top once the app runs.
    ``clone.last_report`` tells what was written. Use as a context manager to
    destroy the clone on exit.
    """
    tmpl = manifest.find(template)
    fixture_name = _fixture_name(seed)
    fixture_path = fixtures.find(tmpl, fixture_name) if fixture_name else None
    if env is not None:
        _check_env_name(env)
    if port is not None and not process.port_is_free(host, port):
        raise PortInUse(f"Port {port} on {host} is taken; pass another --port or leave it out.")
    started = time.perf_counter()
    # A bad cassette fails here, before anything exists; generation happens here too.
    prepared = aiseed.prepare(tmpl, ai) if ai is not None else None
    server = postgres.server()
    with server.admin():
        pass  # fail fast, before anything is recorded, if the server is unreachable
    with registry.transaction() as state:
        # Reserve the id (and the env membership) before doing any work.
        clone_id = _new_id(tmpl.name, state.clones)
        record = CloneRecord(
            id=clone_id,
            template=tmpl.name,
            database=tmpl.database_for(clone_id),
            host=host,
            port=port or process.free_port(host),
            admin_secret=secrets.token_urlsafe(24),
            created=time.time(),
            seed=SeedSpec(fixture=fixture_name).to_json(),
            server=server.identity,
        )
        state.clones[clone_id] = record
        if env is not None:
            current = state.environments.get(env, EnvironmentRecord(name=env))
            state.environments[env] = attrs.evolve(current, clones=(*current.clones, clone_id))
    clone = Clone(record)
    try:
        rows = reset.build(server, tmpl, record.database, fixture_path)
        clone.start(health_timeout=health_timeout)
    except BaseException:
        with contextlib.suppress(Exception):
            clone.destroy()
        _forget(clone_id)
        raise
    fixture_report = FixtureReport(fixture_name, rows) if fixture_name else None
    clone._snapshot(tmpl, clone.seed_spec)
    ai_report: AIReport | None = None
    notes: tuple[str, ...] = (prepared,) if isinstance(prepared, str) else ()
    if isinstance(prepared, aiseed.Prepared):
        try:
            ai_report = clone._seed(tmpl, None, None, prepared, progress=progress).ai
        except BaseException:
            clone.destroy()
            raise
    clone.last_report = SeedReport(
        clone_id,
        fixture=fixture_report,
        ai=ai_report,
        notes=notes,
        seconds=time.perf_counter() - started,
    )
    return clone


def _check_env_name(name: str) -> None:
    if not _ENV_NAME.match(name):
        raise InvalidArgument(
            f"'{name}' is not a valid environment name: use lowercase letters, digits, '-', '_'."
        )


@attrs.frozen
class MemberResult:
    clone_id: str
    ok: bool
    seconds: float
    error: str | None = None
    report: ResetReport | None = None


@attrs.frozen
class EnvironmentResetReport:
    name: str
    results: tuple[MemberResult, ...]
    seconds: float

    @property
    def state(self) -> str:
        return "ok" if all(r.ok for r in self.results) else "partial"

    def to_json(self) -> dict[str, Any]:
        return {
            "env": self.name,
            "state": self.state,
            "seconds": round(self.seconds, 4),
            "clones": [
                {"id": r.clone_id, "ok": r.ok, "seconds": round(r.seconds, 4), "error": r.error}
                for r in self.results
            ],
        }


@attrs.define
class Environment:
    """A named group of clones, reset or destroyed together."""

    name: str

    @classmethod
    def create(cls, name: str) -> Environment:
        _check_env_name(name)
        with registry.transaction() as state:
            state.environments.setdefault(name, EnvironmentRecord(name=name))
        return cls(name)

    @classmethod
    def get(cls, name: str) -> Environment:
        cls._record(name)
        return cls(name)

    @classmethod
    def all(cls) -> list[Environment]:
        return [cls(n) for n in sorted(registry.read().environments)]

    @staticmethod
    def _record(name: str) -> EnvironmentRecord:
        envs = registry.read().environments
        if name not in envs:
            raise EnvironmentNotFound(
                f"No environment '{name}'. {choices(name, envs, 'environment')}"
            )
        return envs[name]

    @property
    def clones(self) -> list[Clone]:
        return [Clone.get(c) for c in self._record(self.name).clones]

    @property
    def state(self) -> str:
        return self._record(self.name).state

    def to_json(self) -> dict[str, Any]:
        record = self._record(self.name)
        return {"name": self.name, "state": record.state, "clones": list(record.clones)}

    def _each(
        self,
        action: Callable[[Clone], object],
        workers: int,
        progress: Callable[[int], None] | None = None,
    ) -> list[MemberResult]:
        """Run ``action`` on every member, a few at once; collect each outcome."""
        ids = self._record(self.name).clones

        def run(clone_id: str) -> MemberResult:
            started = time.perf_counter()
            try:
                outcome = action(Clone.get(clone_id))
            except AsymkitError as exc:
                return MemberResult(clone_id, False, time.perf_counter() - started, str(exc))
            finally:
                if progress is not None:
                    progress(1)
            report = outcome if isinstance(outcome, ResetReport) else None
            return MemberResult(clone_id, True, time.perf_counter() - started, report=report)

        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(ids) or 1))) as pool:
            return list(pool.map(run, ids))

    def spin(
        self,
        template: str = "slack",
        *,
        count: int = 1,
        seed: Fixture | str | None = None,
        ai: AISeed | None = None,
        workers: int = 4,
    ) -> tuple[list[Clone], list[str]]:
        """Spin ``count`` clones into this environment, a few at once.

        Returns the clones that came up and the errors of those that did not.
        """
        if count < 1:
            raise InvalidArgument("--count must be at least 1.")

        def one(_: int) -> Clone | str:
            try:
                return spin(template, seed=seed, ai=ai, env=self.name)
            except AsymkitError as exc:
                return str(exc)

        with ThreadPoolExecutor(max_workers=max(1, min(workers, count))) as pool:
            outcomes = list(pool.map(one, range(count)))
        return (
            [o for o in outcomes if isinstance(o, Clone)],
            [o for o in outcomes if isinstance(o, str)],
        )

    def reset(
        self, *, workers: int = 4, progress: Callable[[int], None] | None = None
    ) -> EnvironmentResetReport:
        """Reset every member, a few at once; one failure does not stop the others."""
        started = time.perf_counter()
        results = tuple(self._each(Clone.reset, workers, progress))
        report = EnvironmentResetReport(self.name, results, time.perf_counter() - started)
        with registry.transaction() as state:
            env = state.environments.get(self.name)
            if env is not None:
                state.environments[self.name] = attrs.evolve(env, state=report.state)
        return report

    def destroy(self, *, workers: int = 4) -> list[MemberResult]:
        """Destroy every member, then the environment (kept if a member could not go)."""
        results = self._each(Clone.destroy, workers)
        with registry.transaction() as state:
            if all(r.ok for r in results):
                state.environments.pop(self.name, None)
        return results
