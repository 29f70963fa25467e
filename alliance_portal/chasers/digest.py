"""The weekly digest: each coordinator's list of what waits for action in their alliance.

It goes on the first working day of each ISO week (a Monday, or the Tuesday
after a bank holiday Monday), once per coordinator per week, and not at all
when there is nothing to say. A coordinator is an active staff user with an
alliance. Every list follows the same rules as the reminders
(alliance_portal.chasers.rules), without their catch-up limit: the digest
keeps listing what is late until someone acts. All alliances are read
together, a fixed number of queries in all.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse

from alliance_portal.accounts.models import User
from alliance_portal.pages import working_days as clock
from deployments.models import Deployment
from leaders.models import Designation
from leaders.reviews import WARNING_DAYS
from requests.models import SupportRequest

from . import rules
from .models import ChaserSent
from .reminders import Reminder, _site, admin_page

# Each list shows the oldest few; the count says how many there are in all.
LIST_LIMIT = 10


def iso_week(day):
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def is_digest_day(day):
    """The first working day of its ISO week."""
    if not clock.is_working_day(day):
        return False
    monday = day - clock.ONE_DAY * day.weekday()
    return clock.working_day_on_or_after(monday) == day


@dataclass
class Item:
    """One line of a list: what it is and where to act on it."""

    title: str
    detail: str
    url: str


@dataclass
class Section:
    """One list: its heading, what the coordinator can do, its first items and its size."""

    heading: str
    action: str
    url: str
    items: list = field(default_factory=list)

    @property
    def count(self):
        return len(self.items)

    @property
    def shown(self):
        return self.items[:LIST_LIMIT]

    @property
    def more(self):
        return max(self.count - LIST_LIMIT, 0)


def _changelist(model, query=""):
    opts = model._meta
    url = _site(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    return f"{url}?{query}" if query else url


def _when(day):
    return f"{day.day} {day:%B %Y}"


def _days(count, unit="day"):
    return f"{count} {unit}{'' if count == 1 else 's'}"


def alliance_sections(alliance_ids, today):
    """{alliance id: [Section, ...]} for each alliance, empty sections included."""
    sections = defaultdict(
        lambda: {
            "requests": Section(
                "New requests waiting to be read",
                "Read each one and triage it, or decline it with the reason.",
                _changelist(SupportRequest, "status__exact=new"),
            ),
            "proposals": Section(
                "Proposals the leader has not answered",
                "Each leader is reminded once, and you are told if they still do not answer. "
                "You may want to call them, or ask another leader.",
                _changelist(Deployment, "status__exact=proposed"),
            ),
            "nothing_logged": Section(
                "Agreed work with nothing logged",
                "Each leader is reminded once. Check that the support has started, or vary "
                "the dates.",
                _changelist(Deployment),
            ),
            "reports": Section(
                "Impact reports not sent",
                "Each leader is reminded once to send it.",
                _changelist(Deployment, "impact_report=no"),
            ),
            "evaluations": Section(
                "Evaluations the school has not returned",
                "Each school is sent one reminder, with a new link. You may want to call.",
                _changelist(Deployment, "school_evaluation=no"),
            ),
            "reviews": Section(
                "Designation reviews due",
                f"Past their date or due in the next {WARNING_DAYS} days; each leader is told "
                f"{settings.CHASE_REVIEW_DAYS_BEFORE} days before. Record each review on the "
                "designation.",
                _changelist(Designation, "status__exact=active"),
            ),
        }
    )

    new_requests = (
        SupportRequest.objects.filter(
            alliance_id__in=alliance_ids,
            status=SupportRequest.Status.NEW,
            anonymised_at__isnull=True,
        )
        .select_related("school")
        .order_by("created_at", "pk")
    )
    for support_request in new_requests:
        sent_on = rules.local_day(support_request.created_at)
        waited = clock.working_days_between(sent_on, today)
        sections[support_request.alliance_id]["requests"].items.append(
            Item(
                f"{support_request.reference}, {support_request.school_display_name}",
                f"sent {_when(sent_on)}, {_days(waited, 'working day')} ago",
                admin_page(support_request),
            )
        )

    in_alliances = {"request__alliance_id__in": alliance_ids}
    for deployment in rules.proposals_late(today).filter(**in_alliances):
        proposed_on = rules.local_day(deployment.proposed_at)
        waited = clock.working_days_between(proposed_on, today)
        answer_by = (
            f"; answer asked for by {_when(deployment.answer_by)}" if deployment.answer_by else ""
        )
        _add(
            sections,
            "proposals",
            deployment,
            f"proposed {_when(proposed_on)}, {_days(waited, 'working day')} ago{answer_by}",
        )
    for deployment in rules.nothing_logged_late(today).filter(**in_alliances):
        _add(sections, "nothing_logged", deployment, f"start date {_when(deployment.start_date)}")
    for deployment in rules.reports_late(today).filter(**in_alliances):
        ended = rules.ended_on(deployment)
        verb = "due to end" if deployment.status == Deployment.Status.IN_DELIVERY else "ended"
        _add(sections, "reports", deployment, f"{verb} {_when(ended)}")
    for deployment in rules.evaluations_late(today).filter(**in_alliances):
        ended = rules.local_day(deployment.completed_at or deployment.stopped_at)
        verb = "stopped" if deployment.status == Deployment.Status.STOPPED else "completed"
        _add(sections, "evaluations", deployment, f"{verb} {_when(ended)}")
    reviews = rules.reviews_late(today, within_days=WARNING_DAYS).filter(
        alliance_id__in=alliance_ids
    )
    for designation in reviews:
        due = designation.review_due_on
        when = f"was due {_when(due)}" if due < today else f"due {_when(due)}"
        sections[designation.alliance_id]["reviews"].items.append(
            Item(
                f"{designation.leader.full_name}, {designation.get_kind_display()}",
                f"review {when}",
                admin_page(designation),
            )
        )
    return {alliance_id: list(sections[alliance_id].values()) for alliance_id in alliance_ids}


def _add(sections, name, deployment, detail):
    support_request = deployment.request
    sections[support_request.alliance_id][name].items.append(
        Item(
            f"{support_request.reference}, {support_request.school_display_name} "
            f"({deployment.leader.full_name})",
            detail,
            admin_page(deployment),
        )
    )


def digest_reminders(today):
    """One digest per coordinator not yet sent one this week, when today is the digest day."""
    if not is_digest_day(today):
        return []
    week = iso_week(today)
    sent = set(
        ChaserSent.objects.filter(kind=ChaserSent.Kind.DIGEST, step=week).values_list(
            "object_id", flat=True
        )
    )
    coordinators = [
        user
        for user in User.objects.filter(is_active=True, is_staff=True, alliance__isnull=False)
        .select_related("alliance")
        .order_by("alliance__name", "email")
        if user.pk not in sent
    ]
    if not coordinators:
        return []
    by_alliance = alliance_sections(sorted({user.alliance_id for user in coordinators}), today)
    reminders = []
    for user in coordinators:
        sections = [section for section in by_alliance[user.alliance_id] if section.count]
        if not sections:
            continue
        reminders.append(
            Reminder(
                ChaserSent.Kind.DIGEST,
                user.pk,
                week,
                [user.email],
                "chaser_digest",
                {
                    "coordinator": user,
                    "alliance": user.alliance,
                    "sections": sections,
                    "week_of": today,
                    "dashboard_url": _site(reverse("reports:dashboard")),
                },
                says=f"{user.alliance.name}: weekly digest to {user.full_name or 'a coordinator'}: "
                + ", ".join(f"{section.count} {section.heading.lower()}" for section in sections),
            )
        )
    return reminders
