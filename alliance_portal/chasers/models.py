"""What the chasers have sent, so that each reminder goes once."""

from django.db import models
from django.utils import timezone


class ChaserSent(models.Model):
    """One reminder (or one week's digest) sent: its kind, what it was about, and to whom.

    Written in the transaction that queues its emails, so a reminder is
    recorded if and only if its emails are in the outbox; the unique key makes
    a second run, or a second copy of the job, send nothing again. It holds
    ids and dates only, no names or addresses.
    """

    class Kind(models.TextChoices):
        PROPOSAL = "proposal", "Proposal not answered"
        NOTHING_LOGGED = "nothing-logged", "Nothing logged since the start"
        IMPACT_REPORT = "impact-report", "Impact report not sent"
        EVALUATION = "evaluation", "Evaluation not returned"
        DESIGNATION_REVIEW = "designation-review", "Designation review due"
        DIGEST = "digest", "Weekly digest"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(
        help_text="The deployment or designation it was about; for a digest, the coordinator."
    )
    step = models.CharField(
        max_length=20,
        help_text="Who was told (leader, coordinators, school), the review date for a "
        "designation review, or the ISO week (2026-W49) for a digest.",
    )
    sent_on = models.DateField(help_text="The working day the job ran for.")
    emails = models.PositiveSmallIntegerField(default=0, help_text="Emails queued.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "chaser sent"
        verbose_name_plural = "chasers sent"
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id", "step"], name="chaser_sent_once"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.object_id} ({self.step}), {self.sent_on}"
