"""Public content coordinators edit in the admin."""

from django.db import models
from django.urls import reverse

from alliance_portal.schools.models import TimestampedModel
from leaders.models import Designation


class RolePage(TimestampedModel):
    """The public page that explains one kind of system leader."""

    kind = models.CharField(max_length=3, choices=Designation.Kind.choices, unique=True)
    summary = models.CharField(
        max_length=300, help_text="One or two sentences shown under the page heading."
    )
    who_they_are = models.TextField(help_text="Separate paragraphs with a blank line.")
    support_given = models.TextField("what support they give")
    how_deployment_runs = models.TextField("how a deployment runs")
    time_commitment = models.TextField("typical time commitment")
    designated_by = models.TextField("who designates them")

    class Meta:
        ordering = ["kind"]

    def __str__(self):
        return self.get_kind_display()

    def get_absolute_url(self):
        return reverse("pages:role", args=[self.kind.lower()])
