"""Queries built once (alliance_portal.prepared): the same rows as the queryset they are
written as, for any values, converted as the ORM converts them."""

import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from alliance_portal.prepared import Prepared
from alliance_portal.reports.models import Export
from alliance_portal.schools.models import Phase
from leaders.directory import DETAILS_AT_ONCE, listed_leaders, with_details
from leaders.models import AreaOfExpertise, Designation, Leader
from tests.factories import AllianceFactory, DesignationFactory, LeaderFactory, UserFactory

pytestmark = pytest.mark.django_db


def designations_of(*leader_ids):
    return (
        Designation.objects.filter(leader_id__in=leader_ids)
        .order_by("pk")
        .values_list("leader_id", "kind", "alliance__name", "leader__public_profile_consent")
    )


def test_it_gives_the_querysets_rows_for_each_set_of_values():
    first, second, third = LeaderFactory.create_batch(3, public_profile_consent=True)
    for leader in (first, second, third):
        DesignationFactory(leader=leader)
    prepared = Prepared(designations_of)

    for ids in ((first.pk, second.pk), (third.pk, first.pk), (second.pk, second.pk)):
        assert prepared.rows(*ids) == list(map(tuple, designations_of(*ids)))


def test_its_values_go_through_the_orms_converters():
    """On SQLite, which holds a UUID as text, this fails without the converters; on
    PostgreSQL the driver gives a UUID itself."""
    user = UserFactory()
    export = Export.objects.create(
        requested_by=user,
        model_label="support_requests.supportrequest",
        format="csv",
        filename="requests.csv",
        expires_at=timezone.now(),
    )
    prepared = Prepared(
        lambda user_id: Export.objects.filter(requested_by_id=user_id).values_list("id")
    )

    # A UUID, as the ORM gives it, where SQLite holds 32 hexadecimal characters.
    assert prepared.rows(user.pk) == [(export.pk,)]
    assert isinstance(prepared.rows(user.pk)[0][0], uuid.UUID)


def test_it_builds_the_queryset_once_for_a_number_of_values():
    leader = LeaderFactory()
    built = []

    def build(*leader_ids):
        built.append(leader_ids)
        return designations_of(*leader_ids)

    prepared = Prepared(build)
    for _ in range(3):
        prepared.rows(leader.pk)
        prepared.rows(leader.pk, leader.pk)

    assert len(built) == 2


def test_it_refuses_a_queryset_that_leaves_a_value_out():
    prepared = Prepared(lambda leader_id: Leader.objects.values_list("pk"))

    with pytest.raises(ImproperlyConfigured, match="each of its values"):
        prepared.rows(1)


def test_the_details_of_more_leaders_than_one_query_reads_are_each_leaders_own():
    count = DETAILS_AT_ONCE + 3
    leaders = LeaderFactory.create_batch(count, public_profile_consent=True)
    areas = list(AreaOfExpertise.objects.order_by("pk")[:count])
    phases = list(Phase.objects.order_by("pk"))
    for index, leader in enumerate(leaders):
        national = index == count - 1
        DesignationFactory(
            leader=leader,
            kind=Designation.Kind.NLE if national else Designation.Kind.SLE,
            alliance=None if national else AllianceFactory(name=f"Alliance {index}"),
        )
        leader.areas_of_expertise.set([areas[index % len(areas)]])
        leader.phases.set([phases[index % len(phases)]])

    shown = with_details(list(listed_leaders().order_by("pk")))

    assert [leader.pk for leader in shown] == [leader.pk for leader in leaders]
    for index, leader in enumerate(shown):
        [designation] = leader.active_designations
        national = index == count - 1
        assert designation.kind == (Designation.Kind.NLE if national else Designation.Kind.SLE)
        assert designation.designated_by == ("" if national else f"Alliance {index}")
        assert [area.name for area in leader.areas_in_order] == [areas[index % len(areas)].name]
        assert leader.phases_in_order == [phases[index % len(phases)].name]
