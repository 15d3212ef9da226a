"""Unit tests for interval indexing (``timetable._index``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from dateutil.relativedelta import relativedelta

from timetable import (
    Continuous,
    CronDataIntervals,
    CronTrigger,
    DeltaDataIntervals,
    DeltaTrigger,
    Events,
    Never,
    Once,
)
from timetable._index import (
    _max_runs,
    count_intervals,
    interval_containing,
    iter_intervals,
    nth_interval,
)
from timetable._tz import get_zone
from timetable._zonetable import year_changes
from timetable.errors import (
    InvalidArgumentError,
    InvalidIntervalError,
    NaiveDatetimeError,
    WrongTypeError,
)

S = datetime(2014, 1, 1, tzinfo=UTC)
E = datetime(2024, 1, 1, tzinfo=UTC)


def test_ten_years_of_minutes_by_arithmetic() -> None:
    minutes = int((E - S).total_seconds() // 60) + 1
    assert count_intervals(CronDataIntervals(cron="* * * * *"), start=S, end=E) == minutes
    # Berlin's offsets are whole hours: minutely ticks stay on the UTC grid.
    berlin = CronDataIntervals(cron="* * * * *", timezone="Europe/Berlin")
    assert count_intervals(berlin, start=S, end=E) == minutes


def test_daily_in_berlin_counts_every_local_day() -> None:
    tt = CronDataIntervals(cron="30 2 * * *", timezone="Europe/Berlin")
    assert count_intervals(tt, start=S, end=E) == 3652


def test_nth_and_containment() -> None:
    tt = CronTrigger(cron="@hourly")
    run = nth_interval(tt, start=S, n=24 * 365)
    assert run is not None
    assert run.run_after == datetime(2015, 1, 1, tzinfo=UTC)
    assert nth_interval(tt, start=S, n=0) is not None
    daily = CronDataIntervals(cron="@daily", timezone="America/New_York")
    got = interval_containing(daily, datetime(2024, 3, 10, 12, tzinfo=UTC))
    assert got is not None
    assert got.data_interval.start == datetime(2024, 3, 10, 5, tzinfo=UTC)
    assert got.data_interval.end == datetime(2024, 3, 11, 4, tzinfo=UTC)


def test_deltas_calendar_and_fixed() -> None:
    tt = DeltaDataIntervals(delta=timedelta(days=1))
    assert count_intervals(tt, start=S, end=S + timedelta(days=10)) == 11
    monthly = DeltaDataIntervals(delta=relativedelta(months=1))
    jan31 = datetime(2024, 1, 31, tzinfo=UTC)
    run = nth_interval(monthly, start=jan31, n=2)
    assert run is not None
    assert run.logical_date == datetime(2024, 3, 29, tzinfo=UTC)
    with pytest.raises(InvalidArgumentError):
        interval_containing(tt, S)  # a delta grid needs a start
    assert interval_containing(tt, S + timedelta(hours=30), start=S) == nth_interval(tt, start=S, n=1)


def test_non_periodic_kinds_walk() -> None:
    assert count_intervals(Never(), start=S, end=E) == 0
    assert count_intervals(Once(), start=S, end=E) == 1
    events = Events(event_dates=[S, S + timedelta(days=1), E + timedelta(days=1)])
    assert count_intervals(events, start=S, end=E) == 2
    assert list(iter_intervals(events, start=S, end=E)) == [(S, S), (S + timedelta(days=1),) * 2]
    assert count_intervals(Continuous(), start=S, end=E, now=S) == 1


def test_argument_errors() -> None:
    tt = CronDataIntervals(cron="@daily")
    with pytest.raises(InvalidIntervalError):
        count_intervals(tt, start=E, end=S)
    with pytest.raises(NaiveDatetimeError):
        count_intervals(tt, start=datetime(2024, 1, 1), end=E)
    with pytest.raises(InvalidArgumentError):
        nth_interval(tt, start=S, n=-1)
    with pytest.raises(WrongTypeError):
        nth_interval(tt, start=S, n=1.5)  # type: ignore[arg-type]
    with pytest.raises(WrongTypeError):
        count_intervals("@daily", start=S, end=E)  # type: ignore[arg-type]


def test_before_the_first_run() -> None:
    tt = CronDataIntervals(cron="0 0 1 * *")
    assert count_intervals(tt, start=datetime(2024, 1, 2, tzinfo=UTC),
                           end=datetime(2024, 1, 31, tzinfo=UTC)) == 0
    assert interval_containing(tt, datetime(2024, 1, 5, tzinfo=UTC),
                               start=datetime(2024, 1, 2, tzinfo=UTC)) is None


# -- the ends of the calendar and the zone's rules ----------------------------------------------
SAO_PAULO_DAILY = CronDataIntervals(cron="0 2 * * *", timezone="America/Sao_Paulo")


def test_containment_at_year_9999_by_arithmetic() -> None:
    """The last daily interval of the calendar, from a start 8,000 years earlier."""
    found = interval_containing(
        SAO_PAULO_DAILY, datetime(9999, 12, 31, tzinfo=UTC), start=datetime(1990, 1, 1, tzinfo=UTC)
    )
    assert found is not None
    # Sao Paulo has kept -03:00 since 2019: 02:00 local is 05:00 UTC.
    assert found.data_interval.start == datetime(9999, 12, 30, 5, tzinfo=UTC)
    assert found.data_interval.end == datetime(9999, 12, 31, 5, tzinfo=UTC)
    # The same answer as counting: the run before it is number count - 2.
    start = datetime(9990, 1, 1, tzinfo=UTC)
    n = count_intervals(SAO_PAULO_DAILY, start=start, end=datetime(9999, 12, 30, 5, tzinfo=UTC))
    assert nth_interval(SAO_PAULO_DAILY, start=start, n=n - 1) == found


@pytest.mark.parametrize(
    "tt",
    [
        SAO_PAULO_DAILY,
        CronTrigger(cron="@hourly"),
        CronDataIntervals(cron="*/5 * * * *", timezone="Europe/Berlin"),
        CronDataIntervals(cron="15 3 * * 1#2"),
        DeltaDataIntervals(delta=timedelta(days=1)),
        DeltaDataIntervals(delta=relativedelta(months=1)),
    ],
    ids=repr,
)
def test_n_beyond_the_calendar_is_refused(tt: object) -> None:
    """``n`` past every run up to year 9999 is a typed error, not a walk to the end."""
    with pytest.raises(InvalidArgumentError, match="representable range") as err:
        nth_interval(tt, start=datetime(1990, 1, 1, tzinfo=UTC), n=10**12)  # type: ignore[arg-type]
    assert err.value.argument == "n"


@pytest.mark.parametrize(
    "tt",
    [
        SAO_PAULO_DAILY,
        CronDataIntervals(cron="0 */6 * * *", timezone="Europe/Berlin"),
        CronTrigger(cron="0 9 * * 1-5", timezone="America/New_York"),
        DeltaTrigger(delta=timedelta(hours=7)),
        DeltaDataIntervals(delta=relativedelta(months=2)),
    ],
    ids=repr,
)
def test_the_refusal_bound_is_above_the_last_run(tt: object) -> None:
    """Every run up to the end of the calendar has an index below the refusal bound."""
    start = datetime(9998, 1, 1, tzinfo=UTC)
    last = count_intervals(tt, start=start, end=datetime(9999, 12, 31, tzinfo=UTC))  # type: ignore[arg-type]
    assert last > 0
    assert nth_interval(tt, start=start, n=last - 1) is not None  # type: ignore[arg-type]
    assert _max_runs(tt, start) is not None
    assert last < _max_runs(tt, start)  # type: ignore[operator]


def _probed_changes(zone: str, year: int) -> list[tuple[datetime, timedelta, timedelta]]:
    """Offset changes in a UTC year by probing every hour (the slow, obvious way)."""
    tz = get_zone(zone)
    out = []
    t = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    prev = (t - timedelta(seconds=1)).astimezone(tz).utcoffset()
    while t < end:
        off = t.astimezone(tz).utcoffset()
        if off != prev:
            lo, hi = t - timedelta(hours=1), t  # the change is in (lo, hi]: bisect to the second
            while hi - lo > timedelta(seconds=1):
                mid = lo + timedelta(seconds=(hi - lo).total_seconds() // 2)
                if mid.astimezone(tz).utcoffset() == prev:
                    lo = mid
                else:
                    hi = mid
            assert prev is not None
            assert off is not None
            out.append((hi, prev, off))
        prev = off
        t += timedelta(hours=1)
    return out


@pytest.mark.parametrize(
    ("zone", "year"),
    [
        ("Europe/Berlin", 1980),
        ("Europe/Berlin", 2024),
        ("Europe/Berlin", 2100),
        ("America/Sao_Paulo", 2018),
        ("America/Sao_Paulo", 2030),
        ("Australia/Lord_Howe", 2024),
        ("Africa/Casablanca", 2024),
        ("Europe/Dublin", 2060),
        ("America/St_Johns", 1988),
        ("Asia/Kolkata", 1942),
    ],
)
def test_zone_changes_from_the_rules_match_probing(zone: str, year: int) -> None:
    """The transitions read from the zone's rules are the ones the zone itself shows."""
    assert list(year_changes(get_zone(zone), year) or ()) == _probed_changes(zone, year)
