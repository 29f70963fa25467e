"""Error pages in the portal's layout that say what happened and what to do next.

The tests run with DEBUG off, as production does: Django then uses the
portal's handlers (alliance_portal/pages/errors.py) instead of its bare
defaults. The 500 and 503 pages are shown with the database out of reach.
"""

import contextlib
import threading

import pytest
from django.db import connection
from django.test import Client

from requests.models import SupportRequest
from tests.factories import AllianceFactory, LocalAuthorityFactory, SchoolFactory
from tests.requests.test_journey import answer_everything

PORTAL_LAYOUT = ('class="govuk-header', "Contact us", 'href="/"')
BARE_DJANGO = ("The requested resource was not found on this server", "<h1>Server Error (500)</h1>")


def needs_postgres(test):
    skip = pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: an in-memory SQLite test database cannot be disconnected",
    )
    return pytest.mark.postgres(skip(test))


def assert_portal_page(response, status, *texts):
    page = response.content.decode()
    assert response.status_code == status
    for text in (*PORTAL_LAYOUT, *texts):
        assert text in page, text
    for text in BARE_DJANGO:
        assert text not in page
    # The header's and footer's links are there even where no request context is used.
    assert 'href=""' not in page
    assert 'class="govuk-footer__link" href="/' in page
    return page


@contextlib.contextmanager
def database_unreachable():
    """Point the connection at a port nothing listens on, as if PostgreSQL had stopped."""
    settings_dict = connection.settings_dict
    saved = settings_dict["HOST"], settings_dict["PORT"]
    connection.close()
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", "1"
    try:
        yield
    finally:
        connection.close()
        settings_dict["HOST"], settings_dict["PORT"] = saved


@pytest.fixture
def failing_client():
    """A client that shows what the visitor sees instead of raising the view's exception."""
    return Client(raise_request_exception=False)


@pytest.mark.django_db
def test_an_unknown_page_is_a_404_in_the_portal_layout(client):
    response = client.get("/no-such-page/")

    assert_portal_page(response, 404, "Page not found", "check you copied all of it")


@pytest.mark.django_db
def test_a_tracking_link_cut_short_says_to_copy_the_whole_link(client):
    response = client.get("/track/eyJyIjoxfQ:1sX/")

    page = assert_portal_page(response, 404, "Page not found")
    assert "copy the whole link" in page
    assert "contact your alliance" in page


@pytest.mark.django_db
def test_a_request_from_an_unknown_host_is_a_400_in_the_portal_layout(client):
    response = client.get("/", HTTP_HOST="portal.attacker.example")

    assert_portal_page(
        response, 400, "We could not read that page address or form", "Nothing was saved"
    )


@pytest.mark.django_db
@pytest.mark.urls("tests.pages.error_urls")
def test_a_refused_request_is_a_400_and_a_refusal_a_403(client):
    assert_portal_page(client.get("/test-errors/suspicious/"), 400, "go back, check your answers")

    page = assert_portal_page(client.get("/test-errors/forbidden/"), 403, "You do not have access")
    assert 'href="/accounts/login/"' in page


@pytest.mark.django_db
def test_a_form_without_its_security_check_gets_the_csrf_page():
    client = Client(enforce_csrf_checks=True)

    response = client.post("/become-a-leader/", {"full_name": "Sam Jones"})

    page = assert_portal_page(response, 403, "Your form could not be sent", "reload the page")
    assert "If you were signed in before, your session may have ended" in page
    assert "CSRF verification failed" not in page


@pytest.mark.django_db
@pytest.mark.urls("tests.pages.error_urls")
def test_a_server_error_is_a_500_page_that_needs_no_database(
    failing_client, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = failing_client.get("/test-errors/broken/")

    assert_portal_page(response, 500, "Sorry, something went wrong on our side", "Try again")


@pytest.mark.django_db
@pytest.mark.urls("tests.pages.error_urls")
def test_a_database_error_is_the_503_try_again_page(failing_client):
    response = failing_client.get("/test-errors/database/")

    assert_portal_page(response, 503, "try again in a moment", "reload the page")
    assert response["Retry-After"] == "30"


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls("tests.pages.error_urls")
@needs_postgres
def test_with_the_database_stopped_pages_say_try_again_and_a_bug_still_gets_its_page(
    failing_client,
):
    with database_unreachable():
        directory = failing_client.get("/leaders/")
        bug = failing_client.get("/test-errors/broken/")
        health = failing_client.get("/healthz/")
        ready = failing_client.get("/readyz/")

    assert_portal_page(directory, 503, "try again in a moment")
    assert_portal_page(bug, 500, "Sorry, something went wrong on our side")
    assert (health.status_code, health.content) == (200, b"ok")
    assert (ready.status_code, ready.json()) == (503, {"database": "failed", "cache": "ok"})


@pytest.mark.django_db(transaction=True)
@needs_postgres
def test_a_locked_table_gives_the_school_a_503_and_keeps_its_answers(failing_client):
    """A lock held elsewhere: the final step gives up after lock_timeout, not the web
    server's timeout, and the answers are still there when the school sends again."""
    camden = LocalAuthorityFactory(code=202, name="Camden")
    AllianceFactory(name="North London Hub").local_authorities.add(camden)
    school = SchoolFactory(urn=100123, local_authority=camden)
    answer_everything(failing_client, school)
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = 300")  # this test's own wait, not 5 s
    locked, release = threading.Event(), threading.Event()

    def hold_the_lock():
        from django.db import connection as own_connection
        from django.db import transaction

        try:
            with transaction.atomic(), own_connection.cursor() as cursor:
                cursor.execute(
                    f"LOCK TABLE {SupportRequest._meta.db_table} IN ACCESS EXCLUSIVE MODE"
                )
                locked.set()
                release.wait(timeout=30)
        finally:
            own_connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        refused = failing_client.post("/request-support/check/", {"privacy_consent": "on"})
    finally:
        release.set()
        holder.join()

    page = assert_portal_page(refused, 503, "try again in a moment")
    assert "Anything you entered on earlier pages is kept" in page
    sent = failing_client.post("/request-support/check/", {"privacy_consent": "on"})
    assert (sent.status_code, sent.url) == (302, "/request-support/sent/")
    assert SupportRequest.objects.get().school == school


@pytest.mark.django_db
@pytest.mark.urls("tests.pages.error_urls")
def test_a_database_error_behind_another_error_is_still_the_503_page(failing_client):
    response = failing_client.get("/test-errors/wrapped-database/")

    assert_portal_page(response, 503, "try again in a moment")


@pytest.mark.django_db
def test_the_csrf_page_tells_a_signed_in_user_to_sign_in_again_if_it_fails_twice(superuser):
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)

    page = client.post("/become-a-leader/", {}).content.decode()

    assert "If it fails again" in page
    assert "If you were signed in before" not in page
