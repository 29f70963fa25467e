"""Brokering on a deployment's admin page: the leader's answer, the agreement, start, completion.

The views are mounted by the deployment's ModelAdmin (`get_urls`, wrapped in
`admin_site.admin_view`, so staff login and CSRF apply). Each takes POST only,
looks the deployment up through the admin's `get_object` (another alliance's
is a 404), needs change permission (403 otherwise) and writes through
`deployments.services`; a refusal is shown and changes nothing.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from alliance_portal.accounts.admin_scoping import changeable_object
from alliance_portal.pages.formats import plain_number

from . import services
from .admin_forms import AgreementForm, AnswerForm
from .models import Deployment

Status = Deployment.Status


def brokering_context(model_admin, request, deployment):
    """The forms the deployment's change page shows for its state."""
    can_change = model_admin.has_change_permission(request, deployment)
    proposed = deployment.status == Status.PROPOSED
    accepted = proposed and deployment.responded_at is not None
    return {
        "can_broker": can_change,
        "answer_form": AnswerForm() if can_change and proposed else None,
        "answer_accepted": accepted,
        "agreement_form": (
            AgreementForm(deployment=deployment) if can_change and accepted else None
        ),
        "can_start": can_change and deployment.status == Status.AGREED,
        "can_complete": can_change and deployment.status == Status.IN_DELIVERY,
        "answer_url": _url(deployment, "answer"),
        "agree_url": _url(deployment, "agree"),
        "start_url": _url(deployment, "start"),
        "complete_url": _url(deployment, "complete"),
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


@require_POST
def start_view(request, model_admin, object_id):
    deployment = changeable_object(model_admin, request, object_id)
    return _apply(
        request,
        deployment,
        services.deployment_start,
        f"{deployment.leader} has started: the deployment and request "
        f"{deployment.request.reference} are in delivery.",
    )


@require_POST
def complete_view(request, model_admin, object_id):
    deployment = changeable_object(model_admin, request, object_id)
    return _apply(
        request,
        deployment,
        services.deployment_complete,
        f"The deployment and request {deployment.request.reference} are completed; the school "
        "has been emailed a link to evaluate the support.",
    )


def _apply(request, deployment, service, success):
    try:
        service(deployment=deployment, actor=request.user)
    except ValidationError as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, success)
    return _back_to(deployment)


def _url(deployment, action):
    return reverse(f"admin:deployments_deployment_{action}", args=[deployment.pk])


def _back_to(deployment):
    return HttpResponseRedirect(_url(deployment, "change"))


def _message(error):
    return " ".join(error.messages)
