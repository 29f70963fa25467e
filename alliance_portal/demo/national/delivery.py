"""Delivery: what leaders logged and planned, their impact reports and the schools' evaluations.

Deployments in delivery have logged about as much support as the time gone
suggests, paused ones up to the day before the pause; completed ones nearly
all their agreed days, and work stopped part way some of them, up to the
stop. Completed and stopped work records the days its log shows
(`days_delivered`). Completed deployments have the leader's impact report;
those whose request was evaluated the school's evaluation too, as do early
stops that delivered something. No leader logs more than a working day on one
date, and only work in delivery has sessions planned.
"""

import datetime
from collections import defaultdict
from decimal import ROUND_FLOOR, Decimal

from alliance_portal.demo.national import content
from alliance_portal.demo.national.base import (
    BATCH_SIZE,
    BuilderBase,
    area_label,
    bulk_insert,
    given_timestamps,
)
from deployments.models import (
    Deployment,
    ImpactReport,
    Objective,
    ObjectiveImpact,
    PlannedSession,
    Rating,
    SchoolEvaluation,
    SchoolObjectiveImpact,
    SupportLog,
    days_from_hours,
)
from requests.models import SupportRequest

D = Deployment.Status
# States whose work has begun, so the leader may have logged support.
BEGUN = (D.IN_DELIVERY, D.PAUSED, *Deployment.DELIVERED_STATUSES)
# The share of the agreed hours logged by the end: nearly all, or part way for an early stop.
ENDED_SHARE = {D.COMPLETED: (0.85, 1.0), D.STOPPED: (0.2, 0.7)}
ENTRY_HOURS = (Decimal("1.5"), Decimal(2), Decimal(3), Decimal("3.5"), Decimal(5), Decimal("6.5"))
ACTIVITY_WEIGHTS = {
    SupportLog.Activity.COACHING: 30,
    SupportLog.Activity.WORKING_ALONGSIDE: 25,
    SupportLog.Activity.TRAINING: 10,
    SupportLog.Activity.DATA_ANALYSIS: 10,
    SupportLog.Activity.ACTION_PLANNING: 20,
    SupportLog.Activity.OTHER: 5,
}
PLANNED_NOTES = (
    "Lesson visits with the subject lead.",
    "Review of the action plan with the senior team.",
    "Twilight training for staff.",
    "Meeting with the headteacher.",
)
RATING_WEIGHTS = {Rating.GREEN: 60, Rating.AMBER: 30, Rating.RED: 10}
SATISFACTION_WEIGHTS = {5: 45, 4: 35, 3: 12, 2: 6, 1: 2}
USE_AGAIN_BY_SATISFACTION = {5: "yes", 4: "yes", 3: "not-sure", 2: "no", 1: "no"}


def _whole_half_hours(hours):
    """`hours` rounded down to a whole number of half hours, as a leader would log them."""
    return (hours * 2).to_integral_value(rounding=ROUND_FLOOR) / 2


class DeliveryStage(BuilderBase):
    """Support logs, impact reports and school evaluations for deployments under way or done."""

    def _build_delivery(self):
        with self._stage("delivery") as counts:
            delivered = [
                (plan, deployment)
                for plan in self.request_plans
                for deployment in plan.deployments()
                if deployment.status in BEGUN and deployment.started_at
            ]
            objectives = self._objectives_by_deployment([d for _, d in delivered])
            logged = defaultdict(Decimal)  # (leader pk, date) -> hours
            entries, touched = [], []
            for plan, deployment in delivered:
                made = self._log_entries(plan, deployment, objectives, logged)
                for entry, objective in made:
                    entries.append(entry)
                    touched.append(objective)
                if deployment.status in Deployment.DELIVERED_STATUSES:
                    deployment.days_delivered = days_from_hours(sum(e.hours for e, _ in made))
            with given_timestamps(SupportLog):
                bulk_insert(SupportLog, entries)
            link = SupportLog.objectives.through
            bulk_insert(
                link,
                [
                    link(supportlog_id=entry.pk, objective_id=objective.pk)
                    for entry, objective in zip(entries, touched, strict=True)
                ],
            )
            counts["log entries"] = len(entries)
            self._record_days_delivered(d for _, d in delivered)
            sessions = [
                session
                for _, deployment in delivered
                if deployment.status == D.IN_DELIVERY
                for session in self._planned_sessions(deployment)
            ]
            bulk_insert(PlannedSession, sessions)
            counts["planned sessions"] = len(sessions)
            counts.update(self._build_reports(delivered, objectives))

    @staticmethod
    def _record_days_delivered(deployments):
        """Save the days each ended deployment delivered: one update per distinct figure, as
        they are few (a bulk_update of tens of thousands of rows is several times slower)."""
        by_days = defaultdict(list)
        for deployment in deployments:
            if deployment.status in Deployment.DELIVERED_STATUSES:
                by_days[deployment.days_delivered].append(deployment.pk)
        for days, pks in by_days.items():
            for start in range(0, len(pks), BATCH_SIZE):
                batch = pks[start : start + BATCH_SIZE]
                Deployment.objects.filter(pk__in=batch).update(days_delivered=days)

    @staticmethod
    def _objectives_by_deployment(deployments):
        by_deployment = defaultdict(list)
        for objective in (
            Objective.objects.filter(deployment__in=deployments)
            .order_by("position")
            .only("pk", "deployment_id")
        ):
            by_deployment[objective.deployment_id].append(objective)
        return by_deployment

    def _log_entries(self, plan, deployment, objectives, logged):
        """Entries on working days between the start and the last day of delivery so far.

        Work that ended (completed or stopped part way) always has something logged: an
        end with nothing delivered is a stop before the start, which has no log.
        """
        if deployment.status in ENDED_SHARE:
            ended_at = deployment.completed_at or deployment.stopped_at
            last = ended_at.date()
            share = self.rng.uniform(*ENDED_SHARE[deployment.status])
        else:
            # In delivery: up to yesterday; paused: up to the day before the pause.
            last = deployment.paused_at.date() if deployment.paused_at else self.today
            last -= datetime.timedelta(days=1)
            span = max((deployment.end_date - deployment.start_date).days, 1)
            share = min(1.0, (last - deployment.start_date).days / span) * self.rng.uniform(0.7, 1)
        last = min(last, deployment.end_date)
        if last < deployment.start_date or not objectives[deployment.pk]:
            return []
        days = (last - deployment.start_date).days + 1
        hours_left = deployment.agreed_days * SupportLog.HOURS_PER_DAY * Decimal(str(share))
        made = []
        while hours_left >= 1 and len(made) < 200:
            hours = min(self.rng.choice(ENTRY_HOURS), _whole_half_hours(hours_left))
            date = deployment.start_date + datetime.timedelta(days=self.rng.randrange(days))
            if date.weekday() >= 5:
                date -= datetime.timedelta(days=date.weekday() - 4)
            key = (deployment.leader_id, date)
            if logged[key] + hours > SupportLog.MAX_HOURS or date < deployment.start_date:
                hours_left -= hours  # a clash: that stretch of support goes unlogged
                continue
            logged[key] += hours
            hours_left -= hours
            made.append(self._entry(plan, deployment, date, hours, objectives))
        if not made and deployment.status in ENDED_SHARE:
            made.append(self._first_visit(plan, deployment, last, objectives, logged))
        return made

    def _first_visit(self, plan, deployment, last, objectives, logged):
        """One visit on the first day from the start with room for it (weekends too)."""
        hours = ENTRY_HOURS[0]
        date = deployment.start_date
        while date < last and logged[deployment.leader_id, date] + hours > SupportLog.MAX_HOURS:
            date += datetime.timedelta(days=1)
        logged[deployment.leader_id, date] += hours
        return self._entry(plan, deployment, date, hours, objectives)

    def _entry(self, plan, deployment, date, hours, objectives):
        activity = self._pick(ACTIVITY_WEIGHTS)
        moment = self._at(date, hours=(15, 19))
        entry = SupportLog(
            deployment=deployment,
            date=date,
            hours=hours,
            activity=activity,
            notes=self.rng.choice(content.LOG_NOTES[activity]).format(
                area=area_label(self.rng.choice(plan.areas))
            ),
            logged_by_id=deployment.leader.user_id,
            created_at=moment,
            updated_at=moment,
        )
        return entry, self.rng.choice(objectives[deployment.pk])

    def _planned_sessions(self, deployment):
        """One or two visits in the next few weeks, before the agreed end."""
        sessions = []
        for _ in range(self.rng.randint(1, 2)):
            date = self.today + datetime.timedelta(days=self.rng.randint(1, 28))
            if date.weekday() >= 5:
                date += datetime.timedelta(days=7 - date.weekday())
            if date > deployment.end_date:
                continue
            sessions.append(
                PlannedSession(
                    deployment=deployment,
                    date=date,
                    start_time=datetime.time(self.rng.choice((9, 10, 13)), 30),
                    hours=self.rng.choice(ENTRY_HOURS),
                    note=self.rng.choice(PLANNED_NOTES),
                )
            )
        return sessions

    def _build_reports(self, delivered, objectives):
        """The leader's report on completed work; the school's evaluation, once the request
        was evaluated, of each deployment that delivered something."""
        reports, ratings, evaluations, school_ratings = [], [], [], []
        for plan, deployment in delivered:
            if deployment.status == D.COMPLETED:
                area = area_label(self.rng.choice(plan.areas))
                moment = deployment.completed_at
                report = ImpactReport(
                    deployment=deployment,
                    summary=self.rng.choice(content.IMPACT_SUMMARIES).format(area=area),
                    submitted_at=moment,
                    submitted_by_id=deployment.leader.user_id,
                    created_at=moment,
                    updated_at=moment,
                )
                reports.append(report)
                for objective in objectives[deployment.pk]:
                    rating = self._pick(RATING_WEIGHTS)
                    evidence = self.rng.choice(content.IMPACT_EVIDENCE[rating])
                    ratings.append(
                        ObjectiveImpact(
                            report=report, objective=objective, rating=rating, evidence=evidence
                        )
                    )
            ended = deployment.status in Deployment.DELIVERED_STATUSES
            if plan.status != SupportRequest.Status.EVALUATED or not ended:
                continue
            satisfaction = self._pick(SATISFACTION_WEIGHTS)
            answered = plan.times[-1]
            evaluation = SchoolEvaluation(
                deployment=deployment,
                satisfaction=satisfaction,
                would_use_again=USE_AGAIN_BY_SATISFACTION[satisfaction],
                comments=self.rng.choice(content.SCHOOL_COMMENTS),
                submitted_at=answered,
                submitted_by_name=plan.request.contact_name,
                created_at=answered,
                updated_at=answered,
            )
            evaluations.append(evaluation)
            school_ratings += [
                SchoolObjectiveImpact(
                    evaluation=evaluation, objective=objective, rating=self._pick(RATING_WEIGHTS)
                )
                for objective in objectives[deployment.pk]
            ]
        with given_timestamps(ImpactReport, SchoolEvaluation):
            bulk_insert(ImpactReport, reports)
            bulk_insert(SchoolEvaluation, evaluations)
        bulk_insert(ObjectiveImpact, ratings)
        bulk_insert(SchoolObjectiveImpact, school_ratings)
        return {"impact reports": len(reports), "school evaluations": len(evaluations)}
