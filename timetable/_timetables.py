"""The timetable kinds: frozen values that answer "what is the next run?".

Theory of operation
-------------------
Each kind mirrors one of Airflow 3.3's built-in timetables (``airflow.timetables.*``)
and keeps its exact rules, with the clock replaced by an explicit ``now`` argument:

=====================  ==========================================
ours                   Airflow
=====================  ==========================================
``Never``              ``NullTimetable`` (``schedule=None``)
``Once``               ``OnceTimetable`` (``"@once"``)
``Continuous``         ``ContinuousTimetable`` (``"@continuous"``)
``CronDataIntervals``  ``CronDataIntervalTimetable``
``DeltaDataIntervals`` ``DeltaDataIntervalTimetable``
``CronTrigger``        ``CronTriggerTimetable``
``DeltaTrigger``       ``DeltaTriggerTimetable``
``MultiCronTrigger``   ``MultipleCronTriggerTimetable``
``Events``             ``EventsTimetable``
=====================  ==========================================

All interval arithmetic goes through a *ticker* (``next`` / ``prev`` / ``align_next``
/ ``align_prev``): `CronTicker` for cron kinds and
`_DeltaTicker` for delta kinds.  Nothing else derives a window, so faster tickers
slot in without touching the rules here.

Where Airflow 3.3.2 raises on valid input (Lord Howe's 30-minute DST with hourly
data-interval crons), we keep stepping forward instead, so intervals stay contiguous
and strictly increasing; the docs' deviations page lists those cases.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

import attrs

from ._calendar import BusinessCalendar, CalendarTicker, check_calendar, check_roll
from ._cron import CronTicker, cron_ticker, normalize_expression, parse_cron
from ._delta import (
    check_delta,
    delta_summary,
    epoch_floor,
    has_calendar_units,
    month_stepper,
    step,
)
from ._describe import describe_cron
from ._types import DataInterval, DstPolicy, RunInfo, TimeRestriction
from ._tz import check_aware, get_zone, zone_name
from ._validation import aware_arg, checked, instance_arg
from ._validation import is_bool as _bool_validator
from .errors import InvalidScheduleError, WrongTypeError

if TYPE_CHECKING:
    from ._delta import Delta

__all__ = [
    "Continuous",
    "CronDataIntervals",
    "CronTrigger",
    "DeltaDataIntervals",
    "DeltaTrigger",
    "Events",
    "MultiCronTrigger",
    "Never",
    "Once",
    "Timetable",
    "TimetableProtocol",
]

_MAX_STEPS = 10_000


# -- tickers ---------------------------------------------------------------------------------
class _Ticker(Protocol):
    def next(self, t: datetime) -> datetime | None: ...
    def prev(self, t: datetime) -> datetime | None: ...
    def align_next(self, t: datetime) -> datetime | None: ...
    def align_prev(self, t: datetime) -> datetime | None: ...


class _DeltaTicker:
    """Delta stepping on the UTC instant; every instant is "on the grid"."""

    __slots__ = ("delta",)

    def __init__(self, delta: Delta) -> None:
        self.delta = delta

    def next(self, t: datetime) -> datetime | None:
        return step(t, self.delta, 1)

    def prev(self, t: datetime) -> datetime | None:
        return step(t, self.delta, -1)

    def align_next(self, t: datetime) -> datetime | None:
        return t.astimezone(UTC)

    def align_prev(self, t: datetime) -> datetime | None:
        return t.astimezone(UTC)

    def iter_next(self, t: datetime) -> Iterator[tuple[datetime, bool]]:
        """``next(t)``, ``next(next(t))``, ... flagged regular when the step advances."""
        delta = self.delta
        fast = month_stepper(delta)
        x = t.astimezone(UTC)
        while True:
            try:
                e = fast(x) if fast is not None else x + delta
            except (OverflowError, ValueError):
                return
            yield e, e > x
            x = e


def _delta_ticker(
    delta: Delta, calendar: BusinessCalendar | None, roll: str
) -> _DeltaTicker | CalendarTicker:
    base = _DeltaTicker(delta)
    if calendar is None:
        return base
    return CalendarTicker(base, calendar, roll, UTC, cron=False)


# -- field converters / validators ----------------------------------------------------------
#: Every kind's public methods validate their arguments like the module-level functions do.
_run_query = checked(
    last_interval=instance_arg(DataInterval, "a DataInterval or None", none=True),
    restriction=instance_arg(TimeRestriction, "a TimeRestriction"),
    now=aware_arg,
)
_manual_query = checked(run_after=aware_arg)


def _zone_converter(value: Any) -> str:
    if isinstance(value, str):
        get_zone(value)
        return value
    if isinstance(value, tzinfo):
        try:
            return zone_name(value)
        except (TypeError, ValueError, OverflowError) as err:  # a tzinfo that cannot say
            raise WrongTypeError.for_value(
                "timezone", value, "expected an IANA zone name such as 'UTC'"
            ) from err
    raise WrongTypeError.for_value("timezone", value, "expected an IANA zone name such as 'UTC'")


def _cron_converter(value: Any) -> str:
    if not isinstance(value, str):
        raise WrongTypeError.for_value("cron", value, "expected a cron expression string")
    expr = normalize_expression(value.strip())
    if expr in ("@once", "@continuous"):
        raise InvalidScheduleError.for_value(
            "cron", value, "not a cron expression; use Once() or Continuous()"
        )
    parse_cron(expr)  # raises InvalidScheduleError
    return expr


def _delta_validator(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    check_delta(value, attribute.name)


def _interval_validator(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    check_delta(value, attribute.name, allow_zero=True)


def _run_immediately_validator(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, timedelta):
        if value < timedelta(0):
            raise InvalidScheduleError.for_value("run_immediately", value, "must not be negative")
        return
    raise WrongTypeError.for_value(
        "run_immediately", value, "expected True, False, None or a timedelta"
    )


def _dst_validator(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, DstPolicy):
        raise WrongTypeError.for_value("dst", value, "expected a DstPolicy")


def _calendar_validator(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    check_calendar(value)


def _cron_roll_validator(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    check_roll(value)


def _delta_roll_validator(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    check_roll(value, delta=True)


_OMIT = {"omit_default": True}


def _calendar_field() -> Any:
    return attrs.field(default=None, validator=_calendar_validator, metadata=_OMIT)


def _roll_field(delta: bool = False) -> Any:
    return attrs.field(
        default="skip",
        validator=_delta_roll_validator if delta else _cron_roll_validator,
        metadata=_OMIT,
    )


def _business_day_validator(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise WrongTypeError.for_value("business_day", value, "expected None or an int")
    if value == 0 or not -23 <= value <= 23:
        raise InvalidScheduleError.for_value(
            "business_day", value, "expected 1 to 23 (from the month's start) or -1 to -23 (from its end)"
        )
    if inst.calendar is None:
        raise InvalidScheduleError.for_value(
            "business_day", value, "needs a calendar= to count business days in"
        )
    if inst.roll not in ("skip", "span"):
        raise InvalidScheduleError.for_value(
            "roll", inst.roll, "business_day= keeps or drops ticks; use roll='skip' or 'span'"
        )


def _business_day_field() -> Any:
    return attrs.field(default=None, validator=_business_day_validator, metadata=_OMIT)


def _repr(self: Any) -> str:
    """attrs' repr, leaving out calendar fields at their defaults (as ``to_dict`` does)."""
    parts = []
    for f in attrs.fields(type(self)):
        value = getattr(self, f.name)
        if f.metadata.get("omit_default") and value == f.default:
            continue
        parts.append(f"{f.alias or f.name}={value!r}")
    return f"{type(self).__name__}({', '.join(parts)})"


def _interval_end(ticker: Any, start: datetime) -> datetime | None:
    """The end of the data interval starting at tick *start*."""
    if type(ticker) is CalendarTicker:
        return ticker.interval_end(start)
    result: datetime | None = ticker.next(start)
    return result


def _calendar_latest(ticker: CalendarTicker, earliest: datetime | None, now: datetime) -> datetime | None:
    """catchup=False with a calendar: the latest kept interval that has ended by *now*.

    The same steps as ``CronDataIntervals._skip_to_latest`` (Airflow's rule), with "the
    next tick is *now*" read as "the interval starting at the last tick has ended", which
    is the same thing for contiguous intervals and the right thing for ``skip``.
    """
    last_start = ticker.prev(now)
    if last_start is None:
        return None
    next_start = ticker.next(last_start)
    guard = 0
    while next_start is not None and next_start < now and guard < _MAX_STEPS:
        last_start, next_start = next_start, ticker.next(next_start)
        guard += 1
    if next_start is None:
        return None
    end = ticker.interval_end(last_start)
    new_start = last_start if end is not None and end <= now else ticker.prev(last_start)
    if new_start is None:
        return None
    if earliest is None:
        return new_start
    aligned = ticker.align_next(earliest)
    return new_start if aligned is None else max(new_start, aligned)


# -- shared rules ---------------------------------------------------------------------------
def _data_interval_next(
    ticker: _Ticker,
    skip_to_latest: Any,
    last: DataInterval | None,
    restriction: TimeRestriction,
    now: datetime,
) -> RunInfo | None:
    """Airflow's ``_DataIntervalTimetable.next_dagrun_info`` (3.3, never raising)."""
    earliest = restriction.earliest
    if not restriction.catchup:
        earliest = skip_to_latest(earliest, now)
        if earliest is None:
            return None
    elif earliest is not None:
        earliest = ticker.align_next(earliest)
        if earliest is None:
            return None
    if last is None:
        if earliest is None:
            return None
        start: datetime | None = earliest
    else:
        start = ticker.align_prev(last.end)
        if start is None:
            return None
        if earliest is not None:
            start = max(start, earliest)
        # 3.3 guard: never re-emit a start at or before the previous run's start.  Airflow
        # retries once and then raises; we keep stepping (bounded) so we never raise.
        guard = 0
        while start is not None and start <= last.start and guard < _MAX_STEPS:
            start = ticker.next(start)
            guard += 1
        if start is None or start <= last.start:
            return None
    if start is None:  # pragma: no cover - both branches above return early on None
        return None
    if restriction.latest is not None and start > restriction.latest:
        return None
    end = _interval_end(ticker, start)
    if end is None:
        return None
    return RunInfo.interval(start, end)


def _trigger_next(
    ticker: _Ticker,
    first_run: Any,
    interval: Delta,
    last: DataInterval | None,
    restriction: TimeRestriction,
    now: datetime,
) -> RunInfo | None:
    """Airflow's ``_TriggerTimetable.next_dagrun_info``."""
    earliest = restriction.earliest
    nxt: datetime | None
    if restriction.catchup:
        if last is not None:
            nxt = ticker.next(last.end)
        elif earliest is None:
            nxt = first_run(now)
        else:
            nxt = ticker.align_next(earliest)
    else:
        candidates = [ticker.align_prev(now)]
        if last is not None:
            candidates.append(ticker.next(last.end))
        elif earliest is None:
            candidates.append(first_run(now))
        if earliest is not None:
            candidates.append(ticker.align_next(earliest))
        present = [c for c in candidates if c is not None]
        nxt = max(present) if present else None
    if nxt is None:
        return None
    if restriction.latest is not None and restriction.latest < nxt:
        return None
    start = step(nxt, interval, -1) if interval else nxt
    if start is None:
        return None
    return RunInfo(run_after=nxt, data_interval=DataInterval(start=start, end=nxt))


def _trigger_manual(interval: Delta, run_after: datetime) -> DataInterval:
    start = step(run_after, interval, -1) if interval else run_after
    if start is None:
        return DataInterval.exact(run_after)
    return DataInterval(start=start, end=run_after)


def _calendar_manual(ticker: CalendarTicker, run_after: datetime) -> DataInterval:
    """A manual run's interval with a calendar: the latest kept interval ended by *run_after*.

    Without excluded ticks in the way this is ``[prev(end), end]`` with
    ``end = align_prev(run_after)``, exactly as without a calendar.
    """
    k = ticker.align_prev(run_after)
    if k is None:
        return DataInterval.exact(run_after)
    end_k = ticker.interval_end(k)
    if (
        ticker.roll == "skip"
        and end_k is not None
        and end_k <= run_after
        and ticker.excluded(ticker.day_of(end_k))
    ):
        return DataInterval(start=k, end=end_k)  # k's own interval ended; the next tick is excluded
    p = ticker.prev(k)
    if p is None:
        return DataInterval(start=k, end=k)
    end = k
    if ticker.roll == "skip":
        e = ticker.interval_end(p)
        if e is not None and e < k:
            end = e
    return DataInterval(start=p, end=end)


# -- the protocol ------------------------------------------------------------------------------
@runtime_checkable
class TimetableProtocol(Protocol):
    """What a custom timetable provides to plug into every function of this library.

    Built-in kinds satisfy it; a host may pass any object that does.  No subclassing:
    implement these members on a plain (preferably frozen) class.
    """

    @property
    def periodic(self) -> bool:
        """Whether the schedule repeats (backfill is refused when it does not)."""
        ...

    @property
    def summary(self) -> str:
        """A short label, as Airflow's ``Timetable.summary``."""
        ...

    def next_run_info(
        self, *, last_interval: DataInterval | None, restriction: TimeRestriction, now: datetime
    ) -> RunInfo | None:
        """The next automated run after *last_interval*, or ``None`` for "nothing now"."""
        ...

    def infer_manual_interval(self, *, run_after: datetime) -> DataInterval:
        """The data interval of a manual run triggered at *run_after*."""
        ...


# -- kinds -------------------------------------------------------------------------------------
@attrs.frozen(kw_only=True)
class Never:
    """Never scheduled; manual runs only (Airflow's ``NullTimetable``, ``schedule=None``).

    >>> Never().summary
    'None'
    """

    periodic: ClassVar[bool] = False
    can_be_scheduled: ClassVar[bool] = False
    active_runs_limit: ClassVar[int | None] = None

    @property
    def summary(self) -> str:
        """``"None"``, as Airflow."""
        return "None"

    @property
    def description(self) -> str:
        """A human sentence."""
        return "Never, external triggers only"

    @_run_query
    def next_run_info(
        self, *, last_interval: DataInterval | None, restriction: TimeRestriction, now: datetime
    ) -> RunInfo | None:
        """Always ``None``."""
        return None

    @_manual_query
    def infer_manual_interval(self, *, run_after: datetime) -> DataInterval:
        """``[run_after, run_after]``."""
        return DataInterval.exact(run_after)


@attrs.frozen(kw_only=True)
class Once:
    """One run, at the start date (or ``now`` without one) - Airflow's ``"@once"``.

    >>> from datetime import datetime, timezone
    >>> start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    >>> from timetable import TimeRestriction, next_run_info
    >>> next_run_info(Once(), last_interval=None,
    ...               restriction=TimeRestriction(earliest=start), now=start).run_after
    datetime.datetime(2024, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)
    """

    periodic: ClassVar[bool] = False
    can_be_scheduled: ClassVar[bool] = True
    active_runs_limit: ClassVar[int | None] = None

    @property
    def summary(self) -> str:
        """``"@once"``."""
        return "@once"

    @property
    def description(self) -> str:
        """A human sentence."""
        return "Once, as soon as possible"

    @_run_query
    def next_run_info(
        self, *, last_interval: DataInterval | None, restriction: TimeRestriction, now: datetime
    ) -> RunInfo | None:
        """``[t, t]`` with ``t = earliest or now``, unless a run exists or ``t > latest``."""
        if last_interval is not None:
            return None
        t = restriction.earliest if restriction.earliest is not None else now
        if restriction.latest is not None and t > restriction.latest:
            return None
        return RunInfo.exact(t)

    @_manual_query
    def infer_manual_interval(self, *, run_after: datetime) -> DataInterval:
        """``[run_after, run_after]``."""
        return DataInterval.exact(run_after)


@attrs.frozen(kw_only=True)
class Continuous:
    """A new run as soon as the previous one ends (Airflow's ``"@continuous"``).

    Airflow requires ``max_active_runs=1`` for such DAGs (`active_runs_limit`).
    """

    periodic: ClassVar[bool] = False
    can_be_scheduled: ClassVar[bool] = True
    active_runs_limit: ClassVar[int | None] = 1

    @property
    def summary(self) -> str:
        """``"@continuous"``."""
        return "@continuous"

    @property
    def description(self) -> str:
        """A human sentence."""
        return "As frequently as possible, but only one run at a time."

    @_run_query
    def next_run_info(
        self, *, last_interval: DataInterval | None, restriction: TimeRestriction, now: datetime
    ) -> RunInfo | None:
        """Airflow 3.3's rule: from the last run's end (or the start date) up to ``now``."""
        start_at = restriction.earliest if restriction.earliest is not None else now
        if last_interval is not None:
            if last_interval.end > now:
                start = start_at
                end = start_at + (last_interval.end - last_interval.start)
            else:
                start = last_interval.end
                end = now
        else:
            start = start_at
            end = max(start_at, now)
        if restriction.latest is not None and end > restriction.latest:
            return None
        return RunInfo.interval(start, end)

    @_manual_query
    def infer_manual_interval(self, *, run_after: datetime) -> DataInterval:
        """``[run_after, run_after]``."""
        return DataInterval.exact(run_after)


class _CronKind:
    """Shared members of the cron kinds (not public; no subclassing in the API)."""

    cron: str
    timezone: str
    dst: DstPolicy
    calendar: BusinessCalendar | None
    roll: str
    business_day: int | None

    @property
    def base_ticker(self) -> CronTicker:
        """The tick engine for this expression, zone and DST policy (no calendar)."""
        return cron_ticker(self.cron, get_zone(self.timezone), self.dst.gap, self.dst.fold)

    @property
    def ticker(self) -> CronTicker | CalendarTicker:
        """The tick engine, seen through the business calendar when there is one."""
        base = self.base_ticker
        if self.calendar is None:
            return base
        return CalendarTicker(
            base, self.calendar, self.roll, base.tz, cron=True, nth=self.business_day
        )

    @property
    def summary(self) -> str:
        """The expression after preset expansion, as Airflow."""
        return self.cron

    @property
    def description(self) -> str:
        """A human sentence for the expression (empty when we cannot describe it)."""
        return describe_cron(self.cron)


@attrs.frozen(kw_only=True, repr=False)
class CronDataIntervals(_CronKind):
    """Data intervals between consecutive cron ticks; each run starts at its interval's end.

    Airflow's ``CronDataIntervalTimetable`` (``schedule="0 0 * * *"`` with
    ``create_cron_data_intervals=True``, the 2.x default).

    Attributes:
        cron: a cron expression or preset (``"@daily"`` is stored as ``"0 0 * * *"``).
        timezone: the zone whose wall clock the expression reads (IANA name or offset).
        dst: how DST gaps and folds are handled (Airflow's by default).
        calendar: a [`BusinessCalendar`][timetable.BusinessCalendar]; ticks on its
            excluded days are dropped or rolled (``None``: every day counts).
        roll: what happens to a tick on an excluded day: ``"skip"`` (default),
            ``"following"``, ``"preceding"``, ``"modified_following"``,
            ``"modified_preceding"`` or ``"span"`` (see *Business days and holidays*).
        business_day: keep only ticks on the *n*-th business day of each month
            (``3``: the third; ``-1``: the last); needs *calendar*.

    >>> tt = CronDataIntervals(cron="@daily", timezone="Europe/Berlin")
    >>> tt.summary, tt.description
    ('0 0 * * *', 'At 00:00')
    """

    periodic: ClassVar[bool] = True
    can_be_scheduled: ClassVar[bool] = True
    active_runs_limit: ClassVar[int | None] = None

    cron: str = attrs.field(converter=_cron_converter)
    timezone: str = attrs.field(default="UTC", converter=_zone_converter)
    dst: DstPolicy = attrs.field(factory=DstPolicy, validator=_dst_validator)
    calendar: BusinessCalendar | None = _calendar_field()  # noqa: RUF009
    roll: str = _roll_field()
    business_day: int | None = _business_day_field()
    __repr__ = _repr

    def _skip_to_latest(self, earliest: datetime | None, now: datetime) -> datetime | None:
        tk = self.ticker
        if isinstance(tk, CalendarTicker):
            return _calendar_latest(tk, earliest, now)
        last_start = tk.prev(now)
        if last_start is None:
            return None
        next_start = tk.next(last_start)
        # Airflow asserts next_start >= now; around Lord Howe's 30-minute fold it is not.
        # Walk forward instead of raising.
        guard = 0
        while next_start is not None and next_start < now and guard < _MAX_STEPS:
            last_start, next_start = next_start, tk.next(next_start)
            guard += 1
        if next_start is None:
            return None
        new_start = last_start if next_start == now else tk.prev(last_start)
        if new_start is None:
            return None
        if earliest is None:
            return new_start
        aligned = tk.align_next(earliest)
        return new_start if aligned is None else max(new_start, aligned)

    @_run_query
    def next_run_info(
        self, *, last_interval: DataInterval | None, restriction: TimeRestriction, now: datetime
    ) -> RunInfo | None:
        """See [`next_run_info()`][timetable.next_run_info]."""
        return _data_interval_next(
            self.ticker, self._skip_to_latest, last_interval, restriction, now
        )

    @_manual_query
    def infer_manual_interval(self, *, run_after: datetime) -> DataInterval:
        """The last complete interval at *run_after*: ``[prev(end), end]``, ``end = align_prev(run_after)``.

        With a calendar: the latest kept interval that has ended by *run_after*.
        """
        tk = self.ticker
        if isinstance(tk, CalendarTicker):
            return _calendar_manual(tk, run_after)
        end = tk.align_prev(run_after)
        if end is None:
            return DataInterval.exact(run_after)
        start = tk.prev(end)
        return DataInterval(start=start if start is not None else end, end=end)


@attrs.frozen(kw_only=True, repr=False)
class DeltaDataIntervals:
    """Data intervals of a fixed ``timedelta`` or calendar ``relativedelta``.

    Airflow's ``DeltaDataIntervalTimetable``.  Steps on the UTC instant (no zone).

    Attributes:
        delta: a positive ``timedelta`` or ``relativedelta``.
        calendar: a [`BusinessCalendar`][timetable.BusinessCalendar] read on UTC dates;
            ticks on its excluded days are dropped (``None``: every day counts).
        roll: ``"skip"`` (default) or ``"span"``; delta schedules have no wall-clock
            grid to roll along.

    >>> from datetime import timedelta
    >>> DeltaDataIntervals(delta=timedelta(hours=12)).summary
    '12:00:00'
    """

    periodic: ClassVar[bool] = True
    can_be_scheduled: ClassVar[bool] = True
    active_runs_limit: ClassVar[int | None] = None

    delta: Delta = attrs.field(validator=_delta_validator)
    calendar: BusinessCalendar | None = _calendar_field()  # noqa: RUF009
    roll: str = _roll_field(delta=True)
    __repr__ = _repr

    @property
    def ticker(self) -> _DeltaTicker | CalendarTicker:
        """The tick engine (seen through the calendar when there is one)."""
        return _delta_ticker(self.delta, self.calendar, self.roll)

    @property
    def summary(self) -> str:
        """``str(delta)``, as Airflow."""
        return delta_summary(self.delta)

    @property
    def description(self) -> str:
        """A human sentence."""
        return f"Every {delta_summary(self.delta)}"

    def _skip_to_latest(self, earliest: datetime | None, now: datetime) -> datetime | None:
        if self.calendar is not None:
            return _delta_calendar_latest(self, earliest, now)
        if has_calendar_units(self.delta):
            # 3.3: step from the start date (or now) while the next step is still <= now.
            floor = earliest if earliest is not None else now
            for _ in range(1_000_000):
                nxt = step(floor, self.delta)
                if nxt is None or nxt > now:
                    break
                floor = nxt
        else:
            floor_or_none = epoch_floor(now, self.delta)
            if floor_or_none is None:  # no length in seconds (e.g. microseconds only)
                floor_or_none = now
            floor = floor_or_none
        new_start = step(floor, self.delta, -1)
        if new_start is None:
            return None
        if earliest is None:
            return new_start
        return max(new_start, earliest)

    @_run_query
    def next_run_info(
        self, *, last_interval: DataInterval | None, restriction: TimeRestriction, now: datetime
    ) -> RunInfo | None:
        """See [`next_run_info()`][timetable.next_run_info]."""
        return _data_interval_next(
            self.ticker, self._skip_to_latest, last_interval, restriction, now
        )

    @_manual_query
    def infer_manual_interval(self, *, run_after: datetime) -> DataInterval:
        """``[run_after - delta, run_after]`` (with a calendar: the latest kept one ended by then)."""
        tk = self.ticker
        if isinstance(tk, CalendarTicker):
            return _calendar_manual(tk, run_after)
        start = step(run_after, self.delta, -1)
        if start is None:
            return DataInterval.exact(run_after)
        return DataInterval(start=start, end=run_after)


@attrs.frozen(kw_only=True, repr=False)
class CronTrigger(_CronKind):
    """A run at each cron tick, covering ``[tick - interval, tick]``.

    Airflow's ``CronTriggerTimetable`` (the 3.x default for cron strings).

    Attributes:
        cron: a cron expression or preset.
        timezone: the zone whose wall clock the expression reads.
        interval: how far back each run's data interval reaches (default zero).
        run_immediately: without a start date and with catchup off, whether a tick that
            just passed still runs: ``True`` always, a ``timedelta`` within that window,
            ``False``/``None`` within max(10 % of the period, 5 minutes) - Airflow treats
            ``False`` like ``None``.
        dst: how DST gaps and folds are handled.
        calendar: a [`BusinessCalendar`][timetable.BusinessCalendar]; ticks on its
            excluded days are dropped or rolled (``None``: every day counts).
        roll: what happens to a tick on an excluded day: ``"skip"`` (default),
            ``"following"``, ``"preceding"``, ``"modified_following"``,
            ``"modified_preceding"`` or ``"span"`` (see *Business days and holidays*).
        business_day: keep only ticks on the *n*-th business day of each month
            (``3``: the third; ``-1``: the last); needs *calendar*.

    >>> CronTrigger(cron="@hourly").summary
    '0 * * * *'
    """

    periodic: ClassVar[bool] = True
    can_be_scheduled: ClassVar[bool] = True
    active_runs_limit: ClassVar[int | None] = None

    cron: str = attrs.field(converter=_cron_converter)
    timezone: str = attrs.field(default="UTC", converter=_zone_converter)
    interval: Delta = attrs.field(factory=timedelta, validator=_interval_validator)
    run_immediately: bool | timedelta | None = attrs.field(
        default=False, validator=_run_immediately_validator
    )
    dst: DstPolicy = attrs.field(factory=DstPolicy, validator=_dst_validator)
    calendar: BusinessCalendar | None = _calendar_field()  # noqa: RUF009
    roll: str = _roll_field()
    business_day: int | None = _business_day_field()
    __repr__ = _repr

    def _first_run(self, now: datetime) -> datetime | None:
        tk = self.ticker
        past = tk.align_prev(now)
        nxt = tk.align_next(now)
        if past is None:
            return nxt
        if self.run_immediately is True:
            return past
        if nxt is None:
            return past
        buffer = (
            self.run_immediately
            if isinstance(self.run_immediately, timedelta)
            else max((nxt - past) / 10, timedelta(minutes=5))
        )
        return past if (now - past) <= buffer else nxt

    @_run_query
    def next_run_info(
        self, *, last_interval: DataInterval | None, restriction: TimeRestriction, now: datetime
    ) -> RunInfo | None:
        """See [`next_run_info()`][timetable.next_run_info]."""
        return _trigger_next(
            self.ticker, self._first_run, self.interval, last_interval, restriction, now
        )

    @_manual_query
    def infer_manual_interval(self, *, run_after: datetime) -> DataInterval:
        """``[run_after - interval, run_after]``."""
        return _trigger_manual(self.interval, run_after)


@attrs.frozen(kw_only=True, repr=False)
class DeltaTrigger:
    """A run every ``delta`` (on the UTC instant), covering ``[t - interval, t]``.

    Airflow's ``DeltaTriggerTimetable`` (the 3.x default for ``timedelta`` schedules).

    Attributes:
        delta: a positive ``timedelta`` or ``relativedelta``.
        interval: how far back each run's data interval reaches (default zero).
        calendar: a [`BusinessCalendar`][timetable.BusinessCalendar] read on UTC dates;
            ticks on its excluded days are dropped (``None``: every day counts).
        roll: ``"skip"`` (default) or ``"span"``; delta schedules have no wall-clock
            grid to roll along.
    """

    periodic: ClassVar[bool] = True
    can_be_scheduled: ClassVar[bool] = True
    active_runs_limit: ClassVar[int | None] = None

    delta: Delta = attrs.field(validator=_delta_validator)
    interval: Delta = attrs.field(factory=timedelta, validator=_interval_validator)
    calendar: BusinessCalendar | None = _calendar_field()  # noqa: RUF009
    roll: str = _roll_field(delta=True)
    __repr__ = _repr

    @property
    def ticker(self) -> _DeltaTicker | CalendarTicker:
        """The tick engine (seen through the calendar when there is one)."""
        return _delta_ticker(self.delta, self.calendar, self.roll)

    @property
    def summary(self) -> str:
        """``str(delta)``, as Airflow."""
        return delta_summary(self.delta)

    @property
    def description(self) -> str:
        """A human sentence."""
        return f"Every {delta_summary(self.delta)}"

    @_run_query
    def next_run_info(
        self, *, last_interval: DataInterval | None, restriction: TimeRestriction, now: datetime
    ) -> RunInfo | None:
        """See [`next_run_info()`][timetable.next_run_info]."""
        tk = self.ticker

        def first(n: datetime) -> datetime | None:
            return n.astimezone(UTC) if self.calendar is None else tk.align_next(n)

        return _trigger_next(tk, first, self.interval, last_interval, restriction, now)

    @_manual_query
    def infer_manual_interval(self, *, run_after: datetime) -> DataInterval:
        """``[run_after - interval, run_after]``."""
        return _trigger_manual(self.interval, run_after)


def _crons_converter(value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise WrongTypeError.for_value("crons", value, "expected a list of cron expressions")
    out = tuple(_cron_converter(v) for v in value)
    if not out:
        raise InvalidScheduleError.for_value("crons", value, "expected at least one expression")
    return out


@attrs.frozen(kw_only=True, repr=False)
class MultiCronTrigger:
    """Several cron triggers as one schedule (Airflow's ``MultipleCronTriggerTimetable``).

    Only one run is created per instant even when several expressions fire together.
    *calendar* and *roll* apply to every expression (see [`CronTrigger`][timetable.CronTrigger]).

    >>> MultiCronTrigger(crons=["@hourly", "30 * * * *"]).summary
    '0 * * * *, 30 * * * *'
    """

    periodic: ClassVar[bool] = True
    can_be_scheduled: ClassVar[bool] = True
    active_runs_limit: ClassVar[int | None] = None

    crons: tuple[str, ...] = attrs.field(converter=_crons_converter)
    timezone: str = attrs.field(default="UTC", converter=_zone_converter)
    interval: Delta = attrs.field(factory=timedelta, validator=_interval_validator)
    run_immediately: bool | timedelta | None = attrs.field(
        default=False, validator=_run_immediately_validator
    )
    dst: DstPolicy = attrs.field(factory=DstPolicy, validator=_dst_validator)
    calendar: BusinessCalendar | None = _calendar_field()  # noqa: RUF009
    roll: str = _roll_field()
    business_day: int | None = _business_day_field()
    __repr__ = _repr

    @property
    def children(self) -> tuple[CronTrigger, ...]:
        """One [`CronTrigger`][timetable.CronTrigger] per expression, sharing zone, interval and policy."""
        return tuple(
            CronTrigger(
                cron=c,
                timezone=self.timezone,
                interval=self.interval,
                run_immediately=self.run_immediately,
                dst=self.dst,
                calendar=self.calendar,
                roll=self.roll,
                business_day=self.business_day,
            )
            for c in self.crons
        )

    @property
    def summary(self) -> str:
        """The expressions joined with ``", "``."""
        return ", ".join(self.crons)

    @property
    def description(self) -> str:
        """The children's descriptions joined with ``", "``."""
        return ", ".join(c.description for c in self.children)

    @_run_query
    def next_run_info(
        self, *, last_interval: DataInterval | None, restriction: TimeRestriction, now: datetime
    ) -> RunInfo | None:
        """The earliest child run (catchup), or the latest past / earliest future one."""
        infos = [
            c.next_run_info(last_interval=last_interval, restriction=restriction, now=now)
            for c in self.children
        ]
        now_ts = now.timestamp()

        def key(info: RunInfo | None) -> float:
            if info is None:
                return math.inf
            ts = info.logical_date.timestamp()
            if restriction.catchup:
                return ts
            return -ts if ts <= now_ts else ts

        return min(infos, key=key)

    @_manual_query
    def infer_manual_interval(self, *, run_after: datetime) -> DataInterval:
        """The child interval with the earliest start."""
        return min(
            (c.infer_manual_interval(run_after=run_after) for c in self.children),
            key=lambda iv: iv.start,
        )


def _events_converter(value: Any) -> tuple[datetime, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise WrongTypeError.for_value("event_dates", value, "expected a list of aware datetimes")
    out = []
    for i, v in enumerate(value):
        out.append(check_aware(v, f"event_dates[{i}]"))
    return tuple(out)


@attrs.frozen(kw_only=True)
class Events:
    """Runs at explicit instants (Airflow's ``EventsTimetable``, the core class).

    Attributes:
        event_dates: the instants; sorted unless *presorted* (then scanned as given).
        restrict_to_events: manual runs snap to the latest event at or before them.
        presorted: trust the given order (Airflow then never schedules an event listed
            after a later one).
        description: overrides the summary and the description.
    """

    periodic: ClassVar[bool] = True
    can_be_scheduled: ClassVar[bool] = True
    active_runs_limit: ClassVar[int | None] = None

    event_dates: tuple[datetime, ...] = attrs.field(converter=_events_converter)
    restrict_to_events: bool = attrs.field(default=False, validator=_bool_validator)
    presorted: bool = attrs.field(default=False, validator=_bool_validator)
    description_text: str | None = attrs.field(default=None, alias="description")

    @property
    def events(self) -> tuple[datetime, ...]:
        """The events in the order they are scanned."""
        return self.event_dates if self.presorted else tuple(sorted(self.event_dates))

    @property
    def summary(self) -> str:
        """``"N events"`` or the user's description."""
        if self.description_text is not None:
            return self.description_text
        return f"{len(self.event_dates)} events"

    @property
    def description(self) -> str:
        """``"N events between <first> and <last>"``, ``"No events"``, or the user's text."""
        if self.description_text is not None:
            return self.description_text
        ev = self.events
        if not ev:
            return "No events"
        return f"{len(ev)} events between {ev[0].isoformat()} and {ev[-1].isoformat()}"

    @_run_query
    def next_run_info(
        self, *, last_interval: DataInterval | None, restriction: TimeRestriction, now: datetime
    ) -> RunInfo | None:
        """The first event not before the start (or now, without catchup) and after the last run."""
        earliest = restriction.earliest
        if not restriction.catchup and (earliest is None or now > earliest):
            earliest = now
        for event in self.events:
            if earliest is not None and event < earliest:
                continue
            if last_interval is not None and event <= last_interval.end:
                continue
            break
        else:
            return None
        if restriction.latest is not None and event > restriction.latest:
            return None
        return RunInfo.exact(event)

    @_manual_query
    def infer_manual_interval(self, *, run_after: datetime) -> DataInterval:
        """``[run_after, run_after]``, or the latest event at or before it when restricted."""
        ev = self.events
        if not self.restrict_to_events or not ev:
            return DataInterval.exact(run_after)
        if run_after < ev[0]:
            return DataInterval.exact(ev[0])
        for event in reversed(ev):
            if event <= run_after:
                return DataInterval.exact(event)
        return DataInterval.exact(ev[0])  # pragma: no cover - ev[0] <= run_after


def _delta_calendar_latest(
    tt: DeltaDataIntervals, earliest: datetime | None, now: datetime
) -> datetime | None:
    """catchup=False for a delta schedule with a calendar: the latest kept interval ended
    by *now*, on the grid Airflow's rule picks (the epoch grid, or steps from the start)."""
    base = attrs.evolve(tt, calendar=None)
    anchor = base._skip_to_latest(earliest, now)
    if anchor is None:
        return None
    tk = tt.ticker
    assert isinstance(tk, CalendarTicker)
    k = tk.align_prev(anchor)
    guard = 0
    while k is not None and guard < _MAX_STEPS:
        end = tk.interval_end(k)
        if end is not None and end <= now:
            break
        k = tk.prev(k)
        guard += 1
    if k is None:
        return None
    return k if earliest is None else max(k, tk.align_next(earliest) or k)


Timetable = (
    Never
    | Once
    | Continuous
    | CronDataIntervals
    | DeltaDataIntervals
    | CronTrigger
    | DeltaTrigger
    | MultiCronTrigger
    | Events
)
"""Any built-in timetable kind."""
