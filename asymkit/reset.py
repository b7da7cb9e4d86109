"""Building a clone's database: migrations, then the fixture, then a swap.

Every build happens in a staging database (``<db>__next``) and is swapped in
by rename only once it fully succeeded, so a broken migration or fixture, or
a crash half-way, never touches the live database; the next build simply
drops the leftover staging database and starts again.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import psycopg.sql

from . import fixtures, postgres, sqlfile
from .errors import MigrationFailed
from .manifest import Template


def staging_name(database: str) -> str:
    return f"{database}__next"


def migrate(conn: psycopg.Connection[tuple[object, ...]], template: Template) -> None:
    for path in template.migration_files():
        sqlfile.run(conn, path, MigrationFailed, "migration")


def build(server: postgres.Server, template: Template, database: str, fixture: Path | None) -> int:
    """Make ``database`` hold the migrated schema plus ``fixture``; return fixture rows."""
    staging = staging_name(database)
    with server.admin() as admin:
        postgres.drop_database(admin, staging)
        postgres.create_database(admin, staging)
    try:
        with postgres.connect(server.dsn(staging)) as conn:
            migrate(conn, template)
            rows = fixtures.apply(conn, fixture) if fixture else 0
            conn.commit()
    except BaseException:
        with server.admin() as admin:
            postgres.drop_database(admin, staging)
        raise
    with server.admin() as admin:
        if postgres.database_exists(admin, database):
            postgres.close_connections(admin, database)
            postgres.drop_database(admin, database)
        postgres.rename_database(admin, staging, database)
    return rows


def drop(server: postgres.Server, database: str) -> None:
    with server.admin() as admin:
        for name in (database, staging_name(database)):
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
        if row is None:
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
