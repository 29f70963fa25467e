"""No server error from any input: Hypothesis posts junk to every form and asks every URL.

- Every form a school, a tracking-link holder, a leader or a coordinator can send
  (the permission matrix's forms, the admin's brokering and decision buttons, the
  coordinators' add and change pages) gets generated answers: each field either
  a plausible value (one of its choices, a date) or junk (long text, NUL, digits
  past any integer, superscripts, empty, whitespace). No answer is a 5xx, and an
  answer that is not accepted (anything but a redirect) writes no row anywhere.
- Every URL pattern is requested by a random kind of visitor with junk in its
  path parameters and its query string: no 5xx.

The runs are derandomized: the same examples every run, so CI is repeatable. Set
FUZZ_SEED=<number> to explore other examples; the seed in force is printed in the
test session's header (tests/conftest.py). FUZZ_EXAMPLES scales how many examples each form gets.
"""

import os
import string

import pytest
from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern
from django.utils import timezone
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from alliance_portal.accounts.groups import ensure_coordinator_group
from deployments.admin_forms import AgreementForm, AnswerForm
from leaders.models import AreaOfExpertise
from requests.admin_views import ProposeForm, TransitionForm
from tests.admin.test_scoping import post_data
from tests.factories import (
    AllianceFactory,
    CoordinatorFactory,
    DeclaredConflictFactory,
    DeploymentFactory,
    LeaderApplicationFactory,
    SchoolFactory,
    SupportRequestFactory,
    UserFactory,
)
from tests.test_permission_matrix import MATRIX, ROLES, world  # noqa: F401

pytestmark = pytest.mark.django_db

FUZZ_SEED = os.environ.get("FUZZ_SEED")
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1"))


def fuzz_settings(examples):
    """Bounded, repeatable runs: `examples` per form or URL (times FUZZ_EXAMPLES)."""
    decorate = settings(
        max_examples=examples * EXAMPLES,
        deadline=None,
        derandomize=FUZZ_SEED is None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    if FUZZ_SEED is None:
        return decorate
    return lambda test: seed(int(FUZZ_SEED))(decorate(test))


def joined(alphabet, min_size, max_size):
    """Strings of `alphabet`'s characters (built from a list: Hypothesis 6.170 fails
    while shrinking a text strategy with a small alphabet)."""
    return st.lists(st.sampled_from(alphabet), min_size=min_size, max_size=max_size).map("".join)


# What people (and robots) type. Surrogates cannot travel in a UTF-8 request.
TEXT = st.characters(exclude_categories=["Cs"])
JUNK = st.one_of(
    st.just(""),
    st.sampled_from([" ", "\t", "\n", " \r\n ", "\u00a0", "\u200b"]),
    st.text(TEXT, max_size=40),
    st.builds(
        lambda part, times: part * times,
        st.text(TEXT, min_size=1, max_size=3),
        st.integers(100, 2100),
    ),
    st.builds(lambda a, b: f"{a}\x00{b}", st.text(TEXT, max_size=8), st.text(TEXT, max_size=8)),
    joined("⁰¹²³⁴⁵⁶⁷⁸⁹٣۴١", 1, 8),
    st.builds(
        lambda digits, tail: digits + tail,
        joined(string.digits, 1, 6),
        st.sampled_from(["²", "³", "¹"]),
    ),
    joined(string.digits, 9, 60),
    st.integers(-(10**40), 10**40).map(str),
    st.sampled_from(
        [
            "0",
            "-1",
            "1e9",
            "1E-400",
            "NaN",
            "-Infinity",
            "0x1f",
            "1_000",
            "3.14159265358979",
            "9999-12-31",
            "0001-01-01",
            "31/12/9999",
            "2026-02-30",
            "24:61",
            "99:99",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "%00",
            "../../etc/passwd",
            "a@b",
            "@",
        ]
    ),
)


# What goes in one box of a date: mostly numbers, some far too long, or junk.
DATE_BOX = st.one_of(
    st.integers(0, 40).map(str),
    st.integers(1890, 2110).map(str),
    joined(string.digits, 1, 14),
    st.sampled_from(["0001", "9999", "00", "1²", "٣"]),
    JUNK,
)


def date_boxes(count):
    """Values for all the boxes of one date together: each box on its own, a real
    date, or numbers only with any box too long (what overflows a date)."""
    return st.one_of(
        st.tuples(*[DATE_BOX] * count),
        st.tuples(
            st.integers(1, 31).map(str), st.integers(1, 12).map(str), st.integers(1, 9999).map(str)
        ).map(lambda day: day[:count]),
        st.tuples(*[joined(string.digits, 1, 14)] * count),
    )


def plausible(field):
    """A value the field could accept, so that later checks (and services) run too."""
    if isinstance(field, forms.BooleanField):
        return st.sampled_from(["on", ""])
    if isinstance(field, forms.ChoiceField):
        values = [str(value) for value, _ in field.choices if str(value)]
        if values:
            return st.sampled_from(values)
    if isinstance(field, forms.DateField):
        return st.dates().map(lambda day: day.isoformat())
    if isinstance(field, forms.DecimalField | forms.IntegerField):
        return st.decimals(-1000, 1000, places=2, allow_nan=False).map(str)
    if isinstance(field, forms.EmailField):
        return st.just("someone@example.org")
    return st.text(TEXT, max_size=60)


def field_values(name, field):
    """(html name, strategy) pairs for one field, a list strategy for multiple choices."""
    widget = field.widget
    if isinstance(widget, forms.MultiWidget):
        # The GOV.UK date boxes and the admin's split date and time: one name per box.
        names = tuple(f"{name}_{index}" for index in range(len(widget.widgets)))
        return [(names, date_boxes(len(names)))]
    if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        choices = [str(value) for value, _ in field.choices if str(value)]
        one = st.one_of(st.sampled_from(choices), JUNK) if choices else JUNK
        return [(name, st.lists(one, max_size=4))]
    return [(name, st.one_of(plausible(field), JUNK))]


def answers_for(fields, base=None):
    """A strategy for a whole form's POST: each field left out, plausible or junk.

    With `base` (what the page shows, as a browser would post it back) every field
    starts from its real value and some are replaced, so deeper checks run.
    """
    pairs = [pair for name, field in fields for pair in field_values(name, field)]

    @st.composite
    def build(draw):
        data = dict(base or {})
        for name, value in pairs:
            # Left out one time in six; otherwise given, or (from a base) kept as shown.
            choice = draw(st.integers(0, 5))
            names = name if isinstance(name, tuple) else (name,)
            if choice == 0:
                for each in names:
                    data.pop(each, None)
            elif base is None or choice <= 2:
                drawn = draw(value)
                if isinstance(name, tuple):
                    data.update(zip(names, drawn, strict=True))
                else:
                    data[name] = drawn
        return data

    return build()


def form_fields(form):
    return [(form.add_prefix(name), field) for name, field in form.fields.items()]


def shown_fields(response):
    """Every field of every form the page was rendered with."""
    fields, seen = [], set()
    contexts = response.context if isinstance(response.context, list) else [response.context]
    for context in contexts:
        for value in context.flatten().values():
            candidates = [value]
            if hasattr(value, "form") and isinstance(value.form, forms.BaseForm):
                candidates = [value.form]  # the admin's AdminForm
            if isinstance(value, forms.BaseFormSet):
                candidates = [value.management_form, *value.forms]
            for form in candidates:
                if isinstance(form, forms.BaseForm) and id(form) not in seen:
                    seen.add(id(form))
                    fields.extend(form_fields(form))
    return fields


# Rows a refused answer may still write: a session (signing in writes one).
UNTRACKED = {Session}


def row_counts():
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model not in UNTRACKED
    }


def accepted(response):
    """A form that took its answer redirects (the admin's buttons redirect either way,
    with an error message when they refuse)."""
    if response.status_code not in (301, 302, 303):
        return False
    # Only this request's messages: earlier ones may still wait in the cookie.
    sent = getattr(response.wsgi_request._messages, "_queued_messages", [])
    return not any(message.level >= messages.ERROR for message in sent)


def check_answer(client, url, data):
    """Post `data`: never a server error, and nothing written unless accepted."""
    before = row_counts()
    response = client.post(url, data)
    assert response.status_code < 500, f"POST {url} {data!r}"
    if not accepted(response):
        after = row_counts()
        written = {label for label in before if before[label] != after[label]}
        assert not written, f"POST {url} was refused ({response.status_code}) but wrote {written}"
    return response


@pytest.fixture(autouse=True)
def without_rate_limits(settings):
    """The public forms' limits stay as they are in the product; here they are lifted,
    so that every example reaches the form instead of the 429 page."""
    settings.RATE_LIMITS = {
        scope: (10**9, period) for scope, (_, period) in settings.RATE_LIMITS.items()
    }


@pytest.fixture
def fuzz_world(world):  # noqa: F811
    """The permission matrix's world, plus what the coordinators' pages act on."""
    alliance = AllianceFactory(is_default=True)
    school = SchoolFactory(local_authority=None, town="")
    application = LeaderApplicationFactory(alliance=alliance)
    accepted = DeploymentFactory(
        request__status="proposed",
        request__alliance=alliance,
        status="accepted",
        responded_at=timezone.now(),
    )
    coordinator = CoordinatorFactory(alliance=alliance)
    coordinator.groups.add(ensure_coordinator_group())
    return {
        **world,
        "alliance": alliance,
        "school": school,
        "application": application,
        "accepted": accepted,
        "request": SupportRequestFactory(status="matching", alliance=alliance, school=school),
        "conflict": DeclaredConflictFactory(),
        "coordinator": coordinator,
        "superuser": UserFactory(is_staff=True, is_superuser=True),
    }


def client_as(objects, role):
    client = Client()
    users = {
        **objects["users"],
        "coordinator_x": objects["coordinator"],
        "coordinator_y": CoordinatorFactory(),
        "superuser": objects["superuser"],
    }
    if role != "anonymous":
        client.force_login(users[role])
    return client


def sender(post):
    """Who sends a matrix form: anyone when a visitor may, else its leader, else staff."""
    if post["anonymous"] == 200:
        return "anonymous"
    if post["leader_a"] in (200, 302):
        return "leader_a"
    return "superuser"


# The matrix's forms (and the pages that take a POST to act): name, path, who sends it.
ACTING_PAGES = {"portal:log-remove", "portal:session-remove", "portal:designation-answer"}
MATRIX_FORMS = sorted(
    (name, path, sender(post))
    for name, (path, _, post) in MATRIX.items()
    if 200 in post.values() or name in ACTING_PAGES | {"requests:check"}
)


def start_draft(client, objects):
    """A school half way through the journey, so the check page shows its form."""
    client.post("/request-support/school/", {"urn": objects["school"].urn})
    client.post(
        "/request-support/contact/",
        {"contact_name": "Ann", "contact_role": "Head", "contact_email": "ann@example.org"},
    )
    client.post(
        "/request-support/need/",
        {
            "areas_of_expertise": [AreaOfExpertise.objects.first().pk],
            "designation_sought": "SLE",
            "outcomes_sought": "Better maths",
            "funding": "grant",
        },
    )


@pytest.mark.parametrize(
    ("name", "path", "role"), MATRIX_FORMS, ids=[name for name, _, _ in MATRIX_FORMS]
)
def test_it_answers_every_form_without_a_server_error(fuzz_world, name, path, role):
    objects = fuzz_world
    client = client_as(objects, role)
    url = path.format(**objects)
    if name == "requests:check":
        start_draft(client, objects)
    page = client.get(url)
    fields = shown_fields(page) if page.status_code == 200 and page.context is not None else []
    fields = fields or [("note", forms.CharField()), ("answer", forms.CharField())]

    statuses = []

    @fuzz_settings(examples=20)
    @given(data=answers_for(fields))
    def post(data):
        statuses.append(check_answer(client, url, data).status_code)

    post()
    assert statuses, f"no example was posted to {url}"
    assert max(statuses) < 500


def admin_action_forms(objects):
    """The coordinators' buttons on a request, a deployment and an application."""
    request, deployment, application = (
        objects["request"],
        objects["accepted"],
        objects["application"],
    )
    user = objects["coordinator"]

    def url(model, action, obj):
        return reverse(f"admin:{model}_{action}", args=[obj.pk])

    return {
        "transition": (
            url("support_requests_supportrequest", "transition", request),
            form_fields(TransitionForm()),
        ),
        "propose": (
            url("support_requests_supportrequest", "propose", request),
            form_fields(ProposeForm(user=user)),
        ),
        "answer": (url("deployments_deployment", "answer", deployment), form_fields(AnswerForm())),
        "agree": (
            url("deployments_deployment", "agree", deployment),
            form_fields(AgreementForm(deployment=deployment)),
        ),
        "approve": (
            url("leaders_leaderapplication", "approve", application),
            [("note", forms.CharField())],
        ),
        "reject": (
            url("leaders_leaderapplication", "reject", application),
            [("reason", forms.CharField())],
        ),
    }


@pytest.mark.parametrize(
    "action", ["transition", "propose", "answer", "agree", "approve", "reject"]
)
def test_it_answers_every_coordinator_button_without_a_server_error(fuzz_world, action):
    objects = fuzz_world
    client = client_as(objects, "coordinator_x")
    url, fields = admin_action_forms(objects)[action]

    statuses = []

    @fuzz_settings(examples=20)
    @given(data=answers_for(fields))
    def post(data):
        statuses.append(check_answer(client, url, data).status_code)

    post()
    assert statuses, f"no example was posted to {url}"
    assert max(statuses) < 500


# The admin pages coordinators type into: (model, which object's change page).
ADMIN_PAGES = [
    ("support_requests.SupportRequest", "request", "coordinator_x"),
    ("support_requests.SupportRequest", None, "coordinator_x"),
    ("deployments.Deployment", "accepted", "coordinator_x"),
    ("leaders.Leader", None, "coordinator_x"),
    ("leaders.Designation", None, "coordinator_x"),
    ("leaders.LeaderApplication", "application", "coordinator_x"),
    ("leaders.DeclaredConflict", "conflict", "superuser"),
    ("schools.School", "school", "superuser"),
    ("schools.Alliance", "alliance", "superuser"),
    ("accounts.User", None, "superuser"),
]


@pytest.mark.parametrize(
    ("label", "key", "role"),
    ADMIN_PAGES,
    ids=[f"{label}-{key or 'add'}" for label, key, _ in ADMIN_PAGES],
)
def test_it_answers_every_admin_page_without_a_server_error(fuzz_world, label, key, role):
    objects = fuzz_world
    client = client_as(objects, role)
    opts = apps.get_model(label)._meta
    if key is None:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    else:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[objects[key].pk])
    page = client.get(url)
    assert page.status_code == 200
    base = post_data(page)

    statuses = []

    @fuzz_settings(examples=8)
    @given(data=answers_for(shown_fields(page), base=base))
    def post(data):
        statuses.append(check_answer(client, url, data).status_code)

    post()
    assert statuses, f"no example was posted to {url}"
    assert max(statuses) < 500


# Every URL pattern, with junk in its path and its query string.


def url_patterns(resolver=None, prefix=""):
    """(route, converters) for every URL pattern, the admin's included."""
    for pattern in (resolver or get_resolver()).url_patterns:
        route = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from url_patterns(pattern, prefix + route)
        elif isinstance(pattern, URLPattern):
            converters = (
                pattern.pattern.converters if isinstance(pattern.pattern, RoutePattern) else None
            )
            yield prefix + route, converters


PATTERNS = sorted(
    {
        (route, tuple(sorted((name, type(c).__name__) for name, c in (converters or {}).items())))
        for route, converters in url_patterns()
    }
)

SEGMENT = st.one_of(
    JUNK.map(lambda text: text.replace("/", "").replace("?", "").replace("#", "")),
    st.integers(0, 10**25).map(str),
    st.sampled_from(["1", "2", "3", "0", "abc", "1.5", "-1", "MQ", "set-password"]),
)
QUERY_KEYS = st.one_of(
    st.sampled_from(
        [
            "q",
            "p",
            "o",
            "e",
            "page",
            "next",
            "change",
            "designation",
            "alliance",
            "kind",
            "area",
            "phase",
            "local_authority",
            "region",
            "show_excluded",
            "status__exact",
            "alliance__id__exact",
            "created_at__year",
            "created_at__month",
            "created_at__day",
            "review_due_on__year",
            "review_due_on__month",
            "review_due_on__day",
            "app_label",
            "model_name",
            "field_name",
            "term",
            "_changelist_filters",
            "_popup",
            "_to_field",
            "all",
            "format",
        ]
    ),
    st.text(TEXT, min_size=1, max_size=10),
)
QUERY = st.lists(st.tuples(QUERY_KEYS, st.one_of(JUNK, st.integers(0, 10000).map(str))), max_size=5)


def concrete(route, segments):
    """The route with each <converter:name> (or a regex group) replaced by a segment."""
    import re

    parts = iter(segments)
    path = re.sub(r"<(?:[^>:]+:)?[^>]+>", lambda _: next(parts, "1"), route)
    path = re.sub(r"\(\?P<[^>]+>[^)]*\)", lambda _: next(parts, "1"), path)
    path = path.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\", "")
    return "/" + path.lstrip("/")


@pytest.mark.parametrize(
    ("route", "converters"), PATTERNS, ids=[route or "/" for route, _ in PATTERNS]
)
def test_it_answers_every_url_without_a_server_error(fuzz_world, route, converters):
    objects = fuzz_world
    clients = {}

    @fuzz_settings(examples=5)
    @given(
        role=st.sampled_from(ROLES),
        segments=st.lists(SEGMENT, min_size=4, max_size=4),
        query=QUERY,
    )
    def request(role, segments, query):
        path = concrete(route, segments)
        if role not in clients:
            clients[role] = client_as(objects, role)
        response = clients[role].get(path, query)
        assert response.status_code < 500, f"GET {path} {query!r} as {role}"

    request()
