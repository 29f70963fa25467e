"""The alliance scope: which brokering records a signed-in user may see and change.

The rules live here and nowhere else; the admin applies them through
`alliance_portal.accounts.admin_scoping`, and exports and the dashboard can
call the same functions. Every model of the portal is named below, in
`VISIBLE`, `SHARED_MODELS` or `SUPERUSER_MODELS` (a test makes sure of it).

- A superuser sees and changes everything.
- A coordinator (a staff user with an alliance) sees their alliance's
  support requests and everything hanging off them (timeline, deployments,
  objectives, logs, sessions, reports, evaluations), the leader
  applications sent to it, the designations it gave, and the leaders it
  manages or designated, and the register changes flagged for it (a school
  it works with closed or moved). National designations (NLE, NLG: no
  alliance) and the leaders holding them are visible to every coordinator for
  matching.
- A coordinator changes a leader's record (details, expertise, phases,
  conflicts) only when their alliance manages it (`Leader.managing_alliance`)
  and the leader holds no active national designation. Designating a leader
  gives no rights over their record: an alliance designates a leader it does
  not manage only through an application the leader confirms while signed in.
- A coordinator changes a designation only if their alliance gave it and the
  leader has confirmed it.
- Anyone else sees none of it.

Each `*_for(user, queryset=None)` narrows the given queryset (the admin passes
its own, with its joins and ordering) or the model's default one.
"""

from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, Q
from django_tasks_db.models import DBTaskResult

from alliance_portal.accounts.models import User
from alliance_portal.notifications.models import OutboundEmail
from alliance_portal.pages.models import RolePage, Submission
from alliance_portal.schools.models import (
    Alliance,
    LocalAuthority,
    Phase,
    School,
    SchoolChange,
    Trust,
)
from deployments.models import (
    Deployment,
    ImpactReport,
    Objective,
    ObjectiveImpact,
    PlannedSession,
    SchoolEvaluation,
    SchoolObjectiveImpact,
    SupportLog,
    Variation,
)
from leaders.models import (
    AreaOfExpertise,
    DeclaredConflict,
    Designation,
    Leader,
    LeaderApplication,
)
from requests.models import ReferenceSequence, RequestEvent, SupportRequest


def sees_everything(user):
    return user.is_active and user.is_superuser


def alliance_id_of(user):
    """The coordinator's alliance, or None for anyone who is not a coordinator."""
    return user.alliance_id if getattr(user, "is_coordinator", False) else None


def _narrow(user, queryset, condition):
    """Everything for a superuser, `condition(alliance_id)` for a coordinator, else nothing."""
    if sees_everything(user):
        return queryset
    alliance_id = alliance_id_of(user)
    if alliance_id is None:
        return queryset.none()
    return queryset.filter(condition(alliance_id))


def _all(model, queryset):
    return model._default_manager.all() if queryset is None else queryset


def _in_alliance(path):
    """A condition on the alliance found at `path` (a lookup to the request's alliance)."""
    return lambda alliance_id: Q(**{path: alliance_id})


def alliances_for(user, queryset=None):
    return _narrow(user, _all(Alliance, queryset), lambda a: Q(pk=a))


def requests_for(user, queryset=None):
    return _narrow(user, _all(SupportRequest, queryset), _in_alliance("alliance_id"))


def request_events_for(user, queryset=None):
    return _narrow(user, _all(RequestEvent, queryset), _in_alliance("request__alliance_id"))


def deployments_for(user, queryset=None):
    return _narrow(user, _all(Deployment, queryset), _in_alliance("request__alliance_id"))


def applications_for(user, queryset=None):
    return _narrow(user, _all(LeaderApplication, queryset), _in_alliance("alliance_id"))


def school_changes_for(user, queryset=None):
    """What register imports changed about schools where the alliance has requests or leaders."""
    return _narrow(user, _all(SchoolChange, queryset), _in_alliance("alliance_id"))


def _own_or_national(alliance_id):
    return Q(alliance_id=alliance_id) | Q(alliance__isnull=True)


def _holds(condition, leader_ref="pk"):
    return Exists(Designation.objects.filter(condition, leader_id=OuterRef(leader_ref)))


# A designation the leader has not confirmed (or refused) gives no sight of them.
_CONFIRMED = ~Q(status__in=Designation.UNCONFIRMED_STATUSES)
_ACTIVE_NATIONAL = Q(alliance__isnull=True, status=Designation.Status.ACTIVE)


def _visible_leader(alliance_id, leader_ref="pk", prefix=""):
    managed = Q(**{f"{prefix}managing_alliance_id": alliance_id})
    return managed | _holds(_own_or_national(alliance_id) & _CONFIRMED, leader_ref)


def _changeable_leader(alliance_id, leader_ref="pk", prefix=""):
    managed = Q(**{f"{prefix}managing_alliance_id": alliance_id})
    return managed & ~_holds(_ACTIVE_NATIONAL, leader_ref)


def leaders_for(user, queryset=None):
    """Leaders the alliance manages, or holding a confirmed designation from it or a national one."""
    return _narrow(user, _all(Leader, queryset), _visible_leader)


def changeable_leaders_for(user, queryset=None):
    """Leaders whose record the alliance keeps: managed by it, and not national."""
    return _narrow(user, _all(Leader, queryset), _changeable_leader)


def designations_for(user, queryset=None):
    """Designations the alliance gave, national ones, and those of the leaders it manages."""
    return _narrow(
        user,
        _all(Designation, queryset),
        lambda a: _own_or_national(a) | Q(leader__managing_alliance_id=a),
    )


def changeable_designations_for(user, queryset=None):
    """Designations the alliance gave that the leader has confirmed."""
    return _narrow(user, _all(Designation, queryset), lambda a: Q(alliance_id=a) & _CONFIRMED)


def conflicts_for(user, queryset=None):
    """Declared conflicts of the leaders the user can see."""
    return _narrow(
        user,
        _all(DeclaredConflict, queryset),
        lambda a: _visible_leader(a, leader_ref="leader_id", prefix="leader__"),
    )


def changeable_conflicts_for(user, queryset=None):
    """Declared conflicts of the leaders whose record the user keeps."""
    return _narrow(
        user,
        _all(DeclaredConflict, queryset),
        lambda a: _changeable_leader(a, leader_ref="leader_id", prefix="leader__"),
    )


def _through_deployment(model, path):
    def scope(user, queryset=None):
        return _narrow(user, _all(model, queryset), _in_alliance(f"{path}request__alliance_id"))

    scope.__name__ = f"{model._meta.model_name}_for"
    return scope


# The scope of each brokering model.
VISIBLE = {
    Alliance: alliances_for,
    SupportRequest: requests_for,
    RequestEvent: request_events_for,
    Deployment: deployments_for,
    Objective: _through_deployment(Objective, "deployment__"),
    SupportLog: _through_deployment(SupportLog, "deployment__"),
    PlannedSession: _through_deployment(PlannedSession, "deployment__"),
    ImpactReport: _through_deployment(ImpactReport, "deployment__"),
    ObjectiveImpact: _through_deployment(ObjectiveImpact, "report__deployment__"),
    SchoolEvaluation: _through_deployment(SchoolEvaluation, "deployment__"),
    SchoolObjectiveImpact: _through_deployment(SchoolObjectiveImpact, "evaluation__deployment__"),
    Variation: _through_deployment(Variation, "deployment__"),
    LeaderApplication: applications_for,
    Designation: designations_for,
    Leader: leaders_for,
    DeclaredConflict: conflicts_for,
    SchoolChange: school_changes_for,
}

# Where a coordinator may see more than they may change.
CHANGEABLE = {
    Designation: changeable_designations_for,
    Leader: changeable_leaders_for,
    DeclaredConflict: changeable_conflicts_for,
}

# A row that hangs off another record is written by whoever may change that record:
# the foreign key a new row may point at is chosen among the records the user may change.
OWNER_FIELD = {
    DeclaredConflict: "leader",
    Designation: "leader",
    Objective: "deployment",
}

# Reference data every coordinator reads (and only a superuser changes): not scoped.
SHARED_MODELS = frozenset({School, LocalAuthority, Trust, Phase, AreaOfExpertise, RolePage})

# Accounts, the outbox and the machinery behind them (the worker's task results,
# the forms' one-time submission keys):
# for superusers only.
SUPERUSER_MODELS = frozenset(
    {User, Group, OutboundEmail, ReferenceSequence, DBTaskResult, Submission}
)


def is_scoped(model):
    return model in VISIBLE


def visible(user, queryset):
    """Narrow any queryset to what the user may see (unscoped models pass through)."""
    scope = VISIBLE.get(queryset.model)
    return queryset if scope is None else scope(user, queryset)


def changeable(user, queryset):
    """Narrow any queryset to what the user may change."""
    scope = CHANGEABLE.get(queryset.model) or VISIBLE.get(queryset.model)
    return queryset if scope is None else scope(user, queryset)


def can_change(user, obj):
    """Whether the user may change an object they can see."""
    if sees_everything(user):
        return True
    scope = CHANGEABLE.get(type(obj))
    if scope is None:
        return True
    # The admin asks several times per page: remember the answer on the object.
    answers = obj.__dict__.setdefault("_changeable_by", {})
    if user.pk not in answers:
        answers[user.pk] = scope(user, type(obj)._default_manager.filter(pk=obj.pk)).exists()
    return answers[user.pk]
