"""Cron expressions: parsing, validation and the wall-clock tick engine.

Theory of operation
-------------------
This is the only module that imports `croniter`.  croniter is used to *parse and
expand* an expression once (``croniter(expr).expanded``: the sets of seconds, minutes,
hours, days, months and weekdays it allows, plus ``L`` and ``#``/``L5`` weekday rules).
Ticks are then found by our own search over those sets, on naive wall-clock datetimes.
``nW`` (the weekday nearest day *n*, with the weekday field ``*``) is one day a month by
croniter's rule, computed here.  Only expressions with features outside these (other
``W`` forms, a year column, ``#`` combined with a day-of-month) ask croniter, one call
per tick.

Three layers, fastest first:

* **Fixed-stride shapes** (`CronSpec.kind`): every day at a set of times of day
  (every N minutes, hourly at M, daily at H:M, lists of those), some weekdays at those
  times (weekly), or some days <= 28 of some months (monthly, quarterly, yearly).  Their
  ticks are numbered: `CronSpec.count_le()` (how many wall ticks are <= a wall time,
  from a fixed origin) and `CronSpec.wall_at()` (the i-th wall tick) are O(1), and
  ``next_wall``/``prev_wall`` are built on them.
* **General day sets**: the allowed days of each month are computed once per month and
  cached; a tick is a bisect in that tuple and in the sorted times of day.
* **croniter** for the rest.

Wall ticks become instants in `CronTicker`, which reproduces Airflow's rules
(``airflow/timetables/_cron.py``) exactly for the default DST policy:

* *fixed* schedules (hour field not ``*``): the wall tick is read with ``fold=1`` and a
  wall time inside a gap moves forward by the gap;
* *every-hour* schedules (hour field ``*``): the wall-clock distance to the next tick is
  added to the instant as elapsed time, so the repeated hour runs twice;
* ``prev`` is always *strictly earlier* than the instant asked about (Airflow's main
  branch fix, PR #70089): on the fixed path we walk back until that holds.

Streaming (`CronTicker.iter_next()`) walks the wall ticks day by day and converts
each with one or two ``utcoffset`` lookups.  A step is *regular* when both wall ticks are
unambiguous (no gap, no fold) and, on the every-hour path, share one offset: then the
next tick is the wall tick minus its offset, and the data-interval chain
(``align_prev(next(s)) == next(s)``) provably advances to it.  Any other step - a few per
DST transition - is computed by the single-step rules above, so streams equal chains
of ``next`` exactly.  ``fast=False`` (on `CronSpec` and `CronTicker`)
switches every fast path off; the property tests compare the two.

Other DST policies (``clamp``/``skip`` gaps, ``first``/``both`` folds) use a slower,
policy-neutral search: resolve every wall tick near the instant and take the nearest.
"""

from __future__ import annotations

import calendar
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any

from ._tz import resolve_wall
from ._zonetable import range_changes, range_offsets, year_changes
from .errors import InvalidScheduleError

__all__ = [
    "PRESETS",
    "CronSpec",
    "CronTicker",
    "cron_ticker",
    "normalize_expression",
    "parse_cron",
    "zone_offsets",
    "zone_transitions",
]

#: Airflow's preset table (``airflow.utils.dates.cron_presets``).  Other ``@`` aliases
#: (``@midnight``, ``@annually``) go to croniter unchanged, as in Airflow.
PRESETS: dict[str, str] = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@quarterly": "0 0 1 */3 *",
    "@yearly": "0 0 1 1 *",
}

_MIN_WALL = datetime(1, 1, 2)  # noqa: DTZ001 (naive wall clock)
_MAX_WALL = datetime(9999, 12, 30)  # noqa: DTZ001 (naive wall clock)
_MAX_ORDINAL = date.max.toordinal()
_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_EPOCH_NAIVE = datetime(1970, 1, 1)  # noqa: DTZ001 (naive wall clock)
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
_MIDNIGHT = time()


def normalize_expression(expression: str) -> str:
    """Apply Airflow's preset table: ``"@daily"`` -> ``"0 0 * * *"``."""
    return PRESETS.get(expression, expression)


def _field_set(values: list[Any], lo: int, hi: int) -> tuple[int, ...] | None:
    """croniter's expanded field -> sorted ints, or None for '*'."""
    if values == ["*"]:
        return None
    out = sorted({int(v) for v in values})
    return tuple(v for v in out if lo <= v <= hi)


class _Cycle:
    """Tick-day counts over one 400-year Gregorian cycle (years 1-400, 401-800, ...)."""

    __slots__ = ("before_month", "before_year", "per_cycle")

    def __init__(
        self, per_cycle: int, before_year: tuple[int, ...], before_month: tuple[tuple[int, ...], ...]
    ) -> None:
        self.per_cycle = per_cycle  # tick days in one cycle
        self.before_year = before_year  # [k]: tick days in the cycle's years before year k + 1
        self.before_month = before_month  # [k][m]: in year k + 1 of the cycle, months 1..m


class CronSpec:
    """A parsed cron expression: its field sets and a wall-clock tick search.

    Attributes:
        kind: ``"daily"``, ``"weekly"`` or ``"monthly"`` for fixed-stride shapes (O(1)
            tick numbering), ``None`` otherwise or when built with ``fast=False``.
        numbered: whether `count_le()` / `wall_at()` number the ticks: the fixed-stride
            kinds, and every other expression croniter is not asked about (``L``, ``#``,
            weekday ranges, day-of-month with day-of-week), through the 400-year cycle
            of the Gregorian calendar.
    """

    __slots__ = (
        "_cycle",
        "_day_set",
        "_days_cache",
        "_fallback",
        "_month_set",
        "_tod_set",
        "dom",
        "dow",
        "every_hour",
        "expression",
        "fast",
        "hours",
        "kind",
        "last_dom",
        "minutes",
        "months",
        "nearest",
        "nth",
        "seconds",
        "tod_deltas",
        "tod_times1",
        "tods",
    )

    def __init__(self, expression: str, *, fast: bool = True) -> None:
        self.expression = expression
        self.fast = fast
        from croniter import CroniterError, croniter  # loaded by the first cron, not by import

        try:
            cron = croniter(expression)
        except CroniterError as err:
            raise InvalidScheduleError.for_value(
                "cron", expression, f"not a valid cron expression ({err})"
            ) from err
        except Exception as err:  # croniter can raise odd things on junk input
            raise InvalidScheduleError.for_value(
                "cron", expression, f"not a valid cron expression ({type(err).__name__}: {err})"
            ) from err
        exp = cron.expanded
        self.every_hour = exp[1] == ["*"]
        fields = expression.split()
        dom_raw = fields[2] if len(fields) >= 5 else ""
        nth_raw = getattr(cron, "nth_weekday_of_month", None) or {}
        dom_vals = exp[2] if len(exp) > 2 else ["*"]
        self.last_dom = "l" in dom_vals
        self.nth: dict[int, frozenset[Any]] = {}
        # ``15W``: the weekday nearest the 15th (a single day, any weekday field ``*``) is
        # found by our own rule; other ``W`` forms ask croniter, tick by tick.
        w = dom_raw.lower()
        self.nearest: int | None = None
        if fast and w[:-1].isdigit() and w.endswith("w") and len(exp) <= 6 and exp[4] == ["*"]:
            self.nearest = int(w[:-1])
        self._fallback = (
            len(exp) > 6
            or ("w" in dom_raw.lower() and self.nearest is None)
            or (bool(nth_raw) and dom_vals != ["*"])
            or any(isinstance(v, str) and v not in ("*", "l") for v in dom_vals)
            or any(isinstance(v, str) and v != "*" for i, f in enumerate(exp) if i != 2 for v in f)
        )
        self.minutes = _field_set(exp[0], 0, 59) or tuple(range(60))
        self.hours = _field_set(exp[1], 0, 23) or tuple(range(24))
        self.seconds: tuple[int, ...] = (0,)
        if len(exp) >= 6:
            self.seconds = _field_set(exp[5], 0, 59) or tuple(range(60))
        self.dom: tuple[int, ...] | None
        self.months: tuple[int, ...] | None
        self.dow: tuple[int, ...] | None
        if not self._fallback:
            if self.last_dom:
                ints = [v for v in dom_vals if v != "l"]
                self.dom = tuple(sorted({int(v) for v in ints if 1 <= int(v) <= 31}))
            else:
                self.dom = _field_set(dom_vals, 1, 31)
            self.months = _field_set(exp[3], 1, 12)
            dow = _field_set([0 if v == 7 else v for v in exp[4]] if exp[4] != ["*"] else exp[4], 0, 6)
            self.nth = {(0 if int(k) == 7 else int(k)): frozenset(v) for k, v in nth_raw.items()}
            if dow is not None and len(dow) == 7 and self.dom is None and not self.last_dom and not self.nth:
                dow = None
            self.dow = dow
        else:
            self.dom = self.months = self.dow = None
        self.tods = tuple(
            h * 3600 + m * 60 + s for h in self.hours for m in self.minutes for s in self.seconds
        )
        self._tod_set = frozenset(self.tods)
        self.tod_deltas = tuple(timedelta(seconds=t) for t in self.tods)
        self.tod_times1 = tuple(
            time(t // 3600, (t // 60) % 60, t % 60, fold=1) for t in self.tods
        )
        self._days_cache: dict[tuple[int, int, int], tuple[int, ...]] = {}
        self._cycle: _Cycle | None = None
        self.kind: str | None = None
        self._day_set: tuple[int, ...] = ()
        self._month_set: tuple[int, ...] = ()
        if fast and not self._fallback and not self.last_dom and not self.nth \
                and self.nearest is None:
            if self.dom is None and self.dow is None and self.months is None:
                self.kind = "daily"
            elif self.dom is None and self.months is None and self.dow is not None:
                self.kind = "weekly"
                self._day_set = self.dow
            elif self.dom is not None and self.dow is None and max(self.dom) <= 28:
                self.kind = "monthly"
                self._day_set = self.dom
                self._month_set = self.months or tuple(range(1, 13))
        self._check_fires()

    # -- validation -----------------------------------------------------------------------
    def _check_fires(self) -> None:
        """Reject expressions that never fire (``0 0 30 2 *``) when they are built."""
        if self._fallback:
            from croniter import CroniterBadDateError, CroniterError, croniter

            try:
                c = croniter(self.expression, datetime(2000, 1, 1))  # noqa: DTZ001 (naive wall clock)
                c.get_next(datetime)
            except (CroniterBadDateError, CroniterError) as err:
                raise InvalidScheduleError.for_value(
                    "cron", self.expression, "this expression never fires (no date matches it)"
                ) from err
            except Exception as err:
                raise InvalidScheduleError.for_value(
                    "cron", self.expression, f"cannot evaluate this expression ({err})"
                ) from err
            return
        if self.dow is not None or self.last_dom or self.nth or self.nearest is not None:
            return  # weekdays (and last days, and nearest weekdays) always come round
        if self.dom is None:
            return
        months = self.months or tuple(range(1, 13))
        longest = {m: (29 if m == 2 else calendar.monthrange(2001, m)[1]) for m in months}
        if not any(d <= longest[m] for m in months for d in self.dom):
            raise InvalidScheduleError.for_value(
                "cron", self.expression, "this expression never fires (no date matches it)"
            )

    # -- day matching -----------------------------------------------------------------------
    def _days_of_month(self, year: int, month: int) -> tuple[int, ...]:
        """The month's tick days, ascending.

        They depend only on the month, its length and the weekday it starts on, so they
        are memoized by that shape (at most 336 of them) rather than by year; the reference
        engine (``fast=False``) memoizes by year and month.
        """
        if self.kind == "monthly":  # every listed day is <= 28: no calendar needed
            return self._day_set if month in self._month_set else ()
        first_wd = date(year, month, 1).weekday()  # Monday = 0
        ndays = _MONTH_DAYS[month] if month != 2 or not calendar.isleap(year) else 29
        key = (month, first_wd, ndays) if self.fast else (year, month, 0)
        days = self._days_cache.get(key)
        if days is None:
            if self.months is not None and month not in self.months:
                days = ()
            elif self.nearest is not None:
                days = (_nearest_weekday(self.nearest, first_wd, ndays),)
            elif self.fast and (self.dow is None or (self.dom is None and not self.last_dom)):
                days = self._days_by_arithmetic(first_wd, ndays)
            else:
                dom_restricted = self.dom is not None or self.last_dom
                out = []
                for d in range(1, ndays + 1):
                    cron_wd = (first_wd + d) % 7  # cron: Sunday = 0
                    dom_ok = (self.dom is None and not self.last_dom) or (
                        (self.dom is not None and d in self.dom) or (self.last_dom and d == ndays)
                    )
                    if self.dow is None:
                        dow_ok = True
                    else:
                        dow_ok = cron_wd in self.dow
                        rule = self.nth.get(cron_wd)
                        if dow_ok and rule is not None:
                            dow_ok = ((d - 1) // 7 + 1) in rule or ("l" in rule and d + 7 > ndays)
                    either = dom_restricted and self.dow is not None  # croniter's OR
                    if (dom_ok or dow_ok) if either else (dom_ok and dow_ok):
                        out.append(d)
                days = tuple(out)
            if len(self._days_cache) > 4096:  # only the reference engine's keys grow
                self._days_cache.clear()
            self._days_cache[key] = days
        return days

    def _days_by_arithmetic(self, first_wd: int, ndays: int) -> tuple[int, ...]:
        """A month's tick days when only one of day-of-month / day-of-week is restricted,
        from the weekday it starts on (Monday = 0) and its length."""
        if self.dow is None:
            if self.dom is None and not self.last_dom:
                return tuple(range(1, ndays + 1))
            out = {d for d in (self.dom or ()) if d <= ndays}
            if self.last_dom:
                out.add(ndays)
            return tuple(sorted(out))
        found: list[int] = []
        for c in self.dow:  # cron weekday c falls on days d0, d0 + 7, ...
            d0 = (c - first_wd - 1) % 7 + 1
            rule = self.nth.get(c)
            for d in range(d0, ndays + 1, 7):
                if rule is None or ((d - 1) // 7 + 1) in rule or ("l" in rule and d + 7 > ndays):
                    found.append(d)
        return tuple(sorted(found))

    def iter_days(self, first: date) -> Iterator[date]:
        """The days with ticks, from *first* (inclusive) on, ascending, until year 9999."""
        y, m = first.year, first.month
        days = self._days_of_month(y, m)
        j = bisect_left(days, first.day)
        if self.kind == "daily":
            o = first.toordinal()
            fromordinal = date.fromordinal
            while o <= _MAX_ORDINAL:
                yield fromordinal(o)
                o += 1
            return
        for _ in range(12 * 10_000):
            for dd in days[j:]:
                yield date(y, m, dd)
            m += 1
            if m == 13:
                m = 1
                y += 1
                if y > 9999:
                    return
            days = self._days_of_month(y, m)
            j = 0

    # -- tick numbering -----------------------------------------------------------------------
    @property
    def numbered(self) -> bool:
        """Whether `count_le()` and `wall_at()` may be used (see the class attributes)."""
        return self.kind is not None or (self.fast and not self._fallback)

    def _general_cycle(self) -> _Cycle:
        """Tick days per Gregorian 400-year cycle, per year of it and per month (built once).

        A month's tick days depend only on its length and the weekday it starts on, so a
        year's depend only on whether it is a leap year and the weekday of 1 January: 14
        kinds of year, each counted once.
        """
        cycle = self._cycle
        if cycle is None:
            months: dict[tuple[bool, int], tuple[int, ...]] = {}
            kinds: list[tuple[bool, int]] = []
            cum = [0]
            for y in range(1, 401):  # years 1..400: one whole cycle (146,097 days)
                kind = (calendar.isleap(y), date(y, 1, 1).weekday())
                if kind not in months:
                    acc = [0]
                    for m in range(1, 13):
                        acc.append(acc[-1] + len(self._days_of_month(y, m)))
                    months[kind] = tuple(acc)
                kinds.append(kind)
                cum.append(cum[-1] + months[kind][12])
            cycle = self._cycle = _Cycle(cum[400], tuple(cum), tuple(months[k] for k in kinds))
        return cycle

    def _days_before(self, d: date) -> int:
        """Tick days strictly before *d* (from a fixed origin)."""
        kind = self.kind
        if kind == "daily":
            return d.toordinal() - 1
        if kind == "weekly":
            o = d.toordinal()
            ws = self._day_set
            return (o // 7) * len(ws) + bisect_left(ws, o % 7)
        if kind is None:
            cycle = self._general_cycle()
            q, k = divmod(d.year - 1, 400)
            return (
                q * cycle.per_cycle
                + cycle.before_year[k]
                + cycle.before_month[k][d.month - 1]
                + bisect_left(self._days_of_month(d.year, d.month), d.day)
            )
        ms, ds = self._month_set, self._day_set
        before = (d.year * len(ms) + bisect_left(ms, d.month)) * len(ds)
        if d.month in ms:
            before += bisect_left(ds, d.day)
        return before

    def _is_tick_day(self, d: date) -> bool:
        kind = self.kind
        if kind == "daily":
            return True
        if kind == "weekly":
            return d.toordinal() % 7 in self._day_set
        if kind is None:
            return d.day in self._days_of_month(d.year, d.month)
        return d.month in self._month_set and d.day in self._day_set

    def _day_at(self, j: int) -> date | None:
        """The tick day with *j* tick days before it."""
        kind = self.kind
        if j < 0:
            return None
        if kind == "daily":
            o = j + 1
        elif kind == "weekly":
            ws = self._day_set
            q, r = divmod(j, len(ws))
            o = q * 7 + ws[r]
        elif kind is None:
            cycle = self._general_cycle()
            q, r = divmod(j, cycle.per_cycle)
            k = bisect_right(cycle.before_year, r) - 1
            y = q * 400 + k + 1
            if not 1 <= y <= 9999:
                return None
            r -= cycle.before_year[k]
            acc = cycle.before_month[k]
            m = bisect_right(acc, r)  # acc[m - 1] <= r < acc[m]
            return date(y, m, self._days_of_month(y, m)[r - acc[m - 1]])
        else:
            ms, ds = self._month_set, self._day_set
            q, r = divmod(j, len(ds))
            y, k = divmod(q, len(ms))
            if not 1 <= y <= 9999:
                return None
            return date(y, ms[k], ds[r])
        if not 1 <= o <= _MAX_ORDINAL:
            return None
        return date.fromordinal(o)

    def count_le(self, wall: datetime) -> int:
        """How many wall ticks are <= *wall*, counted from a fixed origin (`numbered` specs)."""
        d = wall.date()
        n = self._days_before(d) * len(self.tods)
        if self._is_tick_day(d):
            n += bisect_right(self.tods, wall.hour * 3600 + wall.minute * 60 + wall.second)
        return n

    def wall_at(self, i: int) -> datetime | None:
        """The wall tick *w* with ``count_le(w) == i`` (``i >= 1``), or None out of range."""
        j, r = divmod(i - 1, len(self.tods))
        d = self._day_at(j)
        if d is None:
            return None
        return datetime.combine(d, _MIDNIGHT) + self.tod_deltas[r]

    def is_wall_tick(self, wall: datetime) -> bool:
        """Whether the naive wall time is a tick."""
        if self._fallback or self.kind is None:
            return self.matches_wall(wall)
        return (
            wall.microsecond == 0
            and (wall.hour * 3600 + wall.minute * 60 + wall.second) in self._tod_set
            and self._is_tick_day(wall.date())
        )

    # -- wall-clock search ----------------------------------------------------------------
    def next_wall(self, wall: datetime) -> datetime | None:
        """The first matching naive wall time strictly after *wall* (None past year 9999)."""
        if self._fallback:
            return self._croniter_step(wall, forward=True)
        if self.kind is not None:
            return self.wall_at(self.count_le(wall) + 1)
        tods = self.tods
        secs = wall.hour * 3600 + wall.minute * 60 + wall.second
        year, month, day = wall.year, wall.month, wall.day
        days = self._days_of_month(year, month)
        if day in days:
            i = bisect_right(tods, secs)
            if i < len(tods):
                return _at(year, month, day, tods[i])
        j = bisect_right(days, day)
        for _ in range(12 * 10_000):
            if j < len(days):
                return _at(year, month, days[j], tods[0])
            month += 1
            if month == 13:
                month = 1
                year += 1
                if year > 9999:
                    return None
            days = self._days_of_month(year, month)
            j = 0
        return None  # pragma: no cover - _check_fires rules this out

    def prev_wall(self, wall: datetime) -> datetime | None:
        """The last matching naive wall time strictly before *wall* (None before year 1)."""
        if self._fallback:
            return self._croniter_step(wall, forward=False)
        if self.kind is not None:
            i = self.count_le(wall) - (1 if self.is_wall_tick(wall) else 0)
            return self.wall_at(i) if i >= 1 else None
        tods = self.tods
        secs = wall.hour * 3600 + wall.minute * 60 + wall.second
        year, month, day = wall.year, wall.month, wall.day
        days = self._days_of_month(year, month)
        if day in days:
            i = (bisect_right(tods, secs) if wall.microsecond else bisect_left(tods, secs)) - 1
            if i >= 0:
                return _at(year, month, day, tods[i])
        j = bisect_left(days, day) - 1
        for _ in range(12 * 10_000):
            if j >= 0:
                return _at(year, month, days[j], tods[-1])
            month -= 1
            if month == 0:
                month = 12
                year -= 1
                if year < 1:
                    return None
            days = self._days_of_month(year, month)
            j = len(days) - 1
        return None  # pragma: no cover

    def _croniter_step(self, wall: datetime, *, forward: bool) -> datetime | None:
        if not (_MIN_WALL <= wall <= _MAX_WALL):
            return None
        from croniter import CroniterBadDateError, croniter

        try:
            c = croniter(self.expression, wall)
            out = c.get_next(datetime) if forward else c.get_prev(datetime)
        except (CroniterBadDateError, OverflowError, ValueError):
            return None
        assert isinstance(out, datetime)
        return out.replace(tzinfo=None)

    def matches_wall(self, wall: datetime) -> bool:
        """Whether the naive wall time is a tick."""
        p = self.prev_wall(wall + timedelta(microseconds=1))
        return p == wall


def _nearest_weekday(n: int, first_wd: int, ndays: int) -> int:
    """The day of ``nW`` in a month starting on weekday *first_wd* (Monday = 0) with
    *ndays* days: day *n* (or the last day, if the month is shorter) when it is a weekday;
    from a Saturday the Friday before, from a Sunday the Monday after, never leaving the
    month (a Saturday the 1st gives Monday the 3rd, a Sunday on the last day gives the
    Friday before it).  croniter's rule, which Airflow uses."""
    d = min(n, ndays)
    wd = (first_wd + d - 1) % 7
    if wd == 5:
        return d - 1 if d > 1 else d + 2
    if wd == 6:
        return d + 1 if d < ndays else d - 2
    return d


def _at(year: int, month: int, day: int, tod: int) -> datetime:
    h, rem = divmod(tod, 3600)
    m, s = divmod(rem, 60)
    return datetime(year, month, day, h, m, s)  # noqa: DTZ001 (naive wall clock)


def _naive(a: datetime) -> datetime:
    """The naive reading of an aware datetime (``replace(tzinfo=None)`` is slow)."""
    return datetime(a.year, a.month, a.day, a.hour, a.minute, a.second, a.microsecond)  # noqa: DTZ001 (naive wall clock)


def _utc_of(wall: datetime, off: timedelta) -> datetime:
    """The UTC instant ``wall - off`` (aware), without ``replace``."""
    return _EPOCH_UTC + ((wall - _EPOCH_NAIVE) - off)


def _fold1(wall: datetime) -> datetime:
    return datetime(  # noqa: DTZ001 (naive wall clock)
        wall.year, wall.month, wall.day, wall.hour, wall.minute, wall.second, wall.microsecond,
        fold=1,
    )


class CronTicker:
    """Instants of a cron schedule in a zone, with a DST policy.

    All results are aware datetimes in UTC.  ``None`` means the search left the range
    `datetime` can represent.  ``fast=False`` disables the streaming fast paths
    (and builds the spec without tick numbering) - the reference the tests compare with.
    """

    __slots__ = ("_airflow", "_simple_zone", "fast", "fold", "gap", "spec", "tz")

    def __init__(
        self,
        spec: CronSpec,
        tz: tzinfo,
        gap: str = "shift",
        fold: str = "second",
        *,
        fast: bool = True,
    ) -> None:
        self.spec = spec
        self.tz = tz
        self.gap = gap
        self.fold = fold
        self.fast = fast and spec.fast
        self._airflow = gap == "shift" and fold == "second"
        self._simple_zone = tz is UTC or isinstance(tz, timezone)

    @property
    def simple_zone(self) -> bool:
        """Whether the zone has one fixed offset (UTC or ``+HH:MM``)."""
        return self._simple_zone

    @property
    def streams(self) -> bool:
        """Whether `iter_next()` uses the wall-clock stream (else repeated ``next``)."""
        return self.fast and not self.spec._fallback and (self._simple_zone or self._airflow)

    def to_wall(self, t: datetime) -> datetime:
        """The naive wall-clock reading of *t* in the zone (fold dropped)."""
        if self._simple_zone:
            off = self.tz.utcoffset(None) or timedelta(0)
            return _naive(t.astimezone(UTC)) + off
        return _naive(t.astimezone(self.tz))

    def offset_at(self, t: datetime) -> timedelta:
        """The zone's UTC offset at instant *t*."""
        if self._simple_zone:
            return self.tz.utcoffset(None) or timedelta(0)
        off = t.astimezone(self.tz).utcoffset()
        assert off is not None
        return off

    def wall_offset(self, wall: datetime) -> timedelta | None:
        """The offset of an unambiguous wall time, or None in a gap or a fold."""
        if self._simple_zone:
            return self.tz.utcoffset(None) or timedelta(0)
        tz = self.tz
        o0 = tz.utcoffset(wall)
        o1 = tz.utcoffset(_fold1(wall))
        return o0 if o0 == o1 else None

    # -- Airflow's algorithm (default policy) --------------------------------------------
    def next(self, t: datetime) -> datetime | None:
        """The first tick strictly after *t* (None beyond the ends of ``datetime``)."""
        try:
            return self._next(t)
        except (OverflowError, ValueError):
            return None

    def prev(self, t: datetime) -> datetime | None:
        """The last tick strictly before *t* (None beyond the ends of ``datetime``)."""
        try:
            return self._prev(t)
        except (OverflowError, ValueError):
            return None

    def _next(self, t: datetime) -> datetime | None:
        if self._simple_zone:
            off = self.tz.utcoffset(None) or timedelta(0)
            wall = _naive(t.astimezone(UTC)) + off
            s = self.spec.next_wall(wall)
            return None if s is None else _utc_of(s, off)
        if not self._airflow:
            return self._search(t, forward=True)
        wall = _naive(t.astimezone(self.tz))
        s = self.spec.next_wall(wall)
        if s is None:
            return None
        if self.spec.every_hour:
            return _safe_add(t.astimezone(UTC), s - wall)
        return _resolve_one(s, self.tz)

    def _prev(self, t: datetime) -> datetime | None:
        if self._simple_zone:
            off = self.tz.utcoffset(None) or timedelta(0)
            wall = _naive(t.astimezone(UTC)) + off
            s = self.spec.prev_wall(wall)
            return None if s is None else _utc_of(s, off)
        if not self._airflow:
            return self._search(t, forward=False)
        wall = _naive(t.astimezone(self.tz))
        if self.spec.every_hour:
            s = self.spec.prev_wall(wall)
            if s is None:
                return None
            return _safe_add(t.astimezone(UTC), s - wall)
        # Fixed schedules: read the previous wall tick with fold=1 / gap shifted forward,
        # and walk back until it is strictly earlier than t (main's fix, PR #70089).
        s = self.spec.prev_wall(wall)
        for _ in range(64):
            if s is None:
                return None
            inst = _resolve_one(s, self.tz)
            if inst < t:
                return inst
            s = self.spec.prev_wall(s)
        return None  # pragma: no cover - a tick an hour back always resolves earlier

    def align_next(self, t: datetime) -> datetime | None:
        """*t* itself when it is a tick, else the next tick (Airflow's ``_align_to_next``)."""
        n = self.next(t)
        if n is None:
            return None
        return t.astimezone(UTC) if self.prev(n) == t else n

    def align_prev(self, t: datetime) -> datetime | None:
        """*t* itself when it is a tick, else the previous tick (Airflow's ``_align_to_prev``)."""
        p = self.prev(t)
        if p is None:
            return None
        return t.astimezone(UTC) if self.next(p) == t else p

    # -- streaming ----------------------------------------------------------------------------
    def grid_ok(self, t: datetime, wall: datetime) -> bool:
        """Whether tick *t* (with wall reading *wall*) anchors regular steps (see the module doc)."""
        if self._simple_zone:
            return True
        if not self.spec.is_wall_tick(wall):
            return False
        return self.spec.every_hour or self.wall_offset(wall) is not None

    def iter_next(self, t: datetime) -> Iterator[tuple[datetime, bool]]:
        """``next(t)``, ``next(next(t))``, ... each with a *regular* flag.

        A step ``x -> e`` is regular when ``e == next(x)`` and also
        ``align_prev(e) == e`` and ``prev(e) == x`` (the data-interval chain advances to
        *e*).  Ends when the ticks leave the representable range.
        """
        if not self.streams:
            x: datetime | None = t
            while True:
                x = self.next(x)  # type: ignore[arg-type]
                if x is None:
                    return
                yield x, False
        try:
            if self._simple_zone:
                yield from self._iter_simple(t)
            else:
                yield from self._iter_zoned(t)
        except (OverflowError, ValueError):
            return

    def _iter_simple(self, t: datetime) -> Iterator[tuple[datetime, bool]]:
        off = self.tz.utcoffset(None) or timedelta(0)
        spec = self.spec
        wall = _naive(t.astimezone(UTC)) + off
        first = wall.date()
        secs = wall.hour * 3600 + wall.minute * 60 + wall.second
        shifted = tuple(td - off for td in spec.tod_deltas)
        ntods = len(shifted)
        if spec.kind == "daily" and len(shifted) == 1:  # one tick a day: step the instant
            i0 = bisect_right(spec.tods, secs)
            x = datetime(first.year, first.month, first.day, tzinfo=UTC) + shifted[0]
            one_day = timedelta(days=1)
            if i0:
                x += one_day
            last = datetime(9999, 12, 30, tzinfo=UTC)  # beyond: leave it to the day loop
            while x < last:
                yield x, True
                x += one_day
            first = (x + off).date()
            secs = -1
        for day in spec.iter_days(first):
            base = datetime(day.year, day.month, day.day, tzinfo=UTC)
            i0 = bisect_right(spec.tods, secs) if day == first else 0
            if i0 == 0:
                for td in shifted:
                    yield base + td, True
            else:
                for i in range(i0, ntods):
                    yield base + shifted[i], True

    def _iter_zoned(self, t: datetime) -> Iterator[tuple[datetime, bool]]:
        spec = self.spec
        tz = self.tz
        every = spec.every_hour
        tods, tds, t1s = spec.tods, spec.tod_deltas, spec.tod_times1
        ntods = len(tods)
        combine = datetime.combine
        utcoffset = tz.utcoffset
        x = t.astimezone(UTC)
        while True:
            wall = _naive(x.astimezone(tz))
            x_ok = self.grid_ok(x, wall)
            ox = self.offset_at(x)
            first = wall.date()
            secs = wall.hour * 3600 + wall.minute * 60 + wall.second
            resync = False
            for day in spec.iter_days(first):
                base = combine(day, _MIDNIGHT)
                base_u = _EPOCH_UTC + (base - _EPOCH_NAIVE)
                i0 = bisect_right(tods, secs) if day == first else 0
                for i in range(i0, ntods):
                    w = base + tds[i]
                    o0 = utcoffset(w)
                    if o0 == utcoffset(combine(day, t1s[i])) and (o0 == ox or not every):
                        e = base_u + (tds[i] - o0)  # type: ignore[operator]
                        yield e, x_ok
                        x, ox, x_ok = e, o0, True  # type: ignore[assignment]
                        continue
                    nxt = self.next(x)
                    if nxt is None:
                        return
                    yield nxt, False
                    x = nxt
                    resync = True
                    break
                if resync:
                    break
            if not resync:
                return


    # -- policy-neutral search --------------------------------------------------------------
    def _search(self, t: datetime, *, forward: bool) -> datetime | None:
        """Nearest tick after (before) *t* when every wall tick is resolved by the policy."""
        slack = timedelta(hours=3)
        wall = _naive(t.astimezone(self.tz))
        spec = self.spec
        best: datetime | None = None
        if forward:
            cur = spec.next_wall(wall - slack - timedelta(microseconds=1))
            for _ in range(100_000):
                if cur is None:
                    break
                if best is not None and cur > _naive(best.astimezone(self.tz)) + slack:
                    break
                for inst in resolve_wall(cur, self.tz, gap=self.gap, fold=self.fold):  # type: ignore[arg-type]
                    if inst > t and (best is None or inst < best):
                        best = inst
                cur = spec.next_wall(cur)
        else:
            cur = spec.prev_wall(wall + slack + timedelta(microseconds=1))
            for _ in range(100_000):
                if cur is None:
                    break
                if best is not None and cur < _naive(best.astimezone(self.tz)) - slack:
                    break
                for inst in resolve_wall(cur, self.tz, gap=self.gap, fold=self.fold):  # type: ignore[arg-type]
                    if inst < t and (best is None or inst > best):
                        best = inst
                cur = spec.prev_wall(cur)
        return best


def _resolve_one(wall: datetime, tz: tzinfo) -> datetime:
    """Airflow's reading of a wall time: fold=1, a gap moved forward by its length."""
    off1 = tz.utcoffset(_fold1(wall))
    off0 = tz.utcoffset(wall)
    assert off0 is not None
    assert off1 is not None
    if off1 > off0:  # gap: move forward by the gap, read with fold=1 (pendulum's convert)
        return (wall + (off1 - off0)).replace(fold=1, tzinfo=tz).astimezone(UTC)
    return _utc_of(wall, off1)


def _safe_add(t: datetime, delta: timedelta) -> datetime | None:
    try:
        return t + delta
    except OverflowError:
        return None


def zone_offsets(tz: tzinfo, lo: datetime, hi: datetime) -> tuple[timedelta, ...] | None:
    """Every UTC offset *tz* uses between instants *lo* and *hi* (probed daily, cached by year).

    Returns None when the range is too wide to probe.  Assumes offset changes are at least
    a day apart (true of the tz database since 1900).
    """
    if tz is UTC or isinstance(tz, timezone):
        return (tz.utcoffset(None) or timedelta(0),)
    exact = range_offsets(tz, lo, hi)
    if exact is not None:  # from the zone's rules
        return exact
    y0, y1 = lo.astimezone(UTC).year, hi.astimezone(UTC).year
    if y1 - y0 > 400:
        return None
    out: set[timedelta] = set()
    for y in range(y0, y1 + 1):
        out |= _year_offsets(tz, y)
    return tuple(sorted(out))


@lru_cache(maxsize=2048)
def _year_offsets(tz: tzinfo, year: int) -> frozenset[timedelta]:
    out: set[timedelta] = set()
    changes = [year_changes(tz, y) for y in (year - 1, year, year + 1)]
    if all(c is not None for c in changes):  # from the zone's rules: no daily probes
        lo = datetime(year, 1, 1, tzinfo=UTC) - timedelta(days=1)
        hi = lo + timedelta(days=368)
        out.add(lo.astimezone(tz).utcoffset() or timedelta(0))
        out.update(a for ys in changes if ys for t, _, a in ys if lo <= t < hi)
        return frozenset(out)
    try:
        u = datetime(year, 1, 1, tzinfo=UTC) - timedelta(days=1)
    except OverflowError:
        u = datetime(year, 1, 1, tzinfo=UTC)
    day = timedelta(days=1)
    for _ in range(368):
        try:
            off = u.astimezone(tz).utcoffset()
            u = u + day
        except OverflowError:
            break
        if off is not None:
            out.add(off)
    return frozenset(out)


def zone_transitions(tz: tzinfo, lo: datetime, hi: datetime) -> tuple[tuple[datetime, timedelta], ...]:
    """``(instant, |offset change|)`` for each offset change of *tz* between *lo* and *hi*.

    Read from the zone's rules (``timetable._zonetable``) when it is a ``ZoneInfo``; other
    zones are probed daily and bisected to the second, cached by year, which (like
    `zone_offsets()`) assumes offset changes are at least a day apart.
    """
    if tz is UTC or isinstance(tz, timezone):
        return ()
    y0, y1 = lo.astimezone(UTC).year, hi.astimezone(UTC).year
    # Whole UTC years, as the probed version below answers (callers rely on the margin).
    exact = range_changes(
        tz, datetime(y0, 1, 1, tzinfo=UTC),
        datetime(y1 + 1, 1, 1, tzinfo=UTC) if y1 < 9999 else datetime.max.replace(tzinfo=UTC),
    )
    if exact is not None:  # from the zone's rules, to the second
        return tuple((t, abs(after - before)) for t, before, after in exact)
    out: list[tuple[datetime, timedelta]] = []
    for y in range(lo.astimezone(UTC).year, hi.astimezone(UTC).year + 1):
        out.extend(_year_transitions(tz, y))
    return tuple(out)


@lru_cache(maxsize=2048)
def _year_transitions(tz: tzinfo, year: int) -> tuple[tuple[datetime, timedelta], ...]:
    exact = year_changes(tz, year)
    if exact is not None:  # from the zone's rules, to the second
        return tuple((t, abs(after - before)) for t, before, after in exact)
    out: list[tuple[datetime, timedelta]] = []
    day = timedelta(days=1)
    try:
        u = datetime(year, 1, 1, tzinfo=UTC)
        end = datetime(year + 1, 1, 1, tzinfo=UTC) if year < 9999 else datetime.max.replace(tzinfo=UTC)
        off = u.astimezone(tz).utcoffset()
        while u < end:
            v = min(u + day, end)
            o2 = v.astimezone(tz).utcoffset()
            if o2 != off:
                lo, hi = u, v
                while hi - lo > timedelta(seconds=1):
                    mid = lo + (hi - lo) / 2
                    if mid.astimezone(tz).utcoffset() == off:
                        lo = mid
                    else:
                        hi = mid
                assert o2 is not None
                assert off is not None
                out.append((hi, abs(o2 - off)))
                off = o2
            u = v
    except OverflowError:
        pass
    return tuple(out)


@lru_cache(maxsize=512)
def parse_cron(expression: str, fast: bool = True) -> CronSpec:
    """Parse (and cache) an expression after preset expansion."""
    return CronSpec(expression, fast=fast)


@lru_cache(maxsize=512)
def cron_ticker(
    expression: str, tz: tzinfo, gap: str = "shift", fold: str = "second", fast: bool = True
) -> CronTicker:
    """The (cached) ticker for an expression in a zone under a DST policy."""
    return CronTicker(parse_cron(expression, fast), tz, gap, fold, fast=fast)
