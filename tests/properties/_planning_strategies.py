"""Hypothesis strategies for run histories and planning requests.

Written to move into the public ``timetable.strategies`` module later: keyword-only
arguments, strategies (not values) as parameters, and documented shrink targets.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from timetable import (
    CronDataIntervals,
    CronTrigger,
    DataInterval,
    DeltaDataIntervals,
    DeltaTrigger,
    RunRecord,
    iter_run_infos,
)
from timetable._backfill import BackfillRequest

__all__ = [
    "backfill_requests",
    "histories",
    "planning_timetables",
    "run_states",
]

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


def run_states() -> st.SearchStrategy[str]:
    """Run states.  Shrinks towards ``"success"``."""
    return st.sampled_from(["success", "failed", "queued", "running"])


@st.composite
def histories(
    draw: st.DrawFn,
    timetable: Any,
    *,
    start: datetime = BASE,
    now: datetime,
    automated_prefix: bool = False,
    max_manual: int = 3,
) -> list[RunRecord]:
    """Run histories on *timetable*'s grid between *start* and *now*, in random order.

    With ``automated_prefix=True`` the scheduled/backfill runs are a contiguous prefix
    of the grid (what a scheduler that caught up until some point leaves); otherwise
    any subset.  Up to *max_manual* manual runs are added off the grid.  Shrinks
    towards the empty history.
    """
    grid = [
        info
        for info in iter_run_infos(timetable, start=start, end=now, now=now)
        if info.run_after <= now
    ]
    if automated_prefix:
        keep = draw(st.integers(min_value=0, max_value=len(grid)))
        chosen = list(range(keep))
    else:
        chosen = sorted(draw(st.sets(st.integers(0, max(len(grid) - 1, 0)), max_size=len(grid)))
                        if grid else [])
    runs: list[RunRecord] = []
    for i in chosen:
        info = grid[i]
        run_type = draw(st.sampled_from(["scheduled", "backfill"]))
        runs.append(
            RunRecord(
                run_id=f"{run_type}__{info.run_after.isoformat()}",
                run_type=run_type,
                logical_date=info.logical_date,
                data_interval=info.data_interval,
                run_after=info.run_after,
                state=draw(run_states()),
            )
        )
    dates = {r.logical_date for r in runs}
    for k in range(draw(st.integers(0, max_manual))):
        at = start + timedelta(minutes=draw(st.integers(0, int((now - start).total_seconds()
                                                            // 60))), seconds=13)
        if at in dates:
            continue
        dates.add(at)
        runs.append(
            RunRecord(
                run_id=f"manual__{at.isoformat()}_{k}",
                run_type="manual",
                logical_date=at,
                data_interval=DataInterval(start=at, end=at),
                run_after=at,
                state=draw(run_states()),
            )
        )
    return draw(st.permutations(runs))


def backfill_requests(
    *, start: datetime = BASE, span: timedelta = timedelta(days=40)
) -> st.SearchStrategy[BackfillRequest]:
    """Backfill requests with bounds in ``[start, start + span]`` (either order).

    Shrinks towards a one-instant range at *start* with reprocess ``None``.
    """
    minutes = int(span.total_seconds() // 60)
    point = st.integers(0, minutes).map(lambda m: start + timedelta(minutes=m))
    return st.builds(
        BackfillRequest,
        from_date=point,
        to_date=point,
        run_backwards=st.booleans(),
        reprocess_behavior=st.sampled_from([None, "none", "failed", "completed"]),
        max_active_runs=st.integers(1, 12),
        dag_run_conf=st.one_of(st.none(), st.dictionaries(st.text(max_size=5), st.integers())),
    )
