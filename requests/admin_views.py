"""Brokering on a support request's admin page: its next states and the shortlist.

The change page offers the moves a coordinator makes by hand (triage, start
matching, close without support) and the ranked shortlist with a "Propose"
button per leader. Each button posts to one of the views below, which the
request's ModelAdmin mounts under its own URLs (`get_urls`, wrapped in
`admin_site.admin_view`). The views look the request up through the admin's
`get_object`, so another alliance's request is a 404, refuse users without
change permission (403), and write only through the services.
"""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from alliance_portal.accounts import scoping
from alliance_portal.accounts.admin_scoping import changeable_object
from deployments.matching import shortlist
from deployments.services import PROPOSABLE_REQUEST_STATUSES, deployment_propose
from leaders.models import Designation, Leader

from .caseload import facts_from, next_action
from .models import SupportRequest
from .services import (
    NEEDS_REASON,
    TRANSITIONS,
    can_transition,
    owned_by_deployments,
    request_assign,
    request_transition,
    timeline_note,
)
from .timeline import timeline_lines

Status = SupportRequest.Status

# The button for each state a coordinator moves a request to by hand.
STEP_LABELS = {
    Status.TRIAGED: "Mark as triaged",
    Status.MATCHING: "Start matching",
    Status.EVALUATED: "Mark as evaluated",
    Status.DECLINED: "Decline with reason",
    Status.NO_MATCH: "No match found",
    Status.WITHDRAWN: "Withdrawn by the school",
    Status.LAPSED: "Close as lapsed",
}

# The order the buttons appear in: moving on first, closing after.
STEP_ORDER = list(STEP_LABELS)

SHOW_EXCLUDED_PARAM = "show_excluded"


def manual_steps(status):
    """The states a coordinator may move a request in `status` to from its admin page.

    From TRANSITIONS, less the moves its deployments own (`owned_by_deployments`):
    a proposed request goes back to matching only when the leader declines or
    the ask is withdrawn, on the deployment.
    """
    allowed = {
        to_status
        for to_status in TRANSITIONS[Status(status)]
        if not owned_by_deployments(status, to_status)
    }
    return [
        {
            "to_status": to_status,
            "label": STEP_LABELS[to_status],
            "needs_reason": to_status in NEEDS_REASON,
            "closes": to_status in SupportRequest.CLOSED_STATUSES,
        }
        for to_status in STEP_ORDER
        if to_status in allowed
    ]


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=Status.choices)
    note = forms.CharField(required=False, max_length=2000)
    confirm = forms.BooleanField(required=False)


class NoteForm(forms.Form):
    note = forms.CharField(max_length=2000)
    shown_to_leader = forms.BooleanField(required=False)


# A request from the same school sent this close to another open one is likely the same need.
LIKELY_DUPLICATE_DAYS = 30
# Other requests are listed while open, or for this long after they were sent.
OTHER_REQUESTS_DAYS = 365


def other_requests(user, support_request):
    """The school's and its trust's other requests the user may see: open ones, and recent."""
    school = support_request.school
    if school is not None:
        same = Q(school=school)
        if school.trust_id:
            same |= Q(school__trust_id=school.trust_id)
    else:
        same = Q(school__isnull=True, school_name_given__iexact=support_request.school_name_given)
    since = support_request.created_at - datetime.timedelta(days=OTHER_REQUESTS_DAYS)
    found = list(
        scoping.requests_for(user)
        .filter(same)
        .filter(Q(created_at__gte=since) | ~Q(status__in=SupportRequest.CLOSED_STATUSES))
        .exclude(pk=support_request.pk)
        .select_related("school")
        .order_by("-created_at")[:10]
    )
    window = datetime.timedelta(days=LIKELY_DUPLICATE_DAYS)
    for other in found:
        other.same_school = other.school_id == support_request.school_id
        other.likely_duplicate = (
            other.same_school
            and not other.is_closed
            and abs(other.created_at - support_request.created_at) <= window
        )
    return found


class ProposeForm(forms.Form):
    leader = forms.ModelChoiceField(queryset=Leader.objects.none())
    designation = forms.ModelChoiceField(queryset=Designation.objects.none(), required=False)
    answer_by = forms.DateField(required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = scoping.leaders_for(user)
        self.fields["designation"].queryset = scoping.designations_for(user)


def brokering_context(model_admin, request, support_request):
    """What the request's change page shows above its form: next steps, deployments, shortlist."""
    can_change = model_admin.has_change_permission(request, support_request)
    show_excluded = request.GET.get(SHOW_EXCLUDED_PARAM) == "1"
    result = None
    deployments = list(
        support_request.deployments.select_related("leader", "designation").order_by(
            "created_at", "pk"
        )
    )
    places_open = support_request.leaders_wanted > sum(
        1 for deployment in deployments if deployment.is_live
    )
    if support_request.status in PROPOSABLE_REQUEST_STATUSES and places_open:
        # Computed once per page view; the school and its phase come with the request.
        result = shortlist(support_request, include_excluded=show_excluded)
    others = other_requests(request.user, support_request)
    steps = manual_steps(support_request.status) if can_change else []
    return {
        "can_broker": can_change,
        "timeline": timeline_lines(support_request.events.select_related("actor")),
        "other_requests": others,
        "likely_duplicates": [other for other in others if other.likely_duplicate],
        "next_action": next_action(facts_from(support_request, deployments)),
        "next_steps": steps,
        "closing_steps": [step for step in steps if step["closes"]],
        "transition_url": _url(support_request, "transition"),
        "note_url": _url(support_request, "note"),
        "assign_url": _url(support_request, "assign"),
        "coordinators": list(coordinators_of(support_request.alliance)) if can_change else [],
        "propose_url": _url(support_request, "propose"),
        "deployments": deployments,
        "shortlist": result,
        "show_excluded": show_excluded,
        "show_excluded_param": SHOW_EXCLUDED_PARAM,
    }


@require_POST
def transition_view(request, model_admin, object_id):
    support_request = changeable_object(model_admin, request, object_id)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the state to move the request to.")
        return _back_to(support_request)
    to_status = Status(form.cleaned_data["to_status"])
    closing = to_status in SupportRequest.CLOSED_STATUSES
    if (
        closing
        and not form.cleaned_data["confirm"]
        and can_transition(support_request, to_status)
        and (form.cleaned_data["note"].strip() or to_status not in NEEDS_REASON)
    ):
        messages.error(
            request,
            f"Request {support_request.reference} was not closed: tick the box to confirm, as "
            "closing cannot be undone and emails the school.",
        )
        return _back_to(support_request)
    try:
        request_transition(
            support_request=support_request,
            to_status=to_status,
            actor=request.user,
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        messages.error(request, _message(error))
    else:
        messages.success(
            request,
            f"Request {support_request.reference} is now "
            f"{support_request.get_status_display().lower()}.",
        )
    return _back_to(support_request)


@require_POST
def note_view(request, model_admin, object_id):
    """A line on the timeline without a change of state: a phone call, a correction."""
    support_request = changeable_object(model_admin, request, object_id)
    form = NoteForm(request.POST)
    if not form.is_valid() or not form.cleaned_data["note"].strip():
        messages.error(request, "Write the note to add it to the timeline.")
        return _back_to(support_request)
    timeline_note(
        support_request,
        form.cleaned_data["note"].strip(),
        actor=request.user,
        shown_to_leader=form.cleaned_data["shown_to_leader"],
    )
    messages.success(
        request,
        "The note is on the timeline, and the request's leaders see it on their page."
        if form.cleaned_data["shown_to_leader"]
        else "The note is on the timeline.",
    )
    return _back_to(support_request)


def coordinators_of(alliance):
    """Who may own a request of `alliance`: its active coordinators, by name."""
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True, alliance=alliance)
        .order_by("full_name", "email")
    )


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=None, required=False)

    def __init__(self, *args, support_request, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = coordinators_of(support_request.alliance)


@require_POST
def assign_view(request, model_admin, object_id):
    """Take, assign or transfer the case; the timeline says who did it."""
    support_request = changeable_object(model_admin, request, object_id)
    form = AssignForm(request.POST, support_request=support_request)
    if not form.is_valid():
        messages.error(request, "Choose a coordinator of this request's alliance.")
        return _back_to(support_request)
    owner = form.cleaned_data["owner"]
    try:
        request_assign(support_request=support_request, owner=owner, actor=request.user)
    except ValidationError as error:
        messages.error(request, _message(error))
    else:
        who = "you" if owner == request.user else (owner or "nobody")
        messages.success(
            request, f"Request {support_request.reference} is now looked after by {who}."
        )
    return _back_to(support_request)


@require_POST
def propose_view(request, model_admin, object_id):
    support_request = changeable_object(model_admin, request, object_id)
    form = ProposeForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, "Choose a leader from the shortlist to propose.")
        return _back_to(support_request)
    leader = form.cleaned_data["leader"]
    try:
        deployment = deployment_propose(
            support_request=support_request,
            leader=leader,
            designation=form.cleaned_data["designation"],
            answer_by=form.cleaned_data["answer_by"],
            actor=request.user,
        )
    except ValidationError as error:
        messages.error(request, _message(error))
        return _back_to(support_request)
    messages.success(
        request,
        f"Proposed {leader} ({deployment.designation.kind}) for request "
        f"{support_request.reference}; an email asks them to accept or decline. "
        "Record their answer here if they give it to you.",
    )
    return HttpResponseRedirect(
        reverse("admin:deployments_deployment_change", args=[deployment.pk])
    )


def _url(support_request, action):
    return reverse(f"admin:support_requests_supportrequest_{action}", args=[support_request.pk])


def _back_to(support_request):
    return HttpResponseRedirect(_url(support_request, "change"))


def _message(error):
    """A ValidationError as one sentence or more, whether keyed by field or not."""
    return " ".join(error.messages)
