"""Business calendars: weekmasks, holidays and rules, names, set algebra, rolls, errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from timetable import (
    BusinessCalendar,
    CronDataIntervals,
    CronTrigger,
    DataInterval,
    DeltaDataIntervals,
    DeltaTrigger,
    Holiday,
    HolidayRule,
    MultiCronTrigger,
    TimeRestriction,
    infer_manual_interval,
    iter_run_infos,
    next_run_info,
)
from timetable import serialization as ser
from timetable.airflow import to_serialized
from timetable.errors import (
    CalendarRangeError,
    InvalidArgumentError,
    InvalidCalendarError,
    NoBusinessDayError,
    WrongTypeError,
)

UTC = UTC
XMAS = date(2024, 12, 25)


def at(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=UTC)


# -- construction ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("1111100", "1111100"),
        ("Mon Tue Wed Thu Fri", "1111100"),
        ("Sun Mon Tue Wed Thu", "1111001"),
        ("monday, Friday", "1000100"),
        ("0000001", "0000001"),
    ],
)
def test_weekmask_forms(given: str, stored: str) -> None:
    assert BusinessCalendar(weekmask=given).weekmask == stored


@pytest.mark.parametrize("bad", ["0000000", "", "Mon Funday", "11111"])
def test_weekmask_without_business_day_or_malformed_is_rejected(bad: str) -> None:
    with pytest.raises(InvalidCalendarError, match="weekmask="):
        BusinessCalendar(weekmask=bad)


def test_holiday_forms_normalize_to_one_value() -> None:
    a = BusinessCalendar(holidays=[XMAS])
    b = BusinessCalendar(holidays=(Holiday(date=XMAS),))
    c = BusinessCalendar(holidays={XMAS: "holiday"})
    assert a == b == c
    assert hash(a) == hash(c)
    assert BusinessCalendar(holidays=[(XMAS, "Christmas")]).exclusion(XMAS) == "Christmas"


@pytest.mark.parametrize("bad", [["2024-12-25"], [datetime(2024, 12, 25, tzinfo=UTC)], 42, "x"])
def test_holidays_must_be_dates(bad: object) -> None:
    with pytest.raises(WrongTypeError, match="holiday"):
        BusinessCalendar(holidays=bad)


def test_two_names_on_one_date_are_both_kept() -> None:
    cal = BusinessCalendar(holidays=[(XMAS, "A"), (XMAS, "B")])
    assert cal.exclusion(XMAS) == "A / B"


# -- rules --------------------------------------------------------------------------------------------
US_RULES = [
    HolidayRule.fixed(1, 1, name="New Year's Day", observed="nearest"),
    HolidayRule.nth_weekday(1, "Mon", 3, name="MLK Day"),
    HolidayRule.nth_weekday(5, "Mon", -1, name="Memorial Day"),
    HolidayRule.fixed(7, 4, name="Independence Day", observed="nearest"),
    HolidayRule.nth_weekday(11, "Thu", 4, name="Thanksgiving"),
    HolidayRule.fixed(12, 25, name="Christmas Day", observed="nearest"),
]


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2024, 1, 15), "MLK Day"),
        (date(2024, 5, 27), "Memorial Day"),
        (date(2020, 7, 3), "Independence Day (observed)"),  # Saturday -> Friday
        (date(2020, 7, 4), "Independence Day"),  # the Saturday keeps its name
        (date(2021, 12, 31), "New Year's Day (observed)"),  # across the year boundary
        (date(2024, 11, 28), "Thanksgiving"),
        (date(2024, 11, 29), None),
        (date(2024, 12, 28), "weekend"),
    ],
)
def test_rules_and_observed_days(day: date, reason: str | None) -> None:
    assert BusinessCalendar(holidays=US_RULES).exclusion(day) == reason


def test_following_observed_moves_past_another_holiday() -> None:
    uk = BusinessCalendar(
        holidays=[
            HolidayRule.fixed(12, 25, name="Christmas Day", observed="following"),
            HolidayRule.fixed(12, 26, name="Boxing Day", observed="following"),
        ]
    )
    assert uk.exclusion(date(2021, 12, 27)) == "Christmas Day (observed)"
    assert uk.exclusion(date(2021, 12, 28)) == "Boxing Day (observed)"
    assert uk.is_business_day(date(2021, 12, 29))


def test_easter_and_ranges() -> None:
    cal = BusinessCalendar(
        holidays=[
            HolidayRule.easter(-2, name="Good Friday"),
            HolidayRule.easter(1, name="Easter Monday"),
            HolidayRule.date_range(date(2024, 8, 5), date(2024, 8, 9), name="Shutdown"),
        ]
    )
    assert cal.exclusion(date(2024, 3, 29)) == "Good Friday"
    assert cal.exclusion(date(2025, 4, 21)) == "Easter Monday"
    assert cal.exclusion(date(2038, 4, 23)) == "Good Friday"  # Easter on April 25
    assert [d for d, _ in cal.excluded_days(date(2024, 8, 5), date(2024, 8, 9))] == [
        date(2024, 8, d) for d in range(5, 10)
    ]


@pytest.mark.parametrize(
    "make",
    [
        lambda: HolidayRule.fixed(2, 30, name="x"),
        lambda: HolidayRule.fixed(13, 1, name="x"),
        lambda: HolidayRule.nth_weekday(1, "Mon", 0, name="x"),
        lambda: HolidayRule.nth_weekday(1, "Moonday", 1, name="x"),
        lambda: HolidayRule.date_range(date(2024, 2, 1), date(2024, 1, 1), name="x"),
        lambda: HolidayRule.fixed(1, 1, name="x", observed="sometimes"),
    ],
)
def test_bad_rules_are_rejected(make: object) -> None:
    with pytest.raises(InvalidCalendarError):
        make()  # type: ignore[operator]


# -- questions -------------------------------------------------------------------------------------
def test_counts_equal_walks() -> None:
    cal = BusinessCalendar(holidays=US_RULES)
    for start, end in [(date(2023, 12, 20), date(2025, 1, 5)), (date(2024, 3, 3), date(2024, 3, 3))]:
        assert cal.count_business_days(start, end) == len(list(cal.business_days(start, end)))
    assert cal.count_business_days(date(2024, 1, 1), date(2024, 12, 31)) == 262 - 6 + 0


def test_set_algebra() -> None:
    weekdays = BusinessCalendar()
    xmas = BusinessCalendar(weekmask="1111111", holidays={XMAS: "Christmas"})
    sat = date(2024, 12, 28)
    union = weekdays | xmas
    assert union.exclusion(XMAS) == "Christmas"
    assert union.exclusion(sat) == "weekend"
    both = weekdays & xmas
    assert both.is_business_day(XMAS)  # only xmas excludes it
    assert both.is_business_day(sat)
    assert (weekdays & BusinessCalendar(weekmask="1111110")).exclusion(date(2024, 12, 29)) == "weekend"
    diff = union - xmas
    assert diff.is_business_day(XMAS)
    assert diff.exclusion(sat) == "weekend"
    assert ser.from_dict(ser.to_dict(diff)) == diff
    with pytest.raises(WrongTypeError):
        weekdays.union("US")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("day", "convention", "expected"),
    [
        (date(2024, 8, 31), "following", date(2024, 9, 2)),
        (date(2024, 8, 31), "modified_following", date(2024, 8, 30)),
        (date(2024, 8, 31), "preceding", date(2024, 8, 30)),
        (date(2024, 6, 1), "preceding", date(2024, 5, 31)),
        (date(2024, 6, 1), "modified_preceding", date(2024, 6, 3)),
        (date(2024, 6, 3), "preceding", date(2024, 6, 3)),
    ],
)
def test_roll_conventions(day: date, convention: str, expected: date) -> None:
    assert BusinessCalendar().roll(day, convention) == expected


def test_roll_without_business_day_within_a_month() -> None:
    shut = BusinessCalendar(
        holidays=[HolidayRule.date_range(date(2024, 1, 1), date(2024, 3, 31), name="Closed")]
    )
    with pytest.raises(NoBusinessDayError, match="within 31 days"):
        shut.roll(date(2024, 2, 1), "following")
    with pytest.raises(NoBusinessDayError, match="February 2024"):
        shut.roll(date(2024, 2, 1), "modified_following")
    with pytest.raises(InvalidCalendarError, match="convention="):
        shut.roll(date(2024, 2, 1), "skip")


# -- the holidays package --------------------------------------------------------------------------
def test_from_holidays_materializes_names_and_years() -> None:
    us = BusinessCalendar.from_holidays("US", years=range(2020, 2031))
    assert us.years == (2020, 2030)
    assert us.exclusion(date(2024, 12, 25)) == "Christmas Day (US)"
    assert us.exclusion(date(2024, 11, 28)) == "Thanksgiving Day (US)"
    assert ser.from_dict(ser.to_dict(us)) == us
    with pytest.raises(CalendarRangeError, match="2020-2030"):
        us.is_business_day(date(2031, 1, 2))
    nyse = BusinessCalendar.from_holidays("NYSE", years=[2024], financial=True)
    assert nyse.exclusion(date(2024, 3, 29)) == "Good Friday (NYSE)"


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [({"country": "XX"}, "country"), ({"country": "US", "subdiv": "ZZ"}, "subdiv")],
)
def test_from_holidays_unknown_country_or_subdivision(kwargs: dict[str, str], argument: str) -> None:
    with pytest.raises(InvalidCalendarError) as info:
        BusinessCalendar.from_holidays(years=range(2024, 2025), **kwargs)  # type: ignore[arg-type]
    assert info.value.argument == argument


def test_query_outside_materialized_years_from_a_schedule() -> None:
    us = BusinessCalendar.from_holidays("US", years=range(2024, 2025))
    tt = CronDataIntervals(cron="@daily", calendar=us)
    with pytest.raises(CalendarRangeError, match="2024-2024"):
        list(iter_run_infos(tt, start=at(2024, 12, 20), end=at(2025, 1, 10), now=at(2025, 2, 1)))


# -- schedules -----------------------------------------------------------------------------------------
CAL = BusinessCalendar(holidays={XMAS: "Christmas"})


def starts(tt: object, start: datetime, end: datetime) -> list[str]:
    return [
        f"{r.data_interval.start:%a %d %H:%M}-{r.data_interval.end:%a %d %H:%M}"
        for r in iter_run_infos(tt, start=start, end=end, now=at(2030, 1, 1))  # type: ignore[arg-type]
    ]


def test_skip_keeps_own_intervals_and_span_stretches_them() -> None:
    skip = CronDataIntervals(cron="@daily", calendar=CAL)
    span = CronDataIntervals(cron="@daily", calendar=CAL, roll="span")
    lo, hi = at(2024, 12, 20), at(2024, 12, 27)
    assert starts(skip, lo, hi) == [
        "Fri 20 00:00-Sat 21 00:00",
        "Mon 23 00:00-Tue 24 00:00",
        "Tue 24 00:00-Wed 25 00:00",
        "Thu 26 00:00-Fri 27 00:00",
        "Fri 27 00:00-Sat 28 00:00",
    ]
    assert starts(span, lo, hi) == [
        "Fri 20 00:00-Mon 23 00:00",
        "Mon 23 00:00-Tue 24 00:00",
        "Tue 24 00:00-Thu 26 00:00",
        "Thu 26 00:00-Fri 27 00:00",
        "Fri 27 00:00-Mon 30 00:00",
    ]


@pytest.mark.parametrize(
    ("roll", "expected"),
    [
        ("skip", ["01", "02", "03", "04", "05", "07", "08", "10", "11"]),
        ("following", ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"]),
        ("modified_following", ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"]),
    ],
)
def test_monthly_trigger_rolls(roll: str, expected: list[str]) -> None:
    tt = CronTrigger(cron="0 6 1 * *", timezone="Europe/London", calendar=CAL, roll=roll)
    runs = list(iter_run_infos(tt, start=at(2024, 1, 1), end=at(2024, 12, 31), now=at(2025, 1, 1)))
    assert [f"{r.run_after:%m}" for r in runs] == expected
    if roll != "skip":
        assert runs[5].run_after == datetime(2024, 6, 3, 5, tzinfo=UTC)  # Sat 1 June -> Mon 06:00 BST


def test_modified_following_stays_in_the_month() -> None:
    tt = CronTrigger(cron="0 9 L * *", calendar=CAL, roll="modified_following")
    runs = list(iter_run_infos(tt, start=at(2024, 8, 1), end=at(2024, 12, 31, 23), now=at(2025, 1, 1)))
    assert [r.run_after.date() for r in runs] == [
        date(2024, 8, 30), date(2024, 9, 30), date(2024, 10, 31), date(2024, 11, 29), date(2024, 12, 31),
    ]


def test_every_kind_takes_a_calendar() -> None:
    kinds = [
        CronDataIntervals(cron="0 12 * * *", calendar=CAL),
        CronTrigger(cron="0 12 * * *", calendar=CAL),
        DeltaDataIntervals(delta=timedelta(days=1), calendar=CAL),
        DeltaTrigger(delta=timedelta(days=1), calendar=CAL),
        MultiCronTrigger(crons=["0 12 * * *", "0 18 * * *"], calendar=CAL),
    ]
    for tt in kinds:
        runs = list(iter_run_infos(tt, start=at(2024, 12, 20), end=at(2024, 12, 31), now=at(2025, 1, 1)))
        assert runs, tt
        for r in runs:
            assert CAL.is_business_day(r.logical_date.date()), (tt, r)
        assert ser.from_dict(ser.to_dict(tt)) == tt


def test_delta_schedules_only_skip_or_span() -> None:
    with pytest.raises(InvalidCalendarError, match="roll="):
        DeltaTrigger(delta=timedelta(days=1), calendar=CAL, roll="following")
    with pytest.raises(InvalidCalendarError, match="roll="):
        CronTrigger(cron="@daily", calendar=CAL, roll="sideways")
    with pytest.raises(WrongTypeError, match="calendar="):
        CronTrigger(cron="@daily", calendar="US")


def test_without_calendar_the_serialized_form_is_unchanged() -> None:
    assert "calendar" not in ser.to_dict(CronTrigger(cron="@daily"))
    assert "roll" not in ser.to_dict(CronTrigger(cron="@daily"))
    with pytest.raises(InvalidArgumentError, match="calendar="):
        to_serialized(CronTrigger(cron="@daily", calendar=CAL))


def test_catchup_off_and_manual_runs_follow_the_calendar() -> None:
    tt = CronDataIntervals(cron="@daily", calendar=CAL)
    # Thursday 26 at 10:00: the latest interval that has ended is Tuesday's (ends Wed 00:00).
    info = next_run_info(
        tt, last_interval=None, restriction=TimeRestriction(earliest=at(2024, 1, 1), catchup=False),
        now=at(2024, 12, 26, 10),
    )
    assert info is not None
    assert info.data_interval.start == at(2024, 12, 24)
    assert infer_manual_interval(tt, run_after=at(2024, 12, 30, 9)).start == at(2024, 12, 27)
    span = CronDataIntervals(cron="@daily", calendar=CAL, roll="span")
    assert infer_manual_interval(span, run_after=at(2024, 12, 30, 9)) == DataInterval(
        start=at(2024, 12, 27), end=at(2024, 12, 30)
    )


# -- planners ------------------------------------------------------------------------------------------
def _run(tt: CronDataIntervals, day: datetime, state: str = "success") -> object:
    from timetable import RunRecord

    end = tt.ticker.interval_end(day)
    return RunRecord(
        run_id=f"scheduled__{day.isoformat()}", run_type="scheduled", logical_date=day,
        data_interval=DataInterval(start=day, end=end), run_after=end, state=state,
    )


def test_backfill_reports_every_excluded_day_with_its_reason() -> None:
    from timetable import BackfillRequest, plan_backfill

    tt = CronDataIntervals(cron="@daily", calendar=CAL)
    plan = plan_backfill(
        tt, BackfillRequest(from_date=at(2024, 12, 20), to_date=at(2024, 12, 27)), runs=[],
        now=at(2025, 1, 10),
    )
    assert [e.run_info.logical_date.day for e in plan] == [20, 23, 24, 26, 27]
    assert [(t.day, why) for t, why in plan.excluded] == [
        (21, "excluded: weekend"), (22, "excluded: weekend"), (25, "excluded: Christmas"),
    ]
    # every day of the range is accounted for, once
    assert len(plan) + len(plan.excluded) == 8
    assert plan.to_dict()["excluded"][2] == {
        "logical_date": "2024-12-25T00:00:00+00:00", "reason": "excluded: Christmas",
    }
    assert "3 excluded by the calendar: excluded: weekend ×2, excluded: Christmas" in plan.to_text()
    plain = plan_backfill(
        CronDataIntervals(cron="@daily"),
        BackfillRequest(from_date=at(2024, 12, 20), to_date=at(2024, 12, 27)), runs=[],
        now=at(2025, 1, 10),
    )
    assert plain.excluded == ()


def test_rolled_ticks_are_reported_with_their_new_time() -> None:
    from timetable import iter_excluded_ticks

    tt = CronTrigger(cron="0 6 1 * *", calendar=CAL, roll="modified_following")
    got = list(iter_excluded_ticks(tt, start=at(2024, 5, 1), end=at(2024, 9, 30)))
    assert got == [
        (at(2024, 6, 1, 6), "rolled: weekend -> 2024-06-03T06:00:00+00:00"),
        (at(2024, 9, 1, 6), "rolled: weekend -> 2024-09-02T06:00:00+00:00"),
    ]


def test_a_holiday_is_not_a_gap() -> None:
    from timetable import find_gaps

    tt = CronDataIntervals(cron="@daily", calendar=CAL)
    runs = [_run(tt, at(2024, 12, d)) for d in (20, 23, 24, 27)]
    report = find_gaps(tt, runs=runs, start=at(2024, 12, 20), end=at(2024, 12, 27), now=at(2025, 1, 1))
    assert report.expected == 5
    assert report.missing == 1  # only Thursday the 26th; the 25th and the weekend are not gaps


def test_catchup_creates_business_days_only() -> None:
    from timetable import plan_catchup

    tt = CronDataIntervals(cron="@daily", calendar=CAL)
    plan = plan_catchup(
        tt, runs=[_run(tt, at(2024, 12, 20))],
        restriction=TimeRestriction(earliest=at(2024, 12, 1), catchup=True), now=at(2024, 12, 28, 1),
    )
    assert [r.logical_date.day for r in plan.to_create] == [23, 24, 26, 27]


def test_template_dates_and_latest_only_follow_the_calendar() -> None:
    from timetable import is_latest_run, template_dates

    tt = CronDataIntervals(cron="@daily", calendar=CAL)
    monday = _run(tt, at(2024, 12, 23))
    keys = template_dates(monday, timetable=tt, airflow2=True)  # type: ignore[arg-type]
    assert keys["prev_ds"] == "2024-12-20"  # Friday, not Sunday
    tuesday = _run(tt, at(2024, 12, 24))
    keys = template_dates(tuesday, timetable=tt, airflow2=True)  # type: ignore[arg-type]
    assert keys["next_ds"] == "2024-12-26"  # Thursday, not Christmas
    friday = _run(tt, at(2024, 12, 20))
    # Friday's run stays the latest until Monday's interval has ended (Tuesday 00:00)
    assert is_latest_run(tt, friday, now=at(2024, 12, 23, 12)).is_latest  # type: ignore[arg-type]
    assert not is_latest_run(tt, friday, now=at(2024, 12, 24, 1)).is_latest  # type: ignore[arg-type]


# -- month grid data and custom kinds --------------------------------------------------------------
def test_calendar_month_marks_runs_rolls_weekends_and_holidays() -> None:
    from timetable import calendar_month

    tt = CronTrigger(cron="0 6 1 * *", calendar=CAL, roll="following")
    days, notes = calendar_month(tt, 2024, 6)
    assert len(days) == 30
    assert days[date(2024, 6, 1)] == "rolled"
    assert notes[date(2024, 6, 1)] == "weekend: tick rolled to 2024-06-03 06:00"
    assert days[date(2024, 6, 3)] == "run"
    assert [d.day for d, c in days.items() if c == "run"] == [3]
    assert days[date(2024, 6, 2)] == "weekend"
    assert days[date(2024, 6, 4)] == "business"
    only, _ = calendar_month(CAL, 2024, 12)
    assert only[XMAS] == "holiday"
    with pytest.raises(WrongTypeError, match="source="):
        calendar_month(CronTrigger(cron="@daily"), 2024, 6)


def test_register_kind_round_trips_a_custom_timetable() -> None:
    import attrs

    from timetable.errors import UnknownKindError
    from timetable.serialization import register_kind

    @attrs.frozen(kw_only=True)
    class Noon:
        periodic = True
        summary = "noon"
        zone: str = "UTC"

        def next_run_info(self, *, last_interval: Any, restriction: Any, now: Any) -> Any:
            return CronTrigger(cron="0 12 * * *", timezone=self.zone).next_run_info(
                last_interval=last_interval, restriction=restriction, now=now
            )

        def infer_manual_interval(self, *, run_after: datetime) -> DataInterval:
            return DataInterval.exact(run_after)

    with pytest.raises(UnknownKindError, match="register_kind"):
        ser.from_dict({"type": "tests.Noon", "version": 1, "zone": "UTC"})
    register_kind(Noon, name="tests.Noon")
    data = ser.to_dict(Noon(zone="Europe/Berlin"))
    assert data == {"type": "tests.Noon", "version": 1, "zone": "Europe/Berlin"}
    assert ser.from_dict(data) == Noon(zone="Europe/Berlin")
    with pytest.raises(InvalidArgumentError, match="built-in"):
        register_kind(Noon, name="CronTrigger")
    with pytest.raises(WrongTypeError, match="not a timetable"):
        register_kind(Holiday)
