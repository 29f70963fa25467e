"""Agreements made at the same moment never promise a leader more days than they have.

`deployment_agree` locks the leader's row while it adds up the days already
agreed, so concurrent agreements queue behind one another. SQLite takes one
writer at a time and has no row locks, so this runs on PostgreSQL only.
"""

import datetime
import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum

from deployments.models import Deployment
from deployments.services import deployment_agree
from requests.models import Funding, SupportRequest
from tests.factories import (
    AllianceFactory,
    CoordinatorFactory,
    DeploymentFactory,
    DesignationFactory,
    LeaderFactory,
    SupportRequestFactory,
)

AGREEMENTS = 5
DAYS_EACH = Decimal("4")


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite has no row locks to contend for",
)
@pytest.mark.django_db(transaction=True)
def test_it_never_over_commits_a_leader_when_agreements_run_at_once():
    alliance = AllianceFactory()
    coordinator = CoordinatorFactory(alliance=alliance)
    leader = LeaderFactory(full_name="Sam Jones", days_per_year=Decimal("10"))
    designation = DesignationFactory(leader=leader, alliance=alliance)
    deployments = [
        DeploymentFactory(
            request=SupportRequestFactory(alliance=alliance, status=SupportRequest.Status.PROPOSED),
            leader=leader,
            designation=designation,
            status=Deployment.Status.ACCEPTED,
            responded_at=datetime.datetime(2026, 9, 10, 12, tzinfo=datetime.UTC),
        )
        for _ in range(AGREEMENTS)
    ]
    barrier = threading.Barrier(AGREEMENTS)
    outcomes = {}

    def agree(deployment):
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=10)
            deployment_agree(
                deployment=deployment,
                objectives=["Coach the maths lead."],
                agreed_days=DAYS_EACH,
                start_date=datetime.date(2026, 10, 1),
                end_date=datetime.date(2027, 3, 31),
                daily_rate=Decimal("350.00"),
                brokerage_fee=Decimal("50.00"),
                funding_source=Funding.SCHOOL_BUDGET,
                signed_by="Pat Lee, Sam Jones",
                actor=coordinator,
            )
            outcomes[deployment.pk] = "agreed"
        except ValidationError as error:
            outcomes[deployment.pk] = " ".join(error.messages)
        except Exception as error:  # Surfaced by the assertions below.
            outcomes[deployment.pk] = repr(error)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=agree, args=(each,)) for each in deployments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert Counter(outcomes.values()) == {
        "agreed": 2,
        "Only 2 of Sam Jones's 10 days are left in 2026/27; this agreement needs 4.": 3,
    }
    committed = Deployment.objects.committed().filter(leader=leader)
    assert committed.count() == 2
    assert committed.aggregate(total=Sum("agreed_days"))["total"] == Decimal("8")
    refused = [pk for pk, outcome in outcomes.items() if outcome != "agreed"]
    assert set(Deployment.objects.filter(pk__in=refused).values_list("status", flat=True)) == {
        Deployment.Status.ACCEPTED
    }
    assert set(
        SupportRequest.objects.filter(deployments__pk__in=refused).values_list("status", flat=True)
    ) == {SupportRequest.Status.PROPOSED}
