"""Business calendars: which days count, why the others do not, and how ticks roll.

Theory of operation
-------------------
A `BusinessCalendar` is a value: a *weekmask* (which weekdays are business days)
and *holidays* (fixed dates, or rules evaluated per year).  A day is **excluded** when
its weekday is off in the weekmask (reason ``"weekend"``) or when a holiday falls on it
(reason: the holiday's name; a holiday on a weekend is reported by its name).  Calendars
combine by set algebra on their *excluded* days: ``a | b`` excludes what either excludes,
``a & b`` what both exclude, ``a - b`` what *a* excludes and *b* does not.

Calendars built from the ``holidays`` package are materialized at construction: they
carry the dates, not the package, and know the years they cover (``years``).  Asking
about a day outside those years raises `CalendarRangeError`;
a calendar never answers "no holiday" for a year it knows nothing about.

Rolls apply a calendar to a schedule's ticks (`CalendarTicker` wraps the
schedule's own ticker, so every planner sees the calendar through the same four
questions ``next`` / ``prev`` / ``align_next`` / ``align_prev``):

* ``skip`` keeps the ticks that fall on business days (in the schedule's zone);
* ``following`` / ``preceding`` move a tick on an excluded day to the same wall time on
  the next / previous business day; ``modified_following`` / ``modified_preceding`` do
  the same unless that leaves the month, then go the other way (ISDA's conventions).
  Ticks that land on the same instant count once;
* ``span`` keeps the same ticks as ``skip``; only data intervals differ (below).

A data interval runs from a kept tick to the schedule's *own* next tick under ``skip``
(Friday's daily interval ends Saturday 00:00: Airflow's ``AfterWorkdayTimetable``), and
to the next *kept* tick under every other roll (``span``: Friday's interval ends Monday
00:00).  Delta schedules have no wall-clock grid to roll along, so they take ``skip``
and ``span`` only.  Every day-by-day search is bounded: a roll looks one month away at
most, a skip ten years, then `NoBusinessDayError`.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Any, ClassVar, Literal

import attrs

from ._tz import resolve_wall
from ._zonetable import range_changes
from .errors import (
    CalendarRangeError,
    InvalidCalendarError,
    InvalidSerializedFormError,
    NoBusinessDayError,
    WrongTypeError,
)

__all__ = ["ROLLS", "BusinessCalendar", "CalendarTicker", "Holiday", "HolidayRule", "Roll"]

Roll = Literal[
    "skip", "following", "preceding", "modified_following", "modified_preceding", "span"
]
"""How a schedule treats ticks on excluded days (see the module documentation)."""

#: Every roll convention, in documentation order.
ROLLS: tuple[str, ...] = (
    "skip",
    "following",
    "preceding",
    "modified_following",
    "modified_preceding",
    "span",
)

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_ROLL_LIMIT = 31  # days a roll may move a tick
_SKIP_LIMIT = 3660  # days a skip may search for the next business day
_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)
_YEAR = timedelta(days=365)
_RULES_END = datetime(9998, 12, 31, tzinfo=UTC)  # range_changes reads no further
_DAYS = tuple(timedelta(days=i) for i in range(367))  # _DAYS[i] is i days
_Y2K = datetime(2000, 1, 1, tzinfo=UTC)
_MAX_ORDINAL = date.max.toordinal()
_MARGIN = timedelta(hours=1)  # around a day, when looking for UTC-offset changes in it
_OBSERVED = ("none", "nearest", "following")


# -- weekmask ------------------------------------------------------------------------------------
def _weekmask_converter(value: Any) -> str:
    if not isinstance(value, str):
        raise WrongTypeError.for_value(
            "weekmask", value, "expected a string such as '1111100' or 'Mon Tue Wed Thu Fri'"
        )
    text = value.strip()
    if len(text) == 7 and set(text) <= {"0", "1"}:
        mask = text
    else:
        words = text.replace(",", " ").split()
        if not words:
            raise InvalidCalendarError.for_value(
                "weekmask", value, "expected 7 digits or weekday names such as 'Mon Tue'"
            )
        chosen = set()
        for word in words:
            key = word[:3].title()
            if key not in _DAY_NAMES or len(word) not in (3, len(_full_name(key))):
                raise InvalidCalendarError.for_value(
                    "weekmask", value, f"unknown weekday {word!r} (use Mon, Tue, ... Sun)"
                )
            chosen.add(_DAY_NAMES.index(key))
        mask = "".join("1" if i in chosen else "0" for i in range(7))
    if "1" not in mask:
        raise InvalidCalendarError.for_value("weekmask", value, "has no business day")
    return mask


def _full_name(short: str) -> str:
    return {
        "Mon": "Monday", "Tue": "Tuesday", "Wed": "Wednesday", "Thu": "Thursday",
        "Fri": "Friday", "Sat": "Saturday", "Sun": "Sunday",
    }[short]


# -- holidays --------------------------------------------------------------------------------------
def _date_value(value: Any, argument: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise WrongTypeError.for_value(argument, value, "expected a datetime.date")
    return value


def _name_value(value: Any, argument: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise WrongTypeError.for_value(argument, value, "expected a non-empty name")
    return value


def _holiday_date(value: Any) -> date:
    return _date_value(value, "date")


def _holiday_name(value: Any) -> str:
    return _name_value(value, "name")


@attrs.frozen(kw_only=True)
class Holiday:
    """One named excluded date of a [`BusinessCalendar`][timetable.BusinessCalendar].

    >>> from datetime import date
    >>> Holiday(date=date(2024, 12, 25), name="Christmas Day")
    Holiday(date=datetime.date(2024, 12, 25), name='Christmas Day')
    """

    date: date = attrs.field(converter=_holiday_date)
    name: str = attrs.field(default="holiday", converter=_holiday_name)

    def _to_dict(self) -> dict[str, Any]:
        return _entry_to_dict(self)

    @classmethod
    def _from_dict(cls, data: Any) -> Holiday:
        entry = _entry_from_dict(data, "holiday")
        if not isinstance(entry, Holiday):
            raise InvalidSerializedFormError.for_value("holiday", data, "expected a dated holiday")
        return entry


def _int_in(value: Any, argument: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise WrongTypeError.for_value(argument, value, "expected an int")
    if not lo <= value <= hi:
        raise InvalidCalendarError.for_value(argument, value, f"expected {lo} to {hi}")
    return value


@attrs.frozen(kw_only=True)
class HolidayRule:
    """A holiday given by a rule, evaluated for any year (no year range to run out of).

    Build one with the class methods: [`fixed`][timetable.HolidayRule.fixed] (a date every
    year), [`nth_weekday`][timetable.HolidayRule.nth_weekday] (the 4th Thursday of
    November, or ``n=-1`` for the last Monday of May),
    [`easter`][timetable.HolidayRule.easter] (days from Western Easter Sunday) and
    [`date_range`][timetable.HolidayRule.date_range] (every day of a closed range).

    *observed* shifts a holiday that falls on a weekend: ``"nearest"`` (Saturday →
    Friday, Sunday → Monday, the US federal rule) or ``"following"`` (to the next free
    business day, the UK rule); the shifted day is named ``"<name> (observed)"``.

    >>> from datetime import date
    >>> thanksgiving = HolidayRule.nth_weekday(11, "Thu", 4, name="Thanksgiving")
    >>> thanksgiving.dates(2024)
    (datetime.date(2024, 11, 28),)
    """

    kind: Literal["fixed", "nth_weekday", "easter", "range"]
    name: str = attrs.field(converter=_holiday_name)
    month: int | None = None
    day: int | None = None
    weekday: int | None = None
    n: int | None = None
    offset: int = 0
    start: date | None = None
    end: date | None = None
    observed: str = "none"

    def _to_dict(self) -> dict[str, Any]:
        return _entry_to_dict(self)

    @classmethod
    def _from_dict(cls, data: Any) -> HolidayRule:
        entry = _entry_from_dict(data, "rule")
        if not isinstance(entry, HolidayRule):
            raise InvalidSerializedFormError.for_value("rule", data, "expected a holiday rule")
        return entry

    def __attrs_post_init__(self) -> None:
        if self.kind not in ("fixed", "nth_weekday", "easter", "range"):
            raise InvalidCalendarError.for_value(
                "kind", self.kind, "expected 'fixed', 'nth_weekday', 'easter' or 'range'"
            )
        if self.observed not in _OBSERVED:
            raise InvalidCalendarError.for_value(
                "observed", self.observed, "expected 'none', 'nearest' or 'following'"
            )
        if self.kind == "fixed":
            _int_in(self.month, "month", 1, 12)
            _int_in(self.day, "day", 1, 31)
            try:
                date(2000, self.month, self.day)  # type: ignore[arg-type]
            except ValueError as err:
                raise InvalidCalendarError.for_value(
                    "day", self.day, f"no such day in month {self.month}"
                ) from err
        elif self.kind == "nth_weekday":
            _int_in(self.month, "month", 1, 12)
            _int_in(self.weekday, "weekday", 0, 6)
            n = _int_in(self.n, "n", -5, 5)
            if n == 0:
                raise InvalidCalendarError.for_value("n", n, "expected 1 to 5 or -1 to -5")
        if self.kind in ("nth_weekday", "easter"):
            _int_in(self.offset, "offset", -366, 366)
        elif self.offset != 0:
            raise InvalidCalendarError.for_value(
                "offset", self.offset, f"only nth_weekday and easter rules take an offset, not {self.kind}"
            )
        if self.kind == "range":
            start = _date_value(self.start, "start")
            end = _date_value(self.end, "end")
            if end < start:
                raise InvalidCalendarError.for_value("end", end, f"is before start={start!r}")

    # -- constructors ------------------------------------------------------------------------------
    @classmethod
    def fixed(cls, month: int, day: int, *, name: str, observed: str = "none") -> HolidayRule:
        """The same month and day every year (skipped in years without it, e.g. Feb 29)."""
        return cls(kind="fixed", name=name, month=month, day=day, observed=observed)

    @classmethod
    def nth_weekday(
        cls,
        month: int,
        weekday: int | str,
        n: int,
        *,
        name: str,
        offset: int = 0,
        observed: str = "none",
    ) -> HolidayRule:
        """The *n*-th *weekday* (0 = Monday or ``"Mon"``) of *month*, plus *offset* days.

        ``n < 0`` counts from the end of the month (``-1``: the last); ``offset=1`` with
        the 4th Thursday of November is the day after Thanksgiving.
        """
        return cls(
            kind="nth_weekday", name=name, month=month, weekday=_weekday(weekday), n=n,
            offset=offset, observed=observed,
        )

    @classmethod
    def easter(cls, offset: int = 0, *, name: str) -> HolidayRule:
        """*offset* days from Western (Gregorian) Easter Sunday (``-2`` is Good Friday)."""
        return cls(kind="easter", name=name, offset=offset)

    @classmethod
    def date_range(cls, start: date, end: date, *, name: str) -> HolidayRule:
        """Every day from *start* to *end*, both included (a plant shutdown, a freeze)."""
        return cls(kind="range", name=name, start=start, end=end)

    # -- evaluation --------------------------------------------------------------------------------
    def dates(self, year: int) -> tuple[date, ...]:
        """The (unshifted) dates of this rule in *year*."""
        if isinstance(year, bool) or not isinstance(year, int):
            raise WrongTypeError.for_value("year", year, "expected an int")
        if not 1 <= year <= 9999:
            raise InvalidCalendarError.for_value("year", year, "expected 1 to 9999")
        if self.kind == "fixed":
            try:
                return (date(year, self.month, self.day),)  # type: ignore[arg-type]
            except ValueError:
                return ()
        if self.kind == "nth_weekday":
            found = _nth_weekday(year, self.month, self.weekday, self.n)  # type: ignore[arg-type]
            return tuple(d + timedelta(days=self.offset) for d in found)
        if self.kind == "easter":
            try:
                return (_easter(year) + timedelta(days=self.offset),)
            except OverflowError:
                return ()
        assert self.start is not None
        assert self.end is not None
        lo = max(self.start, date(year, 1, 1))
        hi = min(self.end, date(year, 12, 31))
        return tuple(lo + timedelta(days=i) for i in range((hi - lo).days + 1))


def _weekday(value: int | str) -> int:
    if isinstance(value, str):
        key = value[:3].title()
        if key not in _DAY_NAMES:
            raise InvalidCalendarError.for_value("weekday", value, "expected Mon, Tue, ... Sun")
        return _DAY_NAMES.index(key)
    return _int_in(value, "weekday", 0, 6)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> tuple[date, ...]:
    if n > 0:
        first = date(year, month, 1)
        d = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    else:
        nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        last = nxt - _ONE_DAY
        d = last - timedelta(days=(last.weekday() - weekday) % 7 + 7 * (-n - 1))
    return (d,) if d.month == month else ()


def _easter(year: int) -> date:
    """Western Easter Sunday (the anonymous Gregorian computus)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


_Entry = Holiday | HolidayRule


def _holidays_converter(value: Any) -> tuple[_Entry, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise WrongTypeError.for_value(
            "holidays", value, "expected dates, Holiday/HolidayRule values or a {date: name} mapping"
        )
    items: Iterable[Any] = value.items() if isinstance(value, Mapping) else value
    fixed: dict[date, str] = {}
    rules: list[HolidayRule] = []
    for i, item in enumerate(items):
        if isinstance(item, HolidayRule):
            if item not in rules:
                rules.append(item)
            continue
        if isinstance(item, Holiday):
            d, name = item.date, item.name
        elif isinstance(item, tuple) and len(item) == 2:
            d = _date_value(item[0], f"holidays[{i}]")
            name = _name_value(item[1], f"holidays[{i}]")
        else:
            d = _date_value(item, f"holidays[{i}]")
            name = "holiday"
        if d in fixed and fixed[d] != name and name not in fixed[d].split(" / "):
            fixed[d] = f"{fixed[d]} / {name}"
        else:
            fixed.setdefault(d, name)
    out: list[_Entry] = [Holiday(date=d, name=fixed[d]) for d in sorted(fixed)]
    out.extend(rules)
    return tuple(out)


def _years_converter(value: Any) -> tuple[int, int] | None:
    if value is None:
        return None
    if isinstance(value, range):
        # no len(): a hostile range may not fit in a C ssize_t
        if value.step != 1 or value.start >= value.stop:
            raise InvalidCalendarError.for_value("years", value, "expected a non-empty range")
        return (value.start, value.stop - 1)
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and value[0] <= value[1]
    ):
        return (int(value[0]), int(value[1]))
    raise WrongTypeError.for_value(
        "years", value, "expected None, a range of years or (first, last)"
    )


def _ops_converter(value: Any) -> tuple[tuple[str, BusinessCalendar], ...]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise WrongTypeError.for_value(
            "combine", value, "expected a sequence of (operation, calendar) pairs"
        )
    out = []
    for item in value:
        if not isinstance(item, tuple | list) or len(item) != 2:
            raise InvalidCalendarError.for_value(
                "combine", item, "expected ('union'|'intersection'|'difference', calendar)"
            )
        op, cal = item
        if not isinstance(op, str) or op not in ("union", "intersection", "difference") or not isinstance(
            cal, BusinessCalendar
        ):
            raise InvalidCalendarError.for_value(
                "combine", (op, cal), "expected ('union'|'intersection'|'difference', calendar)"
            )
        out.append((op, cal))
    return tuple(out)


# -- the calendar ----------------------------------------------------------------------------------
@attrs.frozen(kw_only=True, cache_hash=True)
class BusinessCalendar:
    """Which days are business days, and a name for every day that is not.

    Attributes:
        weekmask: the business weekdays, Monday first: ``"1111100"`` or
            ``"Mon Tue Wed Thu Fri"`` (stored as seven digits).
        holidays: excluded days: dates, ``(date, name)`` pairs, a ``{date: name}``
            mapping, [`Holiday`][timetable.Holiday] values, or
            [`HolidayRule`][timetable.HolidayRule]s evaluated per year.
        years: the years the holidays are known for (``range`` or ``(first, last)``);
            asking about another year raises
            [`CalendarRangeError`][timetable.errors.CalendarRangeError].  ``None``: any year.
        combine: set operations applied after this calendar's own days (built by ``|``,
            ``&`` and ``-``; rarely written by hand).

    Raises:
        InvalidCalendarError: a weekmask with no business day, a malformed rule.
        WrongTypeError: a holiday that is not a date, a pair, a Holiday or a rule.

    >>> from datetime import date
    >>> cal = BusinessCalendar(weekmask="Mon Tue Wed Thu Fri",
    ...                        holidays={date(2024, 12, 25): "Christmas Day"})
    >>> cal.weekmask, cal.is_business_day(date(2024, 12, 24)), cal.exclusion(date(2024, 12, 25))
    ('1111100', True, 'Christmas Day')
    >>> cal.exclusion(date(2024, 12, 28))
    'weekend'
    """

    weekmask: str = attrs.field(default="1111100", converter=_weekmask_converter)
    holidays: tuple[Holiday | HolidayRule, ...] = attrs.field(
        default=(), converter=_holidays_converter
    )
    years: tuple[int, int] | None = attrs.field(default=None, converter=_years_converter)
    combine: tuple[tuple[str, BusinessCalendar], ...] = attrs.field(
        default=(), converter=_ops_converter
    )
    _memo: dict[Any, Any] = attrs.field(  # year -> table; ("ordinals", year) -> set
        init=False, factory=dict, eq=False, hash=False, repr=False
    )

    kind: ClassVar[str] = "BusinessCalendar"

    # -- construction from the holidays package -----------------------------------------------------
    @classmethod
    def from_holidays(
        cls,
        country: str,
        *,
        subdiv: str | None = None,
        years: Iterable[int] | range,
        financial: bool = False,
        weekmask: str = "1111100",
        suffix: str | None = None,
    ) -> BusinessCalendar:
        """A calendar with the holidays of the ``holidays`` package, materialized now.

        Needs the optional extra (``pip install "timetable-planning[holidays]"``); the
        result carries the dates and names only, so it serializes and works without the
        package.  *financial* reads the market calendars (``country="NYSE"``,
        ``"XNYS"``, ...).  Each name gets a ``" (<country>)"`` suffix (or *suffix*).

        Raises:
            InvalidCalendarError: unknown country or subdivision, or the package is missing.
            WrongTypeError: *years* is not a range or a list of ints.
        """
        if not isinstance(country, str) or not country:
            raise WrongTypeError.for_value("country", country, "expected a country code")
        span = _years_converter(
            years if isinstance(years, range) else _year_list_span(years)
        )
        assert span is not None
        if not (span[0] >= 1 and span[1] <= 9998 and span[1] - span[0] <= 400):
            raise InvalidCalendarError.for_value(
                "years", years, "expected at most 400 years between 1 and 9998"
            )
        if subdiv is not None and not isinstance(subdiv, str):
            raise WrongTypeError.for_value("subdiv", subdiv, "expected None or a code")
        if not isinstance(financial, bool):
            raise WrongTypeError.for_value("financial", financial, "expected True or False")
        if suffix is not None and not isinstance(suffix, str):
            raise WrongTypeError.for_value("suffix", suffix, "expected None or a string")
        try:
            import holidays as hol  # optional extra, imported lazily
        except ImportError as err:  # pragma: no cover - the extra is installed in tests
            raise InvalidCalendarError.for_value(
                "country", country, "needs the 'holidays' package: pip install 'timetable-planning[holidays]'"
            ) from err
        wanted = list(range(span[0] - 1, span[1] + 2))
        try:
            read = hol.financial_holidays if financial else hol.country_holidays
            table = read(country, subdiv=subdiv, years=wanted)
        except NotImplementedError as err:
            what = "financial market" if financial else "country"
            known = hol.list_supported_financial() if financial else hol.list_supported_countries()
            if subdiv is not None and country in known:
                raise InvalidCalendarError.for_value(
                    "subdiv", subdiv,
                    f"unknown subdivision of {country!r} (known: {', '.join(known[country])})",
                ) from err
            raise InvalidCalendarError.for_value(
                "country", country, f"unknown {what} for the holidays package"
            ) from err
        except Exception as err:  # the package raises plain errors for a bad subdivision
            raise InvalidCalendarError.for_value(
                "subdiv", subdiv, f"unknown subdivision of {country!r}: {err}"
            ) from err
        tag = suffix if suffix is not None else f" ({country}{'-' + subdiv if subdiv else ''})"
        entries = {
            d: "; ".join(f"{n.strip()}{tag}" for n in str(name).split(";"))
            for d, name in table.items()
            if span[0] <= d.year <= span[1]
        }
        return cls(weekmask=weekmask, holidays=entries, years=span)

    # -- set algebra ----------------------------------------------------------------------------------
    def union(self, other: BusinessCalendar) -> BusinessCalendar:
        """Excludes a day when either calendar does (``self | other``)."""
        _check_calendar(other, "other")
        if not self.combine and not other.combine:
            years = _years_meet(self.years, other.years)
            mask = "".join("1" if a == b == "1" else "0" for a, b in zip(self.weekmask, other.weekmask, strict=True))
            return BusinessCalendar(
                weekmask=mask, holidays=self.holidays + other.holidays, years=years
            )
        return attrs.evolve(self, combine=(*self.combine, ("union", other)))

    def intersection(self, other: BusinessCalendar) -> BusinessCalendar:
        """Excludes a day when both calendars do (``self & other``)."""
        _check_calendar(other, "other")
        return attrs.evolve(self, combine=(*self.combine, ("intersection", other)))

    def difference(self, other: BusinessCalendar) -> BusinessCalendar:
        """Excludes a day when *self* does and *other* does not (``self - other``)."""
        _check_calendar(other, "other")
        return attrs.evolve(self, combine=(*self.combine, ("difference", other)))

    def __or__(self, other: object) -> BusinessCalendar:
        if not isinstance(other, BusinessCalendar):
            return NotImplemented
        return self.union(other)

    def __and__(self, other: object) -> BusinessCalendar:
        if not isinstance(other, BusinessCalendar):
            return NotImplemented
        return self.intersection(other)

    def __sub__(self, other: object) -> BusinessCalendar:
        if not isinstance(other, BusinessCalendar):
            return NotImplemented
        return self.difference(other)

    def with_holidays(self, holidays: Any) -> BusinessCalendar:
        """This calendar with more excluded days (a union with a calendar of only those)."""
        return self.union(BusinessCalendar(weekmask="1111111", holidays=holidays))

    # -- questions ------------------------------------------------------------------------------------
    def exclusion(self, day: date) -> str | None:
        """Why *day* is not a business day (``"weekend"`` or a holiday name), or ``None``.

        Raises:
            CalendarRangeError: *day* is outside the materialized years.
        """
        d = _date_value(day, "day")
        return self.year_exclusions(d.year).get(d)

    def is_business_day(self, day: date) -> bool:
        """Whether *day* is a business day.

        Raises:
            CalendarRangeError: *day* is outside the materialized years.
        """
        return self.exclusion(day) is None

    def _year_ordinal_set(self, year: int) -> frozenset[int]:
        """The ordinals of *year*'s excluded days (memoized beside the year's table)."""
        key = ("ordinals", year)
        got: frozenset[int] | None = self._memo.get(key)
        if got is None:
            got = frozenset(d.toordinal() for d in self.year_exclusions(year))
            self._memo[key] = got
        return got

    def year_exclusions(self, year: int) -> dict[date, str]:
        """Every excluded day of *year* with its reason (memoized; do not mutate)."""
        if isinstance(year, bool) or not isinstance(year, int):
            raise WrongTypeError.for_value("year", year, "expected an int")
        if not 1 <= year <= 9999:
            raise InvalidCalendarError.for_value("year", year, "expected 1 to 9999")
        table: dict[date, str] | None = self._memo.get(year)
        if table is None:
            table = self._build_year(year)
            self._memo[year] = table
        return table

    def excluded_days(self, start: date, end: date) -> tuple[tuple[date, str], ...]:
        """The excluded days from *start* to *end* (both included), with their reasons."""
        start, end = _date_range(start, end)
        out: list[tuple[date, str]] = []
        for year in range(start.year, end.year + 1):
            out.extend(
                (d, r) for d, r in sorted(self.year_exclusions(year).items()) if start <= d <= end
            )
        return tuple(out)

    def business_days(self, start: date, end: date) -> Iterator[date]:
        """The business days from *start* to *end* (both included), lazily."""
        start, end = _date_range(start, end)
        d = start
        while d <= end:
            if d not in self.year_exclusions(d.year):
                yield d
            d += _ONE_DAY

    def count_business_days(self, start: date, end: date) -> int:
        """How many business days from *start* to *end* (both included), without a walk."""
        start, end = _date_range(start, end)
        total = (end - start).days + 1
        excluded = 0
        for year in range(start.year, end.year + 1):
            table = self.year_exclusions(year)
            if start.year < year < end.year:
                excluded += len(table)
            else:
                excluded += sum(1 for d in table if start <= d <= end)
        return total - excluded

    def roll(self, day: date, convention: str = "following") -> date:
        """*day* itself on a business day, else the business day *convention* picks.

        ``following`` / ``preceding`` move to the next / previous business day;
        ``modified_following`` / ``modified_preceding`` do the same unless that leaves the
        month, then go the other way.

        Raises:
            NoBusinessDayError: no business day within a month (or in the month, for the
                modified conventions).
            InvalidCalendarError: an unknown convention.

        >>> from datetime import date
        >>> cal = BusinessCalendar()
        >>> cal.roll(date(2024, 8, 31), "following"), cal.roll(date(2024, 8, 31), "modified_following")
        (datetime.date(2024, 9, 2), datetime.date(2024, 8, 30))
        """
        d = _date_value(day, "day")
        if convention not in ROLLS or convention in ("skip", "span"):
            raise InvalidCalendarError.for_value(
                "convention", convention,
                "expected following, preceding, modified_following or modified_preceding",
            )
        if self.is_business_day(d):
            return d
        if convention in ("following", "preceding"):
            found = self._walk(d, 1 if convention == "following" else -1, None)
            assert found is not None  # strict walks raise instead
            return found
        first, second = (1, -1) if convention == "modified_following" else (-1, 1)
        found = self._walk(d, first, d.month, strict=False)
        if found is not None:
            return found
        found = self._walk(d, second, d.month, strict=False)
        if found is None:
            raise NoBusinessDayError.for_value(
                "day", d, f"no business day in {d:%B %Y} for {convention}"
            )
        return found

    def _walk(self, d: date, step: int, month: int | None, *, strict: bool = True) -> date | None:
        x = d
        for _ in range(_ROLL_LIMIT):
            try:
                x = x + timedelta(days=step)
            except OverflowError:
                break
            if month is not None and x.month != month:
                break
            if self.is_business_day(x):
                return x
        if strict:
            way = "after" if step > 0 else "before"
            raise NoBusinessDayError.for_value(
                "day", d, f"no business day within {_ROLL_LIMIT} days {way} it"
            )
        return None

    def next_business_day(self, day: date, *, limit: int = _SKIP_LIMIT) -> date:
        """The first business day strictly after *day* (searching *limit* days at most)."""
        return self._search(day, 1, limit)

    def previous_business_day(self, day: date, *, limit: int = _SKIP_LIMIT) -> date:
        """The last business day strictly before *day* (searching *limit* days at most)."""
        return self._search(day, -1, limit)

    def _search(self, day: date, step: int, limit: int) -> date:
        d = _date_value(day, "day")
        if isinstance(limit, bool) or not isinstance(limit, int):
            raise WrongTypeError.for_value("limit", limit, "expected an int")
        one = timedelta(days=step)
        for _ in range(limit):
            try:
                d = d + one
            except OverflowError:
                break
            if d not in self.year_exclusions(d.year):
                return d
        raise NoBusinessDayError.for_value(
            "day", day, f"no business day within {limit} days {'after' if step > 0 else 'before'} it"
        )

    # -- internals ------------------------------------------------------------------------------------
    def _build_year(self, year: int) -> dict[date, str]:
        if self.years is not None and not self.years[0] <= year <= self.years[1]:
            lo, hi = self.years
            raise CalendarRangeError(
                f"year={year}: this calendar's holidays were materialized for {lo}-{hi} only; "
                f"build it with years covering {year}",
                argument="years",
            )
        table: dict[date, str] = {}
        for entry in self.holidays:
            if isinstance(entry, Holiday) and entry.date.year == year:
                _add(table, entry.date, entry.name)
        rules = [e for e in self.holidays if isinstance(e, HolidayRule)]
        # Plain and "nearest" rules first, then "following" ones, which move on to the
        # next business day that no other holiday has taken (Christmas and Boxing Day).
        rules.sort(key=lambda r: r.observed == "following")
        for rule in rules:
            for y in (year - 1, year, year + 1):
                for d in _safe_dates(rule, y):
                    if d.year == year:
                        _add(table, d, rule.name)
                    shifted = self._observe(rule, d, table)
                    if shifted != d and shifted.year == year:
                        _add(table, shifted, f"{rule.name} (observed)")
        mask = self.weekmask
        if "0" in mask:
            try:
                d = date(year, 1, 1)
                end = date(year, 12, 31)
            except ValueError:
                d, end = date(1, 1, 1), date(1, 1, 1)
            while True:
                if mask[d.weekday()] == "0" and d not in table:
                    table[d] = "weekend"
                if d >= end:
                    break
                d += _ONE_DAY
        for op, other in self.combine:
            theirs = other.year_exclusions(year)
            if op == "union":
                for d, r in theirs.items():
                    if d not in table or (table[d] == "weekend" and r != "weekend"):
                        table[d] = r
            elif op == "intersection":
                table = {
                    d: (theirs[d] if r == "weekend" else r) for d, r in table.items() if d in theirs
                }
            else:
                table = {d: r for d, r in table.items() if d not in theirs}
        return table

    def _observe(self, rule: HolidayRule, d: date, table: dict[date, str]) -> date:
        mask = self.weekmask
        if rule.observed == "none" or mask[d.weekday()] == "1":
            return d
        if rule.observed == "nearest":
            wd = d.weekday()
            if wd == 5:
                return d - _ONE_DAY
            if wd == 6:
                return d + _ONE_DAY
            return d
        x = d
        for _ in range(14):
            x += _ONE_DAY
            if mask[x.weekday()] == "1" and x not in table:
                return x
        return d  # pragma: no cover - a weekmask has a business day within a week

    # -- serialization ---------------------------------------------------------------------------------
    def _to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "weekmask": self.weekmask,
            "holidays": [_entry_to_dict(e) for e in self.holidays],
        }
        out["years"] = list(self.years) if self.years is not None else None
        if self.combine:
            out["combine"] = [{"op": op, "calendar": cal._to_dict()} for op, cal in self.combine]
        return out

    @classmethod
    def _from_dict(cls, data: Any) -> BusinessCalendar:
        if not isinstance(data, Mapping):
            raise InvalidSerializedFormError.for_value("calendar", data, "expected an object")
        unknown = set(data) - {"type", "version", "kind", "weekmask", "holidays", "years", "combine"}
        if unknown:
            name = sorted(unknown)[0]
            raise InvalidSerializedFormError.for_value(
                f"calendar.{name}", data[name], "unknown field for BusinessCalendar"
            )
        entries: list[_Entry] = []
        raw = data.get("holidays", [])
        if not isinstance(raw, list):
            raise InvalidSerializedFormError.for_value("calendar.holidays", raw, "expected a list")
        for i, item in enumerate(raw):
            entries.append(_entry_from_dict(item, f"calendar.holidays[{i}]"))
        years = data.get("years")
        ops = []
        for i, item in enumerate(data.get("combine", []) or []):
            if not isinstance(item, Mapping) or "op" not in item or "calendar" not in item:
                raise InvalidSerializedFormError.for_value(
                    f"calendar.combine[{i}]", item, "expected {'op': ..., 'calendar': {...}}"
                )
            ops.append((item["op"], cls._from_dict(item["calendar"])))
        return cls(
            weekmask=data.get("weekmask", "1111100"),
            holidays=entries,
            years=tuple(years) if isinstance(years, list) else years,
            combine=ops,
        )


def _entry_to_dict(entry: Holiday | HolidayRule) -> dict[str, Any]:
    if isinstance(entry, Holiday):
        return {"date": entry.date.isoformat(), "name": entry.name}
    rule: dict[str, Any] = {"rule": entry.kind, "name": entry.name}
    for f in ("month", "day", "weekday", "n"):
        if getattr(entry, f) is not None:
            rule[f] = getattr(entry, f)
    if entry.offset:
        rule["offset"] = entry.offset
    if entry.kind == "range":
        assert entry.start is not None
        assert entry.end is not None
        rule["start"] = entry.start.isoformat()
        rule["end"] = entry.end.isoformat()
    if entry.observed != "none":
        rule["observed"] = entry.observed
    return rule


def _entry_from_dict(item: Any, where: str) -> Holiday | HolidayRule:
    if not isinstance(item, Mapping):
        raise InvalidSerializedFormError.for_value(where, item, "expected an object")
    try:
        if "rule" in item:
            kw = {k: v for k, v in item.items() if k not in ("rule", "type", "version", "kind")}
            for k in ("start", "end"):
                if k in kw:
                    kw[k] = date.fromisoformat(kw[k])
            return HolidayRule(kind=item["rule"], **kw)
        unknown = set(item) - {"date", "name", "type", "version", "kind"}
        if unknown:
            raise InvalidSerializedFormError.for_value(
                f"{where}.{sorted(unknown)[0]}", item, "unknown field for a holiday"
            )
        return Holiday(date=date.fromisoformat(item["date"]), name=item.get("name", "holiday"))
    except (KeyError, TypeError, ValueError) as err:
        if isinstance(err, InvalidCalendarError | InvalidSerializedFormError):
            raise
        raise InvalidSerializedFormError.for_value(where, item, f"not a holiday: {err}") from err


def _safe_dates(rule: HolidayRule, year: int) -> tuple[date, ...]:
    if not 1 <= year <= 9999:
        return ()
    try:
        return rule.dates(year)
    except (ValueError, OverflowError):
        return ()


def _add(table: dict[date, str], d: date, name: str) -> None:
    if d in table and table[d] != name:
        if name not in table[d].split(" / "):
            table[d] = f"{table[d]} / {name}"
    else:
        table[d] = name


def _years_meet(a: tuple[int, int] | None, b: tuple[int, int] | None) -> tuple[int, int] | None:
    if a is None:
        return b
    if b is None:
        return a
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    if lo > hi:
        raise InvalidCalendarError.for_value(
            "other", b, f"covers no year in common with this calendar's {a[0]}-{a[1]}"
        )
    return (lo, hi)


def _year_list_span(years: Any) -> tuple[int, int]:
    if isinstance(years, (str, bytes)) or not isinstance(years, Iterable):
        raise WrongTypeError.for_value("years", years, "expected a range of years")
    ys = list(itertools.islice(years, 10_000))
    if not ys or any(isinstance(y, bool) or not isinstance(y, int) for y in ys):
        raise WrongTypeError.for_value("years", years, "expected a non-empty range of years")
    if len(ys) > 9_998:
        raise InvalidCalendarError.for_value("years", years, "expected at most 400 years")
    ys.sort()
    if ys[-1] - ys[0] + 1 != len(ys) or len(set(ys)) != len(ys):
        raise InvalidCalendarError.for_value("years", years, "expected consecutive years")
    return (ys[0], ys[-1])


def _date_range(start: Any, end: Any) -> tuple[date, date]:
    s = _date_value(start, "start")
    e = _date_value(end, "end")
    if e < s:
        raise InvalidCalendarError.for_value("end", e, f"is before start={s!r}")
    return s, e


def _check_calendar(value: Any, argument: str) -> None:
    if not isinstance(value, BusinessCalendar):
        raise WrongTypeError.for_value(argument, value, "expected a BusinessCalendar")


def check_roll(value: Any, *, delta: bool = False) -> str:
    """Validate a ``roll=`` argument (delta schedules take ``skip`` and ``span`` only)."""
    if not isinstance(value, str) or value not in ROLLS:
        raise InvalidCalendarError.for_value("roll", value, f"expected one of {', '.join(ROLLS)}")
    if delta and value not in ("skip", "span"):
        raise InvalidCalendarError.for_value(
            "roll", value, "delta schedules have no wall-clock grid to roll along; use 'skip' or 'span'"
        )
    return value


def check_calendar(value: Any) -> BusinessCalendar | None:
    """Validate a ``calendar=`` argument."""
    if value is None or isinstance(value, BusinessCalendar):
        return value
    raise WrongTypeError.for_value("calendar", value, "expected a BusinessCalendar or None")


def _offset_run(tz: tzinfo, t: datetime) -> tuple[timedelta, datetime]:
    """The UTC offset of *tz* at *t*, and an instant before which it holds (at least *t*
    itself, so a zone whose rules cannot be read is simply asked again at each tick)."""
    off = t.astimezone(tz).utcoffset()
    assert off is not None
    until = min(t + _YEAR, _RULES_END) if t < _RULES_END else t
    if until <= t:  # past what the zone's rules are read for: ask at each tick
        return off, t
    changes = range_changes(tz, t, until)
    if changes is None:
        return off, t
    for instant, _, _ in changes:
        if instant > t:
            return off, instant
    return off, until


# -- the ticker wrapper --------------------------------------------------------------------------------
class CalendarTicker:
    """A schedule's ticker seen through a business calendar and a roll convention.

    Answers the same four questions as the ticker it wraps, on the *kept* ticks; plus
    `interval_end`, the end of the data interval that starts at a kept tick.
    """

    __slots__ = (
        "_months", "_off", "_steady_days", "_tables", "base", "calendar", "cron", "nth", "roll", "tz",
    )

    def __init__(
        self,
        base: Any,
        calendar: BusinessCalendar,
        roll: str,
        tz: tzinfo,
        *,
        cron: bool,
        nth: int | None = None,
    ) -> None:
        self.base = base
        self.calendar = calendar
        self.roll = roll
        self.tz = tz
        self.cron = cron
        self.nth = nth
        self._off = tz.utcoffset(None) if (tz is UTC or isinstance(tz, timezone)) else None
        self._tables: dict[int, dict[date, str]] = {}
        self._months: dict[tuple[int, int], date | None] = {}
        self._steady_days: dict[date, bool] = {}

    # -- days ----------------------------------------------------------------------------------------
    def day_of(self, t: datetime) -> date:
        """The date of instant *t* on the schedule's wall clock."""
        off = self._off
        if off is not None:
            return (t.astimezone(UTC) + off).date()
        return t.astimezone(self.tz).date()

    def excluded(self, d: date) -> bool:
        """Whether no tick is kept on *d* (memoized per year)."""
        table = self._tables.get(d.year)
        if table is None:
            table = self.calendar.year_exclusions(d.year)
            self._tables[d.year] = table
        if d in table:
            return True
        return self.nth is not None and d != self._nth_day(d.year, d.month)

    def reason(self, d: date) -> str | None:
        """Why no tick is kept on *d* (``"weekend"``, a holiday name, ...), or ``None``."""
        why = self.calendar.exclusion(d)
        if why is None and self.excluded(d):
            return f"not business day {self.nth} of the month"
        return why

    def _nth_day(self, year: int, month: int) -> date | None:
        key = (year, month)
        if key in self._months:
            return self._months[key]
        first = date(year, month, 1)
        nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        days = [
            first + timedelta(days=i)
            for i in range((nxt - first).days)
            if (first + timedelta(days=i)) not in self.calendar.year_exclusions(year)
        ]
        n = self.nth
        assert n is not None
        found = days[n - 1] if 0 < n <= len(days) else days[n] if -len(days) <= n < 0 else None
        self._months[key] = found
        return found

    def _next_kept(self, d: date, step: int) -> date | None:
        """The next (*step* 1) or previous (-1) day with ticks kept, None past the ends of
        ``date``."""
        x = d
        one = timedelta(days=step)
        for _ in range(_SKIP_LIMIT):
            try:
                x = x + one
            except OverflowError:
                return None
            if not self.excluded(x):
                return x
        raise NoBusinessDayError.for_value(
            "day", d, f"no business day within {_SKIP_LIMIT} days {'after' if step > 0 else 'before'} it"
        )

    def _start_of(self, d: date) -> datetime:
        """The first instant of day *d* on the schedule's wall clock (the earlier midnight
        when midnight happens twice, the end of the gap when it never happens)."""
        wall = datetime.combine(d, time())
        if self._off is not None:
            return (wall - self._off).replace(tzinfo=UTC)
        return resolve_wall(wall, self.tz, fold="first")[0]

    def first_tick(self, d: date) -> datetime | None:
        """The base schedule's first tick at or after the start of day *d*, as its stream
        has it: the successor of the tick before the day (a wall-clock search from the
        day's first midnight can pass over a tick the schedule puts at its second one)."""
        a = self._start_of(d)
        p = self.base.prev(a)
        u: datetime | None = self.base.next(p) if p is not None else self.base.align_next(a)
        while u is not None and u < a:
            u = self.base.next(u)
        return u

    def last_tick(self, d: date) -> datetime | None:
        """The base schedule's last tick before the start of the day after *d*, as its
        stream has it."""
        b = self._start_of(d + _ONE_DAY)
        u: datetime | None = self.base.prev(b)
        while u is not None:
            n = self.base.next(u)
            if n is None or n >= b:
                break
            u = n
        return u

    def _image(self, u: datetime) -> datetime:
        """Tick *u* moved by the roll (same wall time, rolled day)."""
        d = self.day_of(u)
        if not self.excluded(d):
            return u
        r = self.calendar.roll(d, self.roll)
        if self._off is not None:
            return u.astimezone(UTC) + (r - d)
        wall = u.astimezone(self.tz).replace(tzinfo=None, fold=0)
        if self.cron and not self.base.spec.is_wall_tick(wall):
            # A tick moved out of a DST gap: roll the time the schedule names (02:30),
            # not the time the gap pushed it to (03:30).
            named = self.base.spec.prev_wall(wall)
            if named is not None:
                wall = named
        return resolve_wall(datetime.combine(r, wall.time()), self.tz)[0]

    # -- skip / span -------------------------------------------------------------------------------
    def _forward(self, u: datetime | None) -> datetime | None:
        return self._skip(u, 1)

    def _backward(self, u: datetime | None) -> datetime | None:
        return self._skip(u, -1)

    def _skip(self, u: datetime | None, step: int) -> datetime | None:
        """*u*, or the first base tick on a kept day after (*step* 1) or before (-1) it."""
        first: date | None = None
        while u is not None:
            d = self.day_of(u)
            if not self.excluded(d):
                return u
            if first is None:
                first = d
            elif (d - first).days * step > _SKIP_LIMIT:
                way = "after" if step > 0 else "before"
                raise NoBusinessDayError.for_value(
                    "calendar", self.calendar, f"no business day within {_SKIP_LIMIT} days {way} {first}"
                )
            if self.cron:
                b = self._next_kept(d, step)
                u = None if b is None else self.first_tick(b) if step > 0 else self.last_tick(b)
            else:
                u = self.base.next(u) if step > 0 else self.base.prev(u)
        return None

    # -- rolled ticks --------------------------------------------------------------------------------
    # A rolled schedule keeps every base tick, moved to the business day the roll picks (same
    # wall time).  The images of one day's ticks all land on one day, in the order of the
    # ticks, unless a UTC-offset change falls on either day; so each day is settled with
    # one or two base calls (the first or last tick, or a jump to the tick next to *t*),
    # and only the ticks of a day with an offset change are looked at one by one.
    def _steady(self, d: date) -> bool:
        """Whether the schedule's wall clock keeps one UTC offset through day *d*."""
        if self._off is not None:
            return True
        got = self._steady_days.get(d)
        if got is None:
            a, b = self._start_of(d), self._start_of(d + _ONE_DAY)
            changes = range_changes(self.tz, a - _MARGIN, b + _MARGIN)
            got = not changes if changes is not None else (
                b - a == _ONE_DAY and a.astimezone(self.tz).utcoffset() == b.astimezone(self.tz).utcoffset()
            )
            self._steady_days[d] = got
        return got

    def _shift(self, t: datetime, d: date, td: date) -> timedelta:
        """How far before/after *t* moved to day *d* a tick of *d* may sit and still roll
        back onto *t*'s side (both days steady): the two days' offset difference."""
        if self._off is not None:
            return _ZERO
        a = self._start_of(d).astimezone(self.tz).utcoffset()
        b = self._start_of(td).astimezone(self.tz).utcoffset()
        assert a is not None
        assert b is not None
        return abs(a - b)

    def _rolled_next(self, t: datetime) -> datetime | None:
        td = self.day_of(t)
        d = td
        for _ in range(_ROLL_LIMIT + 1):
            if not self.excluded(d - _ONE_DAY):
                break
            d -= _ONE_DAY
        best: datetime | None = None
        stop: date | None = None  # once a day reaches it, nothing can beat *best*
        while stop is None or d < stop:
            if (d - td).days > _SKIP_LIMIT:
                raise NoBusinessDayError.for_value(
                    "calendar", self.calendar, f"no business day within {_SKIP_LIMIT} days after {td}"
                )
            u = self.first_tick(d)
            if u is None:
                break
            du = self.day_of(u)
            if du != d:  # no tick on d: on to the day of the next one
                d = du if du > d else d + _ONE_DAY
                continue
            found: datetime | None = None
            if not self.excluded(d):  # the ticks stay where they are
                if d == td:
                    u = self.base.next(t)
                    if u is not None and self.day_of(u) == d:
                        found = u
                elif d > td:
                    found = u
            else:
                r = self.calendar.roll(d, self.roll)
                if r >= td:
                    steady = self._steady(d) and self._steady(r)
                    if r > td and steady:  # the day's first tick has its smallest image
                        found = self._image(u)
                    else:
                        if steady:  # skip the ticks whose images are at or before t
                            jump = t + (d - td) - self._shift(t, d, td)
                            if jump > u:
                                u = self.base.align_next(jump)
                        while u is not None and self.day_of(u) == d:
                            img = self._image(u)
                            if img > t and (found is None or img < found):
                                found = img
                                if steady:
                                    break
                            u = self.base.next(u)
            if found is not None and (best is None or found < best):
                best = found
                stop = self.calendar.next_business_day(self.day_of(found), limit=_ROLL_LIMIT + 1)
            d += _ONE_DAY
        return best

    def _rolled_prev(self, t: datetime) -> datetime | None:
        td = self.day_of(t)
        d = td
        for _ in range(_ROLL_LIMIT + 1):
            if not self.excluded(d + _ONE_DAY):
                break
            d += _ONE_DAY
        best: datetime | None = None
        stop: date | None = None
        while stop is None or d > stop:
            if (td - d).days > _SKIP_LIMIT:
                raise NoBusinessDayError.for_value(
                    "calendar", self.calendar, f"no business day within {_SKIP_LIMIT} days before {td}"
                )
            u = self.last_tick(d)
            if u is None:
                break
            du = self.day_of(u)
            if du != d:
                d = du if du < d else d - _ONE_DAY
                continue
            found: datetime | None = None
            if not self.excluded(d):
                if d == td:
                    u = self.base.prev(t)
                    if u is not None and self.day_of(u) == d:
                        found = u
                elif d < td:
                    found = u
            else:
                r = self.calendar.roll(d, self.roll)
                if r <= td:
                    steady = self._steady(d) and self._steady(r)
                    if r < td and steady:  # the day's last tick has its largest image
                        found = self._image(u)
                    else:
                        if steady:
                            jump = t + (d - td) + self._shift(t, d, td)
                            if jump < u:
                                u = self.base.align_prev(jump)
                        while u is not None and self.day_of(u) == d:
                            img = self._image(u)
                            if img < t and (found is None or img > found):
                                found = img
                                if steady:
                                    break
                            u = self.base.prev(u)
            if found is not None and (best is None or found > best):
                best = found
                stop = self.calendar.previous_business_day(self.day_of(found), limit=_ROLL_LIMIT + 1)
            d -= _ONE_DAY
        return best

    # -- the ticker questions ------------------------------------------------------------------------
    def next(self, t: datetime) -> datetime | None:
        """The first kept tick strictly after *t*."""
        if self.roll in ("skip", "span"):
            return self._forward(self.base.next(t))
        return self._rolled_next(t)

    def prev(self, t: datetime) -> datetime | None:
        """The last kept tick strictly before *t*."""
        if self.roll in ("skip", "span"):
            return self._backward(self.base.prev(t))
        return self._rolled_prev(t)

    def align_next(self, t: datetime) -> datetime | None:
        """*t* when it is a kept tick, else the next kept tick."""
        if self.roll in ("skip", "span"):
            return self._forward(self.base.align_next(t))
        return self._rolled_next(t - timedelta(microseconds=1))

    def align_prev(self, t: datetime) -> datetime | None:
        """*t* when it is a kept tick, else the previous kept tick."""
        if self.roll in ("skip", "span"):
            return self._backward(self.base.align_prev(t))
        return self._rolled_prev(t + timedelta(microseconds=1))

    def interval_end(self, start: datetime) -> datetime | None:
        """The end of the data interval starting at kept tick *start*."""
        if self.roll == "skip":
            end: datetime | None = self.base.next(start)
            return end
        return self.next(start)

    def iter_next(self, t: datetime) -> Iterator[tuple[datetime, bool]]:
        """``next(t)``, ``next(next(t))``, ... (regular: the chain advances to each)."""
        if self.roll in ("skip", "span") and hasattr(self.base, "iter_next"):
            yield from self._iter_skip(t)
            return
        x: datetime | None = t
        while True:
            x = self.next(x)  # type: ignore[arg-type]
            if x is None:
                return
            yield x, True

    def _next_year(self, o: int, empty: int) -> tuple[frozenset[int], int, int, int]:
        """`_year_ordinals` for a stream entering the year of ordinal *o*, counting the
        whole years in a row without a business day (*empty* so far): too many of them
        is `NoBusinessDayError`, never an endless stream."""
        excl, lo, hi = self._year_ordinals(o)
        empty = empty + 1 if len(excl) >= hi - lo else 0
        if empty > _SKIP_LIMIT // 366:
            raise NoBusinessDayError.for_value(
                "calendar", self.calendar,
                f"no business day in the {empty} years up to {date.fromordinal(o)}",
            )
        return excl, lo, hi, empty

    def _year_ordinals(self, o: int) -> tuple[frozenset[int], int, int]:
        """The excluded day ordinals of the year holding ordinal *o*, and its ordinal range."""
        year = date.fromordinal(o).year
        lo = date(year, 1, 1).toordinal()
        hi = date(year + 1, 1, 1).toordinal() if year < 9999 else date.max.toordinal() + 1
        if self.nth is None:
            return self.calendar._year_ordinal_set(year), lo, hi
        excluded = self.excluded
        return frozenset(i for i in range(lo, hi) if excluded(date.fromordinal(i))), lo, hi

    def _kept(self, t: datetime) -> Iterator[tuple[datetime, datetime | None, bool]]:
        """Kept ticks after *t* from the base stream: ``(tick, base tick before it or None,
        regular)``; the second item lets ``skip`` pair a kept tick with its own end."""
        base_off = self._off
        off = None if base_off is None or not base_off else base_off
        zoned = base_off is None
        tz = self.tz
        excl: frozenset[int] = frozenset()
        lo = hi = 0
        last_ok: int | None = None
        prev: datetime | None = None
        run_off = _ZERO
        run_end = t  # the offset is known to hold before this instant
        for u, regular in self.base.iter_next(t):
            if zoned:
                if u >= run_end:
                    run_off, run_end = _offset_run(tz, u)
                o = (u + run_off).toordinal()
            elif off is None:
                o = u.toordinal()
            else:
                o = (u + off).toordinal()
            if not lo <= o < hi:
                excl, lo, hi = self._year_ordinals(o)
            if o in excl:
                if last_ok is None:
                    last_ok = o
                elif o - last_ok > _SKIP_LIMIT:
                    raise NoBusinessDayError.for_value(
                        "calendar", self.calendar,
                        f"no business day within {_SKIP_LIMIT} days after {date.fromordinal(last_ok)}",
                    )
                prev = u
                continue
            last_ok = o
            yield u, prev, regular
            prev = u

    def _iter_skip(self, t: datetime) -> Iterator[tuple[datetime, bool]]:
        for u, _, regular in self._kept(t):
            yield u, regular

    def _daily_shape(self, *, zoned: bool = False) -> bool:
        """A cron with the same wall times every day, in a fixed-offset zone (or, with
        *zoned*, in a zone whose offset changes can be read)."""
        base = self.base
        if not (self.cron and self.nth is None and base.spec.kind == "daily" and base.spec.tods):
            return False
        if not zoned:
            return self._off is not None and bool(base.streams)
        return self._off is None and _offset_run(self.tz, _Y2K)[1] > _Y2K

    def _zoned_daily_pairs(
        self, k: datetime, latest: datetime | None, make: Callable[[datetime, datetime], Any]
    ) -> Iterator[Any]:
        """`pairs` for a daily shape in a DST zone: on a business day that keeps one UTC
        offset the ticks are its wall times at that offset; a day with an offset change
        takes its ticks (and a ``skip`` interval its end) from the base schedule."""
        tz, base = self.tz, self.base
        tods: tuple[timedelta, ...] = base.spec.tod_deltas
        span = self.roll == "span"
        pending: datetime | None = None
        run_off, run_start, run_end = _ZERO, k, k  # an offset, and where it is known to hold
        o = first_o = self.day_of(k).toordinal()
        excl, _, hi = self._year_ordinals(o)
        empty = 0
        try:
            while True:
                if o > _MAX_ORDINAL:
                    return
                if o >= hi:
                    excl, _, hi, empty = self._next_year(o, empty)
                if o not in excl:
                    d = date.fromordinal(o)
                    if d.year >= 9999:
                        k2 = (pending if pending is not None
                              else self.align_next(max(k, self._start_of(d))))
                        if k2 is not None:
                            yield from self._pairs(k2, latest, make)
                        return
                    # Midnight at the offset in hand; it holds from run_start to run_end.
                    local = datetime(d.year, d.month, d.day, tzinfo=UTC) - run_off
                    if not run_start <= local < run_end:
                        run_start = self._start_of(d)
                        run_off, run_end = _offset_run(tz, run_start)
                        local = datetime(d.year, d.month, d.day, tzinfo=UTC) - run_off
                    if run_start <= local and local + _DAYS[2] <= run_end:
                        # one offset through today and tomorrow: the wall times, shifted
                        ticks = [local + t for t in tods]
                        ends = (*ticks[1:], local + _ONE_DAY + tods[0])
                    else:  # an offset change near: the base schedule says
                        nxt = self._start_of(d + _ONE_DAY)
                        ticks, ends_l = [], []
                        u = k if o == first_o else self.first_tick(d)  # as a stream from k
                        while u is not None and u < nxt:
                            ticks.append(u)
                            ends_l.append(base.next(u))
                            u = ends_l[-1]
                        ends = tuple(ends_l)
                    for i, start in enumerate(ticks):
                        if start < k:
                            continue
                        if span:
                            if pending is not None:
                                yield make(pending, start)
                            if latest is not None and start > latest:
                                return
                            pending = start
                        elif latest is not None and start > latest:
                            return
                        else:
                            end = ends[i]
                            if end is None:
                                return
                            yield make(start, end)
                o += 1
        except OverflowError:
            return

    def _daily_pairs(
        self, k: datetime, latest: datetime | None, make: Callable[[datetime, datetime], Any]
    ) -> Iterator[Any]:
        """`pairs` for a daily shape, by day arithmetic: the business days' wall times, one
        excluded-day table per year; a ``skip`` interval ends at the next wall time, a
        ``span`` interval at the next kept one."""
        off = self._off
        assert off is not None
        spec = self.base.spec
        tods: tuple[timedelta, ...] = spec.tod_deltas
        n = len(tods)
        wall = (k.astimezone(UTC) + off).replace(tzinfo=None)
        day = wall.date()
        if day.year >= 9999:  # near datetime's end the base stream decides the edge
            yield from self._pairs(k, latest, make)
            return
        j = bisect_left(spec.tods, wall.hour * 3600 + wall.minute * 60 + wall.second)
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) - off
        o = day.toordinal()
        excl, _, hi = self._year_ordinals(o)
        span = self.roll == "span"
        ends = (*tods[1:], tods[0] + _ONE_DAY)  # a skip interval's end, from its midnight
        pending: datetime | None = None  # span: a kept start waiting for its end
        empty = 0
        days = _DAYS
        mids: list[datetime] = [midnight]  # the first day is a business day (k is kept)
        o += 1
        try:
            while True:
                for m in mids:
                    if n == 1 and not span:  # the common shape, without the inner loop
                        start = m + tods[0]
                        if latest is not None and start > latest:
                            return
                        yield make(start, m + ends[0])
                        continue
                    for i in range(j, n):
                        start = m + tods[i]
                        if span:
                            if pending is not None:
                                yield make(pending, start)
                            if latest is not None and start > latest:
                                return
                            pending = start
                        elif latest is None or start <= latest:
                            yield make(start, m + ends[i])
                        else:
                            return
                    j = 0
                j = 0
                # The business days' midnights from day o to the end of its year, at once.
                if o >= hi:
                    excl, _, hi, empty = self._next_year(o, empty)
                base = midnight + days[o - day.toordinal()] if o - day.toordinal() < 367 else None
                if base is None:  # a whole year on: re-anchor at day o
                    d = date.fromordinal(o)
                    base = datetime(d.year, d.month, d.day, tzinfo=UTC) - off
                day, midnight = date.fromordinal(o), base
                if day.year >= 9999:  # near datetime's end the base stream decides the edge
                    k2 = pending if pending is not None else self.align_next(max(k, midnight))
                    if k2 is not None:
                        yield from self._pairs(k2, latest, make)
                    return
                mids = [midnight + days[x - o] for x in range(o, hi) if x not in excl]
                o = hi
        except OverflowError:
            return

    def pairs(
        self,
        t: datetime,
        latest: datetime | None = None,
        make: Callable[[datetime, datetime], Any] = lambda s, e: (s, e),
    ) -> Iterator[Any]:
        """``make(start, end)`` for each data interval from the first kept tick at or after
        *t*, while ``start <= latest`` (when given)."""
        k = self.align_next(t)
        if k is None:
            return iter(())
        if self.roll in ("skip", "span") and self._daily_shape():
            return self._daily_pairs(k, latest, make)
        if self.roll in ("skip", "span") and self._daily_shape(zoned=True):
            return self._zoned_daily_pairs(k, latest, make)
        return self._pairs(k, latest, make)

    def _pairs(
        self, k: datetime, latest: datetime | None, make: Callable[[datetime, datetime], Any]
    ) -> Iterator[Any]:
        if self.roll in ("skip", "span") and hasattr(self.base, "iter_next"):
            s = k
            if self.roll == "span":
                for u, _, _ in self._kept(k):
                    if latest is not None and s > latest:
                        return
                    yield make(s, u)
                    s = u
                return
            # skip: each kept tick's interval ends at the base tick right after it,
            # which is simply the next item of the base stream, kept or not.
            base_off = self._off
            off = None if base_off is None or not base_off else base_off
            zoned = base_off is None
            tz = self.tz
            excl: frozenset[int] = frozenset()
            lo = hi = 0
            keep = True
            empty_years = 0
            run_off = _ZERO
            run_end = k  # the offset is known to hold before this instant
            for e, _ in self.base.iter_next(k):
                if keep:
                    if latest is not None and s > latest:
                        return
                    yield make(s, e)
                s = e
                if off is None and not zoned:
                    o = e.toordinal()
                elif zoned:
                    if e >= run_end:
                        run_off, run_end = _offset_run(tz, e)
                    o = (e + run_off).toordinal()
                else:
                    o = (e + off).toordinal()
                if o >= hi or o < lo:
                    excl, lo, hi, empty_years = self._next_year(o, empty_years)
                keep = o not in excl
            return
        x: datetime | None = k
        while x is not None:
            if latest is not None and x > latest:
                return
            e = self.interval_end(x)
            if e is None:
                return
            yield make(x, e)
            x = e if self.roll != "skip" else self.next(x)
