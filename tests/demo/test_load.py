"""Reading wrk's report for the throughput table of `make bench`."""

import pytest

from alliance_portal.demo.load import LoadError, parse_wrk

REPORT = """Running 10s test @ http://127.0.0.1:8123/roles/sle/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    25.01ms    4.12ms  61.20ms   80.00%
    Req/Sec   157.33     20.10   202.00     70.00%
  Latency Distribution
     50%   24.00ms
     75%   27.10ms
     90%   30.02ms
     99%   41.77ms
  3135 requests in 10.01s, 31.02MB read
  Non-2xx or 3xx responses: 4
  Socket errors: connect 0, read 2, write 0, timeout 1
Requests/sec:    313.19
Transfer/sec:      3.10MB
"""


def test_it_reads_throughput_latency_and_problems():
    result = parse_wrk("/roles/sle/", REPORT)

    assert result.requests_per_s == pytest.approx(313.19)
    assert result.p50_ms == pytest.approx(24.0)
    assert result.p99_ms == pytest.approx(41.77)
    assert result.requests == 3135
    assert result.problems == "4 non-2xx/3xx responses, 2 read errors, 1 timeout errors"


def test_it_converts_a_median_in_seconds():
    result = parse_wrk("/leaders/", REPORT.replace("50%   24.00ms", "50%    1.38s"))

    assert result.p50_ms == pytest.approx(1380.0)


def test_it_refuses_a_report_it_cannot_read():
    with pytest.raises(LoadError, match="Could not read wrk's report"):
        parse_wrk("/", "connection refused")


def test_its_table_puts_each_path_beside_the_bare_view_loaded_just_before():
    from alliance_portal.demo.load import format_throughput_table

    result = parse_wrk("/roles/sle/", REPORT)
    result.floor_per_s, result.load, result.pages = 400.0, 1.25, "cached"

    table = format_throughput_table([result], "/healthz/")

    assert "floor: /healthz/, just before" in table.splitlines()[0]
    assert table.splitlines()[2] == (
        "| /roles/sle/ | cached | 313 | 24.0 ms | 41.8 ms | 400 | 0.783 | 1.2 | "
        "4 non-2xx/3xx responses, 2 read errors, 1 timeout errors |"
    )
