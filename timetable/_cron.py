"""Cron expressions: parsing, validation and the wall-clock tick engine.

Theory of operation
-------------------
This is the only module that imports :mod:`croniter`.  croniter is used to *parse and
expand* an expression once (``croniter(expr).expanded``: the sets of seconds, minutes,
hours, days, months and weekdays it allows).  Ticks are then found by our own search
over those sets (:meth:`CronSpec.next_wall` / :meth:`CronSpec.prev_wall`), which works on
naive wall-clock datetimes and is an order of magnitude faster than building a croniter
per tick.  Expressions with features outside plain field sets (``L``, ``W``, ``#``, a
year column) fall back to asking croniter, one call per tick.

Wall ticks become instants in :class:`CronTicker`, which reproduces Airflow's rules
(``airflow/timetables/_cron.py``) exactly for the default DST policy:

* *fixed* schedules (hour field not ``*``): the wall tick is read with ``fold=1`` and a
  wall time inside a gap moves forward by the gap;
* *every-hour* schedules (hour field ``*``): the wall-clock distance to the next tick is
  added to the instant as elapsed time, so the repeated hour runs twice;
* ``prev`` is always *strictly earlier* than the instant asked about (Airflow's main
  branch fix, PR #70089): on the fixed path we walk back until that holds.

Other DST policies (``clamp``/``skip`` gaps, ``first``/``both`` folds) use a slower,
policy-neutral search: resolve every wall tick near the instant and take the nearest.
"""

from __future__ import annotations

import calendar
from bisect import bisect_left, bisect_right
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any

from croniter import CroniterBadDateError, CroniterError, croniter

from ._tz import resolve_wall, to_wall
from .errors import InvalidScheduleError

__all__ = ["PRESETS", "CronSpec", "CronTicker", "cron_ticker", "normalize_expression"]

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

_MIN_WALL = datetime(1, 1, 2)
_MAX_WALL = datetime(9999, 12, 30)


def normalize_expression(expression: str) -> str:
    """Apply Airflow's preset table: ``"@daily"`` -> ``"0 0 * * *"``."""
    return PRESETS.get(expression, expression)


def _field_set(values: list[Any], lo: int, hi: int) -> tuple[int, ...] | None:
    """croniter's expanded field -> sorted ints, or None for '*'."""
    if values == ["*"]:
        return None
    out = sorted({int(v) for v in values})
    return tuple(v for v in out if lo <= v <= hi)


class CronSpec:
    """A parsed cron expression: its field sets and a wall-clock tick search."""

    __slots__ = (
        "_days_cache",
        "_fallback",
        "dom",
        "dow",
        "every_hour",
        "expression",
        "hours",
        "minutes",
        "months",
        "seconds",
        "tods",
    )

    def __init__(self, expression: str) -> None:
        self.expression = expression
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
        self._fallback = (
            len(exp) > 6
            or any(isinstance(v, str) and v != "*" for v in exp[2])
            or "w" in dom_raw.lower()
            or bool(getattr(cron, "nth_weekday_of_month", None))
            or any(isinstance(v, str) and v != "*" for f in exp for v in f)
        )
        self.minutes = _field_set(exp[0], 0, 59) or tuple(range(60))
        self.hours = _field_set(exp[1], 0, 23) or tuple(range(24))
        self.seconds: tuple[int, ...] = (0,)
        if len(exp) >= 6:
            self.seconds = _field_set(exp[5], 0, 59) or tuple(range(60))
        if not self._fallback:
            self.dom = _field_set(exp[2], 1, 31)
            self.months = _field_set(exp[3], 1, 12)
            dow = _field_set([0 if v == 7 else v for v in exp[4]] if exp[4] != ["*"] else exp[4], 0, 6)
            self.dow = None if dow is not None and len(dow) == 7 and self.dom is None else dow
        else:
            self.dom = self.months = self.dow = None
        self.tods = tuple(
            h * 3600 + m * 60 + s for h in self.hours for m in self.minutes for s in self.seconds
        )
        self._days_cache: dict[tuple[int, int], tuple[int, ...]] = {}
        self._check_fires()

    # -- validation -----------------------------------------------------------------------
    def _check_fires(self) -> None:
        """Reject expressions that never fire (``0 0 30 2 *``) when they are built."""
        if self._fallback:
            try:
                c = croniter(self.expression, datetime(2000, 1, 1))
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
        if self.dow is not None and self.dom is not None:
            return  # day-of-month OR day-of-week: weekdays always come round
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
        key = (year, month)
        days = self._days_cache.get(key)
        if days is None:
            if self.months is not None and month not in self.months:
                days = ()
            else:
                first_wd, ndays = calendar.monthrange(year, month)  # Monday = 0
                out = []
                for d in range(1, ndays + 1):
                    cron_wd = (first_wd + d) % 7  # cron: Sunday = 0
                    dom_ok = self.dom is None or d in self.dom
                    dow_ok = self.dow is None or cron_wd in self.dow
                    if self.dom is not None and self.dow is not None:
                        ok = dom_ok or dow_ok
                    else:
                        ok = dom_ok and dow_ok
                    if ok:
                        out.append(d)
                days = tuple(out)
            if len(self._days_cache) > 4096:
                self._days_cache.clear()
            self._days_cache[key] = days
        return days

    # -- wall-clock search ----------------------------------------------------------------
    def next_wall(self, wall: datetime) -> datetime | None:
        """The first matching naive wall time strictly after *wall* (None past year 9999)."""
        if self._fallback:
            return self._croniter_step(wall, forward=True)
        tods = self.tods
        secs = wall.hour * 3600 + wall.minute * 60 + wall.second
        year, month, day = wall.year, wall.month, wall.day
        days = self._days_of_month(year, month)
        if day in days:
            i = bisect_right(tods, secs)
            if i < len(tods):
                return _at(year, month, day, tods[i])
        j = bisect_right(days, day)
        for _ in range(12 * 500):
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
        tods = self.tods
        secs = wall.hour * 3600 + wall.minute * 60 + wall.second
        year, month, day = wall.year, wall.month, wall.day
        days = self._days_of_month(year, month)
        if day in days:
            i = (bisect_right(tods, secs) if wall.microsecond else bisect_left(tods, secs)) - 1
            if i >= 0:
                return _at(year, month, day, tods[i])
        j = bisect_left(days, day) - 1
        for _ in range(12 * 500):
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


def _at(year: int, month: int, day: int, tod: int) -> datetime:
    h, rem = divmod(tod, 3600)
    m, s = divmod(rem, 60)
    return datetime(year, month, day, h, m, s)


class CronTicker:
    """Instants of a cron schedule in a zone, with a DST policy.

    All results are aware datetimes in UTC.  ``None`` means the search left the range
    :class:`datetime` can represent.
    """

    __slots__ = ("_airflow", "_simple_zone", "fold", "gap", "spec", "tz")

    def __init__(self, spec: CronSpec, tz: tzinfo, gap: str = "shift", fold: str = "second"):
        self.spec = spec
        self.tz = tz
        self.gap = gap
        self.fold = fold
        self._airflow = gap == "shift" and fold == "second"
        self._simple_zone = tz is UTC or isinstance(tz, timezone)

    # -- Airflow's algorithm (default policy) --------------------------------------------
    def next(self, t: datetime) -> datetime | None:
        """The first tick strictly after *t*."""
        if self._simple_zone:
            off = self.tz.utcoffset(None) or timedelta(0)
            wall = (t.astimezone(UTC) + off).replace(tzinfo=None)
            s = self.spec.next_wall(wall)
            return None if s is None else (s - off).replace(tzinfo=UTC)
        if not self._airflow:
            return self._search(t, forward=True)
        wall = to_wall(t, self.tz)
        s = self.spec.next_wall(wall)
        if s is None:
            return None
        if self.spec.every_hour:
            return _safe_add(t.astimezone(UTC), s - wall)
        return _resolve_one(s, self.tz)

    def prev(self, t: datetime) -> datetime | None:
        """The last tick strictly before *t*."""
        if self._simple_zone:
            off = self.tz.utcoffset(None) or timedelta(0)
            wall = (t.astimezone(UTC) + off).replace(tzinfo=None)
            s = self.spec.prev_wall(wall)
            return None if s is None else (s - off).replace(tzinfo=UTC)
        if not self._airflow:
            return self._search(t, forward=False)
        wall = to_wall(t, self.tz)
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

    # -- policy-neutral search --------------------------------------------------------------
    def _search(self, t: datetime, *, forward: bool) -> datetime | None:
        """Nearest tick after (before) *t* when every wall tick is resolved by the policy."""
        slack = timedelta(hours=3)
        wall = to_wall(t, self.tz)
        spec = self.spec
        best: datetime | None = None
        if forward:
            cur = spec.next_wall(wall - slack - timedelta(microseconds=1))
            for _ in range(100_000):
                if cur is None:
                    break
                if best is not None and cur > to_wall(best, self.tz) + slack:
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
                if best is not None and cur < to_wall(best, self.tz) - slack:
                    break
                for inst in resolve_wall(cur, self.tz, gap=self.gap, fold=self.fold):  # type: ignore[arg-type]
                    if inst < t and (best is None or inst > best):
                        best = inst
                cur = spec.prev_wall(cur)
        return best


def _resolve_one(wall: datetime, tz: tzinfo) -> datetime:
    """Airflow's reading of a wall time: fold=1, a gap moved forward by its length."""
    w1 = wall.replace(fold=1, tzinfo=tz)
    off1 = w1.utcoffset()
    off0 = wall.replace(fold=0, tzinfo=tz).utcoffset()
    assert off0 is not None and off1 is not None
    if off1 > off0:  # gap
        return (wall + (off1 - off0)).replace(fold=1, tzinfo=tz).astimezone(UTC)
    return w1.astimezone(UTC)


def _safe_add(t: datetime, delta: timedelta) -> datetime | None:
    try:
        return t + delta
    except OverflowError:
        return None


@lru_cache(maxsize=512)
def parse_cron(expression: str) -> CronSpec:
    """Parse (and cache) an expression after preset expansion."""
    return CronSpec(expression)


@lru_cache(maxsize=512)
def cron_ticker(expression: str, tz: tzinfo, gap: str = "shift", fold: str = "second") -> CronTicker:
    """The (cached) ticker for an expression in a zone under a DST policy."""
    return CronTicker(parse_cron(expression), tz, gap, fold)


