"""The leader's dashboard at /my/: their own proposals and deployments, nobody else's."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from leaders.models import AreaOfExpertise, academic_year_bounds
from tests.factories import (
    AgreedDeploymentFactory,
    DeploymentFactory,
    SupportLogFactory,
    SupportRequestFactory,
    UserFactory,
    leader_with_designation,
)

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def leader():
    return leader_with_designation(full_name="Amira Khan", days_per_year=Decimal("20"))


def deploy(leader, factory=DeploymentFactory, **fields):
    """A deployment under the leader's one designation (the factory would add another)."""
    return factory(leader=leader, designation=leader.designations.first(), **fields)


@pytest.fixture
def this_year():
    return academic_year_bounds(timezone.localdate())[0] + datetime.timedelta(days=30)


def proposal(leader, school_name, *, hours_ago=0, areas=(), **request_fields):
    support_request = SupportRequestFactory(
        school__name=school_name, estimated_days=Decimal("8"), **request_fields
    )
    support_request.areas_of_expertise.set(areas)
    return deploy(
        leader,
        request=support_request,
        proposed_at=timezone.now() - datetime.timedelta(hours=hours_ago),
    )


def test_it_redirects_an_anonymous_visitor_to_sign_in(client):
    response = client.get("/my/")

    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/my/"


def test_it_is_not_found_for_a_user_who_is_not_a_leader(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    assert client.get("/my/").status_code == 404


def test_it_lists_waiting_proposals_newest_first(client, leader):
    maths = AreaOfExpertise.objects.get(name="Mathematics")
    proposal(leader, "Older School", hours_ago=5)
    proposal(
        leader,
        "Newer School",
        hours_ago=1,
        areas=[maths],
        preferred_start=datetime.date(2027, 1, 14),
    )
    answered = proposal(leader, "Answered School")
    answered.responded_at = timezone.now()
    answered.status = "accepted"
    answered.save()
    client.force_login(leader.user)

    response = client.get("/my/")

    assert [d.request.school.name for d in response.context["waiting"]] == [
        "Newer School",
        "Older School",
    ]
    html = response.content.decode()
    assert "Amira Khan" in html
    assert "Mathematics" in html
    assert "14 January 2027" in html
    assert "About 8" in html


def test_it_splits_current_and_past_and_counts_days_this_year(client, leader, this_year):
    deploy(
        leader,
        AgreedDeploymentFactory,
        request__school__name="Agreed School",
        start_date=this_year,
        end_date=None,
    )
    deploy(
        leader,
        AgreedDeploymentFactory,
        request__school__name="Delivering School",
        status="in-delivery",
        agreed_days=Decimal("4.5"),
        start_date=this_year,
        end_date=None,
    )
    deploy(
        leader,
        AgreedDeploymentFactory,
        request__school__name="Completed Last Year",
        status="completed",
        start_date=this_year - datetime.timedelta(days=400),
        end_date=None,
    )
    deploy(leader, request__school__name="Declined School", status="declined")
    client.force_login(leader.user)

    response = client.get("/my/")

    names = lambda key: {d.request.school.name for d in response.context[key]}  # noqa: E731
    assert names("current") == {"Agreed School", "Delivering School"}
    assert names("past") == {"Completed Last Year", "Declined School"}
    assert response.context["waiting"] == []
    assert response.context["days_agreed"] == Decimal("10.5")
    assert "10.5 of 20 days" in response.content.decode()


def test_it_never_shows_another_leaders_deployments(client, leader, this_year):
    other = leader_with_designation()
    proposal(other, "Secret Proposal School")
    deploy(other, AgreedDeploymentFactory, request__school__name="Secret Agreed School")
    proposal(leader, "My School")
    client.force_login(leader.user)

    html = client.get("/my/").content.decode()

    assert "My School" in html
    assert "Secret" not in html


def test_it_counts_days_delivered_this_year_and_links_each_deployment(client, leader, this_year):
    delivering = deploy(
        leader, AgreedDeploymentFactory, status="in-delivery", start_date=this_year - 400 * DAY
    )
    completed = deploy(leader, AgreedDeploymentFactory, status="completed", start_date=this_year)
    SupportLogFactory(deployment=delivering, date=this_year, hours=Decimal("7"))
    SupportLogFactory(deployment=delivering, date=this_year - 400 * DAY, hours=Decimal("7"))
    SupportLogFactory(deployment=completed, date=this_year, hours=Decimal("3.5"))
    SupportLogFactory(date=this_year, hours=Decimal("12"))  # another leader's
    client.force_login(leader.user)

    response = client.get("/my/")

    html = response.content.decode()
    assert response.context["days_delivered"] == Decimal("1.5")
    assert "1.5 days</strong> delivered so far this year" in html
    # Each row counts all its days, whichever year they fell in.
    assert "2 of 6" in html
    assert "0.5 of 6" in html
    for deployment in (delivering, completed):
        assert f'href="/my/deployments/{deployment.pk}/"' in html


def make_deployments(leader, count):
    areas = list(AreaOfExpertise.objects.all()[:2])
    for number in range(count):
        proposal(leader, f"Waiting {number}", areas=areas)
        agreed = deploy(leader, AgreedDeploymentFactory, status="in-delivery")
        for day in range(3):
            SupportLogFactory(deployment=agreed, date=timezone.localdate() - day * DAY)
        deploy(leader, status="cancelled")


@pytest.mark.parametrize("count", [1, 12])
def test_it_reads_the_same_number_of_queries_at_any_size(
    client, leader, count, django_assert_num_queries
):
    make_deployments(leader, count)
    client.force_login(leader.user)

    # session, user, leader, deployments with their logged hours, their requests' areas,
    # designations waiting for the leader's confirmation
    with django_assert_num_queries(6):
        response = client.get("/my/")

    assert len(response.context["waiting"]) == count
