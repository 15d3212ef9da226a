"""One changeset out: the rows a plan inserts and the columns it updates.

Theory of operation
-------------------
Every plan (catchup, backfill, manual run, clear, mark, mark-run, recursive clear)
answers ``plan.changeset()`` with the same value, so a host applies any plan with one
generic function and one transaction:

* ``runs_to_insert`` - complete ``dag_run`` rows ([`RunInsert`][timetable.RunInsert]);
* ``runs_to_update`` - a run key plus, per changed column, its value *before* and
  *after* ([`RunUpdate`][timetable.RunUpdate], [`FieldChange`][timetable.FieldChange]);
* ``task_instances_to_update`` - the same for ``task_instance`` rows
  ([`TaskInstanceUpdate`][timetable.TaskInstanceUpdate]).

The before-values make optimistic concurrency free: a host writes
``UPDATE … SET col = :after WHERE <key> AND col = :before`` and treats a row count of
zero as "the snapshot moved on: re-plan".  Inserts rely on the host's unique keys
(``run_id``, ``logical_date``).  [`apply_changeset()`][timetable.apply_changeset] does exactly that to record
snapshots, purely, and raises `ChangesetConflictError` where a
database would refuse.

Column names are Airflow's (``dag_run`` / ``task_instance``); values are what our
records hold (enum members, ints, aware datetimes, JSON objects), and JSON (``to_dict``)
writes them as Airflow's strings and ISO-8601 text with an offset.
"""

from __future__ import annotations

import enum
import itertools
import json
import sys
import types
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any, Literal

import attrs

from ._records import RunRecord, RunState, RunType, TaskInstanceRecord, TaskState
from ._rows import parse_datetime, read_runs, read_task_instances
from ._types import DataInterval
from ._validation import aware as _aware
from ._validation import aware_or_none as _aware_or_none
from ._validation import checked, indent_arg, instance_arg, int_arg, str_or_none_arg
from ._validation import nonempty_str as _nonempty_str
from .errors import (
    ChangesetConflictError,
    InvalidArgumentError,
    InvalidSerializedFormError,
    TimetableError,
    WrongTypeError,
)

__all__ = [
    "CHANGESET_VERSION",
    "Changeset",
    "FieldChange",
    "RunInsert",
    "RunUpdate",
    "TaskInstanceUpdate",
    "apply_changeset",
]

#: The ``"version"`` of [`Changeset.to_dict()`][timetable.Changeset.to_dict] documents.
CHANGESET_VERSION = 1

#: Run columns a [`RunUpdate`][timetable.RunUpdate] may change, and how each is encoded.
RUN_UPDATE_COLUMNS = ("state", "clear_number", "run_type", "conf")
#: Task-instance columns a [`TaskInstanceUpdate`][timetable.TaskInstanceUpdate] may change.
TASK_INSTANCE_UPDATE_COLUMNS = ("state", "max_tries", "try_number")

StartDateAction = Literal["unchanged", "reset", "now"]


def _plain(value: Any) -> Any:
    """Enum members become their strings (so values compare like database values)."""
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    return value


@attrs.frozen
class FieldChange:
    """A column's value before and after (a host checks ``before`` when it writes).

    Values are plain: Airflow's strings for states and run types, ints, ``None``.

    Attributes:
        before: the value in the snapshot the plan was made from.
        after: the value to write.
    """

    before: Any = attrs.field(converter=_plain)
    after: Any = attrs.field(converter=_plain)

    def to_dict(self) -> dict[str, Any]:
        """``{"before": …, "after": …}``."""
        return {"before": _json_value(self.before), "after": _json_value(self.after)}


def _run_changes(value: Any) -> Mapping[str, FieldChange]:
    result: Mapping[str, FieldChange] = _changes(RUN_UPDATE_COLUMNS)(value)
    return result


def _ti_changes(value: Any) -> Mapping[str, FieldChange]:
    result: Mapping[str, FieldChange] = _changes(TASK_INSTANCE_UPDATE_COLUMNS)(value)
    return result


def _changes(columns: tuple[str, ...]) -> Any:
    def convert(value: Any) -> Mapping[str, FieldChange]:
        if not isinstance(value, Mapping):
            raise WrongTypeError.for_value("changes", value, "expected {column: FieldChange}")
        out: dict[str, FieldChange] = {}
        for column in value:
            if not isinstance(column, str) or column not in columns:
                raise InvalidArgumentError.for_value(
                    "changes", column, f"expected a column in {columns}"
                )
        for column in sorted(value):
            change = value[column]
            if not isinstance(change, FieldChange):
                raise WrongTypeError.for_value(
                    f"changes[{column!r}]", change, "expected a FieldChange"
                )
            out[column] = change
        return types.MappingProxyType(out)

    return convert


def _run_type(value: Any) -> RunType:
    try:
        return RunType(value)
    except ValueError:
        raise InvalidArgumentError.for_value(
            "run_type", value, f"expected one of {[t.value for t in RunType]}"
        ) from None


def _run_state(value: Any) -> RunState:
    try:
        return RunState(value)
    except ValueError:
        raise InvalidArgumentError.for_value(
            "state", value, f"expected one of {[s.value for s in RunState]}"
        ) from None


def _conf(value: Any) -> Mapping[str, Any] | None:
    from ._planning import check_conf

    return check_conf(value)


def _count(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidArgumentError.for_value(attribute.name, value, "expected an int >= 0")


@attrs.frozen(kw_only=True)
class RunInsert:
    """A complete ``dag_run`` row to insert.

    Attributes:
        run_id: the new run's id.
        run_type: ``scheduled``, ``backfill``, ``manual``, …
        logical_date: its logical date, or ``None``.
        data_interval_start: the start of its data interval, or ``None``.
        data_interval_end: the end of its data interval, or ``None``.
        run_after: when it may start.
        state: its initial state (``queued``).
        conf: its conf (a JSON object) or ``None``.
        clear_number: ``0`` for a new run.
        triggered_by: Airflow's ``triggered_by`` column (``timetable``, ``backfill``,
            ``rest_api``), or ``None``.
    """

    run_id: str = attrs.field(validator=_nonempty_str)
    run_type: RunType = attrs.field(converter=_run_type)
    logical_date: datetime | None = attrs.field(validator=_aware_or_none)
    data_interval_start: datetime | None = attrs.field(validator=_aware_or_none)
    data_interval_end: datetime | None = attrs.field(validator=_aware_or_none)
    run_after: datetime = attrs.field(validator=_aware)
    state: RunState = attrs.field(default=RunState.QUEUED, converter=_run_state)
    conf: Mapping[str, Any] | None = attrs.field(default=None, converter=_conf, hash=False)
    clear_number: int = attrs.field(default=0, validator=_count)
    triggered_by: str | None = attrs.field(default=None)

    def __attrs_post_init__(self) -> None:
        if (self.data_interval_start is None) != (self.data_interval_end is None):
            raise InvalidArgumentError.for_value(
                "data_interval_end", self.data_interval_end,
                "give both data_interval_start and data_interval_end, or neither",
            )
        # the same checks a record makes (interval order, a scheduled run's interval)
        self.to_record()

    @property
    def data_interval(self) -> DataInterval | None:
        """The data interval as one value, or ``None``."""
        if self.data_interval_start is None or self.data_interval_end is None:
            return None
        return DataInterval(start=self.data_interval_start, end=self.data_interval_end)

    def to_record(self) -> RunRecord:
        """The run as a [`RunRecord`][timetable.RunRecord] (what the history holds once inserted)."""
        return RunRecord(
            run_id=self.run_id,
            run_type=self.run_type,
            logical_date=self.logical_date,
            data_interval=self.data_interval,
            run_after=self.run_after,
            state=self.state,
            conf=self.conf,
            clear_number=self.clear_number,
        )

    def as_row(self, *, json_safe: bool = False) -> dict[str, Any]:
        """The ``dag_run`` row: Airflow's column names, flat data-interval columns.

        Args:
            json_safe: write datetimes as ISO-8601 text with an offset and enums as
                strings (what [`Changeset.to_dict()`][timetable.Changeset.to_dict] holds); otherwise datetimes
                stay ``datetime`` values and ``conf`` stays a mapping.
        """
        row: dict[str, Any] = {
            "run_id": self.run_id,
            "run_type": self.run_type.value,
            "logical_date": self.logical_date,
            "data_interval_start": self.data_interval_start,
            "data_interval_end": self.data_interval_end,
            "run_after": self.run_after,
            "state": self.state.value,
            "conf": None if self.conf is None else dict(self.conf),
            "clear_number": self.clear_number,
            "triggered_by": self.triggered_by,
        }
        if json_safe:
            row = {k: _json_value(v) for k, v in row.items()}
        return row

    @classmethod
    @checked(record=instance_arg(RunRecord, "a RunRecord"), triggered_by=str_or_none_arg)
    def from_record(cls, record: RunRecord, *, triggered_by: str | None = None) -> RunInsert:
        """The insert that creates *record*."""
        iv = record.data_interval
        return cls(
            run_id=record.run_id,
            run_type=record.run_type,
            logical_date=record.logical_date,
            data_interval_start=None if iv is None else iv.start,
            data_interval_end=None if iv is None else iv.end,
            run_after=record.run_after,
            state=record.state,
            conf=record.conf,
            clear_number=record.clear_number,
            triggered_by=triggered_by,
        )


def _opt_str(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise WrongTypeError.for_value(attribute.name, value, "expected a non-empty string or None")


def _start_date(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value not in ("unchanged", "reset", "now"):
        raise InvalidArgumentError.for_value(
            "start_date", value, "expected 'unchanged', 'reset' or 'now'"
        )


@attrs.frozen(kw_only=True)
class RunUpdate:
    """Columns of one ``dag_run`` row to change (key: ``run_id``).

    Attributes:
        run_id: the run.
        changes: ``{column: FieldChange}`` for ``state``, ``clear_number``,
            ``run_type`` and ``conf``; sorted by column.
        start_date: what to do with the row's ``start_date`` (which records do not
            hold, so it has no before-value): ``"unchanged"``, ``"reset"`` (set it to
            NULL: the run is queued again) or ``"now"`` (the moment the host applies).
        dag_id: the DAG of the run when a changeset spans several DAGs (a recursive
            clear), else ``None``.
    """

    run_id: str = attrs.field(validator=_nonempty_str)
    changes: Mapping[str, FieldChange] = attrs.field(converter=_run_changes, hash=False)
    start_date: StartDateAction = attrs.field(default="unchanged", validator=_start_date)
    dag_id: str | None = attrs.field(default=None, validator=_opt_str)

    @property
    def key(self) -> tuple[str | None, str]:
        """The row's key: ``(dag_id, run_id)``."""
        return (self.dag_id, self.run_id)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (``dag_id`` only when set)."""
        out: dict[str, Any] = {} if self.dag_id is None else {"dag_id": self.dag_id}
        out.update(
            run_id=self.run_id,
            changes={c: ch.to_dict() for c, ch in self.changes.items()},
            start_date=self.start_date,
        )
        return out


def _map_index(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < -1:
        raise InvalidArgumentError.for_value("map_index", value, "expected an int >= -1")


@attrs.frozen(kw_only=True)
class TaskInstanceUpdate:
    """Columns of one ``task_instance`` row to change.

    Attributes:
        run_id: the run it belongs to.
        task_id: its task.
        map_index: ``-1`` unless mapped.
        changes: ``{column: FieldChange}`` for ``state``, ``max_tries``, ``try_number``.
        dag_id: the DAG when a changeset spans several DAGs, else ``None``.
    """

    run_id: str = attrs.field(validator=_nonempty_str)
    task_id: str = attrs.field(validator=_nonempty_str)
    map_index: int = attrs.field(default=-1, validator=_map_index)
    changes: Mapping[str, FieldChange] = attrs.field(
        converter=_ti_changes, hash=False
    )
    dag_id: str | None = attrs.field(default=None, validator=_opt_str)

    @property
    def key(self) -> tuple[str, str, int]:
        """``(run_id, task_id, map_index)`` (within its DAG)."""
        return (self.run_id, self.task_id, self.map_index)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (``dag_id`` only when set)."""
        out: dict[str, Any] = {} if self.dag_id is None else {"dag_id": self.dag_id}
        out.update(
            run_id=self.run_id,
            task_id=self.task_id,
            map_index=self.map_index,
            changes={c: ch.to_dict() for c, ch in self.changes.items()},
        )
        return out


def _tuple_of(kind: type[Any], argument: str) -> Any:
    def convert(value: Any) -> tuple[Any, ...]:
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
            raise WrongTypeError.for_value(argument, value, f"expected {kind.__name__} items")
        items = tuple(value)
        for item in items:
            if not isinstance(item, kind):
                raise WrongTypeError.for_value(argument, item, f"expected {kind.__name__} items")
        return items

    return convert


def _inserts(value: Any) -> tuple[RunInsert, ...]:
    result: tuple[RunInsert, ...] = _tuple_of(RunInsert, "runs_to_insert")(value)
    return result


def _run_updates(value: Any) -> tuple[RunUpdate, ...]:
    result: tuple[RunUpdate, ...] = _tuple_of(RunUpdate, "runs_to_update")(value)
    return result


def _ti_updates(value: Any) -> tuple[TaskInstanceUpdate, ...]:
    result: tuple[TaskInstanceUpdate, ...] = _tuple_of(
        TaskInstanceUpdate, "task_instances_to_update"
    )(value)
    return result


@attrs.frozen(kw_only=True)
class Changeset:
    """Everything a plan asks the host to write, in one value.

    Empty changesets are falsy.  ``len()`` counts row operations.

    Attributes:
        runs_to_insert: complete run rows to insert, in plan order.
        runs_to_update: run rows to change, in plan order.
        task_instances_to_update: task-instance rows to change, in plan order.

    >>> from datetime import datetime, timezone
    >>> utc = timezone.utc
    >>> cs = Changeset(runs_to_update=(RunUpdate(
    ...     run_id="r1", changes={"state": FieldChange("failed", "queued")}),))
    >>> bool(cs), len(cs), cs.to_dict()["runs_to_update"][0]["changes"]
    (True, 1, {'state': {'before': 'failed', 'after': 'queued'}})
    """

    runs_to_insert: tuple[RunInsert, ...] = attrs.field(default=(), converter=_inserts)
    runs_to_update: tuple[RunUpdate, ...] = attrs.field(default=(), converter=_run_updates)
    task_instances_to_update: tuple[TaskInstanceUpdate, ...] = attrs.field(
        default=(), converter=_ti_updates
    )

    def __len__(self) -> int:
        return (
            len(self.runs_to_insert) + len(self.runs_to_update)
            + len(self.task_instances_to_update)
        )

    def __bool__(self) -> bool:
        return not self.is_empty

    @property
    def is_empty(self) -> bool:
        """Whether there is nothing to write."""
        return not (self.runs_to_insert or self.runs_to_update or self.task_instances_to_update)

    def chunks(self, size: int) -> Iterator[Changeset]:
        """Consecutive changesets of at most *size* row operations each.

        Inserts come first, then run updates, then task-instance updates, each in
        order; a host that commits chunk by chunk keeps every chunk's writes atomic.

        Raises:
            InvalidArgumentError: *size* is not an int >= 1.
        """
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise InvalidArgumentError.for_value("size", size, "expected an int >= 1")
        ops: list[tuple[int, Any]] = [
            *((0, x) for x in self.runs_to_insert),
            *((1, x) for x in self.runs_to_update),
            *((2, x) for x in self.task_instances_to_update),
        ]
        for i in range(0, len(ops), size):
            part = ops[i : i + size]
            yield Changeset(
                runs_to_insert=tuple(x for k, x in part if k == 0),
                runs_to_update=tuple(x for k, x in part if k == 1),
                task_instances_to_update=tuple(x for k, x in part if k == 2),
            )

    @classmethod
    def merge(cls, *changesets: Changeset) -> Changeset:
        """One changeset doing what *changesets* do, in order.

        Updates of the same row are composed (the first before-value, the last
        after-value); each column's after-value must be the next one's before-value.

        Raises:
            ChangesetConflictError: two inserts share a run id or logical date, or
                composed updates do not chain.
            WrongTypeError: an argument is not a [`Changeset`][timetable.Changeset].
        """
        inserts: dict[str, RunInsert] = {}
        dates: dict[datetime, str] = {}
        runs: dict[tuple[str | None, str], RunUpdate] = {}
        tis: dict[tuple[str | None, str, str, int], TaskInstanceUpdate] = {}
        for i, cs in enumerate(changesets):
            if not isinstance(cs, Changeset):
                raise WrongTypeError.for_value(f"changesets[{i}]", cs, "expected a Changeset")
            for ins in cs.runs_to_insert:
                if ins.run_id in inserts:
                    raise ChangesetConflictError.for_value(
                        "run_id", ins.run_id, "inserted by two changesets"
                    )
                if ins.logical_date is not None:
                    other = dates.setdefault(ins.logical_date, ins.run_id)
                    if other != ins.run_id:
                        raise ChangesetConflictError.for_value(
                            "logical_date", ins.logical_date.isoformat(),
                            f"inserted twice (run ids {other!r} and {ins.run_id!r})",
                        )
                inserts[ins.run_id] = ins
            for ru in cs.runs_to_update:
                prev = runs.get(ru.key)
                if prev is None:
                    runs[ru.key] = ru
                else:
                    start = ru.start_date if ru.start_date != "unchanged" else prev.start_date
                    runs[ru.key] = attrs.evolve(
                        ru,
                        changes=_compose(prev.changes, ru.changes, f"run {ru.run_id!r}"),
                        start_date=start,
                    )
            for tu in cs.task_instances_to_update:
                key = (tu.dag_id, *tu.key)
                prev_ti = tis.get(key)
                tis[key] = tu if prev_ti is None else attrs.evolve(
                    tu, changes=_compose(prev_ti.changes, tu.changes, f"task instance {tu.key}")
                )
        return cls(
            runs_to_insert=tuple(inserts.values()),
            runs_to_update=tuple(runs.values()),
            task_instances_to_update=tuple(tis.values()),
        )

    @property
    def dag_ids(self) -> tuple[str, ...]:
        """The DAG ids named by updates (empty for a one-DAG changeset), sorted."""
        ids = {u.dag_id for u in self.runs_to_update} | {
            u.dag_id for u in self.task_instances_to_update
        }
        return tuple(sorted(i for i in ids if i is not None))

    def for_dag(self, dag_id: str) -> Changeset:
        """The part of a multi-DAG changeset that writes to *dag_id* (``dag_id`` dropped)."""
        return Changeset(
            runs_to_insert=self.runs_to_insert if not self.dag_ids else (),
            runs_to_update=tuple(
                attrs.evolve(u, dag_id=None) for u in self.runs_to_update if u.dag_id == dag_id
            ),
            task_instances_to_update=tuple(
                attrs.evolve(u, dag_id=None)
                for u in self.task_instances_to_update
                if u.dag_id == dag_id
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        """Versioned JSON-safe data (``kind: "changeset"``)."""
        return {
            "version": CHANGESET_VERSION,
            "kind": "changeset",
            "runs_to_insert": [r.as_row(json_safe=True) for r in self.runs_to_insert],
            "runs_to_update": [u.to_dict() for u in self.runs_to_update],
            "task_instances_to_update": [u.to_dict() for u in self.task_instances_to_update],
        }

    @checked(indent=indent_arg)
    def to_json(self, *, indent: int | None = 2) -> str:
        """`to_dict()` as a JSON string."""
        return json.dumps(self.to_dict(), indent=indent)

    def to_text(self) -> str:
        """A readable summary, one line per row operation."""
        if self.is_empty:
            return "changeset: nothing to write"
        lines = [
            f"changeset: {len(self.runs_to_insert)} run(s) to insert, "
            f"{len(self.runs_to_update)} run(s) to update, "
            f"{len(self.task_instances_to_update)} task instance(s) to update"
        ]
        for ins in self.runs_to_insert:
            lines.append(
                f"  insert {ins.run_id}  {ins.run_type.value}  {ins.state.value}  "
                f"logical_date={None if ins.logical_date is None else ins.logical_date.isoformat()}"
            )
        for ru in self.runs_to_update:
            extra = "" if ru.start_date == "unchanged" else f", start_date {ru.start_date}"
            lines.append(f"  update run {ru.run_id}: {_changes_text(ru.changes)}{extra}")
        for tu in self.task_instances_to_update:
            index = f"[{tu.map_index}]" if tu.map_index >= 0 else ""
            lines.append(
                f"  update task instance {tu.run_id} {tu.task_id}{index}: "
                f"{_changes_text(tu.changes)}"
            )
        return "\n".join(lines)

    @classmethod
    def from_dict(cls, data: Any) -> Changeset:
        """Read `to_dict()` output back.

        Raises:
            InvalidSerializedFormError: the document does not have the changeset shape;
                the message names the JSON path.
        """
        return _changeset_from_dict(data)


def _changes_text(changes: Mapping[str, FieldChange]) -> str:
    return ", ".join(
        f"{c} {_show(ch.before)} → {_show(ch.after)}" for c, ch in changes.items()
    )


def _show(value: Any) -> str:
    return "none" if value is None else str(value)


def _compose(
    first: Mapping[str, FieldChange], second: Mapping[str, FieldChange], what: str
) -> dict[str, FieldChange]:
    out = dict(first)
    for column, change in second.items():
        prev = out.get(column)
        if prev is None:
            out[column] = change
            continue
        if prev.after != change.before:
            raise ChangesetConflictError(
                f"{what}: {column} becomes {prev.after!r} in one changeset but the next "
                f"expects {change.before!r}",
                argument=column,
            )
        out[column] = FieldChange(prev.before, change.after)
    return out


# -- changesets in chunks ---------------------------------------------------------------

#: The check of a chunk ``size`` argument: an int >= 1.
chunk_size_arg = int_arg(lo=1)

_Op = RunInsert | RunUpdate | TaskInstanceUpdate


def collect_changes(ops: Iterable[_Op]) -> Changeset:
    """One changeset of *ops* (each kind kept in the order given)."""
    inserts: list[RunInsert] = []
    runs: list[RunUpdate] = []
    tis: list[TaskInstanceUpdate] = []
    for op in ops:
        if isinstance(op, RunInsert):
            inserts.append(op)
        elif isinstance(op, RunUpdate):
            runs.append(op)
        else:
            tis.append(op)
    return Changeset(
        runs_to_insert=tuple(inserts), runs_to_update=tuple(runs),
        task_instances_to_update=tuple(tis),
    )


def chunk_changes(ops: Iterable[_Op], size: int) -> Iterator[Changeset]:
    """Changesets of *size* consecutive *ops* each (the last may hold fewer; none is
    empty), read lazily: concatenated kind by kind they are ``collect_changes(ops)``."""
    iterator = iter(ops)
    size = min(size, sys.maxsize)  # a chunk that large is the whole stream anyway
    while True:
        part = list(itertools.islice(iterator, size))
        if not part:
            return
        yield collect_changes(part)


# -- reading JSON back ---------------------------------------------------------------------


def _bad(path: str, value: Any, expected: str) -> InvalidSerializedFormError:
    return InvalidSerializedFormError(f"{path}={value!r}: {expected}", argument=path)


def _object(data: Any, path: str, keys: set[str], optional: frozenset[str] = frozenset()) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise _bad(path, data, "expected a JSON object")
    missing = sorted(keys - optional - set(data))
    if missing:
        raise _bad(f"{path}.{missing[0]}", None, "missing key")
    unknown = sorted(set(data) - keys)
    if unknown:
        raise _bad(f"{path}.{unknown[0]}", data[unknown[0]], "unknown key")
    return data


def _list(data: Any, path: str) -> list[Any]:
    if not isinstance(data, list):
        raise _bad(path, data, "expected a JSON array")
    return data


_INSERT_KEYS = {
    "run_id", "run_type", "logical_date", "data_interval_start", "data_interval_end",
    "run_after", "state", "conf", "clear_number", "triggered_by",
}  # fmt: skip


def _field_change(data: Any, path: str, column: str) -> FieldChange:
    obj = _object(data, path, {"before", "after"})
    values = []
    for side in ("before", "after"):
        value = obj[side]
        if column == "conf" and value is not None and not isinstance(value, dict):
            raise _bad(f"{path}.{side}", value, "expected a JSON object or null")
        if column in ("clear_number", "max_tries", "try_number") and (
            not isinstance(value, int) or isinstance(value, bool)
        ):
            raise _bad(f"{path}.{side}", value, "expected an integer")
        if column in ("state", "run_type") and value is not None and not isinstance(value, str):
            raise _bad(f"{path}.{side}", value, "expected a string or null")
        values.append(value)
    return FieldChange(values[0], values[1])


def _changes_from(data: Any, path: str, columns: tuple[str, ...]) -> dict[str, FieldChange]:
    if not isinstance(data, dict):
        raise _bad(path, data, "expected a JSON object")
    out = {}
    for column, change in data.items():
        if column not in columns:
            raise _bad(f"{path}.{column}", change, f"expected a column in {list(columns)}")
        out[column] = _field_change(change, f"{path}.{column}", column)
    return out


def _changeset_from_dict(data: Any) -> Changeset:
    obj = _object(
        data, "$", {"version", "kind", "runs_to_insert", "runs_to_update",
                    "task_instances_to_update"},
    )
    if obj["kind"] != "changeset":
        raise _bad("$.kind", obj["kind"], "expected 'changeset'")
    if obj["version"] != CHANGESET_VERSION or isinstance(obj["version"], bool):
        raise _bad("$.version", obj["version"], f"expected {CHANGESET_VERSION}")
    try:
        inserts = []
        for i, row in enumerate(_list(obj["runs_to_insert"], "$.runs_to_insert")):
            path = f"$.runs_to_insert[{i}]"
            row = _object(row, path, _INSERT_KEYS)
            kwargs = dict(row)
            for key in ("logical_date", "data_interval_start", "data_interval_end", "run_after"):
                if kwargs[key] is not None and not isinstance(kwargs[key], str):
                    raise _bad(f"{path}.{key}", kwargs[key], "expected an ISO-8601 string")
                try:
                    kwargs[key] = parse_datetime(kwargs[key], key)
                except TimetableError as err:
                    raise _bad(f"{path}.{key}", kwargs[key], str(err)) from err
            try:
                inserts.append(RunInsert(**kwargs))
            except TimetableError as err:
                raise _bad(f"{path}.{err.argument or ''}".rstrip("."), row, str(err)) from err
        updates = []
        for i, item in enumerate(_list(obj["runs_to_update"], "$.runs_to_update")):
            path = f"$.runs_to_update[{i}]"
            item = _object(item, path, {"dag_id", "run_id", "changes", "start_date"},
                           frozenset({"dag_id"}))
            try:
                updates.append(
                    RunUpdate(
                        run_id=item["run_id"],
                        changes=_changes_from(item["changes"], f"{path}.changes",
                                              RUN_UPDATE_COLUMNS),
                        start_date=item["start_date"],
                        dag_id=item.get("dag_id"),
                    )
                )
            except InvalidSerializedFormError:
                raise
            except TimetableError as err:
                raise _bad(f"{path}.{err.argument}", item, str(err)) from err
        tis = []
        for i, item in enumerate(
            _list(obj["task_instances_to_update"], "$.task_instances_to_update")
        ):
            path = f"$.task_instances_to_update[{i}]"
            item = _object(item, path, {"dag_id", "run_id", "task_id", "map_index", "changes"},
                           frozenset({"dag_id"}))
            try:
                tis.append(
                    TaskInstanceUpdate(
                        run_id=item["run_id"],
                        task_id=item["task_id"],
                        map_index=item["map_index"],
                        changes=_changes_from(item["changes"], f"{path}.changes",
                                              TASK_INSTANCE_UPDATE_COLUMNS),
                        dag_id=item.get("dag_id"),
                    )
                )
            except InvalidSerializedFormError:
                raise
            except TimetableError as err:
                raise _bad(f"{path}.{err.argument}", item, str(err)) from err
    except InvalidSerializedFormError:
        raise
    return Changeset(
        runs_to_insert=tuple(inserts),
        runs_to_update=tuple(updates),
        task_instances_to_update=tuple(tis),
    )


# -- applying ------------------------------------------------------------------------------


def _run_value(run: RunRecord, column: str) -> Any:
    return _plain(getattr(run, column))


def _conf_equal(a: Any, b: Any) -> bool:
    return (None if a is None else dict(a)) == (None if b is None else dict(b))


def _check_before(current: Any, change: FieldChange, column: str) -> bool:
    if column == "conf":
        return _conf_equal(current, change.before)
    return bool(current == change.before)


def _apply_run(run: RunRecord, update: RunUpdate) -> RunRecord:
    values: dict[str, Any] = {}
    for column, change in update.changes.items():
        current = _run_value(run, column)
        if not _check_before(current, change, column):
            raise ChangesetConflictError(
                f"runs_to_update: run_id={run.run_id!r}: {column} is {current!r}, "
                f"the changeset expects {change.before!r} (the snapshot moved on; re-plan)",
                argument=column,
            )
        values[column] = change.after
    return attrs.evolve(run, **values)


def _apply_ti(ti: TaskInstanceRecord, update: TaskInstanceUpdate) -> TaskInstanceRecord:
    values: dict[str, Any] = {}
    for column, change in update.changes.items():
        current = _plain(getattr(ti, column))
        if current != change.before:
            raise ChangesetConflictError(
                f"task_instances_to_update: {update.key}: {column} is {current!r}, "
                f"the changeset expects {change.before!r} (the snapshot moved on; re-plan)",
                argument=column,
            )
        values[column] = TaskState(change.after) if (
            column == "state" and change.after is not None
        ) else change.after
    return attrs.evolve(ti, **values)


def apply_changeset(
    changeset: Changeset,
    *,
    runs: Iterable[Any],
    task_instances: Iterable[Any] = (),
) -> tuple[tuple[RunRecord, ...], tuple[TaskInstanceRecord, ...]]:
    """Apply a changeset to record snapshots, as a database with unique keys would.

    Pure: returns new snapshots and changes nothing.  It is all or nothing: the first
    conflict raises and nothing is returned.  Rows are read like every other API
    reads them (records, mappings, ``sqlite3.Row``).

    Args:
        changeset: what to apply.
        runs: the run snapshot (records or rows).
        task_instances: the task-instance snapshot (records or rows).

    Returns:
        ``(runs, task_instances)``: the runs in snapshot order with the inserted runs
        appended (changeset order); the task instances in snapshot order.

    Raises:
        ChangesetConflictError: an insert collides with a stored run id or logical date,
            an update names a row that does not exist, or a before-value does not match
            the snapshot (it moved on since the plan was made: re-plan).
        InvalidRecordError: a row of the snapshot is malformed.
        WrongTypeError: *changeset* is not a [`Changeset`][timetable.Changeset].

    >>> from datetime import datetime, timezone
    >>> utc = timezone.utc
    >>> run = RunRecord(run_id="r1", run_type="manual", logical_date=None, data_interval=None,
    ...                 run_after=datetime(2024, 1, 1, tzinfo=utc), state="failed")
    >>> cs = Changeset(runs_to_update=(RunUpdate(
    ...     run_id="r1", changes={"state": FieldChange("failed", "queued")}),))
    >>> runs, _ = apply_changeset(cs, runs=[run])
    >>> runs[0].state
    <RunState.QUEUED: 'queued'>
    >>> apply_changeset(cs, runs=runs)
    Traceback (most recent call last):
    ...
    timetable.errors.ChangesetConflictError: runs_to_update: run_id='r1': state is 'queued', the changeset expects 'failed' (the snapshot moved on; re-plan)
    """
    if not isinstance(changeset, Changeset):
        raise WrongTypeError.for_value("changeset", changeset, "expected a Changeset")
    if changeset.dag_ids:
        raise InvalidArgumentError.for_value(
            "changeset", changeset.dag_ids,
            "spans several DAGs; apply changeset.for_dag(dag_id) to each DAG's snapshot",
        )
    run_list = read_runs(runs)
    ti_list = read_task_instances(task_instances)
    by_id = {r.run_id: i for i, r in enumerate(run_list)}
    by_date = {
        r.logical_date: r.run_id for r in run_list if r.logical_date is not None
    }
    for update in changeset.runs_to_update:
        index = by_id.get(update.run_id)
        if index is None:
            raise ChangesetConflictError.for_value(
                "runs_to_update", update.run_id, "no run with this id in the snapshot"
            )
        run_list[index] = _apply_run(run_list[index], update)
    for ins in changeset.runs_to_insert:
        if ins.run_id in by_id:
            raise ChangesetConflictError.for_value(
                "runs_to_insert", ins.run_id, "a run with this id already exists"
            )
        if ins.logical_date is not None and ins.logical_date in by_date:
            raise ChangesetConflictError(
                f"runs_to_insert: run_id={ins.run_id!r}: logical_date="
                f"{ins.logical_date.isoformat()!r} is already the logical date of "
                f"run_id={by_date[ins.logical_date]!r}",
                argument="logical_date",
            )
        by_id[ins.run_id] = len(run_list)
        if ins.logical_date is not None:
            by_date[ins.logical_date] = ins.run_id
        run_list.append(ins.to_record())
    if changeset.task_instances_to_update:
        ti_index = {(t.run_id, t.task_id, t.map_index): i for i, t in enumerate(ti_list)}
        for tu in changeset.task_instances_to_update:
            pos = ti_index.get(tu.key)
            if pos is None:
                raise ChangesetConflictError.for_value(
                    "task_instances_to_update", tu.key,
                    "no task instance with this key in the snapshot",
                )
            ti_list[pos] = _apply_ti(ti_list[pos], tu)
    return tuple(run_list), tuple(ti_list)
