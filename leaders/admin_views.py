"""Deciding a leader application from its admin page: approve, or reject with a reason.

The application's ModelAdmin mounts these under its own URLs. They find the
application through the admin's `get_object` (another alliance's is a 404),
refuse users without change permission (403), and write only through the
services, which email the applicant.
"""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from alliance_portal.accounts.admin_scoping import changeable_object
from alliance_portal.pages.formats import plain_number

from .services import application_approve, application_reject


def _typed(request, name):
    """The text typed into the decision's box, checked as any form's text is: a NUL
    character (which no database column takes) is refused with a ValidationError."""
    return forms.CharField(required=False, strip=False).clean(request.POST.get(name, ""))


def _back(application):
    return HttpResponseRedirect(
        reverse("admin:leaders_leaderapplication_change", args=[application.pk])
    )


@require_POST
def approve_view(request, model_admin, object_id):
    application = changeable_object(model_admin, request, object_id)
    days = forms.DecimalField(
        required=False, max_digits=5, decimal_places=1, min_value=Decimal("0.5")
    )
    try:
        approval = application_approve(
            application=application,
            actor=request.user,
            note=_typed(request, "note"),
            days_per_year=days.clean(request.POST.get("days_per_year") or None),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, approval_message(approval))
    return _back(application)


def approval_message(approval):
    designation = approval.designation
    leader = designation.leader
    if designation.status == designation.Status.PENDING:
        return (
            f"{leader.full_name} was already a leader, so their details were not changed. "
            f"They have been emailed to confirm the {designation.kind} designation while signed "
            "in; it starts when they do, and gives your alliance no rights over their record."
        )
    if designation.application and leader.created_at < designation.application.created_at:
        return (
            f"{leader.full_name} was already your alliance's leader: their details were not "
            f"changed, and they are now designated {designation.kind}. They have been emailed."
        )
    if approval.invited:
        return (
            f"{leader.full_name} is now designated {designation.kind}, with "
            f"{plain_number(leader.days_per_year)} days a year, and has been emailed an "
            "invitation to sign in."
        )
    return (
        f"{leader.full_name} is now designated {designation.kind}; they have been emailed, but "
        f"not invited to sign in: {approval.not_invited_because}"
    )


@require_POST
def reject_view(request, model_admin, object_id):
    application = changeable_object(model_admin, request, object_id)
    try:
        application_reject(
            application=application, actor=request.user, reason=_typed(request, "reason")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"{application.full_name}'s application was rejected; they have been emailed."
        )
    return _back(application)
