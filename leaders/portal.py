"""The leader's own pages under /my/: what is waiting for them, current and past work.

Every query starts from `leader__user=request.user`: a leader sees only their
own deployments. Someone signed in without a Leader record gets a 404.
"""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from alliance_portal.pages.forms import StepForm
from deployments.models import Deployment, SupportLog, days_held
from deployments.services import deployment_answer

from .models import Designation, Leader, academic_year_bounds
from .services import designation_confirm, designation_refuse


def get_leader_for_user(request: HttpRequest) -> Leader:
    return get_object_or_404(Leader, user=request.user)


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    leader = get_leader_for_user(request)
    year_start, year_end = academic_year_bounds(timezone.localdate())
    deployments = list(
        Deployment.objects.filter(leader__user=request.user)
        .with_hours_logged()
        .annotate(
            days_held=days_held(),
            hours_this_year=Sum(
                "log_entries__hours", filter=Q(log_entries__date__range=(year_start, year_end))
            ),
        )
        .select_related("request__school")
        .prefetch_related("request__areas_of_expertise")
        .order_by("-proposed_at", "-created_at", "-id")
    )
    waiting = [d for d in deployments if d.status == Deployment.Status.PROPOSED]
    current = sorted(
        (d for d in deployments if d.is_live),
        key=lambda d: (d.start_date is None, d.start_date, d.pk),
    )
    past = [d for d in deployments if d.has_ended]
    hours_this_year = sum((d.hours_this_year or Decimal(0) for d in deployments), Decimal(0))
    days_agreed = sum(
        (
            d.days_held
            for d in deployments
            if d.status in Deployment.COMMITTED_STATUSES
            and d.start_date is not None
            and year_start <= d.start_date <= year_end
        ),
        Decimal(0),
    )
    return render(
        request,
        "leaders/portal/dashboard.html",
        {
            "leader": leader,
            "waiting": waiting,
            "current": current,
            "past": past,
            "days_agreed": days_agreed,
            "days_left": max(leader.days_per_year - days_agreed, Decimal(0)),
            "days_delivered": hours_this_year / SupportLog.HOURS_PER_DAY,
            "year_start": year_start,
            "year_end": year_end,
            "designations_to_confirm": leader.designations.filter(status=Designation.Status.PENDING)
            .select_related("alliance", "application")
            .order_by("created_at", "pk"),
        },
    )


@login_required
@require_POST
def designation_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm or refuse a designation an alliance approved from an application."""
    get_object_or_404(Designation, pk=pk, leader__user=request.user)
    answer = request.POST.get("answer")
    if answer not in ("confirm", "refuse"):
        messages.error(request, "Choose Confirm or Refuse.")
        return redirect("portal:dashboard")
    confirm = answer == "confirm"
    try:
        designation = (designation_confirm if confirm else designation_refuse)(
            designation_id=pk, user=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        alliance = designation.alliance.name
        messages.success(
            request,
            f"You are now a {designation.get_kind_display()} with {alliance}."
            if confirm
            else f"You refused the designation. We have told {alliance}.",
        )
    return redirect("portal:dashboard")


class ProposalAnswerForm(StepForm):
    answer = forms.ChoiceField(
        label="Can you take this on?",
        choices=[("accept", "Yes, I can take this on"), ("decline", "No, I cannot")],
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether you can take this on"},
    )
    reason = forms.ChoiceField(
        label="If not, why not?",
        choices=[("", "Choose a reason"), *Deployment.DeclineReason.choices],
        required=False,
        help_text="Only if you cannot take it on.",
    )
    note = forms.CharField(
        label="Anything the coordinator should know",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
        help_text="Optional.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("answer") == "decline" and not cleaned.get("reason"):
            self.add_error("reason", "Choose why you cannot take this on")
        return cleaned


def get_proposal_for_leader(request: HttpRequest, pk: int) -> Deployment:
    """One of the signed-in leader's own proposals, or 404."""
    return get_object_or_404(
        Deployment.objects.select_related("request__school__local_authority", "request__alliance"),
        pk=pk,
        leader__user=request.user,
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal(request: HttpRequest, pk: int) -> HttpResponse:
    deployment = get_proposal_for_leader(request, pk)
    waiting = deployment.status == Deployment.Status.PROPOSED
    form = ProposalAnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and waiting and form.is_valid():
        accepted = form.cleaned_data["answer"] == "accept"
        try:
            deployment_answer(
                deployment=deployment,
                accepted=accepted,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(
                request,
                "Thank you: the coordinator will be in touch to agree the details."
                if accepted
                else "Thank you for letting us know. The coordinator will look for someone else.",
            )
            return redirect("portal:dashboard")
    return render(
        request,
        "leaders/portal/proposal.html",
        {"deployment": deployment, "form": form, "waiting": waiting},
    )


urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("proposals/<int:pk>/", proposal, name="proposal"),
    path("designations/<int:pk>/answer/", designation_answer, name="designation-answer"),
]
