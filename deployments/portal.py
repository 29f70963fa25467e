"""The leader's deployment pages under /my/deployments/: the support, its log and sessions.

Every object is found from `leader__user=request.user`: another leader's
deployment, log entry, session or objective is a 404, as it is for someone
signed in without a Leader record.
"""

import datetime
from decimal import Decimal

from crispy_forms_gds.layout import Field, Layout
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from alliance_portal.pages import submissions
from alliance_portal.pages.formats import long_date
from alliance_portal.pages.forms import OptionalDateField, RowsChoiceField, StepForm

from .logging import (
    delivery_totals,
    session_cancel,
    session_plan,
    support_log_add,
    support_log_change,
    support_log_remove,
)
from .models import Deployment, Objective, PlannedSession, SupportLog

LOG_ENTRY = "support-log-entry"

Status = Deployment.Status


class ObjectiveChoiceField(RowsChoiceField):
    def label_from_instance(self, objective):
        return objective.description


def required_date(label, help_text):
    field = OptionalDateField(label=label, help_text=help_text)
    field.error_messages["required"] = "Enter the date, like 14 1 2027"
    return field


def hours_field(*, help_text, required=True, most="hours"):
    """A number of hours, a quarter of an hour to SupportLog.MAX_HOURS, as a phone types it."""
    return forms.DecimalField(
        label="How many hours?",
        required=required,
        min_value=Decimal("0.25"),
        max_value=SupportLog.MAX_HOURS,
        decimal_places=2,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
        error_messages={
            "required": "Enter the number of hours",
            "invalid": "Enter the hours as a number, like 2 or 3.5",
            "min_value": "Enter at least a quarter of an hour (0.25)",
            "max_value": f"Enter at most {SupportLog.MAX_HOURS:f} {most}",
            "max_decimal_places": "Enter the hours to at most two decimal places, like 2.25",
        },
    )


class SupportLogForm(StepForm):
    date = required_date("When was it?", "For example, 14 1 2027.")
    hours = hours_field(
        help_text="Include time at the school and preparing for it, like 2 or 3.5.",
        most="hours for one entry",
    )
    activity = forms.ChoiceField(
        label="What did you do?",
        choices=SupportLog.Activity.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what you did"},
    )
    objectives = ObjectiveChoiceField(
        label="Which objectives did it work towards?",
        queryset=Objective.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Optional. Select all that apply.",
    )
    notes = forms.CharField(
        label="Notes",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text="Optional. What you did and what comes next.",
    )

    def __init__(self, *args, objectives, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objectives"].queryset = objectives
        fields = [
            Field("date"),
            Field.text("hours", field_width=4),
            Field.radios("activity", small=True),
        ]
        if objectives.exists():
            fields.append(Field.checkboxes("objectives", small=True))
        else:
            del self.fields["objectives"]
        fields.append(Field.textarea("notes", rows=3, max_characters=2000))
        self.helper.layout = Layout(*fields)

    def entry_fields(self):
        """The cleaned answers, as the logging services take them."""
        data = self.cleaned_data
        return {
            "date": data["date"],
            "hours": data["hours"],
            "activity": data["activity"],
            "notes": data["notes"],
            "objectives": data.get("objectives", []),
        }


class SessionForm(StepForm):
    date = required_date("Date", "For example, 14 1 2027.")
    start_time = forms.TimeField(
        label="Start time",
        required=False,
        input_formats=["%H:%M", "%H.%M", "%H"],
        help_text="Optional, in 24-hour time, like 09:30 or 14:00. Leave empty for all day.",
        error_messages={"invalid": "Enter the start time like 09:30 or 14:00"},
    )
    hours = hours_field(help_text="Optional.", required=False)
    note = forms.CharField(
        label="What is it for?",
        max_length=255,
        required=False,
        help_text="Optional. For example, lesson visits with the maths lead.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            Field("date"),
            Field.text("start_time", field_width=5),
            Field.text("hours", field_width=4),
            Field.text("note"),
        )


class ConfirmForm(StepForm):
    """No fields: somewhere for a refusal to show in the error summary."""


def get_deployment_for_leader(request: HttpRequest, pk: int) -> Deployment:
    """One of the signed-in leader's own deployments, or 404."""
    return get_object_or_404(
        Deployment.objects.select_related(
            "request__school__local_authority",
            "request__school__trust",
            "request__school__phase",
            "designation",
        ),
        pk=pk,
        leader__user=request.user,
    )


def objectives_posted(request: HttpRequest, deployment: Deployment):
    """The deployment's objectives; an id in the POST that is not one of them is a 404."""
    objectives = deployment.objectives.all()
    posted = {value for value in request.POST.getlist("objectives") if value.isdigit()}
    if posted - {str(pk) for pk in objectives.values_list("pk", flat=True)}:
        raise Http404("No such objective for this deployment.")
    return objectives


def contact_details_until(deployment):
    """When the leader stops seeing the school contact's details, or None while work goes on.

    They need them to arrange the work, not afterwards: they go
    `LEADER_CONTACT_DAYS_AFTER_END` days after the deployment ends.
    """
    if not deployment.has_ended:
        return None
    # Each way of ending stamps its moment, which does not move afterwards.
    ended = (
        deployment.completed_at
        or deployment.stopped_at
        or deployment.cancelled_at
        or deployment.request.closed_at
        or deployment.updated_at
    )
    return ended + datetime.timedelta(days=settings.LEADER_CONTACT_DAYS_AFTER_END)


def delivered(entries, deployment):
    """Hours and days logged, against the agreed days."""
    return delivery_totals(sum((entry.hours for entry in entries), Decimal(0)), deployment)


@login_required
@require_safe
def deployment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    deployment = get_deployment_for_leader(request, pk)
    if deployment.agreed_at is None:
        # Never agreed (waiting, declined, or cancelled as a proposal): the proposal
        # page says so, without the school's contact details.
        return redirect("portal:proposal", pk=deployment.pk)
    support_request = deployment.request
    # The leader's part of the request's story: changes of state since they were
    # proposed, and the notes a coordinator chose to show them. Other notes stay out,
    # as they can name other leaders proposed before.
    events = support_request.events.filter(~Q(from_status=F("to_status")) | Q(shown_to_leader=True))
    if deployment.proposed_at:
        events = events.filter(created_at__gte=deployment.proposed_at)
    entries = list(deployment.log_entries.prefetch_related("objectives"))
    contact_until = contact_details_until(deployment)
    return render(
        request,
        "deployments/portal/deployment.html",
        {
            "deployment": deployment,
            "support_request": support_request,
            "contact_until": contact_until,
            "contact_shown": contact_until is None or timezone.now() <= contact_until,
            "contact_days": settings.LEADER_CONTACT_DAYS_AFTER_END,
            "active": deployment.status in Deployment.LOGGABLE_STATUSES,
            "areas": list(support_request.areas_of_expertise.all()),
            "objectives": list(deployment.objectives.all()),
            "events": list(events),
            "entries": entries,
            "totals": delivered(entries, deployment),
            "sessions": list(deployment.planned_sessions.filter(date__gte=timezone.localdate())),
            "variations": list(deployment.variations.all()),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def log_add(request: HttpRequest, pk: int) -> HttpResponse:
    deployment = get_deployment_for_leader(request, pk)

    def confirm(entry_pk):
        entry = SupportLog.objects.filter(pk=entry_pk, deployment=deployment).first()
        if entry is not None:
            hours = entry.hours.normalize()
            messages.success(
                request,
                f"You logged {hours:f} {'hour' if hours == 1 else 'hours'} of "
                f"{entry.get_activity_display().lower()} on {long_date(entry.date)}.",
            )
        return redirect("portal:deployment", pk=deployment.pk)

    if request.method == "POST" and (sent_before := submissions.earlier(request, LOG_ENTRY)):
        return confirm(sent_before.object_id)  # saved already: a second click saves nothing
    if request.method == "POST":
        form = SupportLogForm(request.POST, objectives=objectives_posted(request, deployment))
        if form.is_valid():
            try:
                return submissions.submit_once(
                    request,
                    kind=LOG_ENTRY,
                    submit=lambda: support_log_add(
                        deployment=deployment, actor=request.user, **form.entry_fields()
                    ),
                    confirm=confirm,
                )
            except ValidationError as error:
                form.add_service_errors(error)
    else:
        form = SupportLogForm(
            initial={"date": timezone.localdate()}, objectives=deployment.objectives.all()
        )
    return render(
        request,
        "deployments/portal/log_add.html",
        {
            "deployment": deployment,
            "form": form,
            "active": deployment.status in Deployment.LOGGABLE_STATUSES,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def log_change(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    deployment = get_deployment_for_leader(request, pk)
    entry = get_object_or_404(deployment.log_entries, pk=entry_pk)
    if request.method == "POST":
        form = SupportLogForm(request.POST, objectives=objectives_posted(request, deployment))
        if form.is_valid():
            try:
                support_log_change(entry=entry, actor=request.user, **form.entry_fields())
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, f"You changed the entry for {long_date(entry.date)}.")
                return redirect("portal:deployment", pk=deployment.pk)
    else:
        form = SupportLogForm(
            initial={
                "date": entry.date,
                "hours": entry.hours.normalize(),
                "activity": entry.activity,
                "notes": entry.notes,
                "objectives": list(entry.objectives.all()),
            },
            objectives=deployment.objectives.all(),
        )
    return render(
        request,
        "deployments/portal/log_add.html",
        {
            "deployment": deployment,
            "form": form,
            "active": deployment.status in Deployment.LOGGABLE_STATUSES,
            "entry": entry,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def log_remove(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    deployment = get_deployment_for_leader(request, pk)
    entry = get_object_or_404(deployment.log_entries, pk=entry_pk)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            support_log_remove(entry=entry, actor=request.user)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"You removed the entry for {long_date(entry.date)}.")
            return redirect("portal:deployment", pk=deployment.pk)
    return render(
        request,
        "deployments/portal/log_remove.html",
        {
            "deployment": deployment,
            "entry": entry,
            "form": form,
            "heading": "Remove this entry from the log?",
            "button": "Remove entry",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_add(request: HttpRequest, pk: int) -> HttpResponse:
    deployment = get_deployment_for_leader(request, pk)
    form = SessionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            session = session_plan(deployment=deployment, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"You planned a session on {long_date(session.date)}.")
            return redirect("portal:deployment", pk=deployment.pk)
    return render(
        request,
        "deployments/portal/session_add.html",
        {
            "deployment": deployment,
            "form": form,
            "active": deployment.status in Deployment.LOGGABLE_STATUSES,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_remove(request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
    deployment = get_deployment_for_leader(request, pk)
    session = get_object_or_404(PlannedSession, deployment=deployment, pk=session_pk)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            session_cancel(session=session, actor=request.user)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"You removed the session on {long_date(session.date)}.")
            return redirect("portal:deployment", pk=deployment.pk)
    return render(
        request,
        "deployments/portal/session_remove.html",
        {
            "deployment": deployment,
            "session": session,
            "form": form,
            "heading": "Remove this planned session?",
            "button": "Remove session",
        },
    )


urlpatterns = [
    path("deployments/<int:pk>/", deployment_detail, name="deployment"),
    path("deployments/<int:pk>/log/", log_add, name="log-add"),
    path("deployments/<int:pk>/log/<int:entry_pk>/change/", log_change, name="log-change"),
    path("deployments/<int:pk>/log/<int:entry_pk>/remove/", log_remove, name="log-remove"),
    path("deployments/<int:pk>/sessions/", session_add, name="session-add"),
    path(
        "deployments/<int:pk>/sessions/<int:session_pk>/remove/",
        session_remove,
        name="session-remove",
    ),
]
