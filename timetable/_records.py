"""Records: snapshots of what the host already stores (runs, task instances).

Records describe what *exists*; they are never created by this library.  Enums carry
Airflow's exact strings so a host can map its rows one to one
(``RunState("success")``, ``TaskState("upstream_failed")``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import UTC, datetime, timezone
from typing import Any, Literal
from zoneinfo import ZoneInfo

import attrs

from ._types import DataInterval, unpickle_interval
from ._validation import aware as _aware
from ._validation import aware_or_none as _aware_or_none
from ._validation import enum_missing
from ._validation import nonempty_str as _nonempty_str
from .errors import InvalidRecordError, WrongTypeError

__all__ = [
    "RunRecord",
    "RunState",
    "RunStateName",
    "RunType",
    "RunTypeName",
    "TaskInstanceRecord",
    "TaskState",
    "TaskStateName",
]


class RunType(enum.StrEnum):
    """How a run came to exist (Airflow's ``DagRunType``), in Airflow's declaration order."""

    _missing_ = classmethod(enum_missing)

    BACKFILL = "backfill"
    SCHEDULED = "scheduled"
    MANUAL = "manual"
    OPERATOR_TRIGGERED = "operator_triggered"
    ASSET_TRIGGERED = "asset_triggered"
    ASSET_MATERIALIZATION = "asset_materialization"


class RunState(enum.StrEnum):
    """The state of a run (Airflow's ``DagRunState``)."""

    _missing_ = classmethod(enum_missing)

    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        """Whether the run is done (success or failed)."""
        return self in (RunState.SUCCESS, RunState.FAILED)


class TaskState(enum.StrEnum):
    """The state of a task instance (Airflow's ``TaskInstanceState``).

    A task instance with no state yet is represented by ``None``, not by a member.
    """

    _missing_ = classmethod(enum_missing)

    REMOVED = "removed"
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    RESTARTING = "restarting"
    FAILED = "failed"
    UP_FOR_RETRY = "up_for_retry"
    UP_FOR_RESCHEDULE = "up_for_reschedule"
    UPSTREAM_FAILED = "upstream_failed"
    SKIPPED = "skipped"
    DEFERRED = "deferred"
    AWAITING_INPUT = "awaiting_input"


RunTypeName = Literal[
    "backfill", "scheduled", "manual", "operator_triggered", "asset_triggered",
    "asset_materialization",
]
"""A run type as Airflow's string (what a ``dag_run.run_type`` column holds)."""
RunStateName = Literal["queued", "running", "success", "failed"]
"""A run state as Airflow's string."""
TaskStateName = Literal[
    "removed", "scheduled", "queued", "running", "success", "restarting", "failed",
    "up_for_retry", "up_for_reschedule", "upstream_failed", "skipped", "deferred",
    "awaiting_input",
]
"""A task-instance state as Airflow's string."""


def _to_enum(enum_cls: type[enum.Enum], argument: str) -> Any:
    def convert(value: Any) -> Any:
        if isinstance(value, enum_cls):
            return value
        try:
            return enum_cls(value)
        except (ValueError, TypeError):
            allowed = ", ".join(repr(m.value) for m in enum_cls)
            raise InvalidRecordError.for_value(
                argument, value, f"expected one of {allowed}"
            ) from None

    return convert


def _to_run_type(value: RunType | RunTypeName) -> RunType:
    converted: RunType = _to_enum(RunType, "run_type")(value)
    return converted


def _to_run_state(value: RunState | RunStateName) -> RunState:
    converted: RunState = _to_enum(RunState, "state")(value)
    return converted


def _to_task_state(value: TaskState | TaskStateName | None) -> TaskState | None:
    if value is None or isinstance(value, TaskState):
        return value
    try:
        return TaskState(value)
    except (ValueError, TypeError):
        allowed = ", ".join(repr(m.value) for m in TaskState)
        raise InvalidRecordError.for_value(
            "state", value, f"expected None or one of {allowed}"
        ) from None


@attrs.frozen(kw_only=True)
class RunRecord:
    """A run the host already stores (a snapshot of Airflow's ``dag_run`` row).

    Attributes:
        run_id: the run's id, unique within the history.
        run_type: how the run was created.
        logical_date: the run's logical date, or ``None`` (runs with no logical date).
        data_interval: the run's data interval, or ``None``.
        run_after: the instant the run became due.
        state: the run's state.
        conf: the run's conf, an opaque JSON object (a mapping) carried through
            untouched, or ``None``.
        clear_number: how many times the run has been cleared.
    """

    run_id: str = attrs.field(validator=_nonempty_str)
    run_type: RunType = attrs.field(converter=_to_run_type)
    logical_date: datetime | None = attrs.field(validator=_aware_or_none)
    data_interval: DataInterval | None = attrs.field()
    run_after: datetime = attrs.field(validator=_aware)
    state: RunState = attrs.field(converter=_to_run_state)
    conf: Mapping[str, Any] | None = attrs.field(default=None, eq=False, hash=False)
    clear_number: int = attrs.field(default=0)

    @conf.validator
    def _check_conf(self, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None and not isinstance(value, Mapping):
            raise WrongTypeError.for_value("conf", value, "expected a JSON object (a mapping) or None")

    @clear_number.validator
    def _check_clear_number(self, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InvalidRecordError.for_value("clear_number", value, "expected an int >= 0")

    @data_interval.validator
    def _check_interval(self, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None and not isinstance(value, DataInterval):
            raise WrongTypeError.for_value(
                "data_interval", value, "expected a DataInterval or None"
            )

    def __reduce__(self) -> tuple[Any, ...]:
        # One flat call per run (its interval inlined) that sets the slots directly, not
        # attrs' per-object state dicts: histories cross process boundaries in bulk.
        interval = self.data_interval
        start, end = (None, None) if interval is None else (interval.start, interval.end)
        return _run_record, (
            self.run_id, self.run_type, self.logical_date, start, end, self.run_after,
            self.state, self.conf, self.clear_number,
        )


def _run_record(
    run_id: str, run_type: RunType, logical_date: datetime | None, start: datetime | None,
    end: datetime | None, run_after: datetime, state: RunState,
    conf: Mapping[str, Any] | None, clear_number: int,
) -> RunRecord:
    """Unpickle a run (see `RunRecord.__reduce__`): the values were validated when the
    pickled run was built, so the slots are set as they are."""
    run = _new(RunRecord)
    _set(run, "run_id", run_id)
    _set(run, "run_type", run_type)
    _set(run, "logical_date", logical_date)
    interval = None if start is None or end is None else unpickle_interval(start, end)
    _set(run, "data_interval", interval)
    _set(run, "run_after", run_after)
    _set(run, "state", state)
    _set(run, "conf", conf)
    _set(run, "clear_number", clear_number)
    return run


_new = object.__new__
_set = object.__setattr__

_RUN_TYPES: dict[Any, RunType] = {m.value: m for m in RunType}
_RUN_STATES: dict[Any, RunState] = {m.value: m for m in RunState}


def _plain_instant(value: Any) -> bool:
    """Whether *value* certainly passes `check_aware` (a datetime in UTC, a fixed offset or
    an IANA zone, away from the ends of the calendar where converting to UTC overflows)."""
    if type(value) is not datetime:
        return False
    tz = value.tzinfo
    return tz is UTC or ((type(tz) is timezone or type(tz) is ZoneInfo) and 1 < value.year < 9999)


def plain_run_record(
    run_id: Any, run_type: Any, logical_date: Any, start: Any, end: Any, run_after: Any,
    state: Any, conf: Any, clear_number: Any,
) -> RunRecord | None:
    """``RunRecord(...)`` (with the interval ``[start, end]``, or none when both are
    ``None``) when every value is of the plain kind a row reader meets, built without
    attrs' per-field calls; ``None`` when any value is not, or is invalid.

    A ``None`` answer means "build it the checked way", which gives the same record or
    the error; a differential property holds this to the constructor.
    """
    if type(run_id) is not str or not run_id:
        return None
    kind = _RUN_TYPES.get(run_type) if type(run_type) is str or type(run_type) is RunType else None
    status = _RUN_STATES.get(state) if type(state) is str or type(state) is RunState else None
    if kind is None or status is None or not _plain_instant(run_after):
        return None
    if logical_date is not None and not _plain_instant(logical_date):
        return None
    has_interval = start is not None or end is not None
    if has_interval and not (_plain_instant(start) and _plain_instant(end) and start <= end):
        return None
    if conf is not None and not isinstance(conf, Mapping):
        return None
    if type(clear_number) is not int or clear_number < 0:
        return None
    return _run_record(run_id, kind, logical_date, start, end, run_after, status, conf,
                       clear_number)


@attrs.frozen(kw_only=True)
class TaskInstanceRecord:
    """A task instance the host already stores (a snapshot of ``task_instance``).

    Attributes:
        run_id: the run it belongs to.
        task_id: the task it is an instance of.
        map_index: ``-1`` for an unmapped task, ``0, 1, …`` for mapped instances.
        state: its state, or ``None`` when it has none yet.
        try_number: how many tries it has had.
        max_tries: how many tries it may have before failing for good.
    """

    run_id: str = attrs.field(validator=_nonempty_str)
    task_id: str = attrs.field(validator=_nonempty_str)
    map_index: int = attrs.field(default=-1)
    state: TaskState | None = attrs.field(default=None, converter=_to_task_state)
    try_number: int = attrs.field(default=0)
    max_tries: int = attrs.field(default=0)

    @map_index.validator
    def _check_map_index(self, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < -1:
            raise InvalidRecordError.for_value("map_index", value, "expected an int >= -1")

    @try_number.validator
    def _check_try(self, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InvalidRecordError.for_value("try_number", value, "expected an int >= 0")

    @max_tries.validator
    def _check_max(self, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InvalidRecordError.for_value("max_tries", value, "expected an int >= 0")
