"""`manage.py send_chasers`: one scheduled command for every chaser, alone, on working days,
with a dry run and a summary line per kind, in a bounded number of queries."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command, get_commands, load_command_class
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance_portal.chasers import reminders
from alliance_portal.chasers.models import ChaserSent
from alliance_portal.chasers.services import reminder_send
from alliance_portal.notifications.models import OutboundEmail
from alliance_portal.ops.scheduled import job_lock
from deployments.models import Deployment
from tests.chasers.conftest import agreed_work, at, day, proposal
from tests.factories import AllianceFactory, CoordinatorFactory, DesignationFactory

pytestmark = pytest.mark.django_db
D = Deployment.Status

# Monday 4 January 2027: one of each kind is due on it.
MONDAY = "2027-01-04"


def one_of_each(alliance):
    """Something for every chaser on MONDAY, in `alliance`."""
    proposal(alliance, "2026-12-29")  # 30, 31 December and 4 January
    agreed_work(alliance, start="2026-12-14")  # three weeks on
    agreed_work(  # 14 days after: no report, no evaluation
        alliance, D.COMPLETED, start="2026-10-01", completed_at=at("2026-12-21"), logged_hours=7
    )
    DesignationFactory(
        alliance=alliance, designated_on=day("2023-09-01"), review_due_on=day("2027-03-05")
    )


def send_chasers(*args):
    out = StringIO()
    call_command("send_chasers", *args, stdout=out)
    return out.getvalue()


def test_it_runs_alone():
    command = load_command_class(get_commands()["send_chasers"], "send_chasers")

    assert getattr(command.handle, "runs_alone", False)


def test_a_second_copy_says_so_and_sends_nothing(oak):
    one_of_each(oak)

    with job_lock("send_chasers") as held:
        assert held
        output = send_chasers("--today", MONDAY)

    assert "send_chasers is already running; this run did nothing." in output
    assert not OutboundEmail.objects.exists() and not ChaserSent.objects.exists()


def test_it_sends_each_kind_and_says_so_in_one_line_each(oak):
    one_of_each(oak)

    output = send_chasers("--today", MONDAY)

    assert output.splitlines() == [
        "proposal reminders: 1 sent (1 to leaders)",
        "nothing-logged reminders: 1 sent",
        "impact report reminders: 1 sent",
        "evaluation reminders: 1 sent",
        "designation review reminders: 1 sent",
        "weekly digests: 1 sent",
    ]
    assert OutboundEmail.objects.count() == ChaserSent.objects.count() == 6
    assert sorted(OutboundEmail.objects.values_list("topic", flat=True)) == [
        "chaser-designation-review",
        "chaser-digest",
        "chaser-evaluation",
        "chaser-impact-report",
        "chaser-nothing-logged",
        "chaser-proposal",
    ]

    again = send_chasers("--today", MONDAY)

    assert "proposal reminders: 0 sent" in again and "weekly digests: 0 sent" in again
    assert OutboundEmail.objects.count() == 6


def test_the_coordinators_step_is_counted_apart(oak):
    proposal(oak, "2026-12-23")
    send_chasers("--today", "2026-12-30")

    assert "proposal reminders: 1 sent (1 to coordinators)" in send_chasers("--today", "2027-01-05")


def test_a_dry_run_lists_what_it_would_send_and_sends_nothing(oak):
    one_of_each(oak)

    output = send_chasers("--dry-run", "--today", MONDAY)

    assert "proposal reminders: 1 would be sent (1 to leaders)" in output
    assert "weekly digests: 1 would be sent" in output
    assert "  would send: SR-" in output and "reminded Owen Price to answer" in output
    assert "@" not in output, "no email addresses in the output"
    assert not OutboundEmail.objects.exists() and not ChaserSent.objects.exists()
    assert "proposal reminders: 1 sent" in send_chasers("--today", MONDAY)


@pytest.mark.parametrize(
    ("today", "said"),
    [
        ("2026-12-26", "Saturday 26 December 2026 is not a working day: nothing is sent."),
        ("2026-12-28", "Monday 28 December 2026 is not a working day: nothing is sent."),
        ("2027-03-29", "Monday 29 March 2027 is not a working day: nothing is sent."),
    ],
)
def test_nothing_is_sent_on_a_weekend_or_a_bank_holiday(oak, today, said):
    # Everything is due by then, and nothing goes.
    one_of_each(oak)
    proposal(oak, "2026-12-01", leader__full_name="Long Ago")

    assert send_chasers("--today", today).strip() == said
    assert not OutboundEmail.objects.exists()


def test_today_must_be_a_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        send_chasers("--today", "4/1/2027")


def world(size):
    """`size` alliances, each with a coordinator and one of each chaser due on MONDAY."""
    for number in range(size):
        alliance = AllianceFactory(name=f"Alliance {number}")
        CoordinatorFactory(alliance=alliance)
        one_of_each(alliance)


def queries(*args):
    with CaptureQueriesContext(connection) as captured:
        send_chasers("--today", MONDAY, *args)
    return len(captured)


# Finding what is due: one query for each list (and for the coordinators, objectives and
# records sent joined to them), whatever the number of records, alliances or coordinators.
QUERIES_TO_FIND = 16
# Sending one reminder (with one email): its savepoint, the outbox's own (email_queue
# checks the email's two constraints in savepoints of their own), both rows.
QUERIES_PER_REMINDER = 12
# A run that finds everything already sent, and so stops before the digest's lists.
QUERIES_WHEN_ALL_SENT = 9


@pytest.mark.parametrize("size", [1, 6])
def test_the_queries_are_a_fixed_few_plus_the_writes_of_each_reminder(size):
    world(size)

    assert queries("--dry-run") == QUERIES_TO_FIND
    assert queries() == QUERIES_TO_FIND + QUERIES_PER_REMINDER * 6 * size
    assert OutboundEmail.objects.count() == 6 * size
    assert queries() == QUERIES_WHEN_ALL_SENT


def test_a_reminder_another_run_sent_meanwhile_is_not_sent_again(oak):
    proposal(oak, "2026-12-23")
    [reminder] = reminders.proposal_reminders(day("2026-12-30"))
    ChaserSent.objects.create(
        kind=reminder.kind, object_id=reminder.object_id, step=reminder.step, sent_on=day(MONDAY)
    )

    assert reminder_send(reminder, today=day("2026-12-30")) is False
    assert not OutboundEmail.objects.exists(), "no email without its record, nor twice"


def test_an_address_the_outbox_refuses_is_logged_and_the_rest_still_go(oak, caplog):
    proposal(oak, "2026-12-23", leader__email="not an address")
    proposal(oak, "2026-12-23", leader__full_name="Ann Fine")

    output = send_chasers("--today", "2026-12-30")

    assert "proposal reminders: 1 sent (1 to leaders); 1 not sent (see the log)" in output
    assert "could not be queued: an address was refused" in caplog.text
    assert ChaserSent.objects.filter(kind="proposal").count() == 1
    # It is tried again the next day, and logged again, until the address is mended.
    assert "1 not sent" in send_chasers("--today", "2026-12-31")
