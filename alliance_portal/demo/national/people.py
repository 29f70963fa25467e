"""People: system leaders, their designations, expertise and phases, declared conflicts.

Main designations come in believable proportions, each leader works at one
of the generated schools, and the active ones are pooled by alliance and kind
for matching in the brokerage stage.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from alliance_portal.demo.national import content
from alliance_portal.demo.national.base import BuilderBase, add_years, area_label, bulk_insert
from alliance_portal.demo.national.places import RELATED_PHASE
from leaders.models import AreaOfExpertise, DeclaredConflict, Designation, Leader

K = Designation.Kind

MAX_NLES = 650
CONFLICT_REASONS = (
    "Partner teaches at this school.",
    "Was deputy head here until recently.",
    "Sits on this school's governing board.",
)

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
GOVERNANCE_AREAS = (
    "School business and financial management",
    "Performance management",
    "Academy transition",
    "Curriculum",
)


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


class PeopleStage(BuilderBase):
    """Leaders with their designations, areas, phases and conflicts, pooled for matching."""

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
            # National leaders' records are kept by administrators.
            managing_alliance=None if national else self.alliances[alliance],
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
        return rng.choice(content.LEADER_BIOS[kind]).format(
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
