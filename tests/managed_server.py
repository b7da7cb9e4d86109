"""A second Postgres server set up the way managed ones (RDS, Cloud SQL, Neon) are.

Started from the embedded binaries, apart from the session's own server: TCP on
127.0.0.1 and a free port, password (SCRAM) logins only, ``max_connections=100``, and
an admin login with ``CREATEDB CREATEROLE`` that is not a superuser. ``url`` is what a
user puts in ``ASYMKIT_DATABASE_URL``, with TLS settings in its query string as a
managed server's would have; the embedded build has no SSL, so they ask for TLS only
if the server offers it (``sslmode=prefer``), and the tests check that they reach
every connection (the clone's app included) rather than a handshake.
"""

from __future__ import annotations

import secrets
import time
import urllib.parse
from pathlib import Path

import attrs
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from asymkit import atomic, postgres, process
from asymkit.connection import scram_verifier
from asymkit.embedded import Embedded
from asymkit.embedded.account import service_account
from asymkit.errors import DatabaseUnavailable

ADMIN = "ops"
MAX_CONNECTIONS = 100

# Only loopback TCP for everybody; the superuser keeps the private socket, as a
# provider's staff would.
HBA = """\
local  all  postgres                 scram-sha-256
host   all  all       127.0.0.1/32   scram-sha-256
"""


@attrs.frozen
class Managed:
    """A running managed-like server: ``url`` logs in as the non-superuser admin."""

    cluster: Embedded
    url: str = attrs.field(repr=False)
    superuser_url: str = attrs.field(repr=False)

    @property
    def superuser_tcp_url(self) -> str:
        """The same server over TCP as its superuser (for comparing the two logins)."""
        info = conninfo_to_dict(self.superuser_url)
        return make_conninfo(self.url, user=info["user"], password=info["password"])

    def stop(self) -> None:
        self.cluster.stop()


def start(root: Path) -> Managed:
    """Start the server with its data under ``root``; stop it with ``Managed.stop``."""
    root.mkdir(parents=True, exist_ok=True)
    for attempt in range(3):
        # A free port may be taken (by a clone's app) before the server binds it: retry.
        port = process.free_port("127.0.0.1")
        cluster = Embedded(
            root / "pg", max_connections=MAX_CONNECTIONS, port=port, listen_addresses="127.0.0.1"
        )
        try:
            superuser_url = cluster.ensure()
            break
        except DatabaseUnavailable:
            if attempt == 2:
                raise
    password = secrets.token_urlsafe(16)
    with postgres.connect(superuser_url, autocommit=True) as conn:
        atomic.write_bytes(
            cluster.pgdata / "pg_hba.conf", HBA.encode(), mode=0o600, owner=service_account()
        )
        conn.execute("SELECT pg_reload_conf()")
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN CREATEDB CREATEROLE PASSWORD {}").format(
                sql.Identifier(ADMIN), sql.Literal(scram_verifier(password))
            )
        )
    tls = {"sslmode": "prefer", "sslrootcert": str(root / "provider-ca.pem")}
    url = f"postgresql://{ADMIN}:{password}@127.0.0.1:{port}/postgres?{urllib.parse.urlencode(tls)}"
    _wait_for_login(url)
    return Managed(cluster=cluster, url=url, superuser_url=superuser_url)


def _wait_for_login(url: str) -> None:
    """pg_reload_conf() only signals the postmaster: wait until the new rules let us in."""
    deadline = time.monotonic() + 10
    while True:
        try:
            with postgres.connect(url):
                return
        except DatabaseUnavailable:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
