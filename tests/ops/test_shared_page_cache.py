"""Visitors' public pages across servers: two gunicorn servers (two workers each) sharing
one database and one Redis, as production runs several. A page one server worked out is
served by the other from the shared cache, and a change made in a third process hides
the old page on both at once, in every worker, including the copies workers keep
(alliance_portal/pages/public_cache.py)."""

import pytest
import redis

from tests.conftest import TEST_REDIS_URL, require_redis
from tests.test_settings import run_manage

NAME, RENAMED = "Ffion Public", "Ffion Hidden-Rename"
PAGES = ["/leaders/", "/leaders/?q=ffion&kind=SLE", "/leaders/?page=01"]


@pytest.fixture
def shared_redis():
    require_redis()
    # The test run's own Redis database (one per pytest worker): never another's.
    client = redis.Redis.from_url(TEST_REDIS_URL)
    client.flushdb()
    yield TEST_REDIS_URL
    client.flushdb()


def shell(env, code):
    result = run_manage("shell", "--no-imports", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def names_on(server, path, times=4):
    """What each of several looks shows (two workers: each look may meet either)."""
    bodies = []
    for _ in range(times):
        status, _headers, body = server.ask(path)
        assert status == 200, (path, status)
        bodies.append(body.decode())
    return {name for name in (NAME, RENAMED) for body in bodies if name in body}


def test_a_change_hides_the_cached_pages_on_every_server_at_once(
    start_gunicorn, production_environment, shared_redis
):
    env = {**production_environment, "CACHE_URL": shared_redis, "PAGE_CACHE_URL": shared_redis}
    pk = shell(
        env,
        "from tests.factories import DesignationFactory, LeaderFactory\n"
        f"leader = LeaderFactory(full_name={NAME!r}, public_profile_consent=True)\n"
        "DesignationFactory(leader=leader, kind='SLE')\n"
        "print(leader.pk)",
    )
    leader_page = f"/leaders/{pk}/"
    first, second = start_gunicorn(env=env), start_gunicorn(env=env)
    for path in [*PAGES, leader_page]:
        assert names_on(first, path) == {NAME}, path

    # Renamed behind the cache's back (no signal): the second server, which has not
    # worked these pages out, is handed the first one's from the shared cache.
    shell(
        env,
        "from leaders.models import Leader\n"
        f"Leader.objects.filter(pk={pk}).update(full_name={RENAMED!r})",
    )
    for path in [*PAGES, leader_page]:
        assert names_on(second, path) == {NAME}, path
        assert names_on(first, path) == {NAME}, path

    # A change as the portal makes it, in another process: gone from both at once.
    shell(
        env,
        "from leaders.models import Leader\n"
        f"leader = Leader.objects.get(pk={pk})\n"
        "leader.public_profile_consent = False\n"
        "leader.save()",
    )
    for server in (first, second):
        for path in PAGES:
            assert names_on(server, path) == set(), path
        assert server.ask(leader_page)[0] == 404
