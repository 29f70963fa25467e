"""The dashboard's figures from a snapshot in the shared cache, so its cost does not grow
with the data.

Working the figures out takes a dozen aggregates over whole tables (`dashboard.py`):
about 100 ms at national scale, more as the data grows. The page reads them instead
from a snapshot kept per scope (one alliance's coordinators, or what a superuser
picked), shared by every web worker through the shared cache:

- Any change to a request, deployment, designation, leader or support log moves
  `VERSION_KEY` on, so every snapshot is out of date from that moment.
- An out-of-date snapshot younger than `DASHBOARD_STALE_SECONDS` is still shown,
  saying how old it is, while the worker works out a new one (one task per scope
  at a time). Older than that, or missing, the page works it out itself.
- A snapshot is also out of date after `DASHBOARD_MAX_AGE_SECONDS` whatever
  happened, since days waiting and months move on by themselves.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from alliance_portal.accounts import scoping

logger = logging.getLogger(__name__)

VERSION_KEY = "dashboard:version"
# Raise SNAPSHOT_FORMAT when DashboardFigures changes shape, so a deploy never reads
# snapshots pickled by the code before it.
SNAPSHOT_FORMAT = 1
KEY_PREFIX = f"dashboard:{SNAPSHOT_FORMAT}:"


@dataclass(frozen=True)
class Snapshot:
    figures: object
    as_of: datetime.datetime
    version: int | None

    def is_current(self, version, now):
        age = (now - self.as_of).total_seconds()
        return self.version == version and age < settings.DASHBOARD_MAX_AGE_SECONDS

    def may_be_shown(self, now):
        return (now - self.as_of).total_seconds() < settings.DASHBOARD_STALE_SECONDS


def scope_key(user, alliance_id=None):
    """Who sees the same figures: every coordinator of one alliance, or superusers
    looking at one alliance or at all of them. None for anyone else."""
    if scoping.sees_everything(user):
        return f"{KEY_PREFIX}superuser:{alliance_id or 'all'}"
    own = scoping.alliance_id_of(user)
    return f"{KEY_PREFIX}alliance:{own}" if own is not None else None


def current_version():
    return cache.get(VERSION_KEY, 0)


def dashboard_snapshot(user, alliance_id, work_out):
    """The figures for `user` (and the superuser's chosen alliance), from the snapshot
    when it may be shown; `work_out()` computes them when it may not."""
    key = scope_key(user, alliance_id)
    now = timezone.now()
    version = current_version()
    if key is None:
        return Snapshot(work_out(), now, None)
    snapshot = cache.get(key)
    if snapshot is not None and snapshot.is_current(version, now):
        return snapshot
    if snapshot is not None and snapshot.may_be_shown(now):
        if cache.add(f"{key}:refreshing", True, settings.DASHBOARD_STALE_SECONDS):
            from .tasks import refresh_dashboard

            refresh_dashboard.enqueue(user.pk, alliance_id)
        return snapshot
    return keep(key, work_out(), version)


def keep(key, figures, version):
    snapshot = Snapshot(figures, timezone.now(), version)
    cache.set(key, snapshot, settings.DASHBOARD_MAX_AGE_SECONDS + settings.DASHBOARD_STALE_SECONDS)
    return snapshot


def refresh(user, alliance_id):
    """Work out and keep the snapshot for `user`'s scope (the worker's task)."""
    from .dashboard import dashboard_figures

    key = scope_key(user, alliance_id)
    if key is None:
        return
    # The version is read before the figures: a change made meanwhile leaves the
    # snapshot out of date, never marked current with old figures.
    version = current_version()
    try:
        keep(key, dashboard_figures(user, alliance_id=alliance_id), version)
    finally:
        cache.delete(f"{key}:refreshing")


def figures_changed(**kwargs):
    """Every snapshot is out of date from now, and again once the change is committed
    (a snapshot worked out meanwhile read the rows as they were before it)."""
    move_version_on()
    transaction.on_commit(move_version_on)


def move_version_on():
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version yet (a new cache, or it was evicted)
        cache.add(VERSION_KEY, 1, None)
        cache.incr(VERSION_KEY)
    except Exception:  # the cache is down: the change still saves; snapshots age out
        logger.warning("The dashboard's snapshots could not be marked out of date.")


def connect_signals():
    from deployments.models import Deployment, SupportLog
    from leaders.models import Designation, Leader
    from requests.models import SupportRequest

    for model in (SupportRequest, Deployment, Designation, Leader, SupportLog):
        for name, signal in (("saved", post_save), ("deleted", post_delete)):
            uid = f"dashboard-{model.__name__}-{name}"
            receiver(signal, sender=model, dispatch_uid=uid)(figures_changed)
