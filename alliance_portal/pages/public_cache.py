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
"""

from django.conf import settings
from django.urls import Resolver404, resolve

from leaders.directory import PAGE_CACHE_SECONDS, page_cache, page_cache_key

CACHED_PAGES = {"home", "pages:role", "leaders:directory", "leaders:detail"}
# Cookies that can make a page someone's own (a signed-in session, a flash message).
PERSONAL_COOKIES = (settings.SESSION_COOKIE_NAME, "messages")


def page_key(request, match):
    """One key per page whatever spelling of the address asked for it."""
    if match.view_name == "leaders:directory":
        from leaders.forms import DirectoryFilterForm

        key = DirectoryFilterForm.unfiltered_page_key(request.GET)
        return f"directory:{key or DirectoryFilterForm(request.GET).page_key()}"
    # The other pages read nothing from the query string.
    return f"{match.view_name}:{request.path_info}"


class PublicPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        match = self.cached_page(request)
        if match is None:
            return self.get_response(request)
        key = page_cache_key("response:" + page_key(request, match))
        response = page_cache.get(key)
        if response is not None:
            return response
        response = self.get_response(request)
        if self.same_for_everyone(request, response):
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
