"""Explainable matching: a ranked shortlist of leaders for a support request.

`shortlist(support_request)` looks at every leader the request's alliance may
deploy (leaders with a designation from that alliance, and national ones: NLE
and NLG have no alliance), rules some out with a reason, scores the rest on
the factors in `WEIGHTS` and ranks them. Every point a candidate earns comes
with a sentence saying why, so a coordinator can see how the order was made.

The work is a fixed number of queries whatever the number of leaders: one
for the leaders with their facts annotated (committed days, load, conflicts,
phase fit, an earlier proposal), one for their designations, one for the
areas of expertise they share with the request. Scoring is one pass in
Python over those light rows; then one query loads the shortlisted leaders
with their designations (and one the excluded leaders, when asked for).
"""

import datetime
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from alliance_portal.pages.formats import plain_number
from deployments.models import Deployment, days_held
from leaders.models import (
    DeclaredConflict,
    Designation,
    Leader,
    academic_year_bounds,
)


@dataclass(frozen=True)
class Weights:
    """How many points each matching factor is worth: the one place to tune them.

    Areas of expertise
        `per_area_in_common` points for each area the request asks for that
        the leader is expert in, counting at most `areas_counted_at_most`
        areas, so a leader with a long list cannot outweigh everything else.
    Phase
        `phase_fit` points when the leader supports the requesting school's
        phase (primary, secondary, special...).
    Designation
        Each leader is scored on the best suited of their active designations.
        `designation_sought` points when it is the kind the school asked for:
        the school's own choice is the strongest signal, so it is worth more
        than any need below (and the two do not add up). Otherwise points
        when the kind suits the need: `nle_for_school_causing_concern` for an
        NLE when the school is in an Ofsted category, facing closure or below
        floor standards; `lle_for_new_headteacher` for an LLE when the school
        has a new headteacher; `sle_for_specialism` for an SLE when specific
        areas of expertise are asked for (kept low: the areas themselves score
        above); `governance` for the other governance kind (NLG or LSG) when
        the school asked for an NLG or LSG.
    Distance
        Up to `distance` points, falling in a straight line from the full
        amount at 0 km to none at `distance_zero_at_km` km or more between
        the leader's home school and the requesting school. An unknown
        distance (no grid reference, no school) scores nothing and says so.
    Days left
        `per_day_left` points for each day the leader still has free in the
        academic year of the request (capacity minus the agreed days of
        committed deployments starting in that year), counting at most
        `days_left_counted_at_most` days.
    Load
        `per_current_deployment` points (negative) for each deployment the
        leader is in now (agreed or in delivery), whatever its year.

    Each factor is rounded to whole points (halves up) before adding up.
    """

    per_area_in_common: int = 15
    areas_counted_at_most: int = 3
    phase_fit: int = 15
    designation_sought: int = 30
    nle_for_school_causing_concern: int = 25
    lle_for_new_headteacher: int = 20
    sle_for_specialism: int = 10
    governance: int = 20
    distance: int = 10
    distance_zero_at_km: int = 50
    per_day_left: Decimal = Decimal("0.5")
    days_left_counted_at_most: int = 20
    per_current_deployment: int = -2


WEIGHTS = Weights()

Kind = Designation.Kind
GOVERNANCE_KINDS = (Kind.NLG, Kind.LSG)
# Which designation to show when two of a leader's designations score the same.
KIND_ORDER = [Kind.NLE, Kind.LLE, Kind.SLE, Kind.NLG, Kind.LSG]
NOT_SURE = "not-sure"


class Exclusion(models.TextChoices):
    """Why a leader is not on the shortlist, in the order they are checked."""

    OWN_SCHOOL = "own-school", "Works at the requesting school"
    CONFLICT_WITH_SCHOOL = "conflict-school", "Declared a conflict of interest with this school"
    CONFLICT_WITH_TRUST = (
        "conflict-trust",
        "Declared a conflict of interest with the school's trust",
    )
    SAME_TRUST = "same-trust", "Works in the same trust as the requesting school"
    NO_ACTIVE_DESIGNATION = "no-designation", "Holds no active designation"
    NO_DAYS_LEFT = "no-days-left", "No days left this academic year"
    ALREADY_PROPOSED = "already-proposed", "Already proposed for this request"


@dataclass(frozen=True)
class Reason:
    """One sentence of a candidate's explanation and the points it is worth."""

    text: str
    points: int = 0

    def __str__(self):
        return f"{self.text} ({self.points:+d})"


@dataclass
class Candidate:
    """A leader on the shortlist, with the designation to deploy them under."""

    leader: Leader
    designation: Designation
    score: int
    reasons: list[Reason]
    distance_km: float | None
    days_left: Decimal
    current_deployments: int


@dataclass
class Excluded:
    """A leader ruled out, with every reason that applies (the first is the main one)."""

    leader: Leader
    exclusions: list[Exclusion]
    reasons: list[str]

    @property
    def exclusion(self):
        return self.exclusions[0]


@dataclass
class Shortlist:
    support_request: object
    academic_year: tuple[datetime.date, datetime.date]
    candidates: list[Candidate] = field(default_factory=list)
    excluded: list[Excluded] = field(default_factory=list)
    # Leaders the alliance can see, before exclusions and the limit.
    considered: int = 0


def shortlist(support_request, *, limit=20, include_excluded=False) -> Shortlist:
    """Rank the leaders the request's alliance can deploy, best first, with reasons.

    `limit` keeps the top candidates (None keeps them all). With
    `include_excluded`, `excluded` lists the leaders ruled out and why.
    """
    school = support_request.school
    year = academic_year_bounds(support_request.preferred_start or timezone.localdate())
    # The alliance's own designations and national ones; one the leader never
    # confirmed gives the alliance no sight of them.
    visible = (Q(alliance_id=support_request.alliance_id) | Q(alliance__isnull=True)) & ~Q(
        status__in=Designation.UNCONFIRMED_STATUSES
    )
    areas_asked = list(support_request.areas_of_expertise.all())
    need = _Need(support_request, school, areas_asked, year)

    held_kinds = _active_designation_kinds(visible)
    areas_in_common = _areas_in_common(areas_asked, visible)
    scored, ruled_out = [], []
    considered = 0
    for facts in _leader_facts(support_request, school, year, visible):
        considered += 1
        held = held_kinds.get(facts.id, {})
        exclusions = _exclusions(facts, school, held)
        if exclusions:
            if include_excluded:
                ruled_out.append((facts, exclusions))
            continue
        scored.append(_score(facts, held, areas_in_common.get(facts.id, ()), need))

    scored.sort(key=_rank)
    if limit is not None:
        scored = scored[:limit]
    return Shortlist(
        support_request=support_request,
        academic_year=year,
        candidates=_candidates(scored),
        excluded=_excluded(ruled_out, year),
        considered=considered,
    )


# Queries: a fixed number, whatever the number of leaders. Scoring works on
# light rows; model objects are loaded only for the leaders shown.


@dataclass(slots=True)
class _LeaderFacts:
    id: int
    days_per_year: Decimal
    home_school_id: int | None
    home_easting: int | None
    home_northing: int | None
    home_trust_id: int | None
    committed_days: Decimal
    current_deployments: int
    earlier_proposal_status: str | None
    conflict_with_school: bool
    conflict_with_trust: bool
    supports_phase: bool

    @property
    def days_left(self):
        return self.days_per_year - self.committed_days


def _leader_facts(support_request, school, year, visible):
    """The leaders the alliance can see, with what matching needs to know about each."""
    committed_days = (
        Deployment.objects.committed()
        .filter(leader=OuterRef("pk"), start_date__range=year)
        .order_by()
        .values("leader")
        .annotate(total=Sum(days_held()))
        .values("total")
    )
    current = (
        Deployment.objects.live()
        .filter(leader=OuterRef("pk"))
        .order_by()
        .values("leader")
        .annotate(total=Count("pk"))
        .values("total")
    )
    earlier_proposal = Deployment.objects.filter(
        request_id=support_request.pk, leader=OuterRef("pk")
    ).order_by()
    conflicts = DeclaredConflict.objects.filter(leader=OuterRef("pk")).order_by()
    school_id = school.pk if school else None
    trust_id = school.trust_id if school else None
    phase_id = school.phase_id if school else None
    rows = (
        Leader.objects.filter(
            Exists(Designation.objects.filter(visible, leader=OuterRef("pk")).order_by())
        )
        .order_by()
        .values(
            "id",
            "days_per_year",
            "home_school_id",
            home_easting=F("home_school__easting"),
            home_northing=F("home_school__northing"),
            home_trust_id=F("home_school__trust_id"),
            committed_days=Coalesce(
                Subquery(committed_days),
                Value(Decimal(0)),
                output_field=models.DecimalField(max_digits=7, decimal_places=1),
            ),
            current_deployments=Coalesce(Subquery(current), Value(0)),
            earlier_proposal_status=Subquery(earlier_proposal.values("status")[:1]),
            conflict_with_school=(
                Exists(conflicts.filter(school_id=school_id)) if school_id else Value(False)
            ),
            conflict_with_trust=(
                Exists(conflicts.filter(trust_id=trust_id)) if trust_id else Value(False)
            ),
            supports_phase=(
                Exists(
                    Leader.phases.through.objects.filter(
                        leader_id=OuterRef("pk"), phase_id=phase_id
                    )
                )
                if phase_id
                else Value(False)
            ),
        )
    )
    return (_LeaderFacts(**row) for row in rows)


def _active_designation_kinds(visible):
    """For each leader, their active designations the alliance can use: {kind: id}."""
    by_leader = {}
    rows = (
        Designation.objects.filter(visible, status=Designation.Status.ACTIVE)
        .order_by()
        .values_list("leader_id", "kind", "id")
    )
    for leader_id, kind, designation_id in rows:
        by_leader.setdefault(leader_id, {})[kind] = designation_id
    return by_leader


def _areas_in_common(areas_asked, visible):
    """For each leader, the ids of the areas asked for that they are expert in."""
    if not areas_asked:
        return {}
    pairs = Leader.areas_of_expertise.through.objects.filter(
        areaofexpertise_id__in=[area.pk for area in areas_asked],
        leader_id__in=Designation.objects.filter(visible).values("leader_id"),
    ).values_list("leader_id", "areaofexpertise_id")
    by_leader = {}
    for leader_id, area_id in pairs:
        by_leader.setdefault(leader_id, set()).add(area_id)
    return by_leader


def _candidates(scored):
    """Candidates with their leader and designation loaded, in one query."""
    designations = Designation.objects.select_related("leader__home_school").in_bulk(
        [score.designation_id for score in scored]
    )
    return [
        Candidate(
            leader=designations[score.designation_id].leader,
            designation=designations[score.designation_id],
            score=score.total,
            reasons=score.reasons,
            distance_km=score.distance_km,
            days_left=score.facts.days_left,
            current_deployments=score.facts.current_deployments,
        )
        for score in scored
    ]


def _excluded(ruled_out, year):
    if not ruled_out:
        return []
    leaders = Leader.objects.select_related("home_school").in_bulk(
        [facts.id for facts, _ in ruled_out]
    )
    excluded = [
        Excluded(
            leader=leaders[facts.id],
            exclusions=exclusions,
            reasons=[_exclusion_reason(exclusion, facts, year) for exclusion in exclusions],
        )
        for facts, exclusions in ruled_out
    ]
    excluded.sort(key=lambda each: (each.leader.full_name, each.leader.pk))
    return excluded


# Exclusions.


def _exclusions(facts, school, held):
    exclusions = []
    if school is not None and facts.home_school_id == school.pk:
        exclusions.append(Exclusion.OWN_SCHOOL)
    if facts.conflict_with_school:
        exclusions.append(Exclusion.CONFLICT_WITH_SCHOOL)
    if facts.conflict_with_trust:
        exclusions.append(Exclusion.CONFLICT_WITH_TRUST)
    if school is not None and school.trust_id and facts.home_trust_id == school.trust_id:
        exclusions.append(Exclusion.SAME_TRUST)
    if not held:
        exclusions.append(Exclusion.NO_ACTIVE_DESIGNATION)
    if facts.days_left <= 0:
        exclusions.append(Exclusion.NO_DAYS_LEFT)
    if facts.earlier_proposal_status:
        exclusions.append(Exclusion.ALREADY_PROPOSED)
    return exclusions


def _exclusion_reason(exclusion, facts, year):
    if exclusion == Exclusion.NO_DAYS_LEFT:
        return (
            f"No days left in {_year_label(year)}: "
            f"{plain_number(facts.committed_days)} of {plain_number(facts.days_per_year)} agreed"
        )
    if exclusion == Exclusion.ALREADY_PROPOSED:
        status = Deployment.Status(facts.earlier_proposal_status).label
        return f"{exclusion.label} ({status.lower()})"
    return exclusion.label


# Scoring.


class _Need:
    """What the request asks for, and the reasons that depend on it alone, worked out once."""

    def __init__(self, support_request, school, areas_asked, year):
        self.school = school
        self.areas_asked = areas_asked
        self.sought = support_request.designation_sought
        self.estimated_days = support_request.estimated_days
        self.year = year
        self.this_year = year == academic_year_bounds(timezone.localdate())
        self.concerns = [
            text
            for flag, text in (
                (support_request.in_ofsted_category, "in an Ofsted category"),
                (support_request.facing_closure, "facing closure"),
                (support_request.below_floor_standards, "below floor standards"),
            )
            if flag
        ]
        self.new_headteacher = support_request.new_headteacher
        self.designation_reasons = {kind: _designation_reason(kind, self) for kind in KIND_ORDER}
        # The kinds from best suited to least: a leader is shown under the first they hold.
        self.kind_preference = sorted(
            KIND_ORDER, key=lambda kind: -self.designation_reasons[kind].points
        )
        self.phase_reasons = {fits: _phase_reason(fits, school) for fits in (True, False)}


@dataclass(slots=True)
class _Score:
    facts: _LeaderFacts
    designation_id: int
    reasons: list[Reason]
    total: int
    distance_km: float | None


def _score(facts, held, common_area_ids, need):
    kind = next(kind for kind in need.kind_preference if kind in held)
    distance = _distance_km(facts, need.school)
    days_left = facts.days_left
    reasons = [
        _areas_reason(common_area_ids, need),
        need.phase_reasons[facts.supports_phase],
        need.designation_reasons[kind],
        _distance_reason(facts, need.school, distance),
        _days_left_reason(facts, days_left, need),
        _load_reason(facts.current_deployments),
    ]
    if need.school is None:
        reasons.append(Reason("Trust and conflicts not checked: the school is not in the register"))
    return _Score(
        facts=facts,
        designation_id=held[kind],
        reasons=reasons,
        total=sum(reason.points for reason in reasons),
        distance_km=distance,
    )


def _rank(score):
    """Highest score first; then the nearest (unknown distance last); then the oldest record."""
    distance = math.inf if score.distance_km is None else score.distance_km
    return (-score.total, distance, score.facts.id)


def _areas_reason(common_area_ids, need):
    if not need.areas_asked:
        return Reason("No areas of expertise asked for")
    common = [area.name for area in need.areas_asked if area.pk in common_area_ids]
    if not common:
        if len(need.areas_asked) == 1:
            return Reason("Not expert in the area asked for")
        return Reason(f"Not expert in any of the {len(need.areas_asked)} areas asked for")
    counted = min(len(common), WEIGHTS.areas_counted_at_most)
    text = f"{_and(common)} in common"
    if len(common) > counted:
        text += f", at most {WEIGHTS.areas_counted_at_most} count"
    return Reason(text, counted * WEIGHTS.per_area_in_common)


def _phase_reason(fits, school):
    if school is None:
        return Reason("Phase not known: the school is not in the register")
    if school.phase is None:
        return Reason("Phase not known: the register gives none for this school")
    phase = school.phase.name.lower()
    if fits:
        return Reason(f"Supports {phase} schools like this one", WEIGHTS.phase_fit)
    return Reason(f"Does not list {phase} among the phases they support")


def _designation_reason(kind, need):
    if need.sought != NOT_SURE and kind == need.sought:
        return Reason(f"{kind}, the designation the school asked for", WEIGHTS.designation_sought)
    if kind == Kind.NLE and need.concerns:
        return Reason(
            f"NLE suits a school {_and(need.concerns)}", WEIGHTS.nle_for_school_causing_concern
        )
    if kind == Kind.LLE and need.new_headteacher:
        return Reason("LLE suits support for a new headteacher", WEIGHTS.lle_for_new_headteacher)
    if kind == Kind.SLE and need.areas_asked:
        return Reason(
            "SLE suits a request for specific areas of expertise", WEIGHTS.sle_for_specialism
        )
    if kind in GOVERNANCE_KINDS and need.sought in GOVERNANCE_KINDS:
        return Reason(f"{kind} suits a governance need", WEIGHTS.governance)
    if need.sought != NOT_SURE:
        return Reason(f"{kind}: the school asked for an {need.sought}")
    return Reason(f"{kind}: no particular fit with the need")


def _distance_km(facts, school):
    """As School.distance_km, from the grid references already fetched."""
    if school is None or None in (
        facts.home_easting,
        facts.home_northing,
        school.easting,
        school.northing,
    ):
        return None
    return (
        math.hypot(facts.home_easting - school.easting, facts.home_northing - school.northing)
        / 1000
    )


def _distance_reason(facts, school, distance):
    if school is None:
        return Reason("Distance not known: the school is not in the register")
    if facts.home_school_id is None:
        return Reason("Distance not known: no home school recorded for the leader")
    if distance is None:
        if school.easting is None or school.northing is None:
            return Reason("Distance not known: no grid reference for the requesting school")
        return Reason("Distance not known: no grid reference for the leader's school")
    fraction = max(0.0, 1 - distance / WEIGHTS.distance_zero_at_km)
    return Reason(f"{distance:.1f} km away", _whole(Decimal(WEIGHTS.distance * fraction)))


def _days_left_reason(facts, days_left, need):
    when = "this year" if need.this_year else f"in {_year_label(need.year)}"
    text = f"{plain_number(days_left)} of {plain_number(facts.days_per_year)} days left {when}"
    if need.estimated_days and days_left < need.estimated_days:
        text += f", fewer than the {plain_number(need.estimated_days)} estimated"
    counted = min(days_left, WEIGHTS.days_left_counted_at_most)
    return Reason(text, _whole(counted * WEIGHTS.per_day_left))


def _load_reason(current):
    if not current:
        return Reason("No current deployments")
    return Reason(
        f"Already in {_count(current, 'current deployment')}",
        current * WEIGHTS.per_current_deployment,
    )


# Wording.


def _whole(points):
    return int(Decimal(points).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _count(number, noun):
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _and(items):
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _year_label(year):
    return f"{year[0].year}/{year[1].year % 100:02d}"
