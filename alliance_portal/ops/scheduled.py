"""Scheduled commands run one at a time: a second copy started meanwhile says so and exits 0.

    class Command(BaseCommand):
        @runs_alone
        def handle(self, *args, **options): ...

The database holds the lock, so it works across machines sharing it. On
PostgreSQL it is a session advisory lock (`pg_try_advisory_lock`), keyed by a
stable hash of the command's name, on a connection of its own: the command's
work may close or roll back its own connection without letting the lock go,
and the lock goes when the process ends, however it ends. On SQLite, which one
machine uses, it is an exclusive `flock` on a file beside the database file
(`db.sqlite3.lapse_requests.lock`), which the system also releases when the
process ends.
"""

import contextlib
import fcntl
import functools
import hashlib
import logging
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger(__name__)


def lock_key(name):
    """The advisory lock's number for a job: the same in every process and every release."""
    digest = hashlib.sha256(f"alliance_portal.scheduled:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextlib.contextmanager
def job_lock(name, *, using=DEFAULT_DB_ALIAS):
    """Yields True while this process holds the job's lock, False if another one does."""
    vendor = connections[using].vendor
    if vendor == "postgresql":
        with _advisory_lock(name, using=using) as held:
            yield held
    elif vendor == "sqlite":
        with _file_lock(lock_path(name, using=using)) as held:
            yield held
    else:  # pragma: no cover - the portal runs on PostgreSQL or SQLite only.
        logger.warning("No job lock on %s: %s runs unguarded.", vendor, name)
        yield True


@contextlib.contextmanager
def _advisory_lock(name, *, using):
    connection = connections.create_connection(using)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock_key(name)])
            held = cursor.fetchone()[0]
        yield held
    finally:
        # Closing the session releases the lock.
        connection.close()


def lock_path(name, *, using=DEFAULT_DB_ALIAS):
    database = str(connections[using].settings_dict["NAME"])
    if database.startswith("file:") or ":memory:" in database or "mode=memory" in database:
        # An in-memory database (the tests') lives in one process: one lock per checkout,
        # database and process, so parallel test processes (pytest-xdist), each with a
        # database of its own under the same name, never hold each other's lock.
        owner = f"{settings.BASE_DIR}:{database}:{os.getpid()}"
        tag = hashlib.sha256(owner.encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"alliance_portal-{tag}.{name}.lock"
    return Path(f"{database}.{name}.lock")


@contextlib.contextmanager
def _file_lock(path):
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def command_name(command):
    return type(command).__module__.rsplit(".", 1)[-1]


def runs_alone(handle):
    """Wraps a management command's `handle` so that only one copy runs at a time."""

    @functools.wraps(handle)
    def handle_alone(self, *args, **options):
        name = command_name(self)
        with job_lock(name) as held:
            if not held:
                logger.info("%s is already running; this run did nothing.", name)
                self.stdout.write(f"{name} is already running; this run did nothing.")
                return None
            return handle(self, *args, **options)

    handle_alone.runs_alone = True
    return handle_alone
