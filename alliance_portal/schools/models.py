"""Alliances and the national schools register (GIAS) they serve."""

import math

from django.conf import settings
from django.db import models
from django.db.models import Q


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class LocalAuthority(models.Model):
    """A local authority as the register names it, e.g. 202 Camden."""

    code = models.PositiveSmallIntegerField(unique=True, help_text="The register's LA code.")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "local authorities"

    def __str__(self):
        return f"{self.name} ({self.code})"


class Trust(models.Model):
    """A multi-academy trust or other group of schools from the register."""

    code = models.PositiveIntegerField(unique=True, help_text="The register's trust code.")
    name = models.CharField(max_length=255)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Phase(models.Model):
    """A phase or setting of education: how schools and leaders are matched.

    The rows come from a data migration; `code` is what code refers to.
    """

    class Code(models.TextChoices):
        NURSERY = "nursery", "Nursery"
        PRIMARY = "primary", "Primary"
        MIDDLE = "middle", "Middle"
        SECONDARY = "secondary", "Secondary"
        ALL_THROUGH = "all-through", "All-through"
        SIXTEEN_PLUS = "16-plus", "16 plus"
        SPECIAL = "special", "Special"
        ALTERNATIVE_PROVISION = (
            "alternative-provision",
            "Pupil referral unit or alternative provision",
        )

    code = models.SlugField(max_length=30, unique=True, choices=Code.choices)
    name = models.CharField(max_length=60)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return self.name


class Alliance(TimestampedModel):
    """A teaching school alliance, hub or network that brokers support."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    contact_email = models.EmailField()
    contact_phone = models.CharField(max_length=30, blank=True)
    website = models.URLField(blank=True)
    local_authorities = models.ManyToManyField(
        LocalAuthority,
        related_name="alliances",
        blank=True,
        help_text="Requests from schools in these local authorities come to this alliance.",
    )
    is_default = models.BooleanField(
        "default alliance",
        default=False,
        help_text=(
            "Receives requests from schools no alliance covers; they are flagged for a "
            "coordinator. At most one alliance is the default."
        ),
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="alliance_single_default",
            ),
        ]

    def __str__(self):
        return self.name

    def notification_emails(self):
        """Where news for the alliance goes: its active coordinators, or its own address."""
        coordinators = list(
            self.coordinators.filter(is_active=True).values_list("email", flat=True)
        )
        return coordinators or [self.contact_email]


def is_urn(term):
    """Whether a search term is a URN: digits 0 to 9 only (`str.isdigit` also takes
    superscripts such as "²", which `int` refuses)."""
    return term.isascii() and term.isdigit()


class SchoolQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status=School.Status.CLOSED)

    def search(self, term):
        """Match a URN exactly, or a name or postcode in part, or a name in part followed
        by its place after a comma ("Primrose Hill Primary School, Camden", as the search
        box suggests it), the place being the school's town or local authority."""
        term = (term or "").strip()
        if not term:
            return self
        if is_urn(term):
            return self.filter(urn=int(term))
        matches = Q(name__icontains=term) | Q(postcode__istartswith=term)
        name, comma, place = (part.strip() for part in term.rpartition(","))
        if comma and name and place:
            matches |= Q(name__icontains=name) & (
                Q(town__iexact=place) | Q(local_authority__name__iexact=place)
            )
        return self.filter(matches)


class School(TimestampedModel):
    """An establishment from the national register, keyed by its URN."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        PROPOSED_TO_CLOSE = "proposed-to-close", "Open, but proposed to close"
        PROPOSED_TO_OPEN = "proposed-to-open", "Proposed to open"

    urn = models.PositiveIntegerField("URN", unique=True, help_text="Unique reference number.")
    name = models.CharField(max_length=255, db_index=True)
    establishment_type = models.CharField("type", max_length=120, blank=True)
    type_group = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    phase = models.ForeignKey(
        Phase, on_delete=models.PROTECT, null=True, blank=True, related_name="schools"
    )
    statutory_low_age = models.PositiveSmallIntegerField(null=True, blank=True)
    statutory_high_age = models.PositiveSmallIntegerField(null=True, blank=True)
    local_authority = models.ForeignKey(
        LocalAuthority, on_delete=models.PROTECT, null=True, blank=True, related_name="schools"
    )
    region = models.CharField(max_length=60, blank=True, db_index=True)
    district = models.CharField(max_length=100, blank=True)
    trust = models.ForeignKey(
        Trust, on_delete=models.PROTECT, null=True, blank=True, related_name="schools"
    )
    street = models.CharField(max_length=255, blank=True)
    locality = models.CharField(max_length=255, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True, db_index=True)
    telephone = models.CharField(max_length=30, blank=True)
    website = models.CharField(max_length=255, blank=True)
    head_name = models.CharField("headteacher", max_length=200, blank=True)
    pupil_count = models.PositiveIntegerField(null=True, blank=True)
    ofsted_rating = models.CharField(max_length=60, blank=True)
    ofsted_last_inspection = models.DateField(null=True, blank=True)
    easting = models.PositiveIntegerField(null=True, blank=True)
    northing = models.PositiveIntegerField(null=True, blank=True)
    open_date = models.DateField(null=True, blank=True)
    close_date = models.DateField(null=True, blank=True)
    imported_at = models.DateTimeField(
        null=True, blank=True, help_text="When the register import last wrote this school."
    )

    objects = SchoolQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(urn__gt=0), name="school_urn_positive"),
        ]

    def __str__(self):
        return f"{self.name} ({self.urn})"

    @property
    def address(self):
        return ", ".join(p for p in (self.street, self.locality, self.town, self.postcode) if p)

    @property
    def age_range(self):
        if self.statutory_low_age is None or self.statutory_high_age is None:
            return ""
        return f"{self.statutory_low_age} to {self.statutory_high_age}"

    def distance_km(self, other):
        """Straight-line distance to another school from grid references, or None."""
        if None in (self.easting, self.northing, other.easting, other.northing):
            return None
        return math.hypot(self.easting - other.easting, self.northing - other.northing) / 1000


class SchoolChangeQuerySet(models.QuerySet):
    def waiting(self):
        return self.filter(acknowledged_at__isnull=True)


class SchoolChange(TimestampedModel):
    """A school an alliance works with closed or moved local authority in a register import.

    The import writes one for each alliance with open support requests at the
    school or leaders working there, with how many of each it had; the
    alliance's coordinators see it in the admin and acknowledge it once they
    have dealt with it (a closed school's requests may need a new school, a
    move may take them outside the alliance's area).
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="changes")
    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="school_changes")
    closed = models.BooleanField(
        default=False, help_text="The register now lists the school as closed."
    )
    previous_local_authority = models.ForeignKey(
        LocalAuthority, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    local_authority = models.ForeignKey(
        LocalAuthority,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The school's new local authority, when it moved.",
    )
    open_requests = models.PositiveIntegerField(
        default=0, help_text="The alliance's open support requests from the school, then."
    )
    leaders = models.PositiveIntegerField(
        default=0, help_text="The alliance's leaders working at the school, then."
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = SchoolChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed=True) | Q(local_authority__isnull=False),
                name="school_change_says_what_changed",
            ),
        ]
        indexes = [
            models.Index(fields=["alliance", "acknowledged_at"], name="school_change_waiting_idx")
        ]

    def __str__(self):
        return f"{self.school}: {self.description}"

    @property
    def moved(self):
        return self.local_authority_id is not None

    @property
    def description(self):
        """'Closed', 'Moved from Camden (202) to Cumbria (909)' or both."""
        parts = ["Closed"] if self.closed else []
        if self.moved:
            before = self.previous_local_authority or "no local authority"
            parts.append(f"moved from {before} to {self.local_authority}")
        text = "; ".join(parts)
        return text[:1].upper() + text[1:]
