"""Exports of long lists, built by the worker: progress, download, privacy, expiry.

A list longer than EXPORT_IN_REQUEST_MAX_ROWS (2 here, so that a few rows make a
long list) is not built in the web request: the export link opens a page that
says so, its button queues the export, and the worker builds exactly the file
the request would have sent.
"""

import datetime
import gc
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from alliance_portal.accounts.groups import ensure_coordinator_group
from alliance_portal.reports.models import Export, ExportChunk
from tests import factories
from tests.conftest import run_worker
from tests.reports import test_exports
from tests.reports.test_exports import (
    DEPLOYMENTS,
    REQUESTS,
    content_of,
    csv_rows,
    references,
    xlsx_rows,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Two alliances' requests and deployments, as the in-request export tests use them.
world = test_exports.world


@pytest.fixture(autouse=True)
def long_lists(settings, worker_backend):
    settings.EXPORT_IN_REQUEST_MAX_ROWS = 1


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def colleague_of(coordinator):
    colleague = factories.CoordinatorFactory(alliance=coordinator.alliance)
    colleague.groups.add(ensure_coordinator_group())
    return colleague


def start_export(client, url):
    """Open the export link, press "Start the export"; the export's page address."""
    page = client.get(url)
    assert page.status_code == 200
    assert b"Start the export" in page.content
    started = client.post(url)
    assert started.status_code == 302
    return started["Location"]


def download(client, detail_url):
    return client.get(f"{detail_url}download/")


def test_a_long_list_is_built_by_the_worker_not_the_request(world, settings):
    client = signed_in(world["coordinator_x"])
    page = client.get(f"{REQUESTS}export/csv/")

    assert page.status_code == 200
    assert b"This list has <strong>2 rows</strong>" in page.content
    assert not Export.objects.exists(), "opening the page starts nothing"

    detail = start_export(client, f"{REQUESTS}export/csv/")
    export = Export.objects.get()
    assert detail == f"/admin/exports/{export.pk}/"
    assert (export.status, export.rows_total) == ("queued", 2)
    assert b"Waiting for the worker" in client.get(detail).content
    assert download(client, detail).status_code == 404, "nothing to download yet"

    run_worker()

    export.refresh_from_db()
    assert (export.status, export.rows_done, export.percent) == ("ready", 2, 100)
    page = client.get(detail)
    assert b"Ready: 2 rows." in page.content
    assert f'href="{detail}download/"'.encode() in page.content
    status = client.get(f"{detail}status/").json()
    assert status["finished"] and status["download_url"] == f"{detail}download/"


def test_the_file_holds_exactly_what_the_request_would_have_sent(world, settings):
    client = signed_in(world["coordinator_x"])
    query = "?status__exact=new"
    for kind, rows_of in (("csv", csv_rows), ("xlsx", lambda r: xlsx_rows(r)[0])):
        settings.EXPORT_IN_REQUEST_MAX_ROWS = 1000
        at_once = rows_of(client.get(f"{REQUESTS}export/{kind}/"))
        filtered_at_once = rows_of(client.get(f"{REQUESTS}export/{kind}/{query}"))
        settings.EXPORT_IN_REQUEST_MAX_ROWS = 0
        whole = start_export(client, f"{REQUESTS}export/{kind}/")
        filtered = start_export(client, f"{REQUESTS}export/{kind}/{query}")
        run_worker()

        assert rows_of(download(client, whole)) == at_once
        assert rows_of(download(client, filtered)) == filtered_at_once
        # Scoped as the list is: the other alliance's request is in neither.
        assert references(at_once) == [world["hillside"].reference, world["oakfield"].reference]
        assert references(filtered_at_once) == [world["oakfield"].reference]


def test_deployments_export_in_the_background_too(world):
    client = signed_in(world["coordinator_x"])
    detail = start_export(client, f"{DEPLOYMENTS}export/xlsx/")
    run_worker()

    rows, sheet = xlsx_rows(download(client, detail))
    assert len(rows) == 3 and sheet.freeze_panes == "A2"
    assert world["yarrow"].reference not in {row[0] for row in rows}


def test_only_staff_of_the_same_alliance_may_follow_or_download_it(world):
    client = signed_in(world["coordinator_x"])
    detail = start_export(client, f"{REQUESTS}export/csv/")
    run_worker()
    other = factories.CoordinatorFactory(alliance=world["y"])
    other.groups.add(ensure_coordinator_group())

    for url in (detail, f"{detail}status/", f"{detail}download/"):
        assert signed_in(colleague_of(world["coordinator_x"])).get(url).status_code == 200
        assert signed_in(other).get(url).status_code == 404, url
        assert Client().get(url).status_code == 302, url
    superuser = factories.UserFactory(is_staff=True, is_superuser=True)
    assert signed_in(superuser).get(f"{detail}download/").status_code == 200
    # The list of exports shows the alliance's and no other's.
    assert b"support-requests-" in signed_in(world["coordinator_x"]).get("/admin/exports/").content
    assert b"No exports are kept" in signed_in(other).get("/admin/exports/").content


def test_a_coordinator_who_lost_the_right_to_see_the_list_gets_nothing(world):
    coordinator = world["coordinator_x"]
    client = signed_in(coordinator)
    detail = start_export(client, f"{REQUESTS}export/csv/")
    coordinator.groups.clear()
    coordinator.user_permissions.remove(*Permission.objects.all())

    run_worker()

    export = Export.objects.get()
    assert export.status == "failed"
    assert "no longer see this list" in export.error
    assert not ExportChunk.objects.exists()
    assert client.get(detail).status_code == 404


# On SQLite, openpyxl's half-written sheet complains when it is collected: here, not later.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_build_that_fails_half_way_keeps_nothing(world, monkeypatch):
    from alliance_portal.reports import exports

    written = exports.write_export

    class DiskFull(io.BytesIO):
        """Takes the zip's first bytes, then fails as a full disk does."""

        def __init__(self, output):
            super().__init__()
            self.output = output

        failed = False

        def write(self, data):
            if self.failed:  # what the half-written file tries to add when it is dropped
                return len(data)
            self.output.write(data)
            if self.output.tell() > 500:
                self.failed = True
                raise OSError("disk full")
            return len(data)

    def breaks_half_way(table, queryset, format, output, on_row=None):
        written(table, queryset, format, DiskFull(output), on_row)

    monkeypatch.setattr(exports, "write_export", breaks_half_way)
    client = signed_in(world["coordinator_x"])
    detail = start_export(client, f"{REQUESTS}export/xlsx/")

    run_worker()

    export = Export.objects.get()
    assert (export.status, export.error) == ("failed", "Something went wrong.")
    assert not ExportChunk.objects.exists()
    assert b"The export failed." in client.get(detail).content
    assert download(client, detail).status_code == 404
    gc.collect()


def test_a_list_longer_than_the_limit_is_refused_with_a_way_on(world, settings):
    settings.EXPORT_MAX_ROWS = 1
    client = signed_in(world["coordinator_x"])

    for method in (client.get, client.post):
        response = method(f"{REQUESTS}export/xlsx/?q=o", follow=True)
        assert b"This list has 2 rows, and an export holds at most 1." in response.content
        assert response.redirect_chain[-1][0] == f"{REQUESTS}?q=o"
    assert not Export.objects.exists()


def test_it_is_deleted_when_its_time_is_up(world, settings):
    client = signed_in(world["coordinator_x"])
    detail = start_export(client, f"{REQUESTS}export/csv/")
    run_worker()
    Export.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    assert client.get(detail).status_code == 404
    assert download(client, detail).status_code == 404
    call_command("apply_retention", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not Export.objects.exists() and not ExportChunk.objects.exists()


def test_a_worker_that_died_is_shown_rather_than_a_bar_that_never_moves(world, settings):
    client = signed_in(world["coordinator_x"])
    detail = start_export(client, f"{REQUESTS}export/csv/")
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.EXPORT_STALL_SECONDS + 1)

    Export.objects.update(progressed_at=long_ago)
    waiting = client.get(f"{detail}status/").json()
    assert waiting["finished"] and not waiting["ended"]
    assert "the worker (manage.py db_worker) is not running" in waiting["message"]

    Export.objects.update(status="running")
    stopped = client.get(f"{detail}status/").json()
    assert "stopped before it was finished" in stopped["message"]


def test_the_progress_bar_asking_does_not_keep_a_session_alive(world, clock):
    from alliance_portal.middleware import session_limits

    client = signed_in(world["coordinator_x"])
    detail = start_export(client, f"{REQUESTS}export/csv/")
    idle = session_limits(world["coordinator_x"])[0]

    clock.advance(idle - 60)
    assert client.get(f"{detail}status/").status_code == 200
    clock.advance(120)

    assert client.get(detail).status_code == 302, "signed out: the polling was not activity"


def test_a_short_list_is_still_sent_at_once(world, settings):
    settings.EXPORT_IN_REQUEST_MAX_ROWS = 2
    response = signed_in(world["coordinator_x"]).get(f"{REQUESTS}export/csv/")

    assert response.status_code == 200 and content_of(response).startswith(b"\xef\xbb\xbf")
    assert not Export.objects.exists()


@pytest.mark.parametrize("count", [1, 12])
def test_the_exports_list_costs_the_same_queries_for_few_and_many(
    world, count, django_assert_max_num_queries
):
    for _ in range(count):
        factories.ExportFactory(
            requested_by=colleague_of(world["coordinator_x"]), alliance=world["x"]
        )
    client = signed_in(world["coordinator_x"])
    with django_assert_max_num_queries(6):
        response = client.get("/admin/exports/")
    assert response.content.count(b"Download</a>") == count
