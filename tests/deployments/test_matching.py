"""The shortlist of leaders for a support request: order, scores, reasons and exclusions.

Expected scores are worked out by hand from WEIGHTS, so each test shows the
arithmetic behind the order it pins.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alliance_portal.schools.models import Phase
from deployments.matching import WEIGHTS, Exclusion, shortlist
from deployments.models import Deployment
from leaders.models import AreaOfExpertise, Designation, academic_year_bounds
from requests.models import SupportRequest
from tests.factories import (
    AgreedDeploymentFactory,
    AllianceFactory,
    DeclaredConflictFactory,
    DeploymentFactory,
    DesignationFactory,
    LeaderFactory,
    SchoolFactory,
    SupportRequestFactory,
    TrustFactory,
    phase,
)

pytestmark = pytest.mark.django_db

W = WEIGHTS
Kind = Designation.Kind
THIS_YEAR_START, _ = academic_year_bounds(timezone.localdate())
# A month into the current academic year: the days-left reason says "this year".
THIS_YEAR = THIS_YEAR_START + datetime.timedelta(days=30)
# The requesting school sits at this grid reference; leaders are placed from it in metres.
EASTING, NORTHING = 500_000, 200_000


def area(slug):
    return AreaOfExpertise.objects.get(slug=slug)


def make_request(**overrides):
    areas = overrides.pop("areas", [])
    fields = {
        "school": SchoolFactory(easting=EASTING, northing=NORTHING),
        "alliance": AllianceFactory(),
        "preferred_start": THIS_YEAR,
        "estimated_days": Decimal("6"),
        **overrides,
    }
    support_request = SupportRequestFactory(**fields)
    support_request.areas_of_expertise.set([area(slug) for slug in areas])
    return SupportRequest.objects.select_related("school__phase").get(pk=support_request.pk)


def make_leader(
    support_request,
    kind=Kind.SLE,
    *,
    km_east=5,
    areas=(),
    phases=(Phase.Code.PRIMARY,),
    days=20,
    alliance="same",
    status=Designation.Status.ACTIVE,
    **leader_fields,
):
    """A leader with one designation, their home school `km_east` km east of the request's school."""
    if "home_school" not in leader_fields:
        leader_fields["home_school"] = SchoolFactory(
            easting=EASTING + round(km_east * 1000), northing=NORTHING
        )
    leader = LeaderFactory(days_per_year=Decimal(days), **leader_fields)
    leader.areas_of_expertise.set([area(slug) for slug in areas])
    leader.phases.set([phase(code) for code in phases])
    if alliance == "same":
        alliance = None if kind in Designation.NATIONAL_KINDS else support_request.alliance
    DesignationFactory(leader=leader, kind=kind, alliance=alliance, status=status)
    return leader


def agree(leader, days, start_date, status=Deployment.Status.AGREED):
    """A committed deployment of the leader on some other request."""
    return AgreedDeploymentFactory(
        leader=leader,
        designation=None,
        status=status,
        agreed_days=Decimal(days),
        start_date=start_date,
        end_date=start_date + datetime.timedelta(days=90),
    )


def distance_points(km):
    """W.distance at 0 km down to nothing at W.distance_zero_at_km (none of these is a half)."""
    return round(W.distance * max(0, 1 - km / W.distance_zero_at_km))


def ranked(result):
    return [candidate.leader for candidate in result.candidates]


def texts(candidate):
    return [str(reason) for reason in candidate.reasons]


def the_candidate(result, leader):
    return next(candidate for candidate in result.candidates if candidate.leader == leader)


def assert_excluded(support_request, leader, exclusion, reason):
    """Ruled out: absent from the candidates, listed with its reason only on request."""
    plain = shortlist(support_request)
    assert leader not in ranked(plain)
    assert plain.excluded == []

    explained = shortlist(support_request, include_excluded=True)
    assert leader not in ranked(explained)
    [excluded] = [each for each in explained.excluded if each.leader == leader]
    assert excluded.exclusion == exclusion
    assert excluded.reasons[0] == reason


# Order and scores.


def test_it_ranks_and_scores_leaders_as_worked_by_hand():
    support_request = make_request(areas=["mathematics", "phonics"], in_ofsted_category=True)
    # An SLE in both areas asked for, 4.2 km away, 8 of 20 days agreed this year
    # and one deployment from last year still in delivery.
    ada = make_leader(
        support_request, Kind.SLE, km_east=4.2, areas=["mathematics", "phonics", "science"]
    )
    agree(ada, 8, THIS_YEAR)
    agree(ada, 5, THIS_YEAR_START - datetime.timedelta(days=100), Deployment.Status.IN_DELIVERY)
    # A national NLE, no areas in common, 30 km away, free all year.
    bea = make_leader(support_request, Kind.NLE, km_east=30)
    # An LLE in mathematics for secondary schools, 12 km away, with 10 days a year.
    cal = make_leader(
        support_request,
        Kind.LLE,
        km_east=12,
        areas=["mathematics"],
        phases=[Phase.Code.SECONDARY],
        days=10,
    )

    result = shortlist(support_request)

    ada_score = (
        2 * W.per_area_in_common  # 15 + 15
        + W.phase_fit  # 15
        + W.sle_for_specialism  # 10
        + distance_points(4.2)  # 10 x (1 - 4.2 / 50) = 9.16, so 9
        + 12 * W.per_day_left  # 12 days left x 0.5 = 6
        + 2 * W.per_current_deployment  # 2 x -2 = -4
    )
    bea_score = (
        W.phase_fit  # 15
        + W.nle_for_school_causing_concern  # 25
        + distance_points(30)  # 10 x (1 - 30 / 50) = 4
        + 20 * W.per_day_left  # 10
    )
    cal_score = (
        W.per_area_in_common  # 15
        + distance_points(12)  # 10 x (1 - 12 / 50) = 7.6, so 8
        + 10 * W.per_day_left  # 5
    )
    assert (ada_score, bea_score, cal_score) == (66, 54, 28)
    assert ranked(result) == [ada, bea, cal]
    assert [candidate.score for candidate in result.candidates] == [66, 54, 28]
    assert texts(result.candidates[0]) == [
        f"Mathematics and Phonics in common (+{2 * W.per_area_in_common})",
        f"Supports primary schools like this one (+{W.phase_fit})",
        f"SLE suits a request for specific areas of expertise (+{W.sle_for_specialism})",
        f"4.2 km away (+{distance_points(4.2)})",
        "12 of 20 days left this year (+6)",
        f"Already in 2 current deployments ({2 * W.per_current_deployment})",
    ]
    assert texts(result.candidates[1]) == [
        "Not expert in any of the 2 areas asked for (+0)",
        f"Supports primary schools like this one (+{W.phase_fit})",
        f"NLE suits a school in an Ofsted category (+{W.nle_for_school_causing_concern})",
        "30.0 km away (+4)",
        "20 of 20 days left this year (+10)",
        "No current deployments (+0)",
    ]
    assert (
        texts(result.candidates[2])[1] == "Does not list primary among the phases they support (+0)"
    )
    assert texts(result.candidates[2])[2] == "LLE: no particular fit with the need (+0)"


def test_it_ranks_the_closer_of_two_equal_leaders_first():
    support_request = make_request()
    farther = make_leader(support_request, km_east=10.3)
    closer = make_leader(support_request, km_east=10.1)

    result = shortlist(support_request)

    # Both round to the same distance points: 10 x (1 - 10.1 / 50) = 7.98 and 7.94, so 8.
    assert distance_points(10.1) == distance_points(10.3) == 8
    assert result.candidates[0].score == result.candidates[1].score
    assert ranked(result) == [closer, farther]


def test_it_ranks_the_older_leader_record_first_at_the_same_score_and_distance():
    support_request = make_request()
    first = make_leader(support_request, km_east=7)
    second = make_leader(support_request, km_east=7)

    assert ranked(shortlist(support_request)) == [first, second]


def test_it_scores_an_unknown_distance_as_zero_and_says_so():
    support_request = make_request()
    unknown = make_leader(support_request, home_school=SchoolFactory(easting=None, northing=None))
    far_away = make_leader(support_request, km_east=80)

    result = shortlist(support_request)

    # Beyond 50 km a known distance scores nothing too; known comes before unknown.
    assert ranked(result) == [far_away, unknown]
    assert texts(result.candidates[0])[3] == "80.0 km away (+0)"
    assert texts(result.candidates[1])[3] == (
        "Distance not known: no grid reference for the leader's school (+0)"
    )
    assert result.candidates[1].distance_km is None


def test_it_counts_at_most_three_areas_in_common():
    support_request = make_request(areas=["english", "mathematics", "phonics", "science"])
    leader = make_leader(support_request, areas=["english", "mathematics", "phonics", "science"])

    [candidate] = shortlist(support_request).candidates

    assert W.areas_counted_at_most == 3
    assert str(candidate.reasons[0]) == (
        "English, Mathematics, Phonics and Science in common, at most 3 count "
        f"(+{3 * W.per_area_in_common})"
    )
    assert candidate.leader == leader


def test_it_ranks_the_designation_asked_for_above_one_that_suits_the_need():
    support_request = make_request(designation_sought=Kind.LLE, in_ofsted_category=True)
    nle = make_leader(support_request, Kind.NLE)
    lle = make_leader(support_request, Kind.LLE)

    result = shortlist(support_request)

    assert ranked(result) == [lle, nle]
    assert W.designation_sought > W.nle_for_school_causing_concern
    assert str(result.candidates[0].reasons[2]) == (
        f"LLE, the designation the school asked for (+{W.designation_sought})"
    )
    assert result.candidates[0].score - result.candidates[1].score == (
        W.designation_sought - W.nle_for_school_causing_concern
    )


def test_it_shows_a_leader_under_their_best_suited_designation():
    support_request = make_request(new_headteacher=True, facing_closure=True)
    leader = make_leader(support_request, Kind.SLE)
    lle = DesignationFactory(leader=leader, kind=Kind.LLE, alliance=support_request.alliance)
    DesignationFactory(leader=leader, kind=Kind.NLE, alliance=None, status="lapsed")

    [candidate] = shortlist(support_request).candidates

    assert candidate.designation == lle
    assert str(candidate.reasons[2]) == (
        f"LLE suits support for a new headteacher (+{W.lle_for_new_headteacher})"
    )


def test_it_suits_both_governance_designations_to_a_governance_need():
    support_request = make_request(designation_sought=Kind.NLG)
    lsg = make_leader(support_request, Kind.LSG)
    nlg = make_leader(support_request, Kind.NLG)
    sle = make_leader(support_request, Kind.SLE)

    result = shortlist(support_request)

    assert ranked(result) == [nlg, lsg, sle]
    assert [str(candidate.reasons[2]) for candidate in result.candidates] == [
        f"NLG, the designation the school asked for (+{W.designation_sought})",
        f"LSG suits a governance need (+{W.governance})",
        "SLE: the school asked for an NLG (+0)",
    ]


def test_it_keeps_the_top_leaders_up_to_the_limit():
    support_request = make_request()
    leaders = [make_leader(support_request, km_east=km) for km in (30, 10, 20)]

    result = shortlist(support_request, limit=2)

    assert ranked(result) == [leaders[1], leaders[2]]
    assert result.considered == 3


def test_it_matches_a_request_from_a_school_not_in_the_register():
    support_request = make_request(school=None, school_name_given="Hillside Free School")
    leader = make_leader(support_request, areas=["mathematics"])

    [candidate] = shortlist(support_request).candidates

    assert candidate.leader == leader
    assert texts(candidate) == [
        "No areas of expertise asked for (+0)",
        "Phase not known: the school is not in the register (+0)",
        "SLE: no particular fit with the need (+0)",
        "Distance not known: the school is not in the register (+0)",
        "20 of 20 days left this year (+10)",
        "No current deployments (+0)",
        "Trust and conflicts not checked: the school is not in the register (+0)",
    ]
    assert candidate.score == 20 * W.per_day_left


# Capacity.


def test_it_counts_capacity_in_the_academic_year_of_the_preferred_start():
    support_request = make_request(preferred_start=datetime.date(2030, 10, 1))
    leader = make_leader(support_request, days=20)
    agree(leader, 5, datetime.date(2030, 9, 1))  # the first day of 2030/31: counts
    agree(leader, 3, datetime.date(2031, 8, 31))  # the last day of 2030/31: counts
    agree(leader, 7, datetime.date(2030, 8, 31))  # 2029/30: does not count
    agree(leader, 9, datetime.date(2031, 9, 1))  # 2031/32: does not count
    DeploymentFactory(leader=leader, designation=None, agreed_days=Decimal("4"))  # only proposed

    [candidate] = shortlist(support_request).candidates

    assert candidate.days_left == Decimal("12")
    assert str(candidate.reasons[4]) == "12 of 20 days left in 2030/31 (+6)"


def test_it_counts_capacity_in_the_current_academic_year_without_a_preferred_start():
    support_request = make_request(preferred_start=None)
    leader = make_leader(support_request, days=20)
    agree(leader, 15, THIS_YEAR, Deployment.Status.COMPLETED)
    agree(leader, 15, THIS_YEAR_START + datetime.timedelta(days=366))  # next year

    [candidate] = shortlist(support_request).candidates

    assert candidate.days_left == Decimal("5")
    assert (
        str(candidate.reasons[4]) == "5 of 20 days left this year, fewer than the 6 estimated (+3)"
    )


# Exclusions, one reason each.


def test_it_excludes_a_leader_from_the_requesting_school():
    support_request = make_request()
    leader = make_leader(support_request, home_school=support_request.school)

    assert_excluded(support_request, leader, Exclusion.OWN_SCHOOL, "Works at the requesting school")


def test_it_excludes_a_leader_with_a_declared_conflict_with_the_school():
    support_request = make_request()
    leader = make_leader(support_request)
    DeclaredConflictFactory(leader=leader, school=support_request.school)

    assert_excluded(
        support_request,
        leader,
        Exclusion.CONFLICT_WITH_SCHOOL,
        "Declared a conflict of interest with this school",
    )


def test_it_excludes_a_leader_with_a_declared_conflict_with_the_schools_trust():
    trust = TrustFactory()
    support_request = make_request(school=SchoolFactory(trust=trust))
    leader = make_leader(support_request)
    DeclaredConflictFactory(leader=leader, school=None, trust=trust)

    assert_excluded(
        support_request,
        leader,
        Exclusion.CONFLICT_WITH_TRUST,
        "Declared a conflict of interest with the school's trust",
    )


def test_it_excludes_a_leader_from_a_school_in_the_same_trust():
    trust = TrustFactory()
    support_request = make_request(school=SchoolFactory(trust=trust))
    leader = make_leader(support_request, home_school=SchoolFactory(trust=trust))
    other_trust = make_leader(support_request, home_school=SchoolFactory(trust=TrustFactory()))

    assert_excluded(
        support_request,
        leader,
        Exclusion.SAME_TRUST,
        "Works in the same trust as the requesting school",
    )
    assert ranked(shortlist(support_request)) == [other_trust]


def test_it_excludes_a_leader_with_no_active_designation():
    support_request = make_request()
    leader = make_leader(support_request, status=Designation.Status.LAPSED)

    assert_excluded(
        support_request, leader, Exclusion.NO_ACTIVE_DESIGNATION, "Holds no active designation"
    )


def test_it_excludes_a_leader_with_no_days_left_this_academic_year():
    support_request = make_request(preferred_start=datetime.date(2030, 10, 1))
    leader = make_leader(support_request, days=20)
    agree(leader, 12, datetime.date(2030, 9, 10))
    agree(leader, 8, datetime.date(2031, 1, 10), Deployment.Status.IN_DELIVERY)

    assert_excluded(
        support_request, leader, Exclusion.NO_DAYS_LEFT, "No days left in 2030/31: 20 of 20 agreed"
    )


def test_it_excludes_a_leader_who_declined_this_request_before():
    support_request = make_request()
    leader = make_leader(support_request)
    DeploymentFactory(request=support_request, leader=leader, designation=None, status="declined")

    assert_excluded(
        support_request,
        leader,
        Exclusion.ALREADY_PROPOSED,
        "Already proposed for this request (declined by the leader)",
    )


def test_it_gives_every_reason_that_rules_a_leader_out():
    support_request = make_request()
    leader = make_leader(support_request, home_school=support_request.school, days=0)
    DeclaredConflictFactory(leader=leader, school=support_request.school)

    [excluded] = shortlist(support_request, include_excluded=True).excluded

    assert excluded.leader == leader
    assert excluded.exclusions == [
        Exclusion.OWN_SCHOOL,
        Exclusion.CONFLICT_WITH_SCHOOL,
        Exclusion.NO_DAYS_LEFT,
    ]


# Who the alliance can see.


def test_it_does_not_consider_another_alliances_sle():
    support_request = make_request()
    ours = make_leader(support_request, Kind.SLE)
    theirs = make_leader(support_request, Kind.SLE, alliance=AllianceFactory())

    result = shortlist(support_request, include_excluded=True)

    assert ranked(result) == [ours]
    assert theirs not in [excluded.leader for excluded in result.excluded]
    assert result.considered == 1


def test_it_considers_a_national_nle_with_no_alliance():
    support_request = make_request()
    nle = make_leader(support_request, Kind.NLE, alliance=None)

    [candidate] = shortlist(support_request).candidates

    assert candidate.leader == nle
    assert candidate.designation.kind == Kind.NLE
    assert candidate.designation.alliance is None


def test_it_uses_only_the_designation_the_alliance_can_see():
    support_request = make_request(designation_sought=Kind.LLE)
    leader = make_leader(support_request, Kind.SLE)
    DesignationFactory(leader=leader, kind=Kind.LLE, alliance=AllianceFactory())

    [candidate] = shortlist(support_request).candidates

    assert candidate.designation.kind == Kind.SLE


# Queries.


def shortlist_queries(support_request_pk):
    support_request = SupportRequest.objects.get(pk=support_request_pk)
    with CaptureQueriesContext(connection) as captured:
        result = shortlist(support_request, limit=None, include_excluded=True)
    return len(captured), result


def add_leaders(support_request, count):
    kinds = [Kind.SLE, Kind.LLE, Kind.NLE, Kind.LSG, Kind.NLG]
    for number in range(count):
        leader = make_leader(
            support_request,
            kinds[number % len(kinds)],
            km_east=number,
            areas=["mathematics", "science"][: number % 3],
        )
        agree(leader, number % 25, THIS_YEAR)
        if number % 4 == 0:
            DeclaredConflictFactory(leader=leader)
        if number % 7 == 0:
            DeploymentFactory(request=support_request, leader=leader, designation=None)


def test_it_uses_the_same_number_of_queries_for_5_and_40_leaders():
    support_request = make_request(
        areas=["mathematics", "phonics"], school=SchoolFactory(trust=TrustFactory())
    )
    add_leaders(support_request, 5)
    few, small = shortlist_queries(support_request.pk)

    add_leaders(support_request, 35)
    many, large = shortlist_queries(support_request.pk)

    assert small.considered == 5
    assert large.considered == 40
    assert large.candidates and large.excluded
    assert few == many <= 8
