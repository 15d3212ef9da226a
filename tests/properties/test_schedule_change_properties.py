"""Laws of ``plan_schedule_change``: its coverage findings are exactly what the runs leave.

Applying ``next_runs`` (and the first run not due yet) to the history, an instant between
the reference run's period and the last new period is covered by no run exactly where the
plan reports it uncovered, and by two or more runs (one of them new) exactly where it
reports an overlap.  Coverage here is recomputed by brute force from the records.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timetable import TimeRestriction, iter_run_infos, plan_schedule_change
from timetable._planning import validate_history
from timetable.strategies import run_records

from ._planning_strategies import BASE, planning_timetables

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _period(tt: Any, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """What a run stands for, recomputed from the grid: its interval, or up to the next tick."""
    if start < end:
        return start, end
    for info in iter_run_infos(tt, start=start, end=None, now=start):
        if info.logical_date > start:
            return start, info.logical_date
    return start, start


@SETTINGS
@given(data=st.data(), old=planning_timetables(), new=planning_timetables(),
       pause=st.integers(0, 6 * 24), catchup=st.booleans())
def test_uncovered_and_overlaps_are_exactly_what_the_runs_leave(
    data: st.DataObject, old: Any, new: Any, pause: int, catchup: bool
) -> None:
    changed = BASE + timedelta(days=10, minutes=7)
    runs = data.draw(run_records(old, min_value=BASE, max_value=changed, contiguous=True,
                                 max_manual=0))
    now = changed + timedelta(hours=pause)
    plan = plan_schedule_change(old, new, runs=runs,
                                restriction=TimeRestriction(earliest=BASE, catchup=catchup),
                                now=now)
    history = validate_history(runs)
    reference = history.latest_automated()
    new_infos = [*plan.next_runs, *([plan.upcoming] if plan.upcoming else [])]
    new_periods = [_period(new, i.data_interval.start, i.data_interval.end) for i in new_infos]
    old_periods = [_period(old, r.data_interval.start, r.data_interval.end)
                   for r in history if r.data_interval is not None]
    if not new_periods and reference is None:
        assert plan.uncovered == plan.overlaps == ()
        return
    starts = [a for a, _ in new_periods]
    ends = [b for _, b in new_periods]
    if reference is not None:
        ra, rb = _period(old, reference.data_interval.start, reference.data_interval.end)
        starts.append(ra)
        ends.append(rb)
    lo, hi = min(starts), max(ends)
    marks = sorted({lo, hi, *[x for p in new_periods + old_periods for x in p]})
    probes = [m for m in marks if lo <= m < hi]
    probes += [a + (b - a) / 2 for a, b in itertools.pairwise(marks) if lo <= a < hi]
    for x in probes:
        n_old = sum(1 for a, b in old_periods if a <= x < b)
        n_new = sum(1 for a, b in new_periods if a <= x < b)
        in_gap = any(f.interval.start <= x < f.interval.end for f in plan.uncovered)
        in_overlap = any(f.interval.start <= x < f.interval.end for f in plan.overlaps)
        assert in_gap == (n_old + n_new == 0), (x, n_old, n_new)
        assert in_overlap == (n_old + n_new >= 2 and n_new >= 1), (x, n_old, n_new)


@SETTINGS
@given(data=st.data(), old=planning_timetables(), new=planning_timetables(),
       pause=st.integers(0, 6 * 24), catchup=st.booleans())
def test_next_runs_are_the_catchup_chain_under_the_new_schedule(
    data: st.DataObject, old: Any, new: Any, pause: int, catchup: bool
) -> None:
    from timetable import plan_catchup

    changed = BASE + timedelta(days=10, minutes=7)
    runs = data.draw(run_records(old, min_value=BASE, max_value=changed, contiguous=True))
    now = changed + timedelta(hours=pause)
    restriction = TimeRestriction(earliest=BASE, catchup=catchup)
    plan = plan_schedule_change(old, new, runs=runs, restriction=restriction, now=now)
    catchup_plan = plan_catchup(new, runs=runs, restriction=restriction, now=now)
    assert plan.next_runs == list(catchup_plan.to_create)[: len(plan.next_runs)]
    assert all(r.run_after <= now for r in plan.next_runs)
    assert plan.upcoming is None or plan.upcoming.run_after > now or plan.collisions
