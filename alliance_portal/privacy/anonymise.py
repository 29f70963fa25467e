"""Remove people's details from the record while keeping what the reports count.

One anonymiser serves every path: the scheduled retention (`apply_retention`,
records closed more than `RETENTION_YEARS` ago) and the erasure of one person
on request (`erase_person`). What it removes, it removes everywhere a copy
lives: the record itself, its change history (django-simple-history), its
timeline, the admin's log of changes and the outbox.

What stays: states, dates, schools (public register data), areas of expertise,
days agreed and delivered, ratings, counts. So every figure on the dashboard
and in the exports is the same before and after.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from alliance_portal.accounts.models import User
from alliance_portal.notifications.models import OutboundEmail
from alliance_portal.pages.models import Submission
from alliance_portal.reports.models import Export
from alliance_portal.reports.snapshots import figures_changed
from deployments.models import (
    Deployment,
    ImpactReport,
    ObjectiveImpact,
    PlannedSession,
    SchoolEvaluation,
    SupportLog,
)
from leaders.directory import directory_changed
from leaders.models import DeclaredConflict, Designation, Leader, LeaderApplication
from requests.models import RequestEvent, SupportRequest
from requests.tracking import FINAL_STATUSES

REMOVED = "Removed"
REMOVED_TEXT = "(Removed: the record is past its retention period or was erased on request.)"
OPEN_DEPLOYMENT_STATUSES = Deployment.OPEN_STATUSES


def removed_email(kind, pk):
    """An address that cannot receive mail (.invalid is reserved) and is unique per row."""
    return f"removed-{kind}-{pk}@anonymised.invalid"


@dataclass
class Summary:
    requests: list = field(default_factory=list)
    leaders: list = field(default_factory=list)
    applications: int = 0
    logins: int = 0
    emails: int = 0
    tasks: int = 0
    sessions: int = 0
    submission_keys: int = 0
    exports: int = 0
    # Erasure: every kept export file, as any may hold the person's details.
    export_files: int = 0

    def lines(self):
        return [
            f"requests anonymised: {len(self.requests)}",
            f"leaders anonymised: {len(self.leaders)}",
            f"leader applications anonymised: {self.applications}",
            f"logins anonymised: {self.logins}",
            f"emails deleted from the outbox: {self.emails}",
            f"finished worker tasks deleted: {self.tasks}",
            f"expired sessions deleted: {self.sessions}",
            f"used submission keys deleted: {self.submission_keys}",
            f"expired exports deleted: {self.exports}",
            f"export files deleted (any may hold the details): {self.export_files}",
        ]


class OpenRecords(Exception):
    """The person still has work under way; the details are needed until it ends."""

    def __init__(self, reasons):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def _rename_in_admin_log(model, pk, text):
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=str(pk)
    ).update(object_repr=text[:200])


def _replace_in_admin_log(old, new):
    """The admin's log names objects as they were called at the time ("Jo Bloggs for
    SR-2026-00001", "SLE Jo Bloggs"), in its object names and its change messages."""
    if not old:
        return
    pattern = re.compile(re.escape(old), re.IGNORECASE)
    entries = LogEntry.objects.filter(
        Q(object_repr__icontains=old) | Q(change_message__icontains=old)
    )
    for entry in entries:
        LogEntry.objects.filter(pk=entry.pk).update(
            object_repr=pattern.sub(new, entry.object_repr)[:200],
            change_message=pattern.sub(new, entry.change_message),
        )


def _delete_emails(condition):
    deleted, _ = OutboundEmail.objects.filter(condition).delete()
    return deleted


# Requests and everything hanging off them.


def anonymise_request(support_request, *, now):
    """Remove the contact and every free text about people from one request."""
    pk, reference = support_request.pk, support_request.reference
    email = support_request.contact_email
    name = support_request.contact_name
    person = {
        "contact_name": REMOVED,
        "contact_role": "",
        "contact_email": removed_email("contact", pk),
        "contact_phone": "",
        "other_circumstances": "",
        "outcomes_sought": REMOVED_TEXT,
        "timing_notes": "",
        "funding_notes": "",
        "closed_reason": "",
    }
    SupportRequest.objects.filter(pk=pk).update(**person, anonymised_at=now)
    SupportRequest.history.filter(id=pk).update(**person, anonymised_at=now)
    events = RequestEvent.objects.filter(request_id=pk)
    events.update(note="")
    # The school's own entries were labelled with the contact's name.
    events.filter(actor__isnull=True).exclude(actor_label="").exclude(
        actor_label__startswith="Portal"
    ).update(actor_label="The school")
    deployments = Deployment.objects.filter(request_id=pk)
    deployment_text = {"decline_note": ""}
    deployments.update(**deployment_text)
    deployments.exclude(signed_by="").update(signed_by=REMOVED)
    Deployment.history.filter(request_id=pk).update(**deployment_text)
    Deployment.history.filter(request_id=pk).exclude(signed_by="").update(signed_by=REMOVED)
    SupportLog.objects.filter(deployment__request_id=pk).update(notes="")
    PlannedSession.objects.filter(deployment__request_id=pk).update(note="")
    reports = ImpactReport.objects.filter(deployment__request_id=pk)
    ImpactReport.history.filter(
        deployment_id__in=list(reports.values_list("deployment_id", flat=True))
    ).update(summary=REMOVED_TEXT)
    reports.update(summary=REMOVED_TEXT)
    ObjectiveImpact.objects.filter(report__deployment__request_id=pk).update(evidence=REMOVED_TEXT)
    SchoolEvaluation.objects.filter(deployment__request_id=pk).update(
        comments="", submitted_by_name=""
    )
    _replace_in_admin_log(name, REMOVED)
    _replace_in_admin_log(email, removed_email("contact", pk))
    figures_changed()  # update() sends no signals
    return _delete_emails(
        Q(to__iexact=email) | Q(subject__contains=reference) | Q(body_text__contains=reference)
    )


# Leaders, their logins and their applications.


def anonymise_leader(leader, *, now):
    """Remove a leader's details; their deployments stay, under "Former leader N"."""
    pk, email, user_id, old_name = leader.pk, leader.email, leader.user_id, leader.full_name
    name = f"Former leader {pk}"
    person = {
        "full_name": name,
        "email": removed_email("leader", pk),
        "phone": "",
        "job_title": "",
        "bio": "",
        "public_profile_consent": False,
    }
    Leader.objects.filter(pk=pk).update(**person, calendar_token_hash=None, anonymised_at=now)
    Leader.history.filter(id=pk).update(**person, anonymised_at=now)
    DeclaredConflict.objects.filter(leader_id=pk).update(reason="")
    Designation.objects.filter(leader_id=pk).update(notes="")
    Designation.history.filter(leader_id=pk).update(notes="")
    _rename_in_admin_log(Leader, pk, name)
    _replace_in_admin_log(old_name, name)
    _replace_in_admin_log(email, removed_email("leader", pk))
    logins = anonymise_login(user_id, now=now) if user_id else 0
    applications = anonymise_applications(
        LeaderApplication.objects.filter(email__iexact=email), now=now
    )
    emails = _delete_emails(Q(to__iexact=email) | Q(body_text__icontains=email))
    # update() sends no signals: tell the directory and the dashboard, as a save would.
    directory_changed(sender=Leader, instance=Leader(pk=pk))
    figures_changed()
    return logins, applications, emails


def anonymise_login(user_id, *, now):
    """A login that can never be used again and says nothing of its owner."""
    return User.objects.filter(pk=user_id).update(
        email=removed_email("login", user_id),
        full_name="",
        is_active=False,
        password=make_password(None),
    )


def anonymise_applications(applications, *, now):
    count = 0
    for pk in applications.filter(anonymised_at__isnull=True).values_list("pk", flat=True):
        LeaderApplication.objects.filter(pk=pk).update(
            full_name=REMOVED,
            email=removed_email("applicant", pk),
            phone="",
            current_role=REMOVED,
            statement=REMOVED_TEXT,
            experience="",
            # An SLE application keeps a (removed) headteacher, as its constraint asks.
            head_name=REMOVED,
            head_email=removed_email("head", pk),
            decision_note="",
            anonymised_at=now,
        )
        _rename_in_admin_log(LeaderApplication, pk, f"{REMOVED}: application")
        count += 1
    return count


# The scheduled retention.


def retention_cutoff(now):
    years = settings.RETENTION_YEARS
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def requests_past_retention(now):
    open_work = Deployment.objects.filter(
        request=OuterRef("pk"), status__in=OPEN_DEPLOYMENT_STATUSES
    )
    return SupportRequest.objects.filter(
        anonymised_at__isnull=True,
        status__in=FINAL_STATUSES,
        status_changed_at__lt=retention_cutoff(now),
    ).exclude(Exists(open_work))


def leaders_past_retention(now):
    cutoff = retention_cutoff(now)
    in_force = Designation.objects.filter(
        leader=OuterRef("pk"),
        status__in=[Designation.Status.ACTIVE, Designation.Status.PENDING],
    )
    open_work = Deployment.objects.filter(
        leader=OuterRef("pk"), status__in=OPEN_DEPLOYMENT_STATUSES
    )
    recent_designation = Designation.objects.filter(leader=OuterRef("pk"), updated_at__gte=cutoff)
    recent_deployment = Deployment.objects.filter(leader=OuterRef("pk"), updated_at__gte=cutoff)
    return (
        Leader.objects.filter(anonymised_at__isnull=True, updated_at__lt=cutoff)
        .exclude(Exists(in_force))
        .exclude(Exists(open_work))
        .exclude(Exists(recent_designation))
        .exclude(Exists(recent_deployment))
    )


def applications_past_retention(now):
    return LeaderApplication.objects.annotate(ended=Coalesce("decided_at", "created_at")).filter(
        anonymised_at__isnull=True, ended__lt=retention_cutoff(now)
    )


def delete_expired_exports(now):
    from alliance_portal.reports.background import delete_expired

    return delete_expired(now)


def apply_retention(*, now=None, dry_run=False):
    """Anonymise what is past its retention period and delete what is only kept for
    delivery. Each record is done in a transaction of its own, so a failure half way
    leaves every record either untouched or fully anonymised."""
    from django.contrib.sessions.models import Session

    now = now or timezone.now()
    summary = Summary()
    requests = list(requests_past_retention(now).order_by("pk"))
    leaders = list(leaders_past_retention(now).order_by("pk"))
    applications = applications_past_retention(now)
    summary.requests = [r.reference for r in requests]
    summary.leaders = [leader.pk for leader in leaders]
    if dry_run:
        summary.applications = applications.count()
        return summary
    for support_request in requests:
        with transaction.atomic():
            summary.emails += anonymise_request(support_request, now=now)
    for leader in leaders:
        with transaction.atomic():
            logins, applied, emails = anonymise_leader(leader, now=now)
            summary.logins += logins
            summary.applications += applied
            summary.emails += emails
    with transaction.atomic():
        summary.applications += anonymise_applications(applications, now=now)
    # Kept only to deliver: emails already sent or given up on, finished tasks, sessions.
    delivered_before = now - datetime.timedelta(days=settings.OUTBOX_KEEP_DAYS)
    summary.emails += _delete_emails(
        Q(status__in=[OutboundEmail.Status.SENT, OutboundEmail.Status.FAILED])
        & Q(updated_at__lt=delivered_before)
    )
    finished_before = now - datetime.timedelta(days=settings.TASK_RESULTS_KEEP_DAYS)
    summary.tasks, _ = DBTaskResult.objects.filter(finished_at__lt=finished_before).delete()
    summary.sessions, _ = Session.objects.filter(expire_date__lt=now).delete()
    # A form is re-sent within minutes, not weeks: old one-time keys have done their job.
    summary.submission_keys, _ = Submission.objects.filter(created_at__lt=finished_before).delete()
    # Exported files hold people's details: kept only for EXPORT_KEEP_HOURS.
    summary.exports = delete_expired_exports(now)
    return summary


# Erasure of one person on request.


def _open_request_reasons(requests):
    reasons = []
    for support_request in requests:
        busy = support_request.deployments.filter(status__in=OPEN_DEPLOYMENT_STATUSES).exists()
        if support_request.status not in FINAL_STATUSES or busy:
            reasons.append(
                f"request {support_request.reference} is "
                f"{support_request.get_status_display().lower()}"
            )
    return reasons


def _open_leader_reasons(leader):
    reasons = [
        f"holds a designation that is {d.get_status_display().lower()} ({d.kind})"
        for d in leader.designations.filter(
            status__in=[Designation.Status.ACTIVE, Designation.Status.PENDING]
        )
    ]
    reasons += [
        f"deployment for {d.request.reference} is {d.get_status_display().lower()}"
        for d in leader.deployments.filter(status__in=OPEN_DEPLOYMENT_STATUSES).select_related(
            "request"
        )
    ]
    return reasons


def erase_person(email, *, now=None, dry_run=False):
    """Remove one school contact's or leader's details everywhere, through the same
    anonymiser as the retention. Refused, changing nothing, while their work is open."""
    now = now or timezone.now()
    email = email.strip()
    requests = list(
        SupportRequest.objects.filter(contact_email__iexact=email, anonymised_at__isnull=True)
    )
    leader = Leader.objects.filter(email__iexact=email, anonymised_at__isnull=True).first()
    user = User.objects.filter(email__iexact=email).first()
    reasons = _open_request_reasons(requests)
    if leader is not None:
        reasons += _open_leader_reasons(leader)
    if user is not None and user.is_staff:
        reasons.append("the address signs in as staff: deactivate the account in Users instead")
    if reasons:
        raise OpenRecords(reasons)
    summary = Summary(
        requests=[r.reference for r in requests], leaders=[leader.pk] if leader else []
    )
    # A list exported in the last EXPORT_KEEP_HOURS may name them; which files do is not
    # known without opening each, so every kept file goes (it can be exported again).
    kept_exports = Export.objects.all()
    if dry_run:
        summary.export_files = kept_exports.count()
        return summary
    with transaction.atomic():
        for support_request in requests:
            summary.emails += anonymise_request(support_request, now=now)
        if leader is not None:
            logins, applied, emails = anonymise_leader(leader, now=now)
            summary.logins += logins
            summary.applications += applied
            summary.emails += emails
        else:
            summary.applications += anonymise_applications(
                LeaderApplication.objects.filter(email__iexact=email), now=now
            )
            if user is not None:
                summary.logins += anonymise_login(user.pk, now=now)
        summary.emails += _delete_emails(Q(to__iexact=email) | Q(body_text__icontains=email))
        # Worker tasks whose arguments name the address (a reset asked for, say).
        summary.tasks, _ = DBTaskResult.objects.filter(args_kwargs__icontains=email).delete()
        _, deleted = kept_exports.delete()
        summary.export_files = deleted.get(Export._meta.label, 0)
    return summary
