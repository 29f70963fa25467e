"""A deployment's life: the one table of its moves, and the one function that makes them.

Every change of a deployment's state, from any page, command or builder, is
a move in `MOVES` applied by `apply_move`. The table says, for each move:
the states it starts from and the state it ends in, who may make it, what it
needs before it is allowed, and who is told. `apply_move` checks all of that,
writes the new state and its timestamp, puts a line on the request's
timeline, moves the request to the state its deployments now call for (see
`request_state_for`) and queues the emails. The services in
`deployments.services` do the checks particular to one move (the terms of an
agreement, the leader's capacity) and then call it.

Call it inside a transaction with the rows locked in the one order every path
uses: the request first, then its deployments, then the leader
(`deployments.services._lock`).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from alliance_portal.notifications.services import email_queue
from alliance_portal.pages.formats import long_date
from requests.models import SupportRequest

from .models import Deployment, PlannedSession

Status = Deployment.Status
RequestStatus = SupportRequest.Status

# Who makes a move: a coordinator of the request's alliance, the deployed leader, or
# the portal itself (a request closing, the places on a team filling up).
COORDINATOR, LEADER, PORTAL = "coordinator", "leader", "portal"

# What a move needs before it is allowed.
NEEDS_REASON = "a reason"
NEEDS_CONFIRMATION = "a confirmation"
NEEDS_RESUME_DATE = "an expected resume date"
NEEDS_START_DATE_REACHED = "the agreed start date to have come"
NEEDS_SUPPORT_LOGGED = "support logged"

# Who is told.
TELLS_LEADER, TELLS_SCHOOL, TELLS_COORDINATORS = "leader", "school", "coordinators"


@dataclass(frozen=True)
class Move:
    name: str
    label: str
    sources: tuple  # the states it starts from; () for a new deployment
    target: str | None  # None: the state stays as it is (a variation)
    by: frozenset
    needs: tuple = ()
    tells: tuple = ()
    template: str = ""
    stamp: str = ""  # the timestamp field set when the move is made

    @property
    def one_way(self):
        return NEEDS_CONFIRMATION in self.needs


MOVES = {
    move.name: move
    for move in (
        Move(
            "propose",
            "Propose the leader",
            sources=(),
            target=Status.PROPOSED,
            by=frozenset({COORDINATOR}),
            tells=(TELLS_LEADER,),
            template="proposal_to_leader",
            stamp="proposed_at",
        ),
        Move(
            "accept",
            "Accept the proposal",
            sources=(Status.PROPOSED,),
            target=Status.ACCEPTED,
            by=frozenset({LEADER, COORDINATOR}),
            tells=(TELLS_COORDINATORS,),
            template="leader_answer_to_coordinators",
            stamp="responded_at",
        ),
        Move(
            "decline",
            "Decline the proposal",
            sources=Deployment.ASK_STATUSES,
            target=Status.DECLINED,
            by=frozenset({LEADER, COORDINATOR}),
            needs=(NEEDS_REASON,),
            tells=(TELLS_COORDINATORS,),
            template="leader_answer_to_coordinators",
            stamp="responded_at",
        ),
        Move(
            "withdraw",
            "Withdraw the proposal",
            sources=Deployment.ASK_STATUSES,
            target=Status.CANCELLED,
            by=frozenset({COORDINATOR, PORTAL}),
            tells=(TELLS_LEADER,),
            template="ask_withdrawn",
            stamp="cancelled_at",
        ),
        Move(
            "agree",
            "Agree the deployment",
            sources=(Status.ACCEPTED,),
            target=Status.AGREED,
            by=frozenset({COORDINATOR}),
            tells=(TELLS_SCHOOL, TELLS_LEADER),
            template="deployment_agreed",
            stamp="agreed_at",
        ),
        Move(
            "start",
            "Start delivery",
            sources=(Status.AGREED,),
            target=Status.IN_DELIVERY,
            by=frozenset({COORDINATOR, LEADER}),
            needs=(NEEDS_START_DATE_REACHED,),
            stamp="started_at",
        ),
        Move(
            "pause",
            "Pause the support",
            sources=(Status.IN_DELIVERY,),
            target=Status.PAUSED,
            by=frozenset({COORDINATOR}),
            needs=(NEEDS_REASON, NEEDS_RESUME_DATE),
            tells=(TELLS_SCHOOL, TELLS_LEADER),
            template="deployment_changed",
            stamp="paused_at",
        ),
        Move(
            "resume",
            "Resume the support",
            sources=(Status.PAUSED,),
            target=Status.IN_DELIVERY,
            by=frozenset({COORDINATOR}),
            tells=(TELLS_SCHOOL, TELLS_LEADER),
            template="deployment_changed",
        ),
        Move(
            "vary",
            "Vary the agreement",
            sources=Deployment.LIVE_STATUSES,
            target=None,
            by=frozenset({COORDINATOR}),
            needs=(NEEDS_REASON,),
            tells=(TELLS_SCHOOL, TELLS_LEADER),
            template="deployment_changed",
        ),
        Move(
            "complete",
            "Mark the support completed",
            sources=(Status.IN_DELIVERY,),
            target=Status.COMPLETED,
            by=frozenset({COORDINATOR, LEADER}),
            needs=(NEEDS_SUPPORT_LOGGED, NEEDS_CONFIRMATION),
            tells=(TELLS_SCHOOL,),
            template="school_evaluation_request",
            stamp="completed_at",
        ),
        Move(
            "stop",
            "Stop the support early",
            sources=Deployment.LIVE_STATUSES,
            target=Status.STOPPED,
            by=frozenset({COORDINATOR}),
            needs=(NEEDS_REASON, NEEDS_CONFIRMATION),
            tells=(TELLS_SCHOOL, TELLS_LEADER),
            template="deployment_changed",
            stamp="stopped_at",
        ),
        Move(
            "cancel",
            "Cancel with the request",
            sources=(*Deployment.ASK_STATUSES, Status.AGREED),
            target=Status.CANCELLED,
            by=frozenset({PORTAL}),
            tells=(TELLS_LEADER,),
            template="deployment_changed",
            stamp="cancelled_at",
        ),
    )
}


class MoveRefused(ValidationError):
    """The move is not allowed now; the message says why, for a person."""


def moves_from(status, by=None):
    """The moves a deployment in `status` allows (to `by`, when given), in the table's order."""
    return [
        move for move in MOVES.values() if status in move.sources and (by is None or by in move.by)
    ]


def check_move(
    deployment, name, *, by, confirmed=False, reason="", resume_expected=None, today=None
):
    """Refuse, saying why, when `by` may not make move `name` on `deployment` now."""
    move = MOVES[name]
    current = deployment.status if deployment.pk else None
    support_request = deployment.request
    if name != "cancel" and support_request.status in SupportRequest.CLOSED_STATUSES:
        raise MoveRefused(
            f"Request {support_request.reference} is "
            f"{support_request.get_status_display().lower()}, so its deployments cannot change."
        )
    if move.sources and current not in move.sources:
        raise MoveRefused(
            f"{move.label} is not possible: this deployment is "
            f"{deployment.get_status_display().lower()}."
        )
    if by not in move.by:
        who = {COORDINATOR: "a coordinator", LEADER: "the leader", PORTAL: "the portal"}[by]
        raise MoveRefused(f"{move.label} is not something {who} can do.")
    today = today or timezone.localdate()
    if NEEDS_REASON in move.needs and not (reason or "").strip():
        raise MoveRefused({"reason": "Give the reason."})
    if NEEDS_RESUME_DATE in move.needs:
        if resume_expected is None:
            raise MoveRefused({"resume_expected": "Give the date the support should resume."})
        if resume_expected <= today:
            raise MoveRefused({"resume_expected": "The resume date must be in the future."})
    if NEEDS_START_DATE_REACHED in move.needs and deployment.start_date > today:
        raise MoveRefused(
            f"This support is agreed to start on {long_date(deployment.start_date)}. To start "
            "earlier, vary the start date first, with the reason; the leader and the school "
            "are told."
        )
    if NEEDS_SUPPORT_LOGGED in move.needs and deployment.days_delivered_now() <= 0:
        raise MoveRefused(
            "No support has been logged, so it cannot be completed. If the work ended without "
            "happening, stop it early with the reason."
        )
    if move.one_way and not confirmed:
        raise MoveRefused({"confirm": "Confirm that you want to do this: it cannot be undone."})
    return move


def apply_move(
    deployment,
    name,
    *,
    actor,
    by,
    note,
    actor_label="",
    confirmed=False,
    reason="",
    resume_expected=None,
    fields=(),
    emails=None,
    now=None,
):
    """Make move `name` on `deployment` (locked, or new and unsaved) and all that follows.

    `note` is the timeline's line, in people's words. `fields` names the other
    fields the caller has set on the deployment, to be saved with the state.
    `emails` is {template context additions}, used for the move's emails; the
    deployment, request and leader are always in the context.
    """
    move = check_move(
        deployment, name, by=by, confirmed=confirmed, reason=reason, resume_expected=resume_expected
    )
    now = now or timezone.now()
    changed = list(fields)
    if move.target is not None:
        deployment.status = move.target
        changed.append("status")
    if move.stamp:
        setattr(deployment, move.stamp, now)
        changed.append(move.stamp)
    if move.target in Deployment.ENDED_STATUSES and move.target != Status.DECLINED:
        _end(deployment, changed, today=timezone.localdate())
    if deployment.pk is None:
        deployment.full_clean()
        deployment.save()
    else:
        deployment.save(update_fields=[*dict.fromkeys(changed), "updated_at"])

    support_request = deployment.request
    if by == PORTAL:
        actor_label = "Portal"
    _request_follows(support_request, actor=actor, actor_label=actor_label, note=note, now=now)
    if move.template:
        _tell(move, deployment, support_request, emails or {})
    return deployment


def _end(deployment, changed, *, today):
    """Work that ends records the days it delivered and leaves the calendar."""
    if deployment.status in Deployment.DELIVERED_STATUSES:
        deployment.days_delivered = deployment.days_delivered_now()
        changed.append("days_delivered")
    PlannedSession.objects.filter(deployment=deployment, date__gt=today).delete()


def request_state_for(deployments):
    """The state a request's deployments call for, by one rule for one leader or a team.

    Work under way (or paused) outranks work agreed, which outranks asks still
    open; with nothing open, the request is completed when something was
    delivered, and otherwise back to finding a leader.
    """
    statuses = {deployment.status for deployment in deployments}
    if statuses & {Status.IN_DELIVERY, Status.PAUSED}:
        return RequestStatus.IN_DELIVERY
    if Status.AGREED in statuses:
        return RequestStatus.AGREED
    if statuses & set(Deployment.ASK_STATUSES):
        return RequestStatus.PROPOSED
    if any(deployment.delivered_something for deployment in deployments):
        return RequestStatus.COMPLETED
    return RequestStatus.MATCHING


def _request_follows(support_request, *, actor, actor_label, note, now):
    """Move the request to the state its deployments call for, or note the move on its timeline."""
    from requests.services import request_follow_deployments, timeline_note

    locked = SupportRequest.objects.get(pk=support_request.pk)
    wanted = request_state_for(list(locked.deployments.all()))
    if wanted != locked.status and locked.status not in SupportRequest.CLOSED_STATUSES:
        request_follow_deployments(
            support_request=locked,
            to_status=wanted,
            actor=actor,
            actor_label=actor_label,
            note=note,
        )
    else:
        timeline_note(locked, note, actor=actor, actor_label=actor_label, created_at=now)
    support_request.refresh_from_db()


# The topic each move's emails are filed under in the outbox.
TOPICS = {
    "propose": "proposal",
    "accept": "leader-answer",
    "decline": "leader-answer",
    "agree": "deployment-agreed",
    "complete": "school-evaluation",
}


def _tell(move, deployment, support_request, extra):
    """Queue the move's emails: one template for all, unless `extra["templates"]` gives one
    per audience (None: that audience is not told this time)."""
    leader = deployment.leader
    recipients = {
        TELLS_LEADER: [leader.email],
        TELLS_SCHOOL: [support_request.contact_email],
        TELLS_COORDINATORS: support_request.alliance.notification_emails(),
    }
    extra = {key: value() if callable(value) else value for key, value in extra.items()}
    templates = extra.pop("templates", {})
    context = {
        "deployment": deployment,
        "support_request": support_request,
        "leader": leader,
        "move": move.name,
        **extra,
    }
    for audience in move.tells:
        template = templates.get(audience, move.template)
        if template is None:
            continue
        email_queue(
            to=recipients[audience],
            template=template,
            context={**context, "audience": audience},
            topic=TOPICS.get(move.name, f"deployment-{move.name}"),
        )
