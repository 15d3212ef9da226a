"""The interval core: the next run, a manual run's interval, and lazy enumeration.

These three functions are the contract every host and every planning function uses.
They validate their arguments (aware datetimes, the right types) and delegate to the
timetable's own rules, so custom timetables that satisfy
[`TimetableProtocol`][timetable.TimetableProtocol] work everywhere too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import attrs

from . import _timetables
from ._calendar import BusinessCalendar, CalendarTicker
from ._delta import step
from ._timetables import (
    _MAX_STEPS,
    CronDataIntervals,
    CronTrigger,
    DeltaDataIntervals,
    DeltaTrigger,
    TimetableProtocol,
)
from ._types import DataInterval, RunInfo, TimeRestriction
from ._tz import check_aware
from .errors import InvalidArgumentError, InvalidIntervalError, WrongTypeError

__all__ = [
    "check_timetable",
    "infer_manual_interval",
    "calendar_month",
    "iter_excluded_ticks",
    "iter_run_infos",
    "next_run_info",
]

_BUILTIN_KINDS = frozenset(
    {
        _timetables.Never,
        _timetables.Once,
        _timetables.Continuous,
        _timetables.CronDataIntervals,
        _timetables.DeltaDataIntervals,
        _timetables.CronTrigger,
        _timetables.DeltaTrigger,
        _timetables.MultiCronTrigger,
        _timetables.Events,
    }
)


def check_timetable(tt: object, argument: str = "timetable") -> TimetableProtocol:
    """Return *tt* if it is a timetable (built-in or satisfying the protocol)."""
    if type(tt) in _BUILTIN_KINDS:  # the common case, without the slow protocol check
        return tt  # type: ignore[return-value]
    if not isinstance(tt, TimetableProtocol) or isinstance(tt, type):
        raise WrongTypeError.for_value(
            argument, tt, "expected a timetable (e.g. CronTrigger(cron='@daily'))"
        )
    return tt


def next_run_info(
    timetable: TimetableProtocol,
    *,
    last_interval: DataInterval | None,
    restriction: TimeRestriction,
    now: datetime,
) -> RunInfo | None:
    """The next automated run of *timetable* (Airflow's ``next_dagrun_info``).

    Args:
        timetable: any timetable.
        last_interval: the data interval of the last *automated* (scheduled or
            backfill) run, or ``None`` when there is none.  Manual runs never count.
        restriction: the start date, end date and catchup flag.
        now: the current instant; read wherever Airflow reads the clock (catchup off,
            ``Once``/``Continuous``/``Events``, ``run_immediately``).

    Returns:
        The run to create next, or ``None`` for "nothing to schedule" (which is not
        "never again": a later ``now`` can give a run).

    Raises:
        NaiveDatetimeError: *now* is naive.
        WrongTypeError: an argument has the wrong type.

    >>> from datetime import datetime, timezone
    >>> from timetable import CronDataIntervals, TimeRestriction, next_run_info
    >>> info = next_run_info(
    ...     CronDataIntervals(cron="@daily"),
    ...     last_interval=None,
    ...     restriction=TimeRestriction(earliest=datetime(2024, 1, 1, tzinfo=timezone.utc),
    ...                                 catchup=True),
    ...     now=datetime(2024, 6, 1, tzinfo=timezone.utc),
    ... )
    >>> print(info.data_interval.start, info.run_after)
    2024-01-01 00:00:00+00:00 2024-01-02 00:00:00+00:00
    """
    tt = check_timetable(timetable)
    if last_interval is not None and not isinstance(last_interval, DataInterval):
        raise WrongTypeError.for_value(
            "last_interval", last_interval, "expected a DataInterval or None"
        )
    if not isinstance(restriction, TimeRestriction):
        raise WrongTypeError.for_value("restriction", restriction, "expected a TimeRestriction")
    check_aware(now, "now")
    return tt.next_run_info(last_interval=last_interval, restriction=restriction, now=now)


def infer_manual_interval(timetable: TimetableProtocol, *, run_after: datetime) -> DataInterval:
    """The data interval of a manual run (Airflow's ``infer_manual_data_interval``).

    The REST API passes the user's *logical date* here, the trigger path the run's
    ``run_after``; both are valid uses.

    Raises:
        NaiveDatetimeError: *run_after* is naive.

    >>> from datetime import datetime, timezone
    >>> from timetable import CronDataIntervals, infer_manual_interval
    >>> iv = infer_manual_interval(CronDataIntervals(cron="@daily"),
    ...                            run_after=datetime(2022, 8, 8, 1, tzinfo=timezone.utc))
    >>> print(iv.start, iv.end)
    2022-08-07 00:00:00+00:00 2022-08-08 00:00:00+00:00
    """
    tt = check_timetable(timetable)
    check_aware(run_after, "run_after")
    return tt.infer_manual_interval(run_after=run_after)


def iter_run_infos(
    timetable: TimetableProtocol,
    *,
    start: datetime,
    end: datetime | None,
    now: datetime,
) -> Iterator[RunInfo]:
    """Every run between *start* and *end*, lazily (Airflow's ``iter_dagrun_infos_between``).

    Equal to chaining [`next_run_info()`][timetable.next_run_info] with ``TimeRestriction(earliest=start,
    latest=end, catchup=True)`` from no previous run.  *end* bounds the logical date of
    data-interval kinds and the ``run_after`` of trigger kinds (both inclusive);
    ``end=None`` enumerates without bound.  Stops when the timetable stops advancing
    (``Continuous`` at a fixed *now*).

    Raises:
        NaiveDatetimeError: a datetime argument is naive.
        InvalidIntervalError: ``start > end``.

    >>> from datetime import datetime, timezone
    >>> from timetable import CronTrigger, iter_run_infos
    >>> utc = timezone.utc
    >>> runs = iter_run_infos(CronTrigger(cron="0 12 * * *"), start=datetime(2024, 1, 1, tzinfo=utc),
    ...                       end=datetime(2024, 1, 3, 23, tzinfo=utc), now=datetime(2024, 2, 1, tzinfo=utc))
    >>> [r.run_after.day for r in runs]
    [1, 2, 3]
    """
    tt = check_timetable(timetable)
    check_aware(start, "start")
    if end is not None:
        check_aware(end, "end")
        if start > end:
            raise InvalidIntervalError(
                f"start={start.isoformat()!r} is after end={end.isoformat()!r}", argument="start"
            )
    check_aware(now, "now")
    return _iter(tt, TimeRestriction(earliest=start, latest=end, catchup=True), now)


def iter_excluded_ticks(
    timetable: TimetableProtocol,
    *,
    start: datetime,
    end: datetime,
) -> Iterator[tuple[datetime, str]]:
    """The ticks a timetable's business calendar drops or moves between *start* and *end*.

    Each is ``(tick, reason)``: the schedule's own tick (the logical date of a
    data-interval kind, the ``run_after`` of a trigger), and ``"excluded: <why>"``
    (``why`` is ``weekend`` or the holiday's name) or ``"rolled: <why> -> <instant>"``.
    Empty for a timetable without a calendar.  Lazy, in tick order.

    Raises:
        NaiveDatetimeError: a datetime argument is naive.
        InvalidIntervalError: ``start > end``.

    >>> from datetime import date, datetime, timezone
    >>> from timetable import BusinessCalendar, CronDataIntervals
    >>> utc = timezone.utc
    >>> tt = CronDataIntervals(cron="@daily", calendar=BusinessCalendar(
    ...     holidays={date(2024, 12, 25): "Christmas Day"}))
    >>> for tick, why in iter_excluded_ticks(tt, start=datetime(2024, 12, 21, tzinfo=utc),
    ...                                      end=datetime(2024, 12, 26, tzinfo=utc)):
    ...     print(tick.date(), why)
    2024-12-21 excluded: weekend
    2024-12-22 excluded: weekend
    2024-12-25 excluded: Christmas Day
    """
    tt = check_timetable(timetable)
    check_aware(start, "start")
    check_aware(end, "end")
    if start > end:
        raise InvalidIntervalError(
            f"start={start.isoformat()!r} is after end={end.isoformat()!r}", argument="start"
        )
    return _excluded(tt, start, end)


def calendar_month(
    source: Any, year: int, month: int
) -> tuple[dict[date, str], dict[date, str]]:
    """A month of days, each with a category and a note: the data of a month-grid picture.

    *source* is a [`BusinessCalendar`][timetable.BusinessCalendar], or a timetable with
    one (days are then read in the schedule's zone).  Categories: ``"business"``,
    ``"weekend"``, ``"holiday"``, and with a timetable ``"run"`` (a day with a run: its
    logical date for data intervals, its ``run_after`` for triggers) and ``"rolled"`` (an
    excluded day whose tick moved to another day).  Notes: holiday names, run times, where
    a tick rolled to.  [`timetable.draw.month_grid`][timetable.draw.month_grid] draws it.

    Raises:
        WrongTypeError: *source* is neither a calendar nor a timetable with a calendar,
            or *year* / *month* is not an int.
        InvalidArgumentError: *year* is outside 2-9998 or *month* outside 1-12.
        CalendarRangeError: the month is outside the calendar's materialized years.

    >>> from timetable import BusinessCalendar, CronTrigger
    >>> cal = BusinessCalendar(holidays={date(2024, 6, 19): "Juneteenth"})
    >>> days, notes = calendar_month(CronTrigger(cron="0 6 1 * *", calendar=cal,
    ...                                          roll="following"), 2024, 6)
    >>> days[date(2024, 6, 1)], notes[date(2024, 6, 1)], days[date(2024, 6, 3)], notes[date(2024, 6, 19)]
    ('rolled', 'weekend: tick rolled to 2024-06-03 06:00', 'run', 'Juneteenth')
    """
    found = source if isinstance(source, BusinessCalendar) else getattr(source, "calendar", None)
    tt = None if isinstance(source, BusinessCalendar) else source
    if not isinstance(found, BusinessCalendar):
        raise WrongTypeError.for_value(
            "source", source, "expected a BusinessCalendar or a timetable with a calendar"
        )
    calendar = found
    # the grid reads the days either side of the month, so years 1 and 9999 are out
    for name, value, low, high in (("year", year, 2, 9998), ("month", month, 1, 12)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise WrongTypeError.for_value(name, value, "expected an int")
        if not low <= value <= high:
            raise InvalidArgumentError.for_value(name, value, f"expected {low} to {high}")
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    days: dict[date, str] = {}
    notes: dict[date, str] = {}
    d = first
    while d < nxt:
        why = calendar.exclusion(d)
        days[d] = "business" if why is None else "weekend" if why == "weekend" else "holiday"
        if why is not None and why != "weekend":
            notes[d] = why
        d += timedelta(days=1)
    if tt is None:
        return days, notes
    ticker = tt.ticker if not isinstance(tt, _timetables.MultiCronTrigger) else tt.children[0].ticker
    assert isinstance(ticker, CalendarTicker)
    lo = ticker._start_of(first - timedelta(days=1))
    hi = ticker._start_of(nxt + timedelta(days=1))
    data = type(tt) is CronDataIntervals or type(tt) is DeltaDataIntervals
    wall = ticker.tz
    for info in iter_run_infos(tt, start=lo, end=hi, now=hi):
        tick = info.logical_date if data else info.run_after
        day = ticker.day_of(tick)
        if first <= day < nxt:
            days[day] = "run"
            at = tick.astimezone(wall).strftime("%H:%M")
            notes[day] = f"{notes[day]}; run at {at}" if day in notes else f"run at {at}"
    for tick, why in _excluded(tt, lo, hi):
        day = ticker.day_of(tick)
        if first <= day < nxt and why.startswith("rolled: "):
            reason, _, to = why[len("rolled: "):].partition(" -> ")
            moved = datetime.fromisoformat(to).astimezone(wall).strftime("%Y-%m-%d %H:%M")
            days[day] = "rolled"
            notes[day] = f"{reason}: tick rolled to {moved}"
    return days, notes


def _excluded(tt: Any, start: datetime, end: datetime) -> Iterator[tuple[datetime, str]]:
    calendar = getattr(tt, "calendar", None)
    if calendar is None or type(tt) not in _BUILTIN_KINDS:
        return
    kw: dict[str, Any] = {"calendar": None, "roll": "skip"}
    if hasattr(tt, "business_day"):
        kw["business_day"] = None
    base = attrs.evolve(tt, **kw)
    data = type(tt) is CronDataIntervals or type(tt) is DeltaDataIntervals
    ticker = tt.ticker if not isinstance(tt, _timetables.MultiCronTrigger) else tt.children[0].ticker
    assert isinstance(ticker, CalendarTicker)
    restriction = TimeRestriction(earliest=start, latest=end, catchup=True)
    for info in _iter(base, restriction, end):
        tick = info.logical_date if data else info.run_after
        day = ticker.day_of(tick)
        if not ticker.excluded(day):
            continue
        why = ticker.reason(day)
        if ticker.roll in ("skip", "span") or ticker.nth is not None:
            yield tick, f"excluded: {why}"
        else:
            yield tick, f"rolled: {why} -> {ticker._image(tick).isoformat()}"


def _iter(tt: TimetableProtocol, restriction: TimeRestriction, now: datetime) -> Iterator[RunInfo]:
    """The enumeration behind [`iter_run_infos()`][timetable.iter_run_infos]: the fast stream for built-in periodic
    kinds, the generic ``next_run_info`` chain for everything else."""
    fast = _fast_iter(tt, restriction.earliest, restriction.latest, _make_run)
    return fast if fast is not None else _iter_chain(tt, restriction, now)


def _iter_chain(
    tt: TimetableProtocol, restriction: TimeRestriction, now: datetime
) -> Iterator[RunInfo]:
    """Chain ``next_run_info`` from no previous run (the reference enumeration)."""
    info = tt.next_run_info(last_interval=None, restriction=restriction, now=now)
    while info is not None:
        yield info
        nxt = tt.next_run_info(last_interval=info.data_interval, restriction=restriction, now=now)
        if nxt is not None and nxt.data_interval == info.data_interval:
            return  # no progress (Continuous at a frozen now)
        info = nxt


# -- the fast stream ---------------------------------------------------------------------------
# Values built here come from already-validated, aware, ordered instants, so they skip the
# attrs validators: the slot descriptors are set directly (what attrs' frozen __init__ does).
_new = object.__new__
_set_start = DataInterval.__dict__["start"].__set__
_set_end = DataInterval.__dict__["end"].__set__
_set_run_after = RunInfo.__dict__["run_after"].__set__
_set_interval = RunInfo.__dict__["data_interval"].__set__

_T = TypeVar("_T")


_CALENDAR_KINDS = (CronDataIntervals, DeltaDataIntervals, CronTrigger, DeltaTrigger)


def _make_run(start: datetime, end: datetime) -> RunInfo:
    """``RunInfo.interval(start, end)`` without re-validation (``start <= end``, both aware)."""
    di = _new(DataInterval)
    _set_start(di, start)
    _set_end(di, end)
    info = _new(RunInfo)
    _set_run_after(info, end)
    _set_interval(info, di)
    return info


def interval_of(start: datetime, end: datetime) -> DataInterval:
    """``DataInterval(start, end)`` without re-validation (aware, ``start <= end``)."""
    di = _new(DataInterval)
    _set_start(di, start)
    _set_end(di, end)
    return di


def run_info_of(run_after: datetime, start: datetime, end: datetime) -> RunInfo:
    """``RunInfo(run_after, DataInterval(start, end))`` without re-validation, for values a
    planner produced (or read and checked) itself: aware, ``start <= end``."""
    info = _new(RunInfo)
    _set_run_after(info, run_after)
    _set_interval(info, interval_of(start, end))
    return info


def _fast_iter(
    tt: object,
    earliest: datetime | None,
    latest: datetime | None,
    make: Callable[[datetime, datetime], _T],
) -> Iterator[_T] | None:
    """The catchup chain of a built-in periodic kind as a stream of ``make(start, end)``
    (``run_after == end`` for every built-in kind), or None for other timetables.

    Equal, item for item, to chaining ``next_run_info`` with
    ``TimeRestriction(earliest, latest, catchup=True)``: regular steps come from the
    ticker's stream, any other step re-runs the chain rule (see ``_timetables``).
    """
    if earliest is None:
        return None
    kind = type(tt)
    if getattr(tt, "calendar", None) is not None and kind in _CALENDAR_KINDS:
        return _stream_calendar(tt, earliest, latest, make)
    if kind is CronDataIntervals or kind is DeltaDataIntervals:
        return _stream_data(tt.ticker, earliest, latest, make)  # type: ignore[attr-defined]
    if kind is CronTrigger or kind is DeltaTrigger:
        return _stream_trigger(tt.ticker, tt.interval, earliest, latest, make)  # type: ignore[attr-defined]
    return None


def _stream_calendar(
    tt: Any,
    earliest: datetime,
    latest: datetime | None,
    make: Callable[[datetime, datetime], _T],
) -> Iterator[_T]:
    """The catchup chain of a periodic kind with a business calendar (kept ticks only)."""
    ticker = tt.ticker
    if type(tt) is CronDataIntervals or type(tt) is DeltaDataIntervals:
        it: Iterator[_T] = ticker.pairs(earliest, latest, make)
        return it
    return _stream_calendar_trigger(tt, ticker, earliest, latest, make)


def _stream_calendar_trigger(
    tt: Any,
    ticker: Any,
    earliest: datetime,
    latest: datetime | None,
    make: Callable[[datetime, datetime], _T],
) -> Iterator[_T]:
    interval = tt.interval
    t: datetime | None = ticker.align_next(earliest)
    if t is None:
        return
    ticks = ticker.iter_next(t)
    while t is not None:
        if latest is not None and latest < t:
            return
        start = step(t, interval, -1) if interval else t
        if start is None:
            return
        yield make(start, t)
        nxt = next(ticks, None)
        t = None if nxt is None else nxt[0]


def _stream_data(
    ticker: Any,
    earliest: datetime,
    latest: datetime | None,
    make: Callable[[datetime, datetime], _T],
) -> Iterator[_T]:
    """``_data_interval_next`` chained (catchup=True)."""
    s0: datetime | None = ticker.align_next(earliest)
    if s0 is None or (latest is not None and s0 > latest):
        return
    s = s0
    while True:
        restarted = False
        for e, regular in ticker.iter_next(s):
            yield make(s, e)
            if not regular:
                # The chain rule: realign the end, never before the start date, and
                # never at or before the previous start (Airflow 3.3's guard).
                a: datetime | None = ticker.align_prev(e)
                if a is None:
                    return
                if a < s0:
                    a = s0
                guard = 0
                while a is not None and a <= s and guard < _MAX_STEPS:
                    a = ticker.next(a)
                    guard += 1
                if a is None or a <= s:
                    return
                if a != e:
                    s = a
                    if latest is not None and s > latest:
                        return
                    restarted = True
                    break
            s = e
            if latest is not None and s > latest:
                return
        if not restarted:
            return


def _stream_trigger(
    ticker: Any,
    interval: Any,
    earliest: datetime,
    latest: datetime | None,
    make: Callable[[datetime, datetime], _T],
) -> Iterator[_T]:
    """``_trigger_next`` chained (catchup=True)."""
    t: datetime | None = ticker.align_next(earliest)
    if t is None:
        return
    fixed = isinstance(interval, timedelta)
    ticks = ticker.iter_next(t)
    while True:
        if latest is not None and latest < t:
            return
        if not interval:
            start: datetime | None = t
        elif fixed:
            try:
                start = t - interval
            except OverflowError:
                start = None
        else:
            start = step(t, interval, -1)
        if start is None:
            return
        yield make(start, t)
        nxt = next(ticks, None)
        if nxt is None or nxt[0] == t:
            return  # out of range, or no progress
        t = nxt[0]
