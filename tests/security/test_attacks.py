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

import datetime
import re
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliance_portal.accounts.forms import SetPasswordForm
from alliance_portal.notifications.models import OutboundEmail
from alliance_portal.notifications.services import email_send_now
from alliance_portal.schools.models import Phase
from leaders.models import AreaOfExpertise, DeclaredConflict, Designation, Leader, LeaderApplication
from requests.models import SupportRequest
from requests.tracking import tracking_token
from tests import factories
from tests.admin.test_scoping import post_data
from tests.test_settings import run_manage

pytestmark = pytest.mark.django_db


coordinator_of = factories.coordinator_signed_in


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
    through_the_hash = coordinator.get(url, {"calendar_token_hash__startswith": "a"})

    # No answer tells the right first character from a wrong one.
    assert right.status_code == wrong.status_code == through_the_hash.status_code == 400
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

    response = coordinator.post(
        admin_url(DeclaredConflict, "add"),
        {"leader": leader.pk, "school": school.pk, "reason": "Keeps them off my rival's list"},
    )

    # Refused: the leader is not one the coordinator may choose (a valid form would save).
    assert response.status_code == 200
    assert "leader" in response.context["adminform"].form.errors
    assert not DeclaredConflict.objects.filter(leader=leader).exists()


def test_hole_3_a_coordinator_cannot_change_a_national_leaders_conflict():
    leader = national_leader()
    conflict = factories.DeclaredConflictFactory(leader=leader, reason="Chair of governors")
    coordinator = coordinator_of(factories.AllianceFactory())
    school = factories.SchoolFactory()

    response = coordinator.post(
        admin_url(DeclaredConflict, "change", conflict.pk),
        {"leader": leader.pk, "school": school.pk, "reason": "Changed"},
    )

    assert response.status_code in (403, 404)
    conflict.refresh_from_db()
    assert conflict.reason == "Chair of governors"


def test_hole_3_a_designation_gives_no_rights_over_a_national_leader():
    leader = national_leader(days_per_year=30)
    alliance = factories.AllianceFactory()
    coordinator = coordinator_of(alliance)

    added = coordinator.post(
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
    changed = coordinator.post(
        admin_url(Leader, "change", leader.pk), {**data, "days_per_year": "0"}
    )

    assert added.status_code == 200 and "leader" in added.context["adminform"].form.errors
    assert changed.status_code == 403

    leader.refresh_from_db()
    assert leader.days_per_year == 30
    assert not leader.designations.filter(alliance=alliance).exists()


# Hole 4: sign-in limits in the deployment the README describes.


def test_hole_4_failures_elsewhere_never_lock_the_real_coordinator_out(settings):
    """Behind the proxy, ten failures on the coordinator's address, from made-up clients."""
    settings.TRUSTED_PROXY_COUNT = 1
    coordinator = factories.CoordinatorFactory(email="coordinator@alder.example.org")
    for number in range(12):
        Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"203.0.113.{number}").post(
            "/accounts/login/", {"username": coordinator.email, "password": "wrong"}
        )

    real = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    real.post("/accounts/login/", {"username": coordinator.email, "password": PASSWORD})

    assert real.session.get("_auth_user_id") == str(coordinator.pk)


def test_hole_4_production_refuses_counters_kept_in_each_worker():
    result = run_manage("check", DEBUG="false", CACHE_URL="locmemcache://", **STRONG_KEY)

    assert result.returncode != 0, result.stdout


def test_hole_4_a_proxy_trusted_for_no_hops_is_reported():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        ALLOWED_HOSTS="portal.example.org",
        CACHE_URL="redis://127.0.0.1:6379/1",
        TRUSTED_PROXY_COUNT="0",
        **STRONG_KEY,
    )

    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT" in result.stdout + result.stderr


def test_hole_4_the_redis_client_is_in_the_requirements():
    requirements = (ROOT / "requirements" / "base.txt").read_text().lower().split()

    assert any(line.startswith("redis==") for line in requirements)


# Hole 5: the reset page tells known addresses from unknown ones.


def test_hole_5_the_reset_page_does_the_same_work_for_any_address(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    factories.UserFactory(email="amira@example.org")

    def work(email):
        with CaptureQueriesContext(connection) as queries:
            response = client.post("/accounts/password/reset/", {"email": email})
        shapes = [re.sub(r"'[^']*'|\b\d+\b", "?", q["sql"]) for q in queries.captured_queries]
        return response.status_code, response.get("Location"), shapes

    assert work("amira@example.org") == work("nobody@example.org")
    assert mail.outbox == []


def test_hole_5_a_reset_link_does_not_work_as_an_invitation(client, settings):
    settings.SITE_URL = "http://testserver"
    user = factories.UserFactory(email="amira@example.org")
    client.post("/accounts/password/reset/", {"email": "amira@example.org"})
    body = OutboundEmail.objects.get(to="amira@example.org").body_text
    uid, token = re.search(r"/accounts/password/reset/([^/\s]+)/([^/\s]+)/", body).groups()

    page = client.get(f"/accounts/invitation/{uid}/{token}/", follow=True)
    client.post(
        page.redirect_chain[-1][0]
        if page.redirect_chain
        else f"/accounts/invitation/{uid}/{token}/",
        {"new_password1": "violet-kettle-umbrella", "new_password2": "violet-kettle-umbrella"},
    )

    user.refresh_from_db()
    assert "_auth_user_id" not in client.session
    assert not user.check_password("violet-kettle-umbrella")


# Hole 6: headers and sessions.


def test_hole_6_pages_send_a_strict_content_security_policy(client):
    response = client.get("/")

    assert "script-src 'self'" in response.get("Content-Security-Policy", "")
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "camera=()" in response.get("Permissions-Policy", "")


def test_hole_6_private_pages_are_not_kept_in_caches():
    leader = factories.leader_with_designation()
    client = Client()
    client.force_login(leader.user)

    control = client.get("/my/").get("Cache-Control", "")

    assert "private" in control and "no-store" in control


def test_hole_6_a_staff_session_lasts_thirty_idle_minutes():
    coordinator = factories.CoordinatorFactory()
    client = Client()
    client.post("/accounts/login/", {"username": coordinator.email, "password": PASSWORD})

    assert client.session.get_expiry_age() <= 30 * 60


def test_hole_6_production_refuses_a_short_secret_key():
    result = run_manage("check", DEBUG="false", SECRET_KEY="short-but-set-1234567890")

    assert result.returncode != 0


def test_hole_6_a_password_carrying_the_email_name_is_refused():
    user = factories.UserFactory(email="jo.bloggs@school.example.org", full_name="Josephine Bloggs")
    form = SetPasswordForm(
        user, {"new_password1": "JoBloggs2026!", "new_password2": "JoBloggs2026!"}
    )

    assert not form.is_valid()
    assert "10 characters" in str(SetPasswordForm(user).fields["new_password1"].help_text)


# Hole 7: the privacy notice's promises.


def test_hole_7_records_closed_six_years_ago_are_anonymised():
    old = factories.SupportRequestFactory(
        contact_name="Olwen Oldfield", contact_email="olwen@old.example.org", status="evaluated"
    )
    long_ago = timezone.now() - datetime.timedelta(days=7 * 365)
    SupportRequest.objects.filter(pk=old.pk).update(status_changed_at=long_ago, closed_at=long_ago)

    call_command("apply_retention")

    assert not SupportRequest.objects.filter(contact_name="Olwen Oldfield").exists()
    assert not SupportRequest.history.filter(contact_name="Olwen Oldfield").exists()


def test_hole_7_a_sent_reset_link_does_not_stay_in_the_outbox(client, settings):
    settings.SITE_URL = "http://testserver"
    factories.UserFactory(email="amira@example.org")
    client.post("/accounts/password/reset/", {"email": "amira@example.org"})
    email = OutboundEmail.objects.get(to="amira@example.org")

    email_send_now(emails=[email])

    email.refresh_from_db()
    assert email.status == "sent"
    assert "/accounts/password/reset/" not in email.body_text + email.body_html


def test_hole_7_a_completed_request_does_not_keep_a_tracking_link_for_ever(client):
    done = factories.SupportRequestFactory(status="completed")
    SupportRequest.objects.filter(pk=done.pk).update(
        status_changed_at=timezone.now() - datetime.timedelta(days=400)
    )

    assert client.get(f"/track/{tracking_token(done)}/").status_code == 410


def test_hole_7_a_leader_loses_the_contacts_details_after_the_work():
    leader = factories.leader_with_designation()
    deployment = factories.AgreedDeploymentFactory(
        leader=leader,
        designation=leader.designations.get(),
        status="completed",
        completed_at=timezone.now() - datetime.timedelta(days=200),
        request__contact_email="head@oak.example.org",
    )
    client = Client()
    client.force_login(leader.user)

    page = client.get(f"/my/deployments/{deployment.pk}/").content.decode()

    assert "head@oak.example.org" not in page


def test_hole_7_deleting_a_request_in_the_admin_leaves_no_copies(admin_client):
    request = factories.SupportRequestFactory(contact_name="Delia Deleted")

    admin_client.post(
        f"/admin/support_requests/supportrequest/{request.pk}/delete/", {"post": "yes"}
    )

    gone = not SupportRequest.objects.filter(pk=request.pk).exists()
    copies = SupportRequest.history.filter(contact_name="Delia Deleted").exists()
    assert not (gone and copies)


def test_hole_7_one_file_holds_everything_about_a_person(tmp_path):
    factories.SupportRequestFactory(contact_name="Cerys Contact", contact_email="cerys@example.org")
    out = tmp_path / "cerys.json"

    call_command("personal_data", "export", "cerys@example.org", "--output", str(out))

    assert "Cerys Contact" in out.read_text()


def test_hole_7_withdrawn_consent_leaves_every_worker_at_once(monkeypatch):
    """Each worker process has its own page cache: switch between two of them."""
    from django.core.cache.backends.locmem import LocMemCache

    import leaders.directory
    import leaders.views

    def on(worker):
        monkeypatch.setattr(leaders.views, "page_cache", worker)
        monkeypatch.setattr(leaders.directory, "page_cache", worker)

    leader = factories.LeaderFactory(full_name="Ffion Public", public_profile_consent=True)
    factories.DesignationFactory(leader=leader)
    worker_a, worker_b = LocMemCache("worker-a", {}), LocMemCache("worker-b", {})
    on(worker_a)
    assert "Ffion Public" in Client().get("/leaders/").content.decode()
    on(worker_b)
    leader.public_profile_consent = False
    leader.save()
    on(worker_a)

    assert "Ffion Public" not in Client().get("/leaders/").content.decode()


PASSWORD = "correct-horse-battery"
ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = {"SECRET_KEY": "x7Qp-3vLr9Zt_Wm2Kd8Fs6Hj4Nb1Cy5Ge0Ua-Ti7Oe3Rw9Yq2Xs6Vz8Pl4Mk1Jn"}
