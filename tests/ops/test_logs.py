"""Log lines: JSON in production, each naming its request and user by id, and no personal data."""

import io
import json
import logging
import re

import pytest
from django.core import signing

from requests.tracking import SALT as TRACKING_SALT
from tests.factories import UserFactory
from tests.test_settings import PRODUCTION, run_manage

EMAIL = "jo.bloggs@example.org"
PRIVATE_LINK = f"/track/{signing.dumps(4321, salt=TRACKING_SALT)}/"


@pytest.fixture
def json_log():
    """The production formatter and filter on the root logger, writing into a buffer."""
    from alliance_portal.ops.logs import PortalJsonFormatter, RequestContextFilter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(PortalJsonFormatter())
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(previous_level)


def lines(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_production_settings_write_the_portals_log_as_json_without_email_addresses():
    # A view that logs a failed email while a signed-in user's request is answered,
    # through the production settings' middleware, filter and formatter.
    script = f"""
import logging
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.module_loading import import_string
from alliance_portal.accounts.models import User

def view(request):
    logging.getLogger("alliance_portal.notifications").error(
        "Could not send to %s: 550 mailbox unavailable", "{EMAIL}", extra={{"to": ["{EMAIL}"]}}
    )
    return HttpResponse("sent")

middleware = import_string(settings.MIDDLEWARE[0])(view)
request = RequestFactory().get("/", secure=True, HTTP_HOST="portal.example.org")
request.user = User(pk=42, email="{EMAIL}", full_name="Jo Bloggs")
response = middleware(request)
print("X-Request-ID:", response.headers.get("X-Request-ID"))
"""
    result = run_manage("shell", "--no-imports", "-c", script, **PRODUCTION)

    assert result.returncode == 0, result.stderr
    request_id = re.search(r"X-Request-ID: (\S+)", result.stdout).group(1)
    logged = [json.loads(line) for line in result.stderr.splitlines()]
    [line] = [each for each in logged if each["logger"] == "alliance_portal.notifications"]
    assert line["level"] == "ERROR"
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", line["time"])
    assert line["request_id"] == request_id
    assert line["user_id"] == 42
    assert line["message"] == "Could not send to [email]: 550 mailbox unavailable"
    assert line["to"] == ["[email]"]
    assert "@" not in result.stderr
    assert "Bloggs" not in result.stderr


def test_development_logs_stay_readable_lines():
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        f"import logging; logging.getLogger('alliance_portal.notifications').warning('No answer from {EMAIL}')",
        DEBUG="true",
    )

    assert result.returncode == 0, result.stderr
    assert "WARNING alliance_portal.notifications: No answer from [email]" in result.stderr
    assert not result.stderr.lstrip().startswith("{")


@pytest.mark.django_db
def test_it_names_the_request_and_the_signed_in_user_by_id_only(client, json_log):
    user = UserFactory(email=EMAIL, full_name="Jo Bloggs")
    client.force_login(user)

    response = client.get("/my/deployments/999999/")

    assert response.status_code == 404
    request_id = response.headers["X-Request-ID"]
    [line] = [each for each in lines(json_log) if each["logger"] == "django.request"]
    assert line["request_id"] == request_id
    assert line["user_id"] == user.pk
    assert line["path"] == "/my/deployments/999999/"
    assert EMAIL not in json_log.getvalue()
    assert "Bloggs" not in json_log.getvalue()


@pytest.mark.django_db
def test_a_private_links_secret_never_reaches_the_log(client, json_log):
    response = client.get(PRIVATE_LINK)

    assert response.status_code == 404
    secret = PRIVATE_LINK.split("/")[2]
    assert secret not in json_log.getvalue()
    [line] = [each for each in lines(json_log) if each["logger"] == "django.request"]
    assert line["message"] == "Not Found: /track/[token]/"


@pytest.mark.django_db
def test_lines_written_after_the_request_carry_no_request_id(client, json_log):
    client.get("/healthz/")

    logging.getLogger("alliance_portal.notifications").warning("Between requests.")

    assert lines(json_log)[-1]["request_id"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("3f2c9a7e-5b1d-4e8f-a6c0-2d9b7e1f4a3c", True),
        ("req.20261201.0001", True),
        (EMAIL, False),
        ("short", False),
        ("x" * 65, False),
        ("bad id with spaces", False),
        ("", False),
    ],
)
def test_it_answers_with_the_request_id_keeping_only_a_sane_incoming_one(client, incoming, kept):
    response = client.get("/healthz/", headers={"X-Request-ID": incoming})

    if kept:
        assert response.headers["X-Request-ID"] == incoming
    else:
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/track/NQ:1tYz9x:abcdefghijklmnopqrstuvwxyz0123456789ABC/", "/track/[token]/"),
        ("/track/NQ:1tYz9x:abc/withdraw/", "/track/[token]/withdraw/"),
        ("/feedback/MTI:1tYz9x:abcdefghijklmnop/", "/feedback/[token]/"),
        ("/calendar/q8Xr1-b2_Tn4GfK9zLw0PcVd3sYhJm5eUo7iAa6Nt.ics", "/calendar/[token].ics"),
        (
            "/accounts/password/reset/MQ/cbx3k0-1a2b3c4d5e6f/",
            "/accounts/password/reset/[token]/[token]/",
        ),
        ("/accounts/password/reset/MQ/set-password/", "/accounts/password/reset/[token]/[token]/"),
        ("/accounts/invitation/MTI/cbx3k0-1a2b3c4d5e6f/", "/accounts/invitation/[token]/[token]/"),
        ("/accounts/password/reset/sent/", "/accounts/password/reset/sent/"),
        ("/leaders/?q=jo.bloggs%40example.org&page=2", "/leaders/"),
        ("/my/deployments/12/log/", "/my/deployments/12/log/"),
        ("/something/new/a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7/", "/something/new/[token]/"),
    ],
)
def test_a_logged_path_keeps_no_query_string_and_no_secret(path, logged):
    from alliance_portal.ops.logs import loggable_path

    assert loggable_path(path) == logged
