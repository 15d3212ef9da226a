"""Clearing task instances: which ones a "Clear" touches, and what happens to them.

Theory of operation
-------------------
Airflow's *Clear* picks task instances (TIs) along two axes and then resets them:

* **tasks** -- the requested task ids (or a pattern, or every task), widened by the
  "upstream" / "downstream" flags and by the setup/teardown rules of
  [`TaskGraph.explain_subset()`][timetable.TaskGraph.explain_subset], minus excluded task ids;
* **runs** -- one run id, or logical-date bounds (inclusive; any bound leaves out runs
  without a logical date), where "past" drops the lower bound and "future" the upper
  one; both together drop every date filter, so even runs with no logical date are in;
* **states** -- optionally only failed (``failed``, ``upstream_failed``) and/or only
  ``running`` TIs.

Each selected TI then changes: ``running`` becomes ``restarting`` (nothing else moves);
any other state becomes ``None`` with ``max_tries = try_number + retries`` (or
``max(max_tries, try_number)`` when the task is no longer in the graph), and
``try_number`` is unchanged.  Every run holding a selected TI is *affected*:
``clear_number + 1``, and finished runs go back to ``queued`` (or ``running``).  When
the caller asks not to reset runs, affected runs are left completely alone (that is
what Airflow 3.3 does, although its docs say the clear number still moves).

Cost.  [`RunHistory`][timetable.RunHistory] indexes the records once: per task, its
instances in run order with their runs' positions (runs are sorted by logical date), in
whole-list passes that read the records in input order (records built as
`TaskInstanceRecord` are not read again; only tasks whose instances are out of run
order, or mapped, are sorted).  The runs a selection asks for are consecutive positions
(a date range, less any excluded runs), so a selection takes, per selected task, a
slice between two bisections: its cost follows the size of the selection, never
``all tasks x all runs``.  The selected instances are sorted as plain tuples, and the
plan builds its `TaskInstanceChange` objects on first access; on a graph with no setup
or teardown task the setup/teardown rules are skipped.

Determinism.  Plans are sorted: runs by (has no logical date, logical date, run_after,
run id); task instances by their run's position, then task id, then map index.
"""

from __future__ import annotations

import bisect
import json
import re
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from itertools import compress, islice
from operator import attrgetter, lt
from typing import TYPE_CHECKING, Any, Literal, NoReturn

import attrs

from ._changeset import Changeset, FieldChange, RunUpdate, TaskInstanceUpdate
from ._graph import TaskGraph
from ._planning import DOCUMENT_VERSION, History, validate_history
from ._records import RunRecord, RunState, TaskInstanceRecord, TaskState
from ._regex import UnsupportedPattern, compile_pattern
from ._rows import read_task_instances
from ._tz import check_aware
from ._validation import aware_or_none as _aware_or_none
from ._validation import aware_or_none_arg, checked, indent_arg, short_value, str_arg
from ._validation import is_bool as _bool
from .errors import (
    InvalidArgumentError,
    InvalidRecordError,
    InvalidRequestError,
    UnknownRunError,
    UnknownTaskError,
    WrongTypeError,
)

__all__ = [
    "ClearPlan",
    "ClearRequest",
    "RunChange",
    "RunHistory",
    "TaskInstanceChange",
    "plan_clear",
]

TaskSelector = str | tuple[str, int]
#: One selected task instance: ``(run position, task id, map index, record, reasons)``.
_Row = tuple[int, str, int, TaskInstanceRecord, tuple[str, ...]]
"""A task id (every map index) or a ``(task_id, map_index)`` pair (one mapped instance)."""

FAILED_STATES = frozenset({TaskState.FAILED, TaskState.UPSTREAM_FAILED})
RUNNING_STATES = frozenset({TaskState.RUNNING})
_PLAN_VERSION = DOCUMENT_VERSION


# -- history -----------------------------------------------------------------------------
def _records(kind: type[Any], argument: str) -> Callable[[Any], tuple[Any, ...]]:
    def convert(value: Any) -> tuple[Any, ...]:
        if isinstance(value, (str, bytes, Mapping)):
            raise WrongTypeError.for_value(
                argument, value, f"expected an iterable of {kind.__name__}"
            )
        try:
            items = tuple(value)
        except TypeError:
            raise WrongTypeError.for_value(
                argument, value, f"expected an iterable of {kind.__name__}"
            ) from None
        for item in items:
            if not isinstance(item, kind):
                raise WrongTypeError.for_value(argument, item, f"expected {kind.__name__} items")
        return items

    return convert


def _ti_records(value: Any) -> tuple[TaskInstanceRecord, ...]:
    if isinstance(value, (list, tuple)) and set(map(type, value)) <= {TaskInstanceRecord}:
        return tuple(value)  # records were validated when built: nothing to read
    return tuple(read_task_instances(value))


_ti_run_id = attrgetter("run_id")
_ti_task_id = attrgetter("task_id")
_ti_map_index = attrgetter("map_index")
_consume: Callable[[Iterable[Any]], None] = deque(maxlen=0).extend  # drains at C speed

#: One task's instances in run order: the positions of their runs (ascending; repeated
#: when the task is mapped) and the instances, aligned.
_Cells = tuple[list[int], list[TaskInstanceRecord]]


def _group(keys: Iterable[str], items: Iterable[Any]) -> dict[str, list[Any]]:
    """``key -> [items]`` in input order, grouped without a Python-level loop."""
    groups: defaultdict[str, list[Any]] = defaultdict(list)  # a list made per new key only
    _consume(map(list.append, map(groups.__getitem__, keys), items))
    return groups


def _locate(ranks: list[int], value: int, lo: int = 0) -> int:
    """``bisect_left(ranks, value, lo)``, found first by interpolation.

    A task's run positions are usually evenly spread (every run, or every k-th), so the
    guess is exact and the search reads three entries instead of a bisection's ten, each
    of them likely a cache miss when many tasks are searched for one run.
    """
    n = len(ranks)
    if lo >= n or value <= ranks[lo]:
        return lo
    last = ranks[-1]
    if value > last:
        return n
    first = ranks[lo]  # first < value <= last, so some entry in (lo, n) is >= value
    guess = lo + (value - first) * (n - 1 - lo) // (last - first)
    if ranks[guess] >= value:
        if ranks[guess - 1] < value:  # guess > lo, as ranks[lo] < value
            return guess
    elif ranks[guess + 1] >= value:  # guess < n - 1, as ranks[-1] >= value
        return guess + 1
    return bisect.bisect_left(ranks, value, lo)


def _index(
    tis: tuple[TaskInstanceRecord, ...], rank: Mapping[str, int]
) -> dict[str, _Cells] | None:
    """``task -> (run positions, instances)`` in run order, or ``None`` when a task
    instance names an unknown run or repeats a key (the slow path then names the first).

    Every pass reads the records in input order (reading them task by task jumps
    through memory, which cost more than the rest); a task whose runs come in order,
    one instance each (the common case), needs no more.  Other tasks are sorted by run
    position, stably, so a mapped task keeps its instances of a run in input order.
    """
    task_ids = list(map(_ti_task_id, tis))
    try:
        positions = _group(task_ids, map(rank.__getitem__, map(_ti_run_id, tis)))
    except KeyError:
        return None
    by_task: dict[str, _Cells] = {}
    for task_id, group in _group(task_ids, tis).items():
        ranks = positions[task_id]
        if not all(map(lt, ranks, islice(ranks, 1, None))):  # not one per run, in order
            order = sorted(range(len(ranks)), key=ranks.__getitem__)
            ranks = list(map(ranks.__getitem__, order))
            group = list(map(group.__getitem__, order))
            if len(set(zip(ranks, map(_ti_map_index, group), strict=True))) != len(group):
                return None
        by_task[task_id] = (ranks, group)
    return by_task


@attrs.frozen(kw_only=True, eq=False)
class RunHistory:
    """The runs and task instances of one DAG, validated and indexed once.

    Build it once from the host's rows and pass it to every plan function; the indexes
    (task → run → instances, runs by logical date) are built here, so planning costs
    follow the size of what is selected.  The runs are validated by
    [`validate_history()`][timetable.validate_history] (the same rules as every other plan).

    Attributes:
        runs: the DAG's runs (records or rows: mappings, ``sqlite3.Row``, … keyed by
            Airflow's ``dag_run`` columns; or a validated ``History``); kept sorted by
            logical date, runs without one last.
        task_instances: the DAG's task instances (records or ``task_instance`` rows,
            any order).

    Raises:
        DuplicateRunIdError: two runs share a run id.
        DuplicateLogicalDateError: two runs share a logical date.
        UnknownRunError: a task instance names a run that is not in *runs*.
        InvalidRecordError: two task instances share ``(run_id, task_id, map_index)``.

    >>> from datetime import datetime, timezone
    >>> day = datetime(2024, 1, 1, tzinfo=timezone.utc)
    >>> h = RunHistory(
    ...     runs=[RunRecord(run_id="r1", run_type="manual", logical_date=day,
    ...                     data_interval=None, run_after=day, state="failed")],
    ...     task_instances=[TaskInstanceRecord(run_id="r1", task_id="extract", state="failed",
    ...                                        try_number=1)],
    ... )
    >>> h.task_ids
    frozenset({'extract'})
    """

    runs: History = attrs.field(converter=validate_history)
    task_instances: tuple[TaskInstanceRecord, ...] = attrs.field(converter=_ti_records)
    _run_rank: dict[str, int] = attrs.field(init=False, repr=False)
    _dated: tuple[tuple[datetime, ...], tuple[str, ...]] = attrs.field(init=False, repr=False)
    _undated: tuple[str, ...] = attrs.field(init=False, repr=False)
    _by_task: dict[str, _Cells] = attrs.field(init=False, repr=False)

    def __eq__(self, other: object) -> bool:
        """Equal runs and equal task instances (the indexes follow from them)."""
        if not isinstance(other, RunHistory):
            return NotImplemented
        return self.runs == other.runs and self.task_instances == other.task_instances

    def __hash__(self) -> int:
        return hash((self.runs, self.task_instances))

    def __attrs_post_init__(self) -> None:
        ordered = self.runs.runs
        rank = {r.run_id: i for i, r in enumerate(ordered)}
        dated = self.runs.dated
        by_task = _index(self.task_instances, rank)
        if by_task is None:
            self._raise_first_bad(rank)
        set_ = object.__setattr__
        set_(self, "_run_rank", rank)
        set_(
            self,
            "_dated",
            (
                tuple(r.logical_date for r in dated if r.logical_date is not None),
                tuple(r.run_id for r in dated),
            ),
        )
        set_(self, "_undated", tuple(r.run_id for r in ordered[len(dated) :]))
        set_(self, "_by_task", by_task)

    def _raise_first_bad(self, rank: Mapping[str, int]) -> NoReturn:
        """Raise on the first task instance, in input order, that names an unknown run
        or repeats an earlier one's ``(run_id, task_id, map_index)``."""
        seen: set[tuple[str, str, int]] = set()
        for ti in self.task_instances:
            if ti.run_id not in rank:
                raise UnknownRunError(
                    f"task_instances: {_ti_label(ti)} names run_id={ti.run_id!r}, "
                    "which is not in runs",
                    argument="task_instances",
                )
            key = (ti.run_id, ti.task_id, ti.map_index)
            if key in seen:
                raise InvalidRecordError(
                    f"task_instances: {_ti_label(ti)} appears twice", argument="task_instances"
                )
            seen.add(key)
        raise AssertionError("no bad task instance found")  # pragma: no cover

    @property
    def task_ids(self) -> frozenset[str]:
        """The task ids that have at least one task instance."""
        return frozenset(self._by_task)

    def run(self, run_id: str) -> RunRecord:
        """The run with *run_id*.

        Raises:
            UnknownRunError: no run has this id.
        """
        position = self._run_rank.get(run_id) if isinstance(run_id, str) else None
        if position is None:
            raise UnknownRunError.for_value("run_id", run_id, "no run with this id in the history")
        return self.runs.runs[position]

    @checked(task_id=str_arg, run_id=str_arg)
    def instances(self, task_id: str, run_id: str) -> tuple[TaskInstanceRecord, ...]:
        """The task instances of *task_id* in *run_id* (several when mapped)."""
        return tuple(self._instances(task_id, run_id))

    def _instances(self, task_id: str, run_id: str) -> list[TaskInstanceRecord]:
        cells = self._by_task.get(task_id)
        position = self._run_rank.get(run_id)
        if cells is None or position is None:
            return []
        ranks, tis = cells
        lo = _locate(ranks, position)
        return tis[lo : bisect.bisect_right(ranks, position, lo)]

    @checked(start=aware_or_none_arg, end=aware_or_none_arg)
    def run_ids_between(self, start: datetime | None, end: datetime | None) -> tuple[str, ...]:
        """Runs whose logical date is in ``[start, end]`` (either bound may be open).

        With both bounds ``None`` this is every run, including runs without a logical
        date; any bound leaves those out.  Ordered by logical date.
        """
        dates, ids = self._dated
        if start is None and end is None:
            return ids + self._undated
        lo = 0 if start is None else bisect.bisect_left(dates, start)
        hi = len(dates) if end is None else bisect.bisect_right(dates, end)
        return ids[lo:hi]

    def _iter_run(self, task_ids: Iterable[str], position: int) -> Iterator[TaskInstanceRecord]:
        """`_iter_cells` for one run: `_locate` inlined, as it runs once per task."""
        by_task = self._by_task
        for task_id in task_ids:
            cells = by_task.get(task_id)
            if cells is None:
                continue
            ranks, tis = cells
            first, last = ranks[0], ranks[-1]
            if position < first or position > last:
                continue
            if position == first:
                i = 0
            else:
                n = len(ranks)
                i = (position - first) * (n - 1) // (last - first)
                if ranks[i] < position:
                    i += 1  # past the guess: bisect unless the next entry is it
                    if ranks[i] < position:
                        i = bisect.bisect_left(ranks, position, i)
                elif ranks[i - 1] >= position:
                    i = bisect.bisect_left(ranks, position, 0, i)
            if ranks[i] != position:
                continue
            if i + 1 < len(ranks) and ranks[i + 1] == position:  # mapped
                yield from tis[i : bisect.bisect_right(ranks, position, i)]
            else:
                yield tis[i]

    def _rank(self, run_id: str) -> int:
        return self._run_rank[run_id]

    def _iter_cells(
        self, task_ids: Iterable[str], run_set: frozenset[str]
    ) -> Iterator[TaskInstanceRecord]:
        """Task instances of *task_ids* in *run_set*.

        The runs are cut into spans of consecutive positions (a date range is one span,
        less any excluded runs); per task, each span is two bisections and a slice, or,
        when the spans outnumber a fraction of the task's instances, one filtering pass.
        """
        rank = self._run_rank
        wanted = sorted(rank[r] for r in run_set if r in rank)
        if not wanted:
            return
        spans: list[tuple[int, int]] = []
        lo = prev = wanted[0]
        for position in islice(wanted, 1, None):
            if position != prev + 1:
                spans.append((lo, prev + 1))
                lo = position
            prev = position
        spans.append((lo, prev + 1))
        by_task = self._by_task
        if len(spans) == 1 and spans[0][1] - spans[0][0] == 1:
            yield from self._iter_run(task_ids, spans[0][0])
            return
        members = frozenset(wanted).__contains__
        for task_id in task_ids:
            cells = by_task.get(task_id)
            if cells is None:
                continue
            ranks, tis = cells
            if len(spans) * 8 > len(ranks):
                yield from compress(tis, map(members, ranks))
                continue
            for start, stop in spans:
                i = _locate(ranks, start)
                j = i
                if j < len(ranks) and ranks[j] < stop:  # a short span: a few steps
                    j += 1
                    if j < len(ranks) and ranks[j] < stop:
                        j = _locate(ranks, stop, j)
                yield from tis[i:j]


def _ti_label(ti: TaskInstanceRecord) -> str:
    index = f", map_index={ti.map_index}" if ti.map_index >= 0 else ""
    return f"task instance (run_id={ti.run_id!r}, task_id={ti.task_id!r}{index})"


# -- request -----------------------------------------------------------------------------
def _selectors(argument: str, *, allow_none: bool) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if value is None:
            if allow_none:
                return None
            return frozenset()
        if isinstance(value, (str, bytes, Mapping)):
            raise WrongTypeError.for_value(
                argument, value, "expected a collection of task ids or (task_id, map_index) pairs"
            )
        try:
            items = list(value)
        except TypeError:
            raise WrongTypeError.for_value(
                argument, value, "expected a collection of task ids or (task_id, map_index) pairs"
            ) from None
        out: list[TaskSelector] = []
        for item in items:
            if isinstance(item, str) and item:
                out.append(item)
                continue
            if (
                isinstance(item, (tuple, list))
                and len(item) == 2
                and isinstance(item[0], str)
                and item[0]
                and isinstance(item[1], int)
                and not isinstance(item[1], bool)
                and item[1] >= -1
            ):
                out.append((item[0], item[1]) if item[1] >= 0 else item[0])
                continue
            raise WrongTypeError.for_value(
                argument, item, "expected a task id or a (task_id, map_index) pair"
            )
        if allow_none:
            if not out:
                raise InvalidRequestError.for_value(
                    argument, value, "expected at least one task (use None for every task)"
                )
            return tuple(sorted(set(out), key=_selector_key))
        return frozenset(out)

    return convert


def _task_selectors(value: Any) -> tuple[TaskSelector, ...] | None:
    result: tuple[TaskSelector, ...] | None = _selectors("task_ids", allow_none=True)(value)
    return result


def _exclude_selectors(value: Any) -> frozenset[TaskSelector]:
    result: frozenset[TaskSelector] = _selectors("exclude_task_ids", allow_none=False)(value)
    return result


def _selector_key(sel: TaskSelector) -> tuple[str, int]:
    return (sel, -1) if isinstance(sel, str) else sel


def _run_ids(value: Any) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, (str, bytes, Mapping)):
        raise WrongTypeError.for_value("exclude_run_ids", value, "expected a collection of run ids")
    try:
        ids = frozenset(value)
    except TypeError:
        raise WrongTypeError.for_value(
            "exclude_run_ids", value, "expected a collection of run ids"
        ) from None
    for item in ids:
        if not isinstance(item, str) or not item:
            raise WrongTypeError.for_value("exclude_run_ids", item, "expected run id strings")
    return ids


def _opt_str(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise WrongTypeError.for_value(attribute.name, value, "expected a non-empty string or None")


def _reset_state(value: Any) -> RunState | None:
    if value is None:
        return None
    try:
        state = RunState(value)
    except ValueError:
        state = None
    if state not in (RunState.QUEUED, RunState.RUNNING):
        raise InvalidArgumentError.for_value(
            "reset_runs_to", value, "expected 'queued', 'running' or None (leave runs alone)"
        )
    return state


@attrs.frozen(kw_only=True)
class ClearRequest:
    """What the user asked to clear (Airflow's "Clear" dialog, REST body and ``dag.clear``).

    Tasks: ``task_ids`` (ids, or ``(task_id, map_index)`` pairs for one mapped instance),
    or ``task_pattern``, or neither for every task.  Runs: ``run_id``, or ``start`` /
    ``end`` logical-date bounds (inclusive), or neither for every run.

    Attributes:
        task_ids: tasks to clear; ``None`` means every task.
        task_pattern: select tasks whose id matches this pattern instead.
        pattern_syntax: ``"substring"`` (Airflow 3: ``pattern in task_id``) or
            ``"regex"`` (Airflow 2: a regular-expression search).
        upstream: also clear every ancestor of the tasks (transitively).
        downstream: also clear every descendant of the tasks (transitively).
        chain_relatives: with both ``upstream`` and ``downstream``, take the downstream
            of the ancestors too (siblings, cousins) -- what Airflow's REST route does
            when it is given a run id.
        run_id: clear in this run (and, with ``past``/``future``, relative to its
            logical date).
        start: earliest logical date to clear (inclusive).
        end: latest logical date to clear (inclusive).
        past: drop the lower logical-date bound.
        future: drop the upper logical-date bound; with ``past`` too, every run is in,
            including runs with no logical date.
        only_failed: only TIs in ``failed`` or ``upstream_failed``.
        only_running: only ``running`` TIs (both flags: the union, as ``dag.clear``).
        exclude_task_ids: task ids or ``(task_id, map_index)`` pairs never to clear.
        exclude_run_ids: run ids never to clear.
        reset_runs_to: what finished affected runs become: ``"queued"`` (default),
            ``"running"``, or ``None`` to leave affected runs completely untouched.
        prevent_running: refuse (with `InvalidRequestError`) when a selected TI
            is running, instead of moving it to ``restarting``.
        reset_upstream_failed_descendants: beyond Airflow (issue #31510): also reset
            ``upstream_failed`` TIs downstream of the cleared ones in the same run.

    Raises:
        InvalidRequestError: ``run_id`` together with ``start``/``end``; ``task_ids``
            together with ``task_pattern``; a bad regex.  (``start`` after ``end`` is
            allowed and selects no run, as ``dag.clear`` does; the REST body refuses it.)

    >>> ClearRequest(task_ids=["extract"], downstream=True, only_failed=True).task_ids
    ('extract',)
    """

    task_ids: tuple[TaskSelector, ...] | None = attrs.field(default=None, converter=_task_selectors)
    task_pattern: str | None = attrs.field(default=None, validator=_opt_str)
    pattern_syntax: Literal["substring", "regex"] = attrs.field(default="substring")
    upstream: bool = attrs.field(default=False, validator=_bool)
    downstream: bool = attrs.field(default=False, validator=_bool)
    chain_relatives: bool = attrs.field(default=False, validator=_bool)
    run_id: str | None = attrs.field(default=None, validator=_opt_str)
    start: datetime | None = attrs.field(default=None, validator=_aware_or_none)
    end: datetime | None = attrs.field(default=None, validator=_aware_or_none)
    past: bool = attrs.field(default=False, validator=_bool)
    future: bool = attrs.field(default=False, validator=_bool)
    only_failed: bool = attrs.field(default=False, validator=_bool)
    only_running: bool = attrs.field(default=False, validator=_bool)
    exclude_task_ids: frozenset[TaskSelector] = attrs.field(
        default=frozenset(), converter=_exclude_selectors
    )
    exclude_run_ids: frozenset[str] = attrs.field(default=frozenset(), converter=_run_ids)
    reset_runs_to: RunState | None = attrs.field(default=RunState.QUEUED, converter=_reset_state)
    prevent_running: bool = attrs.field(default=False, validator=_bool)
    reset_upstream_failed_descendants: bool = attrs.field(default=False, validator=_bool)

    @pattern_syntax.validator
    def _check_syntax(self, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value not in ("substring", "regex"):
            raise InvalidArgumentError.for_value(
                "pattern_syntax", value, "expected 'substring' (Airflow 3) or 'regex' (Airflow 2)"
            )

    def __attrs_post_init__(self) -> None:
        if self.run_id is not None and (self.start is not None or self.end is not None):
            raise InvalidRequestError(
                f"run_id={self.run_id!r}: give either a run id or start/end logical-date "
                f"bounds, not both (start={_iso(self.start)}, end={_iso(self.end)})",
                argument="run_id",
            )
        if self.task_ids is not None and self.task_pattern is not None:
            raise InvalidRequestError(
                f"task_pattern={self.task_pattern!r}: give task_ids or task_pattern, not both",
                argument="task_pattern",
            )
        if self.task_pattern is not None and self.pattern_syntax == "regex":
            try:
                compile_pattern(self.task_pattern)
            except re.error as err:
                raise InvalidRequestError.for_value(
                    "task_pattern", self.task_pattern, f"not a valid regular expression ({err})"
                ) from None
            except UnsupportedPattern as err:
                raise InvalidRequestError.for_value(
                    "task_pattern", short_value(self.task_pattern), f"{err} by the bounded matcher"
                ) from None

    @classmethod
    def from_airflow_body(cls, body: Mapping[str, Any]) -> ClearRequest:
        """Read the JSON body of Airflow 3's ``POST …/clearTaskInstances``.

        Applies the API's defaults (``only_failed=True``, ``reset_dag_runs=True``) and
        checks, including its quirks: ``only_running`` alone keeps ``only_failed`` at
        its default, so both states are cleared; only an explicit pair of ``true``
        values is refused.  Dates are compared as instants (Airflow compares the raw
        strings; see the deviations page).  ``dry_run`` and ``note`` are ignored (a plan
        is always a dry run); a run id with both relative flags chains them, as the
        route does.

        Raises:
            InvalidRequestError: what the API answers with 400/422.

        >>> r = ClearRequest.from_airflow_body({"dag_run_id": "r1", "task_ids": ["a"]})
        >>> (r.run_id, r.only_failed, r.reset_runs_to)
        ('r1', True, <RunState.QUEUED: 'queued'>)
        """
        if not isinstance(body, Mapping):
            raise WrongTypeError.for_value("body", body, "expected a JSON object (a mapping)")
        known = {
            "dry_run", "start_date", "end_date", "only_failed", "only_running",
            "reset_dag_runs", "task_ids", "dag_run_id", "include_upstream",
            "include_downstream", "include_future", "include_past", "run_on_latest_version",
            "prevent_running_task", "note",
        }  # fmt: skip
        unknown = sorted((k for k in body if k not in known), key=repr)
        if unknown:
            raise InvalidRequestError.for_value("body", unknown[0], "unknown field")
        if body.get("only_failed") is True and body.get("only_running") is True:
            raise InvalidRequestError(
                "only_failed=True, only_running=True: choose one", argument="only_running"
            )
        run_id = body.get("dag_run_id")
        start = _parse_instant("start_date", body.get("start_date"))
        end = _parse_instant("end_date", body.get("end_date"))
        if run_id is not None and start is not None:
            raise InvalidRequestError(
                f"dag_run_id={run_id!r}: exactly one of dag_run_id or start_date may be given",
                argument="dag_run_id",
            )
        if start is not None and end is not None and start > end:
            raise InvalidRequestError(
                f"end_date={_iso(end)}: must not be earlier than start_date={_iso(start)}",
                argument="end_date",
            )
        upstream = bool(body.get("include_upstream", False))
        downstream = bool(body.get("include_downstream", False))
        return cls(
            task_ids=body.get("task_ids"),
            upstream=upstream,
            downstream=downstream,
            chain_relatives=run_id is not None and upstream and downstream,
            run_id=run_id,
            start=start,
            end=end,
            past=bool(body.get("include_past", False)),
            future=bool(body.get("include_future", False)),
            only_failed=bool(body.get("only_failed", True)),
            only_running=bool(body.get("only_running", False)),
            reset_runs_to=RunState.QUEUED if body.get("reset_dag_runs", True) else None,
            prevent_running=bool(body.get("prevent_running_task", False)),
        )


def _parse_instant(argument: str, value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return check_aware(value, argument) if value is not None else None
    if not isinstance(value, str):
        raise WrongTypeError.for_value(argument, value, "expected an ISO-8601 string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidRequestError.for_value(argument, value, "not an ISO-8601 datetime") from None
    return check_aware(parsed, argument)


def _iso(value: datetime | None) -> str:
    return "None" if value is None else repr(value.isoformat())


# -- plan --------------------------------------------------------------------------------
def _state_str(state: TaskState | None) -> str:
    return "none" if state is None else state.value


@attrs.frozen(kw_only=True)
class TaskInstanceChange:
    """One task instance a plan touches: its state and tries before and after.

    Attributes:
        run_id: the run it belongs to.
        task_id: its task.
        map_index: ``-1`` unless mapped.
        state_before: its state now.
        state_after: its state once the plan is applied.
        try_number: its try number (a clear never changes it).
        max_tries_before: its ``max_tries`` now.
        max_tries_after: its ``max_tries`` once the plan is applied.
        reasons: why it is in the plan, e.g. ``("downstream of extract", "past run")``.
    """

    run_id: str
    task_id: str
    map_index: int
    state_before: TaskState | None
    state_after: TaskState | None
    try_number: int
    max_tries_before: int
    max_tries_after: int
    reasons: tuple[str, ...]

    @property
    def changed(self) -> bool:
        """Whether applying the plan changes this row at all."""
        return (
            self.state_before != self.state_after or self.max_tries_before != self.max_tries_after
        )

    @property
    def key(self) -> tuple[str, str, int]:
        """``(run_id, task_id, map_index)``."""
        return (self.run_id, self.task_id, self.map_index)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data."""
        return {
            "run_id": self.run_id,
            "task_id": self.task_id,
            "map_index": self.map_index,
            "state_before": None if self.state_before is None else self.state_before.value,
            "state_after": None if self.state_after is None else self.state_after.value,
            "try_number": self.try_number,
            "max_tries_before": self.max_tries_before,
            "max_tries_after": self.max_tries_after,
            "reasons": list(self.reasons),
        }


@attrs.frozen(kw_only=True)
class RunChange:
    """One run a plan touches.

    Attributes:
        run_id: the run.
        state_before: its state now.
        state_after: its state once the plan is applied.
        clear_number_before: its clear number now.
        clear_number_after: its clear number afterwards.
        start_date: what to do with the run's start date: ``"unchanged"``, ``"reset"``
            (set it to NULL: the run is queued again) or ``"now"`` (set it to the
            moment the host applies the plan).
        reason: why the run changes.
    """

    run_id: str
    state_before: RunState
    state_after: RunState
    clear_number_before: int
    clear_number_after: int
    start_date: Literal["unchanged", "reset", "now"]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data."""
        return {
            "run_id": self.run_id,
            "state_before": self.state_before.value,
            "state_after": self.state_after.value,
            "clear_number_before": self.clear_number_before,
            "clear_number_after": self.clear_number_after,
            "start_date": self.start_date,
            "reason": self.reason,
        }


def _changeset_of(
    task_instances: Iterable[TaskInstanceChange],
    runs: Iterable[RunChange],
    dag_id: str | None = None,
) -> Changeset:
    """The rows a task-level plan writes: only columns whose value changes.

    A run's ``clear_number`` is bumped only when the plan really writes something for
    that run (a task instance's state or max_tries, or the run's own state / start
    date): re-applying a plan whose task instances are already in their target state is
    a no-op, so planning again after applying is idempotent.
    """
    task_instances = tuple(task_instances)
    touched = {
        c.run_id
        for c in task_instances
        if c.state_before is not c.state_after or c.max_tries_before != c.max_tries_after
    }
    run_updates = []
    for r in runs:
        changes: dict[str, FieldChange] = {}
        if r.state_before is not r.state_after:
            changes["state"] = FieldChange(r.state_before, r.state_after)
        if r.clear_number_before != r.clear_number_after and (
            changes or r.start_date != "unchanged" or r.run_id in touched
        ):
            changes["clear_number"] = FieldChange(r.clear_number_before, r.clear_number_after)
        if changes or r.start_date != "unchanged":
            run_updates.append(
                RunUpdate(run_id=r.run_id, changes=changes, start_date=r.start_date, dag_id=dag_id)
            )
    ti_updates = []
    for c in task_instances:
        ti_changes: dict[str, FieldChange] = {}
        if c.state_before is not c.state_after:
            ti_changes["state"] = FieldChange(c.state_before, c.state_after)
        if c.max_tries_before != c.max_tries_after:
            ti_changes["max_tries"] = FieldChange(c.max_tries_before, c.max_tries_after)
        if ti_changes:
            ti_updates.append(
                TaskInstanceUpdate(
                    run_id=c.run_id, task_id=c.task_id, map_index=c.map_index,
                    changes=ti_changes, dag_id=dag_id,
                )
            )
    return Changeset(runs_to_update=tuple(run_updates), task_instances_to_update=tuple(ti_updates))


def _counts(changes: Iterable[TaskInstanceChange]) -> tuple[tuple[str, str, int], ...]:
    counter = Counter((_state_str(c.state_before), _state_str(c.state_after)) for c in changes)
    return tuple((b, a, n) for (b, a), n in sorted(counter.items()))


@attrs.frozen(kw_only=True)
class ClearPlan:
    """What a clear changes; the host applies it in one transaction.

    Attributes:
        task_instances: every selected task instance and its change, sorted by run
            (logical date order; runs without one last), task id, map index.  Rows that
            are selected but end up unchanged (already ``None`` with the same
            ``max_tries``) are included; see [`TaskInstanceChange.changed`][timetable.TaskInstanceChange.changed].
        runs: every affected run and its change, in the same run order.

    A plan from [`plan_clear()`][timetable.plan_clear] builds its `task_instances` objects
    on first access; it is equal to, and serializes as, the same plan built eagerly.

    >>> plan = ClearPlan(task_instances=(), runs=())
    >>> plan.to_text()
    'clear plan: nothing to clear'
    """

    task_instances: tuple[TaskInstanceChange, ...]
    runs: tuple[RunChange, ...]
    # ``(graph, sorted rows)`` while `task_instances` is not built yet
    _pending: tuple[TaskGraph, list[_Row]] | None = attrs.field(
        default=None, init=False, eq=False, hash=False, repr=False
    )

    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any:
            # Only called when the slot is empty: a plan from plan_clear, before its
            # changes are first read.
            pending = object.__getattribute__(self, "_pending")
            if name != "task_instances" or pending is None:
                raise AttributeError(
                    f"{type(self).__name__!r} object has no attribute {name!r}"
                )
            changes = _changes(*pending)
            _set_task_instances(self, changes)
            _set_pending(self, None)
            return changes

    @property
    def selected(self) -> tuple[tuple[str, str, int], ...]:
        """``(run_id, task_id, map_index)`` of every selected task instance, plan order."""
        return tuple(c.key for c in self.task_instances)

    @property
    def state_counts(self) -> tuple[tuple[str, str, int], ...]:
        """``(state_before, state_after, count)`` triples (``"none"`` for no state), sorted."""
        return _counts(self.task_instances)

    def changeset(self) -> Changeset:
        """The rows to write: every run and task-instance column the clear changes.

        Selected task instances whose columns all stay the same are left out.
        """
        return _changeset_of(self.task_instances, self.runs)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data (versioned)."""
        return _plan_dict("clear", self.task_instances, self.runs)

    @checked(indent=indent_arg)
    def to_json(self, *, indent: int | None = 2) -> str:
        """`to_dict()` as a JSON string (keys in a fixed order)."""
        return json.dumps(self.to_dict(), indent=indent)

    def to_text(self) -> str:
        """A human-readable summary, one line per change."""
        return _render_text("clear plan", "nothing to clear", self.task_instances, self.runs)


_set_task_instances = ClearPlan.__dict__["task_instances"].__set__
_del_task_instances = ClearPlan.__dict__["task_instances"].__delete__
_set_pending = ClearPlan.__dict__["_pending"].__set__
_new = object.__new__
# TaskInstanceChange's slot setters, in field order (what its attrs __init__ sets)
_CHANGE_SETTERS = tuple(
    TaskInstanceChange.__dict__[f.name].__set__ for f in attrs.fields(TaskInstanceChange)
)


def _plan_dict(
    kind: str,
    task_instances: tuple[TaskInstanceChange, ...],
    runs: tuple[RunChange, ...],
    **extra: Any,
) -> dict[str, Any]:
    """The JSON shape every task-level plan shares: changes, run changes, state counts."""
    return {
        "version": _PLAN_VERSION,
        "kind": kind,
        **extra,
        "task_instances": [c.to_dict() for c in task_instances],
        "runs": [r.to_dict() for r in runs],
        "state_counts": [
            {"before": b, "after": a, "count": n} for b, a, n in _counts(task_instances)
        ],
    }


def _render_text(
    title: str,
    empty: str,
    task_instances: tuple[TaskInstanceChange, ...],
    runs: tuple[RunChange, ...],
) -> str:
    if not task_instances and not runs:
        return f"{title}: {empty}"
    lines = [f"{title}: {len(task_instances)} task instance(s) in {len(runs)} run(s)"]
    for c in task_instances:
        index = f"[{c.map_index}]" if c.map_index >= 0 else ""
        tries = (
            f" max_tries {c.max_tries_before} → {c.max_tries_after}"
            if c.max_tries_before != c.max_tries_after
            else ""
        )
        lines.append(
            f"  {c.run_id}  {c.task_id}{index}: {_state_str(c.state_before)} → "
            f"{_state_str(c.state_after)}{tries}  ({'; '.join(c.reasons)})"
        )
    for r in runs:
        lines.append(
            f"  run {r.run_id}: {r.state_before.value} → {r.state_after.value}, "
            f"clear_number {r.clear_number_before} → {r.clear_number_after}, "
            f"start_date {r.start_date}  ({r.reason})"
        )
    counts = ", ".join(f"{b} → {a}: {n}" for b, a, n in _counts(task_instances))
    if counts:
        lines.append(f"  counts: {counts}")
    return "\n".join(lines)


# -- the selection -----------------------------------------------------------------------
@attrs.frozen
class _TaskChoice:
    """Selected tasks: reason per task, and map indexes when only some are selected."""

    reasons: dict[str, str]
    only_indexes: dict[str, frozenset[int]]


def _choose_tasks(
    graph: TaskGraph,
    request: ClearRequest,
    history: RunHistory,
    *,
    removed: frozenset[str],
) -> _TaskChoice:
    only_indexes: dict[str, frozenset[int]] = {}
    if request.task_ids is None and request.task_pattern is None:
        reasons = dict.fromkeys(graph.topological_order, "all tasks")
        for task_id in sorted(removed):
            reasons[task_id] = "task removed from the graph"
        return _TaskChoice(reasons, only_indexes)
    if request.task_pattern is not None:
        pattern = request.task_pattern
        if request.pattern_syntax == "regex":
            matches = compile_pattern(pattern)  # linear time, whatever the pattern
            matched = [t for t in graph.topological_order if matches(t)]
        else:
            matched = [t for t in graph.topological_order if pattern in t]
        plain = set(matched)
        mapped: dict[str, set[int]] = {}
        label = f"matches {pattern!r}"
    else:
        plain = set()
        mapped = {}
        assert request.task_ids is not None
        for sel in request.task_ids:
            task_id = sel if isinstance(sel, str) else sel[0]
            if task_id not in graph:
                raise _unknown_task("task_ids", task_id, graph)
            if isinstance(sel, str):
                plain.add(sel)
            else:
                mapped.setdefault(task_id, set()).add(sel[1])
        label = "requested"
    ids = plain | set(mapped)
    if request.chain_relatives and request.upstream and request.downstream:
        first = graph.explain_subset(ids, upstream=True)
        reasons = dict(first)
        for task_id, why in graph.explain_subset(first, downstream=True).items():
            if why != "requested":
                reasons.setdefault(task_id, why)
    else:
        reasons = graph.explain_subset(
            ids, upstream=request.upstream, downstream=request.downstream
        )
    # Airflow's dag.clear adds setups/teardowns of every task it is given (a graph
    # without setup or teardown tasks has none to add: skip the scan).
    if graph._has_setup_teardown():
        for task_id, why in graph.explain_subset(reasons).items():
            reasons.setdefault(task_id, why)
    for task_id, why in reasons.items():
        if why == "requested":
            reasons[task_id] = label
    for task_id, indexes in mapped.items():
        if task_id not in plain and reasons.get(task_id) == label:
            only_indexes[task_id] = frozenset(indexes)
    ordered = {t: reasons[t] for t in graph.topological_order if t in reasons}
    return _TaskChoice(ordered, only_indexes)


def _choose_runs(request: ClearRequest, history: RunHistory) -> dict[str, str]:
    start, end = request.start, request.end
    anchor: RunRecord | None = None
    if request.run_id is not None:
        anchor = history.run(request.run_id)
        if not (request.past or request.future):
            return {anchor.run_id: "run id"}
        if anchor.logical_date is None:
            raise InvalidRequestError(
                f"run_id={anchor.run_id!r}: past/future need a run with a logical date; "
                "this run has none (manual or asset-triggered)",
                argument="run_id",
            )
        start = end = anchor.logical_date
    if request.past:
        start = None
    if request.future:
        end = None
    run_ids = history.run_ids_between(start, end)
    if anchor is not None:
        pivot = anchor.logical_date
        out: dict[str, str] = {}
        for run_id in run_ids:
            logical = history.run(run_id).logical_date
            if run_id == anchor.run_id:
                out[run_id] = "run id"
            elif logical is None:
                out[run_id] = "every run"
            elif pivot is not None and logical < pivot:
                out[run_id] = "past run"
            else:
                out[run_id] = "future run"
        return out
    if start is None and end is None:
        if request.start is None and request.end is None:
            return dict.fromkeys(run_ids, "every run")
        return dict.fromkeys(run_ids, "every run (past and future)")
    return dict.fromkeys(run_ids, "in date range")


def _check_removed(graph: TaskGraph, history: RunHistory, unknown_tasks: str) -> frozenset[str]:
    if unknown_tasks not in ("error", "removed"):
        raise InvalidArgumentError.for_value(
            "unknown_tasks", unknown_tasks, "expected 'error' or 'removed'"
        )
    missing = frozenset(t for t in history.task_ids if t not in graph)
    if missing and unknown_tasks == "error":
        first = min(missing)
        raise UnknownTaskError(
            f"task_instances: task_id={first!r} has task instances but is not in the graph "
            "(pass unknown_tasks='removed' to treat such tasks as removed from the DAG)",
            argument="task_instances",
        )
    return missing


def _run_changes(
    run_ids: Iterable[str], history: RunHistory, reset_to: RunState | None, reason: str
) -> tuple[RunChange, ...]:
    if reset_to is None:
        return ()
    out = []
    for run_id in sorted(set(run_ids), key=history._rank):
        run = history.run(run_id)
        finished = run.state.finished
        out.append(
            RunChange(
                run_id=run_id,
                state_before=run.state,
                state_after=reset_to if finished else run.state,
                clear_number_before=run.clear_number,
                clear_number_after=run.clear_number + 1,
                start_date=(
                    ("reset" if reset_to is RunState.QUEUED else "now") if finished else "unchanged"
                ),
                reason=reason,
            )
        )
    return tuple(out)


def _select(
    graph: TaskGraph,
    request: ClearRequest,
    history: RunHistory,
    removed: frozenset[str],
) -> list[tuple[TaskInstanceRecord, tuple[str, ...]]]:
    """The selected task instances with their reasons (unsorted)."""
    tasks = _choose_tasks(graph, request, history, removed=removed)
    runs = _choose_runs(request, history)
    excluded_tasks = {s for s in request.exclude_task_ids if isinstance(s, str)}
    excluded_tis = {s for s in request.exclude_task_ids if not isinstance(s, str)}
    for sel in request.exclude_task_ids:
        task_id = sel if isinstance(sel, str) else sel[0]
        if task_id not in graph and task_id not in removed:
            raise _unknown_task("exclude_task_ids", task_id, graph)
    for run_id in request.exclude_run_ids:
        history.run(run_id)  # unknown ids are errors, not silently ignored
    run_set = frozenset(r for r in runs if r not in request.exclude_run_ids)
    task_ids = [t for t in tasks.reasons if t not in excluded_tasks]
    states: set[TaskState | None] | None = None
    state_reason = ""
    if request.only_failed or request.only_running:
        states = set()
        names = []
        if request.only_failed:
            states |= FAILED_STATES
            names.append("failed")
        if request.only_running:
            states |= RUNNING_STATES
            names.append("running")
        state_reason = "only " + " or ".join(names)
    selected: list[tuple[TaskInstanceRecord, tuple[str, ...]]] = []
    for ti in history._iter_cells(task_ids, run_set):
        if states is not None and ti.state not in states:
            continue
        only = tasks.only_indexes.get(ti.task_id)
        if only is not None and ti.map_index not in only:
            continue
        if excluded_tis and (ti.task_id, ti.map_index) in excluded_tis:
            continue
        why = (tasks.reasons[ti.task_id], runs[ti.run_id])
        selected.append((ti, (*why, state_reason) if state_reason else why))
    if request.reset_upstream_failed_descendants:
        selected.extend(
            _upstream_failed_below(graph, history, selected, excluded_tasks, excluded_tis)
        )
    return selected


def _upstream_failed_below(
    graph: TaskGraph,
    history: RunHistory,
    selected: list[tuple[TaskInstanceRecord, tuple[str, ...]]],
    excluded_tasks: set[str],
    excluded_tis: set[tuple[str, int]],
) -> list[tuple[TaskInstanceRecord, tuple[str, ...]]]:
    """``upstream_failed`` TIs downstream of cleared ones, per run (Airflow #31510)."""
    by_run: dict[str, set[str]] = {}
    taken = set()
    for ti, _ in selected:
        taken.add((ti.run_id, ti.task_id, ti.map_index))
        if ti.task_id in graph:
            by_run.setdefault(ti.run_id, set()).add(ti.task_id)
    closures: dict[frozenset[str], list[str]] = {}
    extra: list[tuple[TaskInstanceRecord, tuple[str, ...]]] = []
    for run_id, task_set in by_run.items():
        key = frozenset(task_set)
        below = closures.get(key)
        if below is None:
            below = sorted(graph.descendants(key) - key, key=graph.rank)
            closures[key] = below
        for task_id in below:
            if task_id in excluded_tasks:
                continue
            for ti in history.instances(task_id, run_id):
                if ti.state is not TaskState.UPSTREAM_FAILED:
                    continue
                if (ti.run_id, ti.task_id, ti.map_index) in taken:
                    continue
                if (ti.task_id, ti.map_index) in excluded_tis:
                    continue
                taken.add((ti.run_id, ti.task_id, ti.map_index))
                extra.append((ti, ("upstream_failed below a cleared task", "same run")))
    return extra


def plan_clear(
    graph: TaskGraph,
    request: ClearRequest,
    *,
    history: RunHistory,
    unknown_tasks: Literal["error", "removed"] = "error",
) -> ClearPlan:
    """Plan a clear: which task instances and runs change, from what to what, and why.

    Args:
        graph: the DAG's tasks.
        request: what to clear.
        history: the DAG's runs and task instances.
        unknown_tasks: what a task instance of a task that is not in *graph* means:
            ``"error"`` (default: a bad record) or ``"removed"`` (the task was removed
            from the DAG; such instances are cleared only by whole-DAG clears, with
            ``max_tries = max(max_tries, try_number)``).

    Returns:
        The plan (nothing is applied).

    Raises:
        UnknownTaskError: the request or a record names a task that is not in *graph*.
        UnknownRunError: the request names a run that is not in *history*.
        InvalidRequestError: past/future on a run with no logical date; a running TI
            is selected with ``prevent_running=True``.

    >>> from datetime import datetime, timezone
    >>> from timetable._graph import TaskSpec
    >>> day = datetime(2024, 1, 1, tzinfo=timezone.utc)
    >>> graph = TaskGraph(tasks=[TaskSpec(task_id="extract", retries=2),
    ...                          TaskSpec(task_id="load", upstream=["extract"])])
    >>> history = RunHistory(
    ...     runs=[RunRecord(run_id="r1", run_type="manual", logical_date=day,
    ...                     data_interval=None, run_after=day, state="failed")],
    ...     task_instances=[
    ...         TaskInstanceRecord(run_id="r1", task_id="extract", state="failed", try_number=3,
    ...                            max_tries=2),
    ...         TaskInstanceRecord(run_id="r1", task_id="load", state="upstream_failed"),
    ...     ],
    ... )
    >>> plan = plan_clear(graph, ClearRequest(task_ids=["extract"], downstream=True),
    ...                   history=history)
    >>> print(plan.to_text())
    clear plan: 2 task instance(s) in 1 run(s)
      r1  extract: failed → none max_tries 2 → 5  (requested; every run)
      r1  load: upstream_failed → none  (downstream of extract; every run)
      run r1: failed → queued, clear_number 0 → 1, start_date reset  (holds cleared task instances)
      counts: failed → none: 1, upstream_failed → none: 1
    """
    if not isinstance(graph, TaskGraph):
        raise WrongTypeError.for_value("graph", graph, "expected a TaskGraph")
    if not isinstance(request, ClearRequest):
        raise WrongTypeError.for_value("request", request, "expected a ClearRequest")
    if not isinstance(history, RunHistory):
        raise WrongTypeError.for_value("history", history, "expected a RunHistory")
    removed = _check_removed(graph, history, unknown_tasks)
    selected = _select(graph, request, history, removed)
    if request.prevent_running:
        running = sorted(
            (ti for ti, _ in selected if ti.state is TaskState.RUNNING),
            key=lambda ti: (history._rank(ti.run_id), ti.task_id, ti.map_index),
        )
        if running:
            raise InvalidRequestError(
                f"prevent_running=True: {_ti_label(running[0])} is running; let it finish "
                "or clear without prevent_running",
                argument="prevent_running",
            )
    return _build_plan(graph, history, selected, request.reset_runs_to)


def _build_plan(
    graph: TaskGraph,
    history: RunHistory,
    selected: list[tuple[TaskInstanceRecord, tuple[str, ...]]],
    reset_to: RunState | None,
) -> ClearPlan:
    rank = history._run_rank
    # Sort plain tuples: (run position, task id, map index) is unique per task instance,
    # so the comparison never reaches the record.
    rows = sorted([(rank[ti.run_id], ti.task_id, ti.map_index, ti, why) for ti, why in selected])
    runs = _run_changes(
        {ti.run_id for ti, _ in selected}, history, reset_to, "holds cleared task instances"
    )
    plan = ClearPlan(task_instances=(), runs=runs)
    if rows:  # the change objects are built on first access
        _del_task_instances(plan)
        _set_pending(plan, (graph, rows))
    return plan


def _changes(graph: TaskGraph, rows: list[_Row]) -> tuple[TaskInstanceChange, ...]:
    """The `TaskInstanceChange` of each selected row, built without re-validation."""
    specs = graph._index
    running, restarting = TaskState.RUNNING, TaskState.RESTARTING
    (set_run, set_task, set_index, set_before, set_after, set_try, set_max_before,
     set_max_after, set_reasons) = _CHANGE_SETTERS
    out = []
    for _, task_id, map_index, ti, reasons in rows:
        state = ti.state
        try_number, max_tries = ti.try_number, ti.max_tries
        if state is running:
            after, max_after = restarting, max_tries
        else:
            spec = specs.get(task_id)
            after = None
            # the task's retries when it is known; otherwise keep what is left
            max_after = (
                try_number + spec.retries if spec is not None else max(max_tries, try_number)
            )
        change = _new(TaskInstanceChange)
        set_run(change, ti.run_id)
        set_task(change, task_id)
        set_index(change, map_index)
        set_before(change, state)
        set_after(change, after)
        set_try(change, try_number)
        set_max_before(change, max_tries)
        set_max_after(change, max_after)
        set_reasons(change, reasons)
        out.append(change)
    return tuple(out)


def _unknown_task(argument: str, task_id: str, graph: TaskGraph) -> UnknownTaskError:
    known = ", ".join(repr(t) for t in graph.task_ids[:8])
    more = ", …" if len(graph) > 8 else ""
    return UnknownTaskError(
        f"{argument}: task_id={task_id!r} is not in the graph (known: {known}{more})",
        argument=argument,
    )
