"""timetable.strategies: values are always valid, shrink to the documented targets, and
impossible arguments raise InvalidArgument (at draw time, as Hypothesis does)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import timetable as tt
from timetable import strategies as ts

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NOW = datetime(2024, 4, 15, tzinfo=UTC)


# -- always valid ------------------------------------------------------------------------------


@FAST
@given(ts.aware_datetimes())
def test_aware_datetimes_are_aware_and_in_bounds(value: datetime) -> None:
    assert value.tzinfo is not None
    assert datetime(2000, 1, 1, tzinfo=UTC) <= value <= datetime(2040, 1, 1, tzinfo=UTC)


def test_aware_datetimes_land_near_transitions() -> None:
    lo, hi = datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)
    berlin_spring = datetime(2024, 3, 31, 1, tzinfo=UTC)
    near = find(
        ts.aware_datetimes(min_value=lo, max_value=hi, timezones=st.just("Europe/Berlin")),
        lambda d: abs(d - berlin_spring) <= timedelta(hours=1),
    )
    assert abs(near - berlin_spring) <= timedelta(hours=1)


@FAST
@given(ts.cron_expressions())
def test_cron_expressions_build(cron: str) -> None:
    tt.CronTrigger(cron=cron)


@FAST
@given(ts.timetables(airflow_dst=False))
def test_timetables_have_a_next_run(value: object) -> None:
    tt.next_run_info(value, last_interval=None,
                     restriction=tt.TimeRestriction(earliest=NOW), now=NOW)


@FAST
@given(ts.deltas(calendar=False))
def test_deltas_are_positive(value: timedelta) -> None:
    assert value > timedelta(0)


@FAST
@given(st.data())
def test_run_records_are_a_valid_history(data: st.DataObject) -> None:
    timetable = data.draw(ts.timetables(kinds=("CronDataIntervals", "DeltaTrigger"),
                                        crons=st.sampled_from(["@daily", "0 */6 * * *"]),
                                        zones=st.sampled_from(["UTC", "Europe/Berlin"])))
    runs = data.draw(ts.run_records(timetable, max_value=NOW))
    history = tt.validate_history(runs)
    scheduled = [r for r in history.dated if r.run_type != "manual"]
    ts.check_run_infos(timetable, contiguous=False, start=datetime(2024, 3, 1, tzinfo=UTC), infos=[
        tt.RunInfo(run_after=r.run_after, data_interval=r.data_interval) for r in scheduled
    ])
    ts.check_run_ids(r for r in runs if r.run_type != "manual")


@FAST
@given(st.data())
def test_contiguous_histories_leave_no_gap(data: st.DataObject) -> None:
    daily = tt.CronDataIntervals(cron="@daily")
    runs = data.draw(ts.run_records(daily, max_value=NOW, contiguous=True, max_manual=0))
    ts.check_run_infos(daily, sorted(
        (tt.RunInfo(run_after=r.run_after, data_interval=r.data_interval) for r in runs),
        key=lambda i: i.logical_date,
    ))


@FAST
@given(ts.task_graphs(max_size=12))
def test_task_graphs_are_acyclic(graph: tt.TaskGraph) -> None:
    order = graph.topological_order
    rank = {t: i for i, t in enumerate(order)}
    for task in graph.tasks:
        assert all(rank[u] < rank[task.task_id] for u in task.upstream)


@FAST
@given(st.data())
def test_clear_requests_plan_or_refuse(data: st.DataObject) -> None:
    graph = data.draw(ts.task_graphs())
    history = data.draw(ts.run_histories(graph))
    request = data.draw(ts.clear_requests(graph, history))
    try:
        tt.plan_clear(graph, request, history=history)
    except tt.TimetableError as err:
        assert err.code == "invalid-request"


@FAST
@given(ts.backfill_requests())
def test_backfill_requests_plan_or_refuse(request: tt.BackfillRequest) -> None:
    try:
        tt.plan_backfill(tt.CronDataIntervals(cron="@daily"), request, runs=[], now=NOW)
    except tt.TimetableError as err:
        assert err.code in {"invalid-backfill-range", "backfill-in-future", "no-backfill-runs"}


@FAST
@given(st.from_type(tt.TaskGraph), st.from_type(tt.CronTrigger))
def test_types_are_registered(graph: tt.TaskGraph, trigger: tt.CronTrigger) -> None:
    assert isinstance(graph, tt.TaskGraph)
    assert isinstance(trigger, tt.CronTrigger)


# -- shrink targets, as documented ------------------------------------------------------------


def minimal(strategy: st.SearchStrategy[object]) -> object:
    return find(strategy, lambda _: True)


def test_shrink_targets() -> None:
    assert minimal(ts.timezones()) == "UTC"
    assert minimal(ts.aware_datetimes()) == datetime(2000, 1, 1, tzinfo=UTC)
    assert minimal(ts.cron_expressions()) == "@daily"
    assert minimal(ts.deltas()) == timedelta(minutes=1)
    assert minimal(ts.dst_policies()) == tt.DstPolicy()
    assert minimal(ts.timetables()) == tt.Once()
    cron_kinds = ("CronDataIntervals", "CronTrigger", "MultiCronTrigger")
    assert minimal(ts.timetables(kinds=cron_kinds)) == tt.CronDataIntervals(cron="@daily")
    assert minimal(ts.run_states()) == "success"
    assert minimal(ts.run_records(tt.CronTrigger(cron="@daily"), max_value=NOW)) == []
    graph = minimal(ts.task_graphs())
    assert graph == tt.TaskGraph(tasks=[tt.TaskSpec(task_id="t0")])
    request = minimal(ts.backfill_requests())
    assert request.from_date == request.to_date == datetime(2024, 3, 1, tzinfo=UTC)
    assert request.reprocess_behavior is None
    history = minimal(ts.run_histories(graph))
    assert len(history.runs.runs) == 1
    cleared = minimal(ts.clear_requests(graph, history))
    assert cleared.task_ids is None
    assert cleared.run_id is None


# -- impossible arguments ---------------------------------------------------------------------

BAD = [
    lambda: ts.timezones(zones=()),
    lambda: ts.aware_datetimes(min_value=datetime(2000, 1, 1)),
    lambda: ts.aware_datetimes(min_value=NOW, max_value=NOW - timedelta(days=1)),
    lambda: ts.deltas(min_value=timedelta(0)),
    lambda: ts.deltas(min_value=timedelta(days=2), max_value=timedelta(days=1)),
    lambda: ts.timetables(kinds=("Sometimes",)),
    lambda: ts.timetables(kinds=()),
    lambda: ts.task_graphs(min_size=0),
    lambda: ts.task_graphs(min_size=3, max_size=2),
    lambda: ts.run_records(tt.CronTrigger(cron="@daily"), max_value=datetime(2024, 1, 1)),
    lambda: ts.run_records(tt.CronTrigger(cron="@daily"), min_value=NOW,
                           max_value=NOW - timedelta(days=1)),
    lambda: ts.run_histories("not a graph"),  # type: ignore[arg-type]
    lambda: ts.backfill_requests(min_value=NOW, max_value=NOW - timedelta(days=1)),
]


@pytest.mark.parametrize("make", BAD, ids=range(len(BAD)))
def test_bad_arguments_raise_invalid_argument(make: object) -> None:
    with pytest.raises(InvalidArgument):
        minimal(make())  # type: ignore[operator]


# -- the invariant checks catch broken schedulers ---------------------------------------------


def _infos(*days: int) -> list[tt.RunInfo]:
    return [
        tt.RunInfo.interval(datetime(2024, 1, d, tzinfo=UTC), datetime(2024, 1, d + 1, tzinfo=UTC))
        for d in days
    ]


def test_check_run_infos() -> None:
    daily = tt.CronDataIntervals(cron="@daily")
    ts.check_run_infos(daily, _infos(1, 2, 3))
    with pytest.raises(ts.InvariantViolation, match="not contiguous"):
        ts.check_run_infos(daily, _infos(1, 3))
    with pytest.raises(ts.InvariantViolation, match="do not increase"):
        ts.check_run_infos(daily, _infos(2, 1))
    shifted = [tt.RunInfo.interval(datetime(2024, 1, 1, 1, tzinfo=UTC),
                                   datetime(2024, 1, 2, 1, tzinfo=UTC))]
    with pytest.raises(ts.InvariantViolation, match="not on the schedule"):
        ts.check_run_infos(daily, shifted)


def test_check_run_ids() -> None:
    day = datetime(2024, 1, 2, tzinfo=UTC)
    good = tt.RunRecord(run_id="scheduled__2024-01-02T00:00:00+00:00", run_type="scheduled",
                        logical_date=day - timedelta(days=1), data_interval=None,
                        run_after=day, state="success")
    ts.check_run_ids([good])
    with pytest.raises(ts.InvariantViolation, match="twice"):
        ts.check_run_ids([good, good])
    bad = tt.RunRecord(run_id="scheduled__2024-01-01T00:00:00+00:00", run_type="scheduled",
                       logical_date=day - timedelta(days=1), data_interval=None,
                       run_after=day, state="success")
    with pytest.raises(ts.InvariantViolation, match="expected"):
        ts.check_run_ids([bad])


def test_check_catchup_and_plans() -> None:
    daily = tt.CronDataIntervals(cron="@daily")
    restriction = tt.TimeRestriction(earliest=datetime(2024, 1, 1, tzinfo=UTC), catchup=True)
    now = datetime(2024, 1, 4, 6, tzinfo=UTC)
    ts.check_catchup(daily, _infos(1, 2, 3), runs=[], restriction=restriction, now=now)
    with pytest.raises(ts.InvariantViolation, match="missing"):
        ts.check_catchup(daily, _infos(1, 2), runs=[], restriction=restriction, now=now)
    plan = tt.plan_catchup(daily, runs=[], restriction=restriction, now=now)
    ts.check_plan_equal(plan, plan.to_dict())
    other = plan.to_dict()
    other["entries"][1]["reason"] = "missing"
    with pytest.raises(ts.InvariantViolation, match=r"plan.entries\[1\].reason"):
        ts.check_plan_equal(plan, other)
