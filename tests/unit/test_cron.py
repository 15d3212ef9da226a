"""The cron engine: parsing, validation, and our wall-clock tick search against croniter.

The differential tests are the engine's contract: for any expression croniter accepts,
:meth:`CronSpec.next_wall` / :meth:`CronSpec.prev_wall` answer exactly what croniter's
``get_next`` / ``get_prev`` answer, from any naive wall time (on a tick or between ticks,
with or without seconds and microseconds).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from croniter import croniter
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from timetable import errors
from timetable import strategies as tst
from timetable._cron import PRESETS, CronSpec, cron_ticker, normalize_expression, parse_cron
from timetable._tz import get_zone

DIFF = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- expressions croniter accepts, in every shape the engine distinguishes -----------------------
def _field(lo: int, hi: int, names: list[str] | None = None) -> st.SearchStrategy[str]:
    num = st.integers(lo, hi)
    atom = num.map(str)
    if names:
        atom = atom | st.sampled_from(names)
    rng = st.tuples(num, num).map(lambda ab: f"{min(ab)}-{max(ab)}")
    stepped = st.tuples(st.sampled_from(["*", f"{lo}-{hi}"]) | rng, st.integers(1, hi - lo + 1))
    return st.one_of(
        st.just("*"),
        atom,
        rng,
        stepped.map(lambda a: f"{a[0]}/{a[1]}"),
        st.lists(atom | rng, min_size=2, max_size=4).map(",".join),
    )


_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

plain_crons = st.tuples(
    _field(0, 59),
    _field(0, 23),
    _field(1, 31),
    _field(1, 12, _MONTHS),
    _field(0, 7, _DAYS),
).map(" ".join)
special_crons = st.one_of(
    st.tuples(_field(0, 59), _field(0, 23)).map(lambda mh: f"{mh[0]} {mh[1]} L * *"),
    st.tuples(_field(0, 59), st.integers(1, 28)).map(lambda x: f"{x[0]} 3 {x[1]}W * *"),
    st.tuples(st.integers(0, 6), st.integers(1, 5)).map(lambda x: f"15 3 * * {x[0]}#{x[1]}"),
    st.integers(0, 6).map(lambda d: f"0 12 * * L{d}"),
    st.tuples(plain_crons, _field(0, 59)).map(" ".join),  # 6th field: seconds
)
crons = st.one_of(
    tst.cron_expressions(), plain_crons, special_crons, st.sampled_from(list(PRESETS))
)

walls = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2060, 12, 31))


def _accepted(expr: str) -> bool:
    try:
        croniter(normalize_expression(expr), datetime(2000, 1, 1)).get_next(datetime)
    except Exception:
        return False
    return True


def _croniter(expr: str, wall: datetime, *, forward: bool) -> datetime | None:
    c = croniter(normalize_expression(expr), wall)
    try:
        out = c.get_next(datetime) if forward else c.get_prev(datetime)
    except Exception:
        return None
    return out.replace(tzinfo=None)


# -- differential: next_wall / prev_wall == croniter -------------------------------------------
@DIFF
@given(expr=crons, wall=walls)
@example(expr="0 0 29 2 *", wall=datetime(2024, 2, 29))
@example(expr="0 9 1 * MON", wall=datetime(2024, 1, 1, 9))
@example(expr="30 21 * * 5 1", wall=datetime(2024, 5, 3, 21, 30, 1))
@example(expr="0 0 L * *", wall=datetime(2024, 2, 28, 23, 59, 59, 999999))
@example(expr="*/90 * * * *", wall=datetime(2024, 1, 1, 0, 30))
@example(expr="0 0 * * 7", wall=datetime(2024, 6, 9))
def test_next_wall_equals_croniter(expr: str, wall: datetime) -> None:
    """The first tick strictly after *wall* is croniter's ``get_next``."""
    if not _accepted(expr):
        return
    spec = CronSpec(normalize_expression(expr))
    assert spec.next_wall(wall) == _croniter(expr, wall, forward=True)


@DIFF
@given(expr=crons, wall=walls)
@example(expr="0 0 29 2 *", wall=datetime(2024, 2, 29))
@example(expr="* * * * *", wall=datetime(2024, 1, 1, 0, 0, 0, 1))
@example(expr="30 21 * * 5 1", wall=datetime(2024, 5, 3, 21, 30, 1))
@example(expr="15 3 * * 1#2", wall=datetime(2024, 1, 8, 3, 15))
def test_prev_wall_equals_croniter(expr: str, wall: datetime) -> None:
    """The last tick strictly before *wall* is croniter's ``get_prev``."""
    if not _accepted(expr):
        return
    spec = CronSpec(normalize_expression(expr))
    assert spec.prev_wall(wall) == _croniter(expr, wall, forward=False)


@DIFF
@given(expr=crons, wall=walls, forward=st.booleans())
def test_ticks_themselves_equal_croniter(expr: str, wall: datetime, forward: bool) -> None:
    """From a wall time that *is* a tick, next and prev still agree with croniter."""
    if not _accepted(expr):
        return
    tick = _croniter(expr, wall, forward=True)
    if tick is None:
        return
    spec = CronSpec(normalize_expression(expr))
    assert spec.matches_wall(tick)
    assert spec.next_wall(tick) == _croniter(expr, tick, forward=True)
    assert spec.prev_wall(tick) == _croniter(expr, tick, forward=False)
    # next and prev are inverse on ticks.
    nxt = spec.next_wall(tick)
    if nxt is not None:
        assert spec.prev_wall(nxt) == tick


@settings(max_examples=150, deadline=None)
@given(expr=crons, wall=walls, zone=st.sampled_from(["UTC", "+05:30", "-03:00"]))
def test_ticker_in_fixed_zones_is_croniter_shifted(expr: str, wall: datetime, zone: str) -> None:
    """In a fixed-offset zone the ticker is croniter on the local wall clock, as instants."""
    if not _accepted(expr):
        return
    tz = get_zone(zone)
    ticker = cron_ticker(normalize_expression(expr), tz)
    t = wall.replace(tzinfo=tz)
    want_next = _croniter(expr, wall, forward=True)
    want_prev = _croniter(expr, wall, forward=False)
    got_next = ticker.next(t)
    got_prev = ticker.prev(t)
    assert got_next == (None if want_next is None else want_next.replace(tzinfo=tz))
    assert got_prev == (None if want_prev is None else want_prev.replace(tzinfo=tz))
    for value in (got_next, got_prev):
        if value is not None:
            assert value.utcoffset() == timedelta(0)  # results are UTC instants


# -- parsing and validation ----------------------------------------------------------------------
@pytest.mark.parametrize(("preset", "expansion"), sorted(PRESETS.items()))
def test_presets_are_airflows(preset: str, expansion: str) -> None:
    """Airflow's preset table; other ``@`` aliases pass through to croniter."""
    assert normalize_expression(preset) == expansion
    assert normalize_expression("@midnight") == "@midnight"


@pytest.mark.parametrize(
    "expr",
    [
        "",
        "* * * *",
        "0 0 1 13 0",
        "60 * * * *",
        "* 24 * * *",
        "@none",
        "@reboot",
        "not a cron",
        "0 0 30 2 *",
        "0 0 31 4,6,9,11 *",
        "0 0 31 2,4 *",
        "*/0 * * * *",
        "1-2-3 * * * *",
    ],
)
def test_invalid_or_never_firing_expressions_are_rejected(expr: str) -> None:
    """Bad syntax and expressions that never fire fail when parsed, naming the cron."""
    with pytest.raises(errors.InvalidScheduleError) as info:
        CronSpec(expr)
    assert info.value.code == "invalid-schedule"
    assert info.value.argument == "cron"
    assert repr(expr) in str(info.value)


@pytest.mark.parametrize(
    "expr",
    [
        "0 0 29 2 *",
        "0 0 31 * *",
        "0 0 30 2 1",
        "*/90 * * * *",
        "0 0 * * * 30",
        "@midnight",
        "@annually",
        "0 0 L * *",
        "0 3 15W * *",
        "15 3 * * 1#2",
        "0 12 * * L5",
    ],
)
def test_valid_unusual_expressions_are_accepted(expr: str) -> None:
    """Leap days, day-of-month OR day-of-week, seconds, L/W/# all parse and fire."""
    spec = parse_cron(expr)
    assert spec.next_wall(datetime(2024, 1, 1)) is not None


def test_every_hour_flag_follows_the_hour_field() -> None:
    """Airflow's ``_covers_every_hour``: the expanded hour field is ``*``."""
    assert parse_cron("30 * * * *").every_hour
    assert parse_cron("*/15 * * * 1-5").every_hour
    assert not parse_cron("0 */2 * * *").every_hour
    assert parse_cron("0 0-23 * * *").every_hour  # expanded: every hour is "*"
    assert not parse_cron("30 2 * * *").every_hour


@pytest.mark.parametrize("expr", ["5-5 * * * *", "* 3-3 * * *", "* * 1-1 * *"])
def test_single_value_ranges_read_as_star_like_croniter(expr: str) -> None:
    """croniter 7 expands a one-value range ``N-N`` in the first three fields to ``*``.

    A croniter quirk (so Airflow's too): ``5-5 * * * *`` fires every minute.  We parse
    through croniter and keep it, so every tick agrees with Airflow.
    """
    spec = parse_cron(expr)
    start = datetime(2024, 1, 1, 1, 1)
    assert spec.next_wall(start) == start + timedelta(minutes=1)
    assert spec.next_wall(start) == _croniter(expr, start, forward=True)


def test_parse_is_cached() -> None:
    """The same expression is parsed once."""
    assert parse_cron("0 7 * * 1-5") is parse_cron("0 7 * * 1-5")


@pytest.mark.parametrize(
    ("expr", "wall", "want"),
    [
        ("0 0 29 2 *", datetime(2024, 3, 1), datetime(2028, 2, 29)),
        ("0 9 1 * MON", datetime(2024, 1, 1, 9), datetime(2024, 1, 8, 9)),  # OR, not AND
        ("30 21 * * 5 1", datetime(2024, 5, 1), datetime(2024, 5, 3, 21, 30, 1)),
        ("0 0 L * *", datetime(2024, 2, 1), datetime(2024, 2, 29)),
        ("*/90 * * * *", datetime(2024, 1, 1, 0, 1), datetime(2024, 1, 1, 1, 0)),
    ],
)
def test_documented_croniter_semantics(expr: str, wall: datetime, want: datetime) -> None:
    """The facts SEMANTICS §2.1 lists (leap day, OR, seconds, L, */90)."""
    assert parse_cron(expr).next_wall(wall) == want


def test_search_stays_in_range() -> None:
    """Near the ends of ``datetime`` the search answers None instead of overflowing."""
    spec = parse_cron("0 0 1 1 *")
    assert spec.next_wall(datetime(9999, 6, 1)) is None
    assert spec.prev_wall(datetime(1, 1, 1, 0, 0, 1)) in (None, datetime(1, 1, 1))
    ticker = cron_ticker("0 0 1 1 *", get_zone("UTC"))
    assert ticker.next(datetime(9999, 6, 1, tzinfo=UTC)) is None


@pytest.mark.parametrize(
    ("zone", "instant"),
    [
        ("+05:30", datetime(9999, 12, 31, 23, tzinfo=UTC)),
        ("Europe/Berlin", datetime(9999, 12, 31, 23, tzinfo=UTC)),
        ("America/New_York", datetime(1, 1, 1, 1, tzinfo=UTC)),
    ],
)
def test_ticker_at_the_ends_of_time(zone: str, instant: datetime) -> None:
    """An instant whose wall reading in the zone leaves datetime's range: None, not a crash.

    Reachable from the public API, e.g. ``next_run_info(CronTrigger(cron="@daily",
    timezone="+05:30"), ..., now=datetime(9999, 12, 31, 23, tzinfo=UTC))``.
    """
    ticker = cron_ticker("0 0 * * *", get_zone(zone))
    nxt, prv = ticker.next(instant), ticker.prev(instant)
    assert nxt is None or nxt > instant
    assert prv is None or prv < instant
