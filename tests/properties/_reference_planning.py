"""Reference versions of ``validate_history`` and ``find_gaps``, as they were before issue 12.

The library replaced them with faster algorithms (whole-list passes over records, UTC
keys, a merge on those keys, ranges built on demand); these are the originals, kept as
the oracle of the differential tests in ``test_planning_differential.py``.  They are
test code: not tuned, not exported.

One deliberate difference: the original gap merge compared a run's logical date with
the grid's instants in the run's own zone, and Python's ``==`` between aware datetimes
in different zones is False at an ambiguous wall time (PEP 495) even for the same
instant; the reference compares both in UTC, as the library now does everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from timetable import DataInterval, RunInfo, RunRecord
from timetable._catchup import IntervalRange
from timetable._gaps import GapReport
from timetable._planning import Reason, _check_record, _read_record, _record_label
from timetable._records import RunState
from timetable._runs import _fast_iter, check_timetable, iter_run_infos
from timetable._tz import check_aware
from timetable.errors import DuplicateLogicalDateError, DuplicateRunIdError, InvalidIntervalError

__all__ = ["ReferenceHistory", "reference_find_gaps", "reference_validate_history"]


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _sort_key(run: RunRecord) -> tuple[int, datetime, str]:
    if run.logical_date is not None:
        return (0, _utc(run.logical_date), run.run_id)
    return (1, _utc(run.run_after), run.run_id)


class ReferenceHistory:
    """What the original ``History`` held: sorted runs, UTC dates, two maps."""

    def __init__(self, runs: list[RunRecord], dates: list[datetime],
                 by_date: dict[datetime, RunRecord]) -> None:
        self.runs = tuple(runs)
        self.dates = dates
        self.by_date = by_date
        self.by_id = {r.run_id: r for r in runs}

    def at(self, logical_date: datetime) -> RunRecord | None:
        return self.by_date.get(_utc(logical_date))

    def after(self, logical_date: datetime) -> Iterator[RunRecord]:
        from bisect import bisect_left

        i = bisect_left(self.dates, _utc(logical_date))
        yield from self.runs[i : len(self.dates)]

    def before(self, logical_date: datetime) -> Iterator[RunRecord]:
        from bisect import bisect_left

        i = bisect_left(self.dates, _utc(logical_date))
        yield from reversed(self.runs[:i])


def reference_validate_history(runs: Any) -> ReferenceHistory:
    """The original record-by-record validation and sort."""
    records: list[RunRecord] = []
    first_index: dict[str, int] = {}
    for index, raw in enumerate(runs):
        run = _read_record(index, raw)
        _check_record(index, run)
        seen = first_index.setdefault(run.run_id, index)
        if seen != index:
            raise DuplicateRunIdError(
                f"{_record_label(index, run)}: run_id is also used by runs[{seen}]",
                argument="run_id",
            )
        records.append(run)
    positions = {id(r): i for i, r in enumerate(records)}
    records.sort(key=_sort_key)
    by_date: dict[datetime, RunRecord] = {}
    dates: list[datetime] = []
    for run in records:
        if run.logical_date is None:
            break
        key = _utc(run.logical_date)
        other = by_date.get(key)
        if other is not None:
            a, b = sorted((positions[id(other)], positions[id(run)]))
            by_pos = {positions[id(r)]: r for r in (other, run)}
            raise DuplicateLogicalDateError(
                f"{_record_label(b, by_pos[b])}: logical_date={key.isoformat()!r} is also "
                f"the logical date of runs[{a}] (run_id={by_pos[a].run_id!r})",
                argument="logical_date",
            )
        by_date[key] = run
        dates.append(key)
    return ReferenceHistory(records, dates, by_date)


_Triple = tuple[datetime, datetime, datetime]


def _info(t: _Triple) -> RunInfo:
    return RunInfo(run_after=t[0], data_interval=DataInterval(start=t[1], end=t[2]))


class _Ranges:
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
            self.out.append(IntervalRange(reason=self.reason, first=_info(self.first),
                                          last=_info(self.last), count=self.count))
        self.reason = self.first = self.last = None
        self.count = 0


def reference_find_gaps(timetable: Any, *, runs: Any, start: datetime, end: datetime,
                        now: datetime, include_failed: bool = False) -> GapReport:
    """The original merge of the due grid with the history, one grid step at a time."""
    tt = check_timetable(timetable)
    check_aware(start, "start")
    check_aware(end, "end")
    check_aware(now, "now")
    if start > end:
        raise InvalidIntervalError(
            f"start={start.isoformat()!r} is after end={end.isoformat()!r}", argument="start"
        )
    history = reference_validate_history(runs)
    grid: Iterator[_Triple] | None = _fast_iter(tt, start, end, lambda s, e: (e, s, e))
    if grid is None:
        grid = (
            (i.run_after, i.data_interval.start, i.data_interval.end)
            for i in iter_run_infos(tt, start=start, end=end, now=now)
        )
    ranges = _Ranges()
    off_grid: list[str] = []
    expected = present = 0
    end_utc = end.astimezone(UTC)

    def next_due() -> _Triple | None:
        for info in grid:
            return info if info[0] <= now else None
        return None

    g = next_due()
    for run in history.after(start):
        assert run.logical_date is not None
        ld = _utc(run.logical_date)  # the original compared in the run's own zone
        if ld > end_utc:
            break
        while g is not None and _utc(g[1]) < ld:
            ranges.add(Reason.MISSING, g)
            expected += 1
            g = next_due()
        if g is not None and _utc(g[1]) == ld:
            expected += 1
            present += 1
            if include_failed and run.state is RunState.FAILED:
                ranges.add(Reason.FAILED, g)
            else:
                ranges.close()
            g = next_due()
        else:
            off_grid.append(run.run_id)
    while g is not None:
        ranges.add(Reason.MISSING, g)
        expected += 1
        g = next_due()
    ranges.close()
    return GapReport(start=start, end=end, now=now, expected=expected, present=present,
                     gaps=tuple(ranges.out), off_grid=tuple(off_grid))
