"""The Redis cache keeps one client per connection pool (alliance_portal/cache.py), and
settings use it wherever a cache URL names Redis."""

import pytest

from alliance_portal.cache import SharedClientRedisCache
from tests.conftest import TEST_REDIS_URL, require_redis
from tests.test_settings import PRODUCTION, run_manage


@pytest.fixture
def redis_cache():
    require_redis()
    cache = SharedClientRedisCache(TEST_REDIS_URL, {"KEY_PREFIX": "shared-client-test"})
    yield cache
    cache.delete_many(["counter", "page"])


def test_it_answers_every_call_through_one_client(redis_cache):
    redis_cache.set("page", {"title": "Find a system leader"}, 30)
    redis_cache.add("counter", 0, 30)
    redis_cache.incr("counter")

    assert redis_cache.get("page") == {"title": "Find a system leader"}
    assert redis_cache.get_many(["page", "counter"]) == {
        "page": {"title": "Find a system leader"},
        "counter": 1,
    }
    client = redis_cache._cache.get_client()
    assert redis_cache._cache.get_client(write=True) is client


def test_settings_use_it_for_redis_urls_only():
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings\n"
        "print(settings.CACHES['default']['BACKEND'], settings.CACHES['pages']['BACKEND'])",
        **{**PRODUCTION, "PAGE_CACHE_URL": "locmemcache://pages"},
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "alliance_portal.cache.SharedClientRedisCache",
        "django.core.cache.backends.locmem.LocMemCache",
    ]
