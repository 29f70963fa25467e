"""Brokerage: requests, the leaders approached, deployments, objectives and each timeline.

A request's timeline walks the brokerage states in order, its deployments
match the state it reached, declared conflicts and a leader's own school are
respected, and no leader is booked beyond their days in any academic year.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max
from django.utils.text import slugify

from alliance_portal.demo.national import content
from alliance_portal.demo.national.base import (
    BuilderBase,
    apportion,
    area_label,
    bulk_insert,
    given_timestamps,
)
from alliance_portal.demo.national.people import AGREED_HALF_DAYS, GOVERNANCE_AREAS
from deployments.models import Deployment, Objective
from leaders.models import Designation, academic_year_bounds
from requests.models import Funding, ReferenceSequence, RequestEvent, SupportRequest

S = SupportRequest.Status
K = Designation.Kind
D = Deployment.Status

DAILY_RATE = Decimal("350.00")
BROKERAGE_FEE = Decimal("50.00")
DELIVERY_DAYS = {
    K.NLE: (60, 200),
    K.LLE: (60, 200),
    K.SLE: (20, 120),
    K.NLG: (30, 120),
    K.LSG: (20, 90),
}
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


class BrokerageStage(BuilderBase):
    """Requests and everything that happened to them, from intake to evaluation."""

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
        """Statuses first, then who asked: the featured leader's requests come first."""
        statuses = [status for status, n in self.status_counts.items() for _ in range(n)]
        self.rng.shuffle(statuses)
        plans = [self._make_request(status) for status in statuses]
        if self.featured:
            for status in (S.PROPOSED, S.AGREED, S.IN_DELIVERY, S.COMPLETED):
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
        request.outcomes_sought = rng.choice(content.OUTCOMES).format(
            area=area_label(plan.areas[0])
        )
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
            request.closed_reason = self.rng.choice(content.CLOSING_NOTES[plan.status])

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
            deployment.decline_note = content.DECLINE_NOTES[deployment.decline_reason]
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
        texts = self.rng.sample(content.OBJECTIVES, self.rng.randint(2, 3))
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
