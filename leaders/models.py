"""System leaders, their designations and what they are expert in."""

import datetime

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.models import HistoricalRecords

from alliance_portal.pages.dates import validate_in_range, within_range
from alliance_portal.schools.models import TimestampedModel


def academic_year_bounds(day):
    """The first and last day of the English academic year (1 September to 31 August).

    A day outside the range the portal stores counts as the range's nearest end, so a
    date saved before that range was enforced never overflows here.
    """
    day = within_range(day)
    start_year = day.year if day.month >= 9 else day.year - 1
    return datetime.date(start_year, 9, 1), datetime.date(start_year + 1, 8, 31)


class AreaOfExpertise(models.Model):
    """One entry of the taxonomy leaders and requests are matched on."""

    class Group(models.TextChoices):
        LEADERSHIP = "leadership", "Leadership"
        PUPIL_ACHIEVEMENT = "pupil-achievement", "Pupil achievement and subjects"
        BEHAVIOUR_SAFETY = "behaviour-safety", "Behaviour and safety"

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    group = models.CharField(max_length=30, choices=Group.choices)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["group", "position", "name"]
        verbose_name_plural = "areas of expertise"

    def __str__(self):
        return self.name


class LeaderQuerySet(models.QuerySet):
    def with_active_designation(self):
        return self.filter(designations__status=Designation.Status.ACTIVE).distinct()

    def public(self):
        return self.filter(public_profile_consent=True)


class Leader(TimestampedModel):
    """A serving practitioner who supports other schools."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leader",
        help_text="The login, once the leader has been invited.",
    )
    managing_alliance = models.ForeignKey(
        "schools.Alliance",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_leaders",
        help_text=(
            "The alliance whose coordinators keep this leader's record. Empty for a record "
            "only an administrator changes. A leader holding a national designation (NLE, "
            "NLG) is changed only by an administrator, whoever manages them."
        ),
    )
    full_name = models.CharField(max_length=150)
    email = models.EmailField()
    phone = models.CharField(max_length=30, blank=True)
    job_title = models.CharField(max_length=150, blank=True)
    home_school = models.ForeignKey(
        "schools.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leaders",
        help_text="The school the leader works at; never deployed to it.",
    )
    areas_of_expertise = models.ManyToManyField(AreaOfExpertise, related_name="leaders", blank=True)
    phases = models.ManyToManyField(
        "schools.Phase", related_name="leaders", blank=True, help_text="Phases they support."
    )
    days_per_year = models.DecimalField(
        "days available per academic year",
        max_digits=5,
        decimal_places=1,
        default=0,
        help_text="Capacity for deployments in one academic year, in days.",
    )
    public_profile_consent = models.BooleanField(
        "show in the public directory",
        default=False,
        help_text="The leader agreed to a public profile with their name, school and bio.",
    )
    bio = models.TextField(blank=True, max_length=2000)
    # What a directory search matches, kept by leaders.search (PostgreSQL only; indexed).
    search_document = SearchVectorField(null=True, editable=False)
    anonymised_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the leader's details were removed (retention or erasure).",
    )
    calendar_token_hash = models.CharField(
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text=(
            "The SHA-256 of the secret in the leader's private calendar link; empty until they "
            "ask for one. The secret itself is shown to the leader once and never stored."
        ),
    )

    objects = LeaderQuerySet.as_manager()
    # Even the calendar secret's hash stays out of the audit history.
    history = HistoricalRecords(excluded_fields=["calendar_token_hash", "search_document"])

    class Meta:
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="leader_email_ci_unique"),
            models.CheckConstraint(
                condition=Q(days_per_year__gte=0), name="leader_days_per_year_not_negative"
            ),
        ]
        # Lists in name order (the directory, the admin) read this index and stop early.
        indexes = [models.Index(fields=["full_name", "id"], name="leader_name_idx")]

    def __str__(self):
        return self.full_name


class DeclaredConflict(TimestampedModel):
    """A school or trust a leader must not be deployed to."""

    leader = models.ForeignKey(Leader, on_delete=models.CASCADE, related_name="conflicts")
    school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    trust = models.ForeignKey(
        "schools.Trust", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(school__isnull=False, trust__isnull=True)
                    | Q(school__isnull=True, trust__isnull=False)
                ),
                name="conflict_school_xor_trust",
                violation_error_message="Choose a school or a trust, not both.",
            ),
            models.UniqueConstraint(fields=["leader", "school"], name="conflict_unique_school"),
            models.UniqueConstraint(fields=["leader", "trust"], name="conflict_unique_trust"),
        ]

    def __str__(self):
        return f"{self.leader}: {self.school or self.trust}"


class Designation(TimestampedModel):
    """A leader's badge: which kind, who gave it, and whether it is in force."""

    class Kind(models.TextChoices):
        NLE = "NLE", "National Leader of Education"
        LLE = "LLE", "Local Leader of Education"
        SLE = "SLE", "Specialist Leader of Education"
        NLG = "NLG", "National Leader of Governance"
        LSG = "LSG", "Local Support Governor"

    NATIONAL_KINDS = (Kind.NLE, Kind.NLG)

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the leader to confirm"
        REFUSED = "refused", "Refused by the leader"
        ACTIVE = "active", "Active"
        LAPSED = "lapsed", "Lapsed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    # An alliance's designation the leader never accepted: it gives the alliance no
    # sight of the leader and no use of them, and only the leader moves it on.
    UNCONFIRMED_STATUSES = (Status.PENDING, Status.REFUSED)

    leader = models.ForeignKey(Leader, on_delete=models.CASCADE, related_name="designations")
    kind = models.CharField(max_length=3, choices=Kind.choices)
    alliance = models.ForeignKey(
        "schools.Alliance",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="designations",
        help_text="The designating alliance. Leave empty for a national designation (NLE, NLG).",
    )
    designated_on = models.DateField(validators=[validate_in_range])
    review_due_on = models.DateField(null=True, blank=True, validators=[validate_in_range])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    national_support_school = models.ForeignKey(
        "schools.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="NLE only: the school that becomes a National Support School.",
    )
    notes = models.TextField(blank=True)
    application = models.ForeignKey(
        "LeaderApplication",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="designations",
        help_text="The application from the public site this designation came from, if any.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["leader__full_name", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["leader", "kind"],
                condition=Q(status="active"),
                name="designation_one_active_per_kind",
                violation_error_message="This leader already holds an active designation of this kind.",
            ),
            models.UniqueConstraint(
                fields=["leader", "kind"],
                condition=Q(status="pending"),
                name="designation_one_pending_per_kind",
                violation_error_message="This leader is already asked to confirm a designation of this kind.",
            ),
            models.CheckConstraint(
                condition=Q(review_due_on__isnull=True) | Q(review_due_on__gt=F("designated_on")),
                name="designation_review_after_designation",
                violation_error_message="The review date must be after the designation date.",
            ),
            models.CheckConstraint(
                condition=Q(national_support_school__isnull=True) | Q(kind="NLE"),
                name="designation_nss_only_for_nle",
                violation_error_message="Only an NLE has a national support school.",
            ),
        ]
        indexes = [models.Index(fields=["status", "kind"], name="designation_status_kind_idx")]

    def __str__(self):
        return f"{self.kind} {self.leader}"

    def clean(self):
        super().clean()
        if self.kind in self.NATIONAL_KINDS and self.alliance_id:
            raise ValidationError({"alliance": f"An {self.kind} is designated nationally."})
        if self.kind not in self.NATIONAL_KINDS and not self.alliance_id:
            raise ValidationError({"alliance": "Choose the alliance that designated this leader."})

    @property
    def designating_body(self):
        return self.alliance.name if self.alliance_id else "National"

    def review_overdue(self, today=None):
        """True for an active designation whose review date has passed."""
        today = today or timezone.localdate()
        return (
            self.status == self.Status.ACTIVE
            and self.review_due_on is not None
            and self.review_due_on < today
        )


class LeaderApplicationQuerySet(models.QuerySet):
    def for_alliance(self, alliance):
        return self.filter(alliance=alliance)

    def awaiting_decision(self):
        return self.filter(status=LeaderApplication.Status.NEW)


class LeaderApplication(TimestampedModel):
    """An expression of interest in becoming a system leader, sent from the public site.

    It goes to the alliance that serves the applicant's school, where a
    coordinator reviews it. Approving or rejecting it records who and when.
    """

    class Status(models.TextChoices):
        NEW = "new", "New"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    DECIDED_STATUSES = (Status.APPROVED, Status.REJECTED)

    # The applicant.
    full_name = models.CharField(max_length=150)
    email = models.EmailField()
    phone = models.CharField(max_length=30, blank=True)
    current_role = models.CharField(max_length=150)

    # Their school: from the register, or typed in by hand when it is not there.
    home_school = models.ForeignKey(
        "schools.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leader_applications",
    )
    school_name_given = models.CharField(
        "school name (not in the register)", max_length=255, blank=True
    )
    alliance = models.ForeignKey(
        "schools.Alliance", on_delete=models.PROTECT, related_name="leader_applications"
    )
    routed_to_default = models.BooleanField(
        default=False,
        help_text="No alliance serves the school's local authority; sent to the default one.",
    )

    # What they offer.
    designation_sought = models.CharField(max_length=3, choices=Designation.Kind.choices)
    areas_of_expertise = models.ManyToManyField(
        AreaOfExpertise, related_name="leader_applications", blank=True
    )
    phases = models.ManyToManyField("schools.Phase", related_name="leader_applications", blank=True)
    statement = models.TextField(
        max_length=4000, help_text="Why they want the role and what they would bring."
    )
    experience = models.TextField(
        "leadership experience",
        max_length=2000,
        blank=True,
        help_text="For example, years in their role, as a headteacher or as a chair.",
    )

    # An SLE's headteacher must agree to release them.
    head_agrees_to_release = models.BooleanField("headteacher agrees to release", default=False)
    head_name = models.CharField("headteacher's name", max_length=150, blank=True)
    head_email = models.EmailField("headteacher's email", blank=True)

    # The alliance's decision.
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.NEW, db_index=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_note = models.TextField(blank=True)

    privacy_consent_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the applicant's details were removed (retention or erasure).",
    )

    objects = LeaderApplicationQuerySet.as_manager()

    class Meta:
        # Newest first, as coordinators work through the queue.
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(home_school__isnull=False) | ~Q(school_name_given=""),
                name="leader_application_has_school",
                violation_error_message="Choose a school from the register or give its name.",
            ),
            models.CheckConstraint(
                condition=~Q(designation_sought=Designation.Kind.SLE)
                | (Q(head_agrees_to_release=True) & ~Q(head_name="") & ~Q(head_email="")),
                name="leader_application_sle_head_agrees",
                violation_error_message=(
                    "An SLE application needs the headteacher's name, email and agreement "
                    "to release them."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status="new", decided_at__isnull=True, decided_by__isnull=True)
                | Q(status__in=["approved", "rejected"], decided_at__isnull=False),
                name="leader_application_decision_recorded",
                violation_error_message="A decided application needs the date it was decided.",
            ),
        ]
        indexes = [
            models.Index(fields=["alliance", "status"], name="leader_app_alliance_status_idx"),
            models.Index(fields=["created_at", "id"], name="leader_app_created_idx"),
        ]

    def __str__(self):
        return f"{self.full_name}: {self.designation_sought} application"

    @property
    def school_display_name(self):
        return self.home_school.name if self.home_school_id else self.school_name_given

    @property
    def is_national_designation(self):
        """NLEs and NLGs are designated nationally: the alliance can only support the application."""
        return self.designation_sought in Designation.NATIONAL_KINDS
