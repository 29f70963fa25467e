"""The small demo world a first run of `seed_demo` creates.

A newcomer should be able to sign in and find a portal that looks lived in:
three alliances in real local authorities, a few hundred schools, about sixty
system leaders and requests at every stage of brokerage. The schools, people
and texts are invented (national/content.py); only the local authority codes
and names are real, so that the demo lines up with an import of the national
register later.

The generator itself lives in the national package (`WorldBuilder`): the demo
is the same machinery at a small size, plus the three logins and a leader
whose own portal has something to show.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from alliance_portal.accounts.groups import ensure_coordinator_group
from alliance_portal.demo.national.builder import WorldBuilder
from alliance_portal.demo.national.content import (  # re-exported for the tests
    PLACES_BY_CODE as PLACES_BY_CODE,
)
from alliance_portal.demo.national.places import (
    DEMO_TRUST_CODE_START,
    DEMO_URN_START,
    AllianceSpec,
)
from alliance_portal.schools.models import Alliance

# Where the demo logins are used: coordinators land in the admin, the leader on /my/.
ADMIN_URL = "http://127.0.0.1:8000/accounts/login/"

# Invented alliances in real places; phone numbers are from Ofcom's drama ranges.
DEMO_ALLIANCES = (
    AllianceSpec(
        "Fleet Valley Schools Alliance",
        "fleet-valley-alliance",
        "brokering@fleetvalley.example.org",
        "020 7946 0123",
        "https://fleetvalley.example.org",
        (202, 206, 204),
        is_default=True,
    ),
    AllianceSpec(
        "Irwell and Medlock Learning Partnership",
        "irwell-medlock-partnership",
        "support@irwellmedlock.example.org",
        "0161 496 0456",
        "https://irwellmedlock.example.org",
        (352, 355, 358),
    ),
    AllianceSpec(
        "Don and Rother Teaching Alliance",
        "don-rother-alliance",
        "hello@donrother.example.org",
        "0114 496 0789",
        "https://donrother.example.org",
        (373, 372, 370),
    ),
)
DEMO_SLUGS = tuple(spec.slug for spec in DEMO_ALLIANCES)
# Enough deployments beyond one a request for declined asks, a cancelled one, an early stop
# before the start and two teams (of three leaders and of two).
DEMO_SIZES = {"schools": 300, "leaders": 60, "requests": 84, "deployments": 54}
DEMO_SEED = 2026


@dataclass(frozen=True)
class DemoLogin:
    """A demo account. The passwords are published on purpose: this is throwaway data."""

    email: str
    password: str
    role: str
    full_name: str


ADMIN_LOGIN = DemoLogin("admin@example.org", "Harbour-Lights-2026", "superuser", "Demo Admin")
COORDINATOR_LOGIN = DemoLogin(
    "coordinator@example.org", "Brokering-Desk-2026", "coordinator", "Rachel Mensah"
)
LEADER_LOGIN = DemoLogin("leader@example.org", "Coaching-Visit-2026", "system leader", "Owen Price")
DEMO_LOGINS = (ADMIN_LOGIN, COORDINATOR_LOGIN, LEADER_LOGIN)


@dataclass
class DemoResult:
    created: bool
    counts: dict


def demo_world_exists():
    """The demo alliances' slugs mark a database that already holds the demo world."""
    return Alliance.objects.filter(slug__in=DEMO_SLUGS).exists()


def build_demo_world(*, seed=DEMO_SEED, now=None, log=None):
    """Create the demo world once; on a second run, create nothing and say so."""
    log = log or (lambda message: None)
    with transaction.atomic():
        if demo_world_exists():
            log("The demo world is already here; nothing was created.")
            return DemoResult(created=False, counts={})
        counts = _build(seed=seed, now=now, log=log)
    return DemoResult(created=True, counts=counts)


def _build(*, seed, now, log):
    builder = WorldBuilder(
        seed=seed,
        now=now,
        log=log,
        urn_start=DEMO_URN_START,
        trust_code_start=DEMO_TRUST_CODE_START,
        email_domain="example.org",
        featured_leader=LEADER_LOGIN,
        **DEMO_SIZES,
    )
    alliances = builder.build_alliances(DEMO_ALLIANCES)
    users = _ensure_demo_users(alliances[0])
    builder.actors = {alliances[0].pk: users[COORDINATOR_LOGIN.email]}
    counts = builder.build_rest()
    _link_leader_login(builder.featured_leader(), users[LEADER_LOGIN.email])
    return counts


def _ensure_demo_users(coordinator_alliance):
    """Create the three demo accounts; an account that already exists is left as it was."""
    group = ensure_coordinator_group()
    users = {
        ADMIN_LOGIN.email: _ensure_user(ADMIN_LOGIN, is_staff=True, is_superuser=True),
        COORDINATOR_LOGIN.email: _ensure_user(
            COORDINATOR_LOGIN, is_staff=True, alliance=coordinator_alliance
        ),
        LEADER_LOGIN.email: _ensure_user(LEADER_LOGIN),
    }
    coordinator = users[COORDINATOR_LOGIN.email]
    if coordinator.is_coordinator:
        coordinator.groups.add(group)
    return users


def _ensure_user(login, **fields):
    user_model = get_user_model()
    existing = user_model.objects.filter(email__iexact=login.email).first()
    if existing:
        return existing
    return user_model.objects.create_user(
        login.email, login.password, full_name=login.full_name, **fields
    )


def _link_leader_login(leader, user):
    """Give the featured leader the demo login, unless that login already has a leader."""
    if hasattr(user, "leader"):
        return
    leader.user = user
    leader.save(update_fields=["user", "updated_at"])


def login_lines():
    """What the command prints at the end: where to sign in and with what."""
    user_model = get_user_model()
    lines = [f"Sign in at {ADMIN_URL}"]
    for login in DEMO_LOGINS:
        user = user_model.objects.filter(email__iexact=login.email).first()
        if user is None:
            lines.append(f"  {login.role}: {login.email} (no such account)")
        elif user.check_password(login.password):
            lines.append(f"  {login.role}: {login.email}  password: {login.password}")
        else:
            lines.append(f"  {login.role}: {login.email} (existing account; password unchanged)")
    return lines
