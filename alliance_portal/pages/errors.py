"""The portal's error pages: what happened and what to do next, in the portal's layout.

Django calls these instead of its bare defaults once DEBUG is off
(`handler400` and friends in `alliance_portal.urls`, `CSRF_FAILURE_VIEW` in
the settings). The 500 and 503 pages are rendered without the request's
context, so they need neither the database nor the session: they still
render when those are what failed.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

from alliance_portal.pages.context_processors import portal

# Seconds a browser or client is asked to wait before trying again after a 503.
RETRY_AFTER_SECONDS = 30
# The database could not be reached, or gave up on a statement or a lock in time
# (PostgreSQL's statement_timeout and lock_timeout raise OperationalError too).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def _page(request, template, *, status, **context):
    """Render an error page with the request (for the signed-in menu) when that is safe."""
    return HttpResponse(
        loader.render_to_string(template, {"status": status, **context}, request),
        status=status,
    )


def _bare_page(template, *, status, **context):
    """Render with no request context: no session, user or database is touched."""
    # What every page's layout needs, from the context processor that gives it (it reads
    # nothing from the request).
    html = loader.render_to_string(template, {**portal(None), "status": status, **context})
    return HttpResponse(html, status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    return _page(request, "errors/400.html", status=400)


@requires_csrf_token
def permission_denied(request, exception=None):
    return _page(request, "errors/403.html", status=403)


@requires_csrf_token
def page_not_found(request, exception=None):
    return _page(
        request, "errors/404.html", status=404, from_a_link=_looks_like_a_link(request.path)
    )


def csrf_failure(request, reason=""):
    """The form's security check failed: usually a page left open too long, or cookies off."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return _page(request, "errors/403_csrf.html", status=403, was_signed_in=signed_in)


@requires_csrf_token
def server_error(request):
    """A 500, or a 503 when the database is unreachable or too busy to answer in time.

    Django calls this while it handles the exception, so `sys.exc_info()`
    names what went wrong.
    """
    if _database_unavailable(sys.exc_info()[1]):
        response = _bare_page(
            "errors/503.html",
            status=503,
            was_sending=request.method == "POST",
            retry_after=RETRY_AFTER_SECONDS,
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return _bare_page("errors/500.html", status=500)


def _database_unavailable(error):
    """Is the database behind this error, directly or as the cause of another one?"""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, DATABASE_UNAVAILABLE):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


# Paths that are private links sent by email: a 404 there usually means the
# email client cut the link short, and the page says so.
LINK_PREFIXES = ("/track/", "/feedback/", "/accounts/invitation/", "/accounts/password/reset/")


def _looks_like_a_link(path):
    return path.startswith(LINK_PREFIXES)
