"""Client addresses behind proxies, shared atomic counters, and the settings that guard them."""

import os
import subprocess
import sys
import threading

import pytest
from django.conf import settings as django_settings
from django.core.checks import run_checks
from django.db import connections
from django.test import RequestFactory

from alliance_portal.pages.protection import client_address, over_limit

pytestmark = pytest.mark.django_db

rf = RequestFactory()


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, None, "10.0.0.1"),
        (0, "203.0.113.9", "10.0.0.1"),  # no proxy is trusted: the header is the visitor's own
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.7, 203.0.113.9", "203.0.113.9"),  # what the visitor wrote is ignored
        (2, "198.51.100.7, 203.0.113.9, 192.0.2.50", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.1"),  # fewer hops than proxies: not to be trusted
        (1, None, "10.0.0.1"),
    ],
)
def test_it_reads_the_address_the_trusted_proxies_recorded(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}

    assert client_address(rf.get("/", REMOTE_ADDR="10.0.0.1", **headers)) == expected


@pytest.mark.usefixtures("counter_cache")
def test_a_rate_limit_counts_each_attempt_once_under_a_crowd(settings):
    """Twenty threads post at once against a limit of 10: exactly 10 get through."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "request-support": (10, 3600)}
    request = rf.post("/", REMOTE_ADDR="192.0.2.1")
    results, start = [], threading.Barrier(20)

    def post():
        start.wait()
        results.append(over_limit("request-support", request))
        connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results.count(False) == 10
    assert results.count(True) == 10


@pytest.mark.usefixtures("counter_cache")
def test_the_pages_that_count_answer_on_every_cache(client):
    """With CACHE_URL=redis://… the sign-in page, the request form and the directory
    answered 500 when no Redis client was installed."""
    for url in ("/accounts/login/", "/request-support/school/", "/leaders/"):
        assert client.get(url).status_code == 200, url
    assert (
        client.post("/accounts/login/", {"username": "a@b.org", "password": "x"}).status_code == 200
    )


def check_ids(**overrides):
    with pytest.MonkeyPatch.context() as patch:
        for name, value in overrides.items():
            patch.setattr(django_settings, name, value, raising=False)
        return {message.id for message in run_checks(include_deployment_checks=True)}


LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "x"}}


def test_production_refuses_a_per_process_cache_for_counters():
    assert "portal.E010" in check_ids(DEBUG=False, CACHES=LOCMEM)
    assert "portal.E010" not in check_ids(DEBUG=False, CACHES=REDIS)
    assert "portal.E010" not in check_ids(DEBUG=True, CACHES=LOCMEM)


def test_deploy_check_warns_of_a_proxy_with_no_trusted_hops():
    proxied = ("HTTP_X_FORWARDED_PROTO", "https")

    assert "portal.W010" in check_ids(SECURE_PROXY_SSL_HEADER=proxied, TRUSTED_PROXY_COUNT=0)
    assert "portal.W010" not in check_ids(SECURE_PROXY_SSL_HEADER=proxied, TRUSTED_PROXY_COUNT=1)


def start_in_production(secret_key):
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secret_key,
        "ENV_FILE": "/dev/null",
        "DJANGO_SETTINGS_MODULE": "alliance_portal.settings",
    }
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        cwd=django_settings.BASE_DIR,
    )


@pytest.mark.parametrize(
    "weak",
    ["short-key-1234", "a" * 60, "abcd" * 20],
    ids=["too short", "one character", "four characters"],
)
def test_production_refuses_a_weak_secret_key(weak):
    result = start_in_production(weak)

    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr


def test_production_starts_with_a_strong_secret_key():
    result = start_in_production("k3Jx9-vQ2mPz7_Lw4RtYb8NcHd5FgAs6EuWi1OoKlMnBvCx0Zq")

    assert result.returncode == 0, result.stderr
