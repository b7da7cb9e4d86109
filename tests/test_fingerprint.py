"""The state fingerprint survives schema growth: new empty tables and NULL optional columns."""

from __future__ import annotations

from typing import Any

import attrs
import psycopg

from asymkit import fingerprint as fp
from asymkit import postgres


def state(clone: Any) -> str:
    return fp.fingerprint(postgres.server(), clone.database, clone.template)


def test_a_new_empty_table_leaves_the_fingerprint_alone(
    acme: Any, db: psycopg.Connection[Any]
) -> None:
    before = state(acme)
    db.execute("CREATE TABLE later_feature (id text PRIMARY KEY, note text)")
    try:
        assert state(acme) == before
        db.execute("INSERT INTO later_feature VALUES ('x', 'y')")
        assert state(acme) != before  # once it holds rows, it counts
    finally:
        db.execute("DROP TABLE later_feature")


def test_a_new_column_listed_optional_keeps_the_fingerprint_while_null(
    acme: Any, db: psycopg.Connection[Any]
) -> None:
    template = acme.template
    optional = dict(template.fingerprint.get("optional", {}))
    optional["users"] = [*optional.get("users", []), "later_col"]
    grown = attrs.evolve(template, fingerprint={**template.fingerprint, "optional": optional})
    server = postgres.server()
    before = fp.fingerprint(server, acme.database, grown)
    assert fp.fingerprint(server, acme.database, template) == before
    db.execute("ALTER TABLE users ADD COLUMN later_col text")
    try:
        assert fp.fingerprint(server, acme.database, grown) == before
        assert fp.fingerprint(server, acme.database, template) != before  # not listed: counts
        db.execute("UPDATE users SET later_col = 'set' WHERE id = 'UACME00002'")
        assert fp.fingerprint(server, acme.database, grown) != before
    finally:
        db.execute("ALTER TABLE users DROP COLUMN later_col")


def test_a_null_in_another_column_still_counts(acme: Any, db: psycopg.Connection[Any]) -> None:
    before = state(acme)
    db.execute("UPDATE users SET email = NULL WHERE id = 'UACME00002'")
    assert state(acme) != before
