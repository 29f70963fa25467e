"""Writes to leader applications: submitted from the public form, decided in the admin."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from alliance_portal.accounts.models import User
from alliance_portal.notifications.services import email_queue
from alliance_portal.pages.formats import long_date
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


@dataclass(frozen=True)
class ExistingPerson:
    """Who an application's email address already belongs to, for the reviewer to see."""

    leader: Leader | None
    user: User | None

    @property
    def found(self):
        return self.leader is not None or self.user is not None


def existing_person(email):
    """The leader and the login already using `email`, compared without letter case."""
    leader = (
        Leader.objects.filter(email__iexact=email.strip())
        .select_related("managing_alliance", "user")
        .first()
    )
    user = User.objects.filter(email__iexact=email.strip()).select_related("alliance").first()
    return ExistingPerson(leader=leader, user=user)


def needs_leaders_confirmation(leader, alliance):
    """An alliance designates a leader it does not keep, or a national one, only when the
    leader confirms it while signed in: a public form can name anyone's email."""
    national = leader.designations.filter(
        alliance__isnull=True, status=Designation.Status.ACTIVE
    ).exists()
    return national or leader.managing_alliance_id != alliance.pk


# The days a year a newly approved leader is offered for, unless the coordinator says otherwise.
NEW_LEADER_DAYS = Decimal(10)
MAX_DAYS_PER_YEAR = Decimal(200)


@dataclass
class Approval:
    designation: object
    invited: bool = False
    not_invited_because: str = ""


@transaction.atomic
def application_approve(*, application, actor, note="", days_per_year=None):
    """Designate the applicant, and for a new person give them days and an invitation.

    Returns an `Approval`: the designation, and whether the new leader was
    invited to sign in (in the same step: they can answer proposals at once).

    A new person becomes a leader kept by the application's alliance, with an
    active designation. A leader already known by the email address (in any
    letter case) keeps every detail they have: what the public form typed is
    never written over them. If the alliance keeps their record, the
    designation is active at once; otherwise (another alliance's leader, a
    national leader, a record kept by administrators) it waits for the leader
    to confirm it while signed in (`designation_confirm`), and gives the
    alliance no rights over their record. NLEs and NLGs are designated
    nationally, so an alliance cannot approve them here.
    """
    application = _lock_undecided(application)
    kind = application.designation_sought
    if kind in Designation.NATIONAL_KINDS:
        raise ValidationError(
            f"{Designation.Kind(kind).label}s are designated nationally: record the "
            "designation on the leader once it is confirmed, then reject or close this application."
        )
    leader = (
        Leader.objects.select_for_update(of=("self",))
        .filter(email__iexact=application.email.strip())
        .first()
    )
    today = timezone.localdate()
    new_person = leader is None
    if new_person:
        days = NEW_LEADER_DAYS if days_per_year is None else Decimal(days_per_year)
        if not 0 < days <= MAX_DAYS_PER_YEAR:
            raise ValidationError(
                {
                    "days_per_year": f"Give the days a year, more than 0 and at most {MAX_DAYS_PER_YEAR}."
                }
            )
        leader = _leader_from_application(application, days_per_year=days)
        status = Designation.Status.ACTIVE
    else:
        held = leader.designations.filter(
            kind=kind, status__in=[Designation.Status.ACTIVE, Designation.Status.PENDING]
        ).first()
        if held is not None:
            waiting = held.status == Designation.Status.PENDING
            raise ValidationError(
                f"{leader.full_name} is already asked to confirm an {kind} designation."
                if waiting
                else f"{leader.full_name} already holds an active {kind} designation."
            )
        status = (
            Designation.Status.PENDING
            if needs_leaders_confirmation(leader, application.alliance)
            else Designation.Status.ACTIVE
        )
    designation = Designation(
        leader=leader,
        kind=kind,
        alliance=application.alliance,
        designated_on=today,
        review_due_on=today + SLE_REVIEW_PERIOD,
        status=status,
        application=application,
    )
    designation.full_clean()
    designation.save()
    _decided(application, status=LeaderApplication.Status.APPROVED, actor=actor, note=note)
    approval = Approval(designation)
    if status == Designation.Status.PENDING:
        _queue_confirmation_request(designation)
        return approval
    email_queue(
        to=leader.email,
        template="application_approved",
        context={"application": application, "designation": designation},
        topic="application-decided",
    )
    if new_person:
        from alliance_portal.accounts.services import leader_invite

        try:
            with transaction.atomic():
                leader_invite(leader=leader, actor=actor)
        except ValidationError as refused:
            approval.not_invited_because = " ".join(refused.messages)
        else:
            approval.invited = True
    return approval


def _leader_from_application(application, *, days_per_year):
    leader = Leader(
        days_per_year=days_per_year,
        managing_alliance=application.alliance,
        full_name=application.full_name,
        email=application.email,
        phone=application.phone,
        job_title=application.current_role,
        home_school=application.home_school,
    )
    leader.full_clean()
    leader.save()
    leader.areas_of_expertise.set(application.areas_of_expertise.all())
    leader.phases.set(application.phases.all())
    return leader


def _queue_confirmation_request(designation):
    """Ask the leader, at the address on their record, to confirm while signed in."""
    leader = designation.leader
    context = {
        "designation": designation,
        "application": designation.application,
        "leader": leader,
        "dashboard_url": settings.SITE_URL + reverse("portal:dashboard"),
        "sign_in_url": settings.SITE_URL + reverse("accounts:login"),
        "has_login": leader.user_id is not None and leader.user.has_usable_password(),
    }
    email_queue(
        to=leader.email,
        template="designation_confirmation_request",
        context=context,
        topic="designation-confirmation",
    )


def _pending_for(designation_id, user):
    """The leader's own designation waiting for them, locked; anyone else's is a 404."""
    designation = get_object_or_404(
        Designation.objects.select_for_update(of=("self",)).select_related("alliance", "leader"),
        pk=designation_id,
        leader__user=user,
    )
    if designation.status != Designation.Status.PENDING:
        raise ValidationError("This designation is no longer waiting for your answer.")
    return designation


@transaction.atomic
def designation_confirm(*, designation_id, user):
    """The signed-in leader confirms a designation an alliance asked them to accept.

    It becomes active from today. The alliance's coordinators are told. Their
    alliance still has no rights over the leader's record.
    """
    designation = _pending_for(designation_id, user)
    if designation.leader.designations.filter(
        kind=designation.kind, status=Designation.Status.ACTIVE
    ).exists():
        raise ValidationError(f"You already hold an active {designation.kind} designation.")
    today = timezone.localdate()
    designation.status = Designation.Status.ACTIVE
    designation.designated_on = today
    designation.review_due_on = today + SLE_REVIEW_PERIOD
    designation.save(update_fields=["status", "designated_on", "review_due_on", "updated_at"])
    _queue_answer_to_coordinators(designation, confirmed=True)
    return designation


@transaction.atomic
def designation_refuse(*, designation_id, user):
    """The signed-in leader refuses a designation they did not ask for. It stays refused:
    the alliance can neither see the leader through it nor make it active."""
    designation = _pending_for(designation_id, user)
    designation.status = Designation.Status.REFUSED
    stamp = f"Refused by the leader on {long_date(timezone.localdate())}."
    designation.notes = f"{designation.notes}\n{stamp}".strip()
    designation.save(update_fields=["status", "notes", "updated_at"])
    _queue_answer_to_coordinators(designation, confirmed=False)
    return designation


def _queue_answer_to_coordinators(designation, *, confirmed):
    email_queue(
        to=designation.alliance.notification_emails(),
        template="designation_answer_to_coordinators",
        context={
            "designation": designation,
            "confirmed": confirmed,
            "admin_url": settings.SITE_URL
            + reverse("admin:leaders_designation_change", args=[designation.pk]),
        },
        topic="designation-confirmation",
    )


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
