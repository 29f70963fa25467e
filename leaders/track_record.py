"""A leader's track record for the coordinator: their work, its days and its outcomes.

Counted over the deployments the coordinator may see, in a fixed number of
queries whatever the leader's history.
"""

from decimal import Decimal

from django.db.models import Avg, Count, Sum

from alliance_portal.accounts import scoping
from deployments.models import Deployment, ObjectiveImpact, SchoolObjectiveImpact, days_from_hours


def track_record(leader, user):
    deployments = scoping.deployments_for(user).filter(leader=leader)
    by_status = dict(
        deployments.order_by()
        .values_list("status")
        .annotate(count=Count("pk"))
        .values_list("status", "count")
    )
    hours = deployments.aggregate(total=Sum("log_entries__hours"))["total"] or Decimal(0)
    agreed = deployments.filter(status__in=Deployment.COMMITTED_STATUSES).aggregate(
        total=Sum("agreed_days")
    )["total"] or Decimal(0)
    leader_ratings = dict(
        ObjectiveImpact.objects.filter(report__deployment__in=deployments)
        .order_by()
        .values_list("rating")
        .annotate(count=Count("pk"))
    )
    school_ratings = dict(
        SchoolObjectiveImpact.objects.filter(evaluation__deployment__in=deployments)
        .order_by()
        .values_list("rating")
        .annotate(count=Count("pk"))
    )
    satisfaction = deployments.aggregate(mean=Avg("school_evaluation__satisfaction"))["mean"]
    return {
        "states": [
            (label, by_status[value])
            for value, label in Deployment.Status.choices
            if value in by_status
        ],
        "deployments": sum(by_status.values()),
        "days_agreed": agreed,
        "days_delivered": days_from_hours(hours),
        "leader_ratings": leader_ratings,
        "school_ratings": school_ratings,
        "satisfaction": None if satisfaction is None else round(satisfaction, 1),
    }
