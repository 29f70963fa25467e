"""A practitioner tells an alliance they would like to become a system leader."""

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from alliance_portal.notifications.models import OutboundEmail
from alliance_portal.schools.models import Alliance, Phase
from leaders.models import AreaOfExpertise, LeaderApplication
from tests.factories import (
    AllianceFactory,
    CoordinatorFactory,
    LocalAuthorityFactory,
    SchoolFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

APPLY = "/become-a-leader/"


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
def default_alliance():
    return AllianceFactory(
        name="Catch-all Alliance", contact_email="catch-all@example.org", is_default=True
    )


@pytest.fixture
def school(camden):
    return SchoolFactory(
        urn=100123, name="Primrose Hill Primary School", postcode="NW1 8JL", local_authority=camden
    )


def answers(**overrides):
    maths = AreaOfExpertise.objects.get(slug="mathematics")
    primary = Phase.objects.get(code="primary")
    return {
        "full_name": "Amira Khan",
        "email": "amira.khan@primrose.example.org",
        "phone": "020 7946 0000",
        "current_role": "Head of mathematics",
        "school_urn": "100123",
        "school_name": "",
        "designation_sought": "SLE",
        "areas_of_expertise": [maths.pk],
        "phases": [primary.pk],
        "statement": "I led the move to mastery teaching across key stage 2.",
        "experience": "Four years as a middle leader.",
        "head_agrees_to_release": "on",
        "head_name": "Daniel Okafor",
        "head_email": "head@primrose.example.org",
        "privacy_consent": "on",
        **overrides,
    }


def refused(response):
    """The form came back with its errors, and nothing was saved."""
    assert response.status_code == 200
    assert not LeaderApplication.objects.exists()
    assert not OutboundEmail.objects.exists()
    page = response.content.decode()
    assert "There is a problem" in page
    assert "<title>Error: " in page
    return page


def test_it_shows_the_form_with_links_to_the_role_pages(client):
    page = client.get(APPLY).content.decode()

    assert "Apply to become a system leader" in page
    assert 'href="/roles/sle/"' in page
    assert 'href="/roles/nle/"' in page
    assert 'name="website_address"' in page
    assert 'autocomplete="email"' in page


def test_it_saves_an_application_and_sends_the_emails(
    client, alliance, school, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(APPLY, answers())

    assert response.status_code == 302
    assert response.url == "/become-a-leader/sent/"
    application = LeaderApplication.objects.get()
    assert application.full_name == "Amira Khan"
    assert application.email == "amira.khan@primrose.example.org"
    assert application.phone == "020 7946 0000"
    assert application.current_role == "Head of mathematics"
    assert application.home_school == school
    assert application.school_name_given == ""
    assert application.alliance == alliance
    assert not application.routed_to_default
    assert application.designation_sought == "SLE"
    assert [a.slug for a in application.areas_of_expertise.all()] == ["mathematics"]
    assert [p.code for p in application.phases.all()] == ["primary"]
    assert application.statement.startswith("I led the move to mastery")
    assert application.experience == "Four years as a middle leader."
    assert application.head_agrees_to_release
    assert application.head_name == "Daniel Okafor"
    assert application.head_email == "head@primrose.example.org"
    assert application.status == LeaderApplication.Status.NEW
    assert application.decided_at is None and application.decided_by is None
    assert application.privacy_consent_at is not None

    assert {m.to[0] for m in mail.outbox} == {
        "amira.khan@primrose.example.org",
        "coordinator@example.org",
    }
    applicant_mail = next(m for m in mail.outbox if m.to == ["amira.khan@primrose.example.org"])
    assert "Specialist Leader of Education" in applicant_mail.subject
    assert "North London Hub" in applicant_mail.body
    coordinator_mail = next(m for m in mail.outbox if m.to == ["coordinator@example.org"])
    assert "Amira Khan" in coordinator_mail.subject
    assert f"/admin/leaders/leaderapplication/{application.pk}/change/" in coordinator_mail.body
    assert "Daniel Okafor" in coordinator_mail.body
    assert OutboundEmail.objects.filter(status="sent").count() == 2

    sent = client.get(response.url).content.decode()
    assert "Application sent" in sent
    assert "amira.khan@primrose.example.org" in sent
    assert "North London Hub" in sent


def test_it_writes_to_the_alliance_when_it_has_no_coordinators(
    client, camden, school, django_capture_on_commit_callbacks
):
    alliance = AllianceFactory(contact_email="office@hub.example.org")
    alliance.local_authorities.add(camden)
    CoordinatorFactory(alliance=alliance, is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(APPLY, answers())

    assert {m.to[0] for m in mail.outbox} == {
        "amira.khan@primrose.example.org",
        "office@hub.example.org",
    }


def test_it_takes_a_school_missing_from_the_register_to_the_default_alliance(
    client, alliance, default_alliance, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(APPLY, answers(school_urn="", school_name="Hillside Free School"))

    assert response.status_code == 302
    application = LeaderApplication.objects.get()
    assert application.home_school is None
    assert application.school_name_given == "Hillside Free School"
    assert application.alliance == default_alliance
    assert application.routed_to_default
    coordinator_mail = next(m for m in mail.outbox if m.to == ["catch-all@example.org"])
    assert "Hillside Free School (not found in the register: please check it)" in (
        coordinator_mail.body
    )


def test_it_routes_a_school_no_alliance_serves_to_the_default_alliance(
    client, alliance, default_alliance
):
    SchoolFactory(urn=200200, local_authority=LocalAuthorityFactory(code=909, name="Cumberland"))

    client.post(APPLY, answers(school_urn="200200"))

    application = LeaderApplication.objects.get()
    assert application.alliance == default_alliance
    assert application.routed_to_default


def test_it_prefers_the_register_when_given_a_urn_and_a_name(client, alliance, school):
    client.post(APPLY, answers(school_name="Primrose Hill"))

    application = LeaderApplication.objects.get()
    assert application.home_school == school
    assert application.school_name_given == ""


def test_it_needs_no_headteacher_for_a_headteacher_designation(client, alliance, school):
    response = client.post(
        APPLY,
        answers(
            designation_sought="LLE",
            current_role="Headteacher",
            head_agrees_to_release="",
            head_name="",
            head_email="",
            phone="",
            experience="",
        ),
    )

    assert response.status_code == 302
    application = LeaderApplication.objects.get()
    assert application.designation_sought == "LLE"
    assert not application.head_agrees_to_release
    assert application.phone == "" and application.experience == ""


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"full_name": " "}, "full_name", "Enter your full name"),
        ({"email": ""}, "email", "Enter your email address"),
        ({"email": "amira"}, "email", "Enter an email address in the right format"),
        ({"phone": "call me"}, "phone", "Enter a telephone number"),
        ({"current_role": ""}, "current_role", "Enter your current role"),
        (
            {"school_urn": "", "school_name": ""},
            "school_urn",
            "Enter your school&#x27;s URN, or its name if you do not know the URN",
        ),
        ({"school_urn": "abc"}, "school_urn", "Enter the URN using numbers only"),
        ({"school_urn": "999999"}, "school_urn", "We could not find an open school with URN"),
        ({"designation_sought": ""}, "designation_sought", "Select the designation"),
        ({"designation_sought": "XYZ"}, "designation_sought", "Select a valid choice"),
        ({"areas_of_expertise": []}, "areas_of_expertise", "Select at least one area"),
        ({"phases": []}, "phases", "Select at least one phase"),
        ({"statement": ""}, "statement", "Tell us why you want to be a system leader"),
        ({"statement": "x" * 4001}, "statement", "Keep your answer to 4000 characters"),
        ({"experience": "x" * 2001}, "experience", "Keep your answer to 2000 characters"),
        (
            {"head_agrees_to_release": ""},
            "head_agrees_to_release",
            "Confirm your headteacher agrees to release you",
        ),
        ({"head_name": ""}, "head_name", "Enter your headteacher&#x27;s name"),
        ({"head_email": ""}, "head_email", "Enter your headteacher&#x27;s email address"),
        (
            {"head_email": "head"},
            "head_email",
            "Enter your headteacher&#x27;s email address in the right format",
        ),
        (
            {"head_email": "Amira.Khan@primrose.example.org"},
            "head_email",
            "Enter your headteacher&#x27;s email address, not your own",
        ),
        ({"privacy_consent": ""}, "privacy_consent", "Confirm you have read the privacy notice"),
    ],
)
def test_it_explains_each_bad_answer_and_saves_nothing(
    client, alliance, school, overrides, field, message
):
    page = refused(client.post(APPLY, answers(**overrides)))

    assert message in page
    assert f'href="#id_{field}' in page


def test_it_refuses_the_urn_of_a_closed_school(client, alliance):
    SchoolFactory(urn=300300, status="closed")

    page = refused(client.post(APPLY, answers(school_urn="300300")))

    assert "We could not find an open school with URN 300300" in page


def test_it_keeps_the_answers_when_sending_the_form_back(client, alliance, school):
    page = refused(client.post(APPLY, answers(privacy_consent="")))

    assert 'value="Amira Khan"' in page
    assert "I led the move to mastery teaching" in page


def test_the_database_refuses_an_sle_without_the_heads_agreement(alliance, school):
    with pytest.raises(IntegrityError), transaction.atomic():
        LeaderApplication.objects.create(
            full_name="Amira Khan",
            email="amira@example.org",
            current_role="Head of science",
            home_school=school,
            alliance=alliance,
            designation_sought="SLE",
            statement="Science.",
        )


def test_the_database_refuses_an_application_without_a_school(alliance):
    with pytest.raises(IntegrityError), transaction.atomic():
        LeaderApplication.objects.create(
            full_name="Amira Khan",
            email="amira@example.org",
            current_role="Headteacher",
            alliance=alliance,
            designation_sought="LLE",
            statement="Leadership.",
        )


def test_the_database_refuses_a_decision_without_its_date(alliance, school):
    with pytest.raises(IntegrityError), transaction.atomic():
        LeaderApplication.objects.create(
            full_name="Amira Khan",
            email="amira@example.org",
            current_role="Headteacher",
            home_school=school,
            alliance=alliance,
            designation_sought="LLE",
            statement="Leadership.",
            status=LeaderApplication.Status.APPROVED,
        )


def test_it_refuses_a_form_with_the_honeypot_filled_in(client, alliance, school):
    response = client.post(APPLY, answers(website_address="http://spam.example"))

    assert response.status_code == 400
    assert not LeaderApplication.objects.exists()
    assert not OutboundEmail.objects.exists()


@pytest.mark.usefixtures("counter_cache")
def test_it_limits_how_often_one_client_can_apply(client, alliance, school, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "become-a-leader": (2, 3600)}
    client.post(APPLY, answers(full_name=""))
    client.post(APPLY, answers(full_name=""))

    response = client.post(APPLY, answers())

    assert response.status_code == 429
    assert "too many times" in response.content.decode()
    assert response["Retry-After"] == "3600"
    assert not LeaderApplication.objects.exists()


def test_the_confirmation_page_sends_a_visitor_who_has_not_applied_to_the_form(client):
    response = client.get("/become-a-leader/sent/")

    assert response.status_code == 302
    assert response.url == APPLY


def test_coordinators_see_the_application_in_the_admin_queue(client, alliance, school):
    client.post(APPLY, answers())
    application = LeaderApplication.objects.get()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    changelist = client.get("/admin/leaders/leaderapplication/").content.decode()
    change = client.get(f"/admin/leaders/leaderapplication/{application.pk}/change/")

    assert "Amira Khan" in changelist
    assert "North London Hub" in changelist
    assert "New" in changelist
    assert change.status_code == 200
    assert "I led the move to mastery teaching" in change.content.decode()
    assert client.get("/admin/leaders/leaderapplication/add/").status_code == 403


def test_with_no_alliance_yet_the_form_says_so_and_saves_nothing(client, school):
    Alliance.objects.all().delete()

    response = client.post(APPLY, answers())

    assert response.status_code == 200
    assert "No alliance has joined the portal yet" in response.content.decode()
    assert not LeaderApplication.objects.exists()
