import datetime

import pytest

from leaders.models import Designation, academic_year_bounds
from tests.factories import (
    DeclaredConflictFactory,
    DesignationFactory,
    LeaderFactory,
    SchoolFactory,
    TrustFactory,
)
from tests.schools.test_models import refuses

pytestmark = pytest.mark.django_db


def test_it_refuses_negative_capacity():
    assert refuses(lambda: LeaderFactory(days_per_year=-1), "leader_days_per_year_not_negative")


def test_it_refuses_two_leaders_with_the_same_email_in_any_case():
    LeaderFactory(email="sam.jones@example.org")

    assert refuses(lambda: LeaderFactory(email="Sam.Jones@Example.org"))


def test_it_refuses_a_second_active_designation_of_the_same_kind():
    first = DesignationFactory(kind=Designation.Kind.SLE)

    assert refuses(lambda: DesignationFactory(leader=first.leader, kind=Designation.Kind.SLE))


def test_it_allows_a_new_designation_once_the_old_one_lapsed():
    first = DesignationFactory(kind=Designation.Kind.SLE, status=Designation.Status.LAPSED)

    again = DesignationFactory(leader=first.leader, kind=Designation.Kind.SLE)

    assert first.leader.designations.count() == 2
    assert again.status == Designation.Status.ACTIVE


def test_it_allows_active_designations_of_different_kinds():
    first = DesignationFactory(kind=Designation.Kind.LLE)
    DesignationFactory(leader=first.leader, kind=Designation.Kind.LSG)

    assert first.leader.designations.filter(status="active").count() == 2


def test_it_refuses_a_review_date_before_the_designation_date():
    assert refuses(
        lambda: DesignationFactory(
            designated_on=datetime.date(2025, 9, 1), review_due_on=datetime.date(2025, 8, 31)
        ),
        "designation_review_after_designation",
    )


def test_it_refuses_a_national_support_school_for_an_sle():
    assert refuses(
        lambda: DesignationFactory(kind="SLE", national_support_school=SchoolFactory()),
        "designation_nss_only_for_nle",
    )


def test_it_says_national_designations_have_no_alliance():
    designation = DesignationFactory.build(
        leader=LeaderFactory(), kind=Designation.Kind.NLE, alliance=DesignationFactory().alliance
    )

    with pytest.raises(Exception) as error:
        designation.full_clean()

    assert "designated nationally" in str(error.value)


def test_it_refuses_a_conflict_naming_both_a_school_and_a_trust():
    assert refuses(
        lambda: DeclaredConflictFactory(school=SchoolFactory(), trust=TrustFactory()),
        "conflict_school_xor_trust",
    )


def test_it_refuses_a_conflict_naming_neither():
    assert refuses(
        lambda: DeclaredConflictFactory(school=None, trust=None), "conflict_school_xor_trust"
    )


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (datetime.date(2026, 11, 22), datetime.date(2026, 9, 1), datetime.date(2027, 8, 31)),
        (datetime.date(2027, 8, 31), datetime.date(2026, 9, 1), datetime.date(2027, 8, 31)),
        (datetime.date(2027, 9, 1), datetime.date(2027, 9, 1), datetime.date(2028, 8, 31)),
    ],
)
def test_it_knows_the_academic_year(day, start, end):
    assert academic_year_bounds(day) == (start, end)
