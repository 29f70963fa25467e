"""Private tracking links: a school follows its request without an account.

The link carries the request's id signed with the secret key, so it cannot be
guessed or altered. It stops working a while after the request closes.
"""

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from .models import SupportRequest

SALT = "support-requests.tracking"
LIFETIME_AFTER_CLOSING = datetime.timedelta(days=30)


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
    closed_at = support_request.closed_at
    if closed_at and timezone.now() > closed_at + LIFETIME_AFTER_CLOSING:
        raise LinkExpired(support_request.reference)
    return support_request
