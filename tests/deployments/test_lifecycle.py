"""The deployment's transition table, walked; and the lies the record told before it.

Each test under "What went wrong" is a case from issue 11 that the portal
allowed before the table existed.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from alliance_portal.notifications.models import OutboundEmail
from deployments import lifecycle
from deployments.impact import impact_report_submit
from deployments.lifecycle import COORDINATOR, LEADER, MOVES, PORTAL, check_move, request_state_for
from deployments.models import Deployment, Objective, PlannedSession, Rating, Variation
from deployments.services import (
    deployment_agree,
    deployment_answer,
    deployment_complete,
    deployment_pause,
    deployment_propose,
    deployment_resume,
    deployment_start,
    deployment_stop,
    deployment_vary,
    deployment_withdraw_ask,
)
from requests.models import Funding, RequestEvent, SupportRequest
from requests.services import request_transition
from tests.factories import (
    AgreedDeploymentFactory,
    CoordinatorFactory,
    DesignationFactory,
    LeaderFactory,
    ObjectiveFactory,
    PlannedSessionFactory,
    SupportLogFactory,
    SupportRequestFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Status = Deployment.Status
RequestStatus = SupportRequest.Status
TODAY = timezone.localdate()
PAST_START = TODAY - datetime.timedelta(days=30)
FUTURE_START = TODAY + datetime.timedelta(days=40)

# The request's state that goes with each deployment state, for one leader.
REQUEST_FOR = {
    Status.PROPOSED: RequestStatus.PROPOSED,
    Status.ACCEPTED: RequestStatus.PROPOSED,
    Status.DECLINED: RequestStatus.MATCHING,
    Status.AGREED: RequestStatus.AGREED,
    Status.IN_DELIVERY: RequestStatus.IN_DELIVERY,
    Status.PAUSED: RequestStatus.IN_DELIVERY,
    Status.COMPLETED: RequestStatus.COMPLETED,
    Status.STOPPED: RequestStatus.COMPLETED,
    Status.CANCELLED: RequestStatus.MATCHING,
}


def deployment_in(status, *, start=PAST_START, logged=7, days="6", leader_days="30"):
    """A deployment of `status` with a leader who signs in, and its coordinator."""
    leader = LeaderFactory(user=UserFactory(), days_per_year=Decimal(leader_days))
    support_request = SupportRequestFactory(status=REQUEST_FOR[status])
    deployment = AgreedDeploymentFactory(
        request=support_request,
        leader=leader,
        designation=DesignationFactory(leader=leader, alliance=support_request.alliance),
        status=status,
        start_date=start,
        end_date=start + datetime.timedelta(days=120),
        agreed_days=Decimal(days),
        responded_at=None if status == Status.PROPOSED else timezone.now(),
        logged_hours=logged if status not in (Status.PROPOSED, Status.ACCEPTED) else None,
    )
    ObjectiveFactory(deployment=deployment, description="Raise KS2 reading.", position=0)
    coordinator = CoordinatorFactory(alliance=support_request.alliance)
    return deployment, coordinator


def make(move, deployment, coordinator):
    """Make `move` through its service, as the person the table names first."""
    leader_user = deployment.leader.user
    calls = {
        "accept": lambda: deployment_answer(
            deployment=deployment, accepted=True, actor=leader_user
        ),
        "decline": lambda: deployment_answer(
            deployment=deployment, accepted=False, reason="no-capacity", actor=leader_user
        ),
        "withdraw": lambda: deployment_withdraw_ask(deployment=deployment, actor=coordinator),
        "agree": lambda: deployment_agree(
            deployment=deployment,
            objectives=["Raise KS2 reading."],
            agreed_days=Decimal("3"),
            start_date=PAST_START,
            end_date=TODAY + datetime.timedelta(days=60),
            daily_rate=Decimal("350"),
            brokerage_fee=Decimal("50"),
            funding_source=Funding.SCHOOL_BUDGET,
            signed_by="Pat Lee",
            actor=coordinator,
        ),
        "start": lambda: deployment_start(deployment=deployment, actor=coordinator),
        "pause": lambda: deployment_pause(
            deployment=deployment,
            actor=coordinator,
            reason="The head is on leave.",
            resume_expected=TODAY + datetime.timedelta(days=21),
        ),
        "resume": lambda: deployment_resume(deployment=deployment, actor=coordinator),
        "vary": lambda: deployment_vary(
            deployment=deployment, actor=coordinator, reason="More time needed.", agreed_days=8
        ),
        "complete": lambda: deployment_complete(
            deployment=deployment, actor=coordinator, confirmed=True
        ),
        "stop": lambda: deployment_stop(
            deployment=deployment,
            actor=coordinator,
            reason="school-asked",
            note="New head wants to pause outside help.",
            confirmed=True,
        ),
        "cancel": lambda: request_transition(
            support_request=deployment.request,
            to_status=RequestStatus.WITHDRAWN,
            actor_label="The school",
            note="Found help elsewhere.",
        ),
    }
    return calls[move]()


# The table, walked.

WALKABLE = [name for name in MOVES if name != "propose"]
ALLOWED = [(name, source) for name in WALKABLE for source in MOVES[name].sources]
REFUSED = [(name, s) for name in WALKABLE for s in Status if s not in MOVES[name].sources]


@pytest.mark.parametrize(("name", "source"), ALLOWED)
def test_every_allowed_move_works_and_lands_where_the_table_says(name, source):
    deployment, coordinator = deployment_in(source)
    events_before = RequestEvent.objects.count()

    make(name, deployment, coordinator)

    deployment.refresh_from_db()
    assert deployment.status == (MOVES[name].target or source)
    # Every move leaves a line on the request's timeline.
    assert RequestEvent.objects.count() > events_before
    support_request = deployment.request
    support_request.refresh_from_db()
    if name != "cancel":
        assert support_request.status == request_state_for([deployment])


@pytest.mark.parametrize(("name", "source"), REFUSED)
def test_every_other_move_is_refused_and_changes_nothing(name, source):
    deployment, coordinator = deployment_in(source)
    before = (Deployment.objects.values().get(pk=deployment.pk), RequestEvent.objects.count())

    if name == "cancel":
        # The portal cancels only what a closing request leaves open.
        with pytest.raises(ValidationError):
            check_move(deployment, "cancel", by=PORTAL)
        return
    with pytest.raises(ValidationError):
        make(name, deployment, coordinator)

    assert (Deployment.objects.values().get(pk=deployment.pk), RequestEvent.objects.count()) == (
        before
    )


@pytest.mark.parametrize("name", WALKABLE)
@pytest.mark.parametrize("by", [COORDINATOR, LEADER, PORTAL])
def test_only_the_people_the_table_names_make_a_move(name, by):
    source = MOVES[name].sources[0]
    deployment, _ = deployment_in(source)
    arguments = {
        "confirmed": True,
        "reason": "Because.",
        "resume_expected": TODAY + datetime.timedelta(days=9),
    }

    if by in MOVES[name].by:
        assert check_move(deployment, name, by=by, **arguments) is MOVES[name]
    else:
        with pytest.raises(ValidationError, match="is not something"):
            check_move(deployment, name, by=by, **arguments)


def test_the_table_names_what_each_one_way_move_needs():
    one_way = {name for name, move in MOVES.items() if move.one_way}

    assert one_way == {"complete", "stop"}
    assert lifecycle.NEEDS_SUPPORT_LOGGED in MOVES["complete"].needs
    assert lifecycle.NEEDS_START_DATE_REACHED in MOVES["start"].needs
    assert {lifecycle.NEEDS_REASON, lifecycle.NEEDS_RESUME_DATE} <= set(MOVES["pause"].needs)


# What went wrong, before the table.


def test_delivery_cannot_start_before_the_agreed_start_date():
    deployment, coordinator = deployment_in(Status.AGREED, start=FUTURE_START, logged=None)

    with pytest.raises(ValidationError, match="vary the start date first"):
        deployment_start(deployment=deployment, actor=coordinator)

    deployment.refresh_from_db()
    assert deployment.status == Status.AGREED
    deployment.request.refresh_from_db()
    assert deployment.request.status == RequestStatus.AGREED


def test_starting_early_is_a_variation_of_the_start_date_that_both_sides_are_told_of():
    deployment, coordinator = deployment_in(Status.AGREED, start=FUTURE_START, logged=None)

    deployment_vary(
        deployment=deployment,
        actor=coordinator,
        reason="The school is ready now.",
        start_date=TODAY,
    )
    deployment_start(deployment=deployment, actor=coordinator)

    deployment.refresh_from_db()
    assert (deployment.status, deployment.start_date) == (Status.IN_DELIVERY, TODAY)
    variation = Variation.objects.get(deployment=deployment)
    assert (variation.start_before, variation.start_after) == (FUTURE_START, TODAY)
    told = set(OutboundEmail.objects.filter(topic="deployment-vary").values_list("to", flat=True))
    assert told == {deployment.leader.email, deployment.request.contact_email}


def test_an_impact_report_cannot_be_sent_for_work_with_nothing_delivered():
    deployment, _ = deployment_in(Status.IN_DELIVERY, logged=None)

    with pytest.raises(ValidationError, match="nothing to report on"):
        impact_report_submit(
            deployment=deployment,
            actor=deployment.leader.user,
            summary="All done.",
            ratings={deployment.objectives.get(): (Rating.GREEN, "It went well.")},
        )

    deployment.refresh_from_db()
    assert deployment.status == Status.IN_DELIVERY
    assert not OutboundEmail.objects.filter(topic="school-evaluation").exists()


def test_completion_needs_support_logged_and_says_to_stop_early_otherwise():
    deployment, coordinator = deployment_in(Status.IN_DELIVERY, logged=None)

    with pytest.raises(ValidationError, match="stop it early with the reason"):
        deployment_complete(deployment=deployment, actor=coordinator, confirmed=True)

    deployment.refresh_from_db()
    assert deployment.status == Status.IN_DELIVERY


def test_completion_needs_a_confirmation():
    deployment, coordinator = deployment_in(Status.IN_DELIVERY)

    with pytest.raises(ValidationError, match="Confirm"):
        deployment_complete(deployment=deployment, actor=coordinator)

    deployment.refresh_from_db()
    assert deployment.status == Status.IN_DELIVERY


def test_a_completion_records_the_days_delivered_against_the_days_agreed():
    deployment, coordinator = deployment_in(Status.IN_DELIVERY, logged=10.5, days="10.5")

    deployment_complete(deployment=deployment, actor=coordinator, confirmed=True)

    deployment.refresh_from_db()
    assert (deployment.days_delivered, deployment.agreed_days) == (Decimal("1.5"), Decimal("10.5"))


def test_objectives_keep_their_history():
    objective = ObjectiveFactory(description="First words.")
    objective.description = "Second words."
    objective.save()

    assert [version.description for version in objective.history.order_by("history_date")] == [
        "First words.",
        "Second words.",
    ]


def test_objectives_change_only_by_a_variation_and_never_after_the_report():
    deployment, coordinator = deployment_in(Status.IN_DELIVERY)

    deployment_vary(
        deployment=deployment,
        actor=coordinator,
        reason="Writing added.",
        objectives=["Raise KS2 reading.", "Improve KS2 writing."],
    )
    assert list(deployment.objectives.values_list("description", flat=True)) == [
        "Raise KS2 reading.",
        "Improve KS2 writing.",
    ]
    impact_report_submit(
        deployment=deployment,
        actor=deployment.leader.user,
        summary="Reading is up.",
        ratings=dict.fromkeys(deployment.objectives.all(), (Rating.GREEN, "Scores rose.")),
    )

    deployment.refresh_from_db()
    # The report completed it; nothing can vary it now, objectives least of all.
    with pytest.raises(ValidationError):
        deployment_vary(
            deployment=deployment, actor=coordinator, reason="Rewrite.", objectives=["Other."]
        )
    assert Objective.objects.filter(deployment=deployment).count() == 2


# Pause, resume, stop, vary.


def test_a_pause_needs_a_reason_and_a_resume_date_and_tells_both_sides():
    deployment, coordinator = deployment_in(Status.IN_DELIVERY)

    with pytest.raises(ValidationError):
        deployment_pause(deployment=deployment, actor=coordinator, reason="", resume_expected=None)
    deployment_pause(
        deployment=deployment,
        actor=coordinator,
        reason="The head is on leave.",
        resume_expected=TODAY + datetime.timedelta(days=14),
    )

    deployment.refresh_from_db()
    assert deployment.status == Status.PAUSED
    assert deployment.pause_reason == "The head is on leave."
    told = set(OutboundEmail.objects.filter(topic="deployment-pause").values_list("to", flat=True))
    assert told == {deployment.leader.email, deployment.request.contact_email}
    body = OutboundEmail.objects.filter(topic="deployment-pause").first().body_text
    assert "The head is on leave." in body
    deployment.request.refresh_from_db()
    assert deployment.request.status == RequestStatus.IN_DELIVERY

    deployment_resume(deployment=deployment, actor=coordinator)
    deployment.refresh_from_db()
    assert deployment.status == Status.IN_DELIVERY


def test_a_paused_deployment_takes_no_log_entries():
    from deployments.logging import support_log_add

    deployment, coordinator = deployment_in(Status.PAUSED)

    with pytest.raises(ValidationError, match="paused"):
        support_log_add(
            deployment=deployment,
            actor=deployment.leader.user,
            date=TODAY,
            hours=2,
            activity="coaching",
        )


def test_an_early_stop_keeps_delivered_days_and_gives_the_rest_back():
    deployment, coordinator = deployment_in(Status.IN_DELIVERY, logged=7, days="6", leader_days="6")
    later = PlannedSessionFactory(deployment=deployment, date=TODAY + datetime.timedelta(days=5))
    assert Deployment.objects.filter(leader=deployment.leader).days_committed() == Decimal("6")

    deployment_stop(
        deployment=deployment,
        actor=coordinator,
        reason="leader-unavailable",
        note="The leader has moved to a new post.",
        confirmed=True,
    )

    deployment.refresh_from_db()
    assert (deployment.status, deployment.days_delivered) == (Status.STOPPED, Decimal("1.0"))
    assert Deployment.objects.filter(leader=deployment.leader).days_committed() == Decimal("1.0")
    assert not PlannedSession.objects.filter(pk=later.pk).exists()
    # Something was delivered: the school is asked for its view, worded for an early end.
    evaluation = OutboundEmail.objects.get(
        topic="deployment-stop", to=deployment.request.contact_email
    )
    assert "stopped early, after 1 of the 6 days agreed" in evaluation.body_text
    assert "/feedback/" in evaluation.body_text
    deployment.request.refresh_from_db()
    assert deployment.request.status == RequestStatus.COMPLETED


def test_an_early_stop_with_nothing_delivered_sends_the_request_back_to_matching():
    deployment, coordinator = deployment_in(Status.AGREED, logged=None)

    deployment_stop(
        deployment=deployment,
        actor=coordinator,
        reason="needs-changed",
        note="The school joined a trust that supports it.",
        confirmed=True,
    )

    deployment.request.refresh_from_db()
    assert deployment.request.status == RequestStatus.MATCHING
    school_email = OutboundEmail.objects.get(to=deployment.request.contact_email)
    assert "/feedback/" not in school_email.body_text


def test_extra_days_are_checked_against_the_leaders_capacity():
    deployment, coordinator = deployment_in(Status.IN_DELIVERY, days="6", leader_days="8")

    with pytest.raises(ValidationError, match="Only 8 of .* needs 9"):
        deployment_vary(deployment=deployment, actor=coordinator, reason="More.", agreed_days=9)
    deployment_vary(
        deployment=deployment, actor=coordinator, reason="A little more.", agreed_days=8
    )

    deployment.refresh_from_db()
    assert deployment.agreed_days == Decimal("8")
    assert "agreed days from 6 to 8" in deployment.request.events.last().note


def test_a_variation_cannot_go_below_what_was_delivered():
    deployment, coordinator = deployment_in(Status.IN_DELIVERY, logged=12, days="6")

    with pytest.raises(ValidationError, match="already delivered"):
        deployment_vary(deployment=deployment, actor=coordinator, reason="Less.", agreed_days=1)


# Teams and parallel asks.


def team_request(places=1):
    support_request = SupportRequestFactory(status=RequestStatus.TRIAGED, leaders_wanted=places)
    coordinator = CoordinatorFactory(alliance=support_request.alliance)
    leaders = []
    for name in ("Ann Bell", "Ben Cole", "Cat Dunn", "Dan Egan"):
        leader = LeaderFactory(user=UserFactory(), full_name=name, days_per_year=Decimal(20))
        DesignationFactory(leader=leader, alliance=support_request.alliance)
        leaders.append(leader)
    return support_request, coordinator, leaders


def test_up_to_three_leaders_can_be_asked_at_once():
    support_request, coordinator, leaders = team_request()
    answer_by = TODAY + datetime.timedelta(days=3)

    for leader in leaders[:3]:
        deployment_propose(
            support_request=support_request, leader=leader, actor=coordinator, answer_by=answer_by
        )
    with pytest.raises(ValidationError, match="3 leaders are already being asked"):
        deployment_propose(support_request=support_request, leader=leaders[3], actor=coordinator)

    assert support_request.deployments.asks().count() == 3
    assert set(support_request.deployments.values_list("answer_by", flat=True)) == {answer_by}
    ask = OutboundEmail.objects.filter(topic="proposal").first()
    assert f"Please answer by {answer_by.day} {answer_by:%B %Y}" in ask.body_text


def test_when_the_places_fill_the_other_asks_are_withdrawn_courteously():
    support_request, coordinator, leaders = team_request(places=1)
    asks = [
        deployment_propose(support_request=support_request, leader=leader, actor=coordinator)
        for leader in leaders[:3]
    ]
    deployment_answer(deployment=asks[0], accepted=True, actor=leaders[0].user)
    make("agree", asks[0], coordinator)

    statuses = [Deployment.objects.get(pk=ask.pk).status for ask in asks]
    assert statuses == [Status.AGREED, Status.CANCELLED, Status.CANCELLED]
    thanked = OutboundEmail.objects.filter(topic="deployment-withdraw")
    assert sorted(thanked.values_list("to", flat=True)) == sorted(
        [leaders[1].email, leaders[2].email]
    )
    assert "places on this piece of work have now been filled" in thanked.first().body_text


def test_a_team_has_each_leader_agreed_under_their_own_capacity():
    support_request, coordinator, leaders = team_request(places=2)
    nle = deployment_propose(support_request=support_request, leader=leaders[0], actor=coordinator)
    sle = deployment_propose(support_request=support_request, leader=leaders[1], actor=coordinator)
    for ask, leader in ((nle, leaders[0]), (sle, leaders[1])):
        deployment_answer(deployment=ask, accepted=True, actor=leader.user)
    make("agree", nle, coordinator)
    support_request.refresh_from_db()
    assert support_request.status == RequestStatus.AGREED
    # One place left: the second leader's ask is still open.
    assert Deployment.objects.get(pk=sle.pk).status == Status.ACCEPTED

    make("agree", sle, coordinator)

    assert list(support_request.deployments.live().values_list("leader__full_name", flat=True)) == [
        "Ben Cole",
        "Ann Bell",
    ]
    with pytest.raises(ValidationError, match="needs 2 leaders and has 2 leaders agreed"):
        deployment_propose(support_request=support_request, leader=leaders[2], actor=coordinator)


def test_the_request_follows_its_team():
    def state(*statuses, delivered=0):
        return request_state_for(
            [Deployment(status=status, days_delivered=Decimal(delivered)) for status in statuses]
        )

    assert state(Status.IN_DELIVERY, Status.AGREED) == RequestStatus.IN_DELIVERY
    assert state(Status.PAUSED, Status.COMPLETED, delivered=1) == RequestStatus.IN_DELIVERY
    assert state(Status.AGREED, Status.ACCEPTED) == RequestStatus.AGREED
    assert state(Status.DECLINED, Status.PROPOSED) == RequestStatus.PROPOSED
    assert state(Status.COMPLETED, Status.STOPPED, delivered=2) == RequestStatus.COMPLETED
    assert state(Status.STOPPED, Status.DECLINED) == RequestStatus.MATCHING


def team_states():
    """Every state a deployment can be in, with the delivered days its state allows."""
    for status in Status:
        if status == Status.STOPPED:
            yield from ((status, Decimal(0)), (status, Decimal(1)))
        elif status == Status.COMPLETED:
            yield from ((status, Decimal(1)), (status, None))  # None: completed before counts
        else:
            yield (status, None)


def test_whatever_one_of_a_teams_deployments_does_the_requests_own_table_allows_it():
    """For teams of one and two, every move in the table (and a new ask) leads the request to
    a state its TRANSITIONS allow from where it was: it can never be stuck or refused."""
    from requests.services import TRANSITIONS

    def team(*states):
        return [Deployment(status=status, days_delivered=days) for status, days in states]

    teams = [(a,) for a in team_states()] + [(a, b) for a in team_states() for b in team_states()]
    checked = 0
    for members in teams:
        before = request_state_for(team(*members))
        changes = []
        for index, (status, _) in enumerate(members):
            for move in MOVES.values():
                if status not in move.sources or move.target is None or move.name == "cancel":
                    continue
                outcomes = [Decimal(0), Decimal(1)] if move.target == Status.STOPPED else [None]
                if move.target == Status.COMPLETED:
                    outcomes = [Decimal(1)]
                for days in outcomes:
                    changed = list(members)
                    changed[index] = (move.target, days)
                    changes.append((f"{move.name} {status}", changed))
        if (
            before
            in (
                RequestStatus.MATCHING,
                RequestStatus.PROPOSED,
                RequestStatus.AGREED,
                RequestStatus.IN_DELIVERY,
            )
            and len(members) == 1
        ):
            changes.append(("propose", [*members, (Status.PROPOSED, None)]))
        for what, changed in changes:
            after = request_state_for(team(*changed))
            assert after == before or after in TRANSITIONS[before], (members, what, before, after)
            checked += 1
    assert checked > 300


def test_a_team_whose_other_ask_closes_after_one_leader_finished_is_completed_not_stuck():
    support_request, coordinator, leaders = team_request(places=2)
    first = deployment_propose(
        support_request=support_request, leader=leaders[0], actor=coordinator
    )
    deployment_answer(deployment=first, accepted=True, actor=leaders[0].user)
    make("agree", first, coordinator)
    SupportLogFactory(deployment=first, date=PAST_START, hours=7)
    deployment_start(deployment=first, actor=coordinator)
    second = deployment_propose(
        support_request=support_request, leader=leaders[1], actor=coordinator
    )
    deployment_complete(deployment=first, actor=coordinator, confirmed=True)
    support_request.refresh_from_db()
    assert support_request.status == RequestStatus.PROPOSED  # waiting on the second ask
    # The nightly lapse leaves it alone: the first leader's work is done.
    from requests.services import requests_to_lapse

    SupportRequest.objects.filter(pk=support_request.pk).update(
        status_changed_at=timezone.now() - datetime.timedelta(days=400)
    )
    assert not requests_to_lapse(days=30).filter(pk=support_request.pk).exists()

    deployment_answer(
        deployment=second, accepted=False, reason="no-capacity", actor=leaders[1].user
    )

    support_request.refresh_from_db()
    assert support_request.status == RequestStatus.COMPLETED


def test_a_completion_needs_a_tenth_of_a_day_logged_as_pages_count_it():
    deployment, coordinator = deployment_in(Status.IN_DELIVERY, logged=0.3)

    with pytest.raises(ValidationError, match="No support has been logged"):
        deployment_complete(deployment=deployment, actor=coordinator, confirmed=True)


def test_work_completed_before_days_were_counted_can_still_be_evaluated():
    from deployments.impact import can_be_evaluated

    legacy = AgreedDeploymentFactory(status=Status.COMPLETED, days_delivered=None)

    assert can_be_evaluated(legacy)
    assert request_state_for([legacy]) == RequestStatus.COMPLETED


def tracking_page(deployment):
    from django.test import Client

    from requests.tracking import tracking_token

    return Client().get(f"/track/{tracking_token(deployment.request)}/").content.decode()


def test_the_schools_page_keeps_a_pause_after_it_resumes_and_words_an_early_stop():
    deployment, coordinator = deployment_in(Status.IN_DELIVERY)
    make("pause", deployment, coordinator)
    make("resume", deployment, coordinator)
    page = tracking_page(deployment)
    story = page[page.index("What has happened so far") :]
    assert story.index("support was paused until about") < story.index("support resumed")
    assert "Why: The head is on leave." in story

    make("stop", deployment, coordinator)

    page = tracking_page(deployment)
    assert "data-headline>Stopped early<" in page
    assert "stopped before its planned end" in page
    assert "The support has finished" not in page


def test_the_leader_is_written_to_as_you_and_told_when_agreed_work_is_cancelled():
    deployment, coordinator = deployment_in(Status.IN_DELIVERY)
    make("pause", deployment, coordinator)
    to_leader = OutboundEmail.objects.get(topic="deployment-pause", to=deployment.leader.email)
    assert "Your support for" in to_leader.body_text
    to_school = OutboundEmail.objects.get(
        topic="deployment-pause", to=deployment.request.contact_email
    )
    assert f"from {deployment.leader.full_name} is paused" in to_school.body_text

    agreed, _ = deployment_in(Status.AGREED, logged=None)
    make("cancel", agreed, coordinator)

    cancelled = OutboundEmail.objects.get(topic="deployment-cancel")
    assert cancelled.to == agreed.leader.email
    assert "will not go ahead" in cancelled.body_text
