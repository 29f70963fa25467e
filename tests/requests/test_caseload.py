"""The coordinator's caseload: open work first, what each case needs next, and who owns it."""

import datetime
import html

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliance_portal.accounts.groups import ensure_coordinator_group
from requests.models import RequestEvent, SupportRequest
from requests.services import request_assign
from tests import factories

pytestmark = pytest.mark.django_db
Status = SupportRequest.Status
LIST = reverse("admin:support_requests_supportrequest_changelist")


@pytest.fixture
def alliance():
    return factories.AllianceFactory(name="Xanadu Teaching Alliance")


def coordinator(alliance, name):
    user = factories.CoordinatorFactory(alliance=alliance, full_name=name)
    user.groups.add(ensure_coordinator_group())
    return user


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def rows(response):
    return {row.reference: row for row in response.context["cl"].result_list}


def test_the_list_opens_on_open_work_and_shows_closed_work_when_asked(alliance):
    anna = coordinator(alliance, "Anna Cole")
    open_one = factories.SupportRequestFactory(alliance=alliance, status=Status.MATCHING)
    closed = factories.SupportRequestFactory(alliance=alliance, status=Status.WITHDRAWN)
    client = signed_in(anna)

    assert set(rows(client.get(LIST))) == {open_one.reference}
    assert set(rows(client.get(LIST, {"cases": "closed"}))) == {closed.reference}
    assert set(rows(client.get(LIST, {"cases": "all"}))) == {open_one.reference, closed.reference}


def test_my_cases_and_nobodys_cases(alliance):
    anna, owen = coordinator(alliance, "Anna Cole"), coordinator(alliance, "Owen Price")
    mine = factories.SupportRequestFactory(alliance=alliance, owner=anna)
    theirs = factories.SupportRequestFactory(alliance=alliance, owner=owen)
    nobodys = factories.SupportRequestFactory(alliance=alliance)
    client = signed_in(anna)

    assert set(rows(client.get(LIST, {"cases": "mine"}))) == {mine.reference}
    assert set(rows(client.get(LIST, {"cases": "unassigned"}))) == {nobodys.reference}
    assert theirs.reference in rows(client.get(LIST))


def test_each_row_says_how_long_it_has_waited_what_it_needs_and_who_owns_it(alliance):
    anna = coordinator(alliance, "Anna Cole")
    accepted = factories.DeploymentFactory(
        request__alliance=alliance, request__status=Status.PROPOSED, status="accepted"
    )
    support_request = accepted.request
    # Friday 20 November 2026 to Wednesday 2 December: 8 working days.
    monday = timezone.make_aware(datetime.datetime(2026, 11, 20, 9))
    SupportRequest.objects.filter(pk=support_request.pk).update(
        status_changed_at=monday, owner=anna
    )

    response = signed_in(anna).get(LIST)

    page = response.content.decode()
    assert f'<span class="nowrap">{support_request.reference}</span>' in page
    assert "Agree the terms" in page
    assert "Anna Cole" in page
    # One alliance's coordinator sees no Alliance column.
    assert "column-alliance" not in page
    today = timezone.localdate()
    from alliance_portal.reports.dashboard import working_days_between

    assert f">{working_days_between(datetime.date(2026, 11, 20), today)}<" in page


@pytest.mark.parametrize(
    ("status", "deployment_status", "words"),
    [
        (Status.NEW, None, "Triage the request"),
        (Status.MATCHING, None, "Propose a leader"),
        (Status.PROPOSED, "proposed", "Wait for the leader's answer"),
        (Status.AGREED, "agreed", "Delivery starts 1 October 2026"),
        (Status.IN_DELIVERY, "paused", "Paused: check when it resumes"),
        (Status.COMPLETED, "completed", "Wait for the school's evaluation"),
    ],
)
def test_the_next_action_follows_the_state_and_its_deployments(
    alliance, status, deployment_status, words
):
    anna = coordinator(alliance, "Anna Cole")
    if deployment_status:
        factories.AgreedDeploymentFactory(
            request__alliance=alliance, request__status=status, status=deployment_status
        )
    else:
        factories.SupportRequestFactory(alliance=alliance, status=status)

    assert words in html.unescape(signed_in(anna).get(LIST).content.decode())


def test_a_case_is_taken_assigned_and_transferred_with_timeline_lines(alliance):
    anna, owen = coordinator(alliance, "Anna Cole"), coordinator(alliance, "Owen Price")
    support_request = factories.SupportRequestFactory(alliance=alliance)
    client = signed_in(anna)
    url = reverse("admin:support_requests_supportrequest_assign", args=[support_request.pk])

    client.post(url, {"owner": anna.pk})
    client.post(url, {"owner": owen.pk})
    signed_in(owen).post(url, {"owner": ""})

    support_request.refresh_from_db()
    assert support_request.owner is None
    assert [event.note for event in RequestEvent.objects.filter(request=support_request)] == [
        "Anna Cole took the case.",
        "Anna Cole moved the case from Anna Cole to Owen Price.",
        "Owen Price took Owen Price off the case; nobody owns it now.",
    ]


def test_only_a_coordinator_of_the_alliance_can_own_its_case(alliance):
    anna = coordinator(alliance, "Anna Cole")
    stranger = coordinator(factories.AllianceFactory(), "Sam Stranger")
    support_request = factories.SupportRequestFactory(alliance=alliance)

    with pytest.raises(Exception, match="Choose a coordinator of"):
        request_assign(support_request=support_request, owner=stranger, actor=anna)
    response = signed_in(anna).post(
        reverse("admin:support_requests_supportrequest_assign", args=[support_request.pk]),
        {"owner": stranger.pk},
        follow=True,
    )

    support_request.refresh_from_db()
    assert support_request.owner is None
    assert "Choose a coordinator" in response.content.decode()
    assert not RequestEvent.objects.exists()


def test_another_alliances_case_cannot_be_assigned(alliance):
    anna = coordinator(alliance, "Anna Cole")
    elsewhere = factories.SupportRequestFactory()

    response = signed_in(anna).post(
        reverse("admin:support_requests_supportrequest_assign", args=[elsewhere.pk]),
        {"owner": anna.pk},
    )

    assert response.status_code == 404


@pytest.mark.parametrize("size", [2, 12])
def test_the_caseload_costs_the_same_queries_at_any_size(alliance, size, settings):
    anna = coordinator(alliance, "Anna Cole")
    for _ in range(size):
        factories.DeploymentFactory(
            request__alliance=alliance,
            request__status=Status.PROPOSED,
            request__owner=anna,
            status="accepted",
        )
        factories.AgreedDeploymentFactory(request__alliance=alliance, request__status="agreed")
    client = signed_in(anna)
    client.get(LIST)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST)

    assert len(rows(response)) == 2 * size
    # session, user, count, rows (with their deployments' facts), filter choices
    assert len(queries) <= 8, [query["sql"] for query in queries]


# The case page.


def case_page(client, support_request):
    url = reverse("admin:support_requests_supportrequest_change", args=[support_request.pk])
    return html.unescape(client.get(url).content.decode())


def test_the_case_page_opens_on_a_summary_with_the_next_action(alliance):
    anna = coordinator(alliance, "Anna Cole")
    support_request = factories.SupportRequestFactory(
        alliance=alliance, owner=anna, contact_name="Priya Shah", estimated_days=6
    )

    page = case_page(signed_in(anna), support_request)

    summary = page[page.index('id="case-summary"') : page.index('id="brokering"')]
    assert "Triage the request" in summary
    assert "Anna Cole" in summary
    assert f"URN {support_request.school.urn}" in summary
    assert "Priya Shah" in summary
    assert "About 6 days" in summary


def test_a_likely_duplicate_is_flagged_and_the_trusts_requests_listed(alliance):
    anna = coordinator(alliance, "Anna Cole")
    trust = factories.TrustFactory()
    school = factories.SchoolFactory(trust=trust)
    sister = factories.SchoolFactory(trust=trust)
    first = factories.SupportRequestFactory(alliance=alliance, school=school)
    again = factories.SupportRequestFactory(alliance=alliance, school=school)
    sisters = factories.SupportRequestFactory(alliance=alliance, school=sister)
    elsewhere = factories.SupportRequestFactory(school=school)  # another alliance's

    page = case_page(signed_in(anna), again)

    warning = page[page.index('id="likely-duplicate"') :][:600]
    assert first.reference in warning
    assert sisters.reference not in warning
    listed = page[page.index('id="other-requests"') :][:1500]
    assert first.reference in listed and sisters.reference in listed
    assert "(same trust)" in listed
    assert elsewhere.reference not in page


def test_a_note_can_be_shown_to_the_leader(alliance):
    anna = coordinator(alliance, "Anna Cole")
    deployment = factories.AgreedDeploymentFactory(
        request__alliance=alliance,
        request__status="agreed",
        leader=factories.LeaderFactory(user=factories.UserFactory()),
    )
    client = signed_in(anna)
    url = reverse("admin:support_requests_supportrequest_note", args=[deployment.request.pk])

    client.post(url, {"note": "The head prefers Tuesday visits.", "shown_to_leader": "on"})
    client.post(url, {"note": "Internal: budget is tight."})

    page = case_page(client, deployment.request)
    assert "<strong>Anna Cole</strong> added a note: The head prefers Tuesday visits." in page
    leader_page = signed_in(deployment.leader.user).get(f"/my/deployments/{deployment.pk}/")
    text = html.unescape(leader_page.content.decode())
    assert "note from the coordinator: The head prefers Tuesday visits." in text
    assert "budget is tight" not in text


def test_the_case_page_costs_the_same_queries_at_any_size(alliance):
    """One timeline line, other request and declined leader; then thirty of each."""
    anna = coordinator(alliance, "Anna Cole")
    school = factories.SchoolFactory(trust=factories.TrustFactory())
    support_request = factories.SupportRequestFactory(
        alliance=alliance, school=school, status="matching", owner=anna
    )
    client = signed_in(anna)
    url = reverse("admin:support_requests_supportrequest_change", args=[support_request.pk])

    def grow(count):
        for number in range(count):
            support_request.events.create(to_status="new", actor=anna, note=f"Line {number}")
            factories.SupportRequestFactory(alliance=alliance, school=school)
            leader = factories.LeaderFactory()
            factories.DeploymentFactory(
                request=support_request,
                leader=leader,
                designation=factories.DesignationFactory(leader=leader, alliance=alliance),
                status="declined",
            )

    def count():
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    grow(1)
    few = count()
    grow(29)
    many = count()

    assert few == many, (few, many)
