"""The public directory of system leaders: who is listed, and how visitors narrow it down.

A leader is listed when they agreed to a public profile and hold at least one
active designation. Lapsed and withdrawn designations are never loaded for
these pages, so a template cannot show them by accident.
"""

import hashlib
import re
import time
from dataclasses import dataclass, field
from operator import itemgetter

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    TrigramWordSimilarity,
)
from django.core.cache import cache, caches
from django.db import connections, transaction
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.signals import post_delete

from alliance_portal.prepared import Prepared
from alliance_portal.schools.models import LocalAuthority, Phase, School

from .models import AreaOfExpertise, Designation, Leader
from .search import SEARCH_CONFIG, refresh_search_documents

# Most words a visitor's search is split into; the rest are ignored.
MAX_SEARCH_TERMS = 10

# Short forms people type for an area of expertise, and the words the area is
# named with. A search word matches its own text or, when listed here, the
# longer form too.
SEARCH_SHORT_FORMS = {
    "maths": "mathematics",
    "math": "mathematics",
    "pe": "physical education",
    "re": "religious education",
    "rs": "religious education",
    "mfl": "modern foreign languages",
    "languages": "modern foreign languages",
    "dt": "design and technology",
    "eyfs": "early years",
    "itt": "initial teacher training",
    "ect": "early career teacher",
    "nqt": "early career teacher",
    "sbm": "school business",
    "finance": "financial",
    "sen": "special educational needs",
    "gifted": "most able",
}
# How alike a search must be to a leader's name (pg_trgm word similarity, 0 to 1)
# to find them despite a typing slip: "Owen Pryce" finds "Owen Price".
NAME_SIMILARITY = 0.5

KIND_ORDER = [Designation.Kind.NLE, Designation.Kind.LLE, Designation.Kind.SLE]
KIND_ORDER += [kind for kind in Designation.Kind if kind not in KIND_ORDER]


def _in_order(field, values):
    """An expression to order rows by where `field` comes in `values`."""
    whens = [When(**{field: value}, then=position) for position, value in enumerate(values)]
    return Case(*whens, default=len(values), output_field=IntegerField())


def areas_in_group_order():
    groups = AreaOfExpertise.Group.values
    return AreaOfExpertise.objects.order_by(_in_order("group", groups), "position", "name")


def _public_leaders():
    has_active_designation = Exists(
        Designation.objects.filter(leader=OuterRef("pk"), status=Designation.Status.ACTIVE)
    )
    return Leader.objects.public().filter(has_active_designation)


def listed_leaders():
    """Every leader the public may see, with their home school; `with_details` adds
    what their directory entry and page show."""
    return (
        _public_leaders()
        .select_related("home_school__local_authority", "home_school__phase")
        .order_by("full_name", "pk")
    )


KIND_POSITION = {kind: position for position, kind in enumerate(KIND_ORDER)}
GROUP_POSITION = {group: position for position, group in enumerate(AreaOfExpertise.Group.values)}
KIND_LABELS = dict(Designation.Kind.choices)
GROUP_LABELS = dict(AreaOfExpertise.Group.choices)


@dataclass(frozen=True, slots=True)
class ShownDesignation:
    """An active designation as the public pages show it."""

    kind: str
    label: str
    # The designating alliance's name, or "" for a national designation.
    designated_by: str


@dataclass(frozen=True, slots=True)
class ShownArea:
    """An area of expertise as the public pages show it: its name, under its group."""

    name: str
    group: str

    def __str__(self):
        return self.name


@dataclass(slots=True)
class LeaderPage:
    """What a listed leader's own page shows."""

    pk: int
    full_name: str
    job_title: str
    bio: str
    school_name: str | None
    local_authority_name: str | None
    school_phase_name: str | None
    active_designations: list = field(default_factory=list)
    areas_in_order: list = field(default_factory=list)
    phases_in_order: list = field(default_factory=list)


# A page of the directory shows at most this many leaders (LEADERS_PER_PAGE), and
# their details are read for that many ids at a time: a shorter list is padded with
# repeats of its last id, so the three queries below are each built once.
DETAILS_AT_ONCE = 20

_DESIGNATIONS = Prepared(
    lambda *leader_ids: (
        Designation.objects.filter(leader_id__in=leader_ids, status=Designation.Status.ACTIVE)
        .order_by("pk")
        .values_list("leader_id", "kind", "alliance__name")
    )
)
_AREAS = Prepared(
    lambda *leader_ids: (
        Leader.areas_of_expertise.through.objects.filter(leader_id__in=leader_ids)
        .order_by()
        .values_list(
            "leader_id",
            "areaofexpertise__group",
            "areaofexpertise__position",
            "areaofexpertise__name",
        )
    )
)
_PHASES = Prepared(
    lambda *leader_ids: (
        Leader.phases.through.objects.filter(leader_id__in=leader_ids)
        .order_by()
        .values_list("leader_id", "phase__position", "phase_id", "phase__name")
    )
)


def with_details(leaders):
    """The leaders (a list of Leader or LeaderPage), each with their active designations
    (`active_designations`, NLE first), areas of expertise (`areas_in_order`, by group)
    and phases (`phases_in_order`, names): three queries for them all, built once
    (`Prepared`) and put in order here."""
    by_pk = {leader.pk: leader for leader in leaders}
    for leader in leaders:
        leader.active_designations, leader.areas_in_order, leader.phases_in_order = [], [], []
    ids = list(by_pk)
    for start in range(0, len(ids), DETAILS_AT_ONCE):
        chunk = ids[start : start + DETAILS_AT_ONCE]
        chunk += chunk[-1:] * (DETAILS_AT_ONCE - len(chunk))
        designations = _DESIGNATIONS.rows(*chunk)
        for leader_id, kind, alliance_name in sorted(
            designations, key=lambda row: KIND_POSITION.get(row[1], len(KIND_POSITION))
        ):
            by_pk[leader_id].active_designations.append(
                ShownDesignation(kind, KIND_LABELS.get(kind, kind), alliance_name or "")
            )
        for leader_id, group, _, name in sorted(
            _AREAS.rows(*chunk), key=lambda row: _area_order(*row[1:])
        ):
            by_pk[leader_id].areas_in_order.append(ShownArea(name, GROUP_LABELS.get(group, group)))
        for leader_id, _, _, name in sorted(_PHASES.rows(*chunk), key=itemgetter(1, 2)):
            by_pk[leader_id].phases_in_order.append(name)
    return leaders


def _area_order(group, position, name):
    """Where an area of expertise comes: by group, then position, then name."""
    return GROUP_POSITION.get(group, len(GROUP_POSITION)), position, name


_LEADER_PAGE = Prepared(
    lambda pk: (
        listed_leaders()
        .filter(pk=pk)
        .order_by()
        .values_list(
            "pk",
            "full_name",
            "job_title",
            "bio",
            "home_school__name",
            "home_school__local_authority__name",
            "home_school__phase__name",
        )[:1]
    )
)


def listed_leader(pk):
    """What a listed leader's own page shows (a LeaderPage), or None: four queries, each
    built once."""
    found = _LEADER_PAGE.rows(pk)
    return with_details([LeaderPage(*found[0])])[0] if found else None


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
    if words := search_words(filters.get("q") or ""):
        if connections[leaders.db].vendor == "postgresql":
            leaders = _full_text_search(leaders, filters["q"], words)
        else:
            leaders = _word_search(leaders, words)
    return leaders


def search_words(text):
    """The words of a search, lower case, without punctuation, at most MAX_SEARCH_TERMS."""
    return re.findall(r"[^\W_]+", text.lower())[:MAX_SEARCH_TERMS]


def _alternatives(word):
    """What one search word may match: itself and, for a short form, its long form."""
    long_form = SEARCH_SHORT_FORMS.get(word)
    return [word] if long_form in (None, word) else [word, long_form]


def _prefix(word):
    """A tsquery term for a word: the start of a word, once it is long enough to mean much."""
    return f"{word}:*" if len(word) >= 3 else word


def _full_text_search(leaders, text, words):
    """PostgreSQL: full-text search over each leader's stored document (leaders.search),
    most relevant first, and names found despite a typing slip (trigram similarity)."""
    # Every word must match, each as the start of a word ("math" finds "mathematics");
    # a short form may match its long form instead. The words are letters and digits
    # only, so they are safe to write as a raw tsquery.
    clauses = []
    for word in words:
        options = [
            "(" + " & ".join(_prefix(part) for part in option.split()) + ")"
            for option in _alternatives(word)
        ]
        clauses.append("(" + " | ".join(options) + ")")
    query = SearchQuery(" & ".join(clauses), search_type="raw", config=SEARCH_CONFIG)
    return (
        leaders.annotate(name_similarity=TrigramWordSimilarity(Value(text), "full_name"))
        .filter(Q(search_document=query) | Q(name_similarity__gte=NAME_SIMILARITY))
        .annotate(relevance=SearchRank(F("search_document"), query) + F("name_similarity"))
        .order_by(F("relevance").desc(), "full_name", "pk")
    )


def _word_search(leaders, words):
    """Elsewhere (SQLite): every word must appear in what a directory entry shows."""
    for word in words:
        matches = Q()
        for option in _alternatives(word):
            matches |= (
                Q(full_name__icontains=option)
                | Q(bio__icontains=option)
                | Q(home_school__name__icontains=option)
                | Q(home_school__local_authority__name__icontains=option)
                | Q(home_school__region__icontains=option)
                | Exists(
                    AreaOfExpertise.objects.filter(leaders=OuterRef("pk"), name__icontains=option)
                )
                | Exists(Phase.objects.filter(leaders=OuterRef("pk"), name__icontains=option))
            )
            kinds = [
                kind for kind in Designation.Kind if option in f"{kind.value} {kind.label}".lower()
            ]
            if kinds:
                matches |= Exists(
                    Designation.objects.filter(
                        leader=OuterRef("pk"), status=Designation.Status.ACTIVE, kind__in=kinds
                    )
                )
        leaders = leaders.filter(matches)
    return leaders


# The places filters list change only when leaders move school or join the
# directory, and working them out scans every listed leader: keep them a while,
# under the directory's version (see `directory_changed`), so that what a worker
# remembers of a filter (public_cache._directory_page_key) goes with the choices
# it was checked against.
PLACES_CACHE_KEY = "leaders:directory:places"
PLACES_CACHE_SECONDS = 300


def place_choices(version=None):
    """Where listed leaders work: (code, name) of local authorities (in the database's
    order of names), and regions, A to Z."""
    return _kept(_choices_key(PLACES_CACHE_KEY, version), _work_out_places)


def _work_out_places():
    school = "home_school__local_authority__"
    homes = (
        _public_leaders()
        .filter(home_school__isnull=False)
        .order_by(f"{school}name", f"{school}code")
        .values_list(f"{school}code", f"{school}name", "home_school__region")
        .distinct()
    )
    # One query for both lists: each local authority is in one region, so the distinct
    # triples are about as many as the local authorities.
    local_authorities, regions = {}, set()
    for code, name, region in homes:
        if code is not None:
            local_authorities[code, name] = None
        if region:
            regions.add(region)
    return list(local_authorities), sorted(regions)


# The areas of expertise and phases the filters offer change rarely; kept like
# the places, so a page served from the cache costs no query at all.
AREAS_AND_PHASES_CACHE_KEY = "leaders:directory:areas-and-phases"


def area_and_phase_choices(version=None):
    """The area filter's choices, grouped ([(group label, [(slug, name)])]), and the phases'."""
    return _kept(_choices_key(AREAS_AND_PHASES_CACHE_KEY, version), _work_out_areas_and_phases)


def _work_out_areas_and_phases():
    labels = dict(AreaOfExpertise.Group.choices)
    groups = {}
    areas = AreaOfExpertise.objects.order_by().values_list("slug", "name", "group", "position")
    # In the order a leader's page lists them.
    for slug, name, group, _position in sorted(
        areas, key=lambda area: _area_order(area[2], area[3], area[1])
    ):
        groups.setdefault(labels.get(group, group), []).append((slug, name))
    phases = list(Phase.objects.order_by("position").values_list("code", "name"))
    return list(groups.items()), phases


def _choices_key(name, version):
    return f"{name}:{current_version() if version is None else version}"


def _kept(key, work_out, found=None):
    """The value cached at `key` (or in `found`, read already), else `work_out()`, kept."""
    value = cache.get(key) if found is None else found.get(key)
    if value is None:
        value = work_out()
        cache.set(key, value, PLACES_CACHE_SECONDS)
    return value


# Whole directory pages (their title and main content, the same for every
# visitor) are kept in a cache of their own, so filling it can never push out
# the rate-limit and sign-in counters in the default cache. A page is keyed by
# what the filter form made of the query (`DirectoryFilterForm.page_key`: the
# filters in force once cleaned, which filters were refused, and the page
# number), so equivalent addresses (`?page=01` and `?page=1`, a search typed
# with other spaces or capitals) share one entry, and by a version that every
# change to what the directory shows moves on (see `directory_changed`). The
# version lives in the default cache, which every worker shares
# (alliance_portal.checks insists on it in production), so a change (a leader
# withdrawing consent, say) hides the old pages on every worker at once, even
# where each keeps its pages in a cache of its own. Searches are kept too: they
# cost the most to work out, and each entry lasts only a minute in a cache that
# drops its oldest entries when full.
PAGE_CACHE_SECONDS = 60
VERSION_CACHE_KEY = "leaders:directory:version"
page_cache = caches["pages"]


def page_cache_key(page_key, version=None):
    """The cache key for one directory page, from the form's `page_key()`, under the
    directory's current version (read here unless the caller has just read it)."""
    if version is None:
        version = current_version()
    return f"leaders:directory:page:{version}:{hashlib.sha256(page_key.encode()).hexdigest()}"


def current_version():
    """The version every cached directory page is kept under (see `directory_changed`)."""
    version = cache.get(VERSION_CACHE_KEY)
    if version is None:
        # A fresh number, never an old one: pages cached under a version that was
        # evicted must not come back.
        fresh = time.time_ns()
        # Ours once added; otherwise another worker's, added in between.
        version = (
            fresh if cache.add(VERSION_CACHE_KEY, fresh, None) else cache.get(VERSION_CACHE_KEY)
        )
    return version


def filter_choices(version):
    """`place_choices()` and `area_and_phase_choices()` for the directory's `version`, in
    one read of the cache."""
    places = _choices_key(PLACES_CACHE_KEY, version)
    areas = _choices_key(AREAS_AND_PHASES_CACHE_KEY, version)
    found = cache.get_many([places, areas])
    return (
        _kept(places, _work_out_places, found),
        _kept(areas, _work_out_areas_and_phases, found),
    )


def directory_changed(sender=None, instance=None, **kwargs):
    """Signal receiver: something the directory shows changed, so forget cached pages
    and write the search documents of the leaders it touches again."""
    forget_cached_pages()
    # Once more after the commit, in case a visitor cached the old rows meanwhile.
    transaction.on_commit(forget_cached_pages)
    if kwargs.get("action", "post_").startswith("post_"):
        refresh_search_documents(_leaders_touched(instance, kwargs))


def pages_changed(**kwargs):
    """Signal receiver for what is cached with the directory's pages but is in no
    leader's search document (the role pages)."""
    forget_cached_pages()
    transaction.on_commit(forget_cached_pages)


def _leaders_touched(instance, kwargs):
    """The leaders whose search document `instance` is part of; None means all of them."""
    if isinstance(instance, Leader):
        return [instance.pk]
    if "pk_set" in kwargs:  # a leader's areas or phases, changed from the other side
        return kwargs["pk_set"]  # None after clearing: then all
    if isinstance(instance, Designation):
        return [instance.leader_id]
    if isinstance(instance, School):
        return Leader.objects.filter(home_school=instance).values_list("pk", flat=True)
    if isinstance(instance, LocalAuthority):
        return Leader.objects.filter(home_school__local_authority=instance).values_list(
            "pk", flat=True
        )
    if isinstance(instance, (AreaOfExpertise, Phase)) and kwargs.get("signal") is post_delete:
        # Its leaders' links to it are gone already: which leaders had it is unknown.
        return None
    if isinstance(instance, AreaOfExpertise):
        return Leader.objects.filter(areas_of_expertise=instance).values_list("pk", flat=True)
    if isinstance(instance, Phase):
        return Leader.objects.filter(phases=instance).values_list("pk", flat=True)
    return None


def forget_cached_pages():
    """A new version: every page and filter choice kept under the old one is forgotten
    (and expires in its own time)."""
    cache.set(VERSION_CACHE_KEY, time.time_ns(), None)
