"""Idempotent re-planning: apply a plan's changeset, plan again at the same ``now`` - nothing.

Every planner, on generated histories with gaps (pauses), failures, cleared runs and DST
zones.  Clears and marks are requests, not target states: they converge once their filter
no longer selects anything (an ``only_failed`` / ``only_running`` clear, a mark to a
state the instances now have); the docstrings of each test say which requests.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import timetable as tt
from timetable.errors import RunAlreadyExistsError, TimetableError
from timetable.strategies import (
    backfill_requests,
    clear_requests,
    run_histories,
    run_records,
    task_graphs,
)

from ._planning_strategies import BASE, planning_timetables

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
nows = st.integers(0, 30 * 24).map(lambda h: BASE + timedelta(hours=h, minutes=7))
policies = st.sampled_from([None, tt.CatchupPolicy.latest(2), tt.CatchupPolicy.coalesce(),
                            tt.CatchupPolicy.within(timedelta(days=2))])


def _apply(plan: Any, runs: Any, tis: Any = ()) -> tuple[Any, Any]:
    changeset = plan.changeset()
    assert tt.Changeset.from_dict(changeset.to_dict()) == changeset
    return tt.apply_changeset(changeset, runs=runs, task_instances=tis)


@SETTINGS
@given(data=st.data(), table=planning_timetables(), now=nows, catchup=st.booleans(),
       policy=policies, max_active=st.none() | st.integers(1, 4),
       contiguous=st.booleans())
def test_catchup_replanned_after_applying_is_empty(
    data: st.DataObject, table: Any, now: Any, catchup: bool, policy: Any,
    max_active: int | None, contiguous: bool,
) -> None:
    """Catchup (Airflow's loop and every policy) converges: after applying, nothing is due."""
    runs = data.draw(run_records(table, max_value=now, contiguous=contiguous))
    restriction = tt.TimeRestriction(earliest=BASE, catchup=catchup)
    plan = tt.plan_catchup(table, runs=runs, restriction=restriction, now=now,
                           max_active_runs=max_active, policy=policy)
    new_runs, _ = _apply(plan, runs)
    assert len(new_runs) == len(runs) + plan.count("create")
    again = tt.plan_catchup(table, runs=new_runs, restriction=restriction, now=now,
                            max_active_runs=max_active, policy=policy)
    assert not again.changeset(), again.to_text()


@SETTINGS
@given(data=st.data(), table=planning_timetables(), now=nows, request=backfill_requests())
def test_backfill_replanned_after_applying_is_empty(
    data: st.DataObject, table: Any, now: Any, request: Any
) -> None:
    """Created runs and reprocessed runs are queued afterwards, so a re-plan skips them."""
    runs = data.draw(run_records(table, max_value=now))
    try:
        plan = tt.plan_backfill(table, request, runs=runs, now=now)
    except TimetableError:
        assume(False)
    new_runs, _ = _apply(plan, runs)
    again = tt.plan_backfill(table, request, runs=new_runs, now=now)
    assert not again.changeset(), again.to_text()
    assert again.count("skip") == len(again)


@SETTINGS
@given(data=st.data(), table=planning_timetables(), now=nows)
def test_manual_run_is_not_created_twice(data: st.DataObject, table: Any, now: Any) -> None:
    """A trigger is an action: applied once, the same trigger is refused as a duplicate."""
    runs = data.draw(run_records(table, max_value=now))
    logical = now - timedelta(hours=data.draw(st.integers(0, 48)), seconds=1)
    try:
        run = tt.plan_manual_run(table, run_after=now, logical_date=logical, runs=runs)
    except RunAlreadyExistsError:
        assume(False)
    new_runs, _ = _apply(run, runs)
    with pytest.raises(RunAlreadyExistsError):
        tt.plan_manual_run(table, run_after=now, logical_date=logical, runs=new_runs)


@st.composite
def _graph_history(draw: Any) -> tuple[tt.TaskGraph, tt.RunHistory]:
    graph = draw(task_graphs(max_size=6))
    return graph, draw(run_histories(graph, max_runs=4))


def _converging(request: tt.ClearRequest, running: bool) -> tt.ClearRequest:
    if request.only_failed or request.only_running:
        return request
    import attrs

    return attrs.evolve(request, only_failed=not running, only_running=running)


@SETTINGS
@given(data=st.data(), gh=_graph_history(), running=st.booleans())
def test_filtered_clear_replanned_after_applying_is_empty(
    data: st.DataObject, gh: Any, running: bool
) -> None:
    """A clear filtered to failed and/or running instances selects nothing once applied."""
    graph, history = gh
    request = _converging(data.draw(clear_requests(graph, history)), running)
    try:
        plan = tt.plan_clear(graph, request, history=history)
    except TimetableError:
        assume(False)
    runs, tis = _apply(plan, history.runs, history.task_instances)
    again = tt.plan_clear(graph, request, history=tt.RunHistory(runs=runs, task_instances=tis))
    assert not again.changeset(), again.to_text()


@SETTINGS
@given(data=st.data(), gh=_graph_history())
def test_any_clear_applied_twice_only_moves_clear_numbers(data: st.DataObject, gh: Any) -> None:
    """Clearing again what was just cleared changes no task instance except restarting ones
    (a running instance goes to ``restarting`` and then to no state, as in Airflow); runs
    only get their clear number bumped again, never a new state."""
    graph, history = gh
    request = data.draw(clear_requests(graph, history))
    try:
        plan = tt.plan_clear(graph, request, history=history)
    except TimetableError:
        assume(False)
    runs, tis = _apply(plan, history.runs, history.task_instances)
    again = tt.plan_clear(graph, request, history=tt.RunHistory(runs=runs, task_instances=tis))
    changes = again.changeset()
    for ti in changes.task_instances_to_update:
        assert ti.changes["state"].before == "restarting", ti
    finished = {"success", "failed"}
    for run in changes.runs_to_update:
        state = run.changes.get("state")
        assert state is None or state.before in finished, run
        assert set(run.changes) <= {"state", "clear_number"}


@st.composite
def _mark_requests(draw: Any, graph: tt.TaskGraph, history: tt.RunHistory) -> tt.MarkRequest:
    state = draw(st.sampled_from(["success", "failed", "skipped"]))
    return tt.MarkRequest(
        task_id=draw(st.sampled_from(sorted(graph.task_ids))),
        run_id=draw(st.sampled_from([r.run_id for r in history.runs])),
        state=state,
        upstream=draw(st.booleans()),
        # marking descendants failed then clears them (Airflow's follow-up clear), so that
        # request never converges; every other one does
        downstream=draw(st.booleans()) and state != "failed",
        past=draw(st.booleans()),
        future=draw(st.booleans()),
    )


@SETTINGS
@given(data=st.data(), gh=_graph_history(), table=planning_timetables())
def test_mark_replanned_after_applying_is_empty(data: st.DataObject, gh: Any, table: Any) -> None:
    """Marked instances are in the target state afterwards: nothing left to mark."""
    graph, history = gh
    assume(len(history.runs) > 0)
    request = data.draw(_mark_requests(graph, history))
    try:
        plan = tt.plan_mark(graph, request, history=history, timetable=table)
    except TimetableError:
        assume(False)
    runs, tis = _apply(plan, history.runs, history.task_instances)
    again = tt.plan_mark(graph, request, history=tt.RunHistory(runs=runs, task_instances=tis),
                         timetable=table)
    assert not again.changeset(), again.to_text()


@SETTINGS
@given(data=st.data(), gh=_graph_history(),
       state=st.sampled_from(["success", "failed", "queued"]))
def test_mark_run_replanned_after_applying_is_empty(
    data: st.DataObject, gh: Any, state: str
) -> None:
    """A marked run and its instances hold their new states: nothing left to change."""
    graph, history = gh
    assume(len(history.runs) > 0)
    run_id = data.draw(st.sampled_from([r.run_id for r in history.runs]))
    plan = tt.plan_mark_run(graph, run_id=run_id, state=state, history=history)
    runs, tis = _apply(plan, history.runs, history.task_instances)
    again = tt.plan_mark_run(graph, run_id=run_id, state=state,
                             history=tt.RunHistory(runs=runs, task_instances=tis))
    assert not again.changeset(), again.to_text()


@SETTINGS
@given(data=st.data(), gh=_graph_history(), running=st.booleans())
def test_recursive_clear_replanned_after_applying_is_empty(
    data: st.DataObject, gh: Any, running: bool
) -> None:
    """Per DAG, a filtered recursive clear converges like a plain one."""
    graph, history = gh
    request = _converging(data.draw(clear_requests(graph, history)), running)
    ids = sorted(graph.task_ids)
    marker = tt.CrossDagMarker(dag_id="a", task_id=data.draw(st.sampled_from(ids)),
                               external_dag_id="b", external_task_id=data.draw(st.sampled_from(ids)))
    dags = {"a": (graph, history), "b": (graph, history)}
    try:
        plan = tt.plan_clear_recursive(dags, "a", request, markers=[marker])
    except TimetableError:
        assume(False)
    changeset = plan.changeset()
    assert tt.Changeset.from_dict(changeset.to_dict()) == changeset
    after = {}
    for dag_id, (g, h) in dags.items():
        runs, tis = tt.apply_changeset(changeset.for_dag(dag_id), runs=h.runs,
                                       task_instances=h.task_instances)
        after[dag_id] = (g, tt.RunHistory(runs=runs, task_instances=tis))
    again = tt.plan_clear_recursive(after, "a", request, markers=[marker])
    assert not again.changeset(), again.to_text()
