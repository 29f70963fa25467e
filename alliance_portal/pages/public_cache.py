"""Whole public pages for visitors, from the shared page cache, before the rest of the stack.

Anonymous GETs of the home page, the role pages, the directory (every filter and
page number, keyed by what its form makes of the query) and a leader's page are
kept in the `pages` cache, which every worker and server shares. They are
forgotten exactly as the directory's pages are: any change to what they show
moves the version in their keys on (`leaders.directory.directory_changed`), and
none is kept longer than `PAGE_CACHE_SECONDS`.

Only a response that is the same for everyone is kept: a 200 that sets no cookie,
used no CSRF token and is not marked private. A visitor with a session or a
message cookie always gets a page of their own.

Each process also keeps the pages it took from the shared cache lately
(`RecentPages`), under the same keys, until the shared entry's own expiry: a
page seen again costs one small read of the version from the shared default
cache instead of two reads, one of them the whole page. As the key holds the
version, a change hides these copies on every worker at once too. (Emptying the
pages cache by hand is not a change: a copy then lives out its minute.)
"""

import functools
import pickle
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.http import QueryDict
from django.urls import Resolver404, resolve

from leaders.directory import (
    PAGE_CACHE_SECONDS,
    current_version,
    filter_choices,
    page_cache,
    page_cache_key,
)

CACHED_PAGES = {"home", "pages:role", "leaders:directory", "leaders:detail"}
# Cookies that can make a page someone's own (a signed-in session, a flash message).
PERSONAL_COOKIES = (settings.SESSION_COOKIE_NAME, "messages")


class RecentPages:
    """The last `size` pages this process took from the shared cache, pickled (each look
    gets a response object of its own), each until the time it was kept until there."""

    def __init__(self, size=200):
        self.size, self.pages, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            entry = self.pages.get(key)
            if entry is None:
                return None
            until, data = entry
            if until <= time.time():
                del self.pages[key]
                return None
            self.pages.move_to_end(key)
        return pickle.loads(data)

    def put(self, key, response):
        until = getattr(response, "kept_until", 0)
        if until <= time.time():
            return
        data = pickle.dumps(response, pickle.HIGHEST_PROTOCOL)
        with self.lock:
            self.pages[key] = (until, data)
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)

    def clear(self):
        with self.lock:
            self.pages.clear()


recent_pages = RecentPages()


def page_key(request, match, version):
    """One key per page whatever spelling of the address asked for it."""
    if match.view_name == "leaders:directory":
        # The query as Django decoded it (UTF-8), written out again in one spelling.
        return f"directory:{_directory_page_key(version, request.GET.urlencode())}"
    # The other pages read nothing from the query string.
    return f"{match.view_name}:{request.path_info}"


@functools.lru_cache(maxsize=1024)
def _directory_page_key(version, query_string):
    """What the directory's filter form makes of a query (`page_key()`), remembered for
    the directory's version: the filters' choices, so what is valid, change only with it."""
    from leaders.forms import DirectoryFilterForm

    data = QueryDict(query_string)
    if key := DirectoryFilterForm.unfiltered_page_key(data):
        return key
    return DirectoryFilterForm(data, choices=filter_choices(version)).page_key()


class PublicPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        match = self.cached_page(request)
        if match is None:
            return self.get_response(request)
        version = current_version()
        key = page_cache_key(f"response:{page_key(request, match, version)}", version)
        response = recent_pages.get(key)
        if response is not None:
            return response
        response = page_cache.get(key)
        if response is not None:
            recent_pages.put(key, response)
            return response
        response = self.get_response(request)
        if self.same_for_everyone(request, response):
            # Where the shared entry ends, for the copies workers keep (RecentPages).
            response.kept_until = time.time() + PAGE_CACHE_SECONDS
            page_cache.set(key, response, PAGE_CACHE_SECONDS)
        return response

    @staticmethod
    def cached_page(request):
        if request.method not in ("GET", "HEAD"):
            return None
        if any(name in request.COOKIES for name in PERSONAL_COOKIES):
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        return match if match.view_name in CACHED_PAGES else None

    @staticmethod
    def same_for_everyone(request, response):
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and "private" not in response.get("Cache-Control", "")
        )
