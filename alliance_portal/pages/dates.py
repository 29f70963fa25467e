"""The range of dates the portal stores: wide enough for any real record, narrow
enough that date arithmetic (a day, a month, an academic year either side) never
runs past what Python's dates can hold (year 1 to 9999)."""

import datetime

from django.core.exceptions import ValidationError

EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2100, 12, 31)
RANGE_MESSAGE = f"Enter a date between {EARLIEST.year} and {LATEST.year}"


def validate_in_range(day):
    """Refuse a date outside EARLIEST..LATEST (model fields and forms alike)."""
    if day is not None and not EARLIEST <= day <= LATEST:
        raise ValidationError(RANGE_MESSAGE, code="date_out_of_range")


def within_range(day):
    """`day`, moved to the nearest end of the range if it lies outside it: for reading
    a date saved before the range was enforced without overflowing."""
    return min(max(day, EARLIEST), LATEST)
