"""The local record of clones and environments: ``ASYMKIT_HOME/registry.json``.

Written atomically (temp file + rename), mode 0600 (it holds tokens), and
guarded by an exclusive ``flock`` so that two CLI processes never lose each
other's writes.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

from . import atomic, serde
from .errors import CloneNotFound, InvalidArgument, RegistryCorrupt, expect
from .paths import home, location
from .seed import SeedSpec

VERSION = 1
_ENV_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")


@attrs.frozen
class CloneRecord:
    """What the registry keeps about one clone."""

    id: str
    template: str
    database: str
    host: str
    port: int
    admin_secret: str = attrs.field(repr=False)  # secrets stay out of reprs and logs
    created: float
    pid: int | None = None
    tokens: dict[str, str] = attrs.field(factory=dict, repr=False)
    seed: dict[str, Any] | None = None
    server: str = "embedded"  # Server.identity of the Postgres holding its database
    # Set while a spin or a rebuild is half-way: the process doing it. A record
    # with a builder that is gone was interrupted: the clone is broken until
    # `reset` (or `destroy`) repairs it.
    builder: int | None = None
    # The clone's own Postgres role is named like its database; its password.
    # None for clones made before roles: they run as the admin.
    db_password: str | None = attrs.field(default=None, repr=False)
    rate_limits: bool = False  # spin --rate-limits: the app enforces the product's limits
    # The Events API subscription (``{"url": ..., "types": [...]}``), re-sent to
    # the app whenever it starts: the app keeps it in memory only.
    events: dict[str, Any] | None = None

    @property
    def db_role(self) -> tuple[str, str] | None:
        """``(role, password)`` the clone's app, migrations and fixtures run as."""
        return (self.database, self.db_password) if self.db_password else None

    def to_json(self) -> dict[str, Any]:
        return serde.to_dict(self)


@attrs.frozen
class EnvironmentRecord:
    name: str
    clones: tuple[str, ...] = ()
    state: str = "ok"

    def to_json(self) -> dict[str, Any]:
        return serde.to_dict(self)


@attrs.define
class State:
    """The registry's contents, changed inside ``Registry.transaction()``."""

    clones: dict[str, CloneRecord] = attrs.field(factory=dict)
    environments: dict[str, EnvironmentRecord] = attrs.field(factory=dict)


def _path() -> Path:
    return home() / "registry.json"


def _parse(text: str, path: Path) -> State:
    """The registry's contents; keys an older or newer asymkit wrote are ignored."""
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("the file must hold a JSON object")
        if data.get("version") != VERSION:
            raise ValueError(f"version {data.get('version')!r} is not {VERSION}")
        clones = serde.structure(data.get("clones"), dict[str, CloneRecord], "clones")
        for key, record in clones.items():  # read back by SeedSpec.from_json: check it now
            serde.structure(record.seed or {}, SeedSpec, f"clones[{key!r}].seed")
        return State(
            clones=clones,
            environments=serde.structure(
                data.get("environments"), dict[str, EnvironmentRecord], "environments"
            ),
        )
    except (ValueError, RecursionError) as exc:  # json's errors and serde.Malformed
        raise RegistryCorrupt(
            f"The registry {path} is unreadable ({exc}); fix it, or move the file aside"
            " to start afresh (running clones then need `asymkit destroy` by hand)."
        ) from exc


def _write(state: State, path: Path) -> None:
    data = {
        "version": VERSION,
        "clones": {k: v.to_json() for k, v in sorted(state.clones.items())},
        "environments": {k: v.to_json() for k, v in sorted(state.environments.items())},
    }
    atomic.write_bytes(path, json.dumps(data, indent=2).encode(), mode=0o600)


@contextlib.contextmanager
def _locked(name: str, *, shared: bool = False, wait: bool = True) -> Iterator[None]:
    lock_dir = home() / "locks"
    lock_dir.mkdir(exist_ok=True, mode=0o700)
    with open(lock_dir / name, "a+") as fh:
        flags = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        if not wait:
            flags |= fcntl.LOCK_NB
        fcntl.flock(fh, flags)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def read() -> State:
    """A consistent snapshot of the registry."""
    path = location() / "registry.json"
    if not path.exists():  # nothing recorded yet: reading creates no home (nor its locks)
        return State()
    with _locked("registry.lock", shared=True):
        if not path.exists():
            return State()
        return _parse(path.read_text(encoding="utf-8"), path)


@contextlib.contextmanager
def transaction() -> Iterator[State]:
    """Read, let the caller change, write back atomically; all under one exclusive lock."""
    path = _path()
    with _locked("registry.lock"):
        state = _parse(path.read_text(encoding="utf-8"), path) if path.exists() else State()
        yield state
        _write(state, path)


@contextlib.contextmanager
def clone_lock(clone_id: str) -> Iterator[None]:
    """Serialize seeds, resets and lifecycle changes of one clone, across processes."""
    with _locked(f"clone-{clone_id}.lock"):
        yield


def remove_clone_lock(clone_id: str) -> None:
    """Delete a destroyed clone's lock file (call it holding the lock).

    A process still waiting on the old file then finds the clone gone from the
    registry and stops there, so nothing can run on a stale lock.
    """
    with contextlib.suppress(FileNotFoundError):
        (home() / "locks" / f"clone-{clone_id}.lock").unlink()


def save_clone(clone_id: str, **changes: Any) -> CloneRecord:
    """Change fields of one clone's record; return the new record."""
    with transaction() as state:
        current = state.clones.get(clone_id)
        if current is None:
            raise CloneNotFound(f"{clone_id} was destroyed by another process.")
        state.clones[clone_id] = attrs.evolve(current, **changes)
        return state.clones[clone_id]


def forget_clone(clone_id: str) -> None:
    """Remove a clone from the registry and from its environment."""
    with transaction() as state:
        state.clones.pop(clone_id, None)
        for name, env in list(state.environments.items()):
            if clone_id in env.clones:
                state.environments[name] = attrs.evolve(
                    env, clones=tuple(c for c in env.clones if c != clone_id)
                )


def check_env_name(name: str) -> str:
    expect(name, str, "An environment name")
    if not _ENV_NAME.match(name):
        raise InvalidArgument(
            f"'{name}' is not a valid environment name: use lowercase letters, digits, '-', '_'."
        )
    return name
