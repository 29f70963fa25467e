"""Small timing tools for `manage.py bench`: run an operation several times,
keep the wall-clock times and the number of SQL statements, print a table;
run a command in a process of its own and report its peak memory.

An operation can be timed against its floor, the least the same answer could
cost (a bare view for a page, `COPY` for an export, a default `ModelAdmin` for a
changelist): the two run in turn, in the same run, so a busy machine slows both
alike, and the table gives ours divided by the floor beside the machine's load.
"""

import contextlib
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field

import psycopg2
from django.core.management.base import CommandError
from django.db import connection
from psycopg2 import sql


@dataclass
class Measurement:
    operation: str
    times_ms: list[float] = field(default_factory=list)
    queries: int | None = None
    note: str = ""
    floor: str = ""
    floor_times_ms: list[float] = field(default_factory=list)
    load: float | None = None  # the one-minute load average when the timing ended
    # This process's CPU time per run (time.process_time): what a worker spends, not waits.
    cpu_times_ms: list[float] = field(default_factory=list)
    floor_cpu_times_ms: list[float] = field(default_factory=list)

    @property
    def median_ms(self):
        return statistics.median(self.times_ms)

    @property
    def floor_median_ms(self):
        return statistics.median(self.floor_times_ms) if self.floor_times_ms else None

    @property
    def ratio(self):
        floor = self.floor_median_ms
        return self.median_ms / floor if floor else None

    @property
    def p95_ms(self):
        if len(self.times_ms) < 2:
            return self.times_ms[0]
        return statistics.quantiles(self.times_ms, n=20, method="inclusive")[-1]

    def as_dict(self):
        return {
            "operation": self.operation,
            "times_ms": self.times_ms,
            "queries": self.queries,
            "note": self.note,
            "floor": self.floor,
            "floor_times_ms": self.floor_times_ms,
            "load": self.load,
            "cpu_times_ms": self.cpu_times_ms,
            "floor_cpu_times_ms": self.floor_cpu_times_ms,
        }

    @classmethod
    def from_dict(cls, data):
        return cls(**data)


class QueryCounter:
    """Counts statements sent to the database (cheaper than capturing their SQL)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql_text, params, many, context):
        self.count += 1
        return execute(sql_text, params, many, context)


@contextlib.contextmanager
def counting_queries():
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        yield counter


def measure(
    operation, run, *, runs, before_each=None, warmup=0, note="", floor=None, floor_name=""
):
    """Time `run()` `runs` times (after `warmup` untimed runs); count the last run's queries.

    With a `floor`, each run of ours is followed by one of the floor, timed the same way.
    """
    result = Measurement(operation, note=note, floor=floor_name)
    for _ in range(warmup):
        if before_each:
            before_each()
        run()
        if floor:
            floor()
    for _ in range(runs):
        if before_each:
            before_each()
        with counting_queries() as counter:
            started, cpu = time.perf_counter(), time.process_time()
            run()
            result.times_ms.append((time.perf_counter() - started) * 1000)
            result.cpu_times_ms.append((time.process_time() - cpu) * 1000)
        result.queries = counter.count
        if floor:
            started, cpu = time.perf_counter(), time.process_time()
            floor()
            result.floor_times_ms.append((time.perf_counter() - started) * 1000)
            result.floor_cpu_times_ms.append((time.process_time() - cpu) * 1000)
    result.load = os.getloadavg()[0]
    return result


# Runs the command given as its arguments and prints the exit status and ru_maxrss of
# that child alone. A child forked from the bench would first count the bench's own
# pages as its resident set; forked from this small process, it counts only its own.
_PEAK_MEMORY_OF_CHILD = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def measure_process(operation, command, *, cwd, env):
    """Run `command` once in a process of its own: its time, and its peak memory in the note.

    The peak is that process's maximum resident set size (ru_maxrss from wait4),
    so it counts everything it held, Django and the database driver included, and
    nothing of the bench's own process.
    """
    started = time.perf_counter()
    finished = subprocess.run(
        [sys.executable, "-c", _PEAK_MEMORY_OF_CHILD, *command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = (time.perf_counter() - started) * 1000
    status, peak_kb = (int(n) for n in finished.stdout.split())
    if status != 0:
        raise CommandError(f"{' '.join(command)} failed:\n{finished.stderr}")
    peak_mb = peak_kb / 1024  # Linux counts ru_maxrss in kilobytes
    return Measurement(operation, [elapsed], note=f"peak memory {peak_mb:,.0f} MB (ru_maxrss)")


def format_table(measurements):
    lines = [
        "| operation | median | p95 | runs | queries | CPU (floor's) | floor | ratio | load "
        "| note |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |",
    ]
    for m in measurements:
        floor = f"{m.floor}: {format_ms(m.floor_median_ms)}" if m.floor_times_ms else ""
        ratio = f"{m.ratio:.2f}×" if m.ratio is not None else ""
        load = f"{m.load:.1f}" if m.load is not None else ""
        cpu = format_ms(statistics.median(m.cpu_times_ms)) if m.cpu_times_ms else ""
        if cpu and m.floor_cpu_times_ms:
            cpu += f" ({format_ms(statistics.median(m.floor_cpu_times_ms))})"
        lines.append(
            f"| {m.operation} | {format_ms(m.median_ms)} | {format_ms(m.p95_ms)} "
            f"| {len(m.times_ms)} | {'' if m.queries is None else m.queries} | {cpu} "
            f"| {floor} | {ratio} | {load} | {m.note} |"
        )
    return "\n".join(lines)


def format_ms(ms):
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.1f} ms"


def ensure_postgres_database(settings_dict, *, recreate=False):
    """Create the PostgreSQL database a settings dict names, if it is missing."""
    params = {
        "dbname": "postgres",
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
    }
    name = settings_dict["NAME"]
    server = psycopg2.connect(**{k: v for k, v in params.items() if v is not None})
    server.autocommit = True
    try:
        with server.cursor() as cursor:
            if recreate:
                cursor.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        server.close()
