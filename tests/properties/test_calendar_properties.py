"""Business calendars: the laws every calendar, roll and calendar-aware schedule keeps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import islice, pairwise
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from timetable import (
    BusinessCalendar,
    CronDataIntervals,
    CronTrigger,
    DeltaDataIntervals,
    DeltaTrigger,
    TimeRestriction,
    count_intervals,
    infer_manual_interval,
    iter_run_infos,
    next_run_info,
    nth_interval,
)
from timetable.errors import InvalidCalendarError, NoBusinessDayError
from timetable.serialization import from_dict, to_dict
from timetable.strategies import (
    aware_datetimes,
    business_calendars,
    cron_expressions,
    fixed_stride_crons,
    rolls,
    timezones,
)

ZONES = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "America/Sao_Paulo",
    "Pacific/Chatham",
)
zones = timezones(zones=ZONES)
instants = aware_datetimes(
    min_value=datetime(2000, 1, 1, tzinfo=UTC),
    max_value=datetime(2035, 1, 1, tzinfo=UTC),
    timezones=zones,
)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2035, 12, 31))
SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EVERYDAY = BusinessCalendar(weekmask="1111111")
SCHEDULE_CRONS = st.sampled_from(
    ["@daily", "0 9 * * *", "30 2 * * *", "0 */6 * * *", "0 6 1 * *", "0 18 L * *", "15 10 * * 1,3,5"]
)


def _first(tt: Any, start: datetime, n: int) -> list[Any]:
    try:
        return list(islice(iter_run_infos(tt, start=start, end=None, now=start), n))
    except NoBusinessDayError:
        assume(False)
        raise


# -- calendars ------------------------------------------------------------------------------------
@SETTINGS
@given(cal=business_calendars(), day=days)
def test_roll_laws(cal: BusinessCalendar, day: date) -> None:
    """following never earlier, preceding never later, modified stays in the month;
    every roll lands on a business day and leaves a business day alone."""
    for convention in ("following", "preceding", "modified_following", "modified_preceding"):
        try:
            rolled = cal.roll(day, convention)
        except NoBusinessDayError:
            continue
        assert cal.is_business_day(rolled)
        assert cal.roll(rolled, convention) == rolled
        if cal.is_business_day(day):
            assert rolled == day
        if convention == "following":
            assert rolled >= day
        elif convention == "preceding":
            assert rolled <= day
        else:
            assert (rolled.year, rolled.month) == (day.year, day.month)
            try:
                plain = cal.roll(day, convention.removeprefix("modified_"))
            except NoBusinessDayError:
                continue
            if plain.month == day.month:  # the modified roll only differs across months
                assert rolled == plain


@SETTINGS
@given(cal=business_calendars(), day=days, span=st.integers(0, 800))
def test_counting_business_days_equals_walking(cal: BusinessCalendar, day: date, span: int) -> None:
    end = day + timedelta(days=span)
    assert cal.count_business_days(day, end) == sum(1 for _ in cal.business_days(day, end))
    excluded = cal.excluded_days(day, end)
    assert len(excluded) + cal.count_business_days(day, end) == span + 1
    assert all(isinstance(why, str) and why for _, why in excluded)


@SETTINGS
@given(a=business_calendars(), b=business_calendars(), day=days)
def test_set_algebra_is_set_algebra_on_excluded_days(
    a: BusinessCalendar, b: BusinessCalendar, day: date
) -> None:
    xa, xb = not a.is_business_day(day), not b.is_business_day(day)
    try:
        union = a | b
    except InvalidCalendarError:  # no business day left at all
        union = None
    if union is not None:
        assert (not union.is_business_day(day)) == (xa or xb)
    assert (not (a & b).is_business_day(day)) == (xa and xb)
    assert (not (a - b).is_business_day(day)) == (xa and not xb)


@SETTINGS
@given(cal=business_calendars())
def test_calendars_round_trip(cal: BusinessCalendar) -> None:
    back = from_dict(to_dict(cal))
    assert back == cal
    assert hash(back) == hash(cal)


# -- schedules -------------------------------------------------------------------------------------
@SETTINGS
@given(cron=SCHEDULE_CRONS, zone=zones, cal=business_calendars(), roll=rolls(), start=instants,
       data=st.booleans())
def test_every_tick_is_a_business_day(
    cron: str, zone: str, cal: BusinessCalendar, roll: str, start: datetime, data: bool
) -> None:
    """Each run's tick (logical date of data intervals, run_after of triggers) falls on a
    business day in the schedule's zone; runs strictly increase; serialization round-trips."""
    kind = CronDataIntervals if data else CronTrigger
    tt = kind(cron=cron, timezone=zone, calendar=cal, roll=roll)
    runs = _first(tt, start, 12)
    ticker = tt.ticker
    for r in runs:
        tick = r.logical_date if data else r.run_after
        assert cal.is_business_day(ticker.day_of(tick))
        assert r.data_interval.start <= r.data_interval.end
    keys = [r.logical_date for r in runs]
    assert keys == sorted(set(keys))
    if data and roll != "skip":  # every roll but skip keeps intervals contiguous
        for a, b in pairwise(runs):
            assert a.data_interval.end == b.data_interval.start
    assert from_dict(to_dict(tt)) == tt


@SETTINGS
@given(cron=cron_expressions(), zone=zones, start=instants, roll=st.sampled_from(["skip", "span"]),
       now=instants, data=st.booleans())
def test_a_calendar_that_excludes_nothing_changes_nothing(
    cron: str, zone: str, start: datetime, roll: str, now: datetime, data: bool
) -> None:
    """With every day a business day, the calendar path gives today's answers exactly:
    the run stream, next_run_info with and without catchup, and manual intervals."""
    kind = CronDataIntervals if data else CronTrigger
    plain = kind(cron=cron, timezone=zone)
    cal = kind(cron=cron, timezone=zone, calendar=EVERYDAY, roll=roll)
    assert _first(cal, start, 8) == _first(plain, start, 8)
    for catchup in (True, False):
        restriction = TimeRestriction(earliest=start, catchup=catchup)
        assert next_run_info(cal, last_interval=None, restriction=restriction, now=now) == next_run_info(
            plain, last_interval=None, restriction=restriction, now=now
        )
    if data:
        assert infer_manual_interval(cal, run_after=now) == infer_manual_interval(plain, run_after=now)


@SETTINGS
@given(delta=st.sampled_from([timedelta(hours=6), timedelta(days=1), timedelta(hours=30)]),
       cal=business_calendars(), roll=rolls(delta=True), start=instants, data=st.booleans())
def test_delta_ticks_stay_on_the_grid_and_on_business_days(
    delta: timedelta, cal: BusinessCalendar, roll: str, start: datetime, data: bool
) -> None:
    kind = DeltaDataIntervals if data else DeltaTrigger
    tt = kind(delta=delta, calendar=cal, roll=roll)
    runs = _first(tt, start, 10)
    for r in runs:
        tick = r.logical_date if data else r.run_after
        assert (tick - start) % delta == timedelta(0)
        assert cal.is_business_day(tick.astimezone(UTC).date())


@SETTINGS
@given(cron=fixed_stride_crons(), zone=zones, cal=business_calendars(), roll=rolls(), start=instants,
       span=st.sampled_from([timedelta(hours=5), timedelta(days=3), timedelta(days=40)]),
       data=st.booleans())
def test_fast_counts_equal_stream_counts(
    cron: str, zone: str, cal: BusinessCalendar, roll: str, start: datetime, span: timedelta,
    data: bool,
) -> None:
    """count_intervals / nth_interval (day arithmetic where the shape allows) agree with
    the run stream, in six zones with generated calendars."""
    kind = CronDataIntervals if data else CronTrigger
    tt = kind(cron=cron, timezone=zone, calendar=cal, roll=roll)
    end = start + span
    try:
        runs = list(iter_run_infos(tt, start=start, end=end, now=end))
        assert count_intervals(tt, start=start, end=end) == len(runs)
        for n in {0, len(runs) // 2, len(runs) - 1}:
            if 0 <= n < len(runs):
                assert nth_interval(tt, start=start, n=n) == runs[n]
    except NoBusinessDayError:
        assume(False)


@SETTINGS
@given(cron=fixed_stride_crons(), zone=st.sampled_from(["UTC", "+05:30", "-03:00"]),
       cal=business_calendars(), start=instants, days_=st.integers(0, 400))
def test_fast_counts_on_the_day_arithmetic_path(
    cron: str, zone: str, cal: BusinessCalendar, start: datetime, days_: int
) -> None:
    """The day-arithmetic path itself (fixed-offset zones) over spans of up to 400 days."""
    tt = CronTrigger(cron=cron, timezone=zone, calendar=cal)
    end = start + timedelta(days=days_, hours=7)
    try:
        runs = sum(1 for _ in iter_run_infos(tt, start=start, end=end, now=end))
    except NoBusinessDayError:
        assume(False)
    assert count_intervals(tt, start=start, end=end) == runs
