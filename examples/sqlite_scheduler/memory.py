"""The same scheduler on plain records: what the pure functions predict.

:class:`MemoryStore` answers the scheduler's snapshot questions from records it keeps in
dictionaries and applies every changeset with :func:`timetable.apply_changeset`, the
library's pure applier.  Driving it with the same DAGs and script as the SQLite store
must end in the same runs and task instances; the tests compare the two.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from datetime import datetime

import timetable
from timetable import Changeset, RunRecord, TaskInstanceRecord

from .store import Cursor, LogEntry, log_entry

_ACTIVE = frozenset({"queued", "running"})
_AUTOMATED = frozenset({"scheduled", "backfill"})


class _Dag:
    def __init__(self) -> None:
        self.runs: dict[str, RunRecord] = {}
        self.tis: dict[str, dict[str, TaskInstanceRecord]] = {}
        self.dates: list[datetime] = []  # sorted logical dates
        self.by_date: dict[datetime, str] = {}
        self.active: set[str] = set()
        self.reference: datetime | None = None  # latest scheduled/backfill logical date
        self.paused = False

    def store(self, run: RunRecord) -> None:
        self.runs[run.run_id] = run
        if run.state.value in _ACTIVE:
            self.active.add(run.run_id)
        else:
            self.active.discard(run.run_id)
        date = run.logical_date
        if date is not None and date not in self.by_date:
            self.by_date[date] = run.run_id
            bisect.insort(self.dates, date)
        if date is not None and run.run_type.value in _AUTOMATED and (
            self.reference is None or date > self.reference
        ):
            self.reference = date

    def with_tis(self, run_ids: list[str]) -> tuple[list[RunRecord], list[TaskInstanceRecord]]:
        runs = [self.runs[r] for r in run_ids]
        return runs, [ti for r in run_ids for ti in self.tis.get(r, {}).values()]


class MemoryStore:
    """The scheduler's store on records (see the module notes)."""

    def __init__(self, dag_ids: Sequence[str], start: datetime) -> None:
        self.dags = {d: _Dag() for d in dag_ids}
        self._cursor: Cursor | None = (start, 0)
        self.entries: list[LogEntry] = []

    def cursor(self) -> Cursor | None:
        return self._cursor

    def is_paused(self, dag_id: str) -> bool:
        return self.dags[dag_id].paused

    def any_active(self) -> bool:
        return any(d.active and not d.paused for d in self.dags.values())

    def catchup_runs(self, dag_id: str) -> list[RunRecord]:
        d = self.dags[dag_id]
        ids = dict.fromkeys(sorted(d.active))
        if d.reference is not None:
            i = bisect.bisect_left(d.dates, d.reference)
            ids.update(dict.fromkeys(d.by_date[x] for x in d.dates[i:]))
        else:
            ids.update(dict.fromkeys(d.by_date[x] for x in d.dates))
        return [d.runs[r] for r in ids]

    def active(self, dag_id: str) -> tuple[list[RunRecord], list[TaskInstanceRecord]]:
        d = self.dags[dag_id]
        return d.with_tis([] if d.paused else sorted(d.active))

    def between(
        self, dag_id: str, start: datetime, end: datetime
    ) -> tuple[list[RunRecord], list[TaskInstanceRecord]]:
        d = self.dags[dag_id]
        lo, hi = bisect.bisect_left(d.dates, start), bisect.bisect_right(d.dates, end)
        return d.with_tis([d.by_date[x] for x in d.dates[lo:hi]])

    def run_to_mark(
        self, dag_id: str, target: str
    ) -> tuple[list[RunRecord], list[TaskInstanceRecord]]:
        d = self.dags[dag_id]
        if target == "success":  # the latest failed run
            ids = [d.by_date[x] for x in reversed(d.dates)]
            found = next((r for r in ids if d.runs[r].state.value == "failed"), None)
        else:  # the oldest running run
            running = sorted(
                (d.runs[r].logical_date, r) for r in d.active
                if d.runs[r].state.value == "running"
            )
            found = running[0][1] if running else None
        return d.with_tis([] if found is None else [found])

    def write(
        self, dag_id: str, changeset: Changeset, *, now: datetime,
        tasks: Sequence[tuple[str, int]], expect: Cursor, to: Cursor, kind: str,
    ) -> None:
        d = self.dags[dag_id]
        touched = {u.run_id for u in changeset.runs_to_update}
        touched |= {u.run_id for u in changeset.task_instances_to_update}
        touched |= {i.run_id for i in changeset.runs_to_insert if i.run_id in d.runs}
        touched |= {
            d.by_date[i.logical_date] for i in changeset.runs_to_insert
            if i.logical_date in d.by_date
        }
        runs, tis = d.with_tis(sorted(touched))
        runs_after, tis_after = timetable.apply_changeset(
            changeset, runs=runs, task_instances=tis
        )
        for run in runs_after:
            d.store(run)
        for ti in tis_after:
            d.tis[ti.run_id][ti.task_id] = ti
        for insert in changeset.runs_to_insert:
            d.tis[insert.run_id] = {
                task_id: TaskInstanceRecord(run_id=insert.run_id, task_id=task_id,
                                            max_tries=tries)
                for task_id, tries in tasks
            }
        self.entries.append(log_entry(kind, dag_id, to, changeset))
        self._move(expect, to)

    def set_paused(self, dag_id: str, paused: bool, *, expect: Cursor, to: Cursor) -> None:
        self.dags[dag_id].paused = paused
        self.entries.append(log_entry("pause" if paused else "unpause", dag_id, to, None))
        self._move(expect, to)

    def advance(self, *, expect: Cursor, to: Cursor | None) -> None:
        self._move(expect, to)

    def _move(self, expect: Cursor, to: Cursor | None) -> None:
        assert self._cursor == expect
        self._cursor = to

    def log(self) -> list[LogEntry]:
        """Every logged write, in order (the same rows the SQLite store logs)."""
        return list(self.entries)

    def records(self, dag_id: str) -> tuple[list[RunRecord], list[TaskInstanceRecord]]:
        """Every run and task instance of *dag_id*."""
        d = self.dags[dag_id]
        return d.with_tis(list(d.runs))
