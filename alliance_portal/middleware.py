"""Headers and session limits every response gets, whichever view answered.

- `SecurityHeadersMiddleware` sends a Permissions-Policy that switches off
  browser features the portal never uses, and `Cache-Control: private,
  no-store` on pages that show one person's business (`/my/`, the admin,
  sign-in and password pages, tracking, feedback and calendar links), so
  neither a shared cache nor the browser's history keeps them. The
  Content-Security-Policy comes from django-csp (`CONTENT_SECURITY_POLICY`).
- `FormCharsetMiddleware` answers a form post that declares a character set
  other than UTF-8 with a short 400, before anything reads the form.
- `SessionLimitsMiddleware` ends a session that has been idle, or open in all,
  for longer than its kind allows (`SESSION_LIMITS`): staff sessions are short,
  because the admin reaches every record of an alliance; leaders' last longer.
  `session_seconds_left` says how long a session has; the admin's warning
  (`accounts:session`) asks it without counting as activity.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpResponseBadRequest
from django.utils.cache import add_never_cache_headers, patch_cache_control

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)

# URL namespaces whose every page is private, and single private pages elsewhere.
PRIVATE_NAMESPACES = {"admin", "portal", "accounts", "reports"}
PRIVATE_PAGES = {
    ("requests", "track"),
    ("requests", "withdraw"),
    ("deployments", "evaluation"),
    ("leaders", "calendar-feed"),
}


def is_private(request):
    match = request.resolver_match
    if match is None:
        return request.path_info.startswith(("/admin/", "/my/", "/accounts/"))
    namespaces = set(match.namespaces)
    if namespaces & PRIVATE_NAMESPACES:
        return True
    return any((namespace, match.url_name) in PRIVATE_PAGES for namespace in namespaces)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if is_private(request):
            add_never_cache_headers(response)
            patch_cache_control(response, private=True, no_store=True)
        return response


FORM_CONTENT_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
FORM_CHARSET_REFUSED = (
    "This form was sent in a character set other than UTF-8, so it was not read. "
    "Go back, reload the page and send the form again."
)


class FormCharsetMiddleware:
    """Only UTF-8 form posts are read: every page is UTF-8 and browsers send forms back so.

    A form declaring another charset (`charset=latin-1`, `utf-16`, an unknown one) is
    answered with a 400 saying why, whichever view it was sent to. Left to Django, a
    url-encoded one fails only when a view or middleware first reads `request.POST`,
    and its debug error page reads it again and fails with a 500.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD") and request.content_type in FORM_CONTENT_TYPES:
            charset = request.content_params.get("charset")
            if charset is not None and charset.strip().lower() != "utf-8":
                return HttpResponseBadRequest(
                    FORM_CHARSET_REFUSED, content_type="text/plain; charset=utf-8"
                )
        return self.get_response(request)


SIGNED_IN_AT = "portal:signed_in_at"
LAST_SEEN = "portal:last_seen"
# Write the session again at most this often, not on every request.
LAST_SEEN_GRANULARITY = 60
# The admin's session warning asks here how long is left (alliance_portal/accounts/urls.py).
SESSION_TIME_PATH = "/accounts/session/"


@receiver(user_logged_in, dispatch_uid="portal-session-start")
def remember_when_signed_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        moment = int(time.time())
        request.session[SIGNED_IN_AT] = moment
        request.session[LAST_SEEN] = moment
        request.session.set_expiry(session_limits(user)[0])


def session_limits(user):
    """(idle seconds, seconds in all) for this kind of user."""
    kind = "staff" if user.is_staff else "leader"
    return settings.SESSION_LIMITS[kind]


def session_seconds_left(request):
    """(seconds before this session ends, whether activity can push the end back).

    The end is the sooner of the idle limit and the limit in all; only the idle
    one moves when the user does something.
    """
    now = int(time.time())
    idle, in_all = session_limits(request.user)
    started = request.session.get(SIGNED_IN_AT, now)
    last_seen = request.session.get(LAST_SEEN, started)
    idle_end, final_end = last_seen + idle, started + in_all
    return max(0, min(idle_end, final_end) - now), idle_end <= final_end


def mark_active(request):
    """The user did something now: the idle limit counts from here."""
    request.session[LAST_SEEN] = int(time.time())
    request.session.set_expiry(session_limits(request.user)[0])


class SessionLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self.check(request, user)
        response = self.get_response(request)
        if request.user.is_authenticated and self.is_activity(request, response):
            self.record_activity(request)
        return response

    @staticmethod
    def is_activity(request, response):
        """What the user did counts, unless it was refused (a forged post, a page they
        may not see), only asked how long the session has left, or was a page's own
        polling (a view sets `request.polling`: the export's progress bar)."""
        if response.status_code == 403 or getattr(request, "polling", False):
            return False
        return not (request.method in ("GET", "HEAD") and request.path_info == SESSION_TIME_PATH)

    def check(self, request, user):
        session = request.session
        now = int(time.time())
        idle, in_all = session_limits(user)
        started = session.setdefault(SIGNED_IN_AT, now)
        last_seen = session.get(LAST_SEEN, started)
        if now - last_seen > idle or now - started > in_all:
            reason = (
                f"after {_duration(idle)} without activity"
                if now - last_seen > idle
                else f"after {_duration(in_all)}"
            )
            logout(request)
            messages.info(request, f"You were signed out {reason}. Sign in again to go on.")

    @staticmethod
    def record_activity(request):
        """Write the session again at most once a LAST_SEEN_GRANULARITY."""
        now = int(time.time())
        session = request.session
        if now - session.get(LAST_SEEN, session.get(SIGNED_IN_AT, now)) >= LAST_SEEN_GRANULARITY:
            session[LAST_SEEN] = now
            session.set_expiry(session_limits(request.user)[0])


def _duration(seconds):
    if seconds % 86400 == 0:
        days = seconds // 86400
        return f"{days} day{'s' if days != 1 else ''}"
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = seconds // 60
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
