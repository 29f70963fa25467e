"""Resetting a forgotten password by email."""

import re

import pytest

from alliance_portal.notifications.models import OutboundEmail
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver(/accounts/password/reset/[^/\s]+/[^/\s]+/)")


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "http://testserver"


def test_it_emails_a_link_to_a_known_address(client):
    user = UserFactory(email="amira@example.org")

    response = client.post("/accounts/password/reset/", {"email": "Amira@Example.org"})

    assert response.url == "/accounts/password/reset/sent/"
    email = OutboundEmail.objects.get(topic="password-reset")
    assert email.to == user.email
    assert LINK.search(email.body_text)


def test_it_answers_the_same_for_an_unknown_address(client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})

    assert response.url == "/accounts/password/reset/sent/"
    assert not OutboundEmail.objects.exists()


def test_it_emails_an_invited_leader_without_a_password_yet(client):
    user = UserFactory(email="amira@example.org")
    user.set_unusable_password()
    user.save()

    client.post("/accounts/password/reset/", {"email": "amira@example.org"})

    assert OutboundEmail.objects.filter(to="amira@example.org").exists()


def test_it_sends_nothing_to_a_deactivated_account(client):
    UserFactory(email="amira@example.org", is_active=False)

    client.post("/accounts/password/reset/", {"email": "amira@example.org"})

    assert not OutboundEmail.objects.exists()


def test_the_link_sets_a_new_password_once(client):
    user = UserFactory(email="amira@example.org")
    client.post("/accounts/password/reset/", {"email": "amira@example.org"})
    link = LINK.search(OutboundEmail.objects.get().body_text).group(1)

    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "violet-kettle-umbrella", "new_password2": "violet-kettle-umbrella"},
    )

    assert response.url == "/accounts/password/reset/complete/"
    user.refresh_from_db()
    assert user.check_password("violet-kettle-umbrella")
    assert "This link does not work" in client.get(link, follow=True).content.decode()


def test_it_asks_for_an_email_address(client):
    response = client.post("/accounts/password/reset/", {"email": ""})

    assert response.context["form"].errors == {"email": ["Enter your email address"]}


@pytest.mark.usefixtures("counter_cache")
def test_it_limits_how_often_one_client_asks_for_reset_emails(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password-reset": (2, 3600)}
    for _ in range(2):
        client.post("/accounts/password/reset/", {"email": "someone@example.org"})

    response = client.post("/accounts/password/reset/", {"email": "someone@example.org"})

    assert response.status_code == 429
