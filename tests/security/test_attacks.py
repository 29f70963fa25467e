"""The attacks of issue 9, tried the way they were first found.

Each test is an attack through the portal's own front doors (the public forms,
the admin, the leader's pages), written against what both the old and the new
code have, so the same file shows the hole on the old main and its absence
now:

    git worktree add /tmp/old a5e2803
    cp tests/security/test_attacks.py /tmp/old/tests/security/  # with __init__.py
    (cd /tmp/old && .venv/bin/python -m pytest tests/security)   # fails
    .venv/bin/python -m pytest tests/security                    # passes

Tests for the fixes themselves, in depth, live beside the code they cover.
"""

import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from alliance_portal.accounts.groups import ensure_coordinator_group
from alliance_portal.schools.models import Phase
from leaders.models import AreaOfExpertise, DeclaredConflict, Designation, Leader, LeaderApplication
from tests import factories
from tests.admin.test_scoping import post_data

pytestmark = pytest.mark.django_db


def coordinator_of(alliance):
    user = factories.CoordinatorFactory(alliance=alliance)
    user.groups.add(ensure_coordinator_group())
    client = Client()
    client.force_login(user)
    return client


def admin_url(model, action, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def national_leader(**fields):
    leader = factories.LeaderFactory(**fields)
    factories.DesignationFactory(leader=leader, kind="NLE", alliance=None)
    return leader


# Hole 1: a public application takes over another alliance's leader.


def test_hole_1_a_public_application_cannot_take_over_another_alliances_leader(client):
    alder = factories.AllianceFactory(name="Alder Alliance")
    birch = factories.AllianceFactory(name="Birch Alliance")
    birch_area = factories.LocalAuthorityFactory(code=930, name="Birchshire")
    birch.local_authorities.add(birch_area)
    school_in_birch = factories.SchoolFactory(local_authority=birch_area)
    leader = factories.LeaderFactory(
        full_name="Lena Original",
        email="lena@alder.example.org",
        phone="01234 111111",
        job_title="Headteacher",
        user=factories.UserFactory(),
        public_profile_consent=True,
    )
    factories.DesignationFactory(leader=leader, alliance=alder)
    home_school = leader.home_school_id
    birch_coordinator = coordinator_of(birch)

    sent = client.post(
        "/become-a-leader/",
        {
            "full_name": "Mallory Attacker",
            "email": "LENA@ALDER.EXAMPLE.ORG",
            "phone": "07700 900666",
            "current_role": "Consultant",
            "school_urn": str(school_in_birch.urn),
            "school_name": "",
            "designation_sought": "LLE",
            "areas_of_expertise": [AreaOfExpertise.objects.first().pk],
            "phases": [Phase.objects.first().pk],
            "statement": "Let me in.",
            "experience": "",
            "privacy_consent": "on",
        },
    )
    assert sent.status_code == 302
    application = LeaderApplication.objects.get()
    assert application.alliance == birch
    birch_coordinator.post(admin_url(LeaderApplication, "approve", application.pk))

    leader.refresh_from_db()
    assert leader.full_name == "Lena Original"
    assert leader.phone == "01234 111111"
    assert leader.job_title == "Headteacher"
    assert leader.home_school_id == home_school
    assert not leader.designations.filter(alliance=birch, status="active").exists()
    page = birch_coordinator.get(admin_url(Leader, "change", leader.pk))
    assert 'name="_save"' not in page.content.decode()
    birch_coordinator.post(
        admin_url(Leader, "change", leader.pk),
        {"full_name": "Mallory Attacker", "email": "mallory@evil.test", "days_per_year": "1"},
    )
    leader.refresh_from_db()
    assert leader.email == "lena@alder.example.org"
    assert "Lena Original" in client.get(f"/leaders/{leader.pk}/").content.decode()


# Hole 2: a secret read one character at a time through an admin filter.


def test_hole_2_a_calendar_secret_cannot_be_read_through_admin_filters(settings):
    settings.SITE_URL = "https://portal.example.org"
    leader = national_leader(user=factories.UserFactory())
    own = Client()
    own.force_login(leader.user)
    page = own.post("/my/calendar/", follow=True).content.decode()
    token = re.search(r"/calendar/([^\"]+)\.ics", page).group(1)
    coordinator = coordinator_of(factories.AllianceFactory())
    url = admin_url(Leader, "changelist")

    right = coordinator.get(url, {"calendar_token__startswith": token[:1]})
    wrong = coordinator.get(url, {"calendar_token__startswith": "~"})

    # No answer tells the right first character from a wrong one.
    assert right.status_code == wrong.status_code == 400
    # And the database holds no copy of the secret to read.
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                assert not any(token in str(value) for value in row), table


# Hole 3: side doors into a national leader's record.


def test_hole_3_a_coordinator_cannot_declare_a_conflict_for_a_national_leader():
    leader = national_leader()
    coordinator = coordinator_of(factories.AllianceFactory())
    school = factories.SchoolFactory()

    coordinator.post(
        admin_url(DeclaredConflict, "add"),
        {"leader": leader.pk, "school": school.pk, "reason": "Keeps them off my rival's list"},
    )

    assert not DeclaredConflict.objects.filter(leader=leader).exists()


def test_hole_3_a_coordinator_cannot_change_a_national_leaders_conflict():
    leader = national_leader()
    conflict = factories.DeclaredConflictFactory(leader=leader, reason="Chair of governors")
    coordinator = coordinator_of(factories.AllianceFactory())
    school = factories.SchoolFactory()

    coordinator.post(
        admin_url(DeclaredConflict, "change", conflict.pk),
        {"leader": leader.pk, "school": school.pk, "reason": "Changed"},
    )

    conflict.refresh_from_db()
    assert conflict.reason == "Chair of governors"


def test_hole_3_a_designation_gives_no_rights_over_a_national_leader():
    leader = national_leader(days_per_year=30)
    alliance = factories.AllianceFactory()
    coordinator = coordinator_of(alliance)

    coordinator.post(
        admin_url(Designation, "add"),
        {
            "leader": leader.pk,
            "kind": "LLE",
            "alliance": alliance.pk,
            "designated_on": "2026-09-01",
            "status": "active",
        },
    )
    # The page as the coordinator sees it, posted back with the days set to 0.
    data = post_data(coordinator.get(admin_url(Leader, "change", leader.pk)))
    coordinator.post(admin_url(Leader, "change", leader.pk), {**data, "days_per_year": "0"})

    leader.refresh_from_db()
    assert leader.days_per_year == 30
    assert not leader.designations.filter(alliance=alliance).exists()
