"""Rows in: the one mapping layer from a host's rows to our records.

Theory of operation
-------------------
Every API that takes records (histories, planners, decisions, the changeset applier)
reads them through this module, so a host can pass whatever it has:

* our records ([`RunRecord`][timetable.RunRecord], [`TaskInstanceRecord`][timetable.TaskInstanceRecord]),
  returned as they are;
* plain mappings;
* ``sqlite3.Row`` and any mapping-like row (an object with ``keys()`` and
  ``__getitem__``), e.g. a SQLAlchemy ``RowMapping``.

A row's keys are Airflow's column names (``dag_run`` / ``task_instance``), looked up in
one table (`RUN_COLUMNS`, `TASK_INSTANCE_COLUMNS`) that also lists the
accepted aliases.  Columns this library does not use (``dag_id``, ``start_date``,
``queued_at``, …) are ignored; a key that looks like a misspelling of a column the row
lacks (``logical_dat``) is an error, never a silently dropped field.  Datetimes may be
aware ``datetime`` values or ISO-8601 strings *with an offset* (what SQLite hands back);
``conf`` may be a JSON object or its JSON text.

A bad row is an `InvalidRecordError` (or the subclass the
record raises) whose message names the row's position, its key (``run_id`` /
``task_id``), the field and the value.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final, Protocol

from ._records import RunRecord, TaskInstanceRecord, plain_run_record
from ._types import DataInterval
from .errors import (
    InvalidRecordError,
    NaiveDatetimeError,
    TimetableError,
    WrongTypeError,
)

__all__ = [
    "RUN_COLUMNS",
    "RowLike",
    "TASK_INSTANCE_COLUMNS",
    "is_row",
    "read_run",
    "read_runs",
    "read_task_instance",
    "read_task_instances",
    "row_keys",
]

class RowLike(Protocol):
    """A mapping-like row: ``keys()`` and ``row[column]`` (a ``dict``, ``sqlite3.Row``, …)."""

    def keys(self) -> Iterable[str]:
        """The row's column names."""
        ...  # pragma: no cover

    def __getitem__(self, key: str, /) -> Any:
        """The value of a column."""
        ...  # pragma: no cover


#: ``field -> accepted column names`` for a run (``dag_run``); the first name is Airflow 3's.
RUN_COLUMNS: Final[Mapping[str, tuple[str, ...]]] = {
    "run_id": ("run_id",),
    "run_type": ("run_type",),
    "logical_date": ("logical_date", "execution_date"),
    "data_interval_start": ("data_interval_start",),
    "data_interval_end": ("data_interval_end",),
    "data_interval": ("data_interval",),
    "run_after": ("run_after",),
    "state": ("state",),
    "conf": ("conf",),
    "clear_number": ("clear_number",),
}

#: ``field -> accepted column names`` for a task instance (``task_instance``).
TASK_INSTANCE_COLUMNS: Final[Mapping[str, tuple[str, ...]]] = {
    "run_id": ("run_id",),
    "task_id": ("task_id",),
    "map_index": ("map_index",),
    "state": ("state",),
    "try_number": ("try_number",),
    "max_tries": ("max_tries",),
}

_RUN_REQUIRED = ("run_id", "run_type", "run_after", "state")
_TI_REQUIRED = ("run_id", "task_id")

#: Airflow columns a host's rows commonly carry that this library does not read.  They
#: are never mistaken for misspellings.
_KNOWN_EXTRA: Final[frozenset[str]] = frozenset(
    {
        "id", "dag_id", "queued_at", "start_date", "end_date", "creating_job_id",
        "external_trigger", "last_scheduling_decision", "log_template_id", "updated_at",
        "triggered_by", "triggering_user_name", "backfill_id", "bundle_version",
        "scheduled_by_job_id", "context_carrier", "span_status", "created_dag_version_id",
        "partition_key", "partition_date", "note", "dag_version_id", "duration", "pool",
        "pool_slots", "queue", "priority_weight", "operator", "custom_operator_name",
        "hostname", "unixname", "job_id", "queued_by_job_id", "pid", "executor",
        "executor_config", "external_executor_id", "trigger_id", "trigger_timeout",
        "next_method", "next_kwargs", "rendered_map_index", "task_display_name",
        "last_heartbeat_at", "span_id", "context", "type",  "version", "sort_ordinal",
    }
)  # fmt: skip


def row_keys(raw: Any) -> list[str] | None:
    """The keys of a mapping-like row, or ``None`` when *raw* is not one."""
    if isinstance(raw, Mapping):
        return [k for k in raw if isinstance(k, str)]
    keys = getattr(raw, "keys", None)
    if callable(keys) and hasattr(raw, "__getitem__") and not isinstance(raw, (str, bytes)):
        try:
            return [k for k in keys() if isinstance(k, str)]
        except Exception:
            return None
    return None


def is_row(raw: Any) -> bool:
    """Whether *raw* is a mapping-like row (a mapping, ``sqlite3.Row``, …)."""
    return row_keys(raw) is not None


def _lookup(
    raw: Any, keys: list[str], table: Mapping[str, tuple[str, ...]]
) -> dict[str, Any]:
    """``field -> value`` for the fields present in the row (aliases resolved)."""
    present = set(keys)
    out: dict[str, Any] = {}
    for field, names in table.items():
        for name in names:
            if name in present:
                out[field] = raw[name]
                break
    return out


def _check_spelling(keys: list[str], table: Mapping[str, tuple[str, ...]], found: set[str]) -> None:
    """A key close to a column the row lacks is a misspelling, not an extra column."""
    accepted = {name for names in table.values() for name in names}
    wanted = [name for field, names in table.items() if field not in found for name in names]
    for key in keys:
        if key in accepted or key in _KNOWN_EXTRA:
            continue
        close = difflib.get_close_matches(key, wanted, n=1, cutoff=0.8)
        if close:
            raise InvalidRecordError(
                f"{key}: unknown column; did you mean {close[0]!r}?", argument=key
            )


def parse_datetime(value: Any, argument: str) -> Any:
    """An ISO-8601 string (with an offset) as an aware datetime; other values as given.

    Raises:
        NaiveDatetimeError: the string has no offset.
        InvalidRecordError: the string is not ISO-8601.
    """
    if not isinstance(value, str):
        return value
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidRecordError.for_value(
            argument, value, "expected an ISO-8601 datetime with an offset"
        ) from None
    if parsed.tzinfo is None:
        raise NaiveDatetimeError.for_value(
            argument, value, "an ISO-8601 datetime needs an offset (e.g. +00:00)"
        )
    return parsed


def _parse_conf(value: Any) -> Any:
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except ValueError:
            raise InvalidRecordError.for_value(
                "conf", value, "expected a JSON object, or its JSON text"
            ) from None
    if value is not None and not isinstance(value, Mapping):
        raise WrongTypeError.for_value("conf", value, "expected a JSON object or None")
    return value


def _interval(fields: dict[str, Any]) -> Any:
    nested = fields.get("data_interval")
    start = fields.get("data_interval_start")
    end = fields.get("data_interval_end")
    if nested is not None:
        if isinstance(nested, DataInterval):
            pair: tuple[Any, Any] = (nested.start, nested.end)
        elif isinstance(nested, Mapping) and set(nested) == {"start", "end"}:
            pair = (nested["start"], nested["end"])
        elif isinstance(nested, (tuple, list)) and len(nested) == 2:
            pair = (nested[0], nested[1])
        else:
            raise WrongTypeError.for_value(
                "data_interval", nested, "expected {start, end}, [start, end] or None"
            )
        interval = DataInterval(
            start=parse_datetime(pair[0], "data_interval.start"),
            end=parse_datetime(pair[1], "data_interval.end"),
        )
        flat = (parse_datetime(start, "data_interval_start"),
                parse_datetime(end, "data_interval_end"))
        if flat != (None, None) and flat != (interval.start, interval.end):
            raise InvalidRecordError(
                "data_interval: the nested interval and the data_interval_start / "
                "data_interval_end columns disagree",
                argument="data_interval",
            )
        return interval
    if start is None and end is None:
        return None
    if start is None or end is None:
        missing = "data_interval_start" if start is None else "data_interval_end"
        raise InvalidRecordError.for_value(
            missing, None, "both data_interval_start and data_interval_end, or neither"
        )
    return DataInterval(
        start=parse_datetime(start, "data_interval_start"),
        end=parse_datetime(end, "data_interval_end"),
    )


@functools.lru_cache(maxsize=64)
def _run_columns(row_keys: tuple[Any, ...]) -> tuple[tuple[str, str], ...]:
    """``(field, column)`` for each run field a row with these keys has (aliases
    resolved), and the checks of the keys alone, once per key set: a history's rows
    usually share one.  Keys that are not strings are ignored.
    """
    keys = [k for k in row_keys if isinstance(k, str)]
    present = set(keys)
    columns = {}
    for field, names in RUN_COLUMNS.items():
        for name in names:
            if name in present:
                columns[field] = name
                break
    if "task_id" in present and "run_type" not in columns:
        raise InvalidRecordError(
            "task_id: this looks like a task instance row, not a run", argument="task_id"
        )
    _check_spelling(keys, RUN_COLUMNS, set(columns))
    for name in _RUN_REQUIRED:
        if name not in columns:
            raise InvalidRecordError(f"{name}: missing column", argument=name)
    return tuple(columns.items())


def _plain_run(fields: dict[str, Any]) -> RunRecord | None:
    """The run of a row whose values are plain (see `plain_run_record`), or ``None``."""
    if "data_interval" in fields:
        return None
    try:
        conf = fields.get("conf")
        clear_number = fields.get("clear_number")
        return plain_run_record(
            fields["run_id"], fields["run_type"],
            parse_datetime(fields.get("logical_date"), "logical_date"),
            parse_datetime(fields.get("data_interval_start"), "data_interval_start"),
            parse_datetime(fields.get("data_interval_end"), "data_interval_end"),
            parse_datetime(fields["run_after"], "run_after"),
            fields["state"],
            None if conf is None else _parse_conf(conf),
            0 if clear_number is None else clear_number,
        )
    except TimetableError:
        return None  # the checked path raises it, in its own order


def _run_from_row(raw: Any, keys: Iterable[Any]) -> RunRecord:
    fields = {field: raw[name] for field, name in _run_columns(tuple(keys))}
    run = _plain_run(fields)
    if run is not None:
        return run
    clear_number = fields.get("clear_number")
    return RunRecord(
        run_id=fields["run_id"],
        run_type=fields["run_type"],
        logical_date=parse_datetime(fields.get("logical_date"), "logical_date"),
        data_interval=_interval(fields),
        run_after=parse_datetime(fields["run_after"], "run_after"),
        state=fields["state"],
        conf=_parse_conf(fields.get("conf")),
        clear_number=0 if clear_number is None else clear_number,
    )


def _ti_from_row(raw: Any, keys: list[str]) -> TaskInstanceRecord:
    fields = _lookup(raw, keys, TASK_INSTANCE_COLUMNS)
    _check_spelling(keys, TASK_INSTANCE_COLUMNS, set(fields))
    for name in _TI_REQUIRED:
        if name not in fields:
            raise InvalidRecordError(f"{name}: missing column", argument=name)
    kwargs: dict[str, Any] = {"run_id": fields["run_id"], "task_id": fields["task_id"]}
    for name in ("map_index", "try_number", "max_tries"):
        if fields.get(name) is not None:
            kwargs[name] = fields[name]
    kwargs["state"] = fields.get("state")
    return TaskInstanceRecord(**kwargs)


def _where(argument: str, index: int | None) -> str:
    return argument if index is None else f"{argument}[{index}]"


def _label(argument: str, index: int | None, raw: Any, keys: list[str] | None, ti: bool) -> str:
    parts = []
    names = ("run_id", "task_id", "map_index") if ti else ("run_id",)
    for name in names:
        if isinstance(raw, (RunRecord, TaskInstanceRecord)):
            value = getattr(raw, name, None)
        elif keys is not None and name in keys:
            try:
                value = raw[name]
            except Exception:
                value = None
        else:
            continue
        if name == "map_index" and value in (None, -1):
            continue
        parts.append(f"{name}={value!r}")
    where = _where(argument, index)
    return f"{where} ({', '.join(parts)})" if parts else where


def _rethrow(err: TimetableError, label: str) -> TimetableError:
    new = type(err)(f"{label}: {err}", argument=err.argument)
    return new


def read_run(raw: Any, index: int | None = 0, argument: str = "runs") -> RunRecord:
    """One run from a record or a row.

    Raises:
        InvalidRecordError: (or a subclass) a field is missing or bad; the message names
            ``argument[index]``, the run id, the field and the value.
        WrongTypeError: *raw* is neither a record nor a row.
    """
    if type(raw) is RunRecord:
        return raw
    # a dict's keys as they are: `_run_columns` filters them once per key set
    keys = tuple(raw) if type(raw) is dict else row_keys(raw)
    if keys is None:
        if isinstance(raw, TaskInstanceRecord):
            raise WrongTypeError.for_value(
                _where(argument, index), raw, "a TaskInstanceRecord where a run is expected"
            )
        if isinstance(raw, RunRecord):
            return raw
        raise WrongTypeError.for_value(
            _where(argument, index), raw,
            "expected a RunRecord, a mapping or a mapping-like row (e.g. sqlite3.Row)",
        )
    try:
        return _run_from_row(raw, keys)
    except TimetableError as err:
        raise _rethrow(err, _label(argument, index, raw, row_keys(raw), ti=False)) from err


def read_task_instance(
    raw: Any, index: int | None = 0, argument: str = "task_instances"
) -> TaskInstanceRecord:
    """One task instance from a record or a row (same rules as `read_run()`)."""
    if type(raw) is TaskInstanceRecord:
        return raw
    keys = row_keys(raw)
    if keys is None:
        if isinstance(raw, TaskInstanceRecord):
            return raw
        raise WrongTypeError.for_value(
            _where(argument, index), raw,
            "expected a TaskInstanceRecord, a mapping or a mapping-like row (e.g. sqlite3.Row)",
        )
    try:
        return _ti_from_row(raw, keys)
    except TimetableError as err:
        raise _rethrow(err, _label(argument, index, raw, keys, ti=True)) from err


def _iterable(value: Any, argument: str, what: str) -> Iterable[Any]:
    if isinstance(value, (str, bytes)) or is_row(value) or not isinstance(value, Iterable):
        raise WrongTypeError.for_value(argument, value, f"expected an iterable of {what}")
    return value


def read_runs(runs: Any, argument: str = "runs") -> list[RunRecord]:
    """Every run of an iterable of records or rows, in order."""
    items = _iterable(runs, argument, "RunRecord or rows")
    return [read_run(raw, i, argument) for i, raw in enumerate(items)]


def read_task_instances(
    task_instances: Any, argument: str = "task_instances"
) -> list[TaskInstanceRecord]:
    """Every task instance of an iterable of records or rows, in order."""
    items = _iterable(task_instances, argument, "TaskInstanceRecord or rows")
    return [read_task_instance(raw, i, argument) for i, raw in enumerate(items)]
