"""Writes to leader applications: the public "become a leader" form saves through here."""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from alliance_portal.notifications.services import email_queue
from alliance_portal.schools.routing import alliance_for_local_authority

from .models import LeaderApplication


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
