"""How numbers and dates read in pages, messages and emails: one way everywhere."""

from decimal import Decimal, InvalidOperation


def plain_number(value):
    """A decimal as a person writes it: 3.5, 2.25, 20 (no trailing zeros, no exponent).

    Anything that is not a number comes back as it was.
    """
    try:
        return f"{Decimal(str(value)).normalize():f}"
    except (InvalidOperation, ValueError):
        return value


def days_text(value):
    """A number of days as a person writes it: "1 day", "3 days", "2.5 days"."""
    if value in (None, ""):
        return ""
    number = plain_number(value)
    return f"{number} day" if number == "1" else f"{number} days"


def long_date(day):
    """14 January 2027."""
    return f"{day.day} {day:%B %Y}"


def shortened(text, length):
    """`text` cut to at most `length` characters, ending in an ellipsis when cut: for a
    value composed from several fields ("Name, School") stored in a column of its own."""
    text = str(text)
    if len(text) <= length:
        return text
    return text[: length - 1].rstrip() + "…"
