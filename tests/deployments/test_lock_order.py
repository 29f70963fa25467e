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
from deployments.services import deployment_agree, deployment_answer
from requests.models import Funding, SupportRequest
from requests.services import TransitionError, request_transition
from tests.factories import (
    AllianceFactory,
    CoordinatorFactory,
    DeploymentFactory,
    DesignationFactory,
    LeaderFactory,
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


def at_once(*calls):
    """Run the calls in threads released together; return what each raised (or None)."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        from django.db import connection as own_connection

        try:
            barrier.wait(timeout=10)
            call()
        except (ValidationError, TransitionError) as refused:
            outcomes[index] = refused  # the other one got there first: an honest refusal
        except Exception as error:  # a deadlock or any other database error
            outcomes[index] = error
        finally:
            own_connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.parametrize("accepted", [True, False], ids=["accepts", "declines"])
def test_a_school_withdrawing_while_its_leader_answers_never_deadlocks(accepted):
    alliance = AllianceFactory()
    failures = []
    for _ in range(RACES):
        leader = LeaderFactory(user=UserFactory())
        support_request = SupportRequestFactory(
            alliance=alliance, status=SupportRequest.Status.PROPOSED
        )
        deployment = DeploymentFactory(
            request=support_request,
            leader=leader,
            designation=DesignationFactory(leader=leader, alliance=alliance),
        )

        outcomes = at_once(
            lambda sr=support_request: request_transition(
                support_request=sr,
                to_status=SupportRequest.Status.WITHDRAWN,
                actor_label="The school",
                note="We found help nearer home.",
            ),
            lambda d=deployment, user=leader.user: deployment_answer(
                deployment=d,
                accepted=accepted,
                reason="" if accepted else Deployment.DeclineReason.values[0],
                actor=user,
            ),
        )

        failures += [
            repr(outcome)
            for outcome in outcomes
            if outcome is not None and not isinstance(outcome, ValidationError | TransitionError)
        ]
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
        leader = LeaderFactory(user=UserFactory(), days_per_year=Decimal("20"))
        support_request = SupportRequestFactory(
            alliance=alliance, status=SupportRequest.Status.PROPOSED
        )
        deployment = DeploymentFactory(
            request=support_request,
            leader=leader,
            designation=DesignationFactory(leader=leader, alliance=alliance),
            responded_at=datetime.datetime(2026, 9, 10, 12, tzinfo=datetime.UTC),
        )

        outcomes = at_once(
            lambda sr=support_request: request_transition(
                support_request=sr,
                to_status=SupportRequest.Status.WITHDRAWN,
                actor_label="The school",
                note="We found help nearer home.",
            ),
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

        failures += [
            repr(outcome)
            for outcome in outcomes
            if outcome is not None and not isinstance(outcome, ValidationError | TransitionError)
        ]
        support_request.refresh_from_db()
        deployment.refresh_from_db()
        if support_request.status == SupportRequest.Status.WITHDRAWN:
            assert deployment.status == Deployment.Status.CANCELLED
        else:
            assert deployment.status == Deployment.Status.AGREED

    assert failures == []
