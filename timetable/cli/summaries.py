"""``--summary`` by arithmetic: the counts of a catchup or a gap report without the walk.

A summary's numbers are those of the streaming walk (``plans.py`` falls back to it
whenever these functions answer ``None``), but where they do not depend on what the
history holds interval by interval they follow from the interval index
(`count_intervals`, `nth_interval`: O(1) per query for fixed-stride crons and deltas,
O(offset changes) in DST zones):

* **catchup** (Airflow's policy, catchup on, a built-in periodic schedule) from a
  history with no run at or after the first due interval: every due interval is
  created until the creation gate closes, so the creations are the due intervals,
  counted by a binary search on ``run_after <= now``;
* **gaps** (a built-in periodic schedule) with few runs in the range compared to its
  intervals: the due intervals are counted, and each run in the range is placed on the
  grid (or off it) by one count and one lookup, so the missing intervals and gap ranges
  follow from the placed runs alone.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

from timetable._catchup import CatchupStop, _interval_of, _stream_from
from timetable._index import count_intervals, nth_interval
from timetable._planning import Action, History, instant_key
from timetable._records import RunState
from timetable._runs import next_run_info
from timetable._timetables import (
    CronDataIntervals,
    CronTrigger,
    DeltaDataIntervals,
    DeltaTrigger,
)
from timetable._types import RunInfo, TimeRestriction

__all__ = ["CatchupSummary", "GapsSummary", "catchup_summary", "gaps_summary"]

_KINDS = (CronDataIntervals, CronTrigger, DeltaDataIntervals, DeltaTrigger)
_DATA_KINDS = (CronDataIntervals, DeltaDataIntervals)


@attrs.frozen(kw_only=True)
class CatchupSummary:
    """What ``catchup --summary`` reports: the rows' counts, first and last logical
    dates (their data intervals' starts), and how the loop ended."""

    counts: dict[str, int]
    first: datetime | None
    last: datetime | None
    stop: CatchupStop
    next_run: RunInfo | None


@attrs.frozen(kw_only=True)
class GapsSummary:
    """What ``gaps --summary`` reports (the report's totals, no ranges)."""

    expected: int
    present: int
    missing: int
    failed: int
    ranges: int
    off_grid: int


def _count_true(test: Callable[[int], bool], bound: int) -> int:
    """How many of ``0 .. bound - 1`` pass *test*, which holds up to some index, then not."""
    if bound <= 0 or not test(0):
        return 0
    if test(bound - 1):
        return bound
    lo, hi = 0, bound - 1  # test(lo) holds, test(hi) does not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if test(mid):
            lo = mid
        else:
            hi = mid
    return hi


def catchup_summary(
    tt: Any,
    history: History,
    restriction: TimeRestriction,
    now: datetime,
    slots: int | None,
    limit: int | None,
) -> CatchupSummary | None:
    """The summary of Airflow's catchup loop, or ``None`` when it needs the walk.

    *slots* and *limit* are the creation gate's (``_catchup._slots`` and the ``limit``
    argument); the arguments are assumed checked (``iter_catchup`` checks them).
    """
    if type(tt) not in _KINDS or not restriction.catchup:
        return None
    reference = history.latest_automated()
    last_interval = None if reference is None else _interval_of(tt, reference)
    first = next_run_info(tt, last_interval=last_interval, restriction=restriction, now=now)
    if first is None or first.run_after > now:
        return None  # nothing due: the walk stops at once
    horizon = history.dated[-1].logical_date if history.dated else None
    if horizon is not None and instant_key(first.logical_date) <= instant_key(horizon):
        return None  # the history has runs where the loop goes: walk it
    nxt = tt.next_run_info(last_interval=first.data_interval, restriction=restriction, now=now)
    if _stream_from(tt, nxt, restriction) is None:
        return None  # the loop keeps to the chain rule here
    assert nxt is not None
    anchor = nxt.logical_date if type(tt) in _DATA_KINDS else nxt.run_after

    def item(j: int) -> RunInfo | None:
        """The loop's interval after the first one and *j* more."""
        return nth_interval(tt, start=anchor, n=j)

    # Due intervals after the first: a due one has run_after <= now, so its logical date
    # (or run_after) is <= now too, which bounds the search; so does the restriction's end.
    latest = restriction.latest
    stream_end = None if latest is None else (
        count_intervals(tt, start=anchor, end=latest) if anchor <= latest else 0)
    bound = count_intervals(tt, start=anchor, end=now) if anchor <= now else 0
    if stream_end is not None:
        bound = min(bound, stream_end)
    cap = min((c for c in (slots, limit) if c is not None), default=None)
    if cap is not None:
        bound = min(bound, cap)  # the gate never lets more than cap - 1 follow the first

    def due(j: int) -> bool:
        info = item(j)
        return info is not None and info.run_after <= now

    later = _count_true(due, bound)
    total = 1 + later

    def at(i: int) -> RunInfo:
        info = first if i == 0 else item(i - 1)
        assert info is not None
        return info

    if cap is not None and total > cap:
        created = cap
        stop = (CatchupStop.MAX_ACTIVE_RUNS if slots is not None and cap >= slots
                else CatchupStop.LIMIT)
        next_run: RunInfo | None = at(cap)
    else:
        created = total
        following = None if stream_end is not None and later >= stream_end else item(later)
        if following is None:
            stop, next_run = CatchupStop.NO_MORE_RUNS, None
        else:
            stop, next_run = CatchupStop.CAUGHT_UP, following
    counts = {a.value: 0 for a in Action}
    counts[Action.CREATE.value] = created
    return CatchupSummary(
        counts=counts,
        first=first.data_interval.start if created else None,
        last=at(created - 1).data_interval.start if created else None,
        stop=stop,
        next_run=next_run,
    )


def gaps_summary(
    tt: Any,
    history: History,
    start: datetime,
    end: datetime,
    now: datetime,
    include_failed: bool,
    *,
    max_runs: Callable[[int], int] = lambda intervals: intervals // 256,
) -> GapsSummary | None:
    """The totals of ``find_gaps``, or ``None`` when the walk is as cheap (more than
    ``max_runs(intervals)`` runs in the range) or needed (not a built-in periodic kind).

    The arguments are assumed checked (``find_gaps`` checks them).
    """
    if type(tt) not in _KINDS:
        return None
    grid = count_intervals(tt, start=start, end=end)
    keys = history._keys
    lo = bisect_left(keys, instant_key(start))
    hi = bisect_right(keys, instant_key(end), lo)
    if hi - lo > max_runs(grid):
        return None

    def due(i: int) -> bool:
        info = nth_interval(tt, start=start, n=i)
        return info is not None and info.run_after <= now

    expected = _count_true(due, grid)
    placed: list[tuple[int, bool]] = []  # (grid index, failed) of each run on the grid
    off_grid = 0
    for run, key in zip(history.runs[lo:hi], keys[lo:hi], strict=True):
        assert run.logical_date is not None
        index = count_intervals(tt, start=start, end=run.logical_date) - 1
        info = nth_interval(tt, start=start, n=index) if 0 <= index < expected else None
        if info is None or instant_key(info.logical_date) != key:
            off_grid += 1
            continue
        placed.append((index, include_failed and run.state is RunState.FAILED))
    ranges = failed = 0
    reason: str | None = None  # of the range open before the next placed run
    previous = -1
    for index, is_failed in placed:
        if index > previous + 1:
            ranges += 1  # missing intervals before this run
            reason = "missing"
        if is_failed:
            failed += 1
            if reason != "failed":
                ranges += 1
            reason = "failed"
        else:
            reason = None
        previous = index
    if expected > previous + 1:
        ranges += 1
    present = len(placed)
    return GapsSummary(
        expected=expected,
        present=present,
        missing=expected - present,
        failed=failed,
        ranges=ranges,
        off_grid=off_grid,
    )
