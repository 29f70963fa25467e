"""A coordinator whose browser runs no JavaScript can still fill every box.

Search-as-you-type boxes (schools, trusts, leaders, logins) come with a plain box
inside <noscript> for the record's number; short lists (alliances, areas, phases)
are a plain list and tick boxes. A crafted number is a form error, never a 500.
"""

import pytest
from django.test import Client

from alliance_portal.accounts.groups import ensure_coordinator_group
from leaders.models import DeclaredConflict
from tests import factories

pytestmark = pytest.mark.django_db

ADD_CONFLICT = "/admin/leaders/declaredconflict/add/"


@pytest.fixture
def coordinator_client():
    alliance = factories.AllianceFactory()
    coordinator = factories.CoordinatorFactory(alliance=alliance)
    coordinator.groups.add(ensure_coordinator_group())
    client = Client()
    client.force_login(coordinator)
    client.alliance = alliance
    return client


@pytest.fixture
def leader(coordinator_client):
    leader = factories.LeaderFactory(full_name="Owen Price")
    factories.DesignationFactory(leader=leader, alliance=coordinator_client.alliance)
    return leader


def test_each_search_box_has_a_plain_box_for_the_number(coordinator_client):
    page = coordinator_client.get(ADD_CONFLICT).content.decode()

    assert page.count("<noscript>") == 3
    assert '<label for="id_school__number">Or type the school number</label>' in page
    assert 'name="leader__number"' in page and 'name="trust__number"' in page
    assert "The number is in the address of the school’s page in the admin" in page


def test_a_conflict_is_recorded_from_the_plain_boxes(coordinator_client, leader):
    school = factories.SchoolFactory(name="Oakfield Primary School")

    response = coordinator_client.post(
        ADD_CONFLICT,
        {
            "leader__number": str(leader.pk),
            "school__number": f" {school.pk} ",
            "trust__number": "",
            "reason": "Chair of governors there.",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    conflict = DeclaredConflict.objects.get()
    assert (conflict.leader, conflict.school, conflict.trust) == (leader, school, None)


@pytest.mark.parametrize("typed", ["Oakfield", "99999999999999999999", "12; DROP", "-1"])
def test_a_number_that_is_no_record_is_a_form_error(coordinator_client, leader, typed):
    response = coordinator_client.post(
        ADD_CONFLICT,
        {"leader__number": str(leader.pk), "school__number": typed, "reason": "x"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["school"]
    assert not DeclaredConflict.objects.exists()
    # What was typed is not shown back as a chosen school.
    assert f'value="{typed}" selected' not in response.content.decode()


def test_short_lists_are_plain_lists_and_tick_boxes(coordinator_client):
    factories.AreaOfExpertiseFactory(name="Early reading")

    page = coordinator_client.get("/admin/support_requests/supportrequest/add/").content.decode()

    assert '<select name="alliance"' in page and 'id="id_alliance"' in page
    assert "data-autocomplete-light" not in page
    assert 'type="checkbox" name="areas_of_expertise"' in page
    assert 'name="school__number"' in page
