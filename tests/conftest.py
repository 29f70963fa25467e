import os
from importlib import import_module

import pytest
from axes.handlers.proxy import AxesProxyHandler
from django.apps import apps as django_apps
from django.core.cache import caches
from django.utils import timezone

from alliance_portal.schools.models import Phase
from tests.factories import UserFactory


def fuzz_examples():
    """How tests/security/test_fuzz.py chooses its examples, so a run can be repeated."""
    seed = os.environ.get("FUZZ_SEED")
    chosen = f"seed {seed}" if seed else "derandomized (FUZZ_SEED=<n> explores others)"
    return f"fuzz examples: {chosen}, {os.environ.get('FUZZ_EXAMPLES', '1')}x the default count"


def pytest_report_header(config):
    return fuzz_examples()


def pytest_terminal_summary(terminalreporter):
    # Again after the run (the header is hidden with -q), when the fuzz tests ran.
    ran = any(
        "test_fuzz.py" in getattr(report, "nodeid", "") and getattr(report, "when", "") == "call"
        for reports in terminalreporter.stats.values()
        for report in reports
    )
    if ran:
        terminalreporter.write_line(fuzz_examples())


class SessionClock:
    """The sessions' clock (alliance_portal.middleware), moved on by hand."""

    def __init__(self, monkeypatch):
        from alliance_portal import middleware

        self.now = 1_900_000_000
        monkeypatch.setattr(middleware.time, "time", lambda: self.now)

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    return SessionClock(monkeypatch)


@pytest.fixture
def superuser(db):
    return UserFactory(email="admin@example.org", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


# The task backend production runs (tests otherwise run tasks at once, inline).
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def worker_backend(settings):
    """Tasks go to the database queue, as in production, until `run_worker()` runs them."""
    settings.TASKS = DATABASE_TASKS


def run_worker():
    """One pass of the production worker over everything queued."""
    from django.core.management import call_command

    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


def _test_redis_url():
    """The tests' own Redis database: `clear()` empties only this one (FLUSHDB), never
    another's. Under pytest-xdist each worker has its own (13 for gw0, 14 for gw1, 15 for
    gw2), so one worker's FLUSHDB never empties what another is counting. CI's Redis
    answers on 127.0.0.1:6379; TEST_REDIS_URL overrides the base."""
    base = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker.removeprefix("gw") or 0)
    stem, _, number = base.rpartition("/")
    database = int(number) + index
    if database > 15:
        raise RuntimeError(
            f"pytest-xdist worker {worker} would need Redis database {database}; "
            "Redis has 0-15. Run fewer workers (make pytest PYTEST_WORKERS=2)."
        )
    return f"{stem}/{database}"


TEST_REDIS_URL = _test_redis_url()


def redis_answers(url=TEST_REDIS_URL):
    try:
        import redis

        return redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except Exception:
        return False


def require_redis():
    """Skip the test when the test Redis does not answer; in CI, which has it, fail."""
    if not redis_answers():
        if os.environ.get("CI"):
            pytest.fail(f"Redis does not answer at {TEST_REDIS_URL}")
        pytest.skip(f"Redis does not answer at {TEST_REDIS_URL}")


@pytest.fixture(params=["per-process cache", "shared Redis"])
def counter_cache(request, settings):
    """Run a test on the default per-process cache and on the real Redis server,
    as production runs it (CACHE_URL=redis://...). CI has Redis, so both run there."""
    if request.param == "shared Redis":
        require_redis()
        shared = {
            **settings.CACHES,
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": TEST_REDIS_URL,
            },
        }
        # Through pytest-django's `settings`, so that the test's own changes to
        # settings are undone in the right order and never leave Redis behind.
        settings.CACHES = shared
        # django-axes keeps the cache it was first given: hand it the new one.
        AxesProxyHandler.get_implementation(force=True)
        caches["default"].clear()
        yield request.param
        caches["default"].clear()
    else:
        yield request.param


# The day the tests were collected on. Some modules fix "today" when they are
# imported (in parametrize lists, say); a run that crosses midnight would then
# compare yesterday's dates with today's.
COLLECTED_ON = timezone.localdate()


@pytest.fixture(autouse=True)
def same_day_as_collection(monkeypatch):
    """If midnight has passed since collection, run the test as of the same time on the
    collection day, so dates fixed at import still mean "today"."""
    drift = timezone.localdate() - COLLECTED_ON
    if drift:
        real_now = timezone.now
        monkeypatch.setattr(timezone, "now", lambda: real_now() - drift)


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters and cached pages live in the caches: each test starts with none."""
    AxesProxyHandler.get_implementation(force=True)
    for each in caches.all():
        each.clear()
    yield
    for each in caches.all():
        each.clear()


REFERENCE_DATA_MIGRATIONS = [
    "alliance_portal.schools.migrations.0002_load_phases",
    "leaders.migrations.0002_load_areas_of_expertise",
    "alliance_portal.pages.migrations.0002_role_page_content",
]


@pytest.fixture(autouse=True)
def reference_data(request):
    """Reload the rows data migrations provide, where a transactional test emptied them.

    A transactional test (the browser tests, for example) ends by emptying
    every table; the next one would otherwise find no phases, areas of
    expertise or role pages. The loaders are idempotent.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None and "db" not in request.fixturenames:
        return
    if marker is not None and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
    else:
        # A test in a transaction that runs after a transactional one (pytest-django
        # orders the browser tests before some others) would find the tables empty too:
        # load them inside its transaction, which rolls them back with the rest.
        request.getfixturevalue("db")
        if Phase.objects.exists():
            return
    for module in REFERENCE_DATA_MIGRATIONS:
        import_module(module).load(django_apps, None)
