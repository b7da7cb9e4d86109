"""Two asymkit homes on one Postgres server: neither ever drops or changes the other's clones.

Home A is the session's home (its clones on its embedded server); home B is a second
``ASYMKIT_HOME`` pointed at the same server through ``ASYMKIT_DATABASE_URL``, as a second
machine sharing a managed server would be. B is forced to draw A's clone id.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from slack_sdk import WebClient

import asymkit
from asymkit import build, homes, postgres, registry
from asymkit.cli import main

ENV_KEYS = ("ASYMKIT_HOME", "ASYMKIT_DATABASE_URL")


@contextlib.contextmanager
def home(path: Path | str, url: str | None) -> Iterator[None]:
    """Run the body as the asymkit home ``path``, on ``url`` (``None``: its embedded server)."""
    saved = {k: os.environ.get(k) for k in ENV_KEYS}
    os.environ["ASYMKIT_HOME"] = str(path)
    if url is None:
        os.environ.pop("ASYMKIT_DATABASE_URL", None)
    else:
        os.environ["ASYMKIT_DATABASE_URL"] = url
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def force_hex(monkeypatch: pytest.MonkeyPatch, values: list[str]) -> None:
    """Make the next clone-id draws (``token_hex(2)``) return ``values``, then random ones."""
    real = secrets.token_hex
    pending = list(values)

    def token_hex(nbytes: int | None = None) -> str:
        if nbytes == 2 and pending:
            return pending.pop(0)
        return real(nbytes)

    monkeypatch.setattr(secrets, "token_hex", token_hex)


@pytest.fixture(params=["embedded"])
def two_homes(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Callable[[], object], Callable[[], object]]]:
    """``(as_a, as_b)``: context factories for two homes on one server; B's clones are
    destroyed at the end. ``embedded``: A is the session's home, B reaches A's embedded
    server by URL; ``managed``: both use the managed-like server (``managed_server``)."""
    if request.param == "managed":
        home_a: str = str(tmp_path / "home-a")
        url_a: str | None = request.getfixturevalue("managed").url
    else:
        home_a = os.environ["ASYMKIT_HOME"]
        url_a = os.environ.get("ASYMKIT_DATABASE_URL") or None
    url_b = url_a or postgres.server().url
    home_b = tmp_path / "home-b"

    def as_a() -> contextlib.AbstractContextManager[None]:
        return home(home_a, url_a)

    def as_b() -> contextlib.AbstractContextManager[None]:
        return home(home_b, url_b)

    yield as_a, as_b  # type: ignore[misc]
    with as_b():
        for clone in asymkit.Clone.all():
            with contextlib.suppress(Exception):
                clone.destroy()


def _post(clone: asymkit.Clone, text: str) -> None:
    web = WebClient(token=clone.tokens.user, base_url=clone.api_url)
    general = next(c["id"] for c in web.conversations_list()["channels"] if c["name"] == "general")
    web.chat_postMessage(channel=general, text=text)


def _texts(clone: asymkit.Clone) -> list[str]:
    web = WebClient(token=clone.tokens.user, base_url=clone.api_url)
    general = next(c["id"] for c in web.conversations_list()["channels"] if c["name"] == "general")
    return [m["text"] for m in web.conversations_history(channel=general)["messages"]]


@pytest.mark.parametrize("two_homes", ["embedded", "managed"], indirect=True)
def test_a_second_home_drawing_the_first_homes_id_leaves_its_clone_alone(
    two_homes: tuple[Callable[[], object], Callable[[], object]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    as_a, as_b = two_homes
    with as_a():  # type: ignore[attr-defined]
        first = asymkit.spin("slack", seed=asymkit.Fixture("acme-corp"))
    try:
        _post(first, "written in home A")
        suffix = first.id.rsplit("-", 1)[1]
        force_hex(monkeypatch, [suffix])
        with as_b():  # type: ignore[attr-defined]
            second = asymkit.spin("slack", seed=asymkit.Fixture("acme-corp"))
            assert second.id != first.id
            assert second.database != first.database
            assert WebClient(token=second.tokens.bot, base_url=second.api_url).auth_test()["ok"]
            second.destroy()
        # A's clone still answers, with its data, and A still owns it.
        web = WebClient(token=first.tokens.bot, base_url=first.api_url)
        assert web.auth_test()["team"] == "Acme Corp"
        assert "written in home A" in _texts(first)
        with as_a():  # type: ignore[attr-defined]
            first.reset()
            assert "written in home A" not in _texts(first)
    finally:
        with as_a():  # type: ignore[attr-defined]
            first.destroy()


def test_a_home_refuses_to_drop_or_rekey_another_homes_database_and_role(
    two_homes: tuple[Callable[[], object], Callable[[], object]],
) -> None:
    as_a, as_b = two_homes
    with as_a():  # type: ignore[attr-defined]
        first = asymkit.spin("notes", seed="demo")
    try:
        with as_b():  # type: ignore[attr-defined]
            server = postgres.server()
            with pytest.raises(asymkit.NotOwned) as info:
                build.drop(server, first.database)
            assert first.database in info.value.message
            assert "another asymkit home" in info.value.message
            assert "\n" not in info.value.message
            with server.admin() as admin:
                with pytest.raises(asymkit.NotOwned):
                    postgres.create_clone_role(admin, first.database)
                with pytest.raises(asymkit.NotOwned):
                    postgres.drop_clone_role(admin, first.database)
            with pytest.raises(asymkit.NotOwned):
                build.build_database(server, first.template, first.database, None)
        with as_a():  # type: ignore[attr-defined]
            assert asymkit.Clone.get(first.id).status() == "running"
            first.reset()
    finally:
        with as_a():  # type: ignore[attr-defined]
            first.destroy()


def test_a_name_taken_between_the_check_and_the_claim_is_drawn_again(
    two_homes: tuple[Callable[[], object], Callable[[], object]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two homes drawing one id at the same moment: the role's creation decides who has it."""
    as_a, as_b = two_homes
    with as_a():  # type: ignore[attr-defined]
        first = asymkit.spin("notes", seed="demo")
    try:
        monkeypatch.setattr(homes, "name_taken", lambda conn, database, role: False)
        force_hex(monkeypatch, [first.id.rsplit("-", 1)[1]])
        with as_b():  # type: ignore[attr-defined]
            second = asymkit.spin("notes", seed="demo")
            assert second.id != first.id
            second.destroy()
        with as_a():  # type: ignore[attr-defined]
            assert asymkit.Clone.get(first.id).status() == "running"
            with postgres.server().admin() as admin:
                assert postgres.database_exists(admin, first.database)
    finally:
        with as_a():  # type: ignore[attr-defined]
            first.destroy()


@pytest.mark.parametrize("two_homes", ["embedded", "managed"], indirect=True)
def test_each_home_lists_only_its_own_clones_and_status_says_the_server_is_shared(
    two_homes: tuple[Callable[[], object], Callable[[], object]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    as_a, as_b = two_homes
    with as_a():  # type: ignore[attr-defined]
        first = asymkit.spin("notes", seed="demo")
    try:
        with as_b():  # type: ignore[attr-defined]
            second = asymkit.spin("notes", seed="demo")
            assert [c.id for c in asymkit.Clone.all()] == [second.id]
            assert list(registry.read().clones) == [second.id]
            assert main(["server", "status"]) == 0
            out = capsys.readouterr().out
            # Home A may hold other tests' clones too (the session's): at least this one.
            shared = re.search(r"shared: (\d+) clone\(s\) of (\d+) other asymkit home", out)
            assert shared is not None, out
            assert int(shared[1]) >= 1 and int(shared[2]) >= 1
            status = postgres.status()
            assert status["shared"] is True
            assert status["other_clones"] >= 1  # type: ignore[operator]
            assert main(["server", "status", "--json"]) == 0
            assert json.loads(capsys.readouterr().out)["shared"] is True
        with as_a():  # type: ignore[attr-defined]
            # A's view: B's clone makes the server shared for A as well.
            assert postgres.status()["shared"] is True
        with as_a():  # type: ignore[attr-defined]
            assert second.id not in [c.id for c in asymkit.Clone.all()]
    finally:
        with as_a():  # type: ignore[attr-defined]
            first.destroy()


def test_the_database_and_role_carry_the_home_that_made_them(
    two_homes: tuple[Callable[[], object], Callable[[], object]],
) -> None:
    as_a, _ = two_homes
    with as_a():  # type: ignore[attr-defined]
        clone = asymkit.spin("notes", seed="demo")
        try:
            with postgres.server().admin() as admin:
                owner = admin.execute(
                    "SELECT shobj_description(d.oid, 'pg_database'),"
                    " shobj_description(r.oid, 'pg_authid')"
                    " FROM pg_database d, pg_roles r WHERE d.datname = %s AND r.rolname = %s",
                    (clone.database, clone.database),
                ).fetchone()
            assert owner is not None
            assert owner[0] == owner[1] == homes.home_marker()
        finally:
            clone.destroy()


def test_an_environment_of_the_same_name_in_each_home_resets_and_destroys_only_its_own(
    two_homes: tuple[Callable[[], object], Callable[[], object]],
) -> None:
    as_a, as_b = two_homes
    with as_a():  # type: ignore[attr-defined]
        env_a = asymkit.Environment.create("trials")
        (first,), _ = env_a.spin("notes", seed="demo")
        dsn = postgres.server().dsn(first.database)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("INSERT INTO notes (title) VALUES ('kept by A')")
    try:
        with as_b():  # type: ignore[attr-defined]
            with pytest.raises(asymkit.CloneNotFound):
                asymkit.Clone.get(first.id)
            env_b = asymkit.Environment.create("trials")
            (second,), _ = env_b.spin("notes", seed="demo")
            report = env_b.reset()
            assert [(r.clone_id, r.ok) for r in report.results] == [(second.id, True)]
            env_b.destroy()
        with psycopg.connect(dsn, autocommit=True) as conn:
            titles = [r[0] for r in conn.execute("SELECT title FROM notes")]
        assert "kept by A" in titles
        with as_a():  # type: ignore[attr-defined]
            assert [c.id for c in asymkit.Environment.get("trials").clones] == [first.id]
    finally:
        with as_a():  # type: ignore[attr-defined]
            asymkit.Environment.get("trials").destroy()
