"""The bench's SQL floor for the shortlist gives the shortlist's answer: the same
leaders in the same order, up to the same limit, on a mixed data set."""

import random

import pytest
from django.db import connection

from alliance_portal.demo.shortlist_floor import shortlist_floor
from deployments.matching import shortlist
from deployments.models import Deployment
from leaders.models import Designation
from tests.deployments.test_matching import THIS_YEAR, agree, make_leader, make_request
from tests.factories import (
    DeclaredConflictFactory,
    DeploymentFactory,
    DesignationFactory,
    SchoolFactory,
    TrustFactory,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the floor is PostgreSQL SQL (DISTINCT ON, arrays, GREATEST), as the bench is",
    ),
]

Kind = Designation.Kind
KINDS = [Kind.SLE, Kind.LLE, Kind.NLE, Kind.LSG, Kind.NLG]
AREAS = ["mathematics", "science", "english", "curriculum"]


def requests_and_leaders():
    """Four requests with different needs, and forty leaders of every sort for the first."""
    trust = TrustFactory()
    requests = [
        make_request(
            school=SchoolFactory(easting=500_000, northing=200_000, trust=trust),
            areas=["mathematics", "science"],
            designation_sought=Kind.SLE,
        ),
        make_request(designation_sought="not-sure", in_ofsted_category=True, areas=[]),
        make_request(designation_sought=Kind.NLG, new_headteacher=True, areas=["curriculum"]),
        make_request(school=None, school_name_given="Hillside Free School"),
    ]
    first = requests[0]
    for later in requests[1:]:
        later.alliance = first.alliance
        later.save()
    chance = random.Random(13)
    for number in range(40):
        fields = {}
        if number % 9 == 0:
            fields["home_school"] = SchoolFactory(easting=None, northing=None)
        elif number % 13 == 0:
            fields["home_school"] = SchoolFactory(trust=trust)
        elif number == 20:
            fields["home_school"] = first.school
        leader = make_leader(
            first,
            KINDS[number % len(KINDS)],
            # Some at the same distance, so the order falls to the id.
            km_east=chance.choice([0.4, 3, 3, 12.5, 25, 49, 80]),
            areas=chance.sample(AREAS, chance.randint(0, 4)),
            days=chance.choice([5, 10, 20, 30]),
            **fields,
        )
        if number % 3 == 0:
            DesignationFactory(
                leader=leader,
                kind=KINDS[(number + 2) % len(KINDS)],
                alliance=None if number % 2 else first.alliance,
            )
        if number % 4 == 1:
            agree(leader, chance.choice([1, 5, 12]), THIS_YEAR)
        if number % 5 == 2:
            agree(leader, 3, THIS_YEAR, status=Deployment.Status.STOPPED)
        if number % 11 == 0:
            DeclaredConflictFactory(leader=leader, school=first.school)
        if number % 17 == 3:
            DeploymentFactory(request=first, leader=leader, designation=None)
        if number % 19 == 4:
            leader.designations.update(status=Designation.Status.LAPSED)
    return requests


def test_the_floor_gives_the_shortlists_leaders_in_its_order():
    requests = requests_and_leaders()

    for support_request in requests:
        for limit in (20, 5):
            ours = [c.leader.pk for c in shortlist(support_request, limit=limit).candidates]
            assert ours, "each request should have candidates to compare"
            assert shortlist_floor(support_request, limit=limit) == ours


def test_the_floor_leaves_out_the_same_leaders():
    support_request = requests_and_leaders()[0]

    everyone = shortlist(support_request, limit=None, include_excluded=True)

    assert everyone.excluded, "the data set should rule some leaders out"
    assert shortlist_floor(support_request, limit=None) == [
        c.leader.pk for c in everyone.candidates
    ]
