"""Deployments: a leader proposed for, agreed on and delivering a support request."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, OuterRef, Q, Subquery, Sum, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from simple_history.models import HistoricalRecords

from alliance_portal.pages.dates import validate_in_range
from alliance_portal.pages.formats import long_date, plain_number
from alliance_portal.schools.models import TimestampedModel
from requests.models import Funding


def days_held():
    """The days one committed deployment holds of its leader's capacity, as an expression.

    Agreed work holds its agreed days; work stopped early holds only the days
    it delivered, so the rest go back to the leader. Sum it over
    `Deployment.objects.committed()`: every capacity figure is this sum.
    """
    return Case(
        When(status="stopped", then=Coalesce("days_delivered", Decimal(0))),
        default=F("agreed_days"),
        output_field=models.DecimalField(max_digits=5, decimal_places=1),
    )


class DeploymentQuerySet(models.QuerySet):
    def committed(self):
        """Deployments whose days count against the leader's capacity."""
        return self.filter(status__in=Deployment.COMMITTED_STATUSES)

    def asks(self):
        """Proposals waiting for the leader's answer or for the agreement."""
        return self.filter(status__in=Deployment.ASK_STATUSES)

    def live(self):
        """Agreed work that has not ended: agreed, in delivery or paused."""
        return self.filter(status__in=Deployment.LIVE_STATUSES)

    def delivered(self):
        """Work that ended (completed or stopped) with support given: see `delivered_something`."""
        return self.filter(
            Q(days_delivered__isnull=True) | Q(days_delivered__gt=0),
            status__in=Deployment.DELIVERED_STATUSES,
        )

    def open(self):
        return self.filter(status__in=Deployment.OPEN_STATUSES)

    def days_committed(self):
        """The days these deployments hold of their leaders' capacity, in one sum."""
        return self.committed().aggregate(total=Sum(days_held()))["total"] or Decimal(0)

    def with_hours_logged(self):
        """Each deployment with `hours_logged`: the hours in its support log, 0 when none."""
        logged = (
            SupportLog.objects.filter(deployment=OuterRef("pk"))
            .values("deployment")
            .annotate(total=Sum("hours"))
            .values("total")
        )
        return self.annotate(
            hours_logged=Coalesce(
                Subquery(logged, output_field=models.DecimalField(max_digits=7, decimal_places=2)),
                Decimal(0),
            )
        )


class Deployment(TimestampedModel):
    """One leader's part in meeting one support request."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed to the leader"
        ACCEPTED = "accepted", "Accepted by the leader"
        DECLINED = "declined", "Declined by the leader"
        AGREED = "agreed", "Agreed"
        IN_DELIVERY = "in-delivery", "In delivery"
        PAUSED = "paused", "Paused"
        COMPLETED = "completed", "Completed"
        STOPPED = "stopped", "Stopped early"
        CANCELLED = "cancelled", "Cancelled"

    # The groups every page, report and rule uses; deployments.lifecycle moves between them.
    # Asked: waiting for the leader's answer or for the agreement.
    ASK_STATUSES = (Status.PROPOSED, Status.ACCEPTED)
    # Live: agreed work that has not ended.
    LIVE_STATUSES = (Status.AGREED, Status.IN_DELIVERY, Status.PAUSED)
    OPEN_STATUSES = (*ASK_STATUSES, *LIVE_STATUSES)
    # Ended with support given (or at least agreed and begun).
    DELIVERED_STATUSES = (Status.COMPLETED, Status.STOPPED)
    ENDED_STATUSES = (Status.DECLINED, *DELIVERED_STATUSES, Status.CANCELLED)
    # Holding days of the leader's capacity (a stopped one only its delivered days).
    COMMITTED_STATUSES = (*LIVE_STATUSES, *DELIVERED_STATUSES)
    # Delivery has begun (and may have ended).
    STARTED_STATUSES = (Status.IN_DELIVERY, Status.PAUSED, *DELIVERED_STATUSES)
    # The leader may log support and plan sessions.
    LOGGABLE_STATUSES = (Status.AGREED, Status.IN_DELIVERY)

    class StopReason(models.TextChoices):
        SCHOOL_ASKED = "school-asked", "The school asked to stop"
        LEADER_UNAVAILABLE = "leader-unavailable", "The leader is no longer available"
        NEEDS_CHANGED = "needs-changed", "The school's needs changed"
        NOT_WORKING = "not-working", "The support was not working"
        SCHOOL_CHANGE = "school-change", "The school closed, merged or changed trust"
        OTHER = "other", "Other"

    class DeclineReason(models.TextChoices):
        NO_CAPACITY = "no-capacity", "No capacity"
        NOT_MY_EXPERTISE = "not-my-expertise", "Not my area of expertise"
        CONFLICT_OF_INTEREST = "conflict-of-interest", "Conflict of interest"
        OTHER = "other", "Other"

    request = models.ForeignKey(
        "support_requests.SupportRequest", on_delete=models.PROTECT, related_name="deployments"
    )
    leader = models.ForeignKey(
        "leaders.Leader", on_delete=models.PROTECT, related_name="deployments"
    )
    designation = models.ForeignKey(
        "leaders.Designation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deployments",
        help_text="The designation the leader is deployed under.",
    )
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PROPOSED, db_index=True
    )
    proposed_at = models.DateTimeField(null=True, blank=True)
    answer_by = models.DateField(
        null=True, blank=True, help_text="When the coordinator needs the leader's answer by."
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=25, choices=DeclineReason.choices, blank=True)
    decline_note = models.TextField(blank=True)

    # The agreement.
    agreed_days = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    start_date = models.DateField(null=True, blank=True, validators=[validate_in_range])
    end_date = models.DateField(null=True, blank=True, validators=[validate_in_range])
    daily_rate = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True, help_text="In pounds, per day."
    )
    brokerage_fee = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="In pounds, per day: the part of the daily rate the alliance keeps.",
    )
    funding_source = models.CharField(max_length=20, choices=Funding.choices, blank=True)
    signed_by = models.CharField(max_length=255, blank=True, help_text="Who signed the agreement.")
    signed_at = models.DateTimeField(null=True, blank=True)
    agreed_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    # A pause: why, since when and when it is expected to resume.
    paused_at = models.DateTimeField(null=True, blank=True)
    pause_reason = models.TextField(blank=True)
    resume_expected = models.DateField(null=True, blank=True, validators=[validate_in_range])

    # An early stop.
    stopped_at = models.DateTimeField(null=True, blank=True)
    stop_reason = models.CharField(max_length=20, choices=StopReason.choices, blank=True)
    stop_note = models.TextField(blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    # The days the support log showed when the work ended (completed or stopped).
    days_delivered = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)

    objects = DeploymentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "leader"],
                name="deployment_leader_once_per_request",
                violation_error_message="This leader has already been proposed for this request.",
            ),
            models.CheckConstraint(
                condition=Q(agreed_days__isnull=True) | Q(agreed_days__gte=0),
                name="deployment_agreed_days_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(daily_rate__isnull=True) | Q(daily_rate__gte=0),
                name="deployment_daily_rate_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(brokerage_fee__isnull=True)
                | Q(brokerage_fee__gte=0, daily_rate__isnull=True)
                | Q(brokerage_fee__gte=0, brokerage_fee__lte=F("daily_rate")),
                name="deployment_fee_within_rate",
                violation_error_message="The brokerage fee must be between zero and the daily rate.",
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="deployment_end_after_start",
                violation_error_message="The end date must not be before the start date.",
            ),
        ]
        indexes = [
            models.Index(fields=["leader", "status"], name="deployment_leader_status_idx"),
            models.Index(fields=["created_at", "id"], name="deployment_created_idx"),
        ]

    def __str__(self):
        return f"{self.leader} for {self.request}"

    @property
    def is_ask(self):
        return self.status in self.ASK_STATUSES

    @property
    def is_live(self):
        return self.status in self.LIVE_STATUSES

    @property
    def has_ended(self):
        return self.status in self.ENDED_STATUSES

    @property
    def delivered_something(self):
        """Ended with support given. Work completed before the portal counted the days it
        delivered has none recorded (None) and counts as delivered, as it was then."""
        return self.status in self.DELIVERED_STATUSES and (
            self.days_delivered is None or self.days_delivered > 0
        )

    def hours_delivered(self):
        """The hours in the support log (from `with_hours_logged` when annotated)."""
        if hasattr(self, "hours_logged"):
            return self.hours_logged
        return self.log_entries.aggregate(total=Sum("hours"))["total"] or Decimal(0)

    def days_delivered_now(self):
        """The support logged so far, in days to one decimal place, as pages show it."""
        return days_from_hours(self.hours_delivered())

    def clean(self):
        super().clean()
        if self.designation_id and self.leader_id and self.designation.leader_id != self.leader_id:
            raise ValidationError({"designation": "Choose one of this leader's own designations."})


def days_from_hours(hours):
    """Hours of support as days, to one decimal place, so totals never contradict each other."""
    return (Decimal(hours or 0) / SupportLog.HOURS_PER_DAY).quantize(Decimal("0.1"))


class Objective(TimestampedModel):
    """One objective agreed for a deployment.

    Fixed once agreed: only a variation (deployments.lifecycle) changes the
    list, and never after the impact report. The history keeps every version.
    """

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="objectives")
    description = models.CharField(max_length=500)
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["deployment", "position", "pk"]

    def __str__(self):
        return self.description


class Variation(models.Model):
    """A change to agreed work: its days, dates or objectives, with the reason, kept for good."""

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="variations")
    reason = models.TextField(max_length=2000)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    days_before = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    days_after = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    start_before = models.DateField(null=True, blank=True)
    start_after = models.DateField(null=True, blank=True)
    end_before = models.DateField(null=True, blank=True)
    end_after = models.DateField(null=True, blank=True)
    objectives_before = models.TextField(blank=True, help_text="One objective per line.")
    objectives_after = models.TextField(blank=True, help_text="One objective per line.")

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Variation of {self.deployment}"

    def changes(self):
        """What changed, in words: ["days from 6 to 8", ...]."""
        said = []
        if self.days_before != self.days_after:
            said.append(
                f"agreed days from {plain_number(self.days_before)} to {plain_number(self.days_after)}"
            )
        if self.start_before != self.start_after:
            said.append(
                f"start date from {long_date(self.start_before)} to {long_date(self.start_after)}"
            )
        if self.end_before != self.end_after:
            said.append(
                f"end date from {long_date(self.end_before)} to {long_date(self.end_after)}"
            )
        if self.objectives_before != self.objectives_after:
            said.append("the objectives")
        return said


class Rating(models.TextChoices):
    """How far an objective was met, as the leader and the school both judge it."""

    GREEN = "green", "Green: met"
    AMBER = "amber", "Amber: partly met"
    RED = "red", "Red: not met"


class SupportLog(TimestampedModel):
    """One stretch of support a leader gave: a visit, a call, a training session."""

    class Activity(models.TextChoices):
        COACHING = "coaching", "Coaching"
        WORKING_ALONGSIDE = "working-alongside", "Working alongside staff"
        TRAINING = "training", "Training"
        DATA_ANALYSIS = "data-analysis", "Data analysis"
        ACTION_PLANNING = "action-planning", "Action planning"
        OTHER = "other", "Other"

    # A day of support, for totals against the agreed days.
    HOURS_PER_DAY = Decimal(7)
    # No single entry is longer than a long working day.
    MAX_HOURS = Decimal(12)

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="log_entries")
    date = models.DateField(validators=[validate_in_range])
    hours = models.DecimalField(max_digits=4, decimal_places=2)
    activity = models.CharField(max_length=20, choices=Activity.choices)
    notes = models.TextField(blank=True, max_length=2000)
    objectives = models.ManyToManyField(Objective, related_name="log_entries", blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = "support log entry"
        verbose_name_plural = "support log entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0, hours__lte=12),
                name="support_log_hours_sane",
                violation_error_message="An entry is more than 0 and at most 12 hours.",
            ),
        ]
        indexes = [models.Index(fields=["deployment", "date"], name="support_log_deployment_idx")]

    def __str__(self):
        return f"{self.date}: {self.get_activity_display()} ({self.hours} h)"


class PlannedSession(TimestampedModel):
    """A session the leader has arranged with the school, for their calendar."""

    deployment = models.ForeignKey(
        Deployment, on_delete=models.CASCADE, related_name="planned_sessions"
    )
    date = models.DateField(validators=[validate_in_range])
    start_time = models.TimeField(null=True, blank=True, help_text="Leave empty for all day.")
    hours = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["date", "start_time", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gt=0, hours__lte=12),
                name="planned_session_hours_sane",
                violation_error_message="A session is more than 0 and at most 12 hours.",
            ),
        ]
        indexes = [
            models.Index(fields=["deployment", "date"], name="planned_session_deployment_idx")
        ]

    def __str__(self):
        return f"{self.date}: {self.note or 'session'}"


class ImpactReport(TimestampedModel):
    """The leader's account, at the end, of what the support achieved."""

    deployment = models.OneToOneField(
        Deployment, on_delete=models.CASCADE, related_name="impact_report"
    )
    summary = models.TextField(max_length=4000)
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    def __str__(self):
        return f"Impact report: {self.deployment}"


class ObjectiveImpact(models.Model):
    """The leader's rating of one objective, with the evidence for it."""

    report = models.ForeignKey(ImpactReport, on_delete=models.CASCADE, related_name="ratings")
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="+")
    rating = models.CharField(max_length=5, choices=Rating.choices)
    evidence = models.TextField(max_length=2000)

    class Meta:
        ordering = ["objective__position", "objective_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "objective"], name="objective_impact_once_per_report"
            )
        ]

    def __str__(self):
        return f"{self.objective}: {self.get_rating_display()}"


class SchoolEvaluation(TimestampedModel):
    """The school's view of the support, sent from the private link emailed on completion."""

    class Satisfaction(models.IntegerChoices):
        VERY_DISSATISFIED = 1, "Very dissatisfied"
        DISSATISFIED = 2, "Dissatisfied"
        NEUTRAL = 3, "Neither satisfied nor dissatisfied"
        SATISFIED = 4, "Satisfied"
        VERY_SATISFIED = 5, "Very satisfied"

    class UseAgain(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        NOT_SURE = "not-sure", "Not sure"

    deployment = models.OneToOneField(
        Deployment, on_delete=models.CASCADE, related_name="school_evaluation"
    )
    satisfaction = models.PositiveSmallIntegerField(choices=Satisfaction.choices)
    would_use_again = models.CharField(max_length=8, choices=UseAgain.choices)
    comments = models.TextField(blank=True, max_length=4000)
    submitted_at = models.DateTimeField()
    submitted_by_name = models.CharField(max_length=150, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__gte=1, satisfaction__lte=5),
                name="school_evaluation_satisfaction_range",
            )
        ]

    def __str__(self):
        return f"School evaluation: {self.deployment}"


class SchoolObjectiveImpact(models.Model):
    """The school's rating of one objective."""

    evaluation = models.ForeignKey(
        SchoolEvaluation, on_delete=models.CASCADE, related_name="ratings"
    )
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="+")
    rating = models.CharField(max_length=5, choices=Rating.choices)

    class Meta:
        ordering = ["objective__position", "objective_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "objective"], name="school_impact_once_per_evaluation"
            )
        ]

    def __str__(self):
        return f"{self.objective}: {self.get_rating_display()}"
