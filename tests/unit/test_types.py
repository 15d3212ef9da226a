"""The value types: DataInterval, TimeRestriction, RunInfo, DstPolicy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import attrs
import pytest

import timetable as tt
from timetable import errors

T0 = datetime(2024, 1, 1, tzinfo=UTC)
T1 = datetime(2024, 1, 2, tzinfo=UTC)


def test_data_interval() -> None:
    """[start, end], zero length allowed, compared as instants, membership inclusive."""
    iv = tt.DataInterval(start=T0, end=T1)
    assert iv.end - iv.start == timedelta(days=1)
    assert tt.DataInterval.exact(T0) == tt.DataInterval(start=T0, end=T0)
    assert T0 in iv
    assert T1 in iv
    assert T1 + timedelta(microseconds=1) not in iv
    assert "2024-01-01" not in iv
    berlin = T0.astimezone(timezone(timedelta(hours=1)))
    assert tt.DataInterval(start=berlin, end=T1) == iv  # same instants, other offset


def test_data_interval_rejects_bad_input() -> None:
    """Reversed, naive and non-datetime fields fail with typed errors naming the field."""
    with pytest.raises(errors.InvalidIntervalError) as info:
        tt.DataInterval(start=T1, end=T0)
    assert info.value.argument == "end"
    assert "start=" in str(info.value)
    with pytest.raises(errors.NaiveDatetimeError, match=r"^start="):
        tt.DataInterval(start=datetime(2024, 1, 1), end=T1)
    with pytest.raises(errors.WrongTypeError, match=r"^end="):
        tt.DataInterval(start=T0, end="2024-01-02")  # type: ignore[arg-type]


def test_time_restriction() -> None:
    """Optional inclusive bounds; latest < earliest is allowed (Airflow schedules nothing)."""
    # Airflow 3's default: catchup_by_default = False
    assert tt.TimeRestriction() == tt.TimeRestriction(earliest=None, latest=None, catchup=False)
    r = tt.TimeRestriction(earliest=T1, latest=T0, catchup=False)
    assert (r.earliest, r.latest, r.catchup) == (T1, T0, False)
    with pytest.raises(errors.WrongTypeError, match=r"^catchup=1"):
        tt.TimeRestriction(catchup=1)  # type: ignore[arg-type]
    with pytest.raises(errors.NaiveDatetimeError, match=r"^latest="):
        tt.TimeRestriction(latest=datetime(2024, 1, 1))


def test_run_info() -> None:
    """logical_date is the interval start; exact and interval constructors."""
    info = tt.RunInfo.interval(T0, T1)
    assert info.run_after == T1
    assert info.logical_date == T0
    assert tt.RunInfo.exact(T0) == tt.RunInfo(run_after=T0, data_interval=tt.DataInterval.exact(T0))
    with pytest.raises(errors.WrongTypeError, match=r"^data_interval="):
        tt.RunInfo(run_after=T0, data_interval=(T0, T1))  # type: ignore[arg-type]
    with pytest.raises(errors.NaiveDatetimeError, match=r"^run_after="):
        tt.RunInfo(run_after=datetime(2024, 1, 1), data_interval=tt.DataInterval.exact(T0))


def test_dst_policy() -> None:
    """Airflow's policy by default; closed vocabularies for gap and fold."""
    assert tt.DstPolicy().is_airflow
    assert tt.DstPolicy(gap="shift", fold="second") == tt.DstPolicy()
    assert not tt.DstPolicy(gap="skip").is_airflow
    assert not tt.DstPolicy(fold="both").is_airflow
    with pytest.raises(errors.InvalidArgumentError, match=r"^gap='later'"):
        tt.DstPolicy(gap="later")
    with pytest.raises(errors.InvalidArgumentError, match=r"^fold=\[\]"):
        tt.DstPolicy(fold=[])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value",
    [
        tt.DataInterval(start=T0, end=T1),
        tt.TimeRestriction(earliest=T0),
        tt.RunInfo.exact(T0),
        tt.DstPolicy(gap="clamp"),
    ],
)
def test_value_types_are_frozen_and_hashable(value: object) -> None:
    """Immutable, hashable, equal by value."""
    assert hash(value) == hash(attrs.evolve(value))  # type: ignore[misc]
    field = attrs.fields(type(value))[0].name
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(value, field, None)
    assert len({value, attrs.evolve(value)}) == 1  # type: ignore[misc]
