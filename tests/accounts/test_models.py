import pytest
from django.contrib.auth.models import Group

from alliance_portal.accounts.models import User
from tests.factories import AllianceFactory, CoordinatorFactory, UserFactory
from tests.schools.test_models import refuses

pytestmark = pytest.mark.django_db


def test_it_signs_in_by_email_in_any_case(client):
    User.objects.create_user("Jo.Bloggs@Example.org", "a-long-password-1")

    assert User.objects.get().email == "jo.bloggs@example.org"
    response = client.post(
        "/accounts/login/", {"username": "JO.BLOGGS@example.org", "password": "a-long-password-1"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get().pk)


def test_it_refuses_the_same_email_twice_in_another_case():
    UserFactory(email="pat@example.org")

    assert refuses(lambda: User.objects.create(email="PAT@example.org"))


def test_it_makes_superusers_staff():
    admin = User.objects.create_superuser("root@example.org", "a-long-password-1")

    assert admin.is_staff and admin.is_superuser


def test_it_knows_a_coordinator_by_their_alliance():
    alliance = AllianceFactory(name="North Star Teaching Hub")

    assert CoordinatorFactory(alliance=alliance).is_coordinator
    assert not UserFactory(is_staff=True).is_coordinator


def test_it_keeps_the_coordinators_group_current_after_migrate():
    group = Group.objects.get(name="Coordinators")

    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"change_supportrequest", "change_leaderapplication", "view_school"} <= codenames
    assert "delete_supportrequest" not in codenames
