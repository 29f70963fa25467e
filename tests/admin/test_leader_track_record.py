"""A leader's admin page shows their track record: their work, its days and its outcomes."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliance_portal.accounts.groups import ensure_coordinator_group
from deployments.models import ImpactReport, ObjectiveImpact
from tests import factories

pytestmark = pytest.mark.django_db


def page_for(leader, client):
    return client.get(reverse("admin:leaders_leader_change", args=[leader.pk]))


def superuser_client():
    client = Client()
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    return client


def give_work(leader, count):
    for _ in range(count):
        done = factories.AgreedDeploymentFactory(
            leader=leader,
            designation=leader.designations.first(),
            status="completed",
            logged_hours=7,
        )
        objective = factories.ObjectiveFactory(deployment=done)
        report = ImpactReport.objects.create(
            deployment=done, summary="Good.", submitted_at=done.agreed_at
        )
        ObjectiveImpact.objects.create(
            report=report, objective=objective, rating="green", evidence="Seen."
        )


def test_it_counts_the_leaders_deployments_days_and_ratings():
    leader = factories.LeaderFactory()
    factories.DesignationFactory(leader=leader)
    give_work(leader, 2)
    factories.AgreedDeploymentFactory(
        leader=leader, designation=leader.designations.first(), status="in-delivery"
    )

    html = page_for(leader, superuser_client()).content.decode()

    section = html[html.index('id="track-record"') :][:1500]
    assert "3: 1 in delivery, 2 completed" in section
    assert "2 delivered, of 18 agreed" in section
    assert "2 green, 0 amber, 0 red" in section


def test_a_coordinator_counts_only_what_they_may_see():
    leader = factories.LeaderFactory()
    designation = factories.DesignationFactory(leader=leader, kind="NLE", alliance=None)
    factories.AgreedDeploymentFactory(leader=leader, designation=designation)
    coordinator = factories.CoordinatorFactory()
    coordinator.groups.add(ensure_coordinator_group())
    client = Client()
    client.force_login(coordinator)

    html = page_for(leader, client).content.decode()

    assert "No deployments yet that you can see." in html


def test_the_track_record_costs_the_same_queries_however_much_work():
    leader = factories.LeaderFactory()
    factories.DesignationFactory(leader=leader)
    client = superuser_client()
    give_work(leader, 1)
    page_for(leader, client)
    with CaptureQueriesContext(connection) as few:
        page_for(leader, client)
    give_work(leader, 6)
    with CaptureQueriesContext(connection) as many:
        page_for(leader, client)

    assert len(few) == len(many)
