"""Schools that close or move local authority between imports are flagged for coordinators.

The import writes a SchoolChange for each alliance with open support requests
at the school or leaders working there; its coordinators see it in the admin
and acknowledge it.
"""

import pytest
from django.test import Client
from django.urls import reverse

from alliance_portal.accounts.groups import ensure_coordinator_group
from alliance_portal.schools import gias
from alliance_portal.schools.models import School, SchoolChange
from tests import factories
from tests.schools.test_import_schools import import_rows, register_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def school():
    """URN 100001, open, in Camden (202), as the last import left it."""
    camden = factories.LocalAuthorityFactory(code=202, name="Camden")
    return factories.SchoolFactory(urn=100001, local_authority=camden)


def test_a_school_that_closes_is_flagged_for_each_alliance_with_requests_or_leaders(
    tmp_path, school
):
    north, south, idle = (factories.AllianceFactory(name=n) for n in ("North", "South", "Idle"))
    factories.SupportRequestFactory.create_batch(2, school=school, alliance=north)
    factories.SupportRequestFactory(school=school, alliance=north, status="withdrawn")
    factories.LeaderFactory(home_school=school, managing_alliance=south)
    designated = factories.LeaderFactory(home_school=school)
    factories.DesignationFactory(leader=designated, alliance=south, status="active")
    factories.SupportRequestFactory(school=factories.SchoolFactory(urn=200001), alliance=idle)

    out, _ = import_rows(tmp_path, [register_row(100001, {gias.STATUS: "Closed"})])

    changes = SchoolChange.objects.order_by("alliance__name")
    assert [
        (c.alliance.name, c.school, c.description, c.open_requests, c.leaders, c.acknowledged_at)
        for c in changes
    ] == [("North", school, "Closed", 2, 0, None), ("South", school, "Closed", 0, 2, None)]
    assert (
        "Flagged for coordinators: 1 school with open requests or leaders that closed or "
        "moved local authority."
    ) in out.splitlines()


def test_a_school_that_moves_local_authority_is_flagged_saying_from_where_to_where(
    tmp_path, school
):
    request = factories.SupportRequestFactory(school=school)
    cells = {gias.LA_CODE: "909", gias.LA_NAME: "Cumbria"}

    import_rows(tmp_path, [register_row(100001, cells)])

    change = SchoolChange.objects.get()
    assert (change.alliance, change.closed, change.open_requests) == (request.alliance, False, 1)
    assert change.description == "Moved from Camden (202) to Cumbria (909)"


def test_a_school_that_closes_and_moves_is_flagged_once(tmp_path, school):
    factories.SupportRequestFactory(school=school)
    cells = {gias.STATUS: "Closed", gias.LA_CODE: "909", gias.LA_NAME: "Cumbria"}

    import_rows(tmp_path, [register_row(100001, cells)])

    assert SchoolChange.objects.get().description == (
        "Closed; moved from Camden (202) to Cumbria (909)"
    )


def test_nothing_is_flagged_without_open_requests_or_leaders(tmp_path, school):
    factories.SupportRequestFactory(school=school, status="evaluated")
    factories.LeaderFactory(home_school=school)  # nobody's: no alliance to tell

    out, _ = import_rows(tmp_path, [register_row(100001, {gias.STATUS: "Closed"})])

    assert SchoolChange.objects.count() == 0
    assert "Flagged" not in out


def test_other_changes_and_a_second_import_flag_nothing(tmp_path, school):
    factories.SupportRequestFactory(school=school)
    new_school = register_row(100002, {gias.STATUS: "Closed"})
    renamed = register_row(100001, {gias.NAME: "A new name", gias.STATUS: "Open"})

    import_rows(tmp_path, [renamed, new_school])
    assert School.objects.get(urn=100001).name == "A new name"
    closed = register_row(100001, {gias.STATUS: "Closed"})
    import_rows(tmp_path, [closed])
    import_rows(tmp_path, [closed])

    assert SchoolChange.objects.count() == 1


# --- In the admin -----------------------------------------------------------------------


def coordinator_client(alliance):
    coordinator = factories.CoordinatorFactory(alliance=alliance)
    coordinator.groups.add(ensure_coordinator_group())
    client = Client()
    client.force_login(coordinator)
    return client, coordinator


CHANGELIST = reverse("admin:schools_schoolchange_changelist")


def test_a_coordinator_sees_their_alliances_changes_only():
    mine = factories.SchoolChangeFactory(school__name="Oak Primary")
    factories.SchoolChangeFactory(school__name="Elm Primary")
    client, _ = coordinator_client(mine.alliance)

    page = client.get(CHANGELIST).content.decode()

    assert "Oak Primary" in page
    assert "Elm Primary" not in page


def test_a_coordinator_acknowledges_their_changes():
    change = factories.SchoolChangeFactory()
    others = factories.SchoolChangeFactory()
    client, coordinator = coordinator_client(change.alliance)

    response = client.post(
        CHANGELIST,
        {"action": "acknowledge", "_selected_action": [change.pk, others.pk]},
        follow=True,
    )

    change.refresh_from_db()
    others.refresh_from_db()
    assert (change.acknowledged_by, change.acknowledged_at is not None) == (coordinator, True)
    assert others.acknowledged_at is None
    assert "1 school change acknowledged." in response.content.decode()
    waiting = client.get(CHANGELIST, {"acknowledged": "no"}).content.decode()
    assert change.school.name not in waiting
