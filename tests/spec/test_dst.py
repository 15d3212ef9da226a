"""DST transitions per zone: paired spring/autumn cases, computed by hand (SEMANTICS §2.1).

Expected ticks are written as *local* ISO strings with their offset, so a reader can check
them against the rules without converting to UTC:

* **fixed schedules** (hour field not ``*``): a wall time in a spring-forward gap moves
  forward by the length of the gap; an ambiguous wall time fires once, at its **second**
  occurrence (standard time);
* **every-hour schedules** (hour field ``*``): the wall-clock distance to the next tick is
  added as elapsed time, so ticks keep real spacing (the repeated hour runs twice, and
  around a 30-minute transition a tick can land on a non-cron wall time).

Transitions used (UTC instant: local before -> local after):

=====================  ==========================================  =========================================
zone                   spring forward                              fall back
=====================  ==========================================  =========================================
Europe/Berlin          2024-03-31 01:00Z: 02:00+01 -> 03:00+02     2024-10-27 01:00Z: 03:00+02 -> 02:00+01
America/New_York       2024-03-10 07:00Z: 02:00-05 -> 03:00-04     2024-11-03 06:00Z: 02:00-04 -> 01:00-05
Australia/Lord_Howe    2024-10-05 15:30Z: 02:00+10:30 -> 02:30+11  2024-04-06 15:00Z: 02:00+11 -> 01:30+10:30
America/Sao_Paulo      2018-11-04 03:00Z: 00:00-03 -> 01:00-02     2019-02-17 02:00Z: 00:00-02 -> 23:00-03
Pacific/Chatham        2024-09-28 14:00Z: 02:45+12:45 -> 03:45+13:45  2024-04-06 14:00Z: 03:45+13:45 -> 02:45+12:45
=====================  ==========================================  =========================================

Each row is checked on both cron kinds: ``CronTrigger`` runs at every tick, and
``CronDataIntervals`` covers the intervals between consecutive ticks (and a manual run
at a tick gets the interval that ends there).  The second half checks the non-default
:class:`timetable.DstPolicy` values.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import islice, pairwise
from zoneinfo import ZoneInfo

import pytest

import timetable as tt

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def _ticks(*iso: str) -> list[datetime]:
    return [datetime.fromisoformat(s) for s in iso]


# zone, cron, season, expected ticks (local ISO).  ``season`` is "spring" or "autumn".
TRANSITIONS = [
    # -- Europe/Berlin: 1 hour, northern hemisphere ------------------------------------------
    pytest.param(
        "Europe/Berlin",
        "30 2 * * *",
        _ticks("2024-03-30T02:30+01:00", "2024-03-31T03:30+02:00", "2024-04-01T02:30+02:00"),
        id="berlin-spring-fixed-gap-shifts-forward",
    ),
    pytest.param(
        "Europe/Berlin",
        "30 2 * * *",
        _ticks("2024-10-26T02:30+02:00", "2024-10-27T02:30+01:00", "2024-10-28T02:30+01:00"),
        id="berlin-autumn-fixed-fold-second-occurrence",
    ),
    pytest.param(
        "Europe/Berlin",
        "30 * * * *",
        _ticks(
            "2024-03-31T00:30+01:00",
            "2024-03-31T01:30+01:00",
            "2024-03-31T03:30+02:00",
            "2024-03-31T04:30+02:00",
        ),
        id="berlin-spring-every-hour-elapsed",
    ),
    pytest.param(
        "Europe/Berlin",
        "30 * * * *",
        _ticks(
            "2024-10-27T01:30+02:00",
            "2024-10-27T02:30+02:00",
            "2024-10-27T02:30+01:00",
            "2024-10-27T03:30+01:00",
        ),
        id="berlin-autumn-every-hour-repeats-the-hour",
    ),
    # -- America/New_York: 1 hour, transitions at 02:00 local --------------------------------
    pytest.param(
        "America/New_York",
        "30 2 * * *",
        _ticks("2024-03-09T02:30-05:00", "2024-03-10T03:30-04:00", "2024-03-11T02:30-04:00"),
        id="new-york-spring-fixed-gap-shifts-forward",
    ),
    pytest.param(
        "America/New_York",
        "30 1 * * *",
        _ticks("2024-11-02T01:30-04:00", "2024-11-03T01:30-05:00", "2024-11-04T01:30-05:00"),
        id="new-york-autumn-fixed-fold-second-occurrence",
    ),
    pytest.param(
        "America/New_York",
        "0 * * * *",
        _ticks(
            "2024-03-10T00:00-05:00",
            "2024-03-10T01:00-05:00",
            "2024-03-10T03:00-04:00",
            "2024-03-10T04:00-04:00",
        ),
        id="new-york-spring-every-hour-elapsed",
    ),
    pytest.param(
        "America/New_York",
        "0 * * * *",
        _ticks(
            "2024-11-03T00:00-04:00",
            "2024-11-03T01:00-04:00",
            "2024-11-03T01:00-05:00",
            "2024-11-03T02:00-05:00",
        ),
        id="new-york-autumn-every-hour-repeats-the-hour",
    ),
    # -- Australia/Lord_Howe: 30 minutes, southern hemisphere ---------------------------------
    pytest.param(
        "Australia/Lord_Howe",
        "15 2 * * *",
        _ticks("2024-10-05T02:15+10:30", "2024-10-06T02:45+11:00", "2024-10-07T02:15+11:00"),
        id="lord-howe-spring-fixed-gap-shifts-30min",
    ),
    pytest.param(
        "Australia/Lord_Howe",
        "45 1 * * *",
        _ticks("2024-04-06T01:45+11:00", "2024-04-07T01:45+10:30", "2024-04-08T01:45+10:30"),
        id="lord-howe-autumn-fixed-fold-second-occurrence",
    ),
    pytest.param(
        # 01:00 + 1h elapsed lands on 02:30+11 (02:00 does not exist); then 30 minutes to 03:00.
        "Australia/Lord_Howe",
        "0 * * * *",
        _ticks(
            "2024-10-06T00:00+10:30",
            "2024-10-06T01:00+10:30",
            "2024-10-06T02:30+11:00",
            "2024-10-06T03:00+11:00",
            "2024-10-06T04:00+11:00",
        ),
        id="lord-howe-spring-every-hour-elapsed-half-hour",
    ),
    pytest.param(
        # 01:00+11 + 1h elapsed is 01:30+10:30 (a non-cron wall time), then 30 min to 02:00.
        "Australia/Lord_Howe",
        "0 * * * *",
        _ticks(
            "2024-04-07T00:00+11:00",
            "2024-04-07T01:00+11:00",
            "2024-04-07T01:30+10:30",
            "2024-04-07T02:00+10:30",
            "2024-04-07T03:00+10:30",
        ),
        id="lord-howe-autumn-every-hour-elapsed-half-hour",
    ),
    # -- America/Sao_Paulo: transitions at midnight, southern hemisphere (DST until 2019) ----
    pytest.param(
        "America/Sao_Paulo",
        "0 0 * * *",
        _ticks("2018-11-03T00:00-03:00", "2018-11-04T01:00-02:00", "2018-11-05T00:00-02:00"),
        id="sao-paulo-spring-midnight-gap-shifts-to-01",
    ),
    pytest.param(
        "America/Sao_Paulo",
        "30 23 * * *",
        _ticks("2019-02-15T23:30-02:00", "2019-02-16T23:30-03:00", "2019-02-17T23:30-03:00"),
        id="sao-paulo-autumn-fixed-fold-second-occurrence",
    ),
    pytest.param(
        "America/Sao_Paulo",
        "0 * * * *",
        _ticks(
            "2018-11-03T22:00-03:00",
            "2018-11-03T23:00-03:00",
            "2018-11-04T01:00-02:00",
            "2018-11-04T02:00-02:00",
        ),
        id="sao-paulo-spring-every-hour-elapsed",
    ),
    pytest.param(
        "America/Sao_Paulo",
        "0 * * * *",
        _ticks(
            "2019-02-16T22:00-02:00",
            "2019-02-16T23:00-02:00",
            "2019-02-16T23:00-03:00",
            "2019-02-17T00:00-03:00",
        ),
        id="sao-paulo-autumn-every-hour-repeats-the-hour",
    ),
    # -- Pacific/Chatham: 1 hour at :45, offsets +12:45 / +13:45 -------------------------------
    pytest.param(
        "Pacific/Chatham",
        "45 2 * * *",
        _ticks("2024-09-28T02:45+12:45", "2024-09-29T03:45+13:45", "2024-09-30T02:45+13:45"),
        id="chatham-spring-fixed-gap-start-shifts-to-transition",
    ),
    pytest.param(
        "Pacific/Chatham",
        "0 3 * * *",
        _ticks("2024-09-28T03:00+12:45", "2024-09-29T04:00+13:45", "2024-09-30T03:00+13:45"),
        id="chatham-spring-fixed-gap-shifts-forward",
    ),
    pytest.param(
        "Pacific/Chatham",
        "15 3 * * *",
        _ticks("2024-04-06T03:15+13:45", "2024-04-07T03:15+12:45", "2024-04-08T03:15+12:45"),
        id="chatham-autumn-fixed-fold-second-occurrence",
    ),
    pytest.param(
        "Pacific/Chatham",
        "0 * * * *",
        _ticks(
            "2024-09-29T01:00+12:45",
            "2024-09-29T02:00+12:45",
            "2024-09-29T04:00+13:45",
            "2024-09-29T05:00+13:45",
        ),
        id="chatham-spring-every-hour-elapsed",
    ),
    pytest.param(
        "Pacific/Chatham",
        "0 * * * *",
        _ticks(
            "2024-04-07T02:00+13:45",
            "2024-04-07T03:00+13:45",
            "2024-04-07T03:00+12:45",
            "2024-04-07T04:00+12:45",
        ),
        id="chatham-autumn-every-hour-repeats-the-hour",
    ),
]


def _check_spacing(zone: str, ticks: list[datetime]) -> None:
    """The table itself is consistent: ticks increase, and each offset is the zone's."""
    tz = ZoneInfo(zone)
    assert ticks == sorted(ticks)
    for t in ticks:
        assert t.astimezone(tz).utcoffset() == t.utcoffset(), t


@pytest.mark.parametrize(("zone", "cron", "ticks"), TRANSITIONS)
def test_cron_trigger_runs_at_every_tick(zone: str, cron: str, ticks: list[datetime]) -> None:
    """CronTrigger: one run per tick, ``run_after == logical_date == tick``."""
    _check_spacing(zone, ticks)
    table = tt.CronTrigger(cron=cron, timezone=zone)
    runs = list(tt.iter_run_infos(table, start=ticks[0], end=ticks[-1], now=NOW))
    assert [r.run_after for r in runs] == ticks
    assert all(r.data_interval.start == r.data_interval.end == r.run_after for r in runs)
    # Started a minute after the first tick, the first run is the second tick.
    later = list(
        tt.iter_run_infos(table, start=ticks[0] + timedelta(minutes=1), end=ticks[-1], now=NOW)
    )
    assert [r.run_after for r in later] == ticks[1:]


#: Every-hour crons in a zone with a 30-minute transition: stepping *back* by the
#: wall-clock distance to the previous wall tick is not the inverse of stepping forward,
#: so around the transition manual runs get intervals that are not scheduled ones
#: (Airflow's formula gives the same).  Checked separately, in MANUAL_HALF_HOUR.
HALF_HOUR_EVERY_HOUR = {("Australia/Lord_Howe", "0 * * * *")}

#: run_after (local) -> manual interval (local), for ``0 * * * *`` in Lord Howe.  By hand:
#: prev(t) = t - (wall(t) - previous wall tick); end = t when next(prev(t)) == t, else
#: prev(t); start = prev(end).
MANUAL_HALF_HOUR = [
    # autumn: 02:00+11 -> 01:30+10:30 at 2024-04-06 15:00Z
    ("2024-04-07T01:00+11:00", "2024-04-07T00:00+11:00", "2024-04-07T01:00+11:00"),
    ("2024-04-07T01:30+11:00", "2024-04-07T00:00+11:00", "2024-04-07T01:00+11:00"),
    ("2024-04-07T01:30+10:30", "2024-04-07T01:30+11:00", "2024-04-07T01:30+10:30"),
    ("2024-04-07T01:45+10:30", "2024-04-07T01:00+11:00", "2024-04-07T01:30+11:00"),
    # 02:00+10:30 is a scheduled tick, yet prev(next-grid) misses it: 1 h of wall clock
    # back from 02:00 is 01:30+11:00, whose next tick is 01:30+10:30, not 02:00+10:30.
    ("2024-04-07T02:00+10:30", "2024-04-07T01:00+11:00", "2024-04-07T01:30+11:00"),
    # spring: 02:00+10:30 -> 02:30+11 at 2024-10-05 15:30Z
    ("2024-10-06T01:30+10:30", "2024-10-06T00:00+10:30", "2024-10-06T01:00+10:30"),
    ("2024-10-06T02:30+11:00", "2024-10-06T01:30+10:30", "2024-10-06T02:30+11:00"),
    ("2024-10-06T02:45+11:00", "2024-10-06T01:00+10:30", "2024-10-06T01:30+10:30"),
    # Likewise 03:00+11:00: 1 h of wall clock back is 01:30+10:30 (next: 02:30+11:00).
    ("2024-10-06T03:00+11:00", "2024-10-06T01:00+10:30", "2024-10-06T01:30+10:30"),
]


@pytest.mark.parametrize(("run_after", "start", "end"), MANUAL_HALF_HOUR)
def test_manual_interval_every_hour_half_hour_zone(run_after: str, start: str, end: str) -> None:
    """Lord Howe, ``0 * * * *``: the manual interval follows the elapsed-spacing prev rule."""
    table = tt.CronDataIntervals(cron="0 * * * *", timezone="Australia/Lord_Howe")
    iv = tt.infer_manual_interval(table, run_after=datetime.fromisoformat(run_after))
    assert (iv.start, iv.end) == (datetime.fromisoformat(start), datetime.fromisoformat(end))
    assert iv.start < iv.end <= datetime.fromisoformat(run_after)


@pytest.mark.parametrize(("zone", "cron", "ticks"), TRANSITIONS)
def test_cron_data_intervals_cover_consecutive_ticks(
    zone: str, cron: str, ticks: list[datetime]
) -> None:
    """CronDataIntervals: ``[tick_i, tick_i+1]``, run at the end; manual runs agree."""
    table = tt.CronDataIntervals(cron=cron, timezone=zone)
    runs = list(islice(tt.iter_run_infos(table, start=ticks[0], end=None, now=NOW), len(ticks) - 1))
    got = [(r.data_interval.start, r.data_interval.end) for r in runs]
    assert got == list(pairwise(ticks))
    assert all(r.run_after == r.data_interval.end for r in runs)
    for prev, tick in pairwise(ticks):
        # A manual run at a tick, or just after it, covers the interval ending there.
        if (zone, cron) in HALF_HOUR_EVERY_HOUR:
            continue
        for run_after in (tick, tick + timedelta(seconds=1)):
            iv = tt.infer_manual_interval(table, run_after=run_after)
            assert (iv.start, iv.end) == (prev, tick), run_after


@pytest.mark.parametrize(("zone", "cron", "ticks"), TRANSITIONS)
def test_next_run_info_chain_matches(zone: str, cron: str, ticks: list[datetime]) -> None:
    """Chaining next_run_info from each tick gives the next tick (both kinds)."""
    trigger = tt.CronTrigger(cron=cron, timezone=zone)
    intervals = tt.CronDataIntervals(cron=cron, timezone=zone)
    r = tt.TimeRestriction(earliest=ticks[0], catchup=True)
    for a, b, *rest in zip(ticks, ticks[1:], [*ticks[2:], None], strict=False):
        info = tt.next_run_info(
            trigger, last_interval=tt.DataInterval.exact(a), restriction=r, now=NOW
        )
        assert info is not None
        assert info.run_after == b
        if rest[0] is not None:
            nxt = tt.next_run_info(
                intervals, last_interval=tt.DataInterval(start=a, end=b), restriction=r, now=NOW
            )
            assert nxt is not None
            assert (nxt.data_interval.start, nxt.data_interval.end) == (b, rest[0])


# -- DST policies -----------------------------------------------------------------------------
GAP_POLICIES = [
    # Berlin 2024-03-31: 02:00+01 -> 03:00+02 at 01:00Z.
    pytest.param(
        "Europe/Berlin",
        "30 2 * * *",
        "shift",
        _ticks("2024-03-30T02:30+01:00", "2024-03-31T03:30+02:00", "2024-04-01T02:30+02:00"),
        id="berlin-shift",
    ),
    pytest.param(
        "Europe/Berlin",
        "30 2 * * *",
        "clamp",
        _ticks("2024-03-30T02:30+01:00", "2024-03-31T03:00+02:00", "2024-04-01T02:30+02:00"),
        id="berlin-clamp-to-transition",
    ),
    pytest.param(
        "Europe/Berlin",
        "30 2 * * *",
        "skip",
        _ticks("2024-03-30T02:30+01:00", "2024-04-01T02:30+02:00"),
        id="berlin-skip-the-day",
    ),
    # New York 2024-03-10: 02:00-05 -> 03:00-04 at 07:00Z.
    pytest.param(
        "America/New_York",
        "0 2 * * *",
        "shift",
        _ticks("2024-03-09T02:00-05:00", "2024-03-10T03:00-04:00", "2024-03-11T02:00-04:00"),
        id="new-york-shift",
    ),
    pytest.param(
        "America/New_York",
        "0 2 * * *",
        "clamp",
        _ticks("2024-03-09T02:00-05:00", "2024-03-10T03:00-04:00", "2024-03-11T02:00-04:00"),
        id="new-york-clamp-gap-start-equals-shift",
    ),
    pytest.param(
        "America/New_York",
        "0 2 * * *",
        "skip",
        _ticks("2024-03-09T02:00-05:00", "2024-03-11T02:00-04:00"),
        id="new-york-skip-the-day",
    ),
    # Lord Howe 2024-10-06: 02:00+10:30 -> 02:30+11 at 15:30Z (a 30-minute gap).
    pytest.param(
        "Australia/Lord_Howe",
        "15 2 * * *",
        "shift",
        _ticks("2024-10-05T02:15+10:30", "2024-10-06T02:45+11:00", "2024-10-07T02:15+11:00"),
        id="lord-howe-shift",
    ),
    pytest.param(
        "Australia/Lord_Howe",
        "15 2 * * *",
        "clamp",
        _ticks("2024-10-05T02:15+10:30", "2024-10-06T02:30+11:00", "2024-10-07T02:15+11:00"),
        id="lord-howe-clamp-to-transition",
    ),
    pytest.param(
        "Australia/Lord_Howe",
        "15 2 * * *",
        "skip",
        _ticks("2024-10-05T02:15+10:30", "2024-10-07T02:15+11:00"),
        id="lord-howe-skip-the-day",
    ),
    # Sao Paulo 2018-11-04: midnight does not exist (00:00-03 -> 01:00-02 at 03:00Z).
    pytest.param(
        "America/Sao_Paulo",
        "30 0 * * *",
        "shift",
        _ticks("2018-11-03T00:30-03:00", "2018-11-04T01:30-02:00", "2018-11-05T00:30-02:00"),
        id="sao-paulo-shift",
    ),
    pytest.param(
        "America/Sao_Paulo",
        "30 0 * * *",
        "clamp",
        _ticks("2018-11-03T00:30-03:00", "2018-11-04T01:00-02:00", "2018-11-05T00:30-02:00"),
        id="sao-paulo-clamp-to-transition",
    ),
    pytest.param(
        "America/Sao_Paulo",
        "30 0 * * *",
        "skip",
        _ticks("2018-11-03T00:30-03:00", "2018-11-05T00:30-02:00"),
        id="sao-paulo-skip-the-day",
    ),
    # Chatham 2024-09-29: 02:45+12:45 -> 03:45+13:45 at 14:00Z.
    pytest.param(
        "Pacific/Chatham",
        "0 3 * * *",
        "shift",
        _ticks("2024-09-28T03:00+12:45", "2024-09-29T04:00+13:45", "2024-09-30T03:00+13:45"),
        id="chatham-shift",
    ),
    pytest.param(
        "Pacific/Chatham",
        "0 3 * * *",
        "clamp",
        _ticks("2024-09-28T03:00+12:45", "2024-09-29T03:45+13:45", "2024-09-30T03:00+13:45"),
        id="chatham-clamp-to-transition",
    ),
    pytest.param(
        "Pacific/Chatham",
        "0 3 * * *",
        "skip",
        _ticks("2024-09-28T03:00+12:45", "2024-09-30T03:00+13:45"),
        id="chatham-skip-the-day",
    ),
]

FOLD_POLICIES = [
    # Berlin 2024-10-27: 03:00+02 -> 02:00+01 at 01:00Z; 02:00-03:00 happens twice.
    pytest.param(
        "Europe/Berlin",
        "30 2 * * *",
        "second",
        _ticks("2024-10-26T02:30+02:00", "2024-10-27T02:30+01:00", "2024-10-28T02:30+01:00"),
        id="berlin-second",
    ),
    pytest.param(
        "Europe/Berlin",
        "30 2 * * *",
        "first",
        _ticks("2024-10-26T02:30+02:00", "2024-10-27T02:30+02:00", "2024-10-28T02:30+01:00"),
        id="berlin-first",
    ),
    pytest.param(
        "Europe/Berlin",
        "30 2 * * *",
        "both",
        _ticks(
            "2024-10-26T02:30+02:00",
            "2024-10-27T02:30+02:00",
            "2024-10-27T02:30+01:00",
            "2024-10-28T02:30+01:00",
        ),
        id="berlin-both",
    ),
    # New York 2024-11-03: 02:00-04 -> 01:00-05 at 06:00Z; 01:00-02:00 happens twice.
    pytest.param(
        "America/New_York",
        "30 1 * * *",
        "first",
        _ticks("2024-11-02T01:30-04:00", "2024-11-03T01:30-04:00", "2024-11-04T01:30-05:00"),
        id="new-york-first",
    ),
    pytest.param(
        "America/New_York",
        "30 1 * * *",
        "both",
        _ticks(
            "2024-11-02T01:30-04:00",
            "2024-11-03T01:30-04:00",
            "2024-11-03T01:30-05:00",
            "2024-11-04T01:30-05:00",
        ),
        id="new-york-both",
    ),
    # Lord Howe 2024-04-07: 02:00+11 -> 01:30+10:30 at 15:00Z; 01:30-02:00 happens twice.
    pytest.param(
        "Australia/Lord_Howe",
        "45 1 * * *",
        "first",
        _ticks("2024-04-06T01:45+11:00", "2024-04-07T01:45+11:00", "2024-04-08T01:45+10:30"),
        id="lord-howe-first",
    ),
    pytest.param(
        "Australia/Lord_Howe",
        "45 1 * * *",
        "both",
        _ticks(
            "2024-04-06T01:45+11:00",
            "2024-04-07T01:45+11:00",
            "2024-04-07T01:45+10:30",
            "2024-04-08T01:45+10:30",
        ),
        id="lord-howe-both",
    ),
    # Sao Paulo 2019-02-16: 24:00-02 -> 23:00-03 at 02:00Z; 23:00-24:00 happens twice.
    pytest.param(
        "America/Sao_Paulo",
        "30 23 * * *",
        "first",
        _ticks("2019-02-15T23:30-02:00", "2019-02-16T23:30-02:00", "2019-02-17T23:30-03:00"),
        id="sao-paulo-first",
    ),
    pytest.param(
        "America/Sao_Paulo",
        "30 23 * * *",
        "both",
        _ticks(
            "2019-02-15T23:30-02:00",
            "2019-02-16T23:30-02:00",
            "2019-02-16T23:30-03:00",
            "2019-02-17T23:30-03:00",
        ),
        id="sao-paulo-both",
    ),
    # Chatham 2024-04-07: 03:45+13:45 -> 02:45+12:45 at 14:00Z; 02:45-03:45 happens twice.
    pytest.param(
        "Pacific/Chatham",
        "15 3 * * *",
        "first",
        _ticks("2024-04-06T03:15+13:45", "2024-04-07T03:15+13:45", "2024-04-08T03:15+12:45"),
        id="chatham-first",
    ),
    pytest.param(
        "Pacific/Chatham",
        "15 3 * * *",
        "both",
        _ticks(
            "2024-04-06T03:15+13:45",
            "2024-04-07T03:15+13:45",
            "2024-04-07T03:15+12:45",
            "2024-04-08T03:15+12:45",
        ),
        id="chatham-both",
    ),
]


def _policy_case(zone: str, cron: str, policy: tt.DstPolicy, ticks: list[datetime]) -> None:
    _check_spacing(zone, ticks)
    trigger = tt.CronTrigger(cron=cron, timezone=zone, dst=policy)
    runs = list(tt.iter_run_infos(trigger, start=ticks[0], end=ticks[-1], now=NOW))
    assert [r.run_after for r in runs] == ticks
    intervals = tt.CronDataIntervals(cron=cron, timezone=zone, dst=policy)
    got = [
        (r.data_interval.start, r.data_interval.end)
        for r in islice(
            tt.iter_run_infos(intervals, start=ticks[0], end=None, now=NOW), len(ticks) - 1
        )
    ]
    assert got == list(pairwise(ticks))
    for prev, tick in pairwise(ticks):
        iv = tt.infer_manual_interval(intervals, run_after=tick + timedelta(seconds=1))
        assert (iv.start, iv.end) == (prev, tick)


@pytest.mark.parametrize(("zone", "cron", "gap", "ticks"), GAP_POLICIES)
def test_gap_policy(zone: str, cron: str, gap: str, ticks: list[datetime]) -> None:
    """``gap``: shift (Airflow) moves forward by the gap, clamp uses the transition, skip drops."""
    _policy_case(zone, cron, tt.DstPolicy(gap=gap), ticks)


@pytest.mark.parametrize(("zone", "cron", "fold", "ticks"), FOLD_POLICIES)
def test_fold_policy(zone: str, cron: str, fold: str, ticks: list[datetime]) -> None:
    """``fold``: second (Airflow), first (Debian cron), or both occurrences."""
    _policy_case(zone, cron, tt.DstPolicy(fold=fold), ticks)


@pytest.mark.parametrize(("zone", "cron", "ticks"), TRANSITIONS)
def test_explicit_default_policy_is_airflow(zone: str, cron: str, ticks: list[datetime]) -> None:
    """``DstPolicy()`` spelled out is the default: same ticks as the Airflow table."""
    policy = tt.DstPolicy(gap="shift", fold="second")
    assert policy.is_airflow
    table = tt.CronTrigger(cron=cron, timezone=zone, dst=policy)
    assert table == tt.CronTrigger(cron=cron, timezone=zone)
    runs = tt.iter_run_infos(table, start=ticks[0], end=ticks[-1], now=NOW)
    assert [r.run_after for r in runs] == ticks


def test_policies_agree_away_from_transitions() -> None:
    """Every policy gives the same ticks in a week with no transition."""
    start = datetime(2024, 6, 1, tzinfo=UTC)
    end = datetime(2024, 6, 8, tzinfo=UTC)
    for zone in ("Europe/Berlin", "Australia/Lord_Howe", "Pacific/Chatham"):
        for cron in ("30 2 * * *", "0 * * * *", "*/20 1-3 * * *"):
            want = [
                r.run_after
                for r in tt.iter_run_infos(
                    tt.CronTrigger(cron=cron, timezone=zone), start=start, end=end, now=NOW
                )
            ]
            for gap in ("shift", "clamp", "skip"):
                for fold in ("second", "first", "both"):
                    table = tt.CronTrigger(
                        cron=cron, timezone=zone, dst=tt.DstPolicy(gap=gap, fold=fold)
                    )
                    got = [
                        r.run_after for r in tt.iter_run_infos(table, start=start, end=end, now=NOW)
                    ]
                    assert got == want, (zone, cron, gap, fold)
