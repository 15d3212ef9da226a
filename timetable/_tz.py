"""Time zones: lookup, wall clock <-> instant, and the DST gap/fold rules.

Theory of operation
-------------------
Every schedule computes on the *wall clock* of its own zone and hands back aware
instants.  Two things can go wrong when a wall time is turned back into an instant:

* **gap** - the wall time does not exist (spring forward, e.g. 02:30 in Berlin on the
  last Sunday of March);
* **fold** - the wall time exists twice (fall back, e.g. 02:30 in Berlin on the last
  Sunday of October).

This module is the only place that reads ``tzinfo``/``fold``.  It offers
`resolve_wall()`, which applies a named policy:

========  =====================================================  ============================
policy    meaning                                                who does this
========  =====================================================  ============================
shift     gap: move forward by the length of the gap             Airflow (pendulum ``convert``)
clamp     gap: use the transition instant itself                 croniter, cronsim, Dagster
skip      gap: the wall time does not happen at all              Temporal, Kubernetes
second    fold: the later occurrence (standard time)             Airflow
first     fold: the earlier occurrence (daylight time)           Debian cron, cronsim
both      fold: both occurrences                                 croniter, Temporal
========  =====================================================  ============================

Zones are named by IANA key (``"Europe/Berlin"``), ``"UTC"``, or a fixed offset
(``"+05:30"``, ``"-03:00"``), which is what Airflow stores for fixed-offset zones.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import (
    InvalidArgumentError,
    NaiveDatetimeError,
    UnknownTimezoneError,
    WrongTypeError,
)

__all__ = [
    "UTC",
    "FoldPolicy",
    "GapPolicy",
    "as_instant",
    "check_aware",
    "get_zone",
    "resolve_wall",
    "to_wall",
    "zone_name",
]

GapPolicy = Literal["shift", "clamp", "skip"]
FoldPolicy = Literal["second", "first", "both"]

_OFFSET_RE = re.compile(r"^([+-])(\d{2}):(\d{2})$")


@lru_cache(maxsize=256)
def get_zone(name: str) -> tzinfo:
    """Return the tzinfo for an IANA key, ``"UTC"`` or a fixed offset like ``"+05:30"``.

    Raises:
        UnknownTimezoneError: *name* is none of those.
        WrongTypeError: *name* is not a string.
    """
    if not isinstance(name, str):
        raise WrongTypeError.for_value("timezone", name, "expected a zone name (str)")
    if name in ("UTC", "utc", "Etc/UTC", "Z"):
        return UTC
    m = _OFFSET_RE.match(name)
    if m:
        sign, hh, mm = m.group(1), int(m.group(2)), int(m.group(3) or 0)
        if hh > 23 or mm > 59:
            raise UnknownTimezoneError.for_value("timezone", name, "offset out of range")
        off = timedelta(hours=hh, minutes=mm)
        return timezone(-off if sign == "-" else off)
    try:
        if not name or name.startswith(("/", ".")) or ".." in name or "\x00" in name:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError, TypeError) as err:
        raise UnknownTimezoneError.for_value(
            "timezone", name, "not an IANA time zone name or a fixed offset like '+05:30'"
        ) from err


def zone_name(tz: tzinfo) -> str:
    """The canonical name we store for *tz* (IANA key, ``"UTC"`` or ``"+HH:MM"``)."""
    if tz is UTC:
        return "UTC"
    key = getattr(tz, "key", None)
    if isinstance(key, str):
        return key
    off = tz.utcoffset(None)
    if off is None:  # pragma: no cover - fixed zones always have an offset
        raise UnknownTimezoneError.for_value("timezone", tz, "zone without an offset")
    return format_offset(off)


def format_offset(off: timedelta) -> str:
    """``timedelta(hours=5, minutes=30)`` -> ``"+05:30"``."""
    total = int(off.total_seconds())
    sign = "-" if total < 0 else "+"
    total = abs(total)
    return f"{sign}{total // 3600:02d}:{(total % 3600) // 60:02d}"


def check_aware(value: object, argument: str) -> datetime:
    """Return *value* if it is an aware datetime; raise a typed error otherwise."""
    if not isinstance(value, datetime):
        raise WrongTypeError.for_value(argument, value, "expected an aware datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError.for_value(
            argument,
            value,
            "naive datetime; pass an aware one, e.g. with tzinfo=datetime.timezone.utc",
        )
    try:
        value.astimezone(UTC)
    except OverflowError:
        # e.g. 9999-12-31T23:00-05:00: its instant is past datetime.max in UTC.
        raise InvalidArgumentError.for_value(
            argument, value, "outside the range of instants a datetime can hold in UTC"
        ) from None
    return value


def as_instant(value: datetime) -> datetime:
    """The same instant, expressed in UTC."""
    return value.astimezone(UTC)


def to_wall(instant: datetime, tz: tzinfo) -> datetime:
    """The naive wall-clock reading of *instant* in *tz* (the fold flag is dropped)."""
    return instant.astimezone(tz).replace(tzinfo=None, fold=0)


def resolve_wall(
    wall: datetime, tz: tzinfo, *, gap: GapPolicy = "shift", fold: FoldPolicy = "second"
) -> tuple[datetime, ...]:
    """Turn a naive wall time in *tz* into the instants (UTC) it denotes under a policy.

    Returns one instant in the common case, none for a gap under ``gap="skip"``, and two
    for a fold under ``fold="both"`` (earlier first).
    """
    if tz is UTC or isinstance(tz, timezone):
        return (wall.replace(tzinfo=tz).astimezone(UTC),)
    w0 = wall.replace(fold=0, tzinfo=tz)
    w1 = wall.replace(fold=1, tzinfo=tz)
    off0 = w0.utcoffset()
    off1 = w1.utcoffset()
    assert off0 is not None
    assert off1 is not None
    if off0 == off1:
        return (w0.astimezone(UTC),)
    if off1 > off0:  # gap: the wall time does not exist
        if gap == "skip":
            return ()
        if gap == "clamp":
            return (_transition_instant(wall, tz, off0, off1),)
        # shift: move forward by the length of the gap (pendulum's convert, fold=1)
        shifted = wall + (off1 - off0)
        return (shifted.replace(tzinfo=tz, fold=1).astimezone(UTC),)
    # fold: the wall time happens twice; w0 is the first occurrence.
    first = w0.astimezone(UTC)
    second = w1.astimezone(UTC)
    if fold == "first":
        return (first,)
    if fold == "both":
        return (first, second)
    return (second,)


def _transition_instant(
    wall: datetime, tz: tzinfo, off_before: timedelta, off_after: timedelta
) -> datetime:
    """The instant at which the gap containing *wall* ends (clocks jump forward then)."""
    # The transition instant T lies in [wall - off_after, wall - off_before]; before T the
    # zone uses off_before, from T on off_after.  Bisect to the second.
    lo = (wall - off_after).replace(tzinfo=UTC)
    hi = (wall - off_before).replace(tzinfo=UTC)
    while hi - lo > timedelta(seconds=1):
        mid = (lo + (hi - lo) / 2).replace(microsecond=0)
        if mid <= lo:
            break
        if mid.astimezone(tz).utcoffset() == off_after:
            hi = mid
        else:
            lo = mid
    return hi
