"""Shared builders for the chaser tests: dates in London, records in each state, a run.

The calendar the tests lean on (England, checked against the `holidays` package in
test_working_days.py): Friday 25 December 2026 is Christmas Day, Monday 28 December 2026
the substitute day for Boxing Day, Friday 1 January 2027 New Year's Day, Friday
26 March 2027 Good Friday and Monday 29 March 2027 Easter Monday.
"""

import datetime

import pytest
from django.utils import timezone

from alliance_portal.chasers.services import chasers_run
from alliance_portal.notifications.models import OutboundEmail
from deployments.models import Deployment
from requests.models import SupportRequest
from tests.factories import (
    AgreedDeploymentFactory,
    AllianceFactory,
    CoordinatorFactory,
    DeploymentFactory,
    SchoolFactory,
)

D = Deployment.Status
S = SupportRequest.Status


def day(value):
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def at(value, hour=10):
    """A moment on that day in London."""
    return timezone.make_aware(datetime.datetime.combine(day(value), datetime.time(hour)))


def run(today, topic=None):
    """One run of every chaser as on `today`; returns the emails it queued (about `topic`,
    such as "chaser-proposal", when given: the weekly digest goes on Mondays too)."""
    before = set(OutboundEmail.objects.values_list("pk", flat=True))
    chasers_run(today=day(today))
    emails = OutboundEmail.objects.exclude(pk__in=before).order_by("to", "pk")
    return list(emails.filter(topic=topic) if topic else emails)


def sends_nothing_on(*days, topic=None):
    """The days among `days` on which a run queued an email (about `topic`)."""
    return [value for value in days if run(value, topic)]


@pytest.fixture(autouse=True)
def chase_settings(settings):
    """The defaults, whatever the environment says."""
    settings.CHASE_PROPOSAL_WORKING_DAYS = 3
    settings.CHASE_NOTHING_LOGGED_WEEKS = 3
    settings.CHASE_REPORT_DAYS_AFTER_END = 14
    settings.CHASE_EVALUATION_DAYS = 14
    settings.CHASE_REVIEW_DAYS_BEFORE = 60
    settings.CHASE_CATCH_UP_DAYS = 30
    settings.SITE_URL = "https://portal.example.org"
    return settings


@pytest.fixture
def oak(db):
    """An alliance with one active coordinator (and one who has left)."""
    alliance = AllianceFactory(
        name="Oak Teaching Alliance", contact_email="hello@oak-alliance.example.org"
    )
    CoordinatorFactory(alliance=alliance, email="cora@oak-alliance.example.org", full_name="Cora")
    CoordinatorFactory(alliance=alliance, email="gone@oak-alliance.example.org", is_active=False)
    return alliance


def school(name="Birch Primary School"):
    return SchoolFactory(name=name)


def proposal(alliance, proposed, *, answer_by=None, **kwargs):
    kwargs.setdefault("leader__full_name", "Owen Price")
    kwargs.setdefault("request__school", school())
    kwargs.setdefault("status", D.PROPOSED)
    return DeploymentFactory(
        request__alliance=alliance,
        request__status=S.PROPOSED,
        designation__alliance=alliance,
        proposed_at=at(proposed),
        answer_by=day(answer_by) if answer_by else None,
        **kwargs,
    )


REQUEST_STATUS = {
    D.AGREED: S.AGREED,
    D.IN_DELIVERY: S.IN_DELIVERY,
    D.PAUSED: S.IN_DELIVERY,
    D.COMPLETED: S.COMPLETED,
    D.STOPPED: S.COMPLETED,
}


def agreed_work(alliance, status=D.AGREED, *, start, end="2027-03-31", **kwargs):
    """Agreed work in `status`; pass logged_hours=7 for a support log entry on the start."""
    kwargs.setdefault("leader__full_name", "Owen Price")
    kwargs.setdefault("request__school", school())
    kwargs.setdefault("request__status", REQUEST_STATUS.get(status, S.MATCHING))
    kwargs.setdefault("request__contact_name", "Priya Shah")
    return AgreedDeploymentFactory(
        request__alliance=alliance,
        designation__alliance=alliance,
        status=status,
        start_date=day(start),
        end_date=day(end),
        **kwargs,
    )
