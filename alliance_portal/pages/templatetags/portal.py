import re

from django import forms, template
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from alliance_portal.pages import submissions
from alliance_portal.pages.formats import days_text, plain_number

register = template.Library()


@register.filter
def paragraphs(text):
    """Plain text with blank lines between paragraphs, as GOV.UK body paragraphs."""
    parts = [part.strip() for part in re.split(r"\n\s*\n", text or "") if part.strip()]
    return format_html_join("\n", '<p class="govuk-body">{}</p>', ((part,) for part in parts))


@register.simple_tag(takes_context=True)
def nav_item(context, href, label):
    """A service navigation link, marked current when the visitor is in its section."""
    request = context.get("request")
    if request is None or not request.path.startswith(href):
        return format_html(
            '<li class="govuk-service-navigation__item">'
            '<a class="govuk-service-navigation__link" href="{}">{}</a></li>',
            href,
            label,
        )
    return format_html(
        '<li class="govuk-service-navigation__item govuk-service-navigation__item--active">'
        '<a class="govuk-service-navigation__link" href="{}" aria-current="page">'
        '<strong class="govuk-service-navigation__active-fallback">{}</strong></a></li>',
        href,
        label,
    )


@register.filter
def hours(value):
    """A number of hours as a person writes it: 3.5, 2.25, 10 (no trailing zeros)."""
    if value in (None, ""):
        return ""
    return plain_number(value)


@register.filter
def days(value):
    """A number of days in words: "1 day", "3 days", "2.5 days"."""
    return days_text(value)


@register.filter
def when(moment):
    """A moment as people write it: "1 December 2026, 8:28pm" (local time)."""
    if not moment:
        return ""
    local = timezone.localtime(moment)
    hour = local.hour % 12 or 12
    return f"{local.day} {local:%B %Y}, {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


@register.filter
def error_anchor(bound_field, field_id):
    """Where an error summary link should go: the first input of a radio or checkbox group.

    crispy-forms-gds numbers a group's inputs from 1 and gives the group itself
    no id, so a link to the field's own id would lead nowhere.
    """
    widget = bound_field.field.widget
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return f"{field_id}_1"
    return field_id


@register.simple_tag
def submission_key():
    """The hidden one-time key of a final step's form (alliance_portal.pages.submissions)."""
    return format_html(
        '<input type="hidden" name="{}" value="{}">', submissions.FIELD_NAME, submissions.new_key()
    )


@register.filter
def as_strings(value):
    """A field's chosen values as strings, whatever form they came in: one value or a list of
    numbers or strings (as posted), or nothing."""
    if value is None:
        return set()
    values = value if isinstance(value, list | tuple | set) else [value]
    return {str(each) for each in values}
