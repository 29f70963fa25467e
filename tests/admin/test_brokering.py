"""Brokering in the admin: a request's next states, its shortlist, proposals and deployments.

Alice coordinates the Xanadu alliance, Bob the Yarrow one; Charlie is staff in
Xanadu without the Coordinators group (no permissions), Dana is staff with
no alliance. Every write goes through the services; these tests check what
a coordinator sees on the page and the data that results.
"""

import datetime
import html
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliance_portal.accounts.groups import ensure_coordinator_group
from alliance_portal.accounts.models import User
from alliance_portal.notifications.models import OutboundEmail
from alliance_portal.schools.models import Alliance
from deployments.models import Deployment
from deployments.services import deployment_answer, deployment_propose
from leaders.models import Leader
from requests.models import RequestEvent, SupportRequest
from tests import factories

pytestmark = pytest.mark.django_db

Status = SupportRequest.Status
TODAY = datetime.date.today()


@dataclass
class World:
    alliance: Alliance
    alice: User
    bob: User
    charlie: User
    dana: User
    request: SupportRequest
    other_request: SupportRequest
    near: Leader
    far: Leader
    own_school: Leader


@pytest.fixture
def world():
    group = ensure_coordinator_group()
    xanadu = factories.AllianceFactory(name="Xanadu Teaching Alliance")
    yarrow = factories.AllianceFactory(name="Yarrow Teaching Alliance")
    alice = factories.CoordinatorFactory(alliance=xanadu, full_name="Alice Archer")
    bob = factories.CoordinatorFactory(alliance=yarrow, full_name="Bob Brown")
    for coordinator in (alice, bob):
        coordinator.groups.add(group)
    charlie = factories.CoordinatorFactory(alliance=xanadu, full_name="Charlie Clark")
    dana = factories.UserFactory(is_staff=True, full_name="Dana Dale")
    dana.groups.add(group)

    school = factories.SchoolFactory(name="Primrose Hill Primary", easting=530000, northing=180000)
    request = factories.SupportRequestFactory(
        alliance=xanadu, school=school, status=Status.NEW, funding="grant"
    )
    near = leader_at(xanadu, "Nadia Near", easting=531000, northing=180000)
    far = leader_at(xanadu, "Farah Far", easting=560000, northing=180000)
    own_school = factories.LeaderFactory(full_name="Olive Own", home_school=school)
    factories.DesignationFactory(leader=own_school, alliance=xanadu)
    other_request = factories.SupportRequestFactory(alliance=yarrow, status=Status.MATCHING)
    return World(
        alliance=xanadu,
        alice=alice,
        bob=bob,
        charlie=charlie,
        dana=dana,
        request=request,
        other_request=other_request,
        near=near,
        far=far,
        own_school=own_school,
    )


def leader_at(alliance, name, *, easting, northing, days=Decimal("20.0")):
    home = factories.SchoolFactory(easting=easting, northing=northing)
    leader = factories.LeaderFactory(full_name=name, home_school=home, days_per_year=days)
    factories.DesignationFactory(leader=leader, alliance=alliance)
    return leader


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alice(world):
    return signed_in(world.alice)


def change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def request_url(support_request, action):
    return reverse(f"admin:support_requests_supportrequest_{action}", args=[support_request.pk])


def deployment_url(deployment, action):
    return reverse(f"admin:deployments_deployment_{action}", args=[deployment.pk])


def set_status(support_request, status):
    support_request.status = status
    support_request.save(update_fields=["status"])


def shown(response):
    return response.content.decode()


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def proposed(world, leader=None):
    """The request proposed to a leader, as the service leaves it."""
    set_status(world.request, Status.MATCHING)
    return deployment_propose(
        support_request=world.request, leader=leader or world.near, actor=world.alice
    )


def accepted(world):
    deployment = proposed(world)
    deployment_answer(deployment=deployment, accepted=True, actor=world.alice, on_behalf=True)
    return deployment


# The request's page: timeline and next steps.


def test_it_shows_the_timeline_when_from_to_who_and_why(alice, world):
    world.request.events.create(to_status=Status.NEW, actor_label="Amira Khan, Primrose")
    world.request.events.create(
        from_status=Status.NEW, to_status=Status.TRIAGED, actor=world.alice, note="Clear need."
    )

    page = shown(alice.get(change_url(world.request)))

    timeline = page[page.index('id="timeline-heading"') :]
    assert "<strong>Amira Khan, Primrose</strong> sent the request." in timeline
    assert "<strong>Alice Archer</strong> triaged the request. Clear need." in timeline
    assert timeline.index("Amira Khan") < timeline.index("Alice Archer")
    assert "+00:00<" not in timeline  # people read the time, not the timestamp


def test_it_offers_the_next_steps_of_a_new_request(alice, world):
    page = shown(alice.get(change_url(world.request)))

    assert "Mark as triaged" in page
    assert "Decline with reason" in page
    assert "Withdrawn by the school" in page
    assert "Start matching" not in page


def test_it_leaves_proposing_agreeing_and_delivery_to_the_deployment(alice, world):
    set_status(world.request, Status.MATCHING)

    response = alice.get(change_url(world.request))
    steps = [step["to_status"] for step in response.context["next_steps"]]

    assert steps == [Status.DECLINED, Status.NO_MATCH, Status.WITHDRAWN, Status.LAPSED]
    assert "No match found" in shown(response)


def test_it_offers_no_way_back_to_matching_while_a_leader_is_asked(alice, world):
    proposed(world)

    response = alice.get(change_url(world.request))

    assert [step["to_status"] for step in response.context["next_steps"]] == [
        Status.WITHDRAWN,
        Status.LAPSED,
    ]


def test_it_marks_a_request_triaged(alice, world):
    response = alice.post(
        request_url(world.request, "transition"), {"to_status": "triaged"}, follow=True
    )

    world.request.refresh_from_db()
    assert world.request.status == Status.TRIAGED
    event = world.request.events.get()
    assert (event.from_status, event.to_status, event.actor) == ("new", "triaged", world.alice)
    assert messages_of(response) == [f"Request {world.request.reference} is now triaged."]
    assert "Start matching" in shown(response)


def test_it_starts_matching(alice, world):
    set_status(world.request, Status.TRIAGED)

    alice.post(request_url(world.request, "transition"), {"to_status": "matching"})

    world.request.refresh_from_db()
    assert world.request.status == Status.MATCHING


def test_it_declines_a_request_with_the_reason(alice, world):
    response = alice.post(
        request_url(world.request, "transition"),
        {"to_status": "declined", "note": "Outside our area.", "confirm": "yes"},
        follow=True,
    )

    world.request.refresh_from_db()
    assert world.request.status == Status.DECLINED
    assert world.request.closed_reason == "Outside our area."
    assert world.request.closed_at is not None
    assert OutboundEmail.objects.filter(to=world.request.contact_email).exists()
    assert "is now declined by the alliance" in messages_of(response)[0]


def test_it_refuses_to_close_without_a_reason(alice, world):
    response = alice.post(
        request_url(world.request, "transition"),
        {"to_status": "no-match", "note": "  ", "confirm": "yes"},
        follow=True,
    )

    world.request.refresh_from_db()
    assert world.request.status == Status.NEW
    assert not RequestEvent.objects.exists()
    # New cannot go to no match: the state machine says so in its own words.
    assert messages_of(response) == ["A request that is new cannot be moved to no match found."]


def test_it_refuses_to_decline_a_request_without_a_reason(alice, world):
    response = alice.post(
        request_url(world.request, "transition"),
        {"to_status": "declined", "confirm": "yes"},
        follow=True,
    )

    world.request.refresh_from_db()
    assert world.request.status == Status.NEW
    assert world.request.closed_reason == ""
    assert messages_of(response) == ["Give a reason for closing this request."]


def test_it_closes_a_request_only_when_the_coordinator_confirms(alice, world):
    response = alice.post(
        request_url(world.request, "transition"),
        {"to_status": "declined", "note": "Outside our area."},
        follow=True,
    )

    world.request.refresh_from_db()
    assert world.request.status == Status.NEW
    assert not OutboundEmail.objects.exists()
    assert "tick the box to confirm" in messages_of(response)[0]


@pytest.mark.parametrize(
    ("from_status", "to_status"),
    [
        (Status.MATCHING, "proposed"),
        (Status.PROPOSED, "agreed"),
        (Status.PROPOSED, "matching"),
        (Status.AGREED, "in-delivery"),
        (Status.IN_DELIVERY, "completed"),
    ],
)
def test_it_leaves_the_deployments_states_to_the_deployment(alice, world, from_status, to_status):
    set_status(world.request, from_status)

    response = alice.post(
        request_url(world.request, "transition"), {"to_status": to_status}, follow=True
    )

    world.request.refresh_from_db()
    assert world.request.status == from_status
    assert not RequestEvent.objects.exists()
    assert "only through its deployment" in messages_of(response)[0]


def test_it_keeps_the_status_and_the_schools_words_read_only_in_the_form(alice, world):
    from tests.admin.test_scoping import post_data

    page = alice.get(change_url(world.request))
    fields = page.context["adminform"].form.fields
    assert "status" not in fields
    assert not {"contact_name", "outcomes_sought", "in_ofsted_category"} & set(fields)
    data = post_data(page)
    data.update(
        status="completed",
        contact_name="Ada Lovelace",
        outcomes_sought="Something else.",
        leaders_wanted="2",
    )

    response = alice.post(change_url(world.request), data)

    assert response.status_code == 302
    world.request.refresh_from_db()
    assert world.request.contact_name != "Ada Lovelace"
    assert world.request.outcomes_sought != "Something else."
    assert world.request.status == Status.NEW
    # What the coordinator decides stays theirs to change.
    assert world.request.leaders_wanted == 2


def test_a_correction_is_a_note_on_the_timeline(alice, world):
    response = alice.post(
        request_url(world.request, "note"),
        {"note": "Phoned the head: the contact is now Ada Lovelace."},
        follow=True,
    )

    event = world.request.events.get()
    assert (event.from_status, event.to_status, event.actor) == ("new", "new", world.alice)
    assert event.note == "Phoned the head: the contact is now Ada Lovelace."
    assert messages_of(response) == ["The note is on the timeline."]


def test_it_keeps_the_status_read_only_when_adding(alice, world):
    response = alice.get(reverse("admin:support_requests_supportrequest_add"))

    assert "status" not in response.context["adminform"].form.fields


def test_a_request_added_in_the_admin_starts_its_timeline(alice, world):
    data = {
        "source": "local-authority",
        "alliance": world.alliance.pk,
        "school": world.request.school.pk,
        "contact_name": "Ada Lovelace",
        "contact_email": "ada@school.example.org",
        "designation_sought": "not-sure",
        "outcomes_sought": "A plan for reading across the school.",
        "funding": "not-known",
        "leaders_wanted": "1",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }

    response = alice.post(reverse("admin:support_requests_supportrequest_add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    added = SupportRequest.objects.get(contact_email="ada@school.example.org")
    event = added.events.get()
    assert (event.from_status, event.to_status, event.actor) == ("", Status.NEW, world.alice)
    assert event.note == "Added in the admin: a local authority referral."


# The shortlist.


def test_it_ranks_the_shortlist_with_the_reasons(alice, world):
    set_status(world.request, Status.MATCHING)

    response = alice.get(change_url(world.request))

    candidates = response.context["shortlist"].candidates
    assert [c.leader for c in candidates] == [world.near, world.far]
    page = shown(response)
    assert page.index("Nadia Near") < page.index("Farah Far")
    assert "1.0 km away" in page
    assert "30.0 km away" in page
    assert "20 of 20 days left" in page
    assert "No current deployments" in page
    assert f'<td class="score">{candidates[0].score}</td>' in page
    assert "Olive Own" not in page
    assert "Show excluded leaders and why" in page


def test_it_shows_the_excluded_leaders_and_why_on_request(alice, world):
    set_status(world.request, Status.MATCHING)
    factories.DeclaredConflictFactory(leader=world.far, school=world.request.school)

    response = alice.get(change_url(world.request), {"show_excluded": "1"})

    page = shown(response)
    excluded = {e.leader: e.reasons for e in response.context["shortlist"].excluded}
    assert set(excluded) == {world.own_school, world.far}
    assert "Excluded leaders and why" in page
    assert "Works at the requesting school" in page
    assert "Declared a conflict of interest with this school" in page
    assert "Hide excluded leaders" in page


def test_it_shows_no_shortlist_once_a_leader_is_agreed(alice, world):
    set_status(world.request, Status.AGREED)
    factories.AgreedDeploymentFactory(
        request=world.request, leader=world.near, designation=world.near.designations.get()
    )

    response = alice.get(change_url(world.request))

    assert response.context["shortlist"] is None
    assert ">Propose<span" not in shown(response)


def test_it_proposes_a_leader_from_the_shortlist(alice, world):
    set_status(world.request, Status.MATCHING)
    page = alice.get(change_url(world.request))
    top = page.context["shortlist"].candidates[0]

    response = alice.post(
        request_url(world.request, "propose"),
        {"leader": top.leader.pk, "designation": top.designation.pk},
        follow=True,
    )

    deployment = Deployment.objects.get()
    assert (deployment.leader, deployment.designation) == (world.near, top.designation)
    assert deployment.status == Deployment.Status.PROPOSED
    world.request.refresh_from_db()
    assert world.request.status == Status.PROPOSED
    assert world.request.events.last().actor == world.alice
    assert OutboundEmail.objects.filter(to=world.near.email).exists()
    assert response.redirect_chain[-1][0] == change_url(deployment)
    assert messages_of(response)[0].startswith("Proposed Nadia Near (SLE) for request")
    assert "Record the leader’s answer" in shown(response)


def test_it_refuses_to_propose_an_excluded_leader(alice, world):
    set_status(world.request, Status.MATCHING)

    response = alice.post(
        request_url(world.request, "propose"), {"leader": world.own_school.pk}, follow=True
    )

    assert not Deployment.objects.exists()
    world.request.refresh_from_db()
    assert world.request.status == Status.MATCHING
    assert messages_of(response) == [
        f"Olive Own cannot be proposed for request {world.request.reference}: "
        "Works at the requesting school."
    ]


def test_it_refuses_to_propose_for_a_request_not_yet_triaged(alice, world):
    response = alice.post(
        request_url(world.request, "propose"), {"leader": world.near.pk}, follow=True
    )

    assert not Deployment.objects.exists()
    assert "a leader can be proposed only while" in messages_of(response)[0]


def test_it_refuses_to_propose_another_alliances_leader(alice, world):
    set_status(world.request, Status.MATCHING)
    stranger = leader_at(factories.AllianceFactory(), "Sam Stranger", easting=1, northing=1)

    response = alice.post(
        request_url(world.request, "propose"), {"leader": stranger.pk}, follow=True
    )

    assert not Deployment.objects.exists()
    assert messages_of(response) == ["Choose a leader from the shortlist to propose."]


# The deployment's page: answer, agreement, start, completion.


def test_it_records_an_acceptance_on_the_leaders_behalf(alice, world):
    deployment = proposed(world)

    response = alice.post(deployment_url(deployment, "answer"), {"answer": "accept"}, follow=True)

    deployment.refresh_from_db()
    assert deployment.responded_at is not None
    assert deployment.status == Deployment.Status.ACCEPTED
    assert "on the leader's behalf" in world.request.events.last().note
    assert messages_of(response) == ["Recorded that Nadia Near accepted. Agree the terms below."]
    form = response.context["agreement_form"]
    assert form["daily_rate"].value() == Decimal("350.00")
    assert form["brokerage_fee"].value() == Decimal("50.00")
    assert form["funding_source"].value() == "grant"


def test_it_records_a_decline_and_the_request_goes_back_to_matching(alice, world):
    deployment = proposed(world)

    response = alice.post(
        deployment_url(deployment, "answer"),
        {"answer": "decline", "reason": "no-capacity", "note": "Full until Easter."},
        follow=True,
    )

    deployment.refresh_from_db()
    assert deployment.status == Deployment.Status.DECLINED
    assert deployment.decline_reason == "no-capacity"
    assert deployment.decline_note == "Full until Easter."
    world.request.refresh_from_db()
    assert world.request.status == Status.MATCHING
    assert "back to finding a leader" in messages_of(response)[0]

    page = alice.get(change_url(world.request), {"show_excluded": "1"})
    assert [c.leader for c in page.context["shortlist"].candidates] == [world.far]
    assert "Already proposed for this request (declined by the leader)" in shown(page)


def test_it_refuses_to_record_a_decline_without_a_reason(alice, world):
    deployment = proposed(world)

    response = alice.post(deployment_url(deployment, "answer"), {"answer": "decline"}, follow=True)

    deployment.refresh_from_db()
    assert deployment.status == Deployment.Status.PROPOSED
    assert deployment.responded_at is None
    assert messages_of(response) == ["Choose why the leader declined."]


def agreement(**changes):
    return {
        "objectives": "Raise attainment in mathematics\n\nCoach the maths lead",
        "agreed_days": "8",
        "start_date": "2026-10-01",
        "end_date": "2027-03-31",
        "daily_rate": "350.00",
        "brokerage_fee": "50.00",
        "funding_source": "grant",
        "signed_by": "Amira Khan, headteacher",
        **changes,
    }


def test_it_agrees_a_deployment_within_capacity(alice, world):
    deployment = accepted(world)

    response = alice.post(deployment_url(deployment, "agree"), agreement(), follow=True)

    deployment.refresh_from_db()
    assert deployment.status == Deployment.Status.AGREED
    assert deployment.agreed_days == Decimal("8.0")
    assert deployment.start_date == datetime.date(2026, 10, 1)
    assert deployment.signed_by == "Amira Khan, headteacher"
    assert [o.description for o in deployment.objectives.all()] == [
        "Raise attainment in mathematics",
        "Coach the maths lead",
    ]
    world.request.refresh_from_db()
    assert world.request.status == Status.AGREED
    assert messages_of(response)[0].startswith("Agreed: Nadia Near for request")
    assert "Start delivery" in shown(response)


def test_it_shows_bad_terms_against_their_fields_and_changes_nothing(alice, world):
    deployment = accepted(world)

    response = alice.post(
        deployment_url(deployment, "agree"),
        agreement(objectives="", end_date="2026-09-01", brokerage_fee="400", signed_by=""),
    )

    assert response.status_code == 200
    errors = response.context["agreement_form"].errors
    assert errors["objectives"] == ["Give at least one objective."]
    assert errors["end_date"] == ["The end date must not be before the start date."]
    assert errors["brokerage_fee"] == ["The brokerage fee must not be more than the daily rate."]
    assert errors["signed_by"] == ["Say who signed the agreement."]
    assert "Give at least one objective." in shown(response)
    deployment.refresh_from_db()
    assert deployment.status == Deployment.Status.ACCEPTED
    assert deployment.agreed_days is None
    assert not deployment.objectives.exists()


def test_it_refuses_more_days_than_the_leader_has_left(alice, world):
    deployment = accepted(world)

    response = alice.post(deployment_url(deployment, "agree"), agreement(agreed_days="25"))

    assert response.context["agreement_form"].errors["agreed_days"] == [
        "Only 20 of Nadia Near's 20 days are left in 2026/27; this agreement needs 25."
    ]
    deployment.refresh_from_db()
    assert deployment.status == Deployment.Status.ACCEPTED


def test_it_refuses_to_agree_before_the_leader_accepts(alice, world):
    deployment = proposed(world)

    response = alice.post(deployment_url(deployment, "agree"), agreement())

    assert response.status_code == 200
    assert "has not accepted this proposal yet" in str(
        response.context["agreement_form"].non_field_errors()
    )
    deployment.refresh_from_db()
    assert deployment.status == Deployment.Status.PROPOSED


def test_it_starts_and_completes_a_deployment(alice, world):
    deployment = accepted(world)
    alice.post(deployment_url(deployment, "agree"), agreement())

    started = alice.post(deployment_url(deployment, "start"), follow=True)
    world.request.refresh_from_db()
    assert world.request.status == Status.IN_DELIVERY
    assert "Mark the support completed" in shown(started)
    factories.SupportLogFactory(deployment=deployment, date=datetime.date(2026, 10, 8))

    confirm_page = alice.get(deployment_url(deployment, "complete"))
    assert "this cannot be undone" in shown(confirm_page)
    unconfirmed = alice.post(deployment_url(deployment, "complete"), {})
    assert unconfirmed.context["step_form"].errors["confirm"] == ["Tick the box to confirm."]
    deployment.refresh_from_db()
    assert deployment.status == Deployment.Status.IN_DELIVERY

    completed = alice.post(deployment_url(deployment, "complete"), {"confirm": "on"}, follow=True)
    deployment.refresh_from_db()
    world.request.refresh_from_db()
    assert deployment.status == Deployment.Status.COMPLETED
    assert world.request.status == Status.COMPLETED
    assert messages_of(completed) == [
        "The support is completed; the school has been emailed a link to evaluate it."
    ]
    assert OutboundEmail.objects.filter(
        topic="school-evaluation", to=world.request.contact_email
    ).exists()


def test_it_refuses_to_complete_a_deployment_not_started(alice, world):
    deployment = accepted(world)

    response = alice.post(deployment_url(deployment, "complete"), {"confirm": "on"})

    deployment.refresh_from_db()
    assert deployment.status == Deployment.Status.ACCEPTED
    assert response.context["step_form"].non_field_errors() == [
        "Mark the support completed is not possible: this deployment is accepted by the leader."
    ]


def test_it_keeps_the_workflow_fields_read_only(alice, world):
    deployment = accepted(world)

    response = alice.get(change_url(deployment))

    fields = response.context["adminform"].form.fields
    for name in ("status", "leader", "request", "agreed_days", "signed_by", "responded_at"):
        assert name not in fields


# Who may use the views.


def write_views(world):
    """Every write view for one alliance's request and its deployment, with a valid POST."""
    deployment = factories.DeploymentFactory(request=world.other_request)
    return [
        (request_url(world.other_request, "transition"), {"to_status": "no-match", "note": "x"}),
        (request_url(world.other_request, "propose"), {"leader": deployment.leader.pk}),
        (deployment_url(deployment, "answer"), {"answer": "accept"}),
        (deployment_url(deployment, "agree"), agreement()),
        (request_url(world.other_request, "note"), {"note": "Phoned the head."}),
        (deployment_url(deployment, "start"), {}),
        (deployment_url(deployment, "complete"), {"confirm": "on"}),
        (deployment_url(deployment, "withdraw"), {}),
        (
            deployment_url(deployment, "pause"),
            {"reason": "Inspection.", "resume_expected": "2030-01-01"},
        ),
        (deployment_url(deployment, "resume"), {}),
        (
            deployment_url(deployment, "vary"),
            {"agreed_days": "9", "end_date": "2027-06-30", "objectives": "x", "reason": "More."},
        ),
        (
            deployment_url(deployment, "stop"),
            {"reason": "other", "note": "Ended.", "confirm": "on"},
        ),
    ]


POST_ONLY = ("/transition/", "/propose/", "/answer/", "/agree/", "/note/")


def test_it_answers_404_for_another_alliances_objects(world):
    alice = signed_in(world.alice)
    for url, data in write_views(world):
        assert alice.post(url, data).status_code == 404, url
    world.other_request.refresh_from_db()
    assert world.other_request.status == Status.MATCHING
    assert Deployment.objects.get().status == Deployment.Status.PROPOSED


def test_it_answers_405_to_a_get_where_a_step_has_no_page(world):
    bob = signed_in(world.bob)
    views = [url for url, _ in write_views(world)]
    for url in views:
        if url.endswith(POST_ONLY):
            assert bob.get(url).status_code == 405, url
        else:
            # The later steps show what will happen before they are taken.
            assert bob.get(url).status_code == 200, url


def test_it_answers_403_to_staff_without_permissions_and_404_without_an_alliance(world):
    views = write_views(world)
    world.charlie.alliance = world.other_request.alliance
    world.charlie.save()
    charlie, dana = signed_in(world.charlie), signed_in(world.dana)
    for url, data in views:
        assert charlie.post(url, data).status_code == 403, url
        assert dana.post(url, data).status_code == 404, url
    world.other_request.refresh_from_db()
    assert world.other_request.status == Status.MATCHING


def test_it_sends_anonymous_visitors_to_the_login_page(world):
    for url, data in write_views(world):
        response = Client().post(url, data)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_it_refuses_a_post_without_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.bob)

    response = client.post(
        request_url(world.other_request, "transition"), {"to_status": "no-match", "note": "x"}
    )

    assert response.status_code == 403
    world.other_request.refresh_from_db()
    assert world.other_request.status == Status.MATCHING


def test_it_records_the_change_in_the_requests_history(alice, world):
    alice.post(request_url(world.request, "transition"), {"to_status": "triaged"})

    response = alice.get(request_url(world.request, "history"))

    assert response.status_code == 200
    text = " ".join(re.sub(r"<[^>]+>", " ", html.unescape(shown(response))).split())
    assert "Changed Alice Archer None Status: new → triaged" in text
    assert world.request.history.latest("history_date").status == Status.TRIAGED


# Query budget: the shortlist costs the same whatever the number of leaders.


def build_leaders(alliance, n, area):
    for i in range(n):
        leader = leader_at(alliance, f"Leader {i}", easting=530000 + i * 500, northing=181000)
        leader.areas_of_expertise.add(area)
        if i % 3 == 0:
            factories.AgreedDeploymentFactory(
                leader=leader, designation=leader.designations.get(), start_date=TODAY
            )
        if i % 4 == 0:
            factories.DeclaredConflictFactory(leader=leader)


def change_page_queries(client, support_request, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(change_url(support_request), params)
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.parametrize("params", [{}, {"show_excluded": "1"}], ids=["shortlist", "excluded"])
def test_it_opens_the_change_page_in_the_same_queries_for_5_and_30_leaders(alice, world, params):
    area = factories.AreaOfExpertiseFactory()
    world.request.areas_of_expertise.add(area)
    set_status(world.request, Status.MATCHING)
    proposed(world, leader=world.far)
    deployment_answer(
        deployment=Deployment.objects.get(),
        accepted=False,
        reason="no-capacity",
        actor=world.alice,
        on_behalf=True,
    )
    world.request.events.create(to_status=Status.MATCHING, note="Another line.")

    build_leaders(world.alliance, 3, area)
    small, response = change_page_queries(alice, world.request, **params)
    assert len(response.context["shortlist"].candidates) >= 4
    build_leaders(world.alliance, 27, area)
    large, response = change_page_queries(alice, world.request, **params)
    assert len(response.context["shortlist"].candidates) == 20

    assert small == large, f"{small} queries for 5 leaders, {large} for 30"


def test_the_agreement_is_prefilled_with_what_a_browser_accepts_and_the_leader_has_left(
    alice, world
):
    world.request.estimated_days = Decimal("6")
    world.request.preferred_start = datetime.date(2026, 11, 2)
    world.request.save()
    deployment = accepted(world)
    factories.AgreedDeploymentFactory(
        leader=world.near,
        designation=world.near.designations.get(),
        agreed_days=Decimal("17"),
        start_date=datetime.date(2026, 10, 1),
    )

    page = shown(alice.get(change_url(deployment)))

    assert 'name="start_date" value="2026-11-02"' in page
    assert 'name="agreed_days" value="3' in page
    assert "The school asked for about 6. Nadia Near has 3 of 20 days left in 2026/27." in page
