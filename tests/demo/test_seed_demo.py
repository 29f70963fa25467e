"""`seed_demo`: the demo world, the national data set and the rules both must keep."""

import datetime
import re
from collections import defaultdict
from io import StringIO

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from alliance_portal.accounts.groups import COORDINATOR_GROUP_NAME
from alliance_portal.accounts.models import User
from alliance_portal.demo import national, world
from alliance_portal.schools.models import Alliance, LocalAuthority, Phase, School, Trust
from deployments.models import (
    Deployment,
    ImpactReport,
    Objective,
    PlannedSession,
    SchoolEvaluation,
    SupportLog,
)
from leaders.models import DeclaredConflict, Designation, Leader, academic_year_bounds
from requests.models import ReferenceSequence, RequestEvent, SupportRequest
from tests.factories import SupportRequestFactory

S = SupportRequest.Status
DS = Deployment.Status
ALLOWED_DEPLOYMENTS = {
    S.NEW: set(),
    S.TRIAGED: set(),
    S.DECLINED: set(),
    S.LAPSED: set(),
    S.MATCHING: {DS.DECLINED},
    S.NO_MATCH: {DS.DECLINED},
    S.WITHDRAWN: {DS.CANCELLED},
    S.PROPOSED: {DS.DECLINED, DS.PROPOSED},
    S.AGREED: {DS.DECLINED, DS.AGREED},
    S.IN_DELIVERY: {DS.DECLINED, DS.IN_DELIVERY},
    S.COMPLETED: {DS.DECLINED, DS.COMPLETED},
    S.EVALUATED: {DS.DECLINED, DS.COMPLETED},
}
LIVE_DEPLOYMENT = {DS.PROPOSED, *Deployment.COMMITTED_STATUSES}
TINY = {
    "schools": 240,
    "leaders": 40,
    "requests": 60,
    "deployments": 36,
    "alliances": 4,
    "local_authorities": 8,
}
MODELS = (
    Alliance,
    LocalAuthority,
    Trust,
    School,
    Leader,
    Designation,
    DeclaredConflict,
    SupportRequest,
    RequestEvent,
    Deployment,
    Objective,
    ReferenceSequence,
    User,
)


def row_counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def seed_demo(**options):
    out = StringIO()
    options.setdefault("allow_demo_logins", True)
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def demo_output(db):
    return seed_demo()


@pytest.fixture
def tiny_national(db):
    messages = []
    counts = national.build_national(**TINY, log=messages.append)
    return counts, messages


# Rules every seeded world keeps -------------------------------------------


def assert_deployments_match_requests():
    deployments = defaultdict(list)
    for deployment in Deployment.objects.select_related("designation", "leader"):
        deployments[deployment.request_id].append(deployment)
    for request in SupportRequest.objects.all():
        mine = deployments[request.pk]
        statuses = {deployment.status for deployment in mine}
        assert statuses <= ALLOWED_DEPLOYMENTS[request.status], (request.reference, statuses)
        live = [deployment for deployment in mine if deployment.status in LIVE_DEPLOYMENT]
        expects_live = bool(ALLOWED_DEPLOYMENTS[request.status] & LIVE_DEPLOYMENT)
        assert len(live) == (1 if expects_live else 0), request.reference
        for deployment in mine:
            assert deployment.designation.leader_id == deployment.leader_id
            assert deployment.designation.status == Designation.Status.ACTIVE
            assert deployment.leader.home_school_id != request.school_id


def assert_agreements_are_complete(today):
    committed = Deployment.objects.committed().prefetch_related("objectives")
    assert committed.exists()
    for deployment in committed:
        assert deployment.agreed_days > 0
        assert deployment.daily_rate == 350 and deployment.brokerage_fee == 50
        assert deployment.funding_source not in ("", "not-known")
        assert deployment.agreed_at and deployment.signed_by
        assert deployment.start_date <= deployment.end_date
        assert len(deployment.objectives.all()) >= 2
        if deployment.status == DS.AGREED:
            assert deployment.start_date > today
        elif deployment.status == DS.IN_DELIVERY:
            assert deployment.start_date <= today <= deployment.end_date
        else:
            assert deployment.completed_at and deployment.end_date <= today
    for deployment in Deployment.objects.filter(status=DS.DECLINED):
        assert deployment.decline_reason and deployment.responded_at


def assert_no_leader_over_committed():
    booked = defaultdict(float)
    for deployment in Deployment.objects.committed().select_related("leader"):
        year = academic_year_bounds(deployment.start_date)
        assert academic_year_bounds(deployment.end_date) == year
        booked[(deployment.leader, year)] += float(deployment.agreed_days)
    assert booked
    for (leader, year), days in booked.items():
        assert days <= leader.days_per_year, (leader, year, days)


def assert_timelines_lead_to_each_status():
    events = defaultdict(list)
    for event in RequestEvent.objects.order_by("created_at", "pk"):
        events[event.request_id].append(event)
    for request in SupportRequest.objects.all():
        timeline = events[request.pk]
        assert timeline[0].from_status == "" and timeline[0].to_status == S.NEW
        assert timeline[0].created_at == request.created_at
        for before, after in zip(timeline, timeline[1:], strict=False):
            assert after.from_status == before.to_status
            assert after.created_at > before.created_at
        assert timeline[-1].to_status == request.status
        assert timeline[-1].created_at == request.status_changed_at <= timezone.now()
        assert (request.closed_at is not None) == request.is_closed


def assert_references_continue_the_sequence():
    references = list(SupportRequest.objects.values_list("reference", flat=True))
    assert all(re.fullmatch(r"SR-\d{4}-\d{5}", reference) for reference in references)
    highest = defaultdict(int)
    for reference in references:
        highest[int(reference[3:7])] = max(highest[int(reference[3:7])], int(reference[8:]))
    sequences = dict(ReferenceSequence.objects.values_list("year", "last_number"))
    assert sequences == dict(highest)


# The demo world ---------------------------------------------------------


def test_it_creates_three_alliances_in_real_local_authorities(demo_output):
    alliances = Alliance.objects.prefetch_related("local_authorities")
    assert sorted(a.slug for a in alliances) == sorted(world.DEMO_SLUGS)
    assert [a.slug for a in alliances if a.is_default] == ["fleet-valley-alliance"]
    assert all(a.contact_email and a.contact_phone and a.website for a in alliances)
    assert LocalAuthority.objects.get(code=202).name == "Camden"
    assert all(len(a.local_authorities.all()) == 3 for a in alliances)


def test_it_creates_a_few_hundred_schools_in_every_phase(demo_output):
    schools = School.objects.select_related("local_authority")
    assert schools.count() == 300
    assert set(schools.values_list("phase__code", flat=True)) == set(Phase.Code.values)
    assert schools.filter(status=School.Status.CLOSED, close_date__isnull=False).exists()
    assert schools.filter(trust__isnull=False).exists()
    assert schools.exclude(ofsted_rating="").exists()
    assert min(school.urn for school in schools) >= world.DEMO_URN_START
    for school in schools:
        centre = world.PLACES_BY_CODE[school.local_authority.code]
        assert abs(school.easting - centre.easting) < 20_000
        assert abs(school.northing - centre.northing) < 20_000


def test_it_creates_about_sixty_leaders_with_every_designation_kind(demo_output):
    assert Leader.objects.count() == 60
    designations = Designation.objects.all()
    assert set(designations.values_list("kind", flat=True)) == set(Designation.Kind.values)
    # A designation waits for a leader's confirmation only after a real application.
    assert set(designations.values_list("status", flat=True)) == set(
        Designation.Status.values
    ) - set(Designation.UNCONFIRMED_STATUSES)
    for designation in designations:
        national_kind = designation.kind in Designation.NATIONAL_KINDS
        assert (designation.alliance_id is None) == national_kind
        assert (designation.national_support_school_id is not None) == (designation.kind == "NLE")
    public = Leader.objects.public()
    assert public.count() > 40
    assert all(leader.bio for leader in public)
    assert DeclaredConflict.objects.count() >= 2


def test_it_creates_requests_in_every_status(demo_output):
    statuses = set(SupportRequest.objects.values_list("status", flat=True))
    assert statuses == set(S.values)


def test_it_keeps_deployments_consistent_with_their_requests(demo_output):
    assert_deployments_match_requests()
    assert_agreements_are_complete(timezone.now().astimezone(datetime.UTC).date())
    assert Deployment.objects.filter(status=DS.DECLINED).exists()


def test_it_never_books_a_leader_beyond_their_days_in_a_year(demo_output):
    assert_no_leader_over_committed()


def test_it_records_a_timeline_that_ends_in_each_requests_status(demo_output):
    assert_timelines_lead_to_each_status()
    coordinator = User.objects.get(email=world.COORDINATOR_LOGIN.email)
    assert RequestEvent.objects.filter(actor=coordinator).exists()


def test_it_lets_later_requests_continue_the_reference_sequence(demo_output):
    assert_references_continue_the_sequence()
    year = timezone.now().year
    last = ReferenceSequence.objects.get(year=year).last_number
    alliance = Alliance.objects.get(slug="fleet-valley-alliance")
    request = SupportRequestFactory(alliance=alliance, school=School.objects.first())
    assert request.reference == SupportRequest.format_reference(year, last + 1)


def sign_in(client, login):
    """Through the sign-in page, with its lockout, as a person would."""
    response = client.post(
        "/accounts/login/", {"username": login.email, "password": login.password}
    )
    return response.status_code == 302 and "_auth_user_id" in client.session


def test_it_lets_the_coordinator_work_in_the_admin(demo_output, client):
    login = world.COORDINATOR_LOGIN
    assert sign_in(client, login)
    page = client.get("/admin/").content.decode()
    for model in ("Support requests", "Deployments", "Leaders", "Designations", "Schools"):
        assert model in page
    coordinator = User.objects.get(email=login.email)
    assert coordinator.is_coordinator
    assert coordinator.alliance.slug == "fleet-valley-alliance"
    assert list(coordinator.groups.values_list("name", flat=True)) == [COORDINATOR_GROUP_NAME]
    own = SupportRequest.objects.filter(alliance=coordinator.alliance).first().reference
    other = SupportRequest.objects.exclude(alliance=coordinator.alliance).first().reference
    listing = client.get("/admin/support_requests/supportrequest/").content.decode()
    assert own in listing
    assert other not in listing


def test_it_lets_the_coordinator_open_a_request_its_deployment_and_leader(demo_output, client):
    login = world.COORDINATOR_LOGIN
    assert sign_in(client, login)
    alliance = User.objects.get(email=login.email).alliance
    deployment = Deployment.objects.select_related("request", "leader").filter(
        status=DS.AGREED, request__alliance=alliance
    )[0]
    pages = {
        f"/admin/support_requests/supportrequest/{deployment.request_id}/change/": (
            deployment.request.reference
        ),
        f"/admin/deployments/deployment/{deployment.pk}/change/": "350.00",
        f"/admin/leaders/leader/{deployment.leader_id}/change/": deployment.leader.full_name,
    }
    for url, expected in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert expected in response.content.decode(), url
    phases = client.get(
        "/admin/autocomplete/",
        {"app_label": "leaders", "model_name": "leader", "field_name": "phases", "term": "Prim"},
    )
    assert [item["text"] for item in phases.json()["results"]] == ["Primary"]


def test_it_gives_coordinators_edit_rights_on_brokering_only(demo_output):
    coordinator = User.objects.get(email=world.COORDINATOR_LOGIN.email)
    for permission in (
        "support_requests.add_supportrequest",
        "support_requests.change_supportrequest",
        "deployments.add_deployment",
        "deployments.change_objective",
        "leaders.change_leader",
        "leaders.add_designation",
        "leaders.add_declaredconflict",
        "support_requests.view_requestevent",
        "schools.view_school",
        "schools.view_alliance",
        "leaders.view_areaofexpertise",
    ):
        assert coordinator.has_perm(permission), permission
    for permission in (
        "support_requests.change_requestevent",
        "support_requests.delete_supportrequest",
        "schools.change_school",
        "schools.change_alliance",
        "leaders.change_areaofexpertise",
        "accounts.view_user",
    ):
        assert not coordinator.has_perm(permission), permission


def test_it_links_the_leader_login_to_a_leader_with_work_to_show(demo_output):
    leader = Leader.objects.get(user__email=world.LEADER_LOGIN.email)
    deployments = {d.status: d for d in leader.deployments.select_related("request")}
    assert set(deployments) == {DS.PROPOSED, DS.AGREED, DS.IN_DELIVERY, DS.COMPLETED}
    assert deployments[DS.PROPOSED].request.status == S.PROPOSED
    assert deployments[DS.AGREED].request.status == S.AGREED
    assert deployments[DS.AGREED].agreed_days <= leader.days_per_year
    assert deployments[DS.IN_DELIVERY].log_entries.exists()
    assert deployments[DS.COMPLETED].impact_report.ratings.exists()


def test_it_logs_support_within_each_deployment_and_a_sane_day(demo_output):
    assert_delivery_is_consistent()


def test_it_gives_each_demo_login_its_documented_password(demo_output):
    passwords = [login.password for login in world.DEMO_LOGINS]
    assert len(set(passwords)) == 3
    for login in world.DEMO_LOGINS:
        user = User.objects.get(email=login.email)
        assert user.check_password(login.password)
        validate_password(login.password, user)
    assert User.objects.get(email=world.ADMIN_LOGIN.email).is_superuser


def test_it_prints_the_logins_and_the_admin_address(demo_output):
    assert world.ADMIN_URL in demo_output
    for login in world.DEMO_LOGINS:
        assert f"{login.email}  password: {login.password}" in demo_output


def test_it_creates_nothing_on_a_second_run_and_still_prints_the_logins(demo_output):
    before = row_counts()
    output = seed_demo()
    assert row_counts() == before
    assert "already here; nothing was created" in output
    assert world.ADMIN_URL in output
    assert all(login.password in output for login in world.DEMO_LOGINS)


def test_it_leaves_an_existing_account_and_its_password_alone(db):
    User.objects.create_superuser(world.ADMIN_LOGIN.email, "someone-elses-secret")
    output = seed_demo()
    assert User.objects.get(email=world.ADMIN_LOGIN.email).check_password("someone-elses-secret")
    assert "admin@example.org (existing account; password unchanged)" in output


def test_it_builds_the_same_world_from_the_same_seed(db):
    now = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)

    def snapshot():
        with transaction.atomic():
            world.build_demo_world(now=now)
            rows = list(
                SupportRequest.objects.order_by("reference").values_list(
                    "reference", "status", "school__name", "created_at"
                )
            )
            transaction.set_rollback(True)
        return rows

    assert snapshot() == snapshot()


# The national data set ----------------------------------------------------


def test_it_builds_exactly_the_requested_national_counts(tiny_national):
    counts, _ = tiny_national
    assert Alliance.objects.count() == TINY["alliances"]
    assert LocalAuthority.objects.count() == TINY["local_authorities"]
    assert School.objects.count() == TINY["schools"]
    assert Leader.objects.count() == TINY["leaders"]
    assert SupportRequest.objects.count() == TINY["requests"]
    assert Deployment.objects.count() == TINY["deployments"]
    assert counts["deployments"] == TINY["deployments"]


def test_it_keeps_national_data_consistent(tiny_national):
    assert set(SupportRequest.objects.values_list("status", flat=True)) == set(S.values)
    kinds = set(Designation.objects.values_list("kind", flat=True))
    assert kinds == set(Designation.Kind.values)
    assert_deployments_match_requests()
    assert_agreements_are_complete(timezone.now().astimezone(datetime.UTC).date())
    assert_no_leader_over_committed()
    assert_timelines_lead_to_each_status()
    assert_references_continue_the_sequence()
    assert_delivery_is_consistent()


def test_it_links_national_leaders_to_areas_and_phases(tiny_national):
    for leader in Leader.objects.prefetch_related("areas_of_expertise", "phases"):
        assert leader.areas_of_expertise.all()
        assert leader.home_school.phase in leader.phases.all()


def test_it_does_nothing_on_a_second_national_run(tiny_national):
    before = row_counts()
    messages = []
    assert national.build_national(**TINY, log=messages.append) is None
    assert row_counts() == before
    assert messages == ["The national data set is already here; nothing was created."]


def test_it_continues_references_after_the_demo_world(demo_output):
    demo_last = dict(ReferenceSequence.objects.values_list("year", "last_number"))
    national.build_national(**TINY)
    assert_references_continue_the_sequence()
    for year, last in demo_last.items():
        assert ReferenceSequence.objects.get(year=year).last_number >= last
    assert SupportRequest.objects.count() == 84 + TINY["requests"]


def test_it_prints_progress_per_stage_and_the_elapsed_time(db):
    sizes = {key: value for key, value in TINY.items() if key != "local_authorities"}
    output = seed_demo(scale="national", **sizes)
    for stage in ("alliances:", "schools:", "leaders:", "requests:", "deployments:", "timeline:"):
        assert stage in output
    assert re.search(r"National data set built in \d+\.\d+s\.", output)
    assert School.objects.count() == TINY["schools"]


def test_it_refuses_sizes_that_cannot_show_every_status(db):
    with pytest.raises(ValueError, match="every status"):
        national.build_national(**{**TINY, "requests": 5})
    assert not School.objects.exists()


@pytest.mark.django_db
def test_it_refuses_to_plant_demo_logins_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="only created with DEBUG on"):
        call_command("seed_demo", stdout=StringIO())

    assert not User.objects.exists()


def assert_delivery_is_consistent():
    """Logs sit inside delivered deployments; reports and evaluations match how far each got."""
    hours_by_leader_day = defaultdict(int)
    for entry in SupportLog.objects.select_related("deployment").prefetch_related("objectives"):
        deployment = entry.deployment
        assert deployment.status in (DS.IN_DELIVERY, DS.COMPLETED)
        assert deployment.start_date <= entry.date <= deployment.end_date
        assert entry.date <= timezone.localdate()
        assert {o.deployment_id for o in entry.objectives.all()} == {deployment.pk}
        hours_by_leader_day[deployment.leader_id, entry.date] += entry.hours
    assert hours_by_leader_day
    assert max(hours_by_leader_day.values()) <= SupportLog.MAX_HOURS
    sessions = PlannedSession.objects.select_related("deployment")
    assert sessions
    for session in sessions:
        assert session.deployment.status == DS.IN_DELIVERY
        assert timezone.localdate() <= session.date <= session.deployment.end_date
        assert session.date.weekday() < 5
    reported = set(ImpactReport.objects.values_list("deployment__status", flat=True))
    assert reported == {DS.COMPLETED}
    evaluated = set(SchoolEvaluation.objects.values_list("deployment__request__status", flat=True))
    assert evaluated == {S.EVALUATED}
    for report in ImpactReport.objects.prefetch_related("ratings", "deployment__objectives"):
        assert {r.objective_id for r in report.ratings.all()} == {
            o.pk for o in report.deployment.objectives.all()
        }
