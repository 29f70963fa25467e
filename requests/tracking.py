"""Private tracking links: a school follows its request without an account.

The link carries the request's id signed with the secret key, so it cannot be
guessed or altered. It stops working `TRACKING_LINK_DAYS_AFTER_END` days after
the request reaches a final state: closed, evaluated, or completed (a school
that never sends its evaluation keeps its link no longer than one that does).
"""

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from .models import SupportRequest

SALT = "support-requests.tracking"
# The states after which nothing more happens for the school to follow.
FINAL_STATUSES = (*SupportRequest.CLOSED_STATUSES, SupportRequest.Status.COMPLETED)


def lifetime_after_end():
    return datetime.timedelta(days=settings.TRACKING_LINK_DAYS_AFTER_END)


def link_ends_at(support_request):
    """When the request's tracking link stops working, or None while it is still open."""
    if support_request.status not in FINAL_STATUSES:
        return None
    closed = support_request.status in SupportRequest.CLOSED_STATUSES
    ended = support_request.closed_at if closed and support_request.closed_at else None
    return (ended or support_request.status_changed_at) + lifetime_after_end()


class LinkExpired(Exception):
    """The request closed long enough ago that its tracking link no longer works."""


def tracking_token(support_request):
    return signing.dumps(support_request.pk, salt=SALT)


def tracking_url(support_request):
    """The absolute link for emails."""
    path = reverse("requests:track", args=[tracking_token(support_request)])
    return f"{settings.SITE_URL}{path}"


def request_for_token(token):
    """The request a token names. Raises BadSignature when tampered, LinkExpired when too old."""
    pk = signing.loads(token, salt=SALT)
    support_request = SupportRequest.objects.select_related("school", "alliance").get(pk=pk)
    ends_at = link_ends_at(support_request)
    if ends_at is not None and timezone.now() > ends_at:
        raise LinkExpired(support_request.reference)
    return support_request
