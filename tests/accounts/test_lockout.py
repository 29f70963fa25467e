"""Repeated failed sign-ins are slowed, then locked, per account and per client."""

import pytest
from django.contrib.auth import authenticate as real_authenticate
from django.test import Client

from alliance_portal.accounts import lockout
from alliance_portal.accounts.forms import SetPasswordForm
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
SLOW = "Wait 30 seconds before trying again"
LOCKED = "Too many failed sign-ins: try again after 15 minutes, or reset your password"


class Clock:
    def __init__(self):
        self.time = 1_800_000_000.0

    def __call__(self):
        return self.time

    def advance(self, seconds):
        self.time += seconds


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(lockout, "now", clock)
    return clock


@pytest.fixture
def user():
    return UserFactory(email="amira@example.org")


def attempt(email, password="wrong", address="192.0.2.1"):
    client = Client(REMOTE_ADDR=address)
    response = client.post("/accounts/login/", {"username": email, "password": password})
    errors = response.context["form"].non_field_errors() if response.status_code == 200 else []
    return response, client, list(errors)


def fail(times, clock, email="amira@example.org", address="192.0.2.1", gap=31):
    for _ in range(times):
        attempt(email, address=address)
        clock.advance(gap)


def test_it_slows_an_account_after_five_failures(clock, user):
    fail(4, clock, gap=1)
    attempt("amira@example.org")  # the fifth failure

    response, client, errors = attempt("Amira@example.org", password=PASSWORD)

    assert errors == [SLOW]
    assert "_auth_user_id" not in client.session


def test_it_lets_the_account_try_again_after_the_wait(clock, user):
    fail(5, clock, gap=1)  # the last failure was one second ago
    clock.advance(28)
    assert attempt("amira@example.org", password=PASSWORD)[2] == [
        "Wait 1 second before trying again"
    ]
    clock.advance(1)

    response, client, errors = attempt("amira@example.org", password=PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_it_slows_the_account_from_another_client(clock, user):
    for number in range(5):
        attempt("amira@example.org", address=f"198.51.100.{number}")

    assert attempt("amira@example.org", password=PASSWORD, address="203.0.113.9")[2] == [SLOW]


def test_it_slows_a_client_trying_many_accounts(clock, user):
    for number in range(5):
        attempt(f"someone{number}@example.org")

    assert attempt("amira@example.org", password=PASSWORD)[2] == [SLOW]
    assert (
        attempt("amira@example.org", password=PASSWORD, address="203.0.113.9")[0].status_code == 302
    )


def test_it_locks_after_ten_failures(clock, user):
    fail(10, clock)

    clock.advance(60)
    assert attempt("amira@example.org", password=PASSWORD)[2] == [LOCKED]
    clock.advance(12 * 60)  # 13.5 minutes after the last failure
    assert attempt("amira@example.org", password=PASSWORD, address="203.0.113.9")[2] == [LOCKED]


def test_the_lock_expires(clock, user):
    fail(10, clock, gap=0)

    clock.advance(15 * 60)
    response, client, errors = attempt("amira@example.org", password=PASSWORD)

    assert response.status_code == 302


def test_a_refused_attempt_does_not_check_the_password(clock, user, monkeypatch):
    fail(10, clock)
    calls = []

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real_authenticate(*args, **kwargs)

    monkeypatch.setattr("django.contrib.auth.forms.authenticate", spy)

    assert attempt("amira@example.org", password=PASSWORD)[2] == [LOCKED]
    assert calls == []


def test_a_refused_attempt_is_not_counted(clock, user):
    fail(4, clock, gap=0)
    attempt("amira@example.org")
    for _ in range(10):
        attempt("amira@example.org")  # refused: within the wait

    clock.advance(30)
    assert attempt("amira@example.org", password=PASSWORD)[0].status_code == 302


def test_success_clears_the_account(clock, user):
    fail(4, clock, gap=0)
    assert attempt("amira@example.org", password=PASSWORD)[0].status_code == 302

    fail(4, clock, gap=0, address="203.0.113.9")

    response, client, errors = attempt("amira@example.org", address="203.0.113.9")
    assert errors[0].startswith("The email address or password is not right")


def test_a_new_password_clears_the_account(clock, user):
    fail(10, clock, gap=0)

    form = SetPasswordForm(
        user, {"new_password1": "violet-kettle-umbrella", "new_password2": "violet-kettle-umbrella"}
    )
    assert form.is_valid(), form.errors
    form.save()

    response = attempt(
        "amira@example.org", password="violet-kettle-umbrella", address="203.0.113.9"
    )[0]
    assert response.status_code == 302
