"""Admin lists answer only the filters and searches each admin declares.

Django's changelists accept a lookup on any field in the query string. On the
portal's admin site every list refuses (400) a parameter that none of its
declared filters uses, so no column, and no secret, can be read one character
at a time through `?field__startswith=`.
"""

import pytest
from django.contrib import admin
from django.core import checks
from django.test import Client
from django.urls import reverse

from alliance_portal.accounts.groups import ensure_coordinator_group
from alliance_portal.admin_site import SECRET_FIELDS, DeclaredLookupsOnly, _secret_field_errors
from alliance_portal.notifications.models import OutboundEmail
from leaders.calendar import calendar_secret_hash
from leaders.models import Designation, Leader
from tests import factories

pytestmark = pytest.mark.django_db


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def registered():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.fixture
def rows():
    """A few rows of everything, so that each filter has choices to offer."""
    deployment = factories.AgreedDeploymentFactory()
    factories.DeclaredConflictFactory(leader=deployment.leader)
    factories.DesignationFactory(kind="NLE", alliance=None)
    OutboundEmail.objects.create(to="head@example.org", subject="Hello", body_text="Hi.")
    factories.CoordinatorFactory()


def undeclared_lookups(model_admin, request):
    """A `__startswith` on every concrete field that no declared filter names."""
    declared = set()
    for item in model_admin.get_list_filter(request):
        if isinstance(item, str):
            declared.add(item.split("__")[0])
        elif isinstance(item, list | tuple):
            declared.add(item[0].split("__")[0])
    own = [
        f"{field.name}__startswith"
        for field in model_admin.model._meta.concrete_fields
        if field.name not in declared
    ]
    # Through a relation, and past a declared filter into the related model's columns.
    related = [
        f"{field.name}__{target.name}__startswith"
        for field in model_admin.model._meta.concrete_fields
        if field.is_relation and field.related_model is not None
        for target in field.related_model._meta.concrete_fields[:3]
    ]
    return own + related


@pytest.mark.parametrize(
    ("model", "model_admin"), registered(), ids=lambda value: getattr(value, "__name__", "")
)
def test_every_admin_refuses_a_lookup_it_does_not_declare(admin_client, rows, model, model_admin):
    url = changelist(model)
    request = admin_client.get(url).wsgi_request

    refused = {
        lookup: admin_client.get(url, {lookup: "a"}).status_code
        for lookup in undeclared_lookups(model_admin, request)
    }

    assert refused, f"{model.__name__} has no fields to try"
    assert set(refused.values()) == {400}, refused


@pytest.mark.parametrize(
    ("model", "model_admin"), registered(), ids=lambda value: getattr(value, "__name__", "")
)
def test_every_filter_link_an_admin_shows_still_works(admin_client, rows, model, model_admin):
    url = changelist(model)
    page = admin_client.get(url)
    assert page.status_code == 200
    cl = page.context["cl"]

    links = [
        choice["query_string"]
        for spec in cl.filter_specs
        for choice in spec.choices(cl)
        if choice.get("query_string")
    ]
    if cl.date_hierarchy:
        links.append(f"?{cl.date_hierarchy}__year=2026&{cl.date_hierarchy}__month=9")

    for query in links:
        assert admin_client.get(url + query).status_code == 200, query


def test_a_coordinator_cannot_read_a_calendar_secret_through_a_filter():
    """The attack: rebuild a national leader's calendar secret a character at a time."""
    nle = factories.DesignationFactory(kind="NLE", alliance=None)
    nle.leader.calendar_token_hash = calendar_secret_hash("Zsecret")
    nle.leader.save()
    coordinator = factories.CoordinatorFactory()
    coordinator.groups.add(ensure_coordinator_group())
    client = Client()
    client.force_login(coordinator)
    url = changelist(type(nle.leader))

    for lookup in ("calendar_token__startswith", "calendar_token_hash__startswith"):
        response = client.get(url, {lookup: "Z"})
        assert response.status_code == 400, lookup
        assert nle.leader.full_name not in response.content.decode()


def test_a_date_range_is_accepted_only_through_the_drill_down(admin_client, rows):
    url = changelist(Designation)

    assert admin_client.get(url, {"review_due_on__year": "2028"}).status_code == 200
    assert admin_client.get(url, {"review_due_on__gte": "2028-01-01"}).status_code == 400


def test_every_admin_has_the_portal_sites_strict_changelist():
    for model, model_admin in registered():
        assert isinstance(model_admin, DeclaredLookupsOnly), model


def test_no_admin_names_a_secret():
    errors = [
        error for _, model_admin in registered() for error in _secret_field_errors(model_admin)
    ]

    assert errors == []


def test_the_check_finds_a_secret_named_through_a_relation_or_an_inline():
    designation_admin = admin.site._registry[Designation]
    leader_admin = admin.site._registry[Leader]

    class Through(type(designation_admin)):
        search_fields = ["leader__calendar_token_hash"]

    class SecretInline(admin.TabularInline):
        model = Leader
        fields = ["full_name", "calendar_token_hash"]

    class WithInline(type(leader_admin)):
        inlines = [SecretInline]

    assert [e.id for e in _secret_field_errors(Through(Designation, admin.site))] == ["portal.E001"]
    assert [e.id for e in _secret_field_errors(WithInline(Leader, admin.site))] == ["portal.E001"]


def test_the_check_refuses_an_admin_that_names_a_secret():
    leader_admin = admin.site._registry[Leader]

    class Leaky(type(leader_admin)):
        search_fields = ["full_name", "calendar_token_hash"]
        list_display = ["full_name", "calendar_token_hash"]

    errors = _secret_field_errors(Leaky(Leader, admin.site))

    assert [error.id for error in errors] == ["portal.E001", "portal.E001"]
    assert all(isinstance(error, checks.Error) for error in errors)
    assert "calendar_token_hash" in SECRET_FIELDS
