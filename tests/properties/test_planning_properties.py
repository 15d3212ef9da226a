"""Laws of the planning functions, over generated timetables, histories and requests."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timetable import RunState, TimeRestriction, next_run_info
from timetable._backfill import plan_backfill
from timetable._catchup import CatchupPolicy, plan_catchup
from timetable._gaps import find_gaps
from timetable._planning import Action, validate_history
from timetable.errors import TimetableError
from timetable.strategies import backfill_requests, run_records

from ._planning_strategies import BASE, planning_timetables

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
nows = st.integers(0, 30 * 24).map(lambda h: BASE + timedelta(hours=h, minutes=7))


@SETTINGS
@given(data=st.data(), tt=planning_timetables(), now=nows, catchup=st.booleans())
def test_catchup_equals_replaying_next_run_info(
    data: st.DataObject, tt: Any, now: Any, catchup: bool
) -> None:
    runs = data.draw(run_records(tt, max_value=now, contiguous=True))
    restriction = TimeRestriction(earliest=BASE, catchup=catchup)
    plan = plan_catchup(tt, runs=runs, restriction=restriction, now=now)
    reference = validate_history(runs).latest_automated()
    last = None if reference is None else reference.data_interval
    replay = []
    info = next_run_info(tt, last_interval=last, restriction=restriction, now=now)
    while info is not None and info.run_after <= now:
        replay.append(info)
        info = next_run_info(tt, last_interval=info.data_interval, restriction=restriction,
                             now=now)
    assert [e.run_info for e in plan] == replay
    assert all(e.action is Action.CREATE for e in plan)  # manual runs are off the grid
    assert plan.next_run == info
    if not catchup:
        assert len(plan) <= 1


@SETTINGS
@given(data=st.data(), tt=planning_timetables(), now=nows, request=backfill_requests(),
       policy=st.sampled_from([None, CatchupPolicy.latest(2), CatchupPolicy.coalesce(),
                               CatchupPolicy.within(timedelta(days=2))]),
       seed=st.integers(0, 2**16))
def test_plans_do_not_depend_on_record_order(
    data: st.DataObject, tt: Any, now: Any, request: Any, policy: Any, seed: int
) -> None:
    runs = data.draw(run_records(tt, max_value=now))
    shuffled = list(runs)
    random.Random(seed).shuffle(shuffled)
    restriction = TimeRestriction(earliest=BASE, catchup=True)

    def everything(records: list[Any]) -> str:
        out: dict[str, Any] = {
            "catchup": plan_catchup(tt, runs=records, restriction=restriction, now=now,
                                    policy=policy, max_active_runs=8).to_dict(),
            "gaps": find_gaps(tt, runs=records, start=BASE, end=now, now=now,
                              include_failed=True).to_dict(),
        }
        try:
            out["backfill"] = plan_backfill(tt, request, runs=records, now=now).to_dict()
        except TimetableError as err:
            out["backfill"] = err.code
        return json.dumps(out, sort_keys=True)

    assert everything(runs) == everything(shuffled)


@SETTINGS
@given(data=st.data(), tt=planning_timetables(), now=nows, request=backfill_requests())
def test_backfill_creates_once_and_never_touches_active_runs(
    data: st.DataObject, tt: Any, now: Any, request: Any
) -> None:
    runs = data.draw(run_records(tt, max_value=now))
    try:
        plan = plan_backfill(tt, request, runs=runs, now=now)
    except TimetableError:
        return
    history = validate_history(runs)
    dates = [e.run_info.logical_date for e in plan]
    assert len(dates) == len(set(dates))
    for e in plan:
        existing = history.at(e.run_info.logical_date)
        if e.action is Action.CREATE:
            assert existing is None
        elif existing is not None and existing.state in (RunState.QUEUED, RunState.RUNNING):
            assert e.action is Action.SKIP
            assert e.reason.value == "in flight"
        assert e.run_info.data_interval.end < now
    assert [o for w in plan.waves() for o in w] == [
        e.sort_ordinal for e in plan if e.action is not Action.SKIP
    ]


@SETTINGS
@given(data=st.data(), tt=planning_timetables(), now=nows)
def test_gaps_and_runs_cover_the_grid(data: st.DataObject, tt: Any, now: Any) -> None:
    from timetable import iter_run_infos

    runs = data.draw(run_records(tt, max_value=now))
    end = now - timedelta(hours=data.draw(st.integers(0, 48)))
    end = max(end, BASE)
    report = find_gaps(tt, runs=runs, start=BASE, end=end, now=now)
    grid = [i for i in iter_run_infos(tt, start=BASE, end=end, now=now) if i.run_after <= now]
    history = validate_history(runs)
    missing = [i.logical_date for i in grid if history.at(i.logical_date) is None]
    assert report.expected == len(grid)
    assert report.present + report.missing == len(grid)
    assert report.missing == len(missing)
    # expand the compressed ranges back onto the grid
    position = {i.logical_date: k for k, i in enumerate(grid)}
    expanded = []
    for g in report.gaps:
        a, b = position[g.first.logical_date], position[g.last.logical_date]
        assert b - a + 1 == g.count
        expanded += [grid[k].logical_date for k in range(a, b + 1)]
    assert expanded == missing


@settings(max_examples=150, deadline=None)
@given(
    tt=planning_timetables(),
    request=backfill_requests(),
    now=nows,
    limit=st.one_of(st.none(), st.integers(-1, 5)),
    max_active=st.one_of(st.none(), st.integers(-1, 5)),
    earliest=st.one_of(st.none(), nows),
    latest=st.one_of(st.none(), nows),
    catchup=st.booleans(),
)
def test_every_request_gives_a_plan_or_a_timetable_error(
    tt: Any, request: Any, now: Any, limit: Any, max_active: Any, earliest: Any, latest: Any,
    catchup: bool,
) -> None:
    restriction = TimeRestriction(earliest=earliest, latest=latest, catchup=catchup)
    calls = [
        lambda: plan_catchup(tt, runs=[], restriction=restriction, now=now, limit=limit,
                             max_active_runs=max_active),
        lambda: plan_backfill(tt, request, runs=[], now=now, depends_on_past=catchup),
        lambda: find_gaps(tt, runs=[], start=request.from_date, end=request.to_date, now=now),
    ]
    for call in calls:
        try:
            result = call()
        except TimetableError:
            continue
        json.dumps(result.to_dict())
        assert result.to_text()
