"""gunicorn's settings for the portal: `.venv/bin/gunicorn -c alliance_portal/gunicorn.conf.py`.

The values that differ between machines come from the environment; anything
given on the command line wins over this file. README, "Running in production",
explains the choices, in particular how to reload without a gap.
"""

import os

wsgi_app = "alliance_portal.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# gunicorn's own convention for the number of worker processes.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "sync"

# A worker silent for this long is killed and replaced (a request stuck on a dead server).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On TERM or a reload, workers finish the request in hand for up to this long.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5

# The master imports the portal once, then forks ready workers. A HUP (new settings,
# the same code) therefore replaces the workers with no gap; a new release is taken
# up with USR2 and then TERM to the old master, also with no gap (README, "Reloads").
# Without this, a HUP stops the old workers before the new ones have loaded the code.
preload_app = True
pidfile = os.environ.get("GUNICORN_PIDFILE") or None

# Both logs to the standard streams, as JSON lines: the access log on stdout, gunicorn's
# own messages and the portal's on stderr. No query string, no private link's secret.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
logger_class = "alliance_portal.ops.gunicorn_logger.JsonLogger"

# gunicorn 27's control socket is not used (see README, "Deploying").
control_socket_disable = True


def when_ready(server):
    """Before the first worker is forked: import every URLconf and view once, in the master, so
    that a new worker's first request does not (with preload_app, as above)."""
    from django.apps import apps

    if apps.ready:
        from django.urls import get_resolver

        get_resolver().reverse_dict  # noqa: B018 - imports and indexes every URL pattern


def pre_fork(server, worker):
    """The master never hands a database or cache connection to a worker."""
    from django.apps import apps

    if not apps.ready:
        return
    from django.core.cache import caches
    from django.db import connections

    connections.close_all()
    for cache in caches.all(initialized_only=True):
        cache.close()
