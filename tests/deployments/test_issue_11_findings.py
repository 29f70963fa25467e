"""What a coordinator, a leader and a school could do before the lifecycle table, as they did it.

Each test drives the same pages the finding used (the admin's buttons, the
leader's impact report) and asks only for what a person would see or what the
database holds afterwards, so each ran against the code before the table and
failed there. `tests/deployments/test_lifecycle.py` walks the table itself.
"""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alliance_portal.accounts.groups import ensure_coordinator_group
from alliance_portal.notifications.models import OutboundEmail
from deployments.models import Deployment
from requests.models import SupportRequest
from tests.factories import (
    AgreedDeploymentFactory,
    CoordinatorFactory,
    DesignationFactory,
    LeaderFactory,
    ObjectiveFactory,
    PlannedSessionFactory,
    SupportLogFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def agreed_work(*, status="agreed", start, end, days="3"):
    leader = LeaderFactory(user=UserFactory(), days_per_year=Decimal(30))
    deployment = AgreedDeploymentFactory(
        status=status,
        leader=leader,
        designation=DesignationFactory(leader=leader),
        request__status=status,
        start_date=start,
        end_date=end,
        agreed_days=Decimal(days),
    )
    ObjectiveFactory(deployment=deployment, description="Raise KS2 reading.")
    return deployment


def coordinator_for(deployment):
    user = CoordinatorFactory(alliance=deployment.request.alliance)
    user.groups.add(ensure_coordinator_group())
    client = Client()
    client.force_login(user)
    return client


def admin_step(deployment, step):
    return reverse(f"admin:deployments_deployment_{step}", args=[deployment.pk])


def test_start_delivery_before_the_agreed_start_is_refused():
    """1 December: "Start delivery" worked for work agreed for 11 January to 26 March, and the
    school's page said the support was under way."""
    deployment = agreed_work(
        start=TODAY + datetime.timedelta(days=41), end=TODAY + datetime.timedelta(days=115)
    )

    coordinator_for(deployment).post(admin_step(deployment, "start"))

    deployment.refresh_from_db()
    deployment.request.refresh_from_db()
    assert (deployment.status, deployment.request.status) == ("agreed", "agreed")


def test_an_impact_report_for_nothing_delivered_completes_nothing_and_asks_no_evaluation():
    """The leader sent the impact report for work never begun: it became completed with 0 of
    3 days delivered, the school was asked to evaluate it, and a January session stayed in the
    calendar."""
    deployment = agreed_work(
        status="in-delivery",
        start=TODAY - datetime.timedelta(days=1),
        end=TODAY + datetime.timedelta(days=115),
    )
    session = PlannedSessionFactory(deployment=deployment, date=TODAY + datetime.timedelta(days=40))
    leader = Client()
    leader.force_login(deployment.leader.user)
    objective = deployment.objectives.get()

    leader.post(
        f"/my/deployments/{deployment.pk}/report/",
        {
            "summary": "All done.",
            "confirm": "on",
            f"rating_{objective.pk}": "green",
            f"evidence_{objective.pk}": "It went well.",
        },
    )

    deployment.refresh_from_db()
    assert deployment.status == "in-delivery"
    assert not OutboundEmail.objects.filter(to=deployment.request.contact_email).exists()
    assert deployment.planned_sessions.filter(pk=session.pk).exists()


def test_mark_completed_takes_a_confirmation():
    """ "Mark completed" finished 2.4 of 10.5 days in one click, with no confirmation."""
    deployment = agreed_work(
        status="in-delivery",
        start=TODAY - datetime.timedelta(days=30),
        end=TODAY + datetime.timedelta(days=60),
        days="10.5",
    )
    SupportLogFactory(deployment=deployment, date=TODAY - datetime.timedelta(days=3), hours=8.4)
    SupportLogFactory(deployment=deployment, date=TODAY - datetime.timedelta(days=2), hours=8.4)

    coordinator_for(deployment).post(admin_step(deployment, "complete"))

    deployment.refresh_from_db()
    assert deployment.status == "in-delivery"


def test_rated_objectives_cannot_be_rewritten_in_the_admin():
    """Objectives stayed editable in the admin after both sides rated them."""
    from tests.admin.test_scoping import post_data
    from tests.admin.test_write_scope import inline_data

    deployment = agreed_work(
        status="completed",
        start=TODAY - datetime.timedelta(days=90),
        end=TODAY - datetime.timedelta(days=5),
    )
    client = coordinator_for(deployment)
    url = reverse("admin:deployments_deployment_change", args=[deployment.pk])
    objective = deployment.objectives.get()
    data = post_data(client.get(url))
    if "objectives-0-id" in data:
        data["objectives-0-description"] = "Rewritten after the ratings."
    else:
        data = inline_data(data, "objectives", [{"position": "1", "description": "Added later"}])

    client.post(url, data)

    objective.refresh_from_db()
    assert objective.description == "Raise KS2 reading."
    assert deployment.objectives.count() == 1


@pytest.mark.parametrize("step", ["pause", "stop", "vary"])
def test_work_that_breaks_down_can_be_recorded(step):
    """Once under way, a deployment could only be completed: no pause, no early stop, no
    change of days, dates or objectives."""
    deployment = agreed_work(
        status="in-delivery",
        start=TODAY - datetime.timedelta(days=30),
        end=TODAY + datetime.timedelta(days=60),
    )

    response = coordinator_for(deployment).get(admin_step(deployment, step))

    assert response.status_code == 200


def test_a_second_leader_can_be_proposed_for_a_team():
    """An NLE with SLEs is common, but proposing a second leader was refused."""
    from deployments.services import deployment_propose

    first = agreed_work(
        status="in-delivery",
        start=TODAY - datetime.timedelta(days=30),
        end=TODAY + datetime.timedelta(days=60),
    )
    support_request = first.request
    SupportRequest.objects.filter(pk=support_request.pk).update(leaders_wanted=2)
    second = LeaderFactory(user=UserFactory(), days_per_year=Decimal(20))
    DesignationFactory(leader=second, alliance=support_request.alliance)

    deployment_propose(
        support_request=support_request,
        leader=second,
        actor=CoordinatorFactory(alliance=support_request.alliance),
    )

    assert Deployment.objects.filter(request=support_request).count() == 2
