"""The alliance scope: which brokering records a signed-in user may see and change.

The rules live here and nowhere else; the admin applies them through
`alliance_portal.accounts.admin_scoping`, and exports and the dashboard can
call the same functions.

- A superuser sees and changes everything.
- A coordinator (a staff user with an alliance) sees their alliance's
  support requests and the requests' deployments and timelines, the leader
  applications sent to it, the designations it gave, and the leaders holding
  one. National designations (NLE, NLG: no alliance) and the leaders holding
  them are visible to every coordinator for matching, but only a superuser
  changes them: a coordinator changes a leader only if their alliance
  designated them.
- Anyone else sees none of it.

Each `*_for(user, queryset=None)` narrows the given queryset (the admin passes
its own, with its joins and ordering) or the model's default one.
"""

from django.db.models import Exists, OuterRef, Q

from alliance_portal.schools.models import Alliance
from deployments.models import Deployment
from leaders.models import DeclaredConflict, Designation, Leader, LeaderApplication
from requests.models import RequestEvent, SupportRequest


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


def alliances_for(user, queryset=None):
    return _narrow(user, _all(Alliance, queryset), lambda a: Q(pk=a))


def requests_for(user, queryset=None):
    return _narrow(user, _all(SupportRequest, queryset), lambda a: Q(alliance_id=a))


def request_events_for(user, queryset=None):
    return _narrow(user, _all(RequestEvent, queryset), lambda a: Q(request__alliance_id=a))


def deployments_for(user, queryset=None):
    return _narrow(user, _all(Deployment, queryset), lambda a: Q(request__alliance_id=a))


def applications_for(user, queryset=None):
    return _narrow(user, _all(LeaderApplication, queryset), lambda a: Q(alliance_id=a))


def _own_or_national(alliance_id):
    return Q(alliance_id=alliance_id) | Q(alliance__isnull=True)


def designations_for(user, queryset=None):
    """Designations the alliance gave, and national ones (visible, not changeable)."""
    return _narrow(user, _all(Designation, queryset), _own_or_national)


def changeable_designations_for(user, queryset=None):
    return _narrow(user, _all(Designation, queryset), lambda a: Q(alliance_id=a))


def _holds(condition, leader_ref="pk"):
    return Exists(Designation.objects.filter(condition, leader_id=OuterRef(leader_ref)))


def leaders_for(user, queryset=None):
    """Leaders holding a designation from the alliance or a national one (any status)."""
    return _narrow(user, _all(Leader, queryset), lambda a: _holds(_own_or_national(a)))


def changeable_leaders_for(user, queryset=None):
    return _narrow(user, _all(Leader, queryset), lambda a: _holds(Q(alliance_id=a)))


def conflicts_for(user, queryset=None):
    """Declared conflicts of the leaders the user can see."""
    return _narrow(
        user,
        _all(DeclaredConflict, queryset),
        lambda a: _holds(_own_or_national(a), leader_ref="leader_id"),
    )


# The scope of each model; a model missing here is shared reference data.
VISIBLE = {
    Alliance: alliances_for,
    SupportRequest: requests_for,
    RequestEvent: request_events_for,
    Deployment: deployments_for,
    LeaderApplication: applications_for,
    Designation: designations_for,
    Leader: leaders_for,
    DeclaredConflict: conflicts_for,
}

# Models where a coordinator may see more than they may change.
CHANGEABLE = {
    Designation: changeable_designations_for,
    Leader: changeable_leaders_for,
}


def is_scoped(model):
    return model in VISIBLE


def visible(user, queryset):
    """Narrow any queryset to what the user may see (unscoped models pass through)."""
    scope = VISIBLE.get(queryset.model)
    return queryset if scope is None else scope(user, queryset)


def can_change(user, obj):
    """Whether the user may change an object they can see."""
    if sees_everything(user):
        return True
    scope = CHANGEABLE.get(type(obj))
    if scope is None:
        return True
    if isinstance(obj, Designation):
        return obj.alliance_id is not None and obj.alliance_id == alliance_id_of(user)
    # The admin asks several times per page: remember the answer on the object.
    answers = obj.__dict__.setdefault("_changeable_by", {})
    if user.pk not in answers:
        answers[user.pk] = scope(user, type(obj)._default_manager.filter(pk=obj.pk)).exists()
    return answers[user.pk]
