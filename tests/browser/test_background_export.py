"""A long export in a real browser: the coordinator starts it, watches its progress
bar move as the worker builds it, and downloads the file from the link that appears.

EXPORT_IN_REQUEST_MAX_ROWS is 1 here, so three requests make a long list.
"""

import io

import openpyxl
import pytest
from playwright.sync_api import expect

from alliance_portal.accounts.groups import ensure_coordinator_group
from alliance_portal.reports.models import Export
from tests.browser.conftest import assert_accessible, assert_fits_width, sign_in_to_admin
from tests.conftest import run_worker
from tests.factories import AllianceFactory, CoordinatorFactory, SupportRequestFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def long_list(settings, worker_backend):
    settings.EXPORT_IN_REQUEST_MAX_ROWS = 1
    alliance = AllianceFactory(name="Harbour Teaching Alliance")
    requests = [SupportRequestFactory(alliance=alliance) for _ in range(3)]
    SupportRequestFactory()  # another alliance's: never in the file
    coordinator = CoordinatorFactory(email="anna@hub.example.org", alliance=alliance)
    coordinator.groups.add(ensure_coordinator_group())
    return sorted(r.reference for r in requests)


def test_a_coordinator_follows_a_long_export_to_its_download(
    live_server, page, long_list, axe_violations
):
    sign_in_to_admin(page, live_server, "anna@hub.example.org")
    page.goto(live_server.url + "/admin/support_requests/supportrequest/")
    page.get_by_role("link", name="Export Excel").click()

    expect(page.get_by_text("This list has 3 rows")).to_be_visible()
    assert_accessible(axe_violations)
    page.get_by_role("button", name="Start the export").click()

    bar = page.get_by_role("progressbar", name="Progress")
    message = page.get_by_role("status")
    expect(message).to_have_text("Waiting for the worker to start it.")
    expect(page.get_by_role("link", name="Download")).to_be_hidden()
    assert_accessible(axe_violations)

    # The worker is part way through: the bar moves without reloading the page.
    Export.objects.update(status="running", rows_done=1)
    expect(message).to_have_text("Building: 1 of 3 rows.")
    expect(bar).to_have_attribute("value", "33")

    # Back as it was, queued, for the real worker to build from the start.
    Export.objects.update(status="queued", rows_done=0)
    run_worker()

    expect(message).to_have_text("Ready: 3 rows.")
    expect(bar).to_have_attribute("value", "100")
    link = page.get_by_role("link", name="Download")
    expect(link).to_be_visible()
    assert_accessible(axe_violations)
    with page.expect_download() as download:
        link.click()
    path = download.value.path()
    assert download.value.suggested_filename.endswith(".xlsx")

    sheet = openpyxl.load_workbook(io.BytesIO(path.read_bytes())).active
    assert sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True)) == long_list

    # On a phone too, without scrolling sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.get_by_role("link", name="Download")).to_be_visible()
    assert_accessible(axe_violations)
    assert_fits_width(page)

    # It is listed among the alliance's exports, with its link.
    page.goto(live_server.url + "/admin/exports/")
    expect(page.get_by_role("link", name="Download")).to_be_visible()
    assert_accessible(axe_violations)
    assert_fits_width(page)
