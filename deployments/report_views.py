"""The leader's impact report at the end of a deployment, under /my/deployments/<pk>/report/.

Like every /my/ page, the deployment is looked up with `leader__user=request.user`:
anyone else's is a 404, and so is a POST naming an objective of another deployment.
"""

import re

from crispy_forms_gds.layout import HTML, Field, Layout, Size
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from alliance_portal.pages import submissions
from alliance_portal.pages.forms import StepForm

from .impact import (
    EVIDENCE_MAX,
    SUMMARY_MAX,
    can_report,
    evidence_key,
    impact_report_submit,
    rating_key,
)
from .models import Deployment, ImpactReport, Rating
from .portal import get_deployment_for_leader

OBJECTIVE_FIELD = re.compile(r"^(?:rating|evidence)_(\d+)$")


class ObjectiveHeading:
    """A layout piece naming an objective.

    Unlike crispy's HTML(), which compiles its text as a template, this only
    escapes: an objective a coordinator wrote is shown, never run.
    """

    def __init__(self, number, description):
        self.number, self.description = number, description

    def render(self, form, context, template_pack=None, **kwargs):
        return format_html(
            '<h2 class="govuk-heading-m">Objective {}</h2><p class="govuk-body">{}</p>',
            self.number,
            self.description,
        )


class ImpactReportForm(StepForm):
    """Per objective a Red/Amber/Green rating and the evidence for it; then a summary."""

    summary = forms.CharField(
        label="Summary of the support",
        help_text="What the support achieved overall, what the school will carry on with, "
        "and anything the alliance should know.",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=SUMMARY_MAX,
        error_messages={"required": "Write a summary of what the support achieved"},
    )

    confirm = forms.BooleanField(
        label="I understand that the report cannot be changed once it is sent",
        help_text="The alliance reads it beside the school's own view. If the support is still "
        "under way, sending the report marks it as completed and the school is emailed a link "
        "to give its view.",
        error_messages={"required": "Confirm that you are ready to send the report"},
    )

    def __init__(self, *args, objectives, **kwargs):
        super().__init__(*args, **kwargs)
        layout = []
        for number, objective in enumerate(objectives, start=1):
            self.fields[rating_key(objective)] = forms.ChoiceField(
                label=f"How far was objective {number} met?",
                choices=Rating.choices,
                widget=forms.RadioSelect,
                error_messages={"required": f"Choose a rating for objective {number}"},
            )
            self.fields[evidence_key(objective)] = forms.CharField(
                label=f"Evidence for objective {number}",
                help_text="What changed, and how you know: data, observations, "
                "what staff and pupils say.",
                widget=forms.Textarea(attrs={"rows": 4}),
                max_length=EVIDENCE_MAX,
                error_messages={"required": f"Give the evidence for objective {number}"},
            )
            layout += [
                ObjectiveHeading(number, objective.description),
                Field.radios(rating_key(objective), legend_size=Size.SMALL, small=True),
                Field.textarea(evidence_key(objective), max_characters=EVIDENCE_MAX),
            ]
        layout += [
            HTML('<h2 class="govuk-heading-m">Overall</h2>'),
            Field.textarea("summary", max_characters=SUMMARY_MAX),
            Field.checkbox("confirm", small=True),
        ]
        self.helper.layout = Layout(*layout)
        self.objectives = objectives

    def ratings(self):
        return {
            objective: (
                self.cleaned_data[rating_key(objective)],
                self.cleaned_data[evidence_key(objective)],
            )
            for objective in self.objectives
        }


def _check_objective_ids(post, objectives):
    """A POST naming an objective that is not this deployment's is a 404."""
    own = {objective.pk for objective in objectives}
    for key in post:
        match = OBJECTIVE_FIELD.match(key)
        if match and int(match.group(1)) not in own:
            raise Http404("No such objective on this deployment.")


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, pk: int) -> HttpResponse:
    deployment = get_deployment_for_leader(request, pk)
    objectives = list(deployment.objectives.all())
    if request.method == "POST":
        _check_objective_ids(request.POST, objectives)
    submitted = (
        ImpactReport.objects.filter(deployment=deployment)
        .prefetch_related("ratings__objective")
        .first()
    )
    context = {"deployment": deployment, "objectives": objectives, "report": submitted}
    if submitted is not None or not can_report(deployment):
        return render(request, "deployments/impact_report.html", context)

    form = ImpactReportForm(
        request.POST if request.method == "POST" else None, objectives=objectives
    )
    if request.method == "POST" and form.is_valid():
        completes = deployment.status == Deployment.Status.IN_DELIVERY

        def confirm(pk):
            messages.success(
                request,
                "Thank you: your impact report is sent and the support is marked as completed. "
                "The school has been asked for its view."
                if completes
                else "Thank you: your impact report is sent.",
            )
            return redirect("portal:deployment", pk=deployment.pk)

        try:
            return submissions.submit_once(
                request,
                kind="impact-report",
                submit=lambda: impact_report_submit(
                    deployment=deployment,
                    actor=request.user,
                    summary=form.cleaned_data["summary"],
                    ratings=form.ratings(),
                ),
                confirm=confirm,
            )
        except ValidationError as error:
            form.add_service_errors(error)
    return render(request, "deployments/impact_report.html", {**context, "form": form})


urlpatterns = [
    path("deployments/<int:pk>/report/", report, name="report"),
]
