import re

import pytest
from django import forms
from django.core.cache import caches
from django.db import connection
from django.test.html import parse_html
from django.test.utils import CaptureQueriesContext

from alliance_portal.schools.models import Phase, School
from alliance_portal.schools.signals import register_imported
from leaders.forms import PlainSelect
from leaders.models import AreaOfExpertise, Designation
from tests.factories import (
    AllianceFactory,
    DesignationFactory,
    LeaderFactory,
    LocalAuthorityFactory,
    SchoolFactory,
    UserFactory,
    phase,
)

pytestmark = pytest.mark.django_db

DIRECTORY = "/leaders/"


def listed_leader(kind=Designation.Kind.SLE, areas=(), phases=(), **kwargs):
    """A leader who appears in the directory: consent and one active designation."""
    kwargs.setdefault("public_profile_consent", True)
    leader = LeaderFactory(**kwargs)
    designate(leader, kind)
    leader.areas_of_expertise.set(AreaOfExpertise.objects.filter(slug__in=areas))
    leader.phases.set(Phase.objects.filter(code__in=phases))
    return leader


def designate(leader, kind, status=Designation.Status.ACTIVE, **kwargs):
    if kind in Designation.NATIONAL_KINDS:
        kwargs.setdefault("alliance", None)
    return DesignationFactory(leader=leader, kind=kind, status=status, **kwargs)


def names_listed(response):
    """The leaders' names as the results list shows them, in order."""
    page = response.content.decode()
    results = page.split('id="results"', 1)[1] if 'id="results"' in page else ""
    return re.findall(r'<a class="govuk-link" href="/leaders/\d+/">([^<]+)</a>', results)


def results_count(response):
    page = response.content.decode()
    return re.search(r'id="results-count">([^<]+)</p>', page).group(1)


# Who is listed


def test_it_lists_leaders_who_agreed_to_a_public_profile(client):
    listed_leader(full_name="Ada Public")
    listed_leader(full_name="Bo Private", public_profile_consent=False)

    response = client.get(DIRECTORY)

    assert response.status_code == 200
    assert names_listed(response) == ["Ada Public"]
    assert "Bo Private" not in response.content.decode()


def test_it_leaves_out_a_leader_whose_designations_all_lapsed_or_were_withdrawn(client):
    listed_leader(full_name="Ada Active")
    former = LeaderFactory(full_name="Cy Former", public_profile_consent=True)
    designate(former, Designation.Kind.SLE, status=Designation.Status.LAPSED)
    designate(former, Designation.Kind.LLE, status=Designation.Status.WITHDRAWN)
    LeaderFactory(full_name="Di Undesignated", public_profile_consent=True)

    response = client.get(DIRECTORY)

    assert names_listed(response) == ["Ada Active"]
    assert results_count(response) == "1 system leader found"


def test_it_hides_lapsed_designations(client):
    leader = listed_leader(full_name="Ada Active", kind=Designation.Kind.LLE)
    designate(leader, Designation.Kind.SLE, status=Designation.Status.LAPSED)
    designate(leader, Designation.Kind.NLE, status=Designation.Status.WITHDRAWN)

    directory = client.get(DIRECTORY).content.decode()
    detail = client.get(f"/leaders/{leader.pk}/").content.decode()

    for page in (directory, detail):
        assert "Local Leader of Education (LLE)" in page
        assert "Specialist Leader of Education (SLE)" not in page
        assert "National Leader of Education (NLE)" not in page


def test_it_lists_each_leader_once_with_everything_a_visitor_needs(client):
    school = SchoolFactory(name="Riverside Primary")
    leader = listed_leader(
        full_name="Ada Lovelace",
        kind=Designation.Kind.SLE,
        home_school=school,
        areas=["mathematics", "assessment"],
        phases=["primary", "secondary"],
        bio="I lead mathematics across three schools. " + "More words here. " * 40,
    )
    designate(leader, Designation.Kind.LLE)

    response = client.get(DIRECTORY)
    page = response.content.decode()

    assert names_listed(response) == ["Ada Lovelace"]
    assert "Specialist Leader of Education (SLE)" in page
    assert "Local Leader of Education (LLE)" in page
    assert "Riverside Primary" in page
    assert "Assessment, Mathematics" in page
    assert "Primary, Secondary" in page
    assert "I lead mathematics across three schools." in page
    assert page.count("More words here.") < 40, "the bio is shortened to an excerpt"


def test_it_orders_leaders_by_name(client):
    for name in ("Cy Third", "Ada First", "Bo Second"):
        listed_leader(full_name=name)

    assert names_listed(client.get(DIRECTORY)) == ["Ada First", "Bo Second", "Cy Third"]


# Filters


def test_it_filters_by_designation(client):
    listed_leader(full_name="Ada Specialist", kind=Designation.Kind.SLE)
    listed_leader(full_name="Bo National", kind=Designation.Kind.NLE)

    response = client.get(DIRECTORY, {"kind": "NLE"})

    assert names_listed(response) == ["Bo National"]
    assert '<option value="NLE" selected>' in response.content.decode()


def test_it_filters_by_active_designations_only(client):
    former_nle = listed_leader(full_name="Ada Specialist", kind=Designation.Kind.SLE)
    designate(former_nle, Designation.Kind.NLE, status=Designation.Status.LAPSED)
    listed_leader(full_name="Bo National", kind=Designation.Kind.NLE)

    assert names_listed(client.get(DIRECTORY, {"kind": "NLE"})) == ["Bo National"]


def test_it_filters_by_area_of_expertise(client):
    listed_leader(full_name="Ada Maths", areas=["mathematics", "assessment"])
    listed_leader(full_name="Bo Music", areas=["music"])

    response = client.get(DIRECTORY, {"area": "mathematics"})

    assert names_listed(response) == ["Ada Maths"]
    assert '<option value="mathematics" selected>' in response.content.decode()


def test_it_groups_the_areas_of_expertise_in_the_filter(client):
    page = client.get(DIRECTORY).content.decode()

    assert '<optgroup label="Leadership">' in page
    assert '<optgroup label="Pupil achievement and subjects">' in page
    assert '<optgroup label="Behaviour and safety">' in page


def test_it_filters_by_phase(client):
    listed_leader(full_name="Ada Primary", phases=["primary"])
    listed_leader(full_name="Bo Secondary", phases=["secondary", "16-plus"])

    assert names_listed(client.get(DIRECTORY, {"phase": "secondary"})) == ["Bo Secondary"]


def test_it_filters_by_the_local_authority_of_the_home_school(client):
    camden = LocalAuthorityFactory(code=202, name="Camden")
    leeds = LocalAuthorityFactory(code=383, name="Leeds")
    listed_leader(full_name="Ada Camden", home_school=SchoolFactory(local_authority=camden))
    listed_leader(full_name="Bo Leeds", home_school=SchoolFactory(local_authority=leeds))

    response = client.get(DIRECTORY, {"local_authority": "383"})

    assert names_listed(response) == ["Bo Leeds"]
    assert '<option value="383" selected>Leeds</option>' in response.content.decode()


def test_it_filters_by_the_region_of_the_home_school(client):
    listed_leader(full_name="Ada London", home_school=SchoolFactory(region="London"))
    listed_leader(
        full_name="Bo Yorkshire", home_school=SchoolFactory(region="Yorkshire and the Humber")
    )

    response = client.get(DIRECTORY, {"region": "Yorkshire and the Humber"})

    assert names_listed(response) == ["Bo Yorkshire"]


def test_it_offers_only_places_where_listed_leaders_work(client):
    hidden = LocalAuthorityFactory(code=909, name="Cumberland")
    listed_leader(home_school=SchoolFactory(local_authority=LocalAuthorityFactory(code=202)))
    LeaderFactory(home_school=SchoolFactory(local_authority=hidden, region="North West"))

    page = client.get(DIRECTORY).content.decode()

    assert '<option value="202">' in page
    assert "Cumberland" not in page
    assert "North West" not in page


def test_it_combines_filters(client):
    listed_leader(
        full_name="Ada Match", kind=Designation.Kind.SLE, areas=["mathematics"], phases=["primary"]
    )
    listed_leader(
        full_name="Bo Wrong Kind",
        kind=Designation.Kind.LLE,
        areas=["mathematics"],
        phases=["primary"],
    )
    listed_leader(
        full_name="Cy Wrong Area", kind=Designation.Kind.SLE, areas=["music"], phases=["primary"]
    )
    listed_leader(
        full_name="Di Wrong Phase",
        kind=Designation.Kind.SLE,
        areas=["mathematics"],
        phases=["secondary"],
    )

    response = client.get(DIRECTORY, {"kind": "SLE", "area": "mathematics", "phase": "primary"})

    assert names_listed(response) == ["Ada Match"]
    assert results_count(response) == "1 system leader found"


def test_it_combines_place_and_search(client):
    london = SchoolFactory(name="Hill Top School", region="London")
    listed_leader(full_name="Ada Hill", home_school=london, kind=Designation.Kind.SLE)
    listed_leader(full_name="Bo Hill", home_school=SchoolFactory(region="South West"))
    listed_leader(full_name="Cy Vale", home_school=SchoolFactory(region="London"))

    response = client.get(DIRECTORY, {"region": "London", "q": "hill", "kind": "SLE"})

    assert names_listed(response) == ["Ada Hill"]


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("lovelace", ["Ada Lovelace"]),
        ("riverside", ["Ada Lovelace"]),
        ("phonics", ["Bo Babbage"]),
        ("ada riverside", ["Ada Lovelace"]),
        ("  ", ["Ada Lovelace", "Bo Babbage"]),
        ("ada phonics", []),
    ],
)
def test_it_searches_names_home_schools_and_bios(client, term, expected):
    listed_leader(
        full_name="Ada Lovelace",
        home_school=SchoolFactory(name="Riverside Academy"),
        bio="Curriculum design.",
    )
    listed_leader(full_name="Bo Babbage", bio="Early reading and Phonics for all.")

    assert names_listed(client.get(DIRECTORY, {"q": term})) == expected


@pytest.fixture
def searchable():
    """Leaders as people look for them: by subject, designation, place and name."""
    camden = LocalAuthorityFactory(name="Camden")
    return {
        "maths_sle": listed_leader(
            full_name="Ada Lovelace", kind=Designation.Kind.SLE, areas=["mathematics"]
        ),
        "music_sle": listed_leader(
            full_name="Bo Britten", kind=Designation.Kind.SLE, areas=["music"]
        ),
        "maths_lle": listed_leader(
            full_name="Cy Noether",
            kind=Designation.Kind.LLE,
            areas=["mathematics"],
            home_school=SchoolFactory(name="Primrose Hill Primary School", local_authority=camden),
        ),
        "nle": listed_leader(
            full_name="Owen Price",
            kind=Designation.Kind.NLE,
            home_school=SchoolFactory(local_authority=camden),
        ),
    }


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("maths", ["Ada Lovelace", "Cy Noether"]),
        ("Mathematics", ["Ada Lovelace", "Cy Noether"]),
        ("maths SLE", ["Ada Lovelace"]),
        ("SLE", ["Ada Lovelace", "Bo Britten"]),
        ("specialist leader", ["Ada Lovelace", "Bo Britten"]),
        ("National Leader of Education", ["Owen Price"]),
        ("camden", ["Cy Noether", "Owen Price"]),
        ("Camden maths", ["Cy Noether"]),
        ("primrose hill", ["Cy Noether"]),
        ("music", ["Bo Britten"]),
        ("owen price", ["Owen Price"]),
        ("geography", []),
    ],
)
def test_it_finds_what_people_type(client, searchable, term, expected):
    found = names_listed(client.get(DIRECTORY, {"q": term}))

    # Most relevant first on PostgreSQL; the order is not the point here.
    assert sorted(found) == expected


def test_it_finds_a_name_despite_a_typing_slip(client, searchable):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: names are matched by trigram similarity (pg_trgm)")

    assert names_listed(client.get(DIRECTORY, {"q": "Owen Pryce"})) == ["Owen Price"]
    assert names_listed(client.get(DIRECTORY, {"q": "Lovelase"})) == ["Ada Lovelace"]


def test_it_puts_the_most_relevant_first(client, searchable):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: results are ranked by full-text relevance")
    listed_leader(full_name="Di Maths", kind=Designation.Kind.LLE, bio="Music and art.")

    # A name matching every word comes before a name matching one, and a match in
    # the name before a match in the bio.
    assert names_listed(client.get(DIRECTORY, {"q": "owen price"}))[0] == "Owen Price"
    assert names_listed(client.get(DIRECTORY, {"q": "music"})) == ["Bo Britten", "Di Maths"]


@pytest.mark.parametrize(
    "term",
    ["'", "&|!():*<->", "the of and", "é", "o'brien", "a" * 100, "x " * 50, "sle:* | !", "1 2 3"],
)
def test_it_answers_any_search_without_failing(client, searchable, term):
    response = client.get(DIRECTORY, {"q": term})

    assert response.status_code == 200
    assert 'id="results-count"' in response.content.decode()


def test_it_explains_a_search_it_cannot_read(client, searchable):
    response = client.get(DIRECTORY, {"q": "maths\x00"})

    assert response.status_code == 200
    assert "Some filters were left out" in response.content.decode()


def test_it_shows_the_search_as_it_was_read(client, searchable):
    page = client.get(DIRECTORY, {"q": "  Maths   SLE "}).content.decode()

    assert 'value="maths sle"' in page
    assert names_listed(client.get(DIRECTORY, {"q": "  Maths   SLE "})) == ["Ada Lovelace"]


def test_it_says_when_nothing_matches_and_how_to_widen_the_search(client):
    listed_leader(full_name="Ada Maths", areas=["mathematics"])

    response = client.get(DIRECTORY, {"area": "music", "q": "ada"})
    page = response.content.decode()

    assert response.status_code == 200
    assert names_listed(response) == []
    assert results_count(response) == "0 system leaders found"
    assert "No system leaders match these filters." in page
    assert 'href="/leaders/">clear the filters</a>' in page
    assert 'href="/leaders/">Clear filters</a>' in page


def test_it_shows_no_clear_filters_link_when_nothing_is_filtered(client):
    listed_leader()

    page = client.get(DIRECTORY).content.decode()

    assert "Clear filters" not in page


def test_it_says_when_the_directory_is_empty(client):
    page = client.get(DIRECTORY).content.decode()

    assert "There are no system leaders in the directory yet." in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"kind": "XYZ"}, "We do not recognise that designation"),
        ({"area": "999999"}, "We do not recognise that area of expertise"),
        ({"phase": "university"}, "We do not recognise that phase"),
        ({"local_authority": "abc"}, "No leader in the directory works in that local authority"),
        ({"region": "Atlantis"}, "No leader in the directory works in that region"),
        ({"q": "x" * 101}, "Search for 100 characters or fewer"),
    ],
)
def test_it_explains_an_invalid_filter_and_leaves_it_out(client, query, message):
    listed_leader(full_name="Ada Listed")

    response = client.get(DIRECTORY, query)
    page = response.content.decode()

    assert response.status_code == 200
    assert "Some filters were left out" in page
    assert message in page
    assert "govuk-form-group--error" in page
    assert names_listed(response) == ["Ada Listed"]
    assert page.count("<title>Error: Find a system leader") == 1


def test_it_keeps_the_valid_filters_when_another_is_invalid(client):
    listed_leader(full_name="Ada Specialist", kind=Designation.Kind.SLE)
    listed_leader(full_name="Bo Local", kind=Designation.Kind.LLE)

    response = client.get(DIRECTORY, {"kind": "SLE", "area": "no-such-area"})

    assert names_listed(response) == ["Ada Specialist"]
    assert "We do not recognise that area of expertise" in response.content.decode()


@pytest.mark.parametrize(
    ("page_number", "note"),
    [
        ("abc", "That page number was not recognised, so this is the first page of results."),
        ("0", "That page number was not recognised, so this is the first page of results."),
        ("-1", "That page number was not recognised, so this is the first page of results."),
        ("1" * 5000, "That page number was not recognised, so this is the first page of results."),
        ("1" * 30, "There are not that many pages of results, so this is the last one."),
        ("99", "There are not that many pages of results, so this is the last one."),
        ("", None),
        ("01", None),
    ],
)
def test_it_copes_with_an_invalid_page_number(client, page_number, note):
    listed_leader(full_name="Ada Listed")

    response = client.get(DIRECTORY, {"page": page_number})

    assert response.status_code == 200
    assert names_listed(response) == ["Ada Listed"]
    notes = re.findall(r'id="page-note">([^<]+)<', response.content.decode())
    assert notes == ([note] if note else [])


# Pagination


def test_it_shows_twenty_leaders_a_page(client):
    for number in range(21):
        listed_leader(full_name=f"Leader {number:02}")

    first = client.get(DIRECTORY)
    second = client.get(DIRECTORY, {"page": "2"})

    assert names_listed(first) == [f"Leader {number:02}" for number in range(20)]
    assert names_listed(second) == ["Leader 20"]
    assert results_count(first) == "21 system leaders found, showing 1 to 20"
    assert results_count(second) == "21 system leaders found, showing 21 to 21"
    first_page = first.content.decode()
    assert 'class="govuk-pagination"' in first_page
    assert 'href="?page=2" aria-label="Page 2">2</a>' in first_page
    assert 'href="?page=1" aria-label="Page 1" aria-current="page">1</a>' in first_page
    assert 'href="?page=2" rel="next"' in first_page
    assert 'href="?page=1" rel="prev"' in second.content.decode()


def test_it_keeps_the_filters_in_the_page_links(client):
    for number in range(21):
        listed_leader(full_name=f"Leader {number:02}", kind=Designation.Kind.SLE, areas=["music"])
    listed_leader(full_name="Zed Other", kind=Designation.Kind.LLE, areas=["music"])

    response = client.get(
        DIRECTORY,
        {"kind": "SLE", "area": "music", "phase": "", "q": "leader", "region": "Nowhere"},
    )
    page = response.content.decode()

    assert results_count(response) == "21 system leaders found, showing 1 to 20"
    assert 'href="?q=leader&amp;kind=SLE&amp;area=music&amp;page=2" rel="next"' in page
    assert 'href="?q=leader&amp;kind=SLE&amp;area=music&amp;page=2" aria-label="Page 2"' in page
    assert "Nowhere&" not in page, "an invalid filter is not carried to the next page"
    second = client.get(DIRECTORY, {"kind": "SLE", "area": "music", "q": "leader", "page": "2"})
    assert names_listed(second) == ["Leader 20"]


def test_it_shows_no_pagination_for_a_single_page(client):
    listed_leader()

    assert "govuk-pagination" not in client.get(DIRECTORY).content.decode()


# The leader's page


def test_it_shows_a_leaders_public_page(client):
    camden = LocalAuthorityFactory(code=202, name="Camden")
    school = SchoolFactory(
        name="Riverside Primary", local_authority=camden, phase=phase(Phase.Code.PRIMARY)
    )
    leader = listed_leader(
        full_name="Ada Lovelace",
        job_title="Deputy headteacher",
        home_school=school,
        kind=Designation.Kind.SLE,
        areas=["mathematics", "assessment", "attendance"],
        phases=["primary", "middle"],
        bio="First paragraph about Ada.\n\nSecond paragraph about Ada.",
    )
    DesignationFactory(
        leader=leader, kind=Designation.Kind.LLE, alliance=AllianceFactory(name="Northern Lights")
    )
    designate(leader, Designation.Kind.NLE)
    leader.designations.filter(kind=Designation.Kind.SLE).update(
        alliance=AllianceFactory(name="Camden Teaching School Hub")
    )

    response = client.get(f"/leaders/{leader.pk}/")
    page = response.content.decode()

    assert response.status_code == 200
    assert '<h1 class="govuk-heading-xl">Ada Lovelace</h1>' in page
    assert "Deputy headteacher" in page
    assert "Riverside Primary" in page
    assert re.search(r"Local authority</dt>\s*<dd[^>]*>Camden</dd>", page)
    assert re.search(r"School phase</dt>\s*<dd[^>]*>Primary</dd>", page)
    assert re.search(
        r"Specialist Leader of Education \(SLE\)</td>\s*<td[^>]*>Camden Teaching School Hub", page
    )
    assert re.search(r"Local Leader of Education \(LLE\)</td>\s*<td[^>]*>Northern Lights", page)
    assert re.search(
        r"National Leader of Education \(NLE\)</td>\s*<td[^>]*>Designated nationally", page
    )
    assert '<p class="govuk-body">First paragraph about Ada.</p>' in page
    assert '<p class="govuk-body">Second paragraph about Ada.</p>' in page
    assert "<li>Primary</li><li>Middle</li>" in page.replace("\n", "").replace("  ", "")
    assert 'href="/request-support/"' in page
    assert ">Request support</a>" in page


@pytest.mark.parametrize("pk", ["0", "9223372036854775808", "99999999999999999999"])
def test_an_id_no_leader_can_have_is_not_found(client, pk):
    listed_leader(full_name="Ada Listed")

    assert client.get(f"/leaders/{pk}/").status_code == 404


def test_it_groups_the_areas_of_expertise_on_a_leaders_page(client):
    leader = listed_leader(areas=["attendance", "mathematics", "assessment", "music"])

    page = client.get(f"/leaders/{leader.pk}/").content.decode()
    flat = re.sub(r"\s+", " ", page)

    leadership = flat.index(">Leadership</h3>")
    subjects = flat.index(">Pupil achievement and subjects</h3>")
    behaviour = flat.index(">Behaviour and safety</h3>")
    assert leadership < flat.index("<li>Assessment</li>") < subjects
    assert subjects < flat.index("<li>Mathematics</li>") < flat.index("<li>Music</li>") < behaviour
    assert behaviour < flat.index("<li>Attendance</li>")


def test_it_links_each_listed_leader_to_their_page(client):
    leader = listed_leader(full_name="Ada Linked")

    page = client.get(DIRECTORY).content.decode()

    assert f'<a class="govuk-link" href="/leaders/{leader.pk}/">Ada Linked</a>' in page


def test_it_answers_not_found_for_a_leader_without_consent(client):
    leader = listed_leader(public_profile_consent=False)

    assert client.get(f"/leaders/{leader.pk}/").status_code == 404


@pytest.mark.parametrize("status", [Designation.Status.LAPSED, Designation.Status.WITHDRAWN])
def test_it_answers_not_found_for_a_leader_without_an_active_designation(client, status):
    leader = LeaderFactory(public_profile_consent=True)
    designate(leader, Designation.Kind.SLE, status=status)

    assert client.get(f"/leaders/{leader.pk}/").status_code == 404


def test_it_answers_not_found_for_an_unknown_leader(client):
    assert client.get("/leaders/999999/").status_code == 404
    assert client.get("/leaders/abc/").status_code == 404


def test_it_escapes_what_a_leader_wrote(client):
    leader = listed_leader(full_name="Ada <b>Bold</b>", bio="<script>alert(1)</script>")

    for url in (DIRECTORY, f"/leaders/{leader.pk}/"):
        page = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in page
        assert "<b>Bold</b>" not in page


# Query budget


def populate(count):
    areas = list(AreaOfExpertise.objects.order_by("pk")[:6])
    phases = list(Phase.objects.all())
    leaders = []
    for number in range(count):
        leader = listed_leader(
            full_name=f"Leader {number:03}",
            kind=Designation.Kind.SLE,
            phases=[phases[number % len(phases)].code, phases[(number + 1) % len(phases)].code],
            home_school=SchoolFactory(local_authority=LocalAuthorityFactory(code=300 + number)),
        )
        designate(leader, Designation.Kind.NLE)
        designate(leader, Designation.Kind.LLE, status=Designation.Status.LAPSED)
        leader.areas_of_expertise.set(areas[number % 3 : number % 3 + 3])
        leaders.append(leader)
    return leaders


def queries_for(client, url, query=None):
    """Queries for one page view, with nothing cached (the worst case)."""
    for each in caches.all():
        each.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, query or {})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"kind": "SLE", "phase": "primary", "q": "leader"},
        {"area": "no-such-area"},
        {"q": "national leader 00"},
    ],
)
def test_it_uses_the_same_number_of_queries_whatever_the_number_of_leaders(client, query):
    small = populate(3)
    counts_small = (
        queries_for(client, DIRECTORY, query),
        queries_for(client, f"/leaders/{small[0].pk}/"),
    )
    large = populate(22)
    counts_large = (
        queries_for(client, DIRECTORY, query),
        queries_for(client, f"/leaders/{large[-1].pk}/"),
    )

    assert counts_small == counts_large
    assert counts_small[0] <= 10
    assert counts_small[1] <= 4


def test_it_serves_a_page_seen_before_from_the_cache(client):
    populate(3)
    cold = queries_for(client, DIRECTORY)

    with CaptureQueriesContext(connection) as again:
        client.get(DIRECTORY)
    with CaptureQueriesContext(connection) as other_page:
        client.get(DIRECTORY, {"kind": "SLE"})

    assert len(again) == 0
    # Where leaders work, and the areas and phases to choose from, are remembered
    # across pages too.
    assert len(other_page) == cold - 3


def rewrite_bio(leader):
    leader.bio = "Maths and science lead."
    leader.save()
    return "Maths and science lead."


def add_expertise(leader):
    leader.areas_of_expertise.add(AreaOfExpertise.objects.get(slug="science"))
    return "Science"


def designate_nationally(leader):
    designate(leader, Designation.Kind.NLE)
    return "National Leader of Education"


def rename_school(leader):
    leader.home_school.name = "Oakfield Primary Academy"
    leader.home_school.save()
    return "Oakfield Primary Academy"


def add_phase(leader):
    leader.phases.add(Phase.objects.get(code="16-plus"))
    return "16 plus"


def rename_phase(leader):
    leader.phases.add(Phase.objects.get(code="primary"))
    primary = Phase.objects.get(code="primary")
    primary.name = "Primary (4 to 11)"
    primary.save()
    return "Primary (4 to 11)"


@pytest.mark.parametrize(
    "change",
    [rewrite_bio, add_expertise, designate_nationally, rename_school, add_phase, rename_phase],
)
def test_a_change_to_what_the_directory_shows_appears_at_once(
    client, change, django_capture_on_commit_callbacks
):
    leader = listed_leader(full_name="Amira Khan", bio="Maths lead.")
    client.get(DIRECTORY)

    with django_capture_on_commit_callbacks(execute=True) as after_commit:
        expected = change(leader)

    results = client.get(DIRECTORY).content.decode().split('id="results"', 1)[1]
    assert expected in results
    # Forgotten again once the change commits, in case a visitor cached old rows meanwhile.
    assert after_commit


def test_a_lapsed_designation_takes_the_leader_out_once_saved(client):
    leader = listed_leader(full_name="Amira Khan")
    assert names_listed(client.get(DIRECTORY)) == ["Amira Khan"]

    leader.designations.update(status=Designation.Status.LAPSED)  # a bulk update: no signal
    assert names_listed(client.get(DIRECTORY)) == ["Amira Khan"]  # kept for up to a minute
    leader.designations.get().save()

    assert names_listed(client.get(DIRECTORY)) == []


def test_the_same_filter_given_twice_is_read_as_the_form_reads_it(client):
    listed_leader(full_name="Amira Khan", kind=Designation.Kind.SLE)

    assert names_listed(client.get(f"{DIRECTORY}?kind=NLE&kind=SLE")) == ["Amira Khan"]
    assert names_listed(client.get(f"{DIRECTORY}?kind=SLE&kind=NLE")) == []


def queries_to_open(client, query):
    with CaptureQueriesContext(connection) as queries:
        client.get(DIRECTORY, query)
    return len(queries)


def test_unknown_parameters_share_the_page(client):
    listed_leader(full_name="Amira Khan")
    queries_to_open(client, {"utm_source": "mail-1"})

    assert queries_to_open(client, {"utm_source": "mail-2"}) == 0


def test_searches_are_kept_too(client):
    listed_leader(full_name="Amira Khan")

    assert queries_to_open(client, {"q": "amira"}) > 0
    assert queries_to_open(client, {"q": "amira"}) == 0
    assert names_listed(client.get(DIRECTORY, {"q": "amira"})) == ["Amira Khan"]


@pytest.mark.parametrize(
    ("first", "same"),
    [
        ("?page=1", "?page=01"),
        ("?page=1", "?page=+1"),
        ("?page=1", "?page="),
        ("", "?page=1"),
        ("?page=2&kind=SLE", "?kind=SLE&page=02"),
        ("?q=Amira+Khan", "?q=++amira%20%20KHAN+"),
        ("?q=amira&page=1", "?page=1&q=AMIRA&utm_source=mail"),
        ("?kind=XYZ", "?kind=ABC"),
        ("?page=abc", "?page=-1"),
    ],
)
def test_equivalent_addresses_share_one_cached_page(client, first, same):
    listed_leader(full_name="Amira Khan")
    queries_to_open(client, {})  # the filters' choices, remembered across pages
    first_page = client.get(f"{DIRECTORY}{first}").content

    with CaptureQueriesContext(connection) as queries:
        same_page = client.get(f"{DIRECTORY}{same}").content

    assert len(queries) == 0
    assert same_page == first_page


@pytest.mark.parametrize(
    ("first", "other"),
    [
        ("?q=amira", "?q=khan"),
        ("?q=amira", "?q=amira&page=2"),
        ("?q=amira", "?q=amira&kind=SLE"),
        ("?kind=SLE", "?kind=XYZ"),
        ("", "?page=abc"),
        ("?q=" + "a" * 101, "?q=" + "b" * 101),  # both refused, but each box shows its own
    ],
)
def test_different_pages_are_kept_apart(client, first, other):
    listed_leader(full_name="Amira Khan")
    client.get(f"{DIRECTORY}{first}")

    with CaptureQueriesContext(connection) as queries:
        client.get(f"{DIRECTORY}{other}")

    assert len(queries) > 0


def test_an_import_of_the_register_refreshes_the_directory(client):
    leader = listed_leader(full_name="Amira Khan")
    client.get(DIRECTORY)
    School.objects.filter(pk=leader.home_school_id).update(name="Renamed by the import")

    before = client.get(DIRECTORY).content.decode().split('id="results"', 1)[1]
    register_imported.send(sender=None, result=None)
    after = client.get(DIRECTORY).content.decode().split('id="results"', 1)[1]

    assert "Renamed by the import" not in before
    assert "Renamed by the import" in after


def test_pages_are_kept_apart_from_the_rate_limit_counters(client):
    listed_leader(full_name="Amira Khan")
    caches["default"].set("rate:request-support:192.0.2.1:1", 3)

    client.get(DIRECTORY)

    assert caches["pages"] is not caches["default"]
    page_keys = [key for key in caches["pages"]._cache if "directory:page" in key]
    assert page_keys
    assert not [key for key in caches["default"]._cache if "directory:page" in key]
    caches["pages"].clear()
    assert caches["default"].get("rate:request-support:192.0.2.1:1") == 3


def test_withdrawn_consent_leaves_every_workers_pages_at_once(client, monkeypatch):
    """Each worker may keep its pages in its own cache; the version they are kept
    under is in the shared default cache, so one save hides them everywhere."""
    from django.core.cache.backends.locmem import LocMemCache

    import leaders.views

    leader = listed_leader(full_name="Amira Khan")
    worker_a = LocMemCache("worker-a", {})
    worker_b = LocMemCache("worker-b", {})
    monkeypatch.setattr(leaders.views, "page_cache", worker_a)
    assert names_listed(client.get(DIRECTORY)) == ["Amira Khan"]  # worker A keeps the page
    monkeypatch.setattr(leaders.views, "page_cache", worker_b)

    leader.public_profile_consent = False
    leader.save()  # on worker B

    monkeypatch.setattr(leaders.views, "page_cache", worker_a)
    assert names_listed(client.get(DIRECTORY)) == []


def test_a_leader_leaving_the_directory_disappears_at_once(client):
    leader = listed_leader(full_name="Amira Khan")
    assert names_listed(client.get(DIRECTORY)) == ["Amira Khan"]

    leader.public_profile_consent = False
    leader.save()

    assert names_listed(client.get(DIRECTORY)) == []


def test_the_cached_page_keeps_each_visitors_own_header(client):
    listed_leader(full_name="Amira Khan")
    client.get(DIRECTORY)
    signed_in = LeaderFactory(user=UserFactory())
    client.force_login(signed_in.user)

    page = client.get(DIRECTORY).content.decode()

    assert "Amira Khan" in page
    assert 'href="/my/">Your work' in page


def test_its_fast_select_writes_the_same_html_as_djangos():
    choices = [("", "Anywhere"), ("Group", [("a", "A & B"), ("b", "<B>")]), ("202", "Camden")]
    attrs = {"id": "id_place", "class": "govuk-select"}

    ours = PlainSelect(choices=choices).render("place", "b", attrs)
    djangos = forms.Select(choices=choices).render("place", "b", attrs)

    assert parse_html(ours) == parse_html(djangos)


def test_each_result_links_to_its_leaders_page_as_reverse_gives_it(client):
    from django.urls import reverse, set_script_prefix

    from alliance_portal.pages.context_processors import leader_url

    leaders = [listed_leader(full_name=name) for name in ("Amira Khan", "Owen Price")]
    page = client.get(DIRECTORY).content.decode()

    for leader in leaders:
        assert f'href="{reverse("leaders:detail", args=[leader.pk])}">{leader.full_name}' in page
    try:
        set_script_prefix("/portal/")
        assert leader_url(leaders[0].pk) == reverse("leaders:detail", args=[leaders[0].pk])
        assert leader_url(leaders[0].pk).startswith("/portal/leaders/")
    finally:
        set_script_prefix("/")
