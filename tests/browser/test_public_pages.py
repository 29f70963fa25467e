import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from requests.tracking import tracking_token
from tests.browser.conftest import describe
from tests.factories import AllianceFactory, SupportRequestFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.parametrize(
    "path",
    [
        "/roles/nle/",
        "/roles/lle/",
        "/roles/sle/",
        "/roles/nlg/",
        "/roles/lsg/",
        "/privacy/",
        "/accessibility/",
        "/contact/",
    ],
)
def test_it_has_no_accessibility_violations(live_server, page, axe_violations, path):
    AllianceFactory(name="Riverside Teaching Hub", website="https://riverside.example.org")

    page.goto(live_server.url + path)

    assert page.get_by_role("heading", level=1).is_visible()
    violations = axe_violations()
    assert violations == [], describe(violations)


def test_it_takes_a_visitor_from_the_home_page_to_a_role(live_server, page):
    page.goto(live_server.url + "/")

    page.get_by_role("link", name="Specialist Leader of Education (SLE)").click()

    assert page.url.endswith("/roles/sle/")
    assert page.get_by_role("heading", level=1).inner_text() == "Specialist Leader of Education"


def test_the_expired_link_and_refusal_pages_have_no_violations(
    live_server, page, axe_violations, settings
):
    closed = SupportRequestFactory(
        status="withdrawn", closed_at=timezone.now() - datetime.timedelta(days=40)
    )
    page.goto(f"{live_server.url}/track/{tracking_token(closed)}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("This link has expired")
    assert axe_violations() == []

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "request-support": (0, 3600)}
    page.goto(f"{live_server.url}/request-support/contact/")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "You have sent this form too many times"
    )
    violations = axe_violations()
    assert violations == [], describe(violations)
