"""The accessibility statement follows the GOV.UK model statement and tells the truth."""

import re

import pytest

from tests.factories import AllianceFactory

pytestmark = pytest.mark.django_db


def statement(client):
    response = client.get("/accessibility/")
    assert response.status_code == 200
    return response.content.decode()


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_it_has_each_part_of_the_model_statement(client):
    headings = re.findall(r'<h[23] class="govuk-heading-[lm]">([^<]+)</h[23]>', statement(client))

    assert headings == [
        "How accessible the portal is",
        "Feedback and contact information",
        "Reporting accessibility problems with this website",
        "Enforcement procedure",
        "Technical information about this website's accessibility",
        "Compliance status",
        "Non-accessible content",
        "Non-compliance with the accessibility regulations",
        "Parts we have not fully tested",
        "Disproportionate burden",
        "Content that's not within the scope of the accessibility regulations",
        "What we're doing to improve accessibility",
        "Preparation of this accessibility statement",
    ]


def test_it_says_what_it_covers_and_who_runs_it(client):
    AllianceFactory(name="Riverside Teaching Hub")
    AllianceFactory(name="North London Hub")

    text = text_of(statement(client))

    assert "the administration area that coordinators use to broker support" in text
    assert (
        "run by the teaching school alliances and hubs that use it: North London Hub and Riverside Teaching Hub."
        in text
    )


def test_it_is_honest_about_the_status_and_what_fails(client):
    text = text_of(statement(client))

    assert (
        "partially compliant with the Web Content Accessibility Guidelines version 2.2 AA" in text
    )
    assert "2.2.1 (Timing adjustable)" in text
    assert "by 31 March 2027" in text
    assert "needs JavaScript" in text
    # The old statement claimed the whole portal worked without JavaScript.
    assert "use the site without JavaScript" not in text


def test_it_gives_the_enforcement_procedure_and_its_dates(client):
    html = statement(client)
    text = text_of(html)

    assert 'href="https://www.equalityadvisoryservice.com/"' in html
    assert "Equality and Human Rights Commission (EHRC) is responsible for enforcing" in text
    assert "This statement was prepared on 2 December 2026." in text
    assert "The portal was last tested on 2 December 2026" in text


def test_its_session_figures_are_the_ones_the_portal_applies(client, settings):
    settings.SESSION_LIMITS = {**settings.SESSION_LIMITS, "staff": (20 * 60, 8 * 3600)}
    settings.SESSION_WARNING_SECONDS = 180

    text = text_of(statement(client))

    assert "session ends after 8 hours in all" in text
    assert "The portal warns 3 minutes before" in text
    assert "The 20-minute limit without activity can be extended" in text
