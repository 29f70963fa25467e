"""A leader's private calendar feed: their logged and planned sessions as iCalendar.

The feed is reached through a secret link (no sign-in), so calendar apps can
subscribe to it. The icalendar package writes it (RFC 5545: escaping, folding
and line endings are its business, not ours).
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
from icalendar import Calendar, Event, vDuration

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
# How often calendar apps are asked to fetch the feed again.
REFRESH = datetime.timedelta(hours=4)


def _text(text: str) -> str:
    """One kind of line break, whatever the browser posted."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _hours(hours: Decimal) -> str:
    return f"{plain_number(hours)} hour{'' if hours == 1 else 's'}"


def _school(entry) -> str:
    return entry.deployment.request.school_display_name


def _event(uid, stamp, summary, description, start, end) -> Event:
    """One VEVENT; `start` and `end` are UTC datetimes for a timed event, else dates."""
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp.astimezone(datetime.UTC))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", _text(summary))
    event.add("description", _text(description))
    return event


def log_event(entry: SupportLog, host: str) -> Event:
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
    )


def session_event(session: PlannedSession, host: str) -> Event:
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
    )


def build_calendar(leader: Leader, *, today: datetime.date | None = None) -> bytes:
    """The leader's feed as iCalendar: two queries however many events."""
    since = (today or timezone.localdate()) - HISTORY
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    own = {"deployment__leader": leader, "date__gte": since}
    hidden = {"deployment__status__in": HIDDEN_STATUSES}
    related = ("deployment__request__school",)
    entries = SupportLog.objects.filter(**own).exclude(**hidden).select_related(*related)
    sessions = PlannedSession.objects.filter(**own).exclude(**hidden).select_related(*related)
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", f"-//{settings.PORTAL_NAME}//Leader calendar//EN")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{settings.PORTAL_NAME}: your support sessions")
    calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    for entry in entries.order_by("date", "pk"):
        calendar.add_component(log_event(entry, host))
    for session in sessions.order_by("date", "start_time", "pk"):
        calendar.add_component(session_event(session, host))
    return calendar.to_ical(sorted=False)


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
