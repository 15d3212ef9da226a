"""Exact behaviour of ``plan_backfill`` at each rule (one row per rule)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from timetable import (
    BusinessCalendar,
    Changeset,
    CronDataIntervals,
    CronTrigger,
    DataInterval,
    DeltaDataIntervals,
    DeltaTrigger,
    Events,
    Never,
    RunRecord,
    iter_changesets,
)
from timetable import errors as E
from timetable._backfill import (
    BackfillRequest,
    count_backfill,
    entry_dict,
    iter_backfill,
    plan_backfill,
    stream_rows,
)
from timetable._planning import validate_history

DAILY = CronDataIntervals(cron="@daily")


def day(d: int, h: int = 0) -> datetime:
    return datetime(2024, 1, 1, h, tzinfo=UTC) + timedelta(days=d - 1)


def run(d: int, state: str = "success", *, run_type: str = "scheduled",
        conf: dict[str, Any] | None = None, clear_number: int = 0) -> RunRecord:
    return RunRecord(run_id=f"{run_type}-{d}", run_type=run_type, logical_date=day(d),
                     data_interval=DataInterval(start=day(d), end=day(d + 1)),
                     run_after=day(d + 1), state=state, conf=conf, clear_number=clear_number)


def iso(d: int, h: int = 0) -> str:
    return day(d, h).isoformat()


# -- the request's own fields ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "error", "message"),
    [
        ("reprocess_behavior", "sometimes", E.InvalidArgumentError,
         "reprocess_behavior='sometimes': expected None, 'none', 'failed' or 'completed'"),
        ("max_active_runs", 0, E.InvalidArgumentError, "max_active_runs=0: expected an int >= 1"),
        ("max_active_runs", -3, E.InvalidArgumentError,
         "max_active_runs=-3: expected an int >= 1"),
        ("max_active_runs", True, E.InvalidArgumentError,
         "max_active_runs=True: expected an int >= 1"),
        ("max_active_runs", 2.0, E.InvalidArgumentError,
         "max_active_runs=2.0: expected an int >= 1"),
        ("dag_run_conf", [1], E.WrongTypeError,
         "dag_run_conf=[1]: expected a JSON object (a mapping) or None"),
    ],
)
def test_request_fields_are_refused_naming_the_field(
    field: str, value: Any, error: type[E.TimetableError], message: str
) -> None:
    with pytest.raises(error) as info:
        BackfillRequest(from_date=day(1), to_date=day(3), **{field: value})
    assert (str(info.value), info.value.argument) == (message, field)


def test_one_active_run_is_the_smallest_limit() -> None:
    plan = plan_backfill(DAILY, BackfillRequest(from_date=day(1), to_date=day(3),
                                                 max_active_runs=1), runs=[], now=day(10))
    assert plan.waves() == ((1,), (2,), (3,))


# -- validation: messages name the argument and show the values -----------------------------


@pytest.mark.parametrize(
    ("kwargs", "request_kw", "error", "argument", "message"),
    [
        ({"allowed_run_types": ["scheduled", "manual"]}, {}, E.RunTypeNotAllowedError,
         "allowed_run_types",
         "allowed_run_types=['manual', 'scheduled']: the DAG does not allow backfill runs"),
        ({"backfill_running": True}, {}, E.BackfillAlreadyRunningError, "backfill_running",
         "backfill_running=True: another backfill of this DAG is not complete yet"),
        ({}, {"from_date": day(5), "to_date": day(2)}, E.InvalidBackfillRangeError, "from_date",
         f"from_date={iso(5)!r} is after to_date={iso(2)!r}"),
        ({}, {"from_date": day(20), "to_date": day(22)}, E.BackfillInFutureError, "to_date",
         f"from_date={iso(20)!r} and to_date={iso(22)!r}: both are at or after "
         f"now={iso(20)!r}; nothing can be backfilled yet"),
        # both bounds exactly at now: still "in the future" (at or after)
        ({}, {"from_date": day(20), "to_date": day(20)}, E.BackfillInFutureError, "to_date",
         f"from_date={iso(20)!r} and to_date={iso(20)!r}: both are at or after "
         f"now={iso(20)!r}; nothing can be backfilled yet"),
        ({"depends_on_past": True}, {"run_backwards": True, "reprocess_behavior": "failed"},
         E.InvalidBackfillDirectionError, "run_backwards",
         "run_backwards=True: a DAG with depends_on_past tasks must run forwards"),
        ({"depends_on_past": True}, {}, E.InvalidReprocessBehaviorError, "reprocess_behavior",
         "reprocess_behavior=None: a DAG with depends_on_past tasks needs 'failed' or "
         "'completed'"),
        ({"depends_on_past": True}, {"reprocess_behavior": "none"},
         E.InvalidReprocessBehaviorError, "reprocess_behavior",
         "reprocess_behavior='none': a DAG with depends_on_past tasks needs 'failed' or "
         "'completed'"),
        # the range holds ticks, but none has ended before now
        ({}, {"from_date": day(19, 1), "to_date": day(25)}, E.NoBackfillRunsError, "from_date",
         f"from_date={iso(19, 1)!r}, to_date={iso(25)!r}: the schedule has no interval in "
         f"this range that ended before now={iso(20)!r}"),
    ],
)
def test_validation_errors(kwargs: dict[str, Any], request_kw: dict[str, Any],
                           error: type[E.TimetableError], argument: str, message: str) -> None:
    req = BackfillRequest(**{"from_date": day(1), "to_date": day(3), **request_kw})
    with pytest.raises(error) as info:
        plan_backfill(DAILY, req, runs=[], now=day(20), **kwargs)
    assert (str(info.value), info.value.argument) == (message, argument)


@pytest.mark.parametrize("planner", [plan_backfill, iter_backfill])
def test_request_and_now_are_checked(planner: Any) -> None:
    with pytest.raises(E.WrongTypeError) as info:
        planner(DAILY, {"from_date": day(1)}, runs=[], now=day(20))
    assert (str(info.value), info.value.argument) == (
        "request={'from_date': " + repr(day(1)) + "}: expected a BackfillRequest", "request")
    with pytest.raises(E.NaiveDatetimeError) as naive:
        planner(DAILY, BackfillRequest(from_date=day(1), to_date=day(3)), runs=[],
                now=datetime(2024, 2, 1))
    assert naive.value.argument == "now"


def test_non_periodic_timetable_is_named_by_its_summary() -> None:
    with pytest.raises(E.NonPeriodicTimetableError) as info:
        plan_backfill(Never(), BackfillRequest(from_date=day(1), to_date=day(3)), runs=[],
                      now=day(20))
    assert str(info.value) == (
        f"timetable={Never().summary!r}: a non-periodic timetable cannot be backfilled")
    assert info.value.argument == "timetable"


@pytest.mark.parametrize(
    ("dry_run", "error"),
    [
        # Airflow's backfill checks the run type first; its dry run the timetable first
        (False, E.RunTypeNotAllowedError),
        (True, E.NonPeriodicTimetableError),
    ],
)
def test_validation_order(dry_run: bool, error: type[Exception]) -> None:
    with pytest.raises(error):
        plan_backfill(Never(), BackfillRequest(from_date=day(1), to_date=day(3)), runs=[],
                      now=day(20), allowed_run_types=["manual"], dry_run=dry_run)


def test_dry_run_ignores_a_running_backfill_and_returns_an_empty_plan() -> None:
    plan = plan_backfill(DAILY, BackfillRequest(from_date=day(1), to_date=day(3)), runs=[],
                         now=day(20), backfill_running=True, dry_run=True)
    assert plan.logical_dates == (day(1), day(2), day(3))
    empty = plan_backfill(DAILY, BackfillRequest(from_date=day(19, 1), to_date=day(25)),
                          runs=[], now=day(20), dry_run=True)
    assert (len(empty), empty.dry_run) == (0, True)


@pytest.mark.parametrize(
    ("allowed", "count"), [(None, 3), (["backfill"], 3), (["manual", "backfill"], 3)]
)
def test_allowed_run_types_including_backfill_is_accepted(allowed: list[str] | None,
                                                         count: int) -> None:
    plan = plan_backfill(DAILY, BackfillRequest(from_date=day(1), to_date=day(3)), runs=[],
                         now=day(20), allowed_run_types=allowed)
    assert len(plan) == count


@pytest.mark.parametrize(
    ("from_date", "to_date", "now", "dates"),
    [
        (day(2), day(2), day(20), [day(2)]),  # from == to: one logical date
        (day(1), day(20), day(20), [day(d) for d in range(1, 19)]),  # to at now: fine
        (day(1, 1), day(3), day(20), [day(2), day(3)]),  # from aligned to the next tick
        # an interval must end strictly before now; from_date before now is enough
        (day(1), day(30), day(4), [day(1), day(2)]),
        (day(1), day(30), day(4) + timedelta(microseconds=1), [day(1), day(2), day(3)]),
    ],
)
def test_range_bounds(from_date: datetime, to_date: datetime, now: datetime,
                      dates: list[datetime]) -> None:
    plan = plan_backfill(DAILY, BackfillRequest(from_date=from_date, to_date=to_date),
                         runs=[], now=now)
    assert list(plan.logical_dates) == dates


# -- entries ------------------------------------------------------------------------------


MIXED_RUNS = [run(2), run(3, "failed"), run(4, "running"),
              run(5, "failed", run_type="backfill", conf={"k": 1}, clear_number=2)]


def mixed_plan(**request_kw: Any) -> Any:
    req = BackfillRequest(from_date=day(1), to_date=day(6), max_active_runs=2,
                          reprocess_behavior="failed", **request_kw)
    return plan_backfill(DAILY, req, runs=MIXED_RUNS, now=day(20))


def test_entries_carry_ordinal_ids_waves_and_conf() -> None:
    plan = mixed_plan(dag_run_conf={"k": 1})
    assert [(e.sort_ordinal, e.action.value, e.run_id, e.existing_run_id, e.wave)
            for e in plan] == [
        (1, "create", f"backfill__{iso(2)}", None, 1),
        (2, "skip", None, "scheduled-2", None),
        (3, "reprocess", "scheduled-3", "scheduled-3", 1),
        (4, "skip", None, "scheduled-4", None),
        (5, "reprocess", "backfill-5", "backfill-5", 2),
        (6, "create", f"backfill__{iso(7)}", None, 2),
    ]
    assert [e.conf for e in plan] == [{"k": 1}] * 6
    assert plan[-1].sort_ordinal == 6
    assert plan.entries == tuple(plan)
    assert (plan.count("create"), plan.count("reprocess"), plan.count("skip")) == (2, 2, 2)


def test_a_created_entry_is_a_queued_backfill_row() -> None:
    plan = mixed_plan(dag_run_conf={"k": 1})
    row = plan[0].to_insert()
    assert (row.run_id, row.run_type.value, row.logical_date, row.data_interval_start,
            row.data_interval_end, row.run_after, row.state.value, row.conf,
            row.triggered_by) == (
        f"backfill__{iso(2)}", "backfill", day(1), day(1), day(2), day(2), "queued",
        {"k": 1}, "backfill")
    record = plan[0].to_record()
    assert (record.run_id, record.run_type.value, record.state.value) == (
        f"backfill__{iso(2)}", "backfill", "queued")


@pytest.mark.parametrize(("index", "action"), [(1, "skip"), (2, "reprocess")])
def test_only_a_create_entry_inserts(index: int, action: str) -> None:
    plan = mixed_plan()
    with pytest.raises(E.InvalidRequestError) as info:
        plan[index].to_insert()
    assert (str(info.value), info.value.argument) == (
        f"action={action!r}: only a 'create' entry creates a run", "action")


def test_changeset_inserts_created_runs_and_requeues_reprocessed_ones() -> None:
    plan = mixed_plan(dag_run_conf={"k": 1})
    cs = plan.changeset()
    assert [r.run_id for r in cs.runs_to_insert] == [f"backfill__{iso(2)}",
                                                      f"backfill__{iso(7)}"]
    assert [(u.run_id, u.start_date, u.to_dict()["changes"]) for u in cs.runs_to_update] == [
        # a scheduled run becomes a backfill run and takes the request's conf
        ("scheduled-3", "reset", {
            "clear_number": {"before": 0, "after": 1},
            "conf": {"before": None, "after": {"k": 1}},
            "run_type": {"before": "scheduled", "after": "backfill"},
            "state": {"before": "failed", "after": "queued"},
        }),
        # a backfill run with the same conf: only requeued
        ("backfill-5", "reset", {
            "clear_number": {"before": 2, "after": 3},
            "state": {"before": "failed", "after": "queued"},
        }),
    ]


@pytest.mark.parametrize(
    ("conf", "changes"),
    [
        (None, None),  # no conf in the request: the stored conf is kept
        ({"k": 1}, None),  # the same conf: no change
        ({"k": 2}, {"before": {"k": 1}, "after": {"k": 2}}),
    ],
)
def test_reprocess_conf_change(conf: dict[str, Any] | None, changes: Any) -> None:
    plan = mixed_plan(dag_run_conf=conf)
    update = plan.changeset().runs_to_update[1]
    assert update.run_id == "backfill-5"
    assert update.to_dict()["changes"].get("conf") == changes


def test_to_dict_is_the_documented_form() -> None:
    plan = mixed_plan()
    d = plan.to_dict()
    assert {k: d[k] for k in ("version", "kind", "now", "dry_run", "request", "counts")} == {
        "version": 1, "kind": "backfill", "now": iso(20), "dry_run": False,
        "request": {"from_date": iso(1), "to_date": iso(6), "run_backwards": False,
                    "reprocess_behavior": "failed", "max_active_runs": 2,
                    "dag_run_conf": None},
        "counts": {"create": 2, "reprocess": 2, "skip": 2},
    }
    assert d["entries"][:3] == [
        {"sort_ordinal": 1, "action": "create", "reason": "missing", "logical_date": iso(1),
         "data_interval": {"start": iso(1), "end": iso(2)}, "run_after": iso(2),
         "run_id": f"backfill__{iso(2)}", "existing_run_id": None, "wave": 1},
        {"sort_ordinal": 2, "action": "skip", "reason": "already exists",
         "logical_date": iso(2), "data_interval": {"start": iso(2), "end": iso(3)},
         "run_after": iso(3), "run_id": None, "existing_run_id": "scheduled-2", "wave": None},
        {"sort_ordinal": 3, "action": "reprocess", "reason": "failed → reprocess",
         "logical_date": iso(3), "data_interval": {"start": iso(3), "end": iso(4)},
         "run_after": iso(4), "run_id": "scheduled-3", "existing_run_id": "scheduled-3",
         "wave": 1},
    ]
    assert [r["run_id"] for r in d["reprocessed_runs"]] == ["scheduled-3", "backfill-5"]
    assert d["excluded"] == []
    bare = plan_backfill(DAILY, BackfillRequest(from_date=day(1), to_date=day(1),
                                                dag_run_conf={"k": [1]}),
                         runs=[], now=day(20)).to_dict()
    assert (bare["request"]["reprocess_behavior"], bare["request"]["dag_run_conf"]) == (
        None, {"k": [1]})


def test_calendar_exclusions_before_now_are_listed() -> None:
    cal = BusinessCalendar(holidays={date(2024, 1, 2): "Feast", date(2024, 1, 9): "Later"})
    tt = CronDataIntervals(cron="@daily", calendar=cal)
    plan = plan_backfill(tt, BackfillRequest(from_date=day(1), to_date=day(12)), runs=[],
                         now=day(5))
    assert plan.excluded == ((day(2), "excluded: Feast"),)
    assert plan.to_dict()["excluded"] == [{"logical_date": iso(2), "reason": "excluded: Feast"}]


# -- timetables without a fast stream (enumerated through iter_run_infos) -------------------


EVENTS = Events(event_dates=[day(d, 12) for d in (1, 2, 3, 5, 8)])


@pytest.mark.parametrize(
    ("from_date", "to_date", "now", "backwards", "dates"),
    [
        (day(1), day(30), day(30), False, [1, 2, 3, 5, 8]),
        (day(1), day(30), day(30), True, [8, 5, 3, 2, 1]),
        (day(2), day(5), day(30), False, [2, 3]),  # to_date is day 5 00:00
        (day(1), day(30), day(3, 12), False, [1, 2]),  # the event at now is not due yet
        (day(1), day(30), day(5), True, [3, 2, 1]),
    ],
)
def test_events_backfill(from_date: datetime, to_date: datetime, now: datetime,
                         backwards: bool, dates: list[int]) -> None:
    plan = plan_backfill(EVENTS, BackfillRequest(from_date=from_date, to_date=to_date,
                                                 run_backwards=backwards), runs=[], now=now)
    assert list(plan.logical_dates) == [day(d, 12) for d in dates]
    assert [e.run_info.run_after for e in plan] == [day(d, 12) for d in dates]


def test_run_ids_are_written_in_utc() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    tt = Events(event_dates=[datetime(2024, 1, d, 12, tzinfo=berlin) for d in (1, 2)])
    plan = plan_backfill(tt, BackfillRequest(from_date=day(1), to_date=day(3)), runs=[],
                         now=day(20))
    assert [e.run_id for e in plan] == ["backfill__2024-01-01T11:00:00+00:00",
                                        "backfill__2024-01-02T11:00:00+00:00"]


# -- streaming: iter_backfill, chunks, counts ------------------------------------------------


@pytest.mark.parametrize("backwards", [False, True])
@pytest.mark.parametrize("tt", [DAILY, EVENTS], ids=["cron", "events"])
def test_iter_backfill_is_the_plan_streamed(tt: Any, backwards: bool) -> None:
    runs = [run(2), run(3, "failed"), run(4, "running")]
    req = BackfillRequest(from_date=day(1), to_date=day(9), run_backwards=backwards,
                          reprocess_behavior="failed", max_active_runs=2,
                          dag_run_conf={"k": 1})
    plan = plan_backfill(tt, req, runs=runs, now=day(20))
    streamed = list(iter_backfill(tt, req, runs=runs, now=day(20)))
    assert streamed == list(plan)
    assert [(e.sort_ordinal, e.wave, e.conf) for e in streamed] == [
        (e.sort_ordinal, e.wave, e.conf) for e in plan]
    assert [e.to_dict() for e in streamed] == plan.to_dict()["entries"]


def test_iter_backfill_checks_at_the_call() -> None:
    req = BackfillRequest(from_date=day(19, 1), to_date=day(25))
    with pytest.raises(E.NoBackfillRunsError) as info:
        iter_backfill(DAILY, req, runs=[], now=day(20))  # not iterated: raised at the call
    assert (str(info.value), info.value.argument) == (
        f"from_date={iso(19, 1)!r}, to_date={iso(25)!r}: the schedule has no interval in "
        f"this range that ended before now={iso(20)!r}", "from_date")
    assert list(iter_backfill(DAILY, req, runs=[], now=day(20), dry_run=True)) == []
    with pytest.raises(E.BackfillAlreadyRunningError):
        iter_backfill(DAILY, BackfillRequest(from_date=day(1), to_date=day(3)), runs=[],
                      now=day(20), backfill_running=True)


def test_a_backwards_backfill_past_one_block_is_the_forward_one_reversed() -> None:
    # 4,096 intervals per block: three days of minutes are two blocks
    tt = CronDataIntervals(cron="* * * * *")
    forward = plan_backfill(tt, BackfillRequest(from_date=day(1), to_date=day(4)), runs=[],
                            now=day(4))
    backward = plan_backfill(tt, BackfillRequest(from_date=day(1), to_date=day(4),
                                                 run_backwards=True), runs=[], now=day(4))
    assert len(forward) == 3 * 24 * 60 - 1
    assert backward.logical_dates == forward.logical_dates[::-1]


@pytest.mark.parametrize("size", [1, 2, 3, 100])
def test_changesets_in_chunks_concatenate_to_the_changeset(size: int) -> None:
    plan = mixed_plan(dag_run_conf={"k": 2})
    chunks = list(plan.changesets(size=size))
    assert all(0 < len(c) <= size for c in chunks)
    assert len(chunks) == -(-len(plan.changeset()) // size)
    assert Changeset.merge(*chunks) == plan.changeset()
    assert Changeset.merge(*iter_changesets(plan, runs=MIXED_RUNS, size=size)) == (
        plan.changeset())


def test_a_reprocess_entry_needs_its_stored_run() -> None:
    plan = mixed_plan()
    with pytest.raises(E.InvalidArgumentError) as info:
        list(iter_changesets(plan, runs=[]))
    assert (str(info.value), info.value.argument) == (
        "runs='scheduled-3': the run this reprocess entry updates is not in the history given",
        "runs")


@pytest.mark.parametrize(
    ("tt", "kw"),
    [
        (DAILY, {}),
        (DAILY, {"reprocess_behavior": "completed"}),
        (CronTrigger(cron="@daily"), {}),
        (CronTrigger(cron="@daily", interval=timedelta(hours=6)), {}),
        (DeltaDataIntervals(delta=timedelta(hours=12)), {}),
        (DeltaTrigger(delta=timedelta(days=1)), {"reprocess_behavior": "failed"}),
    ],
)
@pytest.mark.parametrize(
    ("from_date", "to_date", "now"),
    [
        (day(1), day(9), day(20)),
        (day(1, 1), day(9), day(6, 12)),  # now cuts the range
        (day(3), day(3), day(20)),
        (day(1), day(30), day(4)),
        (day(19, 1), day(25), day(20)),  # the range's only tick has not ended yet
    ],
)
def test_count_backfill_answers_what_the_plan_counts(
    tt: Any, kw: dict[str, Any], from_date: datetime, to_date: datetime, now: datetime,
) -> None:
    off_grid = RunRecord(run_id="x", run_type="manual", logical_date=day(5, 7),
                         data_interval=DataInterval(start=day(5, 7), end=day(5, 8)),
                         run_after=day(5, 8), state="failed")
    runs = [run(2), run(3, "failed"), run(4, "running"), off_grid, run(6), run(40)]
    history = validate_history(runs)
    req = BackfillRequest(from_date=from_date, to_date=to_date, **kw)
    plan = plan_backfill(tt, req, runs=runs, now=now, dry_run=True)
    got = count_backfill(tt, req, history, now)
    assert got is not None
    dates = [e.run_info.logical_date for e in plan]
    assert got == (plan.counts, dates[0] if dates else None, dates[-1] if dates else None)


def test_streamed_rows_render_as_the_entries() -> None:
    req = BackfillRequest(from_date=day(1), to_date=day(6), reprocess_behavior="failed")
    history = validate_history(MIXED_RUNS)
    rows = stream_rows(DAILY, req, history, day(20), False)
    plan = plan_backfill(DAILY, req, runs=MIXED_RUNS, now=day(20))
    assert [entry_dict(i, row) for i, (row, _) in enumerate(rows, 1)] == [
        e.to_dict() for e in plan]


@pytest.mark.parametrize(
    "tt", [EVENTS, CronDataIntervals(cron="@daily", calendar=BusinessCalendar())]
)
def test_count_backfill_declines_without_a_cheap_count(tt: Any) -> None:
    req = BackfillRequest(from_date=day(1), to_date=day(9))
    assert count_backfill(tt, req, validate_history([]), day(20)) is None


class _Listed:
    """A host's timetable that runs a fixed list of intervals in the given order, which
    need not be increasing (the built-in kinds' grids always are)."""

    periodic = True
    summary = "listed"

    def __init__(self, days: list[int]) -> None:
        self.intervals = [DataInterval(start=day(d), end=day(d + 1)) for d in days]

    def next_run_info(self, *, last_interval: Any, restriction: Any, now: Any) -> Any:
        from timetable import RunInfo

        i = 0 if last_interval is None else self.intervals.index(last_interval) + 1
        if i == len(self.intervals):
            return None
        iv = self.intervals[i]
        return RunInfo(run_after=iv.end, data_interval=iv)

    def infer_manual_interval(self, *, run_after: datetime) -> DataInterval:
        return DataInterval(start=run_after, end=run_after)


@pytest.mark.parametrize("backwards", [False, True])
def test_a_grid_that_turns_back_still_finds_each_existing_run(backwards: bool) -> None:
    tt = _Listed([5, 2, 6, 3, 1])
    runs = [run(2, "failed"), run(3), run(5, "failed"), run(1, "running")]
    req = BackfillRequest(from_date=day(1), to_date=day(9), reprocess_behavior="failed",
                          run_backwards=backwards)
    plan = plan_backfill(tt, req, runs=runs, now=day(20))
    expected = [(5, "reprocess"), (2, "reprocess"), (6, "create"), (3, "skip"), (1, "skip")]
    if backwards:
        expected.reverse()
    assert [(e.run_info.logical_date.day, e.action.value) for e in plan] == expected
    assert [e.existing_run_id for e in plan if e.action.value != "create"] == [
        f"scheduled-{d}" for d, a in expected if a != "create"]
