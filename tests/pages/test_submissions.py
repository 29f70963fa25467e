"""Every final step happens once: a second POST of the same form creates nothing.

Each final step's form carries a one-time key (`{% submission_key %}`). The
tests read it from the page as a browser would, post it twice, and check
that one record exists and both answers are the same confirmation. On
PostgreSQL two POSTs at the same moment, from one session, race for it.
"""

import contextlib
import re
import threading

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from deployments.models import ImpactReport, SchoolEvaluation, SupportLog
from leaders.models import LeaderApplication
from requests import services as request_services
from requests.models import SupportRequest
from tests.deployments.test_impact_report import form_data as impact_answers
from tests.deployments.test_impact_report import make_deployment
from tests.deployments.test_portal_deployment import log_data
from tests.deployments.test_school_evaluation import answers as evaluation_answers
from tests.deployments.test_school_evaluation import page_url as evaluation_url
from tests.factories import AllianceFactory, LocalAuthorityFactory, SchoolFactory
from tests.leaders.test_apply import answers as application_answers
from tests.requests.test_journey import answer_everything

KEY = re.compile(r'name="submission_key" value="([^"]+)"')


def key_on(response):
    [key] = KEY.findall(response.content.decode())
    return key


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def school():
    camden = LocalAuthorityFactory(code=202, name="Camden")
    alliance = AllianceFactory(name="North London Hub", contact_email="hub@example.org")
    alliance.local_authorities.add(camden)
    return SchoolFactory(urn=100123, name="Primrose Hill Primary School", local_authority=camden)


def post_twice(client, url, data):
    return client.post(url, data), client.post(url, data)


@pytest.mark.django_db
def test_the_school_sends_its_request_once_however_often_it_presses_send(client, school):
    answer_everything(client, school)
    key = key_on(client.get("/request-support/check/"))

    first, second = post_twice(
        client, "/request-support/check/", {"privacy_consent": "on", "submission_key": key}
    )

    assert SupportRequest.objects.count() == 1
    assert first.url == second.url == "/request-support/sent/"
    page = client.get(second.url).content.decode()
    assert SupportRequest.objects.get().reference in page


@pytest.mark.django_db
def test_a_key_another_browser_posts_shows_it_nothing(client, school):
    answer_everything(client, school)
    key = key_on(client.get("/request-support/check/"))
    client.post("/request-support/check/", {"privacy_consent": "on", "submission_key": key})
    stranger = Client(raise_request_exception=False)
    answer_everything(stranger, school)

    response = stranger.post(
        "/request-support/check/", {"privacy_consent": "on", "submission_key": key}
    )

    assert response.status_code == 400
    assert SupportRequest.objects.count() == 1
    assert "support_request_sent" not in stranger.session


@pytest.mark.django_db
def test_a_leader_applies_once(client, school):
    key = key_on(client.get("/become-a-leader/"))

    first, second = post_twice(client, "/become-a-leader/", application_answers(submission_key=key))

    assert LeaderApplication.objects.count() == 1
    assert first.url == second.url == "/become-a-leader/sent/"
    assert "amira.khan@primrose.example.org" in client.get(second.url).content.decode()


@pytest.mark.django_db
def test_the_school_evaluates_once(client):
    deployment = make_deployment(status="completed")
    url = evaluation_url(deployment)
    key = key_on(client.get(url))

    first, second = post_twice(client, url, evaluation_answers(deployment, submission_key=key))

    assert SchoolEvaluation.objects.count() == 1
    assert (first.status_code, first.url) == (302, url)
    assert second.status_code in (200, 302)
    assert "Thank you" in client.get(url).content.decode()


@pytest.mark.django_db
def test_the_leader_reports_impact_once(client):
    deployment = make_deployment()
    leader = signed_in(deployment.leader.user)
    url = f"/my/deployments/{deployment.pk}/report/"
    key = key_on(leader.get(url))

    first, second = post_twice(leader, url, {**impact_answers(deployment), "submission_key": key})

    assert ImpactReport.objects.count() == 1
    assert first.url == f"/my/deployments/{deployment.pk}/"
    assert second.status_code in (200, 302)


@pytest.mark.django_db
def test_a_support_log_entry_is_saved_once(client):
    deployment = make_deployment()
    leader = signed_in(deployment.leader.user)
    url = f"/my/deployments/{deployment.pk}/log/"
    key = key_on(leader.get(url))

    first, second = post_twice(leader, url, log_data(submission_key=key))

    assert SupportLog.objects.filter(deployment=deployment).count() == 1
    assert first.url == second.url == f"/my/deployments/{deployment.pk}/"
    page = leader.get(second.url).content.decode()
    assert "You logged 3.5 hours of coaching" in page


@pytest.mark.django_db
def test_a_refused_entry_leaves_its_key_free_to_send_again_once_corrected(client):
    deployment = make_deployment()
    leader = signed_in(deployment.leader.user)
    url = f"/my/deployments/{deployment.pk}/log/"
    key = key_on(leader.get(url))

    refused = leader.post(url, log_data(hours="99", submission_key=key))
    corrected = leader.post(url, log_data(submission_key=key))

    assert refused.status_code == 200
    assert corrected.status_code == 302
    assert SupportLog.objects.filter(deployment=deployment).count() == 1


@pytest.mark.django_db
def test_each_page_gives_a_fresh_key(client, school):
    answer_everything(client, school)

    assert key_on(client.get("/request-support/check/")) != key_on(
        client.get("/request-support/check/")
    )


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite runs one writer at a time, so POSTs cannot overlap",
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_sends_at_the_same_moment_from_one_session_make_one_request(
    school, monkeypatch, attempt
):
    """A slow page and a double click: both POSTs are inside the view at once."""
    browser = Client()
    answer_everything(browser, school)
    key = key_on(browser.get("/request-support/check/"))
    session_cookie = browser.cookies[settings.SESSION_COOKIE_NAME].value
    both_in = threading.Barrier(2)
    submit = request_services.request_submit

    def slow_submit(**kwargs):
        # Wait (up to a second) for the other click to arrive here too: without
        # the key both do, and both would create a request.
        with contextlib.suppress(threading.BrokenBarrierError):
            both_in.wait(timeout=1)
        return submit(**kwargs)

    monkeypatch.setattr(request_services, "request_submit", slow_submit)
    answers = {}

    def press_send(name):
        from django.db import connection as own_connection

        click = Client()
        click.cookies[settings.SESSION_COOKIE_NAME] = session_cookie
        try:
            answers[name] = click.post(
                "/request-support/check/", {"privacy_consent": "on", "submission_key": key}
            )
        finally:
            own_connection.close()

    clicks = [threading.Thread(target=press_send, args=(name,)) for name in ("first", "second")]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join(timeout=30)

    assert SupportRequest.objects.count() == 1
    assert [answer.url for answer in answers.values()] == ["/request-support/sent/"] * 2
