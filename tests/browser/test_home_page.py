import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import describe

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_it_shows_the_home_page_in_the_portals_own_brand(live_server, page, axe_violations):
    page.goto(live_server.url + "/")

    assert page.get_by_role("heading", level=1).inner_text() == "Support from schools, for schools"
    font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    assert font.startswith("arial"), f"the stylesheet did not load: {font}"
    assert "GDS Transport" not in font
    violations = axe_violations()
    assert violations == [], describe(violations)


def test_it_lets_a_keyboard_user_skip_to_the_main_content(live_server, page):
    page.goto(live_server.url + "/")

    page.keyboard.press("Tab")
    skip_link = page.locator(":focus")
    assert skip_link.inner_text() == "Skip to main content"
    page.keyboard.press("Enter")
    # The jump to the anchor lands a moment after the key press on a busy machine: wait for it.
    expect(page).to_have_url(re.compile(r"#main-content$"))
