"""Signing in at /accounts/login/: where each person lands, and what a failure says."""

import pytest

from tests.factories import CoordinatorFactory, LeaderFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
BAD_LOGIN = "The email address or password is not right"


def sign_in(client, email, password=PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": email, "password": password, **extra})


def test_it_shows_the_sign_in_form():
    from django.test import Client

    response = Client().get("/accounts/login/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Email address" in html
    assert 'autocomplete="email"' in html
    assert 'autocomplete="current-password"' in html


def test_it_sends_a_leader_to_their_dashboard(client):
    leader = LeaderFactory(user=UserFactory(email="amira@example.org"))

    response = sign_in(client, "Amira@Example.org")

    assert response.status_code == 302
    assert response.url == "/my/"
    assert client.session["_auth_user_id"] == str(leader.user.pk)


def test_it_sends_a_coordinator_to_the_admin(client):
    coordinator = CoordinatorFactory()

    response = sign_in(client, coordinator.email)

    assert response.url == "/admin/"


def test_it_sends_a_superuser_to_the_admin(client):
    superuser = UserFactory(is_staff=True, is_superuser=True)

    assert sign_in(client, superuser.email).url == "/admin/"


def test_it_sends_anyone_else_home(client):
    user = UserFactory()

    assert sign_in(client, user.email).url == "/"


def test_it_follows_a_safe_next(client):
    user = CoordinatorFactory()

    response = sign_in(client, user.email, next="/admin/leaders/leader/")

    assert response.url == "/admin/leaders/leader/"


def test_it_ignores_a_next_to_another_site(client):
    leader = LeaderFactory(user=UserFactory())

    response = sign_in(client, leader.user.email, next="https://evil.example.com/")

    assert response.url == "/my/"


@pytest.mark.parametrize("email", ["nobody@example.org", "known@example.org"])
def test_it_says_the_same_for_a_wrong_password_or_unknown_email(client, email):
    UserFactory(email="known@example.org")

    response = sign_in(client, email, password="wrong-password")

    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1 and errors[0].startswith(BAD_LOGIN)
    assert "_auth_user_id" not in client.session
    assert "govuk-error-summary" in response.content.decode()


def test_it_refuses_a_deactivated_account_with_the_same_message(client):
    user = UserFactory(is_active=False)

    response = sign_in(client, user.email)

    assert response.context["form"].non_field_errors()[0].startswith(BAD_LOGIN)
    assert "_auth_user_id" not in client.session


def test_it_asks_for_missing_fields(client):
    response = client.post("/accounts/login/", {})

    assert response.context["form"].errors == {
        "username": ["Enter your email address"],
        "password": ["Enter your password"],
    }


def test_it_signs_out_on_post_only(client):
    user = UserFactory()
    client.force_login(user)

    assert client.get("/accounts/logout/").status_code == 405
    assert "_auth_user_id" in client.session

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response.url == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_the_admin_login_sends_people_to_ours_keeping_next(client):
    response = client.get("/admin/login/?next=/admin/leaders/")

    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=%2Fadmin%2Fleaders%2F"


def test_the_admin_sends_an_anonymous_visitor_to_our_login(client):
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0] == "/accounts/login/?next=%2Fadmin%2F"
    assert response.templates[0].name == "accounts/login.html"


def test_it_changes_the_password(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": PASSWORD,
            "new_password1": "violet-kettle-umbrella",
            "new_password2": "violet-kettle-umbrella",
        },
    )

    assert response.url == "/accounts/password/change/done/"
    user.refresh_from_db()
    assert user.check_password("violet-kettle-umbrella")
    assert client.get(response.url).status_code == 200


def test_it_refuses_a_wrong_current_password(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        "/accounts/password/change/",
        {"old_password": "nope", "new_password1": "x-y-z-w-1", "new_password2": "x-y-z-w-1"},
    )

    assert response.context["form"].errors["old_password"] == [
        "Your current password is not right. Enter it again"
    ]
