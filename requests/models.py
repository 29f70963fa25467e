"""Support requests from schools and how they move through brokerage."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from alliance_portal.pages.dates import validate_in_range
from alliance_portal.schools.models import TimestampedModel
from leaders.models import Designation


class Funding(models.TextChoices):
    SCHOOL_BUDGET = "school-budget", "The school's own budget"
    GRANT = "grant", "A grant (for example a school-to-school support fund)"
    LOCAL_AUTHORITY = "local-authority", "The local authority"
    TRUST = "trust", "The trust"
    NOT_KNOWN = "not-known", "Not known yet"


class ReferenceSequence(models.Model):
    """The last request number issued in a year, so references never repeat."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last_number}"

    @classmethod
    def next_reference(cls, year):
        """Issue the next reference for a year, e.g. SR-2026-00042.

        Locks the year's row so two submissions never get the same number.
        """
        with transaction.atomic():
            cls.objects.get_or_create(year=year)
            sequence = cls.objects.select_for_update().get(year=year)
            sequence.last_number += 1
            sequence.save(update_fields=["last_number"])
        return SupportRequest.format_reference(year, sequence.last_number)


class SupportRequestQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status__in=SupportRequest.CLOSED_STATUSES)

    def for_alliance(self, alliance):
        return self.filter(alliance=alliance)


class SupportRequest(TimestampedModel):
    """A school's request for help, from submission to evaluation or closure."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        TRIAGED = "triaged", "Triaged"
        MATCHING = "matching", "Finding a leader"
        PROPOSED = "proposed", "Proposed to a leader"
        AGREED = "agreed", "Agreed"
        IN_DELIVERY = "in-delivery", "In delivery"
        COMPLETED = "completed", "Completed"
        EVALUATED = "evaluated", "Evaluated"
        WITHDRAWN = "withdrawn", "Withdrawn by the school"
        DECLINED = "declined", "Declined by the alliance"
        NO_MATCH = "no-match", "No match found"
        LAPSED = "lapsed", "Lapsed"

    CLOSED_STATUSES = (
        Status.EVALUATED,
        Status.WITHDRAWN,
        Status.DECLINED,
        Status.NO_MATCH,
        Status.LAPSED,
    )

    class Source(models.TextChoices):
        SCHOOL = "school", "The school itself"
        LOCAL_AUTHORITY = "local-authority", "A local authority referral"
        TRUST = "trust", "A trust referral"
        REGIONAL_DIRECTOR = "regional-director", "A regional director referral"

    class DesignationSought(models.TextChoices):
        NLE = Designation.Kind.NLE.value, Designation.Kind.NLE.label
        LLE = Designation.Kind.LLE.value, Designation.Kind.LLE.label
        SLE = Designation.Kind.SLE.value, Designation.Kind.SLE.label
        NLG = Designation.Kind.NLG.value, Designation.Kind.NLG.label
        LSG = Designation.Kind.LSG.value, Designation.Kind.LSG.label
        NOT_SURE = "not-sure", "Not sure"

    reference = models.CharField(max_length=16, unique=True, editable=False)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.NEW, db_index=True
    )
    status_changed_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.SCHOOL)

    # Who is asking. A school missing from the register is entered by hand
    # (school stays empty) and the coordinator sees it flagged.
    school = models.ForeignKey(
        "schools.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_requests",
    )
    school_name_given = models.CharField(
        "school name (not in the register)", max_length=255, blank=True
    )
    school_postcode_given = models.CharField(
        "school postcode (not in the register)", max_length=10, blank=True
    )
    alliance = models.ForeignKey(
        "schools.Alliance", on_delete=models.PROTECT, related_name="support_requests"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        help_text="The coordinator who looks after this request. Change it with “Assign”, "
        "which puts the change on the timeline.",
    )
    routed_to_default = models.BooleanField(
        default=False,
        help_text="No alliance serves the school's local authority; sent to the default one.",
    )
    contact_name = models.CharField(max_length=150)
    contact_role = models.CharField(max_length=150, blank=True)
    contact_email = models.EmailField()
    contact_phone = models.CharField(max_length=30, blank=True)

    # The need.
    areas_of_expertise = models.ManyToManyField(
        "leaders.AreaOfExpertise", related_name="support_requests", blank=True
    )
    designation_sought = models.CharField(
        max_length=10, choices=DesignationSought.choices, default=DesignationSought.NOT_SURE
    )
    in_ofsted_category = models.BooleanField(
        "in an Ofsted category", default=False, help_text="Special measures or serious weaknesses."
    )
    new_headteacher = models.BooleanField(default=False)
    facing_closure = models.BooleanField("facing closure or amalgamation", default=False)
    below_floor_standards = models.BooleanField(default=False)
    other_circumstances = models.TextField(blank=True, max_length=2000)
    outcomes_sought = models.TextField(max_length=4000)
    preferred_start = models.DateField(null=True, blank=True, validators=[validate_in_range])
    timing_notes = models.CharField(max_length=255, blank=True)
    estimated_days = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    funding = models.CharField(max_length=20, choices=Funding.choices, default=Funding.NOT_KNOWN)
    funding_notes = models.CharField(max_length=255, blank=True)
    leaders_wanted = models.PositiveSmallIntegerField(
        "leaders needed",
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
        help_text="How many leaders the support needs at once, such as 3 for an NLE with two "
        "SLEs. Other asks are withdrawn once this many are agreed.",
    )

    privacy_consent_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.TextField(blank=True)
    anonymised_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the people's details were removed (retention or erasure).",
    )

    objects = SupportRequestQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["status_changed_at"])

    class Meta:
        # Newest first; the index serves that order (read backwards) for long lists.
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(estimated_days__isnull=True) | Q(estimated_days__gte=0),
                name="request_estimated_days_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(leaders_wanted__gte=1, leaders_wanted__lte=6),
                name="request_leaders_wanted_sane",
                violation_error_message="A request needs from 1 to 6 leaders.",
            ),
            models.CheckConstraint(
                condition=Q(school__isnull=False) | ~Q(school_name_given=""),
                name="request_has_school",
                violation_error_message="Choose a school from the register or give its name.",
            ),
        ]
        indexes = [
            models.Index(fields=["alliance", "status"], name="request_alliance_status_idx"),
            models.Index(fields=["owner", "status"], name="request_owner_status_idx"),
            models.Index(fields=["created_at", "id"], name="request_created_idx"),
        ]

    def __str__(self):
        return self.reference

    @staticmethod
    def format_reference(year, number):
        return f"SR-{year}-{number:05d}"

    def save(self, *args, **kwargs):
        if not self.reference:
            year = (self.created_at or timezone.now()).year
            self.reference = ReferenceSequence.next_reference(year)
        super().save(*args, **kwargs)

    @property
    def school_display_name(self):
        return self.school.name if self.school_id else self.school_name_given

    @property
    def is_closed(self):
        return self.status in self.CLOSED_STATUSES

    @property
    def status_for_school(self):
        """The state in plain words, for the school's tracking page and emails."""
        return SCHOOL_STATUS_TEXT[self.status]


SCHOOL_STATUS_TEXT = {
    SupportRequest.Status.NEW: "We have your request. A coordinator will read it soon.",
    SupportRequest.Status.TRIAGED: "A coordinator has read your request and confirmed what you need.",
    SupportRequest.Status.MATCHING: "We are looking for the right leader to support your school.",
    SupportRequest.Status.PROPOSED: "We have asked a leader to support your school and are waiting for their answer.",
    SupportRequest.Status.AGREED: "A leader has agreed to support your school.",
    SupportRequest.Status.IN_DELIVERY: "The support is under way.",
    SupportRequest.Status.COMPLETED: "The support has finished. We will ask you how it went.",
    SupportRequest.Status.EVALUATED: "The support has finished and you have told us how it went. Thank you.",
    SupportRequest.Status.WITHDRAWN: "You withdrew this request.",
    SupportRequest.Status.DECLINED: "The alliance could not take this request on.",
    SupportRequest.Status.NO_MATCH: "We could not find a leader who was free to help this time.",
    SupportRequest.Status.LAPSED: "This request was closed because we did not hear back.",
}


class RequestEvent(models.Model):
    """One line of a request's timeline: a change of state, who made it, and why."""

    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, choices=SupportRequest.Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=SupportRequest.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(
        max_length=150, blank=True, help_text="Who acted when it was not a signed-in user."
    )
    note = models.TextField(blank=True)
    shown_to_leader = models.BooleanField(
        default=False, help_text="A coordinator's note the request's leaders see on their page."
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        # Without the request: a list of events would read it once per line.
        if self.is_note:
            return f"Note of {self.created_at:%d %b %Y}"
        return f"{self.get_to_status_display()} on {self.created_at:%d %b %Y}"

    @property
    def is_note(self):
        """A line that changed no state: a coordinator's note, or a deployment's own move."""
        return bool(self.from_status) and self.from_status == self.to_status
