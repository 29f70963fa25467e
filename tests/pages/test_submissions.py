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
from django.utils import timezone

from alliance_portal.pages.models import Submission
from deployments import feedback, portal, report_views
from deployments.models import ImpactReport, SchoolEvaluation, SupportLog
from leaders import services as leader_services
from leaders.models import LeaderApplication
from requests import services as request_services
from requests.models import SupportRequest
from tests.deployments.test_impact_report import form_data as impact_answers
from tests.deployments.test_impact_report import make_deployment
from tests.deployments.test_portal_deployment import log_data
from tests.deployments.test_school_evaluation import answers as evaluation_answers
from tests.deployments.test_school_evaluation import page_url as evaluation_url
from tests.factories import (
    AllianceFactory,
    LocalAuthorityFactory,
    SchoolFactory,
    SupportLogFactory,
)
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
    assert "Thank you" in second.content.decode()


@pytest.mark.django_db
def test_the_leader_reports_impact_once(client):
    deployment = make_deployment()
    leader = signed_in(deployment.leader.user)
    url = f"/my/deployments/{deployment.pk}/report/"
    key = key_on(leader.get(url))

    first, second = post_twice(leader, url, {**impact_answers(deployment), "submission_key": key})

    assert ImpactReport.objects.count() == 1
    assert first.url == f"/my/deployments/{deployment.pk}/"
    assert "Better." in second.content.decode()  # the report as sent, not the form again


@pytest.mark.django_db
def test_a_support_log_entry_is_saved_once(client):
    deployment = make_deployment()
    leader = signed_in(deployment.leader.user)
    url = f"/my/deployments/{deployment.pk}/log/"
    key = key_on(leader.get(url))

    first, second = post_twice(leader, url, log_data(submission_key=key))

    assert SupportLog.objects.filter(deployment=deployment, hours=3.5).count() == 1
    assert first.url == second.url == f"/my/deployments/{deployment.pk}/"
    page = leader.get(second.url).content.decode()
    assert "You logged 3.5 hours of coaching" in page


@pytest.mark.django_db
def test_an_entry_the_service_refuses_leaves_its_key_free_to_send_again(client):
    """The claim is rolled back with the refused entry: once corrected, the same form saves."""
    deployment = make_deployment()
    leader = signed_in(deployment.leader.user)
    url = f"/my/deployments/{deployment.pk}/log/"
    key = key_on(leader.get(url))
    full_day = SupportLogFactory(
        deployment=deployment, date=timezone.localdate(), hours=SupportLog.MAX_HOURS
    )

    refused = leader.post(url, log_data(submission_key=key))
    full_day.delete()
    corrected = leader.post(url, log_data(submission_key=key))

    assert refused.status_code == 200
    assert "a day has at most" in refused.content.decode()
    assert corrected.status_code == 302
    saved = SupportLog.objects.get(deployment=deployment, date=timezone.localdate())
    assert Submission.objects.get(key=key).object_id == saved.pk


@pytest.mark.django_db
def test_each_page_gives_a_fresh_key(client, school):
    answer_everything(client, school)

    assert key_on(client.get("/request-support/check/")) != key_on(
        client.get("/request-support/check/")
    )


def race(url, data, *, clients, monkeypatch, module, name):
    """POST twice at once, each held inside `module.name` until the other is there too.

    Without the key both POSTs reach the service and both create; with it the
    second waits on the first's claim, so the hold times out after a second.
    """
    original = getattr(module, name)
    both_in = threading.Barrier(2)

    def held(*args, **kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            both_in.wait(timeout=1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, held)
    answers = []

    def press(client):
        from django.db import connection as own_connection

        try:
            answers.append(client.post(url, data))
        finally:
            own_connection.close()

    threads = [threading.Thread(target=press, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return answers


def same_session_as(client, times=2):
    """Clients that share one browser's session, as two clicks in one tab do."""
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    copies = [Client() for _ in range(times)]
    for copy in copies:
        copy.cookies[settings.SESSION_COOKIE_NAME] = cookie
    return copies


def support_request_race(school):
    browser = Client()
    answer_everything(browser, school)
    key = key_on(browser.get("/request-support/check/"))
    data = {"privacy_consent": "on", "submission_key": key}
    return (
        "/request-support/check/",
        data,
        same_session_as(browser),
        request_services,
        "request_submit",
        SupportRequest,
        "/request-support/sent/",
    )


def application_race(school):
    browser = Client()
    key = key_on(browser.get("/become-a-leader/"))
    return (
        "/become-a-leader/",
        application_answers(submission_key=key),
        [Client(), Client()],
        leader_services,
        "application_submit",
        LeaderApplication,
        "/become-a-leader/sent/",
    )


def evaluation_race(school):
    deployment = make_deployment(status="completed")
    url = evaluation_url(deployment)
    key = key_on(Client().get(url))
    return (
        url,
        evaluation_answers(deployment, submission_key=key),
        [Client(), Client()],
        feedback,
        "school_evaluation_submit",
        SchoolEvaluation,
        url,
    )


def impact_report_race(school):
    deployment = make_deployment()
    leader = signed_in(deployment.leader.user)
    url = f"/my/deployments/{deployment.pk}/report/"
    data = {**impact_answers(deployment), "submission_key": key_on(leader.get(url))}
    return (
        url,
        data,
        same_session_as(leader),
        report_views,
        "impact_report_submit",
        ImpactReport,
        f"/my/deployments/{deployment.pk}/",
    )


def log_entry_race(school):
    deployment = make_deployment(logged_hours=None)  # so the one entry counted is the race's
    leader = signed_in(deployment.leader.user)
    url = f"/my/deployments/{deployment.pk}/log/"
    data = log_data(submission_key=key_on(leader.get(url)))
    return (
        url,
        data,
        same_session_as(leader),
        portal,
        "support_log_add",
        SupportLog,
        f"/my/deployments/{deployment.pk}/",
    )


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite runs one writer at a time, so POSTs cannot overlap",
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "setup",
    [support_request_race, application_race, evaluation_race, impact_report_race, log_entry_race],
    ids=["support request", "application", "evaluation", "impact report", "log entry"],
)
def test_two_posts_at_the_same_moment_make_one_record_and_the_same_confirmation(
    school, monkeypatch, setup
):
    """A slow page and a double click: both POSTs are inside the view at once."""
    url, data, clients, module, name, model, confirmation = setup(school)

    answers = race(url, data, clients=clients, monkeypatch=monkeypatch, module=module, name=name)

    assert model.objects.count() == 1
    assert [(answer.status_code, answer.url) for answer in answers] == [(302, confirmation)] * 2


@pytest.mark.django_db
def test_sending_again_after_the_request_was_removed_starts_afresh(client, school):
    answer_everything(client, school)
    key = key_on(client.get("/request-support/check/"))
    client.post("/request-support/check/", {"privacy_consent": "on", "submission_key": key})
    SupportRequest.objects.all().delete()

    again = client.post("/request-support/check/", {"privacy_consent": "on", "submission_key": key})

    assert (again.status_code, again.url) == (302, "/request-support/")
    assert not SupportRequest.objects.exists()
