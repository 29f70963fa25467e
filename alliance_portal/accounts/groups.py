"""The "Coordinators" group: what alliance staff may do in the admin.

Coordinators broker support: they triage requests, propose and agree
deployments, and keep leaders' records up to date. They look up schools,
alliances and the reference lists but do not edit them; the timeline of a
request is written by the portal, so they only read it. Keeping the list in
code means every environment grants the same rights, and re-running the
function after a change brings an existing group up to date.
"""

from django.contrib.auth.models import Group, Permission

COORDINATOR_GROUP_NAME = "Coordinators"

EDIT = ("add", "change", "view")
READ = ("view",)

# (app label, model name) -> the actions coordinators may take.
COORDINATOR_PERMISSIONS = {
    ("support_requests", "supportrequest"): EDIT,
    ("support_requests", "requestevent"): READ,
    ("deployments", "deployment"): EDIT,
    ("deployments", "objective"): EDIT,
    ("leaders", "leader"): EDIT,
    ("leaders", "designation"): EDIT,
    ("leaders", "declaredconflict"): EDIT,
    # Applications arrive from the public site; coordinators review them.
    ("leaders", "leaderapplication"): ("change", "view"),
    ("leaders", "areaofexpertise"): READ,
    ("schools", "school"): READ,
    ("schools", "alliance"): READ,
    # Register changes flagged for their alliance, which they acknowledge.
    ("schools", "schoolchange"): ("change", "view"),
    # The admin's search boxes for phases, trusts and local authorities need
    # view rights on them when a coordinator edits a leader or a conflict.
    ("schools", "phase"): READ,
    ("schools", "trust"): READ,
    ("schools", "localauthority"): READ,
}


def coordinator_permissions():
    """The Permission rows the group should hold; fails loudly if one is missing."""
    wanted = {
        (app_label, f"{action}_{model}")
        for (app_label, model), actions in COORDINATOR_PERMISSIONS.items()
        for action in actions
    }
    found = Permission.objects.filter(
        content_type__app_label__in={app_label for app_label, _ in wanted},
        codename__in={codename for _, codename in wanted},
    ).select_related("content_type")
    permissions = [p for p in found if (p.content_type.app_label, p.codename) in wanted]
    missing = wanted - {(p.content_type.app_label, p.codename) for p in permissions}
    if missing:
        raise LookupError(f"Permissions not found (run migrate first): {sorted(missing)}")
    return permissions


def ensure_coordinator_group():
    """Create the Coordinators group, or reset its permissions to the list above."""
    group, _ = Group.objects.get_or_create(name=COORDINATOR_GROUP_NAME)
    group.permissions.set(coordinator_permissions())
    return group
