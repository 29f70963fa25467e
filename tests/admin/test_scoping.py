"""Alliance scoping in the admin: coordinators of alliances X and Y, and a superuser.

Each coordinator sees and changes their own alliance's brokering records;
national designations (NLE, NLG) and their leaders are visible to both but
changed only by the superuser. Another alliance's object is a 404 wherever it
is asked for: change, history and delete pages, autocomplete, search, actions
and crafted POSTs.
"""

from dataclasses import dataclass

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from alliance_portal.accounts import scoping
from alliance_portal.accounts.groups import ensure_coordinator_group
from alliance_portal.accounts.models import User
from alliance_portal.notifications.models import OutboundEmail
from alliance_portal.pages.models import Submission
from alliance_portal.pages.submissions import new_key
from alliance_portal.schools.models import Alliance, SchoolChange
from deployments.models import Deployment
from leaders.models import DeclaredConflict, Designation, Leader, LeaderApplication
from requests.models import ReferenceSequence, RequestEvent, SupportRequest
from tests import factories
from tests.admin.test_admin_pages import enqueue_a_task

pytestmark = pytest.mark.django_db


@dataclass
class Side:
    """One alliance's records and its coordinator."""

    alliance: Alliance
    coordinator: User
    leader: Leader
    designation: Designation
    request: SupportRequest
    event: RequestEvent
    deployment: Deployment
    conflict: DeclaredConflict
    application: LeaderApplication
    school_change: SchoolChange


def build_side(alliance_name, person, group):
    alliance = factories.AllianceFactory(name=alliance_name)
    coordinator = factories.CoordinatorFactory(alliance=alliance)
    coordinator.groups.add(group)
    leader = factories.LeaderFactory(full_name=f"Leader {person}")
    designation = factories.DesignationFactory(leader=leader, alliance=alliance)
    request = factories.SupportRequestFactory(alliance=alliance)
    deployment = factories.DeploymentFactory(
        request=request, leader=leader, designation=designation
    )
    return Side(
        alliance=alliance,
        coordinator=coordinator,
        leader=leader,
        designation=designation,
        request=request,
        event=request.events.create(to_status="new", actor_label="The school"),
        deployment=deployment,
        conflict=factories.DeclaredConflictFactory(leader=leader),
        application=LeaderApplication.objects.create(
            full_name=f"Applicant {person}",
            email=f"applicant.{person.lower()}@example.org",
            current_role="Deputy headteacher",
            home_school=request.school,
            alliance=alliance,
            designation_sought="LLE",
            statement="I would bring ten years of leadership.",
        ),
        school_change=factories.SchoolChangeFactory(school=request.school, alliance=alliance),
    )


@dataclass
class World:
    x: Side
    y: Side
    nle: Designation
    nlg: Designation
    staff_without_alliance: User


@pytest.fixture
def world():
    group = ensure_coordinator_group()
    x = build_side("Xanadu Teaching Alliance", "Xavier", group)
    y = build_side("Yarrow Teaching Alliance", "Yolanda", group)
    nle = factories.DesignationFactory(
        leader=factories.LeaderFactory(full_name="National Nadia"), kind="NLE", alliance=None
    )
    nlg = factories.DesignationFactory(
        leader=factories.LeaderFactory(full_name="Governor Ned"), kind="NLG", alliance=None
    )
    factories.DeclaredConflictFactory(leader=nle.leader, reason="Chair of governors there")
    OutboundEmail.objects.create(to="head@example.org", subject="Hello", body_text="Hi.")
    staff = factories.UserFactory(email="staff@example.org", is_staff=True)
    staff.groups.add(group)
    return World(x=x, y=y, nle=nle, nlg=nlg, staff_without_alliance=staff)


def signed_in(user):
    """A client of its own (the `client` fixture is the superuser's `admin_client`)."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def coordinator_x(world):
    return signed_in(world.x.coordinator)


# What each registered model is to a coordinator: its record on one side, and
# the text the changelist shows for it.
SCOPED = {
    Alliance: (lambda side: side.alliance, lambda obj: obj.name),
    SupportRequest: (lambda side: side.request, lambda obj: obj.reference),
    RequestEvent: (lambda side: side.event, lambda obj: obj.request.reference),
    Deployment: (lambda side: side.deployment, lambda obj: obj.request.reference),
    LeaderApplication: (lambda side: side.application, lambda obj: obj.full_name),
    Designation: (lambda side: side.designation, lambda obj: obj.leader.full_name),
    Leader: (lambda side: side.leader, lambda obj: obj.full_name),
    DeclaredConflict: (lambda side: side.conflict, lambda obj: obj.leader.full_name),
    SchoolChange: (lambda side: side.school_change, lambda obj: obj.school.name),
}
SHARED = set(scoping.SHARED_MODELS)
SUPERUSER_ONLY = set(scoping.SUPERUSER_MODELS)
WITH_SIMPLE_HISTORY = {SupportRequest, Deployment, Leader, Designation}


def admin_url(model, action, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def by_label(models):
    return sorted(models, key=lambda model: model._meta.label)


def record(model, side):
    obj_of, label_of = SCOPED[model]
    obj = obj_of(side)
    return obj, label_of(obj)


def test_it_decides_the_scope_of_every_registered_model():
    assert set(admin.site._registry) == set(SCOPED) | SHARED | SUPERUSER_ONLY


@pytest.mark.parametrize("model", by_label(SCOPED), ids=lambda m: m._meta.label)
def test_it_lists_only_the_coordinators_alliance(admin_client, world, model):
    _, own = record(model, world.x)
    _, other = record(model, world.y)

    client = signed_in(world.x.coordinator)
    page = client.get(admin_url(model, "changelist")).content.decode()
    everything = admin_client.get(admin_url(model, "changelist")).content.decode()

    assert own in page
    assert other not in page
    assert own in everything
    assert other in everything


@pytest.mark.parametrize(
    "model", [Leader, Designation, DeclaredConflict], ids=lambda m: m._meta.label
)
def test_it_lists_national_leaders_for_every_alliance(world, model):
    for side in (world.x, world.y):
        client = signed_in(side.coordinator)
        page = client.get(admin_url(model, "changelist")).content.decode()
        assert "National Nadia" in page
        if model is not DeclaredConflict:
            assert "Governor Ned" in page


@pytest.mark.parametrize("model", by_label(SCOPED), ids=lambda m: m._meta.label)
@pytest.mark.parametrize("action", ["change", "history", "delete"])
def test_it_answers_404_for_another_alliances_object(admin_client, world, model, action):
    other, label = record(model, world.y)
    url = admin_url(model, action, other.pk)
    client = signed_in(world.x.coordinator)

    response = client.get(url)

    assert response.status_code == 404
    assert label not in response.content.decode()
    # Records with a history are never deleted in the admin, by anyone (personal_data erase).
    undeletable = action == "delete" and not getattr(admin.site._registry[model], "deletable", True)
    assert admin_client.get(url).status_code == (403 if undeletable else 200)


@pytest.mark.parametrize("model", by_label(SCOPED), ids=lambda m: m._meta.label)
def test_it_opens_the_coordinators_own_object(world, model):
    own, label = record(model, world.x)
    client = signed_in(world.x.coordinator)

    change = client.get(admin_url(model, "change", own.pk))
    history = client.get(admin_url(model, "history", own.pk))
    delete = client.get(admin_url(model, "delete", own.pk))

    assert change.status_code == 200
    assert history.status_code == 200
    # The group grants no deletions: refused (403), but not hidden (404).
    assert delete.status_code == 403


@pytest.mark.parametrize("model", by_label(SCOPED), ids=lambda m: m._meta.label)
def test_it_opens_the_add_page_with_the_coordinators_alliance(coordinator_x, world, model):
    response = coordinator_x.get(admin_url(model, "add"))

    model_admin = admin.site._registry[model]
    if not model_admin.has_add_permission(response.wsgi_request):
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert "Yarrow Teaching Alliance" not in response.content.decode()


def test_it_asks_a_coordinator_for_a_designation_when_adding_a_leader(coordinator_x, world):
    data = {
        "full_name": "Leader Zara",
        "email": "zara@example.org",
        "days_per_year": "10",
        "designations-TOTAL_FORMS": "0",
        "designations-INITIAL_FORMS": "0",
        "designations-2-TOTAL_FORMS": "0",
        "designations-2-INITIAL_FORMS": "0",
        "conflicts-TOTAL_FORMS": "0",
        "conflicts-INITIAL_FORMS": "0",
    }

    refused = coordinator_x.post(admin_url(Leader, "add"), data)
    data.update(
        {
            "designations-TOTAL_FORMS": "1",
            "designations-0-kind": "LLE",
            "designations-0-alliance": str(world.x.alliance.pk),
            "designations-0-designated_on": "2025-09-01",
            "designations-0-status": "active",
        }
    )
    added = coordinator_x.post(admin_url(Leader, "add"), data)

    assert refused.status_code == 200
    assert added.status_code == 302
    zara = Leader.objects.get(full_name="Leader Zara")
    assert zara.designations.get().alliance == world.x.alliance
    assert coordinator_x.get(admin_url(Leader, "change", zara.pk)).status_code == 200


@pytest.mark.parametrize("model", by_label(WITH_SIMPLE_HISTORY), ids=lambda m: m._meta.label)
def test_it_answers_404_for_a_version_of_another_alliances_object(
    client, admin_client, world, model
):
    other, _ = record(model, world.y)
    version = other.history.latest("history_date")
    url = admin_url(model, "simple_history", other.pk, version.history_id)
    client = signed_in(world.x.coordinator)

    assert client.get(url).status_code == 404
    assert admin_client.get(url).status_code == 200


@pytest.mark.parametrize("model", by_label(SCOPED), ids=lambda m: m._meta.label)
def test_it_shows_nothing_to_staff_without_an_alliance(world, model):
    own, label = record(model, world.x)
    client = signed_in(world.staff_without_alliance)

    changelist = client.get(admin_url(model, "changelist"))
    change = client.get(admin_url(model, "change", own.pk))

    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count == 0
    assert label not in changelist.content.decode()
    assert change.status_code == 404


@pytest.mark.parametrize("model", by_label(SHARED), ids=lambda m: m._meta.label)
def test_it_leaves_reference_data_unscoped(world, model):
    client = signed_in(world.x.coordinator)

    response = client.get(admin_url(model, "changelist"))

    if world.x.coordinator.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}"):
        assert response.status_code == 200
        assert response.context["cl"].result_count == model.objects.count()
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("model", by_label(SUPERUSER_ONLY), ids=lambda m: m._meta.label)
def test_it_keeps_accounts_and_the_outbox_for_superusers(admin_client, world, model):
    if model is Group:
        Group.objects.get_or_create(name="Coordinators")
    if model is ReferenceSequence:
        assert ReferenceSequence.objects.exists()
    if model is DBTaskResult:
        enqueue_a_task()
    if model is Submission:
        Submission.objects.create(kind="support-request", key=new_key())
    obj = model.objects.first()
    client = signed_in(world.x.coordinator)

    assert client.get(admin_url(model, "changelist")).status_code == 403
    assert client.get(admin_url(model, "change", obj.pk)).status_code == 403
    assert admin_client.get(admin_url(model, "changelist")).status_code == 200
    assert admin_client.get(admin_url(model, "change", obj.pk)).status_code == 200


def test_it_hides_the_outbox_and_accounts_from_the_coordinators_index(coordinator_x):
    page = coordinator_x.get(reverse("admin:index")).content.decode()

    assert "Support requests" in page
    assert "Outbound emails" not in page
    assert "Users" not in page


# Autocomplete: (source app, source model, field) and who may be offered.
AUTOCOMPLETE = [
    ("support_requests", "supportrequest", "alliance", ["Xanadu"], ["Yarrow"]),
    ("leaders", "designation", "alliance", ["Xanadu"], ["Yarrow"]),
    ("leaders", "leaderapplication", "alliance", ["Xanadu"], ["Yarrow"]),
    ("deployments", "deployment", "request", ["x.request"], ["y.request"]),
    (
        "deployments",
        "deployment",
        "leader",
        ["Leader Xavier", "National Nadia", "Governor Ned"],
        ["Leader Yolanda"],
    ),
    (
        "deployments",
        "deployment",
        "designation",
        ["SLE Leader Xavier", "NLE National Nadia", "NLG Governor Ned"],
        ["SLE Leader Yolanda"],
    ),
    # A conflict is declared only on a leader whose record the alliance keeps.
    ("leaders", "declaredconflict", "leader", ["Leader Xavier"], ["Yolanda", "National Nadia"]),
    ("leaders", "designation", "leader", ["Leader Xavier"], ["Yolanda", "National Nadia"]),
]


def autocomplete(client, app_label, model_name, field_name, term=""):
    return client.get(
        reverse("admin:autocomplete"),
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term},
    )


def resolve(world, text):
    """'x.request' is the X side's request reference; anything else is literal."""
    if text in ("x.request", "y.request"):
        return getattr(world, text[0]).request.reference
    return text


@pytest.mark.parametrize(("app_label", "model_name", "field_name", "shown", "hidden"), AUTOCOMPLETE)
def test_it_offers_only_the_scope_in_autocomplete(
    coordinator_x, admin_client, world, app_label, model_name, field_name, shown, hidden
):
    response = autocomplete(coordinator_x, app_label, model_name, field_name)
    everything = autocomplete(admin_client, app_label, model_name, field_name)

    texts = " | ".join(result["text"] for result in response.json()["results"])
    all_texts = " | ".join(result["text"] for result in everything.json()["results"])
    for text in (resolve(world, t) for t in shown):
        assert text in texts
    for text in (resolve(world, t) for t in hidden):
        assert text not in texts
        assert text in all_texts


def test_it_finds_nothing_of_another_alliance_by_search_term(coordinator_x, world):
    response = autocomplete(coordinator_x, "deployments", "deployment", "leader", "Yolanda")

    assert response.json()["results"] == []


def test_it_does_not_offer_logins_to_coordinators(coordinator_x, admin_client):
    assert autocomplete(coordinator_x, "leaders", "leader", "user").status_code == 403
    assert autocomplete(admin_client, "leaders", "leader", "user").status_code == 200


@pytest.mark.parametrize(
    ("model", "term"),
    [
        (SupportRequest, "y.request"),
        (Leader, "Yolanda"),
        (Designation, "Yolanda"),
        (LeaderApplication, "Yolanda"),
        (Deployment, "y.request"),
    ],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_it_searches_only_within_the_scope(coordinator_x, admin_client, world, model, term):
    url = admin_url(model, "changelist")
    term = resolve(world, term)

    assert coordinator_x.get(url, {"q": term}).context["cl"].result_count == 0
    assert admin_client.get(url, {"q": term}).context["cl"].result_count == 1


@pytest.mark.parametrize(
    "model",
    [SupportRequest, Deployment, Designation, LeaderApplication],
    ids=lambda m: m._meta.label,
)
def test_it_does_not_name_other_alliances_in_the_filters(coordinator_x, admin_client, model):
    url = admin_url(model, "changelist")

    assert "Yarrow Teaching Alliance" not in coordinator_x.get(url).content.decode()
    assert "Yarrow Teaching Alliance" in admin_client.get(url).content.decode()


def test_it_gives_actions_only_the_scoped_rows(coordinator_x, world, monkeypatch):
    received = []

    @admin.action(description="Record the rows")
    def record_rows(modeladmin, request, queryset):
        received.extend(queryset)

    model_admin = admin.site._registry[SupportRequest]
    monkeypatch.setattr(model_admin, "actions", [record_rows])

    coordinator_x.post(
        admin_url(SupportRequest, "changelist"),
        {
            "action": "record_rows",
            "_selected_action": [world.x.request.pk, world.y.request.pk],
        },
    )

    assert received == [world.x.request]


# Crafted POSTs.


def post_data(response):
    """What the browser posts back from an admin change page, as it was shown."""
    forms_shown = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms_shown.extend([inline.formset.management_form, *inline.formset.forms])
    data = {}
    for form in forms_shown:
        for name, field in form.fields.items():
            key, value = form.add_prefix(name), form[name].value()
            if isinstance(field, forms.SplitDateTimeField):
                value = value and forms.SplitDateTimeField().widget.decompress(value)
                data[f"{key}_0"], data[f"{key}_1"] = value or ("", "")
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = "" if value is None else str(value)
    return data


def test_it_saves_an_unchanged_request_for_its_coordinator(coordinator_x, world):
    url = admin_url(SupportRequest, "change", world.x.request.pk)
    data = post_data(coordinator_x.get(url))
    data["leaders_wanted"] = "2"

    response = coordinator_x.post(url, data)

    assert response.status_code == 302
    world.x.request.refresh_from_db()
    assert world.x.request.leaders_wanted == 2


def test_it_refuses_to_move_a_request_to_another_alliance(coordinator_x, world):
    url = admin_url(SupportRequest, "change", world.x.request.pk)
    data = post_data(coordinator_x.get(url))
    data.update(alliance=str(world.y.alliance.pk), contact_name="Ada Lovelace")

    response = coordinator_x.post(url, data)

    assert response.status_code == 200
    assert "Select a valid choice" in str(response.context["adminform"].form.errors["alliance"])
    world.x.request.refresh_from_db()
    assert world.x.request.alliance == world.x.alliance
    assert world.x.request.contact_name != "Ada Lovelace"


def test_it_refuses_a_post_to_another_alliances_request(admin_client, world):
    url = admin_url(SupportRequest, "change", world.y.request.pk)
    data = post_data(admin_client.get(url))
    data.update(alliance=str(world.x.alliance.pk), contact_name="Ada Lovelace")
    client = signed_in(world.x.coordinator)

    response = client.post(url, data)

    assert response.status_code == 404
    world.y.request.refresh_from_db()
    assert world.y.request.alliance == world.y.alliance
    assert world.y.request.contact_name != "Ada Lovelace"


def test_it_refuses_a_designation_for_another_alliance(coordinator_x, world):
    count = Designation.objects.count()
    data = {
        "leader": world.x.leader.pk,
        "kind": "LLE",
        "designated_on": "2025-09-01",
        "status": "active",
    }

    other = coordinator_x.post(
        admin_url(Designation, "add"), {**data, "alliance": world.y.alliance.pk}
    )
    national = coordinator_x.post(admin_url(Designation, "add"), {**data, "alliance": ""})

    assert "alliance" in other.context["adminform"].form.errors
    assert "alliance" in national.context["adminform"].form.errors
    assert Designation.objects.count() == count


def test_it_adds_deployments_only_by_proposing_from_the_shortlist(coordinator_x, world):
    count = Deployment.objects.count()
    response = coordinator_x.post(
        admin_url(Deployment, "add"),
        {
            "request": world.y.request.pk,
            "leader": world.y.leader.pk,
            "designation": world.y.designation.pk,
            "status": "proposed",
            "objectives-TOTAL_FORMS": "0",
            "objectives-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 403
    assert Deployment.objects.count() == count


# National designations: visible for matching, changed only by a superuser.


def test_it_shows_a_national_designation_read_only_to_a_coordinator(
    coordinator_x, admin_client, world
):
    url = admin_url(Designation, "change", world.nle.pk)

    page = coordinator_x.get(url)
    posted = coordinator_x.post(url, {"kind": "NLE", "status": "withdrawn"})

    assert page.status_code == 200
    assert "National Nadia" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert posted.status_code == 403
    world.nle.refresh_from_db()
    assert world.nle.status == Designation.Status.ACTIVE
    assert 'name="_save"' in admin_client.get(url).content.decode()


def test_it_shows_a_nationally_designated_leader_read_only_to_a_coordinator(coordinator_x, world):
    national = coordinator_x.get(admin_url(Leader, "change", world.nle.leader.pk))
    own = coordinator_x.get(admin_url(Leader, "change", world.x.leader.pk))

    assert national.status_code == 200
    assert 'name="_save"' not in national.content.decode()
    assert 'name="_save"' in own.content.decode()


def test_it_keeps_a_leader_who_is_also_national_read_only(coordinator_x, world):
    """A leader of X who is also an NLE: X changes its own designation, not the record."""
    leader = world.x.leader
    nle = factories.DesignationFactory(leader=leader, kind="NLE", alliance=None)
    url = admin_url(Leader, "change", leader.pk)
    page = coordinator_x.get(url)
    own, other, _ = page.context["inline_admin_formsets"]
    assert [form.instance for form in own.formset.forms] == [world.x.designation]
    assert [form.instance for form in other.formset.forms] == [nle]
    assert not own.has_change_permission
    assert not other.has_change_permission
    assert 'name="_save"' not in page.content.decode()

    data = post_data(page)
    data.update({"days_per_year": "0", "full_name": "Someone Else"})
    response = coordinator_x.post(url, data)

    assert response.status_code == 403
    leader.refresh_from_db()
    nle.refresh_from_db()
    assert leader.days_per_year != 0
    assert leader.full_name == "Leader Xavier"
    assert nle.status == Designation.Status.ACTIVE
    own_designation = coordinator_x.get(admin_url(Designation, "change", world.x.designation.pk))
    assert 'name="_save"' in own_designation.content.decode()
