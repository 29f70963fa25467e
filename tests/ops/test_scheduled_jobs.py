"""Scheduled commands run one at a time: a second copy says the job is already running,
exits 0 and does nothing."""

import datetime
import re
import subprocess
import sys
import threading
import time
from io import StringIO

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.management import call_command, get_commands, load_command_class
from django.db import connection
from django.utils import timezone

from alliance_portal.notifications.models import OutboundEmail
from requests.models import SupportRequest
from tests.factories import (
    AllianceFactory,
    CoordinatorFactory,
    DesignationFactory,
    SupportRequestFactory,
)
from tests.ops.conftest import database_url
from tests.test_settings import ROOT, manage_env

SCHEDULED = [
    "send_queued_email",
    "apply_retention",
    "lapse_requests",
    "designation_reviews",
    "send_chasers",
]
# Arguments a job needs to find work whatever the day: send_chasers sends nothing on a
# weekend or bank holiday, and its weekly digest goes on Mondays (4 January 2027 is one).
ARGS = {"send_chasers": ["--today", "2027-01-04"]}


@pytest.fixture
def work_for_every_job(db):
    """Something for each scheduled job to do."""
    now = timezone.now()
    SupportRequestFactory(
        status=SupportRequest.Status.NEW, status_changed_at=now - datetime.timedelta(days=365)
    )
    OutboundEmail.objects.create(
        to="head@oak.example.org",
        subject="Your request",
        body_text="Hello.",
        next_attempt_at=now - datetime.timedelta(minutes=1),
    )
    alliance = AllianceFactory()
    CoordinatorFactory(alliance=alliance)
    DesignationFactory(
        alliance=alliance,
        designated_on=timezone.localdate() - datetime.timedelta(days=1500),
        review_due_on=timezone.localdate() - datetime.timedelta(days=10),
    )
    Session.objects.create(
        session_key="expired-session", session_data="", expire_date=now - datetime.timedelta(days=1)
    )
    mail.outbox.clear()


def state():
    return {
        "requests": sorted(SupportRequest.objects.values_list("pk", "status")),
        "emails": sorted(OutboundEmail.objects.values_list("pk", "status", "attempts")),
        "sessions": Session.objects.count(),
        "sent": len(mail.outbox),
    }


def scheduled_in_readme():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Scheduled jobs", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"`manage\.py (\w+)", section)


def test_every_scheduled_job_in_the_readme_is_covered():
    assert sorted(scheduled_in_readme()) == sorted(SCHEDULED)


@pytest.mark.parametrize("name", SCHEDULED)
def test_every_scheduled_command_runs_alone(name):
    command = load_command_class(get_commands()[name], name)

    assert getattr(command.handle, "runs_alone", False), f"{name} is not wrapped in @runs_alone"


@pytest.mark.parametrize("name", SCHEDULED)
def test_a_second_copy_says_the_job_is_already_running_and_does_nothing(name, work_for_every_job):
    from alliance_portal.ops.scheduled import job_lock

    before = state()
    out = StringIO()
    with job_lock(name) as held:
        assert held
        call_command(name, *ARGS.get(name, []), stdout=out)  # returns: the process exits 0

    assert f"{name} is already running" in out.getvalue()
    assert state() == before
    call_command(name, *ARGS.get(name, []), stdout=StringIO())
    assert state() != before, "with the lock free again, the job does its work"


def test_one_jobs_lock_leaves_the_others_free(work_for_every_job):
    from alliance_portal.ops.scheduled import job_lock

    out = StringIO()
    with job_lock("lapse_requests"):
        call_command("apply_retention", stdout=out)

    assert "already running" not in out.getvalue()
    assert Session.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: two processes on one database"
)
@pytest.mark.django_db(transaction=True)
def test_two_processes_started_at_once_send_an_email_once():
    email = OutboundEmail.objects.create(
        to="head@oak.example.org",
        subject="Sent exactly once",
        body_text="Hello.",
        next_attempt_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    env = manage_env(DEBUG="true", DATABASE_URL=database_url(), EMAIL_URL="consolemail://")
    first = subprocess.Popen(
        [sys.executable, "manage.py", "send_queued_email", "--loop", "60"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    first_output = []
    reader = threading.Thread(target=lambda: first_output.extend(first.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while not any(line.startswith("Sent 1,") for line in first_output):
            assert first.poll() is None, "".join(first_output)
            assert time.monotonic() < deadline, "".join(first_output)
            time.sleep(0.05)

        second = subprocess.run(
            [sys.executable, "manage.py", "send_queued_email"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        first.terminate()
        first.wait(timeout=30)
        reader.join(timeout=10)

    assert second.returncode == 0, second.stderr
    assert "send_queued_email is already running" in second.stdout
    assert "Sent exactly once" not in second.stdout + second.stderr
    assert "".join(first_output).count("Subject: Sent exactly once") == 1
    assert first.returncode == 0, "".join(first_output)
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert email.attempts == 1
