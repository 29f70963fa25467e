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
from deployments.lifecycle import request_state_for
from deployments.models import (
    Deployment,
    ImpactReport,
    Objective,
    PlannedSession,
    SchoolEvaluation,
    SupportLog,
    Variation,
    days_from_hours,
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
    # Stopped: agreed work that stopped before it began.
    S.MATCHING: {DS.DECLINED, DS.STOPPED},
    S.NO_MATCH: {DS.DECLINED, DS.STOPPED},
    S.WITHDRAWN: {DS.CANCELLED},
    S.PROPOSED: {DS.DECLINED, DS.PROPOSED, DS.ACCEPTED},
    S.AGREED: {DS.DECLINED, DS.AGREED},
    S.IN_DELIVERY: {DS.DECLINED, DS.IN_DELIVERY, DS.PAUSED},
    # Stopped: work that stopped part way, with something delivered.
    S.COMPLETED: {DS.DECLINED, DS.COMPLETED, DS.STOPPED},
    S.EVALUATED: {DS.DECLINED, DS.COMPLETED, DS.STOPPED},
}
# The state a closed request was in when it closed, as its deployments called for.
CLOSED_FROM = {S.EVALUATED: S.COMPLETED}
# How many deployments hold a place on the request: one ask, or a place for each leader wanted.
ASKING = {S.PROPOSED}
PLACED = {S.AGREED, S.IN_DELIVERY, S.COMPLETED, S.EVALUATED}
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


def holds_a_place(deployment):
    """Asked, agreed or delivered something: not declined, cancelled or stopped before it began."""
    if deployment.status == DS.STOPPED:
        return deployment.days_delivered > 0
    return deployment.status in {*Deployment.OPEN_STATUSES, DS.COMPLETED}


def assert_deployments_match_requests():
    deployments = defaultdict(list)
    for deployment in Deployment.objects.select_related("designation", "leader"):
        deployments[deployment.request_id].append(deployment)
    for request in SupportRequest.objects.all():
        mine = deployments[request.pk]
        statuses = {deployment.status for deployment in mine}
        assert statuses <= ALLOWED_DEPLOYMENTS[request.status], (request.reference, statuses)
        if mine:
            # The request is where its deployments put it (deployments.lifecycle), or closed
            # from there.
            wanted = request_state_for(mine)
            assert CLOSED_FROM.get(request.status, request.status) == wanted or (
                request.is_closed and wanted == S.MATCHING
            ), (request.reference, request.status, statuses)
        places = sum(1 for deployment in mine if holds_a_place(deployment))
        if request.status in ASKING:
            assert places == 1, request.reference
        elif request.status in PLACED:
            assert places == request.leaders_wanted, request.reference
        else:
            assert places == 0, request.reference
        assert request.leaders_wanted == 1 or request.status in PLACED, request.reference
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
        if deployment.started_at:
            # Delivery starts on or after the agreed start date.
            assert deployment.started_at.date() >= deployment.start_date
            assert deployment.started_at >= deployment.agreed_at
        if deployment.status == DS.AGREED:
            assert deployment.start_date > today and not deployment.started_at
        elif deployment.status in (DS.IN_DELIVERY, DS.PAUSED):
            assert deployment.start_date <= today <= deployment.end_date
            assert deployment.started_at
        elif deployment.status == DS.COMPLETED:
            assert deployment.completed_at and deployment.end_date <= today
            assert deployment.started_at and deployment.days_delivered > 0
        else:
            assert deployment.status == DS.STOPPED
            assert deployment.stopped_at and deployment.stopped_at >= deployment.agreed_at
            assert deployment.stop_reason in Deployment.StopReason.values
            assert deployment.stop_note
            assert deployment.completed_at is None
            # Something delivered, or stopped before it began.
            assert (deployment.days_delivered > 0) == bool(deployment.started_at)
        if deployment.status == DS.PAUSED:
            assert deployment.pause_reason and deployment.resume_expected > today
            assert deployment.started_at < deployment.paused_at <= timezone.now()
        else:
            assert not (deployment.paused_at or deployment.pause_reason)
    for deployment in Deployment.objects.filter(status=DS.DECLINED):
        assert deployment.decline_reason and deployment.responded_at
    for deployment in Deployment.objects.filter(status=DS.PROPOSED):
        assert deployment.responded_at is None
    for deployment in Deployment.objects.filter(status=DS.ACCEPTED):
        assert deployment.proposed_at < deployment.responded_at <= timezone.now()
        assert deployment.agreed_at is None
    assert not Deployment.objects.filter(status=DS.CANCELLED, cancelled_at__isnull=True).exists()


def assert_no_leader_over_committed():
    """The days each leader's deployments hold in each academic year, as capacity counts them:
    `days_committed()`, in which work stopped early holds only the days it delivered."""
    years = set()
    for deployment in Deployment.objects.committed().select_related("leader"):
        year = academic_year_bounds(deployment.start_date)
        assert academic_year_bounds(deployment.end_date) == year
        years.add((deployment.leader, year))
    assert years
    for leader, year in years:
        held = Deployment.objects.filter(leader=leader, start_date__range=year).days_committed()
        assert held <= leader.days_per_year, (leader, year, held)


def assert_variations_lead_to_the_agreement():
    """Each variation's "after" is the agreement as it stands, with its line on the timeline."""
    variations = Variation.objects.select_related("deployment__request", "made_by")
    for variation in variations:
        deployment = variation.deployment
        assert deployment.status in Deployment.COMMITTED_STATUSES
        assert variation.changes()
        assert variation.reason
        assert variation.days_after == deployment.agreed_days
        assert variation.start_after == deployment.start_date
        assert variation.end_after == deployment.end_date
        assert variation.objectives_after == "\n".join(
            deployment.objectives.order_by("position").values_list("description", flat=True)
        )
        assert variation.end_before >= variation.start_before
        assert deployment.agreed_at < variation.created_at <= timezone.now()
        if variation.made_by is not None:
            assert variation.made_by.is_coordinator
            assert variation.made_by.alliance_id == deployment.request.alliance_id
        line = RequestEvent.objects.get(request=deployment.request, created_at=variation.created_at)
        assert line.from_status == line.to_status
        assert line.note == (
            f"{deployment.leader.full_name}'s agreement was varied "
            f"({'; '.join(variation.changes())}): {variation.reason}"
        )


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
        # Lines that change no state (an acceptance, a pause, a variation) may follow the
        # last change.
        changes = [event for event in timeline if event.from_status != event.to_status]
        assert changes[-1].to_status == timeline[-1].to_status == request.status
        assert changes[-1].created_at == request.status_changed_at
        assert timeline[-1].created_at <= timezone.now()
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


def test_it_shows_every_turn_a_deployment_can_take(demo_output):
    deployments = Deployment.objects.all()
    assert deployments.filter(status=DS.ACCEPTED, responded_at__isnull=False).exists()
    assert deployments.filter(status=DS.PAUSED).exists()
    # Stopped part way, the request completed or evaluated on what was delivered...
    assert deployments.filter(
        status=DS.STOPPED,
        days_delivered__gt=0,
        request__status__in=(S.COMPLETED, S.EVALUATED),
    ).exists()
    # ...and stopped before it began, the request looking again or closed with no match.
    assert deployments.filter(
        status=DS.STOPPED, days_delivered=0, request__status__in=(S.MATCHING, S.NO_MATCH)
    ).exists()
    assert Variation.objects.exists()
    teams = SupportRequest.objects.filter(leaders_wanted__gt=1)
    assert teams.exists()
    for team in teams.prefetch_related("deployments__designation"):
        assert team.leaders_wanted in (2, 3)
        assert team.designation_sought == "NLE"
        kinds = sorted(deployment.designation.kind for deployment in team.deployments.all())
        assert len(kinds) == team.leaders_wanted
        assert "NLE" in kinds


def test_it_records_each_pause_stop_and_variation_with_its_reason(demo_output):
    assert_variations_lead_to_the_agreement()
    coordinator = User.objects.get(email=world.COORDINATOR_LOGIN.email)
    assert set(Variation.objects.values_list("made_by", flat=True)) <= {coordinator.pk, None}
    for deployment in Deployment.objects.filter(status=DS.PAUSED).select_related("leader"):
        line = RequestEvent.objects.get(request=deployment.request, created_at=deployment.paused_at)
        assert (line.from_status, line.to_status) == (S.IN_DELIVERY, S.IN_DELIVERY)
        assert line.note.endswith(deployment.pause_reason)
        assert not deployment.planned_sessions.exists()
    for deployment in Deployment.objects.filter(status=DS.STOPPED).select_related("leader"):
        line = RequestEvent.objects.get(
            request=deployment.request, created_at=deployment.stopped_at
        )
        assert line.to_status in (S.COMPLETED, S.MATCHING)
        assert line.note.startswith(f"{deployment.leader.full_name}'s support was stopped early")
        assert line.note.endswith(deployment.stop_note)
        assert not deployment.planned_sessions.exists()
    for deployment in Deployment.objects.filter(status=DS.ACCEPTED).select_related("leader"):
        line = RequestEvent.objects.get(
            request=deployment.request, created_at=deployment.responded_at
        )
        assert (line.from_status, line.to_status) == (S.PROPOSED, S.PROPOSED)
        assert line.actor_label == deployment.leader.full_name


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
                    "reference", "status", "school__name", "created_at", "leaders_wanted"
                )
            )
            rows += list(
                Deployment.objects.order_by("request__reference", "leader__email").values_list(
                    "request__reference",
                    "leader__email",
                    "status",
                    "agreed_days",
                    "days_delivered",
                    "paused_at",
                    "stopped_at",
                )
            )
            rows += list(
                Variation.objects.order_by("created_at").values_list(
                    "deployment__request__reference", "created_at", "days_before", "end_before"
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
    assert_variations_lead_to_the_agreement()


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
        assert deployment.status in (DS.IN_DELIVERY, DS.PAUSED, DS.COMPLETED, DS.STOPPED)
        assert deployment.start_date <= entry.date <= deployment.end_date
        assert entry.date <= timezone.localdate()
        # Nothing is logged after a pause began or after the work ended.
        if deployment.status == DS.PAUSED:
            assert entry.date < deployment.paused_at.date()
        elif deployment.status == DS.STOPPED:
            assert entry.date <= deployment.stopped_at.date()
        elif deployment.status == DS.COMPLETED:
            assert entry.date <= deployment.completed_at.date()
        assert {o.deployment_id for o in entry.objectives.all()} == {deployment.pk}
        hours_by_leader_day[deployment.leader_id, entry.date] += entry.hours
    assert hours_by_leader_day
    assert max(hours_by_leader_day.values()) <= SupportLog.MAX_HOURS
    # Work that ended recorded the days its log shows; work still open records none yet.
    for deployment in Deployment.objects.with_hours_logged():
        if deployment.status in Deployment.DELIVERED_STATUSES:
            assert deployment.days_delivered == days_from_hours(deployment.hours_logged)
        else:
            assert deployment.days_delivered is None
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
    for evaluation in SchoolEvaluation.objects.select_related("deployment"):
        assert evaluation.deployment.status in Deployment.DELIVERED_STATUSES
        assert evaluation.deployment.days_delivered > 0
    for report in ImpactReport.objects.prefetch_related("ratings", "deployment__objectives"):
        assert {r.objective_id for r in report.ratings.all()} == {
            o.pk for o in report.deployment.objectives.all()
        }
