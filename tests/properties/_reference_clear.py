"""Reference versions of the clear path, as they were before issue 12.

The library now indexes task instances by whole-list passes (per task, in run order),
walks the index by bisection, skips the setup/teardown rules on graphs that have no such task, and
builds a clear plan's change objects on first access.  These are the originals, the
oracle of ``test_clear_differential.py``; test code, not tuned, not exported.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from timetable._clear import ClearPlan, RunHistory, TaskInstanceChange, _run_changes, _ti_label
from timetable._graph import TaskGraph
from timetable._records import RunState, TaskInstanceRecord, TaskState
from timetable.errors import InvalidRecordError, UnknownRunError

__all__ = ["reference_build_plan", "reference_explain", "reference_index", "reference_iter_cells"]


def reference_index(
    task_instances: Iterable[TaskInstanceRecord], rank: Mapping[str, int]
) -> dict[str, dict[str, Any]]:
    """``task -> run -> instance`` (a tuple when mapped), one instance at a time."""
    by_task: dict[str, dict[str, Any]] = {}
    for ti in task_instances:
        if ti.run_id not in rank:
            raise UnknownRunError(
                f"task_instances: {_ti_label(ti)} names run_id={ti.run_id!r}, "
                "which is not in runs",
                argument="task_instances",
            )
        cells = by_task.get(ti.task_id)
        if cells is None:
            cells = by_task[ti.task_id] = {}
        cell = cells.get(ti.run_id)
        if cell is None:
            cells[ti.run_id] = ti
        else:
            group = (cell,) if isinstance(cell, TaskInstanceRecord) else cell
            if any(other.map_index == ti.map_index for other in group):
                raise InvalidRecordError(
                    f"task_instances: {_ti_label(ti)} appears twice", argument="task_instances"
                )
            cells[ti.run_id] = (*group, ti)
    return by_task


def reference_iter_cells(
    index: Mapping[str, Mapping[str, Any]], task_ids: Iterable[str], run_set: frozenset[str]
) -> Iterator[TaskInstanceRecord]:
    """The original walk over a `reference_index`: per task, the smaller of its runs
    and *run_set*."""
    for task_id in task_ids:
        cells = index.get(task_id)
        if not cells:
            continue
        if len(run_set) < len(cells):
            for run_id in run_set:
                cell = cells.get(run_id)
                if cell is None:
                    continue
                if isinstance(cell, TaskInstanceRecord):
                    yield cell
                else:
                    yield from cell
        else:
            for run_id, cell in cells.items():
                if run_id not in run_set:
                    continue
                if isinstance(cell, TaskInstanceRecord):
                    yield cell
                else:
                    yield from cell


def reference_explain(
    graph: TaskGraph, requested: list[str], *, upstream: bool, downstream: bool
) -> dict[str, str]:
    """``TaskGraph._explain`` with the setup/teardown rules always applied."""
    rank = graph._rank.__getitem__
    requested = sorted(dict.fromkeys(requested), key=rank)
    reasons: dict[str, str] = {}
    for tid in requested:
        reasons.setdefault(tid, "requested")
    matched = set(requested)
    later: list[tuple[str, str]] = []
    if upstream:
        seen_up: set[str] = set()
        for tid in requested:
            reached = graph._walk_new(tid, graph._up, seen_up)
            for anc in sorted(reached, key=rank):
                reasons.setdefault(anc, f"upstream of {tid}")
                if graph._index[anc].is_setup:
                    for td in graph.teardowns_of(anc):
                        if td != tid:
                            later.append((td, f"teardown of {anc}"))
    if downstream:
        seen: set[str] = set()
        for tid in requested:
            reached = graph._walk_new(tid, graph._down, seen)
            for rel in sorted(reached, key=rank):
                reasons.setdefault(rel, f"downstream of {tid}")
                spec = graph._index[rel]
                if rel not in matched and not spec.is_setup and not spec.is_teardown:
                    later.extend(graph._st_reasons(rel))
    for tid in requested:
        spec = graph._index[tid]
        if not upstream and not spec.is_setup and not spec.is_teardown:
            later.extend(graph._st_reasons(tid))
        if spec.is_setup and not downstream:
            later.extend((td, f"teardown of {tid}") for td in graph.teardowns_of(tid))
    for tid, reason in later:
        reasons.setdefault(tid, reason)
    return {t: reasons[t] for t in sorted(reasons, key=rank)}


def _cleared(
    ti: TaskInstanceRecord, graph: TaskGraph, reasons: tuple[str, ...]
) -> TaskInstanceChange:
    if ti.state is TaskState.RUNNING:
        state_after: TaskState | None = TaskState.RESTARTING
        max_after = ti.max_tries
    else:
        state_after = None
        known = ti.task_id in graph
        max_after = (
            ti.try_number + graph.task(ti.task_id).retries
            if known
            else max(ti.max_tries, ti.try_number)
        )
    return TaskInstanceChange(
        run_id=ti.run_id, task_id=ti.task_id, map_index=ti.map_index, state_before=ti.state,
        state_after=state_after, try_number=ti.try_number, max_tries_before=ti.max_tries,
        max_tries_after=max_after, reasons=reasons,
    )


def reference_build_plan(
    graph: TaskGraph,
    history: RunHistory,
    selected: list[tuple[TaskInstanceRecord, tuple[str, ...]]],
    reset_to: RunState | None,
) -> ClearPlan:
    """The original plan: sorted by a key function, every change object built at once."""
    rank = history._rank
    selected = sorted(
        selected, key=lambda item: (rank(item[0].run_id), item[0].task_id, item[0].map_index)
    )
    changes = tuple(_cleared(ti, graph, why) for ti, why in selected)
    runs = _run_changes(
        {ti.run_id for ti, _ in selected}, history, reset_to, "holds cleared task instances"
    )
    return ClearPlan(task_instances=changes, runs=runs)
