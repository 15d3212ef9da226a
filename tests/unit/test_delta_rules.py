"""Exact rules of ``timetable._delta`` (each row pins one branch a mutation could change)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from dateutil.relativedelta import FR, MO, relativedelta
from hypothesis import given
from hypothesis import strategies as st

from timetable._delta import (
    check_delta,
    delta_from_dict,
    delta_seconds,
    delta_summary,
    delta_to_dict,
    epoch_floor,
    has_calendar_units,
    is_relativedelta,
    month_stepper,
    relativedelta_from_fields,
    step,
)
from timetable.errors import InvalidScheduleError, InvalidSerializedFormError, WrongTypeError


def D(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# -- check_delta ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "delta",
    [timedelta(microseconds=1), timedelta(days=1), relativedelta(months=1), relativedelta(days=1),
     relativedelta(years=1, months=-11), relativedelta(hours=1, minutes=-59)],
)
def test_check_delta_accepts_positive_steps(delta: Any) -> None:
    assert check_delta(delta) is delta


@pytest.mark.parametrize(
    ("delta", "allow_zero", "error", "message"),
    [
        (1, False, WrongTypeError, "delta=1: expected a timedelta or relativedelta"),
        (True, False, WrongTypeError, "delta=True: expected a timedelta or relativedelta"),
        (None, False, WrongTypeError, "delta=None: expected a timedelta or relativedelta"),
        (timedelta(0), False, InvalidScheduleError, "delta=datetime.timedelta(0): must be positive"),
        (timedelta(-1), False, InvalidScheduleError,
         "delta=datetime.timedelta(days=-1): must be positive"),
        (timedelta(-1), True, InvalidScheduleError,
         "delta=datetime.timedelta(days=-1): must not be negative"),
        (relativedelta(), False, InvalidScheduleError, "delta=relativedelta(): must move every"),
        (relativedelta(months=-1), True, InvalidScheduleError, "delta=relativedelta(months=-1): must"),
        # its sign depends on the date: Jan 31 + 1 month - 30 days goes back
        (relativedelta(months=1, days=-30), False, InvalidScheduleError, "delta=relativedelta(months=+1"),
        (relativedelta(weekday=MO), False, InvalidScheduleError, "delta=relativedelta(weekday=MO)"),
        (relativedelta(years=9000), False, InvalidScheduleError,
         "delta=relativedelta(years=+9000): cannot be applied (year 11000 is out of range)"),
    ],
)
def test_check_delta_refuses(delta: Any, allow_zero: bool, error: type, message: str) -> None:
    with pytest.raises(error) as info:
        check_delta(delta, allow_zero=allow_zero)
    assert str(info.value).startswith(message)
    assert info.value.argument == "delta"  # type: ignore[attr-defined]


def test_check_delta_zero_allowed_and_argument_named() -> None:
    assert check_delta(timedelta(0), allow_zero=True) == timedelta(0)
    assert check_delta(relativedelta(), allow_zero=True) == relativedelta()
    with pytest.raises(InvalidScheduleError) as info:
        check_delta(timedelta(0), "interval")
    assert info.value.argument == "interval"
    assert str(info.value) == "interval=datetime.timedelta(0): must be positive"


# -- small predicates and the length Airflow gives a delta --------------------------------


def test_predicates() -> None:
    assert is_relativedelta(relativedelta(days=1))
    assert not is_relativedelta(timedelta(1))
    assert has_calendar_units(relativedelta(months=1))
    assert has_calendar_units(relativedelta(years=1))
    assert not has_calendar_units(relativedelta(days=40))
    assert not has_calendar_units(timedelta(days=40))
    assert delta_summary(timedelta(hours=1)) == "1:00:00"
    assert delta_summary(relativedelta(months=1)) == "relativedelta(months=+1)"


@pytest.mark.parametrize(
    ("delta", "seconds"),
    [
        (timedelta(days=1, microseconds=500_000), 86_400.5),
        (relativedelta(years=1), 365 * 86_400.0),
        (relativedelta(months=1), 30 * 86_400.0),
        (relativedelta(days=2), 2 * 86_400.0),
        (relativedelta(hours=3), 3 * 3_600.0),
        (relativedelta(minutes=7), 7 * 60.0),
        (relativedelta(seconds=11), 11.0),
        (relativedelta(years=1, months=2, days=3, hours=4, minutes=5, seconds=6),
         365 * 86_400 + 60 * 86_400 + 3 * 86_400 + 4 * 3_600 + 5 * 60 + 6.0),
    ],
)
def test_delta_seconds(delta: Any, seconds: float) -> None:
    assert delta_seconds(delta) == seconds
    assert isinstance(delta_seconds(delta), float)


# -- month steps ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delta", "start", "expected"),
    [
        (relativedelta(months=1), D(2024, 1, 31, 5, 6, 7, 8), D(2024, 2, 29, 5, 6, 7, 8)),
        (relativedelta(months=1), D(2023, 1, 31), D(2023, 2, 28)),
        (relativedelta(months=1), D(2100, 1, 31), D(2100, 2, 28)),  # century: not leap
        (relativedelta(months=1), D(2000, 1, 31), D(2000, 2, 29)),  # 400 years: leap
        (relativedelta(months=1), D(2024, 3, 31), D(2024, 4, 30)),
        (relativedelta(months=1), D(2024, 2, 29), D(2024, 3, 29)),
        (relativedelta(months=1), D(2024, 12, 15), D(2025, 1, 15)),
        (relativedelta(months=1), D(2024, 11, 30), D(2024, 12, 30)),
        (relativedelta(months=-1), D(2024, 3, 31), D(2024, 2, 29)),
        (relativedelta(months=-1), D(2024, 1, 10), D(2023, 12, 10)),
        (relativedelta(years=1), D(2024, 2, 29), D(2025, 2, 28)),
        (relativedelta(years=4), D(2024, 2, 29), D(2028, 2, 29)),
        (relativedelta(years=1, months=1), D(2024, 1, 31), D(2025, 2, 28)),
        (relativedelta(months=13), D(2023, 12, 31), D(2025, 1, 31)),
    ],
)
def test_month_stepper_table(delta: relativedelta, start: datetime, expected: datetime) -> None:
    add = month_stepper(delta)
    assert add is not None
    assert add(start) == expected
    assert start + delta == expected  # the table agrees with dateutil itself


def test_month_stepper_keeps_the_zone() -> None:
    plus2 = timezone(timedelta(hours=2))
    add = month_stepper(relativedelta(months=1))
    assert add is not None
    out = add(datetime(2024, 1, 31, 23, tzinfo=plus2))
    assert out == datetime(2024, 2, 29, 23, tzinfo=plus2)
    assert out.tzinfo is plus2


@pytest.mark.parametrize(
    "delta",
    [timedelta(days=30), relativedelta(), relativedelta(months=1, days=1),
     relativedelta(months=1, hours=1), relativedelta(months=1, minutes=1),
     relativedelta(months=1, seconds=1), relativedelta(months=1, microseconds=1),
     relativedelta(months=1, leapdays=1), relativedelta(months=1, weekday=FR),
     relativedelta(months=1, day=1), relativedelta(months=1, year=2024),
     relativedelta(months=1, month=2), relativedelta(months=1, hour=0),
     relativedelta(months=1, minute=0), relativedelta(months=1, second=0),
     relativedelta(months=1, microsecond=0), relativedelta(years=1, months=-12)],
)
def test_month_stepper_declines(delta: Any) -> None:
    assert month_stepper(delta) is None


def test_month_stepper_raises_past_9999() -> None:
    add = month_stepper(relativedelta(months=1))
    assert add is not None
    with pytest.raises(ValueError, match="year"):
        add(D(9999, 12, 1))


@given(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9000, 1, 1)).map(
        lambda d: d.replace(tzinfo=UTC)
    ),
    st.integers(-11, 11),
    st.integers(-3, 3),
)
def test_month_stepper_equals_dateutil(start: datetime, months: int, years: int) -> None:
    delta = relativedelta(years=years, months=months)
    add = month_stepper(delta)
    if years * 12 + months == 0:
        assert add is None
        return
    assert add is not None
    try:
        expected = start + delta
    except ValueError:
        with pytest.raises(ValueError):
            add(start)
        return
    assert add(start) == expected


# -- step and epoch_floor ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, D(2024, 1, 2)), (-1, D(2023, 12, 31)), (3, D(2024, 1, 4)), (-3, D(2023, 12, 29)),
     (0, D(2024, 1, 1))],
)
def test_step(n: int, expected: datetime) -> None:
    start = datetime(2024, 1, 1, 2, tzinfo=timezone(timedelta(hours=2)))  # 00:00 UTC
    out = step(start, timedelta(days=1), n)
    assert out == expected
    assert out.tzinfo is UTC


def test_step_calendar_units_are_applied_one_at_a_time() -> None:
    # Jan 31 -> Feb 29 -> Mar 29 (not Mar 31): Airflow's stepwise drift
    assert step(D(2024, 1, 31), relativedelta(months=1), 2) == D(2024, 3, 29)
    assert step(D(2024, 3, 31), relativedelta(months=1), -2) == D(2024, 1, 29)


@pytest.mark.parametrize(
    ("t", "n"), [(D(9999, 12, 31), 1), (D(9999, 12, 30), 2), (D(1, 1, 1), -1), (D(1, 1, 2), -2)]
)
def test_step_out_of_range_is_none(t: datetime, n: int) -> None:
    assert step(t, timedelta(days=1), n) is None
    assert step(t, relativedelta(days=1), n) is None


@pytest.mark.parametrize(
    ("now", "delta", "expected"),
    [
        (D(2024, 1, 1, 5, 59, 59), timedelta(hours=1), D(2024, 1, 1, 5)),
        (D(2024, 1, 1, 5), timedelta(hours=1), D(2024, 1, 1, 5)),
        (D(2024, 1, 1, 5, 0, 0, 1), timedelta(hours=1), D(2024, 1, 1, 5)),
        (D(1970, 1, 1, 0, 0, 0, 999_999), timedelta(microseconds=500_000), D(1970, 1, 1, 0, 0, 0, 500_000)),
        (D(1969, 12, 31, 23, 30), timedelta(hours=1), D(1969, 12, 31, 23)),
        (D(2024, 1, 1, 7), relativedelta(hours=6), D(2024, 1, 1, 6)),
        (D(2024, 1, 15), relativedelta(days=7), D(2024, 1, 11)),  # epoch was a Thursday
        (datetime(2024, 1, 1, 7, tzinfo=timezone(timedelta(hours=5))), timedelta(hours=4), D(2024, 1, 1)),
    ],
)
def test_epoch_floor(now: datetime, delta: Any, expected: datetime) -> None:
    assert epoch_floor(now, delta) == expected


def test_epoch_floor_of_a_non_positive_length_is_none() -> None:
    assert epoch_floor(D(2024, 1, 1), relativedelta(months=1, days=-30)) is None
    assert epoch_floor(D(2024, 1, 1), relativedelta(hours=1, minutes=-60)) is None


# -- serialized form ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delta", "data"),
    [
        (timedelta(hours=1), {"seconds": 3600}),
        (timedelta(seconds=1.5), {"seconds": 1.5}),
        (relativedelta(months=1), {"relativedelta": {"months": 1}}),
        (relativedelta(years=1, days=2, hours=3, minutes=4, seconds=5, microseconds=6),
         {"relativedelta": {"years": 1, "days": 2, "hours": 3, "minutes": 4, "seconds": 5,
                            "microseconds": 6}}),
        (relativedelta(day=31, month=2, year=2024, hour=0, minute=0, second=0, microsecond=0),
         {"relativedelta": {"year": 2024, "month": 2, "day": 31, "hour": 0, "minute": 0,
                            "second": 0, "microsecond": 0}}),
        (relativedelta(weekday=FR), {"relativedelta": {"weekday": [4]}}),
        (relativedelta(weekday=FR(-1)), {"relativedelta": {"weekday": [4, -1]}}),
        (relativedelta(months=1, leapdays=1), {"relativedelta": {"months": 1, "leapdays": 1}}),
    ],
)
def test_delta_dict_round_trip(delta: Any, data: dict[str, Any]) -> None:
    assert delta_to_dict(delta) == data
    back = delta_from_dict(data)
    assert back == delta
    assert type(back) is type(delta)


def test_delta_to_dict_int_seconds_are_ints() -> None:
    assert type(delta_to_dict(timedelta(seconds=2))["seconds"]) is int


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (60, timedelta(minutes=1)),
        (1.5, timedelta(seconds=1.5)),
        ({"relativedelta": {"weeks": 1}}, relativedelta(days=7)),
        ({"relativedelta": {"weekday": 0}}, relativedelta(weekday=MO)),
        ({"relativedelta": {"weekday": None, "days": None, "months": 2}}, relativedelta(months=2)),
        ({"relativedelta": {"weekday": [6]}}, relativedelta(weekday=relativedelta(weekday=6).weekday)),
        ({"relativedelta": {"hours": 1.0}}, relativedelta(hours=1)),
    ],
)
def test_delta_from_dict_accepts(data: Any, expected: Any) -> None:
    assert delta_from_dict(data) == expected


@pytest.mark.parametrize(
    ("data", "argument", "message"),
    [
        (True, "delta", "delta=True: expected a duration"),
        ("1h", "delta", 'delta=\'1h\': expected {"seconds": N} or {"relativedelta": {...}}'),
        ({"seconds": True}, "delta", "delta={'seconds': True}: expected"),
        ({"seconds": "1"}, "delta", "delta={'seconds': '1'}: expected"),
        ({"seconds": 1, "x": 2}, "delta", "delta={'seconds': 1, 'x': 2}: expected"),
        ({"seconds": 1e20}, "delta", "delta={'seconds': 1e+20}: "),
        ({"relativedelta": [1]}, "delta", "delta={'relativedelta': [1]}: expected"),
        ({"relativedelta": {"fortnights": 1}}, "delta.fortnights",
         "delta.fortnights=1: unknown relativedelta field"),
        ({"relativedelta": {"weekday": 7}}, "delta.weekday", "delta.weekday=7: expected [0-6]"),
        ({"relativedelta": {"weekday": -1}}, "delta.weekday", "delta.weekday=-1: expected"),
        ({"relativedelta": {"weekday": True}}, "delta.weekday", "delta.weekday=True: expected"),
        ({"relativedelta": {"weekday": [7]}}, "delta.weekday", "delta.weekday=[7]: expected"),
        ({"relativedelta": {"weekday": [-1]}}, "delta.weekday", "delta.weekday=[-1]: expected"),
        ({"relativedelta": {"weekday": []}}, "delta.weekday", "delta.weekday=[]: expected"),
        ({"relativedelta": {"weekday": [1, 2, 3]}}, "delta.weekday", "delta.weekday=[1, 2, 3]:"),
        ({"relativedelta": {"weekday": [1, True]}}, "delta.weekday", "delta.weekday=[1, True]:"),
        ({"relativedelta": {"weekday": [1.0]}}, "delta.weekday", "delta.weekday=[1.0]:"),
        ({"relativedelta": {"days": True}}, "delta.days", "delta.days=True: expected a number"),
        ({"relativedelta": {"days": "1"}}, "delta.days", "delta.days='1': expected a number"),
    ],
)
def test_delta_from_dict_refuses(data: Any, argument: str, message: str) -> None:
    with pytest.raises(InvalidSerializedFormError) as info:
        delta_from_dict(data)
    assert info.value.argument == argument
    assert str(info.value).startswith(message)


def test_relativedelta_from_fields_names_its_argument() -> None:
    with pytest.raises(InvalidSerializedFormError) as info:
        relativedelta_from_fields({"days": "x"}, "interval")
    assert info.value.argument == "interval.days"
    assert relativedelta_from_fields({"weekday": [4, 2]}) == relativedelta(weekday=FR(2))
    assert relativedelta_from_fields({"weekday": [4, 2], "weeks": 2}) == relativedelta(
        weekday=FR(2), days=14
    )
    with pytest.raises(InvalidSerializedFormError) as info:
        delta_from_dict("x", "interval")
    assert info.value.argument == "interval"
