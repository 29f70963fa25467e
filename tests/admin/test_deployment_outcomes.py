"""The deployment's admin page shows the leader's report and the school's evaluation side by side."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from alliance_portal.accounts.groups import ensure_coordinator_group
from deployments.impact import impact_report_submit, school_evaluation_submit
from deployments.models import Deployment, Rating
from requests.models import SupportRequest
from tests import factories

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def coordinator(alliance):
    user = factories.CoordinatorFactory(alliance=alliance)
    user.groups.add(ensure_coordinator_group())
    return user


@pytest.fixture
def deployment():
    deployment = factories.AgreedDeploymentFactory(
        status=Deployment.Status.IN_DELIVERY,
        leader=factories.LeaderFactory(user=factories.UserFactory(), full_name="Sam Jones"),
        request__status=SupportRequest.Status.IN_DELIVERY,
    )
    for position, text in enumerate(["Sharper maths lessons", "A stronger phonics scheme"]):
        factories.ObjectiveFactory(deployment=deployment, position=position, description=text)
    return deployment


def report(deployment):
    if not deployment.log_entries.exists():
        factories.SupportLogFactory(deployment=deployment, hours=Decimal("7"))
    first, second = deployment.objectives.all()
    impact_report_submit(
        deployment=deployment,
        actor=deployment.leader.user,
        summary="Teaching is more confident across the school.",
        ratings={
            first: (Rating.GREEN, "Lesson visits show it."),
            second: (Rating.AMBER, "Scheme bought, training half done."),
        },
    )


def evaluate(deployment):
    first, second = deployment.objectives.all()
    school_evaluation_submit(
        deployment=deployment,
        satisfaction=5,
        would_use_again="not-sure",
        comments="Sam was brilliant with our staff.",
        ratings={first: Rating.GREEN, second: Rating.RED},
        name="Amira Khan",
    )


def change_url(deployment):
    return reverse("admin:deployments_deployment_change", args=[deployment.pk])


def outcomes(response):
    page = response.content.decode()
    start = page.index('id="outcomes"')
    return page[start : page.index("</section>", start)]


def test_it_shows_both_sides_for_each_objective(deployment):
    report(deployment)
    evaluate(deployment)

    response = signed_in(coordinator(deployment.request.alliance)).get(change_url(deployment))

    assert response.status_code == 200
    section = outcomes(response)
    rows = section.split('<th scope="row">')[1:]
    assert "Sharper maths lessons" in rows[0]
    assert rows[0].count("Green: met") == 2
    assert "Lesson visits show it." in rows[0]
    assert "A stronger phonics scheme" in rows[1]
    assert "Amber: partly met" in rows[1] and "Red: not met" in rows[1]
    assert "Teaching is more confident across the school." in section
    assert "Very satisfied (5 of 5)" in section
    assert "Not sure" in section
    assert "Sam was brilliant with our staff." in section
    assert "by Amira Khan" in section


def test_it_says_what_is_still_to_come(deployment):
    response = signed_in(coordinator(deployment.request.alliance)).get(change_url(deployment))

    section = outcomes(response)
    assert "Leader’s report: not sent yet" in section
    assert "asked for when the deployment completes" in section


def test_it_counts_the_days_delivered_against_the_agreed_days(admin_client, deployment):
    factories.SupportLogFactory(deployment=deployment, hours=Decimal("7"))
    factories.SupportLogFactory(deployment=deployment, hours=Decimal("3.5"))

    section = outcomes(admin_client.get(change_url(deployment)))

    assert "Delivered: 1.5 of 6 agreed days (10.5 hours logged by the leader" in section


def test_it_shows_the_support_log_read_only(admin_client, deployment):
    objective = deployment.objectives.first()
    entry = factories.SupportLogFactory(deployment=deployment, notes="Joint lesson visits.")
    entry.objectives.set([objective])

    response = admin_client.get(change_url(deployment))

    page = response.content.decode()
    assert "Support log (written by the leader)" in page
    assert "Joint lesson visits." in page
    formsets = {
        formset.formset.prefix: formset for formset in response.context["inline_admin_formsets"]
    }
    log = formsets["log_entries"]
    assert not (log.has_add_permission or log.has_change_permission or log.has_delete_permission)


def test_it_leaves_out_the_section_before_delivery(admin_client):
    agreed = factories.AgreedDeploymentFactory()

    page = admin_client.get(change_url(agreed)).content.decode()

    assert 'id="outcomes"' not in page


def test_another_alliances_coordinator_gets_a_404(deployment):
    report(deployment)
    evaluate(deployment)
    other = coordinator(factories.AllianceFactory())

    response = signed_in(other).get(change_url(deployment))

    assert response.status_code == 404
    assert "Sam was brilliant" not in response.content.decode()


def test_the_changelist_finds_deployments_by_outcome(deployment):
    report(deployment)
    alliance = deployment.request.alliance
    waiting = factories.AgreedDeploymentFactory(
        status=Deployment.Status.COMPLETED, request__alliance=alliance
    )
    client = signed_in(coordinator(alliance))
    url = reverse("admin:deployments_deployment_changelist")

    sent = client.get(url, {"impact_report": "yes"})
    not_yet = client.get(url, {"impact_report": "no", "school_evaluation": "no"})

    assert [d.pk for d in sent.context["cl"].result_list] == [deployment.pk]
    assert [d.pk for d in not_yet.context["cl"].result_list] == [waiting.pk]
