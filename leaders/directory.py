"""The public directory of system leaders: who is listed, and how visitors narrow it down.

A leader is listed when they agreed to a public profile and hold at least one
active designation. Lapsed and withdrawn designations are never loaded for
these pages, so a template cannot show them by accident.
"""

import hashlib
import time
from urllib.parse import urlencode

from django.core.cache import cache, caches
from django.db import transaction
from django.db.models import Case, Exists, IntegerField, OuterRef, Prefetch, Q, When

from .models import AreaOfExpertise, Designation, Leader

# Most words a visitor's search is split into; the rest are ignored.
MAX_SEARCH_TERMS = 10

KIND_ORDER = [Designation.Kind.NLE, Designation.Kind.LLE, Designation.Kind.SLE]
KIND_ORDER += [kind for kind in Designation.Kind if kind not in KIND_ORDER]


def _in_order(field, values):
    """An expression to order rows by where `field` comes in `values`."""
    whens = [When(**{field: value}, then=position) for position, value in enumerate(values)]
    return Case(*whens, default=len(values), output_field=IntegerField())


def active_designations():
    return (
        Designation.objects.filter(status=Designation.Status.ACTIVE)
        .select_related("alliance")
        .order_by(_in_order("kind", KIND_ORDER))
    )


def areas_in_group_order():
    groups = AreaOfExpertise.Group.values
    return AreaOfExpertise.objects.order_by(_in_order("group", groups), "position", "name")


def _public_leaders():
    has_active_designation = Exists(
        Designation.objects.filter(leader=OuterRef("pk"), status=Designation.Status.ACTIVE)
    )
    return Leader.objects.public().filter(has_active_designation)


def listed_leaders():
    """Every leader the public may see, with what their directory entry and page show."""
    return (
        _public_leaders()
        .select_related("home_school__local_authority", "home_school__phase")
        .prefetch_related(
            Prefetch("designations", queryset=active_designations(), to_attr="active_designations"),
            Prefetch("areas_of_expertise", queryset=areas_in_group_order()),
            "phases",
        )
        .order_by("full_name", "pk")
    )


def directory_leaders(filters):
    """Listed leaders matching the visitor's filters; empty or missing filters match all.

    `filters` holds plain values: `q` (words to search for), `kind` (a
    designation code), `area` (an area of expertise slug), `phase` (a phase
    code), `local_authority` (a local authority code) and `region` (a region
    name), each applying to the leader's home school where it is about place.
    """
    leaders = listed_leaders()
    if kind := filters.get("kind"):
        leaders = leaders.filter(
            Exists(
                Designation.objects.filter(
                    leader=OuterRef("pk"), kind=kind, status=Designation.Status.ACTIVE
                )
            )
        )
    if area := filters.get("area"):
        leaders = leaders.filter(areas_of_expertise__slug=area)
    if phase := filters.get("phase"):
        leaders = leaders.filter(phases__code=phase)
    if local_authority := filters.get("local_authority"):
        leaders = leaders.filter(home_school__local_authority__code=local_authority)
    if region := filters.get("region"):
        leaders = leaders.filter(home_school__region=region)
    for term in (filters.get("q") or "").split()[:MAX_SEARCH_TERMS]:
        leaders = leaders.filter(
            Q(full_name__icontains=term)
            | Q(home_school__name__icontains=term)
            | Q(bio__icontains=term)
        )
    return leaders


# The places filters list change only when leaders move school or join the
# directory, and working them out scans every listed leader: keep them a while.
PLACES_CACHE_KEY = "leaders:directory:places"
PLACES_CACHE_SECONDS = 300


def place_choices():
    """Where listed leaders work: (code, name) of local authorities, and regions, A to Z."""
    places = cache.get(PLACES_CACHE_KEY)
    if places is None:
        homes = _public_leaders().filter(home_school__isnull=False)
        local_authorities = list(
            homes.exclude(home_school__local_authority=None)
            .order_by("home_school__local_authority__name", "home_school__local_authority__code")
            .values_list("home_school__local_authority__code", "home_school__local_authority__name")
            .distinct()
        )
        regions = list(
            homes.exclude(home_school__region="")
            .order_by("home_school__region")
            .values_list("home_school__region", flat=True)
            .distinct()
        )
        places = (local_authorities, regions)
        cache.set(PLACES_CACHE_KEY, places, PLACES_CACHE_SECONDS)
    return places


# Whole directory pages (their title and main content, the same for every
# visitor) are kept in a cache of their own, so filling it can never push out
# the rate-limit and sign-in counters in the default cache. A page is keyed by
# the filters and page number (as the form reads them: the last value of each)
# and a version that every change to what the directory shows moves on (see
# `directory_changed`). The version lives in the default cache, which every
# worker shares (alliance_portal.checks insists on it in production), so a
# change (a leader withdrawing consent, say) hides the old pages on every
# worker at once, even where each keeps its pages in a cache of its own.
# Free-text searches are not kept: there is no end to them.
PAGE_CACHE_SECONDS = 60
PAGE_PARAMETERS = ("kind", "area", "phase", "local_authority", "region", "page")
VERSION_CACHE_KEY = "leaders:directory:version"
page_cache = caches["pages"]


def page_cache_key(query):
    """The cache key for one directory page (`query` is the GET QueryDict), or None."""
    if query.get("q", "").strip():
        return None
    version = cache.get(VERSION_CACHE_KEY)
    if version is None:
        # A fresh number, never an old one: pages cached under a version that
        # was evicted must not come back.
        cache.add(VERSION_CACHE_KEY, time.time_ns(), None)
        version = cache.get(VERSION_CACHE_KEY)
    canonical = urlencode([(name, query.get(name, "")) for name in PAGE_PARAMETERS])
    return f"leaders:directory:page:{version}:{hashlib.sha256(canonical.encode()).hexdigest()}"


def directory_changed(**kwargs):
    """Signal receiver: something the directory shows changed, so forget cached pages."""
    forget_cached_pages()
    # Once more after the commit, in case a visitor cached the old rows meanwhile.
    transaction.on_commit(forget_cached_pages)


def forget_cached_pages():
    cache.set(VERSION_CACHE_KEY, time.time_ns(), None)
    cache.delete(PLACES_CACHE_KEY)
