"""The reminders: who is reminded of what, once, on a working day.

Each `*_reminders(today)` returns the `Reminder`s due today and not sent yet,
in a fixed number of queries however many records there are. A reminder is
due from the day `rules.*_due_on` gives, and stays due for
CHASE_CATCH_UP_DAYS days (so a day the job did not run is caught up the next
time), after which it is not sent at all: a portal switched on for the first
time does not remind anyone of work that ended years ago. Nothing is decided
for anyone: the emails remind, and say whom to contact.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from alliance_portal.accounts.models import User
from alliance_portal.pages import working_days as clock
from deployments.evaluation_links import EVALUATION_LINK_LIFETIME, evaluation_url
from deployments.models import Deployment, Objective

from . import rules
from .models import ChaserSent

Kind = ChaserSent.Kind
LEADER, COORDINATORS, SCHOOL = "leader", "coordinators", "school"


@dataclass
class Reminder:
    """One reminder to send: the key it is recorded under, its emails, and a line for people."""

    kind: str
    object_id: int
    step: str
    to: list
    template: str
    context: dict = field(default_factory=dict)
    says: str = ""

    @property
    def key(self):
        return (self.kind, self.object_id, self.step)


def is_fresh(due, today):
    """Due today, or on a day the job may have missed, but not longer ago than the catch-up."""
    return due <= today and (today - due).days <= settings.CHASE_CATCH_UP_DAYS


def _sent(kind, step):
    return Exists(ChaserSent.objects.filter(kind=kind, object_id=OuterRef("pk"), step=step))


def _site(path):
    return f"{settings.SITE_URL}{path}"


def leader_page(name, deployment):
    return _site(reverse(f"portal:{name}", args=[deployment.pk]))


def admin_page(obj):
    opts = obj._meta
    return _site(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))


def with_coordinators(queryset, path="request__alliance"):
    """Each alliance on the way with `active_coordinators`, fetched in one query for all."""
    return queryset.prefetch_related(
        Prefetch(
            f"{path}__coordinators",
            queryset=User.objects.filter(is_active=True).order_by("email"),
            to_attr="active_coordinators",
        )
    )


def coordinator_emails(alliance):
    """As `Alliance.notification_emails`, from the prefetched coordinators."""
    return [user.email for user in alliance.active_coordinators] or [alliance.contact_email]


def _common(deployment):
    return {
        "deployment": deployment,
        "support_request": deployment.request,
        "leader": deployment.leader,
        "designation": deployment.designation,
    }


def proposal_reminders(today):
    """The leader, N working days after the proposal (and not before its answer-by date
    has passed); the alliance's coordinators N working days after the leader's reminder."""
    after = settings.CHASE_PROPOSAL_WORKING_DAYS
    deployments = with_coordinators(
        rules.proposals_late(today)
        .annotate(
            leader_reminded_on=Subquery(
                ChaserSent.objects.filter(
                    kind=Kind.PROPOSAL, object_id=OuterRef("pk"), step=LEADER
                ).values("sent_on")[:1]
            ),
            coordinators_told=_sent(Kind.PROPOSAL, COORDINATORS),
        )
        .filter(coordinators_told=False)
    )
    reminders = []
    for deployment in deployments:
        proposed_on = rules.local_day(deployment.proposed_at)
        context = {
            **_common(deployment),
            "proposed_on": proposed_on,
            "working_days": clock.working_days_between(proposed_on, today),
        }
        reference = deployment.request.reference
        reminded_on = deployment.leader_reminded_on
        if reminded_on is None:
            if not is_fresh(rules.proposal_due_on(deployment), today):
                continue
            reminders.append(
                Reminder(
                    Kind.PROPOSAL,
                    deployment.pk,
                    LEADER,
                    [deployment.leader.email],
                    "chaser_proposal_leader",
                    {**context, "answer_url": leader_page("proposal", deployment)},
                    says=f"{reference}: reminded {deployment.leader.full_name} to answer",
                )
            )
        elif is_fresh(clock.add_working_days(reminded_on, after), today):
            alliance = deployment.request.alliance
            reminders.append(
                Reminder(
                    Kind.PROPOSAL,
                    deployment.pk,
                    COORDINATORS,
                    coordinator_emails(alliance),
                    "chaser_proposal_coordinators",
                    {
                        **context,
                        "leader_reminded_on": reminded_on,
                        "admin_url": admin_page(deployment),
                    },
                    says=f"{reference}: told {alliance.name}'s coordinators that "
                    f"{deployment.leader.full_name} has not answered",
                )
            )
    return reminders


def nothing_logged_reminders(today):
    """The leader, N weeks after the start date of agreed work with nothing logged."""
    earliest_start = (
        today
        - datetime.timedelta(days=settings.CHASE_CATCH_UP_DAYS)
        - datetime.timedelta(weeks=settings.CHASE_NOTHING_LOGGED_WEEKS)
    )
    deployments = (
        rules.nothing_logged_late(today)
        .filter(start_date__gte=earliest_start)
        .filter(~_sent(Kind.NOTHING_LOGGED, LEADER))
    )
    return [
        Reminder(
            Kind.NOTHING_LOGGED,
            deployment.pk,
            LEADER,
            [deployment.leader.email],
            "chaser_nothing_logged",
            {
                **_common(deployment),
                "weeks": settings.CHASE_NOTHING_LOGGED_WEEKS,
                "deployment_url": leader_page("deployment", deployment),
            },
            says=f"{deployment.request.reference}: reminded {deployment.leader.full_name} "
            "that nothing is logged",
        )
        for deployment in deployments
        if is_fresh(rules.nothing_logged_due_on(deployment), today)
    ]


def report_reminders(today):
    """The leader, N days after the work ended, when it can report and has not."""
    # Ended on or after this day, or the reminder is too old to send.
    earliest = today - datetime.timedelta(
        days=settings.CHASE_CATCH_UP_DAYS + settings.CHASE_REPORT_DAYS_AFTER_END
    )
    since = rules.start_of_day(earliest)
    deployments = (
        rules.reports_late(today)
        .filter(end_date__gte=earliest)
        .filter(Q(completed_at__isnull=True) | Q(completed_at__gte=since))
        .filter(Q(stopped_at__isnull=True) | Q(stopped_at__gte=since))
        .filter(~_sent(Kind.IMPACT_REPORT, LEADER))
    )
    reminders = []
    for deployment in deployments:
        if not is_fresh(rules.report_due_on(deployment), today):
            continue
        reminders.append(
            Reminder(
                Kind.IMPACT_REPORT,
                deployment.pk,
                LEADER,
                [deployment.leader.email],
                "chaser_impact_report",
                {
                    **_common(deployment),
                    "ended_on": rules.ended_on(deployment),
                    "still_in_delivery": deployment.status == Deployment.Status.IN_DELIVERY,
                    "report_url": leader_page("report", deployment),
                },
                says=f"{deployment.request.reference}: reminded {deployment.leader.full_name} "
                "to send the impact report",
            )
        )
    return reminders


def evaluation_reminders(today):
    """The school, once, N days after the work was completed or stopped, with a fresh link."""
    earliest = today - datetime.timedelta(
        days=settings.CHASE_CATCH_UP_DAYS + settings.CHASE_EVALUATION_DAYS
    )
    since = rules.start_of_day(earliest)
    deployments = (
        rules.evaluations_late(today)
        .filter(Q(completed_at__gte=since) | Q(stopped_at__gte=since))
        .filter(~_sent(Kind.EVALUATION, SCHOOL))
        .prefetch_related(Prefetch("objectives", queryset=Objective.objects.order_by("position")))
    )
    link_expires_on = timezone.localdate(timezone.now() + EVALUATION_LINK_LIFETIME)
    reminders = []
    for deployment in deployments:
        if not is_fresh(rules.evaluation_due_on(deployment), today):
            continue
        support_request = deployment.request
        reminders.append(
            Reminder(
                Kind.EVALUATION,
                deployment.pk,
                SCHOOL,
                [support_request.contact_email],
                "chaser_evaluation",
                {
                    **_common(deployment),
                    "ended_on": rules.local_day(deployment.completed_at or deployment.stopped_at),
                    "stopped_early": deployment.status == Deployment.Status.STOPPED,
                    "objectives": list(deployment.objectives.all()),
                    "evaluation_url": evaluation_url(deployment),
                    "link_expires_on": link_expires_on,
                },
                says=f"{support_request.reference}: reminded the school to evaluate "
                f"{deployment.leader.full_name}'s support",
            )
        )
    return reminders


def review_reminders(today):
    """The leader, once per review date, from CHASE_REVIEW_DAYS_BEFORE days before it
    until the date itself (the coordinators' own digests carry on after that)."""
    designations = list(
        rules.reviews_late(today, within_days=settings.CHASE_REVIEW_DAYS_BEFORE).filter(
            review_due_on__gte=today
        )
    )
    sent = set(
        ChaserSent.objects.filter(
            kind=Kind.DESIGNATION_REVIEW, object_id__in=[d.pk for d in designations]
        ).values_list("object_id", "step")
    )
    reminders = []
    for designation in designations:
        step = designation.review_due_on.isoformat()
        if (designation.pk, step) in sent:
            continue
        reminders.append(
            Reminder(
                Kind.DESIGNATION_REVIEW,
                designation.pk,
                step,
                [designation.leader.email],
                "chaser_designation_review",
                {
                    "designation": designation,
                    "leader": designation.leader,
                    "alliance": designation.alliance,
                    "days_left": (designation.review_due_on - today).days,
                    "profile_url": _site(reverse("portal:profile")),
                },
                says=f"{designation.leader.full_name}: told that the {designation.kind} "
                f"review is due on {designation.review_due_on:%d %b %Y}",
            )
        )
    return reminders
