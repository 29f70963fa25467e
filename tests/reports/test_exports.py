"""CSV and Excel exports from the request and deployment changelists.

Run against the real admin: what the changelist shows, scope, filters and
search included, is what is exported.
"""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alliance_portal.accounts.groups import ensure_coordinator_group
from alliance_portal.reports.exports import neutralise_formula
from deployments.models import Deployment, SupportLog, Variation
from leaders.models import AreaOfExpertise
from requests.models import Funding, SupportRequest
from tests import factories

pytestmark = pytest.mark.django_db

REQUESTS = "/admin/support_requests/supportrequest/"
DEPLOYMENTS = "/admin/deployments/deployment/"
REQUEST_HEADERS = [
    "Reference",
    "Status",
    "Created",
    "School",
    "URN",
    "Local authority",
    "Alliance",
    "Contact name",
    "Contact email",
    "Designation sought",
    "Areas of expertise",
    "Estimated days",
    "Funding",
    "Leaders needed",
]
DEPLOYMENT_HEADERS = [
    "Request",
    "School",
    "Leader",
    "Designation",
    "Status",
    "Agreed days",
    "Start",
    "End",
    "Daily rate (£)",
    "Brokerage fee (£ a day)",
    "Funding source",
    "Agreed at",
    "Started",
    "Days delivered",
    "Paused since",
    "Expected to resume",
    "Why paused",
    "Stopped early on",
    "Why it stopped",
    "Stop note",
    "Variations",
]
INJECTION = '=HYPERLINK("http://evil.example","Click")'


def at(year, month, day, hour=10, minute=0):
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


def make_request(alliance, created_at, **kwargs):
    support_request = factories.SupportRequestFactory(alliance=alliance, **kwargs)
    SupportRequest.objects.filter(pk=support_request.pk).update(created_at=created_at)
    support_request.refresh_from_db()
    return support_request


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world():
    group = ensure_coordinator_group()
    x = factories.AllianceFactory(name="Xanadu Teaching Alliance")
    y = factories.AllianceFactory(name="Yarrow Teaching Alliance")
    coordinator_x = factories.CoordinatorFactory(alliance=x)
    coordinator_x.groups.add(group)
    areas = list(AreaOfExpertise.objects.order_by("group", "position", "name")[:2])
    camden = factories.LocalAuthorityFactory(code=202, name="Camden")

    oakfield = make_request(
        x,
        at(2026, 3, 2, 9, 30),
        school=factories.SchoolFactory(name="Oakfield Primary", urn=123456, local_authority=camden),
        contact_name="Ada Lovelace",
        contact_email="ada@oakfield.example.org",
        designation_sought="SLE",
        estimated_days=Decimal("10.0"),
        funding=Funding.GRANT,
        leaders_wanted=3,
    )
    oakfield.areas_of_expertise.set(areas)
    hillside = make_request(
        x,
        at(2026, 3, 3, 14, 5),
        school=None,
        school_name_given="Hillside Free School",
        status=SupportRequest.Status.TRIAGED,
        contact_name=INJECTION,
        contact_email="office@hillside.example.org",
        estimated_days=None,
    )
    yarrow = make_request(y, at(2026, 3, 4), school=factories.SchoolFactory(name="Yarrow Academy"))

    leader = factories.LeaderFactory(full_name="Leader Xavier")
    designation = factories.DesignationFactory(leader=leader, kind="SLE", alliance=x)
    agreed = factories.AgreedDeploymentFactory(
        request=oakfield,
        leader=leader,
        designation=designation,
        agreed_days=Decimal("6.0"),
        start_date=datetime.date(2026, 4, 1),
        end_date=datetime.date(2026, 7, 17),
        daily_rate=Decimal("350.00"),
        brokerage_fee=Decimal("50.00"),
        funding_source=Funding.GRANT,
        agreed_at=at(2026, 3, 20, 16, 45),
    )
    proposed = factories.DeploymentFactory(request=hillside, leader=leader, designation=designation)
    Deployment.objects.filter(pk=agreed.pk).update(created_at=at(2026, 3, 20))
    Deployment.objects.filter(pk=proposed.pk).update(created_at=at(2026, 3, 21))
    other = factories.DeploymentFactory(request=yarrow)
    return {
        "x": x,
        "y": y,
        "coordinator_x": coordinator_x,
        "areas": areas,
        "oakfield": oakfield,
        "hillside": hillside,
        "yarrow": yarrow,
        "other_deployment": other,
    }


def content_of(response):
    return b"".join(response.streaming_content)


def csv_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="')
    return list(csv.reader(io.StringIO(content_of(response).decode("utf-8-sig"))))


def xlsx_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert ".xlsx" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(content_of(response)))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)], workbook.active


def references(rows):
    return [row[0] for row in rows[1:]]


# Requests.


def test_it_exports_the_coordinators_requests_as_csv(world):
    rows = csv_rows(signed_in(world["coordinator_x"]).get(f"{REQUESTS}export/csv/"))

    oakfield, hillside = world["oakfield"], world["hillside"]
    assert rows == [
        REQUEST_HEADERS,
        [
            hillside.reference,
            "Triaged",
            "2026-03-03 14:05",
            "Hillside Free School",
            "",
            "",
            "Xanadu Teaching Alliance",
            "'" + INJECTION,
            "office@hillside.example.org",
            "Not sure",
            "",
            "",
            "Not known yet",
            "1",
        ],
        [
            oakfield.reference,
            "New",
            "2026-03-02 09:30",
            "Oakfield Primary",
            "123456",
            "Camden",
            "Xanadu Teaching Alliance",
            "Ada Lovelace",
            "ada@oakfield.example.org",
            "SLE",
            "; ".join(area.name for area in world["areas"]),
            "10.0",
            "A grant (for example a school-to-school support fund)",
            "3",
        ],
    ]


def test_it_exports_the_coordinators_requests_as_excel(world):
    rows, sheet = xlsx_rows(signed_in(world["coordinator_x"]).get(f"{REQUESTS}export/xlsx/"))

    assert rows[0] == REQUEST_HEADERS
    assert references(rows) == [world["hillside"].reference, world["oakfield"].reference]
    oakfield = rows[2]
    assert oakfield[2] == datetime.datetime(2026, 3, 2, 9, 30)
    assert oakfield[4] == 123456
    assert oakfield[11] == 10
    assert oakfield[10] == "; ".join(area.name for area in world["areas"])
    # Text that looks like a formula is stored as text, quoted, never as a formula.
    assert rows[1][7] == "'" + INJECTION
    assert sheet.cell(row=2, column=8).data_type == "s"
    assert rows[1][11] is None
    assert [row[13] for row in rows[1:]] == [1, 3]


@pytest.mark.parametrize("export", ["csv", "xlsx"])
def test_it_honours_the_changelists_filter(world, admin_client, export):
    response = admin_client.get(f"{REQUESTS}export/{export}/?status__exact=new")
    rows = csv_rows(response) if export == "csv" else xlsx_rows(response)[0]

    assert references(rows) == [world["yarrow"].reference, world["oakfield"].reference]


@pytest.mark.parametrize("export", ["csv", "xlsx"])
def test_it_honours_the_changelists_search(world, admin_client, export):
    response = admin_client.get(f"{REQUESTS}export/{export}/?q=Hillside")
    rows = csv_rows(response) if export == "csv" else xlsx_rows(response)[0]

    assert references(rows) == [world["hillside"].reference]


def test_it_honours_filters_and_search_together_with_the_ordering(world, admin_client):
    rows = csv_rows(admin_client.get(f"{REQUESTS}export/csv/?status__exact=new&q=Oakfield&o=1"))

    assert references(rows) == [world["oakfield"].reference]


def test_it_never_exports_another_alliances_requests(world, admin_client):
    coordinator = signed_in(world["coordinator_x"])
    yarrow = world["yarrow"].reference

    own = csv_rows(coordinator.get(f"{REQUESTS}export/csv/"))
    searched = csv_rows(coordinator.get(f"{REQUESTS}export/csv/?q={yarrow}"))
    filtered = coordinator.get(f"{REQUESTS}export/csv/?alliance__id__exact={world['y'].pk}")
    everything = csv_rows(admin_client.get(f"{REQUESTS}export/csv/"))

    assert yarrow not in references(own)
    assert searched == [REQUEST_HEADERS]
    # The alliance filter is not offered to a coordinator, so asking for it is refused.
    assert filtered.status_code == 400
    assert sorted(references(everything)) == sorted(
        [world["oakfield"].reference, world["hillside"].reference, yarrow]
    )


# Deployments.


def test_it_exports_deployments_as_csv_and_excel(world):
    client = signed_in(world["coordinator_x"])

    rows = csv_rows(client.get(f"{DEPLOYMENTS}export/csv/"))
    workbook_rows, _ = xlsx_rows(client.get(f"{DEPLOYMENTS}export/xlsx/?status__exact=agreed"))

    oakfield, hillside = world["oakfield"], world["hillside"]
    assert rows == [
        DEPLOYMENT_HEADERS,
        [
            hillside.reference,
            "Hillside Free School",
            "Leader Xavier",
            "SLE",
            "Proposed to the leader",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "0",
        ],
        [
            oakfield.reference,
            "Oakfield Primary",
            "Leader Xavier",
            "SLE",
            "Agreed",
            "6.0",
            "2026-04-01",
            "2026-07-17",
            "350.00",
            "50.00",
            "A grant (for example a school-to-school support fund)",
            "2026-03-20 16:45",
            "",
            "0.0",
            "",
            "",
            "",
            "",
            "",
            "",
            "0",
        ],
    ]
    assert workbook_rows[0] == DEPLOYMENT_HEADERS
    assert workbook_rows[1:] == [
        [
            oakfield.reference,
            "Oakfield Primary",
            "Leader Xavier",
            "SLE",
            "Agreed",
            6,
            datetime.datetime(2026, 4, 1),
            datetime.datetime(2026, 7, 17),
            350,
            50,
            "A grant (for example a school-to-school support fund)",
            datetime.datetime(2026, 3, 20, 16, 45),
            None,
            0,
            None,
            None,
            None,
            None,
            None,
            None,
            0,
        ]
    ]


def by_header(rows):
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.fixture
def delivery(world):
    """Leader Yvonne's work for Xanadu, one deployment at each point after the agreement."""
    leader = factories.LeaderFactory(full_name="Leader Yvonne")
    designation = factories.DesignationFactory(leader=leader, kind="SLE", alliance=world["x"])

    def work(status, created, **fields):
        deployment = factories.AgreedDeploymentFactory(
            request=factories.SupportRequestFactory(alliance=world["x"]),
            leader=leader,
            designation=designation,
            status=status,
            agreed_days=Decimal("5.0"),
            start_date=datetime.date(2026, 1, 5),
            end_date=datetime.date(2026, 7, 17),
            started_at=at(2026, 1, 5, 9),
            **fields,
        )
        Deployment.objects.filter(pk=deployment.pk).update(created_at=at(2026, 1, created))
        return deployment

    def log(deployment, *hours):
        for day, entry in enumerate(hours, start=5):
            SupportLog.objects.create(
                deployment=deployment,
                date=datetime.date(2026, 1, day),
                hours=Decimal(entry),
                activity=SupportLog.Activity.COACHING,
            )

    # In delivery, 10.5 hours logged (1.5 days), after a pause since resumed.
    resumed = work(
        Deployment.Status.IN_DELIVERY,
        1,
        paused_at=at(2026, 2, 2, 11),
        pause_reason="Half term and a staff illness.",
        resume_expected=datetime.date(2026, 2, 23),
    )
    log(resumed, "7", "3.5")
    # Paused since 2 March, 3.5 hours logged (0.5 days), varied twice.
    paused = work(
        Deployment.Status.PAUSED,
        2,
        paused_at=at(2026, 3, 2, 14, 30),
        pause_reason="The school's inspection is this month.",
        resume_expected=datetime.date(2026, 4, 20),
    )
    log(paused, "3.5")
    for days in ("4.0", "4.5"):
        Variation.objects.create(
            deployment=paused,
            reason="More days for the second subject lead.",
            days_before=Decimal(days),
            days_after=Decimal(days) + Decimal("0.5"),
        )
    # Stopped part way: 2 days recorded as delivered when it stopped.
    work(
        Deployment.Status.STOPPED,
        3,
        stopped_at=at(2026, 3, 9, 16, 5),
        stop_reason=Deployment.StopReason.NEEDS_CHANGED,
        stop_note="=The school's priority moved to attendance.",
        days_delivered=Decimal("2.0"),
    )
    # Completed with 4.5 days delivered (and a log that says so).
    completed = work(
        Deployment.Status.COMPLETED,
        4,
        completed_at=at(2026, 3, 6, 15),
        days_delivered=Decimal("4.5"),
    )
    log(completed, "7", "7", "7", "7", "3.5")
    return leader


NEW_COLUMNS = DEPLOYMENT_HEADERS[DEPLOYMENT_HEADERS.index("Started") :]


def test_it_exports_how_far_each_deployment_got(world, delivery):
    rows = csv_rows(signed_in(world["coordinator_x"]).get(f"{DEPLOYMENTS}export/csv/?q=Yvonne"))

    exported = {row["Status"]: [row[header] for header in NEW_COLUMNS] for row in by_header(rows)}
    assert exported == {
        "Completed": ["2026-01-05 09:00", "4.5", "", "", "", "", "", "", "0"],
        "Stopped early": [
            "2026-01-05 09:00",
            "2.0",
            "",
            "",
            "",
            "2026-03-09 16:05",
            "The school's needs changed",
            # Text a spreadsheet would run is quoted.
            "'=The school's priority moved to attendance.",
            "0",
        ],
        "Paused": [
            "2026-01-05 09:00",
            "0.5",
            "2026-03-02 14:30",
            "2026-04-20",
            "The school's inspection is this month.",
            "",
            "",
            "",
            "2",
        ],
        # The log so far; an earlier pause, since resumed, is not shown as current.
        "In delivery": ["2026-01-05 09:00", "1.5", "", "", "", "", "", "", "0"],
    }


def test_it_exports_how_far_each_deployment_got_to_excel(world, delivery):
    rows, _ = xlsx_rows(
        signed_in(world["coordinator_x"]).get(f"{DEPLOYMENTS}export/xlsx/?q=Yvonne")
    )

    exported = {row["Status"]: row for row in by_header(rows)}
    paused = exported["Paused"]
    assert paused["Started"] == datetime.datetime(2026, 1, 5, 9)
    assert paused["Days delivered"] == 0.5
    assert paused["Paused since"] == datetime.datetime(2026, 3, 2, 14, 30)
    assert paused["Expected to resume"] == datetime.datetime(2026, 4, 20)
    assert paused["Variations"] == 2
    assert exported["Stopped early"]["Stopped early on"] == datetime.datetime(2026, 3, 9, 16, 5)
    assert exported["Stopped early"]["Days delivered"] == 2
    assert exported["In delivery"]["Days delivered"] == 1.5
    assert exported["Completed"]["Days delivered"] == 4.5


def test_it_never_exports_another_alliances_deployments(world, admin_client):
    other = world["other_deployment"].request.reference

    own = csv_rows(signed_in(world["coordinator_x"]).get(f"{DEPLOYMENTS}export/csv/"))
    everything = csv_rows(admin_client.get(f"{DEPLOYMENTS}export/csv/"))

    assert other not in references(own)
    assert other in references(everything)


# The links and who may follow them.


def test_it_links_the_changelist_to_its_exports_with_the_query_string(world):
    page = (
        signed_in(world["coordinator_x"])
        .get(f"{REQUESTS}?status__exact=new&q=Oak")
        .content.decode()
    )

    assert f'href="{REQUESTS}export/csv/?status__exact=new&amp;q=Oak"' in page
    assert f'href="{REQUESTS}export/xlsx/?status__exact=new&amp;q=Oak"' in page
    assert "Export CSV" in page
    assert "Export Excel" in page


@pytest.mark.parametrize("export", ["csv", "xlsx"])
@pytest.mark.parametrize("changelist", [REQUESTS, DEPLOYMENTS])
def test_it_sends_anonymous_and_non_staff_users_to_the_login_page(
    world, client, changelist, export
):
    leader = factories.UserFactory()
    for visitor in (client, signed_in(leader)):
        response = visitor.get(f"{changelist}export/{export}/")
        assert response.status_code == 302
        assert "/login/" in response.url


@pytest.mark.parametrize("export", ["csv", "xlsx"])
def test_it_refuses_staff_who_may_not_view_requests(world, export):
    staff = factories.UserFactory(is_staff=True)

    response = signed_in(staff).get(f"{REQUESTS}export/{export}/")

    assert response.status_code == 403


def test_it_refuses_a_filter_the_list_does_not_offer(world, admin_client):
    assert admin_client.get(f"{REQUESTS}export/csv/?no_such_field=1").status_code == 400
    assert (
        admin_client.get(f"{REQUESTS}export/xlsx/?contact_email__startswith=a").status_code == 400
    )


def test_it_sends_a_bad_value_for_an_offered_filter_back_to_the_changelist(world, admin_client):
    response = admin_client.get(f"{REQUESTS}export/csv/?created_at__gte=not-a-date")

    assert response.status_code in (302, 400)


# Formula injection.


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_it_quotes_text_a_spreadsheet_would_run(text):
    assert neutralise_formula(text) == "'" + text


@pytest.mark.parametrize("text", ["Ada", "1-2", "a=b", ""])
def test_it_leaves_other_text_alone(text):
    assert neutralise_formula(text) == text


def test_it_strips_characters_excel_cannot_store(world, admin_client):
    SupportRequest.objects.filter(pk=world["oakfield"].pk).update(contact_name="Ada\x07 Lovelace")

    rows, _ = xlsx_rows(admin_client.get(f"{REQUESTS}export/xlsx/?q=Oakfield"))

    assert rows[1][7] == "Ada Lovelace"


# Queries.


def build(alliance, count):
    areas = list(AreaOfExpertise.objects.all()[:3])
    for _ in range(count):
        support_request = factories.SupportRequestFactory(alliance=alliance)
        support_request.areas_of_expertise.set(areas)
        agreed = factories.AgreedDeploymentFactory(
            request=support_request, status=Deployment.Status.IN_DELIVERY, logged_hours=7
        )
        Variation.objects.create(deployment=agreed, reason="More days.", days_after=Decimal(7))
        factories.DeploymentFactory(request=support_request)


def export_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        rows = content_of(response)
    assert response.status_code == 200
    return len(captured), rows


@pytest.mark.parametrize("export", ["csv", "xlsx"])
@pytest.mark.parametrize("changelist", [REQUESTS, DEPLOYMENTS])
@pytest.mark.parametrize("who", ["coordinator", "superuser"])
def test_it_runs_the_same_queries_for_few_rows_as_for_many(superuser, changelist, export, who):
    coordinator = factories.CoordinatorFactory()
    coordinator.groups.add(ensure_coordinator_group())
    client = signed_in(coordinator if who == "coordinator" else superuser)
    url = f"{changelist}export/{export}/?q=Test"

    build(coordinator.alliance, 2)
    few, few_rows = export_queries(client, url)
    build(coordinator.alliance, 20)
    many, many_rows = export_queries(client, url)

    assert len(many_rows) > len(few_rows)
    assert few == many, f"{few} queries for few rows, {many} for many"
    # Session, user, permissions, the changelist's count, areas of expertise, the rows.
    assert many <= 8


def test_the_real_request_admin_exports_only_the_coordinators_alliance():
    own = factories.SupportRequestFactory(status="new")
    other = factories.SupportRequestFactory(status="new")
    coordinator = factories.CoordinatorFactory(alliance=own.alliance)
    coordinator.groups.add(ensure_coordinator_group())
    client = Client()
    client.force_login(coordinator)

    listing = client.get("/admin/support_requests/supportrequest/?status__exact=new")
    response = client.get("/admin/support_requests/supportrequest/export/csv/?status__exact=new")

    assert "export/csv/?status__exact=new" in listing.content.decode()
    body = b"".join(response.streaming_content).decode()
    assert own.reference in body
    assert other.reference not in body
