"""Exact behaviour of ``plan_catchup`` / ``iter_catchup`` at each rule (one row per rule)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from timetable import (
    Continuous,
    CronDataIntervals,
    DataInterval,
    DeltaDataIntervals,
    Events,
    RunRecord,
    TimeRestriction,
)
from timetable import errors as E
from timetable._catchup import CatchupPolicy, iter_catchup, plan_catchup

DAILY = CronDataIntervals(cron="@daily")
ON = TimeRestriction(earliest=datetime(2024, 1, 1, tzinfo=UTC), catchup=True)
OFF = TimeRestriction(earliest=datetime(2024, 1, 1, tzinfo=UTC), catchup=False)


def day(d: int, h: int = 0) -> datetime:
    return datetime(2024, 1, 1, h, tzinfo=UTC) + timedelta(days=d - 1)


def iso(d: int, h: int = 0) -> str:
    return day(d, h).isoformat()


def rec(run_id: str, start: datetime, end: datetime | None, *, run_type: str = "scheduled",
        state: str = "success") -> RunRecord:
    """A run; ``end=None`` stores no data interval (Airflow infers a manual one)."""
    return RunRecord(run_id=run_id, run_type=run_type, logical_date=start,
                     data_interval=None if end is None else DataInterval(start=start, end=end),
                     run_after=end or start, state=state)


def sched(d: int, state: str = "success") -> RunRecord:
    return rec(f"s{d}", day(d), day(d + 1), state=state)


def manual(d: int, end: datetime | None, state: str = "success") -> RunRecord:
    return rec(f"m{d}", day(d), end, run_type="manual", state=state)


def listing(plan: Any) -> list[tuple[str, int]]:
    return [(e.action.value, e.run_info.logical_date.day) for e in plan]


def ranges(plan: Any) -> list[tuple[str, int, int, int]]:
    return [(r.reason.value, r.first.logical_date.day, r.last.logical_date.day, r.count)
            for r in plan.skipped]


# -- CatchupPolicy -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "argument", "message"),
    [
        ({"kind": "sometimes"}, "kind",
         "kind='sometimes': expected one of ('airflow', 'window', 'latest', 'coalesce')"),
        ({"kind": "window"}, "window", "window=None: expected a non-negative timedelta"),
        ({"kind": "window", "window": 3600}, "window",
         "window=3600: expected a non-negative timedelta"),
        ({"kind": "window", "window": timedelta(microseconds=-1)}, "window",
         "window=datetime.timedelta(days=-1, seconds=86399, microseconds=999999): "
         "expected a non-negative timedelta"),
        ({"window": timedelta(hours=1)}, "window",
         "window=datetime.timedelta(seconds=3600): only for kind='window'"),
        ({"kind": "latest", "count": 0}, "count", "count=0: expected an int >= 1"),
        ({"kind": "latest", "count": True}, "count", "count=True: expected an int >= 1"),
        ({"kind": "latest", "count": 2.0}, "count", "count=2.0: expected an int >= 1"),
        ({"kind": "latest"}, "count", "count=None: expected an int >= 1"),
        ({"kind": "coalesce", "count": 1}, "count", "count=1: only for kind='latest'"),
    ],
)
def test_policy_refuses_naming_the_field(kwargs: dict[str, Any], argument: str,
                                         message: str) -> None:
    with pytest.raises(E.InvalidArgumentError) as info:
        CatchupPolicy(**kwargs)
    assert (str(info.value), info.value.argument) == (message, argument)


def test_policy_constructors_and_their_smallest_values() -> None:
    assert CatchupPolicy.airflow() == CatchupPolicy(kind="airflow")
    assert CatchupPolicy.within(timedelta(0)) == CatchupPolicy(kind="window",
                                                               window=timedelta(0))
    assert CatchupPolicy.latest() == CatchupPolicy(kind="latest", count=1)
    assert CatchupPolicy.coalesce() == CatchupPolicy(kind="coalesce")


# -- argument checks, the same in plan_catchup and iter_catchup ------------------------------


def planned(tt: Any = DAILY, **kwargs: Any) -> list[tuple[str, int]]:
    return listing(plan_catchup(tt, **kwargs))


def iterated(tt: Any = DAILY, **kwargs: Any) -> list[tuple[str, int]]:
    return listing(iter_catchup(tt, **kwargs))


BOTH = pytest.mark.parametrize("entries", [planned, iterated], ids=["plan", "iter"])


@BOTH
@pytest.mark.parametrize(
    ("kwargs", "error", "argument", "message"),
    [
        ({"limit": 0}, E.InvalidArgumentError, "limit", "limit=0: expected an int >= 1 or None"),
        ({"limit": -2}, E.InvalidArgumentError, "limit",
         "limit=-2: expected an int >= 1 or None"),
        ({"limit": True}, E.WrongTypeError, "limit", "limit=True: expected an int or None"),
        ({"max_active_runs": -1}, E.InvalidArgumentError, "max_active_runs",
         "max_active_runs=-1: expected an int >= 0 or None"),
        ({"max_active_runs": 1.0}, E.WrongTypeError, "max_active_runs",
         "max_active_runs=1.0: expected an int or None"),
        ({"now": datetime(2024, 1, 5)}, E.NaiveDatetimeError, "now", None),
        ({"restriction": None}, E.WrongTypeError, "restriction",
         "restriction=None: expected a TimeRestriction"),
    ],
)
def test_arguments_are_refused_naming_them(
    entries: Callable[..., Any], kwargs: dict[str, Any], error: type[E.TimetableError],
    argument: str, message: str | None,
) -> None:
    with pytest.raises(error) as info:
        entries(**{"runs": [], "restriction": ON, "now": day(5), **kwargs})
    assert info.value.argument == argument
    if message is not None:
        assert str(info.value) == message


# -- the gates ---------------------------------------------------------------------------------


@BOTH
@pytest.mark.parametrize(
    ("tt", "runs", "kwargs", "created"),
    [
        (DAILY, [], {}, [1, 2, 3, 4, 5]),
        (DAILY, [], {"limit": 1}, [1]),
        (DAILY, [], {"limit": 2}, [1, 2]),
        (DAILY, [], {"max_active_runs": 0}, []),
        (DAILY, [], {"max_active_runs": 2}, [1, 2]),
        (DAILY, [], {"max_active_runs": 3, "limit": 2}, [1, 2]),
        (DAILY, [], {"max_active_runs": 2, "limit": 3}, [1, 2]),
        # a running run takes a slot; more running runs than slots: nothing, not an error
        (DAILY, [rec("m", day(1, 5), None, run_type="manual", state="running")],
         {"max_active_runs": 3}, [1, 2]),
        (DAILY, [manual(1, day(1, 1), "running"), manual(2, day(2, 1), "queued")],
         {"max_active_runs": 1}, []),
        # Continuous allows one active run whatever max_active_runs says, and 0 still wins
        (Continuous(), [], {"max_active_runs": 5}, [1]),
        (Continuous(), [], {"max_active_runs": 0}, []),
    ],
)
def test_gates(entries: Callable[..., Any], tt: Any, runs: list[RunRecord],
               kwargs: dict[str, Any], created: list[int]) -> None:
    got = entries(tt, runs=runs, restriction=ON, now=day(6, 1), **kwargs)
    assert [d for action, d in got if action == "create"] == created


@BOTH
def test_existing_runs_are_skipped_and_not_counted_by_the_gates(
    entries: Callable[..., Any],
) -> None:
    runs = [sched(1), manual(3, day(4))]
    assert entries(runs=runs, restriction=ON, now=day(7, 1), limit=2) == [
        ("create", 2), ("skip", 3), ("create", 4)]


def test_iter_catchup_continues_from_the_latest_automated_run() -> None:
    entries = list(iter_catchup(DAILY, runs=[sched(2), manual(4, day(5))], restriction=ON,
                                now=day(6, 1)))
    assert [(e.action.value, e.reason.value, e.run_id) for e in entries] == [
        ("create", "due", f"scheduled__{iso(4)}"),
        ("skip", "already exists", "m4"),
        ("create", "due", f"scheduled__{iso(6)}"),
    ]


# -- the chain ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tt", "runs", "now", "expected", "stopped", "next_day"),
    [
        # a run without a stored interval: Airflow infers its manual interval ([2, 3]),
        # whose next interval is the same logical date again - the loop makes no progress
        (DAILY, [sched(1), manual(3, None)], day(8, 1), [("create", 2), ("skip", 3)],
         "no progress", 3),
        # a stored interval off the schedule's chain: the chain continues from its end
        (DAILY, [sched(1), manual(3, day(5))], day(8, 1),
         [("create", 2), ("skip", 3), ("create", 5), ("create", 6), ("create", 7)],
         "caught up", 8),
        (DeltaDataIntervals(delta=timedelta(days=1)), [rec("s1", day(1, 6), day(2, 6))],
         day(5, 7), [("create", 2), ("create", 3), ("create", 4)], "caught up", 5),
        (DAILY, [sched(5)], day(6, 1), [], "caught up", 6),
    ],
)
def test_chain(tt: Any, runs: list[RunRecord], now: datetime, expected: list[tuple[str, int]],
               stopped: str, next_day: int) -> None:
    plan = plan_catchup(tt, runs=runs, restriction=ON, now=now)
    assert (listing(plan), plan.stopped.value) == (expected, stopped)
    assert plan.next_run is not None
    assert plan.next_run.logical_date.day == next_day
    assert [e for e in plan if e.action.value == "create"] == [
        e for e in iter_catchup(tt, runs=runs, restriction=ON, now=now)
        if e.action.value == "create"]


def test_delta_chain_keeps_an_off_grid_start() -> None:
    tt = DeltaDataIntervals(delta=timedelta(days=1))
    plan = plan_catchup(tt, runs=[sched(1), rec("m3", day(3), day(3, 6), run_type="manual")],
                        restriction=ON, now=day(6, 7))
    assert [(e.action.value, e.run_info.logical_date) for e in plan] == [
        ("create", day(2)), ("skip", day(3)), ("create", day(3, 6)), ("create", day(4, 6)),
        ("create", day(5, 6))]


# -- catchup=False: what it jumps over ----------------------------------------------------------


@pytest.mark.parametrize(
    ("runs", "kwargs", "created", "skipped"),
    [
        ([], {}, [9], []),  # no previous run: the schedule starts at the latest interval
        ([sched(1)], {}, [9], [("catchup off", 2, 8, 7)]),
        ([sched(8)], {}, [9], []),
        # existing runs are not listed as skipped
        ([sched(1), manual(3, day(4))], {}, [9], [("catchup off", 2, 8, 6)]),
        # nothing created: the range stops before the run that comes next
        ([sched(1)], {"max_active_runs": 0}, [], [("catchup off", 2, 8, 7)]),
    ],
)
def test_catchup_off_lists_the_intervals_it_jumps_over(
    runs: list[RunRecord], kwargs: dict[str, Any], created: list[int],
    skipped: list[tuple[str, int, int, int]],
) -> None:
    plan = plan_catchup(DAILY, runs=runs, restriction=OFF, now=day(10, 1), **kwargs)
    assert [d for a, d in listing(plan) if a == "create"] == created
    assert ranges(plan) == skipped
    assert plan.catchup is False


def test_catchup_off_with_no_next_run_lists_nothing() -> None:
    r = TimeRestriction(earliest=day(1), latest=day(3), catchup=False)
    plan = plan_catchup(DAILY, runs=[sched(3)], restriction=r, now=day(10))
    assert (len(plan), plan.next_run, plan.skipped) == (0, None, ())


# -- policies ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "runs", "now", "expected", "skipped"),
    [
        # the window's start is inclusive: run_after == now - window is kept
        (CatchupPolicy.within(timedelta(days=2)), [], day(10),
         [("create", 7), ("create", 8), ("create", 9)], [("outside catchup window", 1, 6, 6)]),
        (CatchupPolicy.within(timedelta(days=2)), [], day(10) - timedelta(microseconds=1),
         [("create", 7), ("create", 8)], [("outside catchup window", 1, 6, 6)]),
        (CatchupPolicy.within(timedelta(0)), [], day(10), [("create", 9)],
         [("outside catchup window", 1, 8, 8)]),
        (CatchupPolicy.latest(), [], day(10), [("create", 9)],
         [("older than the latest N", 1, 8, 8)]),
        # existing runs stay listed, whatever their age
        (CatchupPolicy.latest(2), [sched(1), manual(3, day(4))], day(10),
         [("skip", 3), ("create", 8), ("create", 9)], [("older than the latest N", 2, 7, 5)]),
        # coalesce: one run per gap; a gap of one interval is an ordinary due run
        (CatchupPolicy.coalesce(), [sched(1), manual(3, day(4))], day(10),
         [("create", 2), ("skip", 3), ("create", 4)], [("coalesced", 4, 9, 6)]),
        (CatchupPolicy.coalesce(), [sched(8)], day(10), [("create", 9)], []),
    ],
)
def test_policies(policy: CatchupPolicy, runs: list[RunRecord], now: datetime,
                  expected: list[tuple[str, int]],
                  skipped: list[tuple[str, int, int, int]]) -> None:
    # a policy always runs the catchup=True chain
    plan = plan_catchup(DAILY, runs=runs, restriction=OFF, now=now, policy=policy)
    assert (listing(plan), ranges(plan), plan.catchup) == (expected, skipped, True)


def test_coalesced_run_spans_its_gap() -> None:
    plan = plan_catchup(DAILY, runs=[sched(1), manual(3, day(4))], restriction=ON,
                        now=day(10), policy=CatchupPolicy.coalesce())
    assert [(e.reason.value, e.run_info.data_interval, e.run_info.run_after, e.run_id)
            for e in plan] == [
        ("due", DataInterval(start=day(2), end=day(3)), day(3), f"scheduled__{iso(3)}"),
        ("already exists", DataInterval(start=day(3), end=day(4)), day(4), "m3"),
        ("coalesced", DataInterval(start=day(4), end=day(10)), day(10),
         f"scheduled__{iso(10)}"),
    ]


@pytest.mark.parametrize(
    ("policy", "limit", "expected", "skipped", "next_day"),
    [
        (CatchupPolicy.within(timedelta(days=3)), 1, [("create", 6)],
         [("outside catchup window", 1, 5, 5)], 7),
        (CatchupPolicy.latest(3), 1, [("create", 7)], [("older than the latest N", 1, 6, 6)], 8),
        (CatchupPolicy.latest(5), 3, [("create", 5), ("create", 6), ("create", 7)],
         [("older than the latest N", 1, 4, 4)], 8),
    ],
)
def test_a_gate_stops_a_policy_plan(policy: CatchupPolicy, limit: int,
                                    expected: list[tuple[str, int]],
                                    skipped: list[tuple[str, int, int, int]],
                                    next_day: int) -> None:
    plan = plan_catchup(DAILY, runs=[], restriction=ON, now=day(10), policy=policy,
                        limit=limit)
    assert (listing(plan), ranges(plan), plan.stopped.value) == (
        expected, skipped, "limit reached")
    assert plan.next_run is not None
    assert plan.next_run.logical_date.day == next_day


def test_a_gate_before_any_policy_skip_lists_none() -> None:
    plan = plan_catchup(DAILY, runs=[sched(1)], restriction=ON, now=day(10),
                        policy=CatchupPolicy.coalesce(), max_active_runs=0)
    assert (len(plan), plan.skipped, plan.stopped.value) == (0, (), "max_active_runs reached")


# -- entries, rows, forms -----------------------------------------------------------------------


def test_a_created_entry_is_a_queued_scheduled_row() -> None:
    plan = plan_catchup(DAILY, runs=[sched(1), manual(2, day(3))], restriction=ON,
                        now=day(4, 1))
    row = plan[1].to_insert()
    assert (row.run_id, row.run_type.value, row.logical_date, row.data_interval_start,
            row.data_interval_end, row.run_after, row.state.value, row.triggered_by) == (
        f"scheduled__{iso(4)}", "scheduled", day(3), day(3), day(4), day(4), "queued",
        "timetable")
    assert plan[1].to_record().run_id == f"scheduled__{iso(4)}"
    assert [r.run_id for r in plan.changeset().runs_to_insert] == [f"scheduled__{iso(4)}"]
    assert (plan.count("create"), plan.count("skip"), plan.counts) == (
        1, 1, {"create": 1, "skip": 1, "reprocess": 0})
    with pytest.raises(E.InvalidRequestError) as info:
        plan[0].to_insert()
    assert (str(info.value), info.value.argument) == (
        "action='skip': only a 'create' entry creates a run", "action")


def test_run_ids_are_written_in_utc() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    tt = Events(event_dates=[datetime(2024, 1, d, 12, tzinfo=berlin) for d in (1, 2)])
    plan = plan_catchup(tt, runs=[], restriction=ON, now=day(5))
    assert [e.run_id for e in plan] == ["scheduled__2024-01-01T11:00:00+00:00",
                                        "scheduled__2024-01-02T11:00:00+00:00"]


def test_to_dict_is_the_documented_form() -> None:
    plan = plan_catchup(DAILY, runs=[sched(1), manual(3, day(4))], restriction=ON,
                        now=day(6, 1), policy=CatchupPolicy.within(timedelta(days=2)))
    assert plan.to_dict() == {
        "version": 1, "kind": "catchup", "now": iso(6, 1), "catchup": True,
        "policy": {"kind": "window", "window": {"seconds": 172800.0}, "count": None},
        "reference_run_id": "s1", "active_runs": 0, "stopped": "caught up",
        "next_run": {"logical_date": iso(6), "data_interval": {"start": iso(6), "end": iso(7)},
                     "run_after": iso(7)},
        "entries": [
            {"action": "skip", "reason": "already exists", "run_id": "m3",
             "logical_date": iso(3), "data_interval": {"start": iso(3), "end": iso(4)},
             "run_after": iso(4)},
            {"action": "create", "reason": "due", "run_id": f"scheduled__{iso(5)}",
             "logical_date": iso(4), "data_interval": {"start": iso(4), "end": iso(5)},
             "run_after": iso(5)},
            {"action": "create", "reason": "due", "run_id": f"scheduled__{iso(6)}",
             "logical_date": iso(5), "data_interval": {"start": iso(5), "end": iso(6)},
             "run_after": iso(6)},
        ],
        "skipped": [{
            "reason": "outside catchup window", "count": 1,
            "first": {"logical_date": iso(2), "data_interval": {"start": iso(2), "end": iso(3)},
                      "run_after": iso(3)},
            "last": {"logical_date": iso(2), "data_interval": {"start": iso(2), "end": iso(3)},
                     "run_after": iso(3)},
        }],
    }
    airflow = plan_catchup(DAILY, runs=[], restriction=ON, now=day(1)).to_dict()
    assert (airflow["policy"], airflow["next_run"]["logical_date"]) == (
        {"kind": "airflow", "window": None, "count": None}, iso(1))
    ended = TimeRestriction(earliest=day(1), latest=day(2), catchup=True)
    done = plan_catchup(DAILY, runs=[], restriction=ended, now=day(9)).to_dict()
    assert (done["stopped"], done["next_run"], len(done["entries"])) == (
        "no more runs", None, 2)


@pytest.mark.parametrize(
    ("max_lines", "shown"),
    [
        (2, [1, 2, "… 2 more …", 5]),
        (3, [1, 2, 3, "… 1 more …", 5]),
        (4, [1, 2, 3, 4, 5]),  # n == max_lines + 1: eliding one line would save nothing
        (5, [1, 2, 3, 4, 5]),
    ],
)
def test_to_text_elides_past_max_lines(max_lines: int, shown: list[int | str]) -> None:
    plan = plan_catchup(DAILY, runs=[], restriction=ON, now=day(6, 1))
    lines = plan.to_text(max_lines=max_lines).splitlines()[3:-1]  # header, next run
    assert [x.strip() if "more" in x else x.split()[1] for x in lines] == [
        iso(s) if isinstance(s, int) else s for s in shown]
    assert lines[0] == f"  create {iso(1)}  [{iso(1)}, {iso(2)}]  scheduled__{iso(2)}  (due)"


# -- the size guard and custom timetables ----------------------------------------------------


MINUTELY = CronDataIntervals(cron="* * * * *")
Y2020 = datetime(2020, 1, 1, tzinfo=UTC)
Y2024 = datetime(2024, 1, 1, tzinfo=UTC)


def test_a_plan_too_large_names_the_restriction_and_the_way_out() -> None:
    with pytest.raises(E.PlanTooLargeError) as info:
        plan_catchup(MINUTELY, runs=[], restriction=TimeRestriction(earliest=Y2020, catchup=True),
                     now=Y2024)
    assert (str(info.value), info.value.argument) == (
        f"restriction: {Y2020.isoformat()} .. {Y2024.isoformat()} holds 2,103,841 intervals of "
        "'* * * * *', more than the 1,000,000 one plan can hold; stream the entries with "
        "iter_catchup, or pass limit=", "restriction")


@pytest.mark.parametrize(
    ("restriction", "runs", "kwargs", "created"),
    [
        (TimeRestriction(earliest=Y2020, catchup=True), [], {"limit": 2}, 2),  # limit: no guard
        (TimeRestriction(earliest=Y2020, catchup=False), [], {}, 1),  # catchup off: one run
        # the range counted starts at the last run, and ends at the end date
        (TimeRestriction(earliest=Y2020, catchup=True),
         [rec("s", Y2024 - timedelta(minutes=3), Y2024 - timedelta(minutes=2))], {}, 2),
        (TimeRestriction(earliest=Y2020, latest=Y2020 + timedelta(minutes=2), catchup=True),
         [], {}, 3),
        (TimeRestriction(catchup=True), [], {}, 0),  # no start date: nothing to count
    ],
)
def test_ranges_within_the_size_guard(restriction: TimeRestriction, runs: list[RunRecord],
                                      kwargs: dict[str, Any], created: int) -> None:
    plan = plan_catchup(MINUTELY, runs=runs, restriction=restriction, now=Y2024, **kwargs)
    assert plan.create_count == created


def test_policy_must_be_a_policy() -> None:
    with pytest.raises(E.WrongTypeError) as info:
        plan_catchup(DAILY, runs=[], restriction=ON, now=day(5), policy="latest")  # type: ignore[arg-type]
    assert (str(info.value), info.value.argument) == (
        "policy='latest': expected a CatchupPolicy or None", "policy")


class HostDaily:
    """A host's own timetable: the protocol's members only (no ``active_runs_limit``)."""

    periodic = True
    summary = "host daily"

    def next_run_info(self, *, last_interval: DataInterval | None,
                      restriction: TimeRestriction, now: datetime) -> Any:
        return DAILY.next_run_info(last_interval=last_interval, restriction=restriction,
                                   now=now)

    def infer_manual_interval(self, *, run_after: datetime) -> DataInterval:
        return DAILY.infer_manual_interval(run_after=run_after)


@BOTH
def test_a_custom_timetable_is_gated_by_max_active_runs_only(
    entries: Callable[..., Any],
) -> None:
    got = entries(HostDaily(), runs=[], restriction=ON, now=day(6, 1), max_active_runs=2)
    assert got == [("create", 1), ("create", 2)]
