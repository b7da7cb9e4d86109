"""Shared fixtures: one embedded Postgres and one acme-corp Slack clone per session.

Everything is real: the embedded server from the wheel, the clone's app under
uvicorn on a loopback port, and official slack_sdk clients.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--asymkit-server",
        choices=("embedded", "managed"),
        default="embedded",
        help="where the session's clones live: the embedded server (default), or a second"
        " server configured like a managed Postgres (tests/managed_server.py), reached"
        " through ASYMKIT_DATABASE_URL as a non-superuser admin",
    )


@pytest.fixture(scope="session", autouse=True)
def asymkit_home(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Path]:
    """An isolated ASYMKIT_HOME (and embedded Postgres) for the whole session."""
    home = tmp_path_factory.mktemp("home")
    saved = {
        k: os.environ.get(k)
        for k in (
            "ASYMKIT_HOME",
            "ASYMKIT_TEMPLATES_DIR",
            "ASYMKIT_DATABASE_URL",
            "ANTHROPIC_API_KEY",
        )
    }
    os.environ["ASYMKIT_HOME"] = str(home)
    os.environ["ASYMKIT_TEMPLATES_DIR"] = str(TEMPLATES)
    os.environ.pop("ASYMKIT_DATABASE_URL", None)
    os.environ.pop("ANTHROPIC_API_KEY", None)
    if request.config.getoption("--asymkit-server") == "managed":
        os.environ["ASYMKIT_DATABASE_URL"] = request.getfixturevalue("managed").url
    yield home
    import asymkit
    from asymkit import postgres

    for clone in asymkit.Clone.all():
        with contextlib.suppress(Exception):
            clone.destroy()
    postgres.stop_embedded()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def managed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A second server configured like a managed one (``managed_server``): TCP, TLS,
    SCRAM, max_connections=100, a CREATEDB CREATEROLE admin that is not superuser."""
    import managed_server

    server = managed_server.start(tmp_path_factory.mktemp("managed"))
    yield server
    server.stop()


@pytest.fixture
def editable_templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the test templates, on ASYMKIT_TEMPLATES_DIR, for tests that edit them."""
    root = tmp_path / "templates"
    shutil.copytree(TEMPLATES, root)
    monkeypatch.setenv("ASYMKIT_TEMPLATES_DIR", str(root))
    return root


@pytest.fixture(scope="session")
def acme_session() -> Iterator[object]:
    import asymkit

    clone = asymkit.spin("slack", seed=asymkit.Fixture("acme-corp"))
    yield clone
    clone.destroy()


@pytest.fixture
def acme(acme_session: object) -> object:
    """The session's acme-corp clone, reset to its seed before the test, no named snapshots."""
    acme_session.reset()  # type: ignore[attr-defined]
    for snap in acme_session.snapshots():  # type: ignore[attr-defined]
        acme_session.drop_snapshot(snap.name)  # type: ignore[attr-defined]
    return acme_session


@pytest.fixture
def db(acme: object) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A connection to the acme clone's own database."""
    from asymkit import postgres

    with psycopg.connect(postgres.server().dsn(acme.database), autocommit=True) as conn:  # type: ignore[attr-defined]
        yield conn


def table_dump(
    dsn: str, ignore: dict[str, tuple[str, ...]] | None = None
) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every public table, sorted: two equal dumps mean equal state.

    ``ignore`` maps a table to columns left out (``()`` leaves the table out).
    """
    from asymkit.fingerprint import public_columns

    with psycopg.connect(dsn) as conn:
        return {
            table: sorted(
                map(
                    tuple,
                    conn.execute(
                        f'SELECT {", ".join(chr(34) + c + chr(34) for c in cols)} FROM "{table}"'
                    ),
                ),
                key=repr,
            )
            for table, cols in public_columns(conn, ignore or {}).items()
        }


# What provisioning an app varies from clone to clone: fresh tokens, creation times.
PROVISIONED = {"tokens": (), "users": ("created",)}


@pytest.fixture(scope="session")
def linear_session() -> Iterator[object]:
    """One acme-corp Linear clone for the session (tests/test_linear_*.py)."""
    import asymkit

    clone = asymkit.spin("linear", seed=asymkit.Fixture("acme-corp"))
    yield clone
    clone.destroy()


@pytest.fixture
def linear(linear_session: object) -> object:
    """The session's Linear clone, reset to its seed before the test."""
    linear_session.reset()  # type: ignore[attr-defined]
    return linear_session
