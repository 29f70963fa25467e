"""A leader with fifty deployments, so `make bench` can time the leader's own pages.

National data spreads about four deployments over each leader; the busiest
leader a real alliance has is closer to fifty over a few years. This adds
one such leader (with a login) to whatever data is in the database: five
proposals waiting, agreed deployments, deployments in delivery with a full
support log, and completed ones with their impact reports. Running it again
finds the leader and adds nothing.
"""

import datetime
from decimal import Decimal
from itertools import cycle

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from alliance_portal.schools.models import School
from alliance_portal.schools.routing import alliance_for_local_authority
from deployments.models import (
    Deployment,
    ImpactReport,
    Objective,
    ObjectiveImpact,
    Rating,
    SupportLog,
)
from leaders.models import Designation, Leader, academic_year_bounds
from requests.models import Funding, RequestEvent, SupportRequest

BUSY_LEADER_EMAIL = "busy-leader@example.net"
# The requests made for the busy leader carry this contact, to tell them apart.
BUSY_CONTACT_EMAIL = "busy-leader-school@example.net"
D, S = Deployment.Status, SupportRequest.Status
# (deployment status, request status, how many) for fifty deployments.
MIX = (
    (D.PROPOSED, S.PROPOSED, 3),
    (D.ACCEPTED, S.PROPOSED, 2),
    (D.AGREED, S.AGREED, 8),
    (D.IN_DELIVERY, S.IN_DELIVERY, 10),
    (D.PAUSED, S.IN_DELIVERY, 2),
    (D.COMPLETED, S.COMPLETED, 10),
    (D.STOPPED, S.COMPLETED, 1),
    (D.COMPLETED, S.EVALUATED, 14),
)
PATH = (S.NEW, S.TRIAGED, S.MATCHING, S.PROPOSED, S.AGREED, S.IN_DELIVERY, S.COMPLETED, S.EVALUATED)
LOG_ENTRIES = {D.IN_DELIVERY: 10, D.PAUSED: 10, D.COMPLETED: 16, D.STOPPED: 4}
ENDED = (D.COMPLETED, D.STOPPED)
ACTIVITIES = cycle(SupportLog.Activity.values)


def busy_leader():
    return Leader.objects.filter(email=BUSY_LEADER_EMAIL).select_related("user").first()


@transaction.atomic
def ensure_busy_leader(*, today=None):
    """The busy leader, made with their fifty deployments if they are not there yet."""
    existing = busy_leader()
    if existing is not None:
        return existing
    today = today or timezone.localdate()
    schools = list(School.objects.open().filter(local_authority__isnull=False).order_by("urn")[:51])
    if len(schools) < 51:
        raise ValueError("The busy leader needs at least 51 open schools in the register.")
    home, schools = schools[0], schools[1:]
    user = get_user_model().objects.create_user(BUSY_LEADER_EMAIL, None, full_name="Bea Busy")
    leader = Leader.objects.create(
        user=user,
        full_name="Bea Busy",
        email=BUSY_LEADER_EMAIL,
        home_school=home,
        days_per_year=Decimal(200),
        public_profile_consent=False,
    )
    designation = Designation.objects.create(
        leader=leader,
        kind=Designation.Kind.NLE,
        designated_on=today - datetime.timedelta(days=3 * 365),
        review_due_on=today + datetime.timedelta(days=365),
    )
    plans = [(d, r) for d, r, count in MIX for _ in range(count)]
    year_start = academic_year_bounds(today)[0]
    for index, ((deployment_status, request_status), school) in enumerate(
        zip(plans, schools, strict=True)
    ):
        _deploy(
            leader,
            designation,
            school,
            alliance_for_local_authority(school.local_authority_id)[0],
            deployment_status,
            request_status,
            index=index,
            today=today,
            year_start=year_start,
        )
    return leader


def _deploy(
    leader,
    designation,
    school,
    alliance,
    deployment_status,
    request_status,
    *,
    index,
    today,
    year_start,
):
    """One request for `school`, deployed to the leader and taken as far as the statuses say."""
    # Delivered work ran over the last two years; agreed work starts soon.
    if deployment_status in ENDED:
        start = year_start - datetime.timedelta(days=40 + 14 * index)
    elif deployment_status in (D.IN_DELIVERY, D.PAUSED):
        start = today - datetime.timedelta(days=30 + 3 * index)
    else:
        start = today + datetime.timedelta(days=14 + index)
    end = start + datetime.timedelta(days=90)
    if deployment_status in ENDED:
        end = min(end, today - datetime.timedelta(days=1))
    proposed_at = timezone.make_aware(
        datetime.datetime.combine(start - datetime.timedelta(days=21), datetime.time(10))
    )
    support_request = SupportRequest(
        status=request_status,
        school=school,
        alliance=alliance,
        contact_name="Sam Head",
        contact_role="Headteacher",
        contact_email=BUSY_CONTACT_EMAIL,
        outcomes_sought="A stronger curriculum and leaders who can keep it strong.",
        estimated_days=Decimal(3),
        privacy_consent_at=proposed_at,
    )
    support_request.save()
    path = PATH[: PATH.index(request_status) + 1]
    RequestEvent.objects.bulk_create(
        RequestEvent(
            request=support_request,
            from_status=before,
            to_status=status,
            actor_label="Bench data",
            note=f"Moved to {status}.",
            created_at=proposed_at + datetime.timedelta(days=step),
        )
        for step, (before, status) in enumerate(zip(("", *path), path, strict=False))
    )
    deployment = Deployment.objects.create(
        request=support_request,
        leader=leader,
        designation=designation,
        status=deployment_status,
        proposed_at=proposed_at,
    )
    if deployment_status == D.PROPOSED:
        return
    deployment.responded_at = proposed_at
    if deployment_status == D.ACCEPTED:
        deployment.save()
        return
    deployment.agreed_at = deployment.signed_at = proposed_at
    deployment.agreed_days = Decimal(3)
    deployment.start_date, deployment.end_date = start, end
    deployment.daily_rate, deployment.brokerage_fee = Decimal(350), Decimal(50)
    deployment.funding_source = Funding.SCHOOL_BUDGET
    deployment.signed_by = "Sam Head; Bea Busy"
    ended_at = timezone.make_aware(datetime.datetime.combine(end, datetime.time(16)))
    if deployment_status != D.AGREED:
        deployment.started_at = timezone.make_aware(
            datetime.datetime.combine(start, datetime.time(9))
        )
    if deployment_status == D.COMPLETED:
        deployment.completed_at = ended_at
    elif deployment_status == D.STOPPED:
        deployment.stopped_at = ended_at
        deployment.stop_reason = Deployment.StopReason.LEADER_UNAVAILABLE
        deployment.stop_note = "The leader took up a new post mid-way."
    elif deployment_status == D.PAUSED:
        deployment.paused_at = timezone.now() - datetime.timedelta(days=3)
        deployment.pause_reason = "The school's inspection is this month."
        deployment.resume_expected = today + datetime.timedelta(days=25)
    if deployment_status in ENDED:
        # Two hours an entry, seven hours a day.
        deployment.days_delivered = (
            Decimal(2 * LOG_ENTRIES[deployment_status]) / SupportLog.HOURS_PER_DAY
        ).quantize(Decimal("0.1"))
    deployment.save()
    objectives = Objective.objects.bulk_create(
        Objective(deployment=deployment, description=f"Objective {n} for the bench.", position=n)
        for n in range(1, 4)
    )
    entries = SupportLog.objects.bulk_create(
        SupportLog(
            deployment=deployment,
            date=start + datetime.timedelta(days=2 * n),
            hours=Decimal(2),
            activity=next(ACTIVITIES),
            notes="Bench visit.",
            logged_by=leader.user,
        )
        for n in range(LOG_ENTRIES.get(deployment_status, 0))
    )
    SupportLog.objectives.through.objects.bulk_create(
        SupportLog.objectives.through(supportlog=entry, objective=objectives[n % 3])
        for n, entry in enumerate(entries)
    )
    if deployment_status == D.COMPLETED:
        report = ImpactReport.objects.create(
            deployment=deployment,
            summary="Bench summary.",
            submitted_at=deployment.completed_at,
            submitted_by=leader.user,
        )
        ObjectiveImpact.objects.bulk_create(
            ObjectiveImpact(report=report, objective=o, rating=Rating.GREEN, evidence="Seen.")
            for o in objectives
        )
