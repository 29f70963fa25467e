"""The settings refuse unsafe production configurations."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def manage_env(**env_overrides):
    """The environment manage.py (or gunicorn) runs with: none of the tests' own settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "SECRET_KEY",
            "DEBUG",
            "DJANGO_SETTINGS_MODULE",
            "ALLOWED_HOSTS",
            # The browser tests set this for Playwright; a real deployment never would.
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(ENV_FILE="/dev/null", DJANGO_SETTINGS_MODULE="alliance_portal.settings")
    env.update(env_overrides)
    return env


def run_manage(*args, **env_overrides):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=manage_env(**env_overrides),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_refuses_to_start_without_a_secret_key_in_production():
    result = run_manage("check", DEBUG="false")

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_it_starts_without_a_secret_key_in_development():
    result = run_manage("check", DEBUG="true")

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


# The production settings the README's "Deploying" section gives.
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x7Qp-3vLr9Zt_Wm2Kd8Fs6Hj4Nb1Cy5Ge0Ua-Ti7Oe3Rw9Yq2Xs6Vz8Pl4Mk1Jn",
    "ALLOWED_HOSTS": "portal.example.org",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "PAGE_CACHE_URL": "redis://127.0.0.1:6379/2",
    "TRUSTED_PROXY_COUNT": "1",
}


def test_it_passes_the_deployment_checklist_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_it_refuses_per_process_counters_in_production():
    result = run_manage("check", **{**PRODUCTION, "CACHE_URL": "locmemcache://"})

    assert result.returncode != 0
    assert "portal.E010" in result.stderr


def test_the_deployment_checklist_warns_of_a_proxy_trusted_for_no_hops():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, "TRUSTED_PROXY_COUNT": "0"}
    )

    assert result.returncode != 0
    assert "portal.W010" in result.stderr + result.stdout


def _show_on_a_new_connection(**env):
    """What PostgreSQL reports for the timeouts on a connection opened with these settings."""
    url = os.environ.get("DATABASE_URL", "")
    code = (
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('SHOW statement_timeout'); print(cursor.fetchone()[0])\n"
        "    cursor.execute('SHOW lock_timeout'); print(cursor.fetchone()[0])\n"
    )
    result = run_manage(
        "shell", "--no-imports", "-c", code, **{**PRODUCTION, "DATABASE_URL": url, **env}
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL: the timeouts are PostgreSQL's own",
)
def test_every_database_connection_has_a_statement_and_a_lock_timeout_from_the_environment():
    assert _show_on_a_new_connection() == ["15s", "5s"]
    assert _show_on_a_new_connection(DB_STATEMENT_TIMEOUT="2500", DB_LOCK_TIMEOUT="700") == [
        "2500ms",
        "700ms",
    ]
    assert _show_on_a_new_connection(DB_STATEMENT_TIMEOUT="0", DB_LOCK_TIMEOUT="0") == ["0", "0"]


def test_the_mail_server_timeout_comes_from_the_environment():
    code = "from django.conf import settings; print(settings.EMAIL_TIMEOUT)"

    assert run_manage("shell", "--no-imports", "-c", code, **PRODUCTION).stdout.split() == ["10"]
    assert run_manage(
        "shell", "--no-imports", "-c", code, **PRODUCTION, EMAIL_TIMEOUT="3"
    ).stdout.split() == ["3"]
