"""The email outbox: every email the portal sends, queued first and sent afterwards."""

import datetime
from email.utils import make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import models
from django.db.models import Q
from django.utils import timezone

from alliance_portal.schools.models import TimestampedModel


def new_message_id():
    """A Message-ID fixed when the email is queued, in the portal's own domain.

    It is kept with the email, so an email sent again after a crash (the
    server took it, but the worker died before noting so) carries the same
    Message-ID, and mail programs show one email, not two.
    """
    return make_msgid(domain=urlsplit(settings.SITE_URL).hostname or "localhost")


class OutboundEmailQuerySet(models.QuerySet):
    def queued(self):
        return self.filter(status=OutboundEmail.Status.QUEUED)

    def due(self, now):
        return self.queued().filter(next_attempt_at__lte=now)


class OutboundEmail(TimestampedModel):
    """One email to one address, from queued to sent (or given up on)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (gave up)"

    # How long to wait after each failed attempt; the last delay repeats until
    # MAX_ATTEMPTS have failed, about 13 hours after the first.
    RETRY_DELAYS = (
        datetime.timedelta(minutes=1),
        datetime.timedelta(minutes=5),
        datetime.timedelta(minutes=15),
        datetime.timedelta(hours=1),
        datetime.timedelta(hours=4),
    )
    MAX_ATTEMPTS = 8

    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    topic = models.CharField(
        max_length=50, blank=True, help_text="What the email is about, e.g. request-received."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.IntegerField(default=0, help_text="Delivery attempts so far.")
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(
        max_length=255,
        default=new_message_id,
        editable=False,
        help_text="The Message-ID header; the same on every attempt.",
    )
    clear_body_once_sent = models.BooleanField(
        default=False,
        help_text="The body holds a private link (sign-in, reset, tracking or feedback): "
        "it is wiped as soon as the email is sent.",
    )

    objects = OutboundEmailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(attempts__gte=0), name="outbound_email_attempts_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="outbound_email_sent_has_sent_at",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbound_email_due_idx"),
        ]

    def __str__(self):
        return f"{self.subject} (to {self.to})"

    def to_message(self, connection=None):
        message = EmailMultiAlternatives(
            subject=self.subject,
            body=self.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[self.to],
            connection=connection,
            headers={"Message-ID": self.message_id},
        )
        if self.body_html:
            message.attach_alternative(self.body_html, "text/html")
        return message

    @classmethod
    def retry_delay(cls, attempts):
        """The wait after the given number of failed attempts."""
        return cls.RETRY_DELAYS[min(attempts, len(cls.RETRY_DELAYS)) - 1]

    CLEARED_BODY = "(Wiped once sent or given up on: this email held a private link.)"

    def record_sent(self, *, now):
        self.attempts += 1
        self.status = self.Status.SENT
        self.sent_at = now
        fields = ["attempts", "status", "sent_at", "updated_at"]
        if self.clear_body_once_sent:
            self.body_text, self.body_html = self.CLEARED_BODY, ""
            fields += ["body_text", "body_html"]
        self.save(update_fields=fields)

    def record_failure(self, *, error, now, permanent=False):
        """Note a failed attempt and schedule the next one, or give up.

        A permanent refusal (the server's 5xx) is given up at once: sending the
        same email again would be refused again.
        """
        self.attempts += 1
        self.last_error = error
        fields = ["attempts", "last_error", "status", "next_attempt_at", "updated_at"]
        if permanent or self.attempts >= self.MAX_ATTEMPTS:
            self.status = self.Status.FAILED
            if self.clear_body_once_sent:
                # Given up on: its private link goes too (the person can ask again).
                self.body_text, self.body_html = self.CLEARED_BODY, ""
                fields += ["body_text", "body_html"]
        else:
            self.next_attempt_at = now + self.retry_delay(self.attempts)
        self.save(update_fields=fields)

    @property
    def wiped(self):
        return self.body_text == self.CLEARED_BODY
