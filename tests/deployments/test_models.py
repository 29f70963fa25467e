import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from deployments.models import Deployment
from tests.factories import AgreedDeploymentFactory, DeploymentFactory, DesignationFactory
from tests.schools.test_models import refuses

pytestmark = pytest.mark.django_db


def test_it_refuses_proposing_the_same_leader_twice_for_a_request():
    first = DeploymentFactory(status=Deployment.Status.DECLINED)

    assert refuses(
        lambda: DeploymentFactory(request=first.request, leader=first.leader, designation=None)
    )


def test_it_refuses_negative_agreed_days():
    assert refuses(
        lambda: AgreedDeploymentFactory(agreed_days=Decimal("-1")),
        "deployment_agreed_days_not_negative",
    )


def test_it_refuses_an_end_date_before_the_start_date():
    assert refuses(
        lambda: AgreedDeploymentFactory(
            start_date=datetime.date(2026, 10, 1), end_date=datetime.date(2026, 9, 30)
        ),
        "deployment_end_after_start",
    )


def test_it_allows_a_one_day_deployment():
    one_day = AgreedDeploymentFactory(
        start_date=datetime.date(2026, 10, 1), end_date=datetime.date(2026, 10, 1)
    )

    assert Deployment.objects.get(pk=one_day.pk).end_date == one_day.start_date


def test_it_refuses_a_brokerage_fee_above_the_daily_rate():
    assert refuses(
        lambda: AgreedDeploymentFactory(daily_rate=Decimal("300"), brokerage_fee=Decimal("350")),
        "deployment_fee_within_rate",
    )


def test_it_counts_only_agreed_work_against_capacity():
    agreed = AgreedDeploymentFactory()
    DeploymentFactory(status=Deployment.Status.DECLINED)
    DeploymentFactory(status=Deployment.Status.PROPOSED)

    assert list(Deployment.objects.committed()) == [agreed]


def test_it_refuses_another_leaders_designation():
    deployment = DeploymentFactory()
    someone_else = DesignationFactory()
    deployment.designation = someone_else

    with pytest.raises(ValidationError) as error:
        deployment.full_clean()

    assert "this leader's own designations" in str(error.value)
