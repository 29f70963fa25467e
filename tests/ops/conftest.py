import os
import signal
import subprocess

import pytest
from django.db import connection

from alliance_portal.ops.measure_reload import (
    ROOT,
    ask,
    free_port,
    gunicorn_command,
    wait_until_answering,
)
from tests.test_settings import PRODUCTION, manage_env, run_manage

HOST = PRODUCTION["ALLOWED_HOSTS"]
# As the proxy in front sends them: the portal then answers as over HTTPS, without a redirect.
PROXIED = {"Host": HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}


@pytest.fixture(scope="module")
def production_environment(tmp_path_factory):
    """Production settings over a migrated SQLite database of the module's own, with
    per-process caches (the web server runs no system checks) so no Redis is touched, and
    the static files collected into a folder of the module's own (`STATIC_ROOT`): modules
    run at once on other test workers never write the files one is serving."""
    folder = tmp_path_factory.mktemp("production")
    env = manage_env(
        **{
            **PRODUCTION,
            "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
            "STATIC_ROOT": str(folder / "staticfiles"),
            "CACHE_URL": "locmemcache://",
            "PAGE_CACHE_URL": "locmemcache://pages",
        }
    )
    # As a deployment does: pages name their static files by the manifest's hashed names.
    for command in ("migrate", "collectstatic"):
        result = run_manage(command, "--no-input", "--skip-checks", "-v", "0", **env)
        assert result.returncode == 0, result.stderr
    return env


@pytest.fixture
def start_gunicorn(tmp_path, production_environment):
    """Starts gunicorn with the portal's config on a free port; stops it at the end."""
    started = []

    def start(*extra_args, env=None):
        """`env`: the environment to serve with, if not the module's production one."""
        port = free_port()
        out, err = tmp_path / f"{port}.stdout", tmp_path / f"{port}.stderr"
        with open(out, "wb") as stdout, open(err, "wb") as stderr:
            server = subprocess.Popen(
                [*gunicorn_command(port=port, workers=2), *extra_args],
                cwd=ROOT,
                env=env or production_environment,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,
            )
        started.append(server)
        wait_until_answering(port, headers=PROXIED, server=server)
        server.port, server.stdout_path, server.stderr_path = port, out, err
        server.ask = lambda path, **headers: ask(port, path, headers={**PROXIED, **headers})
        return server

    yield start
    for server in started:
        stop(server)


def stop(server):
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def database_url(name=None):
    """A URL for the test run's PostgreSQL server: its test database, or the one named."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    return f"postgres://{db['USER']}{password}@{host}:{db.get('PORT') or 5432}/{name or db['NAME']}"
