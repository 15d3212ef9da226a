"""Delta steps: validation, stepping on the UTC instant, the epoch floor, and their forms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from timetable import errors
from timetable import strategies as tst
from timetable._delta import (
    check_delta,
    delta_from_dict,
    delta_seconds,
    delta_summary,
    delta_to_dict,
    epoch_floor,
    has_calendar_units,
    relativedelta_from_fields,
    step,
)


@pytest.mark.parametrize(
    "delta",
    [
        timedelta(minutes=1),
        timedelta(days=7),
        relativedelta(months=1),
        relativedelta(years=1),
        relativedelta(hours=1),
        relativedelta(months=1, days=-1),
    ],
)
def test_positive_deltas_are_accepted(delta: object) -> None:
    """Every delta that moves every date forward is a schedule step."""
    assert check_delta(delta) is delta


@pytest.mark.parametrize(
    "delta",
    [
        timedelta(0),
        timedelta(seconds=-1),
        relativedelta(),
        relativedelta(days=-1),
        relativedelta(weekday=0),
        relativedelta(day=31),
        relativedelta(months=1, days=-31),
    ],
)
def test_non_positive_deltas_are_rejected(delta: object) -> None:
    """Zero, negative and date-dependent deltas fail as InvalidScheduleError, named."""
    with pytest.raises(errors.InvalidScheduleError) as info:
        check_delta(delta, "delta")
    assert str(info.value).startswith("delta=")
    assert info.value.argument == "delta"


def test_zero_interval_allowed_where_asked() -> None:
    """``interval`` may be zero (trigger kinds), never negative."""
    assert check_delta(timedelta(0), "interval", allow_zero=True) == timedelta(0)
    with pytest.raises(errors.InvalidScheduleError, match=r"^interval="):
        check_delta(timedelta(seconds=-1), "interval", allow_zero=True)


@pytest.mark.parametrize("delta", [1, 1.5, "1 day", None, True, [timedelta(1)]])
def test_wrong_types(delta: object) -> None:
    """Numbers, strings, booleans are not deltas."""
    with pytest.raises(errors.WrongTypeError, match=r"^delta="):
        check_delta(delta)


def test_step_works_on_the_utc_instant() -> None:
    """One day from New York midnight before spring-forward is 01:00 local after it."""
    ny_midnight = datetime(2024, 3, 10, 5, tzinfo=UTC)
    assert step(ny_midnight, timedelta(days=1)) == datetime(2024, 3, 11, 5, tzinfo=UTC)
    local = datetime(2024, 3, 10, 0, tzinfo=timezone(timedelta(hours=-5)))
    out = step(local, timedelta(days=1))
    assert out is not None
    assert out.tzinfo is UTC
    assert step(datetime(2025, 1, 31, tzinfo=UTC), relativedelta(months=1)) == datetime(
        2025, 2, 28, tzinfo=UTC
    )
    assert step(datetime(2024, 1, 3, tzinfo=UTC), timedelta(days=1), -2) == datetime(
        2024, 1, 1, tzinfo=UTC
    )


def test_step_out_of_range_is_none() -> None:
    """Leaving datetime's range answers None, never OverflowError."""
    assert step(datetime(9999, 12, 31, tzinfo=UTC), timedelta(days=2)) is None
    assert step(datetime(1, 1, 1, tzinfo=UTC), relativedelta(years=1), -1) is None


def test_epoch_floor() -> None:
    """Airflow's ``_round``: 7 days floor to Thursdays, 90 minutes to the epoch grid."""
    now = datetime(2021, 9, 7, 13, tzinfo=UTC)
    assert epoch_floor(now, timedelta(days=1)) == datetime(2021, 9, 7, tzinfo=UTC)
    assert epoch_floor(now, timedelta(days=7)) == datetime(2021, 9, 2, tzinfo=UTC)  # Thursday
    assert epoch_floor(now, timedelta(minutes=90)) == datetime(2021, 9, 7, 12, tzinfo=UTC)
    assert delta_seconds(relativedelta(months=1)) == 30 * 86400
    assert delta_seconds(relativedelta(years=1, hours=1)) == 365 * 86400 + 3600


@pytest.mark.parametrize(
    ("delta", "summary"),
    [
        (timedelta(days=1), "1 day, 0:00:00"),
        (timedelta(hours=12), "12:00:00"),
        (relativedelta(months=1), "relativedelta(months=+1)"),
    ],
)
def test_summary_is_airflows(delta: object, summary: str) -> None:
    """Airflow's summary of a delta is ``str(delta)``."""
    assert delta_summary(delta) == summary  # type: ignore[arg-type]


def test_calendar_units() -> None:
    """Only months and years are calendar steps."""
    assert has_calendar_units(relativedelta(months=1))
    assert has_calendar_units(relativedelta(years=2, days=1))
    assert not has_calendar_units(relativedelta(days=30))
    assert not has_calendar_units(timedelta(days=30))


@settings(max_examples=100, deadline=None)
@given(
    delta=tst.deltas()
    | st.builds(
        relativedelta,
        months=st.integers(0, 24),
        days=st.integers(0, 40),
        hours=st.integers(0, 48),
        weekday=st.none() | st.integers(0, 6),
    )
)
def test_dict_form_round_trips(delta: object) -> None:
    """delta_from_dict(delta_to_dict(d)) == d, for timedeltas and relativedeltas."""
    assert delta_from_dict(delta_to_dict(delta)) == delta  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "data",
    [
        True,
        "1h",
        None,
        [],
        {"seconds": "1"},
        {"relativedelta": {"fortnights": 1}},
        {"relativedelta": {"weekday": [9]}},
        {"relativedelta": {"months": "x"}},
        {"seconds": 1, "extra": 2},
        {"seconds": 10**20},
    ],
)
def test_bad_dict_forms(data: object) -> None:
    """Malformed forms fail as InvalidSerializedFormError naming the field."""
    with pytest.raises(errors.InvalidSerializedFormError) as info:
        delta_from_dict(data)
    assert str(info.value).startswith("delta")


def test_relativedelta_fields() -> None:
    """Airflow's relativedelta dicts: weekday as ``[n]`` or ``[n, k]``."""
    from dateutil.relativedelta import MO, TU

    assert relativedelta_from_fields({"weekday": [0]}) == relativedelta(weekday=MO)
    assert relativedelta_from_fields({"weekday": [1, 2]}) == relativedelta(weekday=TU(2))
    assert relativedelta_from_fields({"hours": 1, "day": None}) == relativedelta(hours=1)
