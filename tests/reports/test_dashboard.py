"""The coordinators' dashboard: every figure against hand-made data, scoping, the chart, queries.

The clock stands still at FRIDAY_NOON (Friday 13 March 2026, academic year
2025-26); two alliances, Xanadu and Yarrow, each have requests and
deployments whose dates place them in or out of every figure.
"""

import datetime
import functools
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliance_portal.accounts.groups import ensure_coordinator_group
from alliance_portal.reports import views
from alliance_portal.reports.dashboard import QUERIES_PER_DASHBOARD, dashboard_figures
from deployments.models import Deployment
from leaders.models import Designation
from requests.models import SupportRequest
from tests import factories

pytestmark = pytest.mark.django_db

FRIDAY_NOON = timezone.make_aware(datetime.datetime(2026, 3, 13, 12, 0))
S = SupportRequest.Status
D = Deployment.Status


def at(year, month, day, hour=10, minute=0):
    """A moment in London time."""
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


def make_request(alliance, status, created_at, **kwargs):
    support_request = factories.SupportRequestFactory(alliance=alliance, status=status, **kwargs)
    SupportRequest.objects.filter(pk=support_request.pk).update(created_at=created_at)
    support_request.created_at = created_at
    return support_request


def designate(alliance, kind, days_per_year, status=Designation.Status.ACTIVE, name=None):
    leader = factories.LeaderFactory(days_per_year=Decimal(days_per_year))
    if name:
        leader.full_name = name
        leader.save()
    return factories.DesignationFactory(leader=leader, kind=kind, alliance=alliance, status=status)


def deploy(request, designation, status, **kwargs):
    return factories.DeploymentFactory(
        request=request, leader=designation.leader, designation=designation, status=status, **kwargs
    )


def agreed(request, designation, status, days, start, end):
    return deploy(
        request,
        designation,
        status,
        agreed_days=Decimal(days),
        start_date=start,
        end_date=end,
        agreed_at=FRIDAY_NOON - datetime.timedelta(days=30),
    )


def paused(request, designation, since, resume_expected):
    """Work in delivery since last August, paused `since` until about `resume_expected`."""
    deployment = agreed(
        request,
        designation,
        D.PAUSED,
        5,
        datetime.date(2025, 8, 18),
        datetime.date(2026, 6, 26),
    )
    deployment.started_at = at(2025, 8, 18)
    deployment.paused_at = since
    deployment.pause_reason = "The school's inspection is due."
    deployment.resume_expected = resume_expected
    deployment.save()
    return deployment


def stopped(request, designation, when, reason, *, days, delivered, start):
    deployment = agreed(
        request, designation, D.STOPPED, days, start, start + datetime.timedelta(days=120)
    )
    deployment.stopped_at = when
    deployment.stop_reason = reason
    deployment.stop_note = "Said in a sentence."
    deployment.days_delivered = Decimal(delivered)
    deployment.save()
    return deployment


@dataclass
class World:
    x: object
    y: object
    coordinator_x: object
    coordinator_y: object
    x_requests: dict
    y_requests: dict
    x_proposal: Deployment
    y_proposal: Deployment


@pytest.fixture
def world():
    group = ensure_coordinator_group()
    x = factories.AllianceFactory(name="Xanadu Teaching Alliance")
    y = factories.AllianceFactory(name="Yarrow Teaching Alliance")
    coordinator_x = factories.CoordinatorFactory(alliance=x)
    coordinator_y = factories.CoordinatorFactory(alliance=y)
    for coordinator in (coordinator_x, coordinator_y):
        coordinator.groups.add(group)

    # Xanadu: eleven requests. Working days to Friday 13 March: 29, 6, 5.
    xr = {
        "new_feb": make_request(x, S.NEW, at(2026, 2, 2)),  # Monday
        "new_thu": make_request(x, S.NEW, at(2026, 3, 5)),  # Thursday a week before
        "new_fri": make_request(x, S.NEW, at(2026, 3, 6)),  # Friday a week before: 5 days
        "triaged": make_request(x, S.TRIAGED, at(2026, 3, 2)),
        "matching": make_request(x, S.MATCHING, at(2026, 2, 10)),
        "proposed_feb": make_request(x, S.PROPOSED, at(2026, 2, 11)),
        "proposed_jan": make_request(x, S.PROPOSED, at(2026, 1, 15)),
        "agreed": make_request(x, S.AGREED, at(2025, 12, 1)),
        # 23:30 UTC on 30 September is 00:30 on 1 October in London (BST).
        "in_delivery": make_request(
            x,
            S.IN_DELIVERY,
            datetime.datetime(2025, 9, 30, 23, 30, tzinfo=datetime.UTC),
        ),
        "completed": make_request(x, S.COMPLETED, at(2025, 9, 10)),
        # Thirteen months ago: counted by state, not on the chart.
        "declined": make_request(x, S.DECLINED, at(2025, 3, 20)),
    }
    yr = {
        "new_feb": make_request(y, S.NEW, at(2026, 2, 2)),
        "new_yesterday": make_request(y, S.NEW, at(2026, 3, 12)),
        "agreed": make_request(y, S.AGREED, at(2026, 1, 10)),
        "withdrawn": make_request(y, S.WITHDRAWN, at(2025, 11, 5)),
    }

    # Capacity. Xanadu: SLE 20 + 15 (a lapsed SLE does not count), LLE 15.
    # National NLE 40, visible to both. Yarrow: SLE 25.
    sle_a = designate(x, "SLE", 20, name="Leader Amal")
    sle_b = designate(x, "SLE", 15, name="Leader Bea")
    lle_b = factories.DesignationFactory(leader=sle_b.leader, kind="LLE", alliance=x)
    designate(x, "SLE", 30, status=Designation.Status.LAPSED)
    nle = designate(None, "NLE", 40, name="National Nadia")
    sle_y = designate(y, "SLE", 25, name="Leader Yusuf")

    # Xanadu's deployments.
    six_days_ago = FRIDAY_NOON - datetime.timedelta(days=6)
    x_proposal = deploy(xr["proposed_feb"], sle_b, D.PROPOSED, proposed_at=six_days_ago)
    deploy(
        xr["proposed_jan"], sle_a, D.PROPOSED, proposed_at=FRIDAY_NOON - datetime.timedelta(days=2)
    )
    deploy(  # answered, even if the state was not moved on
        xr["matching"],
        sle_a,
        D.ACCEPTED,
        proposed_at=FRIDAY_NOON - datetime.timedelta(days=9),
        responded_at=FRIDAY_NOON - datetime.timedelta(days=8),
    )
    jan, mar20, mar31 = (
        datetime.date(2026, 1, 5),
        datetime.date(2026, 3, 20),
        datetime.date(2026, 3, 31),
    )
    agreed(xr["agreed"], sle_a, D.AGREED, 6, jan, mar20)  # ends this month
    agreed(xr["in_delivery"], lle_b, D.IN_DELIVERY, 10, datetime.date(2025, 10, 1), mar31)
    agreed(  # completed: counts against capacity, not as ending
        xr["completed"],
        sle_a,
        D.COMPLETED,
        4,
        datetime.date(2025, 9, 15),
        datetime.date(2026, 3, 10),
    )
    agreed(  # started last academic year
        xr["declined"], sle_a, D.AGREED, 5, datetime.date(2025, 8, 1), datetime.date(2026, 4, 30)
    )
    agreed(xr["triaged"], sle_a, D.AGREED, 1, jan, datetime.date(2026, 2, 28))  # ended last month
    agreed(xr["new_fri"], sle_b, D.CANCELLED, 3, jan, mar20)  # cancelled: counts nowhere
    agreed(xr["new_thu"], nle, D.AGREED, 2, datetime.date(2026, 2, 1), datetime.date(2026, 6, 30))

    # Paused: since 20 February (expected back 9 March, now passed) and since 2 March. Both
    # started last academic year, so neither counts against this year's capacity.
    paused(xr["in_delivery"], nle, at(2026, 2, 20), datetime.date(2026, 3, 9))
    paused(xr["agreed"], sle_b, at(2026, 3, 2), datetime.date(2026, 4, 13))
    # Stopped early this academic year: part way (1.5 of 4 days delivered, and only those
    # count against capacity) and before it began; and one stopped last academic year.
    stopped(
        xr["in_delivery"],
        sle_a,
        at(2026, 2, 10),
        Deployment.StopReason.NOT_WORKING,
        days=4,
        delivered="1.5",
        start=datetime.date(2025, 10, 6),
    )
    stopped(
        xr["declined"],
        sle_b,
        at(2026, 3, 12),
        Deployment.StopReason.SCHOOL_ASKED,
        days=3,
        delivered="0",
        start=datetime.date(2026, 4, 20),
    )
    stopped(
        xr["new_feb"],
        sle_a,
        at(2025, 7, 10),
        Deployment.StopReason.LEADER_UNAVAILABLE,
        days=2,
        delivered="1",
        start=datetime.date(2025, 1, 6),
    )

    # Yarrow's deployments.
    y_proposal = deploy(
        yr["new_feb"], sle_y, D.PROPOSED, proposed_at=FRIDAY_NOON - datetime.timedelta(days=7)
    )
    agreed(yr["agreed"], sle_y, D.AGREED, 8, datetime.date(2025, 11, 1), datetime.date(2026, 3, 15))
    paused(yr["agreed"], nle, at(2026, 3, 11), datetime.date(2026, 3, 30))

    return World(x, y, coordinator_x, coordinator_y, xr, yr, x_proposal, y_proposal)


def figures_for(user, **kwargs):
    return dashboard_figures(user, now=FRIDAY_NOON, **kwargs)


def states(figures):
    return {state.status: state.count for state in figures.states if state.count}


def capacity(figures):
    return {
        row.kind: (row.agreed_days, row.capacity_days)
        for row in figures.capacity
        if row.agreed_days or row.capacity_days
    }


def chart(figures):
    return {month.month.isoformat()[:7]: month.counts for month in figures.months if month.total}


def test_it_counts_the_coordinators_requests_by_state(world):
    figures = figures_for(world.coordinator_x)

    assert states(figures) == {
        "new": 3,
        "triaged": 1,
        "matching": 1,
        "proposed": 2,
        "agreed": 1,
        "in-delivery": 1,
        "completed": 1,
        "declined": 1,
    }
    # Every state is listed, zero included, each linking to its filtered changelist.
    assert [state.status for state in figures.states] == list(S.values)
    evaluated = next(state for state in figures.states if state.status == "evaluated")
    assert evaluated.count == 0
    assert evaluated.url == (
        reverse("admin:support_requests_supportrequest_changelist") + "?status__exact=evaluated"
    )
    assert figures.request_count == 11


def test_it_lists_requests_waiting_for_triage_over_five_working_days(world):
    figures = figures_for(world.coordinator_x)

    assert figures.waiting_count == 2
    assert [(w.reference, w.working_days) for w in figures.waiting] == [
        (world.x_requests["new_feb"].reference, 29),
        (world.x_requests["new_thu"].reference, 6),
    ]
    assert figures.waiting[0].school == world.x_requests["new_feb"].school.name


def test_it_lists_proposals_unanswered_for_five_days(world):
    figures = figures_for(world.coordinator_x)

    assert figures.unanswered_count == 1
    [proposal] = figures.unanswered
    assert proposal.leader == "Leader Bea"
    assert proposal.request == world.x_requests["proposed_feb"].reference
    assert proposal.days_waiting == 6


def test_it_lists_deployments_ending_this_month(world):
    figures = figures_for(world.coordinator_x)

    assert figures.ending_count == 2
    assert [(d.request, d.end_date) for d in figures.ending] == [
        (world.x_requests["agreed"].reference, datetime.date(2026, 3, 20)),
        (world.x_requests["in_delivery"].reference, datetime.date(2026, 3, 31)),
    ]


def test_it_lists_paused_deployments_longest_paused_first(world):
    figures = figures_for(world.coordinator_x)

    assert figures.paused_count == 2
    assert [
        (d.request, d.leader, d.since, d.resume_expected, d.overdue) for d in figures.paused
    ] == [
        (
            world.x_requests["in_delivery"].reference,
            "National Nadia",
            datetime.date(2026, 2, 20),
            datetime.date(2026, 3, 9),
            True,
        ),
        (
            world.x_requests["agreed"].reference,
            "Leader Bea",
            datetime.date(2026, 3, 2),
            datetime.date(2026, 4, 13),
            False,
        ),
    ]
    first = Deployment.objects.get(request=world.x_requests["in_delivery"], status=D.PAUSED)
    assert figures.paused[0].url == reverse("admin:deployments_deployment_change", args=[first.pk])


def test_it_lists_work_stopped_early_this_academic_year_latest_first(world):
    figures = figures_for(world.coordinator_x)

    assert figures.stopped_count == 2
    assert [
        (d.request, d.leader, d.stopped_on, d.reason, d.days_delivered, d.agreed_days)
        for d in figures.stopped
    ] == [
        (
            world.x_requests["declined"].reference,
            "Leader Bea",
            datetime.date(2026, 3, 12),
            "The school asked to stop",
            Decimal("0"),
            Decimal("3"),
        ),
        (
            world.x_requests["in_delivery"].reference,
            "Leader Amal",
            datetime.date(2026, 2, 10),
            "The support was not working",
            Decimal("1.5"),
            Decimal("4"),
        ),
    ]
    assert all(d.url.startswith("/admin/deployments/deployment/") for d in figures.stopped)


def test_it_compares_days_agreed_with_capacity_per_designation(world):
    figures = figures_for(world.coordinator_x)

    assert figures.academic_year == (datetime.date(2025, 9, 1), datetime.date(2026, 8, 31))
    assert capacity(figures) == {
        # 6 + 4 + 1 agreed, and 1.5 delivered of 4 stopped part way (of 3 stopped before it
        # began, none); 20 + 15 capacity.
        "SLE": (Decimal("12.5"), Decimal("35")),
        "LLE": (Decimal("10"), Decimal("15")),  # Leader Bea holds an SLE and an LLE
        "NLE": (Decimal("2"), Decimal("40")),
    }
    sle = next(row for row in figures.capacity if row.kind == "SLE")
    assert sle.days_left == Decimal("22.5")
    assert sle.percent_used == 36
    assert [row.kind for row in figures.capacity] == list(Designation.Kind.values)


def test_it_counts_requests_per_month_by_state_for_twelve_months(world):
    figures = figures_for(world.coordinator_x)

    assert [month.month for month in figures.months] == [
        *(datetime.date(2025, month, 1) for month in range(4, 13)),
        *(datetime.date(2026, month, 1) for month in range(1, 4)),
    ]
    assert chart(figures) == {
        "2025-09": {"completed": 1},
        "2025-10": {"in-delivery": 1},
        "2025-12": {"agreed": 1},
        "2026-01": {"proposed": 1},
        "2026-02": {"new": 1, "matching": 1, "proposed": 1},
        "2026-03": {"new": 2, "triaged": 1},
    }


def test_it_shows_a_coordinator_only_their_alliances_numbers(world):
    figures = figures_for(world.coordinator_y)

    assert states(figures) == {"new": 2, "agreed": 1, "withdrawn": 1}
    assert [w.reference for w in figures.waiting] == [world.y_requests["new_feb"].reference]
    assert [p.request for p in figures.unanswered] == [world.y_requests["new_feb"].reference]
    assert figures.ending_count == 1
    assert [d.request for d in figures.paused] == [world.y_requests["agreed"].reference]
    assert figures.stopped_count == 0 and figures.stopped == []
    assert capacity(figures) == {
        "SLE": (Decimal("8"), Decimal("25")),
        "NLE": (Decimal("0"), Decimal("40")),
    }
    assert chart(figures) == {
        "2025-11": {"withdrawn": 1},
        "2026-01": {"agreed": 1},
        "2026-02": {"new": 1},
        "2026-03": {"new": 1},
    }


def test_it_shows_a_superuser_every_alliance(world, superuser):
    figures = figures_for(superuser)

    assert states(figures) == {
        "new": 5,
        "triaged": 1,
        "matching": 1,
        "proposed": 2,
        "agreed": 2,
        "in-delivery": 1,
        "completed": 1,
        "declined": 1,
        "withdrawn": 1,
    }
    assert figures.waiting_count == 3
    assert figures.unanswered_count == 2
    assert figures.ending_count == 3
    assert figures.paused_count == 3
    assert figures.stopped_count == 2
    assert capacity(figures) == {
        "SLE": (Decimal("20.5"), Decimal("60")),
        "LLE": (Decimal("10"), Decimal("15")),
        "NLE": (Decimal("2"), Decimal("40")),
    }


def test_it_narrows_a_superusers_figures_to_one_alliance(world, superuser):
    narrowed = figures_for(superuser, alliance_id=world.y.pk)

    assert states(narrowed) == states(figures_for(world.coordinator_y))
    assert narrowed.waiting == figures_for(world.coordinator_y).waiting
    assert capacity(narrowed) == capacity(figures_for(world.coordinator_y))
    assert narrowed.states[0].url.endswith(f"?status__exact=new&alliance__id__exact={world.y.pk}")


def test_it_ignores_an_alliance_filter_from_a_coordinator(world):
    assert states(figures_for(world.coordinator_x, alliance_id=world.y.pk)) == states(
        figures_for(world.coordinator_x)
    )


def test_it_shows_nothing_to_staff_without_an_alliance(world):
    staff = factories.UserFactory(is_staff=True)

    figures = figures_for(staff)

    assert figures.request_count == 0
    assert figures.waiting_count == figures.unanswered_count == figures.ending_count == 0
    assert figures.paused_count == figures.stopped_count == 0
    assert capacity(figures) == {}
    assert chart(figures) == {}


# The page.


@pytest.fixture
def frozen(monkeypatch):
    """The dashboard page as of FRIDAY_NOON."""
    monkeypatch.setattr(
        views, "dashboard_figures", functools.partial(dashboard_figures, now=FRIDAY_NOON)
    )


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


DASHBOARD = "/admin/dashboard/"


def test_it_is_linked_from_the_admin_index(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()

    assert reverse("reports:dashboard") == DASHBOARD
    assert f'href="{DASHBOARD}"' in page


def test_it_sends_anonymous_and_non_staff_users_to_the_login_page(client):
    leader = factories.UserFactory()
    for user in (None, leader):
        visitor = signed_in(user) if user else client
        response = visitor.get(DASHBOARD)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_it_only_answers_get(admin_client):
    assert admin_client.post(DASHBOARD).status_code == 405


def test_it_shows_the_coordinators_figures_and_never_another_alliances(world, frozen):
    response = signed_in(world.coordinator_x).get(f"{DASHBOARD}?alliance={world.y.pk}")
    page = response.content.decode()

    assert response.status_code == 200
    assert response.context["subtitle"] == "Xanadu Teaching Alliance"
    assert response.context["figures"].waiting_count == 2
    assert world.x_requests["new_feb"].reference in page
    assert "Leader Bea" in page
    for support_request in world.y_requests.values():
        assert support_request.reference not in page
    assert "Leader Yusuf" not in page
    assert 'id="alliance-filter"' not in page
    paused_panel = page.split('id="paused"')[1].split('id="stopped-early"')[0]
    assert "<h2>Paused</h2>" in paused_panel
    assert "20 Feb 2026" in paused_panel and "9 Mar 2026 (passed)" in paused_panel
    stopped_panel = page.split('id="stopped-early"')[1].split('id="capacity"')[0]
    assert "Stopped early this year" in stopped_panel
    assert "The support was not working" in stopped_panel
    assert "1.5 of 4" in stopped_panel
    for deployment in (*response.context["figures"].paused, *response.context["figures"].stopped):
        assert f'href="{deployment.url}"' in page


def test_it_shows_a_superuser_both_alliances_and_a_filter(world, superuser, frozen):
    client = signed_in(superuser)

    everything = client.get(DASHBOARD)
    only_y = client.get(f"{DASHBOARD}?alliance={world.y.pk}")
    nonsense = client.get(f"{DASHBOARD}?alliance=abc")

    page = everything.content.decode()
    assert world.x_requests["new_feb"].reference in page
    assert world.y_requests["new_feb"].reference in page
    assert 'id="alliance-filter"' in page
    assert everything.context["figures"].request_count == 15
    assert only_y.context["figures"].request_count == 4
    assert world.x_requests["new_feb"].reference not in only_y.content.decode()
    assert only_y.context["subtitle"] == "Yarrow Teaching Alliance"
    assert nonsense.context["figures"].request_count == 15


def test_it_links_each_state_to_the_filtered_request_list(world, frozen):
    page = signed_in(world.coordinator_x).get(DASHBOARD).content.decode()

    changelist = reverse("admin:support_requests_supportrequest_changelist")
    for status in S.values:
        assert f'href="{changelist}?status__exact={status}"' in page


def test_it_draws_the_chart_with_a_bar_group_per_month_and_a_data_table(world, frozen):
    response = signed_in(world.coordinator_x).get(DASHBOARD)
    page = response.content.decode()

    start = page.index('<svg xmlns="http://www.w3.org/2000/svg" class="requests-chart"')
    svg = ET.fromstring(page[start : page.index("</svg>", start) + len("</svg>")])
    ns = {"svg": "http://www.w3.org/2000/svg"}
    groups = svg.findall("svg:g[@class='bar-group']", ns)
    assert [group.get("data-month") for group in groups] == [
        month.month.isoformat()[:7] for month in response.context["figures"].months
    ]
    assert len(groups) == 12
    assert svg.find("svg:title", ns).text == "Requests per month by state"
    # Ten requests: the eleventh (declined) is thirteen months old.
    assert "10 requests in all" in svg.find("svg:desc", ns).text
    february = next(group for group in groups if group.get("data-month") == "2026-02")
    assert sorted(bar.get("data-status") for bar in february.findall("svg:rect", ns)) == [
        "matching",
        "new",
        "proposed",
    ]
    legend = svg.find("svg:g[@class='legend']", ns)
    assert [text.text for text in legend.findall("svg:text", ns)] == list(S.labels)
    # The same numbers in a table.
    assert 'id="requests-per-month-table"' in page
    assert page.count('<tr data-month="') == 12
    assert "<script" not in page.split('id="content-main"')[1].split('<footer id="footer">')[0]


def test_it_draws_stacks_to_scale():
    from alliance_portal.reports.charts import PLOT_BOTTOM, PLOT_TOP, requests_per_month_svg
    from alliance_portal.reports.dashboard import MonthOfRequests

    months = [
        MonthOfRequests(datetime.date(2026, 1, 1), {"new": 6, "lapsed": 4}),
        MonthOfRequests(datetime.date(2026, 2, 1), {"new": 5}),
    ]
    svg = ET.fromstring(str(requests_per_month_svg(months)))
    ns = {"svg": "http://www.w3.org/2000/svg"}
    january, february = svg.findall("svg:g[@class='bar-group']", ns)
    new, lapsed = january.findall("svg:rect", ns)

    # The tallest month reaches the top gridline (10); the bars stack without gaps.
    assert float(lapsed.get("y")) == PLOT_TOP
    assert float(new.get("y")) + float(new.get("height")) == PLOT_BOTTOM
    assert float(lapsed.get("y")) + float(lapsed.get("height")) == pytest.approx(
        float(new.get("y"))
    )
    [february_new] = february.findall("svg:rect", ns)
    assert float(february_new.get("height")) == pytest.approx(float(new.get("height")) * 5 / 6)


# Queries.


def build_activity(alliance, count):
    """`count` of everything the dashboard lists or counts, for one alliance."""
    for index in range(count):
        old = make_request(alliance, S.NEW, at(2026, 2, 2 + index % 20))
        make_request(alliance, S.MATCHING, at(2025, 4 + index % 9, 3))
        designation = designate(alliance, "SLE", 20)
        deploy(old, designation, D.PROPOSED, proposed_at=at(2026, 3, 1))
        agreed(
            make_request(alliance, S.AGREED, at(2026, 1, 3)),
            designation,
            D.AGREED,
            3,
            datetime.date(2026, 1, 5),
            datetime.date(2026, 3, 25),
        )
        in_delivery = make_request(alliance, S.IN_DELIVERY, at(2025, 9, 3))
        paused(in_delivery, designation, at(2026, 2, 2 + index % 20), datetime.date(2026, 4, 1))
        stopped(
            make_request(alliance, S.COMPLETED, at(2025, 9, 4)),
            designation,
            at(2026, 1, 5 + index % 20),
            Deployment.StopReason.OTHER,
            days=2,
            delivered="1",
            start=datetime.date(2025, 9, 15),
        )


def dashboard_queries(client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    return len(captured), response.context["figures"]


@pytest.mark.parametrize("who", ["coordinator", "superuser"])
def test_it_runs_the_same_queries_for_few_rows_as_for_many(superuser, frozen, who):
    alliance = factories.AllianceFactory()
    coordinator = factories.CoordinatorFactory(alliance=alliance)
    coordinator.groups.add(ensure_coordinator_group())
    client = signed_in(coordinator if who == "coordinator" else superuser)

    def counts(figures):
        return (
            figures.waiting_count,
            figures.unanswered_count,
            figures.ending_count,
            figures.paused_count,
            figures.stopped_count,
        )

    build_activity(alliance, 2)
    few, figures = dashboard_queries(client)
    assert counts(figures) == (2, 2, 2, 2, 2)

    build_activity(alliance, 18)
    many, figures = dashboard_queries(client)
    assert counts(figures) == (20, 20, 20, 20, 20)
    assert len(figures.waiting) == len(figures.paused) == len(figures.stopped) == 20

    assert few == many, f"{few} queries for few rows, {many} for many"
    # Session, user, (alliances for a superuser, permissions for a coordinator) and the figures.
    assert many <= QUERIES_PER_DASHBOARD + 5


def test_it_counts_the_open_requests_that_need_a_team(client):
    from tests.factories import SupportRequestFactory, UserFactory

    SupportRequestFactory(leaders_wanted=3, status="agreed")
    SupportRequestFactory(leaders_wanted=2, status="withdrawn")
    SupportRequestFactory()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    html = client.get("/admin/dashboard/").content.decode()

    assert "1 open request needs a team of more than one leader." in html
