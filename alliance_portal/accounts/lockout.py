"""Slow down, then lock, repeated failed sign-ins per account and per client.

Failures are kept in the cache as a list of timestamps under two keys: the
email address tried (lower-cased) and the client's address. Once either has
LOGIN_SLOW_AFTER failures within LOGIN_FAILURE_WINDOW, every attempt must wait
LOGIN_SLOW_SECONDS after the last failure; once it has LOGIN_LOCK_AFTER, it is
locked for LOGIN_LOCK_SECONDS after the last failure. A refused attempt is
answered without checking the password, and is not counted itself.

A successful sign-in (or a new password) clears the account's failures. The
read-modify-write on the cache is not atomic: two simultaneous failures may
count once, which only ever errs by one attempt.
"""

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from alliance_portal.pages.protection import client_address


def now():
    """The current time in seconds; tests replace it to move the clock."""
    return time.time()


@dataclass(frozen=True)
class Refusal:
    locked: bool
    wait_seconds: int

    @property
    def message(self):
        if self.locked:
            minutes = math.ceil(settings.LOGIN_LOCK_SECONDS / 60)
            return (
                f"Too many failed sign-ins: try again after {minutes} minutes, "
                "or reset your password"
            )
        unit = "second" if self.wait_seconds == 1 else "seconds"
        return f"Wait {self.wait_seconds} {unit} before trying again"


def account_key(email):
    return f"login-failures:account:{(email or '').strip().lower()}"


def client_key(request):
    return f"login-failures:client:{client_address(request)}"


def refusal(request, email):
    """Why this attempt must not even be checked, or None when it may go ahead."""
    refusals = [_refusal_for(key) for key in (account_key(email), client_key(request))]
    refusals = [r for r in refusals if r is not None]
    if not refusals:
        return None
    return max(refusals, key=lambda r: (r.locked, r.wait_seconds))


def record_failure(request, email):
    moment = now()
    for key in (account_key(email), client_key(request)):
        failures = [*_recent_failures(key, moment), moment]
        cache.set(key, failures, timeout=_keep_for())


def clear_account(email):
    cache.delete(account_key(email))


def _keep_for():
    return max(settings.LOGIN_FAILURE_WINDOW, settings.LOGIN_LOCK_SECONDS) + 5


def _recent_failures(key, moment):
    return [t for t in cache.get(key, []) if moment - t < settings.LOGIN_FAILURE_WINDOW]


def _refusal_for(key):
    moment = now()
    stored = cache.get(key, [])
    if not stored:
        return None
    since_last = moment - max(stored)
    if len(stored) >= settings.LOGIN_LOCK_AFTER and since_last < settings.LOGIN_LOCK_SECONDS:
        return Refusal(
            locked=True, wait_seconds=math.ceil(settings.LOGIN_LOCK_SECONDS - since_last)
        )
    recent = _recent_failures(key, moment)
    if len(recent) >= settings.LOGIN_SLOW_AFTER and since_last < settings.LOGIN_SLOW_SECONDS:
        return Refusal(
            locked=False, wait_seconds=math.ceil(settings.LOGIN_SLOW_SECONDS - since_last)
        )
    return None
