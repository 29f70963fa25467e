"""The dashboard reads its figures from a snapshot, so its cost does not grow with the data.

A change makes every snapshot out of date. For up to DASHBOARD_STALE_SECONDS the old
figures are still shown, saying when they were worked out, while the worker works out
new ones; after that, or with no snapshot, the page works them out itself.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliance_portal.reports.snapshots import VERSION_KEY
from tests import factories
from tests.conftest import run_worker

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/dashboard/"


@pytest.fixture
def alliance():
    return factories.AllianceFactory(name="North London Hub")


coordinator_of = factories.coordinator_signed_in


def new_requests(client):
    """(the "New" count on the page, the SQL of the queries it sent, the page)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    new = next(s.count for s in response.context["figures"].states if s.status == "new")
    return new, [query["sql"] for query in captured], response.content.decode()


@pytest.fixture
def stale_allowed(settings):
    settings.DASHBOARD_STALE_SECONDS = 60
    settings.DASHBOARD_MAX_AGE_SECONDS = 300


def test_a_second_look_costs_no_figure_queries(alliance, stale_allowed):
    factories.SupportRequestFactory.create_batch(3, alliance=alliance, status="new")
    client = coordinator_of(alliance)

    first, worked_out, _ = new_requests(client)
    second, from_snapshot, page = new_requests(client)

    assert first == second == 3
    # Session, user and permissions only: none of the figures' aggregates again.
    figure_tables = ("support_requests_", "deployments_", "leaders_designation")
    assert any(table in sql for sql in worked_out for table in figure_tables)
    assert not [sql for sql in from_snapshot if any(table in sql for table in figure_tables)]
    assert re.search(r"Figures as of \d+ \w+ \d{4}, \d+:\d\d[ap]m\.", page)
    assert "A change shows here within 60 seconds." in page


@pytest.mark.django_db(transaction=True)  # the worker closes its connection when done
def test_after_a_change_the_worker_brings_the_figures_up_to_date(
    alliance, stale_allowed, worker_backend
):
    client = coordinator_of(alliance)
    assert new_requests(client)[0] == 0

    factories.SupportRequestFactory(alliance=alliance, status="new")
    shown_meanwhile = new_requests(client)[0]
    new_requests(client)  # a second look queues no second refresh
    run_worker()

    assert shown_meanwhile == 0
    assert new_requests(client)[0] == 1


def test_without_a_worker_the_old_figures_are_shown_only_for_a_while(alliance, settings):
    settings.DASHBOARD_STALE_SECONDS = 0  # as if the snapshot were older than that
    client = coordinator_of(alliance)
    assert new_requests(client)[0] == 0

    factories.SupportRequestFactory(alliance=alliance, status="new")

    assert new_requests(client)[0] == 1


def test_each_alliance_has_its_own_snapshot(alliance, stale_allowed):
    other = factories.AllianceFactory(name="Riverside Hub")
    factories.SupportRequestFactory.create_batch(2, alliance=alliance, status="new")
    factories.SupportRequestFactory(alliance=other, status="new")

    assert new_requests(coordinator_of(alliance))[0] == 2
    assert new_requests(coordinator_of(other))[0] == 1
    assert new_requests(coordinator_of(alliance))[0] == 2


@pytest.mark.parametrize(
    "change",
    [
        lambda alliance: factories.SupportRequestFactory(alliance=alliance),
        lambda alliance: factories.DeploymentFactory(request__alliance=alliance),
        lambda alliance: factories.DesignationFactory(alliance=alliance),
        lambda alliance: factories.LeaderFactory(),
        lambda alliance: factories.SupportLogFactory(),
        lambda alliance: factories.SupportRequestFactory(alliance=alliance).delete(),
    ],
    ids=["request", "deployment", "designation", "leader", "support log", "deletion"],
)
def test_every_change_that_moves_a_figure_makes_the_snapshots_out_of_date(alliance, change):
    from django.core.cache import cache

    before = cache.get(VERSION_KEY, 0)
    change(alliance)

    assert cache.get(VERSION_KEY, 0) > before


def test_a_change_made_while_the_figures_are_worked_out_leaves_them_out_of_date(
    alliance, stale_allowed, monkeypatch
):
    from alliance_portal.reports import dashboard, snapshots

    coordinator = factories.CoordinatorFactory(alliance=alliance)
    work_out = dashboard.dashboard_figures

    def with_a_change_meanwhile(*args, **kwargs):
        figures = work_out(*args, **kwargs)
        factories.SupportRequestFactory(alliance=alliance, status="new")
        return figures

    monkeypatch.setattr(dashboard, "dashboard_figures", with_a_change_meanwhile)
    snapshots.refresh(coordinator, None)
    monkeypatch.setattr(dashboard, "dashboard_figures", work_out)

    kept = snapshots.dashboard_snapshot(coordinator, None, lambda: None)
    assert not kept.is_current(snapshots.current_version(), kept.as_of)


def test_erasing_a_leader_makes_the_snapshots_out_of_date(alliance):
    from django.core.cache import cache
    from django.utils import timezone

    from alliance_portal.privacy.anonymise import anonymise_leader

    leader = factories.LeaderFactory()
    before = cache.get(VERSION_KEY, 0)

    anonymise_leader(leader, now=timezone.now())

    assert cache.get(VERSION_KEY, 0) > before


def test_a_second_look_renders_only_the_page_around_the_figures(alliance, stale_allowed):
    factories.SupportRequestFactory.create_batch(2, alliance=alliance, status="new")
    client = coordinator_of(alliance)
    figures = "admin/reports/dashboard_figures.html"

    first = client.get(DASHBOARD)
    second = client.get(DASHBOARD)

    assert figures in [template.name for template in first.templates]
    assert figures not in [template.name for template in second.templates]
    # The same tables, from the rendering kept with the snapshot.
    table = re.compile(r'<div class="dashboard-grid">.*</table>', re.S)
    assert (
        table.search(second.content.decode()).group()
        == table.search(first.content.decode()).group()
    )
