"""Failed sign-ins: django-axes locks an account on one client; a ceiling caps each client.

- django-axes counts failures per account *and* client together
  (`AXES_LOCKOUT_PARAMETERS`): after `LOGIN_LOCK_AFTER` of them that pair is
  locked for `LOGIN_LOCK_SECONDS`. Someone guessing from elsewhere therefore
  never locks the real person out. Accounts are compared without letter case.
- Each client also has a ceiling of `LOGIN_CLIENT_CEILING` failures in
  `LOGIN_FAILURE_WINDOW`, whatever the accounts tried, so one client cannot
  guess its way through many accounts.

Both counters live in the shared cache (Redis in production), counted with
atomic `add`/`incr`, so several workers share one count. Client addresses are
read by `pages.protection.client_address`, for axes and the rate limits alike.
"""

import math

from django.conf import settings
from django.core.cache import cache

from alliance_portal.pages.protection import client_address, client_key, count


def normalised_email(email):
    return (email or "").strip().lower()


def axes_username(request, credentials):
    """The account axes counts under: the email address, whatever its letter case.

    Axes passes the credentials of the form's `username` field or of the
    backend's (keyed by the user model's USERNAME_FIELD, `email`): either names it.
    """
    found = credentials or getattr(request, "POST", None) or {}
    return normalised_email(found.get("username") or found.get("email"))


def axes_client_description(username, ip_address, user_agent, path_info, request):
    """What axes writes in its log lines: no email address and no IP address."""
    return "a sign-in attempt"


def locked_out_response(request, original_response, credentials=None):
    """Axes' answer once a pair is locked: our sign-in page with its message, as 429."""
    original_response.status_code = 429
    original_response["Retry-After"] = str(settings.LOGIN_LOCK_SECONDS)
    return original_response


def locked_message():
    minutes = math.ceil(settings.LOGIN_LOCK_SECONDS / 60)
    return f"Too many failed sign-ins: try again after {minutes} minutes, or reset your password"


def _client_key(request):
    return f"login-failures:client:{client_key(request)}"


def client_ceiling_reached(request):
    return cache.get(_client_key(request), 0) >= settings.LOGIN_CLIENT_CEILING


def record_client_failure(request):
    count(_client_key(request), settings.LOGIN_FAILURE_WINDOW)


def clear_for(request, email):
    """A new password clears the account's lock on the client that set it."""
    from axes.utils import reset

    reset(ip=client_address(request), username=normalised_email(email))
