"""A school follows its request through the private tracking link."""

import datetime

import pytest
from django.utils import timezone

from requests.models import SupportRequest
from requests.services import request_transition
from requests.tracking import tracking_token, tracking_url
from tests.factories import AgreedDeploymentFactory, SupportRequestFactory

pytestmark = pytest.mark.django_db
Status = SupportRequest.Status


def track(client, support_request, suffix=""):
    return client.get(f"/track/{tracking_token(support_request)}/{suffix}")


def test_it_shows_the_state_in_plain_words_and_the_timeline(client):
    support_request = SupportRequestFactory()
    support_request.events.create(to_status=Status.NEW, actor_label="The school")
    request_transition(support_request=support_request, to_status=Status.TRIAGED)

    page = track(client, support_request).content.decode()

    assert support_request.reference in page
    assert "A coordinator has read your request and confirmed what you need." in page
    timeline = page[page.index("What has happened so far") :]
    assert timeline.index("You sent the request") < timeline.index(
        "A coordinator read your request"
    )
    assert "Withdraw this request" in page


def test_it_names_the_leader_once_support_is_agreed(client):
    deployment = AgreedDeploymentFactory(leader__full_name="Grace Okafor")
    deployment.request.status = Status.AGREED
    deployment.request.save()

    page = track(client, deployment.request).content.decode()

    assert "Grace Okafor" in page
    assert "Specialist Leader of Education" in page


def test_it_does_not_name_a_leader_who_was_only_proposed(client):
    proposed = AgreedDeploymentFactory(leader__full_name="Grace Okafor", status="proposed")

    assert "Grace Okafor" not in track(client, proposed.request).content.decode()


def test_it_does_not_call_paused_support_under_way(client):
    deployment = AgreedDeploymentFactory(
        status="paused",
        request__status=Status.IN_DELIVERY,
        paused_at=timezone.now(),
        pause_reason="The head is on leave.",
        resume_expected=timezone.localdate() + datetime.timedelta(days=14),
    )

    page = track(client, deployment.request).content.decode()

    assert ">Paused</strong>" in page
    assert "The support is paused for now." in page
    assert "The support is under way." not in page
    assert "Why: The head is on leave." in page


def test_it_builds_an_absolute_link_for_emails(settings):
    settings.SITE_URL = "https://portal.example.org"
    support_request = SupportRequestFactory()

    assert tracking_url(support_request).startswith("https://portal.example.org/track/")


@pytest.mark.parametrize(
    "mangle", [lambda t: t[:-2] + "xx", lambda t: "1:" + t, lambda t: "nonsense"]
)
def test_it_answers_not_found_for_a_tampered_link(client, mangle):
    support_request = SupportRequestFactory()

    response = client.get(f"/track/{mangle(tracking_token(support_request))}/")

    assert response.status_code == 404


def test_it_refuses_a_link_for_a_request_that_no_longer_exists(client):
    support_request = SupportRequestFactory()
    token = tracking_token(support_request)
    support_request.delete()

    assert client.get(f"/track/{token}/").status_code == 404


def test_it_expires_the_link_a_month_after_the_request_closes(client):
    support_request = SupportRequestFactory(
        status=Status.WITHDRAWN, closed_at=timezone.now() - datetime.timedelta(days=31)
    )

    response = track(client, support_request)

    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()


def test_it_keeps_the_link_working_soon_after_closing(client):
    support_request = SupportRequestFactory(
        status=Status.DECLINED,
        closed_at=timezone.now() - datetime.timedelta(days=3),
        closed_reason="Outside our area.",
    )

    page = track(client, support_request).content.decode()

    assert "The alliance could not take this request on." in page
    assert "Outside our area." in page
    assert "Withdraw this request" not in page


def test_it_lets_the_school_withdraw_with_a_reason(client):
    support_request = SupportRequestFactory(status=Status.MATCHING, contact_name="Amira Khan")
    token = tracking_token(support_request)

    response = client.post(f"/track/{token}/withdraw/", {"reason": "We found help nearby."})

    assert response.status_code == 302
    support_request.refresh_from_db()
    assert support_request.status == Status.WITHDRAWN
    assert support_request.closed_reason == "We found help nearby."
    event = support_request.events.get()
    assert event.actor_label == "Amira Khan (school contact)"
    assert "Your request has been withdrawn." in client.get(response.url).content.decode()


def test_it_needs_a_reason_to_withdraw(client):
    support_request = SupportRequestFactory(status=Status.NEW)

    response = client.post(f"/track/{tracking_token(support_request)}/withdraw/", {"reason": ""})

    assert "Tell us why you are withdrawing the request" in response.content.decode()
    support_request.refresh_from_db()
    assert support_request.status == Status.NEW


def test_it_does_not_withdraw_support_already_under_way(client):
    support_request = SupportRequestFactory(status=Status.IN_DELIVERY)

    response = client.post(f"/track/{tracking_token(support_request)}/withdraw/", {"reason": "x"})

    assert response.status_code == 302
    support_request.refresh_from_db()
    assert support_request.status == Status.IN_DELIVERY


def test_it_tells_browsers_not_to_keep_the_tracking_page(client):
    response = track(client, SupportRequestFactory())

    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"


def test_it_refuses_a_withdrawal_with_the_honeypot_filled_in(client):
    support_request = SupportRequestFactory(status=Status.MATCHING)

    response = client.post(
        f"/track/{tracking_token(support_request)}/withdraw/",
        {"reason": "Spam", "website_address": "http://spam.example"},
    )

    assert response.status_code == 400
    support_request.refresh_from_db()
    assert support_request.status == Status.MATCHING


@pytest.mark.usefixtures("counter_cache")
def test_it_limits_withdrawal_attempts_per_client(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "tracking": (1, 3600)}
    support_request = SupportRequestFactory(status=Status.MATCHING)
    url = f"/track/{tracking_token(support_request)}/withdraw/"
    client.post(url, {"reason": ""})

    response = client.post(url, {"reason": "We found help."})

    assert response.status_code == 429
    support_request.refresh_from_db()
    assert support_request.status == Status.MATCHING
