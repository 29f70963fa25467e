"""Each leader's stored search document follows what the directory shows (PostgreSQL)."""

import pytest
from django.db import connection

from leaders.directory import directory_leaders
from leaders.models import AreaOfExpertise
from tests.factories import DesignationFactory, LeaderFactory, SchoolFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the stored document is PostgreSQL's"
    ),
]


def found(words):
    return [leader.full_name for leader in directory_leaders({"q": words})]


@pytest.fixture
def leader():
    leader = LeaderFactory(full_name="Owen Price", public_profile_consent=True)
    DesignationFactory(leader=leader)
    return leader


def test_an_area_added_renamed_and_deleted_is_found_then_not(leader):
    area = AreaOfExpertise.objects.create(name="Xylophone teaching", slug="xylophone")
    leader.areas_of_expertise.add(area)
    assert found("xylophone") == ["Owen Price"]

    area.name = "Glockenspiel teaching"
    area.save()
    assert found("glockenspiel") == ["Owen Price"] and found("xylophone") == []

    area.delete()
    assert found("glockenspiel") == []


def test_the_home_schools_new_name_is_found(leader):
    leader.home_school = SchoolFactory(name="Oakfield Primary")
    leader.save()
    assert found("oakfield") == ["Owen Price"]

    school = leader.home_school
    school.name = "Beechwood Primary"
    school.save()

    assert found("beechwood") == ["Owen Price"] and found("oakfield") == []
