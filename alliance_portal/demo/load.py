"""Throughput for `manage.py bench`: the portal under gunicorn on loopback, loaded with wrk.

Absolute figures drift between runs on shared machines, so every page is
compared with the bare view (`/healthz/`) served by the same server in the
same run: the ratio is the figure to watch.
"""

import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

LOOPBACK = "127.0.0.1"
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


class LoadError(Exception):
    """The server or wrk could not be run; the message says why."""


@dataclass
class Throughput:
    path: str
    requests_per_s: float
    p50_ms: float
    requests: int
    problems: str = ""
    p99_ms: float | None = None
    # The bare view's requests/s, loaded just before this path on the same server.
    floor_per_s: float | None = None
    # The machine's one-minute load average as the path's load ended.
    load: float | None = None
    # How the pages were served: "cached" (the shared page cache) or "rendered".
    pages: str = ""

    def as_dict(self):
        return {
            "path": self.path,
            "requests_per_s": self.requests_per_s,
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "requests": self.requests,
            "problems": self.problems,
            "floor_per_s": self.floor_per_s,
            "load": self.load,
            "pages": self.pages,
        }


def find_wrk():
    return shutil.which("wrk")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def get_status(port, path, *, host, timeout=5):
    """The status of one plain GET, without following redirects."""
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": host})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _log_tail(log_path, lines=20):
    try:
        return "\n".join(Path(log_path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextlib.contextmanager
def gunicorn_server(*, cwd, env, log_path, workers=2, start_timeout=30):
    """Run gunicorn on a free loopback port until the block ends; yields the port.

    The server runs in a session of its own and is always stopped on the way
    out, also when the block raises or the bench is interrupted.
    """
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists():
        raise LoadError(f"gunicorn is not installed next to {sys.executable}.")
    port = free_port()
    command = [
        str(gunicorn),
        "alliance_portal.wsgi",
        "--workers",
        str(workers),
        "--bind",
        f"{LOOPBACK}:{port}",
        "--no-control-socket",
    ]
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_answering(process, port, log_path, start_timeout)
        yield port
    finally:
        _stop(process)


def _wait_until_answering(process, port, log_path, start_timeout):
    deadline = time.monotonic() + start_timeout
    while True:
        if process.poll() is not None:
            raise LoadError(
                f"gunicorn exited with status {process.returncode} before answering; "
                f"its log ({log_path}) ends:\n{_log_tail(log_path)}"
            )
        try:
            get_status(port, "/healthz/", host="localhost", timeout=2)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise LoadError(
                    f"gunicorn did not answer on port {port} within {start_timeout} s; "
                    f"its log ({log_path}) ends:\n{_log_tail(log_path)}"
                ) from None
            time.sleep(0.2)


def _stop(process, grace=20):
    """Stop gunicorn and its workers: TERM to its process group, then KILL if need be."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def run_wrk(wrk, port, path, *, host, threads=2, connections=8, duration=10):
    """Load one path for `duration` seconds and return what wrk measured."""
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        # Slow pages must show in the latency, not vanish as wrk's 2 s timeouts.
        "--timeout",
        "30s",
        "-H",
        f"Host: {host}",
        f"http://{LOOPBACK}:{port}{path}",
    ]
    try:
        finished = subprocess.run(
            command, capture_output=True, text=True, timeout=duration + 60, check=False
        )
    except subprocess.TimeoutExpired:
        raise LoadError(f"wrk did not finish on {path} within {duration + 60} s") from None
    if finished.returncode != 0:
        raise LoadError(f"wrk failed on {path}:\n{finished.stderr or finished.stdout}")
    return parse_wrk(path, finished.stdout)


def parse_wrk(path, output):
    """Requests/s, the median latency and any errors from wrk's `--latency` report."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    p50 = re.search(r"^\s*50%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.MULTILINE)
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.MULTILINE)
    total = re.search(r"^\s*(\d+) requests in", output, re.MULTILINE)
    if not (rps and p50 and total):
        raise LoadError(f"Could not read wrk's report for {path}:\n{output}")
    problems = []
    if non_2xx := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        problems.append(f"{int(non_2xx.group(1)):,} non-2xx/3xx responses")
    if errors := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        names = ("connect", "read", "write", "timeout")
        counts = [int(n) for n in errors.groups()]
        problems += [f"{n} {name} errors" for name, n in zip(names, counts, strict=True) if n]
    return Throughput(
        path=path,
        requests_per_s=float(rps.group(1)),
        p50_ms=float(p50.group(1)) * UNITS_MS[p50.group(2)],
        p99_ms=float(p99.group(1)) * UNITS_MS[p99.group(2)] if p99 else None,
        requests=int(total.group(1)),
        problems=", ".join(problems),
    )


def measure_throughput(
    paths, *, cwd, env, log_path, floor, host="localhost", workers=2, duration=10, warmup=3
):
    """Serve the portal with gunicorn and load each path in turn with wrk, each just after
    the `floor` path (the bare view), so both meet the machine in the same state.

    Each path is first fetched `warmup` times and must answer 200, so a
    misconfigured server (a redirect to HTTPS, a refused Host) fails loudly
    instead of producing fast error pages.
    """
    wrk = find_wrk()
    if wrk is None:
        raise LoadError("wrk is not installed")
    results = []
    with gunicorn_server(cwd=cwd, env=env, log_path=log_path, workers=workers) as port:
        for path in [floor, *paths]:
            for _ in range(warmup):
                status = get_status(port, path, host=host, timeout=30)
                if status != 200:
                    raise LoadError(
                        f"{path} answered {status} under gunicorn, not 200; "
                        f"its log ({log_path}) ends:\n{_log_tail(log_path)}"
                    )
        for path in paths:
            bare = run_wrk(wrk, port, floor, host=host, duration=duration)
            result = run_wrk(wrk, port, path, host=host, duration=duration)
            result.floor_per_s, result.load = bare.requests_per_s, os.getloadavg()[0]
            results.append(result)
    return results


def format_throughput_table(results, floor):
    lines = [
        f"| path | pages | requests/s | p50 latency | p99 latency | floor: {floor}, just before "
        "| ratio | load | note |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        ratio = f"{r.requests_per_s / r.floor_per_s:.3f}" if r.floor_per_s else ""
        lines.append(
            f"| {r.path} | {r.pages} | {r.requests_per_s:,.0f} | {format_latency(r.p50_ms)} "
            f"| {format_latency(r.p99_ms) if r.p99_ms is not None else ''} "
            f"| {r.floor_per_s or 0:,.0f} | {ratio} | {r.load:.1f} | {r.problems} |"
        )
    return "\n".join(lines)


def format_latency(ms):
    if ms >= 1000:
        return f"{ms / 1000:.2f} s"
    return f"{ms:.2f} ms" if ms < 10 else f"{ms:.1f} ms"
