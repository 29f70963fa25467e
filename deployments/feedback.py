"""The school's evaluation of completed support, behind the private link emailed to it.

No login: the signed token in the URL is the key. An altered link is a 404
page, an expired one a 410 page saying how to reach the alliance, and once the
evaluation is in, the link shows a thank-you page instead of the form.
"""

from crispy_forms_gds.layout import HTML, Field, Layout, Size
from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from alliance_portal.pages import submissions
from alliance_portal.pages.forms import StepForm
from alliance_portal.pages.protection import protect_public_form

from .evaluation_links import (
    EvaluationLinkExpired,
    EvaluationLinkInvalid,
    deployment_for_evaluation_token,
)
from .impact import (
    COMMENTS_MAX,
    NAME_MAX,
    can_be_evaluated,
    rating_key,
    school_evaluation_submit,
)
from .models import Rating, SchoolEvaluation

# The leader's Red/Amber/Green, in words a school would use.
SCHOOL_RATINGS = [
    (Rating.GREEN, "Fully met"),
    (Rating.AMBER, "Partly met"),
    (Rating.RED, "Not met"),
]


class EvaluationForm(StepForm):
    satisfaction = forms.TypedChoiceField(
        label="Overall, how satisfied are you with the support?",
        choices=list(reversed(SchoolEvaluation.Satisfaction.choices)),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Say how satisfied you are with the support"},
    )
    would_use_again = forms.ChoiceField(
        label="Would you use the service again?",
        choices=SchoolEvaluation.UseAgain.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether you would use the service again"},
    )
    comments = forms.CharField(
        label="Anything else you would like to tell us",
        help_text="Optional. What worked well, and what could have been better.",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=COMMENTS_MAX,
        required=False,
    )
    name = forms.CharField(
        label="Your name",
        help_text="Optional.",
        max_length=NAME_MAX,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def __init__(self, *args, objectives, **kwargs):
        super().__init__(*args, **kwargs)
        layout = []
        if objectives:
            layout.append(HTML('<h2 class="govuk-heading-m">The objectives</h2>'))
        for number, objective in enumerate(objectives, start=1):
            self.fields[rating_key(objective)] = forms.ChoiceField(
                label=f"Objective {number}: how far was it met?",
                help_text=format_html("{}", objective.description),
                choices=SCHOOL_RATINGS,
                widget=forms.RadioSelect,
                error_messages={"required": f"Say how far objective {number} was met"},
            )
            layout.append(Field.radios(rating_key(objective), legend_size=Size.SMALL, small=True))
        layout += [
            HTML('<h2 class="govuk-heading-m">The support overall</h2>'),
            Field.radios("satisfaction", legend_size=Size.SMALL, small=True),
            Field.radios("would_use_again", legend_size=Size.SMALL, small=True),
            Field.textarea("comments", max_characters=COMMENTS_MAX),
            Field.text("name", field_width=20),
        ]
        self.helper.layout = Layout(*layout)
        self.objectives = objectives

    def ratings(self):
        return {
            objective: self.cleaned_data[rating_key(objective)] for objective in self.objectives
        }


@require_http_methods(["GET", "POST"])
@protect_public_form("school-evaluation")
@never_cache
def evaluation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        deployment = deployment_for_evaluation_token(token)
    except EvaluationLinkInvalid:
        return render(request, "deployments/feedback/link_invalid.html", status=404)
    except EvaluationLinkExpired as expired:
        deployment = expired.deployment
        context = {"deployment": deployment, "support_request": deployment.request}
        sent = SchoolEvaluation.objects.filter(deployment=deployment).first()
        if sent is not None:  # answered in time: the thanks still stand
            return render(
                request, "deployments/feedback/thanks.html", {**context, "evaluation": sent}
            )
        return render(request, "deployments/feedback/link_expired.html", context, status=410)
    if not can_be_evaluated(deployment):
        # Links are sent only for work that ended with support given.
        return render(request, "deployments/feedback/link_invalid.html", status=404)

    context = {"deployment": deployment, "support_request": deployment.request}
    sent = SchoolEvaluation.objects.filter(deployment=deployment).first()
    if sent is not None:
        return render(request, "deployments/feedback/thanks.html", {**context, "evaluation": sent})

    objectives = list(deployment.objectives.all())
    form = EvaluationForm(request.POST if request.method == "POST" else None, objectives=objectives)
    if request.method == "POST" and form.is_valid():
        try:
            # A second click waits for the first, then finds the thanks page above.
            return submissions.submit_once(
                request,
                kind="school-evaluation",
                submit=lambda: school_evaluation_submit(
                    deployment=deployment,
                    satisfaction=form.cleaned_data["satisfaction"],
                    would_use_again=form.cleaned_data["would_use_again"],
                    comments=form.cleaned_data["comments"],
                    ratings=form.ratings(),
                    name=form.cleaned_data["name"],
                ),
                confirm=lambda pk: redirect(request.path),
            )
        except ValidationError as error:
            form.add_service_errors(error)
    return render(request, "deployments/feedback/evaluation.html", {**context, "form": form})
