"""The settings refuse unsafe production configurations."""

import os
import subprocess
import sys
from pathlib import Path

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
