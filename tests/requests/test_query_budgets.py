"""The public request pages run a fixed number of queries whatever the data size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from requests.models import SupportRequest
from requests.tracking import tracking_token
from tests.factories import AgreedDeploymentFactory, SchoolFactory, SupportRequestFactory

pytestmark = pytest.mark.django_db


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_it_searches_schools_in_a_fixed_number_of_queries(client):
    SchoolFactory.create_batch(3, name="Oakfield Primary")
    few = queries(client, "/request-support/school/?q=Oakfield")

    SchoolFactory.create_batch(40, name="Oakfield Primary")
    many = queries(client, "/request-support/school/?q=Oakfield")

    assert few == many <= 4


def test_it_shows_the_tracking_page_in_a_fixed_number_of_queries(client):
    support_request = SupportRequestFactory(status=SupportRequest.Status.AGREED)
    AgreedDeploymentFactory(request=support_request)
    for status in ("new", "triaged"):
        support_request.events.create(to_status=status, actor_label="Coordinator")
    url = f"/track/{tracking_token(support_request)}/"
    few = queries(client, url)

    for _ in range(20):
        support_request.events.create(to_status="matching", actor_label="Coordinator")
    AgreedDeploymentFactory.create_batch(3, request=support_request, status="declined")
    many = queries(client, url)

    # session-free: the request, its events, its deployments with their objectives and
    # variations, and their history (pauses and stops) in one query
    assert few == many <= 6
