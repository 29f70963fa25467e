"""The settings refuse unsafe production configurations."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, **env_overrides):
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
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
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


def test_it_passes_the_deployment_checklist_with_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="x7Qp-3vLr9Zt_Wm2Kd8Fs6Hj4Nb1Cy5Ge0Ua-Ti7Oe3Rw9Yq2Xs6Vz8Pl4Mk1Jn",
        ALLOWED_HOSTS="portal.example.org",
    )

    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout
