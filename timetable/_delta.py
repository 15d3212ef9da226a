"""Fixed-duration and calendar steps: ``timedelta`` and ``relativedelta``.

Theory of operation
-------------------
Delta schedules have no zone: like Airflow (``timetables/_delta.py``) they step on the
**UTC** instant.  ``timedelta`` steps are exact durations; a ``relativedelta`` with
months or years is added to the UTC calendar date with clamping (Jan 31 + 1 month =
Feb 28/29), *stepwise from the previous boundary*, so a monthly schedule started on the
31st drifts to the 28th after February and stays there - Airflow's behaviour.

This is the only module that imports `dateutil.relativedelta`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeAlias, TypeGuard

from .errors import InvalidScheduleError, WrongTypeError

__all__ = [
    "Delta",
    "check_delta",
    "delta_from_dict",
    "delta_seconds",
    "delta_summary",
    "delta_to_dict",
    "epoch_floor",
    "has_calendar_units",
    "is_relativedelta",
    "month_stepper",
    "step",
]

if TYPE_CHECKING:
    from dateutil.relativedelta import relativedelta

    Delta: TypeAlias = timedelta | relativedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Reference instants for the positivity check: a relativedelta's sign can depend on the
# date it is added to (weekday=, day=31, months=+1 days=-30 ...), so test a spread.
_REFERENCES = tuple(
    datetime(2000 + y, m, d, tzinfo=UTC)
    for y in (0, 1)
    for m in (1, 2, 3, 12)
    for d in (1, 15, 28, 29, 30, 31)
    if not (m == 2 and d > 28 + (y == 0))
) + tuple(datetime(2024, 1, d, tzinfo=UTC) for d in range(1, 8))

_RD_FIELDS = ("years", "months", "days", "hours", "minutes", "seconds", "microseconds")
_RD_ABS = ("year", "month", "day", "hour", "minute", "second", "microsecond")


def is_relativedelta(delta: object) -> TypeGuard[relativedelta]:
    """Whether *delta* is a ``dateutil.relativedelta``.

    dateutil is imported only by code that builds a relativedelta, so while its module is
    not loaded no value can be one (``import timetable`` stays free of it).
    """
    module = sys.modules.get("dateutil.relativedelta")
    return module is not None and isinstance(delta, module.relativedelta)


def check_delta(delta: Any, argument: str = "delta", *, allow_zero: bool = False) -> Delta:
    """Validate a schedule delta; return it.

    Raises:
        WrongTypeError: not a timedelta or relativedelta.
        InvalidScheduleError: not strictly positive (or negative when *allow_zero*).
    """
    if isinstance(delta, bool) or not (isinstance(delta, timedelta) or is_relativedelta(delta)):
        raise WrongTypeError.for_value(argument, delta, "expected a timedelta or relativedelta")
    if isinstance(delta, timedelta):
        if delta < timedelta(0) or (delta == timedelta(0) and not allow_zero):
            raise InvalidScheduleError.for_value(
                argument, delta, "must be positive" if not allow_zero else "must not be negative"
            )
        return delta
    for ref in _REFERENCES:
        try:
            moved = ref + delta
        except (OverflowError, ValueError) as err:
            raise InvalidScheduleError.for_value(argument, delta, f"cannot be applied ({err})") from err
        if moved < ref or (moved == ref and not allow_zero):
            raise InvalidScheduleError.for_value(
                argument,
                delta,
                "must move every date forward (a relativedelta whose sign depends on the "
                "date, or an absolute field such as weekday=, is not a schedule step)",
            )
    return delta


def has_calendar_units(delta: Delta) -> bool:
    """Whether *delta* is a relativedelta with months or years (a calendar step)."""
    return is_relativedelta(delta) and bool(delta.months or delta.years)


def delta_seconds(delta: Delta) -> float:
    """Airflow's length of *delta* in seconds (365-day years, 30-day months)."""
    if isinstance(delta, timedelta):
        return delta.total_seconds()
    return float(
        delta.years * 365 * 86400
        + delta.months * 30 * 86400
        + delta.days * 86400
        + delta.hours * 3600
        + delta.minutes * 60
        + delta.seconds
    )


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def month_stepper(delta: Delta) -> Callable[[datetime], datetime] | None:
    """A fast ``x + delta`` for a relativedelta of whole months/years only, else ``None``.

    Same result as dateutil's addition (the day clamps to the target month's length; the
    time of day and zone are kept) at a fraction of its cost.  Raises ``ValueError`` past
    year 9999, like ``datetime.replace``.
    """
    if isinstance(delta, timedelta) or not is_relativedelta(delta):
        return None
    if any(getattr(delta, f) for f in ("days", "hours", "minutes", "seconds", "microseconds")):
        return None
    if delta.leapdays or delta.weekday is not None:
        return None
    if any(getattr(delta, f) is not None for f in _RD_ABS):
        return None
    shift = delta.years * 12 + delta.months
    if shift == 0:
        return None

    def add(x: datetime) -> datetime:
        y, m0 = divmod(x.year * 12 + x.month - 1 + shift, 12)
        m = m0 + 1
        last = _MONTH_DAYS[m0]
        if m == 2 and y % 4 == 0 and (y % 100 != 0 or y % 400 == 0):
            last = 29
        return x.replace(year=y, month=m, day=x.day if x.day <= last else last)

    return add


def step(t: datetime, delta: Delta, n: int = 1) -> datetime | None:
    """``t`` moved by ``n`` deltas on the UTC instant (``None`` when out of range)."""
    try:
        u = t.astimezone(UTC)
        if n == 1:
            return u + delta
        if n == -1:
            return u - delta
        out = u
        for _ in range(abs(n)):
            out = out + delta if n > 0 else out - delta
        return out
    except (OverflowError, ValueError):
        return None


def epoch_floor(now: datetime, delta: Delta) -> datetime | None:
    """Airflow's ``_round``: *now* floored on the Unix-epoch grid of *delta*."""
    secs = delta_seconds(delta)
    if secs <= 0:
        return None
    step_us = round(secs * 1_000_000)
    ts_us = (now.astimezone(UTC) - _EPOCH) // timedelta(microseconds=1)
    return _EPOCH + timedelta(microseconds=ts_us - ts_us % step_us)


def delta_summary(delta: Delta) -> str:
    """Airflow's summary of a delta: ``str(delta)``."""
    return str(delta)


def delta_to_dict(delta: Delta) -> dict[str, Any]:
    """``{"seconds": N}`` for a timedelta, ``{"relativedelta": {...}}`` otherwise."""
    if isinstance(delta, timedelta):
        secs = delta.total_seconds()
        return {"seconds": int(secs) if secs == int(secs) else secs}
    out: dict[str, Any] = {}
    for f in _RD_FIELDS:
        v = getattr(delta, f)
        if v:
            out[f] = v
    for f in _RD_ABS:
        v = getattr(delta, f)
        if v is not None:
            out[f] = v
    if delta.weekday is not None:
        wd = delta.weekday
        out["weekday"] = [wd.weekday] if wd.n is None else [wd.weekday, wd.n]
    if delta.leapdays:
        out["leapdays"] = delta.leapdays
    return {"relativedelta": out}


def delta_from_dict(data: Any, argument: str = "delta") -> Delta:
    """Inverse of `delta_to_dict()` (also accepts a bare number of seconds)."""
    from .errors import InvalidSerializedFormError

    if isinstance(data, bool):
        raise InvalidSerializedFormError.for_value(argument, data, "expected a duration")
    if isinstance(data, (int, float)):
        return timedelta(seconds=data)
    if not isinstance(data, dict):
        raise InvalidSerializedFormError.for_value(
            argument, data, 'expected {"seconds": N} or {"relativedelta": {...}}'
        )
    if set(data) == {"seconds"} and isinstance(data["seconds"], (int, float)) and not isinstance(
        data["seconds"], bool
    ):
        try:
            return timedelta(seconds=data["seconds"])
        except (OverflowError, ValueError) as err:
            raise InvalidSerializedFormError.for_value(argument, data, str(err)) from err
    if set(data) == {"relativedelta"} and isinstance(data["relativedelta"], dict):
        return relativedelta_from_fields(data["relativedelta"], argument)
    raise InvalidSerializedFormError.for_value(
        argument, data, 'expected {"seconds": N} or {"relativedelta": {...}}'
    )


def relativedelta_from_fields(fields: dict[str, Any], argument: str = "delta") -> relativedelta:
    """Build a relativedelta from Airflow's/our field dict (``weekday`` as ``[n]`` or ``[n, k]``)."""
    from dateutil.relativedelta import relativedelta
    from dateutil.relativedelta import weekday as _weekday

    from .errors import InvalidSerializedFormError

    kwargs: dict[str, Any] = {}
    allowed = {*_RD_FIELDS, *_RD_ABS, "weeks", "leapdays", "weekday"}
    for key, value in fields.items():
        if key not in allowed:
            raise InvalidSerializedFormError.for_value(
                f"{argument}.{key}", value, f"unknown relativedelta field; expected {sorted(allowed)}"
            )
        if key == "weekday":
            if value is None:
                continue
            if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
                kwargs[key] = _weekday(value)
                continue
            if (
                isinstance(value, list)
                and 1 <= len(value) <= 2
                and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
                and 0 <= value[0] <= 6
            ):
                kwargs[key] = _weekday(value[0], value[1] if len(value) == 2 else None)
                continue
            raise InvalidSerializedFormError.for_value(
                f"{argument}.weekday", value, "expected [0-6] or [0-6, n]"
            )
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidSerializedFormError.for_value(f"{argument}.{key}", value, "expected a number")
        kwargs[key] = value
    try:
        return relativedelta(**kwargs)
    except (ValueError, TypeError, OverflowError) as err:
        raise InvalidSerializedFormError.for_value(argument, fields, str(err)) from err
