import pytest

from tests.browser.conftest import describe
from tests.factories import AllianceFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.parametrize(
    "path",
    ["/roles/nle/", "/roles/sle/", "/roles/lsg/", "/privacy/", "/accessibility/", "/contact/"],
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
