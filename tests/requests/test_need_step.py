"""The need step: the topics in groups, the box that opens for "Something else", the days box."""

import re

import pytest
from django.test.html import parse_html

from leaders.models import AreaOfExpertise
from tests.requests.test_journey import need_answers

pytestmark = pytest.mark.django_db

NEED = "/request-support/need/"


def topics_by_group(page):
    """{group heading: [topic, ...]} in the order the page shows them."""
    areas = page.split('id="div_id_areas_of_expertise"', 1)[1].split('id="div_id_designation', 1)[0]
    groups = {}
    for section in areas.split("govuk-fieldset__legend--s")[1:]:
        heading = re.search(r">([^<]+)</legend>", section).group(1)
        groups[heading] = re.findall(
            r'govuk-checkboxes__label" for="[^"]+">([^<]+)</label>', section
        )
    return groups


def test_it_shows_the_topics_under_their_group_a_to_z_within_each(client):
    groups = topics_by_group(client.get(NEED).content.decode())

    assert list(groups) == ["Leadership", "Pupil achievement and subjects", "Behaviour and safety"]
    for topics in groups.values():
        assert topics == sorted(topics, key=str.casefold)
    assert groups["Behaviour and safety"] == ["Attendance", "Behaviour and discipline"]
    assert groups["Leadership"][:2] == ["Academy transition", "Assessment"]
    assert "Mathematics" in groups["Pupil achievement and subjects"]
    assert sum(len(topics) for topics in groups.values()) == AreaOfExpertise.objects.count()


def test_it_numbers_the_topics_across_groups_so_each_has_its_own_id(client):
    page = client.get(NEED).content.decode()

    ids = re.findall(r'id="(id_areas_of_expertise_\d+)"', page)
    assert ids == [
        f"id_areas_of_expertise_{n}" for n in range(1, AreaOfExpertise.objects.count() + 1)
    ]


def test_it_keeps_the_topics_ticked_when_the_answers_need_fixing(client):
    maths = AreaOfExpertise.objects.get(slug="mathematics")
    music = AreaOfExpertise.objects.get(slug="music")

    page = client.post(
        NEED, need_answers(areas_of_expertise=[maths.pk, music.pk], outcomes_sought="")
    )

    checked = re.findall(r'value="(\d+)" checked', page.content.decode())
    assert sorted(checked) == sorted([str(maths.pk), str(music.pk)])


def something_else(page):
    """The "Something else" box and what it reveals."""
    box = re.search(r'<input[^>]*value="other"[^>]*>', page).group(0)
    reveal = re.search(r'<div class="(govuk-checkboxes__conditional[^"]*)" id="([^"]+)">', page)
    return box, reveal.group(1).split(), reveal.group(2)


def test_the_something_else_box_controls_the_question_beneath_it(client):
    page = client.get(NEED).content.decode()

    box, classes, reveal_id = something_else(page)
    assert f'data-aria-controls="{reveal_id}"' in box
    # Hidden until ticked, but only once GOV.UK Frontend's script runs: the stylesheet
    # hides it under .govuk-frontend-supported, so without JavaScript it shows.
    assert classes == ["govuk-checkboxes__conditional", "govuk-checkboxes__conditional--hidden"]
    reveal = page.split(f'id="{reveal_id}">', 1)[1]
    assert reveal.index('id="id_other_circumstances"') < reveal.index("</fieldset>")
    assert page.count('id="id_other_circumstances"') == 1


def test_the_question_stays_open_when_something_else_is_ticked(client):
    response = client.post(NEED, need_answers(circumstances=["other"], other_circumstances=""))
    page = response.content.decode()

    box, classes, _reveal_id = something_else(page)
    assert "checked" in box
    assert classes == ["govuk-checkboxes__conditional"]
    assert "Tell us about the other circumstances you selected" in page
    assert 'href="#id_other_circumstances"' in page


def test_it_saves_what_something_else_says(client):
    response = client.post(
        NEED, need_answers(circumstances=["other"], other_circumstances="A flood closed the hall.")
    )

    assert response.status_code == 302
    stored = client.session["support_request_draft"]["need"]
    assert stored["other_circumstances"] == ["A flood closed the hall."]


def days_box(page):
    group = page.split('id="div_id_estimated_days"', 1)[1].split('id="div_id_funding"', 1)[0]
    return group


def test_the_days_box_is_a_short_number_box_with_its_unit(client):
    group = days_box(client.get(NEED).content.decode())

    field = re.search(r'<input[^>]*name="estimated_days"[^>]*>', group).group(0)
    assert parse_html(field) == parse_html(
        '<input type="text" name="estimated_days" inputmode="decimal" spellcheck="false" '
        'class="govuk-input govuk-input--width-4" aria-describedby="id_estimated_days_hint" '
        'id="id_estimated_days">'
    )
    assert '<div class="govuk-input__wrapper">' in group
    assert '<div class="govuk-input__suffix" aria-hidden="true">days</div>' in group
    assert 'id="id_estimated_days_hint" class="govuk-hint">Optional. Half days are fine' in group
    assert '<label class="govuk-label" for="id_estimated_days">' in group


def test_the_days_box_shows_its_error_and_keeps_what_was_typed(client):
    group = days_box(client.post(NEED, need_answers(estimated_days="7.3")).content.decode())

    assert "govuk-form-group--error" in group
    assert "govuk-input--error" in group
    assert 'value="7.3"' in group
    assert 'aria-describedby="id_estimated_days_hint id_estimated_days_1_error"' in group
    assert (
        '<span class="govuk-visually-hidden">Error:</span> Enter whole or half days, like 10 or 7.5'
        in group
    )
