"""Catchup on the interval stream gives exactly what the chain rule at every step gives.

The planner follows the timetable's interval stream while the history does not break the
chain and falls back to the chain rule where it does.  The reference is the loop as it
was (``_reference_catchup.py``); histories here are made to break the chain: gaps, runs
of another schedule (a schedule change), runs whose stored interval is off the grid,
manual runs, and start / end dates cutting through the grid, in DST zones too.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timetable import (
    CronDataIntervals,
    CronTrigger,
    DataInterval,
    DeltaDataIntervals,
    DeltaTrigger,
    RunRecord,
    TimeRestriction,
    iter_run_infos,
)
from timetable._catchup import _chain, _Ending
from timetable._planning import Action, validate_history
from timetable.strategies import run_records

from ._planning_strategies import BASE, planning_timetables
from ._reference_catchup import reference_rows

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
hours = st.integers(0, 30 * 24)


@st.composite
def _histories(draw: st.DrawFn, tt: Any, now: Any) -> list[RunRecord]:
    runs = list(draw(run_records(tt, max_value=now, contiguous=draw(st.booleans()))))
    if draw(st.booleans()):  # a schedule change: the old schedule's runs stay behind
        old = draw(planning_timetables())
        cut = BASE + timedelta(hours=draw(hours))
        dates = {r.logical_date for r in runs}
        for r in draw(run_records(old, max_value=now)):
            if r.logical_date not in dates and r.logical_date < cut and r.run_type != "manual":
                dates.add(r.logical_date)
                runs.append(attrs.evolve(r, run_id="old_" + r.run_id))
    # Manual runs on the grid's logical dates (the chain meets them after the last
    # scheduled run): with the grid's interval (the chain goes on), a zero-width one or
    # one that ends off the grid (the chain breaks and restarts from it).
    grid = list(iter_run_infos(tt, start=BASE, end=now, now=now))
    taken = {r.logical_date for r in runs}
    after = max((k for k, g in enumerate(grid) if g.logical_date in taken), default=-1) + 1
    picks = st.sets(st.integers(min(after + 1, len(grid) - 1), len(grid) - 1), max_size=4)
    for i in draw(picks) if grid else ():
        info = grid[i]
        ld = info.logical_date
        if ld in taken:
            continue
        taken.add(ld)
        iv = info.data_interval
        interval = draw(st.sampled_from([
            iv, DataInterval(start=ld, end=ld), DataInterval(start=iv.start, end=iv.end + timedelta(minutes=45)),
            DataInterval(start=iv.start, end=iv.end + timedelta(days=1)),
        ]))
        runs.append(RunRecord(run_id=f"manual__grid_{i}", run_type="manual", logical_date=ld,
                              data_interval=interval, run_after=info.run_after, state="success"))
    shifted = draw(st.sets(st.integers(0, max(len(runs) - 1, 0)), max_size=3)) if runs else set()
    for i in shifted:  # a stored interval that is not the grid's
        r = runs[i]
        if r.data_interval is not None and r.run_type != "manual":
            end = r.data_interval.end + timedelta(minutes=draw(st.sampled_from([-30, 45, 90])))
            if end >= r.data_interval.start:
                runs[i] = attrs.evolve(r, data_interval=DataInterval(start=r.data_interval.start,
                                                                     end=end))
    return runs


@SETTINGS
@given(data=st.data(), tt=planning_timetables(), now_h=hours, catchup=st.booleans(),
       start_h=st.none() | st.integers(0, 10 * 24), end_h=st.none() | hours)
def test_streaming_catchup_equals_the_chain_rule(
    data: st.DataObject, tt: Any, now_h: int, catchup: bool, start_h: int | None,
    end_h: int | None,
) -> None:
    now = BASE + timedelta(hours=now_h, minutes=7)
    history = validate_history(data.draw(_histories(tt, now)))
    restriction = TimeRestriction(
        earliest=None if start_h is None else BASE + timedelta(hours=start_h, minutes=data.draw(st.sampled_from([0, 30]))),
        latest=None if end_h is None else BASE + timedelta(hours=end_h),
        catchup=catchup,
    )
    reference = history.latest_automated()
    assert _ours(tt, history, reference, restriction, now) == reference_rows(
        tt, history, reference, restriction, now)


def _ours(*args: Any) -> tuple[list[tuple[object, ...]], Any, Any]:
    ending = _Ending()
    rows = list(_chain(*args, ending))
    return rows, ending.stop, ending.next_run



@pytest.mark.parametrize("tt", [
    DeltaDataIntervals(delta=timedelta(days=1)),
    DeltaTrigger(delta=timedelta(days=1)),
    CronDataIntervals(cron="@daily", timezone="Europe/Berlin"),
    CronTrigger(cron="0 */6 * * *"),
], ids=repr)
@pytest.mark.parametrize("shift", [timedelta(0), timedelta(hours=36), timedelta(hours=-20), timedelta(days=2)])
def test_a_manual_run_mid_chain_restarts_the_stream(tt: Any, shift: timedelta) -> None:
    """A manual run two intervals after the last scheduled one, its interval off the grid."""
    grid = list(iter_run_infos(tt, start=BASE, end=BASE + timedelta(days=6), now=BASE))
    first, third = grid[0], grid[2]
    iv = third.data_interval
    runs = [
        RunRecord(run_id="s", run_type="scheduled", logical_date=first.logical_date,
                  data_interval=first.data_interval, run_after=first.run_after, state="success"),
        RunRecord(run_id="m", run_type="manual", logical_date=third.logical_date,
                  data_interval=DataInterval(start=iv.start, end=max(iv.start, iv.end + shift)),
                  run_after=third.run_after, state="success"),
    ]
    history = validate_history(runs)
    restriction = TimeRestriction(earliest=BASE, catchup=True)
    now = BASE + timedelta(days=8)
    ours = _ours(tt, history, history.latest_automated(), restriction, now)
    assert ours == reference_rows(tt, history, history.latest_automated(), restriction, now)
    assert any(row[0] is Action.SKIP for row in ours[0])
