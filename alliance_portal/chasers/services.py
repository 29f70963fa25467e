"""Send every reminder that is due, once, through the outbox; on working days only.

`chasers_run` finds what is due (alliance_portal.chasers.reminders and
.digest) and, unless it is a dry run, sends each reminder in a transaction
of its own that records it (`ChaserSent`) and queues its emails
(`email_queue`): the record exists if and only if the emails do, and a
second run finds the record and sends nothing. On a Saturday, a Sunday or
an English bank holiday nothing is sent at all.
"""

import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from alliance_portal.notifications.services import email_queue
from alliance_portal.pages import working_days as clock

from . import digest, reminders
from .models import ChaserSent

logger = logging.getLogger(__name__)

Kind = ChaserSent.Kind

# Each kind, in the order the job runs them, and what its output line calls it.
KINDS = (
    (Kind.PROPOSAL, reminders.proposal_reminders, "proposal reminders"),
    (Kind.NOTHING_LOGGED, reminders.nothing_logged_reminders, "nothing-logged reminders"),
    (Kind.IMPACT_REPORT, reminders.report_reminders, "impact report reminders"),
    (Kind.EVALUATION, reminders.evaluation_reminders, "evaluation reminders"),
    (Kind.DESIGNATION_REVIEW, reminders.review_reminders, "designation review reminders"),
    (Kind.DIGEST, digest.digest_reminders, "weekly digests"),
)
# Who a proposal reminder's step tells, for the output line.
TOLD = {reminders.LEADER: "leaders", reminders.COORDINATORS: "coordinators"}


@dataclass
class KindResult:
    kind: str
    label: str
    due: list = field(default_factory=list)  # the reminders found
    sent: list = field(default_factory=list)  # those sent: all of them, unless some failed
    failed: int = 0

    def summary(self, *, dry_run):
        """One line: "proposal reminders: 3 sent (2 to leaders, 1 to coordinators)"."""
        done = self.due if dry_run else self.sent
        line = f"{self.label}: {len(done)} {'would be sent' if dry_run else 'sent'}"
        if self.kind == Kind.PROPOSAL and done:
            told = {}
            for reminder in done:
                told[TOLD[reminder.step]] = told.get(TOLD[reminder.step], 0) + 1
            line += " (" + ", ".join(f"{n} to {who}" for who, n in told.items()) + ")"
        if self.failed:
            line += f"; {self.failed} not sent (see the log)"
        return line


@dataclass
class Run:
    today: object
    dry_run: bool
    working_day: bool
    results: list = field(default_factory=list)

    @property
    def sent(self):
        return sum(len(result.sent) for result in self.results)


def chasers_run(*, today, dry_run=False):
    """Find and (unless `dry_run`) send every reminder due on `today`."""
    run = Run(today=today, dry_run=dry_run, working_day=clock.is_working_day(today))
    if not run.working_day:
        return run
    for kind, find, label in KINDS:
        result = KindResult(kind=kind, label=label, due=find(today))
        if not dry_run:
            for reminder in result.due:
                if reminder_send(reminder, today=today):
                    result.sent.append(reminder)
                else:
                    result.failed += 1
        run.results.append(result)
    return run


def reminder_send(reminder, *, today):
    """Queue the reminder's emails and record it, in one transaction. False if it could
    not be: another run recorded it first, or an address was refused."""
    try:
        with transaction.atomic():
            emails = email_queue(
                to=reminder.to,
                template=reminder.template,
                context=reminder.context,
                topic=f"chaser-{reminder.kind}",
            )
            ChaserSent.objects.create(
                kind=reminder.kind,
                object_id=reminder.object_id,
                step=reminder.step,
                sent_on=today,
                emails=len(emails),
            )
    except IntegrityError:
        logger.info(
            "Chaser %s %s (%s) was already sent; not sent again.",
            reminder.kind,
            reminder.object_id,
            reminder.step,
        )
        return False
    except ValidationError:
        logger.warning(
            "Chaser %s %s (%s) could not be queued: an address was refused.",
            reminder.kind,
            reminder.object_id,
            reminder.step,
            exc_info=True,
        )
        return False
    return True
