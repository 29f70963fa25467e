"""Small timing tools for `manage.py bench`: run an operation several times,
keep the wall-clock times and the number of SQL statements, print a table."""

import contextlib
import statistics
import time
from dataclasses import dataclass, field

import psycopg2
from django.db import connection
from psycopg2 import sql


@dataclass
class Measurement:
    operation: str
    times_ms: list[float] = field(default_factory=list)
    queries: int | None = None
    note: str = ""

    @property
    def median_ms(self):
        return statistics.median(self.times_ms)

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


def measure(operation, run, *, runs, before_each=None, warmup=0, note=""):
    """Time `run()` `runs` times (after `warmup` untimed runs); count the last run's queries."""
    result = Measurement(operation, note=note)
    for _ in range(warmup):
        if before_each:
            before_each()
        run()
    for _ in range(runs):
        if before_each:
            before_each()
        with counting_queries() as counter:
            started = time.perf_counter()
            run()
            result.times_ms.append((time.perf_counter() - started) * 1000)
        result.queries = counter.count
    return result


def format_table(measurements):
    lines = [
        "| operation | median | p95 | runs | queries | note |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for m in measurements:
        lines.append(
            f"| {m.operation} | {format_ms(m.median_ms)} | {format_ms(m.p95_ms)} "
            f"| {len(m.times_ms)} | {'' if m.queries is None else m.queries} | {m.note} |"
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
