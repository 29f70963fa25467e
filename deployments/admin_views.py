"""Brokering on a deployment's admin page: the answer, the agreement, and every later step.

The views are mounted by the deployment's ModelAdmin (`get_urls`, wrapped in
`admin_site.admin_view`, so staff login and CSRF apply). The answer and the
agreement take POST only; each later step (`STEPS`) has a page of its own
that says what will happen and takes the POST from its form. Each view
looks the deployment up through the admin's `get_object` (another alliance's
is a 404), needs change permission (403 otherwise) and writes through
`deployments.services`; a refusal is shown and changes nothing.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from alliance_portal.accounts.admin_scoping import changeable_object
from alliance_portal.pages.formats import plain_number

from . import lifecycle, services
from .admin_forms import (
    AgreementForm,
    AnswerForm,
    CompleteForm,
    PauseForm,
    ResumeForm,
    StartForm,
    StopForm,
    VaryForm,
    WithdrawForm,
)
from .models import Deployment

Status = Deployment.Status


# Each step a coordinator takes on agreed work: its form, what the page says will
# happen (who is told, who sees it), the service it calls and what it says after.
STEPS = {
    "start": {
        "form": StartForm,
        "service": lambda deployment, actor, data: services.deployment_start(
            deployment=deployment, actor=actor
        ),
        "happens": [
            "The deployment and its request move to in delivery.",
            "The school's tracking page and the leader's page say the support is under way.",
        ],
        "done": "Delivery has started.",
    },
    "pause": {
        "form": PauseForm,
        "service": lambda deployment, actor, data: services.deployment_pause(
            deployment=deployment, actor=actor, **data
        ),
        "happens": [
            "The leader and the school are emailed the reason and the expected resume date.",
            "The leader cannot log support until it resumes.",
            "The tracking page, the leader's page, the dashboard and the exports show it as paused.",
        ],
        "done": "The support is paused; the leader and the school have been emailed.",
    },
    "resume": {
        "form": ResumeForm,
        "service": lambda deployment, actor, data: services.deployment_resume(
            deployment=deployment, actor=actor, **data
        ),
        "happens": [
            "The deployment is in delivery again and the leader can log support.",
            "The leader and the school are emailed.",
        ],
        "done": "The support has resumed; the leader and the school have been emailed.",
    },
    "vary": {
        "form": VaryForm,
        "service": lambda deployment, actor, data: services.deployment_vary(
            deployment=deployment, actor=actor, **data
        ),
        "happens": [
            "Extra days are checked against what the leader has left this year.",
            "The change and its reason are kept on the timeline and in the history.",
            "The leader and the school are emailed what changed and why.",
        ],
        "done": "The agreement is varied; the leader and the school have been emailed.",
    },
    "complete": {
        "form": CompleteForm,
        "service": lambda deployment, actor, data: services.deployment_complete(
            deployment=deployment, actor=actor, confirmed=data["confirm"]
        ),
        "happens": [
            "The deployment is completed with the days logged so far; this cannot be undone.",
            "The school is emailed a private link to evaluate the support.",
            "The leader can still send the impact report.",
        ],
        "done": "The support is completed; the school has been emailed a link to evaluate it.",
    },
    "stop": {
        "form": StopForm,
        "service": lambda deployment, actor, data: services.deployment_stop(
            deployment=deployment,
            actor=actor,
            reason=data["reason"],
            note=data["note"],
            confirmed=data["confirm"],
        ),
        "happens": [
            "The deployment stops now; this cannot be undone.",
            "Days delivered stay counted; the rest go back to the leader's capacity.",
            "Planned sessions after today are cancelled and leave the leader's calendar.",
            "The leader and the school are emailed the reason. If support was delivered, the "
            "school is asked for its view of it.",
            "With nothing delivered, the request goes back to finding a leader.",
        ],
        "done": "The support is stopped; the leader and the school have been emailed.",
    },
    "withdraw": {
        "form": WithdrawForm,
        "service": lambda deployment, actor, data: services.deployment_withdraw_ask(
            deployment=deployment, actor=actor, **data
        ),
        "happens": [
            "The leader is emailed that they are no longer needed, with thanks.",
            "With no other ask open, the request goes back to finding a leader.",
        ],
        "done": "The ask is withdrawn; the leader has been emailed.",
    },
}


def brokering_context(model_admin, request, deployment):
    """The forms and steps the deployment's change page shows for its state."""
    can_change = model_admin.has_change_permission(request, deployment)
    offered = (
        {move.name for move in lifecycle.moves_from(deployment.status, by=lifecycle.COORDINATOR)}
        if can_change
        else set()
    )
    accepted = deployment.status == Status.ACCEPTED
    return {
        "can_broker": can_change,
        "answer_form": AnswerForm() if deployment.is_ask and can_change else None,
        "answer_accepted": accepted,
        "agreement_form": (AgreementForm(deployment=deployment) if "agree" in offered else None),
        "next_steps": [
            {"name": name, "label": lifecycle.MOVES[name].label, "url": _url(deployment, name)}
            for name in STEPS
            if name in offered
        ],
        "variations": list(deployment.variations.select_related("made_by")),
        "answer_url": _url(deployment, "answer"),
        "agree_url": _url(deployment, "agree"),
    }


@require_POST
def answer_view(request, model_admin, object_id):
    deployment = changeable_object(model_admin, request, object_id)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say whether the leader accepted or declined.")
        return _back_to(deployment)
    try:
        services.deployment_answer(
            deployment=deployment,
            accepted=form.accepted,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            actor=request.user,
            on_behalf=True,
        )
    except ValidationError as error:
        messages.error(request, _message(error))
        return _back_to(deployment)
    if form.accepted:
        messages.success(
            request,
            f"Recorded that {deployment.leader} accepted. Agree the terms below.",
        )
    else:
        messages.success(
            request,
            f"Recorded that {deployment.leader} declined; request "
            f"{deployment.request.reference} is back to finding a leader.",
        )
    return _back_to(deployment)


@require_POST
def agree_view(request, model_admin, object_id):
    deployment = changeable_object(model_admin, request, object_id)
    form = AgreementForm(request.POST, deployment=deployment)
    if form.is_valid():
        try:
            services.deployment_agree(deployment=deployment, actor=request.user, **form.terms())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                f"Agreed: {deployment.leader} for request {deployment.request.reference}, "
                f"{plain_number(deployment.agreed_days)} days. The school and the leader "
                "are emailed the agreement.",
            )
            return _back_to(deployment)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": deployment,
        "title": f"Agree the deployment: {deployment}",
        "agreement_form": form,
        "agree_url": _url(deployment, "agree"),
        "change_url": _url(deployment, "change"),
    }
    return TemplateResponse(request, "admin/deployments/deployment/agree.html", context)


def step_view(name):
    """The page for one step: GET shows its form and what will happen, POST takes it."""
    step = STEPS[name]

    @require_http_methods(["GET", "POST"])
    def view(request, model_admin, object_id):
        deployment = changeable_object(model_admin, request, object_id)
        extra = {"deployment": deployment} if step["form"] is VaryForm else {}
        form = step["form"](request.POST if request.method == "POST" else None, **extra)
        if request.method == "POST" and form.is_valid():
            data = form.changes() if hasattr(form, "changes") else form.cleaned_data
            try:
                step["service"](deployment, request.user, data)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, step["done"])
                return _back_to(deployment)
        context = {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.opts,
            "original": deployment,
            "title": f"{lifecycle.MOVES[name].label}: {deployment}",
            "step_form": form,
            "happens": step["happens"],
            "one_way": lifecycle.MOVES[name].one_way,
            "button": lifecycle.MOVES[name].label,
            "step_url": _url(deployment, name),
            "change_url": _url(deployment, "change"),
        }
        return TemplateResponse(request, "admin/deployments/deployment/step.html", context)

    return view


def _url(deployment, action):
    return reverse(f"admin:deployments_deployment_{action}", args=[deployment.pk])


def _back_to(deployment):
    return HttpResponseRedirect(_url(deployment, "change"))


def _message(error):
    return " ".join(error.messages)
