"""A backup restores: alliance_portal/ops/pg_backup dumps a PostgreSQL database and puts it back
exactly, and a restore that fails changes nothing."""

import os
import subprocess

import psycopg2
import pytest
from django.db import connection

from tests.ops.conftest import database_url
from tests.test_settings import ROOT, run_manage

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL: pg_dump and pg_restore"
    ),
]

PG_BACKUP = ROOT / "alliance_portal" / "ops" / "pg_backup"

SEED = """
from tests.factories import (
    AgreedDeploymentFactory, DeclaredConflictFactory, ObjectiveFactory, SupportLogFactory,
    UserFactory,
)
UserFactory(email="jo.bloggs@example.org", full_name="Jo Bloggs")
for deployment in AgreedDeploymentFactory.create_batch(3):
    ObjectiveFactory.create_batch(2, deployment=deployment)
    SupportLogFactory.create_batch(2, deployment=deployment)
DeclaredConflictFactory()
"""


@pytest.fixture
def scratch_database():
    """An empty database of the test run's own (named after its test database), dropped after."""
    name = f"test_{connection.settings_dict['NAME'].removeprefix('test_')}_backup"
    server = psycopg2.connect(database_url("postgres"))
    server.autocommit = True
    try:
        with server.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield database_url(name)
        with server.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        server.close()


def snapshot(url):
    """Every table's rows (as text, sorted) and every sequence's position."""
    with psycopg2.connect(url) as database, database.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        tables = [row[0] for row in cursor.fetchall()]
        rows = {}
        for table in tables:
            cursor.execute(f'SELECT t::text FROM "{table}" t ORDER BY 1')
            rows[table] = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
        )
        sequences = dict(cursor.fetchall())
    database.close()
    return {"rows": rows, "sequences": sequences}


def execute(url, *statements):
    database = psycopg2.connect(url)
    database.autocommit = True
    try:
        with database.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        database.close()


def pg_backup(*args, url):
    return subprocess.run(
        [str(PG_BACKUP), *args],
        env={"PATH": os.environ["PATH"], "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_dump_restores_every_row_and_a_broken_one_changes_nothing(scratch_database, tmp_path):
    url = scratch_database
    for args in (("migrate", "--no-input", "-v", "0"), ("shell", "--no-imports", "-c", SEED)):
        result = run_manage(*args, DEBUG="true", DATABASE_URL=url)
        assert result.returncode == 0, result.stderr
    before = snapshot(url)
    assert len(before["rows"]["deployments_supportlog"]) == 6
    assert len(before["rows"]["accounts_user"]) >= 1
    dump = tmp_path / "portal.dump"

    dumped = pg_backup("dump", str(dump), url=url)
    assert dumped.returncode == 0, dumped.stderr
    assert dump.stat().st_size > 0
    assert not (tmp_path / "portal.dump.partial").exists()

    # Lose and spoil data in every way: rows deleted, changed and added, a table dropped.
    execute(
        url,
        "DELETE FROM deployments_supportlog",
        "UPDATE accounts_user SET email = 'someone.else@example.org', full_name = 'Someone'",
        "TRUNCATE support_requests_supportrequest CASCADE",
        "DROP TABLE leaders_declaredconflict",
        'INSERT INTO leaders_areaofexpertise (name, slug, "group", position)'
        " VALUES ('Not in the dump', 'not-in-the-dump', 'other', 99)",
    )
    assert snapshot(url) != before

    restored = pg_backup("restore", str(dump), url=url)
    assert restored.returncode == 0, restored.stderr
    assert snapshot(url) == before  # django_migrations too: the schema is the same release's

    # A dump cut short fails to restore, and the database is left as it was.
    execute(url, "DELETE FROM deployments_objective")
    damaged = snapshot(url)
    broken = tmp_path / "broken.dump"
    broken.write_bytes(dump.read_bytes()[: dump.stat().st_size * 3 // 4])
    failed = pg_backup("restore", str(broken), url=url)
    assert failed.returncode != 0
    assert snapshot(url) == damaged
