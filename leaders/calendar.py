"""A leader's private calendar feed: their logged and planned sessions as iCalendar.

The feed is reached through a secret link (no sign-in), so calendar apps can
subscribe to it. It is built by hand following RFC 5545: text values escaped,
lines folded at 75 octets, CRLF line endings.
"""

import datetime
import hashlib
import secrets
from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from alliance_portal.pages.formats import plain_number
from deployments.models import Deployment, PlannedSession, SupportLog

from .models import Leader

# How far back the feed reaches; everything planned ahead is included.
HISTORY = datetime.timedelta(days=366)
# Sessions of work that ended early or never began leave the calendar.
HIDDEN_STATUSES = (
    Deployment.Status.CANCELLED,
    Deployment.Status.DECLINED,
    Deployment.Status.STOPPED,
)
DEFAULT_SESSION_HOURS = Decimal(1)
MAX_LINE_OCTETS = 75


def escape(text: str) -> str:
    """An iCalendar TEXT value: backslashes, semicolons, commas and newlines escaped."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Split a content line into pieces of at most 75 octets, never inside a character."""
    pieces, piece, size = [], "", 0
    for character in line:
        octets = len(character.encode())
        if size + octets > MAX_LINE_OCTETS:
            pieces.append(piece)
            piece, size = " ", 1  # a continuation line starts with one space
        piece += character
        size += octets
    pieces.append(piece)
    return "\r\n".join(pieces)


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _date(day: datetime.date) -> str:
    return day.strftime("%Y%m%d")


def _hours(hours: Decimal) -> str:
    return f"{plain_number(hours)} hour{'' if hours == 1 else 's'}"


def _school(entry) -> str:
    return entry.deployment.request.school_display_name


def _event(uid, stamp, summary, description, start, end, timed):
    """The lines of one VEVENT; `start` and `end` are datetimes when timed, else dates."""
    when = (
        [f"DTSTART:{_utc(start)}", f"DTEND:{_utc(end)}"]
        if timed
        else [f"DTSTART;VALUE=DATE:{_date(start)}", f"DTEND;VALUE=DATE:{_date(end)}"]
    )
    return [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{_utc(stamp)}",
        *when,
        f"SUMMARY:{escape(summary)}",
        f"DESCRIPTION:{escape(description)}",
        "END:VEVENT",
    ]


def log_event(entry: SupportLog, host: str) -> list[str]:
    description = f"{_hours(entry.hours)} logged for {entry.deployment.request.reference}." + (
        f"\n\n{entry.notes}" if entry.notes else ""
    )
    return _event(
        f"log-{entry.pk}@{host}",
        entry.updated_at,
        f"{entry.get_activity_display()}: {_school(entry)}",
        description,
        entry.date,
        entry.date + datetime.timedelta(days=1),
        timed=False,
    )


def session_event(session: PlannedSession, host: str) -> list[str]:
    reference = session.deployment.request.reference
    if session.start_time is None:
        start, end = session.date, session.date + datetime.timedelta(days=1)
    else:
        local = datetime.datetime.combine(
            session.date, session.start_time, tzinfo=timezone.get_default_timezone()
        )
        start = local.astimezone(datetime.UTC)
        end = start + datetime.timedelta(
            seconds=int((session.hours or DEFAULT_SESSION_HOURS) * 3600)
        )
    length = f" ({_hours(session.hours)})" if session.hours else ""
    description = f"Planned session for {reference}{length}." + (
        f"\n\n{session.note}" if session.note else ""
    )
    return _event(
        f"session-{session.pk}@{host}",
        session.updated_at,
        f"Planned session: {_school(session)}",
        description,
        start,
        end,
        timed=session.start_time is not None,
    )


def build_calendar(leader: Leader, *, today: datetime.date | None = None) -> str:
    """The leader's feed as iCalendar text: two queries however many events."""
    since = (today or timezone.localdate()) - HISTORY
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    own = {"deployment__leader": leader, "date__gte": since}
    hidden = {"deployment__status__in": HIDDEN_STATUSES}
    related = ("deployment__request__school",)
    entries = SupportLog.objects.filter(**own).exclude(**hidden).select_related(*related)
    sessions = PlannedSession.objects.filter(**own).exclude(**hidden).select_related(*related)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//{escape(settings.PORTAL_NAME)}//Leader calendar//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(f'{settings.PORTAL_NAME}: your support sessions')}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT4H",
        "X-PUBLISHED-TTL:PT4H",
    ]
    for entry in entries.order_by("date", "pk"):
        lines += log_event(entry, host)
    for session in sessions.order_by("date", "start_time", "pk"):
        lines += session_event(session, host)
    lines.append("END:VCALENDAR")
    return "".join(f"{fold(line)}\r\n" for line in lines)


def calendar_secret_hash(token: str) -> str:
    """What is stored of a calendar secret. The secret has 256 random bits, so a fast
    hash is enough: nobody can guess their way back from it."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_calendar_secret(leader: Leader) -> str:
    """Give the leader a new secret (the old link stops working) and return it, once."""
    token = secrets.token_urlsafe(32)
    # update() keeps even the hash out of the history, and adds no empty history row.
    Leader.objects.filter(pk=leader.pk).update(calendar_token_hash=calendar_secret_hash(token))
    leader.calendar_token_hash = calendar_secret_hash(token)
    return token


def calendar_feed_url(token: str) -> str:
    return settings.SITE_URL + reverse("leaders:calendar-feed", args=[token])


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    # The hash is a unique column: the database finds it by index. Comparing hashes
    # leaks nothing about the secret through timing.
    leader = Leader.objects.filter(
        calendar_token_hash=calendar_secret_hash(token), user__is_active=True
    ).first()
    if leader is None:
        raise Http404("No calendar with this link")
    response = HttpResponse(build_calendar(leader), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    response["Content-Disposition"] = 'inline; filename="support-sessions.ics"'
    return response
