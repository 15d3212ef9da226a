"""Airflow's scheduling semantics as pure functions over plain data.

The host passes its timetable, snapshots of its records and ``now``; it gets back
intervals and plans to apply in its own transaction.  Public submodules:
:mod:`timetable.airflow` (Airflow interop), :mod:`timetable.serialization`,
:mod:`timetable.errors` and :mod:`timetable.strategies` (needs Hypothesis).
"""


from ._backfill import (
    BackfillEntry,
    BackfillPlan,
    BackfillRequest,
    ReprocessBehavior,
    plan_backfill,
)
from ._catchup import (
    CatchupEntry,
    CatchupPlan,
    CatchupPolicy,
    CatchupStop,
    IntervalRange,
    iter_catchup,
    plan_catchup,
)
from ._changeset import (
    Changeset,
    FieldChange,
    RunInsert,
    RunUpdate,
    TaskInstanceUpdate,
    apply_changeset,
)
from ._clear import (
    ClearPlan,
    ClearRequest,
    RunChange,
    RunHistory,
    TaskInstanceChange,
    plan_clear,
)
from ._decisions import (
    DependsOnPastRule,
    DependsOnPastVerdict,
    LatestOnlyDecision,
    ManualRun,
    check_depends_on_past,
    is_latest_run,
    manual_run_interval,
    plan_manual_run,
    template_dates,
)
from ._gaps import GapReport, find_gaps
from ._graph import TaskGraph, TaskSpec
from ._index import count_intervals, interval_containing, iter_intervals, nth_interval
from ._mark import MarkPlan, MarkRequest, MarkRunPlan, plan_mark, plan_mark_run
from ._planning import Action, History, Reason, dag_restriction, validate_history
from ._records import RunRecord, RunState, RunType, TaskInstanceRecord, TaskState
from ._recursive import CrossDagMarker, RecursiveClearPlan, plan_clear_recursive
from ._runs import infer_manual_interval, iter_run_infos, next_run_info
from ._schedule_change import (
    ChangeFinding,
    ChangeReason,
    ChangeStep,
    ScheduleChangePlan,
    plan_schedule_change,
)
from ._timetables import (
    Continuous,
    CronDataIntervals,
    CronTrigger,
    DeltaDataIntervals,
    DeltaTrigger,
    Events,
    MultiCronTrigger,
    Never,
    Once,
    Timetable,
    TimetableProtocol,
)
from ._types import DataInterval, DstPolicy, RunInfo, TimeRestriction
from ._version import __version__
from .errors import TimetableError

__all__ = [
    # Value types
    "DataInterval",
    "DstPolicy",
    "RunInfo",
    "TimeRestriction",
    # Timetable kinds
    "Continuous",
    "CronDataIntervals",
    "CronTrigger",
    "DeltaDataIntervals",
    "DeltaTrigger",
    "Events",
    "MultiCronTrigger",
    "Never",
    "Once",
    "Timetable",
    "TimetableProtocol",
    # The interval core
    "infer_manual_interval",
    "iter_run_infos",
    "next_run_info",
    # Interval indexing (O(1) for fixed-stride schedules)
    "count_intervals",
    "interval_containing",
    "iter_intervals",
    "nth_interval",
    # Records and histories
    "History",
    "RunHistory",
    "RunRecord",
    "RunState",
    "RunType",
    "TaskInstanceRecord",
    "TaskState",
    "dag_restriction",
    "validate_history",
    # Planning: catchup, backfill, gaps
    "Action",
    "BackfillEntry",
    "BackfillPlan",
    "BackfillRequest",
    "CatchupEntry",
    "CatchupPlan",
    "CatchupPolicy",
    "CatchupStop",
    "GapReport",
    "IntervalRange",
    "Reason",
    "ReprocessBehavior",
    "find_gaps",
    "iter_catchup",
    "plan_backfill",
    "plan_catchup",
    # The host contract: changesets
    "Changeset",
    "FieldChange",
    "RunInsert",
    "RunUpdate",
    "TaskInstanceUpdate",
    "apply_changeset",
    # Schedule edits, explanations, DST reports and lints
    "ChangeFinding",
    "ChangeReason",
    "ChangeStep",
    "ScheduleChangePlan",
    "plan_schedule_change",
    # Per-run decisions
    "DependsOnPastRule",
    "DependsOnPastVerdict",
    "LatestOnlyDecision",
    "ManualRun",
    "check_depends_on_past",
    "is_latest_run",
    "manual_run_interval",
    "plan_manual_run",
    "template_dates",
    # Tasks: graphs, clear and mark
    "ClearPlan",
    "ClearRequest",
    "CrossDagMarker",
    "MarkPlan",
    "MarkRequest",
    "MarkRunPlan",
    "RecursiveClearPlan",
    "RunChange",
    "TaskGraph",
    "TaskInstanceChange",
    "TaskSpec",
    "plan_clear",
    "plan_clear_recursive",
    "plan_mark",
    "plan_mark_run",
    # Errors
    "TimetableError",
    "__version__",
]
