"""No server error from any input: one test per cause of a 500 the fuzzer found (issue 10).

Each input is refused with a message a person can act on, or answered with a 4xx,
and a refused input writes nothing. tests/security/test_fuzz.py looks for more.
"""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alliance_portal.notifications.models import OutboundEmail
from deployments.models import Deployment, Objective, PlannedSession, SupportLog
from leaders.models import AreaOfExpertise
from requests.models import RequestEvent, SupportRequest
from requests.tracking import tracking_token
from tests.admin.test_write_scope import changed_tables, snapshot
from tests.factories import (
    AgreedDeploymentFactory,
    AllianceFactory,
    DeploymentFactory,
    LeaderApplicationFactory,
    LeaderFactory,
    SchoolFactory,
    SupportRequestFactory,
    UserFactory,
)
from tests.test_permission_matrix import MATRIX

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LONG_NAME = "Bartholomew-Fitzwilliam " * 6  # 150 characters
LONG_SCHOOL = "The Very Long Name of a Voluntary Aided Church of England Primary School " * 3
ACTOR_LABEL_LENGTH = RequestEvent._meta.get_field("actor_label").max_length
# What a person is told (written out, so these tests also run against older code).
RANGE_MESSAGE = "Enter a date between 1900 and 2100"
CHARSET_REFUSED = "This form was sent in a character set other than UTF-8"


def page(response):
    return response.content.decode()


def need_answers(**overrides):
    start = TODAY + datetime.timedelta(days=30)
    return {
        "areas_of_expertise": [AreaOfExpertise.objects.get(slug="mathematics").pk],
        "designation_sought": "SLE",
        "outcomes_sought": "Confident teaching of fractions in years 4 to 6.",
        "preferred_start_0": str(start.day),
        "preferred_start_1": str(start.month),
        "preferred_start_2": str(start.year),
        "funding": "school-budget",
        **overrides,
    }


def contact_answers(**overrides):
    return {
        "contact_name": "Amira Khan",
        "contact_role": "Headteacher",
        "contact_email": "amira@school.example.org",
        **overrides,
    }


# 1. The timeline's "who" is composed from names that each fit their own column.


def test_1_it_sends_a_request_whose_contact_and_school_names_are_long(client):
    AllianceFactory(is_default=True)
    assert len(LONG_NAME.strip()) + len(LONG_SCHOOL.strip()) > 148
    by_hand = {"school_name": LONG_SCHOOL.strip()[:255], "postcode": "NW1 8JL"}
    assert client.post("/request-support/school/not-listed/", by_hand).status_code == 302
    contact = contact_answers(contact_name=LONG_NAME.strip())
    assert client.post("/request-support/contact/", contact).status_code == 302
    assert client.post("/request-support/need/", need_answers()).status_code == 302

    response = client.post("/request-support/check/", {"privacy_consent": "on"})

    assert response.status_code == 302
    event = RequestEvent.objects.get()
    assert len(event.actor_label) <= ACTOR_LABEL_LENGTH
    assert event.actor_label.startswith(LONG_NAME.strip()[:100])
    assert event.actor_label.endswith("…")


def test_1_it_withdraws_a_request_whose_contact_has_a_long_name(client):
    support_request = SupportRequestFactory(status="new", contact_name=LONG_NAME.strip())

    response = client.post(
        f"/track/{tracking_token(support_request)}/withdraw/", {"reason": "Found help nearby."}
    )

    assert response.status_code == 302
    support_request.refresh_from_db()
    assert support_request.status == SupportRequest.Status.WITHDRAWN
    event = support_request.events.get()
    assert len(event.actor_label) <= ACTOR_LABEL_LENGTH


# 2. A school without a local authority (and without a town) is still listed.


def test_2_it_lists_a_school_that_has_no_local_authority(client):
    SchoolFactory(name="Oakfield Free School", local_authority=None, town="", postcode="M1 2AB")

    response = client.get("/request-support/school/", {"q": "oakfield"})

    assert response.status_code == 200
    assert "Oakfield Free School" in page(response)
    assert "M1 2AB" in page(response)


# 3. and 4. Dates in the agreement and on the request's admin page.


@pytest.fixture
def accepted_proposal():
    deployment = DeploymentFactory(
        request__status="proposed",
        status="accepted",
        responded_at=timezone.now(),
        leader__days_per_year=20,
    )
    return deployment


def agreement(**changes):
    return {
        "objectives": "Raise attainment in mathematics",
        "agreed_days": "8",
        "start_date": (TODAY + datetime.timedelta(days=30)).isoformat(),
        "end_date": (TODAY + datetime.timedelta(days=150)).isoformat(),
        "daily_rate": "350.00",
        "brokerage_fee": "50.00",
        "funding_source": "grant",
        "signed_by": "Amira Khan, headteacher",
        **changes,
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"objectives": "Coach the maths lead\n" + "x" * 501}, "500 characters or fewer"),
        ({"start_date": "9999-12-31", "end_date": "9999-12-31"}, RANGE_MESSAGE),
        ({"start_date": "9999-10-01"}, RANGE_MESSAGE),
        ({"start_date": "0001-01-01"}, RANGE_MESSAGE),
    ],
    ids=["objective-over-500", "late-9999", "autumn-9999", "year-1"],
)
def test_3_it_refuses_an_agreement_it_cannot_keep_and_shows_what_was_typed(
    admin_client, accepted_proposal, changes, message
):
    url = reverse("admin:deployments_deployment_agree", args=[accepted_proposal.pk])
    before = snapshot()

    response = admin_client.post(url, agreement(**changes))

    assert response.status_code == 200
    assert message in page(response)
    assert "Amira Khan, headteacher" in page(response)  # what the coordinator typed
    assert changed_tables(before, snapshot()) == []
    assert not Objective.objects.exists()


@pytest.mark.parametrize("stored", [datetime.date(9999, 12, 31), datetime.date(1, 1, 1)])
def test_4_a_request_page_opens_whatever_preferred_start_was_saved(admin_client, stored):
    support_request = SupportRequestFactory(status="matching")
    SupportRequest.objects.filter(pk=support_request.pk).update(preferred_start=stored)

    response = admin_client.get(
        reverse("admin:support_requests_supportrequest_change", args=[support_request.pk])
    )

    assert response.status_code == 200


def request_typed_in(**changes):
    """A request a coordinator types in from a phone call: every field the add page takes.

    (Once a request exists, what the school wrote is read-only, so these boxes
    are only on the add page.)
    """
    existing = SupportRequestFactory(status="matching")
    return {
        "source": "school",
        "alliance": existing.alliance.pk,
        "school": existing.school.pk,
        "contact_name": "Ada Lovelace",
        "contact_email": "ada@school.example.org",
        "designation_sought": "not-sure",
        "outcomes_sought": "A plan for reading.",
        "funding": "not-known",
        "leaders_wanted": "1",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
        **changes,
    }


@pytest.mark.parametrize("typed", ["9999-12-31", "0001-01-01"])
def test_4_the_request_page_refuses_a_preferred_start_out_of_range(admin_client, typed):
    data = request_typed_in(preferred_start=typed)

    response = admin_client.post(reverse("admin:support_requests_supportrequest_add"), data)

    assert response.status_code == 200
    assert RANGE_MESSAGE in page(response)
    assert not SupportRequest.objects.filter(contact_email="ada@school.example.org").exists()


# 5. Date boxes take at most 2, 2 and 4 numbers.

OVERFLOWING_DATES = [
    ("9" * 10, "1", "2027"),
    ("1", "1" * 12, "2027"),
    ("1", "1", "2" * 10),
]


@pytest.mark.parametrize("day, month, year", OVERFLOWING_DATES, ids=["day", "month", "year"])
def test_5_the_need_step_refuses_overflowing_date_boxes(client, day, month, year):
    response = client.post(
        "/request-support/need/",
        need_answers(preferred_start_0=day, preferred_start_1=month, preferred_start_2=year),
    )

    assert response.status_code == 200
    assert "There is a problem" in page(response)
    assert "as 1 or 2 numbers" in page(response) or "as 4 numbers" in page(response)


@pytest.fixture
def leader_client():
    deployment = AgreedDeploymentFactory(
        leader__user=UserFactory(),
        status=Deployment.Status.IN_DELIVERY,
        request__status=SupportRequest.Status.IN_DELIVERY,
        start_date=TODAY - datetime.timedelta(days=30),
        end_date=TODAY + datetime.timedelta(days=90),
    )
    client = Client()
    client.force_login(deployment.leader.user)
    client.deployment = deployment
    return client


@pytest.mark.parametrize("day, month, year", OVERFLOWING_DATES, ids=["day", "month", "year"])
@pytest.mark.parametrize(
    ("step", "answers", "model"),
    [
        ("log", {"hours": "2", "activity": "coaching"}, SupportLog),
        ("sessions", {"hours": "2"}, PlannedSession),
    ],
    ids=["log-support", "plan-session"],
)
def test_5_logging_and_planning_refuse_overflowing_date_boxes(
    leader_client, step, answers, model, day, month, year
):
    url = f"/my/deployments/{leader_client.deployment.pk}/{step}/"

    response = leader_client.post(url, {**answers, "date_0": day, "date_1": month, "date_2": year})

    assert response.status_code == 200
    assert "There is a problem" in page(response)
    assert not model.objects.exists()


def test_5_a_date_box_takes_a_real_date_in_range(client):
    response = client.post(
        "/request-support/need/",
        need_answers(preferred_start_0="14", preferred_start_1="1", preferred_start_2="1899"),
    )

    assert "Enter a date between 1900 and 2100" in page(response)


# 6. A form sent in another charset than UTF-8 is a 400 that says so.

FORM_PAGES = sorted(
    path for path, _, post in MATRIX.values() if 200 in post.values() and "{" not in path
)


def post_in(client, path, charset):
    return client.generic(
        "POST",
        path,
        b"full_name=Ren%E9e&contact_name=Ren%E9e",
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )


@pytest.mark.parametrize("charset", ["latin-1", "utf-16"])
@pytest.mark.parametrize("path", FORM_PAGES)
def test_6_every_form_refuses_another_charset_than_utf_8(settings, path, charset):
    # `make run` serves with DEBUG on, where Django's own refusal ended in a 500.
    settings.DEBUG = True
    before = snapshot()

    response = post_in(Client(), path, charset)

    assert response.status_code == 400
    assert page(response).startswith(CHARSET_REFUSED)
    assert changed_tables(before, snapshot()) == []


@pytest.mark.parametrize("charset", ["latin-1", "utf-16", "utf8", "no-such-charset", ""])
def test_6_a_foreign_charset_is_a_400_with_a_clear_message(client, charset):
    response = post_in(client, "/request-support/contact/", charset)

    assert response.status_code == 400
    assert page(response).startswith(CHARSET_REFUSED)


def test_6_it_refuses_a_multipart_form_in_another_charset(client):
    response = client.generic(
        "POST",
        "/become-a-leader/",
        b'--B\r\nContent-Disposition: form-data; name="full_name"\r\n\r\nRen\xe9e\r\n--B--\r\n',
        content_type="multipart/form-data; boundary=B; charset=latin-1",
    )

    assert response.status_code == 400


def test_6_it_reads_a_form_that_says_utf_8(client):
    response = client.post(
        "/request-support/contact/",
        "contact_name=Ren%C3%A9e",
        content_type="application/x-www-form-urlencoded; charset=UTF-8",
    )

    assert response.status_code == 200
    assert "Renée" in page(response)


# 7. Superscript digits are not a URN.


@pytest.mark.parametrize("term", ["1²", "²³", "10012³", "¹²³⁴⁵⁶"])
def test_7_the_school_search_takes_superscript_digits(client, term):
    SchoolFactory(urn=100123, name="Primrose Hill Primary School")

    search = client.get("/request-support/school/", {"q": term})
    suggestions = client.get("/request-support/school/suggestions/", {"q": term})

    assert search.status_code == 200
    assert "No schools found" in page(search)
    assert suggestions.status_code == 200
    assert suggestions.json() == {"schools": []}


def test_7_the_admin_school_search_takes_superscript_digits(admin_client):
    SchoolFactory(urn=100123, name="Primrose Hill Primary School")

    changelist = admin_client.get("/admin/schools/school/", {"q": "1²"})
    autocomplete = admin_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "support_requests",
            "model_name": "supportrequest",
            "field_name": "school",
            "term": "1²",
        },
    )

    assert changelist.status_code == 200
    assert autocomplete.status_code == 200


# 8. Admin and coordinator inputs.


@pytest.fixture
def application():
    return LeaderApplicationFactory()


@pytest.mark.parametrize(("action", "field"), [("approve", "note"), ("reject", "reason")])
def test_8_a_decision_note_with_a_nul_character_is_refused(
    admin_client, application, action, field
):
    url = reverse(f"admin:leaders_leaderapplication_{action}", args=[application.pk])
    before = snapshot()

    response = admin_client.post(url, {field: "Strong\x00 application"}, follow=True)

    assert response.status_code == 200
    assert "Null characters are not allowed." in page(response)
    assert changed_tables(before, snapshot()) == []


@pytest.mark.parametrize(
    "query",
    [
        {"term": "abc\x00"},
        {"term": "\x00", "page": "1"},
    ],
)
def test_8_an_autocomplete_with_a_nul_character_finds_nothing(admin_client, query):
    SchoolFactory(name="Abc Primary")

    response = admin_client.get(
        "/admin/autocomplete/",
        {"app_label": "support_requests", "model_name": "supportrequest", "field_name": "school"}
        | query,
    )

    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize(
    "query",
    ["status__exact=%00", "q=%00", "status__exact=new&o=%00", "funding__exact=a%00b"],
)
def test_8_a_list_filter_with_a_nul_character_is_a_400(admin_client, query):
    SupportRequestFactory()

    response = admin_client.get(f"/admin/support_requests/supportrequest/?{query}")

    assert response.status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "created_at__year=9999&created_at__month=12",
        "created_at__year=9999&created_at__month=12&created_at__day=31",
    ],
)
def test_8_the_date_drill_down_at_the_end_of_9999_is_not_an_error(admin_client, query):
    OutboundEmail.objects.create(to="a@example.org", subject="Hello", body_text="Hello")

    response = admin_client.get(f"/admin/notifications/outboundemail/?{query}")

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


@pytest.mark.parametrize(
    "path",
    [
        "/admin/support_requests/supportrequest/{pk}/history/abc/",
        "/admin/support_requests/supportrequest/abc/history/",
        "/admin/support_requests/supportrequest/abc/history/1/",
        "/admin/leaders/leader/{leader}/history/1.5/",
    ],
)
def test_8_a_history_page_with_an_id_that_is_not_a_number_is_a_404(admin_client, path):
    support_request = SupportRequestFactory()
    leader = LeaderFactory()

    response = admin_client.get(path.format(pk=support_request.pk, leader=leader.pk))

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("school", "abc"),
        ("school", " "),
        ("school", "9" * 30),
        ("areas_of_expertise", ["abc"]),
        ("areas_of_expertise", ["9" * 30]),
    ],
)
def test_8_a_non_numeric_id_in_an_autocomplete_box_is_a_form_error(admin_client, field, value):
    data = request_typed_in(**{field: value})
    before = snapshot()

    response = admin_client.post(reverse("admin:support_requests_supportrequest_add"), data)

    assert response.status_code == 200
    assert "Please correct the error below." in page(response)
    assert changed_tables(before, snapshot()) == []


@pytest.mark.parametrize("value", ["9" * 30, "-" + "9" * 30])
def test_a_choice_of_several_rows_refuses_a_key_too_big_for_its_column(client, value):
    response = client.post("/become-a-leader/", {"areas_of_expertise": [value], "phases": [value]})

    assert response.status_code == 200
    assert "There is a problem" in page(response)


@pytest.mark.parametrize("object_id", ["{pk}", " ", "abc"])
@pytest.mark.parametrize("page", ["change", "delete"])
def test_an_empty_to_field_names_no_field(admin_client, page, object_id):
    support_request = SupportRequestFactory()
    path = f"/admin/support_requests/supportrequest/{object_id}/{page}/?_to_field="

    response = admin_client.get(path.format(pk=support_request.pk))

    assert response.status_code in (200, 302, 403, 404)  # no longer a 500
