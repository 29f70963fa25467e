"""Each admin changelist runs the same number of queries for few rows as for many.

A query per row (a missing select_related or prefetch) would make the larger
world cost more and fail here.
"""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliance_portal.accounts.groups import ensure_coordinator_group
from alliance_portal.notifications.models import OutboundEmail
from alliance_portal.pages.models import Submission
from alliance_portal.pages.submissions import new_key
from leaders.models import LeaderApplication
from requests.models import SupportRequest
from tests import factories
from tests.admin.test_admin_pages import enqueue_a_task

pytestmark = pytest.mark.django_db

SMALL, LARGE = 2, 12
# Queries a changelist may run at most: session, user, counts, the page,
# list_filter choices and the related columns' joins or prefetches.
BUDGET = 12
# Tables whose rows come from data migrations or one per year, not from use.
FIXED_ROWS = {"schools.Phase", "support_requests.ReferenceSequence", "pages.RolePage"}


def build_deployments(n):
    for _ in range(n):
        deployment = factories.AgreedDeploymentFactory()
        factories.ObjectiveFactory(deployment=deployment)
        factories.DeclaredConflictFactory(leader=deployment.leader)
        deployment.request.events.create(to_status="new", actor_label="The school")
        factories.TrustFactory()
        factories.CoordinatorFactory()
        factories.AreaOfExpertiseFactory()
        OutboundEmail.objects.create(to="head@example.org", subject="Hello", body_text="Hi.")
        enqueue_a_task()
        Submission.objects.create(
            kind="support-request", key=new_key(), object_id=deployment.request.pk
        )
        factories.SchoolChangeFactory(
            school=deployment.request.school, alliance=deployment.request.alliance
        )
        LeaderApplication.objects.create(
            full_name="Amira Khan",
            email="amira@example.org",
            current_role="Headteacher",
            home_school=deployment.request.school,
            alliance=deployment.request.alliance,
            designation_sought="LLE",
            statement="I would bring ten years of headship.",
        )


def build_groups(n):
    for _ in range(n):
        Group.objects.create(name=f"Group {Group.objects.count() + 1}")


def query_count(client, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def builder_for(model):
    return build_groups if model is Group else build_deployments


@pytest.mark.parametrize(
    "model", sorted(admin.site._registry, key=lambda m: m._meta.label), ids=lambda m: m._meta.label
)
def test_it_keeps_the_changelist_within_budget_at_two_sizes(admin_client, model):
    build = builder_for(model)
    build(SMALL)
    small = query_count(admin_client, model)
    build(LARGE - SMALL)
    assert model.objects.count() >= LARGE or model._meta.label in FIXED_ROWS
    large = query_count(admin_client, model)

    assert small == large, f"{model._meta.label}: {small} queries for few rows, {large} for many"
    assert large <= BUDGET, f"{model._meta.label}: {large} queries"


def test_it_keeps_a_coordinators_request_changelist_within_budget_at_two_sizes(client):
    """The alliance scope is a filter on the same query, not a query per row."""
    coordinator = factories.CoordinatorFactory()
    coordinator.groups.add(ensure_coordinator_group())
    client.force_login(coordinator)

    def build(n):
        for _ in range(n):
            factories.SupportRequestFactory(alliance=coordinator.alliance)
            factories.SupportRequestFactory()  # another alliance's, never shown

    build(SMALL)
    small = query_count(client, SupportRequest)
    build(LARGE - SMALL)
    response = client.get(reverse("admin:support_requests_supportrequest_changelist"))
    assert response.context["cl"].result_count == LARGE
    large = query_count(client, SupportRequest)

    assert small == large, f"{small} queries for few rows, {large} for many"
    assert large <= BUDGET, f"{large} queries"
