"""Least privilege: each clone's database is owned by a role that can do nothing else.

Plus the errors at the edge of the server: a malformed ASYMKIT_DATABASE_URL, a role
without CREATEDB, a full server.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import psycopg
import pytest

import asymkit
from asymkit import embedded, postgres

Conn = psycopg.Connection[tuple[object, ...]]


@pytest.fixture
def admin() -> Iterator[Conn]:
    with postgres.server().admin() as conn:
        yield conn


def _clone_db(admin: Conn) -> Iterator[tuple[str, str, str]]:
    database = f"clone_test_{secrets.token_hex(3)}"
    role, password = postgres.create_clone_role(admin, database)
    postgres.create_database(admin, database, owner=role)
    yield database, role, password
    postgres.drop_database(admin, database)
    postgres.drop_clone_role(admin, role)


@pytest.fixture
def clone_db(admin: Conn) -> Iterator[tuple[str, str, str]]:
    """A database owned by its clone role: ``(database, role, password)``."""
    yield from _clone_db(admin)


@pytest.fixture
def other_clone_db(admin: Conn) -> Iterator[tuple[str, str, str]]:
    yield from _clone_db(admin)


def _as_role(db: tuple[str, str, str], database: str | None = None) -> Conn:
    name, role, password = db
    dsn = postgres.server().dsn(database or name, user=role, password=password)
    return psycopg.connect(dsn, autocommit=True)


def test_the_clone_role_reads_and_writes_its_own_database(clone_db: tuple[str, str, str]) -> None:
    with _as_role(clone_db) as conn:
        conn.execute("CREATE TABLE notes (id serial PRIMARY KEY, body text)")
        conn.execute("INSERT INTO notes (body) VALUES ('hello')")
        assert conn.execute("SELECT body FROM notes").fetchall() == [("hello",)]
        assert conn.execute("SELECT current_user").fetchone() == (clone_db[1],)


def test_the_clone_role_cannot_run_programs_on_the_server(clone_db: tuple[str, str, str]) -> None:
    with _as_role(clone_db) as conn:
        conn.execute("CREATE TABLE loot (line text)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="pg_execute_server"):
            conn.execute("COPY loot FROM PROGRAM 'id'")


def test_the_clone_role_cannot_read_server_files(clone_db: tuple[str, str, str]) -> None:
    with _as_role(clone_db) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT pg_read_file('postgresql.conf')")


def test_the_clone_role_cannot_create_databases_or_roles(clone_db: tuple[str, str, str]) -> None:
    with _as_role(clone_db) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE DATABASE sneaky")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE ROLE sneaky SUPERUSER")


def test_the_clone_role_cannot_connect_to_another_clones_database(
    clone_db: tuple[str, str, str], other_clone_db: tuple[str, str, str]
) -> None:
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        _as_role(clone_db, database=other_clone_db[0])


def test_a_clone_role_is_not_a_superuser(admin: Conn, clone_db: tuple[str, str, str]) -> None:
    row = admin.execute(
        "SELECT rolsuper, rolcreatedb, rolcreaterole, rolcanlogin FROM pg_roles WHERE rolname = %s",
        (clone_db[1],),
    ).fetchone()
    assert row == (False, False, False, True)


def test_creating_the_role_again_changes_its_password(
    admin: Conn, clone_db: tuple[str, str, str]
) -> None:
    database, role, old = clone_db
    again, new = postgres.create_clone_role(admin, database)
    assert again == role and new != old
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        _as_role(clone_db)
    _as_role((database, role, new)).close()


def test_dropping_the_role_after_its_database_leaves_nothing(admin: Conn) -> None:
    database = f"clone_test_{secrets.token_hex(3)}"
    role, password = postgres.create_clone_role(admin, database)
    postgres.create_database(admin, database, owner=role)
    session = _as_role((database, role, password))
    postgres.drop_database(admin, database)
    postgres.drop_clone_role(admin, role)
    postgres.drop_clone_role(admin, role)  # twice is fine
    assert admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is None
    session.close()


def test_a_role_without_createdb_is_told_which_privilege_it_lacks(
    admin: Conn, monkeypatch: pytest.MonkeyPatch
) -> None:
    user, password = f"nocreatedb_{secrets.token_hex(3)}", secrets.token_urlsafe(12)
    # CREATEROLE (spin makes the clone's own role first), but not CREATEDB.
    admin.execute(f"CREATE ROLE {user} LOGIN CREATEROLE PASSWORD '{password}'")
    try:
        monkeypatch.setenv(
            "ASYMKIT_DATABASE_URL", postgres.server().dsn("postgres", user=user, password=password)
        )
        with pytest.raises(asymkit.DatabaseUnavailable) as info:
            asymkit.spin("notes", seed="demo")
        assert "CREATEDB" in info.value.message
        assert f"ALTER ROLE {user} CREATEDB" in info.value.message
    finally:
        monkeypatch.delenv("ASYMKIT_DATABASE_URL")
        for (role,) in admin.execute(
            "SELECT rolname FROM pg_roles WHERE rolname LIKE 'clone_notes_%%'"
            " AND oid IN (SELECT member FROM pg_auth_members WHERE roleid ="
            " (SELECT oid FROM pg_roles WHERE rolname = %s)"
            " UNION SELECT roleid FROM pg_auth_members WHERE member ="
            " (SELECT oid FROM pg_roles WHERE rolname = %s))",
            (user, user),
        ).fetchall():
            postgres.drop_clone_role(admin, str(role))
        admin.execute(f"DROP ROLE {user}")


@pytest.mark.parametrize(
    ("url", "part"),
    [
        pytest.param("mysql://u:p@localhost/db", "scheme 'mysql'", id="wrong-scheme"),
        pytest.param("postgresql://u:p@localhost:abc/db", "port 'abc'", id="port-not-a-number"),
        pytest.param("postgresql://u:p@localhost:70000/db", "port '70000'", id="port-too-big"),
        pytest.param("postgresql://u:p@[::1/db", "IPv6", id="unclosed-ipv6"),
        pytest.param("host=localhost port=x", "port 'x'", id="keyword-port"),
        pytest.param("not a url at all", "cannot be read", id="gibberish"),
        pytest.param("postgresql://localhost/db?colour=red", '"colour"', id="bad-option"),
    ],
)
def test_a_malformed_database_url_names_the_wrong_part(
    url: str, part: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASYMKIT_DATABASE_URL", url)
    with pytest.raises(asymkit.InvalidArgument) as info:
        postgres.server()
    assert part in info.value.message
    assert "\n" not in info.value.message


def test_a_malformed_database_url_never_echoes_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASYMKIT_DATABASE_URL", "postgresql://u:hunter2secret@[::1/db")
    with pytest.raises(asymkit.InvalidArgument) as info:
        postgres.server()
    assert "hunter2secret" not in str(info.value)


def test_a_full_server_names_max_connections(tmp_path: pytest.TempPathFactory) -> None:
    small = embedded.Embedded(tmp_path / "pg", max_connections=5)  # type: ignore[operator]
    url = small.ensure()
    held = []
    try:
        with pytest.raises(asymkit.DatabaseUnavailable) as info:
            for _ in range(10):
                held.append(postgres.connect(url))
        assert "max_connections" in info.value.message
        assert "docs/reliability.md" in info.value.message
        assert len(held) == 5
    finally:
        for conn in held:
            conn.close()
        small.stop()


def test_a_database_copied_from_a_template_is_still_closed_to_other_clones(
    admin: Conn, clone_db: tuple[str, str, str], other_clone_db: tuple[str, str, str]
) -> None:
    database, role, _ = clone_db
    with _as_role(clone_db) as conn:
        conn.execute("CREATE TABLE kept (v int)")
        conn.execute("INSERT INTO kept VALUES (7)")
    copy = f"{database}_copy"
    postgres.close_connections(admin, database)
    postgres.create_database(admin, copy, owner=role, template=database)
    try:
        with _as_role(clone_db, database=copy) as conn:
            assert conn.execute("SELECT v FROM kept").fetchall() == [(7,)]
        with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
            _as_role(other_clone_db, database=copy)
    finally:
        postgres.drop_database(admin, copy)


def test_an_admin_with_createrole_but_not_superuser_can_give_clones_their_databases(
    admin: Conn,
) -> None:
    """A managed server's usual login: CREATEDB and CREATEROLE, not a superuser."""
    ops, ops_password = f"ops_{secrets.token_hex(3)}", secrets.token_urlsafe(12)
    admin.execute(f"CREATE ROLE {ops} LOGIN CREATEDB CREATEROLE PASSWORD '{ops_password}'")
    server = postgres.server()
    database = f"clone_test_{secrets.token_hex(3)}"
    try:
        with postgres.connect(
            server.dsn("postgres", user=ops, password=ops_password), autocommit=True
        ) as conn:
            role, password = postgres.create_clone_role(conn, database)
            postgres.create_database(conn, database, owner=role)
            with _as_role((database, role, password)) as clone:
                clone.execute("CREATE TABLE t (v int)")
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    clone.execute("COPY t FROM PROGRAM 'id'")
            postgres.drop_database(conn, database)
            postgres.drop_clone_role(conn, role)
    finally:
        postgres.drop_database(admin, database)
        postgres.drop_clone_role(admin, database)
        admin.execute(f"DROP ROLE {ops}")
