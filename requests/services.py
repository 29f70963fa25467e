"""Writes to support requests: submission, routing and every change of state.

The public form, the school's tracking page, the admin and the leader portal
all change a request's state through `request_transition`, so the rules live
in one table and every change lands on the request's timeline.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from alliance_portal.notifications.services import email_queue
from alliance_portal.pages.formats import shortened
from alliance_portal.schools.routing import alliance_for_local_authority
from deployments.models import Deployment

from .models import RequestEvent, SupportRequest
from .tracking import tracking_url

Status = SupportRequest.Status
# Who acted, when it is composed from a person's and a school's names, is cut to fit.
ACTOR_LABEL_LENGTH = RequestEvent._meta.get_field("actor_label").max_length

# Which states a request may move to from each state. Closed states lead nowhere.
TRANSITIONS = {
    Status.NEW: {Status.TRIAGED, Status.DECLINED, Status.WITHDRAWN, Status.LAPSED},
    Status.TRIAGED: {Status.MATCHING, Status.DECLINED, Status.WITHDRAWN, Status.LAPSED},
    Status.MATCHING: {
        Status.PROPOSED,
        Status.NO_MATCH,
        Status.DECLINED,
        Status.WITHDRAWN,
        Status.LAPSED,
    },
    # Back to matching when the proposed leader declines; completed when a team's other
    # leader had finished their work and the last ask closes.
    Status.PROPOSED: {
        Status.AGREED,
        Status.MATCHING,
        Status.COMPLETED,
        Status.WITHDRAWN,
        Status.LAPSED,
    },
    # Back to matching (or to an ask still open) when agreed work stops with
    # nothing delivered; completed when a team's other work had delivered.
    Status.AGREED: {
        Status.IN_DELIVERY,
        Status.PROPOSED,
        Status.MATCHING,
        Status.COMPLETED,
        Status.WITHDRAWN,
    },
    Status.IN_DELIVERY: {Status.COMPLETED, Status.AGREED, Status.PROPOSED, Status.MATCHING},
    Status.COMPLETED: {Status.EVALUATED},
    Status.EVALUATED: set(),
    Status.WITHDRAWN: set(),
    Status.DECLINED: set(),
    Status.NO_MATCH: set(),
    Status.LAPSED: set(),
}

# Closing a request without support always needs a reason on record.
NEEDS_REASON = {Status.WITHDRAWN, Status.DECLINED, Status.NO_MATCH, Status.LAPSED}

# The states a request reaches only because its deployments did (deployments.lifecycle):
# a leader proposed, work agreed, begun and finished.
DEPLOYMENT_STAGES = {Status.PROPOSED, Status.AGREED, Status.IN_DELIVERY, Status.COMPLETED}


class TransitionError(ValidationError):
    """The change of state is not allowed; the message says why, for a person."""


def can_transition(support_request, to_status):
    return to_status in TRANSITIONS[support_request.status]


def owned_by_deployments(from_status, to_status):
    """Whether a move belongs to the deployments: into their stages, or back out to matching."""
    return to_status in DEPLOYMENT_STAGES or (
        from_status in DEPLOYMENT_STAGES and to_status == Status.MATCHING
    )


def request_transition(*, support_request, to_status, actor=None, actor_label="", note=""):
    """Move a request to another state and record who, when and why.

    For the moves a person makes on the request itself: triage, matching,
    closing. The moves that follow its deployments are refused here; they
    happen only through `deployments.services` (see `owned_by_deployments`).
    """
    return _transition(
        support_request=support_request,
        to_status=to_status,
        actor=actor,
        actor_label=actor_label,
        note=note,
        by_deployments=False,
    )


def request_follow_deployments(*, support_request, to_status, actor=None, actor_label="", note=""):
    """The request's move that its deployments call for. Only deployments.lifecycle calls this."""
    return _transition(
        support_request=support_request,
        to_status=to_status,
        actor=actor,
        actor_label=actor_label,
        note=note,
        by_deployments=True,
    )


@transaction.atomic
def _transition(*, support_request, to_status, actor, actor_label, note, by_deployments):
    """The row is locked while it changes, so two people acting at once cannot both move
    it. Raises TransitionError and changes nothing when the move is not allowed or a
    needed reason is missing.
    """
    locked = SupportRequest.objects.select_for_update().get(pk=support_request.pk)
    to_status = Status(to_status)
    if not can_transition(locked, to_status):
        raise TransitionError(
            f"A request that is {locked.get_status_display().lower()} cannot be moved "
            f"to {to_status.label.lower()}."
        )
    if owned_by_deployments(locked.status, to_status) != by_deployments:
        if by_deployments:
            raise TransitionError(
                f"A deployment cannot move a request to {to_status.label.lower()}."
            )
        raise TransitionError(
            f"Request {locked.reference} moves to {to_status.label.lower()} only through its "
            "deployments: propose a leader from the shortlist, or record the leader's answer, "
            "the agreement, the start, a pause or the end on the deployment."
        )
    note = (note or "").strip()
    if to_status in NEEDS_REASON and not note:
        raise TransitionError("Give a reason for closing this request.")

    now = timezone.now()
    event = RequestEvent.objects.create(
        request=locked,
        from_status=locked.status,
        to_status=to_status,
        actor=actor,
        actor_label=shortened(actor_label, ACTOR_LABEL_LENGTH),
        note=note,
        created_at=now,
    )
    locked.status = to_status
    locked.status_changed_at = now
    fields = ["status", "status_changed_at", "updated_at"]
    if to_status in SupportRequest.CLOSED_STATUSES:
        locked.closed_at = now
        fields.append("closed_at")
        if to_status in NEEDS_REASON:
            locked.closed_reason = note
            fields.append("closed_reason")
    locked.save(update_fields=fields)
    if to_status in NEEDS_REASON:
        _cancel_open_deployments(locked)
        email_queue(
            to=locked.contact_email,
            template="request_closed_school",
            context={"support_request": locked, "tracking_url": tracking_url(locked)},
            topic="request-closed",
        )
    # Keep the caller's instance in step with the database.
    support_request.refresh_from_db()
    return event


def _cancel_open_deployments(support_request):
    """A request closed without support takes its open proposals and agreements with it."""
    from deployments.services import deployments_cancel_with_request

    deployments_cancel_with_request(support_request)


def requests_to_lapse(*, days=None, now=None):
    """Open requests nobody has moved on for `days` days (settings.REQUEST_LAPSE_DAYS)."""
    days = settings.REQUEST_LAPSE_DAYS if days is None else days
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    waiting = [status for status, targets in TRANSITIONS.items() if Status.LAPSED in targets]
    # A team's request waiting on one ask while another leader's work is agreed or done
    # has moved on: it is not left waiting, and closing it would contradict that work.
    return SupportRequest.objects.filter(status__in=waiting, status_changed_at__lt=cutoff).exclude(
        deployments__status__in=Deployment.COMMITTED_STATUSES
    )


def requests_lapse(*, days=None, now=None):
    """Close every request that has waited too long, each in its own transaction."""
    days = settings.REQUEST_LAPSE_DAYS if days is None else days
    closed = []
    for support_request in requests_to_lapse(days=days, now=now).order_by("pk"):
        request_transition(
            support_request=support_request,
            to_status=Status.LAPSED,
            actor_label="Portal (no response)",
            note=f"Closed after {days} days with no progress.",
        )
        closed.append(support_request)
    return closed


CIRCUMSTANCE_FLAGS = (
    "in_ofsted_category",
    "new_headteacher",
    "facing_closure",
    "below_floor_standards",
)


@transaction.atomic
def request_submit(*, school=None, school_by_hand=None, contact, need):
    """Save a school's request, put it on its timeline and queue the emails.

    `school` is a School from the register; otherwise `school_by_hand` holds
    school_name, postcode and local_authority (or None). `contact` and `need`
    are the cleaned data of the journey's steps. The emails are queued in the
    same transaction and sent after it commits, so a mail server that is down
    never loses a request.
    """
    if school is not None:
        alliance, routed_to_default = alliance_for_local_authority(school.local_authority_id)
        by_hand = {}
    else:
        local_authority = school_by_hand.get("local_authority")
        alliance, routed_to_default = alliance_for_local_authority(
            local_authority.pk if local_authority else None
        )
        by_hand = {
            "school_name_given": school_by_hand["school_name"],
            "school_postcode_given": school_by_hand["postcode"],
        }
    circumstances = set(need.get("circumstances", []))
    support_request = SupportRequest.objects.create(
        school=school,
        **by_hand,
        alliance=alliance,
        routed_to_default=routed_to_default,
        contact_name=contact["contact_name"],
        contact_role=contact["contact_role"],
        contact_email=contact["contact_email"],
        contact_phone=contact.get("contact_phone", ""),
        designation_sought=need["designation_sought"],
        **{flag: flag in circumstances for flag in CIRCUMSTANCE_FLAGS},
        other_circumstances=need.get("other_circumstances", ""),
        outcomes_sought=need["outcomes_sought"],
        preferred_start=need.get("preferred_start"),
        estimated_days=need.get("estimated_days"),
        funding=need["funding"],
        privacy_consent_at=timezone.now(),
    )
    support_request.areas_of_expertise.set(need["areas_of_expertise"])
    RequestEvent.objects.create(
        request=support_request,
        to_status=Status.NEW,
        actor_label=shortened(
            f"{support_request.contact_name}, {support_request.school_display_name}",
            ACTOR_LABEL_LENGTH,
        ),
        note="Sent through the public request form.",
    )
    _queue_request_received(support_request)
    return support_request


def _queue_request_received(support_request):
    # Only the school gets its private tracking link; the coordinators get the admin page.
    email_queue(
        to=support_request.contact_email,
        template="request_received_school",
        context={"support_request": support_request, "tracking_url": tracking_url(support_request)},
        topic="request-received",
    )
    email_queue(
        to=support_request.alliance.notification_emails(),
        template="request_received_coordinators",
        context={
            "support_request": support_request,
            "admin_url": settings.SITE_URL
            + reverse("admin:support_requests_supportrequest_change", args=[support_request.pk]),
        },
        topic="request-received",
    )


def timeline_note(
    support_request, note, *, actor=None, actor_label="", shown_to_leader=False, created_at=None
):
    """A line on the request's timeline that changes no state: a note, an owner's change, a
    deployment's move that leaves the request where it is."""
    return RequestEvent.objects.create(
        request=support_request,
        from_status=support_request.status,
        to_status=support_request.status,
        actor=actor,
        actor_label=shortened(actor_label, ACTOR_LABEL_LENGTH),
        note=note,
        shown_to_leader=shown_to_leader,
        created_at=created_at or timezone.now(),
    )


@transaction.atomic
def request_assign(*, support_request, owner, actor):
    """Make `owner` (a coordinator of the request's alliance, or None) look after the request.

    The change goes on the timeline in words: who took, assigned or
    transferred the case. Refuses an owner who is not an active coordinator of
    the request's alliance.
    """
    locked = (
        SupportRequest.objects.select_for_update(of=("self",))
        .select_related("owner")
        .get(pk=support_request.pk)
    )
    if owner is not None and not (
        owner.is_active and owner.is_staff and owner.alliance_id == locked.alliance_id
    ):
        raise ValidationError(
            {"owner": f"Choose a coordinator of {locked.alliance}: {owner} is not one."}
        )
    before = locked.owner
    if before == owner:
        raise ValidationError({"owner": f"{owner or 'Nobody'} already looks after this case."})
    if owner is None:
        note = f"{actor} took {before} off the case; nobody owns it now."
    elif before is None and owner == actor:
        note = f"{actor} took the case."
    elif before is None:
        note = f"{actor} assigned the case to {owner}."
    else:
        note = f"{actor} moved the case from {before} to {owner}."
    locked.owner = owner
    locked.save(update_fields=["owner", "updated_at"])
    timeline_note(locked, note, actor=actor)
    support_request.refresh_from_db()
    return locked
