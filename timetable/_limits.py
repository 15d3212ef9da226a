"""The size limit of eager plans.

A plan object holds one entry per interval, so a range of a hundred years of a
every-minute schedule would hold 52 million entries (gigabytes) before answering.  The
eager planners count the intervals first - in constant time for the built-in periodic
kinds ([`count_intervals`][timetable.count_intervals]) - and refuse a range over
`MAX_PLAN_INTERVALS` at once with `PlanTooLargeError`, naming the streaming alternative
([`iter_catchup`][timetable.iter_catchup], [`iter_backfill`][timetable.iter_backfill] and
[`iter_changesets`][timetable.iter_changesets], which have no limit).  Timetables whose
count is not cheap (custom kinds) are not counted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .errors import PlanTooLargeError

__all__ = ["MAX_PLAN_INTERVALS", "check_plan_size"]

#: The most intervals one eager plan (``plan_catchup``, ``plan_backfill``) covers.
MAX_PLAN_INTERVALS = 1_000_000


def check_plan_size(
    tt: Any, *, start: datetime, end: datetime, argument: str, instead: str
) -> None:
    """Refuse a plan over ``[start, end]`` holding more than `MAX_PLAN_INTERVALS`.

    Raises:
        PlanTooLargeError: the range is too large (the message says what to do instead).
    """
    from ._index import count_intervals
    from ._timetables import (
        CronDataIntervals,
        CronTrigger,
        DeltaDataIntervals,
        DeltaTrigger,
        MultiCronTrigger,
    )

    if type(tt) not in (CronDataIntervals, CronTrigger, DeltaDataIntervals, DeltaTrigger,
                        MultiCronTrigger) or start >= end:
        return
    n = count_intervals(tt, start=start, end=end)
    if n > MAX_PLAN_INTERVALS:
        raise PlanTooLargeError(
            f"{argument}: {start.isoformat()} .. {end.isoformat()} holds {n:,} intervals of "
            f"{tt.summary!r}, more than the {MAX_PLAN_INTERVALS:,} one plan can hold; "
            f"{instead}",
            argument=argument,
        )
