import functools

from django.conf import settings
from django.templatetags.static import static
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


# The files every page links to, by the name base.html knows them by: their addresses
# (with the manifest's hash) are the same until the next deploy, so looked up once.
PAGE_ASSETS = {
    "favicon": "images/favicon.svg",
    "css": "css/portal.css",
    "js_enabled": "js/js-enabled.js",
    "js": "js/portal.js",
}


@functools.lru_cache(maxsize=8)
def _page_assets(static_url, storage):
    # Keyed by the settings static() reads, so a change of them is a new entry.
    return {name: static(path) for name, path in PAGE_ASSETS.items()}


def portal(request):
    return {
        "portal_name": settings.PORTAL_NAME,
        "urls": fixed_urls(),
        "assets": _page_assets(settings.STATIC_URL, settings.STORAGES["staticfiles"]["BACKEND"]),
    }


# A leader's page: the address around the id is worked out once, as the fixed links are
# (the directory links to twenty leaders a page, and each reverse() took 0.1 ms).
_ANY_ID = 2_147_483_647


@functools.lru_cache(maxsize=8)
def _leader_url_around(script_prefix, urlconf):
    before, after = reverse("leaders:detail", args=[_ANY_ID], urlconf=urlconf).split(str(_ANY_ID))
    return before, after


@functools.lru_cache(maxsize=64)
def _role_url(kind, script_prefix, urlconf):
    return reverse("pages:role", args=[kind.lower()], urlconf=urlconf)


def role_url(kind):
    """The address of the role page of the designation `kind` ("SLE")."""
    return _role_url(kind, get_script_prefix(), get_urlconf())


def leader_url(pk):
    """The address of the leader `pk`'s public page, as reverse("leaders:detail") gives it."""
    before, after = _leader_url_around(get_script_prefix(), get_urlconf())
    return f"{before}{int(pk)}{after}"
