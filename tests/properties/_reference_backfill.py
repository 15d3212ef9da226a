"""The backfill planning loop as it was before issue 12's compact plans.

It looked each interval's logical date up in the history one by one
(``History.at``) and built one 8-tuple row per interval.  The library now walks the
history's sorted keys alongside the grid and stores the plan column by column; this
loop is the oracle of the differential property in ``test_backfill_differential.py``.
Test code: not tuned, not exported.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from timetable._backfill import BackfillRequest, ReprocessBehavior, _infos
from timetable._planning import Action, History, Reason
from timetable._records import RunRecord, RunState
from timetable._timetables import TimetableProtocol

__all__ = ["reference_rows"]

_Row = tuple[Action, Reason, datetime, datetime, datetime, str | None, str | None, int | None]


def _decide(existing: RunRecord | None, reprocess: ReprocessBehavior) -> tuple[Action, Reason]:
    if existing is None:
        return Action.CREATE, Reason.MISSING
    state = existing.state
    if state is RunState.QUEUED or state is RunState.RUNNING:
        return Action.SKIP, Reason.IN_FLIGHT
    if state is RunState.FAILED and reprocess is not ReprocessBehavior.NONE:
        return Action.REPROCESS, Reason.REPROCESS_FAILED
    if state is RunState.SUCCESS and reprocess is ReprocessBehavior.COMPLETED:
        return Action.REPROCESS, Reason.REPROCESS_COMPLETED
    return Action.SKIP, Reason.ALREADY_EXISTS


def reference_rows(
    tt: TimetableProtocol, request: BackfillRequest, history: History, now: datetime
) -> Iterator[tuple[_Row, RunRecord | None]]:
    """One row per interval, with the run it reprocesses (or None)."""
    reprocess = request.effective_reprocess
    per_wave = request.max_active_runs
    started = 0
    dated = history.dated
    lo = dated[0].logical_date if dated else None
    hi = dated[-1].logical_date if dated else None
    for run_after, start, end in _infos(tt, request, now):
        existing = (history.at(start) if lo is not None and hi is not None and lo <= start <= hi
                    else None)
        action, reason = _decide(existing, reprocess)
        wave: int | None = None
        run_id: str | None = None
        if action is Action.REPROCESS:
            assert existing is not None
            run_id = existing.run_id
        if action is not Action.SKIP:
            wave = started // per_wave + 1
            started += 1
        row: _Row = (action, reason, run_after, start, end, run_id,
                     None if existing is None else existing.run_id, wave)
        yield row, (existing if action is Action.REPROCESS else None)
