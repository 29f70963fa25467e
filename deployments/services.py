"""Writes to deployments: propose, answer, agree, start, pause, resume, vary, complete, stop.

Each function runs in one transaction, checks what is particular to its move
(the terms of an agreement, the leader's capacity, the places on a team) and
then makes the move through `deployments.lifecycle.apply_move`, which owns
the table of moves, the request's own move, the timeline and the emails. A
refusal raises ValidationError with a message for the person and changes
nothing.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from alliance_portal.pages.formats import long_date, plain_number
from leaders.models import Designation, Leader, academic_year_bounds
from requests.models import Funding, SupportRequest

from . import lifecycle
from .evaluation_links import EVALUATION_LINK_LIFETIME, evaluation_url
from .lifecycle import COORDINATOR, LEADER, PORTAL, apply_move, check_move
from .matching import shortlist
from .models import Deployment, Objective, Variation

Status = Deployment.Status
RequestStatus = SupportRequest.Status

# A leader can be proposed for a request in these states, while its places are not
# all filled; a triaged one moves through matching on the way.
PROPOSABLE_REQUEST_STATUSES = (
    RequestStatus.TRIAGED,
    RequestStatus.MATCHING,
    RequestStatus.PROPOSED,
    RequestStatus.AGREED,
    RequestStatus.IN_DELIVERY,
)
# At most this many leaders are asked at once for one request.
MAX_OPEN_ASKS = 3
OBJECTIVE_LENGTH = Objective._meta.get_field("description").max_length


@transaction.atomic
def deployment_propose(*, support_request, leader, designation=None, actor, answer_by=None):
    """Propose `leader` for `support_request` and email them the proposal.

    The leader must be one the matching rules allow (see
    `deployments.matching`) and must not have been proposed for this request
    before. Up to `MAX_OPEN_ASKS` leaders may be asked at once, and more
    leaders may join agreed work while the request's places
    (`leaders_wanted`) are not all filled. Without a `designation`, the
    leader is proposed under the active designation that suits the request
    best, as the shortlist shows it. `answer_by` is the date the coordinator
    needs an answer by.
    """
    given_request = support_request
    support_request = SupportRequest.objects.select_for_update().get(pk=support_request.pk)
    if support_request.status not in PROPOSABLE_REQUEST_STATUSES:
        raise ValidationError(
            f"Request {support_request.reference} is "
            f"{support_request.get_status_display().lower()}: a leader can be proposed only "
            "while a request is triaged, finding a leader, or has places still to fill."
        )
    deployments = list(support_request.deployments.all())
    filled = sum(1 for each in deployments if each.status in Deployment.LIVE_STATUSES)
    if filled >= support_request.leaders_wanted:
        raise ValidationError(
            f"Request {support_request.reference} needs {_leaders(support_request.leaders_wanted)} "
            f"and has {_leaders(filled)} agreed: raise the number of leaders it needs to add "
            "another."
        )
    asking = sum(1 for each in deployments if each.is_ask)
    if asking >= MAX_OPEN_ASKS:
        raise ValidationError(
            f"{MAX_OPEN_ASKS} leaders are already being asked for request "
            f"{support_request.reference}: wait for an answer or withdraw one of the asks."
        )
    earlier = next((each for each in deployments if each.leader_id == leader.pk), None)
    if earlier is not None:
        raise ValidationError(
            f"{leader} has already been proposed for request {support_request.reference} "
            f"({earlier.get_status_display().lower()}). Choose another leader."
        )
    if answer_by is not None and answer_by < timezone.localdate():
        raise ValidationError({"answer_by": "The answer-by date must be today or later."})
    best_designation = _designation_matching_allows(support_request, leader)
    if designation is None:
        designation = best_designation
    else:
        _check_designation(designation, leader=leader, support_request=support_request)

    if support_request.status == RequestStatus.TRIAGED:
        from requests.services import request_transition

        request_transition(
            support_request=support_request,
            to_status=RequestStatus.MATCHING,
            actor=actor,
            note="Moved to finding a leader to propose one.",
        )
    deployment = Deployment(
        request=support_request, leader=leader, designation=designation, answer_by=answer_by
    )
    by_date = f" Answer needed by {long_date(answer_by)}." if answer_by else ""
    apply_move(
        deployment,
        "propose",
        actor=actor,
        by=COORDINATOR,
        note=f"Proposed {leader} ({designation.kind}).{by_date}",
        emails={
            "designation": designation,
            "areas": list(support_request.areas_of_expertise.all()),
            # Called once the deployment is saved and has its id.
            "answer_url": lambda: f"{settings.SITE_URL}/my/proposals/{deployment.pk}/",
        },
    )
    # Keep the caller's instance in step with the database, as request_transition does.
    given_request.refresh_from_db()
    return deployment


def _leaders(number):
    return "1 leader" if number == 1 else f"{number} leaders"


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

    Accepting makes the proposal accepted: the request stays proposed until the
    agreement is made (`deployment_agree`). Declining needs a
    `Deployment.DeclineReason`: the deployment is declined and, with no other
    ask open, the request goes back to finding a leader.

    `actor` is the user who records the answer: the leader themselves, or a
    coordinator with `on_behalf=True`. A leader who accepted may still decline
    before the agreement; a proposal cannot be accepted twice.
    """
    given, deployment = deployment, _lock(deployment)
    leader = deployment.leader
    support_request = deployment.request
    if deployment.status == Status.ACCEPTED and accepted:
        raise ValidationError(f"{leader} has already accepted this proposal.")
    if not deployment.is_ask:
        raise ValidationError(
            f"Only a proposal waiting for an answer can be answered; this one is "
            f"{deployment.get_status_display().lower()}."
        )
    if support_request.status in SupportRequest.CLOSED_STATUSES:
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
    if not accepted:
        if reason not in Deployment.DeclineReason.values:
            raise ValidationError({"reason": "Choose why the leader declined."})
        reason = Deployment.DeclineReason(reason)
        deployment.decline_reason = reason
        deployment.decline_note = note

    recorded_by = f" Recorded by {actor} on the leader's behalf." if on_behalf else ""
    said = "accepted the proposal" if accepted else f"declined: {reason.label.lower()}"
    apply_move(
        deployment,
        "accept" if accepted else "decline",
        actor=actor,
        by=COORDINATOR if on_behalf else LEADER,
        actor_label="" if on_behalf else str(leader),
        reason=reason,
        note=_with_note(f"{leader} {said}.{recorded_by}", note),
        fields=[] if accepted else ["decline_reason", "decline_note"],
        emails={
            "accepted": accepted,
            "note": note,
            "on_behalf": on_behalf,
            "recorded_by": actor,
            "admin_url": _request_admin_url(support_request),
        },
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
    if deployment.status == Status.PROPOSED:
        raise ValidationError(
            f"{deployment.leader} has not accepted this proposal yet: record their answer first."
        )
    check_move(deployment, "agree", by=COORDINATOR)
    if support_request.status in SupportRequest.CLOSED_STATUSES:
        raise ValidationError(
            f"Request {support_request.reference} is "
            f"{support_request.get_status_display().lower()}, so it cannot be agreed."
        )
    filled = support_request.deployments.live().count()
    if filled >= support_request.leaders_wanted:
        raise ValidationError(
            f"Request {support_request.reference} needs {_leaders(support_request.leaders_wanted)} "
            "and all its places are agreed."
        )
    # The request's other asks are locked now, before the leader: one lock order everywhere.
    other_asks = list(
        Deployment.objects.select_for_update(of=("self",))
        .filter(request_id=deployment.request_id, status__in=Deployment.ASK_STATUSES)
        .exclude(pk=deployment.pk)
        .select_related("leader", "request__alliance")
        .order_by("pk")
    )
    leader = Leader.objects.select_for_update().get(pk=deployment.leader_id)
    _check_capacity(leader, deployment=deployment, agreed_days=agreed_days, start_date=start_date)

    now = timezone.now()
    deployment.agreed_days = agreed_days
    deployment.start_date = start_date
    deployment.end_date = end_date
    deployment.daily_rate = daily_rate
    deployment.brokerage_fee = brokerage_fee
    deployment.funding_source = funding_source
    deployment.signed_by = signed_by
    deployment.signed_at = now
    deployment.full_clean()
    for position, description in enumerate(objectives):
        Objective.objects.create(deployment=deployment, description=description, position=position)
    note = (
        f"Agreed with {leader}: {plain_number(agreed_days)} days, "
        f"{long_date(start_date)} to {long_date(end_date)}."
    )
    apply_move(
        deployment,
        "agree",
        actor=actor,
        by=COORDINATOR,
        note=note,
        fields=[
            "agreed_days",
            "start_date",
            "end_date",
            "daily_rate",
            "brokerage_fee",
            "funding_source",
            "signed_by",
            "signed_at",
        ],
        emails={"objectives": objectives},
        now=now,
    )
    if filled + 1 >= support_request.leaders_wanted:
        _withdraw_other_asks(other_asks, actor=actor)
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


def days_left(leader, *, start_date, deployment=None):
    """(days the leader has left, the academic year) for work starting on `start_date`.

    Days count in the academic year a deployment starts in, as matching counts
    them; `deployment` itself is left out of the count. May be negative.
    """
    year = academic_year_bounds(start_date)
    committed = Deployment.objects.filter(leader=leader, start_date__range=year)
    if deployment is not None:
        committed = committed.exclude(pk=deployment.pk)
    return leader.days_per_year - committed.days_committed(), year


def year_label(year):
    """2026/27."""
    return f"{year[0].year}/{year[1].year % 100:02d}"


def _check_capacity(leader, *, deployment, agreed_days, start_date):
    """Refuse when the days agreed would go past what the leader has left that year.

    Call with the leader's row locked.
    """
    left, year = days_left(leader, start_date=start_date, deployment=deployment)
    if Decimal(agreed_days) <= left:
        return
    available = f"Only {plain_number(left)} of" if left > 0 else "None of"
    raise ValidationError(
        {
            "agreed_days": f"{available} {leader}'s {plain_number(leader.days_per_year)} days are left "
            f"in {year_label(year)}; this agreement needs {plain_number(agreed_days)}."
        }
    )


def _withdraw_other_asks(others, *, actor):
    """The request's places are filled: the other leaders still asked (locked) are thanked."""
    for other in others:
        apply_move(
            other,
            "withdraw",
            actor=actor,
            by=PORTAL,
            note=f"The places are filled, so the ask to {other.leader} was withdrawn.",
            emails={"places_filled": True},
        )


@transaction.atomic
def deployment_withdraw_ask(*, deployment, actor, note=""):
    """A coordinator withdraws an ask the leader has not been agreed on; the leader is told."""
    given, deployment = deployment, _lock(deployment)
    note = (note or "").strip()
    apply_move(
        deployment,
        "withdraw",
        actor=actor,
        by=COORDINATOR,
        note=_with_note(f"The ask to {deployment.leader} was withdrawn.", note),
        emails={"places_filled": False, "note": note},
    )
    given.refresh_from_db()
    return deployment


def deployments_cancel_with_request(support_request):
    """A request closed without support cancels its asks and its agreed work not yet begun.

    Called by `requests.services` with the request's row locked.
    """
    for deployment in (
        Deployment.objects.select_for_update(of=("self",))
        .filter(request=support_request, status__in=lifecycle.MOVES["cancel"].sources)
        .select_related("leader", "request__alliance")
        .order_by("pk")
    ):
        was_asked = deployment.is_ask
        apply_move(
            deployment,
            "cancel",
            actor=None,
            by=PORTAL,
            note=f"{deployment.leader}'s {deployment.get_status_display().lower()} part was "
            "cancelled with the request.",
            # A leader still being asked gets the thanks an ask withdrawn gets.
            emails={
                "templates": {lifecycle.TELLS_LEADER: "ask_withdrawn" if was_asked else None},
                "places_filled": False,
                "note": "The request has closed.",
            }
            if was_asked
            else {"closed_because": support_request.get_status_display().lower()},
        )


@transaction.atomic
def deployment_start(*, deployment, actor):
    """The agreed support is under way, on or after its agreed start date."""
    given, deployment = deployment, _lock(deployment)
    apply_move(
        deployment,
        "start",
        actor=actor,
        by=_role(actor, deployment),
        note=f"Delivery of {deployment.leader}'s support started.",
    )
    given.refresh_from_db()
    return deployment


@transaction.atomic
def deployment_pause(*, deployment, actor, reason, resume_expected):
    """Pause work in delivery, with the reason and when it should resume; both sides are told."""
    given, deployment = deployment, _lock(deployment)
    reason = (reason or "").strip()
    deployment.pause_reason = reason
    deployment.resume_expected = resume_expected
    apply_move(
        deployment,
        "pause",
        actor=actor,
        by=_role(actor, deployment),
        reason=reason,
        resume_expected=resume_expected,
        note=f"{deployment.leader}'s support was paused until about "
        f"{long_date(resume_expected) if resume_expected else '?'}: {reason}",
        fields=["pause_reason", "resume_expected"],
    )
    given.refresh_from_db()
    return deployment


@transaction.atomic
def deployment_resume(*, deployment, actor, note=""):
    """Resume paused work; both sides are told."""
    given, deployment = deployment, _lock(deployment)
    note = (note or "").strip()
    apply_move(
        deployment,
        "resume",
        actor=actor,
        by=_role(actor, deployment),
        note=_with_note(f"{deployment.leader}'s support resumed.", note),
        emails={"note": note},
    )
    given.refresh_from_db()
    return deployment


@transaction.atomic
def deployment_complete(*, deployment, actor, confirmed=False):
    """The support has finished: the deployment is completed, with the days it delivered.

    Needs support logged and a confirmation (the impact report is the
    leader's). The school's contact is emailed a private link to evaluate it.
    """
    given, deployment = deployment, _lock(deployment)
    apply_move(
        deployment,
        "complete",
        actor=actor,
        by=_role(actor, deployment),
        confirmed=confirmed,
        note=f"{deployment.leader}'s support was completed.",
        fields=["days_delivered"],
        emails=_evaluation_context(deployment),
    )
    given.refresh_from_db()
    return deployment


@transaction.atomic
def deployment_stop(*, deployment, actor, reason, note, confirmed=False):
    """Stop agreed work early, with a reason from `Deployment.StopReason` and a note.

    Delivered days stay counted and the rest go back to the leader; planned
    sessions after today are cancelled. When something was delivered the
    school is asked for its view, worded for an early end.
    """
    given, deployment = deployment, _lock(deployment)
    note = (note or "").strip()
    if reason not in Deployment.StopReason.values:
        raise ValidationError({"reason": "Choose why the support is stopping."})
    if not note:
        raise ValidationError({"note": "Say in a sentence what happened."})
    reason = Deployment.StopReason(reason)
    deployment.stop_reason = reason
    deployment.stop_note = note
    delivered = deployment.days_delivered_now()
    emails = _evaluation_context(deployment) if delivered > 0 else {}
    emails["templates"] = {
        lifecycle.TELLS_SCHOOL: "school_evaluation_request"
        if delivered > 0
        else "deployment_changed"
    }
    apply_move(
        deployment,
        "stop",
        actor=actor,
        by=_role(actor, deployment),
        reason=reason,
        confirmed=confirmed,
        note=f"{deployment.leader}'s support was stopped early after "
        f"{plain_number(delivered)} of {plain_number(deployment.agreed_days)} days: "
        f"{reason.label.lower()}. {note}",
        fields=["stop_reason", "stop_note", "days_delivered"],
        emails={**emails, "stopped_early": True},
    )
    given.refresh_from_db()
    return deployment


@transaction.atomic
def deployment_vary(
    *, deployment, actor, reason, agreed_days=None, start_date=None, end_date=None, objectives=None
):
    """Change agreed work's days, dates or objectives, with the reason; both sides are told.

    A value left as None stays as it is. Extra days are checked against the
    leader's capacity under the leader's lock. The start date changes only
    before delivery starts, and the objectives only before the impact report.
    """
    given, deployment = deployment, _lock(deployment)
    reason = (reason or "").strip()
    check_move(deployment, "vary", by=_role(actor, deployment), reason=reason)
    before = {
        "days": deployment.agreed_days,
        "start": deployment.start_date,
        "end": deployment.end_date,
        "objectives": [objective.description for objective in deployment.objectives.all()],
    }
    after = {
        "days": before["days"] if agreed_days is None else Decimal(agreed_days),
        "start": before["start"] if start_date is None else start_date,
        "end": before["end"] if end_date is None else end_date,
        "objectives": before["objectives"]
        if objectives is None
        else [text.strip() for text in objectives if text and text.strip()],
    }
    errors = {}
    if after["days"] <= 0:
        errors["agreed_days"] = "The agreed days must be more than zero."
    elif after["days"] < deployment.days_delivered_now():
        errors["agreed_days"] = (
            f"{plain_number(deployment.days_delivered_now())} days are already delivered, so the "
            "agreed days cannot be fewer."
        )
    if after["start"] != before["start"] and deployment.status != Status.AGREED:
        errors["start_date"] = "The start date can change only before delivery starts."
    if after["end"] < after["start"]:
        errors["end_date"] = "The end date must not be before the start date."
    if after["objectives"] != before["objectives"]:
        if not after["objectives"]:
            errors["objectives"] = "Keep at least one objective."
        elif any(len(text) > OBJECTIVE_LENGTH for text in after["objectives"]):
            errors["objectives"] = f"Keep each objective to {OBJECTIVE_LENGTH} characters or fewer."
        elif hasattr(deployment, "impact_report"):
            errors["objectives"] = "The impact report is sent, so the objectives are fixed."
    if after == before:
        errors.setdefault("reason", "Change the days, a date or the objectives to vary the work.")
    if errors:
        raise ValidationError(errors)
    if after["days"] > before["days"] or after["start"] != before["start"]:
        leader = Leader.objects.select_for_update().get(pk=deployment.leader_id)
        _check_capacity(
            leader, deployment=deployment, agreed_days=after["days"], start_date=after["start"]
        )

    variation = Variation.objects.create(
        deployment=deployment,
        reason=reason,
        made_by=actor,
        days_before=before["days"],
        days_after=after["days"],
        start_before=before["start"],
        start_after=after["start"],
        end_before=before["end"],
        end_after=after["end"],
        objectives_before="\n".join(before["objectives"]),
        objectives_after="\n".join(after["objectives"]),
    )
    if after["objectives"] != before["objectives"]:
        _replace_objectives(deployment, after["objectives"])
    deployment.agreed_days, deployment.start_date, deployment.end_date = (
        after["days"],
        after["start"],
        after["end"],
    )
    deployment.full_clean()
    apply_move(
        deployment,
        "vary",
        actor=actor,
        by=_role(actor, deployment),
        reason=reason,
        note=f"{deployment.leader}'s agreement was varied ({'; '.join(variation.changes())}): "
        f"{reason}",
        fields=["agreed_days", "start_date", "end_date"],
        emails={"variation": variation, "objectives": after["objectives"]},
    )
    given.refresh_from_db()
    return variation


def _replace_objectives(deployment, descriptions):
    """Keep the objectives whose words stay, drop the others, add the new; in the given order."""
    current = {objective.description: objective for objective in deployment.objectives.all()}
    for position, description in enumerate(descriptions):
        objective = current.pop(description, None)
        if objective is None:
            Objective.objects.create(
                deployment=deployment, description=description, position=position
            )
        elif objective.position != position:
            objective.position = position
            objective.save(update_fields=["position", "updated_at"])
    for objective in current.values():
        objective.delete()


def _evaluation_context(deployment):
    expires = timezone.now() + EVALUATION_LINK_LIFETIME
    return {
        "objectives": list(deployment.objectives.all()),
        "evaluation_url": evaluation_url(deployment),
        "link_expires_on": timezone.localdate(expires),
    }


def _role(actor, deployment):
    """The leader acts for themselves; anyone else here is a coordinator (admin pages)."""
    if actor is not None and actor.pk == deployment.leader.user_id:
        return LEADER
    return COORDINATOR


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
