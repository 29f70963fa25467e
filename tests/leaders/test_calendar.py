"""The leader's private calendar feed: the link at /my/calendar/ and the feed behind it."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from deployments.models import Deployment, SupportLog
from leaders.calendar import calendar_secret_hash
from tests.factories import (
    AgreedDeploymentFactory,
    PlannedSessionFactory,
    SupportLogFactory,
    leader_with_designation,
)
from tests.privacy import tables_holding

pytestmark = pytest.mark.django_db

PAGE = "/my/calendar/"


@pytest.fixture
def leader():
    return leader_with_designation(full_name="Amira Khan")


@pytest.fixture
def signed_in(client, leader):
    client.force_login(leader.user)
    return client


@pytest.fixture
def next_year():
    return timezone.localdate().year + 1


def deployment(leader, school="Oakfield Primary School", **fields):
    return AgreedDeploymentFactory(
        leader=leader,
        designation=leader.designations.first(),
        request__school__name=school,
        **{"status": Deployment.Status.IN_DELIVERY, **fields},
    )


def with_token(leader, token="a-secret-token"):
    """Give the leader a calendar link with a known secret; only its hash is stored."""
    leader.calendar_token_hash = calendar_secret_hash(token)
    leader.save()
    leader.known_calendar_token = token
    return token


def feed(client, leader):
    return client.get(f"/calendar/{leader.known_calendar_token}.ics")


def shown_token(response):
    """The secret in the link the page shows, read back from the page."""
    match = re.search(
        r'value="https://portal\.example\.org/calendar/([^"]+)\.ics"', response.content.decode()
    )
    assert match, "the page shows no calendar link"
    return match.group(1)


def unfolded(response):
    """The feed's content lines, with folded lines joined again."""
    return response.content.decode().replace("\r\n ", "").split("\r\n")


def events(response):
    """Each VEVENT as a dict of its properties."""
    found, current = [], None
    for line in unfolded(response):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            found.append(current)
            current = None
        elif current is not None:
            name, value = line.split(":", 1)
            current[name] = value
    return found


# The page at /my/calendar/.


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_page_redirects_an_anonymous_visitor_to_sign_in(client, method):
    response = getattr(client, method)(PAGE)

    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={PAGE}"


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_page_is_not_found_for_someone_without_a_leader_record(client, superuser, method):
    client.force_login(superuser)

    assert getattr(client, method)(PAGE, {}).status_code == 404


def test_the_page_offers_to_make_a_link_when_there_is_none(signed_in):
    response = signed_in.get(PAGE)

    page = response.content.decode()
    assert "Make your calendar link" in page
    assert ".ics" not in page
    assert "no-store" in response["Cache-Control"]


def test_posting_makes_a_link_and_shows_it_once(client, signed_in, leader, settings):
    settings.SITE_URL = "https://portal.example.org"
    history_before = leader.history.count()

    response = signed_in.post(PAGE)

    assert response.status_code == 200
    token = shown_token(response)
    assert len(token) >= 40
    page = response.content.decode()
    assert "Your calendar link is ready." in page
    assert "we cannot show it to you again" in page
    assert "Outlook" in page and "Google Calendar" in page and "Apple Calendar" in page
    assert client.get(f"/calendar/{token}.ics").status_code == 200
    # Only a hash is stored; the page never shows the link again.
    leader.refresh_from_db()
    assert leader.calendar_token_hash == calendar_secret_hash(token)
    assert token not in leader.calendar_token_hash
    later = signed_in.get(PAGE).content.decode()
    assert token not in later
    assert "You have a private link" in later
    # Neither the secret nor its hash goes into the history, and no empty row is added.
    assert leader.history.count() == history_before


def test_the_secret_is_nowhere_in_the_database(signed_in, leader, settings):
    settings.SITE_URL = "https://portal.example.org"
    token = shown_token(signed_in.post(PAGE))

    assert tables_holding(token) == set()


def test_posting_again_replaces_the_link_and_the_old_one_stops_working(
    client, signed_in, leader, settings
):
    settings.SITE_URL = "https://portal.example.org"
    old = with_token(leader)
    assert feed(client, leader).status_code == 200

    response = signed_in.post(PAGE)

    new = shown_token(response)
    assert new != old
    assert "The old link no longer works" in response.content.decode()
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200


def test_the_page_shows_only_the_leaders_own_link(signed_in, leader):
    other = leader_with_designation()
    with_token(other, "someone-elses-token")

    page = signed_in.get(PAGE).content.decode()

    assert "someone-elses-token" not in page
    assert "Make your calendar link" in page


# The feed at /calendar/<token>.ics.


def test_an_unknown_token_is_not_found(client, leader):
    with_token(leader)

    assert client.get("/calendar/not-the-token.ics").status_code == 404


def test_the_feed_stops_when_the_leaders_account_is_switched_off(client, leader):
    with_token(leader)
    leader.user.is_active = False
    leader.user.save()

    assert feed(client, leader).status_code == 404


def test_the_feed_takes_no_post(client, leader):
    with_token(leader)

    assert client.post(f"/calendar/{leader.known_calendar_token}.ics").status_code == 405


def test_the_feed_is_a_private_calendar(client, leader, settings):
    settings.SITE_URL = "https://portal.example.org"
    with_token(leader)

    response = feed(client, leader)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]
    lines = unfolded(response)
    assert lines[:3] == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Alliance Portal//Leader calendar//EN",
    ]
    assert "CALSCALE:GREGORIAN" in lines
    assert any(line.startswith("X-WR-CALNAME:") for line in lines)
    assert lines[-2:] == ["END:VCALENDAR", ""]


def test_the_feed_has_logged_and_planned_sessions(client, leader, settings, next_year):
    settings.SITE_URL = "https://portal.example.org"
    with_token(leader)
    work = deployment(leader)
    entry = SupportLogFactory(
        deployment=work,
        date=timezone.localdate() - datetime.timedelta(days=10),
        hours=Decimal("3.5"),
        activity=SupportLog.Activity.COACHING,
        notes="Coached the maths lead.",
    )
    timed = PlannedSessionFactory(
        deployment=work,
        date=datetime.date(next_year, 1, 14),
        start_time=datetime.time(9, 30),
        hours=Decimal("3"),
        note="Lesson visits.",
    )
    all_day = PlannedSessionFactory(
        deployment=work, date=datetime.date(next_year, 2, 3), start_time=None, hours=None, note=""
    )

    found = {event["UID"]: event for event in events(feed(client, leader))}

    assert set(found) == {
        f"log-{entry.pk}@portal.example.org",
        f"session-{timed.pk}@portal.example.org",
        f"session-{all_day.pk}@portal.example.org",
    }
    logged = found[f"log-{entry.pk}@portal.example.org"]
    assert logged["DTSTART;VALUE=DATE"] == entry.date.strftime("%Y%m%d")
    assert logged["DTEND;VALUE=DATE"] == (entry.date + datetime.timedelta(days=1)).strftime(
        "%Y%m%d"
    )
    assert logged["SUMMARY"] == "Coaching: Oakfield Primary School"
    assert "3.5 hours" in logged["DESCRIPTION"]
    assert "Coached the maths lead." in logged["DESCRIPTION"]
    assert logged["DTSTAMP"].endswith("Z")

    planned = found[f"session-{timed.pk}@portal.example.org"]
    assert planned["SUMMARY"] == "Planned session: Oakfield Primary School"
    assert planned["DTSTART"] == f"{next_year}0114T093000Z"  # GMT in January
    assert planned["DTEND"] == f"{next_year}0114T123000Z"
    assert "Lesson visits." in planned["DESCRIPTION"]

    whole_day = found[f"session-{all_day.pk}@portal.example.org"]
    assert whole_day["DTSTART;VALUE=DATE"] == f"{next_year}0203"
    assert whole_day["DTEND;VALUE=DATE"] == f"{next_year}0204"


def test_the_uids_stay_the_same_between_downloads(client, leader):
    with_token(leader)
    PlannedSessionFactory(deployment=deployment(leader))

    first = [event["UID"] for event in events(feed(client, leader))]
    second = [event["UID"] for event in events(feed(client, leader))]

    assert first == second and len(first) == 1


def last_sunday_of_march(year):
    day = datetime.date(year, 3, 31)
    return day - datetime.timedelta(days=(day.weekday() - 6) % 7)


def test_planned_times_are_london_time_given_in_utc(client, leader, next_year):
    with_token(leader)
    work = deployment(leader)
    clocks_change = last_sunday_of_march(next_year)
    sessions = {
        "summer": PlannedSessionFactory(
            deployment=work, date=datetime.date(next_year, 7, 1), start_time=datetime.time(9, 0)
        ),
        "before the change": PlannedSessionFactory(
            deployment=work, date=clocks_change, start_time=datetime.time(0, 30), hours=None
        ),
        "after the change": PlannedSessionFactory(
            deployment=work,
            date=clocks_change,
            start_time=datetime.time(10, 0),
            hours=Decimal("1.5"),
        ),
    }

    found = {event["UID"].split("@")[0]: event for event in events(feed(client, leader))}

    def times(name):
        event = found[f"session-{sessions[name].pk}"]
        return event["DTSTART"], event["DTEND"]

    day = clocks_change.strftime("%Y%m%d")
    assert times("summer") == (f"{next_year}0701T080000Z", f"{next_year}0701T110000Z")
    # No length given: one hour.
    assert times("before the change") == (f"{day}T003000Z", f"{day}T013000Z")
    assert times("after the change") == (f"{day}T090000Z", f"{day}T103000Z")


def test_the_feed_leaves_out_other_leaders_old_and_abandoned_work(client, leader):
    with_token(leader)
    mine = PlannedSessionFactory(deployment=deployment(leader))
    other = leader_with_designation()
    PlannedSessionFactory(deployment=deployment(other, school="Not Mine School"))
    SupportLogFactory(deployment=deployment(other, school="Not Mine School"))
    for status in (Deployment.Status.CANCELLED, Deployment.Status.DECLINED):
        gone = deployment(leader, school=f"{status} school", status=status)
        PlannedSessionFactory(deployment=gone)
        SupportLogFactory(deployment=gone, date=timezone.localdate())
    SupportLogFactory(
        deployment=deployment(leader, school="Long Ago School"),
        date=timezone.localdate() - datetime.timedelta(days=400),
    )

    response = feed(client, leader)

    assert [event["UID"].split("@")[0] for event in events(response)] == [f"session-{mine.pk}"]
    text = response.content.decode()
    assert "Not Mine School" not in text
    assert "Long Ago School" not in text


def test_text_is_escaped(client, leader):
    with_token(leader)
    SupportLogFactory(
        deployment=deployment(leader, school="St Mary's; Church, School"),
        date=timezone.localdate(),
        notes="Back\\slash, comma; semicolon\nnew line\r\nand another",
    )

    (event,) = events(feed(client, leader))

    assert event["SUMMARY"] == "Coaching: St Mary's\\; Church\\, School"
    assert event["DESCRIPTION"].endswith(
        "\\n\\nBack\\\\slash\\, comma\\; semicolon\\nnew line\\nand another"
    )


def test_a_calendar_app_reads_back_exactly_what_was_written(client, leader):
    """Parsed by the icalendar package, as a calendar app would, the feed gives back
    the school's name and the notes unchanged, accents, punctuation and lines too."""
    with_token(leader)
    notes = "Back\\slash, comma; semicolon – café\nnew line " + "é" * 80
    SupportLogFactory(
        deployment=deployment(leader, school="St Mary's; Church, School"),
        date=timezone.localdate(),
        notes=notes,
    )

    (event,) = Calendar.from_ical(feed(client, leader).content).walk("VEVENT")

    assert str(event["SUMMARY"]) == "Coaching: St Mary's; Church, School"
    assert str(event["DESCRIPTION"]).endswith("\n\n" + notes)
    assert event["DTSTART"].dt == timezone.localdate()


def test_long_lines_are_folded_and_every_line_ends_with_crlf(client, leader):
    with_token(leader)
    SupportLogFactory(
        deployment=deployment(leader, school="Ysgol Gymraeg Bro Morgannwg ☀"),
        date=timezone.localdate(),
        notes="Worked through the whole improvement plan with the senior team, "
        "one priority at a time: reading, attendance, behaviour – café chat afterwards. " * 3,
    )

    body = feed(client, leader).content

    assert body.endswith(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")
    raw_lines = body.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in raw_lines)
    assert any(line.startswith(b" ") for line in raw_lines)
    for line in raw_lines:
        line.decode()  # no character is split between lines


def test_the_feed_takes_the_same_queries_however_many_events(client, leader):
    with_token(leader)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert feed(client, leader).status_code == 200
        return len(captured)

    work = deployment(leader)
    PlannedSessionFactory(deployment=work)
    SupportLogFactory(deployment=work, date=timezone.localdate())
    few = queries()
    for number in range(8):
        more = deployment(leader, school=f"School {number}")
        PlannedSessionFactory(deployment=more)
        SupportLogFactory(deployment=more, date=timezone.localdate())
    assert len(events(feed(client, leader))) == 18

    assert queries() == few == 3
