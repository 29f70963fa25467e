"""Writes to deployments: propose a leader, record the answer, agree, start, complete.

Each function runs in one transaction. Where the support request changes
state it goes through `requests.services.request_transition`, so the request's
timeline records who did what; the emails a step causes are queued in the
same transaction. A refusal raises ValidationError with a message for the
coordinator and changes nothing.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from alliance_portal.notifications.services import email_queue
from alliance_portal.pages.formats import long_date, plain_number
from leaders.models import Designation, Leader, academic_year_bounds
from requests.models import Funding, RequestEvent, SupportRequest
from requests.services import request_transition

from .evaluation_links import EVALUATION_LINK_LIFETIME, evaluation_url
from .matching import shortlist
from .models import Deployment, Objective

Status = Deployment.Status
RequestStatus = SupportRequest.Status

# A leader can be proposed for a request in these states; a triaged one moves
# through matching on the way.
PROPOSABLE_REQUEST_STATUSES = (RequestStatus.TRIAGED, RequestStatus.MATCHING)
OBJECTIVE_LENGTH = Objective._meta.get_field("description").max_length


@transaction.atomic
def deployment_propose(*, support_request, leader, designation=None, actor):
    """Propose `leader` for `support_request` and email them the proposal.

    The leader must be one the matching rules allow (see
    `deployments.matching`) and must not have been proposed for this request
    before. Without a `designation`, the leader is proposed under the active
    designation that suits the request best, as the shortlist shows it.
    """
    given_request = support_request
    support_request = SupportRequest.objects.select_for_update().get(pk=support_request.pk)
    if support_request.status not in PROPOSABLE_REQUEST_STATUSES:
        raise ValidationError(
            f"Request {support_request.reference} is "
            f"{support_request.get_status_display().lower()}: a leader can be proposed only "
            "while a request is triaged or finding a leader."
        )
    earlier = Deployment.objects.filter(request=support_request, leader=leader).first()
    if earlier is not None:
        raise ValidationError(
            f"{leader} has already been proposed for request {support_request.reference} "
            f"({earlier.get_status_display().lower()}). Choose another leader."
        )
    best_designation = _designation_matching_allows(support_request, leader)
    if designation is None:
        designation = best_designation
    else:
        _check_designation(designation, leader=leader, support_request=support_request)

    if support_request.status == RequestStatus.TRIAGED:
        request_transition(
            support_request=support_request,
            to_status=RequestStatus.MATCHING,
            actor=actor,
            note="Moved to finding a leader to propose one.",
        )
    now = timezone.now()
    deployment = Deployment(
        request=support_request,
        leader=leader,
        designation=designation,
        status=Status.PROPOSED,
        proposed_at=now,
    )
    deployment.full_clean()
    deployment.save()
    request_transition(
        support_request=support_request,
        to_status=RequestStatus.PROPOSED,
        actor=actor,
        note=f"Proposed {leader} ({designation.kind}).",
    )
    email_queue(
        to=leader.email,
        template="proposal_to_leader",
        context={
            "deployment": deployment,
            "support_request": support_request,
            "leader": leader,
            "designation": designation,
            "areas": list(support_request.areas_of_expertise.all()),
            "answer_url": f"{settings.SITE_URL}/my/proposals/{deployment.pk}/",
        },
        topic="proposal",
    )
    # Keep the caller's instance in step with the database, as request_transition does.
    given_request.refresh_from_db()
    return deployment


def _designation_matching_allows(support_request, leader):
    """The leader's best suited designation for the request, or a refusal saying why not.

    The shortlist applies the matching rules; asking it for every leader
    (excluded ones too) keeps those rules in one place.
    """
    result = shortlist(support_request, limit=None, include_excluded=True)
    for candidate in result.candidates:
        if candidate.leader.pk == leader.pk:
            return candidate.designation
    for excluded in result.excluded:
        if excluded.leader.pk == leader.pk:
            raise ValidationError(
                f"{leader} cannot be proposed for request {support_request.reference}: "
                f"{'; '.join(excluded.reasons)}."
            )
    raise ValidationError(
        f"{leader} holds no designation {support_request.alliance} can deploy: "
        "only leaders it designated and national leaders (NLE, NLG) can be proposed."
    )


def _check_designation(designation, *, leader, support_request):
    if designation.leader_id != leader.pk:
        raise ValidationError({"designation": f"Choose one of {leader}'s own designations."})
    if designation.status != Designation.Status.ACTIVE:
        raise ValidationError(
            {
                "designation": f"{leader}'s {designation.kind} designation is "
                f"{designation.get_status_display().lower()}: choose an active one."
            }
        )
    if designation.alliance_id not in (None, support_request.alliance_id):
        raise ValidationError(
            {
                "designation": f"{leader}'s {designation.kind} designation is held with "
                f"{designation.alliance}, so {support_request.alliance} cannot deploy them "
                "under it."
            }
        )


@transaction.atomic
def deployment_answer(*, deployment, accepted, reason="", note="", actor, on_behalf=False):
    """Record the leader's answer to a proposal and tell the alliance's coordinators.

    Accepting records when the leader answered; the deployment stays proposed
    and the request stays proposed to the leader until the agreement is made
    (`deployment_agree`). Declining needs a `Deployment.DeclineReason`: the
    deployment is declined and the request goes back to finding a leader.

    `actor` is the user who records the answer: the leader themselves, or a
    coordinator with `on_behalf=True`. A leader who accepted may still decline
    before the agreement; a proposal cannot be accepted twice.
    """
    given, deployment = deployment, _lock(deployment)
    leader = deployment.leader
    support_request = SupportRequest.objects.select_for_update().get(pk=deployment.request_id)
    if deployment.status != Status.PROPOSED:
        raise ValidationError(
            f"Only a proposal waiting for an answer can be answered; this one is "
            f"{deployment.get_status_display().lower()}."
        )
    if support_request.status != RequestStatus.PROPOSED:
        raise ValidationError(
            f"Request {support_request.reference} is "
            f"{support_request.get_status_display().lower()}, so this proposal can no longer "
            "be answered."
        )
    if on_behalf:
        if actor is None:
            raise ValidationError("Say which coordinator records the answer for the leader.")
    elif actor is None or actor.pk != leader.user_id:
        raise ValidationError(
            f"Only {leader} can answer for themselves; record the answer on their behalf instead."
        )
    note = (note or "").strip()
    if accepted and deployment.responded_at is not None:
        raise ValidationError(f"{leader} has already accepted this proposal.")
    if not accepted:
        if reason not in Deployment.DeclineReason.values:
            raise ValidationError({"reason": "Choose why the leader declined."})
        reason = Deployment.DeclineReason(reason)

    now = timezone.now()
    deployment.responded_at = now
    recorded_by = f" Recorded by {actor} on the leader's behalf." if on_behalf else ""
    if accepted:
        deployment.save(update_fields=["responded_at", "updated_at"])
        # The request does not change state, so this is a line on its timeline,
        # not a transition.
        RequestEvent.objects.create(
            request=support_request,
            from_status=support_request.status,
            to_status=support_request.status,
            actor=actor,
            actor_label="" if on_behalf else str(leader),
            note=_with_note(f"{leader} accepted the proposal.{recorded_by}", note),
            created_at=now,
        )
    else:
        deployment.status = Status.DECLINED
        deployment.decline_reason = reason
        deployment.decline_note = note
        deployment.save(
            update_fields=["status", "responded_at", "decline_reason", "decline_note", "updated_at"]
        )
        request_transition(
            support_request=support_request,
            to_status=RequestStatus.MATCHING,
            actor=actor,
            actor_label="" if on_behalf else str(leader),
            note=_with_note(f"{leader} declined: {reason.label.lower()}.{recorded_by}", note),
        )
    email_queue(
        to=support_request.alliance.notification_emails(),
        template="leader_answer_to_coordinators",
        context={
            "deployment": deployment,
            "support_request": support_request,
            "leader": leader,
            "accepted": accepted,
            "note": note,
            "on_behalf": on_behalf,
            "recorded_by": actor,
            "admin_url": _request_admin_url(support_request),
        },
        topic="leader-answer",
    )
    given.refresh_from_db()
    return deployment


@transaction.atomic
def deployment_agree(
    *,
    deployment,
    objectives,
    agreed_days,
    start_date,
    end_date,
    daily_rate,
    brokerage_fee,
    funding_source,
    signed_by,
    actor,
):
    """Agree an accepted proposal's terms, within the days the leader has left.

    The leader's row is locked while their committed days are added up, so
    two agreements made at once cannot between them promise more days than
    the leader has in the academic year the deployment starts in. Any other
    open proposal for the request is cancelled.
    """
    objectives = [text.strip() for text in objectives if text and text.strip()]
    signed_by = (signed_by or "").strip()
    _check_terms(
        objectives=objectives,
        agreed_days=agreed_days,
        start_date=start_date,
        end_date=end_date,
        daily_rate=daily_rate,
        brokerage_fee=brokerage_fee,
        funding_source=funding_source,
        signed_by=signed_by,
    )
    given, deployment = deployment, _lock(deployment)
    support_request = deployment.request
    if deployment.status != Status.PROPOSED:
        raise ValidationError(
            f"Only a proposal the leader accepted can be agreed; this one is "
            f"{deployment.get_status_display().lower()}."
        )
    if deployment.responded_at is None:
        raise ValidationError(
            f"{deployment.leader} has not accepted this proposal yet: record their answer first."
        )
    if support_request.status != RequestStatus.PROPOSED:
        raise ValidationError(
            f"Request {support_request.reference} is "
            f"{support_request.get_status_display().lower()}, so it cannot be agreed."
        )
    leader = Leader.objects.select_for_update().get(pk=deployment.leader_id)
    _check_capacity(leader, deployment=deployment, agreed_days=agreed_days, start_date=start_date)

    now = timezone.now()
    deployment.status = Status.AGREED
    deployment.agreed_days = agreed_days
    deployment.start_date = start_date
    deployment.end_date = end_date
    deployment.daily_rate = daily_rate
    deployment.brokerage_fee = brokerage_fee
    deployment.funding_source = funding_source
    deployment.signed_by = signed_by
    deployment.signed_at = now
    deployment.agreed_at = now
    deployment.full_clean()
    deployment.save()
    for position, description in enumerate(objectives):
        Objective.objects.create(deployment=deployment, description=description, position=position)
    cancelled = _cancel_other_proposals(deployment)
    note = (
        f"Agreed with {leader}: {plain_number(agreed_days)} days, "
        f"{long_date(start_date)} to {long_date(end_date)}."
    )
    if cancelled:
        note += f" Other proposals cancelled: {', '.join(str(each.leader) for each in cancelled)}."
    request_transition(
        support_request=support_request, to_status=RequestStatus.AGREED, actor=actor, note=note
    )
    email_queue(
        to=[support_request.contact_email, leader.email],
        template="deployment_agreed",
        context={
            "deployment": deployment,
            "support_request": support_request,
            "leader": leader,
            "objectives": objectives,
        },
        topic="deployment-agreed",
    )
    given.refresh_from_db()
    return deployment


def _check_terms(
    *,
    objectives,
    agreed_days,
    start_date,
    end_date,
    daily_rate,
    brokerage_fee,
    funding_source,
    signed_by,
):
    """Every problem with the terms at once, keyed by the argument it concerns."""
    errors = {}
    if not objectives:
        errors["objectives"] = "Give at least one objective."
    elif any(len(objective) > OBJECTIVE_LENGTH for objective in objectives):
        errors["objectives"] = (
            f"Keep each objective to {OBJECTIVE_LENGTH} characters or fewer: "
            "split a longer one over two lines."
        )
    if agreed_days is None or Decimal(agreed_days) <= 0:
        errors["agreed_days"] = "The agreed days must be more than zero."
    if start_date is None:
        errors["start_date"] = "Give the start date."
    if end_date is None:
        errors["end_date"] = "Give the end date."
    elif start_date is not None and end_date < start_date:
        errors["end_date"] = "The end date must not be before the start date."
    if daily_rate is None or Decimal(daily_rate) < 0:
        errors["daily_rate"] = "Give the daily rate, zero or more."
    if brokerage_fee is None or Decimal(brokerage_fee) < 0:
        errors["brokerage_fee"] = "Give the brokerage fee, zero or more."
    elif daily_rate is not None and Decimal(brokerage_fee) > Decimal(daily_rate):
        errors["brokerage_fee"] = "The brokerage fee must not be more than the daily rate."
    if funding_source not in Funding.values:
        errors["funding_source"] = "Choose who pays for the support."
    if not signed_by:
        errors["signed_by"] = "Say who signed the agreement."
    if errors:
        raise ValidationError(errors)


def _check_capacity(leader, *, deployment, agreed_days, start_date):
    """Refuse when the days agreed would go past what the leader has left that year.

    Call with the leader's row locked. Days count in the academic year a
    deployment starts in, as matching counts them.
    """
    year = academic_year_bounds(start_date)
    committed = (
        Deployment.objects.committed()
        .filter(leader=leader, start_date__range=year)
        .exclude(pk=deployment.pk)
        .aggregate(total=Sum("agreed_days"))["total"]
    ) or Decimal(0)
    left = leader.days_per_year - committed
    if Decimal(agreed_days) <= left:
        return
    year_label = f"{year[0].year}/{year[1].year % 100:02d}"
    available = f"Only {plain_number(left)} of" if left > 0 else "None of"
    raise ValidationError(
        {
            "agreed_days": f"{available} {leader}'s {plain_number(leader.days_per_year)} days are left "
            f"in {year_label}; this agreement needs {plain_number(agreed_days)}."
        }
    )


def _cancel_other_proposals(deployment):
    others = list(
        Deployment.objects.select_for_update()
        .filter(request_id=deployment.request_id, status=Status.PROPOSED)
        .exclude(pk=deployment.pk)
        .select_related("leader")
        .order_by("pk")
    )
    for other in others:
        other.status = Status.CANCELLED
        other.save(update_fields=["status", "updated_at"])
    return others


@transaction.atomic
def deployment_start(*, deployment, actor):
    """The agreed support is under way: the deployment and its request are in delivery."""
    given, deployment = deployment, _lock(deployment)
    if deployment.status != Status.AGREED:
        raise ValidationError(
            f"Only an agreed deployment can start; this one is "
            f"{deployment.get_status_display().lower()}."
        )
    deployment.status = Status.IN_DELIVERY
    deployment.save(update_fields=["status", "updated_at"])
    request_transition(
        support_request=deployment.request,
        to_status=RequestStatus.IN_DELIVERY,
        actor=actor,
        note=f"{deployment.leader} started the support.",
    )
    given.refresh_from_db()
    return deployment


@transaction.atomic
def deployment_complete(*, deployment, actor):
    """The support has finished: the deployment and its request are completed.

    The school's contact is emailed a private link to evaluate the support.
    """
    given, deployment = deployment, _lock(deployment)
    if deployment.status != Status.IN_DELIVERY:
        raise ValidationError(
            f"Only a deployment in delivery can be completed; this one is "
            f"{deployment.get_status_display().lower()}."
        )
    deployment.status = Status.COMPLETED
    deployment.completed_at = timezone.now()
    deployment.save(update_fields=["status", "completed_at", "updated_at"])
    support_request = deployment.request
    request_transition(
        support_request=support_request,
        to_status=RequestStatus.COMPLETED,
        actor=actor,
        note=f"{deployment.leader} completed the support.",
    )
    email_queue(
        to=support_request.contact_email,
        template="school_evaluation_request",
        context={
            "deployment": deployment,
            "support_request": support_request,
            "leader": deployment.leader,
            "objectives": list(deployment.objectives.all()),
            "evaluation_url": evaluation_url(deployment),
            "link_expires_on": timezone.localdate(
                deployment.completed_at + EVALUATION_LINK_LIFETIME
            ),
        },
        topic="school-evaluation",
    )
    given.refresh_from_db()
    return deployment


def _lock(deployment):
    """The deployment's row, locked for the rest of the transaction, with its leader and request.

    Every path takes its locks in one order: the request's row first, then
    its deployments, then (only where capacity is checked) the leader's. A
    request's own moves (`request_transition`: a withdrawal, a lapse) lock the
    request and then change its deployments, so a deployment path that locked
    the deployment first would deadlock against them.
    """
    list(
        SupportRequest.objects.select_for_update()
        .filter(pk=deployment.request_id)
        .values_list("pk", flat=True)
    )
    return (
        Deployment.objects.select_for_update(of=("self",))
        .select_related("leader", "request__alliance", "request__school")
        .get(pk=deployment.pk)
    )


def _request_admin_url(support_request):
    return settings.SITE_URL + reverse(
        "admin:support_requests_supportrequest_change", args=[support_request.pk]
    )


def _with_note(text, note):
    return f"{text} {note}" if note else text
