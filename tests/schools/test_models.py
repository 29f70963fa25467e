import pytest
from django.db import IntegrityError, transaction

from alliance_portal.schools.models import School
from tests.factories import AllianceFactory, SchoolFactory


def refuses(create, constraint=None):
    """True when the database itself rejects the row (by the named check constraint, if given).

    Both SQLite and PostgreSQL name a failed check constraint in their message,
    so a test cannot pass because some other rule fired.
    """
    try:
        with transaction.atomic():
            create()
    except IntegrityError as error:
        return constraint is None or constraint in str(error)
    return False


@pytest.mark.django_db
class TestSchool:
    def test_it_refuses_a_second_school_with_the_same_urn(self):
        SchoolFactory(urn=123456)

        assert refuses(lambda: SchoolFactory(urn=123456))
        assert School.objects.filter(urn=123456).count() == 1

    def test_it_refuses_a_zero_urn(self):
        assert refuses(
            lambda: School.objects.create(urn=0, name="Nowhere School"), "school_urn_positive"
        )

    def test_it_measures_straight_line_distance_from_grid_references(self):
        here = SchoolFactory(easting=530000, northing=180000)
        there = SchoolFactory(easting=533000, northing=184000)

        assert here.distance_km(there) == pytest.approx(5.0)

    def test_it_has_no_distance_without_a_grid_reference(self):
        here = SchoolFactory(easting=None, northing=None)

        assert here.distance_km(SchoolFactory()) is None

    def test_it_finds_schools_by_urn_name_or_postcode(self):
        school = SchoolFactory(
            urn=140001, name="St Mary’s Church of England Primary", postcode="NW1 2AB"
        )
        SchoolFactory(name="Elsewhere Academy", postcode="SE1 9ZZ")

        assert list(School.objects.search("140001")) == [school]
        assert list(School.objects.search("mary’s")) == [school]
        assert list(School.objects.search("nw1")) == [school]


@pytest.mark.django_db
def test_it_allows_only_one_default_alliance():
    AllianceFactory(is_default=True)
    AllianceFactory(is_default=False)

    assert refuses(lambda: AllianceFactory(is_default=True))
