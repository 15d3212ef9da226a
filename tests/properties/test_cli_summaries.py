"""``catchup --summary`` and ``gaps --summary`` by arithmetic answer as the walk does.

``timetable.cli.summaries`` counts without walking the intervals; the walk
(``_catchup._chain`` through Airflow's gate, ``find_gaps``) is the oracle.  Schedules
include DST zones around their offset changes, histories have holes, failed runs and
runs off the grid.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from timetable import (
    CronDataIntervals,
    CronTrigger,
    DataInterval,
    DeltaDataIntervals,
    DeltaTrigger,
    RunRecord,
    TimeRestriction,
    find_gaps,
    iter_run_infos,
)
from timetable._catchup import _airflow_rows, _chain, _Ending, _Gate, _slots
from timetable._planning import Action, validate_history
from timetable.cli.summaries import CatchupSummary, GapsSummary, catchup_summary, gaps_summary

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SCHEDULES = [
    CronTrigger(cron="*/30 * * * *", timezone="Europe/Berlin"),
    CronDataIntervals(cron="*/30 * * * *", timezone="Europe/Berlin"),
    CronDataIntervals(cron="30 2 * * *", timezone="Europe/Berlin"),
    CronTrigger(cron="0 */3 * * *", timezone="America/New_York"),
    CronTrigger(cron="15 * * * *"),
    CronDataIntervals(cron="@hourly"),
    DeltaDataIntervals(delta=timedelta(hours=7)),
    DeltaTrigger(delta=timedelta(minutes=45)),
]
# Two weeks either side of Europe's and America's spring and autumn changes of 2024.
BASES = [datetime(2024, 3, 24, tzinfo=UTC), datetime(2024, 10, 20, tzinfo=UTC),
         datetime(2024, 3, 3, tzinfo=UTC), datetime(2024, 11, 1, tzinfo=UTC)]


def _runs(tt: Any, start: datetime, end: datetime, picks: list[int], states: list[str],
          off: list[int]) -> list[RunRecord]:
    grid = [i for i in iter_run_infos(tt, start=start, end=end, now=end)]
    out = []
    for n, i in enumerate(sorted({p % len(grid) for p in picks} if grid else ())):
        info = grid[i]
        out.append(RunRecord(
            run_id=f"s{i}", run_type="scheduled", logical_date=info.logical_date,
            data_interval=info.data_interval, run_after=info.run_after,
            state=states[n % len(states)],
        ))
    taken = {r.logical_date for r in out}
    for k in off:  # manual runs, on the grid or between its ticks
        at = start + timedelta(minutes=7 * k)
        if at not in taken and at <= end:
            taken.add(at)
            out.append(RunRecord(run_id=f"m{k}", run_type="manual", logical_date=at,
                                 data_interval=None, run_after=at, state="success"))
    return out


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    tt = draw(st.sampled_from(SCHEDULES))
    start = draw(st.sampled_from(BASES)) + timedelta(minutes=draw(st.integers(0, 20 * 24 * 60)))
    end = start + timedelta(minutes=draw(st.integers(0, 10 * 24 * 60)))
    now = end + timedelta(minutes=draw(st.integers(-3 * 24 * 60, 24 * 60)))
    picks = draw(st.lists(st.integers(0, 10_000), max_size=40))
    states = draw(st.lists(st.sampled_from(["success", "failed", "running"]), min_size=1,
                           max_size=4))
    off = draw(st.lists(st.integers(0, 4000), max_size=4))
    return {"tt": tt, "start": start, "end": end, "now": now,
            "runs": _runs(tt, start, end, picks, states, off)}


def _walked_gaps(tt: Any, runs: Any, start: datetime, end: datetime, now: datetime,
                 include_failed: bool) -> GapsSummary:
    report = find_gaps(tt, runs=runs, start=start, end=end, now=now,
                       include_failed=include_failed)
    return GapsSummary(expected=report.expected, present=report.present,
                       missing=report.missing, failed=report.failed,
                       ranges=len(report.gaps), off_grid=len(report.off_grid))


@SETTINGS
@given(case=cases(), include_failed=st.booleans())
def test_gaps_summary_is_the_walks(case: dict[str, Any], include_failed: bool) -> None:
    tt, start, end, now = case["tt"], case["start"], case["end"], case["now"]
    history = validate_history(case["runs"])
    ours = gaps_summary(tt, history, start, end, now, include_failed,
                        max_runs=lambda intervals: 10**9)  # always by arithmetic
    assert ours == _walked_gaps(tt, history, start, end, now, include_failed)


def _walked_catchup(tt: Any, history: Any, restriction: TimeRestriction, now: datetime,
                    slots: int | None, limit: int | None) -> CatchupSummary:
    ending = _Ending()
    rows = _chain(tt, history, history.latest_automated(), restriction, now, ending)
    counts = {a.value: 0 for a in Action}
    first = last = None
    for row in _airflow_rows(rows, _Gate(slots, limit), ending):
        counts[row[0].value] += 1
        first = row[3] if first is None else first
        last = row[3]
    return CatchupSummary(counts=counts, first=first, last=last, stop=ending.stop,
                          next_run=ending.next_run)


@SETTINGS
@given(case=cases(), cut=st.integers(0, 50), bounded=st.booleans(),
       max_active=st.none() | st.integers(0, 300), limit=st.none() | st.integers(1, 300))
def test_catchup_summary_is_the_walks(
    case: dict[str, Any], cut: int, bounded: bool, max_active: int | None, limit: int | None
) -> None:
    tt, start, end, now = case["tt"], case["start"], case["end"], case["now"]
    # the history up to some run (holes included), so the loop goes on from there
    runs = sorted(case["runs"], key=lambda r: r.logical_date)
    history = validate_history(runs[: cut % (len(runs) + 1)])
    restriction = TimeRestriction(earliest=start, latest=end if bounded else None, catchup=True)
    slots = _slots(tt, history, max_active)
    ours = catchup_summary(tt, history, restriction, now, slots, limit)
    event("walked" if ours is None else "counted")
    if ours is not None:
        assert ours == _walked_catchup(tt, history, restriction, now, slots, limit)


@given(tt=st.sampled_from(SCHEDULES), base=st.sampled_from(BASES))
@settings(max_examples=30, deadline=None)
def test_catchup_from_an_empty_history_is_counted(tt: Any, base: datetime) -> None:
    """The fast path answers (not only falls back) when the history is empty."""
    restriction = TimeRestriction(earliest=base, latest=None, catchup=True)
    history = validate_history([])
    now = base + timedelta(days=30)
    ours = catchup_summary(tt, history, restriction, now, None, None)
    assert ours is not None
    assert ours == _walked_catchup(tt, history, restriction, now, None, None)


def test_gaps_summary_leaves_crowded_ranges_to_the_walk() -> None:
    tt = CronDataIntervals(cron="@hourly")
    start = datetime(2024, 1, 1, tzinfo=UTC)
    runs = [RunRecord(run_id=f"r{h}", run_type="scheduled", logical_date=start + timedelta(hours=h),
                      data_interval=DataInterval(start=start + timedelta(hours=h),
                                                 end=start + timedelta(hours=h + 1)),
                      run_after=start + timedelta(hours=h + 1), state="success")
             for h in range(0, 48, 2)]
    history = validate_history(runs)
    end, now = start + timedelta(days=2), start + timedelta(days=3)
    assert gaps_summary(tt, history, start, end, now, False) is None  # 24 runs, 49 intervals
    assert gaps_summary(tt, history, start, end, now, False, max_runs=lambda n: n) == (
        _walked_gaps(tt, history, start, end, now, False))
