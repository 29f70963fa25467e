"""Every URL of the portal, for every kind of visitor, for GET and POST.

A new view fails `test_it_lists_every_url_in_the_matrix` until someone decides
here who may reach it. The admin's own pages are covered by the admin tests;
only its front door is listed here.
"""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from alliance_portal.accounts.groups import ensure_coordinator_group
from deployments.evaluation_links import evaluation_token
from leaders.calendar import calendar_secret_hash
from requests.tracking import tracking_token
from tests.factories import (
    AgreedDeploymentFactory,
    CoordinatorFactory,
    DeploymentFactory,
    DesignationFactory,
    ExportFactory,
    LeaderFactory,
    ObjectiveFactory,
    PlannedSessionFactory,
    SupportLogFactory,
    SupportRequestFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "leader_a", "leader_b", "coordinator_x", "coordinator_y", "superuser"]
STAFF = {"coordinator_x", "coordinator_y", "superuser"}


def everyone(status):
    return dict.fromkeys(ROLES, status)


def staff_only(status, otherwise):
    return {role: status if role in STAFF else otherwise for role in ROLES}


def signed_in(status, anonymous=302):
    return {role: anonymous if role == "anonymous" else status for role in ROLES}


LEADERS = {"leader_a", "leader_b"}


def x_only(status):
    """Coordinator X's alliance's record: the superuser sees it too, other staff get a
    404, and anyone not staff the sign-in page."""
    return {
        role: status if role in ("coordinator_x", "superuser") else 404 if role in STAFF else 302
        for role in ROLES
    }


def owner_only(status):
    """Leader A's own object: anyone else signed in gets a 404, a visitor the sign-in page."""
    return {
        role: status if role == "leader_a" else 302 if role == "anonymous" else 404
        for role in ROLES
    }


def leaders_only(status, otherwise=404):
    return {
        role: 302 if role == "anonymous" else status if role in LEADERS else otherwise
        for role in ROLES
    }


# name: (path, GET by role, POST by role). Public pages answer everyone alike;
# a POST to a page that takes none is 405; forms re-show themselves with errors.
MATRIX = {
    "home": ("/", everyone(200), everyone(405)),
    "pages:role": ("/roles/sle/", everyone(200), everyone(405)),
    "pages:privacy": ("/privacy/", everyone(200), everyone(405)),
    "pages:accessibility": ("/accessibility/", everyone(200), everyone(405)),
    "pages:contact": ("/contact/", everyone(200), everyone(405)),
    "pages:healthz": ("/healthz/", everyone(200), everyone(405)),
    "pages:readyz": ("/readyz/", everyone(200), everyone(405)),
    "leaders:directory": ("/leaders/", everyone(200), everyone(405)),
    "leaders:detail": ("/leaders/{leader}/", everyone(200), everyone(405)),
    "leaders:apply": ("/become-a-leader/", everyone(200), everyone(200)),
    "leaders:apply-sent": ("/become-a-leader/sent/", everyone(302), everyone(405)),
    "requests:start": ("/request-support/", everyone(200), everyone(405)),
    "requests:school": ("/request-support/school/", everyone(200), everyone(200)),
    "requests:school-by-hand": (
        "/request-support/school/not-listed/",
        everyone(200),
        everyone(200),
    ),
    "requests:school-suggestions": (
        "/request-support/school/suggestions/?q=oak",
        everyone(200),
        everyone(405),
    ),
    "requests:contact": ("/request-support/contact/", everyone(200), everyone(200)),
    "requests:need": ("/request-support/need/", everyone(200), everyone(200)),
    "requests:check": ("/request-support/check/", everyone(302), everyone(302)),
    "requests:sent": ("/request-support/sent/", everyone(302), everyone(405)),
    "requests:track": ("/track/{token}/", everyone(200), everyone(405)),
    "requests:withdraw": ("/track/{token}/withdraw/", everyone(200), everyone(200)),
    "accounts:login": ("/accounts/login/", everyone(200), everyone(200)),
    "accounts:logout": ("/accounts/logout/", everyone(405), everyone(302)),
    "accounts:password-change": ("/accounts/password/change/", signed_in(200), signed_in(200)),
    "accounts:password-change-done": (
        "/accounts/password/change/done/",
        signed_in(200),
        signed_in(405),
    ),
    "accounts:password-reset": ("/accounts/password/reset/", everyone(200), everyone(200)),
    "accounts:password-reset-done": (
        "/accounts/password/reset/sent/",
        everyone(200),
        everyone(405),
    ),
    # A link that does not work says so; a working one is tested in tests/accounts.
    "accounts:password-reset-confirm": (
        "/accounts/password/reset/MQ/bad-token/",
        everyone(200),
        everyone(200),
    ),
    "accounts:password-reset-complete": (
        "/accounts/password/reset/complete/",
        everyone(200),
        everyone(405),
    ),
    # How long a session has left (the admin's warning); POST is "stay signed in".
    "accounts:session": ("/accounts/session/", everyone(200), everyone(200)),
    "accounts:invitation": ("/accounts/invitation/MQ/bad-token/", everyone(200), everyone(200)),
    "portal:dashboard": ("/my/", leaders_only(200), leaders_only(405, otherwise=405)),
    "portal:proposal": (
        "/my/proposals/{proposal}/",
        owner_only(200),
        owner_only(200),
    ),
    # Only leader A answers a designation waiting for them; without an answer, the
    # dashboard says to choose one.
    "portal:designation-answer": (
        "/my/designations/{designation_to_confirm}/answer/",
        signed_in(405),
        owner_only(302),
    ),
    # Leader A's deployment in delivery, with a log entry, a planned session and
    # objectives. Leader B and anyone without a Leader record get a 404 throughout.
    "portal:deployment": ("/my/deployments/{deployment}/", owner_only(200), signed_in(405)),
    "portal:log-add": ("/my/deployments/{deployment}/log/", owner_only(200), owner_only(200)),
    "portal:log-change": (
        "/my/deployments/{deployment}/log/{entry}/change/",
        owner_only(200),
        owner_only(200),
    ),
    "portal:log-remove": (
        "/my/deployments/{deployment}/log/{entry}/remove/",
        owner_only(200),
        owner_only(302),
    ),
    "portal:session-add": (
        "/my/deployments/{deployment}/sessions/",
        owner_only(200),
        owner_only(200),
    ),
    "portal:session-remove": (
        "/my/deployments/{deployment}/sessions/{session}/remove/",
        owner_only(200),
        owner_only(302),
    ),
    "portal:report": ("/my/deployments/{deployment}/report/", owner_only(200), owner_only(200)),
    # Each leader's own profile and calendar link; staff without a Leader record get a 404.
    "portal:profile": ("/my/profile/", leaders_only(200), leaders_only(200)),
    "portal:calendar": ("/my/calendar/", leaders_only(200), leaders_only(200)),
    # Private links: whoever holds one gets the same answer.
    "leaders:calendar-feed": ("/calendar/{calendar}.ics", everyone(200), everyone(405)),
    "deployments:evaluation": ("/feedback/{evaluation}/", everyone(200), everyone(200)),
    "admin-login": ("/admin/login/?next=/admin/", everyone(302), everyone(302)),
    "admin:index": ("/admin/", staff_only(200, 302), staff_only(200, 302)),
    "reports:dashboard": ("/admin/dashboard/", staff_only(200, 302), staff_only(405, 302)),
    # Exports built in the background: coordinator X's alliance's export.
    "exports:list": ("/admin/exports/", staff_only(200, 302), staff_only(405, 302)),
    "exports:detail": ("/admin/exports/{export}/", x_only(200), staff_only(405, 302)),
    "exports:status": ("/admin/exports/{export}/status/", x_only(200), staff_only(405, 302)),
    "exports:download": ("/admin/exports/{export}/download/", x_only(200), staff_only(405, 302)),
}


def named_urls(resolver=None, namespace=""):
    """Every named URL pattern outside the admin, as namespace:name."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from named_urls(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


@pytest.fixture
def world():
    """What the URLs point at; leader A owns a proposal, leader B does not."""
    leader_a = LeaderFactory(user=UserFactory(), public_profile_consent=True)
    designation = DesignationFactory(leader=leader_a)
    leader_b = LeaderFactory(user=UserFactory())
    proposal = DeploymentFactory(
        leader=leader_a, designation=designation, request__status="proposed"
    )
    deployment = AgreedDeploymentFactory(
        leader=leader_a,
        designation=designation,
        status="in-delivery",
        request__status="in-delivery",
    )
    ObjectiveFactory(deployment=deployment)
    completed = AgreedDeploymentFactory(
        leader=leader_a, designation=designation, status="completed", request__status="completed"
    )
    ObjectiveFactory(deployment=completed)
    coordinator_x = CoordinatorFactory()
    coordinator_x.groups.add(ensure_coordinator_group())
    export = ExportFactory(requested_by=coordinator_x, alliance=coordinator_x.alliance)
    leader_a.calendar_token_hash = calendar_secret_hash("matrix-calendar-token")
    leader_a.save(update_fields=["calendar_token_hash"])
    return {
        "leader": leader_a.pk,
        "proposal": proposal.pk,
        "deployment": deployment.pk,
        "entry": SupportLogFactory(deployment=deployment).pk,
        "session": PlannedSessionFactory(deployment=deployment).pk,
        "calendar": "matrix-calendar-token",
        "designation_to_confirm": DesignationFactory(
            leader=leader_a, kind="LLE", status="pending"
        ).pk,
        "evaluation": evaluation_token(completed),
        "token": tracking_token(SupportRequestFactory(status="matching")),
        "export": export.pk,
        "users": {
            "leader_a": leader_a.user,
            "leader_b": leader_b.user,
            "coordinator_x": coordinator_x,
        },
    }


@pytest.fixture
def client_for(world):
    users = {
        "leader_a": lambda: world["users"]["leader_a"],
        "leader_b": lambda: world["users"]["leader_b"],
        "coordinator_x": lambda: world["users"]["coordinator_x"],
        "coordinator_y": lambda: CoordinatorFactory(),
        "superuser": lambda: UserFactory(is_staff=True, is_superuser=True),
    }

    def make(role, *, enforce_csrf_checks=False):
        client = Client(enforce_csrf_checks=enforce_csrf_checks)
        if role != "anonymous":
            client.force_login(users[role]())
        return client

    return make


def test_it_lists_every_url_in_the_matrix():
    assert set(named_urls()) | {"admin:index"} == set(MATRIX)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_it_answers_each_role_as_the_matrix_says(world, client_for, name, role):
    path, expected_get, expected_post = MATRIX[name]
    client = client_for(role)
    url = path.format(**world)

    assert client.get(url).status_code == expected_get[role], f"GET {url} as {role}"
    assert client.post(url, {}).status_code == expected_post[role], f"POST {url} as {role}"


@pytest.mark.parametrize(
    "name", sorted(name for name, (_, _, post) in MATRIX.items() if 200 in post.values())
)
def test_it_refuses_a_form_post_without_the_csrf_token(world, client_for, name):
    path, _, _ = MATRIX[name]
    client = client_for("anonymous", enforce_csrf_checks=True)

    response = client.post(path.format(**world), {})

    assert response.status_code == 403
