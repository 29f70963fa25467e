"""Settings for the test suite: the real settings with fast, local stand-ins.

The database comes from DATABASE_URL exactly as in production (SQLite when it
is unset, PostgreSQL in CI). Only what would make tests slow or leak outside
the machine is replaced.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-key-3f9a1c7e5b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a")

from alliance_portal.settings import *  # noqa: F403
from alliance_portal.settings import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SECURE_SSL_REDIRECT = False
LOGGING = {"version": 1, "disable_existing_loggers": False}
WHITENOISE_AUTOREFRESH = True
# Background tasks run at once, in the test's own thread; tests of the worker
# itself switch to the database backend (tests/notifications/test_worker.py).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# The dashboard never shows an out-of-date snapshot in tests: after a change, the page
# works its figures out again (tests/reports/test_dashboard_snapshots.py turns this on).
DASHBOARD_STALE_SECONDS = 0
