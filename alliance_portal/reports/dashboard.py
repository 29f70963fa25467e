"""The figures on the coordinators' dashboard, read through the alliance scope.

Every figure is an aggregate over `scoping.requests_for`, `deployments_for` or
`designations_for`, so a coordinator only ever counts their own alliance's
work. `dashboard_figures` runs a fixed number of queries (see
`QUERIES_PER_DASHBOARD`) whatever the number of rows: one per figure, never
one per row or per month.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DateField, Q, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone

from alliance_portal.accounts import scoping
from alliance_portal.pages import working_days as clock
from deployments.models import Deployment, days_held
from leaders.models import Designation, academic_year_bounds
from requests.models import SupportRequest

TRIAGE_WAITING_WORKING_DAYS = 5
PROPOSAL_WAITING_DAYS = 5
CHART_MONTHS = 12
# Lists on the dashboard show the oldest few; the count above them is the full number.
LIST_LIMIT = 25
# At most: two for requests, five for deployments (their counts and four lists), two for
# capacity and one for the chart.
QUERIES_PER_DASHBOARD = 10


def working_days_between(start, end):
    """Working days after `start` up to and including `end`: Friday to the next Friday is 5
    (weekends and England's bank holidays skipped, alliance_portal.pages.working_days)."""
    return clock.working_days_between(start, end)


def latest_day_older_than(working_days, today):
    """The latest date more than `working_days` working days before `today`."""
    return clock.latest_day_older_than(working_days, today)


def start_of_day(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def month_starts(today, count):
    """The first day of each of the last `count` months, oldest first, this month last."""
    year, month = today.year, today.month
    months = []
    for _ in range(count):
        months.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def next_month(day):
    return datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)


@dataclass(frozen=True)
class Scope:
    """What the dashboard counts: the user's scope, narrowed to one alliance on request."""

    requests: object
    deployments: object
    designations: object
    alliance_id: int | None = None


def scope_for(user, alliance_id=None):
    requests = scoping.requests_for(user)
    deployments = scoping.deployments_for(user)
    designations = scoping.designations_for(user)
    if alliance_id is None or not scoping.sees_everything(user):
        # A coordinator's scope is their alliance already; the filter is for superusers.
        return Scope(requests, deployments, designations)
    return Scope(
        requests.filter(alliance_id=alliance_id),
        deployments.filter(request__alliance_id=alliance_id),
        # What that alliance's coordinator sees: its own designations and national ones.
        designations.filter(Q(alliance_id=alliance_id) | Q(alliance__isnull=True)),
        alliance_id,
    )


@dataclass(frozen=True)
class StateCount:
    status: str
    label: str
    count: int
    url: str


@dataclass(frozen=True)
class WaitingRequest:
    reference: str
    school: str
    working_days: int
    url: str


@dataclass(frozen=True)
class UnansweredProposal:
    leader: str
    request: str
    days_waiting: int
    url: str


@dataclass(frozen=True)
class EndingDeployment:
    request: str
    leader: str
    status: str
    end_date: datetime.date
    url: str


@dataclass(frozen=True)
class PausedDeployment:
    request: str
    leader: str
    since: datetime.date
    resume_expected: datetime.date | None
    url: str
    overdue: bool = False  # the expected resume date has passed


@dataclass(frozen=True)
class StoppedDeployment:
    request: str
    leader: str
    stopped_on: datetime.date
    reason: str
    days_delivered: Decimal
    agreed_days: Decimal | None
    url: str


@dataclass(frozen=True)
class DesignationCapacity:
    kind: str
    label: str
    agreed_days: Decimal
    capacity_days: Decimal

    @property
    def days_left(self):
        return self.capacity_days - self.agreed_days

    @property
    def percent_used(self):
        if not self.capacity_days:
            return None
        return round(self.agreed_days * 100 / self.capacity_days)


@dataclass(frozen=True)
class MonthOfRequests:
    month: datetime.date
    counts: dict  # status value -> requests created that month now in that state

    @property
    def total(self):
        return sum(self.counts.values())


@dataclass
class DashboardFigures:
    today: datetime.date
    academic_year: tuple
    states: list = field(default_factory=list)
    waiting_count: int = 0
    open_team_count: int = 0
    waiting: list = field(default_factory=list)
    unanswered_count: int = 0
    unanswered: list = field(default_factory=list)
    ending_count: int = 0
    ending: list = field(default_factory=list)
    paused_count: int = 0
    paused: list = field(default_factory=list)
    stopped_count: int = 0
    stopped: list = field(default_factory=list)
    capacity: list = field(default_factory=list)
    months: list = field(default_factory=list)

    @property
    def request_count(self):
        return sum(state.count for state in self.states)


def _admin_url(model, action, *args, query=""):
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=args)
    return f"{url}?{query}" if query else url


def dashboard_figures(user, *, alliance_id=None, now=None):
    """Every figure on the dashboard for `user` (optionally one alliance, for a superuser)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    scope = scope_for(user, alliance_id)
    figures = DashboardFigures(today=today, academic_year=academic_year_bounds(today))
    _count_requests(figures, scope, now)
    _count_deployments(figures, scope, now)
    _compare_capacity(figures, scope)
    _count_months(figures, scope)
    return figures


def _count_requests(figures, scope, now):
    """Requests by state and those waiting for triage: two queries."""
    waiting_since = start_of_day(
        latest_day_older_than(TRIAGE_WAITING_WORKING_DAYS, figures.today)
        + datetime.timedelta(days=1)
    )
    rows = (
        scope.requests.order_by()
        .values("status")
        .annotate(
            count=Count("pk"),
            waiting=Count(
                "pk",
                filter=Q(status=SupportRequest.Status.NEW, created_at__lt=waiting_since),
            ),
            teams=Count("pk", filter=Q(leaders_wanted__gt=1)),
        )
    )
    counts, waiting = {}, 0
    for row in rows:
        counts[row["status"]] = row["count"]
        waiting += row["waiting"]
        if row["status"] not in SupportRequest.CLOSED_STATUSES:
            figures.open_team_count += row["teams"]

    alliance_query = f"&alliance__id__exact={scope.alliance_id}" if scope.alliance_id else ""
    figures.states = [
        StateCount(
            status=status.value,
            label=status.label,
            count=counts.get(status.value, 0),
            url=_admin_url(
                SupportRequest, "changelist", query=f"status__exact={status.value}{alliance_query}"
            ),
        )
        for status in SupportRequest.Status
    ]
    figures.waiting_count = waiting
    if not waiting:
        return
    oldest = (
        scope.requests.filter(status=SupportRequest.Status.NEW, created_at__lt=waiting_since)
        .select_related("school")
        .order_by("created_at", "pk")[:LIST_LIMIT]
    )
    figures.waiting = [
        WaitingRequest(
            reference=request.reference,
            school=request.school_display_name,
            working_days=working_days_between(
                timezone.localdate(request.created_at), figures.today
            ),
            url=_admin_url(SupportRequest, "change", request.pk),
        )
        for request in oldest
    ]


def _count_deployments(figures, scope, now):
    """Unanswered proposals, deployments ending this month, paused work and work stopped early
    this academic year: one query for the four counts, and one for each list not empty."""
    month_start = figures.today.replace(day=1)
    month_end = next_month(month_start) - datetime.timedelta(days=1)
    year_start, year_end = figures.academic_year
    unanswered = Q(
        status=Deployment.Status.PROPOSED,
        proposed_at__lt=now - datetime.timedelta(days=PROPOSAL_WAITING_DAYS),
    )
    ending = Q(
        status__in=Deployment.LIVE_STATUSES,
        end_date__range=(month_start, month_end),
    )
    paused = Q(status=Deployment.Status.PAUSED)
    stopped = Q(
        status=Deployment.Status.STOPPED,
        stopped_at__gte=start_of_day(year_start),
        stopped_at__lt=start_of_day(year_end + datetime.timedelta(days=1)),
    )
    totals = scope.deployments.aggregate(
        unanswered=Count("pk", filter=unanswered),
        ending=Count("pk", filter=ending),
        paused=Count("pk", filter=paused),
        stopped=Count("pk", filter=stopped),
    )
    figures.unanswered_count = totals["unanswered"]
    figures.ending_count = totals["ending"]
    figures.paused_count = totals["paused"]
    figures.stopped_count = totals["stopped"]

    def listed(condition, *order):
        return (
            scope.deployments.filter(condition)
            .select_related("leader", "request")
            .order_by(*order, "pk")[:LIST_LIMIT]
        )

    if figures.unanswered_count:
        figures.unanswered = [
            UnansweredProposal(
                leader=deployment.leader.full_name,
                request=deployment.request.reference,
                days_waiting=(now - deployment.proposed_at).days,
                url=_admin_url(Deployment, "change", deployment.pk),
            )
            for deployment in listed(unanswered, "proposed_at")
        ]
    if figures.ending_count:
        figures.ending = [
            EndingDeployment(
                request=deployment.request.reference,
                leader=deployment.leader.full_name,
                status=deployment.get_status_display(),
                end_date=deployment.end_date,
                url=_admin_url(Deployment, "change", deployment.pk),
            )
            for deployment in listed(ending, "end_date")
        ]
    if figures.paused_count:
        figures.paused = [
            PausedDeployment(
                request=deployment.request.reference,
                leader=deployment.leader.full_name,
                since=timezone.localdate(deployment.paused_at),
                resume_expected=deployment.resume_expected,
                url=_admin_url(Deployment, "change", deployment.pk),
                overdue=bool(deployment.resume_expected)
                and deployment.resume_expected < figures.today,
            )
            for deployment in listed(paused, "paused_at")
        ]
    if figures.stopped_count:
        figures.stopped = [
            StoppedDeployment(
                request=deployment.request.reference,
                leader=deployment.leader.full_name,
                stopped_on=timezone.localdate(deployment.stopped_at),
                reason=deployment.get_stop_reason_display(),
                days_delivered=deployment.days_delivered or Decimal(0),
                agreed_days=deployment.agreed_days,
                url=_admin_url(Deployment, "change", deployment.pk),
            )
            for deployment in listed(stopped, "-stopped_at")
        ]


def _compare_capacity(figures, scope):
    """Days agreed this academic year against the capacity of each designation kind: two queries."""
    agreed = dict(
        scope.deployments.committed()
        .filter(start_date__range=figures.academic_year)
        .order_by()
        .values_list("designation__kind")
        .annotate(days=Sum(days_held()))
    )
    # One active designation per leader and kind, so each leader counts once per kind.
    capacity = dict(
        scope.designations.filter(status=Designation.Status.ACTIVE)
        .order_by()
        .values_list("kind")
        .annotate(days=Sum("leader__days_per_year"))
    )
    figures.capacity = [
        DesignationCapacity(
            kind=kind.value,
            label=kind.label,
            agreed_days=agreed.get(kind.value) or Decimal(0),
            capacity_days=capacity.get(kind.value) or Decimal(0),
        )
        for kind in Designation.Kind
    ]
    if agreed.get(None):
        figures.capacity.append(
            DesignationCapacity(
                kind="",
                label="No designation recorded",
                agreed_days=agreed[None],
                capacity_days=Decimal(0),
            )
        )


def _count_months(figures, scope):
    """Requests created in each of the last months, by their state now: one query."""
    months = month_starts(figures.today, CHART_MONTHS)
    rows = (
        scope.requests.filter(created_at__gte=start_of_day(months[0]))
        .annotate(month=TruncMonth("created_at", output_field=DateField()))
        .order_by()
        .values_list("month", "status")
        .annotate(count=Count("pk"))
    )
    counts = {month: {} for month in months}
    for month, status, count in rows:
        if month in counts:
            counts[month][status] = count
    figures.months = [MonthOfRequests(month=month, counts=counts[month]) for month in months]
