"""The clear path answers exactly as its original algorithms (``_reference_clear.py``).

Graphs, histories and requests come from the public ``timetable.strategies``; histories
are widened with mapped task instances, task instances given as rows, and the bad
records the index must refuse.
"""

from __future__ import annotations

import pickle
from operator import attrgetter
from typing import Any

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timetable._clear import (
    ClearRequest,
    RunHistory,
    _build_plan,
    _check_removed,
    _select,
    plan_clear,
)
from timetable._graph import TaskGraph, TaskSpec
from timetable._records import TaskInstanceRecord
from timetable.errors import TimetableError
from timetable.strategies import clear_requests, run_histories, task_graphs

from ._reference_clear import (
    reference_build_plan,
    reference_explain,
    reference_index,
    reference_iter_cells,
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _plain(graph: TaskGraph) -> TaskGraph:
    """The same graph without setup or teardown tasks."""
    return TaskGraph(tasks=[attrs.evolve(t, is_setup=False, is_teardown=False)
                            for t in graph.tasks])


@st.composite
def graphs(draw: st.DrawFn) -> TaskGraph:
    graph = draw(task_graphs())
    return _plain(graph) if draw(st.booleans()) else graph


def _row(ti: TaskInstanceRecord) -> dict[str, Any]:
    return {"run_id": ti.run_id, "task_id": ti.task_id, "map_index": ti.map_index,
            "state": None if ti.state is None else ti.state.value,
            "try_number": ti.try_number, "max_tries": ti.max_tries, "dag_id": "d"}


@st.composite
def task_instances(draw: st.DrawFn, graph: TaskGraph, history: RunHistory) -> list[Any]:
    """The history's task instances, some mapped, some as rows, maybe one bad."""
    tis: list[Any] = list(history.task_instances)
    for ti in list(tis):
        if draw(st.integers(0, 5)) == 0:  # mapped: more instances in the same run
            tis.remove(ti)
            tis += [attrs.evolve(ti, map_index=i) for i in range(draw(st.integers(1, 3)))]
    bad = draw(st.sampled_from(["none", "none", "unknown run", "twice", "twice mapped"]))
    if bad == "unknown run":
        tis.append(TaskInstanceRecord(run_id="nowhere", task_id=graph.task_ids[0]))
    elif bad.startswith("twice") and tis:
        tis.append(draw(st.sampled_from(tis)))
    if tis and draw(st.booleans()):
        for i in draw(st.sets(st.integers(0, len(tis) - 1))):
            tis[i] = _row(tis[i])
    return list(draw(st.permutations(tis)))


def _outcome(fn: Any, *args: Any, **kwargs: Any) -> tuple[str, Any]:
    try:
        return ("ok", fn(*args, **kwargs))
    except TimetableError as err:
        return (type(err).__name__, str(err))


@SETTINGS
@given(data=st.data(), graph=graphs())
def test_the_index_matches_the_original(data: st.DataObject, graph: TaskGraph) -> None:
    base = data.draw(run_histories(graph))
    tis = data.draw(task_instances(graph, base))
    ours = _outcome(RunHistory, runs=base.runs, task_instances=tis)
    rank = {r.run_id: i for i, r in enumerate(base.runs.runs)}
    from timetable._rows import read_task_instances

    theirs = _outcome(reference_index, read_task_instances(tis), rank)
    assert ours[0] == theirs[0]
    if ours[0] != "ok":
        assert ours[1] == theirs[1]
        return
    history = ours[1]
    index = theirs[1]
    assert list(history._by_task) == list(index)  # same task order
    run_ids = [r.run_id for r in history.runs]
    for task_id, cells in index.items():
        # every (task, run) cell holds the same instances, mapped ones in the same order
        for run_id in run_ids:
            cell = cells.get(run_id, ())
            assert history.instances(task_id, run_id) == (
                (cell,) if isinstance(cell, TaskInstanceRecord) else cell)
        ranks, tis = history._by_task[task_id]
        assert ranks == sorted(ranks)
        assert len(tis) == len(ranks)
    key = attrgetter("run_id", "task_id", "map_index")
    for run_id in run_ids:  # one run at a time (a walk of its own)
        one = frozenset([run_id])
        assert sorted(history._iter_cells(graph.task_ids, one), key=key) == sorted(
            reference_iter_cells(index, graph.task_ids, one), key=key)
    if run_ids and data.draw(st.booleans()):  # a date range less a few runs
        lo = data.draw(st.integers(0, len(run_ids) - 1))
        hi = data.draw(st.integers(lo, len(run_ids)))
        excluded = data.draw(st.sets(st.sampled_from(run_ids)))
        chosen = frozenset(run_ids[lo:hi]) - excluded
    else:
        chosen = frozenset(data.draw(st.lists(st.sampled_from(run_ids))) if run_ids else ())
    picked = data.draw(st.lists(st.sampled_from(graph.task_ids), unique=True))
    assert sorted(history._iter_cells(picked, chosen), key=key) == sorted(
        reference_iter_cells(index, picked, chosen), key=key)


@SETTINGS
@given(data=st.data(), graph=graphs(), upstream=st.booleans(), downstream=st.booleans())
def test_explain_subset_matches_the_original(
    data: st.DataObject, graph: TaskGraph, upstream: bool, downstream: bool
) -> None:
    requested = data.draw(st.lists(st.sampled_from(graph.task_ids), min_size=1))
    assert graph.explain_subset(requested, upstream=upstream, downstream=downstream) == (
        reference_explain(graph, requested, upstream=upstream, downstream=downstream)
    )


@SETTINGS
@given(data=st.data(), graph=graphs())
def test_plans_match_the_original(data: st.DataObject, graph: TaskGraph) -> None:
    base = data.draw(run_histories(graph))
    tis = [t for t in data.draw(task_instances(graph, base)) if not isinstance(t, dict)]
    outcome = _outcome(RunHistory, runs=base.runs, task_instances=tis)
    history = outcome[1] if outcome[0] == "ok" else base
    request: ClearRequest = data.draw(clear_requests(graph, history))
    ours = _outcome(plan_clear, graph, request, history=history)
    if ours[0] != "ok":
        return  # the request is refused; what is refused did not change here
    plan = ours[1]
    selected = _select(graph, request, history, _check_removed(graph, history, "error"))
    reference = reference_build_plan(graph, history, selected, request.reset_runs_to)
    lazy = _build_plan(graph, history, list(selected), request.reset_runs_to)
    assert pickle.loads(pickle.dumps(lazy)) == reference  # built by pickling
    assert plan == reference
    assert hash(plan) == hash(reference)
    assert plan.to_dict() == reference.to_dict()
    assert plan.changeset() == reference.changeset()
    assert repr(_build_plan(graph, history, list(selected), request.reset_runs_to)) == repr(
        reference)


def test_a_graph_without_setups_skips_the_setup_scan() -> None:
    """Clearing every task of a big plain graph never asks for a task's setups."""
    tasks = [TaskSpec(task_id=f"t{i}", upstream=[f"t{i - 1}"] if i else []) for i in range(50)]
    graph = TaskGraph(tasks=tasks)
    calls: list[str] = []
    original = TaskGraph._relevant_st_pairs

    def spy(self: TaskGraph, task_id: str) -> Any:
        calls.append(task_id)
        return original(self, task_id)

    try:
        TaskGraph._relevant_st_pairs = spy  # type: ignore[method-assign]
        graph.explain_subset(["t0"], downstream=True)
        graph.explain_subset(["t49"], upstream=True)
    finally:
        TaskGraph._relevant_st_pairs = original  # type: ignore[method-assign]
    assert calls == []
