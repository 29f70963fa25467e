"""Designations whose review is coming up or overdue, and the digest coordinators get."""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from alliance_portal.notifications.services import email_queue

from .models import Designation

WARNING_DAYS = 60


@dataclass
class AllianceReviews:
    alliance: object
    overdue: list = field(default_factory=list)
    due_soon: list = field(default_factory=list)


def designations_due_for_review(*, today=None, within_days=WARNING_DAYS):
    """Active designations whose review date is past or within `within_days` days."""
    today = today or timezone.localdate()
    return (
        Designation.objects.filter(
            status=Designation.Status.ACTIVE,
            review_due_on__lte=today + datetime.timedelta(days=within_days),
        )
        .select_related("leader", "alliance")
        .order_by("review_due_on", "leader__full_name")
    )


def reviews_by_alliance(*, today=None, within_days=WARNING_DAYS):
    """The due designations grouped by designating alliance; national ones under None."""
    today = today or timezone.localdate()
    groups = {}
    for designation in designations_due_for_review(today=today, within_days=within_days):
        group = groups.setdefault(designation.alliance_id, AllianceReviews(designation.alliance))
        if designation.review_due_on < today:
            group.overdue.append(designation)
        else:
            group.due_soon.append(designation)
    return groups


@transaction.atomic
def designation_reviews_send(*, today=None, within_days=WARNING_DAYS):
    """Queue one digest per alliance with reviews due; national designations have no alliance
    to review them, so they are only reported back to the caller."""
    today = today or timezone.localdate()
    groups = reviews_by_alliance(today=today, within_days=within_days)
    for alliance_id, reviews in groups.items():
        if alliance_id is None:
            continue
        email_queue(
            to=reviews.alliance.notification_emails(),
            template="designation_reviews_digest",
            context={"reviews": reviews, "today": today, "within_days": within_days},
            topic="designation-reviews",
        )
    return groups
