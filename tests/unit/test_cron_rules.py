"""The cron engine on a fixed table: every tick shape against croniter, fast and slow paths.

``test_cron.py`` draws expressions and wall times with Hypothesis; this file checks a fixed
grid of them (every shape the engine distinguishes x the wall times where searches turn:
on a tick, between ticks, month and year ends, leap days, with seconds and microseconds),
so that each rule is pinned by a named row and the check runs in a second.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import islice

import pytest
from croniter import croniter

from timetable import errors
from timetable._cron import CronSpec, CronTicker, cron_ticker, parse_cron
from timetable._tz import get_zone

#: expression -> the kind the fast engine gives it (None: general day sets or croniter)
SHAPES: dict[str, str | None] = {
    "* * * * *": "daily",
    "*/20 * * * *": "daily",
    "15 3,15 * * *": "daily",
    "0 9-17/4 * * *": "daily",
    "30 21 * * * 15,45": "daily",  # a seconds column
    "0 7 * * 1-5": "weekly",
    "0 0 * * 0": "weekly",
    "0 0 * * 7": "weekly",  # 7 is Sunday too
    "30 6 * * sat,sun": "weekly",
    "0 0 1 * *": "monthly",
    "0 12 1,15,28 */3 *": "monthly",
    "0 0 1 1 *": "monthly",
    "0 0 * 3,6 *": None,  # every day of some months
    "0 6 * 2 1-5": None,  # some weekdays of some months
    "0 0 29 2 *": None,  # a day past the 28th: calendar needed
    "0 0 31 * *": None,
    "0 9 1 * MON": None,  # day of month OR day of week
    "0 9 13 * 5": None,
    "0 0 L * *": None,
    "0 0 15,L * *": None,
    "0 0 L 2 *": None,
    "15 3 * * 1#2": None,
    "0 12 * * L5": None,
    "0 12 * * 0#5": None,
    "0 3 15W * *": None,  # croniter for every tick
    "0 0 * * * 0 2030": None,
}

WALLS = [
    datetime(2024, 1, 1),
    datetime(2024, 1, 1, 0, 0, 0, 1),
    datetime(2024, 1, 8, 9),
    datetime(2024, 2, 28, 23, 59, 59, 999999),
    datetime(2024, 2, 29),
    datetime(2024, 3, 1, 12, 0, 30),
    datetime(2024, 4, 30, 23, 59),
    datetime(2024, 6, 15, 3, 15),
    datetime(2024, 12, 31, 23, 59, 59),
    datetime(2025, 2, 28, 12),
    datetime(2025, 3, 31, 6, 30),
    datetime(2025, 11, 30, 21, 30, 15),
]


def croniter_step(expr: str, wall: datetime, *, forward: bool) -> datetime | None:
    c = croniter(expr, wall)
    try:
        out = c.get_next(datetime) if forward else c.get_prev(datetime)
    except Exception:
        return None
    return out.replace(tzinfo=None)


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "slow"])
@pytest.mark.parametrize("expr", list(SHAPES))
def test_next_prev_and_tick_test_equal_croniter(expr: str, fast: bool) -> None:
    spec = CronSpec(expr, fast=fast)
    assert spec.kind == (SHAPES[expr] if fast else None)
    for wall in WALLS:
        nxt = croniter_step(expr, wall, forward=True)
        prv = croniter_step(expr, wall, forward=False)
        assert (spec.next_wall(wall), spec.prev_wall(wall)) == (nxt, prv), wall
        just_before = wall - timedelta(microseconds=1)
        assert spec.is_wall_tick(wall) == (croniter_step(expr, just_before, forward=True) == wall)
        if nxt is not None:  # from a tick itself: strictly after / strictly before
            assert spec.is_wall_tick(nxt)
            assert spec.matches_wall(nxt)
            assert not spec.is_wall_tick(nxt + timedelta(microseconds=1))
            assert spec.next_wall(nxt) == croniter_step(expr, nxt, forward=True), nxt
            assert spec.prev_wall(nxt) == croniter_step(expr, nxt, forward=False), nxt


@pytest.mark.parametrize("expr", [e for e, kind in SHAPES.items() if kind is not None])
def test_tick_numbering_is_consecutive(expr: str) -> None:
    """``wall_at(count_le(w))`` is the last tick at or before *w*, and counts step by one."""
    spec = CronSpec(expr)
    for wall in WALLS:
        n = spec.count_le(wall)
        tick = spec.wall_at(n)
        assert tick is not None
        assert tick <= wall
        assert spec.count_le(tick) == n
        after = spec.wall_at(n + 1)
        assert after == spec.next_wall(wall)
        assert after is not None
        assert spec.count_le(after) == n + 1
        assert spec.count_le(after - timedelta(microseconds=1)) == n


@pytest.mark.parametrize(
    ("expr", "first", "days"),
    [
        ("0 0 * * *", datetime(2024, 2, 27), [27, 28, 29, 1, 2]),
        ("0 0 * * 1", datetime(2024, 2, 27), [4, 11, 18, 25, 1]),
        ("0 0 1,15 * *", datetime(2024, 2, 16), [1, 15, 1, 15, 1]),
        ("0 0 L * *", datetime(2024, 1, 31), [31, 29, 31, 30, 31]),
        ("0 0 31 * *", datetime(2024, 1, 31), [31, 31, 31, 31, 31]),
        ("0 0 13 * 5", datetime(2024, 9, 1), [6, 13, 20, 27, 4]),
        ("0 0 * * 5#2", datetime(2024, 1, 1), [12, 9, 8, 12, 10]),
        ("0 0 * * L5", datetime(2024, 1, 1), [26, 23, 29, 26, 31]),
    ],
)
def test_iter_days(expr: str, first: datetime, days: list[int]) -> None:
    spec = CronSpec(expr)
    assert [d.day for d in islice(spec.iter_days(first.date()), 5)] == days


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("0 0 30 2 *", "this expression never fires (no date matches it)"),
        ("0 0 31 4,6,9,11 *", "this expression never fires (no date matches it)"),
        ("0 0 30 2 * * 2030", "this expression never fires (no date matches it)"),
    ],
)
def test_never_firing_expressions_are_named(expr: str, message: str) -> None:
    with pytest.raises(errors.InvalidScheduleError) as info:
        CronSpec(expr)
    assert (str(info.value), info.value.argument) == (f"cron={expr!r}: {message}", "cron")


@pytest.mark.parametrize("expr", ["0 0 29 2 *", "0 0 31 1,2 *", "0 0 30 2 1", "0 0 L 2 *"])
def test_an_expression_that_fires_some_years_or_months_is_accepted(expr: str) -> None:
    assert parse_cron(expr).next_wall(datetime(2024, 1, 1)) is not None


def test_not_a_cron_names_the_argument() -> None:
    with pytest.raises(errors.InvalidScheduleError) as info:
        CronSpec("61 * * * *")
    assert info.value.argument == "cron"
    assert str(info.value).startswith("cron='61 * * * *': not a valid cron expression (")


# -- the ticker: instants in zones ------------------------------------------------------------

ZONED = ["0 2 * * *", "30 * * * *", "0 0 * * 0", "*/45 1-3 * * *", "0 3 L * *"]
ZONES = ["UTC", "+05:30", "-03:00", "Europe/Berlin", "America/New_York"]
STARTS = [datetime(2024, 3, 9, 12, tzinfo=UTC), datetime(2024, 10, 26, 12, tzinfo=UTC),
          datetime(2024, 11, 2, 12, tzinfo=UTC),
          # a second before, at and a second after a tick of several rows (UTC)
          datetime(2024, 3, 9, 1, 59, 59, tzinfo=UTC), datetime(2024, 3, 9, 2, 0, tzinfo=UTC),
          datetime(2024, 3, 9, 2, 29, 59, tzinfo=UTC), datetime(2024, 3, 9, 2, 30, 1, tzinfo=UTC)]


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("expr", ZONED)
def test_stream_equals_the_chain_of_next(expr: str, zone: str) -> None:
    """``iter_next`` is ``next`` repeated; a step flagged regular is a data-interval step."""
    ticker = cron_ticker(expr, get_zone(zone))
    slow = CronTicker(CronSpec(expr, fast=False), get_zone(zone), fast=False)
    for start in STARTS:
        got = list(islice(ticker.iter_next(start), 40))
        if ticker.simple_zone:  # one offset: every step is a regular one
            assert all(regular for _, regular in got)
        x = start
        for k, (tick, regular) in enumerate(got):
            want = slow.next(x)
            assert tick == want, (x, tick, want)
            assert tick.tzinfo is UTC
            assert ticker.prev(tick) == slow.prev(tick)
            if regular and k:  # a step from a tick
                assert ticker.align_prev(tick) == tick
                assert ticker.prev(tick) == x
            x = tick


@pytest.mark.parametrize(
    ("zone", "wall", "offset"),
    [
        ("UTC", datetime(2024, 3, 31, 2, 30), timedelta(0)),
        ("+05:30", datetime(2024, 3, 31, 2, 30), timedelta(hours=5, minutes=30)),
        ("Europe/Berlin", datetime(2024, 3, 31, 1, 30), timedelta(hours=1)),
        ("Europe/Berlin", datetime(2024, 3, 31, 2, 30), None),  # in the gap
        ("Europe/Berlin", datetime(2024, 10, 27, 2, 30), None),  # in the fold
        ("Europe/Berlin", datetime(2024, 10, 27, 3, 30), timedelta(hours=1)),
        ("Europe/Berlin", datetime(2024, 7, 1), timedelta(hours=2)),
    ],
)
def test_wall_offset(zone: str, wall: datetime, offset: timedelta | None) -> None:
    ticker = cron_ticker("0 * * * *", get_zone(zone))
    assert ticker.wall_offset(wall) == offset
    assert ticker.simple_zone is (zone in ("UTC", "+05:30"))


@pytest.mark.parametrize(
    ("zone", "instant", "wall"),
    [
        ("UTC", datetime(2024, 7, 1, 12, tzinfo=UTC), datetime(2024, 7, 1, 12)),
        ("-03:00", datetime(2024, 7, 1, 1, tzinfo=UTC), datetime(2024, 6, 30, 22)),
        ("Europe/Berlin", datetime(2024, 7, 1, 12, tzinfo=UTC), datetime(2024, 7, 1, 14)),
        ("Europe/Berlin", datetime(2024, 1, 1, 12, tzinfo=UTC), datetime(2024, 1, 1, 13)),
    ],
)
def test_wall_reading_and_offset(zone: str, instant: datetime, wall: datetime) -> None:
    ticker = cron_ticker("0 * * * *", get_zone(zone))
    assert ticker.to_wall(instant) == wall
    assert ticker.offset_at(instant) == wall - instant.replace(tzinfo=None)


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(
    ("expr", "instant", "on_tick"),
    [
        ("0 * * * *", datetime(2024, 7, 1, 12, tzinfo=UTC), True),
        ("0 * * * *", datetime(2024, 7, 1, 12, 0, 1, tzinfo=UTC), False),
        ("0 0 * * *", datetime(2024, 7, 1, 12, tzinfo=UTC), False),
    ],
)
def test_alignment(zone: str, expr: str, instant: datetime, on_tick: bool) -> None:
    ticker = cron_ticker(expr, get_zone(zone))
    nxt, prv = ticker.next(instant), ticker.prev(instant)
    assert nxt is not None
    assert prv is not None
    assert prv < instant < nxt
    on = on_tick and zone not in ("+05:30",)  # a half-hour zone moves the hourly grid
    assert ticker.align_next(instant) == (instant if on else nxt)
    assert ticker.align_prev(instant) == (instant if on else prv)


@pytest.mark.parametrize(
    ("expr", "wall", "nxt", "prv"),
    [
        # the first and last ticks datetime can hold, for each engine
        ("0 0 * * *", datetime(1, 1, 1, 0, 0, 1), datetime(1, 1, 2), datetime(1, 1, 1)),
        ("0 0 * * *", datetime(1, 1, 1), datetime(1, 1, 2), None),
        ("0 0 * * *", datetime(9999, 12, 30, 12), datetime(9999, 12, 31), datetime(9999, 12, 30)),
        ("0 0 * * *", datetime(9999, 12, 31), None, datetime(9999, 12, 30)),
        ("0 0 1 * *", datetime(1, 1, 1, 0, 0, 1), datetime(1, 2, 1), datetime(1, 1, 1)),
        ("0 0 1 * *", datetime(9999, 11, 15), datetime(9999, 12, 1), datetime(9999, 11, 1)),
        ("0 0 1 * *", datetime(9999, 12, 1), None, datetime(9999, 11, 1)),
        ("0 0 * * 1", datetime(1, 1, 1, 0, 0, 1), datetime(1, 1, 8), datetime(1, 1, 1)),
        ("0 0 31 * *", datetime(2, 1, 15), datetime(2, 1, 31), datetime(1, 12, 31)),
        ("0 0 31 * *", datetime(1, 1, 31), datetime(1, 3, 31), None),
        ("0 0 31 * *", datetime(9999, 12, 31), None, datetime(9999, 10, 31)),
        # a seconds column: the time of day is compared to the second
        ("0 12 31 * * 5", datetime(2024, 1, 31, 12), datetime(2024, 1, 31, 12, 0, 5),
         datetime(2023, 12, 31, 12, 0, 5)),
    ],
)
def test_the_ends_of_time(expr: str, wall: datetime, nxt: datetime | None,
                          prv: datetime | None) -> None:
    spec = CronSpec(expr)
    assert (spec.next_wall(wall), spec.prev_wall(wall)) == (nxt, prv)
