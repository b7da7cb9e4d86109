"""Opening a connection to Postgres, the one place its failures become asymkit errors.

Every connection asymkit opens (to the embedded server, to ``ASYMKIT_DATABASE_URL``,
to a clone's database) goes through ``connect``: one timeout, and one sentence
naming the likely fix instead of libpq's message. ``scram_verifier`` is the
password form Postgres stores, so a password never reaches the server's log.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import secrets
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict

from .errors import DatabaseUnavailable
from .paths import EMBEDDED_DIR, home

# Seconds a connection attempt may take before it fails (libpq's minimum is 2).
CONNECT_TIMEOUT = 2

_SCRAM_ITERATIONS = 4096


def _unavailable(exc: psycopg.OperationalError, dsn: str) -> DatabaseUnavailable:
    """One sentence for a failed connection, naming the likely fix; never a password."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    lowered = text.lower()
    if "too many clients" in lowered or "remaining connection slots" in lowered:
        return DatabaseUnavailable(
            "The Postgres server is full (max_connections reached): destroy idle clones or"
            " raise max_connections on the server; docs/reliability.md says how to size it"
            " (each idle clone holds 1 connection, none with CLONE_POOL_MIN=0)."
        )
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return DatabaseUnavailable(
            f"Postgres refused the login ({first.removeprefix('FATAL:  ')}): check the user and"
            " password in ASYMKIT_DATABASE_URL (the embedded server's are in"
            " ASYMKIT_HOME/postgres.password)."
        )
    host = database = ""
    with contextlib.suppress(psycopg.Error):
        info = conninfo_to_dict(dsn)
        host, database = str(info.get("host") or ""), str(info.get("dbname") or "")
    if "not currently accepting connections" in lowered or (
        f'database "{database}" does not exist' in text
    ):
        # The server answered: the database itself is away (a rebuild swapping it in).
        return DatabaseUnavailable(
            f"The database {database} is not there right now ({first.removeprefix('FATAL:  ')}):"
            " a rebuild may be swapping it in; try again in a moment, or run"
            " `asymkit reset` on the clone if it stays so."
        )
    if host.startswith("/") and Path(host).name.startswith("asymkit-"):
        return DatabaseUnavailable(
            f"The embedded Postgres is not answering ({first}): run the command again to"
            f" restart it, or see {home() / EMBEDDED_DIR / 'log'}."
        )
    if "timeout" in lowered:
        return DatabaseUnavailable(
            f"Postgres did not answer within {CONNECT_TIMEOUT} s: check that the server in"
            " ASYMKIT_DATABASE_URL is up and reachable, or unset it to use the embedded server."
        )
    return DatabaseUnavailable(
        f"Cannot connect to Postgres ({first}). Check ASYMKIT_DATABASE_URL, or unset it"
        " to use the embedded server."
    )


def connect(dsn: str, *, autocommit: bool = False) -> psycopg.Connection[tuple[object, ...]]:
    """Connect within ``CONNECT_TIMEOUT`` s, turning failures into ``DATABASE_UNAVAILABLE``.

    The session is named ``asymkit`` (``pg_stat_activity.application_name``), so that
    asymkit's own connections to a clone's database are told apart from the app's.
    """
    try:
        return psycopg.connect(
            dsn, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT, application_name="asymkit"
        )
    except psycopg.OperationalError as exc:
        raise _unavailable(exc, dsn) from exc


def scram_verifier(password: str) -> str:
    """The SCRAM-SHA-256 verifier Postgres stores for ``password`` (RFC 5802/7677).

    Sending the verifier rather than the password keeps the password out of the
    server's logs even if the statement is logged.
    """
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, _SCRAM_ITERATIONS)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    b64 = base64.b64encode
    return (
        f"SCRAM-SHA-256${_SCRAM_ITERATIONS}:{b64(salt).decode()}"
        f"${b64(stored_key).decode()}:{b64(server_key).decode()}"
    )
