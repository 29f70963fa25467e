import re

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()


@register.filter
def paragraphs(text):
    """Plain text with blank lines between paragraphs, as GOV.UK body paragraphs."""
    parts = [part.strip() for part in re.split(r"\n\s*\n", text or "") if part.strip()]
    return format_html_join("\n", '<p class="govuk-body">{}</p>', ((part,) for part in parts))


@register.simple_tag
def active_if(request, prefix):
    """aria-current for navigation links to the section the visitor is in."""
    if request.path.startswith(prefix):
        return format_html('aria-current="page"')
    return ""
