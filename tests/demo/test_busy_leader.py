"""The bench's busy leader: fifty deployments at every stage, made once."""

import pytest

from alliance_portal.demo.busy_leader import busy_leader, ensure_busy_leader
from deployments.models import Deployment, ImpactReport, SupportLog
from tests.factories import AllianceFactory, SchoolFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def register():
    alliance = AllianceFactory()
    schools = SchoolFactory.create_batch(51)
    alliance.local_authorities.set({school.local_authority for school in schools})
    return schools


def test_it_gives_the_busy_leader_fifty_deployments_at_every_stage(register, client):
    leader = ensure_busy_leader()

    statuses = list(leader.deployments.values_list("status", flat=True))
    assert len(statuses) == 50
    assert set(statuses) == set(Deployment.Status.values) - {"declined", "cancelled"}
    assert SupportLog.objects.filter(deployment__leader=leader).count() == 12 * 10 + 24 * 16 + 4
    assert ImpactReport.objects.filter(deployment__leader=leader).count() == 24
    paused = leader.deployments.filter(status="paused").first()
    assert paused.pause_reason and paused.resume_expected
    assert not leader.deployments.filter(request__school=leader.home_school).exists()
    client.force_login(leader.user)
    assert client.get("/my/").status_code == 200


def test_it_adds_nothing_the_second_time(register):
    first = ensure_busy_leader()

    assert ensure_busy_leader() == first == busy_leader()
    assert Deployment.objects.count() == 50


def test_it_says_when_the_register_is_too_small(db):
    SchoolFactory.create_batch(3)

    with pytest.raises(ValueError, match="at least 51 open schools"):
        ensure_busy_leader()
    assert busy_leader() is None
