"""Building a clone: its database, its app, its tokens — what spin and rebuild share.

A database is built from migrations plus an optional fixture. Every build
happens in a staging database (``<db>__next``) and is swapped in by rename
only once it fully succeeded, so a broken migration or fixture, or a crash
half-way, never touches the live database; the next build simply drops the
leftover staging database and starts again. A reset's rebuild also seeds
and snapshots the staging database before the swap, through a private app
(``private_app``), so no client writes into the new seed.
"""
# long module: the database, app and token steps of a build are used in several orders
# (spin, restart, rebuild through a private app); kept together they read as one story.

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import psycopg
import psycopg.sql

from . import faults, fixtures, homes, postgres, process, registry, sqlfile
from .admin import admin_post
from .errors import (
    DatabaseUnavailable,
    MigrationFailed,
    ProvisionFailed,
)
from .manifest import Template
from .paths import home
from .process import DEFAULT_HOST, HEALTH_TIMEOUT
from .registry import CloneRecord, EnvironmentRecord
from .seed import SeedSpec
from .target import Target

log = logging.getLogger(__name__)


def staging_name(database: str) -> str:
    return f"{database}__next"


def migrate(conn: psycopg.Connection[tuple[object, ...]], template: Template) -> None:
    for path in template.migration_files():
        sqlfile.run(conn, path, MigrationFailed, "migration")


def build_database(
    server: postgres.Server,
    template: Template,
    database: str,
    fixture: Path | None,
    role: tuple[str, str] | None = None,
) -> int:
    """Make ``database`` hold the migrated schema plus ``fixture``; return fixture rows.

    With ``role`` (name, password), that role owns the database and runs the
    migrations and the fixture: what they may do is what the clone's app may.
    """
    rows = build_staging(server, template, database, fixture, role)
    swap_in(server, database)
    return rows


def build_staging(
    server: postgres.Server,
    template: Template,
    database: str,
    fixture: Path | None,
    role: tuple[str, str] | None = None,
) -> int:
    """Build ``database``'s staging database (``staging_name``) from migrations and
    ``fixture``, leaving the live one alone; return fixture rows."""
    staging = staging_name(database)
    user, password = role if role else (None, None)
    with server.admin() as admin:
        homes.ours(admin, "database", database)  # NOT_OWNED before any work if not ours
        postgres.drop_database(admin, staging)
        postgres.create_database(admin, staging, owner=user)
    faults.point("build:staging-created")
    try:
        with postgres.connect(server.dsn(staging, user=user, password=password)) as conn:
            migrate(conn, template)
            faults.point("build:migrated")
            rows = fixtures.apply(conn, fixture) if fixture else 0
            conn.commit()
    except BaseException:
        with server.admin() as admin:
            postgres.drop_database(admin, staging)
        raise
    return rows


def retired_name(database: str) -> str:
    return f"{database}__old"


def swap_in(server: postgres.Server, database: str) -> None:
    """Replace ``database`` with its staging database, built by ``build_staging``.

    The live database is renamed away and the staging one renamed in before the old
    one is dropped: the app's requests wait only for two renames, not for a drop.
    """
    staging, retired = staging_name(database), retired_name(database)
    with server.admin() as admin:
        postgres.drop_database(admin, retired)  # left by a swap killed halfway
        postgres.end_connections(admin, staging)  # a private app's, ending as it stopped
        live = postgres.database_exists(admin, database)
        if live:
            postgres.close_connections(admin, database)
            faults.point("build:live-closed")
            postgres.rename_database(admin, database, retired)
            faults.point("build:live-dropped")
        postgres.rename_database(admin, staging, database)
        faults.point("build:swapped")
        if live:
            postgres.drop_database(admin, retired)


def drop(server: postgres.Server, database: str) -> None:
    with server.admin() as admin:
        for name in (database, staging_name(database), retired_name(database)):
            postgres.drop_database(admin, name)


def repair(server: postgres.Server, database: str) -> bool:
    """Undo what an interrupted build can leave; ``False`` if the database is gone.

    A build killed between refusing connections and the swap leaves the live
    database refusing them: allow them again (its content is then restored or
    rebuilt by the caller). One killed inside ``DROP DATABASE`` leaves it marked
    invalid (``datconnlimit = -2``): finish dropping it.
    """
    with server.admin() as admin:
        row = admin.execute(
            "SELECT datallowconn, datconnlimit FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if row is None or not homes.ours(admin, "database", database):
            return False
        if row[1] == -2:
            postgres.drop_database(admin, database)
            return False
        if not row[0]:
            admin.execute(
                psycopg.sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(
                    psycopg.sql.Identifier(database)
                )
            )
    return True


# -- the app ------------------------------------------------------------------


def log_path(clone_id: str) -> Path:
    return home() / "logs" / f"{clone_id}.log"


def app_env(record: CloneRecord, server: postgres.Server) -> dict[str, str]:
    """All the app process gets from asymkit: its database (as its own role) and admin secret."""
    user, password = record.db_role or (None, None)
    env = {
        "CLONE_DATABASE_URL": server.dsn(record.database, user=user, password=password),
        "CLONE_ADMIN_SECRET": record.admin_secret,
    }
    if record.rate_limits:
        env["CLONE_RATE_LIMITS"] = "1"
    return env


def _unused_port(host: str, state: registry.State, but: str | None = None) -> int:
    """A free port that no other clone was given (one reserved but not started yet is
    free in the kernel): call inside ``registry.transaction`` and record it there."""
    return process.free_port(host, {c.port for c in state.clones.values() if c.id != but})


def new_app_credentials() -> dict[str, str]:
    """An ``xapp-`` app-level token (Socket Mode) and a signing secret, shaped as Slack's."""
    app_id = "A" + "".join(secrets.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(10))
    serial = str(secrets.randbelow(9 * 10**12) + 10**12)
    return {
        "app": f"xapp-1-{app_id}-{serial}-{secrets.token_hex(32)}",
        "signing_secret": secrets.token_hex(16),
    }


def provision(target: Target) -> dict[str, str]:
    """Install the clone's tokens in its database (fresh ones when it has none); return them.

    The credentials the manifest asks for (an app-level token, a signing secret) are
    made here, once, and re-sent on every provision like the bot and user tokens.
    """
    if not target.template.provision:
        return dict(target.tokens)
    tokens = dict(target.tokens)
    wanted = target.template.credentials  # the manifest's: Slack's app token, signing secret
    for key, value in new_app_credentials().items():
        if key in wanted:
            tokens.setdefault(key, value)
    api_tokens = {k: tokens[k] for k in ("bot", "user") if k in tokens}
    body: dict[str, Any] = {"tokens": api_tokens or None}
    if "app" in wanted:
        body["app_token"] = tokens["app"]
    if "signing_secret" in wanted:
        body["signing_secret"] = tokens["signing_secret"]
    data = admin_post(target, target.template.provision, body)
    return {**tokens, **{k: str(v) for k, v in data["tokens"].items()}}


def send_subscription(target: Target, subscription: dict[str, Any] | None) -> str | None:
    """Re-send the saved Events API subscription to a (re)started app; a note if refused."""
    if not subscription or not target.template.provision:
        return None
    try:
        admin_post(target, "/clone/events/subscription", subscription)
    except ProvisionFailed as exc:
        # The subscribed URL may be down while the clone starts: keep the event types,
        # go without the URL (events queue until a transport connects).
        with contextlib.suppress(ProvisionFailed):
            admin_post(target, "/clone/events/subscription", {**subscription, "url": None})
        url = subscription.get("url")
        if not url:
            return exc.message
        return (
            f"{target.id}: the saved events URL {url} failed verification at start, so events"
            f" queue until an app connects; run `asymkit events {target.id} --url {url}`"
            " once it answers."
        )
    return None


def after_rebuild(target: Target) -> None:
    """Put tokens back and make the app drop connections to the old database."""
    if not target.running:
        return  # `start` provisions when the app comes back
    if target.template.drain:
        # First: provisioning on a connection the swap closed would fail over to another
        # one, and the app's pool would log the closed one as a warning.
        admin_post(target, target.template.drain, {})
    tokens = provision(target)
    if tokens != target.tokens:  # a clone made before app tokens existed gets them now
        registry.save_clone(target.id, tokens=tokens)


@contextlib.contextmanager
def private_app(target: Target, database: str) -> Iterator[Target]:
    """The template's app serving ``database`` on a port nobody else was told, with the
    clone's tokens installed: ``target`` as seeding sees it there. Stopped on exit.

    A rebuild seeds its staging database through it and takes the seed's snapshot
    there, so no client of the clone can write between the seeding and the snapshot.
    """
    user, password = target.role or (None, None)
    env = {
        "CLONE_DATABASE_URL": target.server.dsn(database, user=user, password=password),
        "CLONE_ADMIN_SECRET": target.admin_secret,
    }
    # Not a port reserved for a clone whose spin has not started its app yet.
    port = process.free_port(DEFAULT_HOST, {c.port for c in registry.read().clones.values()})
    pid = process.start(
        target.template,
        host=DEFAULT_HOST,
        port=port,
        env=env,
        log=log_path(target.id),
        tied=True,
    )
    try:
        url = f"http://{DEFAULT_HOST}:{port}"
        process.wait_healthy(
            url + target.template.health,
            pid=pid,
            port=port,
            timeout=HEALTH_TIMEOUT,
            clone_id=target.id,
            log=log_path(target.id),
        )
        private = attrs.evolve(target, url=url, database=database, running=True)
        yield attrs.evolve(private, tokens=provision(private))
    finally:
        process.stop(pid, port)


def after_swap(target: Target, tokens: dict[str, str]) -> None:
    """Once a database built (and provisioned) privately is swapped in: keep its tokens,
    make the app drop its connections to the old database, and hand the live app the
    credentials it keeps in memory (the signing secret), as ``after_rebuild`` does."""
    if tokens != target.tokens:  # a clone made before app tokens existed gets them now
        registry.save_clone(target.id, tokens=tokens)
    after_rebuild(attrs.evolve(target, tokens=tokens))


def start_app(
    record: CloneRecord, template: Template, server: postgres.Server, *, health_timeout: float
) -> CloneRecord:
    """Start the app (same port if free), wait until healthy, install tokens; save and return."""
    port = record.port
    if not process.port_is_free(record.host, port):
        with registry.transaction() as state:  # chosen and recorded under one lock
            port = _unused_port(record.host, state, but=record.id)
            state.clones[record.id] = attrs.evolve(state.clones[record.id], port=port)
    pid = process.start(
        template,
        host=record.host,
        port=port,
        env=app_env(record, server),
        log=log_path(record.id),
    )
    record = registry.save_clone(record.id, pid=pid, port=port)
    faults.point("spin:app-started")
    url = f"http://{record.host}:{port}"
    try:
        process.wait_healthy(
            url + template.health,
            pid=pid,
            port=port,
            timeout=health_timeout,
            clone_id=record.id,
            log=log_path(record.id),
        )
        target = Target(
            record.id,
            template,
            url,
            server,
            record.database,
            record.admin_secret,
            record.tokens,
            role=record.db_role,
        )
        tokens = provision(target)
    except BaseException:
        process.stop(pid, port)
        registry.save_clone(record.id, pid=None)
        raise
    if tokens != record.tokens:
        record = registry.save_clone(record.id, tokens=tokens)
    note = send_subscription(attrs.evolve(target, tokens=tokens), record.events)
    if note:
        log.warning("%s", note)
    return record


def restart(record: CloneRecord, template: Template, server: postgres.Server) -> CloneRecord:
    """Build the database from its fixture and start the app afresh (a spin or rebuild was
    interrupted), so that a reset can then replay the seed's AI layers through it."""
    process.stop(record.pid, record.port)
    record = registry.save_clone(record.id, pid=None)
    fixture = SeedSpec.from_json(record.seed).fixture
    path = fixtures.find(template, fixture) if fixture else None
    build_database(server, template, record.database, path, record.db_role)
    return start_app(record, template, server, health_timeout=HEALTH_TIMEOUT)


# Draws of a clone id before giving up: each is checked against this home's registry
# and the server (other homes' clones), so only a nearly full id space runs out.
ID_ATTEMPTS = 200


def _reserve(
    template: Template,
    admin: homes.Conn,
    make: Callable[[str, registry.State], CloneRecord],
    env: str | None,
) -> tuple[CloneRecord, str]:
    """Draw an id free here and on the server, record the clone, and claim the name by
    creating its role; return the record and the role's password. A name another home
    claims between the draw and the claim (``NameTaken``) is given up for another."""
    for _ in range(ID_ATTEMPTS):
        clone_id = f"{template.name}-{secrets.token_hex(2)}"
        database = template.database_for(clone_id)
        if homes.name_taken(admin, database, postgres.clone_role_name(database)):
            continue
        with registry.transaction() as state:
            if clone_id in state.clones:
                continue
            record: CloneRecord = make(clone_id, state)
            state.clones[clone_id] = record
            if env is not None:
                current = state.environments.get(env, EnvironmentRecord(name=env))
                state.environments[env] = attrs.evolve(current, clones=(*current.clones, clone_id))
        try:
            _, password = postgres.create_clone_role(admin, record.database, new=True)
        except homes.NameTaken:
            registry.forget_clone(clone_id)
            continue
        except BaseException:
            with contextlib.suppress(Exception):  # an interrupt may land after the CREATE
                postgres.drop_clone_role(admin, postgres.clone_role_name(record.database))
            registry.forget_clone(clone_id)
            raise
        return record, password
    raise DatabaseUnavailable(
        f"No free {template.name} clone id left after {ID_ATTEMPTS} draws: destroy clones"
        " this server no longer needs."
    )


def create(
    template: Template,
    server: postgres.Server,
    *,
    fixture: tuple[str, Path] | None,
    env: str | None,
    port: int | None,
    host: str,
    health_timeout: float,
    rate_limits: bool = False,
) -> tuple[CloneRecord, int]:
    """Reserve an id, build the database, start the app; return the record and fixture rows.

    On any failure (or interrupt) nothing is left behind: no database, no app,
    no registry entry.
    """

    def make(clone_id: str, state: registry.State) -> CloneRecord:
        return CloneRecord(
            id=clone_id,
            template=template.name,
            database=template.database_for(clone_id),
            host=host,
            port=port or _unused_port(host, state),
            admin_secret=secrets.token_urlsafe(24),
            created=time.time(),
            seed=SeedSpec(fixture=fixture[0] if fixture else None).to_json(),
            server=server.identity,
            builder=os.getpid(),
            rate_limits=rate_limits,
        )

    clone_id: str | None = None
    try:
        # Reserve the id (and the env membership) and claim the name on the server (the
        # clone's own role, made before anything it will own), before doing any work.
        with server.admin() as admin:
            record, password = _reserve(template, admin, make, env)
        clone_id = record.id
        record = registry.save_clone(clone_id, db_password=password)
        faults.point("spin:reserved")
        rows = build_database(
            server, template, record.database, fixture[1] if fixture else None, record.db_role
        )
        record = start_app(record, template, server, health_timeout=health_timeout)
        record = registry.save_clone(clone_id, builder=None)
    except BaseException:
        # Interrupted or failed anywhere (even while reserving): leave nothing behind.
        if clone_id is not None:
            with contextlib.suppress(Exception):
                # The log stays: the error may name it (an app that exited while starting).
                remove(registry.read().clones.get(clone_id) or record, server, keep_log=True)
            registry.forget_clone(clone_id)
        raise
    return record, rows


def remove(record: CloneRecord, server: postgres.Server, *, keep_log: bool = False) -> None:
    """Stop the app, drop the database and its role, forget the clone and its log."""
    process.stop(record.pid, record.port)
    drop(server, record.database)
    with server.admin() as admin:
        postgres.drop_clone_role(admin, postgres.clone_role_name(record.database))
    registry.forget_clone(record.id)
    if not keep_log:
        with contextlib.suppress(FileNotFoundError):
            log_path(record.id).unlink()
