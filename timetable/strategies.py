"""Hypothesis strategies for ``timetable`` values - for our tests and for yours.

Needs the ``hypothesis`` extra (``pip install "timetable-planning[hypothesis]"``).
Names follow Hypothesis's own style: plural nouns, keyword-only bounds, strategies
(not values) as arguments, `hypothesis.errors.InvalidArgument` for impossible
arguments.  Every strategy documents what it shrinks towards.

Datetimes are biased towards DST transitions: uniformly random instants almost never
land on one, and that is where schedulers break.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

try:
    from hypothesis import strategies as st
    from hypothesis.errors import InvalidArgument
except ImportError as err:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "timetable.strategies needs Hypothesis: pip install 'timetable-planning[hypothesis]'"
    ) from err

import itertools

from dateutil.relativedelta import relativedelta

from ._backfill import BackfillRequest
from ._calendar import ROLLS, BusinessCalendar, Holiday, HolidayRule
from ._clear import ClearRequest, RunHistory
from ._graph import TaskGraph, TaskSpec
from ._records import RunRecord, RunType, TaskInstanceRecord, TaskState
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
from ._types import DataInterval, DstPolicy, RunInfo, TimeRestriction
from .errors import InvalidCalendarError

__all__ = [
    "DST_ZONES",
    "InvariantViolation",
    "aware_datetimes",
    "backfill_requests",
    "business_calendars",
    "check_catchup",
    "check_plan_equal",
    "check_run_ids",
    "check_run_infos",
    "clear_requests",
    "cron_expressions",
    "data_intervals",
    "deltas",
    "fixed_stride_crons",
    "dst_policies",
    "register_types",
    "rolls",
    "run_histories",
    "run_records",
    "run_states",
    "task_graphs",
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
    """UTC instants where *zone*'s offset changes, between lo and hi (the engine's table)."""
    from ._cron import zone_transitions
    from ._tz import get_zone

    return tuple(
        t.replace(second=0, microsecond=0)
        for t, _ in zone_transitions(get_zone(zone), lo, hi)
        if lo <= t < hi
    )


def aware_datetimes(
    *,
    min_value: datetime = _MIN,
    max_value: datetime = _MAX,
    timezones: st.SearchStrategy[str] | None = None,
    near_transitions: bool = True,
) -> st.SearchStrategy[datetime]:
    """Aware instants (in UTC) between *min_value* and *max_value*.

    With *near_transitions*, about half of the draws land within a few hours of a DST
    transition of a zone drawn from *timezones* (default `DST_ZONES`), on whole
    minutes more often than not.  Shrinks towards *min_value*.
    """
    for name, v in (("min_value", min_value), ("max_value", max_value)):
        if not isinstance(v, datetime) or v.tzinfo is None:
            raise InvalidArgument(f"{name}={v!r} must be an aware datetime")
    if min_value > max_value:
        raise InvalidArgument(f"min_value={min_value!r} is after max_value={max_value!r}")
    lo, hi = min_value.astimezone(UTC), max_value.astimezone(UTC)
    span = (hi - lo) // timedelta(microseconds=1)
    uniform = st.integers(0, span).map(lambda us: lo + timedelta(microseconds=us))
    if not near_transitions:
        return uniform
    zones = timezones if timezones is not None else st.sampled_from(DST_ZONES)

    @st.composite
    def near(draw: st.DrawFn) -> datetime:
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

    return st.booleans().flatmap(lambda close: near() if close else uniform)


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
    "0 0 15W * *",
    "30 2 31W */2 *",
)


def fixed_stride_crons() -> st.SearchStrategy[str]:
    """Cron expressions of the fixed-stride shapes the tick engine numbers in O(1).

    Every N minutes (N dividing 60, with an offset), hourly at M, daily at H:M, some
    weekdays, some days <= 28 of some months, and lists of such values.  Shrinks towards
    ``"0 0 * * *"``.
    """
    minute = st.integers(0, 59)
    hour = st.integers(0, 23)
    divisor = st.sampled_from([1, 2, 3, 5, 10, 15, 20, 30])

    def listed(xs: list[int]) -> str:
        return ",".join(map(str, sorted(set(xs))))

    mins = st.one_of(
        minute.map(str),
        st.lists(minute, min_size=2, max_size=3).map(listed),
        st.tuples(divisor, st.integers(0, 29)).map(lambda p: f"{p[1] % p[0]}-59/{p[0]}"),
        divisor.map(lambda n: f"*/{n}"),
    )
    hours = st.one_of(
        st.just("*"), hour.map(str), st.lists(hour, min_size=2, max_size=3).map(listed),
        st.sampled_from(["*/2", "9-17", "1-3"]),
    )
    daily = st.tuples(mins, hours).map(lambda mh: f"{mh[0]} {mh[1]} * * *")
    weekly = st.tuples(minute, hour, st.lists(st.integers(0, 6), min_size=1, max_size=3)).map(
        lambda t: f"{t[0]} {t[1]} * * {listed(t[2])}"
    )
    monthly = st.tuples(
        minute, hour, st.lists(st.integers(1, 28), min_size=1, max_size=2),
        st.sampled_from(["*", "1", "*/3", "2,8"]),
    ).map(lambda t: f"{t[0]} {t[1]} {listed(t[2])} {t[3]} *")
    return st.one_of(
        st.sampled_from(["0 0 * * *", "0 * * * *", "*/5 * * * *", "30 2 * * *",
                         "0 9 * * 1-5", "0 0 * * 0", "0 0 1 * *", "0 0 1 1 *", "0 0 1 */3 *"]),
        daily, weekly, monthly,
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


_WEEKMASKS = ("1111100", "1111110", "0111110", "1111011", "1010101", "1111111", "0000011")


def business_calendars(
    *,
    min_year: int = 1995,
    max_year: int = 2038,
    max_holidays: int = 12,
) -> st.SearchStrategy[BusinessCalendar]:
    """Business calendars: a weekmask, dated holidays between *min_year* and *max_year*,
    and holiday rules (fixed with observed shifting, nth/last weekday, Easter, ranges);
    sometimes combined with a second calendar by ``|``, ``&`` or ``-``.

    Shrinks towards ``BusinessCalendar()`` (Monday to Friday, no holidays).
    """
    if min_year > max_year:
        raise InvalidArgument(f"min_year={min_year!r} is after max_year={max_year!r}")
    days = st.dates(min_value=date(min_year, 1, 1), max_value=date(max_year, 12, 31))
    named = st.tuples(days, st.sampled_from(["holiday", "Founders' Day", "Bank Holiday"]))
    rules = st.one_of(
        st.builds(
            HolidayRule.fixed,
            st.integers(1, 12),
            st.integers(1, 28),
            name=st.just("Fixed Day"),
            observed=st.sampled_from(["none", "nearest", "following"]),
        ),
        st.builds(
            HolidayRule.nth_weekday,
            st.integers(1, 12),
            st.integers(0, 6),
            st.sampled_from([1, 2, 3, 4, -1]),
            name=st.just("Nth Weekday"),
            offset=st.sampled_from([0, 0, 1, -1]),
        ),
        st.builds(HolidayRule.easter, st.integers(-3, 50), name=st.just("Easter Day")),
        days.flatmap(
            lambda d: st.builds(
                HolidayRule.date_range,
                st.just(d),
                st.integers(0, 12).map(lambda k: d + timedelta(days=k)),
                name=st.just("Closure"),
            )
        ),
    )
    entries = st.lists(st.one_of(days, named, rules), max_size=max_holidays)
    plain = st.builds(BusinessCalendar, weekmask=st.sampled_from(_WEEKMASKS), holidays=entries)

    def combine(pair: tuple[BusinessCalendar, BusinessCalendar, str]) -> BusinessCalendar:
        a, b, op = pair
        if op == "union":
            try:
                return a | b
            except InvalidCalendarError:  # weekmasks that leave no business day
                return a
        return a & b if op == "intersection" else a - b

    combined = st.tuples(plain, plain, st.sampled_from(["union", "intersection", "difference"])).map(
        combine
    )
    return st.one_of(plain, combined)


def rolls(*, delta: bool = False) -> st.SearchStrategy[str]:
    """Roll conventions (``skip`` and ``span`` only with *delta*).  Shrinks towards ``skip``."""
    return st.sampled_from(("skip", "span") if delta else ROLLS)


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
    """Timetables of the given *kinds*.

    Shrinks towards the kinds without parameters (``Once()`` first), and among the cron
    kinds towards ``CronDataIntervals("@daily")`` in UTC.

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
    return st.sampled_from(kinds).flatmap(lambda kind: builders[kind])


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
    st.register_type_strategy(BusinessCalendar, business_calendars())
    st.register_type_strategy(
        Holiday,
        st.builds(
            Holiday,
            date=st.dates(min_value=date(1995, 1, 1), max_value=date(2038, 12, 31)),
            name=st.sampled_from(["holiday", "Founders' Day", "Bank Holiday"]),
        ),
    )
    st.register_type_strategy(
        HolidayRule,
        st.one_of(
            st.builds(HolidayRule.fixed, st.integers(1, 12), st.integers(1, 28),
                      name=st.just("Fixed Day")),
            st.builds(HolidayRule.easter, st.integers(-3, 50), name=st.just("Easter Day")),
        ),
    )
    for kind in (CronDataIntervals, CronTrigger, DeltaDataIntervals, DeltaTrigger,
                 MultiCronTrigger, Events):
        st.register_type_strategy(kind, timetables(kinds=(kind.__name__,)))
    st.register_type_strategy(TaskGraph, task_graphs())
    st.register_type_strategy(BackfillRequest, backfill_requests())
    _register_records_and_requests()



# =============================================================================================
# Histories, task graphs and requests (planning and re-running)
# =============================================================================================
# Merged from the planning and clear engineers' drafts (tests/properties/).  Strategies that
# depend on an earlier draw (a history *for* a graph) take that value as an argument, as
# ``st.from_regex`` takes its pattern; everything else takes strategies.

_HISTORY_BASE = datetime(2024, 3, 1, tzinfo=UTC)
#: Most runs were never cleared; some were, once or twice.  Shrinks towards 0.
_CLEAR_NUMBERS = st.sampled_from([0, 0, 0, 1, 2])


def run_states() -> st.SearchStrategy[str]:
    """Run states as Airflow's strings.  Shrinks towards ``"success"``."""
    return st.sampled_from(["success", "failed", "queued", "running"])


def _check_aware(name: str, value: Any) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidArgument(f"{name}={value!r} must be an aware datetime")


def _check_sizes(min_size: int, max_size: int | None, *, lo: int = 0) -> None:
    if not isinstance(min_size, int) or min_size < lo:
        raise InvalidArgument(f"min_size={min_size!r} must be an integer >= {lo}")
    if max_size is not None and (not isinstance(max_size, int) or max_size < min_size):
        raise InvalidArgument(f"max_size={max_size!r} must be an integer >= min_size={min_size}")


def run_records(
    timetable: Any,
    *,
    min_value: datetime = _HISTORY_BASE,
    max_value: datetime,
    contiguous: bool = False,
    max_manual: int = 3,
) -> st.SearchStrategy[list[RunRecord]]:
    """Run histories of *timetable* between *min_value* and *max_value* (the host's ``now``).

    Scheduled and backfill runs sit on the timetable's grid, with random states; with
    ``contiguous=True`` they are a prefix of the grid (what a scheduler that caught up to
    some point leaves), otherwise any subset, so histories have gaps.  Up to *max_manual*
    manual runs are added off the grid.  Some runs were cleared before
    (``clear_number`` > 0).  The list comes in random order (a host's rows need not be
    sorted).  Shrinks towards the empty history.
    """
    _check_aware("min_value", min_value)
    _check_aware("max_value", max_value)
    if min_value > max_value:
        raise InvalidArgument(f"min_value={min_value!r} is after max_value={max_value!r}")
    if not isinstance(max_manual, int) or max_manual < 0:
        raise InvalidArgument(f"max_manual={max_manual!r} must be an integer >= 0")
    from ._runs import iter_run_infos

    @st.composite
    def build(draw: Any) -> list[RunRecord]:
        grid = [
            info
            for info in iter_run_infos(timetable, start=min_value, end=max_value, now=max_value)
            if info.run_after <= max_value
        ]
        chosen = list(range(draw(st.integers(0, len(grid))))) if contiguous else sorted(draw(st.sets(st.integers(0, len(grid) - 1)))) if grid else []
        runs: list[RunRecord] = []
        for i in chosen:
            info = grid[i]
            run_type = draw(st.sampled_from(["scheduled", "backfill"]))
            runs.append(RunRecord(
                run_id=f"{run_type}__{info.run_after.isoformat()}", run_type=run_type,
                logical_date=info.logical_date, data_interval=info.data_interval,
                run_after=info.run_after, state=draw(run_states()),
                clear_number=draw(_CLEAR_NUMBERS),
            ))
        dates = {r.logical_date for r in runs}
        span = int((max_value - min_value).total_seconds() // 60)
        for k in range(draw(st.integers(0, max_manual))):
            at = min_value + timedelta(minutes=draw(st.integers(0, span)), seconds=13)
            if at in dates:
                continue
            dates.add(at)
            runs.append(RunRecord(
                run_id=f"manual__{at.isoformat()}_{k}", run_type="manual", logical_date=at,
                data_interval=DataInterval(start=at, end=at), run_after=at,
                state=draw(run_states()),
            ))
        return list(draw(st.permutations(runs)))

    return build()


def task_graphs(*, min_size: int = 1, max_size: int = 8) -> st.SearchStrategy[TaskGraph]:
    """Acyclic task graphs, acyclic by construction: tasks ``t0 … tN`` with edges only from
    a lower to a higher index, given in a random order.  Some tasks are setups or
    teardowns (a teardown always has an earlier setup upstream).

    Shrinks towards one task with no edges.
    """
    _check_sizes(min_size, max_size, lo=1)

    @st.composite
    def build(draw: Any) -> TaskGraph:
        n = draw(st.integers(min_value=min_size, max_value=max_size))
        specs: list[TaskSpec] = []
        setups: list[int] = []
        for i in range(n):
            upstream = draw(st.sets(st.integers(0, i - 1), max_size=3)) if i else set()
            kind = draw(st.sampled_from(["plain", "plain", "plain", "setup", "teardown"]))
            is_setup = kind == "setup"
            is_teardown = kind == "teardown" and bool(setups)
            if is_teardown:
                upstream.add(draw(st.sampled_from(setups)))
            specs.append(TaskSpec(
                task_id=f"t{i}", upstream=[f"t{u}" for u in upstream],
                retries=draw(st.integers(0, 3)), is_setup=is_setup, is_teardown=is_teardown,
            ))
            if is_setup:
                setups.append(i)
        return TaskGraph(tasks=draw(st.permutations(specs)))

    return build()


_TI_STATES = st.sampled_from([None, *TaskState])


def run_histories(
    graph: TaskGraph, *, min_runs: int = 1, max_runs: int = 5
) -> st.SearchStrategy[RunHistory]:
    """Runs and task instances for *graph*: daily runs (some manual, some without a
    logical date) and task instances in random states for a random subset of the
    (task, run) cells.  Shrinks towards *min_runs* runs with every task instance present.
    """
    if not isinstance(graph, TaskGraph):
        raise InvalidArgument(f"graph={graph!r} must be a TaskGraph")
    if not isinstance(min_runs, int) or min_runs < 0:
        raise InvalidArgument(f"min_runs={min_runs!r} must be an integer >= 0")
    if not isinstance(max_runs, int) or max_runs < min_runs:
        raise InvalidArgument(f"max_runs={max_runs!r} must be an integer >= min_runs")

    @st.composite
    def build(draw: Any) -> RunHistory:
        n = draw(st.integers(min_value=min_runs, max_value=max_runs))
        runs: list[RunRecord] = []
        for i in range(n):
            at = _HISTORY_BASE + timedelta(days=i)
            undated = draw(st.booleans()) and draw(st.booleans())
            state = draw(st.sampled_from(["queued", "running", "success", "failed"]))
            runs.append(RunRecord(
                run_id=f"manual_{i}" if undated else f"scheduled_{i}",
                run_type="manual" if undated else "scheduled",
                logical_date=None if undated else at,
                data_interval=None if undated else DataInterval(start=at, end=at),
                run_after=at, state=state, clear_number=draw(_CLEAR_NUMBERS),
            ))
        tis = []
        for run in runs:
            for task_id in graph.task_ids:
                if draw(st.integers(0, 4)) == 4:
                    continue
                tis.append(TaskInstanceRecord(
                    run_id=run.run_id, task_id=task_id, state=draw(_TI_STATES),
                    try_number=draw(st.integers(0, 3)), max_tries=draw(st.integers(0, 4)),
                ))
        return RunHistory(
            runs=draw(st.permutations(runs)), task_instances=draw(st.permutations(tis))
        )

    return build()


def clear_requests(graph: TaskGraph, history: RunHistory) -> st.SearchStrategy[ClearRequest]:
    """Clear requests over *graph* and *history*, with every option of Airflow's clear.

    Not every request is acceptable: past/future on a run with no logical date must give
    an `InvalidRequestError`, never a crash.  Shrinks towards
    "clear every task in every run".
    """
    if not isinstance(graph, TaskGraph):
        raise InvalidArgument(f"graph={graph!r} must be a TaskGraph")
    if not isinstance(history, RunHistory):
        raise InvalidArgument(f"history={history!r} must be a RunHistory")
    task_ids = list(graph.task_ids)
    run_ids = [r.run_id for r in history.runs]
    dated = [r.logical_date for r in history.runs.dated if r.logical_date is not None]

    @st.composite
    def build(draw: Any) -> ClearRequest:
        mode = draw(st.sampled_from(["all", "run", "dates"]))
        start = end = None
        if mode == "dates" and dated:
            start = draw(st.none() | st.sampled_from(dated))
            end = draw(st.none() | st.sampled_from(dated))
        return ClearRequest(
            task_ids=draw(
                st.none() | st.lists(st.sampled_from(task_ids), min_size=1, max_size=3,
                                     unique=True)
            ),
            upstream=draw(st.booleans()), downstream=draw(st.booleans()),
            run_id=draw(st.sampled_from(run_ids)) if mode == "run" and run_ids else None,
            start=start, end=end, past=draw(st.booleans()), future=draw(st.booleans()),
            only_failed=draw(st.booleans()), only_running=draw(st.booleans()),
            exclude_task_ids=draw(st.lists(st.sampled_from(task_ids), max_size=2)),
            reset_runs_to=draw(st.sampled_from(["queued", "running", None])),
            reset_upstream_failed_descendants=draw(st.booleans()),
        )

    return build()


def backfill_requests(
    *, min_value: datetime = _HISTORY_BASE, max_value: datetime = _HISTORY_BASE + timedelta(days=40)
) -> st.SearchStrategy[BackfillRequest]:
    """Backfill requests with bounds in ``[min_value, max_value]``, in either order (a
    reversed range must be refused, so it is generated too), every reprocess behaviour,
    direction and ``max_active_runs``.

    Shrinks towards a one-instant range at *min_value* with reprocess ``None``.
    """
    _check_aware("min_value", min_value)
    _check_aware("max_value", max_value)
    if min_value > max_value:
        raise InvalidArgument(f"min_value={min_value!r} is after max_value={max_value!r}")
    minutes = int((max_value - min_value).total_seconds() // 60)
    point = st.integers(0, minutes).map(lambda m: min_value + timedelta(minutes=m))
    return st.builds(
        BackfillRequest,
        from_date=point,
        to_date=point,
        run_backwards=st.booleans(),
        reprocess_behavior=st.sampled_from([None, "none", "failed", "completed"]),
        max_active_runs=st.integers(1, 12),
        dag_run_conf=st.none() | st.dictionaries(st.text(max_size=5), st.integers()),
    )


def _register_records_and_requests() -> None:
    """``st.from_type`` for the records, requests and changeset types (no Any fields left
    for Hypothesis to guess)."""
    from . import _catchup, _changeset, _graph, _mark, _recursive
    from ._clear import ClearRequest

    instants = aware_datetimes(min_value=_HISTORY_BASE, max_value=_HISTORY_BASE + timedelta(days=60))
    ids = st.text(alphabet="abcdefghij_0123456789", min_size=1, max_size=12)
    confs = st.none() | st.dictionaries(st.text(max_size=4), st.integers(), max_size=2)

    @st.composite
    def run_record(draw: Any) -> RunRecord:
        run_type = draw(st.sampled_from(list(RunType)))
        interval = draw(st.none() | data_intervals(min_value=_HISTORY_BASE,
                                                   max_value=_HISTORY_BASE + timedelta(days=60)))
        if run_type is RunType.SCHEDULED and interval is None:
            interval = draw(data_intervals(min_value=_HISTORY_BASE,
                                           max_value=_HISTORY_BASE + timedelta(days=60)))
        logical = None if interval is None else interval.start
        return RunRecord(
            run_id=draw(ids), run_type=run_type, logical_date=logical, data_interval=interval,
            run_after=draw(instants) if interval is None else interval.end,
            state=draw(run_states()), conf=draw(confs), clear_number=draw(_CLEAR_NUMBERS),
        )

    st.register_type_strategy(RunRecord, run_record())
    st.register_type_strategy(RunInfo, data_intervals().map(
        lambda iv: RunInfo(run_after=iv.end, data_interval=iv)))
    st.register_type_strategy(TaskInstanceRecord, st.builds(
        TaskInstanceRecord, run_id=ids, task_id=ids, map_index=st.integers(-1, 3),
        state=_TI_STATES, try_number=st.integers(0, 3), max_tries=st.integers(0, 4)))
    st.register_type_strategy(_graph.TaskSpec, st.builds(
        _graph.TaskSpec, task_id=ids, upstream=st.frozensets(ids, max_size=3),
        retries=st.integers(0, 3)))
    st.register_type_strategy(ClearRequest, st.builds(
        ClearRequest,
        task_ids=st.none() | st.lists(ids, min_size=1, max_size=3),
        upstream=st.booleans(), downstream=st.booleans(), run_id=st.none() | ids,
        past=st.booleans(), future=st.booleans(), only_failed=st.booleans(),
        only_running=st.booleans(),
        reset_runs_to=st.sampled_from(["queued", "running", None])))
    st.register_type_strategy(_mark.MarkRequest, st.builds(
        _mark.MarkRequest, task_id=ids, run_id=ids,
        state=st.sampled_from(["success", "failed", "skipped"]),
        upstream=st.booleans(), downstream=st.booleans(), past=st.booleans(),
        future=st.booleans()))
    st.register_type_strategy(_catchup.CatchupPolicy, st.one_of(
        st.just(_catchup.CatchupPolicy()), st.just(_catchup.CatchupPolicy.coalesce()),
        st.integers(1, 5).map(_catchup.CatchupPolicy.latest),
        st.integers(0, 72).map(lambda h: _catchup.CatchupPolicy.within(timedelta(hours=h)))))
    st.register_type_strategy(_recursive.CrossDagMarker, st.builds(
        _recursive.CrossDagMarker, dag_id=ids, task_id=ids, external_dag_id=ids,
        external_task_id=ids, recursion_depth=st.integers(1, 10)))
    st.register_type_strategy(_changeset.FieldChange, st.builds(
        _changeset.FieldChange, st.sampled_from(["failed", "success", None]),
        st.sampled_from(["queued", None])))
    st.register_type_strategy(_changeset.RunInsert, run_record().map(
        _changeset.RunInsert.from_record))
    changes = st.dictionaries(st.sampled_from(["state", "clear_number"]),
                              st.builds(_changeset.FieldChange, st.integers(0, 3),
                                        st.integers(0, 3)), max_size=2)
    st.register_type_strategy(_changeset.RunUpdate, st.builds(
        _changeset.RunUpdate, run_id=ids, changes=changes,
        start_date=st.sampled_from(["unchanged", "reset", "now"])))
    st.register_type_strategy(_changeset.TaskInstanceUpdate, st.builds(
        _changeset.TaskInstanceUpdate, run_id=ids, task_id=ids, map_index=st.integers(-1, 3),
        changes=st.dictionaries(st.sampled_from(["max_tries", "try_number"]),
                                st.builds(_changeset.FieldChange, st.integers(0, 3),
                                          st.integers(0, 3)), max_size=2)))
    st.register_type_strategy(_changeset.Changeset, st.builds(
        _changeset.Changeset,
        runs_to_insert=st.lists(st.from_type(_changeset.RunInsert), max_size=2,
                                unique_by=(lambda r: r.run_id,
                                           lambda r: r.logical_date or r.run_id)),
        runs_to_update=st.lists(st.from_type(_changeset.RunUpdate), max_size=2,
                                unique_by=lambda u: u.run_id),
        task_instances_to_update=st.lists(st.from_type(_changeset.TaskInstanceUpdate),
                                          max_size=2, unique_by=lambda u: u.key)))


# =============================================================================================
# Invariants a host can check on its own scheduler's output
# =============================================================================================


class InvariantViolation(AssertionError):
    """A host's scheduling output breaks one of the rules ``timetable`` keeps."""


def check_run_infos(
    timetable: Any, infos: Iterable[Any], *, start: datetime | None = None,
    contiguous: bool = True,
) -> None:
    """Check a sequence of runs a scheduler produced for *timetable*, in order.

    Each item needs ``logical_date``, ``data_interval`` (``start``/``end``) and
    ``run_after`` attributes (a [`RunInfo`][timetable.RunInfo], or your own record type).
    Checks that every instant is aware; intervals are well formed and strictly increasing;
    consecutive data intervals of a data-interval timetable are contiguous (no gap, no
    overlap; pass ``contiguous=False`` for a history with gaps); every logical date is
    aligned to the timetable (it is one our enumeration
    produces from *start*, the DAG's start date; without it, from the first run -
    enough for cron schedules, whose grid does not depend on the start); ``run_after``
    is not before the interval's end.

    Raises:
        InvariantViolation: the first rule broken, naming the run.
    """
    from ._runs import iter_run_infos

    items = list(infos)
    for i, info in enumerate(items):
        iv = info.data_interval
        for name, value in (("logical_date", info.logical_date), ("start", iv.start),
                            ("end", iv.end), ("run_after", info.run_after)):
            if value.tzinfo is None:
                raise InvariantViolation(f"run {i}: {name}={value!r} is naive")
        if iv.start > iv.end:
            raise InvariantViolation(f"run {i}: data interval starts after it ends: {iv!r}")
        if info.run_after < iv.end and iv.start != iv.end:
            raise InvariantViolation(f"run {i}: run_after {info.run_after} precedes the "
                                     f"end of its interval {iv.end}")
    for i, (a, b) in enumerate(itertools.pairwise(items)):
        if b.logical_date <= a.logical_date:
            raise InvariantViolation(f"runs {i} and {i + 1}: logical dates do not increase")
        if contiguous and isinstance(timetable, CronDataIntervals | DeltaDataIntervals) and (
            a.data_interval.end != b.data_interval.start
        ):
            raise InvariantViolation(
                f"runs {i} and {i + 1}: intervals are not contiguous "
                f"({a.data_interval.end} then {b.data_interval.start})"
            )
    if items and getattr(timetable, "periodic", False):
        first = start if start is not None else items[0].logical_date
        last = max(items[-1].logical_date, items[-1].run_after, first)
        far = max(i.run_after for i in items) + timedelta(days=1)
        ours = {
            r.logical_date: r.data_interval
            for r in iter_run_infos(timetable, start=first, end=last, now=far)
        }
        for i, info in enumerate(items):
            expected = ours.get(info.logical_date)
            if expected is None:
                raise InvariantViolation(
                    f"run {i}: logical date {info.logical_date} is not on the schedule "
                    f"{timetable.summary!r}"
                )
            iv = info.data_interval
            if (iv.start, iv.end) != (expected.start, expected.end):
                raise InvariantViolation(
                    f"run {i}: data interval {iv.start} → {iv.end}, expected "
                    f"{expected.start} → {expected.end}"
                )


def check_run_ids(runs: Iterable[Any]) -> None:
    """Check that run ids follow Airflow 3.3's format: ``<run_type>__<run_after ISO>``,
    with an eight-character suffix for runs without a logical date, and no duplicates.

    Each item needs ``run_id``, ``run_type``, ``run_after`` and ``logical_date``.

    Raises:
        InvariantViolation: the first malformed or duplicated id.
    """
    from .airflow import generate_run_id

    seen: set[str] = set()
    for run in runs:
        if run.run_id in seen:
            raise InvariantViolation(f"run_id {run.run_id!r} appears twice")
        seen.add(run.run_id)
        suffix = None
        if run.logical_date is None:
            suffix = run.run_id[-8:]
        expected = generate_run_id(run.run_type, run_after=run.run_after,
                                   logical_date=run.logical_date, suffix=suffix)
        if run.run_id != expected:
            raise InvariantViolation(f"run_id {run.run_id!r}: expected {expected!r}")


def check_catchup(
    timetable: Any,
    created: Iterable[Any],
    *,
    runs: Iterable[Any],
    restriction: TimeRestriction,
    now: datetime,
    max_active_runs: int | None = None,
) -> None:
    """Check that the runs a scheduler created at *now* are the ones
    [`plan_catchup()`][timetable.plan_catchup] plans for the same history: same logical dates, same
    data intervals, same order.

    Raises:
        InvariantViolation: the first run that differs (or is missing / extra).
    """
    from ._catchup import plan_catchup

    plan = plan_catchup(timetable, runs=runs, restriction=restriction, now=now,
                        max_active_runs=max_active_runs)
    ours = [(i.logical_date, i.data_interval) for i in plan.to_create]
    theirs = [(i.logical_date, i.data_interval) for i in created]
    for k, (a, b) in enumerate(zip(ours, theirs, strict=False)):
        if a != b:
            raise InvariantViolation(f"run {k}: expected {a[0]} {a[1]!r}, got {b[0]} {b[1]!r}")
    if len(ours) != len(theirs):
        more = "missing" if len(ours) > len(theirs) else "extra"
        k = min(len(ours), len(theirs))
        extra = (ours if len(ours) > len(theirs) else theirs)[k]
        raise InvariantViolation(f"run {k} is {more}: {extra[0]}")


def check_plan_equal(ours: Any, theirs: Any) -> None:
    """Check that a host's plan equals ours, comparing their ``to_dict()`` JSON forms
    (or plain dictionaries), and name the first differing path.

    Raises:
        InvariantViolation: the plans differ.
    """
    a = ours.to_dict() if hasattr(ours, "to_dict") else ours
    b = theirs.to_dict() if hasattr(theirs, "to_dict") else theirs
    diff = _first_difference(a, b, "plan")
    if diff is not None:
        raise InvariantViolation(diff)


def _first_difference(a: Any, b: Any, path: str) -> str | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b:
                return f"{path}.{key}: present on one side only"
            found = _first_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            found = _first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        if len(a) != len(b):
            return f"{path}: {len(a)} items, expected {len(b)}"
        return None
    return None if a == b else f"{path}: {b!r}, expected {a!r}"


register_types()
