import pytest


@pytest.mark.django_db
def test_it_answers_ok_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz/")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain"
    assert response.content == b"ok"


@pytest.mark.django_db
def test_readiness_says_ok_when_the_database_and_the_cache_answer(client):
    response = client.get("/readyz/")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readiness_fails_naming_the_cache_when_it_does_not_answer(client, settings):
    """Nothing listens on port 1: every cache call fails, as when Redis is down.
    (Changing CACHES makes Django open the caches afresh.)"""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        },
    }

    response = client.get("/readyz/")

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "cache": "failed"}
