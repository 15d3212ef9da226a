"""Marking task instances and runs success / failed (/ skipped / queued).

Theory of operation
-------------------
*Mark one task* (Airflow's ``PATCH …/taskInstances/{task_id}``) works in two steps:

1. **Mark.**  The runs are the anchor run, widened by "past" / "future" *through the
   timetable's grid*: between the first (past) or the anchor's (otherwise) logical date
   and the last (future) or the anchor's logical date, a run is in when its logical date
   is the anchor's or a date the timetable generates in the range.  Off-grid manual
   runs are therefore left out on periodic timetables; a timetable that never schedules
   takes every run in the range; other non-periodic ones (once, continuous) only the
   anchor; an anchor without a logical date is alone.  The tasks are the task, its
   descendants *except teardowns* ("downstream") and its ancestors ("upstream").
   Every existing instance of those tasks in those runs that is not already in the
   target state is set to it.  If none is, nothing happens at all (Airflow answers 409
   "already in state" and rolls back).
2. **Follow-up clear.**  Then the task's downstream subset (with setup/teardown rules,
   the task itself excluded) is cleared with "only failed" -- over the anchor run only,
   every run ("past" and "future"), or plain logical-date bounds (one of them).  The
   bounds are *not* the grid: failed descendants in off-grid runs are cleared although
   nothing was marked there.  Descendants marked ``failed`` in step 1 are cleared again
   by this step, so they end up with no state.  Clearing re-queues finished runs; it is
   the only way marking one task changes a run.

*Mark a run* (``PATCH …/dagRuns/{run_id}``) follows Airflow 3.3's table: running-like
instances of non-teardown tasks take the target state, pending ones become
``skipped``, finished ones and every teardown are untouched, and the run takes the
target state unless a teardown has not finished.  Marking ``queued`` changes only the
run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

import attrs

from ._changeset import Changeset
from ._clear import (
    FAILED_STATES,
    RunChange,
    RunHistory,
    TaskInstanceChange,
    _changeset_of,
    _check_removed,
    _counts,
    _plan_dict,
    _render_text,
    _run_changes,
)
from ._graph import TaskGraph
from ._planning import DOCUMENT_VERSION
from ._records import RunRecord, RunState, TaskInstanceRecord, TaskState
from ._runs import check_timetable
from ._timetables import TimetableProtocol
from ._types import TimeRestriction
from ._validation import checked, indent_arg
from ._validation import is_bool as _bool
from .errors import InvalidArgumentError, InvalidRequestError, WrongTypeError

__all__ = ["MarkPlan", "MarkRequest", "MarkRunPlan", "plan_mark", "plan_mark_run"]

_PLAN_VERSION = DOCUMENT_VERSION
_MARK_STATES = (TaskState.SUCCESS, TaskState.FAILED, TaskState.SKIPPED)
_RUNNING_LIKE = frozenset(
    {TaskState.RUNNING, TaskState.DEFERRED, TaskState.UP_FOR_RESCHEDULE, TaskState.AWAITING_INPUT}
)
_FINISHED = frozenset(
    {
        TaskState.SUCCESS,
        TaskState.FAILED,
        TaskState.SKIPPED,
        TaskState.UPSTREAM_FAILED,
        TaskState.REMOVED,
    }
)


def _nonempty(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise WrongTypeError.for_value(attribute.name, value, "expected a non-empty string")


def _mark_state(value: Any) -> TaskState:
    try:
        state = TaskState(value)
    except ValueError:
        state = None
    if state not in _MARK_STATES:
        raise InvalidArgumentError.for_value(
            "state", value, "expected 'success', 'failed' or 'skipped'"
        )
    return state


def _map_indexes(value: Any) -> tuple[int, ...] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes)):
        raise WrongTypeError.for_value("map_indexes", value, "expected a collection of ints")
    try:
        items = sorted(set(value))
    except TypeError:
        raise WrongTypeError.for_value(
            "map_indexes", value, "expected a collection of ints"
        ) from None
    for item in items:
        if not isinstance(item, int) or isinstance(item, bool) or item < 0:
            raise InvalidArgumentError.for_value("map_indexes", item, "expected ints >= 0")
    if not items:
        raise InvalidArgumentError.for_value(
            "map_indexes", value, "expected at least one map index (None for every one)"
        )
    return tuple(items)


@attrs.frozen(kw_only=True)
class MarkRequest:
    """Mark one task's instances (and relatives, past/future runs) with a state.

    Attributes:
        task_id: the task to mark.
        run_id: the anchor run.
        state: ``"success"``, ``"failed"`` or ``"skipped"``.
        map_indexes: only these mapped instances of the task (``None``: all).
        upstream: also mark every ancestor.
        downstream: also mark every descendant except teardown tasks.
        past: also runs before the anchor (on the timetable's grid).
        future: also runs after the anchor (on the timetable's grid).
        clear_failed_downstream: run Airflow's follow-up clear of ``failed`` /
            ``upstream_failed`` downstream instances (default ``True``).
        grid: how runs are picked through the timetable.  ``"airflow"`` (default)
            reproduces Airflow 3.3 exactly, including its spill: with a trigger
            timetable that has an ``interval``, the run *before* the anchor is marked
            too, even without past/future, and with "past" alone the anchor itself may
            be left out.  ``"strict"`` marks the anchor plus the runs whose logical
            dates the timetable generates inside the range, nothing else.

    >>> MarkRequest(task_id="load", run_id="r1", state="success").state
    <TaskState.SUCCESS: 'success'>
    """

    task_id: str = attrs.field(validator=_nonempty)
    run_id: str = attrs.field(validator=_nonempty)
    state: TaskState = attrs.field(converter=_mark_state)
    map_indexes: tuple[int, ...] | None = attrs.field(default=None, converter=_map_indexes)
    upstream: bool = attrs.field(default=False, validator=_bool)
    downstream: bool = attrs.field(default=False, validator=_bool)
    past: bool = attrs.field(default=False, validator=_bool)
    future: bool = attrs.field(default=False, validator=_bool)
    clear_failed_downstream: bool = attrs.field(default=True, validator=_bool)
    grid: Literal["airflow", "strict"] = attrs.field(default="airflow")

    @grid.validator
    def _check_grid(self, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value not in ("airflow", "strict"):
            raise InvalidArgumentError.for_value("grid", value, "expected 'airflow' or 'strict'")


@attrs.frozen(kw_only=True)
class MarkPlan:
    """What marking a task changes.

    Attributes:
        task_instances: every task instance that changes, with its net change (a
            descendant marked ``failed`` and then cleared shows ``… → none``), sorted
            like a [`ClearPlan`][timetable.ClearPlan].
        runs: runs re-queued by the follow-up clear.
        altered: ``(run_id, task_id, map_index)`` of the instances set to the target
            state (Airflow's answer); empty when everything already was in it -- then
            the plan is empty (Airflow answers 409 and changes nothing).
        cleared: instances selected by the follow-up clear.
    """

    task_instances: tuple[TaskInstanceChange, ...]
    runs: tuple[RunChange, ...]
    altered: tuple[tuple[str, str, int], ...]
    cleared: tuple[tuple[str, str, int], ...]

    @property
    def state_counts(self) -> tuple[tuple[str, str, int], ...]:
        """``(state_before, state_after, count)`` triples, sorted."""
        return _counts(self.task_instances)

    def changeset(self) -> Changeset:
        """The rows to write: the marked and cleared task instances, re-queued runs."""
        return _changeset_of(self.task_instances, self.runs)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data (versioned)."""
        return {
            **_plan_dict("mark", self.task_instances, self.runs),
            "altered": [list(k) for k in self.altered],
            "cleared": [list(k) for k in self.cleared],
        }

    @checked(indent=indent_arg)
    def to_json(self, *, indent: int | None = 2) -> str:
        """`to_dict()` as a JSON string."""
        return json.dumps(self.to_dict(), indent=indent)

    def to_text(self) -> str:
        """A human-readable summary, one line per change."""
        return _render_text(
            "mark plan", "nothing to mark (already in that state)", self.task_instances, self.runs
        )


@attrs.frozen(kw_only=True)
class MarkRunPlan:
    """What marking a whole run changes.

    Attributes:
        run_id: the run.
        run_state_before: its state now.
        run_state_after: its state afterwards (unchanged when a teardown is pending).
        task_instances: the task instances that change.
        runs: the run's change (empty when nothing changes).
    """

    run_id: str
    run_state_before: RunState
    run_state_after: RunState
    task_instances: tuple[TaskInstanceChange, ...]
    runs: tuple[RunChange, ...]

    @property
    def state_counts(self) -> tuple[tuple[str, str, int], ...]:
        """``(state_before, state_after, count)`` triples, sorted."""
        return _counts(self.task_instances)

    def changeset(self) -> Changeset:
        """The rows to write: the run's new state and its task instances' states."""
        return _changeset_of(self.task_instances, self.runs)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data (versioned)."""
        return _plan_dict(
            "mark_run",
            self.task_instances,
            self.runs,
            run_id=self.run_id,
            run_state_before=self.run_state_before.value,
            run_state_after=self.run_state_after.value,
        )

    @checked(indent=indent_arg)
    def to_json(self, *, indent: int | None = 2) -> str:
        """`to_dict()` as a JSON string."""
        return json.dumps(self.to_dict(), indent=indent)

    def to_text(self) -> str:
        """A human-readable summary, one line per change."""
        return _render_text("mark run plan", "nothing changes", self.task_instances, self.runs)


# -- runs through the grid ---------------------------------------------------------------
def _grid_dates(
    tt: TimetableProtocol, start: datetime, end: datetime, *, airflow: bool
) -> set[datetime]:
    """Logical dates the timetable generates between *start* and *end*.

    The catchup chain with ``earliest=start, latest=end``.  With *airflow*, every date
    of the chain counts, as in Airflow -- for trigger timetables with an interval that
    includes the logical date *before* the range (the chain bounds ``run_after``, and
    their logical date is one interval earlier).  Otherwise only chain dates inside
    ``[start, end]``.
    """
    restriction = TimeRestriction(earliest=start, latest=end, catchup=True)
    info = tt.next_run_info(last_interval=None, restriction=restriction, now=end)
    dates: set[datetime] = set()
    while info is not None:
        if info.logical_date > end:
            break
        if airflow or info.logical_date >= start:
            dates.add(info.logical_date)
        nxt = tt.next_run_info(last_interval=info.data_interval, restriction=restriction, now=end)
        if nxt is not None and nxt.data_interval == info.data_interval:
            break
        info = nxt
    return dates


def _mark_runs(
    request: MarkRequest,
    history: RunHistory,
    anchor: RunRecord,
    timetable: TimetableProtocol | None,
) -> dict[str, str]:
    current = anchor.logical_date
    if current is None:
        return {anchor.run_id: "run id"}
    if not (request.past or request.future) and (request.grid == "strict" or timetable is None):
        return {anchor.run_id: "run id"}
    dated = history.runs.dated
    first = dated[0].logical_date
    last = dated[-1].logical_date
    assert first is not None
    assert last is not None
    start = first if request.past else current
    end = last if request.future else current
    if timetable is None:
        raise InvalidRequestError(
            "timetable=None: marking past/future runs needs the DAG's timetable (its grid "
            "decides which runs are in)",
            argument="timetable",
        )
    tt = check_timetable(timetable)
    if not getattr(tt, "can_be_scheduled", True):
        ids = history.run_ids_between(start, end)
    elif not tt.periodic:
        ids = (anchor.run_id,)
    else:
        dates = _grid_dates(tt, start, end, airflow=request.grid == "airflow")
        dates.add(current)
        found = (history.runs.at(d) for d in sorted(dates))
        ids = tuple(r.run_id for r in found if r is not None)
    out: dict[str, str] = {}
    for run_id in ids:
        logical = history.run(run_id).logical_date
        if run_id == anchor.run_id:
            out[run_id] = "run id"
        elif logical is not None and logical < current:
            out[run_id] = "past run"
        else:
            out[run_id] = "future run"
    return out


def _mark_tasks(graph: TaskGraph, request: MarkRequest) -> dict[str, str]:
    task_id = request.task_id
    graph.task(task_id)
    reasons = {task_id: "requested"}
    if request.downstream:
        for rel in sorted(graph.descendants(task_id), key=graph.rank):
            if not graph.task(rel).is_teardown:
                reasons.setdefault(rel, f"downstream of {task_id}")
    if request.upstream:
        for rel in sorted(graph.ancestors(task_id), key=graph.rank):
            reasons.setdefault(rel, f"upstream of {task_id}")
    return reasons


def _follow_up_runs(request: MarkRequest, history: RunHistory, anchor: RunRecord) -> dict[str, str]:
    if not (request.past or request.future):
        return {anchor.run_id: "run id"}
    if request.past and request.future:
        return dict.fromkeys(history.run_ids_between(None, None), "every run")
    current = anchor.logical_date
    if current is None:
        # Airflow passes no bound at all, and leaves out the other runs without a
        # logical date created after (future) / before (past) the anchor.
        rank = history._rank(anchor.run_id)
        out = {}
        for run_id in history.run_ids_between(None, None):
            run = history.run(run_id)
            if run.logical_date is None and run_id != anchor.run_id:
                later = history._rank(run_id) > rank
                if later == request.future:
                    continue
            out[run_id] = "run id" if run_id == anchor.run_id else "every run (no logical date)"
        return out
    bounds = (current, None) if request.future else (None, current)
    ids = history.run_ids_between(*bounds)
    return {
        r: "run id" if r == anchor.run_id else ("future run" if request.future else "past run")
        for r in ids
    }


def plan_mark(
    graph: TaskGraph,
    request: MarkRequest,
    *,
    history: RunHistory,
    timetable: TimetableProtocol | None = None,
    unknown_tasks: Literal["error", "removed"] = "error",
) -> MarkPlan:
    """Plan "mark success / failed / skipped" for one task.

    Args:
        graph: the DAG's tasks.
        request: what to mark.
        history: the DAG's runs and task instances.
        timetable: the DAG's timetable; needed for ``past``/``future`` on a run with a
            logical date (its grid picks the runs).  Without it and without
            past/future only the anchor run is marked (Airflow's grid spill of
            ``grid="airflow"`` needs the timetable to be reproduced).
        unknown_tasks: as for [`plan_clear()`][timetable.plan_clear].

    Returns:
        The plan; empty (``altered == ()``) when every instance already is in the
        target state.

    Raises:
        UnknownTaskError: the task is not in the graph.
        UnknownRunError: the run is not in the history.
        InvalidRequestError: past/future without a timetable.

    >>> from datetime import datetime, timezone
    >>> from timetable._graph import TaskSpec
    >>> day = datetime(2024, 1, 1, tzinfo=timezone.utc)
    >>> graph = TaskGraph(tasks=[TaskSpec(task_id="a"), TaskSpec(task_id="b", upstream=["a"])])
    >>> history = RunHistory(
    ...     runs=[RunRecord(run_id="r1", run_type="manual", logical_date=day,
    ...                     data_interval=None, run_after=day, state="failed")],
    ...     task_instances=[
    ...         TaskInstanceRecord(run_id="r1", task_id="a", state="failed", try_number=1),
    ...         TaskInstanceRecord(run_id="r1", task_id="b", state="upstream_failed", try_number=0),
    ...     ],
    ... )
    >>> print(plan_mark(graph, MarkRequest(task_id="a", run_id="r1", state="success"),
    ...                 history=history).to_text())
    mark plan: 2 task instance(s) in 1 run(s)
      r1  a: failed → success  (requested; run id; marked success)
      r1  b: upstream_failed → none  (downstream of a; run id; only failed; follow-up clear)
      run r1: failed → queued, clear_number 0 → 1, start_date reset  (holds cleared task instances)
      counts: failed → success: 1, upstream_failed → none: 1
    """
    if not isinstance(graph, TaskGraph):
        raise WrongTypeError.for_value("graph", graph, "expected a TaskGraph")
    if not isinstance(request, MarkRequest):
        raise WrongTypeError.for_value("request", request, "expected a MarkRequest")
    if not isinstance(history, RunHistory):
        raise WrongTypeError.for_value("history", history, "expected a RunHistory")
    _check_removed(graph, history, unknown_tasks)
    graph.task(request.task_id)
    anchor = history.run(request.run_id)
    runs = _mark_runs(request, history, anchor, timetable)
    tasks = _mark_tasks(graph, request)
    target = request.state
    run_set = frozenset(runs)
    marked: dict[tuple[str, str, int], tuple[TaskInstanceRecord, tuple[str, ...]]] = {}
    for ti in history._iter_cells(tasks, run_set):
        if (
            ti.task_id == request.task_id
            and request.map_indexes is not None
            and ti.map_index not in request.map_indexes
        ):
            continue
        if ti.state is target:
            continue
        marked[(ti.run_id, ti.task_id, ti.map_index)] = (
            ti,
            (tasks[ti.task_id], runs[ti.run_id], f"marked {target.value}"),
        )
    if not marked:
        return MarkPlan(task_instances=(), runs=(), altered=(), cleared=())
    changes: dict[tuple[str, str, int], TaskInstanceChange] = {}
    for key, (ti, why) in marked.items():
        changes[key] = TaskInstanceChange(
            run_id=ti.run_id,
            task_id=ti.task_id,
            map_index=ti.map_index,
            state_before=ti.state,
            state_after=target,
            try_number=ti.try_number,
            max_tries_before=ti.max_tries,
            max_tries_after=ti.max_tries,
            reasons=why,
        )
    cleared: list[tuple[str, str, int]] = []
    affected: set[str] = set()
    if request.clear_failed_downstream:
        subset = graph.explain_subset([request.task_id], downstream=True)
        subset.pop(request.task_id, None)
        clear_runs = _follow_up_runs(request, history, anchor)
        for ti in history._iter_cells(subset, frozenset(clear_runs)):
            key = (ti.run_id, ti.task_id, ti.map_index)
            state = target if key in marked else ti.state
            if state not in FAILED_STATES:
                continue
            cleared.append(key)
            affected.add(ti.run_id)
            why = (subset[ti.task_id], clear_runs[ti.run_id], "only failed", "follow-up clear")
            if key in marked:
                why = (*marked[key][1], "then cleared: " + subset[ti.task_id])
            changes[key] = TaskInstanceChange(
                run_id=ti.run_id,
                task_id=ti.task_id,
                map_index=ti.map_index,
                state_before=ti.state,
                state_after=None,
                try_number=ti.try_number,
                max_tries_before=ti.max_tries,
                max_tries_after=ti.try_number + graph.task(ti.task_id).retries,
                reasons=why,
            )
    rank = history._rank

    def order(key: tuple[str, str, int]) -> tuple[int, str, int]:
        return (rank(key[0]), key[1], key[2])

    return MarkPlan(
        task_instances=tuple(changes[k] for k in sorted(changes, key=order)),
        runs=_run_changes(affected, history, RunState.QUEUED, "holds cleared task instances"),
        altered=tuple(sorted(marked, key=order)),
        cleared=tuple(sorted(cleared, key=order)),
    )


def _run_state(value: Any) -> RunState:
    try:
        state = RunState(value)
    except ValueError:
        state = None
    if state not in (RunState.SUCCESS, RunState.FAILED, RunState.QUEUED):
        raise InvalidArgumentError.for_value(
            "state", value, "expected 'success', 'failed' or 'queued'"
        )
    return state


def plan_mark_run(
    graph: TaskGraph,
    *,
    run_id: str,
    state: RunState | Literal["success", "failed", "queued"],
    history: RunHistory,
    unknown_tasks: Literal["error", "removed"] = "error",
) -> MarkRunPlan:
    """Plan marking a whole run success / failed / queued (Airflow 3.3).

    Args:
        graph: the DAG's tasks (to tell teardowns apart).
        run_id: the run.
        state: ``"success"``, ``"failed"`` or ``"queued"``.
        history: the DAG's runs and task instances.
        unknown_tasks: as for [`plan_clear()`][timetable.plan_clear] (removed tasks count as
            ordinary, non-teardown tasks).

    Returns:
        The plan.

    Raises:
        UnknownRunError: the run is not in the history.
        InvalidArgumentError: *state* is not one of the three.

    >>> from datetime import datetime, timezone
    >>> from timetable._graph import TaskSpec
    >>> day = datetime(2024, 1, 1, tzinfo=timezone.utc)
    >>> graph = TaskGraph(tasks=[TaskSpec(task_id="a"), TaskSpec(task_id="b", upstream=["a"])])
    >>> history = RunHistory(
    ...     runs=[RunRecord(run_id="r1", run_type="manual", logical_date=day,
    ...                     data_interval=None, run_after=day, state="running")],
    ...     task_instances=[
    ...         TaskInstanceRecord(run_id="r1", task_id="a", state="running", try_number=1),
    ...         TaskInstanceRecord(run_id="r1", task_id="b", state=None),
    ...     ],
    ... )
    >>> print(plan_mark_run(graph, run_id="r1", state="success", history=history).to_text())
    mark run plan: 2 task instance(s) in 1 run(s)
      r1  a: running → success  (running: takes the run's new state)
      r1  b: none → skipped  (not started: skipped)
      run r1: running → success, clear_number 0 → 0, start_date unchanged  (marked success)
      counts: none → skipped: 1, running → success: 1
    """
    if not isinstance(graph, TaskGraph):
        raise WrongTypeError.for_value("graph", graph, "expected a TaskGraph")
    if not isinstance(history, RunHistory):
        raise WrongTypeError.for_value("history", history, "expected a RunHistory")
    target = _run_state(state)
    _check_removed(graph, history, unknown_tasks)
    run = history.run(run_id)
    if target is RunState.QUEUED:
        change = RunChange(
            run_id=run.run_id,
            state_before=run.state,
            state_after=RunState.QUEUED,
            clear_number_before=run.clear_number,
            clear_number_after=run.clear_number,
            start_date="reset",
            reason="marked queued",
        )
        return MarkRunPlan(
            run_id=run.run_id,
            run_state_before=run.state,
            run_state_after=RunState.QUEUED,
            task_instances=(),
            # a queued run has no start date yet: nothing changes
            runs=() if run.state is RunState.QUEUED else (change,),
        )
    ti_target = TaskState(target.value)
    changes = []
    teardown_pending = False
    for ti in sorted(_run_instances(history, run.run_id), key=lambda t: (t.task_id, t.map_index)):
        teardown = ti.task_id in graph and graph.task(ti.task_id).is_teardown
        if teardown:
            if ti.state not in _FINISHED:
                teardown_pending = True
            continue
        if ti.state in _RUNNING_LIKE:
            after, why = ti_target, f"{_label(ti.state)}: takes the run's new state"
        elif ti.state not in _FINISHED:
            after, why = TaskState.SKIPPED, "not started: skipped"
        else:
            continue
        changes.append(
            TaskInstanceChange(
                run_id=ti.run_id,
                task_id=ti.task_id,
                map_index=ti.map_index,
                state_before=ti.state,
                state_after=after,
                try_number=ti.try_number,
                max_tries_before=ti.max_tries,
                max_tries_after=ti.max_tries,
                reasons=(why,),
            )
        )
    state_after = run.state if teardown_pending else target
    runs: tuple[RunChange, ...] = ()
    if state_after is not run.state:
        runs = (
            RunChange(
                run_id=run.run_id,
                state_before=run.state,
                state_after=state_after,
                clear_number_before=run.clear_number,
                clear_number_after=run.clear_number,
                start_date="unchanged",
                reason=f"marked {target.value}",
            ),
        )
    return MarkRunPlan(
        run_id=run.run_id,
        run_state_before=run.state,
        run_state_after=state_after,
        task_instances=tuple(changes),
        runs=runs,
    )


def _label(state: TaskState | None) -> str:
    return "none" if state is None else state.value


def _run_instances(history: RunHistory, run_id: str) -> Iterable[TaskInstanceRecord]:
    for task_id in history._by_task:
        yield from history._instances(task_id, run_id)
