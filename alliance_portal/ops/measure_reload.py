"""How long gunicorn answers nothing while it reloads.

Starts gunicorn on a free port, asks /healthz/ from a few clients without a
pause, reloads it, keeps asking, and reports the requests that failed and the
longest time in which no request was answered. Run it with the environment the
server runs with (DEBUG=false, SECRET_KEY, DATABASE_URL, ...):

    .venv/bin/python alliance_portal/ops/measure_reload.py                   # the config, HUP
    .venv/bin/python alliance_portal/ops/measure_reload.py --reload upgrade  # USR2, then TERM the old master
    .venv/bin/python alliance_portal/ops/measure_reload.py --no-config       # gunicorn's defaults, HUP

A HUP re-reads the settings and replaces the workers; an upgrade (USR2, then
TERM to the old master once the new one's workers are up) also takes up new
code when the application is preloaded.
"""

import argparse
import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "alliance_portal" / "gunicorn.conf.py"
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn_command(*, port, config=True, workers=3, pidfile=None):
    command = [str(GUNICORN)]
    if config:
        command += ["-c", str(CONFIG)]
    else:
        # The command the README gave before gunicorn.conf.py existed.
        command += ["alliance_portal.wsgi"]
    command += ["--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--no-control-socket"]
    if pidfile:
        command += ["--pid", str(pidfile)]
    return command


def ask(port, path="/healthz/", *, timeout=20.0, headers=None):
    """One GET: (status, headers, body), or raises."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def wait_until_answering(port, *, path="/healthz/", headers=None, seconds=30.0, server=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode}")
        try:
            if ask(port, path, timeout=2, headers=headers)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"nothing answered on port {port} within {seconds} s")


@dataclass
class Hammer:
    """Clients asking one URL in a loop, each as soon as its last answer came."""

    port: int
    path: str = "/healthz/"
    clients: int = 4
    headers: dict = field(default_factory=dict)
    answered: list = field(default_factory=list)  # monotonic times of good answers
    failures: list = field(default_factory=list)  # (time, what went wrong)

    def __post_init__(self):
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._run, daemon=True) for _ in range(self.clients)
        ]

    def _run(self):
        while not self._stop.is_set():
            try:
                status = ask(self.port, self.path, headers=self.headers)[0]
                outcome = None if status == 200 else f"status {status}"
            except OSError as error:
                outcome = f"{type(error).__name__}: {error}"
            with self._lock:
                if outcome is None:
                    self.answered.append(time.monotonic())
                else:
                    self.failures.append((time.monotonic(), outcome))

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def longest_gap(self, since):
        """The longest time from `since` on in which no request was answered."""
        times = sorted(t for t in self.answered if t >= since)
        if not times:
            return float("inf")
        return max(later - earlier for earlier, later in zip([since, *times], times, strict=False))


@dataclass
class Measurement:
    reload: str
    requests: int
    failures: int
    longest_gap: float
    answered_after_reload: int
    failure_examples: list

    def __str__(self):
        return (
            f"reload={self.reload} requests={self.requests} failed={self.failures} "
            f"longest_gap={self.longest_gap:.3f}s answered_after_reload={self.answered_after_reload}"
        )


def children_of(pid):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def upgrade(master_pid, pidfile, *, workers, seconds=60.0):
    """USR2, wait for the new master and its workers, then TERM the old master.

    The new master writes its pid to `<pidfile>.2` until the old one has gone, then
    moves it to `<pidfile>`.
    """
    os.kill(master_pid, signal.SIGUSR2)
    deadline = time.monotonic() + seconds
    new_master = None
    while time.monotonic() < deadline:
        try:
            new_master = int(Path(f"{pidfile}.2").read_text().strip())
        except (OSError, ValueError):
            new_master = None
        if new_master and len(children_of(new_master)) >= workers:
            break
        time.sleep(0.05)
    else:
        raise TimeoutError("the new master did not start its workers")
    os.kill(master_pid, signal.SIGTERM)
    return new_master


def measure(
    *,
    config=True,
    reload="HUP",
    workers=3,
    clients=4,
    before=2.0,
    after=10.0,
    env=None,
    log_to=None,
    host=None,
):
    port = free_port()
    # Django answers only for ALLOWED_HOSTS: by default, the first of them.
    host = host or ((env or os.environ).get("ALLOWED_HOSTS") or "localhost").split(",")[0]
    headers = {"Host": host}
    with tempfile.TemporaryDirectory() as scratch:
        pidfile = Path(scratch) / "gunicorn.pid"
        log = open(log_to or os.devnull, "ab")  # noqa: SIM115 - closed below
        server = subprocess.Popen(
            gunicorn_command(port=port, config=config, workers=workers, pidfile=pidfile),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        masters = [server.pid]
        try:
            wait_until_answering(port, headers=headers, server=server)
            with Hammer(port, clients=clients, headers=headers) as hammer:
                time.sleep(before)
                reloaded_at = time.monotonic()
                if reload == "HUP":
                    os.kill(server.pid, signal.SIGHUP)
                elif reload == "upgrade":
                    masters.append(upgrade(server.pid, pidfile, workers=workers))
                else:
                    raise ValueError(f"unknown reload {reload!r}")
                time.sleep(after)
            return Measurement(
                reload=reload,
                requests=len(hammer.answered) + len(hammer.failures),
                failures=len(hammer.failures),
                longest_gap=hammer.longest_gap(reloaded_at - 1.0),
                answered_after_reload=sum(1 for t in hammer.answered if t > reloaded_at + 0.5),
                failure_examples=[what for _, what in hammer.failures[:3]],
            )
        finally:
            for pid in reversed(masters):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
            time.sleep(0.2)
            log.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--no-config", dest="config", action="store_false", help="gunicorn's defaults"
    )
    parser.add_argument("--reload", choices=["HUP", "upgrade"], default="HUP")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="how long to ask after the reload"
    )
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--log", help="append gunicorn's output to this file")
    parser.add_argument("--host", help="the Host header (default: the first of ALLOWED_HOSTS)")
    options = parser.parse_args(argv)
    for _ in range(options.runs):
        result = measure(
            config=options.config,
            reload=options.reload,
            workers=options.workers,
            clients=options.clients,
            after=options.seconds,
            log_to=options.log,
            host=options.host,
        )
        print(result, *result.failure_examples, sep="\n  " if result.failure_examples else "")


if __name__ == "__main__":
    main()
