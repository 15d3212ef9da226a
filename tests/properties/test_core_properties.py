"""Laws of the interval core, checked with our own public strategies (DST-biased).

* ``iter_run_infos`` yields aware, strictly increasing runs; data-interval kinds tile time
  (each interval starts where the previous one ended), and no two intervals overlap;
* chaining ``next_run_info`` by hand gives the same runs as ``iter_run_infos``;
* ``infer_manual_interval(run_after)`` ends at or before ``run_after``; for
  ``CronDataIntervals`` it is the scheduled interval ending at ``align_prev(run_after)``;
* Airflow's serialized form round-trips;
* nothing but a :class:`~timetable.errors.TimetableError` escapes the public API, whatever
  it is given (junk crons, junk zones, naive datetimes, wrong types, junk dicts).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice, pairwise
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import timetable as tt
from timetable import airflow, errors
from timetable import strategies as tst
from timetable._cron import parse_cron
from timetable._tz import get_zone

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

MAX_RUNS = 200
DATA_INTERVAL_KINDS = (tt.CronDataIntervals, tt.DeltaDataIntervals)
CRON_KINDS = (tt.CronDataIntervals, tt.CronTrigger, tt.MultiCronTrigger)

instants = tst.aware_datetimes(
    min_value=datetime(2000, 1, 1, tzinfo=UTC), max_value=datetime(2035, 1, 1, tzinfo=UTC)
)


def _every_hour_elapsed_issue(table: Any) -> bool:
    """Every-hour crons whose prev is not the inverse of next (reported, Airflow's formula).

    On the every-hour path a tick is ``t + (next wall tick - wall(t))`` as elapsed time.
    That is exact only when no transition lies between the two wall ticks, so it breaks

    * in Lord Howe (30-minute DST) around each transition
      (``tests/spec/test_dst.py::MANUAL_HALF_HOUR``), and
    * for every-hour crons restricted by day (``* * * * 1-5``, ``*/30 * 1 * *``), whose
      wall gap spans a whole weekend or month and so can contain a transition: e.g.
      ``* * * * 1-5`` Berlin fires first at 01:00+02:00 on Monday 2024-04-01, and at
      23:00+01:00 on Sunday 2024-10-27.

    Airflow 3.3.2's ``_get_next``/``_get_prev`` do the same.
    """
    if not isinstance(table, CRON_KINDS) or table.timezone == "UTC":
        return False
    crons = table.crons if isinstance(table, tt.MultiCronTrigger) else (table.cron,)
    for cron in crons:
        fields = cron.split()
        if not parse_cron(cron).every_hour:  # croniter reads "0-0" as "*" too
            continue
        if table.timezone == "Australia/Lord_Howe" or fields[2:5] != ["*", "*", "*"]:
            return True
    return False


def _runs(table: Any, start: datetime, end: datetime | None, now: datetime) -> list[tt.RunInfo]:
    return list(islice(tt.iter_run_infos(table, start=start, end=end, now=now), MAX_RUNS))


# -- enumeration laws ----------------------------------------------------------------------------
@SETTINGS
@given(
    table=tst.timetables(),
    start=instants,
    span=st.none() | st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=800)),
    now=instants,
)
def test_runs_are_aware_increasing_and_tile_time(
    table: Any, start: datetime, span: timedelta | None, now: datetime
) -> None:
    """Runs are aware and strictly increasing; data-interval kinds are contiguous."""
    end = None if span is None else start + span
    runs = _runs(table, start, end, now)
    for r in runs:
        for value in (r.run_after, r.data_interval.start, r.data_interval.end):
            assert value.tzinfo is not None
            assert value.utcoffset() is not None
        assert r.data_interval.start <= r.data_interval.end
        assert r.logical_date == r.data_interval.start
    for a, b in pairwise(runs):
        assert a.logical_date < b.logical_date
        if isinstance(table, tt.Continuous):
            # At a frozen now: [start, now] then [now, now] - both may start at now.
            assert a.run_after <= b.run_after
        else:
            assert a.run_after < b.run_after
    if isinstance(table, DATA_INTERVAL_KINDS):
        for r in runs:
            assert r.run_after == r.data_interval.end
            assert r.data_interval.start < r.data_interval.end
            if end is not None:
                assert r.logical_date <= end
        for a, b in pairwise(runs):
            assert b.data_interval.start == a.data_interval.end  # contiguous
    if isinstance(table, DATA_INTERVAL_KINDS) or getattr(table, "interval", None) == timedelta(0):
        for a, b in pairwise(runs):
            assert a.data_interval.end <= b.data_interval.start  # non-overlapping
    if runs and isinstance(table, DATA_INTERVAL_KINDS):
        assert runs[0].logical_date >= start  # the start is aligned forward, never back
    if runs and isinstance(table, (tt.CronTrigger, tt.DeltaTrigger, tt.MultiCronTrigger)):
        assert runs[0].run_after >= start


@settings(SETTINGS, max_examples=60)  # the policy-neutral search is the slow path
@given(
    table=tst.timetables(airflow_dst=False, kinds=("CronDataIntervals", "CronTrigger")),
    start=instants,
    now=instants,
)
def test_every_dst_policy_gives_increasing_contiguous_runs(
    table: Any, start: datetime, now: datetime
) -> None:
    """The same laws hold under every DST policy (gap shift/clamp/skip, fold second/first/both)."""
    runs = _runs(table, start, None, now)[:60]
    for a, b in pairwise(runs):
        assert a.run_after < b.run_after
        if isinstance(table, tt.CronDataIntervals):
            assert b.data_interval.start == a.data_interval.end


@SETTINGS
@given(table=tst.timetables(), start=instants, now=instants, catchup=st.booleans())
def test_chaining_next_run_info_equals_iter_run_infos(
    table: Any, start: datetime, now: datetime, catchup: bool
) -> None:
    """iter_run_infos is next_run_info fed its own last interval, from no previous run."""
    end = start + timedelta(days=400)
    want = _runs(table, start, end, now)[:50]
    restriction = tt.TimeRestriction(earliest=start, latest=end, catchup=True)
    got: list[tt.RunInfo] = []
    last = None
    while len(got) < len(want):
        info = tt.next_run_info(table, last_interval=last, restriction=restriction, now=now)
        assert info is not None
        got.append(info)
        last = info.data_interval
    assert got == want
    # Same inputs, same answer: asking twice (or with catchup flipped back) changes nothing.
    other = tt.TimeRestriction(earliest=start, latest=end, catchup=catchup)
    first = tt.next_run_info(table, last_interval=None, restriction=other, now=now)
    assert first == tt.next_run_info(table, last_interval=None, restriction=other, now=now)


@SETTINGS
@given(
    table=tst.timetables(),
    last=tst.data_intervals(),
    now=instants,
    restriction=tst.time_restrictions(),
)
def test_next_run_info_moves_forward(
    table: Any, last: tt.DataInterval, now: datetime, restriction: tt.TimeRestriction
) -> None:
    """Whatever the previous run, the next one starts after it (or there is none)."""
    info = tt.next_run_info(table, last_interval=last, restriction=restriction, now=now)
    if info is None:
        return
    assert info.data_interval.start <= info.data_interval.end
    if isinstance(table, DATA_INTERVAL_KINDS):
        assert info.data_interval.start > last.start
        assert info.run_after == info.data_interval.end
    if restriction.latest is not None:
        bound = info.logical_date if isinstance(table, DATA_INTERVAL_KINDS) else info.run_after
        if not isinstance(table, tt.Continuous):
            assert bound <= restriction.latest


# -- manual runs ----------------------------------------------------------------------------------
@SETTINGS
@given(table=tst.timetables(), run_after=instants)
def test_manual_interval_ends_at_or_before_run_after(table: Any, run_after: datetime) -> None:
    """A manual run never covers data after it was triggered, and is never reversed."""
    iv = tt.infer_manual_interval(table, run_after=run_after)
    assert iv.start <= iv.end
    restricted = isinstance(table, tt.Events) and table.restrict_to_events and table.events
    # Airflow: before the first event (in scan order), a restricted manual run snaps to it.
    if restricted and run_after < table.events[0]:
        assert iv == tt.DataInterval.exact(table.events[0])
        return
    assert iv.end <= run_after
    if isinstance(table, DATA_INTERVAL_KINDS):
        assert iv.start < iv.end  # main's strict previous tick: never zero-length


@SETTINGS
@given(table=tst.timetables(kinds=("CronDataIntervals",)), run_after=instants, now=instants)
def test_cron_manual_interval_is_a_scheduled_interval(
    table: Any, run_after: datetime, now: datetime
) -> None:
    """The manual interval is the scheduled one that ends at ``align_prev(run_after)``."""
    assume(not _every_hour_elapsed_issue(table))
    iv = tt.infer_manual_interval(table, run_after=run_after)
    assert iv.end == table.ticker.align_prev(run_after)
    if table.ticker.next(iv.start) != iv.end:
        # Reported: a fixed cron with several wall ticks inside one spring-forward gap
        # (``* 2 * * *`` Berlin 2024-03-31) - next() yields only the first shifted tick,
        # while the strictly-earlier prev() walks back through all of them.
        tz = get_zone(table.timezone)
        before = (iv.start - timedelta(hours=3)).astimezone(tz).utcoffset()
        after = (iv.end + timedelta(hours=3)).astimezone(tz).utcoffset()
        assert before is not None
        assert after is not None
        assert after > before, "only near a spring-forward gap"
        return
    scheduled = next(tt.iter_run_infos(table, start=iv.start, end=None, now=now))
    assert scheduled.data_interval == iv
    # ...and the schedule continues from there with the run after run_after.
    after = tt.next_run_info(
        table, last_interval=iv, restriction=tt.TimeRestriction(catchup=True), now=now
    )
    assert after is not None
    assert after.data_interval.start == iv.end
    assert after.run_after > run_after


# -- serialization --------------------------------------------------------------------------------
@SETTINGS
@given(table=tst.timetables())
def test_airflow_serialized_form_round_trips(table: Any) -> None:
    """from_serialized(to_serialized(t)) is t (Events: the same schedule, stored presorted)."""
    data = airflow.to_serialized(table)
    assert json.loads(json.dumps(data)) == data  # plain JSON
    back = airflow.from_serialized(json.loads(json.dumps(data)))
    assert airflow.to_serialized(back) == data
    if isinstance(table, tt.Events):
        assert back.events == table.events
        assert back.summary == table.summary
        assert back.description == table.description
    else:
        assert back == table


@SETTINGS
@given(table=tst.timetables(airflow_dst=False, kinds=("CronDataIntervals", "CronTrigger")))
def test_non_default_dst_policy_is_not_serialized_silently(table: Any) -> None:
    """Airflow has no DST policy: only the default one can be written in its form."""
    if table.dst.is_airflow:
        assert airflow.from_serialized(airflow.to_serialized(table)) == table
    else:
        with pytest.raises(errors.InvalidArgumentError, match="dst"):
            airflow.to_serialized(table)


# -- fuzz: nothing but TimetableError escapes ---------------------------------------------------
_naive = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30))
_aware_any = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.timezones()
)
_cron_tokens = st.sampled_from(
    [
        "*",
        "*/5",
        "0",
        "59",
        "60",
        "24",
        "-1",
        "1-5",
        "5-1",
        "L",
        "W",
        "15W",
        "1#2",
        "MON",
        "jan",
        "?",
        "H",
        "@daily",
        "@once",
        "@continuous",
        "@reboot",
        "@midnight",
        "0/0",
        ",",
        "*/0",
        "31",
        "32",
        "2",
        "1,,2",
        "7",
        "8",
        "",
        "LW",
        "L-2",
        "1970",
        "2100",
    ]
)
junk_crons = st.one_of(
    st.text(max_size=30),
    st.lists(_cron_tokens, min_size=0, max_size=8).map(" ".join),
    tst.cron_expressions(),
)
junk_zones = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "UTC",
            "utc",
            "Z",
            "+05:30",
            "-03:00",
            "+24:00",
            "+00:60",
            "Europe/Berlin",
            "Mars/Olympus",
            "../etc/passwd",
            "/etc/localtime",
            "Europe/../UTC",
            "",
            " ",
            "\x00",
            "EST5EDT",
            "Etc/GMT+5",
            "posixrules",
            "Factory",
            "localtime",
            "US/Pacific-New",
            "europe/berlin",
        ]
    ),
    tst.timezones(),
)
junk_deltas = st.one_of(
    st.timedeltas(),
    st.builds(
        relativedelta,
        months=st.integers(-30, 30),
        days=st.integers(-400, 400),
        hours=st.integers(-48, 48),
    ),
    st.builds(relativedelta, weekday=st.integers(0, 6)),
    st.builds(relativedelta, day=st.integers(1, 31), months=st.integers(-2, 2)),
    st.builds(relativedelta, years=st.integers(-9999, 9999)),
    tst.deltas(),
)
junk_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.binary(max_size=8),
    _naive,
    _aware_any,
    st.dates(),
    st.times(),
    junk_deltas,
    st.just(object()),
    st.just(datetime),
    st.just(tt.CronTrigger),
    st.builds(lambda: date(2024, 1, 1)),
    st.builds(lambda: time(1, 2)),
)
junk = st.recursive(
    junk_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=10), inner, max_size=4),
        st.tuples(inner, inner),
    ),
    max_leaves=8,
)
any_datetime = st.one_of(instants, _naive, _aware_any, junk_scalars)
maybe_timetable = st.one_of(tst.timetables(), junk_scalars)
maybe_interval = st.one_of(st.none(), tst.data_intervals(), junk_scalars)
maybe_restriction = st.one_of(tst.time_restrictions(), junk_scalars)


def _only_timetable_errors(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        out = fn(*args, **kwargs)
        if hasattr(out, "__next__"):
            out = list(islice(out, 20))
        return out
    except errors.TimetableError as err:
        assert isinstance(err, (ValueError, TypeError)), type(err)
        assert err.code
        assert str(err)
        return None


@FUZZ
@given(
    cron=junk_crons,
    zone=junk_zones,
    interval=st.one_of(junk_deltas, junk_scalars),
    run_immediately=st.one_of(junk_scalars, junk_deltas),
    dst=st.one_of(tst.dst_policies(), junk_scalars),
)
def test_cron_constructors_raise_only_timetable_errors(
    cron: Any, zone: Any, interval: Any, run_immediately: Any, dst: Any
) -> None:
    """Building cron kinds from junk fails with a TimetableError, or gives a usable value."""
    now = datetime(2024, 3, 31, 1, 30, tzinfo=UTC)
    for build in (
        lambda: tt.CronDataIntervals(cron=cron, timezone=zone),
        lambda: tt.CronTrigger(
            cron=cron, timezone=zone, interval=interval, run_immediately=run_immediately, dst=dst
        ),
        lambda: tt.MultiCronTrigger(crons=[cron, "@daily"], timezone=zone, dst=dst),
        lambda: tt.MultiCronTrigger(crons=cron, timezone=zone),
    ):
        table = _only_timetable_errors(build)
        if table is None:
            continue
        hash(table)
        assert isinstance(table.summary, str)
        assert isinstance(table.description, str)
        _only_timetable_errors(
            tt.next_run_info, table, last_interval=None, restriction=tt.TimeRestriction(), now=now
        )
        _only_timetable_errors(tt.infer_manual_interval, table, run_after=now)
        _only_timetable_errors(tt.iter_run_infos, table, start=now, end=None, now=now)


@FUZZ
@given(
    delta=st.one_of(junk_deltas, junk_scalars),
    interval=st.one_of(junk_deltas, junk_scalars),
    events=st.one_of(st.lists(any_datetime, max_size=4), junk_scalars),
    flags=st.tuples(junk_scalars, junk_scalars),
    description=junk_scalars,
)
def test_other_constructors_raise_only_timetable_errors(
    delta: Any, interval: Any, events: Any, flags: tuple[Any, Any], description: Any
) -> None:
    """Delta and event kinds, and the value types, fail with TimetableErrors only."""
    now = datetime(2024, 10, 27, 1, 30, tzinfo=UTC)
    builds = [
        lambda: tt.DeltaDataIntervals(delta=delta),
        lambda: tt.DeltaTrigger(delta=delta, interval=interval),
        lambda: tt.Events(
            event_dates=events,
            restrict_to_events=flags[0],
            presorted=flags[1],
            description=description,
        ),
        lambda: tt.DstPolicy(gap=flags[0], fold=flags[1]),
    ]
    for build in builds:
        table = _only_timetable_errors(build)
        if table is None or isinstance(table, tt.DstPolicy):
            continue
        _only_timetable_errors(
            tt.next_run_info, table, last_interval=None, restriction=tt.TimeRestriction(), now=now
        )
        _only_timetable_errors(tt.infer_manual_interval, table, run_after=now)
        _only_timetable_errors(tt.iter_run_infos, table, start=now, end=None, now=now)


@FUZZ
@given(a=any_datetime, b=any_datetime, flag=junk_scalars, info_interval=maybe_interval)
def test_value_types_raise_only_timetable_errors(
    a: Any, b: Any, flag: Any, info_interval: Any
) -> None:
    """DataInterval, TimeRestriction and RunInfo validate their fields with TimetableErrors."""
    _only_timetable_errors(tt.DataInterval, start=a, end=b)
    _only_timetable_errors(tt.TimeRestriction, earliest=a, latest=b, catchup=flag)
    _only_timetable_errors(tt.RunInfo, run_after=a, data_interval=info_interval)
    _only_timetable_errors(tt.DataInterval.exact, a)
    _only_timetable_errors(tt.RunInfo.exact, a)
    _only_timetable_errors(tt.RunInfo.interval, a, b)


@FUZZ
@given(
    table=maybe_timetable,
    last=maybe_interval,
    restriction=maybe_restriction,
    now=any_datetime,
    start=any_datetime,
    end=st.one_of(st.none(), any_datetime),
)
def test_core_functions_raise_only_timetable_errors(
    table: Any, last: Any, restriction: Any, now: Any, start: Any, end: Any
) -> None:
    """next_run_info, infer_manual_interval and iter_run_infos on junk: TimetableErrors only."""
    _only_timetable_errors(
        tt.next_run_info, table, last_interval=last, restriction=restriction, now=now
    )
    _only_timetable_errors(tt.infer_manual_interval, table, run_after=now)
    _only_timetable_errors(tt.iter_run_infos, table, start=start, end=end, now=now)


_TYPE_NAMES = [
    "airflow.timetables.simple.NullTimetable",
    "airflow.timetables.simple.OnceTimetable",
    "airflow.timetables.simple.ContinuousTimetable",
    "airflow.timetables.interval.CronDataIntervalTimetable",
    "airflow.timetables.interval.DeltaDataIntervalTimetable",
    "airflow.timetables.trigger.CronTriggerTimetable",
    "airflow.timetables.trigger.DeltaTriggerTimetable",
    "airflow.timetables.trigger.MultipleCronTriggerTimetable",
    "airflow.timetables.events.EventsTimetable",
]
_VAR_KEYS = [
    "expression",
    "expressions",
    "timezone",
    "delta",
    "interval",
    "run_immediately",
    "event_dates",
    "restrict_to_events",
    "description",
    "_summary",
]
_json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    junk_crons,
    junk_zones,
)
_json = st.recursive(
    _json_scalar,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.one_of(
                st.sampled_from(
                    ["hours", "months", "weekday", "days", "seconds", "leapdays", "year", "x"]
                ),
                st.text(max_size=8),
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=8,
)
junk_serialized = st.one_of(
    junk,
    st.fixed_dictionaries(
        {"__type": st.one_of(st.sampled_from(_TYPE_NAMES), st.text(max_size=20), _json_scalar)},
        optional={
            "__var": st.one_of(
                st.dictionaries(st.sampled_from(_VAR_KEYS), _json, max_size=6), _json
            )
        },
    ),
)


@FUZZ
@given(data=junk_serialized)
def test_from_serialized_raises_only_timetable_errors(data: Any) -> None:
    """Junk where Airflow's JSON is expected: InvalidSerializedFormError and kin only."""
    table = _only_timetable_errors(airflow.from_serialized, data)
    if table is not None:
        # Whatever we accept, we can write back and read again.
        assert airflow.from_serialized(airflow.to_serialized(table)) is not None


@FUZZ
@given(
    schedule=st.one_of(junk_crons, junk_deltas, junk_scalars),
    zone=junk_zones,
    flag=st.one_of(st.booleans(), junk_scalars),
    table=maybe_timetable,
    max_active=st.one_of(st.integers(), junk_scalars),
    start=st.one_of(st.none(), any_datetime),
    run_type=st.one_of(st.sampled_from([t.value for t in tt.RunType]), junk_scalars),
    run_after=any_datetime,
    logical=st.one_of(st.none(), any_datetime),
    suffix=st.one_of(st.none(), st.text(max_size=10), st.just("aB3dE6gH"), junk_scalars),
    run_id=st.one_of(st.text(max_size=60), junk_scalars),
)
def test_airflow_helpers_raise_only_timetable_errors(
    schedule: Any,
    zone: Any,
    flag: Any,
    table: Any,
    max_active: Any,
    start: Any,
    run_type: Any,
    run_after: Any,
    logical: Any,
    suffix: Any,
    run_id: Any,
) -> None:
    """from_schedule, check_dag, to_serialized, generate_run_id, parse_run_id on junk."""
    _only_timetable_errors(
        airflow.from_schedule, schedule, timezone=zone, create_cron_data_intervals=flag
    )
    _only_timetable_errors(
        airflow.check_dag, table, max_active_runs=max_active, catchup=flag, start_date=start
    )
    _only_timetable_errors(airflow.to_serialized, table)
    rid = _only_timetable_errors(
        airflow.generate_run_id, run_type, run_after=run_after, logical_date=logical, suffix=suffix
    )
    if rid is not None:
        parsed_type, instant = airflow.parse_run_id(rid)
        assert parsed_type == tt.RunType(run_type)
        assert instant == run_after
    _only_timetable_errors(airflow.parse_run_id, run_id)
