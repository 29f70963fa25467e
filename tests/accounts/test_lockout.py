"""Failed sign-ins lock an account on one client (django-axes); each client has a ceiling.

Every test runs twice: on the per-process cache of a first run and on the real
Redis server production shares between workers (`counter_cache`).
"""

import datetime
import time

import pytest
from axes.helpers import get_client_cache_keys
from axes.models import AccessAttempt
from django.contrib.auth import authenticate as real_authenticate
from django.core.cache import caches
from django.test import Client

from alliance_portal.accounts.forms import SetPasswordForm
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("counter_cache")]

PASSWORD = "correct-horse-battery"
LOCKED = "Too many failed sign-ins: try again after 15 minutes, or reset your password"
WRONG = "The email address or password is not right"


@pytest.fixture
def user():
    return UserFactory(
        email="amira@example.org", full_name="Amira Khan"
    )  # a fixed name: a random one can resemble the new password


def attempt(email, password="wrong", address="192.0.2.1", **headers):
    client = Client(REMOTE_ADDR=address, **headers)
    response = client.post("/accounts/login/", {"username": email, "password": password})
    errors = list(response.context["form"].non_field_errors()) if response.context else []
    return response, client, errors


def fail(times, email="amira@example.org", address="192.0.2.1", **headers):
    for _ in range(times):
        attempt(email, address=address, **headers)


def signed_in(result):
    response, client, _ = result
    return response.status_code == 302 and "_auth_user_id" in client.session


def test_nine_failures_leave_the_account_open(user):
    fail(9)

    assert signed_in(attempt("amira@example.org", password=PASSWORD))


def test_the_tenth_failure_locks_the_account_on_that_client(user):
    fail(9)

    tenth, _, errors = attempt("amira@example.org")
    right_password, client, locked = attempt("amira@example.org", password=PASSWORD)

    assert tenth.status_code == 429
    assert errors == [LOCKED]
    assert right_password.status_code == 429
    assert locked == [LOCKED]
    assert "_auth_user_id" not in client.session
    assert "Error: Sign in" in right_password.content.decode()


def test_letter_case_does_not_make_a_new_account(user):
    for email in ["amira@example.org", "AMIRA@example.org", " Amira@Example.org "] * 3:
        attempt(email)
    attempt("aMiRa@example.org")

    assert attempt("amira@example.org", password=PASSWORD)[2] == [LOCKED]


def test_someone_elses_failures_never_lock_the_real_person_out(user):
    """The attack: ten failures on the coordinator's address, from anywhere else."""
    fail(30, address="203.0.113.66")

    assert signed_in(attempt("amira@example.org", password=PASSWORD, address="198.51.100.7"))


def test_behind_a_proxy_each_visitor_is_counted_on_their_own_address(user, settings):
    """The proxy appends the real address: what a visitor writes before it is not trusted."""
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.1"
    # The attacker claims to be the coordinator's address; the proxy adds theirs.
    fail(10, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.66")

    assert attempt("amira@example.org", address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.66")[2] == [
        LOCKED
    ]
    assert signed_in(
        attempt(
            "amira@example.org",
            password=PASSWORD,
            address=proxy,
            HTTP_X_FORWARDED_FOR="198.51.100.7",
        )
    )


def test_a_locked_attempt_does_not_check_the_password(user, monkeypatch):
    fail(10)
    calls = []

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real_authenticate(*args, **kwargs)

    monkeypatch.setattr("django.contrib.auth.backends.ModelBackend.authenticate", spy)

    assert attempt("amira@example.org", password=PASSWORD)[2] == [LOCKED]
    assert calls == []


def test_the_lock_ends_after_the_cool_off(user, settings):
    settings.AXES_COOLOFF_TIME = datetime.timedelta(seconds=1)
    fail(10)
    assert attempt("amira@example.org", password=PASSWORD)[2] == [LOCKED]

    time.sleep(1.2)

    assert signed_in(attempt("amira@example.org", password=PASSWORD))


def test_success_clears_the_count(user):
    fail(9)
    assert signed_in(attempt("amira@example.org", password=PASSWORD))

    fail(8)

    assert attempt("amira@example.org")[2][0].startswith(WRONG)  # the ninth since


def test_a_new_password_clears_the_lock_on_the_client_that_sets_it(user, rf):
    fail(10)
    request = rf.post("/", REMOTE_ADDR="192.0.2.1")

    form = SetPasswordForm(
        user, {"new_password1": "violet-kettle-umbrella", "new_password2": "violet-kettle-umbrella"}
    )
    form.request = request
    assert form.is_valid(), form.errors
    form.save()

    assert signed_in(attempt("amira@example.org", password="violet-kettle-umbrella"))


def test_a_client_trying_many_accounts_meets_its_ceiling(user, settings):
    settings.LOGIN_CLIENT_CEILING = 5
    for number in range(5):
        attempt(f"someone{number}@example.org")

    refused = attempt("amira@example.org", password=PASSWORD)
    elsewhere = attempt("amira@example.org", password=PASSWORD, address="203.0.113.9")

    assert refused[2] == [LOCKED]
    assert signed_in(elsewhere)


def test_every_worker_reads_the_same_count(user, counter_cache):
    """Each gunicorn worker is a process of its own with its own connection to the cache."""
    if counter_cache != "shared Redis":
        pytest.skip("a per-process cache cannot be shared; with DEBUG off it is refused")
    fail(4)
    fail(3, address="203.0.113.9")
    another_worker = caches.create_connection("default")
    pair = get_client_cache_keys(
        AccessAttempt(username="amira@example.org", ip_address="192.0.2.1")
    )

    assert another_worker is not caches["default"]
    assert [another_worker.get(key) for key in pair] == [4]
