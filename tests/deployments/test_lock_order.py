"""One lock order everywhere: the request's row, then its deployments, then the leader's.

A school withdrawing while its leader answers took the same two rows in
opposite orders (withdraw: request, then deployment; answer: deployment,
then request) and PostgreSQL broke the deadlock by failing one of them.
These races run both at once, many times; each must end in one of the two
honest outcomes and never in a database error. SQLite has one writer at a
time and no row locks, so this runs on PostgreSQL only.
"""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from deployments.models import Deployment
from deployments.services import deployment_agree, deployment_answer, deployment_complete
from requests.models import Funding, SupportRequest
from requests.services import TransitionError, request_transition
from tests.factories import (
    AllianceFactory,
    CoordinatorFactory,
    DeploymentFactory,
    DesignationFactory,
    LeaderFactory,
    SupportLogFactory,
    SupportRequestFactory,
    UserFactory,
)

RACES = 10

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite has no row locks to take in the wrong order",
    ),
    pytest.mark.django_db(transaction=True),
]


def errors_at_once(*calls):
    """Run the calls in threads released together; return the errors that were not an
    honest refusal (the other call got there first), such as a deadlock."""
    barrier = threading.Barrier(len(calls))
    errors = []

    def run(call):
        from django.db import connection as own_connection

        try:
            barrier.wait(timeout=10)
            call()
        except (ValidationError, TransitionError):
            pass
        except Exception as error:  # a deadlock or any other database error
            errors.append(repr(error))
        finally:
            own_connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


def proposal(alliance, **fields):
    """A request proposed to a leader with days to spare: (request, deployment)."""
    leader = LeaderFactory(user=UserFactory(), days_per_year=Decimal("20"))
    support_request = SupportRequestFactory(
        alliance=alliance, status=SupportRequest.Status.PROPOSED
    )
    deployment = DeploymentFactory(
        request=support_request,
        leader=leader,
        designation=DesignationFactory(leader=leader, alliance=alliance),
        **fields,
    )
    return support_request, deployment


def withdraw(support_request):
    return lambda: request_transition(
        support_request=support_request,
        to_status=SupportRequest.Status.WITHDRAWN,
        actor_label="The school",
        note="We found help nearer home.",
    )


@pytest.mark.parametrize("accepted", [True, False], ids=["accepts", "declines"])
def test_a_school_withdrawing_while_its_leader_answers_never_deadlocks(accepted):
    alliance = AllianceFactory()
    failures = []
    for _ in range(RACES):
        support_request, deployment = proposal(alliance)
        leader = deployment.leader

        failures += errors_at_once(
            withdraw(support_request),
            lambda d=deployment, user=leader.user: deployment_answer(
                deployment=d,
                accepted=accepted,
                reason="" if accepted else Deployment.DeclineReason.values[0],
                actor=user,
            ),
        )

        support_request.refresh_from_db()
        deployment.refresh_from_db()
        if support_request.status == SupportRequest.Status.WITHDRAWN:
            assert deployment.status in (Deployment.Status.CANCELLED, Deployment.Status.DECLINED)

    assert failures == []


def test_an_agreement_made_while_the_school_withdraws_never_deadlocks():
    alliance = AllianceFactory()
    coordinator = CoordinatorFactory(alliance=alliance)
    failures = []
    for _ in range(RACES):
        support_request, deployment = proposal(
            alliance,
            status=Deployment.Status.ACCEPTED,
            responded_at=datetime.datetime(2026, 9, 10, 12, tzinfo=datetime.UTC),
        )

        failures += errors_at_once(
            withdraw(support_request),
            lambda d=deployment: deployment_agree(
                deployment=d,
                objectives=["Coach the maths lead."],
                agreed_days=Decimal("4"),
                start_date=datetime.date(2026, 10, 1),
                end_date=datetime.date(2027, 3, 31),
                daily_rate=Decimal("350.00"),
                brokerage_fee=Decimal("50.00"),
                funding_source=Funding.SCHOOL_BUDGET,
                signed_by="Pat Lee, Sam Jones",
                actor=coordinator,
            ),
        )

        support_request.refresh_from_db()
        deployment.refresh_from_db()
        if support_request.status == SupportRequest.Status.WITHDRAWN:
            assert deployment.status == Deployment.Status.CANCELLED
        else:
            assert deployment.status == Deployment.Status.AGREED

    assert failures == []


def test_completing_while_lapse_requests_runs_never_deadlocks():
    """The nightly lapse locks each waiting request, then cancels its asks; a completion (and
    an answer) locks the request first too. Neither may fail, and work under way never lapses."""
    from requests.services import requests_lapse

    alliance = AllianceFactory()
    coordinator = CoordinatorFactory(alliance=alliance)
    failures = []
    long_ago = datetime.datetime(2026, 1, 5, 9, tzinfo=datetime.UTC)
    for _ in range(RACES):
        delivering_request, delivering = proposal(
            alliance,
            status=Deployment.Status.IN_DELIVERY,
            agreed_days=Decimal("3"),
            start_date=datetime.date(2026, 10, 1),
            end_date=datetime.date(2027, 3, 31),
        )
        SupportRequest.objects.filter(pk=delivering_request.pk).update(
            status=SupportRequest.Status.IN_DELIVERY, status_changed_at=long_ago
        )
        SupportLogFactory(deployment=delivering, date=datetime.date(2026, 10, 8))
        waiting_request, waiting = proposal(alliance)
        SupportRequest.objects.filter(pk=waiting_request.pk).update(status_changed_at=long_ago)

        failures += errors_at_once(
            lambda: requests_lapse(days=30),
            lambda d=delivering: deployment_complete(
                deployment=d, actor=coordinator, confirmed=True
            ),
            lambda d=waiting: deployment_answer(deployment=d, accepted=True, actor=d.leader.user),
        )

        delivering_request.refresh_from_db()
        delivering.refresh_from_db()
        assert (delivering.status, delivering_request.status) == (
            Deployment.Status.COMPLETED,
            SupportRequest.Status.COMPLETED,
        )
        waiting_request.refresh_from_db()
        waiting.refresh_from_db()
        if waiting_request.status == SupportRequest.Status.LAPSED:
            assert waiting.status == Deployment.Status.CANCELLED
        else:
            assert waiting.status == Deployment.Status.ACCEPTED

    assert failures == []
