"""The admin warns before a staff session signs out and lets the coordinator stay (WCAG 2.2.1).

/accounts/session/ says how long is left: asking is not activity, so a tab left
open does not keep a session alive, and "Stay signed in" (a POST) counts from
now. The ten hours in all cannot be extended, and the answer says so.
"""

import re

import pytest
from django.test import Client

from alliance_portal.accounts.groups import ensure_coordinator_group
from tests.factories import CoordinatorFactory

pytestmark = pytest.mark.django_db

SESSION_URL = "/accounts/session/"


@pytest.fixture
def coordinator_client():
    coordinator = CoordinatorFactory()
    coordinator.groups.add(ensure_coordinator_group())
    client = Client(enforce_csrf_checks=True)
    response = client.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    response = client.post(
        "/accounts/login/",
        {
            "username": coordinator.email,
            "password": "correct-horse-battery",
            "csrfmiddlewaretoken": token.group(1),
        },
    )
    assert response.status_code == 302
    return client


def csrf_token_on_the_page(client, path="/admin/"):
    html = client.get(path).content.decode()
    return re.search(r'data-csrf-token="([^"]+)"', html).group(1)


def test_asking_how_long_is_left_does_not_keep_the_session_alive(clock, coordinator_client):
    clock.advance(10 * 60)
    assert coordinator_client.get(SESSION_URL).json() == {
        "signed_in": True,
        "seconds_left": 20 * 60,
        "can_extend": True,
    }

    clock.advance(19 * 60)
    assert coordinator_client.get(SESSION_URL).json()["seconds_left"] == 60

    clock.advance(2 * 60)
    assert coordinator_client.get(SESSION_URL).json() == {
        "signed_in": False,
        "seconds_left": 0,
        "can_extend": False,
    }
    assert coordinator_client.get("/admin/").status_code == 302


def test_staying_signed_in_counts_the_idle_time_from_now(clock, coordinator_client):
    token = csrf_token_on_the_page(coordinator_client)
    clock.advance(28 * 60)

    answer = coordinator_client.post(SESSION_URL, HTTP_X_CSRFTOKEN=token).json()

    assert answer == {"signed_in": True, "seconds_left": 30 * 60, "can_extend": True}
    clock.advance(20 * 60)  # 48 minutes after signing in, 20 after "Stay signed in"
    assert coordinator_client.get("/admin/").status_code == 200


def test_staying_signed_in_needs_the_pages_csrf_token(clock, coordinator_client):
    clock.advance(28 * 60)

    assert coordinator_client.post(SESSION_URL).status_code == 403
    clock.advance(3 * 60)
    assert coordinator_client.get(SESSION_URL).json()["signed_in"] is False


def test_the_ten_hours_in_all_cannot_be_extended(clock, coordinator_client):
    token = csrf_token_on_the_page(coordinator_client)
    for _ in range(20):
        clock.advance(29 * 60)
        coordinator_client.post(SESSION_URL, HTTP_X_CSRFTOKEN=token)

    answer = coordinator_client.post(SESSION_URL, HTTP_X_CSRFTOKEN=token).json()

    assert answer == {"signed_in": True, "seconds_left": 20 * 60, "can_extend": False}


def test_every_admin_page_carries_the_warning_with_the_time_left(clock, coordinator_client):
    clock.advance(5 * 60)

    html = coordinator_client.get("/admin/support_requests/supportrequest/").content.decode()

    assert '<dialog id="session-warning"' in html
    # Opening the page is activity: the full idle time is left, as the server now says.
    assert 'data-seconds-left="1800"' in html
    assert coordinator_client.get(SESSION_URL).json()["seconds_left"] == 1800
    assert 'data-warn-before="120"' in html
    assert "admin-portal/session-warning.js" in html


def test_someone_signed_out_gets_an_answer_not_a_redirect():
    response = Client().get(SESSION_URL)

    assert response.status_code == 200
    assert response.json()["signed_in"] is False
    assert "no-cache" in response["Cache-Control"]


def test_a_page_opened_near_the_end_starts_the_idle_time_again(clock, coordinator_client):
    clock.advance(29 * 60)

    html = coordinator_client.get("/admin/").content.decode()

    assert 'data-seconds-left="1800"' in html
