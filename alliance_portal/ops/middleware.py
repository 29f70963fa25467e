"""Each request gets an id: on its response (`X-Request-ID`) and on every log line written for it.

A proxy in front may send its own id in `X-Request-ID`; it is kept when it is a
plain token (letters, digits, `.`, `_`, `-`, 8 to 64 characters), so the
proxy's log and ours name the same request. Anything else is replaced by a new
random id: a client cannot put arbitrary text into our logs.
"""

import re
import uuid

from django.core.signals import request_finished
from django.utils.functional import empty

from .logs import ENVIRON_REQUEST_ID, ENVIRON_USER_ID, current_request

REQUEST_ID_HEADER = "X-Request-ID"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,63}")


def request_id_for(incoming):
    if incoming and SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestLogContext:
    """What the log filter reads while a request is answered."""

    def __init__(self, request, request_id):
        self.request = request
        self.request_id = request_id

    @property
    def user_id(self):
        """The signed-in user's pk, once the request has looked the user up (never a query here:
        a log line may be written because the database is failing)."""
        user = self.request.__dict__.get("user")
        if user is None or getattr(user, "_wrapped", None) is empty:
            return None
        return user.pk if user.is_authenticated else None


class RequestIdMiddleware:
    """First in MIDDLEWARE, so that every response and every log line has the id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_for(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        context = RequestLogContext(request, request_id)
        # Not reset on the way out: Django logs a 4xx or 5xx answer after the middleware has
        # returned. `clear_request_context` clears it when the response is closed.
        current_request.set(context)
        request.META[ENVIRON_REQUEST_ID] = request_id
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        request.META[ENVIRON_USER_ID] = context.user_id
        return response


def clear_request_context(**kwargs):
    current_request.set(None)


request_finished.connect(clear_request_context, dispatch_uid="alliance_portal.ops.request_context")
