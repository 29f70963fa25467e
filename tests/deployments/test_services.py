"""The deployment services: propose, answer, agree, start and complete.

Each happy path checks the rows, states, timeline and queued emails that
result; each refusal checks the message and that the database is unchanged.
"""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from alliance_portal.notifications.models import OutboundEmail
from deployments.models import Deployment, Objective
from deployments.services import (
    deployment_agree,
    deployment_answer,
    deployment_complete,
    deployment_propose,
    deployment_start,
)
from leaders.models import Designation, Leader
from requests.models import Funding, RequestEvent, SupportRequest
from tests.factories import (
    AgreedDeploymentFactory,
    AllianceFactory,
    CoordinatorFactory,
    DeclaredConflictFactory,
    DeploymentFactory,
    DesignationFactory,
    LeaderFactory,
    SupportLogFactory,
    SupportRequestFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Status = Deployment.Status
RequestStatus = SupportRequest.Status
Kind = Designation.Kind
START = datetime.date(2026, 10, 1)  # In the 2026/27 academic year.


# Set-up.


def make_request(status=RequestStatus.MATCHING, **fields):
    return SupportRequestFactory(
        status=status,
        preferred_start=fields.pop("preferred_start", START),
        estimated_days=fields.pop("estimated_days", Decimal("6")),
        **fields,
    )


def make_leader(support_request, *, kinds=(Kind.SLE,), days="20", **fields):
    """Sam Jones, designated by the request's alliance (national kinds by nobody)."""
    leader = LeaderFactory(
        full_name=fields.pop("full_name", "Sam Jones"), days_per_year=Decimal(days), **fields
    )
    for kind in kinds:
        national = kind in Designation.NATIONAL_KINDS
        DesignationFactory(
            leader=leader, kind=kind, alliance=None if national else support_request.alliance
        )
    return leader


def make_coordinator(support_request, **fields):
    return CoordinatorFactory(
        alliance=support_request.alliance, full_name=fields.pop("full_name", "Chris Ward"), **fields
    )


def make_accepted(**request_fields):
    """A proposal Sam Jones has accepted, and the coordinator who brokered it."""
    support_request = make_request(status=RequestStatus.PROPOSED, **request_fields)
    leader = make_leader(support_request)
    deployment = DeploymentFactory(
        request=support_request,
        leader=leader,
        designation=leader.designations.get(),
        status=Status.ACCEPTED,
        responded_at=datetime.datetime(2026, 9, 10, 12, tzinfo=datetime.UTC),
    )
    return deployment, make_coordinator(support_request)


def commit_days(leader, **fields):
    """Another deployment of the leader's, agreed (or in another state) outside these services."""
    return AgreedDeploymentFactory(leader=leader, designation=leader.designations.first(), **fields)


def agree(deployment, actor, **overrides):
    terms = {
        "objectives": ["Raise attainment in KS2 mathematics.", "Coach the maths lead."],
        "agreed_days": Decimal("6"),
        "start_date": START,
        "end_date": datetime.date(2027, 3, 31),
        "daily_rate": Decimal("350.00"),
        "brokerage_fee": Decimal("50.00"),
        "funding_source": Funding.SCHOOL_BUDGET,
        "signed_by": "Pat Lee (head), Sam Jones, Chris Ward",
        **overrides,
    }
    return deployment_agree(deployment=deployment, actor=actor, **terms)


def database_state():
    """Every row the services write, to show a refusal changed nothing."""
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (SupportRequest, RequestEvent, Deployment, Objective, OutboundEmail, Leader)
    }


def refused(call):
    """Run `call`, expecting a refusal that leaves the database as it was; return the message."""
    before = database_state()
    with pytest.raises(ValidationError) as error:
        call()
    assert database_state() == before
    return " ".join(error.value.messages)


def timeline(support_request):
    return [
        (event.from_status, event.to_status, event.actor, event.actor_label, event.note)
        for event in support_request.events.all()
    ]


def emails():
    return [
        (email.to, email.subject, email.topic) for email in OutboundEmail.objects.order_by("pk")
    ]


# Proposing a leader.


def test_it_proposes_a_leader_and_emails_them():
    support_request = make_request()
    leader = make_leader(support_request)
    coordinator = make_coordinator(support_request)

    deployment = deployment_propose(
        support_request=support_request, leader=leader, actor=coordinator
    )

    deployment.refresh_from_db()
    assert (deployment.request, deployment.leader, deployment.status) == (
        support_request,
        leader,
        Status.PROPOSED,
    )
    assert deployment.designation == leader.designations.get(kind=Kind.SLE)
    assert deployment.proposed_at is not None
    assert deployment.responded_at is None
    support_request.refresh_from_db()
    assert support_request.status == RequestStatus.PROPOSED
    assert timeline(support_request) == [
        (
            RequestStatus.MATCHING,
            RequestStatus.PROPOSED,
            coordinator,
            "",
            "Proposed Sam Jones (SLE).",
        )
    ]
    school = support_request.school.name
    assert emails() == [
        (
            leader.email,
            f"Can you support {school}? ({support_request.reference})",
            "proposal",
        )
    ]
    email = OutboundEmail.objects.get()
    answer_url = f"{settings.SITE_URL}/my/proposals/{deployment.pk}/"
    for text in (
        "Dear Sam Jones",
        "Specialist Leader of Education",
        support_request.outcomes_sought,
        "Expected days: about 6",
        "Preferred start: 1 October 2026",
        answer_url,
    ):
        assert text in email.body_text
    assert f'href="{answer_url}"' in email.body_html


def test_it_moves_a_triaged_request_through_matching():
    support_request = make_request(status=RequestStatus.TRIAGED)
    leader = make_leader(support_request)
    coordinator = make_coordinator(support_request)

    deployment_propose(support_request=support_request, leader=leader, actor=coordinator)

    assert [(event[0], event[1]) for event in timeline(support_request)] == [
        (RequestStatus.TRIAGED, RequestStatus.MATCHING),
        (RequestStatus.MATCHING, RequestStatus.PROPOSED),
    ]
    assert support_request.status == RequestStatus.PROPOSED


def test_it_proposes_under_the_designation_that_suits_the_request_best():
    support_request = make_request(designation_sought=Kind.LLE)
    leader = make_leader(support_request, kinds=(Kind.SLE, Kind.LLE))

    deployment = deployment_propose(
        support_request=support_request, leader=leader, actor=make_coordinator(support_request)
    )

    assert deployment.designation.kind == Kind.LLE


def test_it_proposes_under_the_designation_the_coordinator_chose():
    support_request = make_request(designation_sought=Kind.LLE)
    leader = make_leader(support_request, kinds=(Kind.SLE, Kind.LLE))
    sle = leader.designations.get(kind=Kind.SLE)

    deployment = deployment_propose(
        support_request=support_request,
        leader=leader,
        designation=sle,
        actor=make_coordinator(support_request),
    )

    assert deployment.designation == sle


@pytest.mark.parametrize(
    "status",
    [RequestStatus.NEW, RequestStatus.COMPLETED, RequestStatus.EVALUATED, RequestStatus.WITHDRAWN],
)
def test_it_proposes_only_while_the_request_is_triaged_or_matching(status):
    support_request = make_request(status=status)
    leader = make_leader(support_request)

    message = refused(
        lambda: deployment_propose(
            support_request=support_request, leader=leader, actor=make_coordinator(support_request)
        )
    )

    assert (
        "a leader can be proposed only while a request is triaged, finding a leader, or has "
        "places still to fill" in message
    )


def test_it_refuses_a_leader_from_the_requesting_school():
    support_request = make_request()
    leader = make_leader(support_request, home_school=support_request.school)

    message = refused(
        lambda: deployment_propose(support_request=support_request, leader=leader, actor=None)
    )

    assert message == (
        f"Sam Jones cannot be proposed for request {support_request.reference}: "
        "Works at the requesting school."
    )


def test_it_refuses_a_leader_with_a_declared_conflict():
    support_request = make_request()
    leader = make_leader(support_request)
    DeclaredConflictFactory(leader=leader, school=support_request.school)

    message = refused(
        lambda: deployment_propose(support_request=support_request, leader=leader, actor=None)
    )

    assert "Declared a conflict of interest with this school" in message


def test_it_refuses_a_leader_with_no_days_left_in_the_year_of_the_request():
    support_request = make_request()
    leader = make_leader(support_request)
    commit_days(leader, agreed_days=Decimal("20"), start_date=START)

    message = refused(
        lambda: deployment_propose(support_request=support_request, leader=leader, actor=None)
    )

    assert "No days left in 2026/27: 20 of 20 agreed" in message


def test_it_refuses_a_leader_the_alliance_cannot_deploy():
    support_request = make_request()
    leader = LeaderFactory(full_name="Sam Jones")
    DesignationFactory(leader=leader, kind=Kind.SLE, alliance=AllianceFactory())

    message = refused(
        lambda: deployment_propose(support_request=support_request, leader=leader, actor=None)
    )

    assert message.startswith(
        f"Sam Jones holds no designation {support_request.alliance} can deploy"
    )


def test_it_refuses_another_leaders_designation():
    support_request = make_request()
    leader = make_leader(support_request)
    other = DesignationFactory(alliance=support_request.alliance)

    message = refused(
        lambda: deployment_propose(
            support_request=support_request, leader=leader, designation=other, actor=None
        )
    )

    assert message == "Choose one of Sam Jones's own designations."


def test_it_refuses_a_designation_that_is_not_active():
    support_request = make_request()
    leader = make_leader(support_request)
    lapsed = DesignationFactory(
        leader=leader,
        kind=Kind.LLE,
        alliance=support_request.alliance,
        status=Designation.Status.LAPSED,
    )

    message = refused(
        lambda: deployment_propose(
            support_request=support_request, leader=leader, designation=lapsed, actor=None
        )
    )

    assert message == "Sam Jones's LLE designation is lapsed: choose an active one."


def test_it_never_proposes_a_leader_who_declined_the_request_again():
    support_request = make_request()
    leader = make_leader(support_request)
    coordinator = make_coordinator(support_request)
    deployment = deployment_propose(
        support_request=support_request, leader=leader, actor=coordinator
    )
    deployment_answer(
        deployment=deployment,
        accepted=False,
        reason=Deployment.DeclineReason.NO_CAPACITY,
        actor=coordinator,
        on_behalf=True,
    )
    support_request.refresh_from_db()
    assert support_request.status == RequestStatus.MATCHING

    message = refused(
        lambda: deployment_propose(
            support_request=support_request, leader=leader, actor=coordinator
        )
    )

    assert message == (
        f"Sam Jones has already been proposed for request {support_request.reference} "
        "(declined by the leader). Choose another leader."
    )


# The leader's answer.


def test_it_records_an_acceptance_on_the_leaders_behalf():
    deployment, coordinator = make_accepted()
    deployment.responded_at = None
    deployment.status = Status.PROPOSED
    deployment.save()
    other_coordinator = make_coordinator(deployment.request, full_name="Alex Green")
    make_coordinator(deployment.request, is_active=False)

    deployment_answer(
        deployment=deployment,
        accepted=True,
        note="Free from October.",
        actor=coordinator,
        on_behalf=True,
    )

    deployment.refresh_from_db()
    assert deployment.status == Status.ACCEPTED
    assert deployment.responded_at is not None
    support_request = deployment.request
    support_request.refresh_from_db()
    assert support_request.status == RequestStatus.PROPOSED
    assert timeline(support_request) == [
        (
            RequestStatus.PROPOSED,
            RequestStatus.PROPOSED,
            coordinator,
            "",
            "Sam Jones accepted the proposal. Recorded by Chris Ward on the leader's behalf. "
            "Free from October.",
        )
    ]
    subject = f"Sam Jones accepted the proposal for {support_request.reference}"
    assert sorted(emails()) == sorted(
        [
            (coordinator.email, subject, "leader-answer"),
            (other_coordinator.email, subject, "leader-answer"),
        ]
    )
    body = OutboundEmail.objects.first().body_text
    assert "Chris Ward recorded the answer on the leader's behalf." in body
    assert "Note: Free from October." in body
    assert "then record the agreement" in body


def test_it_records_the_leaders_own_acceptance():
    deployment, _ = make_accepted()
    deployment.responded_at = None
    deployment.status = Status.PROPOSED
    deployment.save()
    leader_user = UserFactory()
    Leader.objects.filter(pk=deployment.leader_id).update(user=leader_user)
    deployment.leader.refresh_from_db()

    deployment_answer(deployment=deployment, accepted=True, actor=leader_user)

    assert timeline(deployment.request) == [
        (
            RequestStatus.PROPOSED,
            RequestStatus.PROPOSED,
            leader_user,
            "Sam Jones",
            "Sam Jones accepted the proposal.",
        )
    ]
    assert "on the leader's behalf" not in OutboundEmail.objects.get().body_text


def test_it_records_a_decline_and_returns_the_request_to_matching():
    deployment, coordinator = make_accepted()
    deployment.responded_at = None
    deployment.status = Status.PROPOSED
    deployment.save()

    deployment_answer(
        deployment=deployment,
        accepted=False,
        reason=Deployment.DeclineReason.NO_CAPACITY,
        note="Full until Easter.",
        actor=coordinator,
        on_behalf=True,
    )

    deployment.refresh_from_db()
    assert deployment.status == Status.DECLINED
    assert deployment.responded_at is not None
    assert (deployment.decline_reason, deployment.decline_note) == (
        Deployment.DeclineReason.NO_CAPACITY,
        "Full until Easter.",
    )
    support_request = deployment.request
    support_request.refresh_from_db()
    assert support_request.status == RequestStatus.MATCHING
    assert timeline(support_request) == [
        (
            RequestStatus.PROPOSED,
            RequestStatus.MATCHING,
            coordinator,
            "",
            "Sam Jones declined: no capacity. Recorded by Chris Ward on the leader's behalf. "
            "Full until Easter.",
        )
    ]
    assert emails() == [
        (
            coordinator.email,
            f"Sam Jones declined the proposal for {support_request.reference}",
            "leader-answer",
        )
    ]
    body = OutboundEmail.objects.get().body_text
    assert "Reason: No capacity" in body
    assert "Sam Jones will not be proposed for it again." in body


def test_it_lets_a_leader_who_accepted_decline_before_the_agreement():
    deployment, coordinator = make_accepted()

    deployment_answer(
        deployment=deployment,
        accepted=False,
        reason=Deployment.DeclineReason.OTHER,
        note="Family reasons.",
        actor=coordinator,
        on_behalf=True,
    )

    deployment.refresh_from_db()
    assert deployment.status == Status.DECLINED
    assert deployment.request.status == RequestStatus.MATCHING


@pytest.mark.parametrize("reason", ["", "busy"])
def test_it_needs_a_structured_reason_to_decline(reason):
    deployment, coordinator = make_accepted()

    message = refused(
        lambda: deployment_answer(
            deployment=deployment, accepted=False, reason=reason, actor=coordinator, on_behalf=True
        )
    )

    assert message == "Choose why the leader declined."


def test_it_refuses_to_accept_a_proposal_twice():
    deployment, coordinator = make_accepted()

    message = refused(
        lambda: deployment_answer(
            deployment=deployment, accepted=True, actor=coordinator, on_behalf=True
        )
    )

    assert message == "Sam Jones has already accepted this proposal."


@pytest.mark.parametrize("status", [Status.DECLINED, Status.AGREED, Status.CANCELLED])
def test_it_answers_only_a_proposal(status):
    deployment, coordinator = make_accepted()
    Deployment.objects.filter(pk=deployment.pk).update(status=status)

    message = refused(
        lambda: deployment_answer(
            deployment=deployment, accepted=True, actor=coordinator, on_behalf=True
        )
    )

    assert message.startswith("Only a proposal waiting for an answer can be answered")


def test_it_refuses_an_answer_once_the_request_is_closed():
    deployment, coordinator = make_accepted()
    SupportRequest.objects.filter(pk=deployment.request_id).update(status=RequestStatus.WITHDRAWN)

    message = refused(
        lambda: deployment_answer(
            deployment=deployment,
            accepted=False,
            reason=Deployment.DeclineReason.OTHER,
            actor=coordinator,
            on_behalf=True,
        )
    )

    assert "is withdrawn by the school, so this proposal can no longer be answered" in message


def test_it_refuses_an_answer_from_someone_else_not_on_the_leaders_behalf():
    deployment, coordinator = make_accepted()
    deployment.responded_at = None
    deployment.status = Status.PROPOSED
    deployment.save()

    message = refused(
        lambda: deployment_answer(deployment=deployment, accepted=True, actor=coordinator)
    )

    assert message == (
        "Only Sam Jones can answer for themselves; record the answer on their behalf instead."
    )


# Agreement.


def test_it_agrees_a_deployment_and_emails_the_school_and_the_leader():
    deployment, coordinator = make_accepted()

    agree(deployment, coordinator)

    deployment.refresh_from_db()
    assert deployment.status == Status.AGREED
    assert (
        deployment.agreed_days,
        deployment.start_date,
        deployment.end_date,
        deployment.daily_rate,
        deployment.brokerage_fee,
        deployment.funding_source,
        deployment.signed_by,
    ) == (
        Decimal("6"),
        START,
        datetime.date(2027, 3, 31),
        Decimal("350.00"),
        Decimal("50.00"),
        Funding.SCHOOL_BUDGET,
        "Pat Lee (head), Sam Jones, Chris Ward",
    )
    assert deployment.agreed_at is not None
    assert deployment.signed_at == deployment.agreed_at
    assert [(o.position, o.description) for o in deployment.objectives.all()] == [
        (0, "Raise attainment in KS2 mathematics."),
        (1, "Coach the maths lead."),
    ]
    support_request = deployment.request
    support_request.refresh_from_db()
    assert support_request.status == RequestStatus.AGREED
    assert timeline(support_request) == [
        (
            RequestStatus.PROPOSED,
            RequestStatus.AGREED,
            coordinator,
            "",
            "Agreed with Sam Jones: 6 days, 1 October 2026 to 31 March 2027.",
        )
    ]
    subject = f"Support agreed for {support_request.school.name} ({support_request.reference})"
    assert emails() == [
        (support_request.contact_email, subject, "deployment-agreed"),
        (deployment.leader.email, subject, "deployment-agreed"),
    ]
    body = OutboundEmail.objects.first().body_text
    for text in (
        "Days: 6",
        "Dates: 1 October 2026 to 31 March 2027",
        "Daily rate: £350.00, of which £50.00 is the alliance's brokerage fee",
        "Paid by: The school's own budget",
        "1. Raise attainment in KS2 mathematics.",
        "2. Coach the maths lead.",
    ):
        assert text in body


def test_it_cancels_the_requests_other_open_proposals():
    deployment, coordinator = make_accepted()
    other = DeploymentFactory(request=deployment.request, leader=LeaderFactory(full_name="Jo Hart"))
    declined = DeploymentFactory(request=deployment.request, status=Status.DECLINED)

    agree(deployment, coordinator)

    other.refresh_from_db()
    declined.refresh_from_db()
    assert (other.status, declined.status) == (Status.CANCELLED, Status.DECLINED)
    assert [event.note for event in deployment.request.events.all()][-1] == (
        "The places are filled, so the ask to Jo Hart was withdrawn."
    )
    assert OutboundEmail.objects.filter(topic="deployment-withdraw", to=other.leader.email).exists()


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        ({"agreed_days": Decimal("0")}, "The agreed days must be more than zero."),
        (
            {"end_date": datetime.date(2026, 9, 30)},
            "The end date must not be before the start date.",
        ),
        (
            {"brokerage_fee": Decimal("350.01")},
            "The brokerage fee must not be more than the daily rate.",
        ),
        ({"objectives": []}, "Give at least one objective."),
        ({"objectives": ["  "]}, "Give at least one objective."),
        ({"funding_source": ""}, "Choose who pays for the support."),
        ({"signed_by": " "}, "Say who signed the agreement."),
    ],
)
def test_it_refuses_terms_that_do_not_add_up(terms, message):
    deployment, coordinator = make_accepted()

    assert refused(lambda: agree(deployment, coordinator, **terms)) == message


def test_it_refuses_to_agree_before_the_leader_accepts():
    deployment, coordinator = make_accepted()
    deployment.responded_at = None
    deployment.status = Status.PROPOSED
    deployment.save()

    message = refused(lambda: agree(deployment, coordinator))

    assert message == "Sam Jones has not accepted this proposal yet: record their answer first."


def test_it_refuses_to_agree_a_declined_proposal():
    deployment, coordinator = make_accepted()
    Deployment.objects.filter(pk=deployment.pk).update(status=Status.DECLINED)

    message = refused(lambda: agree(deployment, coordinator))

    assert (
        message
        == "Agree the deployment is not possible: this deployment is declined by the leader."
    )


def test_it_refuses_more_days_than_the_leader_has_left():
    deployment, coordinator = make_accepted()
    commit_days(deployment.leader, agreed_days=Decimal("10"), start_date=START)
    commit_days(
        deployment.leader,
        status=Status.COMPLETED,
        agreed_days=Decimal("6.5"),
        start_date=datetime.date(2027, 8, 31),
        end_date=datetime.date(2027, 8, 31),
    )

    message = refused(lambda: agree(deployment, coordinator, agreed_days=Decimal("4")))

    assert message == (
        "Only 3.5 of Sam Jones's 20 days are left in 2026/27; this agreement needs 4."
    )
    agree(deployment, coordinator, agreed_days=Decimal("3.5"))
    deployment.refresh_from_db()
    assert deployment.status == Status.AGREED


def test_it_says_when_no_days_are_left():
    deployment, coordinator = make_accepted()
    commit_days(deployment.leader, agreed_days=Decimal("20"), start_date=START)

    message = refused(lambda: agree(deployment, coordinator, agreed_days=Decimal("1")))

    assert message == "None of Sam Jones's 20 days are left in 2026/27; this agreement needs 1."


def test_it_counts_days_only_in_the_academic_year_the_deployment_starts():
    deployment, coordinator = make_accepted()
    leader = deployment.leader
    # Every day of 2025/26 agreed, and deployments that do not count against capacity.
    commit_days(
        leader,
        status=Status.IN_DELIVERY,
        agreed_days=Decimal("20"),
        start_date=datetime.date(2026, 8, 31),
        end_date=datetime.date(2026, 12, 31),
    )
    for status in (Status.PROPOSED, Status.DECLINED, Status.CANCELLED):
        commit_days(leader, status=status, agreed_days=Decimal("20"), start_date=START)

    message = refused(lambda: agree(deployment, coordinator, start_date=datetime.date(2026, 8, 1)))
    assert message == "None of Sam Jones's 20 days are left in 2025/26; this agreement needs 6."

    agree(
        deployment,
        coordinator,
        agreed_days=Decimal("20"),
        start_date=datetime.date(2026, 9, 1),
        end_date=datetime.date(2027, 7, 20),
    )
    deployment.refresh_from_db()
    assert deployment.status == Status.AGREED


# Delivery.


def test_it_starts_an_agreed_deployment():
    deployment = AgreedDeploymentFactory(request__status=RequestStatus.AGREED)
    coordinator = make_coordinator(deployment.request)

    deployment_start(deployment=deployment, actor=coordinator)

    deployment.refresh_from_db()
    assert deployment.status == Status.IN_DELIVERY
    support_request = deployment.request
    support_request.refresh_from_db()
    assert support_request.status == RequestStatus.IN_DELIVERY
    assert timeline(support_request) == [
        (
            RequestStatus.AGREED,
            RequestStatus.IN_DELIVERY,
            coordinator,
            "",
            f"Delivery of {deployment.leader}'s support started.",
        )
    ]
    assert not OutboundEmail.objects.exists()


def test_it_completes_a_deployment_in_delivery():
    deployment = AgreedDeploymentFactory(
        status=Status.IN_DELIVERY, request__status=RequestStatus.IN_DELIVERY, logged_hours=10.5
    )
    coordinator = make_coordinator(deployment.request)

    deployment_complete(deployment=deployment, actor=coordinator, confirmed=True)

    deployment.refresh_from_db()
    assert deployment.status == Status.COMPLETED
    assert deployment.completed_at is not None
    assert deployment.days_delivered == Decimal("1.5")
    support_request = deployment.request
    support_request.refresh_from_db()
    assert support_request.status == RequestStatus.COMPLETED
    assert [(event[0], event[1], event[2]) for event in timeline(support_request)] == [
        (RequestStatus.IN_DELIVERY, RequestStatus.COMPLETED, coordinator)
    ]


@pytest.mark.parametrize("status", [Status.PROPOSED, Status.IN_DELIVERY, Status.COMPLETED])
def test_it_starts_only_an_agreed_deployment(status):
    deployment = AgreedDeploymentFactory(status=status, request__status=RequestStatus.AGREED)

    message = refused(lambda: deployment_start(deployment=deployment, actor=None))

    assert message == (
        f"Start delivery is not possible: this deployment is {status.label.lower()}."
    )


@pytest.mark.parametrize("status", [Status.PROPOSED, Status.AGREED, Status.COMPLETED])
def test_it_completes_only_a_deployment_in_delivery(status):
    deployment = AgreedDeploymentFactory(
        status=status, request__status=RequestStatus.IN_DELIVERY, logged_hours=7
    )

    message = refused(
        lambda: deployment_complete(deployment=deployment, actor=None, confirmed=True)
    )

    assert message == (
        f"Mark the support completed is not possible: this deployment is {status.label.lower()}."
    )


def test_it_refuses_to_start_when_the_request_has_moved_on():
    deployment = AgreedDeploymentFactory(request__status=RequestStatus.WITHDRAWN)

    message = refused(lambda: deployment_start(deployment=deployment, actor=None))

    assert message == (
        f"Request {deployment.request.reference} is withdrawn by the school, so its deployments "
        "cannot change."
    )


# The whole way through.


def test_it_walks_a_request_from_proposal_to_completion():
    support_request = make_request()
    leader = make_leader(support_request)
    coordinator = make_coordinator(support_request)

    deployment = deployment_propose(
        support_request=support_request, leader=leader, actor=coordinator
    )
    deployment_answer(deployment=deployment, accepted=True, actor=coordinator, on_behalf=True)
    agree(deployment, coordinator)
    deployment_start(deployment=deployment, actor=coordinator)
    SupportLogFactory(deployment=deployment, date=START, hours=Decimal("7"))
    deployment_complete(deployment=deployment, actor=coordinator, confirmed=True)

    deployment.refresh_from_db()
    support_request.refresh_from_db()
    assert (deployment.status, support_request.status) == (
        Status.COMPLETED,
        RequestStatus.COMPLETED,
    )
    assert [(event[0], event[1]) for event in timeline(support_request)] == [
        (RequestStatus.MATCHING, RequestStatus.PROPOSED),
        (RequestStatus.PROPOSED, RequestStatus.PROPOSED),
        (RequestStatus.PROPOSED, RequestStatus.AGREED),
        (RequestStatus.AGREED, RequestStatus.IN_DELIVERY),
        (RequestStatus.IN_DELIVERY, RequestStatus.COMPLETED),
    ]
    assert [topic for _, _, topic in emails()] == [
        "proposal",
        "leader-answer",
        "deployment-agreed",
        "deployment-agreed",
        "school-evaluation",
    ]
