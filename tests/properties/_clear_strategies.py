"""Hypothesis strategies for task graphs, histories and clear requests.

Written to move into the public ``timetable.strategies`` module as is: plural names,
keyword-only bounds, strategies (not values) returned, shrinking towards small graphs
(one task, no edges), one run, no task instances, and an empty request.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from timetable._clear import ClearRequest, RunHistory
from timetable._graph import TaskGraph, TaskSpec
from timetable._records import RunRecord, TaskInstanceRecord, TaskState
from timetable._types import DataInterval

__all__ = ["clear_requests", "run_histories", "task_graphs"]

_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


@st.composite
def task_graphs(draw: Any, *, min_size: int = 1, max_size: int = 8) -> TaskGraph:
    """Acyclic task graphs: tasks ``t0 … tN`` with edges only from lower to higher index.

    Some tasks are setups/teardowns (a teardown always lists an earlier setup upstream).
    Shrinks towards one task with no edges.
    """
    n = draw(st.integers(min_value=min_size, max_value=max_size))
    specs: list[TaskSpec] = []
    setups: list[int] = []
    for i in range(n):
        upstream = draw(st.sets(st.integers(0, i - 1), max_size=3)) if i else set()
        kind = draw(st.sampled_from(["plain", "plain", "plain", "setup", "teardown"]))
        is_setup = kind == "setup"
        is_teardown = kind == "teardown" and bool(setups)
        if is_teardown:
            upstream.add(draw(st.sampled_from(setups)))
        specs.append(
            TaskSpec(
                task_id=f"t{i}",
                upstream=[f"t{u}" for u in upstream],
                retries=draw(st.integers(0, 3)),
                is_setup=is_setup,
                is_teardown=is_teardown,
            )
        )
        if is_setup:
            setups.append(i)
    order = draw(st.permutations(specs))  # the graph must not depend on the order given
    return TaskGraph(tasks=order)


_STATES = st.sampled_from([None, *TaskState])


@st.composite
def run_histories(
    draw: Any, graph: TaskGraph, *, min_runs: int = 1, max_runs: int = 5
) -> RunHistory:
    """Histories for *graph*: daily runs (some manual, some without a logical date) and
    task instances of random states for a random subset of (task, run) cells."""
    n = draw(st.integers(min_value=min_runs, max_value=max_runs))
    runs: list[RunRecord] = []
    for i in range(n):
        at = _EPOCH + timedelta(days=i)
        undated = draw(st.booleans()) and draw(st.booleans())
        run_state = draw(st.sampled_from(["queued", "running", "success", "failed"]))
        if undated:
            runs.append(
                RunRecord(
                    run_id=f"manual_{i}",
                    run_type="manual",
                    logical_date=None,
                    data_interval=None,
                    run_after=at,
                    state=run_state,
                )
            )
        else:
            runs.append(
                RunRecord(
                    run_id=f"scheduled_{i}",
                    run_type="scheduled",
                    logical_date=at,
                    data_interval=DataInterval(start=at, end=at),
                    run_after=at,
                    state=run_state,
                )
            )
    tis = []
    for run in runs:
        for task_id in graph.task_ids:
            if draw(st.integers(0, 4)) == 0:
                continue
            try_number = draw(st.integers(0, 3))
            tis.append(
                TaskInstanceRecord(
                    run_id=run.run_id,
                    task_id=task_id,
                    state=draw(_STATES),
                    try_number=try_number,
                    max_tries=draw(st.integers(0, 4)),
                )
            )
    return RunHistory(runs=draw(st.permutations(runs)), task_instances=draw(st.permutations(tis)))


@st.composite
def clear_requests(draw: Any, graph: TaskGraph, history: RunHistory) -> ClearRequest:
    """Clear requests over *graph* and *history* (valid or not: they may name a run with no
    logical date together with past/future, which must give an error, not a crash)."""
    task_ids = draw(
        st.none() | st.lists(st.sampled_from(graph.task_ids), min_size=1, max_size=3, unique=True)
    )
    run_ids = [r.run_id for r in history.runs]
    dated = [r.logical_date for r in history.runs.dated if r.logical_date is not None]
    mode = draw(st.sampled_from(["all", "run", "dates"]))
    run_id = draw(st.sampled_from(run_ids)) if mode == "run" else None
    start = end = None
    if mode == "dates" and dated:
        start = draw(st.none() | st.sampled_from(dated))
        end = draw(st.none() | st.sampled_from(dated))
    return ClearRequest(
        task_ids=task_ids,
        upstream=draw(st.booleans()),
        downstream=draw(st.booleans()),
        run_id=run_id,
        start=start,
        end=end,
        past=draw(st.booleans()),
        future=draw(st.booleans()),
        only_failed=draw(st.booleans()),
        only_running=draw(st.booleans()),
        exclude_task_ids=draw(st.lists(st.sampled_from(graph.task_ids), max_size=2)),
        reset_runs_to=draw(st.sampled_from(["queued", "running", None])),
        reset_upstream_failed_descendants=draw(st.booleans()),
    )
