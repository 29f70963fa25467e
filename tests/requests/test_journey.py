"""A school asks for support through the public journey."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from alliance_portal.notifications.models import OutboundEmail
from alliance_portal.schools.models import Alliance
from leaders.models import AreaOfExpertise
from requests.models import SupportRequest
from tests.factories import (
    AllianceFactory,
    CoordinatorFactory,
    LocalAuthorityFactory,
    SchoolFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def camden():
    return LocalAuthorityFactory(code=202, name="Camden")


@pytest.fixture
def alliance(camden):
    alliance = AllianceFactory(name="North London Hub", contact_email="hub@example.org")
    alliance.local_authorities.add(camden)
    CoordinatorFactory(alliance=alliance, email="coordinator@example.org")
    return alliance


@pytest.fixture
def school(camden):
    return SchoolFactory(
        urn=100123, name="Primrose Hill Primary School", postcode="NW1 8JL", local_authority=camden
    )


def contact_answers(**overrides):
    return {
        "contact_name": "Amira Khan",
        "contact_role": "Headteacher",
        "contact_email": "amira.khan@primrose.example.org",
        "contact_phone": "020 7946 0000",
        **overrides,
    }


def need_answers(**overrides):
    maths = AreaOfExpertise.objects.get(slug="mathematics")
    start = timezone.localdate() + datetime.timedelta(days=30)
    return {
        "areas_of_expertise": [maths.pk],
        "designation_sought": "SLE",
        "circumstances": ["new_headteacher"],
        "other_circumstances": "",
        "outcomes_sought": "Confident teaching of fractions in years 4 to 6.",
        "preferred_start_0": str(start.day),
        "preferred_start_1": str(start.month),
        "preferred_start_2": str(start.year),
        "estimated_days": "6",
        "funding": "school-budget",
        **overrides,
    }


def answer_everything(client, school):
    assert client.post("/request-support/school/", {"urn": school.urn}).status_code == 302
    assert client.post("/request-support/contact/", contact_answers()).status_code == 302
    assert client.post("/request-support/need/", need_answers()).status_code == 302


def error_summary_links(response):
    page = response.content.decode()
    assert "There is a problem" in page
    return page


def test_it_finds_schools_by_name_postcode_or_urn(client, school):
    SchoolFactory(name="Primrose Academy", status="closed")

    for term in ("primrose hill", "NW1 8", "100123"):
        page = client.get("/request-support/school/", {"q": term}).content.decode()
        assert "Primrose Hill Primary School" in page
        assert "Primrose Academy" not in page


def test_it_asks_for_a_longer_search(client):
    page = client.get("/request-support/school/", {"q": "a"}).content.decode()

    assert "Enter at least 2 characters" in page
    assert 'href="#id_q"' in page


def test_it_says_when_no_school_matches(client, school):
    page = client.get("/request-support/school/", {"q": "zzzz"}).content.decode()

    assert "No schools found" in page
    assert "My school is not listed" in page


def test_it_refuses_a_urn_that_is_not_an_open_school(client, school):
    closed = SchoolFactory(status="closed")

    for urn in ("999999", str(closed.urn), "abc"):
        response = client.post("/request-support/school/", {"urn": urn})
        assert response.status_code == 200
        assert "There is a problem" in response.content.decode()


def test_it_sends_a_request_from_start_to_finish(
    client, alliance, school, django_capture_on_commit_callbacks
):
    answer_everything(client, school)

    check = client.get("/request-support/check/").content.decode()
    assert "Primrose Hill Primary School" in check
    assert "amira.khan@primrose.example.org" in check
    assert "Mathematics" in check

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/request-support/check/", {"privacy_consent": "on"})
    assert response.status_code == 302
    assert response.url == "/request-support/sent/"

    support_request = SupportRequest.objects.get()
    assert support_request.school == school
    assert support_request.alliance == alliance
    assert not support_request.routed_to_default
    assert support_request.status == SupportRequest.Status.NEW
    assert support_request.new_headteacher and not support_request.in_ofsted_category
    assert support_request.estimated_days == Decimal("6")
    assert support_request.privacy_consent_at is not None
    assert [a.slug for a in support_request.areas_of_expertise.all()] == ["mathematics"]
    assert support_request.events.get().to_status == "new"

    sent = client.get("/request-support/sent/").content.decode()
    assert support_request.reference in sent
    assert {m.to[0] for m in mail.outbox} == {
        "amira.khan@primrose.example.org",
        "coordinator@example.org",
    }
    school_mail = next(m for m in mail.outbox if m.to == ["amira.khan@primrose.example.org"])
    assert support_request.reference in school_mail.body
    assert "/track/" in school_mail.body
    assert OutboundEmail.objects.filter(status="sent").count() == 2


def test_it_saves_the_request_when_the_mail_server_is_down(
    client, alliance, school, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    answer_everything(client, school)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post("/request-support/check/", {"privacy_consent": "on"})

    assert callbacks, "the send was attempted after the commit"
    assert (
        OutboundEmail.objects.filter(status="queued", attempts=1).exclude(last_error="").count()
        == 2
    )

    assert response.status_code == 302
    assert SupportRequest.objects.count() == 1
    assert OutboundEmail.objects.filter(status="queued").count() == 2


def test_it_routes_a_school_no_alliance_serves_to_the_default_alliance(
    client, alliance, django_capture_on_commit_callbacks
):
    default = AllianceFactory(name="Catch-all Alliance", is_default=True)
    elsewhere = SchoolFactory(local_authority=LocalAuthorityFactory(code=909, name="Cumberland"))

    answer_everything(client, elsewhere)
    client.post("/request-support/check/", {"privacy_consent": "on"})

    support_request = SupportRequest.objects.get()
    assert support_request.alliance == default
    assert support_request.routed_to_default


def test_it_takes_a_school_missing_from_the_register_by_hand(client, alliance, camden):
    response = client.post(
        "/request-support/school/not-listed/",
        {"school_name": "Hillside Free School", "postcode": "nw18jl", "local_authority": camden.pk},
    )
    assert response.status_code == 302
    client.post("/request-support/contact/", contact_answers())
    client.post("/request-support/need/", need_answers())

    assert "Not in the register" in client.get("/request-support/check/").content.decode()
    client.post("/request-support/check/", {"privacy_consent": "on"})

    support_request = SupportRequest.objects.get()
    assert support_request.school is None
    assert support_request.school_name_given == "Hillside Free School"
    assert support_request.school_postcode_given == "NW1 8JL"
    assert support_request.alliance == alliance
    assert not support_request.routed_to_default


def test_it_refuses_a_malformed_postcode(client):
    response = client.post(
        "/request-support/school/not-listed/", {"school_name": "Hillside", "postcode": "12345"}
    )

    assert "Enter a real postcode" in error_summary_links(response)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("contact_email", "not-an-email", "Enter an email address in the right format"),
        ("contact_name", "", "Enter your full name"),
        ("contact_phone", "call me", "Enter a telephone number"),
    ],
)
def test_it_explains_each_bad_contact_answer(client, field, value, message):
    response = client.post("/request-support/contact/", contact_answers(**{field: value}))

    page = error_summary_links(response)
    assert message in page
    assert f'href="#id_{field}"' in page
    assert client.session.get("support_request_draft", {}).get("contact") is None


def test_it_refuses_a_start_date_in_the_past(client):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    answers = need_answers(
        preferred_start_0=str(yesterday.day),
        preferred_start_1=str(yesterday.month),
        preferred_start_2=str(yesterday.year),
    )

    response = client.post("/request-support/need/", answers)

    assert "The start date must be today or in the future" in error_summary_links(response)


def test_it_refuses_an_impossible_date(client):
    answers = need_answers(preferred_start_0="31", preferred_start_1="2", preferred_start_2="2027")

    assert "Enter a real date" in error_summary_links(
        client.post("/request-support/need/", answers)
    )


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ("0", "Enter at least half a day"),
        ("500", "Enter 200 days or fewer"),
        ("lots", "Enter a number"),
    ],
)
def test_it_keeps_the_days_within_sane_bounds(client, days, message):
    response = client.post("/request-support/need/", need_answers(estimated_days=days))

    assert message in error_summary_links(response)


def test_it_asks_about_other_circumstances_it_was_told_about(client):
    response = client.post("/request-support/need/", need_answers(circumstances=["other"]))

    assert "Tell us about the other circumstances" in error_summary_links(response)


def test_it_needs_consent_to_the_privacy_notice(client, alliance, school):
    answer_everything(client, school)

    response = client.post("/request-support/check/", {})

    assert "Confirm you have read the privacy notice" in error_summary_links(response)
    assert not SupportRequest.objects.exists()


def test_it_sends_a_school_back_to_the_first_unanswered_step(client, school):
    assert client.get("/request-support/check/").url == "/request-support/school/"

    client.post("/request-support/school/", {"urn": school.urn})

    assert client.get("/request-support/check/").url == "/request-support/contact/"


def test_it_returns_to_check_answers_after_a_change(client, alliance, school):
    answer_everything(client, school)

    response = client.post(
        "/request-support/contact/?change=1", contact_answers(contact_role="Deputy head")
    )

    assert response.url == "/request-support/check/"
    assert "Deputy head" in client.get("/request-support/check/").content.decode()


def test_it_shows_saved_answers_when_going_back(client, school):
    client.post("/request-support/contact/", contact_answers())

    page = client.get("/request-support/contact/").content.decode()

    assert 'value="Amira Khan"' in page


def test_it_refuses_a_form_with_the_honeypot_filled_in(client, alliance, school):
    answer_everything(client, school)

    response = client.post(
        "/request-support/check/", {"privacy_consent": "on", "website_address": "http://spam"}
    )

    assert response.status_code == 400
    assert not SupportRequest.objects.exists()


@pytest.mark.usefixtures("counter_cache")
def test_it_limits_how_often_one_client_can_post(client, alliance, school, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "request-support": (3, 3600)}
    answer_everything(client, school)  # three posts

    response = client.post("/request-support/check/", {"privacy_consent": "on"})

    assert response.status_code == 429
    assert "too many times" in response.content.decode()
    assert response["Retry-After"] == "3600"
    assert not SupportRequest.objects.exists()


def test_it_suggests_the_designation_a_school_came_from(client):
    client.get("/request-support/", {"designation": "NLE"})

    page = client.get("/request-support/need/").content.decode()

    assert re.search(r'value="NLE"\s+checked', page)


def test_it_ignores_an_unknown_suggested_designation(client):
    client.get("/request-support/", {"designation": "XYZ"})

    page = client.get("/request-support/need/").content.decode()

    assert re.search(r'value="not-sure"\s+checked', page)


def test_it_suggests_open_schools_as_a_school_types(client, school):
    SchoolFactory(name="Primrose Academy", status="closed")

    response = client.get("/request-support/school/suggestions/", {"q": "primrose"})

    assert response.json() == {
        "schools": [
            {
                "urn": 100123,
                "name": "Primrose Hill Primary School",
                "town": "London",
                "postcode": "NW1 8JL",
                "text": "Primrose Hill Primary School, London",
            }
        ]
    }


def test_a_suggestion_says_where_a_school_without_a_town_is(client, school):
    school.town = ""
    school.save()

    [suggestion] = client.get("/request-support/school/suggestions/", {"q": "primrose"}).json()[
        "schools"
    ]

    assert suggestion["text"] == "Primrose Hill Primary School, Camden"


@pytest.mark.parametrize(
    "text",
    [
        "Primrose Hill Primary School, London",
        "primrose hill primary school , london",
        "Primrose Hill Primary School, Camden",
        "Primrose Hill, London",
    ],
)
def test_the_search_finds_a_school_by_its_suggestion(client, school, camden, text):
    SchoolFactory(name="Primrose Hill Primary School", town="Leeds", urn=100999)
    SchoolFactory(name="Primrose Hill Primary School", town="", urn=100998)

    response = client.get("/request-support/school/", {"q": text})

    assert re.findall(r'name="urn" type="radio" value="(\d+)"', response.content.decode()) == [
        "100123"
    ]


def test_the_search_by_name_alone_still_finds_every_school_of_that_name(client, school):
    SchoolFactory(name="Primrose Hill Primary School", town="Leeds", urn=100999)

    response = client.get("/request-support/school/", {"q": "Primrose Hill Primary School"})

    assert len(re.findall(r'name="urn" type="radio"', response.content.decode())) == 2


def test_it_suggests_nothing_for_a_single_letter(client, school):
    response = client.get("/request-support/school/suggestions/", {"q": "p"})

    assert response.json() == {"schools": []}


def test_it_links_a_checkbox_group_error_to_its_first_box(client):
    response = client.post("/request-support/need/", need_answers(areas_of_expertise=[]))

    page = error_summary_links(response)
    assert 'href="#id_areas_of_expertise_1"' in page
    assert 'id="id_areas_of_expertise_1"' in page
    assert page.count("csrfmiddlewaretoken") == 1


def test_it_returns_to_check_answers_after_changing_the_school(client, alliance, school, camden):
    other = SchoolFactory(name="Regent Park Primary", local_authority=camden)
    answer_everything(client, school)

    response = client.post("/request-support/school/?q=Regent&change=1", {"urn": other.urn})

    assert response.url == "/request-support/check/"
    assert "Regent Park Primary" in client.get("/request-support/check/").content.decode()


def test_it_keeps_the_results_when_no_school_was_chosen(client, school):
    response = client.post("/request-support/school/?q=Primrose", {})

    page = error_summary_links(response)
    assert 'href="#id_urn"' in page
    assert 'id="id_urn"' in page
    assert "Primrose Hill Primary School" in page


def test_it_keeps_only_the_steps_own_answers(client, alliance, camden, school):
    client.post(
        "/request-support/school/not-listed/",
        {
            "school_name": "Hillside Free School",
            "postcode": "NW1 8JL",
            "local_authority": camden.pk,
            "urn": school.urn,
            "is_staff": "1",
        },
    )

    stored = client.session["support_request_draft"]["school"]
    assert set(stored) == {"school_name", "postcode", "local_authority"}


def test_it_keeps_the_date_parts_of_a_step(client):
    client.post("/request-support/need/", need_answers())

    stored = client.session["support_request_draft"]["need"]
    assert {"preferred_start_0", "preferred_start_1", "preferred_start_2"} <= set(stored)


def test_it_tells_browsers_not_to_keep_personal_pages(client, school):
    client.post("/request-support/school/", {"urn": school.urn})

    response = client.get("/request-support/contact/")

    assert "no-store" in response["Cache-Control"]


def test_it_refuses_a_fraction_of_a_day_other_than_a_half(client):
    response = client.post("/request-support/need/", need_answers(estimated_days="7.3"))

    assert "Enter whole or half days" in error_summary_links(response)


@pytest.mark.parametrize("phone", ["()()()()()", "12345", "+44 20 7946 0000 00 00"])
def test_it_refuses_a_telephone_number_without_enough_digits(client, phone):
    response = client.post("/request-support/contact/", contact_answers(contact_phone=phone))

    assert "Enter a telephone number" in error_summary_links(response)


def test_it_tells_a_school_which_answers_are_missing(client):
    client.post("/request-support/contact/", contact_answers())

    response = client.get("/request-support/check/", follow=True)

    assert response.redirect_chain[-1][0] == "/request-support/school/"
    assert "Some answers are missing or need checking." in response.content.decode()


def test_with_no_alliance_yet_the_check_page_says_so_and_saves_nothing(client):
    school = SchoolFactory(urn=100999, local_authority=LocalAuthorityFactory(code=909))
    Alliance.objects.all().delete()
    answer_everything(client, school)

    response = client.post("/request-support/check/", {"privacy_consent": "on"})

    assert response.status_code == 200
    assert "No alliance has joined the portal yet" in error_summary_links(response)
    assert not SupportRequest.objects.exists()
