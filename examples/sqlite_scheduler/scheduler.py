"""The scheduler loop: plan with `timetable`, apply each changeset in one transaction.

Theory of operation
-------------------
The scheduler's whole progress lives in the database: a cursor ``(now, step)``.  At
each ``now`` it walks a fixed list of steps - the operator actions scripted for that
instant, then catchup for every DAG, then one executor pass for every DAG.  A step
reads a snapshot, asks the library for a plan and writes the plan's changeset *and*
the next cursor value in one transaction.  A step whose changeset is empty writes
nothing (re-doing it after a crash reads the same snapshot and finds nothing again).
When the steps are done, the cursor moves to the next ``now``: the next scripted
wake-up, or one heartbeat later while runs are active.

So a scheduler killed at any instant restarts from the cursor and redoes at most the
step it was in, whose transaction either committed (the cursor moved past it) or left
no trace.  Two schedulers on one file race for the same steps: every write checks its
before-values, the unique keys refuse a second insert of a run, and the cursor itself
is compared before it moves; the loser rolls back and plans again from a new snapshot.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal, Protocol

import timetable
from timetable import CatchupStop, Changeset, FieldChange, RunHistory, RunUpdate, TaskInstanceUpdate

from .dags import Dag
from .script import Action, Script
from .store import Conflict, Cursor

StepKind = Literal["action", "catchup", "execute"]

_FINISHED = frozenset({"success", "failed", "upstream_failed", "skipped", "removed"})
_BAD = frozenset({"failed", "upstream_failed"})


class Store(Protocol):
    """What the scheduler needs from storage (SQLite, or the in-memory model)."""

    def cursor(self) -> Cursor | None: ...
    def is_paused(self, dag_id: str) -> bool: ...
    def any_active(self) -> bool: ...
    def catchup_runs(self, dag_id: str) -> Sequence[Any]: ...
    def active(self, dag_id: str) -> tuple[Sequence[Any], Sequence[Any]]: ...
    def between(
        self, dag_id: str, start: datetime, end: datetime
    ) -> tuple[Sequence[Any], Sequence[Any]]: ...
    def run_to_mark(self, dag_id: str, target: str) -> tuple[Sequence[Any], Sequence[Any]]: ...
    def write(
        self, dag_id: str, changeset: Changeset, *, now: datetime,
        tasks: Sequence[tuple[str, int]], expect: Cursor, to: Cursor, kind: str,
    ) -> None: ...
    def set_paused(self, dag_id: str, paused: bool, *, expect: Cursor, to: Cursor) -> None: ...
    def advance(self, *, expect: Cursor, to: Cursor | None) -> None: ...


def execute(dag: Dag, history: RunHistory, script: Script) -> Changeset:
    """One executor pass over the active runs of *dag*, as a changeset.

    Per run: a task up for retry starts its next try; each running task finishes
    (fails when the script's seeded roll says so, up for retry while tries remain);
    a task with no state starts when its upstream succeeded (or skipped) and becomes
    ``upstream_failed`` when one failed; a queued run starts, and a run whose task
    instances all finished becomes ``success`` or ``failed``.
    """
    graph = dag.graph
    order = graph.topological_order
    run_updates: list[RunUpdate] = []
    ti_updates: list[TaskInstanceUpdate] = []
    for run in history.runs.runs:
        if run.state.value not in ("queued", "running"):
            continue
        tis = {t: history.instances(t, run.run_id)[0] for t in order}
        state = {t: None if ti.state is None else ti.state.value for t, ti in tis.items()}
        tries = {t: ti.try_number for t, ti in tis.items()}
        for t in order:
            if state[t] == "up_for_retry":
                state[t], tries[t] = "running", tries[t] + 1
            elif state[t] == "running":
                if not script.fails(dag.dag_id, run.run_id, t, tries[t]):
                    state[t] = "success"
                elif tries[t] <= tis[t].max_tries:
                    state[t] = "up_for_retry"
                else:
                    state[t] = "failed"
        for t in order:
            if state[t] is None:
                upstream = [state[u] for u in graph.direct_upstream(t)]
                if any(s in _BAD for s in upstream):
                    state[t] = "upstream_failed"
                elif all(s in ("success", "skipped") for s in upstream):
                    state[t], tries[t] = "running", tries[t] + 1
        for t in order:
            ti = tis[t]
            changes = {}
            before = None if ti.state is None else ti.state.value
            if state[t] != before:
                changes["state"] = FieldChange(before, state[t])
            if tries[t] != ti.try_number:
                changes["try_number"] = FieldChange(ti.try_number, tries[t])
            if changes:
                ti_updates.append(
                    TaskInstanceUpdate(run_id=run.run_id, task_id=t, changes=changes)
                )
        after = ("failed" if any(s in _BAD for s in state.values()) else "success") if all(s in _FINISHED for s in state.values()) else "running"
        if after != run.state.value:
            run_updates.append(
                RunUpdate(
                    run_id=run.run_id,
                    changes={"state": FieldChange(run.state.value, after)},
                    start_date="now" if run.state.value == "queued" else "unchanged",
                )
            )
    return Changeset(runs_to_update=tuple(run_updates), task_instances_to_update=tuple(ti_updates))


class Scheduler:
    """Drives *dags* through *script* on *store* (see the module notes)."""

    def __init__(
        self, store: Store, dags: Sequence[Dag], script: Script, *, think: float = 0.0
    ) -> None:
        self.store = store
        self.dags = {d.dag_id: d for d in dags}
        self.order = [d.dag_id for d in dags]
        self.script = script
        self.think = think
        self.stats: Counter[str] = Counter()
        # An in-process shortcut, never needed for correctness: after a catchup plan that
        # stopped "caught up", nothing is due for that DAG before the plan's next run, so
        # planning again earlier would return an empty changeset.  Forgotten on any
        # operator action on the DAG and on a conflict (another process wrote).
        self._due: dict[str, datetime | None] = {}

    def steps(self, now: datetime) -> list[tuple[StepKind, str, Action | None]]:
        """The steps taken at *now*, in order."""
        return [
            *(("action", a.dag_id, a) for a in self.script.actions_at(now)),
            *(("catchup", d, None) for d in self.order),
            *(("execute", d, None) for d in self.order),
        ]

    def run(self) -> Counter[str]:
        """Run until the script ends (or the process dies; then run again)."""
        cursor = self.store.cursor()  # what the database says; ``local`` may run ahead
        local = cursor  # over steps that had nothing to write
        steps: list[tuple[StepKind, str, Action | None]] = []
        steps_at: datetime | None = None
        while cursor is not None and local is not None:
            now, step = local
            if steps_at != now:
                steps, steps_at = self.steps(now), now
            try:
                if step < len(steps):
                    kind, dag_id, action = steps[step]
                    local = (now, step + 1)
                    if self._step(kind, self.dags[dag_id], action, now, cursor, local):
                        cursor = local
                else:
                    local = self._next(now)
                    self.store.advance(expect=cursor, to=local)
                    cursor = local
                    self.stats["instants"] += 1
            except Conflict as err:
                # Someone else wrote first: forget everything and start from the database.
                self._due.clear()
                self.stats["conflicts"] += 1
                self.stats[f"conflicts: {_kind(err)}"] += 1
                cursor = local = self.store.cursor()
        return self.stats

    def _next(self, now: datetime) -> Cursor | None:
        candidates = [self.script.next_wakeup(now)]
        if self.store.any_active():
            candidates.append(now + self.script.heartbeat)
        nxt = min((c for c in candidates if c is not None), default=None)
        if nxt is None or nxt > self.script.end:
            return None
        return (nxt, 0)

    def _step(
        self, kind: StepKind, dag: Dag, action: Action | None, now: datetime,
        expect: Cursor, to: Cursor,
    ) -> bool:
        """Plan one step and write it; whether anything was written."""
        store = self.store
        if kind == "action":
            assert action is not None
            self._due.pop(dag.dag_id, None)
            if action.kind in ("pause", "unpause"):
                paused = action.kind == "pause"
                if store.is_paused(dag.dag_id) == paused:
                    return False
                store.set_paused(dag.dag_id, paused, expect=expect, to=to)
                self.stats[action.kind] += 1
                return True
            changeset = self._plan_action(dag, action, now)
        elif kind == "catchup":
            if dag.dag_id in self._due:
                due = self._due[dag.dag_id]
                if due is None or now < due:
                    return False
            if store.is_paused(dag.dag_id):
                return False
            plan = timetable.plan_catchup(
                dag.schedule,
                runs=store.catchup_runs(dag.dag_id),
                restriction=dag.restriction,
                now=now,
                max_active_runs=dag.max_active_runs,
            )
            if plan.stopped in (CatchupStop.CAUGHT_UP, CatchupStop.NO_MORE_RUNS):
                self._due[dag.dag_id] = None if plan.next_run is None else plan.next_run.run_after
            else:
                self._due.pop(dag.dag_id, None)
            changeset = plan.changeset()
        else:
            runs, tis = store.active(dag.dag_id)  # nothing while the DAG is paused
            if not runs:
                return False
            changeset = execute(dag, RunHistory(runs=runs, task_instances=tis), self.script)
        if not changeset:
            return False
        if self.think:
            time.sleep(self.think)  # widen the race window (the concurrency test)
        tasks = [(t.task_id, t.retries) for t in dag.graph]
        label = action.kind if action else kind
        store.write(dag.dag_id, changeset, now=now, tasks=tasks, expect=expect, to=to,
                    kind=label)
        self.stats[label] += 1
        return True

    def _plan_action(self, dag: Dag, action: Action, now: datetime) -> Changeset:
        store = self.store
        if action.kind == "clear":
            assert action.start is not None
            assert action.end is not None
            runs, tis = store.between(dag.dag_id, action.start, action.end)
            request = timetable.ClearRequest(
                task_ids=[dag.graph.topological_order[0]],
                downstream=True,
                only_failed=True,
                start=action.start,
                end=action.end,
            )
            history = RunHistory(runs=runs, task_instances=tis)
            return timetable.plan_clear(dag.graph, request, history=history).changeset()
        if action.kind == "mark_run":
            assert action.state is not None
            runs, tis = store.run_to_mark(dag.dag_id, action.state)
            if not runs:
                return Changeset()
            history = RunHistory(runs=runs, task_instances=tis)
            return timetable.plan_mark_run(
                dag.graph, run_id=history.runs.runs[0].run_id, state=action.state,
                history=history,
            ).changeset()
        assert action.kind == "backfill"
        assert action.start
        assert action.end
        runs, _ = store.between(dag.dag_id, action.start, action.end)
        backfill = timetable.BackfillRequest(from_date=action.start, to_date=action.end)
        try:
            plan = timetable.plan_backfill(dag.schedule, backfill, runs=runs, now=now)
        except timetable.errors.NoBackfillRunsError:
            return Changeset()
        return plan.changeset()


def _kind(err: Conflict) -> str:
    text = str(err)
    if "UNIQUE" in text:
        return "unique key"
    if "cursor" in text:
        return "cursor"
    return "before-value"
