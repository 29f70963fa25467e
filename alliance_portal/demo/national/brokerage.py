"""Brokerage: requests, the leaders approached, deployments, objectives and each timeline.

A request's timeline walks the brokerage states in order, its deployments
match the state it reached (by `deployments.lifecycle.request_state_for`),
declared conflicts and a leader's own school are respected, and no leader is
booked beyond their days in any academic year.

Besides the plain path from proposal to evaluation, some requests take the
turns the lifecycle allows: an ask the leader accepted that is waiting for its
agreement, work paused for a while, work stopped part way (the request still
completed) or stopped before it began (the request back to finding a leader,
or closed with no match), agreed work varied with its reason, and teams of an
NLE with SLEs. Moves that change no request state (an acceptance, a pause, a
variation, a team's further asks and agreements) are lines on the timeline
from a state to itself, as the services write them.
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
from alliance_portal.pages.formats import long_date, plain_number
from deployments.models import Deployment, Objective, Variation
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
    (S.AGREED, S.MATCHING): (5, 40),  # agreed work stopped before it began
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

# The turns a request's deployments take besides the plain path (RequestPlan.variant).
ACCEPTED = "accepted"  # the open ask was accepted; the agreement is still to be made
PAUSED = "paused"  # the work in delivery is paused
STOPPED = "stopped"  # the work stopped part way; what was delivered completed the request
RESTARTED = "restarted"  # agreed work stopped before it began; the request looked again
TEAM = "team"  # an NLE with one or two SLEs, each under their own capacity
# Shares of the requests that could take each turn.
ACCEPTED_SHARE = 0.4
PAUSED_SHARE = 0.2
STOPPED_SHARE = 0.08
VARIED_SHARE = 0.12
RESTARTED_SHARE = 0.01  # of the requests that reached a leader
TEAM_SHARE = 0.03  # extra places, as a share of the requests that reached a leader
VARIATION_KINDS = (("days",), ("end",), ("objective",), ("days", "end"))


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
    variant: str = ""  # one of ACCEPTED, PAUSED, STOPPED, RESTARTED, TEAM; "" for the plain path
    varied: tuple = ()  # what a variation changed: "days", "end", "objective"
    variation: Variation | None = None
    team: list = field(default_factory=list)  # (LeaderPlan, Deployment) for a team's other leaders
    # Timeline lines that change no state: (moment, who: a leader's name or "" for the
    # coordinator, note).
    notes: list = field(default_factory=list)

    def deployments(self):
        return [deployment for _, deployment in (*self.proposals, *self.team)]


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

    def _build_timeline(self):
        """After delivery: an early stop's line says how many days were delivered."""
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
        self._choose_turns(plans)
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
        """Deployments beyond one per request: cancelled on withdrawal, agreed work stopped
        before it began, a team's other leaders, or declined by a leader."""
        reached = sum(1 for plan in plans if plan.status in WITH_DEPLOYMENT)
        extra = self.sizes["deployments"] - reached
        withdrawn = [plan for plan in plans if plan.status == S.WITHDRAWN]
        for plan in withdrawn[: min(extra, max(1, len(withdrawn) * 3 // 10))]:
            plan.cancelled = True
            extra -= 1
        # Requests finding a leader (again) whose agreed work stopped before it began.
        looking = [plan for plan in plans if plan.status in (S.MATCHING, S.NO_MATCH)]
        restarts = min(extra // 3, max(1, round(reached * RESTARTED_SHARE)), len(looking))
        for plan in self._several(looking, restarts, first=S.MATCHING):
            plan.variant = RESTARTED
            extra -= 1
        extra -= self._form_teams(plans, reached, places=(extra * 3) // 5)
        eligible = [p for p in plans if p.status == S.NO_MATCH] + [
            p for p in plans if p.status in WITH_DEPLOYMENT or p.status == S.MATCHING
        ]
        if extra > 3 * len(eligible):
            raise ValueError("Too many deployments for the number of requests.")
        for i in range(extra):
            eligible[i % len(eligible)].declines += 1

    def _form_teams(self, plans, reached, places):
        """Requests for an NLE with one or two SLEs; returns how many extra places they take."""
        places = min(places, max(3, round(reached * TEAM_SHARE)))
        # Recent work (evaluated requests go back years, before most NLEs were designated).
        agreed = [
            plan
            for plan in plans
            if plan.status in (S.AGREED, S.IN_DELIVERY, S.COMPLETED)
            and not (plan.featured or plan.variant)
        ]
        taken = 0
        for index, plan in enumerate(self._several(agreed, len(agreed), first=S.IN_DELIVERY)):
            size = 3 if index % 2 == 0 and places - taken >= 2 else 2
            if places - taken < size - 1:
                break
            plan.variant = TEAM
            plan.request.leaders_wanted = size
            plan.request.designation_sought = K.NLE
            taken += size - 1
        return taken

    def _choose_turns(self, plans):
        """Which requests take the lifecycle's other turns: a few of each, at least one, and
        one of each in the first alliance (the demo coordinator's) where it can be."""
        plain = [plan for plan in plans if not (plan.featured or plan.variant)]
        for variant, statuses, share in (
            (ACCEPTED, (S.PROPOSED,), ACCEPTED_SHARE),
            (PAUSED, (S.IN_DELIVERY,), PAUSED_SHARE),
            # A recent early stop (completed, not yet evaluated) shows on the dashboard.
            (STOPPED, (S.COMPLETED, S.EVALUATED), STOPPED_SHARE),
        ):
            chosen = self._some(
                [p for p in plain if p.status in statuses], share, first=statuses[0]
            )
            for plan in chosen:
                plan.variant = variant
        agreed = [p for p in plain if p.status in DEPLOYMENT_FOR_REQUEST and not p.variant]
        # Each kind of change in turn, so even a small world has one of each.
        for index, plan in enumerate(self._some(agreed, VARIED_SHARE)):
            plan.varied = VARIATION_KINDS[index % len(VARIATION_KINDS)]

    def _some(self, plans, share, first=None):
        """A random share of `plans`, at least one when there are any (see `_several`)."""
        return self._several(plans, max(1, round(len(plans) * share)), first)

    def _several(self, plans, count, first=None):
        """`count` of `plans` at random (all, if fewer), in random order; the first of them in
        the first alliance (and in status `first`, when given) if any of `plans` is."""
        chosen = self.rng.sample(plans, min(len(plans), count))
        shown = [p for p in plans if p.alliance == 0 and (first is None or p.status == first)]
        if chosen and shown and not set(chosen) & set(shown):
            chosen[0] = self.rng.choice(shown)
        return chosen

    def _path(self, plan):
        """The states a request passed through, with a detour for each declined proposal."""
        head = [S.NEW, S.TRIAGED, S.MATCHING] + [S.PROPOSED, S.MATCHING] * plan.declines
        status, rng = plan.status, self.rng
        delivery = [S.PROPOSED, S.AGREED, S.IN_DELIVERY, S.COMPLETED, S.EVALUATED]
        if status in (S.NEW, S.TRIAGED):
            return [S.NEW, S.TRIAGED][: 1 if status == S.NEW else 2]
        if plan.variant == RESTARTED:
            # Agreed, then stopped before it began: looking again, or closed with no match.
            looked_again = head + [S.PROPOSED, S.AGREED, S.MATCHING]
            return looked_again if status == S.MATCHING else looked_again + [S.NO_MATCH]
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
                if plan.variant == STOPPED:
                    # It stopped that day; the agreement ran later, in the same year.
                    later = plan.end + datetime.timedelta(days=self.rng.randint(14, 90))
                    plan.end = min(later, academic_year_bounds(plan.start)[1])
            else:
                if before == S.AGREED and after == S.MATCHING:
                    # Stopped before it began: the agreed start was still to come.
                    plan.start = days[i] + datetime.timedelta(days=self.rng.randint(3, 30))
                    planned_end = plan.start + datetime.timedelta(days=self._delivery_days(plan))
                    plan.end = min(planned_end, academic_year_bounds(plan.start)[1])
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
            so_far = (today - year_start).days
            # Work that was paused had been going for a while first.
            fewest = min(10, so_far) if plan.variant == PAUSED else 0
            plan.start = self._days_ago(fewest, min(150, so_far))
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
                leader_plan = self._choose_leader(
                    plan, taken, committed=after == S.AGREED, insist=plan.variant == TEAM
                )
            halves = None
            if after == S.AGREED:
                halves = self._agreed_halves(plan, leader_plan)
                # Work stopped before it began holds none of the leader's days.
                self._book(plan, leader_plan, 0 if plan.variant == RESTARTED else halves)
            taken.add(leader_plan)
            deployment = self._deployment(plan, i, after, leader_plan, halves)
            plan.proposals.append((leader_plan, deployment))
        if plan.variant == TEAM:
            self._join_team(plan, taken)

    def _join_team(self, plan, taken):
        """The team's other leaders (SLEs where they can be found), asked while the first was
        and agreed just after, each within their own days."""
        others = plan.request.leaders_wanted - 1
        asked = plan.path.index(S.AGREED) - 1
        agreed = asked + 1
        agreed_before = plan.times[agreed + 1] if agreed + 1 < len(plan.times) else self.now
        proposed_at = self._between(plan.times[asked], plan.times[agreed], others)
        agreed_at = self._between(plan.times[agreed], agreed_before, others)
        for proposed, agreement in zip(proposed_at, agreed_at, strict=True):
            leader_plan = self._choose_leader(plan, taken, committed=True, kind=K.SLE, insist=True)
            halves = self._agreed_halves(plan, leader_plan)
            self._book(plan, leader_plan, halves)
            taken.add(leader_plan)
            leader = leader_plan.leader
            deployment = Deployment(
                leader=leader,
                designation=leader_plan.designation,
                proposed_at=proposed,
                responded_at=proposed + (agreement - proposed) / 2,
                created_at=proposed,
            )
            self._agree(plan, deployment, leader_plan, halves, agreed_at=agreement, lead=False)
            plan.team.append((leader_plan, deployment))
            kind = leader_plan.designation.kind
            plan.notes += [
                (proposed, "", f"Proposed {leader.full_name} ({kind})."),
                (
                    agreement,
                    "",
                    f"Agreed with {leader.full_name}: {plain_number(deployment.agreed_days)} "
                    f"days, {long_date(plan.start)} to {long_date(plan.end)}.",
                ),
            ]

    def _between(self, earliest, latest, count=1):
        """`count` moments strictly between two, in order, each to the second: in working
        hours on days between them where they fit, else spread evenly between the two."""
        days = (latest.date() - earliest.date()).days
        moments = sorted(
            self._at(earliest.date() + datetime.timedelta(days=self.rng.randint(0, days)))
            for _ in range(count)
        )
        if all(earliest < moment < latest for moment in moments) and len(set(moments)) == count:
            return moments
        span = (latest - earliest).total_seconds()
        low, high = self.rng.uniform(0.1, 0.5), self.rng.uniform(0.6, 0.9)
        steps = max(count - 1, 1)
        return [
            earliest + datetime.timedelta(seconds=int(span * (low + (high - low) * n / steps)))
            for n in range(count)
        ]

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

    def _choose_leader(self, plan, taken, committed, kind=None, insist=False):
        """A leader of the sought kind near the school, free of conflicts, with days left.

        Random tries within the best pool first, widening to everyone; a full
        scan is the last resort, so even a tiny world either finds someone or
        says plainly that it has too few leaders. With `insist` (a team's
        places), every leader of the kind is tried before anyone else.
        """
        sought = kind or plan.request.designation_sought
        kind_pool = self.pool_by_kind.get(
            (None if sought in Designation.NATIONAL_KINDS else plan.alliance, sought), []
        )
        pools = (kind_pool, self.pool_by_alliance.get(plan.alliance, []), self.active_leaders)
        for strict, pool in ((True, kind_pool), *((False, p) for p in pools)):
            for _ in range(min(20, 2 * len(pool))):
                candidate = self.rng.choice(pool)
                if self._suits(plan, candidate, taken, committed, strict):
                    return candidate
            if insist and pool is kind_pool and not strict:
                for candidate in kind_pool:
                    if self._suits(plan, candidate, taken, committed, strict=False):
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
            deployment.cancelled_at = deployment.updated_at = plan.times[index + 1]
        elif after == S.AGREED:
            self._agree(plan, deployment, leader_plan, halves, agreed_at=responded_at)
        elif plan.variant == ACCEPTED:
            # The leader said yes; the coordinator has still to agree the terms.
            deployment.status = D.ACCEPTED
            answered = self._between(proposed_at, self.now)[0]
            deployment.responded_at = deployment.updated_at = answered
            name = leader_plan.leader.full_name
            plan.notes.append((deployment.responded_at, name, f"{name} accepted the proposal."))
        else:
            deployment.status = D.PROPOSED
        return deployment

    def _agreed_status(self, plan):
        if plan.variant in (STOPPED, RESTARTED):
            return D.STOPPED
        if plan.variant == PAUSED:
            return D.PAUSED
        return DEPLOYMENT_FOR_REQUEST[plan.status]

    def _agree(self, plan, deployment, leader_plan, halves, agreed_at, lead=True):
        request = plan.request
        deployment.status = self._agreed_status(plan)
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
        if S.IN_DELIVERY in plan.path:
            deployment.started_at = plan.times[plan.path.index(S.IN_DELIVERY)]
        if deployment.status == D.COMPLETED:
            deployment.completed_at = plan.times[plan.path.index(S.COMPLETED)]
        elif plan.variant == PAUSED:
            self._pause(plan, deployment)
        elif plan.variant == STOPPED:
            stopped = plan.path.index(S.COMPLETED)
            self._stop(plan, deployment, stopped, content.STOP_PART_WAY_REASONS)
        elif plan.variant == RESTARTED:
            self._stop(
                plan, deployment, plan.path.index(S.AGREED) + 1, content.STOP_BEFORE_START_REASONS
            )
            deployment.days_delivered = Decimal("0.0")
        deployment.updated_at = (
            deployment.completed_at or deployment.stopped_at or deployment.paused_at or agreed_at
        )
        if lead and plan.varied:
            plan.variation = self._vary(plan, deployment, halves)
            deployment.updated_at = max(deployment.updated_at, plan.variation.created_at)

    def _pause(self, plan, deployment):
        """Paused since some time after it started, expected back before the agreed end."""
        deployment.paused_at = self._between(deployment.started_at, self.now)[0]
        resume = self.today + datetime.timedelta(days=self.rng.randint(5, 40))
        deployment.resume_expected = max(
            min(resume, plan.end - datetime.timedelta(days=1)),
            self.today + datetime.timedelta(days=1),
        )
        deployment.pause_reason = self.rng.choice(content.PAUSE_REASONS)
        plan.notes.append(
            (
                deployment.paused_at,
                "",
                f"{deployment.leader.full_name}'s support was paused until about "
                f"{long_date(deployment.resume_expected)}: {deployment.pause_reason}",
            )
        )

    def _stop(self, plan, deployment, index, reasons):
        """Stopped early at the timeline's `index`; the line there says so (see `_event_note`)."""
        deployment.stopped_at = plan.times[index]
        deployment.stop_reason = self.rng.choice(reasons)
        deployment.stop_note = self.rng.choice(content.STOP_NOTES[deployment.stop_reason])

    def _vary(self, plan, deployment, halves):
        """A variation of the agreement, made after it and before the work ended.

        The deployment keeps the values after it; more days were found within the
        leader's capacity (they are booked already), a later end stays in the same
        academic year, an added objective is made with the others (`_objectives`).
        """
        path, times = plan.path, plan.times
        begun = path.index(S.IN_DELIVERY) if S.IN_DELIVERY in path else path.index(S.AGREED)
        until = times[begun + 1] if begun + 1 < len(times) else self.now
        made_at = self._between(times[begun], until)[0]
        changes = set(plan.varied)
        days_before = deployment.agreed_days
        if "days" in changes:
            extra = self.rng.randint(1, max(1, halves // 4))
            if halves - extra >= 1:
                days_before = Decimal(halves - extra) / 2
            else:
                changes.discard("days")
        end_before = plan.end
        if "end" in changes:
            earliest = max(plan.start, made_at.date())
            end_before = max(plan.end - datetime.timedelta(days=self.rng.randint(7, 35)), earliest)
            if end_before >= plan.end:
                changes.discard("end")
                end_before = plan.end
        if not changes:
            changes = {"objective"}
        plan.varied = tuple(kind for kind in ("days", "end", "objective") if kind in changes)
        return Variation(
            deployment=deployment,
            reason=self.rng.choice(content.VARIATION_REASONS[plan.varied[0]]),
            made_by=self.actors.get(plan.request.alliance_id),
            created_at=made_at,
            days_before=days_before,
            days_after=deployment.agreed_days,
            start_before=plan.start,
            start_after=plan.start,
            end_before=end_before,
            end_after=plan.end,
        )

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
            for deployment in plan.deployments():
                deployment.request = plan.request
                deployments.append(deployment)
        with given_timestamps(Deployment, Objective):
            bulk_insert(Deployment, deployments)
            objectives = [
                objective
                for plan in self.request_plans
                for deployment in plan.deployments()
                for objective in self._objectives(plan, deployment)
            ]
            bulk_insert(Objective, objectives)
        variations = [plan.variation for plan in self.request_plans if plan.variation]
        bulk_insert(Variation, variations)
        return {
            "deployments": len(deployments),
            "objectives": len(objectives),
            "variations": len(variations),
        }

    def _objectives(self, plan, deployment):
        if deployment.agreed_at is None:
            return []
        texts = self.rng.sample(content.OBJECTIVES, self.rng.randint(2, 3))
        objectives = [
            Objective(
                deployment=deployment,
                description=text.format(area=area_label(self.rng.choice(plan.areas))),
                position=position,
                created_at=deployment.agreed_at,
                updated_at=deployment.agreed_at,
            )
            for position, text in enumerate(texts, start=1)
        ]
        variation = plan.variation
        if variation is None or variation.deployment is not deployment:
            return objectives
        before = [objective.description for objective in objectives]
        if "objective" in plan.varied:
            text = self.rng.choice(content.EXTRA_OBJECTIVES)
            objectives.append(
                Objective(
                    deployment=deployment,
                    description=text.format(area=area_label(self.rng.choice(plan.areas))),
                    position=len(objectives) + 1,
                    created_at=variation.created_at,
                    updated_at=variation.created_at,
                )
            )
        variation.objectives_before = "\n".join(before)
        variation.objectives_after = "\n".join(objective.description for objective in objectives)
        plan.notes.append(
            (
                variation.created_at,
                "",
                f"{deployment.leader.full_name}'s agreement was varied "
                f"({'; '.join(variation.changes())}): {variation.reason}",
            )
        )
        return objectives

    def _events(self, plan):
        """The request's timeline: one event per state change, with who acted and why, and the
        lines that change no state in their places."""
        request = plan.request
        coordinator = self.actors.get(request.alliance_id)
        coordinator_label = "" if coordinator else f"Coordinator, {request.alliance.name}"[:150]
        proposals = iter(plan.proposals)
        events, leader, deployment = [], None, None
        for i, status in enumerate(plan.path):
            before = plan.path[i - 1] if i else ""
            if status == S.PROPOSED:
                leader_plan, deployment = next(proposals)
                leader = leader_plan.leader
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
                    note=self._event_note(plan, before, status, leader, deployment),
                    created_at=plan.times[i],
                )
            )
        changes = list(events)
        for moment, who, note in plan.notes:
            status = [event.to_status for event in changes if event.created_at < moment][-1]
            events.append(
                RequestEvent(
                    request=request,
                    from_status=status,
                    to_status=status,
                    actor=None if who else coordinator,
                    actor_label=who or coordinator_label,
                    note=note,
                    created_at=moment,
                )
            )
        events.sort(key=lambda event: event.created_at)
        return events

    def _event_note(self, plan, before, status, leader, deployment):
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
        stopped_here = (before == S.AGREED and status == S.MATCHING) or (
            status == S.COMPLETED and deployment.status == D.STOPPED
        )
        if stopped_here:
            # As deployments.services.deployment_stop writes it.
            reason = Deployment.StopReason(deployment.stop_reason)
            return (
                f"{leader.full_name}'s support was stopped early after "
                f"{plain_number(deployment.days_delivered)} of "
                f"{plain_number(deployment.agreed_days)} days: {reason.label.lower()}. "
                f"{deployment.stop_note}"
            )
        return notes.get(status) or plan.request.closed_reason
