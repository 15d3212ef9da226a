"""The backfill planner against its original loop (``_reference_backfill.py``).

The planner walks the history's sorted keys alongside the grid, stores the plan column by
column and streams it a block at a time; the original looked every interval up in the
history and built one tuple per row.  Histories have runs in other zones, in every state,
off the grid and at the range's edges; requests run both ways, with every reprocess
behaviour and small ``max_active_runs`` (many waves); timetables include a host's own one
whose instants are not in UTC (the generic enumeration).
"""

from __future__ import annotations

import pickle
from datetime import timedelta
from typing import Any

import attrs
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from timetable import RunRecord
from timetable._backfill import BackfillPlan, BackfillRequest, _rows, iter_backfill, plan_backfill
from timetable._planning import validate_history
from timetable._tz import get_zone
from timetable.errors import NoBackfillRunsError
from timetable.serialization import from_dict, to_dict
from timetable.strategies import run_records, timezones

from ._planning_strategies import BASE, planning_timetables
from ._reference_backfill import reference_rows
from .test_planning_differential import _in_zone, _Wrapped

SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
hours = st.integers(0, 30 * 24)


@st.composite
def _case(draw: st.DrawFn) -> tuple[Any, Any, BackfillRequest, Any]:
    tt = draw(planning_timetables())
    now = BASE + timedelta(hours=draw(hours), minutes=draw(st.sampled_from([0, 7])))
    runs: list[RunRecord] = list(draw(run_records(tt, max_value=now)))
    if runs and draw(st.booleans()):
        zone = draw(timezones())
        for i in draw(st.sets(st.integers(0, len(runs) - 1))):
            runs[i] = _in_zone(runs[i], zone)
    a, b = sorted(draw(st.tuples(hours, hours)))
    request = BackfillRequest(
        from_date=BASE + timedelta(hours=a, minutes=draw(st.sampled_from([0, 30]))),
        to_date=(BASE + timedelta(hours=b)).astimezone(get_zone(draw(timezones()))),
        run_backwards=draw(st.booleans()),
        reprocess_behavior=draw(st.sampled_from([None, "none", "failed", "completed"])),
        max_active_runs=draw(st.sampled_from([1, 2, 3, 10])),
    )
    subject = _Wrapped(tt) if draw(st.booleans()) else tt
    return subject, validate_history(runs), request, now


@SETTINGS
@given(case=_case(), blocks=st.sampled_from([(1, 1), (1, 3), (2, 5), (64, 4096)]))
def test_backfill_matches_the_original_loop(case: Any, blocks: tuple[int, int]) -> None:
    tt, history, request, now = case
    # requests refused before any planning
    assume(request.from_date <= request.to_date)
    assume(request.from_date < now or request.to_date < now)
    expected = list(reference_rows(tt, request, history, now))
    assert list(_rows(tt, request, history, now, blocks)) == expected
    try:
        plan = plan_backfill(tt, request, runs=history, now=now)
    except NoBackfillRunsError:
        assert expected == []
        return
    assert list(plan._rows) == [row for row, _ in expected]
    assert [plan._rows.row(i) for i in range(len(plan))] == [row for row, _ in expected]
    assert plan._reprocessed == tuple(run for _, run in expected if run is not None)
    assert list(iter_backfill(tt, request, runs=history, now=now)) == list(plan)
    # the compact rows and the rows of the plan's document are the same plan
    back = from_dict(to_dict(plan))
    assert isinstance(back, BackfillPlan)
    assert back == plan
    assert hash(back) == hash(plan)
    assert back.entries == plan.entries
    assert pickle.loads(pickle.dumps(plan)) == plan
    assert attrs.evolve(plan)._rows == plan._rows
