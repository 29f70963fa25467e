"""A request's timeline for the coordinator, in people's words.

"1 December 2026, 8:28pm: Priya Shah sent the request." The person is whoever
pressed the button (the signed-in user), or the name recorded for someone
without an account (the school's contact, the portal itself).
"""

from dataclasses import dataclass
from datetime import datetime

from .models import SupportRequest

Status = SupportRequest.Status

# What reaching each state says about the person who moved it there.
DID = {
    Status.NEW: "sent the request",
    Status.TRIAGED: "triaged the request",
    Status.MATCHING: "moved it to finding a leader",
    Status.PROPOSED: "asked a leader",
    Status.AGREED: "agreed the support",
    Status.IN_DELIVERY: "moved it to in delivery",
    Status.COMPLETED: "moved it to completed",
    Status.EVALUATED: "marked it evaluated",
    Status.WITHDRAWN: "closed it as withdrawn by the school",
    Status.DECLINED: "declined it for the alliance",
    Status.NO_MATCH: "closed it: no match found",
    Status.LAPSED: "closed it as lapsed",
}


@dataclass
class Line:
    when: datetime
    who: str
    what: str
    note: str
    is_note: bool
    shown_to_leader: bool


def who_acted(event):
    if event.actor_id:
        return event.actor.full_name or event.actor.email
    return event.actor_label or "The portal"


def timeline_lines(events):
    """Each event as a line; call with the events' actors selected (one query for all)."""
    lines = []
    for event in events:
        is_note = event.is_note
        what = "added a note" if is_note and event.actor_id else DID[event.to_status]
        if is_note and not event.actor_id:
            what = "recorded"
        if not event.from_status and event.actor_id:
            what = "added the request"
        lines.append(
            Line(
                when=event.created_at,
                who=who_acted(event),
                what=what,
                note=event.note,
                is_note=is_note,
                shown_to_leader=event.shown_to_leader,
            )
        )
    return lines
