"""No evaluation 14 days after the work was completed or stopped: one reminder to the school,
with a new link."""

import pytest

from deployments.evaluation_links import deployment_for_evaluation_token
from deployments.models import Deployment
from requests.models import SupportRequest
from tests.chasers import conftest
from tests.chasers.conftest import agreed_work, at
from tests.factories import ObjectiveFactory, SchoolEvaluationFactory

pytestmark = pytest.mark.django_db
D = Deployment.Status


def run(today):
    return conftest.run(today, "chaser-evaluation")


def sends_nothing_on(*days):
    return conftest.sends_nothing_on(*days, topic="chaser-evaluation")


def completed(alliance, ended, status=D.COMPLETED, **kwargs):
    stamp = "completed_at" if status == D.COMPLETED else "stopped_at"
    return agreed_work(
        alliance,
        status,
        start="2026-10-01",
        logged_hours=7,
        **{stamp: at(ended)},
        **kwargs,
    )


def test_the_school_is_reminded_once_with_a_new_link(oak):
    deployment = completed(oak, "2026-12-10")  # due Thursday 24 December
    ObjectiveFactory(deployment=deployment, description="Plan the spring term together.")

    assert run("2026-12-23") == [], "not the day before"
    [email] = run("2026-12-24")

    support_request = deployment.request
    assert email.to == support_request.contact_email
    assert email.subject == (
        f"Reminder: how did the support go? Birch Primary School ({support_request.reference})"
    )
    assert "Dear Priya Shah," in email.body_text
    assert "from Owen Price finished on 10 December 2026" in email.body_text
    assert "This is the only reminder we will send." in email.body_text
    assert "1. Plan the spring term together." in email.body_text
    token = email.body_text.split("https://portal.example.org/feedback/", 1)[1].split("/")[0]
    assert deployment_for_evaluation_token(token) == deployment
    # The link lets the school in, so the body is wiped once the email is sent.
    assert email.clear_body_once_sent
    assert run("2026-12-24") == run("2026-12-29") == run("2027-01-14") == []


def test_work_stopped_early_says_so(oak):
    completed(oak, "2026-12-11", status=D.STOPPED)  # due Christmas Day

    assert sends_nothing_on("2026-12-25", "2026-12-28") == []
    [email] = run("2026-12-29")

    assert "from Owen Price stopped early on 11 December 2026" in email.body_text


def test_an_evaluation_already_returned_is_not_chased(oak):
    deployment = completed(oak, "2026-12-10")
    SchoolEvaluationFactory(deployment=deployment)

    assert run("2026-12-24") == []


def test_work_that_delivered_nothing_cannot_be_evaluated(oak):
    agreed_work(oak, D.STOPPED, start="2026-10-01", stopped_at=at("2026-12-10"), days_delivered=0)

    assert run("2026-12-24") == []


@pytest.mark.parametrize("status", [D.IN_DELIVERY, D.PAUSED, D.CANCELLED])
def test_work_that_has_not_been_completed_is_not_chased(oak, status):
    agreed_work(oak, status, start="2026-10-01", end="2026-12-10", logged_hours=7)

    assert run("2026-12-24") == []


def test_a_closed_request_is_not_chased(oak):
    completed(oak, "2026-12-10", request__status=SupportRequest.Status.WITHDRAWN)

    assert run("2026-12-24") == []
