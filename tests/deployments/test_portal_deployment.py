"""The leader's deployment page, support log and planned sessions under /my/deployments/."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deployments.models import Deployment, PlannedSession, SupportLog
from leaders.models import AreaOfExpertise
from requests.models import RequestEvent, SupportRequest
from tests.factories import (
    AgreedDeploymentFactory,
    DeploymentFactory,
    DesignationFactory,
    LeaderFactory,
    ObjectiveFactory,
    PlannedSessionFactory,
    SupportLogFactory,
    TrustFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def deployment():
    leader = LeaderFactory(user=UserFactory(), full_name="Amira Khan")
    return AgreedDeploymentFactory(
        leader=leader,
        designation=DesignationFactory(leader=leader),
        request__status=SupportRequest.Status.AGREED,
        request__school__name="Oakfield Primary School",
        request__school__trust=TrustFactory(name="Riverside Learning Trust"),
        request__school__ofsted_rating="Requires improvement",
        request__contact_name="Jo Baker",
        request__contact_role="Deputy head",
        request__contact_email="jo.baker@oakfield.example.org",
        request__contact_phone="01632 960 001",
        request__outcomes_sought="Confident teaching of fractions.",
        request__in_ofsted_category=True,
        agreed_days=Decimal("2"),
        start_date=TODAY - 30 * DAY,
        end_date=TODAY + 90 * DAY,
        funding_source="grant",
    )


@pytest.fixture
def objective(deployment):
    return ObjectiveFactory(deployment=deployment, description="Fractions taught with confidence.")


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def someone_else():
    return signed_in(LeaderFactory(user=UserFactory()).user)


def url(deployment, rest=""):
    return f"/my/deployments/{deployment.pk}/{rest}"


def log_data(**fields):
    return {
        "date_0": str(TODAY.day),
        "date_1": str(TODAY.month),
        "date_2": str(TODAY.year),
        "hours": "3.5",
        "activity": "coaching",
        "notes": "Planned the spring term with the maths lead.",
        **fields,
    }


def test_it_shows_the_school_the_request_the_terms_and_the_log(deployment, objective):
    SupportLogFactory(
        deployment=deployment, date=TODAY - DAY, hours=Decimal("7"), activity="training"
    )
    PlannedSessionFactory(deployment=deployment, date=TODAY + 7 * DAY, note="Lesson visits")
    RequestEvent.objects.create(
        request=deployment.request,
        from_status="proposed",
        to_status="agreed",
        note="Other proposals cancelled: Someone Else.",
    )
    client = signed_in(deployment.leader.user)

    html = client.get(url(deployment)).content.decode()

    for text in (
        "Support for Oakfield Primary School",
        f"URN {deployment.request.school.urn}",
        "Riverside Learning Trust",
        "Requires improvement",
        "Jo Baker, Deputy head",
        "mailto:jo.baker@oakfield.example.org",
        "01632 960 001",
        "Confident teaching of fractions.",
        "In an Ofsted category",
        "Fractions taught with confidence.",
        "£350.00 a day",
        "A grant",
        "Training",
        "Lesson visits",
        "1 of 2 agreed days",
        "7 hours logged",
        "Log support",
    ):
        assert text in html, text
    # The timeline shows changes of state, not notes that may name other leaders.
    assert "Someone Else" not in html
    assert "more days than were agreed" not in html


def test_it_says_when_the_logged_days_pass_the_agreed_days(deployment):
    for days_ago in (1, 2, 3):
        SupportLogFactory(deployment=deployment, date=TODAY - days_ago * DAY, hours=Decimal("6"))

    html = signed_in(deployment.leader.user).get(url(deployment)).content.decode()

    assert "2.6 of 2 agreed days" in html
    assert "more days than were agreed" in html


def test_it_sends_a_proposal_to_the_proposal_page():
    leader = LeaderFactory(user=UserFactory())
    proposal = DeploymentFactory(leader=leader, designation=DesignationFactory(leader=leader))

    response = signed_in(leader.user).get(url(proposal))

    assert response.status_code == 302
    assert response.url == f"/my/proposals/{proposal.pk}/"


@pytest.mark.parametrize("status", [Deployment.Status.DECLINED, Deployment.Status.CANCELLED])
def test_support_never_agreed_stays_on_the_proposal_page(status):
    leader = LeaderFactory(user=UserFactory())
    proposal = DeploymentFactory(
        leader=leader, designation=DesignationFactory(leader=leader), status=status
    )
    client = signed_in(leader.user)

    response = client.get(url(proposal))

    assert response.status_code == 302
    assert response.url == f"/my/proposals/{proposal.pk}/"
    assert f'href="/my/proposals/{proposal.pk}/"' in client.get("/my/").content.decode()


def test_the_timeline_starts_when_the_leader_was_proposed(deployment):
    RequestEvent.objects.create(
        request=deployment.request,
        from_status="triaged",
        to_status="matching",
        created_at=deployment.proposed_at - 3 * DAY,
    )
    RequestEvent.objects.create(
        request=deployment.request, from_status="proposed", to_status="agreed"
    )

    html = signed_in(deployment.leader.user).get(url(deployment)).content.decode()

    assert "Agreed" in html
    assert "Finding a leader" not in html


def test_the_dashboard_links_to_the_deployment(deployment):
    html = signed_in(deployment.leader.user).get("/my/").content.decode()

    assert f'href="{url(deployment)}"' in html


def test_it_asks_an_anonymous_visitor_to_sign_in(deployment, objective):
    entry = SupportLogFactory(deployment=deployment)
    session = PlannedSessionFactory(deployment=deployment)
    for path in (
        url(deployment),
        url(deployment, "log/"),
        url(deployment, f"log/{entry.pk}/remove/"),
        url(deployment, "sessions/"),
        url(deployment, f"sessions/{session.pk}/remove/"),
    ):
        response = Client().get(path)
        assert response.status_code == 302, path
        assert response.url.startswith("/accounts/login/?next=/my/deployments/"), path


@pytest.mark.parametrize(
    "user",
    [
        lambda: LeaderFactory(user=UserFactory()).user,
        lambda: UserFactory(is_staff=True, is_superuser=True),
    ],
    ids=["another leader", "superuser without a Leader record"],
)
def test_nobody_else_reaches_it(deployment, objective, user):
    entry = SupportLogFactory(deployment=deployment)
    session = PlannedSessionFactory(deployment=deployment)
    client = signed_in(user())

    for path in (url(deployment), url(deployment, "log/"), url(deployment, "sessions/")):
        assert client.get(path).status_code == 404, path
    for path in (
        url(deployment, f"log/{entry.pk}/remove/"),
        url(deployment, f"sessions/{session.pk}/remove/"),
    ):
        assert client.get(path).status_code == 404, path
        assert client.post(path).status_code == 404, path
    assert client.post(url(deployment, "log/"), log_data()).status_code == 404
    assert client.post(url(deployment, "sessions/"), {}).status_code == 404
    assert SupportLog.objects.count() == 1
    assert PlannedSession.objects.count() == 1


def test_an_entry_or_session_of_another_deployment_is_not_found(deployment):
    theirs = SupportLogFactory()
    their_session = PlannedSessionFactory()
    # Even one of the same leader's other deployments.
    mine_elsewhere = SupportLogFactory(
        deployment__leader=deployment.leader, deployment__designation=deployment.designation
    )
    client = signed_in(deployment.leader.user)

    for entry in (theirs, mine_elsewhere):
        assert client.post(url(deployment, f"log/{entry.pk}/remove/")).status_code == 404
    assert client.post(url(deployment, f"sessions/{their_session.pk}/remove/")).status_code == 404
    assert SupportLog.objects.count() == 2
    assert PlannedSession.objects.count() == 1


def test_an_objective_of_another_deployment_in_the_post_is_not_found(deployment, objective):
    theirs = ObjectiveFactory()
    client = signed_in(deployment.leader.user)

    response = client.post(
        url(deployment, "log/"), log_data(objectives=[str(objective.pk), str(theirs.pk)])
    )

    assert response.status_code == 404
    assert not SupportLog.objects.exists()


def test_it_logs_support_and_starts_the_deployment(deployment, objective):
    client = signed_in(deployment.leader.user)
    assert "Log support" in client.get(url(deployment, "log/")).content.decode()

    response = client.post(
        url(deployment, "log/"), log_data(objectives=[str(objective.pk)]), follow=True
    )

    assert response.redirect_chain == [(url(deployment), 302)]
    html = response.content.decode()
    assert f"You logged 3.5 hours of coaching on {TODAY.day} {TODAY:%B %Y}." in html
    assert "0.5 of 2 agreed days" in html
    entry = SupportLog.objects.get()
    assert (entry.hours, entry.activity, list(entry.objectives.all())) == (
        Decimal("3.5"),
        "coaching",
        [objective],
    )
    deployment.refresh_from_db()
    assert deployment.status == Deployment.Status.IN_DELIVERY


def test_an_empty_log_form_shows_every_problem(deployment, objective):
    client = signed_in(deployment.leader.user)

    response = client.post(url(deployment, "log/"), {})

    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html
    assert "<title>Error: Log support" in html
    for message in ("Enter the date", "Enter the number of hours", "Choose what you did"):
        assert message in html
    assert not SupportLog.objects.exists()


def test_a_refusal_from_the_service_is_shown_on_the_form(deployment):
    client = signed_in(deployment.leader.user)
    tomorrow = TODAY + DAY

    response = client.post(
        url(deployment, "log/"),
        log_data(date_0=str(tomorrow.day), date_1=str(tomorrow.month), date_2=str(tomorrow.year)),
    )

    assert "The date must be today or in the past" in response.content.decode()
    assert not SupportLog.objects.exists()


def test_closed_support_offers_no_log_form_and_refuses_a_post(deployment):
    Deployment.objects.filter(pk=deployment.pk).update(status="cancelled")
    client = signed_in(deployment.leader.user)

    page = client.get(url(deployment)).content.decode()
    form_page = client.get(url(deployment, "log/")).content.decode()
    response = client.post(url(deployment, "log/"), log_data())

    assert "Log support</a>" not in page
    assert "you cannot log anything" in form_page
    assert "was cancelled" in response.content.decode()
    assert not SupportLog.objects.exists()


def test_it_removes_an_entry_after_asking(deployment):
    entry = SupportLogFactory(deployment=deployment, date=TODAY - DAY)
    client = signed_in(deployment.leader.user)

    confirm = client.get(url(deployment, f"log/{entry.pk}/remove/")).content.decode()
    response = client.post(url(deployment, f"log/{entry.pk}/remove/"), {}, follow=True)

    assert "Remove this entry from the log?" in confirm
    assert response.redirect_chain == [(url(deployment), 302)]
    assert "You removed the entry" in response.content.decode()
    assert not SupportLog.objects.exists()


def test_it_changes_an_entry_from_the_page(deployment, objective):
    entry = SupportLogFactory(deployment=deployment, date=TODAY - DAY, hours=Decimal("2"))
    client = signed_in(deployment.leader.user)

    form_page = client.get(url(deployment, f"log/{entry.pk}/change/")).content.decode()
    response = client.post(
        url(deployment, f"log/{entry.pk}/change/"),
        log_data(hours="2.5", activity="training", objectives=[objective.pk]),
        follow=True,
    )

    assert "Change the entry for" in form_page
    assert 'value="2"' in form_page
    assert response.redirect_chain == [(url(deployment), 302)]
    assert "You changed the entry" in response.content.decode()
    entry.refresh_from_db()
    assert (entry.date, entry.hours, entry.activity) == (TODAY, Decimal("2.5"), "training")
    assert list(entry.objectives.all()) == [objective]


def test_a_change_naming_another_deployments_objective_is_a_404(deployment):
    entry = SupportLogFactory(deployment=deployment, date=TODAY - DAY)
    foreign = ObjectiveFactory()

    response = signed_in(deployment.leader.user).post(
        url(deployment, f"log/{entry.pk}/change/"), log_data(objectives=[foreign.pk])
    )

    assert response.status_code == 404
    entry.refresh_from_db()
    assert entry.hours == Decimal("3.5")


def test_an_entry_of_another_deployment_cannot_be_changed_through_this_one(deployment):
    other = SupportLogFactory(
        deployment__leader=deployment.leader, deployment__designation=deployment.designation
    )

    response = signed_in(deployment.leader.user).get(url(deployment, f"log/{other.pk}/change/"))

    assert response.status_code == 404


def test_it_refuses_to_remove_an_entry_of_completed_support(deployment):
    entry = SupportLogFactory(deployment=deployment)
    Deployment.objects.filter(pk=deployment.pk).update(status="completed")

    response = signed_in(deployment.leader.user).post(url(deployment, f"log/{entry.pk}/remove/"))

    html = response.content.decode()
    assert "<title>Error: Remove this entry" in html
    assert "is completed" in html
    assert SupportLog.objects.count() == 1


def test_it_plans_and_removes_a_session(deployment):
    client = signed_in(deployment.leader.user)
    day = TODAY + 14 * DAY

    response = client.post(
        url(deployment, "sessions/"),
        {
            "date_0": day.day,
            "date_1": day.month,
            "date_2": day.year,
            "start_time": "09:30",
            "hours": "2",
            "note": "Book scrutiny",
        },
        follow=True,
    )

    assert "You planned a session on" in response.content.decode()
    assert "Book scrutiny" in response.content.decode()
    session = PlannedSession.objects.get()
    assert (session.date, session.start_time, session.hours) == (
        day,
        datetime.time(9, 30),
        Decimal("2"),
    )

    response = client.post(url(deployment, f"sessions/{session.pk}/remove/"), follow=True)

    assert "You removed the session" in response.content.decode()
    assert not PlannedSession.objects.exists()


def test_an_empty_session_form_needs_a_date(deployment):
    response = signed_in(deployment.leader.user).post(url(deployment, "sessions/"), {})

    html = response.content.decode()
    assert "<title>Error: Plan a session" in html
    assert "Enter the date" in html
    assert not PlannedSession.objects.exists()


def fill(deployment, count):
    """`count` each of objectives, log entries, sessions and timeline events, areas too."""
    deployment.request.areas_of_expertise.set(AreaOfExpertise.objects.all()[:count])
    for number in range(count):
        objective = ObjectiveFactory(deployment=deployment, description=f"Objective {number}")
        entry = SupportLogFactory(deployment=deployment, date=TODAY - number % 20 * DAY)
        entry.objectives.add(objective)
        PlannedSessionFactory(deployment=deployment, date=TODAY + (number + 1) * DAY)
        RequestEvent.objects.create(
            request=deployment.request, from_status="new", to_status="triaged"
        )


def queries_for(client, path):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("path", ["", "log/"])
def test_the_pages_read_the_same_number_of_queries_at_any_size(path):
    small = AgreedDeploymentFactory(leader__user=UserFactory(), start_date=TODAY - 30 * DAY)
    large = AgreedDeploymentFactory(leader__user=UserFactory(), start_date=TODAY - 30 * DAY)
    fill(small, 2)
    fill(large, 20)

    counts = [queries_for(signed_in(each.leader.user), url(each, path)) for each in (small, large)]

    assert counts[0] == counts[1]
    assert counts[0] <= 12
