"""Interval indexing: count, locate and jump along a schedule without walking it.

Theory of operation
-------------------
Every answer here is defined by [`iter_run_infos()`][timetable.iter_run_infos] (the catchup chain from
*start*): ``count_intervals`` is how many runs it yields up to *end*,
``nth_interval`` is its *n*-th run, ``interval_containing`` the run in effect at an
instant.  Only the way of getting there differs:

* **deltas** (``timedelta``, and ``relativedelta`` without months, years or absolute
  fields): run *k* starts at ``start + k * delta`` - plain arithmetic;
* **fixed-stride crons** (``CronSpec.kind``): between DST transitions, runs are wall-clock
  ticks mapped one to one onto instants, and wall ticks are numbered in O(1)
  (``CronSpec.count_le`` / ``wall_at``), so the walk jumps from one transition window to the
  next and steps run by run only inside a window (a couple of hours around each offset
  change).  In UTC and fixed-offset zones there are no windows.  Every-hour shapes whose
  stride divides every offset the zone uses in the range (``*/5`` in Berlin) tick on a UTC
  grid: they are counted as in UTC;
* **other field-set crons** (``L``, ``#``, ``L5``, ``15W``, a day of the month together with
  weekdays, days past the 28th) number their wall ticks through the 400-year cycle of the Gregorian
  calendar (`CronSpec.numbered`: a month's tick days depend only on its length and first
  weekday), so they take the same jumps;
* **anything else** (``W`` beside weekdays, a year column: expressions croniter evaluates
  one tick at a time, and calendars' rolls) streams the runs (lazily, without building run objects).

Whole calendar years are skipped with a memoized table: the number of chain steps from
the first tick of year *y* to the first tick of year *y + 1* (used only when the chain from
the caller's tick really passes that anchor).  Years alike in their wall calendar and in
their zone's offset changes relative to 1 January have equal entries, so the table walks
one year of each kind (at most 14 under a yearly DST rule) and reads the rest off a cheap
signature.  So a ten-year minutely count costs a few divisions, and a first daily count in
Berlin over a century walks the partial years at its two ends and about a dozen others;
never 5 million steps.
"""

from __future__ import annotations

import calendar
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from ._calendar import CalendarTicker
from ._cron import CronSpec, CronTicker, cron_ticker, zone_offsets, zone_transitions
from ._delta import has_calendar_units, is_relativedelta, step
from ._limits import MAX_PLAN_INTERVALS
from ._runs import _fast_iter, _iter_chain, _make_run, check_timetable
from ._timetables import (
    _MAX_STEPS,
    CronDataIntervals,
    CronTrigger,
    DeltaDataIntervals,
    DeltaTrigger,
    MultiCronTrigger,
    TimetableProtocol,
)
from ._types import RunInfo, TimeRestriction
from ._tz import check_aware, resolve_wall
from ._validation import aware_arg, checked
from ._zonetable import constant_after, range_changes
from .errors import (
    CalendarRangeError,
    InvalidArgumentError,
    InvalidIntervalError,
    PlanTooLargeError,
    WrongTypeError,
)

__all__ = ["count_intervals", "interval_containing", "iter_intervals", "nth_interval"]

_LO = datetime(2, 1, 1, tzinfo=UTC)
_HI = datetime(9990, 1, 1, tzinfo=UTC)  # the latest start (and year-table anchor) used
_END = datetime(9999, 12, 31, tzinfo=UTC)  # the latest bound a walk reaches
_HORIZON = timedelta(days=3 * 366)
_DAY = timedelta(days=1)
_MARGIN = timedelta(hours=1)


# -- public -------------------------------------------------------------------------------------
def iter_intervals(
    timetable: TimetableProtocol,
    *,
    start: datetime,
    end: datetime | None,
    now: datetime | None = None,
) -> Iterator[tuple[datetime, datetime]]:
    """The data intervals of [`iter_run_infos()`][timetable.iter_run_infos] as ``(start, end)`` tuples.

    For hosts that need raw speed over millions of runs: no run objects are built, and
    tuples of datetimes are cheap for the garbage collector.  For every built-in kind a
    run's ``run_after`` is its interval's end.  *now* only matters to ``Continuous``
    (default: *start*).

    >>> from datetime import datetime, timezone
    >>> from timetable import CronDataIntervals
    >>> utc = timezone.utc
    >>> [s.day for s, e in iter_intervals(CronDataIntervals(cron="@daily"),
    ...     start=datetime(2024, 1, 1, tzinfo=utc), end=datetime(2024, 1, 3, tzinfo=utc))]
    [1, 2, 3]
    """
    tt, start, end, now = _check(timetable, start, end, now)
    fast = _fast_iter(tt, start, end, _pair)
    if fast is not None:
        return fast
    return ((r.data_interval.start, r.data_interval.end) for r in _chain(tt, start, end, now))


@checked(end=aware_arg)
def count_intervals(
    timetable: TimetableProtocol,
    *,
    start: datetime,
    end: datetime,
    now: datetime | None = None,
) -> int:
    """How many runs [`iter_run_infos()`][timetable.iter_run_infos] yields between *start* and *end*.

    O(1) for deltas and for cron expressions in fixed-offset zones (``L`` and ``#`` too).
    In DST zones whole years are skipped through a memoized per-year table, so the cost is
    bounded by the two partial years at the ends (plus one table lookup per whole year),
    however long the range.  Other schedules (a year column, a non-default DST
    policy in a DST zone, `MultiCronTrigger`) are walked lazily.

    Raises:
        NaiveDatetimeError: a datetime argument is naive.
        InvalidIntervalError: ``start > end``.

    >>> from datetime import datetime, timezone
    >>> from timetable import CronDataIntervals
    >>> utc = timezone.utc
    >>> count_intervals(CronDataIntervals(cron="*/5 * * * *"),
    ...                 start=datetime(2014, 1, 1, tzinfo=utc), end=datetime(2024, 1, 1, tzinfo=utc))
    1051777
    """
    tt, start, end_, now = _check(timetable, start, end, now)
    assert end_ is not None
    fast = _calendar_count(tt, start, end_)
    if fast is not None:
        return fast
    plan = _plan(tt, start, end_)
    if plan is not None:
        x0, adv = plan
        if x0 is None or x0 > end_:
            return 0
        moved, _ = adv(x0, end_, None)
        return moved + 1
    if isinstance(tt, MultiCronTrigger):
        # The merged ticks are walked; each cron alone is counted by arithmetic, and their
        # sum bounds the walk, so a range too long to walk is refused at once.
        bound = sum(count_intervals(c, start=start, end=end_) for c in tt.children)
        if bound > MAX_PLAN_INTERVALS:
            raise PlanTooLargeError(
                f"end: {start.isoformat()} .. {end_.isoformat()} holds up to {bound:,} runs of "
                f"{tt.summary!r}; a MultiCronTrigger is counted by walking its merged ticks, "
                f"at most {MAX_PLAN_INTERVALS:,} of them: count a shorter range, or each "
                "cron alone",
                argument="end",
            )
    return sum(1 for _ in _chain(tt, start, end_, now))


def nth_interval(
    timetable: TimetableProtocol,
    *,
    start: datetime,
    n: int,
    now: datetime | None = None,
) -> RunInfo | None:
    """Run number *n* (0-based) of [`iter_run_infos()`][timetable.iter_run_infos] from *start*, or None.

    Raises:
        InvalidArgumentError: *n* is negative, or beyond the runs the schedule can have
            before the end of year 9999 (an upper bound computed arithmetically, so a huge
            *n* is refused at once instead of walked).

    >>> from datetime import datetime, timezone
    >>> from timetable import CronTrigger
    >>> utc = timezone.utc
    >>> nth_interval(CronTrigger(cron="@hourly"), start=datetime(2024, 1, 1, tzinfo=utc),
    ...              n=49).run_after.isoformat()
    '2024-01-03T01:00:00+00:00'
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise WrongTypeError.for_value("n", n, "expected an int")
    if n < 0:
        raise InvalidArgumentError.for_value("n", n, "must not be negative")
    tt, start, _, now = _check(timetable, start, None, now)
    bound = _max_runs(tt, start)
    if bound is not None and n >= bound:
        raise InvalidArgumentError.for_value(
            "n", n, f"beyond the representable range: the runs from start={start.isoformat()} "
            f"to the end of year 9999 number fewer than {bound:,}"
        )
    found = _calendar_nth(tt, start, n)
    if found is not _STREAM:
        assert found is None or isinstance(found, RunInfo)
        return found
    plan = _plan(tt, start, None)
    if plan is not None:
        x0, adv = plan
        if x0 is None:
            return None
        moved, x = adv(x0, None, n)
        if moved < n:
            return None
        return _run_at(tt, x)
    for i, info in enumerate(_chain(tt, start, None, now)):
        if i == n:
            return info
    return None


def interval_containing(
    timetable: TimetableProtocol,
    instant: datetime,
    *,
    start: datetime | None = None,
    now: datetime | None = None,
) -> RunInfo | None:
    """The run of [`iter_run_infos()`][timetable.iter_run_infos] (from *start*) in effect at *instant*.

    That is the last run whose logical date (data-interval kinds) or ``run_after``
    (trigger kinds and the rest) is at or before *instant*; for data-interval kinds also
    ``instant < data_interval.end``, else None.  Without *start*, cron kinds use their
    unbounded grid (a start a few ticks before *instant*); other kinds need *start*.

    >>> from datetime import datetime, timezone
    >>> from timetable import CronDataIntervals
    >>> utc = timezone.utc
    >>> iv = interval_containing(CronDataIntervals(cron="@daily"),
    ...                          datetime(2024, 5, 17, 13, 30, tzinfo=utc)).data_interval
    >>> print(iv.start, iv.end)
    2024-05-17 00:00:00+00:00 2024-05-18 00:00:00+00:00
    """
    tt = check_timetable(timetable)
    check_aware(instant, "instant")
    if start is None:
        if not isinstance(tt, (CronDataIntervals, CronTrigger)):
            raise InvalidArgumentError.for_value(
                "start", start, "required for this timetable (its grid starts at the start date)"
            )
        tk = tt.ticker
        anchor: datetime | None = instant
        for _ in range(3):
            p = tk.prev(anchor) if anchor is not None else None
            if p is None:
                break
            anchor = p
        start = anchor if anchor is not None else instant
    tt, start, _, now = _check(tt, start, None, now)
    data = isinstance(tt, (CronDataIntervals, DeltaDataIntervals))
    plan = _plan(tt, start, instant)
    found: RunInfo | None = None
    if type(tt) in _KINDS and tt.calendar is not None:
        # The chain is the calendar's kept ticks from align_next(start): the run in effect
        # is the last kept tick at or before the instant.
        tk = tt.ticker
        x0 = tk.align_next(start)
        k = tk.align_prev(instant)
        if x0 is None or k is None or k < x0:
            return None
        found = _run_at(tt, k)
    elif plan is not None:
        x0, adv = plan
        if x0 is None or x0 > instant:
            return None
        _, x = adv(x0, instant, None)
        found = _run_at(tt, x)
    else:
        for info in _chain(tt, start, instant, now):
            key = info.logical_date if data else info.run_after
            if key > instant:
                break
            found = info
    if found is not None and data and not instant < found.data_interval.end:
        return None
    return found


# -- business calendars ------------------------------------------------------------------------
_KINDS = (CronDataIntervals, CronTrigger, DeltaDataIntervals, DeltaTrigger)
_STREAM = object()
_DAY_END = timedelta(days=1, microseconds=-1)


def _daily_calendar(tt: Any) -> _DayCounter | None:
    """A day-arithmetic counter for a cron with the same wall times on every day it fires
    (every day, some weekdays, or some days <= 28 of some months; the last two with
    ``skip`` or ``span``) with a calendar, in a fixed-offset zone or a zone whose
    transitions can be read; else None (the caller walks)."""
    if type(tt) not in (CronDataIntervals, CronTrigger) or tt.calendar is None:
        return None
    tk = tt.ticker
    base = tk.base
    kind = base.spec.kind
    if tk.nth is not None or kind is None or not base.spec.tods:
        return None
    if kind != "daily" and tk.roll not in ("skip", "span"):
        return None  # a rolled weekly or monthly tick lands on a day without ticks of its own
    if base.simple_zone:
        if not base.streams:
            return None
    elif range_changes(base.tz, datetime(2000, 1, 1, tzinfo=UTC), datetime(2000, 1, 2, tzinfo=UTC)) is None:
        return None
    return _DayCounter(tk, base)


def _secs(wall: datetime) -> int:
    return wall.hour * 3600 + wall.minute * 60 + wall.second


_ROLL_REACH = timedelta(days=33)  # a roll moves a tick by a month at most


class _DayCounter:
    """Kept ticks of a daily-shaped cron through a calendar, counted by whole days.

    A business day on which the zone keeps one UTC offset holds exactly the cron's wall
    times (a roll lands other days' ticks on those same wall times, so they coincide), and
    an excluded day holds none: so the count over a range is the wall times per day times
    the business days, plus a correction for the few *special* days, counted tick by tick:
    the days with a UTC-offset change, and under a roll the business days that receive the
    ticks of such a day.  Cost: O(years + offset changes) per count, not a walk.
    """

    __slots__ = ("_days", "_excluded", "_spans", "_special", "base", "tk", "tods")

    def __init__(self, tk: CalendarTicker, base: CronTicker) -> None:
        self.tk = tk
        self.base = base
        self.tods = base.spec.tods
        self._special: set[Any] = set()
        self._spans: list[tuple[Any, Any]] = []  # day ranges whose special days are known
        self._days: dict[Any, tuple[datetime, ...]] = {}
        self._excluded: dict[int, int] = {}  # year -> excluded days the cron fires on

    def _learn(self, d0: Any, d1: Any) -> None:
        """Find the special days of ``[d0, d1]`` (memoized by range)."""
        if self.base.simple_zone or any(a <= d0 and d1 <= b for a, b in self._spans):
            return
        tk = self.tk
        lo, hi = d0 - _ROLL_REACH, d1 + _ROLL_REACH
        changes = range_changes(tk.tz, tk._start_of(lo), tk._start_of(hi))
        if changes is None:  # checked readable in _daily_calendar; a year out of range
            raise _Unreadable
        rolled = tk.roll not in ("skip", "span")
        for instant, _, _ in changes:
            # the days either side of the change, and any day it skips (Samoa, 2011)
            a, b = tk.day_of(instant - _MICRO), tk.day_of(instant)
            day, after = min(a, b), max(a, b)
            if rolled and (after - day).days > 1:
                raise _Unreadable  # a roll onto a day the clock skips: let the walk say
            while day <= after:
                self._special.add(day)
                if rolled and tk.excluded(day):
                    self._special.add(tk.calendar.roll(day, tk.roll))
                day += _ONE_DAY
        self._spans.append((lo, hi))

    def _base_day(self, d: Any) -> list[datetime]:
        """The base schedule's ticks on day *d*."""
        tk, base = self.tk, self.base
        stop = tk._start_of(d + _ONE_DAY)
        out: list[datetime] = []
        x = tk.first_tick(d)
        while x is not None and x < stop:
            out.append(x)
            x = base.next(x)
        return out

    def _day(self, d: Any) -> tuple[datetime, ...]:
        """The kept ticks on special day *d*, in order (memoized): a business day's own
        ticks, plus under a roll the images of the excluded days that roll onto it."""
        got = self._days.get(d)
        if got is None:
            tk = self.tk
            if tk.excluded(d):
                got = ()
            elif tk.roll in ("skip", "span"):
                got = tuple(self._base_day(d))
            else:
                kept = set(self._base_day(d))
                for way in (-1, 1):
                    e = d
                    for _ in range(_ROLL_REACH.days):
                        e += way * _ONE_DAY
                        if not tk.excluded(e):
                            break
                        if tk.calendar.roll(e, tk.roll) == d:
                            kept.update(tk._image(u) for u in self._base_day(e))
                got = tuple(sorted(x for x in kept if tk.day_of(x) == d))
            self._days[d] = got
        return got

    def _from(self, x0: datetime, d: Any) -> int:
        """Kept ticks on *x0*'s day *d* at or after kept tick *x0*."""
        if d in self._special:
            ticks = self._day(d)
            return len(ticks) - bisect_left(ticks, x0)
        return len(self.tods) - bisect_left(self.tods, _secs(self.base.to_wall(x0)))

    def _until(self, end: datetime, d: Any) -> int:
        """Kept ticks on *end*'s day *d* at or before *end*."""
        if d in self._special:
            return bisect_right(self._day(d), end)
        if self.tk.excluded(d) or not self.base.spec._is_tick_day(d):
            return 0
        return bisect_right(self.tods, _secs(self.base.to_wall(end)))

    def _tick_days(self, a: Any, b: Any) -> int:
        """Business days in ``[a, b]`` on which the cron fires: the cron's own count of its
        days, less the excluded ones among them (counted per year, memoized)."""
        spec, cal = self.base.spec, self.tk.calendar
        if spec.kind == "daily":
            return int(cal.count_business_days(a, b))
        total = spec._days_before(b + _ONE_DAY) - spec._days_before(a)
        for year in range(a.year, b.year + 1):
            if a.year < year < b.year:
                total -= self._excluded_tick_days(year)
            else:
                lo, hi = a.toordinal(), b.toordinal()
                total -= sum(
                    1 for o in cal._year_ordinal_set(year)
                    if lo <= o <= hi and spec._is_tick_day(date.fromordinal(o))
                )
        return int(total)

    def _excluded_tick_days(self, year: int) -> int:
        got = self._excluded.get(year)
        if got is None:
            spec = self.base.spec
            got = self._excluded[year] = sum(
                1 for o in self.tk.calendar._year_ordinal_set(year)
                if spec._is_tick_day(date.fromordinal(o))
            )
        return got

    def between(self, x0: datetime, end: datetime) -> int:
        """Kept ticks in ``[x0, end]`` (*x0* a kept tick)."""
        tk = self.tk
        d0, d1 = tk.day_of(x0), tk.day_of(end)
        self._learn(d0, d1)
        if d0 == d1:
            if d0 in self._special:
                ticks = self._day(d0)
                return max(0, bisect_right(ticks, end) - bisect_left(ticks, x0))
            return max(0, bisect_right(self.tods, _secs(self.base.to_wall(end)))
                       - bisect_left(self.tods, _secs(self.base.to_wall(x0))))
        total = self._from(x0, d0) + self._until(end, d1)
        if (d1 - d0).days > 1:
            first, last = d0 + _ONE_DAY, d1 - _ONE_DAY
            total += len(self.tods) * self._tick_days(first, last)
            is_tick_day = self.base.spec._is_tick_day
            for d in self._special:
                if first <= d <= last and not tk.excluded(d):
                    total += len(self._day(d)) - (len(self.tods) if is_tick_day(d) else 0)
        return total

    def tick(self, x0: datetime, day: Any, i: int) -> datetime:
        """Kept tick number *i* (0-based) of *day*, counted from *x0* on *x0*'s own day."""
        tk = self.tk
        first = day == tk.day_of(x0)
        if day in self._special:
            ticks = self._day(day)
            return ticks[i + (bisect_left(ticks, x0) if first else 0)]
        if first:
            i += bisect_left(self.tods, _secs(self.base.to_wall(x0)))
        wall = datetime.combine(day, datetime.min.time()) + timedelta(seconds=self.tods[i])
        if self.base.simple_zone:
            return (wall - self.base.offset_at(x0)).replace(tzinfo=UTC)
        return resolve_wall(wall, tk.tz)[0]


class _Unreadable(Exception):
    """The zone's transitions could not be read for the range: walk instead."""


_MICRO = timedelta(microseconds=1)
_ONE_DAY = timedelta(days=1)


def _calendar_count(tt: Any, start: datetime, end: datetime) -> int | None:
    counter = _daily_calendar(tt)
    if counter is None:
        return None
    x0 = counter.tk.align_next(start)
    if x0 is None or x0 > end:
        return 0
    try:
        return counter.between(x0, end)
    except (_Unreadable, CalendarRangeError):
        return None


def _calendar_nth(tt: Any, start: datetime, n: int) -> Any:
    """Run *n* by a binary search over days on the day-arithmetic count (or _STREAM)."""
    counter = _daily_calendar(tt)
    if counter is None:
        return _STREAM
    tk = counter.tk
    x0 = tk.align_next(start)
    if x0 is None:
        return None
    d0 = tk.day_of(x0)

    def day_end(days: int) -> datetime | None:
        try:
            return tk._start_of(d0 + timedelta(days=days + 1)) - _MICRO
        except OverflowError:
            return None

    years = tk.calendar.years
    last = None if years is None else (date(years[1], 12, 31) - d0).days  # the calendar's end
    try:
        hi = 1
        while True:
            if last is not None and hi >= last:  # gallop no further than the calendar knows
                hi = last
                e = day_end(hi)
                if hi < 0 or e is None or counter.between(x0, e) <= n:
                    return _STREAM  # run n is past the calendar's years: the walk says so
                break
            e = day_end(hi)
            if e is None:
                return _STREAM
            if counter.between(x0, e) > n:
                break
            hi *= 2
        lo = 0  # the answer's day offset is in [lo, hi]
        while lo < hi:
            mid = (lo + hi) // 2
            e = day_end(mid)
            assert e is not None
            if counter.between(x0, e) > n:
                hi = mid
            else:
                lo = mid + 1
        before = 0 if lo == 0 else counter.between(x0, day_end(lo - 1))  # type: ignore[arg-type]
        return _run_at(tt, counter.tick(x0, d0 + timedelta(days=lo), n - before))
    except (_Unreadable, CalendarRangeError):
        return _STREAM  # the search looked past the calendar's years: let the walk decide


# -- helpers --------------------------------------------------------------------------------------
_WALL_END = datetime(9999, 12, 31, 23, 59, 59)  # noqa: DTZ001 (naive wall clock)


def _max_runs(tt: Any, start: datetime) -> int | None:
    """An upper bound on the runs of the chain from *start* up to year 9999, or None.

    Arithmetic only: the wall ticks left in the calendar plus room for a day of repeated
    ticks at four DST transitions a year (fixed-stride crons), every tick day for the
    other crons, and ``(end - start) // step + 1`` for deltas.
    """
    kind = type(tt)
    if kind is DeltaDataIntervals or kind is DeltaTrigger:
        delta = tt.delta
        fixed = _fixed_delta(delta)
        if fixed is not None:
            return (datetime.max.replace(tzinfo=UTC) - start) // fixed + 2
        fields = ("years", "months", "days", "hours", "minutes", "seconds", "microseconds")
        months: int = delta.years * 12 + delta.months
        if months > 0 and all(getattr(delta, f) >= 0 for f in fields):
            return ((9999 - start.year) * 12 + 12) // months + 2
        return None
    if kind is CronDataIntervals or kind is CronTrigger:
        spec: CronSpec = tt.base_ticker.spec
        per_day = len(spec.tods)
        days = (_END - start).days + 2
        slack = per_day * 4 * (days // 365 + 2)
        if spec.kind is not None:
            wall = start.astimezone(UTC).replace(tzinfo=None) - timedelta(days=2)
            return spec.count_le(_WALL_END) - spec.count_le(wall) + slack + 1
        return days * per_day + slack + 1
    return None


def _pair(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    return (start, end)


def _check(
    tt: Any, start: datetime, end: datetime | None, now: datetime | None
) -> tuple[Any, datetime, datetime | None, datetime]:
    tt = check_timetable(tt)
    check_aware(start, "start")
    if end is not None:
        check_aware(end, "end")
        if start > end:
            raise InvalidIntervalError(
                f"start={start.isoformat()!r} is after end={end.isoformat()!r}", argument="start"
            )
    if now is None:
        now = start
    check_aware(now, "now")
    return tt, start, end, now


def _chain(tt: Any, start: datetime, end: datetime | None, now: datetime) -> Iterator[RunInfo]:
    restriction = TimeRestriction(earliest=start, latest=end, catchup=True)
    fast = _fast_iter(tt, start, end, _make_run)
    return fast if fast is not None else _iter_chain(tt, restriction, now)


def _run_at(tt: Any, x: datetime) -> RunInfo | None:
    """The run whose chain tick is *x* (logical date for data kinds, run_after for triggers)."""
    tk = tt.ticker
    if isinstance(tt, (CronDataIntervals, DeltaDataIntervals)):
        e = tk.interval_end(x) if tt.calendar is not None else tk.next(x)
        return None if e is None else _make_run(x, e)
    interval = tt.interval
    s = step(x, interval, -1) if interval else x
    if s is None:
        return None
    info = _make_run(s, x)
    return info


# An advancer moves along a chain from tick x: (x, until, steps) -> (moved, last tick), with
# moved <= steps (when given) and every tick passed <= until (when given).
_Advance = Callable[[datetime, datetime | None, int | None], tuple[int, datetime]]


def _plan(tt: Any, start: datetime, until: datetime | None) -> tuple[datetime | None, _Advance] | None:
    """The first chain tick and an O(1)/O(transitions) advancer, or None (stream instead)."""
    if not (_LO <= start <= _HI) or (until is not None and not until <= _END):
        return None
    if getattr(tt, "calendar", None) is not None:
        return None
    kind = type(tt)
    if kind is DeltaDataIntervals or kind is DeltaTrigger:
        delta = _fixed_delta(tt.delta)
        if delta is None:
            return None
        return start.astimezone(UTC), _delta_advancer(delta)
    if kind is CronDataIntervals or kind is CronTrigger:
        tk: CronTicker = tt.ticker
        if not tk.spec.numbered or not tk.streams:
            return None
        x0 = tk.align_next(start)
        if x0 is None:
            return None, _delta_advancer(timedelta(1))
        data = kind is CronDataIntervals
        return x0, _CronWalk(tk, data).advance
    return None


def _fixed_delta(delta: Any) -> timedelta | None:
    if isinstance(delta, timedelta):
        return delta
    if not is_relativedelta(delta) or has_calendar_units(delta):
        return None
    if delta.leapdays or delta.weekday is not None or any(
        getattr(delta, f) is not None
        for f in ("year", "month", "day", "hour", "minute", "second", "microsecond")
    ):
        return None
    return timedelta(
        days=delta.days, hours=delta.hours, minutes=delta.minutes, seconds=delta.seconds,
        microseconds=delta.microseconds,
    )


def _delta_advancer(delta: timedelta) -> _Advance:
    def advance(x: datetime, until: datetime | None, steps: int | None) -> tuple[int, datetime]:
        k = (until - x) // delta if until is not None else None
        if steps is not None:
            k = steps if k is None else min(k, steps)
        assert k is not None
        try:
            return k, x + k * delta
        except OverflowError:  # pragma: no cover - _plan keeps the range small
            return 0, x

    return advance


class _CronWalk:
    """Jumps along a fixed-stride cron chain between DST transition windows."""

    __slots__ = ("data", "tk", "utc")

    def __init__(self, tk: CronTicker, data: bool) -> None:
        self.tk = tk
        self.data = data
        self.utc: CronTicker | None = None
        spec = tk.spec
        if not tk.simple_zone and spec.every_hour and spec.kind == "daily":
            self.utc = cron_ticker(spec.expression, UTC)

    def _chain_next(self, x: datetime) -> datetime | None:
        tk = self.tk
        e = tk.next(x)
        if not self.data or e is None:
            return e
        a = tk.align_prev(e)
        guard = 0
        while a is not None and a <= x and guard < _MAX_STEPS:
            a = tk.next(a)
            guard += 1
        return None if a is None or a <= x else a

    def advance(
        self, x: datetime, until: datetime | None, steps: int | None
    ) -> tuple[int, datetime]:
        """Move along the chain from *x*: at most *steps* ticks, none past *until*.

        In DST zones, whole calendar years are skipped through a memoized table (the chain
        from the first tick of year *y* to the first tick of year *y + 1*), so only the
        partial years at both ends are walked: the cost no longer grows with the range.
        """
        if self.tk.simple_zone:
            return self._walk(x, until, steps)
        if self.utc is not None and self._utc_grid_ok(x, until, steps):
            return self._walk(x, until, steps)  # O(1): counted as in UTC
        settled = constant_after(self.tk.tz)
        if settled is not None and x > settled + _MARGIN:
            return self._walk(x, until, steps)  # no transition ahead: arithmetic only
        y1 = x.astimezone(UTC).year + 1
        a1 = _year_anchor(self.tk, y1)
        if a1 is None or (until is not None and until < _year_anchor_or_max(self.tk, y1 + 1)):
            return self._walk(x, until, steps)
        moved, last = self._walk(x, a1, steps)
        if steps is not None and moved >= steps:
            return moved, last
        if last != a1:  # the chain from x does not pass the year's anchor: walk it all
            return self._walk(x, until, steps)
        table = _year_table(self.tk, self.data)
        y = y1
        while True:
            if settled is not None and last > settled + _MARGIN:
                break  # no transition ahead: the final walk is arithmetic
            seg = table.segment(y)
            nxt = table.anchor(y + 1)
            if seg is None or nxt is None:
                break
            if until is not None and nxt > until:
                break
            if steps is not None and moved + seg > steps:
                break
            moved += seg
            last = nxt
            y += 1
        rest = None if steps is None else steps - moved
        more, last = self._walk(last, until, rest)
        return moved + more, last

    def _utc_grid_ok(self, x: datetime, until: datetime | None, steps: int | None) -> bool:
        """Whether the UTC-grid shortcut holds for this walk (stride divides every offset)."""
        assert self.utc is not None
        _, y = _CronWalk(self.utc, self.data).advance(x, until, steps)
        lo, hi = min(x, y), max(y, until or y)
        offsets = zone_offsets(self.tk.tz, max(lo, _LO) - _DAY, min(hi, _END - _DAY) + _DAY)
        period = _period(self.tk.spec.tods)
        return offsets is not None and all(o.total_seconds() % period == 0 for o in offsets)

    def _walk(
        self, x: datetime, until: datetime | None, steps: int | None
    ) -> tuple[int, datetime]:
        tk = self.tk
        if self.utc is not None:
            # Every-hour shapes tick on a UTC grid when the stride divides every offset.
            utc_walk = _CronWalk(self.utc, self.data)
            moved, y = utc_walk.advance(x, until, steps)
            lo, hi = min(x, y), max(y, until or y)
            offsets = zone_offsets(tk.tz, max(lo, _LO) - _DAY, min(hi, _END - _DAY) + _DAY)
            period = _period(tk.spec.tods)
            if offsets is not None and all(o.total_seconds() % period == 0 for o in offsets):
                return moved, y
        spec = tk.spec
        moved = 0
        windows: tuple[tuple[datetime, timedelta], ...] = ()
        wi = 0
        horizon = x
        reach = _HORIZON  # grows while the zone has no transitions ahead
        while True:
            if steps is not None and moved >= steps:
                return moved, x
            wall = tk.to_wall(x)
            if tk.grid_ok(x, wall):
                # The next DST transition window that x has not passed yet.
                while True:
                    while wi < len(windows) and windows[wi][0] + windows[wi][1] + _MARGIN < x:
                        wi += 1
                    if wi < len(windows) or tk.simple_zone or horizon >= _END:
                        break
                    if until is not None and horizon > min(until, _END - _DAY) + _DAY:
                        break
                    lo = max(x, horizon)
                    horizon = _END if lo >= _END - reach else lo + reach
                    windows = zone_transitions(tk.tz, lo, horizon)
                    wi = 0
                    reach = _HORIZON if windows else min(reach * 4, _HORIZON * 1000)
                wlo: datetime | None = None
                if wi < len(windows):
                    t, d = windows[wi]
                    wlo = t - d - _MARGIN
                if wlo is None or x < wlo:
                    fx = spec.count_le(wall)
                    target: int | None = None
                    final = False
                    if wlo is not None:
                        target = spec.count_le(tk.to_wall(wlo))
                    if until is not None and (wlo is None or until < wlo):
                        target = spec.count_le(tk.to_wall(until))
                        final = True
                    if steps is not None and (target is None or target >= fx + steps - moved):
                        target = fx + steps - moved
                        final = True
                    assert target is not None
                    if target > fx:
                        w = spec.wall_at(target)
                        if w is None:  # past year 9999: go as far as the calendar does
                            target = spec.count_le(_WALL_END)
                            final = False
                            w = spec.wall_at(target) if target > fx else None
                        off = tk.wall_offset(w) if w is not None else None
                        if w is not None and off is not None:
                            moved += target - fx
                            x = _to_utc(w, off)
                            if final:
                                return moved, x
                            continue
                    elif final:
                        return moved, x
            nxt = self._chain_next(x)
            if nxt is None or (until is not None and nxt > until):
                return moved, x
            moved += 1
            x = nxt


@lru_cache(maxsize=65536)
def _year_anchor(tk: CronTicker, year: int) -> datetime | None:
    """The first tick at or after 1 January of *year*, 00:00 UTC (memoized)."""
    if not 2 <= year <= 9990:
        return None
    return tk.align_next(datetime(year, 1, 1, tzinfo=UTC))


def _year_anchor_or_max(tk: CronTicker, year: int) -> datetime:
    a = _year_anchor(tk, year)
    return a if a is not None else _HI


class _YearTable:
    """Chain steps from one year's anchor to the next, memoized per ticker and kind.

    A year's anchor and segment depend only on the wall calendar around it (the weekday
    of 1 January, and whether the year is a leap year) and on the zone's offsets and
    offset changes from a month before 1 January to a month after the next, relative to 1
    January: years alike in all of these have equal segments and anchors at the same
    distance from 1 January.  Zones with a yearly DST rule have at most 14 kinds of year,
    so a first count over a century costs a handful of walks and a cheap signature per
    year, not a walk per year.
    """

    __slots__ = ("_anchors", "_by_signature", "_segments", "_signatures", "walk")

    def __init__(self, tk: CronTicker, data: bool) -> None:
        self.walk = _CronWalk(tk, data)
        self._segments: dict[int, int | None] = {}
        self._signatures: dict[int, tuple[Any, ...] | None] = {}
        # signature -> anchor's distance from 1 January (None: not within a week), and
        # signature -> segment
        self._anchors: dict[tuple[Any, ...], timedelta | None] = {}
        self._by_signature: dict[tuple[Any, ...], int | None] = {}

    def _signature(self, year: int) -> tuple[Any, ...] | None:
        if year not in self._signatures:
            self._signatures[year] = _year_signature(self.walk.tk.tz, year)
        return self._signatures[year]

    def anchor(self, year: int) -> datetime | None:
        """The first tick at or after 1 January of *year*, 00:00 UTC (`_year_anchor`)."""
        sig = self._signature(year) if 2 <= year <= 9990 else None
        if sig is None:
            return _year_anchor(self.walk.tk, year)
        j0 = datetime(year, 1, 1, tzinfo=UTC)
        if sig not in self._anchors:
            a = _year_anchor(self.walk.tk, year)
            near = a is not None and timedelta(0) <= a - j0 <= _SIG_ANCHOR
            self._anchors[sig] = a - j0 if near and a is not None else None
            return a
        rel = self._anchors[sig]
        return j0 + rel if rel is not None else _year_anchor(self.walk.tk, year)

    def segment(self, year: int) -> int | None:
        """Steps from the anchor of *year* to that of *year + 1*; None if the chain misses it."""
        if year in self._segments:
            return self._segments[year]
        a, b = self.anchor(year), self.anchor(year + 1)
        seg: int | None = None
        if a is not None and b is not None:
            sig = self._signature(year)
            nxt = self._signature(year + 1)
            if sig is None or nxt is None or self._anchors.get(sig) is None \
                    or self._anchors.get(nxt) is None:
                seg = self.walked(a, b)
            elif sig in self._by_signature:
                seg = self._by_signature[sig]
            else:
                seg = self._by_signature[sig] = self.walked(a, b)
        if len(self._segments) > 20_000:  # pragma: no cover - bound the memo
            self._segments.clear()
            self._signatures.clear()
        self._segments[year] = seg
        return seg

    def walked(self, a: datetime, b: datetime) -> int | None:
        """Steps from anchor *a* to anchor *b*, walked (None if the chain misses *b*)."""
        moved, last = self.walk._walk(a, b, None)
        return moved if last == b else None


_SIG_ANCHOR = timedelta(days=8)  # anchors further into the year: walk (few ticks a year)
_SIG_REACH = timedelta(days=31)  # December before and January after: months of fixed length


def _year_signature(tz: Any, year: int) -> tuple[Any, ...] | None:
    """What a year's anchor and segment depend on, relative to 1 January (None: walk).

    The wall calendar from 1 December of the year before to 31 January of the year after
    is fixed by the weekday of 1 January and leap-ness; the zone's offset at the start of
    that span and its changes inside it (as seconds from 1 January) fix the instant of
    every wall tick.  Only anchors within a week of 1 January are shared, so that the walk
    between two anchors reads nothing outside the span.
    """
    if not 2 <= year <= 9990:
        return None
    j0 = datetime(year, 1, 1, tzinfo=UTC)
    lo = j0 - _SIG_REACH
    changes = range_changes(tz, lo, datetime(year + 1, 1, 1, tzinfo=UTC) + _SIG_REACH)
    if changes is None:
        return None
    return (
        calendar.isleap(year),
        j0.weekday(),
        lo.astimezone(tz).utcoffset(),
        tuple((t - j0, before, after) for t, before, after in changes),
    )


@lru_cache(maxsize=256)
def _year_table(tk: CronTicker, data: bool) -> _YearTable:
    return _YearTable(tk, data)


def _to_utc(wall: datetime, off: timedelta) -> datetime:
    return datetime(
        wall.year, wall.month, wall.day, wall.hour, wall.minute, wall.second, tzinfo=UTC
    ) - off


@lru_cache(maxsize=256)
def _period(tods: tuple[int, ...]) -> int:
    """The smallest p dividing 3600 with the times of day invariant under a p-second shift."""
    todset = set(tods)
    for p in (60, 120, 180, 240, 300, 360, 600, 720, 900, 1200, 1800, 3600):
        if all(((t + p) % 86400) in todset for t in tods):
            return p
    return 3600
