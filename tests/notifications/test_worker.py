"""Mail goes out from the worker process, never from inside a web request.

These tests use the production task backend (the database), with a real SMTP
server on loopback: the school's request is answered without a connection to
the mail server, and the worker then delivers, retrying later when the server
refuses for now.
"""

import datetime

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from alliance_portal.notifications.models import OutboundEmail
from requests.models import SupportRequest
from tests.conftest import run_worker
from tests.factories import AllianceFactory, LocalAuthorityFactory, SchoolFactory
from tests.notifications import running_smtp_server
from tests.requests.test_journey import answer_everything

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def school():
    camden = LocalAuthorityFactory(code=202, name="Camden")
    AllianceFactory(name="North London Hub").local_authorities.add(camden)
    return SchoolFactory(urn=100123, local_authority=camden)


def test_the_request_is_answered_without_the_mail_server(client, school, worker_backend, settings):
    with running_smtp_server(settings) as server:
        answer_everything(client, school)
        response = client.post("/request-support/check/", {"privacy_consent": "on"})

        assert response.status_code == 302
        assert SupportRequest.objects.count() == 1
        assert server.messages == []
        assert OutboundEmail.objects.filter(status="queued").count() == 2
        assert DBTaskResult.objects.filter(status="READY").count() >= 1

        run_worker()

        assert len(server.messages) == 2
    assert OutboundEmail.objects.filter(status="sent").count() == 2


def test_a_stalled_mail_server_does_not_hold_the_request(client, school, worker_backend, settings):
    """Nothing listens on port 9: a request that tried SMTP would wait or fail."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 5
    answer_everything(client, school)

    response = client.post("/request-support/check/", {"privacy_consent": "on"})

    assert response.status_code == 302
    assert OutboundEmail.objects.filter(status="queued", attempts=0).count() == 2


def test_the_worker_retries_when_the_server_refuses_for_now(worker_backend, settings):
    from alliance_portal.notifications.services import email_queue

    with running_smtp_server(settings) as server:
        server.refuse()
        email_queue(to="head@example.org", template="password_reset", context={"user": None})
        run_worker()

        email = OutboundEmail.objects.get()
        assert (email.status, email.attempts) == ("queued", 1)
        retry = DBTaskResult.objects.filter(status="READY").get()
        assert retry.run_after is not None
        assert retry.run_after >= email.next_attempt_at - datetime.timedelta(seconds=1)
        assert retry.run_after > timezone.now()

        server.accept()
        DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
        OutboundEmail.objects.update(next_attempt_at=timezone.now())
        run_worker()

        assert len(server.messages) == 1
    assert OutboundEmail.objects.get().status == "sent"
