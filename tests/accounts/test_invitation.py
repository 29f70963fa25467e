"""Inviting a leader to sign in: the admin action, the service and the one-time link."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError

from alliance_portal.accounts.groups import ensure_coordinator_group
from alliance_portal.accounts.models import User
from alliance_portal.accounts.services import leader_invite
from alliance_portal.accounts.tokens import invitation_token_generator
from alliance_portal.notifications.models import OutboundEmail
from leaders.models import Leader
from tests.factories import (
    AllianceFactory,
    CoordinatorFactory,
    DesignationFactory,
    LeaderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "violet-kettle-umbrella"
LINK = re.compile(r"http://testserver(/accounts/invitation/[^/\s]+/[^/\s]+/)")


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def alliance():
    return AllianceFactory()


@pytest.fixture
def coordinator(alliance):
    user = CoordinatorFactory(alliance=alliance)
    user.groups.add(ensure_coordinator_group())
    return user


@pytest.fixture
def leader(alliance):
    leader = LeaderFactory(full_name="Amira Khan", email="Amira.Khan@school.example.org")
    DesignationFactory(leader=leader, alliance=alliance)
    return leader


def invitation_link(email=None):
    email = email or OutboundEmail.objects.filter(topic="leader-invitation").latest("pk")
    return LINK.search(email.body_text).group(1)


def invite_through_admin(client, user, *leaders):
    client.force_login(user)
    return client.post(
        "/admin/leaders/leader/",
        {"action": "invite_to_sign_in", "_selected_action": [leader.pk for leader in leaders]},
        follow=True,
    )


def set_password(client, link, password=NEW_PASSWORD):
    form = client.get(link, follow=True)
    return form, client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"new_password1": password, "new_password2": password},
    )


def test_the_action_creates_and_links_a_login_and_queues_the_email(client, coordinator, leader):
    response = invite_through_admin(client, coordinator, leader)

    assert "Invitation sent to 1 leader(s)." in response.content.decode()
    leader.refresh_from_db()
    user = leader.user
    assert user.email == "amira.khan@school.example.org"
    assert user.full_name == "Amira Khan"
    assert not user.has_usable_password()
    assert not user.is_staff
    email = OutboundEmail.objects.get(topic="leader-invitation")
    assert email.to == "amira.khan@school.example.org"
    assert "Dear Amira Khan" in email.body_text
    assert invitation_link(email) in email.body_html


def test_the_link_sets_the_password_and_signs_the_leader_in(client, leader, coordinator):
    leader_invite(leader=leader, actor=coordinator)
    link = invitation_link()

    form, response = set_password(client, link)

    assert "Set your password" in form.content.decode()
    assert response.status_code == 302
    assert response.url == "/my/"
    leader.refresh_from_db()
    assert leader.user.check_password(NEW_PASSWORD)
    assert client.session["_auth_user_id"] == str(leader.user.pk)


def test_a_used_link_is_refused(client, leader, coordinator):
    leader_invite(leader=leader, actor=coordinator)
    link = invitation_link()
    set_password(client, link)
    client.logout()

    form, response = set_password(client, link, password="another-pass-phrase")

    assert "This link does not work" in form.content.decode()
    leader.refresh_from_db()
    assert leader.user.check_password(NEW_PASSWORD)


def test_an_expired_link_is_refused(client, leader, coordinator, settings, monkeypatch):
    leader_invite(leader=leader, actor=coordinator)
    link = invitation_link()
    assert settings.PASSWORD_RESET_TIMEOUT == 5 * 24 * 3600
    issued = invitation_token_generator._now()
    later = issued + datetime.timedelta(days=5, seconds=1)
    monkeypatch.setattr(invitation_token_generator, "_now", lambda: later)

    form, response = set_password(client, link)

    assert "This link does not work" in form.content.decode()
    leader.refresh_from_db()
    assert not leader.user.has_usable_password()


def test_a_tampered_link_is_refused(client, leader, coordinator):
    leader_invite(leader=leader, actor=coordinator)
    link = invitation_link()
    tampered = link[:-3] + ("a" if link[-3] != "a" else "b") + link[-2:]

    form, response = set_password(client, tampered)

    assert "This link does not work" in form.content.decode()
    leader.refresh_from_db()
    assert not leader.user.has_usable_password()


def test_a_link_for_another_user_is_refused(client, leader, coordinator):
    leader_invite(leader=leader, actor=coordinator)
    other = LeaderFactory()
    leader_invite(leader=other, actor=coordinator)
    mine = invitation_link(OutboundEmail.objects.get(to=leader.user.email))
    theirs = invitation_link(OutboundEmail.objects.get(to=other.user.email))
    mixed = mine.split("/")[:4] + theirs.split("/")[4:]

    form, response = set_password(client, "/".join(mixed))

    assert "This link does not work" in form.content.decode()


def test_reinviting_sends_a_fresh_link_to_the_same_login(leader, coordinator, monkeypatch):
    leader_invite(leader=leader, actor=coordinator)
    first = invitation_link()
    later = invitation_token_generator._now() + datetime.timedelta(seconds=5)
    monkeypatch.setattr(invitation_token_generator, "_now", lambda: later)

    leader_invite(leader=leader, actor=coordinator)

    assert User.objects.filter(email__iexact=leader.email).count() == 1
    assert OutboundEmail.objects.filter(topic="leader-invitation").count() == 2
    assert invitation_link() != first


def test_it_links_an_existing_plain_login_with_the_same_email(leader, coordinator):
    existing = UserFactory(email="amira.khan@school.example.org")

    assert leader_invite(leader=leader, actor=coordinator) == existing
    leader.refresh_from_db()
    assert leader.user == existing


def test_it_refuses_to_link_a_staff_login(leader, coordinator):
    UserFactory(email="amira.khan@school.example.org", is_staff=True)

    with pytest.raises(ValidationError):
        leader_invite(leader=leader, actor=coordinator)

    leader.refresh_from_db()
    assert leader.user is None
    assert not OutboundEmail.objects.exists()


def test_a_coordinator_cannot_invite_another_alliances_leader(client, leader):
    other_coordinator = CoordinatorFactory()
    other_coordinator.groups.add(ensure_coordinator_group())

    response = invite_through_admin(client, other_coordinator, leader)

    assert response.status_code == 200
    leader.refresh_from_db()
    assert leader.user is None
    assert not OutboundEmail.objects.exists()


def test_a_coordinator_cannot_invite_a_national_leader_they_only_see(client, coordinator):
    national = LeaderFactory()
    DesignationFactory(leader=national, kind="NLE", alliance=None)

    response = invite_through_admin(client, coordinator, national)

    assert "1 leader(s) not invited" in response.content.decode()
    assert Leader.objects.get(pk=national.pk).user is None
    assert not OutboundEmail.objects.exists()


def test_a_superuser_invites_any_leader(client, leader, superuser):
    invite_through_admin(client, superuser, leader)

    leader.refresh_from_db()
    assert leader.user is not None
    assert OutboundEmail.objects.filter(to=leader.user.email).exists()
