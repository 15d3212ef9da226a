"""Airflow's scheduling semantics as pure functions over plain data.

The host passes its timetable, snapshots of its records and ``now``; it gets back
intervals and plans to apply in its own transaction.  Public submodules:
[`airflow`][timetable.airflow] (Airflow interop), [`serialization`][timetable.serialization],
`errors` and `strategies` (needs Hypothesis).
"""

# The public names load on first access (PEP 562), so ``import timetable`` costs only
# this module: a cron next-run loads the cron engine, not the clear planner.  A new public
# name goes in three places: the TYPE_CHECKING imports (what type checkers and the docs
# see), ``_LAZY`` (module -> names; tests/test_public_api.py checks the two agree) and
# ``__all__``.
import importlib
from typing import TYPE_CHECKING

from ._version import __version__
from .errors import TimetableError

if TYPE_CHECKING:
    from ._backfill import (
        BackfillEntry,
        BackfillPlan,
        BackfillRequest,
        ReprocessBehavior,
        iter_backfill,
        plan_backfill,
    )
    from ._calendar import BusinessCalendar, Holiday, HolidayRule
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
    from ._dst_report import DstReport, DstTick, dst_report
    from ._explain import RunExplanation, WhyReason, explain_run
    from ._gaps import GapReport, find_gaps, iter_gaps
    from ._graph import TaskGraph, TaskSpec
    from ._index import count_intervals, interval_containing, iter_intervals, nth_interval
    from ._lint import LINTS, LintFinding, LintReport, lint
    from ._mark import MarkPlan, MarkRequest, MarkRunPlan, plan_mark, plan_mark_run
    from ._planning import (
        Action,
        History,
        Reason,
        dag_restriction,
        history_from_columns,
        validate_history,
    )
    from ._records import RunRecord, RunState, RunType, TaskInstanceRecord, TaskState
    from ._recursive import CrossDagMarker, RecursiveClearPlan, plan_clear_recursive
    from ._runs import (
        calendar_month,
        infer_manual_interval,
        iter_excluded_ticks,
        iter_run_infos,
        next_run_info,
    )
    from ._schedule_change import (
        ChangeFinding,
        ChangeReason,
        ChangeStep,
        ScheduleChangePlan,
        plan_schedule_change,
    )
    from ._stream import iter_changesets
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

del TYPE_CHECKING

_LAZY: dict[str, tuple[str, ...]] = {
    "_backfill": (
        "BackfillEntry",
        "BackfillPlan",
        "BackfillRequest",
        "ReprocessBehavior",
        "iter_backfill",
        "plan_backfill",
    ),
    "_calendar": ("BusinessCalendar", "Holiday", "HolidayRule"),
    "_catchup": (
        "CatchupEntry",
        "CatchupPlan",
        "CatchupPolicy",
        "CatchupStop",
        "IntervalRange",
        "iter_catchup",
        "plan_catchup",
    ),
    "_changeset": (
        "Changeset",
        "FieldChange",
        "RunInsert",
        "RunUpdate",
        "TaskInstanceUpdate",
        "apply_changeset",
    ),
    "_clear": (
        "ClearPlan",
        "ClearRequest",
        "RunChange",
        "RunHistory",
        "TaskInstanceChange",
        "plan_clear",
    ),
    "_decisions": (
        "DependsOnPastRule",
        "DependsOnPastVerdict",
        "LatestOnlyDecision",
        "ManualRun",
        "check_depends_on_past",
        "is_latest_run",
        "manual_run_interval",
        "plan_manual_run",
        "template_dates",
    ),
    "_gaps": ("GapReport", "find_gaps", "iter_gaps"),
    "_graph": ("TaskGraph", "TaskSpec"),
    "_index": ("count_intervals", "interval_containing", "iter_intervals", "nth_interval"),
    "_mark": ("MarkPlan", "MarkRequest", "MarkRunPlan", "plan_mark", "plan_mark_run"),
    "_planning": (
        "Action", "History", "Reason", "dag_restriction", "history_from_columns",
        "validate_history",
    ),
    "_records": ("RunRecord", "RunState", "RunType", "TaskInstanceRecord", "TaskState"),
    "_recursive": ("CrossDagMarker", "RecursiveClearPlan", "plan_clear_recursive"),
    "_runs": (
        "calendar_month",
        "infer_manual_interval",
        "iter_excluded_ticks",
        "iter_run_infos",
        "next_run_info",
    ),
    "_dst_report": ("DstReport", "DstTick", "dst_report"),
    "_explain": ("RunExplanation", "WhyReason", "explain_run"),
    "_lint": ("LINTS", "LintFinding", "LintReport", "lint"),
    "_schedule_change": (
        "ChangeFinding",
        "ChangeReason",
        "ChangeStep",
        "ScheduleChangePlan",
        "plan_schedule_change",
    ),
    "_stream": ("iter_changesets",),
    "_timetables": (
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
    ),
    "_types": ("DataInterval", "DstPolicy", "RunInfo", "TimeRestriction"),
}
_MODULE_OF = {name: module for module, names in _LAZY.items() for name in names}


#: Public submodules, loaded on first access too (``timetable.serialization`` works
#: after a bare ``import timetable``).
_SUBMODULES = frozenset({"airflow", "errors", "schemas", "serialization", "strategies"})


def __getattr__(name: str) -> object:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MODULE_OF) | _SUBMODULES)


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
    # Business calendars
    "BusinessCalendar",
    "Holiday",
    "HolidayRule",
    "calendar_month",
    "iter_excluded_ticks",
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
    "history_from_columns",
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
    "iter_backfill",
    "iter_catchup",
    "iter_changesets",
    "iter_gaps",
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
    "DstReport",
    "DstTick",
    "LINTS",
    "LintFinding",
    "LintReport",
    "RunExplanation",
    "ScheduleChangePlan",
    "WhyReason",
    "dst_report",
    "explain_run",
    "lint",
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
