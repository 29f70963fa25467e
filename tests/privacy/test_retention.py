"""The scheduled retention anonymises people's details in records closed six years ago,
everywhere a copy lives, and leaves every count and outcome as it was."""

import datetime

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from alliance_portal.notifications.models import OutboundEmail
from alliance_portal.notifications.services import email_queue
from alliance_portal.pages.models import Submission
from alliance_portal.privacy.anonymise import apply_retention
from alliance_portal.reports.dashboard import dashboard_figures
from deployments.models import ImpactReport, ObjectiveImpact, SchoolEvaluation
from leaders.models import Designation, Leader, LeaderApplication
from requests.models import SupportRequest
from tests.factories import (
    AgreedDeploymentFactory,
    DesignationFactory,
    LeaderFactory,
    ObjectiveFactory,
    PlannedSessionFactory,
    SupportLogFactory,
    SupportRequestFactory,
    UserFactory,
)
from tests.privacy import tables_holding

pytestmark = pytest.mark.django_db

NOW = timezone.now()
SEVEN_YEARS_AGO = NOW - datetime.timedelta(days=7 * 365)
ONE_YEAR_AGO = NOW - datetime.timedelta(days=365)


def evaluated_request(when, *, name, email, phone):
    support_request = SupportRequestFactory(
        contact_name=name,
        contact_email=email,
        contact_phone=phone,
        other_circumstances=f"{name} is new in post.",
        outcomes_sought=f"{name} wants the maths team to plan together.",
        status="evaluated",
    )
    support_request.events.create(
        to_status="new", actor_label=f"{name}, {support_request.school_display_name}"
    )
    support_request.events.create(
        from_status="new", to_status="triaged", note=f"Rang {name} on {phone}."
    )
    deployment = AgreedDeploymentFactory(
        request=support_request, status="completed", signed_by=name, completed_at=when
    )
    objective = ObjectiveFactory(deployment=deployment)
    SupportLogFactory(deployment=deployment, notes=f"Met {name} and the maths lead.")
    PlannedSessionFactory(deployment=deployment, note=f"Ask {name} for the data.")
    report = ImpactReport.objects.create(
        deployment=deployment, summary=f"{name} led the changes.", submitted_at=when
    )
    ObjectiveImpact.objects.create(
        report=report, objective=objective, rating="green", evidence=f"{name}'s data."
    )
    evaluation = SchoolEvaluation.objects.create(
        deployment=deployment,
        satisfaction=5,
        would_use_again="yes",
        submitted_at=when,
        comments=f"Thank you from {name}.",
        submitted_by_name=name,
    )
    email_queue(
        to=email, template="request_received_school", context={"support_request": support_request}
    )
    SupportRequest.objects.filter(pk=support_request.pk).update(
        status_changed_at=when, closed_at=when
    )
    support_request.refresh_from_db()
    return support_request, deployment, evaluation


@pytest.fixture
def old():
    return evaluated_request(
        SEVEN_YEARS_AGO, name="Olwen Oldfield", email="olwen@old.example.org", phone="01632 960001"
    )


@pytest.fixture
def recent():
    return evaluated_request(
        ONE_YEAR_AGO, name="Rhian Recent", email="rhian@new.example.org", phone="01632 960002"
    )


def test_it_removes_an_old_contact_from_every_table(old, recent):
    support_request, deployment, _ = old
    assert "support_requests_historicalsupportrequest" in tables_holding("Olwen Oldfield")

    summary = apply_retention(now=NOW)

    assert summary.requests == [support_request.reference]
    assert tables_holding("Olwen Oldfield", "olwen@old.example.org", "01632 960001") == set()
    support_request.refresh_from_db()
    assert support_request.contact_name == "Removed"
    assert support_request.contact_email.endswith("@anonymised.invalid")
    assert support_request.anonymised_at is not None
    assert [e.actor_label for e in support_request.events.all()] == ["The school", ""]
    deployment.refresh_from_db()
    assert deployment.signed_by == "Removed"


def test_it_leaves_records_inside_their_retention_period(old, recent):
    apply_retention(now=NOW)

    assert "support_requests_supportrequest" in tables_holding("Rhian Recent")
    assert recent[0].contact_email in {r.contact_email for r in SupportRequest.objects.all()}


def test_it_leaves_every_count_and_outcome_as_it_was(old, recent, superuser):
    def counts():
        figures = dashboard_figures(superuser, now=NOW)
        return (
            [(s.status, s.count) for s in figures.states],
            [(c.kind if hasattr(c, "kind") else str(c)) for c in figures.capacity],
            [str(m) for m in figures.months],
            sorted(ObjectiveImpact.objects.values_list("rating", flat=True)),
            sorted(SchoolEvaluation.objects.values_list("satisfaction", flat=True)),
            sorted(SupportRequest.objects.values_list("status", "estimated_days")),
        )

    before = counts()
    apply_retention(now=NOW)

    assert counts() == before


def test_it_never_touches_open_work(superuser):
    waiting = SupportRequestFactory(contact_name="Wanda Waiting", status="matching")
    SupportRequest.objects.filter(pk=waiting.pk).update(status_changed_at=SEVEN_YEARS_AGO)

    assert apply_retention(now=NOW).requests == []
    assert "support_requests_supportrequest" in tables_holding("Wanda Waiting")


def old_leader():
    leader = LeaderFactory(
        full_name="Lorna Longgone",
        email="lorna@gone.example.org",
        phone="07700 900123",
        bio="Lorna taught for thirty years.",
        user=UserFactory(email="lorna@gone.example.org", full_name="Lorna Longgone"),
        public_profile_consent=True,
    )
    DesignationFactory(leader=leader, status=Designation.Status.LAPSED)
    LeaderApplication.objects.create(
        full_name="Lorna Longgone",
        email="LORNA@gone.example.org",
        current_role="Head",
        school_name_given="Somewhere",
        alliance=leader.designations.get().alliance,
        designation_sought="LLE",
        statement="Lorna's statement.",
        status="approved",
        decided_at=SEVEN_YEARS_AGO,
    )
    deployment = AgreedDeploymentFactory(
        leader=leader,
        designation=leader.designations.get(),
        status="completed",
        completed_at=SEVEN_YEARS_AGO,
    )
    staff = UserFactory(is_staff=True)
    for obj in (leader, deployment, leader.designations.get()):
        LogEntry.objects.create(
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            object_repr=str(obj),
            action_flag=CHANGE,
            change_message=f'[{{"changed": {{"name": "note", "object": "{obj}"}}}}]',
            user=staff,
        )
    Leader.objects.filter(pk=leader.pk).update(updated_at=SEVEN_YEARS_AGO)
    Designation.objects.filter(leader=leader).update(updated_at=SEVEN_YEARS_AGO)
    from deployments.models import Deployment

    Deployment.objects.filter(pk=deployment.pk).update(updated_at=SEVEN_YEARS_AGO)
    return leader


def test_it_removes_a_leader_whose_work_ended_long_ago(client):
    leader = old_leader()
    current = LeaderFactory(full_name="Carys Current")
    DesignationFactory(leader=current)
    Leader.objects.filter(pk=current.pk).update(updated_at=SEVEN_YEARS_AGO)

    summary = apply_retention(now=NOW)

    assert summary.leaders == [leader.pk]
    assert tables_holding("Lorna Longgone", "lorna@gone.example.org", "07700 900123") == set()
    leader.refresh_from_db()
    assert leader.full_name == f"Former leader {leader.pk}"
    assert not leader.public_profile_consent
    assert not leader.user.is_active
    # Their old login cannot sign in again.
    assert (
        client.post(
            "/accounts/login/",
            {"username": "lorna@gone.example.org", "password": "correct-horse-battery"},
        ).status_code
        == 200
    )
    # A leader with an active designation stays, however old the record.
    assert "leaders_leader" in tables_holding("Carys Current")


def test_it_deletes_what_was_kept_only_to_deliver():
    email_queue(to="a@example.org", template="password_reset", context={"user": None})
    sent_long_ago, sent_lately, queued = (
        OutboundEmail.objects.create(to=f"{n}@example.org", subject="s", body_text="b")
        for n in ("old", "new", "queued")
    )
    OutboundEmail.objects.filter(pk__in=[sent_long_ago.pk, sent_lately.pk]).update(
        status="sent", sent_at=NOW
    )
    OutboundEmail.objects.filter(pk=sent_long_ago.pk).update(
        updated_at=NOW - datetime.timedelta(days=91)
    )

    summary = apply_retention(now=NOW)

    assert summary.emails == 1
    assert set(OutboundEmail.objects.values_list("to", flat=True)) >= {
        "new@example.org",
        "queued@example.org",
    }
    assert not OutboundEmail.objects.filter(to="old@example.org").exists()


def test_it_deletes_submission_keys_once_their_forms_are_long_sent():
    old_key, new_key = (
        Submission.objects.create(kind="support-request", key=key * 43) for key in "on"
    )
    Submission.objects.filter(pk=old_key.pk).update(created_at=NOW - datetime.timedelta(days=15))

    summary = apply_retention(now=NOW)

    assert summary.submission_keys == 1
    assert list(Submission.objects.all()) == [new_key]


def test_a_second_run_finds_nothing_more(old):
    apply_retention(now=NOW)

    again = apply_retention(now=NOW)

    assert again.requests == [] and again.leaders == [] and again.applications == 0


def test_a_dry_run_changes_nothing(old):
    before = tables_holding("Olwen Oldfield")

    summary = apply_retention(now=NOW, dry_run=True)

    assert summary.requests == [old[0].reference]
    assert tables_holding("Olwen Oldfield") == before


def test_the_command_says_what_it_did(old, capsys):
    call_command("apply_retention", "--dry-run")
    assert old[0].reference in capsys.readouterr().out

    call_command("apply_retention")

    out = capsys.readouterr().out
    assert "requests anonymised: 1" in out
    assert tables_holding("Olwen Oldfield") == set()


def test_an_anonymised_leader_leaves_the_directory_at_once():
    leader = old_leader()
    Designation.objects.filter(leader=leader).update(status="active")
    Leader.objects.filter(pk=leader.pk).update(updated_at=SEVEN_YEARS_AGO)
    client = Client()
    assert "Lorna Longgone" in client.get("/leaders/").content.decode()
    Designation.objects.filter(leader=leader).update(status="lapsed", updated_at=SEVEN_YEARS_AGO)

    apply_retention(now=NOW)

    assert "Lorna Longgone" not in client.get("/leaders/").content.decode()
