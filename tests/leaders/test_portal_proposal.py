"""A leader answers a proposal from their own page."""

import pytest
from django.test import Client

from deployments.models import Deployment
from requests.models import SupportRequest
from tests.factories import DeploymentFactory, DesignationFactory, LeaderFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal():
    leader = LeaderFactory(user=UserFactory(), full_name="Sam Jones")
    return DeploymentFactory(
        leader=leader,
        designation=DesignationFactory(leader=leader),
        request__status=SupportRequest.Status.PROPOSED,
        request__outcomes_sought="Confident teaching of fractions.",
    )


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def url(deployment):
    return f"/my/proposals/{deployment.pk}/"


def test_it_shows_the_proposal_and_links_it_from_the_dashboard(proposal):
    client = signed_in(proposal.leader.user)

    dashboard = client.get("/my/").content.decode()
    page = client.get(url(proposal)).content.decode()

    assert f'href="{url(proposal)}"' in dashboard
    assert "Confident teaching of fractions." in page
    assert "Can you take this on?" in page


def test_it_records_an_acceptance(proposal):
    client = signed_in(proposal.leader.user)

    response = client.post(url(proposal), {"answer": "accept"}, follow=True)

    proposal.refresh_from_db()
    assert proposal.responded_at is not None
    assert proposal.status == Deployment.Status.ACCEPTED
    assert "the coordinator will be in touch" in response.content.decode()
    assert "Nothing is waiting for your answer." in response.content.decode()


def test_it_needs_a_reason_to_decline(proposal):
    client = signed_in(proposal.leader.user)

    response = client.post(url(proposal), {"answer": "decline"})

    assert "Choose why you cannot take this on" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.responded_at is None


def test_it_records_a_decline_and_returns_the_request_to_matching(proposal):
    client = signed_in(proposal.leader.user)

    client.post(url(proposal), {"answer": "decline", "reason": "no-capacity", "note": "Full."})

    proposal.refresh_from_db()
    assert (proposal.status, proposal.decline_reason, proposal.decline_note) == (
        "declined",
        "no-capacity",
        "Full.",
    )
    assert proposal.request.status == SupportRequest.Status.MATCHING


def test_it_shows_another_leaders_proposal_to_nobody_else(proposal):
    someone_else = signed_in(LeaderFactory(user=UserFactory()).user)

    assert someone_else.get(url(proposal)).status_code == 404
    assert someone_else.post(url(proposal), {"answer": "accept"}).status_code == 404
    proposal.refresh_from_db()
    assert proposal.responded_at is None


def test_it_offers_no_form_once_answered(proposal):
    client = signed_in(proposal.leader.user)
    client.post(url(proposal), {"answer": "accept"})

    page = client.get(url(proposal)).content.decode()

    assert "You answered on" in page
    assert "Send your answer" not in page
