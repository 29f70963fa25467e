"""A subject access export: everything the portal keeps about one person, in one file.

Found by email address, whatever its letter case: the requests where they are
the school's contact (with the timeline, the deployments, the objectives and
the school's evaluation), their leader record (designations, conflicts,
deployments with their support log, planned sessions and impact reports),
their applications, their login, the emails the outbox holds for them or about
them, every version of those records in the change history, and the changes
they made themselves. Secrets are left out: the password's hash and the
calendar link's hash. Proposals other leaders declined are left out of a
school contact's file; coordinators' notes on the timeline stay in, so the
administrator reads the file for other people's details before sending it.
"""

import datetime
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils import timezone

from alliance_portal.accounts.models import User
from alliance_portal.admin_site import SECRET_FIELDS
from alliance_portal.notifications.models import OutboundEmail
from deployments.models import Deployment, ImpactReport
from leaders.models import Designation, Leader, LeaderApplication
from requests.models import SupportRequest

FORMAT_VERSION = 1


def _row(obj, *, exclude=()):
    """Every column of the row but secrets, and many-to-many links by name."""
    left_out = {*SECRET_FIELDS, *exclude}
    opts = type(obj)._meta
    data = {f.name: getattr(obj, f.attname) for f in opts.concrete_fields if f.name not in left_out}
    for m2m in opts.many_to_many:
        if m2m.name not in left_out:
            data[m2m.name] = [str(related) for related in getattr(obj, m2m.name).all()]
    return data


def _history(obj):
    return [
        {
            "changed_at": version.history_date,
            "change": version.get_history_type_display(),
            **{
                f.name: getattr(version, f.attname)
                for f in type(obj)._meta.concrete_fields
                # The history leaves out secrets and a few busy columns of its own accord.
                if f.name not in SECRET_FIELDS and hasattr(version, f.attname)
            },
        }
        for version in obj.history.order_by("history_date")
    ]


def _deployment(deployment, *, as_leader):
    entry = _row(deployment)
    entry["objectives"] = [_row(o) for o in deployment.objectives.all()]
    entry["history"] = _history(deployment)
    if as_leader:
        entry["support_log"] = [_row(e) for e in deployment.log_entries.all()]
        entry["planned_sessions"] = [_row(s) for s in deployment.planned_sessions.all()]
        report = getattr(deployment, "impact_report", None)
        if report is not None:
            entry["impact_report"] = {
                **_row(report),
                "ratings": [_row(r) for r in report.ratings.all()],
            }
    # The school's evaluation is about the school's support and the leader's work: both see it.
    evaluation = getattr(deployment, "school_evaluation", None)
    if evaluation is not None:
        entry["school_evaluation"] = {
            **_row(evaluation),
            "ratings": [_row(r) for r in evaluation.ratings.all()],
        }
    return entry


def export_person(email, *, now=None):
    """Everything about the person at `email`, as a JSON-ready dict."""
    email = email.strip()
    requests = SupportRequest.objects.filter(contact_email__iexact=email).order_by("pk")
    leaders = Leader.objects.filter(email__iexact=email).order_by("pk")
    users = User.objects.filter(email__iexact=email).order_by("pk")
    applications = LeaderApplication.objects.filter(email__iexact=email).order_by("pk")
    emails = OutboundEmail.objects.filter(Q(to__iexact=email) | Q(body_text__icontains=email))
    return {
        "about": email,
        "exported_at": now or timezone.now(),
        "format": FORMAT_VERSION,
        "as_school_contact": [
            {
                **_row(r),
                "timeline": [_row(e) for e in r.events.order_by("created_at", "pk")],
                "history": _history(r),
                # The support agreed with the school; proposals other leaders
                # declined are about them, not the school.
                "deployments": [
                    _deployment(d, as_leader=False)
                    for d in r.deployments.filter(agreed_at__isnull=False).order_by("pk")
                ],
            }
            for r in requests
        ],
        "as_leader": [
            {
                **_row(leader),
                "designations": [
                    {**_row(d), "history": _history(d)} for d in leader.designations.all()
                ],
                "declared_conflicts": [_row(c) for c in leader.conflicts.all()],
                "history": _history(leader),
                "deployments": [
                    _deployment(d, as_leader=True)
                    for d in Deployment.objects.filter(leader=leader).order_by("pk")
                ],
            }
            for leader in leaders
        ],
        "applications": [_row(a) for a in applications],
        "logins": [_row(u, exclude=["groups", "user_permissions", "password"]) for u in users],
        "emails": [
            {
                "to": e.to,
                "subject": e.subject,
                "body": e.body_text,
                "status": e.status,
                "sent_at": e.sent_at,
                "created_at": e.created_at,
            }
            for e in emails.order_by("created_at", "pk")
        ],
    }


def _changes_by(user):
    """Every version of a record the person saved, from each model's history."""
    changes = []
    for model in (SupportRequest, Deployment, Leader, Designation, ImpactReport):
        for version in model.history.filter(history_user=user).order_by("history_date"):
            changes.append(
                {
                    "record": f"{model._meta.verbose_name} {version.id}",
                    "when": version.history_date,
                    "change": version.get_history_type_display(),
                }
            )
    return changes


def export_json(email, *, now=None):
    return json.dumps(export_person(email, now=now), cls=_Encoder, indent=2, ensure_ascii=False)


class _Encoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, datetime.datetime) and timezone.is_aware(o):
            return o.astimezone(datetime.UTC).isoformat()
        return super().default(o)
