"""Every admin page opens for a superuser, and every changelist keeps to a query budget."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.html import escape

from alliance_portal.notifications.models import OutboundEmail
from alliance_portal.pages.models import Submission
from leaders.models import LeaderApplication
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """One of everything the admin shows, linked as in real use."""
    deployment = factories.AgreedDeploymentFactory()
    factories.ObjectiveFactory(deployment=deployment)
    factories.DeclaredConflictFactory(leader=deployment.leader)
    deployment.request.events.create(to_status="new", actor_label="The school")
    factories.TrustFactory()
    factories.CoordinatorFactory()
    Group.objects.get_or_create(name="Coordinators")
    OutboundEmail.objects.create(to="head@example.org", subject="Hello", body_text="Hi.")
    enqueue_a_task()
    Submission.objects.create(kind="support-request", key="k" * 43, object_id=deployment.request.pk)
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
    return deployment


def enqueue_a_task():
    """A row in the worker's table, as the database backend writes one."""
    from django.test import override_settings

    from alliance_portal.notifications.tasks import deliver_due_emails
    from tests.conftest import DATABASE_TASKS

    with override_settings(TASKS=DATABASE_TASKS):
        deliver_due_emails.enqueue()


def registered_models():
    return sorted(admin.site._registry, key=lambda model: model._meta.label)


def admin_url(model, action, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


@pytest.mark.parametrize("model", registered_models(), ids=lambda m: m._meta.label)
def test_it_opens_the_changelist_add_and_change_pages(admin_client, world, model):
    model_admin = admin.site._registry[model]
    obj = model.objects.first()
    assert obj is not None, f"the world fixture has no {model._meta.verbose_name}"

    changelist = admin_client.get(admin_url(model, "changelist"))
    assert changelist.status_code == 200
    assert str(model._meta.verbose_name_plural).lower() in changelist.content.decode().lower()

    change = admin_client.get(admin_url(model, "change", obj.pk))
    assert change.status_code == 200
    assert escape(str(obj)) in change.content.decode()

    add = admin_client.get(admin_url(model, "add"))
    expected = 200 if model_admin.has_add_permission(add.wsgi_request) else 403
    assert add.status_code == expected


@pytest.mark.parametrize("model", registered_models(), ids=lambda m: m._meta.label)
def test_it_shows_history_for_each_object(admin_client, world, model):
    obj = model.objects.first()

    response = admin_client.get(admin_url(model, "history", obj.pk))

    assert response.status_code == 200
    assert escape(str(obj)) in response.content.decode()
