"""Gaps: the schedule intervals of a range that have no run (or, on request, a failed one).

Theory of operation
-------------------
The expected runs of a range are the schedule's grid: [`iter_run_infos()`][timetable.iter_run_infos]
between the bounds (the same enumeration a backfill uses), limited to intervals that
are due (``run_after <= now``).  The history's logical dates are kept as sorted UTC keys,
so one merge pass walks both, comparing instants in one zone object (no ``utcoffset``
call per comparison): a grid interval whose logical date has a run is *present*, one
without is *missing*, and a run whose logical date is not on the due grid is *off grid*
(a manual run between ticks, or a run of an older schedule).

The cost is linear in the grid plus the history's runs in the range, and the answer
holds compressed ranges (first, last, count), not one object per interval; ranges are
built from the grid's own instants without re-validating them.
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from itertools import starmap
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import attrs

from ._catchup import IntervalRange
from ._planning import (
    DOCUMENT_VERSION,
    History,
    Reason,
    instant_key,
    iso,
    validate_history,
)
from ._records import RunRecord, RunState
from ._rows import RowLike
from ._runs import _fast_iter, check_timetable, iter_run_infos
from ._timetables import TimetableProtocol
from ._types import DataInterval, RunInfo
from ._tz import check_aware
from ._validation import bool_arg, checked, indent_arg, max_lines_arg
from .errors import InvalidIntervalError

__all__ = ["GapReport", "find_gaps", "iter_gaps"]


# A grid interval, with no object per interval: ``(run_after, end, start, key)`` where
# ``key`` is ``start`` as an index key (in UTC); the fast grid's instants already are.
_Cell = tuple[datetime, ...]
_Row = tuple[Reason, _Cell, _Cell, int]


@attrs.frozen(kw_only=True)
class GapReport:
    """Where the history has holes in a range of the schedule.

    Attributes:
        start: the range's start (as asked).
        end: the range's end (as asked).
        now: intervals are counted only when due (``run_after <= now``).
        expected: how many grid intervals the range holds (due ones).
        present: how many of them have a run (failed ones included).
        gaps: consecutive missing (``missing``) or failed (``failed``, only with
            ``include_failed``) intervals, as compressed ranges in logical-date order.
        off_grid: ids of runs in the range whose logical date is not on the grid.

    A report from [`find_gaps()`][timetable.find_gaps] builds its `gaps` objects on first
    access (a long history can have hundreds of thousands of ranges); it is equal to,
    and serializes as, the same report built eagerly.
    """

    start: datetime
    end: datetime
    now: datetime
    expected: int
    present: int
    gaps: tuple[IntervalRange, ...]
    off_grid: tuple[str, ...]
    # ``(reason, first cell, last cell, count)`` per range while `gaps` is not built yet
    _rows: tuple[_Row, ...] | None = attrs.field(
        default=None, init=False, eq=False, hash=False, repr=False
    )

    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any:
            # Only called when the slot is empty: a report from find_gaps, before its
            # ranges are first read.
            rows = object.__getattribute__(self, "_rows")
            if name != "gaps" or rows is None:
                raise AttributeError(
                    f"{type(self).__name__!r} object has no attribute {name!r}"
                )
            gaps = tuple([_range(*row) for row in rows])
            _set_gaps(self, gaps)
            _set_rows(self, None)
            return gaps

    def _count(self, reason: Reason) -> int:
        rows = self._rows
        if rows is not None:
            return sum(row[3] for row in rows if row[0] is reason)
        return sum(g.count for g in self.gaps if g.reason is reason)

    @property
    def missing(self) -> int:
        """How many intervals have no run."""
        return self._count(Reason.MISSING)

    @property
    def failed(self) -> int:
        """How many intervals have a failed run (counted with ``include_failed``)."""
        return self._count(Reason.FAILED)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "version": DOCUMENT_VERSION,
            "kind": "gaps",
            "start": iso(self.start),
            "end": iso(self.end),
            "now": iso(self.now),
            "expected": self.expected,
            "present": self.present,
            "missing": self.missing,
            "failed": self.failed,
            "gaps": [g.to_dict() for g in self.gaps],
            "off_grid": list(self.off_grid),
        }

    @checked(indent=indent_arg)
    def to_json(self, *, indent: int | None = 2) -> str:
        """``to_dict()`` as a JSON string."""
        return json.dumps(self.to_dict(), indent=indent)

    @checked(max_lines=max_lines_arg)
    def to_text(self, *, max_lines: int = 20) -> str:
        """A readable summary, one line per gap range."""
        lines = [
            f"gaps {iso(self.start)} .. {iso(self.end)} at {iso(self.now)}: "
            f"{self.expected} expected, {self.present} present, {self.missing} missing"
            + (f", {self.failed} failed" if self.failed else ""),
        ]
        for i, g in enumerate(self.gaps):
            if i == max_lines:
                lines.append(f"  … {len(self.gaps) - max_lines} more range(s) …")
                break
            span = (
                iso(g.first.logical_date)
                if g.count == 1
                else f"{iso(g.first.logical_date)} .. {iso(g.last.logical_date)}"
            )
            lines.append(f"  {g.reason.value:<7} {g.count:>6}  {span}")
        if self.off_grid:
            lines.append(f"  off grid: {', '.join(self.off_grid[:max_lines])}")
        return "\n".join(lines)


_set_gaps = GapReport.__dict__["gaps"].__set__
_set_rows = GapReport.__dict__["_rows"].__set__
_del_gaps = GapReport.__dict__["gaps"].__delete__


_state = attrgetter("state")


def _cell(start: datetime, end: datetime) -> _Cell:
    # run_after is the interval's end for every built-in kind
    return (end, end, start) if start.tzinfo is UTC else (end, end, start, instant_key(start))


# Ranges are built from instants the grid produced (aware, start <= end): they skip the
# attrs validators, as the interval stream does (``_runs._make_run``).
_new = object.__new__
_set_reason = IntervalRange.__dict__["reason"].__set__
_set_first = IntervalRange.__dict__["first"].__set__
_set_last = IntervalRange.__dict__["last"].__set__
_set_count = IntervalRange.__dict__["count"].__set__
_set_run_after = RunInfo.__dict__["run_after"].__set__
_set_interval = RunInfo.__dict__["data_interval"].__set__
_set_start = DataInterval.__dict__["start"].__set__
_set_end = DataInterval.__dict__["end"].__set__


def _info(cell: _Cell) -> RunInfo:
    interval = _new(DataInterval)
    _set_start(interval, cell[2])
    _set_end(interval, cell[1])
    info = _new(RunInfo)
    _set_run_after(info, cell[0])
    _set_interval(info, interval)
    return info


def _range(reason: Reason, first: _Cell, last: _Cell, count: int) -> IntervalRange:
    """``IntervalRange(reason, first, last, count)`` from two grid cells."""
    out = _new(IntervalRange)
    head = _info(first)
    _set_reason(out, reason)
    _set_first(out, head)
    _set_last(out, head if last is first else _info(last))
    _set_count(out, count)
    return out


@checked(include_failed=bool_arg)
def find_gaps(
    timetable: TimetableProtocol,
    *,
    runs: Iterable[RunRecord | RowLike] | History,
    start: datetime,
    end: datetime,
    now: datetime,
    include_failed: bool = False,
) -> GapReport:
    """The intervals of ``[start, end]`` that have no run, as compressed ranges.

    The grid is the schedule's intervals with logical dates in
    ``[align_to_next(start), end]`` (as a backfill of the same range would see them),
    limited to those already due (``run_after <= now``).  Missing intervals plus the
    runs on the grid cover the grid exactly.

    Args:
        timetable: the DAG's timetable.
        runs: the run history, or a validated [`History`][timetable.History].
        start: the range's first logical date (inclusive).
        end: the range's last logical date (inclusive).
        now: the current instant.
        include_failed: also report intervals whose run failed (reason ``failed``).

    Returns:
        The [`GapReport`][timetable.GapReport].

    Raises:
        InvalidIntervalError: ``start > end``.
        NaiveDatetimeError: a naive datetime.
        InvalidRecordError: the history is invalid.

    >>> from datetime import datetime, timezone
    >>> from timetable import CronDataIntervals, DataInterval, RunRecord
    >>> day = lambda d: datetime(2024, 1, d, tzinfo=timezone.utc)
    >>> runs = [RunRecord(run_id=f"r{d}", run_type="scheduled", logical_date=day(d),
    ...                   data_interval=DataInterval(start=day(d), end=day(d + 1)),
    ...                   run_after=day(d + 1), state="success") for d in (1, 2, 5)]
    >>> report = find_gaps(CronDataIntervals(cron="@daily"), runs=runs,
    ...                    start=day(1), end=day(9), now=day(8))
    >>> [(g.first.logical_date.day, g.last.logical_date.day, g.count) for g in report.gaps]
    [(3, 4, 2), (6, 7, 2)]
    """
    scan = _GapScan(timetable, runs, start, end, now, include_failed)
    rows = list(scan.rows())
    report = GapReport(
        start=start,
        end=end,
        now=now,
        expected=scan.expected,
        present=scan.present,
        gaps=(),
        off_grid=tuple(scan.off_grid),
    )
    if rows:  # the ranges are built on first access
        _del_gaps(report)
        _set_rows(report, tuple(rows))
    return report


@checked(include_failed=bool_arg)
def iter_gaps(
    timetable: TimetableProtocol,
    *,
    runs: Iterable[RunRecord | RowLike] | History,
    start: datetime,
    end: datetime,
    now: datetime,
    include_failed: bool = False,
) -> Iterator[IntervalRange]:
    """The gaps of [`find_gaps()`][timetable.find_gaps], lazily, in logical-date order.

    Same arguments, rules and answers as [`find_gaps()`][timetable.find_gaps] (both run
    one merge pass): each compressed range is yielded as soon as it closes, so a range
    of millions of intervals streams with nothing held but the history.  The totals
    (``expected``, ``present``, runs off the grid) are the report's; ask
    [`find_gaps()`][timetable.find_gaps] for them.  The arguments are checked when this
    function is called.

    Raises:
        InvalidIntervalError: ``start > end``.
        NaiveDatetimeError: a naive datetime.
        InvalidRecordError: the history is invalid.

    >>> from datetime import datetime, timezone
    >>> from itertools import islice
    >>> from timetable import CronDataIntervals
    >>> utc = timezone.utc
    >>> gaps = iter_gaps(CronDataIntervals(cron="@hourly"), runs=[],
    ...                  start=datetime(2024, 1, 1, tzinfo=utc), end=datetime(2024, 2, 1, tzinfo=utc),
    ...                  now=datetime(2026, 1, 1, tzinfo=utc))
    >>> [(g.reason.value, g.count, g.first.logical_date.day) for g in islice(gaps, 3)]
    [('missing', 745, 1)]
    """
    return iter(_GapScan(timetable, runs, start, end, now, include_failed))


class _GapScan:
    """The merge pass of the grid and the history, as an iterator of gap ranges.

    ``expected``, ``present`` and ``off_grid`` hold the totals once the iterator is
    exhausted.
    """

    def __init__(
        self, timetable: Any, runs: Any, start: Any, end: Any, now: Any, include_failed: bool
    ) -> None:
        self.tt = check_timetable(timetable)
        check_aware(start, "start")
        check_aware(end, "end")
        check_aware(now, "now")
        if start > end:
            raise InvalidIntervalError(
                f"start={iso(start)!r} is after end={iso(end)!r}", argument="start"
            )
        self.history = validate_history(runs)
        self.start, self.end, self.now = start, end, now
        self.include_failed = include_failed
        self.expected = 0
        self.present = 0
        self.off_grid: list[str] = []

    def __iter__(self) -> Iterator[IntervalRange]:
        return starmap(_range, self.rows())

    def rows(self) -> Iterator[_Row]:
        """``(reason, first cell, last cell, count)`` of each range, as it closes."""
        tt, start, end, now = self.tt, self.start, self.end, self.now
        include_failed, history = self.include_failed, self.history
        grid: Iterator[_Cell] | None = _fast_iter(tt, start, end, _cell)
        if grid is None:
            grid = (
                (i.run_after, i.data_interval.end, i.data_interval.start,
                 instant_key(i.data_interval.start))
                for i in iter_run_infos(tt, start=start, end=end, now=now)
            )
        # One merge pass: the due grid against the history's sorted UTC keys in [start, end].
        lo = bisect_left(history._keys, instant_key(start))
        hi = bisect_right(history._keys, instant_key(end), lo)
        keys = history._keys[lo:hi]
        keys.append(datetime.max.replace(tzinfo=UTC))  # after every grid instant
        in_range = history.runs[lo:hi]
        failing = include_failed
        states = list(map(_state, in_range)) if failing else []
        failed_state, missing, failed = RunState.FAILED, Reason.MISSING, Reason.FAILED
        due_by = instant_key(now)
        missing_count = 0
        off_grid: list[str] = []
        reason: Reason | None = None
        first: _Cell = ()
        last: _Cell = ()
        count = k = 0  # k: the next run of the range
        key = keys[0]
        for g in grid:
            if g[0] > due_by:
                break
            at = g[-1]
            if key < at:  # runs between grid intervals
                while key < at:
                    off_grid.append(in_range[k].run_id)
                    k += 1
                    key = keys[k]
            if key == at:
                k += 1
                key = keys[k]
                if not failing or states[k - 1] is not failed_state:
                    if reason is not None:
                        yield (reason, first, last, count)
                        reason = None
                    continue
                why = failed
            else:
                why = missing
                missing_count += 1
            if why is not reason:
                if reason is not None:
                    yield (reason, first, last, count)
                reason, first, count = why, g, 0
            last = g
            count += 1
        if reason is not None:
            yield (reason, first, last, count)
        self.present = k - len(off_grid)
        off_grid += [r.run_id for r in in_range[k:]]
        self.off_grid = off_grid
        self.expected = self.present + missing_count
