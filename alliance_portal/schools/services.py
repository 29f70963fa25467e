"""Writes about schools that reach beyond the schools tables: flagging register changes."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from leaders.models import Designation, Leader
from requests.models import SupportRequest

from .models import SchoolChange


@dataclass(frozen=True)
class RegisterChange:
    """What an import changed about one school: closed it, moved it, or both.

    `local_authority_id` is the new local authority when the school moved, else None.
    """

    school_id: int
    closed: bool
    previous_local_authority_id: int | None = None
    local_authority_id: int | None = None


def school_changes_record(*, changes: Sequence[RegisterChange]) -> int:
    """Flag each changed school for every alliance with open requests or leaders there.

    One SchoolChange per school and alliance, with that alliance's counts. A
    leader is the alliance's when it manages them or they hold an active
    designation from it. Returns how many schools were flagged.
    """
    if not changes:
        return 0
    by_school = {change.school_id: change for change in changes}
    counts = defaultdict(lambda: [0, 0])  # (school, alliance) -> [open requests, leaders]
    open_requests = (
        SupportRequest.objects.open()
        .filter(school_id__in=by_school)
        .values_list("school_id", "alliance_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for school_id, alliance_id, count in open_requests:
        counts[school_id, alliance_id][0] = count
    working_there = Leader.objects.filter(home_school_id__in=by_school, anonymised_at__isnull=True)
    leaders = set(
        working_there.filter(managing_alliance__isnull=False).values_list(
            "home_school_id", "managing_alliance_id", "pk"
        )
    ) | set(
        Designation.objects.filter(
            leader__in=working_there, status=Designation.Status.ACTIVE, alliance__isnull=False
        ).values_list("leader__home_school_id", "alliance_id", "leader_id")
    )
    for school_id, alliance_id, _ in leaders:
        counts[school_id, alliance_id][1] += 1
    SchoolChange.objects.bulk_create(
        SchoolChange(
            school_id=school_id,
            alliance_id=alliance_id,
            closed=by_school[school_id].closed,
            previous_local_authority_id=by_school[school_id].previous_local_authority_id,
            local_authority_id=by_school[school_id].local_authority_id,
            open_requests=requests,
            leaders=leader_count,
        )
        for (school_id, alliance_id), (requests, leader_count) in sorted(counts.items())
    )
    return len({school_id for school_id, _ in counts})


def school_changes_acknowledge(*, changes: QuerySet, user) -> int:
    """Mark the waiting ones among `changes` as seen by `user`; return how many."""
    now = timezone.now()
    with transaction.atomic():
        return changes.waiting().update(acknowledged_at=now, acknowledged_by=user, updated_at=now)
