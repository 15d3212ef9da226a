"""Hypothesis strategies for ``timetable`` values - for our tests and for yours.

Needs the ``hypothesis`` extra (``pip install "timetable-planning[hypothesis]"``).
Names follow Hypothesis's own style: plural nouns, keyword-only bounds, strategies
(not values) as arguments, :class:`hypothesis.errors.InvalidArgument` for impossible
arguments.  Every strategy documents what it shrinks towards.

Datetimes are biased towards DST transitions: uniformly random instants almost never
land on one, and that is where schedulers break.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

try:
    from hypothesis import strategies as st
    from hypothesis.errors import InvalidArgument
except ImportError as err:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "timetable.strategies needs Hypothesis: pip install 'timetable-planning[hypothesis]'"
    ) from err

from dateutil.relativedelta import relativedelta

from ._timetables import (
    Continuous,
    CronDataIntervals,
    CronTrigger,
    DeltaDataIntervals,
    DeltaTrigger,
    Events,
    MultiCronTrigger,
    Never,
    Once,
)
from ._types import DataInterval, DstPolicy, TimeRestriction

__all__ = [
    "DST_ZONES",
    "aware_datetimes",
    "cron_expressions",
    "data_intervals",
    "deltas",
    "register_types",
    "dst_policies",
    "time_restrictions",
    "timetables",
    "timezones",
]

#: Zones with the transitions that break schedulers: 1-hour (Berlin, New York),
#: 30-minute (Lord Howe), southern hemisphere (Sao Paulo, Chatham), none (Kolkata).
DST_ZONES: tuple[str, ...] = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "America/Sao_Paulo",
    "Pacific/Chatham",
    "Europe/London",
    "Asia/Kolkata",
)

_MIN = datetime(2000, 1, 1, tzinfo=UTC)
_MAX = datetime(2040, 1, 1, tzinfo=UTC)


def timezones(*, zones: tuple[str, ...] = DST_ZONES) -> st.SearchStrategy[str]:
    """Zone names from *zones*.  Shrinks towards the first (``"UTC"``)."""
    if not zones:
        raise InvalidArgument("zones must not be empty")
    return st.sampled_from(zones)


@lru_cache(maxsize=64)
def _transitions(zone: str, lo: datetime, hi: datetime) -> tuple[datetime, ...]:
    """UTC instants where *zone*'s offset changes, between lo and hi (hourly scan + bisect)."""
    from ._tz import get_zone

    tz = get_zone(zone)
    out = []
    t = lo
    step = timedelta(hours=6)
    prev_off = t.astimezone(tz).utcoffset()
    while t < hi:
        n = t + step
        off = n.astimezone(tz).utcoffset()
        if off != prev_off:
            a, b = t, n
            while b - a > timedelta(minutes=1):
                mid = a + (b - a) / 2
                if mid.astimezone(tz).utcoffset() == prev_off:
                    a = mid
                else:
                    b = mid
            out.append(b.replace(second=0, microsecond=0))
        prev_off = off
        t = n
    return tuple(out)


def aware_datetimes(
    *,
    min_value: datetime = _MIN,
    max_value: datetime = _MAX,
    timezones: st.SearchStrategy[str] | None = None,
    near_transitions: bool = True,
) -> st.SearchStrategy[datetime]:
    """Aware instants (in UTC) between *min_value* and *max_value*.

    With *near_transitions*, about half of the draws land within a few hours of a DST
    transition of a zone drawn from *timezones* (default :data:`DST_ZONES`), on whole
    minutes more often than not.  Shrinks towards *min_value*.
    """
    for name, v in (("min_value", min_value), ("max_value", max_value)):
        if not isinstance(v, datetime) or v.tzinfo is None:
            raise InvalidArgument(f"{name}={v!r} must be an aware datetime")
    if min_value > max_value:
        raise InvalidArgument(f"min_value={min_value!r} is after max_value={max_value!r}")
    lo, hi = min_value.astimezone(UTC), max_value.astimezone(UTC)
    uniform = st.datetimes(
        min_value=lo.replace(tzinfo=None), max_value=hi.replace(tzinfo=None)
    ).map(lambda d: d.replace(tzinfo=UTC))
    if not near_transitions:
        return uniform
    zones = timezones if timezones is not None else st.sampled_from(DST_ZONES)

    @st.composite
    def near(draw: Any) -> datetime:
        zone = draw(zones)
        span_lo = max(lo, datetime(1990, 1, 1, tzinfo=UTC))
        span_hi = min(hi, datetime(2035, 1, 1, tzinfo=UTC))
        trans = _transitions(zone, span_lo, span_hi) if span_lo < span_hi else ()
        if not trans:
            return draw(uniform)
        center = draw(st.sampled_from(trans))
        minutes = draw(st.integers(-240, 240))
        out = center + timedelta(minutes=minutes)
        if draw(st.booleans()):
            out += timedelta(seconds=draw(st.integers(0, 59)))
        return min(max(out, lo), hi)

    return st.one_of(uniform, near())


_FIXED_CRONS = (
    "@daily",
    "@hourly",
    "@weekly",
    "@monthly",
    "@yearly",
    "@quarterly",
    "*/5 * * * *",
    "*/15 * * * *",
    "30 * * * *",
    "0 */2 * * *",
    "30 2 * * *",
    "0 2 * * *",
    "45 1 * * *",
    "0 9 * * 1-5",
    "0 0 1,15 * *",
    "15 3 * * 1#2",
    "0 0 L * *",
    "0 9 1 * MON",
    "0 0 29 2 *",
    "10,40 * * * *",
    "0 7-8 * * *",
    "0 0 * * * 30",
)


def cron_expressions(*, fields: bool = True) -> st.SearchStrategy[str]:
    """Valid cron expressions: a curated set of tricky shapes and, with *fields*, random
    five-field expressions.  Shrinks towards ``"@daily"``."""
    curated = st.sampled_from(_FIXED_CRONS)
    if not fields:
        return curated

    def field(lo: int, hi: int) -> st.SearchStrategy[str]:
        single = st.integers(lo, hi).map(str)
        step = st.integers(1, max(1, (hi - lo) // 2)).map(lambda s: f"*/{s}")
        lst = st.lists(st.integers(lo, hi), min_size=2, max_size=4, unique=True).map(
            lambda xs: ",".join(map(str, sorted(xs)))
        )
        rng = st.tuples(st.integers(lo, hi), st.integers(lo, hi)).map(
            lambda ab: f"{min(ab)}-{max(ab)}"
        )
        return st.one_of(single, st.just("*"), step, lst, rng)

    random_expr = st.tuples(
        field(0, 59), field(0, 23), st.sampled_from(["*", "1", "15", "1,15", "28"]),
        st.sampled_from(["*", "*/3", "1,7", "2"]), st.sampled_from(["*", "1-5", "0", "6"])
    ).map(" ".join)
    return st.one_of(curated, random_expr)


def deltas(
    *, min_value: timedelta = timedelta(minutes=1), max_value: timedelta = timedelta(days=40),
    calendar: bool = True
) -> st.SearchStrategy[timedelta | relativedelta]:
    """Positive ``timedelta`` steps, and with *calendar* ``relativedelta`` month/year steps.

    Shrinks towards *min_value*.
    """
    if min_value <= timedelta(0):
        raise InvalidArgument(f"min_value={min_value!r} must be positive")
    if min_value > max_value:
        raise InvalidArgument(f"min_value={min_value!r} is larger than max_value={max_value!r}")
    fixed = st.sampled_from(
        [timedelta(hours=1), timedelta(days=1), timedelta(minutes=90), timedelta(days=7)]
    ).filter(lambda d: min_value <= d <= max_value)
    anyd = st.integers(
        int(min_value.total_seconds() // 60), int(max_value.total_seconds() // 60)
    ).map(lambda m: timedelta(minutes=m))
    out: st.SearchStrategy[Any] = st.one_of(anyd, fixed)
    if calendar:
        out = st.one_of(
            out,
            st.sampled_from([relativedelta(months=1), relativedelta(months=3), relativedelta(years=1)]),
        )
    return out


def dst_policies() -> st.SearchStrategy[DstPolicy]:
    """Every DST policy.  Shrinks towards Airflow's (``shift``/``second``)."""
    return st.builds(
        DstPolicy,
        gap=st.sampled_from(["shift", "clamp", "skip"]),
        fold=st.sampled_from(["second", "first", "both"]),
    )


def timetables(
    *,
    zones: st.SearchStrategy[str] | None = None,
    crons: st.SearchStrategy[str] | None = None,
    kinds: tuple[str, ...] = (
        "CronDataIntervals",
        "CronTrigger",
        "DeltaDataIntervals",
        "DeltaTrigger",
        "MultiCronTrigger",
        "Events",
        "Once",
        "Never",
        "Continuous",
    ),
    airflow_dst: bool = True,
) -> st.SearchStrategy[Any]:
    """Timetables of the given *kinds*.  Shrinks towards ``CronDataIntervals("@daily")`` in UTC.

    With ``airflow_dst=False`` cron kinds also draw non-default DST policies.
    """
    known = {
        "CronDataIntervals", "CronTrigger", "DeltaDataIntervals", "DeltaTrigger",
        "MultiCronTrigger", "Events", "Once", "Never", "Continuous",
    }
    bad = set(kinds) - known
    if bad or not kinds:
        raise InvalidArgument(f"kinds={kinds!r}: expected a non-empty subset of {sorted(known)}")
    zones = zones if zones is not None else timezones()
    crons = crons if crons is not None else cron_expressions()
    policy = st.just(DstPolicy()) if airflow_dst else dst_policies()
    interval = st.sampled_from([timedelta(0), timedelta(hours=1), timedelta(days=1)])
    run_imm = st.sampled_from([False, True, None, timedelta(minutes=10)])
    builders: dict[str, st.SearchStrategy[Any]] = {
        "CronDataIntervals": st.builds(CronDataIntervals, cron=crons, timezone=zones, dst=policy),
        "CronTrigger": st.builds(
            CronTrigger, cron=crons, timezone=zones, interval=interval,
            run_immediately=run_imm, dst=policy,
        ),
        "DeltaDataIntervals": st.builds(DeltaDataIntervals, delta=deltas()),
        "DeltaTrigger": st.builds(DeltaTrigger, delta=deltas(), interval=interval),
        "MultiCronTrigger": st.builds(
            MultiCronTrigger, crons=st.lists(crons, min_size=1, max_size=3), timezone=zones,
            interval=interval, run_immediately=run_imm, dst=policy,
        ),
        "Events": st.builds(
            Events,
            event_dates=st.lists(aware_datetimes(near_transitions=False), max_size=8),
            restrict_to_events=st.booleans(),
            presorted=st.booleans(),
        ),
        "Once": st.just(Once()),
        "Never": st.just(Never()),
        "Continuous": st.just(Continuous()),
    }
    return st.one_of([builders[k] for k in kinds])


def data_intervals(
    *, min_value: datetime = _MIN, max_value: datetime = _MAX
) -> st.SearchStrategy[DataInterval]:
    """Intervals ``start <= end`` within the bounds.  Shrinks towards ``[min_value, min_value]``."""
    pts = aware_datetimes(min_value=min_value, max_value=max_value)
    return st.tuples(pts, pts).map(lambda ab: DataInterval(start=min(ab), end=max(ab)))


def time_restrictions(
    *, min_value: datetime = _MIN, max_value: datetime = _MAX
) -> st.SearchStrategy[TimeRestriction]:
    """Restrictions with optional bounds (``latest`` may precede ``earliest``, as Airflow allows).

    Shrinks towards no bounds with catchup on.
    """
    pts = st.none() | aware_datetimes(min_value=min_value, max_value=max_value)
    return st.builds(TimeRestriction, earliest=pts, latest=pts, catchup=st.booleans())


def register_types() -> None:
    """Register our types with ``st.from_type`` (done on import and by Hypothesis's entry point)."""
    st.register_type_strategy(DataInterval, data_intervals())
    st.register_type_strategy(TimeRestriction, time_restrictions())
    st.register_type_strategy(DstPolicy, dst_policies())
    for kind in (CronDataIntervals, CronTrigger, DeltaDataIntervals, DeltaTrigger,
                 MultiCronTrigger, Events):
        st.register_type_strategy(kind, timetables(kinds=(kind.__name__,)))


register_types()
