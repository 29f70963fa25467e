"""Agreed work changes after the agreement: paused and resumed, stopped early, varied.

Each journey drives a real browser as the three people who see it: the
coordinator takes the step in the admin (through the change page's "Next
steps" and the step's own page, a refused submit first), the leader reads it
on their deployment page, and the school on its private tracking page. The
leader's and the school's pages pass axe in each state.

The admin step pages are checked at 1280 px for a form that stays inside
its panel. Set LIFECYCLE_SHOTS to a folder to keep screenshots of them, and
of the leader's and the school's pages, to look at.
"""

import datetime
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from alliance_portal.accounts.groups import ensure_coordinator_group
from alliance_portal.notifications.models import OutboundEmail
from alliance_portal.pages.formats import long_date
from deployments.models import Deployment, PlannedSession, Variation
from leaders.calendar import calendar_feed_url, new_calendar_secret
from requests.models import SupportRequest
from requests.tracking import tracking_token
from tests.browser.conftest import WCAG_TAGS, describe, inject_axe
from tests.factories import (
    AgreedDeploymentFactory,
    AllianceFactory,
    CoordinatorFactory,
    DesignationFactory,
    LeaderFactory,
    ObjectiveFactory,
    PlannedSessionFactory,
    SupportLogFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

Status = Deployment.Status
TODAY = timezone.localdate()
PASSWORD = "correct-horse-battery"
LEADER_EMAIL = "sam.jones@example.org"
SCHOOL_EMAIL = "amira.khan@oakfield.example.org"
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def world():
    """An alliance with its coordinator, and a leader of it who signs in."""
    alliance = AllianceFactory(name="North London Hub")
    coordinator = CoordinatorFactory(alliance=alliance, email="alice@hub.example.org")
    coordinator.groups.add(ensure_coordinator_group())
    leader = LeaderFactory(
        user=UserFactory(email=LEADER_EMAIL),
        full_name="Sam Jones",
        email=LEADER_EMAIL,
        days_per_year=Decimal("20"),
    )
    DesignationFactory(leader=leader, alliance=alliance)
    return alliance, leader


def deployment_for(world, status, **fields):
    """Agreed work for Oakfield Primary School by the world's leader, in `status`."""
    alliance, leader = world
    request_status = {
        Status.AGREED: SupportRequest.Status.AGREED,
        Status.IN_DELIVERY: SupportRequest.Status.IN_DELIVERY,
    }[status]
    fields = {
        "agreed_days": Decimal("6"),
        "start_date": TODAY - datetime.timedelta(days=30),
        "end_date": TODAY + datetime.timedelta(days=90),
        **fields,
    }
    deployment = AgreedDeploymentFactory(
        status=status,
        started_at=timezone.now() if status == Status.IN_DELIVERY else None,
        leader=leader,
        designation=leader.designations.get(),
        request__alliance=alliance,
        request__status=request_status,
        request__school__name="Oakfield Primary School",
        request__contact_name="Amira Khan",
        request__contact_email=SCHOOL_EMAIL,
        **fields,
    )
    ObjectiveFactory(deployment=deployment, position=0, description="Sharper maths lessons")
    return deployment


# The three people, each in a browser of their own.


def coordinator_signs_in(new_context, live_server):
    page = new_context(viewport=DESKTOP).new_page()
    page.goto(live_server.url + "/admin/")
    page.locator("#id_username").fill("alice@hub.example.org")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#site-name")).to_be_visible()
    return page


def leader_signs_in(page, live_server):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email address").fill(LEADER_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live_server.url + "/my/")
    page.get_by_role("link", name="Oakfield Primary School").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Support for Oakfield Primary School")


def school_page(new_context, live_server, deployment):
    page = new_context().new_page()
    page.goto(f"{live_server.url}/track/{tracking_token(deployment.request)}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Your request {deployment.request.reference}"
    )
    return page


def open_step(page, live_server, deployment, step, heading):
    """From the deployment's change page, through its "Next steps" link, to the step's page."""
    page.goto(f"{live_server.url}/admin/deployments/deployment/{deployment.pk}/change/")
    page.locator(f"#brokering .next-steps a[data-step='{step}']").click()
    expect(page).to_have_url(
        f"{live_server.url}/admin/deployments/deployment/{deployment.pk}/{step}/"
    )
    expect(page.locator("#content h1")).to_contain_text(heading)
    expect(page.locator("[data-happens] li").first).to_be_visible()


def submit_step(page, button):
    page.locator("#step-form").get_by_role("button", name=button).click()


def expect_refused(page, field_error):
    """The step's page again: nothing changed, and the problem is shown against its field."""
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".errornote")).to_have_text(
        "Nothing has been changed: correct what is marked below."
    )
    expect(page.locator("#step-form .errorlist")).to_contain_text(field_error)


def expect_done(page, live_server, deployment, message):
    expect(page).to_have_url(
        f"{live_server.url}/admin/deployments/deployment/{deployment.pk}/change/"
    )
    expect(page.locator(".messagelist")).to_contain_text(message)


def assert_accessible_page(page, within=None):
    """axe-core on the page (or the part `within` selects): no WCAG 2.2 A/AA violations.
    The people here each have a browser of their own, so axe runs on the page given."""
    inject_axe(page)
    result = page.evaluate(
        "([within, tags]) => axe.run(within || document, {runOnly: {type: 'tag', values: tags}})",
        [within, WCAG_TAGS],
    )
    violations = [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
    ]
    assert violations == [], describe(violations)


def assert_step_page_reads_well(page, name):
    """The step's form sits inside the admin's content panel, nothing scrolls sideways, the
    panel passes axe; and, where LIFECYCLE_SHOTS names a folder, a screenshot is kept there."""
    assert page.viewport_size["width"] == DESKTOP["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    panel = page.locator("#content-main").bounding_box()
    for field in page.locator("#step-form :is(input:not([type=hidden]), select, textarea)").all():
        box = field.bounding_box()
        assert box["x"] >= panel["x"] and box["x"] + box["width"] <= panel["x"] + panel["width"], (
            f"{field.get_attribute('name')} pokes out of the panel: {box} in {panel}"
        )
    assert_accessible_page(page, within="#content-main")
    keep_shot(page, name)


def keep_shot(page, name):
    """A full-page screenshot in the LIFECYCLE_SHOTS folder, when it is set."""
    if shots := os.environ.get("LIFECYCLE_SHOTS"):
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{shots}/{name}.png", full_page=True)


def test_a_coordinator_pauses_and_resumes_the_support(live_server, page, new_context, world):
    deployment = deployment_for(world, Status.IN_DELIVERY, logged_hours=7)
    resume_on = TODAY + datetime.timedelta(days=21)
    reason = "The maths lead is on sick leave until after half term."

    # The coordinator pauses it: a reason is needed, then it is paused.
    admin = coordinator_signs_in(new_context, live_server)
    open_step(admin, live_server, deployment, "pause", "Pause the support")
    assert_step_page_reads_well(admin, "pause")
    admin.get_by_label("Expected to resume on").fill(resume_on.isoformat())
    submit_step(admin, "Pause the support")
    expect_refused(admin, "Fill in “Reason”: the leader and the school are told it.")
    expect(admin.get_by_label("Expected to resume on")).to_have_value(resume_on.isoformat())
    assert_step_page_reads_well(admin, "pause-refused")
    deployment.refresh_from_db()
    assert deployment.status == Status.IN_DELIVERY
    assert not OutboundEmail.objects.exists()

    admin.get_by_label("Reason").fill(reason)
    submit_step(admin, "Pause the support")
    expect_done(admin, live_server, deployment, "The support is paused")
    expect(admin.locator("#brokering-heading")).to_have_text("Brokering: paused")
    notice = admin.locator("#brokering [data-deployment-state='paused']")
    expect(notice).to_contain_text(f"expected to resume on {long_date(resume_on)}")
    expect(notice).to_contain_text(reason)
    expect(admin.locator("#brokering a[data-step='resume']")).to_be_visible()
    keep_shot(admin, "admin-paused")
    assert set(OutboundEmail.objects.values_list("to", flat=True)) == {LEADER_EMAIL, SCHOOL_EMAIL}

    # The leader sees why, and cannot log support while it is paused.
    leader_signs_in(page, live_server)
    main = page.locator("main")
    notice = main.locator("[data-deployment-state='paused']")
    expect(notice).to_contain_text("Paused")
    expect(notice).to_contain_text(f"expected to resume on {long_date(resume_on)}")
    expect(notice).to_contain_text(f"Why: {reason}")
    expect(page.get_by_role("button", name="Log support")).to_have_count(0)
    expect(main).to_contain_text("This support is paused, so the log is closed.")
    assert_accessible_page(page)
    keep_shot(page, "leader-paused")
    page.goto(f"{live_server.url}/my/deployments/{deployment.pk}/log/")
    expect(main).to_contain_text("This support is paused, so you cannot log anything against it")
    expect(page.get_by_role("button", name="Save")).to_have_count(0)

    # The school sees it paused, and why.
    school = school_page(new_context, live_server, deployment)
    expect(school.locator("[data-headline]")).to_have_text("Paused")
    expect(school.locator("[data-status-text]")).to_have_text(
        "The support is paused for now. Below is why, and when it should start again."
    )
    expect(school.locator("[data-deployment-state='paused']")).to_contain_text(f"Why: {reason}")
    expect(school.locator("[data-story]")).to_contain_text(
        f"Sam Jones's support was paused until about {long_date(resume_on)}"
    )
    assert_accessible_page(school)
    keep_shot(school, "school-paused")

    # The coordinator resumes it, and the leader can log support again.
    open_step(admin, live_server, deployment, "resume", "Resume the support")
    admin.get_by_label("Note (optional)").fill("The maths lead is back.")
    submit_step(admin, "Resume the support")
    expect_done(admin, live_server, deployment, "The support has resumed")
    expect(admin.locator("#brokering-heading")).to_have_text("Brokering: in delivery")
    expect(admin.locator("[data-deployment-state]")).to_have_count(0)

    page.goto(f"{live_server.url}/my/deployments/{deployment.pk}/")
    expect(page.locator("[data-deployment-state]")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("the log is closed")
    page.get_by_role("button", name="Log support").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log support")
    assert_accessible_page(page)

    school.reload()
    expect(school.locator("[data-headline]")).to_have_text("Under way")
    expect(school.locator("[data-status-text]")).to_have_text("The support is under way.")
    expect(school.locator("[data-deployment-state]")).to_have_count(0)
    assert_accessible_page(school)


def test_a_coordinator_stops_the_support_early(live_server, page, new_context, world, settings):
    settings.SITE_URL = live_server.url
    deployment = deployment_for(world, Status.IN_DELIVERY, logged_hours=7)
    SupportLogFactory(deployment=deployment, date=TODAY - datetime.timedelta(days=7), hours=3.5)
    session_day = TODAY + datetime.timedelta(days=10)
    PlannedSessionFactory(deployment=deployment, date=session_day, note="Lesson visits in Year 5")
    feed_url = calendar_feed_url(new_calendar_secret(deployment.leader))
    note = "A new head wants to lead the maths work herself."

    # Before: the session is on the leader's page and in their calendar.
    leader_signs_in(page, live_server)
    expect(page.locator("main")).to_contain_text("Lesson visits in Year 5")
    feed = page.request.get(feed_url)
    assert feed.ok
    assert "Planned session: Oakfield Primary School" in feed.text()

    # The coordinator stops it: the box must be ticked, then it stops.
    admin = coordinator_signs_in(new_context, live_server)
    open_step(admin, live_server, deployment, "stop", "Stop the support early")
    assert_step_page_reads_well(admin, "stop")
    # The box and its label read as one line.
    box = admin.get_by_label("I confirm the support stops now").bounding_box()
    label = admin.locator("label[for=id_confirm]").bounding_box()
    assert label["x"] > box["x"] + box["width"]
    assert label["y"] < box["y"] + box["height"] and box["y"] < label["y"] + label["height"]
    expect(admin.locator("[data-happens]")).to_contain_text("this cannot be undone")
    admin.get_by_label("Why is the support stopping?").select_option(
        label="The school asked to stop"
    )
    admin.get_by_label("What happened").fill(note)
    submit_step(admin, "Stop the support early")
    expect_refused(admin, "Tick the box to confirm.")
    expect(admin.get_by_label("What happened")).to_have_value(note)
    assert_step_page_reads_well(admin, "stop-refused")
    deployment.refresh_from_db()
    assert deployment.status == Status.IN_DELIVERY
    assert PlannedSession.objects.filter(deployment=deployment).exists()
    assert not OutboundEmail.objects.exists()

    admin.get_by_label("I confirm the support stops now").check()
    submit_step(admin, "Stop the support early")
    expect_done(admin, live_server, deployment, "The support is stopped")
    expect(admin.locator("#brokering-heading")).to_have_text("Brokering: stopped early")
    expect(admin.locator("#brokering .next-steps")).to_have_count(0)
    deployment.refresh_from_db()
    assert (deployment.status, deployment.days_delivered) == (Status.STOPPED, Decimal("1.5"))

    # The leader: stopped after 1.5 of 6 days, why, and the session gone from page and feed.
    page.reload()
    main = page.locator("main")
    notice = main.locator("[data-deployment-state='stopped']")
    expect(notice).to_contain_text("Stopped early")
    expect(notice).to_contain_text("after 1.5 days of the 6 days agreed")
    expect(notice).to_contain_text(f"Why: The school asked to stop. {note}")
    expect(page.get_by_role("button", name="Log support")).to_have_count(0)
    expect(main).to_contain_text("No sessions planned.")
    expect(main).not_to_contain_text("Lesson visits in Year 5")
    assert_accessible_page(page)
    keep_shot(page, "leader-stopped")
    feed = page.request.get(feed_url)
    assert feed.ok
    assert "Planned session" not in feed.text()

    # The school: the stop and its reason, on the headline's card and the timeline.
    school = school_page(new_context, live_server, deployment)
    expect(school.locator("[data-deployment-state='stopped']")).to_contain_text(
        f"Why: The school asked to stop. {note}"
    )
    expect(school.locator("[data-days]")).to_have_text("1.5 days delivered of 6 days agreed")
    expect(school.locator("[data-story]")).to_contain_text(
        "Sam Jones's support stopped early, after 1.5 days of 6 days"
    )
    assert_accessible_page(school)
    keep_shot(school, "school-stopped")

    # The school is asked for its view of the part that happened.
    email = OutboundEmail.objects.get(to=SCHOOL_EMAIL)
    assert email.subject.startswith("How did the support go?")
    sent = next(m for m in mail.outbox if m.to == [SCHOOL_EMAIL])
    assert "stopped early, after 1.5 of the 6 days agreed: the school asked to stop." in sent.body
    assert "how the part that happened went" in sent.body
    assert re.search(r"http\S+/feedback/\S+/", sent.body)


def test_a_coordinator_varies_the_agreement(live_server, page, new_context, world):
    start = TODAY + datetime.timedelta(days=40)
    deployment = deployment_for(
        world,
        Status.AGREED,
        start_date=start,
        end_date=start + datetime.timedelta(days=100),
    )
    # 8 of the leader's 20 days go elsewhere this year, so 12 are left for this work.
    AgreedDeploymentFactory(
        leader=deployment.leader,
        designation=deployment.designation,
        agreed_days=Decimal("8"),
        start_date=start,
        end_date=start + datetime.timedelta(days=60),
    )
    later_end = start + datetime.timedelta(days=150)
    reason = "The school wants coaching for the new maths lead as well."

    # Refused: more days than the leader has left. Nothing changes.
    admin = coordinator_signs_in(new_context, live_server)
    open_step(admin, live_server, deployment, "vary", "Vary the agreement")
    assert_step_page_reads_well(admin, "vary")
    expect(admin.get_by_label("Agreed days")).to_have_value("6.0")
    expect(admin.get_by_label("Start date")).to_have_value(start.isoformat())
    expect(admin.get_by_label("Objectives (one per line)")).to_have_value("Sharper maths lessons")
    admin.get_by_label("Agreed days").fill("13")
    admin.get_by_label("Why the agreement changes").fill(reason)
    submit_step(admin, "Vary the agreement")
    expect_refused(admin, "Only 12 of Sam Jones's 20 days are left in 2026/27")
    expect(admin.get_by_label("Agreed days")).to_have_value("13")
    assert_step_page_reads_well(admin, "vary-refused")
    deployment.refresh_from_db()
    assert deployment.agreed_days == Decimal("6")
    assert not Variation.objects.exists()
    assert not OutboundEmail.objects.exists()

    # Within capacity, with a later end and an added objective: varied.
    admin.get_by_label("Agreed days").fill("10")
    admin.get_by_label("End date").fill(later_end.isoformat())
    admin.get_by_label("Objectives (one per line)").fill(
        "Sharper maths lessons\nA maths lead who coaches others"
    )
    submit_step(admin, "Vary the agreement")
    expect_done(admin, live_server, deployment, "The agreement is varied")
    changes = (
        f"agreed days from 6 to 10; end date from {long_date(deployment.end_date)} "
        f"to {long_date(later_end)}; the objectives"
    )
    expect(admin.locator("#brokering [data-variations]")).to_contain_text(changes)
    deployment.refresh_from_db()
    assert (deployment.agreed_days, deployment.end_date) == (Decimal("10"), later_end)
    assert set(OutboundEmail.objects.values_list("to", flat=True)) == {LEADER_EMAIL, SCHOOL_EMAIL}

    # The leader: the change with its reason, the new days and the new objective.
    leader_signs_in(page, live_server)
    main = page.locator("main")
    expect(main.get_by_role("heading", name="Changes to what was agreed")).to_be_visible()
    expect(main.locator("[data-variations]")).to_contain_text(f"{changes}. Why: {reason}")
    expect(main).to_contain_text(f"{long_date(start)} to {long_date(later_end)}")
    objectives = main.get_by_role("heading", name="Objectives", exact=True).locator(
        "xpath=following-sibling::ol[1]"
    )
    expect(objectives.locator("li")).to_have_text(
        ["Sharper maths lessons", "A maths lead who coaches others"]
    )
    assert_accessible_page(page)
    keep_shot(page, "leader-varied")

    # The school: the new days and objectives, and the change with its reason.
    school = school_page(new_context, live_server, deployment)
    card = school.locator(f"[data-deployment='{deployment.pk}']")
    expect(card.locator("[data-days]")).to_have_text("0 days delivered of 10 days agreed")
    expect(card).to_contain_text(f"{long_date(start)} to {long_date(later_end)}")
    expect(card.locator("ol li")).to_have_text(
        ["Sharper maths lessons", "A maths lead who coaches others"]
    )
    expect(school.locator("[data-variations]")).to_contain_text(f"{changes}. Why: {reason}")
    story = school.locator("[data-story]")
    expect(story).to_contain_text(f"The agreement with Sam Jones changed: {changes}")
    expect(story).to_contain_text(f"Why: {reason}")
    assert_accessible_page(school)
    keep_shot(school, "school-varied")
