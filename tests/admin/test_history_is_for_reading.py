"""The request's own coordinator cannot make the record lie through the admin's generic doors.

Issue 11: a coordinator reverted an evaluated request to "new" from its
History page; its deployment still said completed, the timeline had no line
and the school's page said "New". Objectives stayed editable after both
sides rated them.
"""

import pytest
from django.test import Client
from django.urls import reverse

from alliance_portal.accounts.groups import ensure_coordinator_group
from deployments.models import Deployment, Objective
from requests.models import SupportRequest
from tests import factories
from tests.admin.test_scoping import post_data
from tests.admin.test_write_scope import inline_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def evaluated():
    deployment = factories.AgreedDeploymentFactory(
        status=Deployment.Status.COMPLETED, request__status=SupportRequest.Status.EVALUATED
    )
    factories.ObjectiveFactory(deployment=deployment, description="Raise KS2 reading.")
    # An earlier version of each, as "new" and "proposed", for the History page to offer.
    request = deployment.request
    for model_object, old in ((request, "new"), (deployment, "proposed")):
        model_object.status = old
        model_object.save()
    SupportRequest.objects.filter(pk=request.pk).update(status="evaluated")
    Deployment.objects.filter(pk=deployment.pk).update(status="completed")
    return deployment


@pytest.fixture
def coordinator_client(client, evaluated):
    coordinator = factories.CoordinatorFactory(alliance=evaluated.request.alliance)
    coordinator.groups.add(ensure_coordinator_group())
    client.force_login(coordinator)
    return client


def history_page(obj, version):
    opts = obj._meta
    return reverse(
        f"admin:{opts.app_label}_{opts.model_name}_simple_history", args=[obj.pk, version]
    )


def change_page(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


@pytest.mark.parametrize("which", ["request", "deployment"])
def test_history_cannot_revert_a_workflow_record(coordinator_client, evaluated, which):
    obj = evaluated.request if which == "request" else evaluated
    first = obj.history.earliest("history_date")
    data = post_data(coordinator_client.get(change_page(obj)))

    coordinator_client.post(history_page(obj, first.history_id), {**data, "status": first.status})

    evaluated.refresh_from_db()
    evaluated.request.refresh_from_db()
    assert (evaluated.request.status, evaluated.status) == ("evaluated", "completed")
    # The history stays there to read.
    assert (
        coordinator_client.get(
            reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_history", args=[obj.pk])
        ).status_code
        == 200
    )


def test_the_deployment_form_edits_no_state_terms_or_objectives(coordinator_client, evaluated):
    page = coordinator_client.get(change_page(evaluated))
    assert not page.context["adminform"].form.fields
    data = post_data(page)
    objective = evaluated.objectives.get()
    data = inline_data(data, "objectives", [{"position": "2", "description": "Rewritten."}])

    coordinator_client.post(change_page(evaluated), {**data, "status": "agreed"})

    objective.refresh_from_db()
    assert objective.description == "Raise KS2 reading."
    assert Objective.objects.filter(deployment=evaluated).count() == 1
    evaluated.refresh_from_db()
    assert evaluated.status == "completed"


def test_a_save_in_the_admin_never_writes_back_a_state_that_moved_meanwhile(
    coordinator_client, evaluated
):
    support_request = evaluated.request
    page = coordinator_client.get(change_page(support_request))
    data = post_data(page)
    # While the coordinator has the page open, the request moves on elsewhere.
    SupportRequest.objects.filter(pk=support_request.pk).update(status="completed")

    coordinator_client.post(change_page(support_request), {**data, "leaders_wanted": "1"})

    support_request.refresh_from_db()
    assert support_request.status == "completed"


def test_a_request_cannot_need_fewer_leaders_than_are_agreed(coordinator_client):
    live = factories.AgreedDeploymentFactory(status="in-delivery", request__status="in-delivery")
    factories.AgreedDeploymentFactory(status="agreed", request=live.request)
    client = Client()
    user = factories.CoordinatorFactory(alliance=live.request.alliance)
    user.groups.add(ensure_coordinator_group())
    client.force_login(user)
    SupportRequest.objects.filter(pk=live.request.pk).update(leaders_wanted=2)
    data = post_data(client.get(change_page(live.request)))

    response = client.post(change_page(live.request), {**data, "leaders_wanted": "1"})

    assert response.status_code == 200
    assert "2 leaders are already agreed" in response.content.decode()
    live.request.refresh_from_db()
    assert live.request.leaders_wanted == 2
