"""Airflow's scheduling semantics as pure functions over plain data.

The host passes its timetable, snapshots of its records and ``now``; it gets back
intervals and plans to apply in its own transaction.  See https://timetable.readthedocs.io.
"""

from __future__ import annotations

from ._records import RunRecord, RunState, RunType, TaskInstanceRecord, TaskState
from ._runs import infer_manual_interval, iter_run_infos, next_run_info
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
    # Records
    "RunRecord",
    "RunState",
    "RunType",
    "TaskInstanceRecord",
    "TaskState",
    # Errors
    "TimetableError",
    "__version__",
]
