"""Coordinators decide expressions of interest: approve to designate, or reject with a reason."""

import pytest
from django.test import Client
from django.urls import reverse

from alliance_portal.accounts.groups import ensure_coordinator_group
from alliance_portal.notifications.models import OutboundEmail
from leaders.models import AreaOfExpertise, Designation, Leader, LeaderApplication
from tests.factories import AllianceFactory, CoordinatorFactory, LeaderFactory, SchoolFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alliance():
    return AllianceFactory(name="North Hub")


@pytest.fixture
def coordinator(alliance):
    user = CoordinatorFactory(alliance=alliance, full_name="Alice Archer")
    user.groups.add(ensure_coordinator_group())
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def application(alliance, **overrides):
    fields = {
        "full_name": "Sam Jones",
        "email": "sam.jones@school.example.org",
        "current_role": "Head of mathematics",
        "home_school": SchoolFactory(),
        "alliance": alliance,
        "designation_sought": "SLE",
        "statement": "I lead mathematics in a large primary.",
        "head_agrees_to_release": True,
        "head_name": "Pat Head",
        "head_email": "head@school.example.org",
        **overrides,
    }
    created = LeaderApplication.objects.create(**fields)
    created.areas_of_expertise.add(AreaOfExpertise.objects.get(slug="mathematics"))
    return created


def url(obj, action):
    return reverse(f"admin:leaders_leaderapplication_{action}", args=[obj.pk])


def test_it_designates_an_approved_applicant(coordinator, alliance):
    pending = application(alliance)

    response = coordinator.post(url(pending, "approve"), {"note": "Welcome aboard."})

    assert response.status_code == 302
    leader = Leader.objects.get(email="sam.jones@school.example.org")
    designation = leader.designations.get()
    assert (designation.kind, designation.alliance, designation.status) == (
        "SLE",
        alliance,
        "active",
    )
    assert designation.review_due_on > designation.designated_on
    assert [area.slug for area in leader.areas_of_expertise.all()] == ["mathematics"]
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by, pending.decision_note) == (
        "approved",
        coordinator.user,
        "Welcome aboard.",
    )
    email = OutboundEmail.objects.get(topic="application-decided")
    assert email.to == "sam.jones@school.example.org"
    assert "Specialist Leader of Education" in email.subject


def test_it_updates_a_leader_it_already_knows(coordinator, alliance):
    known = LeaderFactory(email="Sam.Jones@school.example.org", full_name="Samuel Jones")
    pending = application(alliance, designation_sought="LLE", head_agrees_to_release=False)

    coordinator.post(url(pending, "approve"))

    assert Leader.objects.filter(email__iexact="sam.jones@school.example.org").count() == 1
    known.refresh_from_db()
    assert known.full_name == "Sam Jones"
    assert known.designations.get().kind == "LLE"


def test_it_will_not_approve_a_second_active_designation_of_a_kind(coordinator, alliance):
    known = LeaderFactory(email="sam.jones@school.example.org")
    Designation.objects.create(
        leader=known, kind="SLE", alliance=alliance, designated_on="2024-09-01"
    )
    pending = application(alliance)

    response = coordinator.post(url(pending, "approve"), follow=True)

    assert "already holds an active SLE designation" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == "new"
    assert known.designations.count() == 1
    assert not OutboundEmail.objects.exists()


def test_it_leaves_national_designations_to_the_national_body(coordinator, alliance):
    pending = application(alliance, designation_sought="NLE", head_agrees_to_release=False)

    response = coordinator.post(url(pending, "approve"), follow=True)

    assert "designated nationally" in response.content.decode()
    assert not Designation.objects.exists()


def test_it_rejects_with_the_reason_the_applicant_is_told(coordinator, alliance):
    pending = application(alliance)

    coordinator.post(url(pending, "reject"), {"reason": "We need two years in a leadership role."})

    pending.refresh_from_db()
    assert pending.status == "rejected"
    assert not Leader.objects.exists()
    email = OutboundEmail.objects.get(topic="application-decided")
    assert "We need two years in a leadership role." in email.body_text


def test_it_needs_a_reason_to_reject(coordinator, alliance):
    pending = application(alliance)

    response = coordinator.post(url(pending, "reject"), {"reason": " "}, follow=True)

    assert "Give the reason the applicant will be told." in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == "new"


def test_it_decides_an_application_only_once(coordinator, alliance):
    pending = application(alliance)
    coordinator.post(url(pending, "reject"), {"reason": "Not this year."})

    response = coordinator.post(url(pending, "approve"), follow=True)

    assert "already rejected" in response.content.decode()
    assert not Designation.objects.exists()


def test_it_hides_another_alliances_application(coordinator):
    elsewhere = application(AllianceFactory(name="South Hub"))

    assert coordinator.post(url(elsewhere, "approve")).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.status == "new"


def test_it_offers_the_decision_on_the_change_page(coordinator, alliance):
    pending = application(alliance)

    page = coordinator.get(reverse("admin:leaders_leaderapplication_change", args=[pending.pk]))

    assert "Approve and designate as SLE" in page.content.decode()
    assert coordinator.get(url(pending, "approve")).status_code == 405
