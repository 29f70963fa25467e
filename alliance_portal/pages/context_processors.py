import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# The links every page's header and footer carry: the same on every request, so worked
# out once per process (and URL configuration), not reversed on each page.
FIXED_URLS = {
    "home": "home",
    "request_support": "requests:start",
    "directory": "leaders:directory",
    "apply": "leaders:apply",
    "admin": "admin:index",
    "my_work": "portal:dashboard",
    "login": "accounts:login",
    "contact": "pages:contact",
    "privacy": "pages:privacy",
    "accessibility": "pages:accessibility",
}


@functools.lru_cache(maxsize=8)
def _fixed_urls(script_prefix, urlconf):
    return {name: reverse(view, urlconf=urlconf) for name, view in FIXED_URLS.items()}


def fixed_urls():
    return _fixed_urls(get_script_prefix(), get_urlconf())


def portal(request):
    return {"portal_name": settings.PORTAL_NAME, "urls": fixed_urls()}
