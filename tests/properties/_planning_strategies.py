"""The timetables the planning properties run on (small grids over a few weeks).

Histories and requests come from the public ``timetable.strategies``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from timetable import (
    CronDataIntervals,
    CronTrigger,
    DeltaDataIntervals,
    DeltaTrigger,
)

__all__ = ["BASE", "planning_timetables"]

BASE = datetime(2024, 3, 1, tzinfo=UTC)

#: Crons whose grids stay small over a few weeks, with DST-affected ones in the zones.
_CRONS = ("@daily", "@hourly", "0 */6 * * *", "30 2 * * *", "0 0 * * 1", "15 8 * * 1-5")
_ZONES = ("UTC", "Europe/Berlin", "America/New_York")


def planning_timetables() -> st.SearchStrategy[Any]:
    """Periodic timetables with modest density.  Shrinks towards ``CronDataIntervals("@daily")``."""
    crons = st.sampled_from(_CRONS)
    zones = st.sampled_from(_ZONES)
    deltas = st.sampled_from([timedelta(days=1), timedelta(hours=6), timedelta(hours=13)])
    return st.one_of(
        st.builds(CronDataIntervals, cron=crons, timezone=zones),
        st.builds(CronTrigger, cron=crons, timezone=zones),
        st.builds(DeltaDataIntervals, delta=deltas),
        st.builds(DeltaTrigger, delta=deltas),
    )
