"""Exports built in the background (alliance_portal/reports/background.py).

An `Export` is one coordinator's request for a changelist's rows as CSV or
Excel, with the list's query string so the worker can rebuild exactly that
list for that user. The finished file is kept in the database in chunks
(`ExportChunk`), so any web server can send it without a shared disk, and is
deleted once the export expires.
"""

import uuid

from django.conf import settings
from django.db import models


class Export(models.Model):
    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for the worker"
        RUNNING = "running", "Being built"
        READY = "ready", "Ready to download"
        FAILED = "failed", "Failed"

    # The address of its pages: not guessable, and checked against the user anyway.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exports"
    )
    # The requester's alliance when they asked (empty: a superuser's, every alliance).
    # Only staff of the same scope may follow or download it.
    alliance = models.ForeignKey(
        "schools.Alliance", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The changelist exported ("support_requests.supportrequest") and its query string.
    model_label = models.CharField(max_length=100)
    query = models.TextField(blank=True)
    format = models.CharField(max_length=4, choices=Format.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    filename = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Moved on with each batch of rows: a build that stops moving has died with its worker.
    progressed_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self):
        return self.filename

    @property
    def percent(self):
        if self.status == self.Status.READY:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)


class ExportChunk(models.Model):
    """A piece of a finished export's file, in order."""

    export = models.ForeignKey(Export, on_delete=models.CASCADE, related_name="chunks")
    position = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["export", "position"], name="export_chunk_position")
        ]

    def __str__(self):
        return f"{self.export_id} #{self.position}"
