"""Clearing across DAGs through explicit markers (Airflow 2's ``ExternalTaskMarker``).

Theory of operation
-------------------
Airflow 2 followed ``ExternalTaskMarker`` tasks when clearing: a cleared marker task in
DAG A at logical date *d* also cleared ``external_task_id`` and everything downstream of
it in DAG B's run at the same logical date *d*, with the same state filters, and so on
recursively, up to a depth limit (the first marker's ``recursion_depth``, default 10;
going deeper was an error).  Airflow 3 dropped this (issue #61451).

Here the markers are explicit edges ([`CrossDagMarker`][timetable.CrossDagMarker]) instead of operators, and
each DAG comes as a graph plus its history.  The walk is breadth-first and
deterministic (DAG ids, then plan order), visits each task instance once (so cycles
between DAGs end), and every entry says which DAG and marker it came from.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs

from ._changeset import Changeset
from ._clear import (
    ClearPlan,
    ClearRequest,
    RunHistory,
    _build_plan,
    _changeset_of,
    _check_removed,
    _select,
)
from ._graph import TaskGraph
from ._planning import DOCUMENT_VERSION
from ._records import TaskInstanceRecord
from ._validation import checked, indent_arg, items_arg
from .errors import InvalidArgumentError, InvalidRequestError, UnknownTaskError, WrongTypeError

__all__ = ["CrossDagMarker", "RecursiveClearPlan", "plan_clear_recursive"]


def _nonempty(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise WrongTypeError.for_value(attribute.name, value, "expected a non-empty string")


def _depth(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidArgumentError.for_value("recursion_depth", value, "expected an int >= 1")


@attrs.frozen(kw_only=True)
class CrossDagMarker:
    """A cross-DAG edge: clearing ``dag_id.task_id`` also clears the external task.

    The external task (and its downstream) is cleared in the external DAG's run with
    the same logical date.

    Attributes:
        dag_id: the DAG holding the marker task.
        task_id: the marker task.
        external_dag_id: the DAG to clear in.
        external_task_id: the task to clear there (with its downstream).
        recursion_depth: how deep clearing may recurse from the first marker followed
            (Airflow's default, 10).
    """

    dag_id: str = attrs.field(validator=_nonempty)
    task_id: str = attrs.field(validator=_nonempty)
    external_dag_id: str = attrs.field(validator=_nonempty)
    external_task_id: str = attrs.field(validator=_nonempty)
    recursion_depth: int = attrs.field(default=10, validator=_depth)


@attrs.frozen(kw_only=True)
class RecursiveClearPlan:
    """One clear plan per DAG reached.

    Attributes:
        plans: ``(dag_id, plan)`` pairs, the starting DAG first, then in the order
            the walk reached them.
        depth: the deepest level reached (0: no marker was followed).
    """

    plans: tuple[tuple[str, ClearPlan], ...]
    depth: int

    def plan_for(self, dag_id: str) -> ClearPlan:
        """The plan of *dag_id* (an empty plan when the walk never reached it)."""
        for key, plan in self.plans:
            if key == dag_id:
                return plan
        return ClearPlan(task_instances=(), runs=())

    def changeset(self, dag_id: str | None = None) -> Changeset:
        """The rows to write.

        Args:
            dag_id: one DAG's part (its updates carry no ``dag_id``); ``None`` gives
                every DAG's updates in one changeset, each tagged with its ``dag_id``
                (apply it per DAG with [`Changeset.for_dag()`][timetable.Changeset.for_dag]).
        """
        if dag_id is not None:
            return _changeset_of(self.plan_for(dag_id).task_instances, self.plan_for(dag_id).runs)
        return Changeset.merge(
            *(_changeset_of(p.task_instances, p.runs, dag_id=d) for d, p in self.plans)
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data (versioned)."""
        return {
            "version": DOCUMENT_VERSION,
            "kind": "clear_recursive",
            "depth": self.depth,
            "dags": [{"dag_id": d, "plan": p.to_dict()} for d, p in self.plans],
        }

    @checked(indent=indent_arg)
    def to_json(self, *, indent: int | None = 2) -> str:
        """`to_dict()` as a JSON string."""
        return json.dumps(self.to_dict(), indent=indent)

    def to_text(self) -> str:
        """A human-readable summary, one section per DAG."""
        return "\n".join(f"[{d}] {p.to_text()}" for d, p in self.plans)


def plan_clear_recursive(
    dags: Mapping[str, tuple[TaskGraph, RunHistory]],
    dag_id: str,
    request: ClearRequest,
    *,
    markers: tuple[CrossDagMarker, ...] | list[CrossDagMarker] = (),
) -> RecursiveClearPlan:
    """Plan a clear that follows cross-DAG markers (Airflow 2 behaviour, #61451).

    Args:
        dags: every DAG that may be reached: ``{dag_id: (graph, history)}``.
        dag_id: the DAG the clear starts in.
        request: the clear in that DAG.  Reached DAGs are cleared with the same state
            filters and run reset, for the external task and its downstream, in the
            run with the marker run's logical date.
        markers: the cross-DAG edges.

    Returns:
        One plan per DAG reached, with reasons naming the marker.

    Raises:
        UnknownTaskError: a marker names a task that is not in its DAG's graph.
        InvalidArgumentError: a marker or *dag_id* names a DAG not in *dags*.
        InvalidRequestError: following markers would go deeper than the first marker's
            ``recursion_depth``.

    >>> from datetime import datetime, timezone
    >>> from timetable._graph import TaskSpec
    >>> from timetable._records import RunRecord, TaskInstanceRecord
    >>> day = datetime(2024, 1, 1, tzinfo=timezone.utc)
    >>> def dag(*tasks):
    ...     run = RunRecord(run_id="r1", run_type="manual", logical_date=day,
    ...                     data_interval=None, run_after=day, state="success")
    ...     tis = [TaskInstanceRecord(run_id="r1", task_id=t.task_id, state="success",
    ...                               try_number=1) for t in tasks]
    ...     return TaskGraph(tasks=tasks), RunHistory(runs=[run], task_instances=tis)
    >>> dags = {"parent": dag(TaskSpec(task_id="marker")),
    ...         "child": dag(TaskSpec(task_id="sensor"), TaskSpec(task_id="load", upstream=["sensor"]))}
    >>> marker = CrossDagMarker(dag_id="parent", task_id="marker",
    ...                         external_dag_id="child", external_task_id="sensor")
    >>> plan = plan_clear_recursive(dags, "parent", ClearRequest(), markers=[marker])
    >>> [(d, p.selected) for d, p in plan.plans]
    [('parent', (('r1', 'marker', -1),)), ('child', (('r1', 'load', -1), ('r1', 'sensor', -1)))]
    """
    if not isinstance(dags, Mapping):
        raise WrongTypeError.for_value("dags", dags, "expected {dag_id: (graph, history)}")
    if not isinstance(request, ClearRequest):
        raise WrongTypeError.for_value("request", request, "expected a ClearRequest")
    markers = items_arg("markers", markers)
    for m in markers:
        if not isinstance(m, CrossDagMarker):
            raise WrongTypeError.for_value("markers", m, "expected CrossDagMarker items")
    _dag(dags, dag_id, "dag_id")
    by_task: dict[tuple[str, str], list[CrossDagMarker]] = {}
    for m in sorted(
        markers, key=lambda m: (m.dag_id, m.task_id, m.external_dag_id, m.external_task_id)
    ):
        for which, task in ((m.dag_id, m.task_id), (m.external_dag_id, m.external_task_id)):
            graph, _ = _dag(dags, which, "markers")
            if task not in graph:
                raise UnknownTaskError(
                    f"markers: task_id={task!r} is not in the graph of dag_id={which!r}",
                    argument="markers",
                )
        by_task.setdefault((m.dag_id, m.task_id), []).append(m)

    selections: dict[str, dict[tuple[str, str, int], tuple[TaskInstanceRecord, tuple[str, ...]]]]
    selections = {}
    order: list[str] = []
    limit: int | None = None
    deepest = 0
    frontier: list[tuple[str, ClearRequest, int, str | None]] = [(dag_id, request, 0, None)]
    while frontier:
        next_frontier: list[tuple[str, ClearRequest, int, str | None]] = []
        for current, req, depth, via in frontier:
            graph, history = _dag(dags, current, "dags")
            removed = _check_removed(graph, history, "error")
            picked = _select(graph, req, history, removed)
            bucket = selections.setdefault(current, {})
            if current not in order:
                order.append(current)
            new = []
            for ti, why in picked:
                key = (ti.run_id, ti.task_id, ti.map_index)
                if key in bucket:
                    continue
                bucket[key] = (ti, (*why, via) if via else why)
                new.append(ti)
            for ti in sorted(new, key=lambda t: (history._rank(t.run_id), t.task_id, t.map_index)):
                for m in by_task.get((current, ti.task_id), ()):
                    logical = history.run(ti.run_id).logical_date
                    if logical is None:
                        continue
                    if limit is None:
                        limit = m.recursion_depth
                    if depth + 1 > limit:
                        raise InvalidRequestError(
                            f"markers: maximum recursion depth {limit} reached following "
                            f"{m.dag_id}.{m.task_id} → {m.external_dag_id}.{m.external_task_id}",
                            argument="markers",
                        )
                    _, ext_history = dags[m.external_dag_id]
                    ext_run = ext_history.runs.at(logical)
                    if ext_run is None:
                        continue
                    deepest = max(deepest, depth + 1)
                    next_frontier.append(
                        (
                            m.external_dag_id,
                            ClearRequest(
                                task_ids=[m.external_task_id],
                                downstream=True,
                                run_id=ext_run.run_id,
                                only_failed=request.only_failed,
                                only_running=request.only_running,
                                reset_runs_to=request.reset_runs_to,
                                reset_upstream_failed_descendants=(
                                    request.reset_upstream_failed_descendants
                                ),
                            ),
                            depth + 1,
                            f"via marker {m.dag_id}.{m.task_id} (depth {depth + 1})",
                        )
                    )
        frontier = next_frontier
    plans = []
    for current in order:
        graph, history = dags[current]
        plans.append(
            (
                current,
                _build_plan(
                    graph, history, list(selections[current].values()), request.reset_runs_to
                ),
            )
        )
    return RecursiveClearPlan(plans=tuple(plans), depth=deepest)


def _dag(
    dags: Mapping[str, tuple[TaskGraph, RunHistory]], dag_id: str, argument: str
) -> tuple[TaskGraph, RunHistory]:
    try:
        pair = dags[dag_id]
    except (KeyError, TypeError):
        raise InvalidArgumentError.for_value(
            argument, dag_id, f"no DAG with this id in dags (known: {sorted(map(str, dags))})"
        ) from None
    if (
        not isinstance(pair, tuple)
        or len(pair) != 2
        or not isinstance(pair[0], TaskGraph)
        or not isinstance(pair[1], RunHistory)
    ):
        raise WrongTypeError.for_value(
            "dags", pair, f"expected (TaskGraph, RunHistory) for dag_id={dag_id!r}"
        )
    return pair
