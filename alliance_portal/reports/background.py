"""Exports too big for a web request, built by the worker (`manage.py db_worker`).

A changelist's export of more than `EXPORT_IN_REQUEST_MAX_ROWS` rows is not
built in the request. `start` records an `Export` with the list's query
string and queues `tasks.build_export`; the coordinator is sent to its page,
which shows its progress and then a download link. The worker rebuilds the
same changelist for the same user (`changelist_queryset`: the alliance scope,
filters, search and ordering as the list showed them, with permissions checked
again), writes the file, and keeps it in the database in chunks, so any web
server can send it. It is private to staff of the requester's scope and
deleted `EXPORT_KEEP_HOURS` after it was asked for (`delete_expired`, run with
each new export and by `manage.py apply_retention`).
"""

import datetime
import logging
import struct
import tempfile
import uuid

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import connections, transaction
from django.http import QueryDict
from django.test import RequestFactory
from django.utils import timezone

from alliance_portal.accounts import scoping

from . import exports
from .models import Export, ExportChunk

logger = logging.getLogger(__name__)

CHUNK_BYTES = 1024 * 1024
# The build moves `rows_done` on every so many rows, for the progress bar.
PROGRESS_EVERY = 2000


def start(*, user, model, query, format, filename, rows):
    """Record an export of `rows` rows and queue it for the worker, once this commits."""
    from .tasks import build_export

    now = timezone.now()
    delete_expired(now)
    export = Export.objects.create(
        requested_by=user,
        alliance_id=scoping.alliance_id_of(user),
        model_label=model._meta.label_lower,
        query=query,
        format=format,
        filename=filename,
        rows_total=rows,
        expires_at=now + datetime.timedelta(hours=settings.EXPORT_KEEP_HOURS),
    )
    transaction.on_commit(lambda: build_export.enqueue(str(export.pk)))
    return export


def visible_exports(user):
    """The exports this staff user may follow and download: those of their own scope.

    A coordinator sees their alliance's; a superuser sees every one; other staff
    (no alliance) only their own."""
    queryset = Export.objects.all()
    if scoping.sees_everything(user):
        return queryset
    alliance_id = scoping.alliance_id_of(user)
    if alliance_id is None:
        return queryset.filter(requested_by=user)
    return queryset.filter(alliance_id=alliance_id)


def may_view(user, export):
    """Whether the user may still see the list the export was made from."""
    model = apps.get_model(export.model_label)
    model_admin = admin.site._registry.get(model)
    if model_admin is None:
        return False
    request = RequestFactory().get("/")
    request.user = user
    return model_admin.has_view_or_change_permission(request)


def changelist_queryset(export):
    """The changelist's queryset as the requester sees it now, for the export's query string."""
    model = apps.get_model(export.model_label)
    model_admin = admin.site._registry[model]
    opts = model._meta
    request = RequestFactory().get(
        f"/admin/{opts.app_label}/{opts.model_name}/", QueryDict(export.query)
    )
    request.user = export.requested_by
    return model_admin.get_export_queryset(request), model_admin.get_export_table()


def build(export_id, *, now=None):
    """Build one queued export (the worker's task). A failure marks it failed and keeps nothing."""
    claimed = Export.objects.filter(pk=export_id, status=Export.Status.QUEUED).update(
        status=Export.Status.RUNNING, progressed_at=timezone.now()
    )
    if not claimed:
        return
    export = Export.objects.select_related("requested_by").get(pk=export_id)
    try:
        if not export.requested_by.is_active:
            raise PermissionDenied
        # Refused (PermissionDenied) if they may no longer view the list.
        queryset, table = changelist_queryset(export)
        # The bar moves against the count taken when it was asked for (`rows_total`); the
        # rows written replace it at the end.
        with tempfile.TemporaryFile() as output, _Progress(export.pk, queryset) as progress:
            exports.write_export(table, queryset, export.format, output, on_row=progress)
            size = _store(export.pk, output, queryset.db)
        total = progress.done
    except Exception as error:
        logger.exception("export %s failed", export.pk)
        ExportChunk.objects.filter(export_id=export.pk).delete()
        reason = (
            "The person who asked for it may no longer see this list."
            if isinstance(error, PermissionDenied)
            else "Something went wrong."
        )
        Export.objects.filter(pk=export.pk).update(
            status=Export.Status.FAILED, error=reason, finished_at=timezone.now()
        )
        return
    Export.objects.filter(pk=export.pk).update(
        status=Export.Status.READY,
        rows_done=total,
        rows_total=total,
        size=size,
        finished_at=timezone.now(),
    )


class _Progress:
    """Moves the export's `rows_done` on every `PROGRESS_EVERY` rows, for the progress bar.

    While PostgreSQL writes the file with COPY, its connection is busy sending rows, so the
    progress goes through a second connection of its own (committed at once, so the page
    that polls sees it); elsewhere it goes through the worker's own connection."""

    def __init__(self, export_id, queryset):
        self.export_id, self.done = export_id, 0
        self.side = (
            connections[queryset.db].copy() if exports.copies_in_the_database(queryset) else None
        )

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.side is not None:
            self.side.close()

    def __call__(self, done):
        self.done = done
        if done % PROGRESS_EVERY:
            return
        now = timezone.now()
        if self.side is None:
            Export.objects.filter(pk=self.export_id).update(rows_done=done, progressed_at=now)
            return
        table, ops = Export._meta.db_table, self.side.ops
        with self.side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ops.quote_name(table)} SET rows_done = %s, progressed_at = %s "
                "WHERE id = %s",
                [done, now, self.export_id],
            )


def _store(export_id, output, using):
    """Copy the finished file into the database, a chunk at a time, all or nothing."""
    output.seek(0)
    size = 0
    with transaction.atomic(using=using):
        if connections[using].vendor == "postgresql":
            chunks = _BinaryCopy(export_id, output)
            table = connections[using].ops.quote_name(ExportChunk._meta.db_table)
            with connections[using].cursor() as cursor:
                cursor.cursor.copy_expert(
                    f"COPY {table} (export_id, position, data) FROM STDIN WITH (FORMAT binary)",
                    chunks,
                )
            return chunks.size
        position = 0
        while data := output.read(CHUNK_BYTES):
            ExportChunk.objects.using(using).create(
                export_id=export_id, position=position, data=data
            )
            position += 1
            size += len(data)
    return size


class _BinaryCopy:
    """The file's chunks as rows of COPY's binary format, read a chunk at a time: bytes go
    in as they are, where an INSERT would send each as hex text to be parsed back (0.15 s
    of a 12 MB file's 0.2 s)."""

    # The format's signature, flags and header extension; each row's field count; its end.
    HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
    TRAILER = struct.pack("!h", -1)

    def __init__(self, export_id, output):
        self.export = uuid.UUID(str(export_id)).bytes
        self.output, self.position, self.size, self.pending = output, 0, 0, self.HEADER

    def read(self, _size=-1):
        if self.pending is not None:
            pending, self.pending = self.pending, None
            return pending
        data = self.output.read(CHUNK_BYTES)
        if not data:
            self.pending = b""
            return self.TRAILER
        row = struct.pack("!hi16sii", 3, 16, self.export, 4, self.position)
        self.position += 1
        self.size += len(data)
        return row + struct.pack("!i", len(data)) + data


def file_chunks(export):
    """The finished file's bytes, one chunk (and one query) at a time."""
    positions = export.chunks.values_list("position", flat=True)
    for position in list(positions):
        yield bytes(
            ExportChunk.objects.values_list("data", flat=True).get(export=export, position=position)
        )


def has_stalled(export, now=None):
    """A build whose worker died: no progress for EXPORT_STALL_SECONDS."""
    now = now or timezone.now()
    if export.status not in (Export.Status.QUEUED, Export.Status.RUNNING):
        return False
    limit = datetime.timedelta(seconds=settings.EXPORT_STALL_SECONDS)
    return now - export.progressed_at > limit


def delete_expired(now=None):
    """Delete exports (and their files) past their keeping time; returns how many."""
    deleted, per_model = Export.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return per_model.get(Export._meta.label, 0)
