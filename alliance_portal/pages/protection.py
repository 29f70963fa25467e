"""Protection for the public forms: a honeypot field and a rate limit per client.

Every public form view is wrapped in `protect_public_form(scope)`. A POST whose
honeypot field is filled in (people never see it; naive bots fill every field)
or that goes over the scope's limit is answered without running the view, so
nothing is saved.
"""

import functools
import hashlib
import hmac
import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

HONEYPOT_FIELD = "website_address"


def client_address(request):
    """The client's IP address, trusting as many X-Forwarded-For hops as proxies we run."""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "unknown")


def client_key(request):
    """The client's address as a counter's key: keyed-hashed, so the cache holds no
    addresses (the privacy notice says failures are counted without keeping where from)."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), client_address(request).encode(), hashlib.sha256
    )
    return digest.hexdigest()[:32]


def count(key, timeout):
    """Add one to a counter in the shared cache, atomically (add, then incr), and return it."""
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def over_limit(scope, request):
    """Count this attempt in a fixed window; True when the client has used up the window."""
    limit, period = settings.RATE_LIMITS[scope]
    window = int(time.time() // period)
    return count(f"rate:{scope}:{client_key(request)}:{window}", period + 5) > limit


def protect_public_form(scope):
    """Refuse POSTs that fill the honeypot or exceed the scope's rate limit."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST":
                if request.POST.get(HONEYPOT_FIELD):
                    return render(request, "pages/form_refused.html", status=400)
                if over_limit(scope, request):
                    response = render(request, "pages/too_many_requests.html", status=429)
                    response["Retry-After"] = str(settings.RATE_LIMITS[scope][1])
                    return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
