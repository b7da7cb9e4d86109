"""A data directory: made whole or not at all, set up for SCRAM logins, checked, its log read.

``init`` builds the cluster in a scratch directory beside ``pgdata``, writes
asymkit's settings into it before it is ever started, and renames it into
place, so an interrupted first start leaves nothing half-made.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from pathlib import Path

from .. import atomic
from ..errors import DatabaseUnavailable
from .binaries import run

SUPERUSER = "postgres"
SETTINGS_MARK = "# asymkit settings"

HBA = """\
# asymkit: password (SCRAM-SHA-256) logins only, over the private socket or loopback.
local   all             all                                     scram-sha-256
host    all             all             127.0.0.1/32            scram-sha-256
host    all             all             ::1/128                 scram-sha-256
"""


def settings_block(max_connections: int) -> str:
    """What asymkit appends to ``postgresql.conf``."""
    return (
        f"\n{SETTINGS_MARK}: written before the first start\n"
        f"max_connections = {max_connections}\n"
        "listen_addresses = ''\n"
        "unix_socket_permissions = 0700\n"
        "password_encryption = 'scram-sha-256'\n"
    )


def trusts(pgdata: Path) -> bool:
    """Whether ``pg_hba.conf`` lets anybody in without a SCRAM password."""
    try:
        text = (pgdata / "pg_hba.conf").read_text()
    except OSError:
        return True
    rules = [ln.split() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    return any(rule[-1] != "scram-sha-256" for rule in rules)


def check_version(pgdata: Path) -> None:
    """Refuse a data directory from another major version of Postgres."""
    version = (pgdata / "PG_VERSION").read_text().strip()
    if version != "18":
        raise DatabaseUnavailable(
            f"The embedded Postgres data in {pgdata} is from Postgres {version}, and"
            " asymkit runs Postgres 18: move that directory away (its clones are lost) or"
            " set ASYMKIT_DATABASE_URL."
        )


def failure(pgdata: Path, what: str, output: str = "") -> DatabaseUnavailable:
    """``DATABASE_UNAVAILABLE`` for a step that failed, quoting the last error Postgres logged."""
    log_path = pgdata / "log"
    lines = [*output.strip().splitlines()]
    with contextlib.suppress(OSError):
        lines += log_path.read_text(errors="replace").strip().splitlines()[-20:]
    fatal = [ln for ln in lines if "FATAL" in ln or "error" in ln.lower()]
    detail = f" ({fatal[-1].strip()})" if fatal else ""
    return DatabaseUnavailable(
        f"The embedded Postgres in {pgdata} {what}{detail}; see {log_path}. If"
        f" it cannot be fixed, `asymkit server stop` and remove {pgdata} to start"
        " afresh (its clones are lost)."
    )


def init(
    pgdata: Path, password_path: Path, *, account: tuple[int, int] | None, max_connections: int
) -> None:
    """Build a configured cluster in a scratch directory, then rename it into place."""
    parent = pgdata.parent
    if pgdata.exists():
        if any(pgdata.iterdir()):
            raise DatabaseUnavailable(
                f"{pgdata} is not a complete Postgres data directory (no PG_VERSION):"
                " move it away so asymkit can make a new one."
            )
        pgdata.rmdir()
    work = Path(tempfile.mkdtemp(prefix=f".{pgdata.name}.init-", dir=parent))
    try:
        data = work / "data"
        data.mkdir(mode=0o700)
        password = secrets.token_urlsafe(24)
        pwfile = work / "pw"
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(password + "\n")
        if account is not None:
            os.chown(data, *account)
            os.chown(pwfile, *account)
        with open(pwfile) as readable:
            pw_arg = f"/proc/self/fd/{readable.fileno()}" if account is not None else str(pwfile)
            result = run(
                "initdb",
                [
                    "-D",
                    "/proc/self/cwd" if account is not None else str(data),
                    "-U",
                    SUPERUSER,
                    "--auth=scram-sha-256",
                    f"--pwfile={pw_arg}",
                    "--encoding=utf8",
                ],
                account=account,
                cwd=data,
                timeout=120,
                pass_fds=(readable.fileno(),),
            )
        if result.returncode != 0:
            raise failure(pgdata, "could not be initialised", result.stdout)
        # Settings go into the cluster before it is ever started, so no interrupt
        # can leave a server with the defaults.
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(settings_block(max_connections))
        atomic.write_bytes(password_path, (password + "\n").encode(), mode=0o600)
        data.rename(pgdata)
    finally:
        shutil.rmtree(work, ignore_errors=True)
