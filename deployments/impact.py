"""The end of a deployment: the leader's impact report and the school's evaluation.

Both services run in one transaction and refuse with a ValidationError that
says what to fix, keyed `summary`, `rating_<objective id>`,
`evidence_<objective id>` and so on, changing nothing. The school reaches its
evaluation through a signed link (deployments.evaluation_links) emailed when the
deployment completes.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from requests.models import SupportRequest
from requests.services import request_transition, timeline_note

from . import services
from .models import (
    Deployment,
    ImpactReport,
    ObjectiveImpact,
    Rating,
    SchoolEvaluation,
    SchoolObjectiveImpact,
)

Status = Deployment.Status
RequestStatus = SupportRequest.Status


SUMMARY_MAX = ImpactReport._meta.get_field("summary").max_length
EVIDENCE_MAX = ObjectiveImpact._meta.get_field("evidence").max_length
COMMENTS_MAX = SchoolEvaluation._meta.get_field("comments").max_length
NAME_MAX = SchoolEvaluation._meta.get_field("submitted_by_name").max_length


def rating_key(objective):
    return f"rating_{objective.pk}"


def evidence_key(objective):
    return f"evidence_{objective.pk}"


# The leader reports on work under way (which it then completes) or ended with support given.
REPORTABLE_STATUSES = (Status.IN_DELIVERY, *Deployment.DELIVERED_STATUSES)


def can_report(deployment):
    """Whether the leader may write the impact report: work with support delivered."""
    return deployment.status in REPORTABLE_STATUSES and deployment.days_delivered_now() > 0


def can_be_evaluated(deployment):
    """Whether the school may evaluate: work ended (completed or stopped) that delivered something."""
    return deployment.delivered_something


@transaction.atomic
def impact_report_submit(*, deployment, actor, summary, ratings):
    """Record the leader's impact report; a deployment in delivery is then completed.

    `ratings` maps each of the deployment's objectives (or its id) to
    `(rating, evidence)`. Only the deployment's own leader can report, once,
    on work under way or ended with support logged: never on work with
    nothing delivered.
    """
    given, deployment = deployment, services._lock(deployment)
    leader = deployment.leader
    if actor is None or actor.pk != leader.user_id:
        raise ValidationError(f"Only {leader} can write the impact report for this support.")
    if ImpactReport.objects.filter(deployment=deployment).exists():
        raise ValidationError("The impact report for this support has already been sent.")
    if deployment.status not in REPORTABLE_STATUSES:
        raise ValidationError(
            "An impact report can be written only once the support is under way; this "
            f"deployment is {deployment.get_status_display().lower()}."
        )
    if deployment.days_delivered_now() <= 0:
        raise ValidationError(
            "No support has been logged yet, so there is nothing to report on. Log the "
            "sessions you have given first."
        )
    objectives = list(deployment.objectives.all())
    ratings = _by_objective_id(ratings, objectives)
    summary = (summary or "").strip()
    errors = {}
    if not summary:
        errors["summary"] = "Write a summary of what the support achieved."
    elif len(summary) > SUMMARY_MAX:
        errors["summary"] = f"Keep the summary to {SUMMARY_MAX} characters or fewer."
    cleaned = []
    for number, objective in enumerate(objectives, start=1):
        rating, evidence = ratings.get(objective.pk, ("", ""))
        evidence = (evidence or "").strip()
        if rating not in Rating.values:
            errors[rating_key(objective)] = f"Choose a rating for objective {number}."
        if not evidence:
            errors[evidence_key(objective)] = f"Give the evidence for objective {number}."
        elif len(evidence) > EVIDENCE_MAX:
            errors[evidence_key(objective)] = (
                f"Keep the evidence for objective {number} to {EVIDENCE_MAX} characters or fewer."
            )
        cleaned.append((objective, rating, evidence))
    if errors:
        raise ValidationError(errors)

    report = ImpactReport.objects.create(
        deployment=deployment, summary=summary, submitted_at=timezone.now(), submitted_by=actor
    )
    ObjectiveImpact.objects.bulk_create(
        ObjectiveImpact(report=report, objective=objective, rating=rating, evidence=evidence)
        for objective, rating, evidence in cleaned
    )
    if deployment.status == Status.IN_DELIVERY:
        # Sending the report is the leader's confirmation: the page says it completes the work.
        services.deployment_complete(deployment=deployment, actor=actor, confirmed=True)
        given.refresh_from_db()
    return report


@transaction.atomic
def school_evaluation_submit(*, deployment, satisfaction, would_use_again, comments, ratings, name):
    """Record the school's evaluation of a completed deployment, once.

    `ratings` maps each objective (or its id) to a `Rating`.
    """
    deployment = services._lock(deployment)
    if not can_be_evaluated(deployment):
        raise ValidationError(
            "The support can be evaluated only once it has ended, with support given."
        )
    if SchoolEvaluation.objects.filter(deployment=deployment).exists():
        raise ValidationError("The school's evaluation of this support has already been sent.")
    objectives = list(deployment.objectives.all())
    ratings = _by_objective_id(ratings, objectives)
    comments = (comments or "").strip()
    name = (name or "").strip()
    errors = {}
    for number, objective in enumerate(objectives, start=1):
        if ratings.get(objective.pk) not in Rating.values:
            errors[rating_key(objective)] = f"Say how far objective {number} was met."
    try:
        satisfaction = SchoolEvaluation.Satisfaction(int(satisfaction))
    except (TypeError, ValueError):
        errors["satisfaction"] = "Say how satisfied you are with the support."
    if would_use_again not in SchoolEvaluation.UseAgain.values:
        errors["would_use_again"] = "Say whether you would use the service again."
    if len(comments) > COMMENTS_MAX:
        errors["comments"] = f"Keep your comments to {COMMENTS_MAX} characters or fewer."
    if len(name) > NAME_MAX:
        errors["name"] = f"Keep your name to {NAME_MAX} characters or fewer."
    if errors:
        raise ValidationError(errors)

    evaluation = SchoolEvaluation.objects.create(
        deployment=deployment,
        satisfaction=satisfaction,
        would_use_again=would_use_again,
        comments=comments,
        submitted_at=timezone.now(),
        submitted_by_name=name,
    )
    SchoolObjectiveImpact.objects.bulk_create(
        SchoolObjectiveImpact(
            evaluation=evaluation, objective=objective, rating=ratings[objective.pk]
        )
        for objective in objectives
    )
    support_request = deployment.request
    waiting = (
        Deployment.objects.delivered()
        .filter(request=support_request, school_evaluation__isnull=True)
        .exclude(pk=deployment.pk)
        .exists()
    )
    if support_request.status == RequestStatus.COMPLETED and not waiting:
        request_transition(
            support_request=support_request,
            to_status=RequestStatus.EVALUATED,
            actor_label=name or support_request.contact_name,
            note="The school sent its evaluation of the support.",
        )
    else:
        timeline_note(
            support_request,
            f"The school sent its evaluation of {deployment.leader}'s support.",
            actor_label=name or support_request.contact_name,
        )
    return evaluation


def _by_objective_id(ratings, objectives):
    """`ratings` keyed by objective id; an objective of another deployment is refused."""
    ratings = {getattr(key, "pk", key): value for key, value in (ratings or {}).items()}
    foreign = set(ratings) - {objective.pk for objective in objectives}
    if foreign:
        raise ValidationError("Rate only the objectives agreed for this support.")
    return ratings
