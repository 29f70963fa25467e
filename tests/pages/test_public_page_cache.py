"""Visitors' public pages come whole from the shared page cache: a second look sends no
query, every spelling of one directory page shares one entry, a change shows at once,
and nobody signed in is ever given someone else's page."""

import pytest
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import Client
from django.test.utils import CaptureQueriesContext

from alliance_portal.pages.models import RolePage
from alliance_portal.pages.public_cache import PublicPageCacheMiddleware
from tests.factories import DesignationFactory, LeaderFactory, UserFactory

pytestmark = pytest.mark.django_db


def looked_at(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured), response.content.decode()


@pytest.fixture
def leader():
    leader = LeaderFactory(full_name="Owen Price", public_profile_consent=True)
    DesignationFactory(leader=leader)
    return leader


@pytest.mark.parametrize("url", ["/", "/roles/sle/", "/leaders/", "detail"])
def test_a_second_look_sends_no_query(client, leader, url):
    url = f"/leaders/{leader.pk}/" if url == "detail" else url

    first, page = looked_at(client, url)
    again, same_page = looked_at(Client(), url)

    assert first > 0
    assert again == 0
    assert same_page == page


def test_every_spelling_of_a_directory_page_shares_one_entry(client, leader):
    looked_at(client, "/leaders/")

    for spelling in ["/leaders/?page=1", "/leaders/?page=01", "/leaders/?page=+1", "/leaders/?q="]:
        assert looked_at(Client(), spelling)[0] == 0, spelling


def test_every_spelling_of_a_search_or_filtered_page_shares_one_entry(client, leader):
    looked_at(client, "/leaders/?q=owen+price&kind=LLE&page=1")

    for spelling in [
        "/leaders/?q=Owen++PRICE&kind=LLE&page=01",
        "/leaders/?kind=LLE&q=+owen%09price+&page=+1",
        "/leaders/?q=owen%20price&kind=LLE&area=&utm_source=x",
        "/leaders/?page=1&q=OWEN+price&kind=LLE",
    ]:
        assert looked_at(Client(), spelling)[0] == 0, spelling


def test_a_change_shows_at_once(client, leader):
    assert "Owen Price" in looked_at(client, "/leaders/")[1]
    RolePage.objects.filter(kind="SLE").update(summary="Before")
    looked_at(client, "/roles/sle/")

    leader.full_name = "Owen Pryce-Jones"
    leader.save()
    role = RolePage.objects.get(kind="SLE")
    role.summary = "Specialist leaders help other schools' middle leaders."
    role.save()

    assert "Owen Pryce-Jones" in looked_at(Client(), "/leaders/")[1]
    assert "help other schools" in looked_at(Client(), "/roles/sle/")[1]


def test_someone_signed_in_gets_a_page_of_their_own(client, leader):
    looked_at(client, "/roles/sle/")
    signed_in = Client()
    signed_in.force_login(UserFactory())

    queries, _ = looked_at(signed_in, "/roles/sle/")

    assert queries > 0  # worked out for them, not taken from the cache


@pytest.mark.parametrize(
    "made",
    ["sets a cookie", "hands out a CSRF token", "is private", "is not found"],
)
def test_only_a_page_that_is_the_same_for_everyone_is_kept(rf, made):
    request = rf.get("/roles/sle/")
    response = HttpResponse("page", status=404 if made == "is not found" else 200)
    if made == "sets a cookie":
        response.set_cookie("seen", "1")
    if made == "hands out a CSRF token":
        get_token(request)
    if made == "is private":
        response["Cache-Control"] = "private, no-store"

    assert not PublicPageCacheMiddleware.same_for_everyone(request, response)
    assert PublicPageCacheMiddleware.same_for_everyone(rf.get("/"), HttpResponse("page"))


@pytest.mark.parametrize(
    "query", ["", "page=1", "page=01", "page=+1", "q=&kind=", "page=abc", "page=7"]
)
def test_the_short_way_to_an_unfiltered_key_agrees_with_the_form(query):
    from django.http import QueryDict

    from leaders.forms import DirectoryFilterForm

    data = QueryDict(query)

    assert DirectoryFilterForm.unfiltered_page_key(data) == DirectoryFilterForm(data).page_key()
    assert DirectoryFilterForm.unfiltered_page_key(QueryDict("kind=SLE")) is None


def test_a_workers_copy_of_a_page_ends_when_the_shared_entry_does(client, leader, monkeypatch):
    from django.core.cache import caches

    from alliance_portal.pages import public_cache
    from leaders.models import Leader

    looked_at(client, "/leaders/")
    assert looked_at(Client(), "/leaders/")[0] == 0  # the worker's own copy
    Leader.objects.filter(pk=leader.pk).update(full_name="Owen Renamed")  # no signal
    later = public_cache.time.time() + public_cache.PAGE_CACHE_SECONDS + 1
    monkeypatch.setattr(public_cache.time, "time", lambda: later)
    caches["pages"].clear()  # as the shared cache drops it at the same moment

    queries, page = looked_at(Client(), "/leaders/")

    assert queries > 0
    assert "Owen Renamed" in page


def test_a_worker_keeps_only_its_most_recent_pages():
    from alliance_portal.pages.public_cache import RecentPages

    recent = RecentPages(size=2)
    pages = {}
    for name in ("a", "b", "c"):
        pages[name] = HttpResponse(name)
        pages[name].kept_until = 2**40
        recent.put(name, pages[name])

    assert recent.get("a") is None
    assert recent.get("b").content == b"b"
    assert recent.get("c").content == b"c"
    assert recent.get("c") is not recent.get("c")  # each look gets a response of its own


def test_a_filter_refused_before_a_change_applies_after_it(client, leader):
    """What the filter form makes of a query is remembered per version of the
    directory: a local authority becomes a choice once a leader works there."""
    from tests.factories import LocalAuthorityFactory, SchoolFactory

    camden = LocalAuthorityFactory(code=202, name="Camden")
    url = "/leaders/?local_authority=202"
    assert "No leader in the directory works in that local authority" in looked_at(client, url)[1]

    leader.home_school = SchoolFactory(local_authority=camden)
    leader.save()

    page = looked_at(Client(), url)[1]
    assert "No leader in the directory works in that local authority" not in page
    assert "Owen Price" in page


def test_filter_choices_kept_under_an_old_version_are_never_read_again(leader):
    from django.core.cache import cache

    from leaders.directory import (
        PLACES_CACHE_KEY,
        current_version,
        forget_cached_pages,
        place_choices,
    )

    cache.set(f"{PLACES_CACHE_KEY}:{current_version()}", ([(999, "Stale")], ["Nowhere"]), 300)
    assert place_choices() == ([(999, "Stale")], ["Nowhere"])

    forget_cached_pages()  # as any change to what the directory shows does

    assert (999, "Stale") not in place_choices()[0]


def test_a_search_typed_in_utf_8_and_its_look_alike_get_pages_of_their_own(client, leader):
    # The same bytes as WSGI hands them over (each byte a character), and the
    # percent-encoded text those characters would spell.
    raw, look_alike = "q=caf\xc3\xa9", "q=caf%C3%83%C2%A9"

    first = client.get("/leaders/", QUERY_STRING=raw).content.decode()
    second = Client().get("/leaders/", QUERY_STRING=look_alike).content.decode()

    # The search box shows each page's own search, as Django decoded it.
    assert 'value="café"' in first
    assert 'value="cafã©"' in second
