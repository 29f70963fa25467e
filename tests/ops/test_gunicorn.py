"""gunicorn as production runs it: JSON logs with no private link or address in them, and
reloads that keep answering. (How long a reload answers nothing is measured, not asserted:
alliance_portal/ops/measure_reload.py, README "Running in production".)"""

import json
import re
import runpy
import signal
import subprocess
import time

from django.core import signing

from alliance_portal.ops.measure_reload import CONFIG, GUNICORN, ROOT, Hammer
from requests.tracking import SALT as TRACKING_SALT
from tests.ops.conftest import PROXIED, stop
from tests.test_settings import run_manage

EMAIL = "jo.bloggs@example.org"

SIGNED_IN = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from alliance_portal.accounts.models import User

user = User.objects.create_user(email="{email}", password="correct-horse-battery", full_name="Jo Bloggs")
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.save()
print(user.pk, session.session_key)
"""


def json_lines(path):
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


def test_its_logs_are_json_with_request_and_user_ids_and_no_private_link_or_email(
    start_gunicorn, production_environment
):
    made = run_manage(
        "shell", "--no-imports", "-c", SIGNED_IN.format(email=EMAIL), **production_environment
    )
    assert made.returncode == 0, made.stderr
    user_pk, session_key = made.stdout.split()
    secret = signing.dumps(98765, salt=TRACKING_SALT, key=production_environment["SECRET_KEY"])
    server = start_gunicorn()

    tracking = server.ask(f"/track/{secret}/?token={secret}&email={EMAIL}")
    signed_in = server.ask("/my/deployments/999999/", Cookie=f"sessionid={session_key}")
    proxied_id = server.ask("/healthz/", **{"X-Request-ID": "edge-4f1c2a9b7d3e"})
    stop(server)

    assert tracking[0] == 404
    assert signed_in[0] == 404
    assert proxied_id[1]["X-Request-ID"] == "edge-4f1c2a9b7d3e"
    access_log = server.stdout_path.read_text()
    error_log = server.stderr_path.read_text()
    access = [json.loads(line) for line in access_log.splitlines()]
    by_id = {line["request_id"]: line for line in access}
    track_line = by_id[tracking[1]["X-Request-ID"]]
    assert track_line["path"] == "/track/[token]/"
    assert track_line["status"] == 404
    assert track_line["user_id"] is None
    assert {"time", "level", "method", "duration_ms"} <= track_line.keys()
    assert by_id[signed_in[1]["X-Request-ID"]]["user_id"] == int(user_pk)
    assert by_id["edge-4f1c2a9b7d3e"]["path"] == "/healthz/"
    [not_found] = [
        line
        for line in json_lines(server.stderr_path)
        if line.get("request_id") == signed_in[1]["X-Request-ID"]
    ]
    assert not_found["level"] == "WARNING"
    assert not_found["user_id"] == int(user_pk)
    assert re.match(r"\d{4}-\d\d-\d\dT", not_found["time"])
    for log in (access_log, error_log):
        assert secret not in log
        assert secret.split(":")[-1] not in log
        assert EMAIL not in log
        assert "203.0.113.9" not in log
        assert "Bloggs" not in log


def test_its_config_has_the_documented_settings(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    monkeypatch.setenv("GUNICORN_BIND", "127.0.0.1:9123")
    config = runpy.run_path(str(CONFIG))

    assert config["workers"] == 5
    assert config["bind"] == "127.0.0.1:9123"
    assert config["preload_app"] is True
    assert config["accesslog"] == "-"
    assert config["errorlog"] == "-"
    assert config["logger_class"] == "alliance_portal.ops.gunicorn_logger.JsonLogger"
    assert config["timeout"] == 30
    assert config["graceful_timeout"] == 30
    printed = subprocess.run(
        [str(GUNICORN), "-c", str(CONFIG), "--print-config"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert printed.returncode == 0, printed.stderr
    assert re.search(r"^preload_app\s*=\s*True$", printed.stdout, re.MULTILINE)
    assert re.search(r"^graceful_timeout\s*=\s*30$", printed.stdout, re.MULTILINE)


def test_a_reload_keeps_answering(start_gunicorn):
    server = start_gunicorn()

    with Hammer(server.port, clients=3, headers=PROXIED) as hammer:
        time.sleep(1)
        reloaded_at = time.monotonic()
        server.send_signal(signal.SIGHUP)
        time.sleep(4)

    assert hammer.failures == []
    assert sum(1 for answered in hammer.answered if answered > reloaded_at + 1) > 0
    booted = [
        line for line in json_lines(server.stderr_path) if "Booting worker" in line["message"]
    ]
    assert len(booted) == 4  # two at the start, two more for the reload
