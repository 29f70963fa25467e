"""What every log line carries, and what none may.

Each line names the request it was written during (`request_id`) and the
signed-in user's primary key (`user_id`), never their email or name. Before a
line is written, email addresses and the secrets in the portal's private
links (tracking, evaluation, calendar, reset and invitation links) are masked,
wherever in the line they appear: in the message, in an exception's text or in
an extra field.

Nothing here imports Django, so gunicorn's master process can use it too
(`alliance_portal.ops.gunicorn_logger`).
"""

import contextvars
import datetime
import logging
import re

from pythonjsonlogger.json import JsonFormatter

# The request being answered in this thread (set by ops.middleware.RequestIdMiddleware):
# anything with `request_id` and `user_id` attributes, or None between requests.
current_request = contextvars.ContextVar("current_request", default=None)
# Where gunicorn's access log (ops.gunicorn_logger) finds them: the request's WSGI environ.
ENVIRON_REQUEST_ID = "alliance_portal.request_id"
ENVIRON_USER_ID = "alliance_portal.user_id"

EMAIL_ADDRESS = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
_SEGMENT = r"[^/\s\"'?#<>\\]+"
# Private links: the part of the path that works as a password is replaced.
PRIVATE_LINKS = [
    (re.compile(rf"(/track/){_SEGMENT}"), r"\1[token]"),
    (re.compile(rf"(/feedback/){_SEGMENT}"), r"\1[token]"),
    (re.compile(rf"(/calendar/){_SEGMENT}(\.ics)"), r"\1[token]\2"),
    (
        # /accounts/password/reset/<uidb64>/<token>/ and /accounts/invitation/<uidb64>/<token>/
        # (not .../reset/sent/ or .../reset/complete/, which have one segment).
        re.compile(rf"(/accounts/(?:password/reset|invitation)/){_SEGMENT}/{_SEGMENT}"),
        r"\1[token]/[token]",
    ),
]
# Query-string parameters whose value may be a secret or a person's details.
PRIVATE_PARAMETER = re.compile(
    r"([?&](?:[\w-]*(?:token|key|sig|secret|passw|email|code|uid)[\w-]*|q)=)[^&\s\"'#\\]*",
    re.IGNORECASE,
)
# Any other path segment that looks like a secret: long, unbroken, with a digit in it.
SECRET_LOOKING_SEGMENT = re.compile(r"^(?=[^/]*\d)[A-Za-z0-9_:-]{32,}$")


def mask_private_text(text: str) -> str:
    """`text` with email addresses and private links' secrets masked."""
    if not isinstance(text, str):
        return text
    text = EMAIL_ADDRESS.sub("[email]", text)
    for pattern, replacement in PRIVATE_LINKS:
        text = pattern.sub(replacement, text)
    return PRIVATE_PARAMETER.sub(r"\1[masked]", text)


def loggable_path(path: str) -> str:
    """A request's path as a log may show it: no query string, no secrets."""
    path = (path or "").split("?", 1)[0].split("#", 1)[0]
    path = "/".join(
        "[token]" if SECRET_LOOKING_SEGMENT.match(segment) else segment
        for segment in path.split("/")
    )
    return mask_private_text(path)


class RequestContextFilter(logging.Filter):
    """Adds `request_id` and `user_id` (a pk, or None) to every record a handler writes."""

    def filter(self, record):
        request = current_request.get()
        if not hasattr(record, "request_id"):
            record.request_id = getattr(request, "request_id", None)
        if not hasattr(record, "user_id"):
            record.user_id = getattr(request, "user_id", None)
        return True


class PortalJsonFormatter(JsonFormatter):
    """One JSON object a line: time, level, logger, message, request_id, user_id and any extras.

    Django's request logger passes the request object itself: only its path is kept.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "fmt", ["levelname", "name", "message", "request_id", "user_id", "process"]
        )
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault(
            "rename_fields", {"levelname": "level", "name": "logger", "process": "pid"}
        )
        super().__init__(*args, **kwargs)

    def process_log_record(self, log_data):
        request = log_data.pop("request", None)
        if request is not None and hasattr(request, "path"):
            log_data["path"] = loggable_path(request.path)
        ordered = {"time": log_data.pop("time", None), **log_data}
        return {key: _masked(value) for key, value in ordered.items()}


def _masked(value):
    """A value fit for a log: strings masked, anything else JSON cannot hold as text, masked."""
    if value is None or isinstance(value, bool | int | float | datetime.datetime):
        return value
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(item) for item in value]
    return mask_private_text(str(value))


class PortalTextFormatter(logging.Formatter):
    """Readable lines for development, masked the same way."""

    def format(self, record):
        return mask_private_text(super().format(record))
