"""Public content coordinators edit in the admin."""

from django.db import models

from alliance_portal.schools.models import TimestampedModel
from leaders.models import Designation

from .context_processors import role_url


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
        return role_url(self.kind)


class Submission(models.Model):
    """A final step's one-time key, claimed by the first POST that carries it.

    The key is a random value in a hidden field of the form (see
    `alliance_portal.pages.submissions`). Its row is written in the same
    transaction as what the form creates, so a second POST of the same form
    (a double click, a resend after a slow answer) finds it and shows the same
    confirmation instead of creating anything again.
    """

    kind = models.CharField(max_length=40, help_text="Which form, e.g. support-request.")
    key = models.CharField(max_length=64)
    # Who sent it: a hash of the session or the user, so only they see the confirmation again.
    owner = models.CharField(max_length=64, blank=True)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="submission_kind_key_unique"),
        ]

    def __str__(self):
        return f"{self.kind} {self.key[:8]}…"
