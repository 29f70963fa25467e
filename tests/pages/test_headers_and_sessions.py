"""Headers on every page, private pages kept out of caches, session limits and passwords."""

import pytest
from django.test import Client

from alliance_portal import middleware
from alliance_portal.accounts.forms import SetPasswordForm
from deployments.evaluation_links import evaluation_token
from leaders.calendar import calendar_secret_hash
from requests.tracking import tracking_token
from tests.factories import (
    AgreedDeploymentFactory,
    CoordinatorFactory,
    SupportRequestFactory,
    UserFactory,
    leader_with_designation,
)
from tests.test_permission_matrix import MATRIX, named_urls

pytestmark = pytest.mark.django_db


@pytest.fixture
def links():
    leader = leader_with_designation()
    leader.calendar_token_hash = calendar_secret_hash("header-calendar")
    leader.save()
    completed = AgreedDeploymentFactory(
        leader=leader,
        designation=leader.designations.get(),
        status="completed",
        request__status="completed",
    )
    return {
        "leader": leader,
        "track": f"/track/{tracking_token(SupportRequestFactory())}/",
        "feedback": f"/feedback/{evaluation_token(completed)}/",
        "calendar": "/calendar/header-calendar.ics",
    }


def test_every_page_sends_a_policy_with_no_inline_scripts_or_styles(client, links):
    for url in ["/", "/leaders/", "/request-support/school/", "/accounts/login/", links["track"]]:
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert "'unsafe-inline'" not in policy, url
        assert "script-src 'self'" in policy
        assert "style-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "object-src 'none'" in policy
        assert "camera=()" in response["Permissions-Policy"]
        assert "geolocation=()" in response["Permissions-Policy"]


def test_the_admin_sends_the_policy_too(admin_client):
    response = admin_client.get("/admin/")

    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "Permissions-Policy" in response


def no_store(response):
    control = response.get("Cache-Control", "")
    return "private" in control and "no-store" in control


def test_private_pages_are_never_kept_in_a_cache(client, links, admin_client):
    leader_client = Client()
    leader_client.force_login(links["leader"].user)
    private = {
        "the leader's page": leader_client.get("/my/"),
        "the leader's profile": leader_client.get("/my/profile/"),
        "the admin": admin_client.get("/admin/"),
        "an admin list": admin_client.get("/admin/support_requests/supportrequest/"),
        "the dashboard": admin_client.get("/admin/dashboard/"),
        "a tracking link": client.get(links["track"]),
        "a feedback link": client.get(links["feedback"]),
        "a calendar feed": client.get(links["calendar"]),
        "the sign-in page": client.get("/accounts/login/"),
        "a password page": client.get("/accounts/password/reset/"),
    }

    assert [name for name, response in private.items() if not no_store(response)] == []


def test_public_pages_may_be_cached(client):
    for url in ["/", "/roles/sle/", "/leaders/"]:
        assert not no_store(client.get(url)), url


def test_every_matrix_url_is_either_private_or_public(links):
    """A new page must be decided on: private pages are named in the middleware."""
    private_names = {
        name
        for name in named_urls()
        if name.split(":")[0] in middleware.PRIVATE_NAMESPACES
        or tuple(name.split(":")) in middleware.PRIVATE_PAGES
    }
    assert "portal:dashboard" in private_names
    assert "requests:track" in private_names
    assert "deployments:evaluation" in private_names
    assert set(named_urls()) <= set(MATRIX)


def signed_in_through_the_form(user, password="correct-horse-battery"):
    client = Client()
    response = client.post("/accounts/login/", {"username": user.email, "password": password})
    assert response.status_code == 302
    return client


def still_signed_in(client):
    return "_auth_user_id" in client.session


def test_a_staff_session_ends_after_thirty_idle_minutes(clock):
    client = signed_in_through_the_form(CoordinatorFactory(is_superuser=True))
    clock.advance(29 * 60)
    assert client.get("/admin/").status_code == 200

    clock.advance(31 * 60)
    response = client.get("/admin/", follow=True)

    assert not still_signed_in(client)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert "signed out after 30 minutes without activity" in response.content.decode()


def test_a_busy_staff_session_still_ends_after_ten_hours(clock):
    client = signed_in_through_the_form(CoordinatorFactory(is_superuser=True))
    for _ in range(20):
        clock.advance(29 * 60)
        assert client.get("/admin/").status_code == 200

    clock.advance(29 * 60)
    response = client.get("/admin/", follow=True)

    assert not still_signed_in(client)
    assert "signed out after 10 hours" in response.content.decode()


def test_a_leader_keeps_a_longer_session(clock):
    leader = leader_with_designation()
    client = signed_in_through_the_form(leader.user)

    clock.advance(3 * 86400)

    assert client.get("/my/").status_code == 200
    assert still_signed_in(client)
    clock.advance(15 * 86400)
    client.get("/my/")
    assert not still_signed_in(client)


def test_the_staff_session_cookie_lasts_only_the_idle_time():
    client = signed_in_through_the_form(CoordinatorFactory(is_superuser=True))

    assert client.session.get_expiry_age() == 30 * 60


@pytest.mark.parametrize(
    "password", ["jo.bloggs-2026", "JoBloggs2026!", "Bloggs-Harbour-99", "JOSEPHINE1-lights"]
)
def test_a_password_like_the_email_address_or_name_is_refused(password):
    user = UserFactory(email="jo.bloggs@school.example.org", full_name="Josephine Bloggs")

    form = SetPasswordForm(user, {"new_password1": password, "new_password2": password})

    assert not form.is_valid()
    assert "does not contain your name or email address" in str(form.errors)


def test_an_unrelated_password_is_accepted():
    user = UserFactory(email="jo.bloggs@school.example.org", full_name="Josephine Bloggs")
    password = "violet-kettle-umbrella"

    assert SetPasswordForm(user, {"new_password1": password, "new_password2": password}).is_valid()


def test_the_help_text_states_the_real_rule(client):
    user = UserFactory()
    form = SetPasswordForm(user)

    assert "At least 10 characters" in form.fields["new_password1"].help_text
    short = SetPasswordForm(user, {"new_password1": "Sh0rt-pw", "new_password2": "Sh0rt-pw"})
    assert not short.is_valid()
    assert "at least 10 characters" in str(short.errors)
