"""System checks for settings that only go wrong in production.

- `shared_counters`: with DEBUG off, the default cache holds the rate-limit
  and sign-in counters that every gunicorn worker must share. A cache kept
  inside each process multiplies every limit by the number of workers, so
  it is refused (an error stops `check`, `migrate` and `runserver`).
- `proxy_count` (with `check --deploy`): behind a proxy that sets
  X-Forwarded-Proto, `TRUSTED_PROXY_COUNT=0` makes every visitor share the
  proxy's address, so one visitor's failures lock everyone out.
"""

from django.conf import settings
from django.core import checks

PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
    "django.core.cache.backends.filebased.FileBasedCache",
}


@checks.register(checks.Tags.caches, checks.Tags.security)
def shared_counters(app_configs, **kwargs):
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if settings.DEBUG or backend not in PER_PROCESS_CACHES:
        return []
    return [
        checks.Error(
            f"The default cache ({backend.rsplit('.', 1)[-1]}) is kept inside each process, "
            "so every worker would keep its own rate-limit and sign-in counters.",
            hint="Set CACHE_URL to a shared cache, e.g. redis://127.0.0.1:6379/1.",
            id="portal.E010",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def proxy_count(app_configs, **kwargs):
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and settings.TRUSTED_PROXY_COUNT == 0:
        return [
            checks.Warning(
                "The portal expects a proxy in front (SECURE_PROXY_SSL_HEADER is set) but "
                "TRUSTED_PROXY_COUNT is 0, so every visitor has the proxy's address: one "
                "visitor's failed sign-ins or form posts would count against everyone.",
                hint="Set TRUSTED_PROXY_COUNT to the number of proxies that append to "
                "X-Forwarded-For (1 for a single nginx or load balancer).",
                id="portal.W010",
            )
        ]
    return []
