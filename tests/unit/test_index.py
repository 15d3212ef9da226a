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
    Events,
    Never,
    Once,
)
from timetable._index import count_intervals, interval_containing, iter_intervals, nth_interval
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
