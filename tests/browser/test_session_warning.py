"""The warning before a staff session signs out, in a real browser (WCAG 2.2.1).

The idle limit is shortened to ten seconds here, with the warning seven seconds
before, so the dialog opens about three seconds after signing in.
"""

import time

import pytest
from playwright.sync_api import expect

from alliance_portal.accounts.groups import ensure_coordinator_group
from tests.browser.conftest import WCAG_TAGS, describe, inject_axe, sign_in_to_admin
from tests.factories import CoordinatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IDLE = 10


@pytest.fixture
def short_sessions(settings):
    settings.SESSION_LIMITS = {**settings.SESSION_LIMITS, "staff": (IDLE, 3600)}
    settings.SESSION_WARNING_SECONDS = 7


def sign_in(page, live_server):
    coordinator = CoordinatorFactory(email="anna@hub.example.org")
    coordinator.groups.add(ensure_coordinator_group())
    sign_in_to_admin(page, live_server, "anna@hub.example.org")
    return time.monotonic()


def assert_the_dialog_is_accessible(page):
    inject_axe(page)
    result = page.evaluate(
        "tags => axe.run('#session-warning', {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    assert result["violations"] == [], describe(result["violations"])


def test_staying_signed_in_keeps_the_session(live_server, page, short_sessions):
    signed_in_at = sign_in(page, live_server)
    dialog = page.get_by_role("dialog", name="You will be signed out soon")

    expect(dialog).to_be_visible(timeout=6000)
    expect(dialog).to_contain_text("signed out in")
    expect(page.get_by_role("button", name="Stay signed in")).to_be_focused()
    assert_the_dialog_is_accessible(page)

    page.get_by_role("button", name="Stay signed in").click()
    expect(dialog).to_be_hidden()
    time.sleep(max(0, signed_in_at + IDLE + 1 - time.monotonic()))
    page.goto(live_server.url + "/admin/support_requests/supportrequest/")

    expect(page.locator("#site-name")).to_be_visible()
    assert "/accounts/login/" not in page.url


def test_without_an_answer_the_dialog_says_the_session_has_ended(live_server, page, short_sessions):
    sign_in(page, live_server)
    page.goto(live_server.url + "/admin/support_requests/supportrequest/")
    dialog = page.get_by_role("dialog")

    sign_in_again = dialog.get_by_role("link", name="Sign in again")
    expect(sign_in_again).to_be_visible(timeout=14000)
    expect(dialog).to_contain_text("You have been signed out", use_inner_text=True)
    expect(sign_in_again).to_be_focused()
    sign_in_again.click()

    expect(page).to_have_url(
        live_server.url + "/accounts/login/?next=/admin/support_requests/supportrequest/"
    )
