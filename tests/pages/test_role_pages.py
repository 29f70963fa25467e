import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance_portal.pages.models import RolePage
from tests.factories import AllianceFactory, DesignationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("slug", "heading"),
    [
        ("nle", "National Leader of Education"),
        ("lle", "Local Leader of Education"),
        ("sle", "Specialist Leader of Education"),
        ("nlg", "National Leader of Governance"),
        ("lsg", "Local Support Governor"),
    ],
)
def test_it_explains_each_role(client, slug, heading):
    response = client.get(f"/roles/{slug}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert f'<h1 class="govuk-heading-xl">{heading}</h1>' in page
    for section in ("Who they are", "The support they give", "How a deployment runs"):
        assert section in page
    assert "Typical time commitment" in page and "Who designates them" in page


def test_it_shows_what_a_coordinator_wrote(client):
    RolePage.objects.filter(kind="SLE").update(
        support_given="First paragraph.\n\nSecond paragraph."
    )

    page = client.get("/roles/sle/").content.decode()

    assert '<p class="govuk-body">First paragraph.</p>' in page
    assert '<p class="govuk-body">Second paragraph.</p>' in page


def test_it_escapes_what_a_coordinator_wrote(client):
    RolePage.objects.filter(kind="LLE").update(summary="<script>alert(1)</script>")

    page = client.get("/roles/lle/").content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


@pytest.mark.parametrize("slug", ["xyz", "NLE", "nle2"])
def test_it_answers_not_found_for_an_unknown_role(client, slug):
    assert client.get(f"/roles/{slug}/").status_code == 404


def test_it_links_every_role_from_the_home_page(client):
    page = client.get("/").content.decode()

    for slug in ("nle", "lle", "sle", "nlg", "lsg"):
        assert f'href="/roles/{slug}/"' in page


@pytest.mark.parametrize("url", ["/", "/roles/nle/"])
def test_it_uses_a_fixed_number_of_queries(client, url):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    DesignationFactory.create_batch(2)
    few = queries()
    DesignationFactory.create_batch(20)
    AllianceFactory.create_batch(10)

    assert few == queries() <= 2


def test_it_offers_to_ask_for_that_kind_of_support(client):
    page = client.get("/roles/nle/").content.decode()

    assert 'href="/request-support/?designation=NLE"' in page
    assert 'href="/leaders/?kind=NLE"' in page


def test_it_marks_the_section_the_visitor_is_in(client):
    page = client.get("/request-support/").content.decode()

    assert 'href="/request-support/" aria-current="page"' in page
    assert 'href="/leaders/" aria-current' not in page


def test_it_offers_the_three_routes_on_the_home_page(client):
    page = client.get("/").content.decode()

    for label in ("Ask for support", "Find a leader", "Express an interest"):
        assert label in page
