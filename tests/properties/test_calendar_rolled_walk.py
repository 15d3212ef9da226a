"""The rolled-tick search settles a day in a few base calls; the tick-by-tick walk it
replaced is kept here as the reference, and both must find the same tick."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from timetable import BusinessCalendar, CronTrigger, count_intervals, iter_run_infos
from timetable._calendar import CalendarTicker
from timetable.errors import CalendarRangeError, NoBusinessDayError
from timetable.strategies import aware_datetimes, business_calendars, fixed_stride_crons, timezones

ROLLED = ("following", "preceding", "modified_following", "modified_preceding")
ZONES = ("UTC", "+05:30", "Europe/Berlin", "America/Sao_Paulo", "Australia/Lord_Howe",
         "Pacific/Apia", "America/Havana")
ONE_DAY = timedelta(days=1)


def _own(tk: CalendarTicker, t: datetime, step: int) -> tuple[date, datetime | None]:
    """*t*'s day, and on a business day the base schedule's own next (or previous) tick
    when it falls on that day.  Where a DST gap pushed a tick past the gap (02:30 to
    03:30), the base schedule's ``next`` from inside the gap's shadow (03:00) is the next
    day's tick, as in Airflow: the rolled schedule keeps that answer for its business
    days, so the walk takes the day's own ticks from it, not from the stream."""
    td = tk.day_of(t)
    if tk.excluded(td):
        return td, None
    u = tk.base.next(t) if step > 0 else tk.base.prev(t)
    return td, u if u is not None and tk.day_of(u) == td else None


def _walk_next(tk: CalendarTicker, t: datetime) -> datetime | None:
    """Every base tick from the excluded days before *t* on, until none can win."""
    td, own = _own(tk, t, 1)
    lo = tk.day_of(t)
    for _ in range(32):
        if not tk.excluded(lo - ONE_DAY):
            break
        lo -= ONE_DAY
    best: datetime | None = None
    stop: date | None = None
    u = tk.first_tick(lo)
    while u is not None:
        if stop is not None and tk.day_of(u) >= stop:
            break
        img = own if tk.day_of(u) == td and not tk.excluded(td) else tk._image(u)
        if img is not None and img > t and (best is None or img < best):
            best = img
            stop = tk.calendar.next_business_day(tk.day_of(img), limit=32)
        u = tk.base.next(u)
    return best


def _walk_prev(tk: CalendarTicker, t: datetime) -> datetime | None:
    td, own = _own(tk, t, -1)
    hi = tk.day_of(t)
    for _ in range(32):
        if not tk.excluded(hi + ONE_DAY):
            break
        hi += ONE_DAY
    best: datetime | None = None
    stop: date | None = None
    u = tk.last_tick(hi)
    while u is not None:
        if stop is not None and tk.day_of(u) <= stop:
            break
        img = own if tk.day_of(u) == td and not tk.excluded(td) else tk._image(u)
        if img is not None and img < t and (best is None or img > best):
            best = img
            stop = tk.calendar.previous_business_day(tk.day_of(img), limit=32)
        u = tk.base.prev(u)
    return best


def _ticker(cron: str, zone: str, cal: BusinessCalendar, roll: str) -> Any:
    return CronTrigger(cron=cron, timezone=zone, calendar=cal, roll=roll).ticker


crons = st.one_of(
    fixed_stride_crons(),
    st.sampled_from(["30 2 * * *", "0 0 L * *", "15 3 * * 1#2", "0 1 * * 0", "45 23 * * 5"]),
)
near_changes = st.sampled_from([
    datetime(2024, 3, 31, 0, 30, tzinfo=UTC), datetime(2024, 10, 27, 0, 45, tzinfo=UTC),
    datetime(2011, 12, 29, 10, 0, tzinfo=UTC), datetime(2024, 4, 6, 15, 10, tzinfo=UTC),
    datetime(2019, 11, 3, 2, 55, tzinfo=UTC),
])
instants = st.one_of(
    aware_datetimes(min_value=datetime(2000, 1, 1, tzinfo=UTC),
                    max_value=datetime(2035, 1, 1, tzinfo=UTC)),
    st.tuples(near_changes, st.integers(-4 * 24 * 60, 4 * 24 * 60)).map(
        lambda p: p[0] + timedelta(minutes=p[1])),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cron=crons, zone=timezones(zones=ZONES), cal=business_calendars(min_year=1999),
       roll=st.sampled_from(ROLLED), t=instants)
def test_rolled_search_equals_the_tick_by_tick_walk(
    cron: str, zone: str, cal: BusinessCalendar, roll: str, t: datetime
) -> None:
    tk = _ticker(cron, zone, cal, roll)
    try:
        want_next, want_prev = _walk_next(tk, t), _walk_prev(tk, t)
    except NoBusinessDayError:
        assume(False)
    assert tk.next(t) == want_next
    assert tk.prev(t) == want_prev


@pytest.mark.parametrize("roll", ROLLED)
@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin"])
def test_a_minutely_rolled_schedule_over_long_weekends_streams(zone: str, roll: str) -> None:
    """Two business days a week and a tick every five minutes: the search settles each
    excluded day in a few base calls (the walk looked at all 1,440 of their ticks for
    every run), so a week streams and counts - and agrees with counting."""
    cal = BusinessCalendar(weekmask="1000001")
    tt = CronTrigger(cron="*/5 * * * *", timezone=zone, calendar=cal, roll=roll)
    start = datetime(2024, 3, 1, tzinfo=UTC)
    end = start + timedelta(days=7)
    runs = list(iter_run_infos(tt, start=start, end=end, now=end))
    assert count_intervals(tt, start=start, end=end) == len(runs)
    after = [r.run_after for r in runs]
    assert after == sorted(set(after))
    assert all(cal.is_business_day(a.astimezone(tt.ticker.tz).date()) for a in after)


def test_a_day_that_begins_twice_is_walked_once() -> None:
    """Havana sets its clocks back from 01:00 to 00:00, so its 3 November 2024 begins
    twice; the search starts that day at its first midnight and never walks back and
    forth between it and the day before (it used to, forever)."""
    from zoneinfo import ZoneInfo

    havana = ZoneInfo("America/Havana")
    cal = BusinessCalendar(weekmask="1111111", holidays=[date(2024, 11, 3)])
    tk = _ticker("*/30 * * * *", "America/Havana", cal, "following")
    t = datetime(2024, 11, 4, tzinfo=havana)
    assert tk.prev(t) == datetime(2024, 11, 2, 23, 30, tzinfo=havana)
    # the ticks of the holiday - both passes of 00:00-01:00 - roll onto 4 November
    assert tk.next(t) == datetime(2024, 11, 4, 0, 30, tzinfo=havana)
    assert tk._start_of(date(2024, 11, 3)) == datetime(2024, 11, 3, 4, 0, tzinfo=UTC)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cron=fixed_stride_crons(), zone=timezones(zones=ZONES), cal=business_calendars(min_year=1999),
       roll=st.sampled_from(("skip", "span", *ROLLED)), start=instants,
       days=st.integers(0, 70), hours=st.integers(0, 23), data=st.booleans())
def test_day_arithmetic_counts_agree_with_the_stream_across_offset_changes(
    cron: str, zone: str, cal: BusinessCalendar, roll: str, start: datetime, days: int,
    hours: int, data: bool,
) -> None:
    """The day-arithmetic count (a business day the cron fires on holds its wall times;
    the days with an offset change, and the days their ticks roll onto, are counted tick by
    tick) is the stream's count, and it is the path taken, in fixed-offset and DST zones
    alike: for every-day crons under every roll, for weekday and day-of-month crons under
    skip and span."""
    from timetable import CronDataIntervals, nth_interval
    from timetable._index import _calendar_count

    kind = CronDataIntervals if data else CronTrigger
    tt = kind(cron=cron, timezone=zone, calendar=cal, roll=roll)
    end = start + timedelta(days=days, hours=hours)
    try:
        runs = list(iter_run_infos(tt, start=start, end=end, now=end))
        fast = _calendar_count(tt, start, end)
    except NoBusinessDayError:
        assume(False)
    shape = tt.ticker.base.spec.kind
    if shape == "daily" or (shape is not None and roll in ("skip", "span")):
        assert fast is not None or (zone == "Pacific/Apia" and roll not in ("skip", "span"))
    if fast is not None:
        assert fast == len(runs)
    for n in {0, len(runs) // 3, len(runs) - 1}:
        if 0 <= n < len(runs):
            assert nth_interval(tt, start=start, n=n) == runs[n]


def test_a_tick_pushed_out_of_a_dst_gap_rolls_at_its_named_time() -> None:
    """Berlin's clocks skip 02:00-03:00 on Sunday 31 March 2024, so that day's 02:30 tick
    happens at 03:30; rolled onto Monday it keeps the time the schedule names, 02:30, and
    merges with Monday's own run instead of adding a second one at 03:30."""
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    tt = CronTrigger(cron="30 2 * * *", timezone="Europe/Berlin",
                     calendar=BusinessCalendar(), roll="following")
    start = datetime(2024, 3, 29, tzinfo=berlin)
    runs = [r.run_after for r in iter_run_infos(tt, start=start, end=start + timedelta(days=5),
                                               now=start + timedelta(days=5))]
    assert runs == [datetime(2024, 3, d, 2, 30, tzinfo=berlin) for d in (29,)] + [
        datetime(2024, 4, 1, 2, 30, tzinfo=berlin), datetime(2024, 4, 2, 2, 30, tzinfo=berlin)]
    assert count_intervals(tt, start=start, end=start + timedelta(days=5)) == 3


far_instants = st.one_of(
    instants,
    aware_datetimes(min_value=datetime(9998, 6, 1, tzinfo=UTC),
                    max_value=datetime(9999, 12, 31, tzinfo=UTC)),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cron=fixed_stride_crons(),
       zone=st.sampled_from(["UTC", "+05:30", "-03:00", "+14:00", *ZONES[2:]]),
       cal=business_calendars(min_year=1999), roll=st.sampled_from(["skip", "span"]),
       start=far_instants, days=st.integers(0, 800), bounded=st.booleans())
def test_daily_shapes_by_day_arithmetic_equal_the_base_stream(
    cron: str, zone: str, cal: BusinessCalendar, roll: str, start: datetime, days: int,
    bounded: bool,
) -> None:
    """Business-day intervals of a daily-shaped cron by day arithmetic (a year of
    midnights at a time in a fixed-offset zone; the days that keep one offset in a DST
    zone) equal the intervals read off the base schedule's stream (skip: each kept tick to
    the next base tick; span: to the next kept tick)."""
    from itertools import islice

    tk = _ticker(cron, zone, cal, roll)
    zoned = tk._daily_shape(zoned=True)
    assume(tk._daily_shape() or zoned)
    by_days = tk._zoned_daily_pairs if zoned else tk._daily_pairs
    try:
        latest = start + timedelta(days=days) if bounded else None
    except OverflowError:
        latest = None
    try:
        k = tk.align_next(start)
        if k is None:
            return
        fast = list(islice(by_days(k, latest, lambda s, e: (s, e)), 3000))
        slow = list(islice(tk._pairs(k, latest, lambda s, e: (s, e)), 3000))
    except (NoBusinessDayError, CalendarRangeError):
        assume(False)
    assert fast == slow


@pytest.mark.parametrize("roll", ROLLED)
def test_a_business_day_keeps_the_base_next_inside_a_gaps_shadow(roll: str) -> None:
    """Berlin, 26 March 2000 (a Sunday, a business day here): 02:30 does not exist and
    runs at 03:30 CEST.  From 03:00 CEST the base schedule's next run is the next day's
    02:30, as Airflow's; the rolled schedule answers the same on its business days."""
    cal = BusinessCalendar(weekmask="1111011")  # Fridays off
    tk = _ticker("30 2 * * *", "Europe/Berlin", cal, roll)
    t = datetime(2000, 3, 26, 1, 0, tzinfo=UTC)  # 03:00 CEST, just after the jump
    assert tk.next(t) == tk.base.next(t) == datetime(2000, 3, 27, 0, 30, tzinfo=UTC)
    assert _walk_next(tk, t) == tk.next(t)
