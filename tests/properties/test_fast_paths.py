"""The fast paths agree with the general cron engine on every shape they claim.

The reference is the same engine with every fast path switched off
(``CronSpec(expr, fast=False)``, ``CronTicker(..., fast=False)``: the month/day search
and one ``next_run_info`` per run).  Inputs are biased towards DST transitions in zones
with 1-hour, 30-minute, 45-minute and southern-hemisphere changes.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timetable import CronDataIntervals, CronTrigger, DeltaDataIntervals, DeltaTrigger
from timetable._cron import CronSpec, CronTicker, normalize_expression
from timetable._index import count_intervals, interval_containing, iter_intervals, nth_interval
from timetable._runs import _iter, _iter_chain
from timetable._timetables import _data_interval_next, _trigger_next
from timetable._types import DataInterval, RunInfo, TimeRestriction
from timetable._tz import get_zone
from timetable.strategies import (
    aware_datetimes,
    cron_expressions,
    deltas,
    fixed_stride_crons,
    timezones,
)

ZONES = (
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "America/Sao_Paulo",
    "Pacific/Chatham",
)
zones = timezones(zones=ZONES)
instants = aware_datetimes(
    min_value=datetime(1995, 1, 1, tzinfo=UTC),
    max_value=datetime(2038, 1, 1, tzinfo=UTC),
    timezones=zones,
)
spans = st.sampled_from([timedelta(hours=3), timedelta(days=2), timedelta(days=20),
                         timedelta(days=200)])
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def general_ticker(cron: str, zone: str) -> CronTicker:
    return CronTicker(CronSpec(normalize_expression(cron), fast=False), get_zone(zone), fast=False)


def fast_ticker(cron: str, zone: str) -> CronTicker:
    return CronTicker(CronSpec(normalize_expression(cron)), get_zone(zone))


class General:
    """A built-in cron/delta timetable driven by the general engine, one step at a time."""

    periodic = True
    summary = "general"

    def __init__(self, tt: Any) -> None:
        self.tt = tt
        self.ticker = (
            general_ticker(tt.cron, tt.timezone) if hasattr(tt, "cron") else tt.ticker
        )

    def next_run_info(
        self, *, last_interval: DataInterval | None, restriction: TimeRestriction, now: datetime
    ) -> RunInfo | None:
        tt = self.tt
        if isinstance(tt, (CronDataIntervals, DeltaDataIntervals)):
            return _data_interval_next(self.ticker, None, last_interval, restriction, now)
        return _trigger_next(
            self.ticker, None, tt.interval, last_interval, restriction, now
        )

    def infer_manual_interval(self, *, run_after: datetime) -> DataInterval:
        raise NotImplementedError


def reference_runs(tt: Any, start: datetime, end: datetime, limit: int = 5000) -> list[RunInfo]:
    restriction = TimeRestriction(earliest=start, latest=end, catchup=True)
    return list(itertools.islice(_iter_chain(General(tt), restriction, start), limit))


def cron_timetables(crons: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    interval = st.sampled_from([timedelta(0), timedelta(hours=1)])
    return st.one_of(
        st.builds(CronDataIntervals, cron=crons, timezone=zones),
        st.builds(CronTrigger, cron=crons, timezone=zones, interval=interval),
    )


# -- the shapes --------------------------------------------------------------------------------
@SETTINGS
@given(fixed_stride_crons())
def test_fixed_stride_shapes_are_claimed(cron: str) -> None:
    assert CronSpec(cron).kind is not None
    assert CronSpec(cron, fast=False).kind is None


@SETTINGS
@given(
    st.one_of(fixed_stride_crons(), cron_expressions().map(normalize_expression)),
    st.datetimes(min_value=datetime(1, 1, 3), max_value=datetime(9999, 12, 1)),
)
def test_wall_numbering_matches_the_day_search(cron: str, wall: datetime) -> None:
    """Fixed-stride shapes are numbered in O(1), other field-set crons (``L``, ``#``,
    day-of-month with weekday) through the 400-year cycle: both agree with the search."""
    fast, general = CronSpec(cron), CronSpec(cron, fast=False)
    assert fast.next_wall(wall) == general.next_wall(wall)
    assert fast.prev_wall(wall) == general.prev_wall(wall)
    assert fast.is_wall_tick(wall) == general.matches_wall(wall)
    if not fast.numbered:
        return
    n = general.next_wall(wall)
    if n is not None:
        assert fast.wall_at(fast.count_le(n)) == n
        assert fast.count_le(n) == fast.count_le(wall) + 1
        n2 = general.next_wall(n)
        if n2 is not None:
            assert fast.wall_at(fast.count_le(n) + 1) == n2
    p = general.prev_wall(wall)
    if p is not None:
        assert fast.count_le(p) == fast.count_le(wall) - general.matches_wall(wall)


# -- single steps -------------------------------------------------------------------------------
@SETTINGS
@given(st.one_of(fixed_stride_crons(), cron_expressions()), zones, instants)
def test_ticks_prev_and_alignment_agree(cron: str, zone: str, t: datetime) -> None:
    fast, general = fast_ticker(cron, zone), general_ticker(cron, zone)
    assert fast.next(t) == general.next(t)
    assert fast.prev(t) == general.prev(t)
    assert fast.align_next(t) == general.align_next(t)
    assert fast.align_prev(t) == general.align_prev(t)


@SETTINGS
@given(st.one_of(fixed_stride_crons(), cron_expressions()), zones, instants)
def test_stream_equals_repeated_next(cron: str, zone: str, t: datetime) -> None:
    fast, general = fast_ticker(cron, zone), general_ticker(cron, zone)
    start = general.align_next(t)
    assert start is not None
    x = start
    previous = start
    for e, regular in itertools.islice(fast.iter_next(start), 300):
        x = general.next(x)  # type: ignore[assignment]
        assert e == x
        if regular:  # the data-interval chain provably advances to e
            assert general.align_prev(e) == e
            assert general.prev(e) == previous
        previous = e


# -- enumeration, counting, indexing -------------------------------------------------------------
@SETTINGS
@given(cron_timetables(st.one_of(fixed_stride_crons(), cron_expressions())), instants, spans)
def test_runs_counts_and_containment_agree(tt: Any, start: datetime, span: timedelta) -> None:
    end = start + span
    ref = reference_runs(tt, start, end)
    if len(ref) == 5000:
        return
    restriction = TimeRestriction(earliest=start, latest=end, catchup=True)
    assert list(itertools.islice(_iter(tt, restriction, start), 5001)) == ref
    assert list(iter_intervals(tt, start=start, end=end)) == [
        (r.data_interval.start, r.data_interval.end) for r in ref
    ]
    assert count_intervals(tt, start=start, end=end) == len(ref)
    for k in {0, len(ref) // 3, len(ref) - 1}:
        if 0 <= k < len(ref):
            assert nth_interval(tt, start=start, n=k) == ref[k]
    data = isinstance(tt, CronDataIntervals)
    if len(ref) >= 2:
        for r in (ref[0], ref[len(ref) // 2], ref[-2]):
            for probe in (r.logical_date if data else r.run_after,
                          (r.logical_date if data else r.run_after) + timedelta(seconds=1)):
                expected = None
                for cand in ref:
                    key = cand.logical_date if data else cand.run_after
                    if key <= probe:
                        expected = cand
                if expected is not None and data and not probe < expected.data_interval.end:
                    expected = None
                assert interval_containing(tt, probe, start=start) == expected


@SETTINGS
@given(cron_timetables(st.one_of(fixed_stride_crons(), cron_expressions())), instants)
def test_ten_year_counts_match_the_stream(tt: Any, start: datetime) -> None:
    end = start + timedelta(days=3653)
    restriction = TimeRestriction(earliest=start, latest=end, catchup=True)
    stream = list(itertools.islice(_iter(tt, restriction, start), 200_001))
    n = len(stream)
    if n <= 200_000:
        # Multi-year ranges go through the memoized year table in DST zones.
        assert count_intervals(tt, start=start, end=end) == n
        if n:
            assert nth_interval(tt, start=start, n=n - 1) == stream[-1]
            assert nth_interval(tt, start=start, n=n // 2) == stream[n // 2]
            mid = stream[n // 2]
            probe = mid.logical_date if isinstance(tt, CronDataIntervals) else mid.run_after
            if mid.data_interval.start < mid.data_interval.end or not isinstance(
                tt, CronDataIntervals
            ):
                assert interval_containing(tt, probe, start=start) == mid


@SETTINGS
@given(st.one_of(deltas()), instants, spans, st.booleans())
def test_delta_indexing_agrees(delta: Any, start: datetime, span: timedelta, data: bool) -> None:
    tt: Any = DeltaDataIntervals(delta=delta) if data else DeltaTrigger(delta=delta)
    end = start + span
    ref = reference_runs(tt, start, end)
    if len(ref) == 5000:
        return
    restriction = TimeRestriction(earliest=start, latest=end, catchup=True)
    assert list(_iter(tt, restriction, start)) == ref
    assert count_intervals(tt, start=start, end=end) == len(ref)
    if ref:
        assert nth_interval(tt, start=start, n=len(ref) - 1) == ref[-1]


YEAR_ZONES = (*ZONES, "America/Havana", "Pacific/Apia", "Europe/Moscow", "Africa/Casablanca",
              "America/Santiago", "Asia/Tehran")


@SETTINGS
@given(
    st.one_of(fixed_stride_crons(), cron_expressions()),
    st.sampled_from(YEAR_ZONES),
    st.booleans(),
    st.integers(1900, 2090),
)
def test_year_table_shares_only_equal_years(cron: str, zone: str, data: bool, y0: int) -> None:
    """Years with one signature share one segment and anchor offset: check each against
    its own walk.  Thirty consecutive years from a fresh table, so the shared entries come
    from the earlier years of the same run (and of other zones' rules the same way)."""
    from timetable._index import _year_anchor, _YearTable

    tk = CronTicker(CronSpec(normalize_expression(cron)), get_zone(zone))
    if not (tk.spec.numbered and tk.streams):
        return  # walked by the stream, never through the table
    table = _YearTable(tk, data)
    for y in range(y0, y0 + 30):
        a, b = _year_anchor(tk, y), _year_anchor(tk, y + 1)
        assert table.anchor(y) == a
        walked = table.walked(a, b) if a is not None and b is not None else None
        assert table.segment(y) == walked, y
