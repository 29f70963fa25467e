"""The bench's tools: each figure timed against its floor in the same run, printed
beside it as a ratio with the machine's load."""

import pytest
from django.test import override_settings

from alliance_portal.demo.bench import Measurement, format_table, measure


def test_ours_and_the_floor_take_turns():
    calls = []

    result = measure(
        "a page",
        lambda: calls.append("ours"),
        runs=3,
        warmup=1,
        floor=lambda: calls.append("floor"),
        floor_name="bare view",
    )

    assert calls == ["ours", "floor"] * 4
    assert len(result.times_ms) == len(result.floor_times_ms) == 3
    assert len(result.cpu_times_ms) == len(result.floor_cpu_times_ms) == 3
    assert result.load is not None


def test_the_table_gives_the_floor_the_ratio_and_the_load():
    timed = Measurement(
        "home page /",
        [3.0, 3.0, 3.0],
        queries=1,
        floor="bare view",
        floor_times_ms=[0.5, 0.5, 0.5],
        load=1.25,
        cpu_times_ms=[2.0, 2.5, 2.0],
        floor_cpu_times_ms=[0.4, 0.4, 0.4],
    )
    alone = Measurement("the shortlist", [10.0], queries=5)

    lines = format_table([timed, alone]).splitlines()

    assert lines[0] == (
        "| operation | median | p95 | runs | queries | CPU (floor's) | floor | ratio | load | note |"
    )
    assert lines[2] == (
        "| home page / | 3.0 ms | 3.0 ms | 3 | 1 | 2.0 ms (0.4 ms) | bare view: 0.5 ms "
        "| 6.00× | 1.2 |  |"
    )
    assert lines[3] == "| the shortlist | 10.0 ms | 10.0 ms | 1 | 5 |  |  |  |  |  |"
    assert Measurement.from_dict(timed.as_dict()) == timed


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="alliance_portal.demo.bench_urls")
def test_the_changelist_floor_is_a_default_model_admin(admin_client):
    from tests.factories import SupportRequestFactory

    request = SupportRequestFactory()

    ours = admin_client.get("/admin/support_requests/supportrequest/")
    floor = admin_client.get("/floor-admin/support_requests/supportrequest/")

    assert ours.status_code == floor.status_code == 200
    assert request.reference in ours.content.decode()
    assert str(request) in floor.content.decode()
    assert ours.context["cl"].has_filters and not floor.context["cl"].has_filters
