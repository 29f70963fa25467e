"""Working days in England: Monday to Friday, less England's bank holidays.

One clock for everything that counts working days: the dashboard's "waiting
more than 5 working days" and the chasers (alliance_portal.chasers). The bank
holidays come from the `holidays` package (England's list, with the
substitute day when Christmas or Boxing Day falls at a weekend), not from a
list kept by hand. Only dates inside the range the portal stores are asked
about (alliance_portal.pages.dates).
"""

import datetime
import functools

ONE_DAY = datetime.timedelta(days=1)


@functools.cache
def bank_holidays(year):
    """England's bank holidays in `year`, as a frozen set of dates (worked out once a year
    per process)."""
    # Imported on first use: it takes a fifth of a second, which no page without a working
    # day to count should pay.
    import holidays

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_bank_holiday(day):
    return day in bank_holidays(day.year)


def is_working_day(day):
    """Monday to Friday, and not a bank holiday in England."""
    return day.weekday() < 5 and not is_bank_holiday(day)


def _weekdays_after(start, end):
    """Mondays to Fridays after `start` up to and including `end`."""
    full_weeks, rest = divmod((end - start).days, 7)
    count = full_weeks * 5
    for offset in range(1, rest + 1):
        if (start + datetime.timedelta(days=offset)).weekday() < 5:
            count += 1
    return count


def working_days_between(start, end):
    """Working days after `start` up to and including `end`: Friday to the next Friday
    is 5, and 4 when the Monday between is a bank holiday."""
    if end <= start:
        return 0
    holidays_between = sum(
        1
        for year in range(start.year, end.year + 1)
        for day in bank_holidays(year)
        if start < day <= end and day.weekday() < 5
    )
    return _weekdays_after(start, end) - holidays_between


def add_working_days(day, count):
    """The `count`-th working day after `day` (`day` itself when `count` is 0)."""
    while count > 0:
        day += ONE_DAY
        if is_working_day(day):
            count -= 1
    return day


def working_day_on_or_after(day):
    """`day` if it is a working day, else the next one."""
    while not is_working_day(day):
        day += ONE_DAY
    return day


def latest_day_older_than(working_days, today):
    """The latest date more than `working_days` working days before `today`: the latest
    `day` with working_days_between(day, today) > working_days."""
    day, counted = today, 0
    while counted <= working_days:
        if is_working_day(day):
            counted += 1
        day -= ONE_DAY
    return day
