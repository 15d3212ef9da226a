"""dst_report lists exactly the ticks whose UTC spacing differs from the zone-free spacing."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timetable import CronDataIntervals, CronTrigger, dst_report, iter_run_infos

ZONES = ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham",
         "America/Sao_Paulo")
CRONS = ("30 2 * * *", "0 * * * *", "0 */2 * * *", "15 1 * * *", "0 0 * * *", "45 2 * * 0",
         "*/30 1-3 * * *")

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(cron=st.sampled_from(CRONS), zone=st.sampled_from(ZONES), trigger=st.booleans(),
       year=st.sampled_from([2018, 2024]), month=st.integers(1, 12))
def test_listed_spacing_changes_are_exactly_the_differing_ticks(
    cron: str, zone: str, trigger: bool, year: int, month: int
) -> None:
    kind = CronTrigger if trigger else CronDataIntervals
    tt = kind(cron=cron, timezone=zone)
    start = datetime(year, month, 1, tzinfo=UTC)
    end = start + timedelta(days=45)
    report = dst_report(tt, start=start, end=end)
    # Recompute independently: ticks from iter_run_infos, nominal wall times from the same
    # cron evaluated in UTC (a zone without transitions).
    utc_grid = CronTrigger(cron=cron, timezone="UTC").ticker
    from zoneinfo import ZoneInfo

    z = ZoneInfo(zone)
    first = tt.ticker.prev(start)
    ticks = []
    for info in iter_run_infos(tt, start=first, end=None, now=end):
        t = info.run_after if trigger else info.data_interval.start
        if t > end:
            break
        ticks.append(t)

    def nominal(t: datetime) -> datetime:
        wall = t.astimezone(z).replace(tzinfo=UTC, fold=0)
        return utc_grid.align_prev(wall)

    differing = {b for a, b in itertools.pairwise(ticks)
                 if (b - a) != (nominal(b) - nominal(a))}
    listed = {t.tick for t in report.ticks if t.length != t.zone_free_length}
    assert listed == differing
    assert all(t.transition in ("gap", "fold") for t in report.ticks
               if t.length == t.zone_free_length)
