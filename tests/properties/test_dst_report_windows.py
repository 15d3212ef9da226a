"""`dst_report` looks only at the ticks around each UTC-offset change; reading every tick
of the range (the way it used to) is kept here as the reference."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timetable import CronDataIntervals, CronTrigger, DstPolicy, dst_report
from timetable._dst_report import _affected, _ticks
from timetable.strategies import aware_datetimes, timezones

ZONES = ("Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Havana",
         "America/Sao_Paulo", "Pacific/Apia", "Pacific/Chatham")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cron=st.sampled_from(["30 2 * * *", "*/20 * * * *", "0 * * * *", "15 1 * * 0",
                             "0 0 1 * *", "45 23 L * *", "30 0,1,2,3 * * *", "0 0 1 */5 *"]),
       zone=timezones(zones=ZONES),
       start=aware_datetimes(min_value=datetime(1990, 1, 1, tzinfo=UTC),
                             max_value=datetime(2030, 1, 1, tzinfo=UTC)),
       days=st.integers(0, 120), data=st.booleans(),
       gap=st.sampled_from(["shift", "skip", "clamp"]),
       fold=st.sampled_from(["first", "second", "both"]))
def test_the_report_around_each_change_is_the_report_over_every_tick(
    cron: str, zone: str, start: datetime, days: int, data: bool, gap: str, fold: str
) -> None:
    kind: Any = CronDataIntervals if data else CronTrigger
    tt = kind(cron=cron, timezone=zone, dst=DstPolicy(gap=gap, fold=fold))
    end = start + timedelta(days=days)
    want = _affected(tt, _ticks(tt, start, end), tt.base_ticker.tz)
    assert list(dst_report(tt, start=start, end=end).ticks) == want


def test_a_thousand_years_are_read_at_their_changes_only() -> None:
    """Found by the long fuzz run: 1,262 years of a daily cron in Berlin read 460,000
    ticks (seconds); the report now reads a few around each of the zone's changes."""
    tt = CronTrigger(cron="0 12 * * *", timezone="Europe/Berlin")
    report = dst_report(tt, start=datetime(762, 3, 17, tzinfo=UTC),
                        end=datetime(2024, 3, 4, tzinfo=UTC))
    assert report.ticks  # the changes since 1893 are there
    assert all(t.tick.year >= 1893 for t in report.ticks)
