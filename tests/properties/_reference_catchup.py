"""The catchup loop as it was before streaming: the chain rule at every step.

Kept verbatim as the reference for the differential property test
(``test_catchup_stream.py``): the planner now follows the interval stream while the
history does not break the chain, and must give exactly what this loop gives.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import attrs

from timetable._catchup import CatchupStop, _interval_of
from timetable._planning import Action, History, Reason
from timetable._records import RunRecord
from timetable._runs import next_run_info
from timetable._timetables import TimetableProtocol
from timetable._types import RunInfo, TimeRestriction

__all__ = ["reference_chain", "reference_rows"]


@attrs.frozen
class _Due:
    """A due interval with no run yet."""

    info: RunInfo


@attrs.frozen
class _Exists:
    """A due interval whose logical date already has a run."""

    info: RunInfo
    run: RunRecord


@attrs.frozen
class _End:
    stop: CatchupStop
    next_run: RunInfo | None


def reference_rows(
    tt: TimetableProtocol,
    history: History,
    reference: RunRecord | None,
    restriction: TimeRestriction,
    now: datetime,
) -> tuple[list[tuple[object, ...]], CatchupStop, RunInfo | None]:
    """`reference_chain` in the planner's terms: its rows, then how it ended."""
    rows: list[tuple[object, ...]] = []
    for event in reference_chain(tt, history, reference, restriction, now):
        if isinstance(event, _End):
            return rows, event.stop, event.next_run
        iv = event.info.data_interval
        if isinstance(event, _Exists):
            rows.append((Action.SKIP, Reason.ALREADY_EXISTS, event.info.run_after, iv.start,
                         iv.end, event.run.run_id))
        else:
            rows.append((Action.CREATE, Reason.DUE, event.info.run_after, iv.start, iv.end,
                         None))
    raise AssertionError("the chain always ends with _End")


def reference_chain(
    tt: TimetableProtocol,
    history: History,
    reference: RunRecord | None,
    restriction: TimeRestriction,
    now: datetime,
) -> Iterator[_Due | _Exists | _End]:
    """The scheduler loop at a frozen ``now``: due intervals, then how it ended."""
    last = None if reference is None else _interval_of(tt, reference)
    previous: datetime | None = None
    # The first call goes through the validating public function; later calls go to
    # the timetable's own method (same rules, minus the per-call argument checks).
    info = next_run_info(tt, last_interval=last, restriction=restriction, now=now)
    step = tt.next_run_info
    while True:
        if info is None:
            yield _End(CatchupStop.NO_MORE_RUNS, None)
            return
        if info.run_after > now:
            yield _End(CatchupStop.CAUGHT_UP, info)
            return
        if previous is not None and info.logical_date <= previous:
            yield _End(CatchupStop.NO_PROGRESS, info)
            return
        previous = info.logical_date
        existing = history.at(info.logical_date)
        if existing is not None:
            yield _Exists(info, existing)
            last = _interval_of(tt, existing)
        else:
            yield _Due(info)
            last = info.data_interval
        info = step(last_interval=last, restriction=restriction, now=now)

