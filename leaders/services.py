"""Writes to leader applications: submitted from the public form, decided in the admin."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from alliance_portal.notifications.services import email_queue
from alliance_portal.schools.routing import alliance_for_local_authority

from .models import Designation, Leader, LeaderApplication


@transaction.atomic
def application_submit(
    *,
    full_name,
    email,
    current_role,
    designation_sought,
    statement,
    areas_of_expertise,
    phases,
    home_school=None,
    school_name_given="",
    phone="",
    experience="",
    head_agrees_to_release=False,
    head_name="",
    head_email="",
):
    """Save an expression of interest, route it to an alliance and queue the emails.

    `home_school` is a School from the register; otherwise `school_name_given`
    names one that is not there, and the application goes to the default
    alliance for a coordinator to check. The emails are queued in the same
    transaction and sent after it commits.
    """
    alliance, routed_to_default = alliance_for_local_authority(
        home_school.local_authority_id if home_school else None
    )
    application = LeaderApplication(
        full_name=full_name,
        email=email,
        phone=phone,
        current_role=current_role,
        home_school=home_school,
        school_name_given="" if home_school else school_name_given,
        alliance=alliance,
        routed_to_default=routed_to_default,
        designation_sought=designation_sought,
        statement=statement,
        experience=experience,
        head_agrees_to_release=head_agrees_to_release,
        head_name=head_name,
        head_email=head_email,
        privacy_consent_at=timezone.now(),
    )
    application.full_clean()
    application.save()
    application.areas_of_expertise.set(areas_of_expertise)
    application.phases.set(phases)
    _queue_application_received(application)
    return application


def _queue_application_received(application):
    context = {
        "application": application,
        "areas": [area.name for area in application.areas_of_expertise.all()],
        "phases": [phase.name for phase in application.phases.all()],
        "admin_url": settings.SITE_URL
        + reverse("admin:leaders_leaderapplication_change", args=[application.pk]),
    }
    email_queue(
        to=application.email,
        template="application_received_applicant",
        context=context,
        topic="application-received",
    )

    email_queue(
        to=application.alliance.notification_emails(),
        template="application_received_coordinators",
        context=context,
        topic="application-received",
    )


# Designations are normally reviewed about four years on.
SLE_REVIEW_PERIOD = datetime.timedelta(days=4 * 365 + 1)


def _decided(application, *, status, actor, note):
    application.status = status
    application.decided_at = timezone.now()
    application.decided_by = actor
    application.decision_note = note
    application.save(
        update_fields=["status", "decided_at", "decided_by", "decision_note", "updated_at"]
    )


def _lock_undecided(application):
    locked = LeaderApplication.objects.select_for_update().get(pk=application.pk)
    if locked.status != LeaderApplication.Status.NEW:
        raise ValidationError(
            f"This application was already {locked.get_status_display().lower()}."
        )
    return locked


@transaction.atomic
def application_approve(*, application, actor, note=""):
    """Designate the applicant: create (or update) their Leader and an active Designation.

    A leader already known by the same email address is updated, not duplicated.
    NLEs and NLGs are designated nationally, so an alliance cannot approve them
    here. The applicant is emailed the decision.
    """
    application = _lock_undecided(application)
    kind = application.designation_sought
    if kind in Designation.NATIONAL_KINDS:
        raise ValidationError(
            f"{Designation.Kind(kind).label}s are designated nationally: record the "
            "designation on the leader once it is confirmed, then reject or close this application."
        )
    leader = Leader.objects.filter(email__iexact=application.email).first() or Leader(
        email=application.email
    )
    if (
        leader.pk
        and leader.designations.filter(kind=kind, status=Designation.Status.ACTIVE).exists()
    ):
        raise ValidationError(f"{leader.full_name} already holds an active {kind} designation.")
    leader.full_name = application.full_name
    leader.phone = application.phone or leader.phone
    leader.job_title = application.current_role
    leader.home_school = application.home_school or leader.home_school
    leader.save()
    leader.areas_of_expertise.add(*application.areas_of_expertise.all())
    leader.phases.add(*application.phases.all())
    today = timezone.localdate()
    designation = Designation(
        leader=leader,
        kind=kind,
        alliance=application.alliance,
        designated_on=today,
        review_due_on=today + SLE_REVIEW_PERIOD,
    )
    designation.full_clean()
    designation.save()
    _decided(application, status=LeaderApplication.Status.APPROVED, actor=actor, note=note)
    email_queue(
        to=application.email,
        template="application_approved",
        context={"application": application, "designation": designation},
        topic="application-decided",
    )
    return designation


@transaction.atomic
def application_reject(*, application, actor, reason):
    """Turn the application down with a reason the applicant is told."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Give the reason the applicant will be told.")
    application = _lock_undecided(application)
    _decided(application, status=LeaderApplication.Status.REJECTED, actor=actor, note=reason)
    email_queue(
        to=application.email,
        template="application_rejected",
        context={"application": application},
        topic="application-decided",
    )
    return application
