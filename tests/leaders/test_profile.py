"""The leader's own profile at /my/profile/: what they may change, and what stays with coordinators."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from alliance_portal.schools.models import Phase
from leaders.directory import place_choices
from leaders.models import AreaOfExpertise, Designation, Leader, academic_year_bounds
from tests.factories import (
    AgreedDeploymentFactory,
    UserFactory,
    leader_with_designation,
)

pytestmark = pytest.mark.django_db

URL = "/my/profile/"


@pytest.fixture
def leader():
    leader = leader_with_designation(
        full_name="Amira Khan", bio="Twenty years teaching maths.", days_per_year=Decimal("20")
    )
    leader.areas_of_expertise.set([AreaOfExpertise.objects.get(name="Mathematics")])
    leader.phases.set([Phase.objects.get(code=Phase.Code.PRIMARY)])
    return leader


@pytest.fixture
def signed_in(client, leader):
    client.force_login(leader.user)
    return client


def form_data(**changes):
    data = {
        "bio": "I lead maths in a large primary school.",
        "areas_of_expertise": [AreaOfExpertise.objects.get(name="Mathematics").pk],
        "phases": [Phase.objects.get(code=Phase.Code.PRIMARY).pk],
        "days_per_year": "15",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def agree(leader, days, start_date=None):
    start_date = start_date or academic_year_bounds(timezone.localdate())[0] + datetime.timedelta(
        days=30
    )
    return AgreedDeploymentFactory(
        leader=leader,
        designation=leader.designations.first(),
        agreed_days=Decimal(days),
        start_date=start_date,
        end_date=start_date + datetime.timedelta(days=90),
    )


@pytest.mark.parametrize("method", ["get", "post"])
def test_it_redirects_an_anonymous_visitor_to_sign_in(client, method):
    response = getattr(client, method)(URL)

    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={URL}"


@pytest.mark.parametrize("method", ["get", "post"])
def test_it_is_not_found_for_someone_without_a_leader_record(client, superuser, method):
    client.force_login(superuser)

    assert getattr(client, method)(URL, {}).status_code == 404


def test_it_shows_the_leaders_own_profile_and_designations(signed_in, leader):
    leader_with_designation(full_name="Someone Else", bio="Not Amira's words.")

    response = signed_in.get(URL)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Amira Khan" in page
    assert "Twenty years teaching maths." in page
    assert "Not Amira&#x27;s words." not in page
    assert 'value="20.0"' in page
    maths = AreaOfExpertise.objects.get(name="Mathematics")
    assert f'value="{maths.pk}" checked' in page
    assert "Specialist Leader of Education (SLE)" in page
    assert "ask your coordinator" in page
    assert 'aria-current="page"' in page


def test_it_groups_the_areas_of_expertise(signed_in):
    page = signed_in.get(URL).content.decode()

    for group in AreaOfExpertise.Group.labels:
        assert f'<legend class="govuk-fieldset__legend">{group}</legend>' in page.replace(
            "&amp;", "&"
        )
    # The error summary links to the first checkbox.
    assert 'id="id_areas_of_expertise_1"' in page


def test_it_saves_the_profile_and_says_so(signed_in, leader):
    science = AreaOfExpertise.objects.get(name="Science")
    secondary = Phase.objects.get(code=Phase.Code.SECONDARY)

    response = signed_in.post(
        URL,
        form_data(
            bio="New words.",
            areas_of_expertise=[science.pk],
            phases=[secondary.pk],
            days_per_year="7.5",
            public_profile_consent="on",
        ),
        follow=True,
    )

    assert response.redirect_chain == [(URL, 302)]
    assert "Your profile is saved." in response.content.decode()
    leader.refresh_from_db()
    assert leader.bio == "New words."
    assert leader.days_per_year == Decimal("7.5")
    assert leader.public_profile_consent is True
    assert list(leader.areas_of_expertise.all()) == [science]
    assert list(leader.phases.all()) == [secondary]


def test_the_history_records_who_changed_the_profile(signed_in, leader):
    before = leader.history.count()

    signed_in.post(URL, form_data(bio="Changed by me."))

    assert leader.history.count() == before + 1
    latest = leader.history.first()
    assert latest.history_user == leader.user
    assert latest.bio == "Changed by me."


def test_saving_without_changes_adds_no_history(signed_in, leader):
    data = form_data(bio=leader.bio, days_per_year="20")
    before = leader.history.count()

    assert signed_in.post(URL, data).status_code == 302
    assert leader.history.count() == before


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ("", "Enter the number of days you can give this academic year"),
        ("lots", "Enter the number of days as a number, like 15 or 7.5"),
        ("-1", "The number of days cannot be less than 0"),
        ("201", "Enter 200 days or fewer"),
        ("7.25", "Enter the days to one decimal place at most, like 7.5"),
    ],
)
def test_it_refuses_days_that_make_no_sense(signed_in, leader, days, message):
    response = signed_in.post(URL, form_data(days_per_year=days))

    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert message in page
    assert "<title>Error: Your profile" in page
    leader.refresh_from_db()
    assert leader.days_per_year == Decimal("20")


def test_it_refuses_fewer_days_than_already_agreed_this_year(signed_in, leader):
    agree(leader, "8")
    agree(leader, "4.5")
    # Next year's and cancelled work do not count against this year.
    year_start = academic_year_bounds(timezone.localdate())[0]
    agree(leader, "30", start_date=year_start.replace(year=year_start.year + 1))
    cancelled = agree(leader, "30")
    cancelled.status = "cancelled"
    cancelled.save()

    page = signed_in.get(URL).content.decode()
    assert "You have agreed 12.5 days so far this academic year." in page

    response = signed_in.post(URL, form_data(days_per_year="12"))
    assert response.status_code == 200
    assert "You have already agreed 12.5 days of support this academic year" in (
        response.content.decode()
    )
    leader.refresh_from_db()
    assert leader.days_per_year == Decimal("20")

    assert signed_in.post(URL, form_data(days_per_year="12.5")).status_code == 302
    leader.refresh_from_db()
    assert leader.days_per_year == Decimal("12.5")


def test_it_refuses_a_bio_over_the_limit(signed_in, leader):
    response = signed_in.post(URL, form_data(bio="x" * 2001))

    assert response.status_code == 200
    assert "Keep this to 2000 characters or fewer" in response.content.decode()


def test_it_explains_what_the_public_sees(signed_in):
    page = signed_in.get(URL).content.decode()

    assert "Show my profile in the public directory" in page
    assert "Your email address and telephone number are never shown." in page


def test_consent_puts_the_leader_in_the_directory_and_refreshes_its_places(
    signed_in, leader, django_capture_on_commit_callbacks
):
    leader.home_school.local_authority.name = "Camden"
    leader.home_school.local_authority.save()
    assert place_choices() == ([], [])  # cached while nobody is listed

    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(URL, form_data(public_profile_consent="on"))

    assert signed_in.get(f"/leaders/{leader.pk}/").status_code == 200
    local_authorities, regions = place_choices()
    assert [name for _code, name in local_authorities] == ["Camden"]

    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(URL, form_data())  # consent withdrawn: the box left unticked

    assert signed_in.get(f"/leaders/{leader.pk}/").status_code == 404
    assert place_choices() == ([], [])


def test_designations_and_other_details_cannot_be_changed_here(signed_in, leader):
    designation = leader.designations.get()
    token_before = leader.calendar_token_hash
    injected = form_data(
        full_name="Someone Else",
        email="someone@example.org",
        job_title="Chief executive",
        home_school="",
        calendar_token_hash="chosen-by-me",
        user=UserFactory().pk,
        designations=[],
        kind="NLE",
        status="withdrawn",
        **{"designations-0-kind": "NLE", "designations-0-status": "lapsed"},
    )

    assert signed_in.post(URL, injected).status_code == 302

    leader.refresh_from_db()
    designation.refresh_from_db()
    assert leader.full_name == "Amira Khan"
    assert leader.email.startswith("leader")
    assert leader.job_title == "Headteacher"
    assert leader.home_school is not None
    assert leader.calendar_token_hash == token_before
    assert leader.user.leader == leader
    assert (designation.kind, designation.status) == ("SLE", Designation.Status.ACTIVE)
    assert leader.designations.count() == 1


def test_a_leader_changes_only_their_own_profile(signed_in, leader):
    other = leader_with_designation(bio="Other bio.", days_per_year=Decimal("10"))

    signed_in.post(URL, form_data(bio="Mine."))

    other.refresh_from_db()
    assert other.bio == "Other bio."
    assert Leader.objects.get(pk=leader.pk).bio == "Mine."
