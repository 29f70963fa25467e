"""Writes across the alliance scope, through every admin and every inline.

Coordinator B tries to create, change and delete rows that touch alliance A's
records or a national leader's: through add pages, change pages, inlines,
delete pages, object buttons and list actions. Every attempt is refused and
the database is left exactly as it was, except where a rule says a coordinator
may (national leaders are proposed by any alliance, for matching).

`WRITES` names an attempt for every registered model and every inline; a new
admin fails `test_it_tries_every_admin_and_inline` until someone adds its rows
here.
"""

from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from alliance_portal.accounts import scoping
from alliance_portal.accounts.groups import ensure_coordinator_group
from alliance_portal.accounts.models import User
from alliance_portal.notifications.models import OutboundEmail
from alliance_portal.pages.models import RolePage, Submission
from alliance_portal.schools.models import (
    Alliance,
    LocalAuthority,
    Phase,
    School,
    SchoolChange,
    Trust,
)
from deployments.models import Deployment, Objective
from leaders.models import AreaOfExpertise, DeclaredConflict, Designation, Leader, LeaderApplication
from requests.models import ReferenceSequence, RequestEvent, SupportRequest
from tests import factories
from tests.admin.test_scoping import post_data

pytestmark = pytest.mark.django_db


@dataclass
class World:
    a: Alliance
    b: Alliance
    coordinator_b: User
    leader_a: Leader
    designation_a: Designation
    national: Leader
    nle: Designation
    conflict_a: DeclaredConflict
    conflict_national: DeclaredConflict
    request_a: SupportRequest
    request_b: SupportRequest
    deployment_a: Deployment
    objective_a: Objective
    application_a: LeaderApplication
    school: School
    email: OutboundEmail
    waiting_for_a: Designation
    refused_by_a: Designation
    school_change_a: SchoolChange


@pytest.fixture
def world():
    group = ensure_coordinator_group()
    a = factories.AllianceFactory(name="Alder Alliance")
    b = factories.AllianceFactory(name="Birch Alliance")
    coordinator_b = factories.CoordinatorFactory(alliance=b)
    coordinator_b.groups.add(group)
    leader_a = factories.LeaderFactory(full_name="Anna Alder", user=factories.UserFactory())
    designation_a = factories.DesignationFactory(leader=leader_a, alliance=a)
    nle = factories.DesignationFactory(
        leader=factories.LeaderFactory(full_name="Nia National"), kind="NLE", alliance=None
    )
    request_a = factories.SupportRequestFactory(alliance=a, status="proposed")
    request_a.events.create(to_status="new", actor_label="The school")
    deployment_a = factories.DeploymentFactory(
        request=request_a, leader=leader_a, designation=designation_a
    )
    return World(
        a=a,
        b=b,
        coordinator_b=coordinator_b,
        leader_a=leader_a,
        designation_a=designation_a,
        national=nle.leader,
        nle=nle,
        conflict_a=factories.DeclaredConflictFactory(leader=leader_a),
        conflict_national=factories.DeclaredConflictFactory(leader=nle.leader),
        request_a=request_a,
        request_b=factories.SupportRequestFactory(alliance=b, status="matching"),
        deployment_a=deployment_a,
        objective_a=factories.ObjectiveFactory(deployment=deployment_a),
        application_a=LeaderApplication.objects.create(
            full_name="Applicant",
            email="applicant@example.org",
            current_role="Deputy",
            home_school=request_a.school,
            alliance=a,
            designation_sought="LLE",
            statement="I would like to help.",
        ),
        school=factories.SchoolFactory(trust=factories.TrustFactory()),
        email=OutboundEmail.objects.create(to="head@example.org", subject="Hi", body_text="Hi."),
        waiting_for_a=factories.DesignationFactory(
            leader=leader_a, alliance=b, kind="LLE", status="pending"
        ),
        refused_by_a=factories.DesignationFactory(
            leader=leader_a, alliance=b, kind="LSG", status="refused"
        ),
        school_change_a=factories.SchoolChangeFactory(school=request_a.school, alliance=a),
    )


@pytest.fixture
def as_b(world):
    client = Client()
    client.force_login(world.coordinator_b)
    return client


@pytest.fixture
def as_superuser(superuser):
    client = Client()
    client.force_login(superuser)
    return client


def url(model, action, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def snapshot():
    """Every row of every table the portal keeps, but sessions (signing in writes one)."""
    rows = {}
    for model in apps.get_models():
        if model is Session:
            continue
        rows[model._meta.label] = sorted(
            (tuple(sorted(row.items())) for row in model._default_manager.values()), key=str
        )
    return rows


def changed_tables(before, after):
    return sorted(label for label in before if before[label] != after[label])


def refused(response):
    """Refused outright (403, 404, 405, 400), or a form shown again with its errors."""
    if response.status_code in (400, 403, 404, 405):
        return True
    if response.status_code == 200 and response.context is not None:
        form = response.context.get("adminform")
        errors = response.context.get("errors")
        return bool((form and form.form.errors) or errors)
    return False


def inline_data(page_data, prefix, rows, *, total=None, initial=None):
    """`page_data` with rows put into the inline formset `prefix`."""
    data = dict(page_data)
    existing = int(data.get(f"{prefix}-TOTAL_FORMS", 0))
    for index, row in enumerate(rows, start=existing):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = str(total if total is not None else existing + len(rows))
    if initial is not None:
        data[f"{prefix}-INITIAL_FORMS"] = str(initial)
    return data


# Each attempt: (a name, what it touches, a function (world, client, superuser client) -> response).
def leader_national_days_to_zero(w, c, su):
    data = post_data(su.get(url(Leader, "change", w.national.pk)))
    return c.post(url(Leader, "change", w.national.pk), {**data, "days_per_year": "0"})


def leader_a_email(w, c, su):
    data = post_data(su.get(url(Leader, "change", w.leader_a.pk)))
    return c.post(url(Leader, "change", w.leader_a.pk), {**data, "email": "mallory@evil.test"})


def leader_national_conflict_inline(w, c, su):
    data = post_data(su.get(url(Leader, "change", w.national.pk)))
    data = inline_data(data, "conflicts", [{"school": str(w.school.pk), "reason": "Mine"}])
    return c.post(url(Leader, "change", w.national.pk), data)


def leader_national_designation_inline(w, c, su):
    data = post_data(su.get(url(Leader, "change", w.national.pk)))
    row = {
        "kind": "LLE",
        "alliance": str(w.b.pk),
        "designated_on": "2026-09-01",
        "status": "active",
    }
    return c.post(url(Leader, "change", w.national.pk), inline_data(data, "designations", [row]))


def leader_add_designated_by_a(w, c, su):
    return c.post(
        url(Leader, "add"),
        {
            "full_name": "New Leader",
            "email": "new@example.org",
            "days_per_year": "10",
            "designations-TOTAL_FORMS": "1",
            "designations-INITIAL_FORMS": "0",
            "designations-0-kind": "LLE",
            "designations-0-alliance": str(w.a.pk),
            "designations-0-designated_on": "2026-09-01",
            "designations-0-status": "active",
            "designations-2-TOTAL_FORMS": "0",
            "designations-2-INITIAL_FORMS": "0",
            "conflicts-TOTAL_FORMS": "0",
            "conflicts-INITIAL_FORMS": "0",
        },
    )


def leader_invite_national(w, c, su):
    return c.post(
        url(Leader, "changelist"),
        {"action": "invite_to_sign_in", "_selected_action": [w.national.pk, w.leader_a.pk]},
    )


def designation_add_to(leader_attr):
    def attempt(w, c, su):
        leader = getattr(w, leader_attr)
        return c.post(
            url(Designation, "add"),
            {
                "leader": leader.pk,
                "kind": "LLE",
                "alliance": w.b.pk,
                "designated_on": "2026-09-01",
                "status": "active",
            },
        )

    return attempt


def change_post(model, attr, **changes):
    def attempt(w, c, su):
        obj = getattr(w, attr)
        data = post_data(su.get(url(model, "change", obj.pk)))
        return c.post(url(model, "change", obj.pk), {**data, **changes})

    return attempt


def delete_post(model, attr):
    def attempt(w, c, su):
        return c.post(url(model, "delete", getattr(w, attr).pk), {"post": "yes"})

    return attempt


def conflict_add_for(leader_attr):
    def attempt(w, c, su):
        return c.post(
            url(DeclaredConflict, "add"),
            {"leader": getattr(w, leader_attr).pk, "school": w.school.pk, "reason": "Mine"},
        )

    return attempt


def request_add_for_a(w, c, su):
    return c.post(
        url(SupportRequest, "add"),
        {
            "alliance": w.a.pk,
            "school": w.school.pk,
            "contact_name": "Ada",
            "contact_email": "ada@example.org",
            "outcomes_sought": "Help.",
            "source": "school",
            "designation_sought": "not-sure",
            "funding": "not-known",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
    )


def object_action(model, attr, action, data=None):
    def attempt(w, c, su):
        return c.post(url(model, action, getattr(w, attr).pk), data or {})

    return attempt


def objective_inline_on_a(w, c, su):
    data = post_data(su.get(url(Deployment, "change", w.deployment_a.pk)))
    data = inline_data(data, "objectives", [{"position": "2", "description": "Mine"}])
    return c.post(url(Deployment, "change", w.deployment_a.pk), data)


def add_page(model, **data):
    def attempt(w, c, su):
        return c.post(url(model, "add"), data)

    return attempt


def change_first(model, **data):
    def attempt(w, c, su):
        obj = model._default_manager.first()
        return c.post(url(model, "change", obj.pk), data)

    return attempt


def delete_first(model):
    def attempt(w, c, su):
        obj = model._default_manager.first()
        return c.post(url(model, "delete", obj.pk), {"post": "yes"})

    return attempt


def history_revert(model, attr, **changes):
    """simple-history's version page saves what is posted to it: the "revert" door."""

    def attempt(w, c, su):
        obj = getattr(w, attr)
        version = obj.history.latest("history_date")
        url_ = reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_simple_history",
            args=[obj.pk, version.history_id],
        )
        data = post_data(su.get(url(model, "change", obj.pk)))
        return c.post(url_, {**data, **changes})

    return attempt


WRITES = {
    Leader: [
        (
            "a national leader's days set to 0 through its history",
            history_revert(Leader, "national", days_per_year="0"),
        ),
        ("a national leader's days set to 0", leader_national_days_to_zero),
        ("alliance A's leader's email changed", leader_a_email),
        ("a conflict added on a national leader's page", leader_national_conflict_inline),
        ("a designation added on a national leader's page", leader_national_designation_inline),
        ("a new leader designated by alliance A", leader_add_designated_by_a),
        ("a national leader and A's leader invited", leader_invite_national),
        ("a national leader deleted", delete_post(Leader, "national")),
        ("alliance A's leader deleted", delete_post(Leader, "leader_a")),
    ],
    Designation: [
        (
            "a national designation turned into B's through its history",
            history_revert(Designation, "nle", kind="LLE", status="active"),
        ),
        (
            "B's designation waiting for A's leader made active through its history",
            history_revert(Designation, "waiting_for_a", status="active"),
        ),
        (
            "B's designation A's leader refused made active again",
            change_post(Designation, "refused_by_a", status="active"),
        ),
        ("a designation given to a national leader", designation_add_to("national")),
        ("a designation given to alliance A's leader", designation_add_to("leader_a")),
        ("a national designation withdrawn", change_post(Designation, "nle", status="withdrawn")),
        ("A's designation moved", change_post(Designation, "designation_a", alliance="")),
        ("a national designation deleted", delete_post(Designation, "nle")),
        ("A's designation deleted", delete_post(Designation, "designation_a")),
    ],
    DeclaredConflict: [
        ("a conflict declared for a national leader", conflict_add_for("national")),
        ("a conflict declared for A's leader", conflict_add_for("leader_a")),
        (
            "a national leader's conflict changed",
            change_post(DeclaredConflict, "conflict_national", reason="Changed"),
        ),
        ("A's conflict changed", change_post(DeclaredConflict, "conflict_a", reason="Changed")),
        (
            "a national leader's conflict deleted",
            delete_post(DeclaredConflict, "conflict_national"),
        ),
        ("A's conflict deleted", delete_post(DeclaredConflict, "conflict_a")),
    ],
    SupportRequest: [
        ("a request added for alliance A", request_add_for_a),
        ("A's request changed", change_post(SupportRequest, "request_a", contact_name="Mallory")),
        (
            "A's request moved on",
            object_action(SupportRequest, "request_a", "transition", {"to": "withdrawn"}),
        ),
        (
            "A's leader proposed for B's request",
            lambda w, c, su: c.post(
                url(SupportRequest, "propose", w.request_b.pk),
                {"leader": w.leader_a.pk, "designation": w.designation_a.pk},
            ),
        ),
        ("A's request deleted", delete_post(SupportRequest, "request_a")),
    ],
    RequestEvent: [
        ("a timeline entry added", add_page(RequestEvent, request=1, to_status="new")),
        ("a timeline entry changed", change_first(RequestEvent, note="Changed")),
        ("a timeline entry deleted", delete_first(RequestEvent)),
    ],
    Deployment: [
        ("a deployment added", add_page(Deployment, request=1, leader=1, designation=1)),
        ("A's deployment changed", change_post(Deployment, "deployment_a")),
        ("an objective added to A's deployment", objective_inline_on_a),
        (
            "A's deployment answered",
            object_action(Deployment, "deployment_a", "answer", {"answer": "decline"}),
        ),
        ("A's deployment agreed", object_action(Deployment, "deployment_a", "agree")),
        ("A's deployment started", object_action(Deployment, "deployment_a", "start")),
        ("A's deployment completed", object_action(Deployment, "deployment_a", "complete")),
        ("A's deployment deleted", delete_post(Deployment, "deployment_a")),
    ],
    LeaderApplication: [
        ("A's application approved", object_action(LeaderApplication, "application_a", "approve")),
        (
            "A's application rejected",
            object_action(LeaderApplication, "application_a", "reject", {"reason": "No."}),
        ),
        ("A's application changed", change_post(LeaderApplication, "application_a")),
        ("A's application deleted", delete_post(LeaderApplication, "application_a")),
    ],
    Alliance: [
        ("an alliance added", add_page(Alliance, name="Mine", slug="mine")),
        ("alliance A changed", change_post(Alliance, "a", name="Mine")),
        ("alliance A deleted", delete_post(Alliance, "a")),
    ],
    School: [
        ("a school added", add_page(School, urn=999999, name="Mine")),
        ("a school changed", change_first(School, name="Mine")),
        ("a school deleted", delete_first(School)),
    ],
    SchoolChange: [
        (
            "A's school change acknowledged",
            lambda w, c, su: c.post(
                url(SchoolChange, "changelist"),
                {"action": "acknowledge", "_selected_action": [w.school_change_a.pk]},
            ),
        ),
        ("A's school change changed", change_post(SchoolChange, "school_change_a", leaders="9")),
        ("a school change added", add_page(SchoolChange, school="1", alliance="1")),
        ("A's school change deleted", delete_post(SchoolChange, "school_change_a")),
    ],
    LocalAuthority: [
        ("a local authority added", add_page(LocalAuthority, code=1, name="Mine")),
        ("a local authority changed", change_first(LocalAuthority, name="Mine")),
        ("a local authority deleted", delete_first(LocalAuthority)),
    ],
    Trust: [
        ("a trust added", add_page(Trust, code=1, name="Mine")),
        ("a trust changed", change_first(Trust, name="Mine")),
        ("a trust deleted", delete_first(Trust)),
    ],
    Phase: [
        ("a phase changed", change_first(Phase, name="Mine")),
        ("a phase deleted", delete_first(Phase)),
    ],
    AreaOfExpertise: [
        ("an area added", add_page(AreaOfExpertise, name="Mine", slug="mine", group="leadership")),
        ("an area changed", change_first(AreaOfExpertise, name="Mine")),
        ("an area deleted", delete_first(AreaOfExpertise)),
    ],
    RolePage: [
        ("a role page changed", change_first(RolePage, summary="Mine")),
    ],
    User: [
        ("a user added", add_page(User, email="mine@example.org")),
        ("a user made superuser", change_first(User, is_superuser="on")),
        ("a user deleted", delete_first(User)),
    ],
    Group: [
        ("a group added", add_page(Group, name="Mine")),
        ("the coordinators' group changed", change_first(Group, name="Mine")),
    ],
    OutboundEmail: [
        (
            "an email sent",
            lambda w, c, su: c.post(
                url(OutboundEmail, "changelist"),
                {"action": "send_now", "_selected_action": [w.email.pk]},
            ),
        ),
    ],
    ReferenceSequence: [
        ("a reference sequence changed", change_first(ReferenceSequence, last_number="1")),
    ],
    DBTaskResult: [
        ("a task result deleted", lambda w, c, su: c.post(url(DBTaskResult, "changelist"), {})),
    ],
    Submission: [
        (
            "the submission keys deleted",
            lambda w, c, su: c.post(
                url(Submission, "changelist"),
                {
                    "action": "delete_selected",
                    "_selected_action": list(Submission.objects.values_list("pk", flat=True)),
                    "post": "yes",
                },
            ),
        ),
    ],
}

# Inlines, by their model: tried through their parent's page above.
INLINES_TRIED = {
    (Leader, Designation): "a designation added on a national leader's page",
    (Leader, DeclaredConflict): "a conflict added on a national leader's page",
    (Deployment, Objective): "an objective added to A's deployment",
}


def test_it_tries_every_admin_and_inline(rf, superuser):
    assert set(WRITES) == set(admin.site._registry)
    request = rf.get("/")
    request.user = superuser
    for model, model_admin in admin.site._registry.items():
        for inline_class in model_admin.inlines:
            inline = inline_class(model, admin.site)
            editable = set(inline.get_fields(request)) - set(inline.get_readonly_fields(request))
            writable = (
                inline.has_add_permission(request, None)
                or (inline.can_delete and inline.has_delete_permission(request, None))
                or (editable and inline.has_change_permission(request, None))
            )
            if writable:
                assert (model, inline.model) in INLINES_TRIED, inline_class
    names = {name for attempts in WRITES.values() for name, _ in attempts}
    assert set(INLINES_TRIED.values()) <= names


ATTEMPTS = [
    pytest.param(attempt, id=f"{model._meta.model_name}: {name}")
    for model, attempts in WRITES.items()
    for name, attempt in attempts
]


@pytest.mark.parametrize("attempt", ATTEMPTS)
def test_coordinator_b_cannot_write_outside_the_rules(world, as_b, as_superuser, attempt):
    before = snapshot()

    response = attempt(world, as_b, as_superuser)

    assert changed_tables(before, snapshot()) == [], response.status_code
    # A list action answers with a redirect and a message; everything else is refused.
    assert refused(response) or response.status_code == 302


def test_history_is_for_reading_even_for_a_superuser(world, as_superuser):
    before = snapshot()

    response = history_revert(Leader, "leader_a", days_per_year="0")(
        world, as_superuser, as_superuser
    )

    assert response.status_code == 403
    assert changed_tables(before, snapshot()) == []


def test_an_unconfirmed_designation_gives_no_sight_of_the_leader(world, as_b):
    """B asked A's leader to confirm; they have not, or they refused: B sees nothing of them."""
    leader_page = as_b.get(url(Leader, "change", world.leader_a.pk))
    shortlist_page = as_b.get(
        url(SupportRequest, "change", world.request_b.pk), {"show_excluded": "1"}
    )
    autocomplete = as_b.get(
        reverse("admin:autocomplete"),
        {"app_label": "deployments", "model_name": "deployment", "field_name": "leader"},
    )

    assert leader_page.status_code == 404
    assert "Anna Alder" not in shortlist_page.content.decode()
    assert "Anna Alder" not in autocomplete.content.decode()


def test_a_rule_lets_any_alliance_propose_a_national_leader(world, as_b):
    """National leaders are shared for matching: proposing one is allowed, and changes
    nothing of theirs."""
    before = Leader.objects.filter(pk=world.national.pk).values().get()

    response = as_b.post(
        url(SupportRequest, "propose", world.request_b.pk),
        {"leader": world.national.pk, "designation": world.nle.pk},
    )

    assert response.status_code == 302
    assert Deployment.objects.filter(request=world.request_b, leader=world.national).exists()
    assert Leader.objects.filter(pk=world.national.pk).values().get() == before


def test_every_model_is_in_the_scoping_rules():
    """A model nobody decided the scope of is how the record is made to lie."""
    ours = {
        model
        for model in apps.get_models()
        if model._meta.app_label
        in {
            "accounts",
            "schools",
            "pages",
            "notifications",
            "leaders",
            "support_requests",
            "deployments",
        }
        and not model.__name__.startswith("Historical")
        and not model._meta.auto_created
    }
    decided = set(scoping.VISIBLE) | scoping.SHARED_MODELS | scoping.SUPERUSER_MODELS

    assert ours - decided == set()
