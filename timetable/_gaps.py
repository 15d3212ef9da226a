"""Gaps: the schedule intervals of a range that have no run (or, on request, a failed one).

Theory of operation
-------------------
The expected runs of a range are the schedule's grid: [`iter_run_infos()`][timetable.iter_run_infos]
between the bounds (the same enumeration a backfill uses), limited to intervals that
are due (``run_after <= now``).  The history is sorted by logical date, so one merge
pass walks both: a grid interval whose logical date has a run is *present*, one without
is *missing*, and a run whose logical date is not on the grid is *off grid* (a manual
run between ticks, or a run of an older schedule).

The grid is advanced one step per present run and per missing interval, so the cost is
linear in the history plus the missing intervals - never in anything else - and the
answer holds compressed ranges (first, last, count), not one object per interval.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import attrs

from ._catchup import IntervalRange
from ._planning import DOCUMENT_VERSION, History, Reason, iso, validate_history
from ._records import RunRecord, RunState
from ._rows import RowLike
from ._runs import _fast_iter, check_timetable, iter_run_infos
from ._timetables import TimetableProtocol
from ._types import DataInterval, RunInfo
from ._tz import check_aware
from ._validation import bool_arg, checked, indent_arg, max_lines_arg
from .errors import InvalidIntervalError

__all__ = ["GapReport", "find_gaps", "iter_gaps"]


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
    """

    start: datetime
    end: datetime
    now: datetime
    expected: int
    present: int
    gaps: tuple[IntervalRange, ...]
    off_grid: tuple[str, ...]

    @property
    def missing(self) -> int:
        """How many intervals have no run."""
        return sum(g.count for g in self.gaps if g.reason is Reason.MISSING)

    @property
    def failed(self) -> int:
        """How many intervals have a failed run (counted with ``include_failed``)."""
        return sum(g.count for g in self.gaps if g.reason is Reason.FAILED)

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


_Triple = tuple[datetime, datetime, datetime]  # (run_after, start, end): no objects per interval


def _triple(start: datetime, end: datetime) -> _Triple:
    return (end, start, end)  # run_after is the interval's end for every built-in kind


def _info(t: _Triple) -> RunInfo:
    return RunInfo(run_after=t[0], data_interval=DataInterval(start=t[1], end=t[2]))


class _Ranges:
    __slots__ = ("count", "first", "last", "out", "reason")

    def __init__(self) -> None:
        self.out: list[IntervalRange] = []
        self.reason: Reason | None = None
        self.first: _Triple | None = None
        self.last: _Triple | None = None
        self.count = 0

    def add(self, reason: Reason, info: _Triple) -> None:
        if reason is not self.reason:
            self.close()
            self.reason, self.first = reason, info
        self.last = info
        self.count += 1

    def close(self) -> None:
        if self.reason is not None and self.first is not None and self.last is not None:
            self.out.append(
                IntervalRange(reason=self.reason, first=_info(self.first),
                              last=_info(self.last), count=self.count)
            )
        self.reason = self.first = self.last = None
        self.count = 0


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
    gaps = tuple(scan)
    return GapReport(
        start=start,
        end=end,
        now=now,
        expected=scan.expected,
        present=scan.present,
        gaps=gaps,
        off_grid=tuple(scan.off_grid),
    )


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

    ``expected``, ``present`` and ``off_grid`` hold the totals so far (final once the
    iterator is exhausted).
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
        tt, start, end, now = self.tt, self.start, self.end, self.now
        include_failed = self.include_failed
        grid: Iterator[_Triple] | None = _fast_iter(tt, start, end, _triple)
        if grid is None:
            grid = (
                (i.run_after, i.data_interval.start, i.data_interval.end)
                for i in iter_run_infos(tt, start=start, end=end, now=now)
            )
        ranges = _Ranges()
        out = ranges.out
        end_utc = end.astimezone(UTC)

        def next_due() -> _Triple | None:
            for info in grid:
                return info if info[0] <= now else None
            return None

        g = next_due()
        for run in self.history.after(start):
            assert run.logical_date is not None
            ld = run.logical_date
            if ld > end_utc:
                break
            while g is not None and g[1] < ld:
                ranges.add(Reason.MISSING, g)
                self.expected += 1
                g = next_due()
            if out:
                yield from out
                out.clear()
            if g is not None and g[1] == ld:
                self.expected += 1
                self.present += 1
                if include_failed and run.state is RunState.FAILED:
                    ranges.add(Reason.FAILED, g)
                else:
                    ranges.close()
                g = next_due()
            else:
                self.off_grid.append(run.run_id)
            if out:
                yield from out
                out.clear()
        while g is not None:
            ranges.add(Reason.MISSING, g)
            self.expected += 1
            g = next_due()
        ranges.close()
        yield from out
        out.clear()
