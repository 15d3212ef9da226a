"""Per-run decisions: depends_on_past, LatestOnly, template dates and manual runs.

Theory of operation
-------------------
Each function answers one question Airflow answers inside a running system, from a
snapshot instead:

* [`check_depends_on_past()`][timetable.check_depends_on_past] - Airflow's ``PrevDagrunDep``: a table
  of checks applied in order, the first that holds decides.  The verdict names the
  check (``rule``) so a host can show *why* a task waits.
* [`is_latest_run()`][timetable.is_latest_run] - ``LatestOnlyOperator``: the window ``(left, right]``
  comes from [`next_run_info()`][timetable.next_run_info] (the one source of interval arithmetic);
  manual runs are never skipped.
* [`template_dates()`][timetable.template_dates] - the date keys of the task template context, Airflow 3
  keys and, on request, Airflow 2's deprecated ones.
* [`manual_run_interval()`][timetable.manual_run_interval] / [`plan_manual_run()`][timetable.plan_manual_run] - the two ways Airflow gives a
  manual run its data interval: from the logical date (REST API) or from
  ``run_after`` (``trigger_dag``: CLI, TriggerDagRunOperator).
"""

from __future__ import annotations

import enum
import json
import types
from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

import attrs

from ._changeset import Changeset, RunInsert
from ._planning import DOCUMENT_VERSION, History, check_conf, iso, validate_history
from ._records import RunRecord, RunState, RunType, TaskInstanceRecord, TaskState
from ._rows import RowLike, read_run, read_task_instances
from ._runs import check_timetable, infer_manual_interval, next_run_info
from ._timetables import CronDataIntervals, DeltaDataIntervals, TimetableProtocol
from ._types import DataInterval, TimeRestriction
from ._tz import check_aware
from ._validation import bool_arg, checked, enum_missing, indent_arg, str_arg
from .airflow import generate_run_id
from .errors import (
    InvalidArgumentError,
    RunAlreadyExistsError,
    UnknownRunError,
    WrongTypeError,
)

__all__ = [
    "DependsOnPastRule",
    "DependsOnPastVerdict",
    "LatestOnlyDecision",
    "ManualRun",
    "check_depends_on_past",
    "is_latest_run",
    "manual_run_interval",
    "plan_manual_run",
    "template_dates",
]


# -- depends_on_past ---------------------------------------------------------------------------


class DependsOnPastRule(enum.StrEnum):
    """The check that decided a depends_on_past verdict (in order)."""

    _missing_ = classmethod(enum_missing)

    IGNORE_ALL_DEPS = "ignore_all_deps"
    IGNORE_TASK_DEPS = "ignore_task_deps"
    IGNORE_DEPENDS_ON_PAST = "ignore_depends_on_past"
    NO_DEPENDS_ON_PAST = "no_depends_on_past"
    FIRST_BACKFILL_RUN = "first_backfill_run"
    NO_PREVIOUS_RUN = "no_previous_run"
    TASK_START_DATE_AFTER_PREVIOUS_RUN = "task_start_date_after_previous_run"
    IGNORE_FIRST_DEPENDS_ON_PAST = "ignore_first_depends_on_past"
    PREVIOUS_TI_MISSING = "previous_ti_missing"
    PREVIOUS_TI_UNSUCCESSFUL = "previous_ti_unsuccessful"
    WAIT_FOR_DOWNSTREAM = "wait_for_downstream"
    ALL_MET = "all_met"


class TaskLike(Protocol):
    """The task flags depends_on_past reads (``TaskSpec`` satisfies it)."""

    @property
    def task_id(self) -> str: ...

    @property
    def depends_on_past(self) -> bool: ...

    @property
    def wait_for_downstream(self) -> bool: ...

    @property
    def ignore_first_depends_on_past(self) -> bool: ...


@attrs.frozen(kw_only=True)
class DependsOnPastVerdict:
    """Whether a task instance may start as far as depends_on_past is concerned.

    Attributes:
        passed: ``True`` when the dependency is met.
        rule: the check that decided.
        reason: a sentence for humans.
        previous_run_id: the run depends_on_past compares with (computed even when the
            decision came earlier), or ``None``.
    """

    passed: bool
    rule: DependsOnPastRule
    reason: str
    previous_run_id: str | None

    def __bool__(self) -> bool:
        return self.passed

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "version": DOCUMENT_VERSION,
            "kind": "depends_on_past",
            "passed": self.passed,
            "rule": self.rule.value,
            "reason": self.reason,
            "previous_run_id": self.previous_run_id,
        }

    @checked(indent=indent_arg)
    def to_json(self, *, indent: int | None = 2) -> str:
        """``to_dict()`` as a JSON string."""
        return json.dumps(self.to_dict(), indent=indent)


_DONE = frozenset({TaskState.SUCCESS, TaskState.SKIPPED})


def _previous_run(history: History, run: RunRecord, catchup: bool) -> RunRecord | None:
    if run.logical_date is None:
        return None
    for prev in history.before(run.logical_date):
        if catchup and prev.run_type is RunType.MANUAL:
            continue
        return prev
    return None


def _task_like(argument: str, value: Any) -> Any:
    """A `TaskLike`: a `task_id` string and the three flags as bools."""
    if not isinstance(getattr(value, "task_id", None), str) or not all(
        isinstance(getattr(value, flag, None), bool)
        for flag in ("depends_on_past", "wait_for_downstream", "ignore_first_depends_on_past")
    ):
        raise WrongTypeError.for_value(
            argument, value, "expected a TaskSpec (or an object with its task_id and flags)"
        )
    return value


@checked(
    task=_task_like,
    run_id=str_arg,
    catchup=bool_arg,
    ignore_depends_on_past=bool_arg,
    ignore_task_deps=bool_arg,
    ignore_all_deps=bool_arg,
)
def check_depends_on_past(
    task: TaskLike,
    *,
    run_id: str,
    runs: Iterable[RunRecord | RowLike] | History,
    task_instances: Iterable[TaskInstanceRecord | RowLike],
    catchup: bool,
    downstream_task_ids: Collection[str] = (),
    task_start_date: datetime | None = None,
    backfill_sort_ordinal: int | None = None,
    ignore_depends_on_past: bool = False,
    ignore_task_deps: bool = False,
    ignore_all_deps: bool = False,
) -> DependsOnPastVerdict:
    """Airflow's depends_on_past / wait_for_downstream check for one task instance.

    The checks, in order; the first that holds decides:

    1. the caller ignores all deps / task deps / depends_on_past - pass;
    2. the task has no ``depends_on_past`` - pass;
    3. the run is the first (``sort_ordinal == 1``) run of a backfill - pass;
    4. there is no previous run (or the run has no logical date) - pass;
    5. with ``catchup``, the task starts after the previous run's logical date - pass;
    6. the previous run has no instance of the task, ``ignore_first_depends_on_past`` is
       set and no earlier run has one - pass;
    7. the previous run has no instance of the task - fail;
    8. an instance of the task in the previous run (any map index) is neither
       ``success`` nor ``skipped`` - fail;
    9. ``wait_for_downstream`` and an instance of a direct downstream task in the
       previous run is neither ``success`` nor ``skipped`` - fail (a downstream task
       with no instance there does not block).

    The previous run is the run with the greatest logical date before this one's: of
    any type without catchup, of any type but ``manual`` with catchup.

    Args:
        task: the task's flags (``task_id``, ``depends_on_past``,
            ``wait_for_downstream``, ``ignore_first_depends_on_past``).
        run_id: the run of the task instance.
        runs: the run history, or a validated [`History`][timetable.History].
        task_instances: the task instances of the history (at least those of this
            task and of its direct downstream tasks).
        catchup: the DAG's catchup flag.
        downstream_task_ids: the task's *direct* downstream task ids.
        task_start_date: the task's effective start date (the later of its own and
            the DAG's), for check 5.
        backfill_sort_ordinal: the run's ``sort_ordinal`` when it belongs to a
            backfill, else ``None``.
        ignore_depends_on_past: the task-run flag of that name.
        ignore_task_deps: the task-run flag of that name.
        ignore_all_deps: the task-run flag of that name.

    Returns:
        The verdict, with the rule that decided.

    Raises:
        UnknownRunError: *run_id* is not in the history.
        InvalidRecordError: the history is invalid.

    >>> from datetime import datetime, timezone
    >>> from timetable import DataInterval, RunRecord, TaskInstanceRecord
    >>> import attrs
    >>> @attrs.frozen
    ... class Task:
    ...     task_id: str = "t"
    ...     depends_on_past: bool = True
    ...     wait_for_downstream: bool = False
    ...     ignore_first_depends_on_past: bool = True
    >>> day = lambda d: datetime(2024, 1, d, tzinfo=timezone.utc)
    >>> runs = [RunRecord(run_id=f"r{d}", run_type="scheduled", logical_date=day(d),
    ...                   data_interval=DataInterval(start=day(d), end=day(d)),
    ...                   run_after=day(d), state="success") for d in (1, 2)]
    >>> tis = [TaskInstanceRecord(run_id="r1", task_id="t", state="failed")]
    >>> v = check_depends_on_past(Task(), run_id="r2", runs=runs, task_instances=tis,
    ...                           catchup=True)
    >>> v.passed, v.rule.value, v.previous_run_id
    (False, 'previous_ti_unsuccessful', 'r1')
    """
    history = validate_history(runs)
    run = history.get(run_id)
    if run is None:
        raise UnknownRunError.for_value("run_id", run_id, "not in the run history")
    previous = _previous_run(history, run, bool(catchup))
    prev_id = None if previous is None else previous.run_id

    def verdict(passed: bool, rule: DependsOnPastRule, reason: str) -> DependsOnPastVerdict:
        return DependsOnPastVerdict(
            passed=passed, rule=rule, reason=reason, previous_run_id=prev_id
        )

    if ignore_all_deps:
        return verdict(True, DependsOnPastRule.IGNORE_ALL_DEPS, "all dependencies are ignored")
    if ignore_task_deps:
        return verdict(True, DependsOnPastRule.IGNORE_TASK_DEPS, "task dependencies are ignored")
    if ignore_depends_on_past:
        return verdict(
            True, DependsOnPastRule.IGNORE_DEPENDS_ON_PAST, "depends_on_past is ignored"
        )
    if not task.depends_on_past:
        return verdict(
            True, DependsOnPastRule.NO_DEPENDS_ON_PAST, "the task does not depend on the past"
        )
    if backfill_sort_ordinal == 1:
        return verdict(
            True, DependsOnPastRule.FIRST_BACKFILL_RUN, "the run is the first run of a backfill"
        )
    if previous is None:
        return verdict(True, DependsOnPastRule.NO_PREVIOUS_RUN, "there is no previous run")
    assert run.logical_date is not None
    assert previous.logical_date is not None
    if catchup and task_start_date is not None and task_start_date > previous.logical_date:
        return verdict(
            True,
            DependsOnPastRule.TASK_START_DATE_AFTER_PREVIOUS_RUN,
            f"the task starts ({iso(task_start_date)}) after the previous run "
            f"{previous.run_id!r}",
        )
    task_id = task.task_id
    run_dates = {r.run_id: r.logical_date for r in history.runs}
    prev_states: list[TaskState | None] = []
    earlier_ti = False
    downstream = frozenset(downstream_task_ids)
    downstream_pending = 0
    for ti in read_task_instances(task_instances):
        if ti.task_id == task_id:
            if ti.run_id == prev_id:
                prev_states.append(ti.state)
            ld = run_dates.get(ti.run_id)
            if ld is not None and ld < run.logical_date:
                earlier_ti = True
        elif ti.task_id in downstream and ti.run_id == prev_id and ti.state not in _DONE:
            downstream_pending += 1
    if not prev_states:
        if task.ignore_first_depends_on_past and not earlier_ti:
            return verdict(
                True,
                DependsOnPastRule.IGNORE_FIRST_DEPENDS_ON_PAST,
                "no earlier run has an instance of the task (ignore_first_depends_on_past)",
            )
        return verdict(
            False,
            DependsOnPastRule.PREVIOUS_TI_MISSING,
            f"the previous run {prev_id!r} has no instance of the task yet",
        )
    bad = sorted({"None" if s is None else s.value for s in prev_states if s not in _DONE})
    if bad:
        return verdict(
            False,
            DependsOnPastRule.PREVIOUS_TI_UNSUCCESSFUL,
            f"the task's instance in the previous run {prev_id!r} is {', '.join(bad)}",
        )
    # A downstream task with no instance in the previous run does not block (Airflow).
    if task.wait_for_downstream and downstream_pending:
        return verdict(
            False,
            DependsOnPastRule.WAIT_FOR_DOWNSTREAM,
            f"the direct downstream tasks in the previous run {prev_id!r} are not all done",
        )
    return verdict(True, DependsOnPastRule.ALL_MET, "the previous instance succeeded")


# -- LatestOnly ---------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class LatestOnlyDecision:
    """Whether a run is "the latest" for ``LatestOnlyOperator``.

    Truthy when the run is the latest (its downstream tasks run).

    Attributes:
        is_latest: ``False`` means the operator's direct downstream tasks are skipped.
        reason: ``manual_run``, ``no_next_run``, ``in_window`` or ``outside_window``.
        window: ``(left, right)``: the run is the latest iff ``left < now <= right``;
            ``None`` for manual runs and when there is no next run.
    """

    is_latest: bool
    reason: Literal["manual_run", "no_next_run", "in_window", "outside_window"]
    window: tuple[datetime, datetime] | None

    def __bool__(self) -> bool:
        return self.is_latest

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "version": DOCUMENT_VERSION,
            "kind": "latest_only",
            "is_latest": self.is_latest,
            "reason": self.reason,
            "window": (
                None if self.window is None
                else {"start": iso(self.window[0]), "end": iso(self.window[1])}
            ),
        }

    @checked(indent=indent_arg)
    def to_json(self, *, indent: int | None = 2) -> str:
        """``to_dict()`` as a JSON string."""
        return json.dumps(self.to_dict(), indent=indent)


_ONE_US = timedelta(microseconds=1)


def is_latest_run(
    timetable: TimetableProtocol, run: RunRecord | RowLike, *, now: datetime
) -> LatestOnlyDecision:
    """Whether *run* is the latest at *now* (``LatestOnlyOperator``).

    Manual runs are always the latest.  Otherwise the run's interval is
    ``[start or logical date or run_after, end or logical date or run_after]``, the
    window's right bound is the end of the next run's interval after it, and the left
    bound is the interval's start; the run is the latest iff ``left < now <= right``.
    Without a next run the run is the latest.

    >>> from datetime import datetime, timezone
    >>> from timetable import CronDataIntervals, DataInterval, RunRecord
    >>> day = lambda d: datetime(2021, 1, d, tzinfo=timezone.utc)
    >>> run = RunRecord(run_id="r", run_type="scheduled", logical_date=day(1),
    ...                 data_interval=DataInterval(start=day(1), end=day(2)),
    ...                 run_after=day(2), state="running")
    >>> d = is_latest_run(CronDataIntervals(cron="@daily"), run, now=day(2))
    >>> d.is_latest, [w.day for w in d.window]
    (True, [1, 3])
    """
    tt = check_timetable(timetable)
    check_aware(now, "now")
    run = read_run(run, None, "run")
    if run.run_type is RunType.MANUAL:
        return LatestOnlyDecision(is_latest=True, reason="manual_run", window=None)
    anchor = run.logical_date or run.run_after
    iv = run.data_interval
    current = DataInterval(
        start=anchor if iv is None else iv.start, end=anchor if iv is None else iv.end
    )
    before = next_run_info(
        tt,
        last_interval=current,
        restriction=TimeRestriction(earliest=None, latest=current.end - _ONE_US, catchup=True),
        now=now,
    )
    left = current.start if before is None else before.data_interval.end
    after = next_run_info(
        tt,
        last_interval=current,
        restriction=TimeRestriction(earliest=current.end, latest=None, catchup=True),
        now=now,
    )
    if after is None:
        return LatestOnlyDecision(is_latest=True, reason="no_next_run", window=None)
    right = after.data_interval.end
    latest = left < now <= right
    return LatestOnlyDecision(
        is_latest=latest, reason="in_window" if latest else "outside_window", window=(left, right)
    )


# -- template dates -----------------------------------------------------------------------------


def _ds(value: datetime) -> str:
    return value.strftime("%Y-%m-%d")


def template_dates(
    run: RunRecord | RowLike,
    *,
    runs: Iterable[RunRecord | RowLike] | History = (),
    timetable: TimetableProtocol | None = None,
    now: datetime | None = None,
    airflow2: bool = False,
) -> Mapping[str, Any]:
    """The date keys of a task's template context, read-only.

    Airflow 3 keys (present only when the run has a logical date ``L``, in UTC):
    ``logical_date``, ``ds``, ``ds_nodash``, ``ts``, ``ts_nodash``,
    ``ts_nodash_with_tz``, ``data_interval_start``, ``data_interval_end``,
    ``prev_data_interval_start_success``, ``prev_data_interval_end_success``; and
    always ``prev_start_date_success`` / ``prev_end_date_success``.  The previous
    success is the run with the greatest logical date before ``L`` in state
    ``success``, of any type; its start/end dates are read from the record's
    ``start_date``/``end_date`` attributes when the host's records have them, else
    ``None``.

    With ``airflow2=True``, Airflow 2's deprecated keys are added: ``execution_date``,
    ``prev_execution_date`` / ``prev_ds`` / ``prev_ds_nodash``, ``next_execution_date``
    / ``next_ds`` / ``next_ds_nodash``, ``yesterday_ds`` / ``tomorrow_ds`` (and
    ``_nodash``) and ``prev_execution_date_success`` (they need *timetable*).

    Raises:
        InvalidArgumentError: ``airflow2=True`` without a timetable.
        InvalidRecordError: the history is invalid.

    >>> from datetime import datetime, timezone
    >>> from timetable import DataInterval, RunRecord
    >>> at = datetime(2021, 9, 4, tzinfo=timezone.utc)
    >>> run = RunRecord(run_id="r", run_type="scheduled", logical_date=at,
    ...                 data_interval=DataInterval(start=at, end=at), run_after=at,
    ...                 state="running")
    >>> keys = template_dates(run)
    >>> keys["ds"], keys["ts_nodash_with_tz"]
    ('2021-09-04', '20210904T000000+0000')
    """
    run = read_run(run, None, "run")
    history = validate_history(runs)
    out: dict[str, Any] = {}
    logical = run.logical_date
    prev_success: RunRecord | None = None
    if logical is not None:
        for prev in history.before(logical):
            if prev.state is RunState.SUCCESS and prev.run_id != run.run_id:
                prev_success = prev
                break
        L = logical.astimezone(UTC)
        ts = L.isoformat()
        out.update(
            logical_date=L,
            ds=_ds(L),
            ds_nodash=_ds(L).replace("-", ""),
            ts=ts,
            ts_nodash=L.strftime("%Y%m%dT%H%M%S"),
            ts_nodash_with_tz=ts.replace("-", "").replace(":", ""),
            data_interval_start=None if run.data_interval is None else run.data_interval.start,
            data_interval_end=None if run.data_interval is None else run.data_interval.end,
        )
        piv = None if prev_success is None else prev_success.data_interval
        out["prev_data_interval_start_success"] = None if piv is None else piv.start
        out["prev_data_interval_end_success"] = None if piv is None else piv.end
    out["prev_start_date_success"] = getattr(prev_success, "start_date", None)
    out["prev_end_date_success"] = getattr(prev_success, "end_date", None)
    if airflow2 and logical is not None:
        out.update(_airflow2_keys(run, logical, prev_success, timetable, now))
    return types.MappingProxyType(out)


def _airflow2_keys(
    run: RunRecord,
    logical: datetime,
    prev_success: RunRecord | None,
    timetable: TimetableProtocol | None,
    now: datetime | None,
) -> dict[str, Any]:
    if timetable is None:
        raise InvalidArgumentError.for_value(
            "timetable", None, "Airflow 2 keys (prev_ds, next_ds, …) need the timetable"
        )
    tt = check_timetable(timetable)
    L = logical.astimezone(UTC)
    manual = run.run_type is RunType.MANUAL
    prev: datetime | None
    nxt: datetime | None
    if manual:
        prev = nxt = L
    else:
        prev = None
        if isinstance(tt, (CronDataIntervals, DeltaDataIntervals)):
            # the previous tick strictly before L: the start of L's own manual interval
            prev = infer_manual_interval(tt, run_after=L).start
        interval = run.data_interval or DataInterval.exact(L)
        info = next_run_info(
            tt,
            last_interval=interval,
            restriction=TimeRestriction(catchup=True),
            now=L if now is None else now,
        )
        nxt = None if info is None else info.logical_date.astimezone(UTC)
    return {
        "execution_date": L,
        "prev_execution_date": prev,
        "prev_ds": None if prev is None else _ds(prev),
        "prev_ds_nodash": None if prev is None else _ds(prev).replace("-", ""),
        "next_execution_date": nxt,
        "next_ds": None if nxt is None else _ds(nxt),
        "next_ds_nodash": None if nxt is None else _ds(nxt).replace("-", ""),
        "yesterday_ds": _ds(L - timedelta(days=1)),
        "yesterday_ds_nodash": _ds(L - timedelta(days=1)).replace("-", ""),
        "tomorrow_ds": _ds(L + timedelta(days=1)),
        "tomorrow_ds_nodash": _ds(L + timedelta(days=1)).replace("-", ""),
        "prev_execution_date_success": None
        if prev_success is None or prev_success.logical_date is None
        else prev_success.logical_date.astimezone(UTC),
    }


# -- manual runs --------------------------------------------------------------------------------

ManualSource = Literal["rest", "trigger"]


def manual_run_interval(
    timetable: TimetableProtocol,
    *,
    logical_date: datetime | None,
    run_after: datetime,
    source: ManualSource = "rest",
    data_interval: DataInterval | None = None,
) -> DataInterval | None:
    """The data interval Airflow gives a manual run.

    * ``source="rest"`` (``POST /dags/{id}/dagRuns``): no logical date gives no
      interval; otherwise the explicit *data_interval*, else the timetable's manual
      interval inferred **from the logical date**.
    * ``source="trigger"`` (``trigger_dag``: CLI, TriggerDagRunOperator): the interval
      is inferred **from run_after**, whatever the logical date (``None`` when the run
      has no logical date).

    >>> from datetime import datetime, timezone
    >>> from timetable import CronDataIntervals
    >>> tt = CronDataIntervals(cron="@daily")
    >>> at = datetime(2022, 8, 1, 9, 30, tzinfo=timezone.utc)
    >>> later = datetime(2022, 8, 3, 12, tzinfo=timezone.utc)
    >>> print(manual_run_interval(tt, logical_date=at, run_after=later).start)
    2022-07-31 00:00:00+00:00
    >>> print(manual_run_interval(tt, logical_date=at, run_after=later, source="trigger").start)
    2022-08-02 00:00:00+00:00
    """
    tt = check_timetable(timetable)
    check_aware(run_after, "run_after")
    if logical_date is not None:
        check_aware(logical_date, "logical_date")
    if source not in ("rest", "trigger"):
        raise InvalidArgumentError.for_value("source", source, "expected 'rest' or 'trigger'")
    if data_interval is not None and not isinstance(data_interval, DataInterval):
        raise WrongTypeError.for_value(
            "data_interval", data_interval, "expected a DataInterval or None"
        )
    if logical_date is None:
        return None
    if source == "rest":
        if data_interval is not None:
            return data_interval
        return infer_manual_interval(tt, run_after=logical_date)
    return infer_manual_interval(tt, run_after=run_after)


@attrs.frozen(kw_only=True)
class ManualRun:
    """A manual run to create, as the host should store it.

    Attributes:
        run_id: ``manual__<run_after>`` (with the host's suffix when there is no
            logical date), or the caller's id.
        run_type: ``manual``.
        logical_date: the logical date (as given; microseconds dropped on the trigger
            path), or ``None``.
        data_interval: see [`manual_run_interval()`][timetable.manual_run_interval].
        run_after: when the run may start.
        state: ``queued``.
        conf: the run's conf, an opaque JSON object carried through.
        reason: how the interval was derived.
    """

    run_id: str
    run_type: RunType = RunType.MANUAL
    logical_date: datetime | None
    data_interval: DataInterval | None
    run_after: datetime
    state: RunState = RunState.QUEUED
    conf: Mapping[str, Any] | None = attrs.field(default=None, hash=False)
    reason: str

    def to_insert(self) -> RunInsert:
        """The ``dag_run`` row to insert."""
        iv = self.data_interval
        return RunInsert(
            run_id=self.run_id,
            run_type=self.run_type,
            logical_date=self.logical_date,
            data_interval_start=None if iv is None else iv.start,
            data_interval_end=None if iv is None else iv.end,
            run_after=self.run_after,
            state=self.state,
            conf=self.conf,
        )

    def changeset(self) -> Changeset:
        """The rows to write: the one run to insert."""
        return Changeset(runs_to_insert=(self.to_insert(),))

    def to_record(self) -> RunRecord:
        """The run as a [`RunRecord`][timetable.RunRecord] (what the history holds once it is created)."""
        return RunRecord(
            run_id=self.run_id,
            run_type=self.run_type,
            logical_date=self.logical_date,
            data_interval=self.data_interval,
            run_after=self.run_after,
            state=self.state,
            conf=self.conf,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        iv = self.data_interval
        return {
            "version": DOCUMENT_VERSION,
            "kind": "manual_run",
            "run_id": self.run_id,
            "run_type": self.run_type.value,
            "logical_date": iso(self.logical_date),
            "data_interval": None if iv is None else {"start": iso(iv.start), "end": iso(iv.end)},
            "run_after": iso(self.run_after),
            "state": self.state.value,
            "conf": None if self.conf is None else dict(self.conf),
            "reason": self.reason,
        }

    @checked(indent=indent_arg)
    def to_json(self, *, indent: int | None = 2) -> str:
        """``to_dict()`` as a JSON string."""
        return json.dumps(self.to_dict(), indent=indent)

    def to_text(self) -> str:
        """A one-line summary."""
        logical = "no logical date" if self.logical_date is None else (
            f"logical date {iso(self.logical_date)}"
        )
        return (f"manual run {self.run_id}: {logical}, run_after {iso(self.run_after)} "
                f"({self.reason})")


def plan_manual_run(
    timetable: TimetableProtocol,
    *,
    run_after: datetime,
    logical_date: datetime | None,
    source: ManualSource = "rest",
    data_interval: DataInterval | None = None,
    conf: Mapping[str, Any] | None = None,
    run_id: str | None = None,
    suffix: str | None = None,
    runs: Iterable[RunRecord | RowLike] | History = (),
) -> ManualRun:
    """The manual run a trigger creates: its id, logical date, interval and conf.

    Args:
        timetable: the DAG's timetable.
        run_after: the trigger instant (the REST default is the request time).
        logical_date: the requested logical date, or ``None`` (no logical date and no
            data interval).
        source: ``"rest"`` or ``"trigger"`` (see [`manual_run_interval()`][timetable.manual_run_interval]).
        data_interval: an explicit interval (REST only).
        conf: the run's conf, a JSON object carried through untouched.
        run_id: the caller's run id; default ``manual__<run_after>``.
        suffix: 8 random characters from the host, needed for the default id of a
            run without a logical date.
        runs: the history, to refuse a duplicate run id or logical date.

    Raises:
        RunAlreadyExistsError: the run id or logical date is already in the history.
        InvalidArgumentError: a bad *source*, *conf*, or a missing *suffix*.

    >>> from datetime import datetime, timezone
    >>> from timetable import CronTrigger
    >>> at = datetime(2024, 5, 1, 8, tzinfo=timezone.utc)
    >>> run = plan_manual_run(CronTrigger(cron="@daily"), run_after=at, logical_date=at,
    ...                       conf={"full": True})
    >>> run.run_id, run.conf
    ('manual__2024-05-01T08:00:00+00:00', {'full': True})
    """
    conf = check_conf(conf)
    if source == "trigger" and logical_date is not None:
        check_aware(logical_date, "logical_date")
        logical_date = logical_date.replace(microsecond=0)
    interval = manual_run_interval(
        timetable,
        logical_date=logical_date,
        run_after=run_after,
        source=source,
        data_interval=data_interval,
    )
    if run_id is None:
        run_id = generate_run_id(
            RunType.MANUAL,
            run_after=run_after.astimezone(UTC),
            logical_date=logical_date,
            suffix=suffix,
        )
    history = validate_history(runs)
    if history.get(run_id) is not None:
        raise RunAlreadyExistsError.for_value("run_id", run_id, "a run with this id exists")
    if logical_date is not None:
        clash = history.at(logical_date)
        if clash is not None:
            raise RunAlreadyExistsError.for_value(
                "logical_date", logical_date, f"run {clash.run_id!r} has this logical date"
            )
    if logical_date is None:
        reason = "no logical date: no data interval"
    elif source == "rest":
        reason = (
            "explicit data interval"
            if data_interval is not None
            else "interval inferred from the logical date (REST API)"
        )
    else:
        reason = "interval inferred from run_after (trigger_dag)"
    return ManualRun(
        run_id=run_id,
        logical_date=logical_date,
        data_interval=interval,
        run_after=run_after,
        conf=conf,
        reason=reason,
    )
