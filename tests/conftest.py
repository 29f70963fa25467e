from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.core.cache import caches

from tests.factories import UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(email="admin@example.org", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters and cached pages live in the caches: each test starts with none."""
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
    """Reload the rows data migrations provide before each transactional test.

    A transactional test (the browser tests, for example) ends by emptying
    every table; the next one would otherwise find no phases, areas of
    expertise or role pages. The loaders are idempotent.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    for module in REFERENCE_DATA_MIGRATIONS:
        import_module(module).load(django_apps, None)
