import pytest

from alliance_portal.schools.models import Phase
from leaders.models import AreaOfExpertise, Designation
from tests.browser.conftest import describe
from tests.factories import DesignationFactory, LeaderFactory, SchoolFactory

# serialized_rollback as in the other browser tests: a plain flush would re-create the
# content types under new ids and break the next test that restores the serialised rows.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def leaders():
    """Three listed leaders; phases and areas are fetched or made, whatever a flush left."""
    primary, _ = Phase.objects.get_or_create(
        code=Phase.Code.PRIMARY, defaults={"name": "Primary", "position": 1}
    )
    maths, _ = AreaOfExpertise.objects.get_or_create(
        slug="mathematics",
        defaults={"name": "Mathematics", "group": AreaOfExpertise.Group.PUPIL_ACHIEVEMENT},
    )
    music, _ = AreaOfExpertise.objects.get_or_create(
        slug="music", defaults={"name": "Music", "group": AreaOfExpertise.Group.PUPIL_ACHIEVEMENT}
    )

    def listed(name, kind, area, school):
        leader = LeaderFactory(
            full_name=name,
            public_profile_consent=True,
            home_school=SchoolFactory(name=school, phase=primary),
            bio=f"{name} has led {area.name.lower()} in several schools.",
        )
        DesignationFactory(leader=leader, kind=kind)
        leader.areas_of_expertise.set([area])
        leader.phases.set([primary])
        return leader

    return {
        "maths_sle": listed("Ada Lovelace", Designation.Kind.SLE, maths, "Riverside Primary"),
        "music_sle": listed("Bo Britten", Designation.Kind.SLE, music, "Hilltop Primary"),
        "maths_lle": listed("Cy Noether", Designation.Kind.LLE, maths, "Valley Primary"),
    }


def test_it_lets_a_visitor_find_a_leader_by_designation_and_area(
    live_server, page, axe_violations, leaders
):
    page.goto(live_server.url + "/leaders/")
    assert page.get_by_role("heading", level=1).inner_text() == "Find a system leader"
    violations = axe_violations()
    assert violations == [], describe(violations)

    page.get_by_label("Designation").select_option("SLE")
    page.get_by_label("Area of expertise").select_option("mathematics")
    page.get_by_role("button", name="Apply filters").click()

    results = page.locator("#results")
    assert page.locator("#results-count").inner_text() == "1 system leader found"
    assert results.get_by_role("link").all_inner_texts() == ["Ada Lovelace"]
    assert "Bo Britten" not in results.inner_text()
    assert "Cy Noether" not in results.inner_text()
    assert page.get_by_label("Designation").input_value() == "SLE"
    assert page.get_by_label("Area of expertise").input_value() == "mathematics"

    results.get_by_role("link", name="Ada Lovelace").click()

    assert page.url == f"{live_server.url}/leaders/{leaders['maths_sle'].pk}/"
    assert page.get_by_role("heading", level=1).inner_text() == "Ada Lovelace"
    assert page.get_by_role("link", name="Request support").get_attribute("href") == (
        "/request-support/"
    )
    violations = axe_violations()
    assert violations == [], describe(violations)


def test_it_explains_when_no_leader_matches(live_server, page, axe_violations, leaders):
    page.goto(live_server.url + "/leaders/")

    page.get_by_label("Designation").select_option("NLE")
    page.get_by_label("Search").fill("lovelace")
    page.get_by_role("button", name="Apply filters").click()

    assert page.locator("#results-count").inner_text() == "0 system leaders found"
    assert "No system leaders match these filters." in page.locator("#no-results").inner_text()
    violations = axe_violations()
    assert violations == [], describe(violations)

    page.get_by_role("link", name="Clear filters").click()

    assert page.locator("#results-count").inner_text() == "3 system leaders found"


def test_it_reports_an_invalid_filter_accessibly(live_server, page, axe_violations, leaders):
    page.goto(live_server.url + "/leaders/?kind=XYZ")

    assert page.title().startswith("Error: ")
    assert (
        "We do not recognise that designation" in page.locator(".govuk-error-summary").inner_text()
    )
    assert page.locator("#results-count").inner_text() == "3 system leaders found"
    violations = axe_violations()
    assert violations == [], describe(violations)


def test_it_finds_leaders_by_what_a_visitor_types(live_server, page, axe_violations, leaders):
    page.goto(live_server.url + "/leaders/")

    page.get_by_label("Search").fill("  Maths   SLE ")
    page.get_by_role("button", name="Apply filters").click()

    assert page.locator("#results-count").inner_text() == "1 system leader found"
    assert page.locator("#results").get_by_role("link").all_inner_texts() == ["Ada Lovelace"]
    assert page.get_by_label("Search").input_value() == "maths sle"
    violations = axe_violations()
    assert violations == [], describe(violations)
