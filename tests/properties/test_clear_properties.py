"""Laws of the clear selection, on generated graphs and histories."""

from __future__ import annotations

from typing import Any

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timetable._clear import ClearPlan, ClearRequest, RunHistory, plan_clear
from timetable._graph import TaskGraph
from timetable._records import TaskState
from timetable.errors import TimetableError
from timetable.strategies import clear_requests, run_histories, task_graphs

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def scenarios(draw: Any) -> tuple[TaskGraph, RunHistory, ClearRequest]:
    graph = draw(task_graphs())
    history = draw(run_histories(graph))
    return graph, history, draw(clear_requests(graph, history))


def _plan(graph: TaskGraph, history: RunHistory, request: ClearRequest) -> ClearPlan | None:
    try:
        return plan_clear(graph, request, history=history)
    except TimetableError:
        return None


def _selected(plan: ClearPlan | None) -> set[tuple[str, str, int]]:
    return set() if plan is None else set(plan.selected)


@SETTINGS
@given(scenarios())
def test_any_request_gives_a_plan_or_a_timetable_error(s: Any) -> None:
    graph, history, request = s
    try:
        plan = plan_clear(graph, request, history=history)
    except TimetableError:
        return
    plan.to_text()
    plan.to_json()


@SETTINGS
@given(scenarios())
def test_selection_stays_inside_graph_times_runs(s: Any) -> None:
    graph, history, request = s
    plan = _plan(graph, history, request)
    existing = {(t.run_id, t.task_id, t.map_index) for t in history.task_instances}
    assert _selected(plan) <= existing
    assert all(task in graph for _, task, _ in _selected(plan))
    if plan is not None:
        assert {r.run_id for r in plan.runs} <= {run for run, _, _ in plan.selected}


@SETTINGS
@given(scenarios(), st.sampled_from(["upstream", "downstream", "past", "future"]))
def test_widening_never_shrinks_the_selection(s: Any, flag: str) -> None:
    graph, history, request = s
    if getattr(request, flag):
        return
    narrow = _plan(graph, history, request)
    if narrow is None:
        return
    wide = _plan(graph, history, attrs.evolve(request, **{flag: True}))
    if wide is None:  # past/future on a run without a logical date: refused, not shrunk
        assert flag in ("past", "future")
        return
    if request.reset_upstream_failed_descendants:
        # the extra rows follow the cleared ones; compare the core selection
        narrow = _plan(
            graph, history, attrs.evolve(request, reset_upstream_failed_descendants=False)
        )
        wide = _plan(
            graph,
            history,
            attrs.evolve(request, reset_upstream_failed_descendants=False, **{flag: True}),
        )
    assert _selected(narrow) <= _selected(wide)


@SETTINGS
@given(scenarios())
def test_only_failed_is_a_subset_of_unfiltered(s: Any) -> None:
    graph, history, request = s
    base = attrs.evolve(
        request, only_failed=False, only_running=False, reset_upstream_failed_descendants=False
    )
    unfiltered = _plan(graph, history, base)
    failed = _plan(graph, history, attrs.evolve(base, only_failed=True))
    assert _selected(failed) <= _selected(unfiltered)
    if failed is not None:
        assert {c.state_before for c in failed.task_instances} <= {
            TaskState.FAILED,
            TaskState.UPSTREAM_FAILED,
        }


@SETTINGS
@given(scenarios())
def test_clearing_is_idempotent_at_the_level_of_selection(s: Any) -> None:
    graph, history, request = s
    request = attrs.evolve(request, only_failed=False, only_running=False)
    first = _plan(graph, history, request)
    if first is None:
        return
    # apply the plan, then plan again: the same task instances are selected
    after = {c.key: c for c in first.task_instances}
    tis = [
        attrs.evolve(t, state=after[k].state_after, max_tries=after[k].max_tries_after)
        if (k := (t.run_id, t.task_id, t.map_index)) in after
        else t
        for t in history.task_instances
    ]
    states = {r.run_id: r.state_after for r in first.runs}
    runs = [attrs.evolve(r, state=states.get(r.run_id, r.state)) for r in history.runs]
    again = _plan(graph, RunHistory(runs=runs, task_instances=tis), request)
    assert again is not None
    if not request.reset_upstream_failed_descendants:
        assert set(again.selected) == set(first.selected)
    else:
        assert set(again.selected) <= set(first.selected)


@SETTINGS
@given(scenarios(), st.randoms(use_true_random=False))
def test_plan_does_not_depend_on_input_order(s: Any, rnd: Any) -> None:
    graph, history, request = s
    tasks = list(graph.tasks)
    runs = list(history.runs)
    tis = list(history.task_instances)
    for items in (tasks, runs, tis):
        rnd.shuffle(items)
    shuffled_graph = TaskGraph(tasks=tasks)
    shuffled = RunHistory(runs=runs, task_instances=tis)
    one = _plan(graph, history, request)
    two = _plan(shuffled_graph, shuffled, request)
    assert (one is None) == (two is None)
    if one is not None and two is not None:
        assert one.to_json() == two.to_json()
