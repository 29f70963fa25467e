"""Seed data at national scale, and the generator the demo world shares.

The portal has to stay quick with England-sized data: about 25,000 schools,
several thousand system leaders, tens of thousands of requests. Timing the
admin's lists and the matching needs such a data set, so `build_national`
makes one in a few minutes with batched bulk inserts (no per-row saves, no
signals, no history rows).

`WorldBuilder` is the one generator behind both data sets, so the small demo
world and the national one follow the same rules: a request's timeline walks
the brokerage states in order, its deployments match the state it reached,
declared conflicts and a leader's own school are respected, and no leader is
booked beyond their days in any academic year.
"""

import datetime
import random
import time
from bisect import bisect
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from alliance_portal.demo import world
from alliance_portal.demo.world import AllianceSpec
from alliance_portal.schools.models import Alliance, LocalAuthority, Phase, School, Trust
from deployments.models import Deployment, Objective
from leaders.models import (
    AreaOfExpertise,
    DeclaredConflict,
    Designation,
    Leader,
    academic_year_bounds,
)
from requests.models import Funding, ReferenceSequence, RequestEvent, SupportRequest

S = SupportRequest.Status
K = Designation.Kind
D = Deployment.Status

NATIONAL_URN_START = 900_001
NATIONAL_TRUST_CODE_START = 900_001
NATIONAL_SEED = 1_825
BATCH_SIZE = 2_000
DAILY_RATE = Decimal("350.00")
BROKERAGE_FEE = Decimal("50.00")
MAX_NLES = 650

LA_MAINTAINED, ACADEMIES = "Local authority maintained schools", "Academies"
FREE_SCHOOLS, SPECIAL, COLLEGES = "Free Schools", "Special schools", "Colleges"


@dataclass(frozen=True)
class PhasePlan:
    """How common a phase is, what its schools are called, their ages and sizes."""

    weight: int
    kinds: tuple  # (name pattern, establishment type, type group)
    ages: tuple
    pupils: tuple


PHASE_PLANS = {
    "nursery": PhasePlan(
        3,
        (("{place} Nursery School", "Local authority nursery school", LA_MAINTAINED),),
        ((2, 5), (3, 5)),
        (40, 130),
    ),
    "primary": PhasePlan(
        60,
        (
            ("{place} Primary School", "Community school", LA_MAINTAINED),
            ("{place} Community Primary School", "Community school", LA_MAINTAINED),
            ("{saint} CofE Primary School", "Voluntary controlled school", LA_MAINTAINED),
            ("{saint} Catholic Primary School", "Voluntary aided school", LA_MAINTAINED),
            ("{place} Primary School", "Foundation school", LA_MAINTAINED),
            ("{place} Primary Academy", "Academy converter", ACADEMIES),
            ("{place} Academy", "Academy sponsor led", ACADEMIES),
            ("{place} Free School", "Free schools", FREE_SCHOOLS),
        ),
        ((4, 11), (3, 11)),
        (90, 650),
    ),
    "middle": PhasePlan(
        2,
        (
            ("{place} Middle School", "Community school", LA_MAINTAINED),
            ("{place} Middle School", "Academy converter", ACADEMIES),
        ),
        ((9, 13), (8, 12)),
        (250, 700),
    ),
    "secondary": PhasePlan(
        16,
        (
            ("{place} High School", "Community school", LA_MAINTAINED),
            ("{place} Academy", "Academy converter", ACADEMIES),
            ("{place} Academy", "Academy sponsor led", ACADEMIES),
            ("{saint} Catholic High School", "Voluntary aided school", LA_MAINTAINED),
            ("{place} School", "Foundation school", LA_MAINTAINED),
            ("{place} Community College", "Academy converter", ACADEMIES),
        ),
        ((11, 16), (11, 18)),
        (500, 1800),
    ),
    "all-through": PhasePlan(
        2,
        (
            ("{place} All-Through School", "Academy converter", ACADEMIES),
            ("{place} Academy", "Free schools", FREE_SCHOOLS),
        ),
        ((4, 18), (3, 18)),
        (900, 2100),
    ),
    "16-plus": PhasePlan(
        3,
        (
            ("{place} Sixth Form College", "Sixth form centres", COLLEGES),
            ("{place} Sixth Form", "Academy 16-19 converter", ACADEMIES),
        ),
        ((16, 19),),
        (300, 2500),
    ),
    "special": PhasePlan(
        8,
        (
            ("{place} School", "Community special school", SPECIAL),
            ("{place} Special School", "Foundation special school", SPECIAL),
            ("{place} Specialist Academy", "Academy special converter", ACADEMIES),
        ),
        ((2, 19), (4, 11), (11, 19), (3, 19)),
        (30, 250),
    ),
    "alternative-provision": PhasePlan(
        4,
        (
            ("{place} Pupil Referral Unit", "Pupil referral unit", LA_MAINTAINED),
            ("The {place} Centre", "Pupil referral unit", LA_MAINTAINED),
            (
                "{place} Alternative Provision Academy",
                "Academy alternative provision converter",
                ACADEMIES,
            ),
        ),
        ((11, 16), (5, 16)),
        (8, 90),
    ),
}
RELATED_PHASE = {
    "nursery": "primary",
    "primary": "nursery",
    "middle": "secondary",
    "secondary": "16-plus",
    "all-through": "secondary",
    "16-plus": "secondary",
    "special": "alternative-provision",
    "alternative-provision": "special",
}
SCHOOL_STATUS_WEIGHTS = {
    School.Status.OPEN: 93,
    School.Status.CLOSED: 4,
    School.Status.PROPOSED_TO_CLOSE: 1.5,
    School.Status.PROPOSED_TO_OPEN: 1.5,
}
OFSTED_WEIGHTS = {
    "Outstanding": 15,
    "Good": 60,
    "Requires improvement": 15,
    "Serious weaknesses": 3,
    "Special measures": 3,
    "": 4,
}
TRUST_SUFFIXES = ("Learning Trust", "Academy Trust", "Education Trust", "Schools Partnership")
CONFLICT_REASONS = (
    "Partner teaches at this school.",
    "Was deputy head here until recently.",
    "Sits on this school's governing board.",
)
HUB_SUFFIXES = ("Learning Hub", "Schools Alliance", "Teaching Partnership", "Leaders Network")

# Shares of leaders by their main designation; SLEs take the rest.
KIND_SHARES = {K.NLE: 0.075, K.LLE: 0.28, K.NLG: 0.04, K.LSG: 0.055}
JOB_TITLES = {
    K.NLE: ("Headteacher", "Executive headteacher", "Chief executive and headteacher"),
    K.LLE: ("Headteacher", "Head of school", "Executive headteacher"),
    K.SLE: ("Deputy headteacher", "Assistant headteacher", "Lead for {area}"),
    K.NLG: ("Chair of governors", "Chair of trustees"),
    K.LSG: ("Governor", "Vice-chair of governors"),
}
DAYS_PER_YEAR = {K.NLE: (30, 60), K.LLE: (15, 30), K.SLE: (8, 20), K.NLG: (8, 20), K.LSG: (4, 10)}
AGREED_HALF_DAYS = {K.NLE: (16, 50), K.LLE: (8, 30), K.SLE: (4, 16), K.NLG: (4, 12), K.LSG: (2, 8)}
DELIVERY_DAYS = {
    K.NLE: (60, 200),
    K.LLE: (60, 200),
    K.SLE: (20, 120),
    K.NLG: (30, 120),
    K.LSG: (20, 90),
}
GOVERNANCE_AREAS = (
    "School business and financial management",
    "Performance management",
    "Academy transition",
    "Curriculum",
)
SOUGHT_WEIGHTS = {"SLE": 35, "LLE": 25, "NLE": 12, "NLG": 5, "LSG": 5, "not-sure": 18}
SOURCE_WEIGHTS = {"school": 70, "local-authority": 15, "trust": 8, "regional-director": 7}
FUNDING_WEIGHTS = {
    Funding.SCHOOL_BUDGET: 40,
    Funding.GRANT: 25,
    Funding.LOCAL_AUTHORITY: 12,
    Funding.TRUST: 8,
    Funding.NOT_KNOWN: 15,
}
DECLINE_WEIGHTS = {
    "no-capacity": 40,
    "not-my-expertise": 25,
    "conflict-of-interest": 10,
    "other": 25,
}

# Requests that reached a leader get a deployment; how the rest are spread.
WITH_DEPLOYMENT = {S.PROPOSED: 8, S.AGREED: 10, S.IN_DELIVERY: 18, S.COMPLETED: 12, S.EVALUATED: 52}
WITHOUT_DEPLOYMENT = {
    S.NEW: 12,
    S.TRIAGED: 8,
    S.MATCHING: 10,
    S.WITHDRAWN: 15,
    S.DECLINED: 12,
    S.NO_MATCH: 13,
    S.LAPSED: 30,
}
DEPLOYMENT_FOR_REQUEST = {
    S.AGREED: D.AGREED,
    S.IN_DELIVERY: D.IN_DELIVERY,
    S.COMPLETED: D.COMPLETED,
    S.EVALUATED: D.COMPLETED,
}
# Days between one state and the next, as (fewest, most).
GAP_DAYS = {
    (S.NEW, S.TRIAGED): (1, 6),
    (S.TRIAGED, S.MATCHING): (1, 10),
    (S.MATCHING, S.PROPOSED): (2, 15),
    (S.PROPOSED, S.MATCHING): (2, 10),
    (S.PROPOSED, S.AGREED): (3, 20),
    (S.AGREED, S.IN_DELIVERY): (7, 30),
    (S.COMPLETED, S.EVALUATED): (7, 45),
}
CLOSING_GAP_DAYS = {
    S.WITHDRAWN: (2, 40),
    S.DECLINED: (1, 10),
    S.NO_MATCH: (5, 30),
    S.LAPSED: (60, 90),
}
# How long ago the last state change happened, by the state reached.
LAST_CHANGE_DAYS_AGO = {S.NEW: (0, 6), S.TRIAGED: (0, 12), S.MATCHING: (0, 20), S.PROPOSED: (0, 10)}
HISTORY_DAYS = 1_640  # about four and a half years of closed requests


def apportion(total, weights, minimum=1):
    """Split a total into whole counts by weight, each at least `minimum` (largest remainder)."""
    spare = total - minimum * len(weights)
    if spare < 0:
        raise ValueError(f"{total} is too few to give each of {len(weights)} at least {minimum}.")
    raw = [spare * weight / sum(weights) for weight in weights]
    counts = [int(share) for share in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in by_remainder[: spare - sum(counts)]:
        counts[i] += 1
    return [count + minimum for count in counts]


def plan_status_counts(requests, deployments):
    """How many requests end in each state so that exactly `deployments` deployments fit.

    Every request that reached a leader has one deployment; the remainder are
    declined proposals and proposals cancelled when the school withdrew.
    """
    if requests < len(S):
        raise ValueError(f"At least {len(S)} requests are needed so every status appears.")
    if deployments < len(WITH_DEPLOYMENT):
        raise ValueError(f"At least {len(WITH_DEPLOYMENT)} deployments are needed.")
    reached = round(min(requests * 0.55, deployments * 0.9, requests - len(WITHOUT_DEPLOYMENT)))
    reached = max(len(WITH_DEPLOYMENT), reached)
    counts = dict(
        zip(WITH_DEPLOYMENT, apportion(reached, list(WITH_DEPLOYMENT.values())), strict=True)
    )
    others = apportion(requests - reached, list(WITHOUT_DEPLOYMENT.values()))
    counts.update(zip(WITHOUT_DEPLOYMENT, others, strict=True))
    return counts


def national_alliance_specs(alliances, local_authorities):
    """About 90 invented hubs, each serving one or two neighbouring local authorities."""
    places = world.LOCAL_AUTHORITIES[:local_authorities]
    count = max(1, min(alliances, len(places)))
    specs = []
    for index in range(count):
        group = places[index * len(places) // count : (index + 1) * len(places) // count]
        name = f"{group[0].name} {HUB_SUFFIXES[index % len(HUB_SUFFIXES)]}"
        slug = slugify(name)
        specs.append(
            AllianceSpec(
                name=name,
                slug=slug,
                contact_email=f"hub@{slug}.example.net",
                contact_phone=f"01632 960{index % 1000:03d}",
                website=f"https://{slug}.example.net",
                la_codes=tuple(place.code for place in group),
                is_default=index == 0,
            )
        )
    return specs


def national_data_exists():
    """National schools sit in their own URN range, below the demo's."""
    return School.objects.filter(urn__gte=NATIONAL_URN_START, urn__lt=world.DEMO_URN_START).exists()


def build_national(
    *,
    schools=25_000,
    leaders=8_000,
    requests=50_000,
    deployments=30_000,
    alliances=90,
    local_authorities=150,
    seed=NATIONAL_SEED,
    now=None,
    log=None,
):
    """Create the national data set in one transaction; return counts, or None if it exists."""
    log = log or (lambda message: None)
    started = time.perf_counter()
    with transaction.atomic():
        if national_data_exists():
            log("The national data set is already here; nothing was created.")
            return None
        builder = WorldBuilder(
            schools=schools,
            leaders=leaders,
            requests=requests,
            deployments=deployments,
            seed=seed,
            now=now,
            log=log,
            urn_start=NATIONAL_URN_START,
            trust_code_start=NATIONAL_TRUST_CODE_START,
            email_domain="example.net",
        )
        builder.build_alliances(national_alliance_specs(alliances, local_authorities))
        counts = builder.build_rest()
    log(f"National data set built in {time.perf_counter() - started:.1f}s.")
    return counts


def bulk_insert(model, objects):
    return model.objects.bulk_create(objects, batch_size=BATCH_SIZE)


@contextmanager
def given_timestamps(*models):
    """Let bulk_create keep the created_at/updated_at we set.

    auto_now and auto_now_add overwrite any value with "now" on insert, which
    would make years of seeded history look as if it all happened today. The
    flags are switched off only for the duration of the block, in this
    one-off command, and always restored.
    """
    fields = [
        model_field
        for model in models
        for model_field in model._meta.concrete_fields
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for model_field in fields:
        model_field.auto_now = model_field.auto_now_add = False
    try:
        yield
    finally:
        for model_field, auto_now, auto_now_add in saved:
            model_field.auto_now, model_field.auto_now_add = auto_now, auto_now_add


def add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def area_label(area):
    """An area's name as it reads mid-sentence: "mathematics", but "English", "PSHE"."""
    name = area.name
    if name[:2].isupper() or name.split()[0] in {"English"}:
        return name
    return name[0].lower() + name[1:]


@dataclass(eq=False)
class LeaderPlan:
    """What matching needs to know about one generated leader."""

    leader: Leader
    kind: str
    alliance: int | None
    phase_ids: set
    capacity_halves: int
    designation: Designation | None = None
    designated_on: datetime.date | None = None
    areas: list = field(default_factory=list)
    blocked_schools: set = field(default_factory=set)
    blocked_trusts: set = field(default_factory=set)


@dataclass(eq=False)
class RequestPlan:
    """One request's path through brokerage, its dates and the leaders approached."""

    request: SupportRequest
    status: str
    alliance: int
    declines: int = 0
    cancelled: bool = False
    featured: bool = False
    path: list = field(default_factory=list)
    times: list = field(default_factory=list)
    start: datetime.date | None = None
    end: datetime.date | None = None
    proposals: list = field(default_factory=list)  # (LeaderPlan, Deployment) per proposal
    areas: list = field(default_factory=list)


class WorldBuilder:
    """Generates alliances, schools, leaders, requests and deployments with bulk inserts.

    Sizes are parameters so the same code makes the demo world, the national
    data set and the tiny worlds the tests check.
    """

    def __init__(
        self,
        *,
        schools,
        leaders,
        requests,
        deployments,
        seed,
        urn_start,
        trust_code_start,
        email_domain,
        now=None,
        log=None,
        featured_leader=None,
    ):
        self.sizes = {
            "schools": schools,
            "leaders": leaders,
            "requests": requests,
            "deployments": deployments,
        }
        self.status_counts = plan_status_counts(requests, deployments)
        self.rng = random.Random(seed)
        self.now = now or timezone.now()
        self.today = self.now.astimezone(datetime.UTC).date()
        self.log = log or (lambda message: None)
        self.urn_start = urn_start
        self.trust_code_start = trust_code_start
        self.email_domain = email_domain
        self.featured = featured_leader  # a DemoLogin-like object with full_name and email
        self.actors = {}  # alliance pk -> the user shown as acting for that alliance
        self.phases = {phase.code: phase for phase in Phase.objects.all()}
        self.phase_code_by_id = {phase.pk: code for code, phase in self.phases.items()}
        self.areas = list(AreaOfExpertise.objects.all())
        self.emails = set()
        self.leader_plans = []

    # Small helpers -------------------------------------------------------

    def _pick(self, weights):
        """One key of a {choice: weight} mapping."""
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def _days_ago(self, fewest, most):
        return self.today - datetime.timedelta(days=self.rng.randint(fewest, most))

    def _at(self, day, hours=(8, 17)):
        """A moment during the working day, as the timeline would record it."""
        return datetime.datetime(
            day.year,
            day.month,
            day.day,
            self.rng.randint(*hours),
            self.rng.randint(0, 59),
            tzinfo=datetime.UTC,
        )

    def _person(self):
        return self.rng.choice(world.FIRST_NAMES), self.rng.choice(world.LAST_NAMES)

    def _place_name(self):
        return self.rng.choice(world.PLACE_STEMS) + self.rng.choice(world.PLACE_ENDINGS)

    def _unique_email(self, first, last):
        local = f"{slugify(first)}.{slugify(last).replace('-', '')}"
        email, number = f"{local}@{self.email_domain}", 1
        while email in self.emails:
            number += 1
            email = f"{local}{number}@{self.email_domain}"
        self.emails.add(email)
        return email

    @contextmanager
    def _stage(self, name):
        started = time.perf_counter()
        counts = {}
        yield counts
        summary = ", ".join(f"{count:,} {what}" for what, count in counts.items())
        self.log(f"  {name}: {summary} in {time.perf_counter() - started:.1f}s")

    # Alliances and local authorities ---------------------------------------

    def build_alliances(self, specs):
        """Create the alliances and the real local authorities they serve."""
        with self._stage("alliances") as counts:
            codes = [code for spec in specs for code in spec.la_codes]
            self.authorities = self._ensure_local_authorities(codes)
            default_taken = Alliance.objects.filter(is_default=True).exists()
            self.alliances = bulk_insert(
                Alliance,
                [
                    Alliance(
                        name=spec.name,
                        slug=spec.slug,
                        contact_email=spec.contact_email,
                        contact_phone=spec.contact_phone,
                        website=spec.website,
                        is_default=spec.is_default and not default_taken,
                    )
                    for spec in specs
                ],
            )
            link = Alliance.local_authorities.through
            bulk_insert(
                link,
                [
                    link(alliance_id=alliance.pk, localauthority_id=self.authorities[code].pk)
                    for alliance, spec in zip(self.alliances, specs, strict=True)
                    for code in spec.la_codes
                ],
            )
            self.alliance_places = [
                [world.PLACES_BY_CODE[code] for code in spec.la_codes] for spec in specs
            ]
            self.default_alliance = next(
                (i for i, alliance in enumerate(self.alliances) if alliance.is_default), None
            )
            counts.update(alliances=len(self.alliances), local_authorities=len(codes))
        return self.alliances

    def _ensure_local_authorities(self, codes):
        """Reuse local authorities a register import already made; add the missing ones."""
        existing = LocalAuthority.objects.in_bulk(set(codes), field_name="code")
        missing = [
            LocalAuthority(code=code, name=world.PLACES_BY_CODE[code].name)
            for code in sorted(set(codes) - set(existing))
        ]
        for authority in bulk_insert(LocalAuthority, missing):
            existing[authority.code] = authority
        return existing

    def build_rest(self):
        """Everything after the alliances; returns how many rows of each kind were made."""
        self._build_schools()
        self._build_leaders()
        self._build_requests()
        return self.counts()

    def counts(self):
        return {
            "alliances": len(self.alliances),
            "schools": len(self.schools),
            "leaders": len(self.leader_plans),
            "requests": len(self.request_plans),
            "deployments": sum(len(plan.proposals) for plan in self.request_plans),
        }

    # Schools and trusts ----------------------------------------------------

    def _build_schools(self):
        with self._stage("schools") as counts:
            places = [place for group in self.alliance_places for place in group]
            weights = [
                self.rng.uniform(0.6, 1.6) * (3 if place.code in world.SHIRE_CODES else 1)
                for place in places
            ]
            per_place = apportion(self.sizes["schools"], weights, minimum=0)
            trusts = self._build_trusts(places, per_place)
            schools, urn = [], self.urn_start
            for place, count in zip(places, per_place, strict=True):
                for _ in range(count):
                    schools.append(self._make_school(urn, place, trusts[place.code]))
                    urn += 1
            self.schools = bulk_insert(School, schools)
            self._index_schools()
            counts.update(schools=len(self.schools), trusts=sum(map(len, trusts.values())))

    def _build_trusts(self, places, per_place):
        """About one trust per fourteen schools, each local to one authority."""
        trusts, code = {}, self.trust_code_start
        for place, count in zip(places, per_place, strict=True):
            trusts[place.code] = []
            for _ in range(max(1, round(count / 14)) if count else 0):
                name = f"{self._place_name()} {self.rng.choice(TRUST_SUFFIXES)}"
                trusts[place.code].append(Trust(code=code, name=name))
                code += 1
        bulk_insert(Trust, [trust for group in trusts.values() for trust in group])
        return trusts

    def _make_school(self, urn, place, trusts):
        rng = self.rng
        phase_code = self._pick({code: plan.weight for code, plan in PHASE_PLANS.items()})
        plan = PHASE_PLANS[phase_code]
        pattern, establishment_type, type_group = rng.choice(plan.kinds)
        name = pattern.format(place=self._place_name(), saint=rng.choice(world.SAINTS))
        status = self._pick(SCHOOL_STATUS_WEIGHTS)
        low, high = rng.choice(plan.ages)
        academy = type_group in (ACADEMIES, FREE_SCHOOLS)
        first, last = self._person()
        school = School(
            urn=urn,
            name=name,
            establishment_type=establishment_type,
            type_group=type_group,
            status=status,
            phase_id=self.phases[phase_code].pk,
            statutory_low_age=low,
            statutory_high_age=high,
            local_authority_id=self.authorities[place.code].pk,
            region=place.region,
            district=place.name,
            trust=rng.choice(trusts) if academy and trusts and rng.random() < 0.85 else None,
            street=f"{rng.randint(1, 120)} {self._place_name()} {rng.choice(world.STREET_KINDS)}",
            town=place.name,
            postcode=self._postcode(place),
            telephone=f"01632 960{rng.randint(0, 999):03d}",
            website=f"https://{slugify(name)}.example.org",
            head_name=f"{first} {last}",
            pupil_count=rng.randint(*plan.pupils),
            easting=max(1_000, round(rng.gauss(place.easting, place.spread_metres))),
            northing=max(1_000, round(rng.gauss(place.northing, place.spread_metres))),
        )
        self._set_school_dates(school, academy)
        return school

    def _postcode(self, place):
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        return (
            f"{place.postcode_area}{self.rng.randint(1, 20)} "
            f"{self.rng.randint(1, 9)}{self.rng.choice(letters)}{self.rng.choice(letters)}"
        )

    def _set_school_dates(self, school, academy):
        """Opening, closing and inspection dates that agree with the school's status."""
        rng = self.rng
        first_open = datetime.date(2011, 9, 1) if academy else datetime.date(1950, 9, 1)
        school.open_date = first_open + datetime.timedelta(
            days=rng.randint(0, (self.today - first_open).days - 400)
        )
        school.ofsted_rating = self._pick(OFSTED_WEIGHTS)
        if school.ofsted_rating:
            school.ofsted_last_inspection = self._days_ago(30, 6 * 365)
        if school.status == School.Status.PROPOSED_TO_OPEN:
            school.open_date = self.today + datetime.timedelta(days=rng.randint(60, 300))
            school.ofsted_rating, school.ofsted_last_inspection = "", None
            school.head_name, school.pupil_count = "", None
        elif school.status == School.Status.CLOSED:
            school.close_date = self._days_ago(30, 8 * 365)
            school.open_date = min(school.open_date, school.close_date - datetime.timedelta(365))
            school.head_name, school.pupil_count = "", None
            if school.ofsted_last_inspection:
                school.ofsted_last_inspection = min(
                    school.ofsted_last_inspection, school.close_date
                )

    def _index_schools(self):
        """Working schools by alliance and authority, for placing leaders and requests."""
        working = (School.Status.OPEN, School.Status.PROPOSED_TO_CLOSE)
        alliance_of_code = {}
        for index, group in enumerate(self.alliance_places):
            for place in group:
                alliance_of_code.setdefault(place.code, index)
        code_of_authority = {authority.pk: code for code, authority in self.authorities.items()}
        self.working_by_alliance = defaultdict(list)
        self.working_by_authority = defaultdict(list)
        self.strong_schools = []
        for school in self.schools:
            if school.status not in working:
                continue
            code = code_of_authority[school.local_authority_id]
            self.working_by_alliance[alliance_of_code[code]].append(school)
            self.working_by_authority[school.local_authority_id].append(school)
            if school.ofsted_rating in ("Outstanding", "Good"):
                self.strong_schools.append(school)
        if not self.working_by_alliance:
            raise ValueError("Too few schools: none is open to place leaders and requests in.")
        self.alliance_choices = sorted(self.working_by_alliance)
        self.alliance_cumulative = list(
            accumulate(len(self.working_by_alliance[i]) for i in self.alliance_choices)
        )

    def _pick_alliance(self):
        """An alliance, more often a bigger one (by its number of working schools)."""
        spot = self.rng.random() * self.alliance_cumulative[-1]
        return self.alliance_choices[bisect(self.alliance_cumulative, spot)]

    # Leaders, designations, conflicts -------------------------------------

    def _build_leaders(self):
        with self._stage("leaders") as counts:
            kinds = self._leader_kinds()
            self.leader_plans = [self._make_leader(index, kind) for index, kind in enumerate(kinds)]
            bulk_insert(Leader, [plan.leader for plan in self.leader_plans])
            designations = self._build_designations()
            links = self._build_leader_links()
            conflicts = self._build_conflicts()
            self._index_leaders()
            counts.update(
                leaders=len(self.leader_plans),
                designations=designations,
                expertise_and_phase_links=links,
                conflicts=conflicts,
            )

    def _leader_kinds(self):
        """Main designations in believable proportions; at least one of each kind."""
        total = self.sizes["leaders"]
        if total < len(K):
            raise ValueError(f"At least {len(K)} leaders are needed so every designation appears.")
        counts = {kind: max(1, round(total * share)) for kind, share in KIND_SHARES.items()}
        counts[K.NLE] = min(counts[K.NLE], MAX_NLES)
        counts[K.SLE] = total - sum(counts.values())
        kinds = [kind for kind, count in counts.items() for _ in range(count)]
        self.rng.shuffle(kinds)
        if self.featured:
            kinds.insert(0, kinds.pop(kinds.index(K.LLE)))
        return kinds

    def _make_leader(self, index, kind):
        rng = self.rng
        featured = bool(self.featured) and index == 0
        national = kind in Designation.NATIONAL_KINDS
        alliance = None if national else (0 if featured else self._pick_alliance())
        if kind == K.NLE and self.strong_schools:
            school = rng.choice(self.strong_schools)
        elif national:
            school = rng.choice(self.working_by_alliance[self._pick_alliance()])
        else:
            school = rng.choice(self.working_by_alliance[alliance])
        first, last = self._person()
        full_name = f"{first} {last}"
        if featured:
            full_name = self.featured.full_name
            first = full_name.split()[0]
            self.emails.add(self.featured.email)
        areas = self._leader_areas(kind)
        phase_ids = {school.phase_id}
        if rng.random() < 0.35:
            phase_ids.add(self.phases[RELATED_PHASE[self.phase_code_by_id[school.phase_id]]].pk)
        consent = featured or rng.random() < 0.85
        lo, hi = (30, 30) if featured else DAYS_PER_YEAR[kind]
        days = rng.randint(lo, hi)
        leader = Leader(
            full_name=full_name,
            email=self.featured.email if featured else self._unique_email(first, last),
            phone=f"07700 900{rng.randint(0, 999):03d}",
            job_title=rng.choice(JOB_TITLES[kind]).format(area=area_label(areas[0])),
            home_school=school,
            days_per_year=Decimal(days),
            public_profile_consent=consent,
            bio=self._bio(kind, first, school, areas) if consent or rng.random() < 0.3 else "",
        )
        return LeaderPlan(leader, kind, alliance, phase_ids, capacity_halves=days * 2, areas=areas)

    def _leader_areas(self, kind):
        rng = self.rng
        leadership = [a for a in self.areas if a.group == AreaOfExpertise.Group.LEADERSHIP]
        subjects = [a for a in self.areas if a.group != AreaOfExpertise.Group.LEADERSHIP]
        if kind in (K.NLG, K.LSG):
            governance = [a for a in self.areas if a.name in GOVERNANCE_AREAS] or leadership
            return rng.sample(governance, min(len(governance), rng.randint(1, 2)))
        if kind == K.SLE:
            return rng.sample(self.areas, rng.randint(1, 2))
        picked = rng.sample(leadership, 3 if kind == K.NLE else 2)
        return picked + rng.sample(subjects, 1) if rng.random() < 0.6 else picked

    def _bio(self, kind, first, school, areas):
        rng = self.rng
        return rng.choice(world.LEADER_BIOS[kind]).format(
            first=first,
            school=school.name,
            year=self.today.year - rng.randint(3, 12),
            years=rng.randint(4, 15),
            area=area_label(areas[0]),
            phase=self.phases[self.phase_code_by_id[school.phase_id]].name.lower(),
        )

    def _build_designations(self):
        """Each leader's main designation, and for some an older one that ended."""
        designations = []
        for index, plan in enumerate(self.leader_plans):
            status = self._designation_status(index)
            main = self._designation(plan, plan.kind, status)
            designations.append(main)
            if status == Designation.Status.ACTIVE:
                plan.designation, plan.designated_on = main, main.designated_on
            former = self._former_designation(plan, main)
            if former:
                designations.append(former)
        bulk_insert(Designation, designations)
        return len(designations)

    def _designation_status(self, index):
        if self.featured and index == 0:
            return Designation.Status.ACTIVE
        return self._pick(
            {
                Designation.Status.ACTIVE: 88,
                Designation.Status.LAPSED: 8,
                Designation.Status.WITHDRAWN: 4,
            }
        )

    def _designation(self, plan, kind, status, designated_on=None, alliance=None):
        """A designation whose dates fit its status: active ones are reviewed every four years."""
        if designated_on is None:
            ranges = {
                Designation.Status.ACTIVE: (60, 9 * 365),
                Designation.Status.LAPSED: (5 * 365, 10 * 365),
                Designation.Status.WITHDRAWN: (2 * 365, 7 * 365),
            }
            designated_on = self._days_ago(*ranges[status])
        review_due_on = add_years(designated_on, 4)
        while status == Designation.Status.ACTIVE and review_due_on <= self.today:
            review_due_on = add_years(review_due_on, 4)
        notes = {
            Designation.Status.LAPSED: "Not renewed at review.",
            Designation.Status.WITHDRAWN: "Withdrawn at the leader's request after a change of role.",
        }
        national = kind in Designation.NATIONAL_KINDS
        return Designation(
            leader=plan.leader,
            kind=kind,
            alliance=None
            if national
            else self.alliances[plan.alliance if alliance is None else alliance],
            designated_on=designated_on,
            review_due_on=review_due_on,
            status=status,
            national_support_school=plan.leader.home_school if kind == K.NLE else None,
            notes=notes.get(status, ""),
        )

    def _former_designation(self, plan, main):
        """About one leader in ten held another designation before; it lapsed or moved."""
        if self.rng.random() >= 0.1 or plan.kind not in (K.NLE, K.LLE, K.SLE):
            return None
        # NLEs were local leaders somewhere; SLEs moved here from another alliance.
        alliance = plan.alliance if plan.kind == K.LLE else self._pick_alliance()
        earlier = main.designated_on - datetime.timedelta(days=self.rng.randint(3, 6) * 365)
        former_kind = {K.NLE: K.LLE, K.LLE: K.SLE, K.SLE: K.SLE}[plan.kind]
        status = Designation.Status.WITHDRAWN if plan.kind == K.SLE else Designation.Status.LAPSED
        former = self._designation(plan, former_kind, status, earlier, alliance=alliance)
        former.notes = (
            "Registered with another alliance before moving schools."
            if plan.kind == K.SLE
            else "Not renewed after the leader took on a wider role."
        )
        return former

    def _build_leader_links(self):
        """Areas of expertise and phases through their link tables, in bulk."""
        area_link = Leader.areas_of_expertise.through
        phase_link = Leader.phases.through
        areas = [
            area_link(leader_id=plan.leader.pk, areaofexpertise_id=area.pk)
            for plan in self.leader_plans
            for area in plan.areas
        ]
        phases = [
            phase_link(leader_id=plan.leader.pk, phase_id=phase_id)
            for plan in self.leader_plans
            for phase_id in sorted(plan.phase_ids)
        ]
        bulk_insert(area_link, areas)
        bulk_insert(phase_link, phases)
        return len(areas) + len(phases)

    def _build_conflicts(self):
        """A few leaders declare a school or trust they must not be sent to."""
        total = len(self.leader_plans)
        if total < 10:
            return 0
        chosen = self.rng.sample(self.leader_plans[1:], max(2, round(total * 0.04)))
        conflicts = [self._conflict(plan, i % 2 == 1) for i, plan in enumerate(chosen)]
        conflicts = [conflict for conflict in conflicts if conflict]
        bulk_insert(DeclaredConflict, conflicts)
        return len(conflicts)

    def _conflict(self, plan, prefer_trust):
        """A trust conflict where the leader's school is in one, else a nearby school."""
        home = plan.leader.home_school
        if prefer_trust and home.trust_id:
            plan.blocked_trusts.add(home.trust_id)
            reason = "Home school is in this trust."
            return DeclaredConflict(leader=plan.leader, trust_id=home.trust_id, reason=reason)
        nearby = [s for s in self.working_by_authority[home.local_authority_id] if s != home]
        if not nearby:
            return None
        school = self.rng.choice(nearby)
        plan.blocked_schools.add(school.pk)
        reason = self.rng.choice(CONFLICT_REASONS)
        return DeclaredConflict(leader=plan.leader, school=school, reason=reason)

    def _index_leaders(self):
        """Pools of leaders with an active designation, by where and what they can do."""
        # The demo leader only gets the two requests set aside for them.
        offset = 1 if self.featured else 0
        self.active_leaders = [plan for plan in self.leader_plans[offset:] if plan.designation]
        self.pool_by_kind = defaultdict(list)
        self.pool_by_alliance = defaultdict(list)
        for plan in self.active_leaders:
            self.pool_by_kind[(plan.alliance, plan.kind)].append(plan)
            if plan.alliance is not None:
                self.pool_by_alliance[plan.alliance].append(plan)
        self.halves_used = defaultdict(int)  # (leader pk, academic year start) -> half-days

    # Requests, timelines, deployments -------------------------------------

    def _build_requests(self):
        with self._stage("requests") as counts:
            self.request_plans = self._plan_requests()
            for plan in self.request_plans:
                self._plan_timeline(plan)
            for plan in self.request_plans:
                self._approach_leaders(plan)
            self._assign_references()
            with given_timestamps(SupportRequest):
                bulk_insert(SupportRequest, [plan.request for plan in self.request_plans])
            counts["requests"] = len(self.request_plans)
            counts["area_links"] = self._build_request_areas()
        with self._stage("deployments") as counts:
            counts.update(self._build_deployments())
        with self._stage("timeline") as counts:
            events = [event for plan in self.request_plans for event in self._events(plan)]
            bulk_insert(RequestEvent, events)
            counts["events"] = len(events)

    def _plan_requests(self):
        """Statuses first, then who asked: the featured leader's two requests come first."""
        statuses = [status for status, n in self.status_counts.items() for _ in range(n)]
        self.rng.shuffle(statuses)
        plans = [self._make_request(status) for status in statuses]
        if self.featured:
            for status in (S.PROPOSED, S.AGREED):
                self._feature(next(plan for plan in plans if plan.status == status))
        self._spread_extra_deployments(plans)
        return plans

    def _make_request(self, status):
        rng = self.rng
        alliance = self._pick_alliance()
        school = rng.choice(self.working_by_alliance[alliance])
        request = SupportRequest(status=status, alliance=self.alliances[alliance], school=school)
        if self.default_alliance is not None and rng.random() < 0.01:
            # A school missing from the register: typed in, routed to the default alliance.
            alliance = self.default_alliance
            request.alliance, request.school = self.alliances[alliance], None
            request.school_name_given = f"{self._place_name()} Independent School"
            request.school_postcode_given = self._postcode(self.alliance_places[alliance][0])
            request.routed_to_default = True
        plan = RequestPlan(request, status, alliance)
        self._describe_need(plan)
        return plan

    def _describe_need(self, plan):
        """Who is asking, for what, and how they hope to pay."""
        rng, request = self.rng, plan.request
        school = request.school
        request.source = self._pick(SOURCE_WEIGHTS)
        if request.source == "trust" and not (school and school.trust_id):
            request.source = "school"
        first, last = self._person()
        request.contact_name = f"{first} {last}"
        request.contact_role = rng.choice(
            ("Headteacher", "Deputy headteacher", "Chair of governors", "School business manager")
        )
        domain = f"school{school.urn}.example.org" if school else "example.org"
        request.contact_email = f"{slugify(first)}.{slugify(last)}@{domain}"
        request.designation_sought = self._pick(SOUGHT_WEIGHTS)
        weak = bool(school) and school.ofsted_rating in ("Serious weaknesses", "Special measures")
        request.in_ofsted_category = weak
        request.new_headteacher = rng.random() < 0.2
        request.facing_closure = rng.random() < 0.03
        request.below_floor_standards = rng.random() < 0.1
        self._choose_request_areas(plan)
        request.outcomes_sought = rng.choice(world.OUTCOMES).format(area=area_label(plan.areas[0]))
        request.funding = self._pick(FUNDING_WEIGHTS)
        if rng.random() < 0.9:
            sought = request.designation_sought
            lo, hi = AGREED_HALF_DAYS.get(sought, (4, 20))
            request.estimated_days = Decimal(rng.randint(lo, hi)) / 2

    def _choose_request_areas(self, plan):
        governance = plan.request.designation_sought in (K.NLG, K.LSG)
        pool = [a for a in self.areas if a.name in GOVERNANCE_AREAS] if governance else self.areas
        plan.areas = self.rng.sample(pool or self.areas, self.rng.randint(1, 2))

    def _feature(self, plan):
        """Send one of the demo leader's requests their way: same alliance, an LLE sought."""
        home = self.leader_plans[0].leader.home_school
        choices = [s for s in self.working_by_alliance[0] if s != home]
        plan.alliance, plan.featured = 0, True
        plan.request.alliance, plan.request.school = self.alliances[0], self.rng.choice(choices)
        plan.request.school_name_given, plan.request.school_postcode_given = "", ""
        plan.request.routed_to_default = False
        plan.request.designation_sought = K.LLE
        plan.request.contact_email = f"head@school{plan.request.school.urn}.example.org"

    def _spread_extra_deployments(self, plans):
        """Deployments beyond one per request: cancelled on withdrawal, or declined by a leader."""
        extra = self.sizes["deployments"] - sum(
            1 for plan in plans if plan.status in WITH_DEPLOYMENT
        )
        withdrawn = [plan for plan in plans if plan.status == S.WITHDRAWN]
        for plan in withdrawn[: min(extra, max(1, len(withdrawn) * 3 // 10))]:
            plan.cancelled = True
            extra -= 1
        eligible = [p for p in plans if p.status == S.NO_MATCH] + [
            p for p in plans if p.status in WITH_DEPLOYMENT or p.status == S.MATCHING
        ]
        if extra > 3 * len(eligible):
            raise ValueError("Too many deployments for the number of requests.")
        for i in range(extra):
            eligible[i % len(eligible)].declines += 1

    def _path(self, plan):
        """The states a request passed through, with a detour for each declined proposal."""
        head = [S.NEW, S.TRIAGED, S.MATCHING] + [S.PROPOSED, S.MATCHING] * plan.declines
        status, rng = plan.status, self.rng
        delivery = [S.PROPOSED, S.AGREED, S.IN_DELIVERY, S.COMPLETED, S.EVALUATED]
        if status in (S.NEW, S.TRIAGED):
            return [S.NEW, S.TRIAGED][: 1 if status == S.NEW else 2]
        if status == S.MATCHING:
            return head
        if status in delivery:
            return head + delivery[: delivery.index(status) + 1]
        if status == S.WITHDRAWN and plan.cancelled:
            return head + [S.PROPOSED, S.WITHDRAWN]
        if status == S.NO_MATCH:
            return head + [S.NO_MATCH]
        early = [[S.NEW], [S.NEW, S.TRIAGED]] + ([] if status == S.DECLINED else [head])
        return rng.choice(early) + [status]

    def _plan_timeline(self, plan):
        """Dates for every state change, worked backwards from the last one.

        Delivery dates are pinned first so that a deployment starts and ends
        inside one academic year: that is the year its days count against.
        """
        plan.path = self._path(plan)
        days = [None] * len(plan.path)
        days[-1] = self._last_change(plan)
        for i in range(len(plan.path) - 1, 0, -1):
            before, after = plan.path[i - 1], plan.path[i]
            if after == S.COMPLETED:
                plan.end = days[i]
                span = datetime.timedelta(days=self._delivery_days(plan))
                plan.start = max(plan.end - span, academic_year_bounds(plan.end)[0])
                days[i - 1] = plan.start
            else:
                fewest, most = GAP_DAYS.get((before, after)) or CLOSING_GAP_DAYS[after]
                days[i - 1] = days[i] - datetime.timedelta(days=self.rng.randint(fewest, most))
        plan.times = self._times(plan.path, days)
        request = plan.request
        request.created_at = request.privacy_consent_at = plan.times[0]
        request.status_changed_at = request.updated_at = plan.times[-1]
        request.preferred_start = days[0] + datetime.timedelta(days=self.rng.randint(14, 60))
        if plan.status in SupportRequest.CLOSED_STATUSES:
            request.closed_at = plan.times[-1]
            request.closed_reason = self.rng.choice(world.CLOSING_NOTES[plan.status])

    def _last_change(self, plan):
        """When the request reached its current state, and for live deliveries their dates."""
        status, rng, today = plan.status, self.rng, self.today
        if status in LAST_CHANGE_DAYS_AGO:
            return self._days_ago(*LAST_CHANGE_DAYS_AGO[status])
        if status == S.AGREED:
            plan.start = today + datetime.timedelta(days=rng.randint(3, 40))
            planned_end = plan.start + datetime.timedelta(days=self._delivery_days(plan))
            plan.end = min(planned_end, academic_year_bounds(plan.start)[1])
            return self._days_ago(0, 14)
        if status == S.IN_DELIVERY:
            year_start, year_end = academic_year_bounds(today)
            plan.start = self._days_ago(0, min(150, (today - year_start).days))
            planned_end = plan.start + datetime.timedelta(days=self._delivery_days(plan))
            plan.end = min(max(planned_end, today + datetime.timedelta(days=14)), year_end)
            return plan.start
        if status == S.COMPLETED:
            return self._days_ago(1, 45)
        return self._days_ago(20 if status == S.EVALUATED else 3, HISTORY_DAYS)

    def _delivery_days(self, plan):
        return self.rng.randint(*DELIVERY_DAYS.get(plan.request.designation_sought, (30, 150)))

    def _times(self, path, days):
        """Working-hours timestamps, strictly in order and never after now."""
        hours = {S.IN_DELIVERY: (8, 10), S.COMPLETED: (13, 17)}
        times = [
            self._at(day, hours.get(status, (8, 17)))
            for status, day in zip(path, days, strict=True)
        ]
        latest = self.now - datetime.timedelta(minutes=1)
        for i in range(len(times) - 1, -1, -1):
            times[i] = min(times[i], latest)
            latest = times[i] - datetime.timedelta(minutes=30)
        return times

    def _approach_leaders(self, plan):
        """Pick a leader for every proposal in the path and build its deployment."""
        taken = set()
        proposal_indexes = [i for i, status in enumerate(plan.path) if status == S.PROPOSED]
        for n, i in enumerate(proposal_indexes):
            after = plan.path[i + 1] if i + 1 < len(plan.path) else None
            accepted_or_open = n == len(proposal_indexes) - 1 and after != S.MATCHING
            if plan.featured and accepted_or_open:
                leader_plan = self.leader_plans[0]
            else:
                leader_plan = self._choose_leader(plan, taken, committed=after == S.AGREED)
            halves = None
            if after == S.AGREED:
                halves = self._agreed_halves(plan, leader_plan)
                self._book(plan, leader_plan, halves)
            taken.add(leader_plan)
            deployment = self._deployment(plan, i, after, leader_plan, halves)
            plan.proposals.append((leader_plan, deployment))

    def _agreed_halves(self, plan, leader_plan):
        """Agreed days by designation, trimmed to what the leader has left that year."""
        wanted = self.rng.randint(*AGREED_HALF_DAYS[leader_plan.kind])
        return min(wanted, self._halves_left(leader_plan, plan.start))

    def _halves_left(self, leader_plan, day):
        year = academic_year_bounds(day)[0].year
        return leader_plan.capacity_halves - self.halves_used[(leader_plan.leader.pk, year)]

    def _book(self, plan, leader_plan, halves):
        year = academic_year_bounds(plan.start)[0].year
        key = (leader_plan.leader.pk, year)
        if self.halves_used[key] + halves > leader_plan.capacity_halves:
            raise RuntimeError(f"{leader_plan.leader} would be over-committed in {year}.")
        self.halves_used[key] += halves

    def _choose_leader(self, plan, taken, committed):
        """A leader of the sought kind near the school, free of conflicts, with days left.

        Random tries within the best pool first, widening to everyone; a full
        scan is the last resort, so even a tiny world either finds someone or
        says plainly that it has too few leaders.
        """
        sought = plan.request.designation_sought
        kind_pool = self.pool_by_kind.get(
            (None if sought in Designation.NATIONAL_KINDS else plan.alliance, sought), []
        )
        pools = (kind_pool, self.pool_by_alliance.get(plan.alliance, []), self.active_leaders)
        for strict, pool in ((True, kind_pool), *((False, p) for p in pools)):
            for _ in range(min(20, 2 * len(pool))):
                candidate = self.rng.choice(pool)
                if self._suits(plan, candidate, taken, committed, strict):
                    return candidate
        for candidate in self.active_leaders:
            if self._suits(plan, candidate, taken, committed, strict=False):
                return candidate
        raise RuntimeError(
            f"No leader is free for a request in {self.alliances[plan.alliance]}: "
            "generate more leaders or fewer deployments."
        )

    def _suits(self, plan, candidate, taken, committed, strict):
        school = plan.request.school
        if candidate in taken or candidate.designated_on > plan.times[0].date():
            return False
        if committed and self._halves_left(candidate, plan.start) < 2:
            return False
        if school is None:
            return True
        if school.pk == candidate.leader.home_school_id or school.pk in candidate.blocked_schools:
            return False
        if school.trust_id and school.trust_id in candidate.blocked_trusts:
            return False
        return not strict or school.phase_id in candidate.phase_ids

    def _deployment(self, plan, index, after, leader_plan, halves):
        """A deployment whose state and dates agree with where the request went next."""
        proposed_at = plan.times[index]
        responded_at = plan.times[index + 1] if after in (S.MATCHING, S.AGREED) else None
        deployment = Deployment(
            leader=leader_plan.leader,
            designation=leader_plan.designation,
            proposed_at=proposed_at,
            responded_at=responded_at,
            created_at=proposed_at,
            updated_at=responded_at or proposed_at,
        )
        if after == S.MATCHING:
            deployment.status = D.DECLINED
            deployment.decline_reason = self._pick(DECLINE_WEIGHTS)
            deployment.decline_note = world.DECLINE_NOTES[deployment.decline_reason]
        elif after == S.WITHDRAWN:
            deployment.status = D.CANCELLED
            deployment.updated_at = plan.times[index + 1]
        elif after == S.AGREED:
            self._agree(plan, deployment, leader_plan, halves, agreed_at=responded_at)
        else:
            deployment.status = D.PROPOSED
        return deployment

    def _agree(self, plan, deployment, leader_plan, halves, agreed_at):
        request = plan.request
        deployment.status = DEPLOYMENT_FOR_REQUEST[plan.status]
        deployment.agreed_days = Decimal(halves) / 2
        deployment.start_date, deployment.end_date = plan.start, plan.end
        deployment.daily_rate, deployment.brokerage_fee = DAILY_RATE, BROKERAGE_FEE
        known = [f for f in FUNDING_WEIGHTS if f != Funding.NOT_KNOWN]
        funding = request.funding
        deployment.funding_source = (
            funding if funding != Funding.NOT_KNOWN else self.rng.choice(known)
        )
        deployment.signed_by = (
            f"{request.contact_name} for the school; {leader_plan.leader.full_name}; "
            f"{request.alliance.name}"
        )
        deployment.signed_at = deployment.agreed_at = agreed_at
        if deployment.status == D.COMPLETED:
            deployment.completed_at = plan.times[plan.path.index(S.COMPLETED)]
        deployment.updated_at = deployment.completed_at or agreed_at

    def _assign_references(self):
        """SR-YYYY-NNNNN in order of submission, continuing each year's sequence."""
        self.request_plans.sort(key=lambda plan: plan.times[0])
        years = sorted({plan.times[0].year for plan in self.request_plans})
        sequences = ReferenceSequence.objects.select_for_update().in_bulk(years)
        last = {year: self._last_reference_number(year, sequences.get(year)) for year in years}
        for plan in self.request_plans:
            year = plan.times[0].year
            last[year] += 1
            plan.request.reference = SupportRequest.format_reference(year, last[year])
        for year in years:
            if year in sequences:
                sequences[year].last_number = last[year]
        ReferenceSequence.objects.bulk_update(sequences.values(), ["last_number"])
        bulk_insert(
            ReferenceSequence,
            [ReferenceSequence(year=y, last_number=last[y]) for y in years if y not in sequences],
        )

    def _last_reference_number(self, year, sequence):
        issued = SupportRequest.objects.filter(reference__startswith=f"SR-{year}-").aggregate(
            highest=Max("reference")
        )["highest"]
        return max(sequence.last_number if sequence else 0, int(issued[8:]) if issued else 0)

    def _build_request_areas(self):
        link = SupportRequest.areas_of_expertise.through
        links = [
            link(supportrequest_id=plan.request.pk, areaofexpertise_id=area.pk)
            for plan in self.request_plans
            for area in plan.areas
        ]
        bulk_insert(link, links)
        return len(links)

    def _build_deployments(self):
        deployments = []
        for plan in self.request_plans:
            for _, deployment in plan.proposals:
                deployment.request = plan.request
                deployments.append(deployment)
        with given_timestamps(Deployment, Objective):
            bulk_insert(Deployment, deployments)
            objectives = [
                objective
                for plan in self.request_plans
                for _, deployment in plan.proposals
                for objective in self._objectives(plan, deployment)
            ]
            bulk_insert(Objective, objectives)
        return {"deployments": len(deployments), "objectives": len(objectives)}

    def _objectives(self, plan, deployment):
        if deployment.agreed_at is None:
            return []
        texts = self.rng.sample(world.OBJECTIVES, self.rng.randint(2, 3))
        return [
            Objective(
                deployment=deployment,
                description=text.format(area=area_label(self.rng.choice(plan.areas))),
                position=position,
                created_at=deployment.agreed_at,
                updated_at=deployment.agreed_at,
            )
            for position, text in enumerate(texts, start=1)
        ]

    def _events(self, plan):
        """The request's timeline: one event per state change, with who acted and why."""
        request = plan.request
        coordinator = self.actors.get(request.alliance_id)
        coordinator_label = "" if coordinator else f"Coordinator, {request.alliance.name}"[:150]
        proposals = iter(plan.proposals)
        events, leader = [], None
        for i, status in enumerate(plan.path):
            before = plan.path[i - 1] if i else ""
            if status == S.PROPOSED:
                leader = next(proposals)[0].leader
            actor, label = coordinator, coordinator_label
            if status == S.NEW:
                actor, label = None, SupportRequest.Source(request.source).label
            elif status == S.LAPSED:
                actor, label = None, "Automatic expiry"
            elif before == S.PROPOSED and status == S.MATCHING:
                actor, label = None, leader.full_name
            events.append(
                RequestEvent(
                    request=request,
                    from_status=before,
                    to_status=status,
                    actor=actor,
                    actor_label=label,
                    note=self._event_note(plan, before, status, leader),
                    created_at=plan.times[i],
                )
            )
        return events

    def _event_note(self, plan, before, status, leader):
        notes = {
            S.NEW: "Request received.",
            S.TRIAGED: "Need, scope and funding confirmed with the school.",
            S.MATCHING: "Looking for a leader with the right expertise and days free.",
            S.PROPOSED: f"Proposed to {leader.full_name}." if leader else "",
            S.AGREED: "Agreement signed by the school, the leader and the alliance.",
            S.IN_DELIVERY: "First visit made; delivery under way.",
            S.COMPLETED: "Final review written and shared with the school.",
        }
        if before == S.PROPOSED and status == S.MATCHING:
            return f"{leader.full_name} declined the proposal; looking again."
        return notes.get(status) or plan.request.closed_reason

    def featured_leader(self):
        """The leader the demo's leader login belongs to."""
        return self.leader_plans[0].leader
