"""An unanswered proposal: the leader after 3 working days, the coordinators 3 working days
after that, each once, never on a weekend or a bank holiday."""

import pytest

from alliance_portal.chasers.models import ChaserSent
from deployments.models import Deployment
from tests.chasers import conftest
from tests.chasers.conftest import day, proposal
from tests.factories import AllianceFactory, CoordinatorFactory

pytestmark = pytest.mark.django_db


def run(today):
    return conftest.run(today, "chaser-proposal")


def sends_nothing_on(*days):
    return conftest.sends_nothing_on(*days, topic="chaser-proposal")


def test_the_leader_is_reminded_three_working_days_after_the_proposal(oak):
    # Wednesday 23 December: the working days after it are 24, 29 and 30 December.
    deployment = proposal(oak, "2026-12-23")

    # Not on Christmas Eve, Christmas Day, the weekend or the substitute Monday (which
    # counting weekdays alone would have made the day), nor on the 29th, the day before.
    assert sends_nothing_on("2026-12-24", "2026-12-25", "2026-12-26", "2026-12-28") == []
    assert run("2026-12-29") == []

    [email] = run("2026-12-30")

    assert email.to == deployment.leader.email
    assert email.topic == "chaser-proposal"
    reference = deployment.request.reference
    assert email.subject == f"Reminder: can you support Birch Primary School? ({reference})"
    assert "Dear Owen Price," in email.body_text
    assert "On 23 December 2026 Oak Teaching Alliance asked whether you could support" in (
        email.body_text
    )
    assert f"https://portal.example.org/my/proposals/{deployment.pk}/" in email.body_text
    assert f'href="https://portal.example.org/my/proposals/{deployment.pk}/"' in email.body_html
    assert "This is a reminder only." in email.body_text
    assert run("2026-12-30") == [], "a second run the same day sends nothing"
    assert run("2026-12-31") == []


def test_the_coordinators_are_told_three_working_days_after_the_leaders_reminder(oak):
    deployment = proposal(oak, "2026-12-23")
    run("2026-12-30")  # the leader's reminder

    # 31 December, then New Year's Day (a bank holiday), the weekend, then 4 January.
    assert sends_nothing_on("2026-12-31", "2027-01-01", "2027-01-02", "2027-01-04") == []
    [email] = run("2027-01-05")

    # The active coordinator only: not the one who left, not the leader again.
    assert email.to == "cora@oak-alliance.example.org"
    assert email.subject == (
        f"Owen Price has not answered the proposal for {deployment.request.reference}"
    )
    assert "Proposed: 23 December 2026, 6 working days ago" in email.body_text
    assert "Reminder sent to the leader: 30 December 2026" in email.body_text
    assert "Nothing has changed: the proposal is still open" in email.body_text
    assert (
        f"https://portal.example.org/admin/deployments/deployment/{deployment.pk}/change/"
        in email.body_text
    )
    assert run("2027-01-05") == run("2027-01-06") == []
    assert sorted(
        ChaserSent.objects.filter(kind="proposal", object_id=deployment.pk).values_list(
            "kind", "step", "sent_on"
        )
    ) == [
        ("proposal", "coordinators", day("2027-01-05")),
        ("proposal", "leader", day("2026-12-30")),
    ]


def test_an_alliance_without_coordinators_hears_at_its_own_address():
    alliance = AllianceFactory(contact_email="office@elm.example.org")
    proposal(alliance, "2026-12-23")
    run("2026-12-30")

    assert [email.to for email in run("2027-01-05")] == ["office@elm.example.org"]


def test_every_active_coordinator_of_the_alliance_is_told_and_no_other(oak):
    CoordinatorFactory(alliance=oak, email="dev@oak-alliance.example.org")
    CoordinatorFactory(email="someone@elsewhere.example.org")
    proposal(oak, "2026-12-23")
    run("2026-12-30")

    assert [email.to for email in run("2027-01-05")] == [
        "cora@oak-alliance.example.org",
        "dev@oak-alliance.example.org",
    ]


def test_an_answer_by_date_still_to_come_holds_the_reminder_back(oak):
    deployment = proposal(oak, "2026-12-23", answer_by="2027-01-06")

    # Three working days have passed on the 30th, but the leader has until the 6th.
    assert sends_nothing_on("2026-12-30", "2027-01-04", "2027-01-05", "2027-01-06") == []
    [email] = run("2027-01-07")

    assert email.to == deployment.leader.email
    assert "and the date we asked for it, 6 January 2027, has passed" in email.body_text


def test_an_answer_by_date_already_passed_changes_nothing(oak):
    proposal(oak, "2026-12-23", answer_by="2026-12-24")

    assert run("2026-12-29") == []
    assert len(run("2026-12-30")) == 1


def test_a_leader_who_answers_after_the_reminder_spares_the_coordinators(oak):
    deployment = proposal(oak, "2026-12-23")
    run("2026-12-30")
    Deployment.objects.filter(pk=deployment.pk).update(status=Deployment.Status.ACCEPTED)

    assert run("2027-01-05") == []


@pytest.mark.parametrize(
    "status",
    [Deployment.Status.ACCEPTED, Deployment.Status.DECLINED, Deployment.Status.CANCELLED],
)
def test_only_a_proposal_still_waiting_for_the_leader_is_chased(oak, status):
    proposal(oak, "2026-12-23", status=status)

    assert sends_nothing_on("2026-12-30", "2027-01-05") == []


def test_a_proposal_missed_for_longer_than_the_catch_up_is_not_chased(oak):
    # Due on 6 October, 85 days before the run: the digest lists it instead.
    proposal(oak, "2026-10-01")

    assert run("2026-12-30") == []


def test_a_day_the_job_did_not_run_is_caught_up(oak):
    proposal(oak, "2026-12-23")

    assert len(run("2027-01-04")) == 1
