"""Places: the alliances, the real local authorities they serve, their schools and trusts.

Schools are spread over the authorities (shire counties get more), with
phases, types, statuses and inspection results in believable shares, and
are indexed so the later stages can place leaders and requests in them.
"""

import datetime
from bisect import bisect
from collections import defaultdict
from dataclasses import dataclass
from itertools import accumulate

from django.utils.text import slugify

from alliance_portal.demo.national import content
from alliance_portal.demo.national.base import BuilderBase, apportion, bulk_insert
from alliance_portal.schools.models import Alliance, LocalAuthority, School, Trust

# URNs and trust codes well above anything the register issues, so a later
# import of the real register never collides with invented schools. The
# national range ends where the demo's begins.
NATIONAL_URN_START = 900_001
NATIONAL_TRUST_CODE_START = 900_001
DEMO_URN_START = 990_001
DEMO_TRUST_CODE_START = 990_001

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


@dataclass(frozen=True)
class AllianceSpec:
    """The fixed facts of an alliance the generator creates."""

    name: str
    slug: str
    contact_email: str
    contact_phone: str
    website: str
    la_codes: tuple
    is_default: bool = False


class PlacesStage(BuilderBase):
    """Alliances, local authorities, trusts and schools, and the indexes over them."""

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
                [content.PLACES_BY_CODE[code] for code in spec.la_codes] for spec in specs
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
            LocalAuthority(code=code, name=content.PLACES_BY_CODE[code].name)
            for code in sorted(set(codes) - set(existing))
        ]
        for authority in bulk_insert(LocalAuthority, missing):
            existing[authority.code] = authority
        return existing

    # Schools and trusts ----------------------------------------------------

    def _build_schools(self):
        with self._stage("schools") as counts:
            places = [place for group in self.alliance_places for place in group]
            weights = [
                self.rng.uniform(0.6, 1.6) * (3 if place.code in content.SHIRE_CODES else 1)
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
        name = pattern.format(place=self._place_name(), saint=rng.choice(content.SAINTS))
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
            street=f"{rng.randint(1, 120)} {self._place_name()} {rng.choice(content.STREET_KINDS)}",
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
