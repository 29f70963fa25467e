"""Coordinators decide expressions of interest: approve to designate, or reject with a reason."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from alliance_portal.accounts.groups import ensure_coordinator_group
from alliance_portal.notifications.models import OutboundEmail
from leaders.models import AreaOfExpertise, Designation, Leader, LeaderApplication
from tests.factories import (
    AllianceFactory,
    CoordinatorFactory,
    LeaderFactory,
    SchoolFactory,
    UserFactory,
)

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


def change_page(client, obj):
    return client.get(reverse("admin:leaders_leaderapplication_change", args=[obj.pk]))


def details(leader):
    leader.refresh_from_db()
    return (leader.full_name, leader.email, leader.phone, leader.job_title, leader.home_school_id)


def test_it_adds_a_designation_to_its_own_leader_without_touching_their_details(
    coordinator, alliance
):
    known = LeaderFactory(
        email="Sam.Jones@school.example.org", full_name="Samuel Jones", phone="01234 567890"
    )
    Designation.objects.create(
        leader=known, kind="SLE", alliance=alliance, designated_on="2024-09-01"
    )
    known.managing_alliance = alliance
    known.save()
    before = details(known)
    pending = application(
        alliance, designation_sought="LLE", head_agrees_to_release=False, phone="0000"
    )

    response = coordinator.post(url(pending, "approve"), follow=True)

    assert Leader.objects.filter(email__iexact="sam.jones@school.example.org").count() == 1
    assert details(known) == before
    assert known.designations.get(kind="LLE").status == Designation.Status.ACTIVE
    assert "their details were not changed" in response.content.decode()
    email = OutboundEmail.objects.get(topic="application-decided")
    assert email.to == "Sam.Jones@school.example.org"
    assert "Dear Samuel Jones" in email.body_text


@pytest.mark.parametrize("whose", ["another alliance", "national", "administrators"])
def test_a_designation_for_someone_elses_leader_waits_for_the_leaders_confirmation(
    coordinator, alliance, whose
):
    other = AllianceFactory(name="Eastern Hub")
    known = LeaderFactory(email="sam.jones@school.example.org", full_name="Samuel Jones")
    if whose == "another alliance":
        Designation.objects.create(
            leader=known, kind="SLE", alliance=other, designated_on="2024-09-01"
        )
        known.managing_alliance = other
        known.save()
    elif whose == "national":
        Designation.objects.create(leader=known, kind="NLE", designated_on="2024-09-01")
    before = details(known)
    pending = application(
        alliance, email="SAM.JONES@SCHOOL.EXAMPLE.ORG", full_name="Mallory", phone="0000"
    )
    pending.designation_sought = "LLE"
    pending.save()

    page = change_page(coordinator, pending).content.decode()
    response = coordinator.post(url(pending, "approve"), follow=True)

    assert "This email address is already in the portal" in page
    kept_by = "Eastern Hub" if whose == "another alliance" else "the portal's administrators"
    assert f"kept by <strong>{kept_by}</strong>" in page or f"kept by {kept_by}" in page
    assert "will wait until Samuel Jones confirms it" in page
    assert details(known) == before
    waiting = known.designations.get(kind="LLE")
    assert (waiting.status, waiting.alliance) == (Designation.Status.PENDING, alliance)
    assert "their details were not changed" in response.content.decode()
    email = OutboundEmail.objects.get(topic="designation-confirmation")
    assert email.to == "sam.jones@school.example.org"
    assert "Dear Samuel Jones" in email.body_text
    # No rights over the leader's record: a national leader is seen (for matching) and
    # not changed; anyone else's leader is not even seen until they confirm.
    leader_page = coordinator.get(reverse("admin:leaders_leader_change", args=[known.pk]))
    assert leader_page.status_code == (200 if whose == "national" else 404)
    assert 'name="_save"' not in leader_page.content.decode()


def test_the_leader_confirms_while_signed_in_and_the_alliance_still_cannot_change_them(
    coordinator, alliance
):
    other = AllianceFactory(name="Eastern Hub")
    known = LeaderFactory(email="sam.jones@school.example.org", user=UserFactory())
    Designation.objects.create(leader=known, kind="SLE", alliance=other, designated_on="2024-09-01")
    known.managing_alliance = other
    known.save()
    pending = application(alliance, designation_sought="LLE", head_agrees_to_release=False)
    coordinator.post(url(pending, "approve"))
    waiting = known.designations.get(kind="LLE")
    leader_client = Client()
    leader_client.force_login(known.user)

    dashboard = leader_client.get("/my/").content.decode()
    answered = leader_client.post(
        f"/my/designations/{waiting.pk}/answer/", {"answer": "confirm"}, follow=True
    )

    assert "North Hub would like to designate you as a Local Leader of Education" in dashboard
    assert "You are now a Local Leader of Education with North Hub." in answered.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == Designation.Status.ACTIVE
    told = OutboundEmail.objects.get(subject__contains="confirmed the LLE designation")
    assert told.to == coordinator.user.email
    page = coordinator.get(reverse("admin:leaders_leader_change", args=[known.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    posted = coordinator.post(
        reverse("admin:leaders_leader_change", args=[known.pk]), {"email": "mallory@evil.test"}
    )
    assert posted.status_code == 403
    known.refresh_from_db()
    assert known.email == "sam.jones@school.example.org"


def test_the_leader_refuses_a_designation_they_did_not_ask_for(coordinator, alliance):
    known = LeaderFactory(email="sam.jones@school.example.org", user=UserFactory())
    Designation.objects.create(leader=known, kind="NLE", designated_on="2024-09-01")
    pending = application(alliance, designation_sought="LLE", head_agrees_to_release=False)
    coordinator.post(url(pending, "approve"))
    waiting = known.designations.get(kind="LLE")
    leader_client = Client()
    leader_client.force_login(known.user)

    answered = leader_client.post(
        f"/my/designations/{waiting.pk}/answer/", {"answer": "refuse"}, follow=True
    )

    assert "You refused the designation. We have told North Hub." in answered.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == Designation.Status.REFUSED
    assert "Refused by the leader" in waiting.notes
    assert OutboundEmail.objects.filter(subject__contains="refused the LLE designation").exists()


def test_only_the_leader_can_answer_and_only_once(coordinator, alliance):
    known = LeaderFactory(email="sam.jones@school.example.org", user=UserFactory())
    Designation.objects.create(leader=known, kind="NLE", designated_on="2024-09-01")
    pending = application(alliance, designation_sought="LLE", head_agrees_to_release=False)
    coordinator.post(url(pending, "approve"))
    waiting = known.designations.get(kind="LLE")
    answer_url = f"/my/designations/{waiting.pk}/answer/"
    someone_else = Client()
    someone_else.force_login(LeaderFactory(user=UserFactory()).user)

    assert someone_else.post(answer_url, {"answer": "confirm"}).status_code == 404
    assert coordinator.post(answer_url, {"answer": "confirm"}).status_code == 404
    leader_client = Client()
    leader_client.force_login(known.user)
    junk = leader_client.post(answer_url, {"answer": "maybe"}, follow=True)
    assert "Choose Confirm or Refuse." in junk.content.decode()
    leader_client.post(answer_url, {"answer": "refuse"})
    again = leader_client.post(answer_url, {"answer": "confirm"}, follow=True)
    assert "no longer waiting for your answer" in again.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == Designation.Status.REFUSED


def test_the_reviewer_is_told_when_the_address_signs_in_as_staff(coordinator, alliance):
    CoordinatorFactory(email="sam.jones@school.example.org", alliance=AllianceFactory(name="West"))
    pending = application(alliance)

    page = change_page(coordinator, pending).content.decode()

    assert "signs in to the portal already, as a member of staff" in page
    assert "West" not in page


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


def test_approval_in_one_step_sets_the_days_and_invites_the_new_leader(coordinator, alliance):
    pending = application(alliance)

    response = coordinator.post(url(pending, "approve"), {"days_per_year": "12.5"}, follow=True)

    leader = Leader.objects.get(email="sam.jones@school.example.org")
    assert leader.days_per_year == Decimal("12.5")
    assert leader.user is not None and not leader.user.has_usable_password()
    invitation = OutboundEmail.objects.get(topic="leader-invitation")
    assert invitation.to == "sam.jones@school.example.org"
    assert "with 12.5 days a year, and has been emailed an invitation to sign in" in (
        response.content.decode()
    )


def test_an_approval_without_days_gives_the_usual_ten_and_refuses_nonsense(coordinator, alliance):
    refused = application(alliance)
    coordinator.post(url(refused, "approve"), {"days_per_year": "0"})
    refused.refresh_from_db()
    assert refused.status == "new"
    assert not Leader.objects.exists()

    coordinator.post(url(refused, "approve"))

    assert Leader.objects.get().days_per_year == Decimal(10)
