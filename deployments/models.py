"""Deployments: a leader proposed for, agreed on and delivering a support request."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from alliance_portal.schools.models import TimestampedModel
from requests.models import Funding


class DeploymentQuerySet(models.QuerySet):
    def committed(self):
        """Deployments whose agreed days count against the leader's capacity."""
        return self.filter(status__in=Deployment.COMMITTED_STATUSES)


class Deployment(TimestampedModel):
    """One leader's part in meeting one support request."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed to the leader"
        DECLINED = "declined", "Declined by the leader"
        AGREED = "agreed", "Agreed"
        IN_DELIVERY = "in-delivery", "In delivery"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    COMMITTED_STATUSES = (Status.AGREED, Status.IN_DELIVERY, Status.COMPLETED)

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
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=25, choices=DeclineReason.choices, blank=True)
    decline_note = models.TextField(blank=True)

    # The agreement.
    agreed_days = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
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
    completed_at = models.DateTimeField(null=True, blank=True)

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

    def clean(self):
        super().clean()
        if self.designation_id and self.leader_id and self.designation.leader_id != self.leader_id:
            raise ValidationError({"designation": "Choose one of this leader's own designations."})


class Objective(TimestampedModel):
    """One objective agreed for a deployment."""

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="objectives")
    description = models.CharField(max_length=500)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["deployment", "position", "pk"]

    def __str__(self):
        return self.description
