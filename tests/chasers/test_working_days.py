"""The working-day clock: weekends and England's bank holidays skipped, and the dashboard
counting with it."""

import datetime

import holidays
import pytest

from alliance_portal.pages import working_days as clock
from alliance_portal.reports import dashboard
from requests.models import SupportRequest
from tests.chasers.conftest import at, day
from tests.factories import AllianceFactory, CoordinatorFactory, SupportRequestFactory


def test_the_bank_holidays_the_tests_lean_on_are_englands():
    england = holidays.country_holidays("GB", subdiv="ENG", years=[2026, 2027])

    assert day("2026-12-25") in england  # Christmas Day, a Friday
    assert day("2026-12-28") in england  # Boxing Day falls on a Saturday: the substitute day
    assert day("2027-01-01") in england
    # Easter Monday 2027 is 29 March (Easter Sunday is the 28th), not 5 April.
    assert england.get(day("2027-03-29")) == "Easter Monday"
    assert day("2027-04-05") not in england
    for value in ("2026-12-25", "2026-12-28", "2027-03-26", "2027-03-29"):
        assert clock.is_bank_holiday(day(value))
        assert not clock.is_working_day(day(value))


@pytest.mark.parametrize(
    ("value", "working"),
    [
        ("2026-12-24", True),  # Thursday
        ("2026-12-25", False),  # Christmas Day
        ("2026-12-26", False),  # Saturday
        ("2026-12-27", False),  # Sunday
        ("2026-12-28", False),  # substitute day
        ("2026-12-29", True),
        ("2027-03-29", False),  # Easter Monday
        ("2027-03-30", True),
    ],
)
def test_a_working_day_is_a_weekday_that_is_not_a_bank_holiday(value, working):
    assert clock.is_working_day(day(value)) is working


def test_working_days_between_skips_weekends_and_bank_holidays():
    # Friday to Friday is five working days, as it always was.
    assert clock.working_days_between(day("2026-12-04"), day("2026-12-11")) == 5
    # Christmas week: 21, 22, 23, 24 and (after 25 to 28) 29 December.
    assert clock.working_days_between(day("2026-12-18"), day("2026-12-29")) == 5
    # Across New Year: 29, 30, 31 December and 4 January (1 January is a bank holiday).
    assert clock.working_days_between(day("2026-12-28"), day("2027-01-04")) == 4
    # Easter 2027: Good Friday and Easter Monday are skipped.
    assert clock.working_days_between(day("2027-03-25"), day("2027-03-30")) == 1
    assert clock.working_days_between(day("2027-03-30"), day("2027-03-25")) == 0


def test_working_days_between_agrees_with_counting_day_by_day():
    start = day("2025-11-03")
    for length in range(0, 800, 7):
        end = start + datetime.timedelta(days=length)
        by_hand = sum(
            clock.is_working_day(start + datetime.timedelta(days=offset))
            for offset in range(1, length + 1)
        )
        assert clock.working_days_between(start, end) == by_hand


def test_adding_working_days_steps_over_the_holidays():
    assert clock.add_working_days(day("2026-12-23"), 3) == day("2026-12-30")
    assert clock.add_working_days(day("2026-12-24"), 1) == day("2026-12-29")
    assert clock.add_working_days(day("2027-03-25"), 1) == day("2027-03-30")
    assert clock.add_working_days(day("2026-12-26"), 0) == day("2026-12-26")
    assert clock.working_day_on_or_after(day("2026-12-25")) == day("2026-12-29")


def test_the_dashboards_working_days_skip_a_bank_holiday():
    """The dashboard keeps its functions' names, and now counts with the same clock."""
    # Weekdays from Friday 18 December to Tuesday 29 December: 7; working days: 5.
    assert dashboard.working_days_between(day("2026-12-18"), day("2026-12-29")) == 5
    # More than 5 working days before Tuesday 29 December: Thursday 17 December or earlier.
    assert dashboard.latest_day_older_than(5, day("2026-12-29")) == day("2026-12-17")
    # From Easter Tuesday 2027, the Thursday before Good Friday is 1 working day back, so
    # more than 1 working day back is the Wednesday or earlier.
    assert dashboard.latest_day_older_than(1, day("2027-03-30")) == day("2027-03-24")


@pytest.mark.django_db
def test_the_dashboard_waits_five_working_days_not_five_weekdays():
    alliance = AllianceFactory()
    coordinator = CoordinatorFactory(alliance=alliance)
    waiting = {}
    for name, created in (("thursday", "2026-12-17"), ("friday", "2026-12-18")):
        support_request = SupportRequestFactory(alliance=alliance)
        SupportRequest.objects.filter(pk=support_request.pk).update(created_at=at(created))
        waiting[name] = support_request

    figures = dashboard.dashboard_figures(coordinator, now=at("2026-12-29", hour=12))

    # Friday's request has waited 7 weekdays but only 5 working days: not yet late.
    assert figures.waiting_count == 1
    assert [(w.reference, w.working_days) for w in figures.waiting] == [
        (waiting["thursday"].reference, 6)
    ]
