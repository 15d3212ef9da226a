"""Unit tests of the planning modules: history, catchup, backfill, gaps, decisions."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from timetable import (
    Continuous,
    CronDataIntervals,
    CronTrigger,
    DataInterval,
    DeltaDataIntervals,
    Never,
    RunRecord,
    TimeRestriction,
)
from timetable import errors as E
from timetable._backfill import BackfillRequest, plan_backfill
from timetable._catchup import CatchupPolicy, CatchupStop, iter_catchup, plan_catchup
from timetable._decisions import manual_run_interval, plan_manual_run, template_dates
from timetable._gaps import find_gaps
from timetable._planning import Action, Reason, validate_history


def day(d: int, h: int = 0, month: int = 1, year: int = 2024) -> datetime:
    return datetime(year, month, d, h, tzinfo=UTC)


def sched(start: datetime, state: str = "success", *, end: datetime | None = None,
          run_type: str = "scheduled") -> RunRecord:
    end = end or start + timedelta(days=1)
    return RunRecord(run_id=f"{run_type}__{end.isoformat()}", run_type=run_type,
                     logical_date=start, data_interval=DataInterval(start=start, end=end),
                     run_after=end, state=state)


DAILY = CronDataIntervals(cron="@daily")


# -- history ---------------------------------------------------------------------------------


def test_history_sorted_and_indexed() -> None:
    runs = [sched(day(3)), sched(day(1)), sched(day(2))]
    h = validate_history(runs)
    assert [r.logical_date for r in h] == [day(1), day(2), day(3)]
    assert h.at(day(2).astimezone(UTC)) is runs[2]
    assert [r.logical_date for r in h.before(day(3))] == [day(2), day(1)]


def test_history_duplicate_run_id_names_the_record() -> None:
    a = sched(day(1))
    with pytest.raises(E.DuplicateRunIdError, match=r"runs\[1\] \(run_id='scheduled__"):
        validate_history([a, a])


def test_history_duplicate_logical_date() -> None:
    a = sched(day(1))
    b = RunRecord(run_id="manual__x", run_type="manual", logical_date=day(1),
                  data_interval=None, run_after=day(1), state="success")
    with pytest.raises(E.DuplicateLogicalDateError, match=r"runs\[1\] \(run_id='manual__x'\)"):
        validate_history([a, b])


def test_history_interval_contradicting_logical_date() -> None:
    bad = RunRecord(run_id="s", run_type="scheduled", logical_date=day(2),
                    data_interval=DataInterval(start=day(1), end=day(2)), run_after=day(2),
                    state="success")
    with pytest.raises(E.IntervalMismatchError, match="run_id='s'"):
        validate_history([bad])


def test_history_naive_datetime_in_a_mapping() -> None:
    raw = {"run_id": "r", "run_type": "scheduled", "logical_date": "2024-01-01T00:00:00",
           "data_interval": ["2024-01-01T00:00:00", "2024-01-02T00:00:00"],
           "run_after": "2024-01-02T00:00:00", "state": "success"}
    with pytest.raises(E.NaiveDatetimeError, match=r"runs\[0\] \(run_id='r'\)"):
        validate_history([raw])


def test_history_from_mappings() -> None:
    raw = {"run_id": "r", "run_type": "scheduled", "logical_date": "2024-01-01T00:00:00+00:00",
           "data_interval_start": "2024-01-01T00:00:00+00:00",
           "data_interval_end": "2024-01-02T00:00:00+00:00",
           "run_after": "2024-01-02T00:00:00+00:00", "state": "success"}
    assert validate_history([raw]).runs[0].data_interval == DataInterval(start=day(1), end=day(2))


# -- catchup: the guide's examples ---------------------------------------------------------------


@pytest.mark.parametrize(("catchup", "count"), [(True, 32), (False, 1)])
def test_guide_start_date_2015_12_01_picked_up_2016_01_02(catchup: bool, count: int) -> None:
    plan = plan_catchup(
        DAILY, runs=[],
        restriction=TimeRestriction(earliest=datetime(2015, 12, 1, tzinfo=UTC), catchup=catchup),
        now=datetime(2016, 1, 2, 6, tzinfo=UTC))
    assert len(plan) == count
    assert plan[-1].run_info.data_interval == DataInterval(
        start=datetime(2016, 1, 1, tzinfo=UTC), end=datetime(2016, 1, 2, tzinfo=UTC))
    assert plan.next_run is not None
    assert plan.next_run.run_after == datetime(2016, 1, 3, tzinfo=UTC)


@pytest.mark.parametrize(("catchup", "created"), [(True, 7), (False, 1)])
def test_guide_paused_for_a_week_then_unpaused(catchup: bool, created: int) -> None:
    """Paused after the run of Jan 10 (interval [Jan 9, Jan 10]), unpaused Jan 17 09:00."""
    runs = [sched(day(d)) for d in range(1, 10)]
    restriction = TimeRestriction(earliest=day(1), catchup=catchup)
    # while paused nobody asks; at the pause the plan was empty
    assert len(plan_catchup(DAILY, runs=runs, restriction=restriction, now=day(10, 9))) == 0
    plan = plan_catchup(DAILY, runs=runs, restriction=restriction, now=day(17, 9))
    assert plan.create_count == created
    assert plan[-1].run_info.logical_date == day(16)  # the latest complete interval
    assert plan.stopped is CatchupStop.CAUGHT_UP


def test_catchup_skips_an_existing_logical_date_and_continues() -> None:
    tt = CronTrigger(cron="@daily")
    manual = RunRecord(run_id="manual__x", run_type="manual", logical_date=day(3),
                       data_interval=DataInterval.exact(day(3)), run_after=day(3),
                       state="success")
    plan = plan_catchup(tt, runs=[manual], restriction=TimeRestriction(earliest=day(1), catchup=True),
                        now=day(5, 1))
    assert [(e.action, e.run_info.logical_date.day) for e in plan] == [
        (Action.CREATE, 1), (Action.CREATE, 2), (Action.SKIP, 3), (Action.CREATE, 4),
        (Action.CREATE, 5)]
    assert plan[2].reason is Reason.ALREADY_EXISTS
    assert plan[2].run_id == "manual__x"


def test_catchup_manual_runs_never_are_the_reference() -> None:
    runs = [sched(day(1)), RunRecord(run_id="m", run_type="manual", logical_date=day(3, 5),
                                     data_interval=None, run_after=day(3, 5), state="success")]
    plan = plan_catchup(DAILY, runs=runs, restriction=TimeRestriction(earliest=day(1), catchup=True),
                        now=day(4, 1))
    assert plan.reference_run_id == runs[0].run_id
    assert [e.run_info.logical_date for e in plan] == [day(2), day(3)]


def test_catchup_max_active_runs_counts_manual_and_not_backfill() -> None:
    runs = [
        sched(day(1)),
        RunRecord(run_id="m", run_type="manual", logical_date=day(1, 5), data_interval=None,
                  run_after=day(1, 5), state="running"),
        RunRecord(run_id="b", run_type="backfill", logical_date=day(1, 6), data_interval=None,
                  run_after=day(1, 6), state="running"),
    ]
    plan = plan_catchup(DAILY, runs=runs, restriction=TimeRestriction(earliest=day(1), catchup=True),
                        now=day(9), max_active_runs=3)
    assert plan.active_runs == 1
    assert plan.create_count == 2
    assert plan.stopped is CatchupStop.MAX_ACTIVE_RUNS
    assert plan.next_run is not None
    assert plan.next_run.logical_date == day(4)


def test_catchup_limit_and_end_date() -> None:
    r = TimeRestriction(earliest=day(1), latest=day(3), catchup=True)
    assert plan_catchup(DAILY, runs=[], restriction=r, now=day(9), limit=1).stopped is (
        CatchupStop.LIMIT)
    plan = plan_catchup(DAILY, runs=[], restriction=r, now=day(9))
    assert [e.run_info.logical_date for e in plan] == [day(1), day(2), day(3)]
    assert plan.stopped is CatchupStop.NO_MORE_RUNS
    assert plan.next_run is None
    assert tuple(iter_catchup(DAILY, runs=[], restriction=r, now=day(9))) == plan.entries


def test_catchup_continuous_and_never() -> None:
    plan = plan_catchup(Continuous(), runs=[], restriction=TimeRestriction(earliest=day(1), catchup=True),
                        now=day(2))
    assert plan.create_count == 1
    assert plan.stopped is CatchupStop.MAX_ACTIVE_RUNS
    assert len(plan_catchup(Never(), runs=[], restriction=TimeRestriction(), now=day(2))) == 0


def test_catchup_policies() -> None:
    r = TimeRestriction(earliest=day(1), catchup=True)
    runs = [sched(day(5))]
    window = plan_catchup(DAILY, runs=[], restriction=r, now=day(10, 1),
                          policy=CatchupPolicy.within(timedelta(days=2)))
    assert [e.run_info.logical_date for e in window] == [day(8), day(9)]
    assert window.skipped[0].count == 7
    latest = plan_catchup(DAILY, runs=runs, restriction=r, now=day(10, 1),
                          policy=CatchupPolicy.latest(2))
    assert [e.run_info.logical_date for e in latest] == [day(8), day(9)]
    coalesced = plan_catchup(DAILY, runs=runs, restriction=r, now=day(10, 1),
                             policy=CatchupPolicy.coalesce())
    assert [e.run_info.data_interval for e in coalesced] == [DataInterval(start=day(6),
                                                                          end=day(10))]
    assert coalesced[0].reason is Reason.COALESCED
    assert coalesced.skipped[0].count == 4
    json.dumps(coalesced.to_dict())
    assert "coalesced" in coalesced.to_text()


def test_catchup_policy_validation() -> None:
    with pytest.raises(E.InvalidArgumentError, match="count"):
        CatchupPolicy.latest(0)
    with pytest.raises(E.InvalidArgumentError, match="window"):
        CatchupPolicy(kind="window")
    with pytest.raises(E.InvalidArgumentError, match="limit"):
        plan_catchup(DAILY, runs=[], restriction=TimeRestriction(), now=day(1), limit=0)


# -- backfill ------------------------------------------------------------------------------------


def test_backfill_matrix_conf_and_waves() -> None:
    runs = [sched(day(5)), sched(day(6), "failed"), sched(day(7), "running")]
    plan = plan_backfill(
        DAILY,
        BackfillRequest(from_date=day(3), to_date=day(9), reprocess_behavior="failed",
                        max_active_runs=2, dag_run_conf={"k": [1]}),
        runs=runs, now=day(20))
    assert [(e.action.value, e.reason.value) for e in plan] == [
        ("create", "missing"), ("create", "missing"), ("skip", "already exists"),
        ("reprocess", "failed → reprocess"), ("skip", "in flight"), ("create", "missing"),
        ("create", "missing")]
    assert plan[3].run_id == runs[1].run_id
    assert plan.waves() == ((1, 2), (4, 6), (7,))
    assert plan.conf == {"k": [1]}
    assert json.loads(json.dumps(plan.to_dict()))["request"]["dag_run_conf"] == {"k": [1]}
    assert "reprocess" in plan.to_text()


@pytest.mark.parametrize(
    ("kwargs", "request_kw", "error"),
    [
        ({}, {"from_date": day(5), "to_date": day(1)}, E.InvalidBackfillRangeError),
        ({}, {"from_date": day(25), "to_date": day(26)}, E.BackfillInFutureError),
        ({"depends_on_past": True}, {"run_backwards": True, "reprocess_behavior": "failed"},
         E.InvalidBackfillDirectionError),
        ({"depends_on_past": True}, {}, E.InvalidReprocessBehaviorError),
        ({"allowed_run_types": ["manual"]}, {}, E.RunTypeNotAllowedError),
        ({"backfill_running": True}, {}, E.BackfillAlreadyRunningError),
        ({}, {"from_date": day(1, 1), "to_date": day(1, 2)}, E.NoBackfillRunsError),
    ],
)
def test_backfill_validation(kwargs: dict, request_kw: dict, error: type) -> None:
    req = {"from_date": day(1), "to_date": day(3), **request_kw}
    with pytest.raises(error) as info:
        plan_backfill(DAILY, BackfillRequest(**req), runs=[], now=day(20), **kwargs)
    assert isinstance(info.value, E.InvalidRequestError)


def test_backfill_non_periodic_and_dry_run() -> None:
    with pytest.raises(E.NonPeriodicTimetableError):
        plan_backfill(Never(), BackfillRequest(from_date=day(1), to_date=day(3)), runs=[],
                      now=day(20))
    empty = plan_backfill(DAILY, BackfillRequest(from_date=day(1, 1), to_date=day(1, 2)),
                          runs=[], now=day(20), dry_run=True)
    assert empty.logical_dates == ()


def test_backfill_far_future_to_date_is_cheap() -> None:
    plan = plan_backfill(DeltaDataIntervals(delta=timedelta(days=1)),
                         BackfillRequest(from_date=day(1), to_date=datetime(9000, 1, 1,
                                                                             tzinfo=UTC)),
                         runs=[], now=day(5))
    assert len(plan) == 3


# -- gaps ----------------------------------------------------------------------------------------


def test_gaps_missing_failed_and_off_grid() -> None:
    runs = [sched(day(1)), sched(day(2), "failed"), sched(day(5)),
            RunRecord(run_id="m", run_type="manual", logical_date=day(6, 3), data_interval=None,
                      run_after=day(6, 3), state="success")]
    report = find_gaps(DAILY, runs=runs, start=day(1), end=day(9), now=day(9))
    assert [(g.reason, g.first.logical_date.day, g.count) for g in report.gaps] == [
        (Reason.MISSING, 3, 2), (Reason.MISSING, 6, 3)]
    assert (report.expected, report.present, report.missing) == (8, 3, 5)
    assert report.off_grid == ("m",)
    with_failed = find_gaps(DAILY, runs=runs, start=day(1), end=day(9), now=day(9),
                            include_failed=True)
    assert [(g.reason.value, g.count) for g in with_failed.gaps] == [
        ("failed", 1), ("missing", 2), ("missing", 3)]
    json.dumps(report.to_dict())
    assert "missing" in report.to_text()
    with pytest.raises(E.InvalidIntervalError):
        find_gaps(DAILY, runs=[], start=day(3), end=day(1), now=day(9))


# -- template dates and manual runs ------------------------------------------------------------


def test_template_dates_prev_success_and_airflow2() -> None:
    runs = [sched(day(1)), sched(day(2), "failed"), sched(day(3), "running")]
    keys = template_dates(runs[2], runs=runs, timetable=DAILY, airflow2=True)
    assert keys["prev_data_interval_start_success"] == day(1)
    assert keys["prev_data_interval_end_success"] == day(2)
    assert keys["prev_start_date_success"] is None
    assert keys["prev_ds"] == "2024-01-02"
    assert keys["next_ds"] == "2024-01-04"
    assert keys["yesterday_ds_nodash"] == "20240102"
    assert keys["prev_execution_date_success"] == day(1)
    no_date = RunRecord(run_id="a", run_type="asset_triggered", logical_date=None,
                        data_interval=None, run_after=day(3), state="running")
    assert set(template_dates(no_date)) == {"prev_start_date_success", "prev_end_date_success"}
    with pytest.raises(E.InvalidArgumentError, match="timetable"):
        template_dates(runs[2], airflow2=True)


def test_manual_runs_both_ways() -> None:
    logical = datetime(2022, 8, 1, 9, 30, tzinfo=UTC)
    run_after = datetime(2022, 8, 3, 12, 0, 0, 123456, tzinfo=UTC)
    rest = plan_manual_run(DAILY, run_after=run_after, logical_date=logical, conf={"a": 1})
    assert rest.data_interval == DataInterval(start=datetime(2022, 7, 31, tzinfo=UTC),
                                              end=datetime(2022, 8, 1, tzinfo=UTC))
    assert rest.logical_date == logical
    assert rest.conf == {"a": 1}
    assert rest.run_id == "manual__2022-08-03T12:00:00.123456+00:00"
    trig = plan_manual_run(DAILY, run_after=run_after, logical_date=logical, source="trigger")
    assert trig.data_interval == DataInterval(start=datetime(2022, 8, 2, tzinfo=UTC),
                                              end=datetime(2022, 8, 3, tzinfo=UTC))
    assert manual_run_interval(DAILY, logical_date=None, run_after=run_after) is None
    with pytest.raises(E.RunAlreadyExistsError, match="logical_date"):
        plan_manual_run(DAILY, run_after=run_after, logical_date=logical, run_id="other",
                        runs=[rest.to_record()])
    with pytest.raises(E.WrongTypeError, match="conf"):
        plan_manual_run(DAILY, run_after=run_after, logical_date=logical, conf=[1])  # type: ignore[arg-type]
