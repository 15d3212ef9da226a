"""Regression tests: each reproducer of the hardening issue gets a typed error naming the
argument (the fuzz test in ``tests/fuzz`` looks for new ones)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

import timetable as T
from timetable import airflow
from timetable.errors import (
    CyclicGraphError,
    InvalidArgumentError,
    NaiveDatetimeError,
    TimetableError,
    WrongTypeError,
)


def D(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


TT = T.CronDataIntervals(cron="@daily")
GRAPH = T.TaskGraph(tasks=[T.TaskSpec(task_id="a"), T.TaskSpec(task_id="b", upstream=["a"])])
RUN = T.RunRecord(
    run_id="r1",
    run_type="scheduled",
    logical_date=D(2024, 1, 1),
    data_interval=T.DataInterval(start=D(2024, 1, 1), end=D(2024, 1, 2)),
    run_after=D(2024, 1, 2),
    state="success",
)
RUNS = T.RunHistory(runs=[RUN], task_instances=[])
HISTORY = T.validate_history([RUN])
BACKFILL = T.BackfillRequest(from_date=D(2024, 1, 1), to_date=D(2024, 1, 3))


def _nri(tt: Any, **kwargs: Any) -> Any:
    return tt.next_run_info(**{"last_interval": None, "now": D(2024, 1, 1), **kwargs})


#: (test id, call, error class, argument named in the error)
CASES: list[tuple[str, Callable[[], Any], type[TimetableError], str]] = [
    # a non-zone timezone= (a datetime has utcoffset() too)
    ("cron_trigger_timezone_datetime",
     lambda: T.CronTrigger(cron="@daily", timezone=D(2024, 1, 1)), WrongTypeError, "timezone"),
    ("cron_data_intervals_timezone_datetime",
     lambda: T.CronDataIntervals(cron="@daily", timezone=D(2024, 1, 1)),
     WrongTypeError, "timezone"),
    ("multi_cron_timezone_datetime",
     lambda: T.MultiCronTrigger(crons=["@daily"], timezone=D(2024, 1, 1)),
     WrongTypeError, "timezone"),
    ("from_schedule_timezone_datetime",
     lambda: airflow.from_schedule("@daily", timezone=D(2024, 1, 1)), WrongTypeError, "timezone"),
    # dag_restriction with malformed arguments
    ("dag_restriction_task_dates_none",
     lambda: T.dag_restriction(start_date=D(2024, 1, 1), catchup=True, task_dates=[None]),
     WrongTypeError, "task_dates[0]"),
    ("dag_restriction_task_dates_int",
     lambda: T.dag_restriction(start_date=D(2024, 1, 1), catchup=True, task_dates=5),
     WrongTypeError, "task_dates"),
    ("dag_restriction_task_dates_empty_dict",
     lambda: T.dag_restriction(start_date=D(2024, 1, 1), catchup=True, task_dates=[{}]),
     WrongTypeError, "task_dates[0]"),
    ("dag_restriction_task_dates_date",
     lambda: T.dag_restriction(start_date=None, catchup=True, task_dates=[(date(2024, 1, 1), None)]),
     WrongTypeError, "task_dates[0][0]"),
    ("dag_restriction_start_date_int",
     lambda: T.dag_restriction(start_date=5, catchup=True), WrongTypeError, "start_date"),
    ("dag_restriction_catchup_none",
     lambda: T.dag_restriction(start_date=None, catchup=None), WrongTypeError, "catchup"),
    # plan_backfill(allowed_run_types=...)
    ("plan_backfill_allowed_run_types_bogus",
     lambda: T.plan_backfill(TT, BACKFILL, runs=[], now=D(2025, 1, 1), allowed_run_types=["bogus"]),
     InvalidArgumentError, "allowed_run_types[0]"),
    ("plan_backfill_allowed_run_types_int",
     lambda: T.plan_backfill(TT, BACKFILL, runs=[], now=D(2025, 1, 1), allowed_run_types=5),
     WrongTypeError, "allowed_run_types"),
    # unhashable ids
    ("check_depends_on_past_run_id_dict",
     lambda: T.check_depends_on_past(
         T.TaskSpec(task_id="a"), run_id={}, runs=[], task_instances=[], catchup=True
     ), WrongTypeError, "run_id"),
    ("plan_manual_run_run_id_list",
     lambda: T.plan_manual_run(TT, run_after=D(2024, 1, 1), logical_date=None, run_id=[]),
     WrongTypeError, "run_id"),
    ("plan_clear_recursive_markers_int",
     lambda: T.plan_clear_recursive({"d": (GRAPH, RUNS)}, "d", T.ClearRequest(), markers=0),
     WrongTypeError, "markers"),
    ("plan_clear_recursive_mixed_dag_ids",
     lambda: T.plan_clear_recursive({1: (GRAPH, RUNS), "d": (GRAPH, RUNS)}, "x", T.ClearRequest()),
     InvalidArgumentError, "dag_id"),
    ("check_depends_on_past_task_list",
     lambda: T.check_depends_on_past(
         [{}], run_id="r1", runs=[RUN], task_instances=[], catchup=True
     ), WrongTypeError, "task"),
    ("clear_request_from_airflow_body_mixed_keys",
     lambda: T.ClearRequest.from_airflow_body({1: 0, "x": 1}), InvalidArgumentError, "body"),
    # count_intervals(end=None) tripped an internal assertion
    ("count_intervals_end_none",
     lambda: T.count_intervals(TT, start=D(2024, 1, 1), end=None), WrongTypeError, "end"),
    # public methods validate like the functions do
    ("once_next_run_info_restriction_none",
     lambda: _nri(T.Once(), restriction=None), WrongTypeError, "restriction"),
    ("cron_next_run_info_last_interval_int",
     lambda: _nri(TT, last_interval=0, restriction=T.TimeRestriction()),
     WrongTypeError, "last_interval"),
    ("cron_next_run_info_now_naive",
     lambda: _nri(TT, restriction=T.TimeRestriction(), now=datetime(2024, 1, 1)),
     NaiveDatetimeError, "now"),
    ("delta_infer_manual_interval_int",
     lambda: T.DeltaDataIntervals(delta=timedelta(days=1)).infer_manual_interval(run_after=0),
     WrongTypeError, "run_after"),
    ("task_graph_subset_int", lambda: GRAPH.subset(1), WrongTypeError, "task_ids"),
    ("task_graph_ancestors_int", lambda: GRAPH.ancestors(1), WrongTypeError, "task_ids"),
    ("task_graph_subset_flag_not_bool",
     lambda: GRAPH.subset("a", upstream="yes"), WrongTypeError, "upstream"),
    ("history_at_int", lambda: HISTORY.at(1), WrongTypeError, "logical_date"),
    ("history_before_timedelta", lambda: HISTORY.before(timedelta(0)), WrongTypeError,
     "logical_date"),
    ("history_after_dict", lambda: HISTORY.after({}), WrongTypeError, "logical_date"),
    ("history_get_list", lambda: HISTORY.get([]), WrongTypeError, "run_id"),
    ("run_history_run_ids_between_naive",
     lambda: RUNS.run_ids_between(datetime(2024, 1, 1), None), NaiveDatetimeError, "start"),
    ("run_history_run_ids_between_int",
     lambda: RUNS.run_ids_between(None, 87), WrongTypeError, "end"),
    ("run_history_instances_int_list",
     lambda: RUNS.instances(1, []), WrongTypeError, "task_id"),
    # to_json / to_text bounds (indent=10**16 exhausted memory)
    ("plan_to_json_indent_huge",
     lambda: T.plan_clear(GRAPH, T.ClearRequest(), history=RUNS).to_json(indent=10**16),
     InvalidArgumentError, "indent"),
    ("plan_to_json_indent_list",
     lambda: T.plan_clear(GRAPH, T.ClearRequest(), history=RUNS).to_json(indent=[]),
     WrongTypeError, "indent"),
    ("plan_to_text_max_lines_set",
     lambda: T.plan_backfill(TT, BACKFILL, runs=[], now=D(2025, 1, 1)).to_text(
         max_lines=frozenset()
     ), WrongTypeError, "max_lines"),
    # enum constructors
    ("run_state_bogus", lambda: T.RunState("bogus"), InvalidArgumentError, "run_state"),
    ("reason_int", lambda: T.Reason(0), InvalidArgumentError, "reason"),
]


@pytest.mark.parametrize(("call", "error", "argument"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_reproducer_gets_a_typed_error(
    call: Callable[[], Any], error: type[TimetableError], argument: str
) -> None:
    with pytest.raises(error) as info:
        call()
    assert info.value.argument == argument
    assert str(info.value).startswith(argument)


def test_enum_errors_are_still_value_errors() -> None:
    with pytest.raises(ValueError, match="expected one of 'queued'"):
        T.RunState("bogus")
    assert T.RunState("success") is T.RunState.SUCCESS


def test_a_tzinfo_object_still_names_its_zone() -> None:
    from zoneinfo import ZoneInfo

    assert T.CronTrigger(cron="@daily", timezone=ZoneInfo("Europe/Berlin")).timezone == (
        "Europe/Berlin"
    )


def test_year_one_and_9999_answer() -> None:
    # now at the first and last representable instants: an answer, not an OverflowError
    r = T.TimeRestriction()
    assert T.next_run_info(TT, last_interval=None, restriction=r, now=D(1, 1, 1)) is None
    end = T.TimeRestriction(earliest=D(9999, 12, 31))
    assert T.next_run_info(TT, last_interval=None, restriction=end, now=D(9999, 12, 31, 23)) is None
    assert list(HISTORY.before(D(1, 1, 1))) == []
    assert [r.run_id for r in HISTORY.after(D(1, 1, 1))] == ["r1"]
    assert list(HISTORY.after(datetime(9999, 12, 31, 23, 59, tzinfo=UTC))) == []


def test_cycle_of_100000_tasks_is_refused_with_a_short_message() -> None:
    n = 100_000
    specs = [T.TaskSpec(task_id=f"t{i}", upstream=[f"t{(i - 1) % n}"]) for i in range(n)]
    with pytest.raises(CyclicGraphError) as info:
        T.TaskGraph(tasks=specs)
    message = str(info.value)
    assert message == (
        "tasks: the graph has a cycle: t0 → t1 → t2 → t3 → t4 → … (99994 more) … → t99999 → t0"
    )


def test_a_short_cycle_is_shown_in_full() -> None:
    specs = [T.TaskSpec(task_id=f"t{i}", upstream=[f"t{(i - 1) % 6}"]) for i in range(6)]
    with pytest.raises(CyclicGraphError, match=r"t0 → t1 → t2 → t3 → t4 → t5 → t0$"):
        T.TaskGraph(tasks=specs)


def test_a_century_of_minutes_is_refused_by_the_eager_planners() -> None:
    minutely = T.CronTrigger(cron="* * * * *")
    request = T.BackfillRequest(from_date=D(1925, 1, 1), to_date=D(2025, 1, 1))
    with pytest.raises(T.errors.InvalidRequestError, match="52,596,001 intervals") as info:
        T.plan_backfill(minutely, request, runs=[], now=D(2025, 6, 1))
    assert info.value.argument == "request"
    restriction = T.TimeRestriction(earliest=D(1925, 1, 1), catchup=True)
    with pytest.raises(T.errors.InvalidRequestError, match="iter_catchup") as info:
        T.plan_catchup(minutely, runs=[], restriction=restriction, now=D(2025, 1, 1))
    assert info.value.argument == "restriction"
    # limit= caps the plan, so the range is fine; so is the streaming variant
    plan = T.plan_catchup(minutely, runs=[], restriction=restriction, now=D(2025, 1, 1), limit=2)
    assert plan.create_count == 2
    stream = T.iter_catchup(minutely, runs=[], restriction=restriction, now=D(2025, 1, 1))
    assert next(stream).run_info.data_interval.start == D(1925, 1, 1)


def test_a_million_intervals_is_still_one_plan() -> None:
    from timetable._limits import MAX_PLAN_INTERVALS, check_plan_size

    minutely = T.CronTrigger(cron="* * * * *")
    start = D(2024, 1, 1)
    end = start + timedelta(minutes=MAX_PLAN_INTERVALS - 1)  # both ends count
    check_plan_size(minutely, start=start, end=end, argument="x", instead="")
    with pytest.raises(T.errors.InvalidRequestError):
        check_plan_size(minutely, start=start, end=end + timedelta(minutes=1), argument="x",
                        instead="")


@pytest.mark.parametrize(
    ("year", "month", "error"),
    [({}, 3, T.errors.WrongTypeError), (2024, "3", T.errors.WrongTypeError),
     (True, 3, T.errors.WrongTypeError), (2024, 13, T.errors.InvalidArgumentError),
     (2024, 0, T.errors.InvalidArgumentError), (9999, 12, T.errors.InvalidArgumentError),
     (1, 1, T.errors.InvalidArgumentError)],
)
def test_calendar_month_refuses_a_bad_year_or_month(year: Any, month: Any, error: type) -> None:
    """Found by the long fuzz run: ``calendar_month(cal, {}, 3)`` escaped as TypeError."""
    with pytest.raises(error) as info:
        T.calendar_month(T.BusinessCalendar(), year, month)
    assert info.value.argument == ("year" if year != 2024 else "month")


def test_counting_a_multi_cron_over_millennia_is_refused_not_walked() -> None:
    """Found by the long fuzz run: counting two daily crons over 6,000 years walked 4.4
    million merged ticks; the sum of the crons' own counts now bounds the walk."""
    both = T.MultiCronTrigger(crons=["0 0 * * *", "0 12 * * *"], timezone="UTC")
    with pytest.raises(T.errors.PlanTooLargeError, match="each cron alone") as info:
        T.count_intervals(both, start=D(2024, 1, 1), end=D(8200, 1, 1))
    assert info.value.argument == "end"
    assert T.count_intervals(both, start=D(2024, 1, 1), end=D(2024, 1, 3)) == 5


def test_from_holidays_refuses_years_too_large_to_span() -> None:
    """Found by the long fuzz run: huge year numbers escaped as OverflowError."""
    with pytest.raises(T.errors.InvalidCalendarError, match="consecutive"):
        T.BusinessCalendar.from_holidays("US", years=(-(10**20), 2**31))
