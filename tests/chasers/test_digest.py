"""The weekly digest: each coordinator's own alliance, on the first working day of the week,
once, and nothing when there is nothing to say."""

import pytest

from alliance_portal.chasers.digest import LIST_LIMIT, is_digest_day
from deployments.models import Deployment
from leaders.models import Designation
from requests.models import SupportRequest
from tests.chasers import conftest
from tests.chasers.conftest import agreed_work, at, day, proposal, school
from tests.factories import (
    AllianceFactory,
    CoordinatorFactory,
    DesignationFactory,
    SupportRequestFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
D = Deployment.Status


def run(today):
    return conftest.run(today, "chaser-digest")


def new_request(alliance, created, name="Birch Primary School"):
    support_request = SupportRequestFactory(alliance=alliance, school=school(name))
    SupportRequest.objects.filter(pk=support_request.pk).update(created_at=at(created))
    return support_request


def review(alliance, due, name):
    return DesignationFactory(
        alliance=alliance,
        leader__full_name=name,
        designated_on=day("2023-09-01"),
        review_due_on=day(due),
    )


@pytest.mark.parametrize(
    ("value", "digest_day"),
    [
        ("2027-01-04", True),  # Monday
        ("2027-01-05", False),
        ("2026-12-28", False),  # Monday, the substitute bank holiday
        ("2026-12-29", True),  # so the Tuesday
        ("2027-03-29", False),  # Easter Monday
        ("2027-03-30", True),
        ("2027-01-02", False),  # Saturday
    ],
)
def test_the_digest_goes_on_the_first_working_day_of_the_week(value, digest_day):
    assert is_digest_day(day(value)) is digest_day


def test_each_coordinator_gets_their_alliances_list_of_what_needs_action(oak):
    CoordinatorFactory(alliance=oak, email="dev@oak-alliance.example.org", full_name="Dev")
    waiting = new_request(oak, "2026-12-17")
    unanswered = proposal(oak, "2026-12-23", leader__full_name="Una Answer")
    proposal(oak, "2026-12-31", leader__full_name="Not Late")  # due 6 January
    silent = agreed_work(oak, start="2026-12-07", leader__full_name="Sid Silent")
    ended = agreed_work(
        oak,
        D.COMPLETED,
        start="2026-10-01",
        completed_at=at("2026-12-10"),
        logged_hours=7,
        leader__full_name="Eve Ended",
    )
    review(oak, "2027-02-28", "Ada Lovell")
    review(oak, "2026-12-20", "Ben Behind")
    # Another alliance's work is never in Oak's digest.
    elm = AllianceFactory(name="Elm Hub")
    CoordinatorFactory(alliance=elm, email="eli@elm.example.org")
    new_request(elm, "2026-12-17", name="Elm Academy")

    emails = {email.to: email for email in run("2027-01-04")}

    # Active staff with the alliance only: not the coordinator who left, not a leader.
    assert set(emails) == {
        "cora@oak-alliance.example.org",
        "dev@oak-alliance.example.org",
        "eli@elm.example.org",
    }
    email = emails["cora@oak-alliance.example.org"]
    text = email.body_text
    assert email.subject == "Oak Teaching Alliance: what needs action this week (4 January 2027)"
    assert "Dear Cora," in text and "Dear Dev," in emails["dev@oak-alliance.example.org"].body_text
    assert "nothing has been changed or decided for anyone" in text
    assert "New requests waiting to be read: 1" in text
    assert (
        f"- {waiting.reference}, Birch Primary School, sent 17 December 2026, "
        "9 working days ago" in text
    )
    assert f"/admin/support_requests/supportrequest/{waiting.pk}/change/" in text
    assert "Proposals the leader has not answered: 1" in text
    assert (
        f"- {unanswered.request.reference}, Birch Primary School (Una Answer), proposed "
        "23 December 2026, 5 working days ago" in text
    )
    assert "Not Late" not in text
    assert "Agreed work with nothing logged: 1" in text
    assert f"{silent.request.reference}, Birch Primary School (Sid Silent), start date" in text
    assert "Impact reports not sent: 1" in text
    assert f"{ended.request.reference}, Birch Primary School (Eve Ended), ended 10 December" in (
        text
    )
    assert "Evaluations the school has not returned: 1" in text
    assert "(Eve Ended), completed 10 December 2026" in text
    assert "Designation reviews due: 2" in text
    assert "- Ben Behind, Specialist Leader of Education, review was due 20 December 2026" in text
    assert "- Ada Lovell, Specialist Leader of Education, review due 28 February 2027" in text
    assert "Elm Academy" not in text
    assert "https://portal.example.org/admin/dashboard/" in text
    assert (
        f'href="https://portal.example.org/admin/deployments/deployment/{silent.pk}/change/"'
        in (email.body_html)
    )

    elm_text = emails["eli@elm.example.org"].body_text
    assert "Elm Academy" in elm_text and "Birch" not in elm_text
    assert "Proposals the leader has not answered" not in elm_text, "empty lists are left out"


def test_it_is_sent_once_a_week_on_the_first_working_day(oak):
    new_request(oak, "2026-12-17")

    assert run("2026-12-28") == []  # the substitute bank holiday
    assert len(run("2026-12-29")) == 1
    assert run("2026-12-29") == [], "a second run the same day sends nothing"
    assert run("2026-12-30") == run("2026-12-31") == []
    assert len(run("2027-01-04")) == 1, "the next week's"
    assert run("2027-01-05") == []


def test_nothing_is_sent_when_there_is_nothing_to_say(oak):
    # Work that is fine: agreed last week, a proposal made yesterday, a review far off.
    agreed_work(oak, start="2026-12-28")
    proposal(oak, "2026-12-31")
    review(oak, "2028-09-01", "Far Off")

    assert run("2027-01-04") == []


def test_only_active_staff_coordinators_get_it(oak):
    UserFactory(alliance=oak, email="not.staff@oak-alliance.example.org", is_staff=False)
    UserFactory(email="admin@portal.example.org", is_staff=True, is_superuser=True)
    new_request(oak, "2026-12-17")

    assert [email.to for email in run("2027-01-04")] == ["cora@oak-alliance.example.org"]


def test_a_long_list_shows_the_oldest_and_says_how_many_more(oak):
    for number in range(LIST_LIMIT + 2):
        new_request(oak, f"2026-12-{number + 1:02d}", name=f"School {number + 1:02d}")

    [email] = run("2027-01-04")

    assert f"New requests waiting to be read: {LIST_LIMIT + 2}" in email.body_text
    assert "School 01" in email.body_text and f"School {LIST_LIMIT:02d}" in email.body_text
    assert f"School {LIST_LIMIT + 1:02d}" not in email.body_text
    assert (
        "- and 2 more: https://portal.example.org/admin/support_requests/supportrequest/"
        "?status__exact=new" in email.body_text
    )


def test_closed_and_later_requests_are_not_waiting(oak):
    triaged = new_request(oak, "2026-12-17")
    SupportRequest.objects.filter(pk=triaged.pk).update(status=SupportRequest.Status.TRIAGED)
    DesignationFactory(
        alliance=oak,
        designated_on=day("2023-09-01"),
        review_due_on=day("2027-01-10"),
        status=Designation.Status.LAPSED,
    )

    assert run("2027-01-04") == []
