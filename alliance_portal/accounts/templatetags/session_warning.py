"""The admin's warning before a staff session signs out (WCAG 2.2.1, timing adjustable)."""

from django import template
from django.conf import settings

from alliance_portal.middleware import SessionLimitsMiddleware, session_seconds_left

register = template.Library()


@register.inclusion_tag("accounts/_session_warning.html", takes_context=True)
def session_warning(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    # This request is activity itself: count it before saying how long is left (the
    # middleware would record it only after the page is drawn).
    SessionLimitsMiddleware.record_activity(request)
    seconds_left, can_extend = session_seconds_left(request)
    return {
        "show": True,
        "seconds_left": seconds_left,
        "can_extend": can_extend,
        "warn_before": settings.SESSION_WARNING_SECONDS,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
