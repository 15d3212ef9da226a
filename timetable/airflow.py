"""Airflow interop: its serialized timetables, its ``schedule=`` mapping and its run ids.

* `from_serialized()` / `to_serialized()` read and write the
  ``{"__type": "airflow.timetables…", "__var": {…}}`` JSON that Airflow stores for a DAG
  (``serialized_dag.data["dag"]["timetable"]``), for every built-in kind.
* `from_schedule()` mirrors Airflow 3.3.2's mapping of a DAG's ``schedule=`` value.
* `generate_run_id()` / `parse_run_id()` speak Airflow 3.3.2's run-id formats.
  Where Airflow appends eight random characters, the host passes them as ``suffix``:
  the library stays pure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ._delta import delta_to_dict as _delta_to_dict
from ._delta import is_relativedelta, relativedelta_from_fields
from ._records import RunType
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
)
from ._types import DstPolicy
from ._tz import check_aware, format_offset, get_zone
from .errors import (
    InvalidArgumentError,
    InvalidScheduleError,
    InvalidSerializedFormError,
    TimetableError,
    WrongTypeError,
)

if TYPE_CHECKING:
    from ._delta import Delta

__all__ = [
    "check_dag",
    "from_schedule",
    "from_serialized",
    "generate_run_id",
    "parse_run_id",
    "to_serialized",
]

_CORE = "airflow.timetables."
_TYPES = {
    "airflow.timetables.simple.NullTimetable": "null",
    "airflow.timetables.simple.OnceTimetable": "once",
    "airflow.timetables.simple.ContinuousTimetable": "continuous",
    "airflow.timetables.interval.CronDataIntervalTimetable": "cron_interval",
    "airflow.timetables.interval.DeltaDataIntervalTimetable": "delta_interval",
    "airflow.timetables.trigger.CronTriggerTimetable": "cron_trigger",
    "airflow.timetables.trigger.DeltaTriggerTimetable": "delta_trigger",
    "airflow.timetables.trigger.MultipleCronTriggerTimetable": "multi_cron",
    "airflow.timetables.events.EventsTimetable": "events",
}
_NAMES = {v: k for k, v in _TYPES.items()}


# -- reading ----------------------------------------------------------------------------------
def _field(var: Mapping[str, Any], name: str, type_name: str) -> Any:
    if name not in var:
        raise InvalidSerializedFormError(
            f"__var.{name}: missing in the serialized {type_name.rsplit('.', 1)[-1]}",
            argument=f"__var.{name}",
        )
    return var[name]


def _read_zone(value: Any, field: str) -> str:
    if isinstance(value, bool):
        raise InvalidSerializedFormError.for_value(field, value, "expected a zone name or offset")
    if isinstance(value, int | float):
        # Airflow stores a fixed-offset zone as its offset in seconds.
        if abs(value) >= 86400:
            raise InvalidSerializedFormError.for_value(field, value, "offset out of range")
        return "UTC" if value == 0 else format_offset(timedelta(seconds=value))
    if not isinstance(value, str):
        raise InvalidSerializedFormError.for_value(field, value, "expected a zone name or offset")
    get_zone(value)  # UnknownTimezoneError names the zone
    return value


def _read_delta(value: Any, field: str, *, zero_ok: bool = False) -> Delta:
    if isinstance(value, bool):
        raise InvalidSerializedFormError.for_value(field, value, "expected seconds or a dict")
    if isinstance(value, int | float):
        try:
            return timedelta(seconds=value)
        except (OverflowError, ValueError) as err:
            raise InvalidSerializedFormError.for_value(field, value, str(err)) from err
    if isinstance(value, dict):
        return relativedelta_from_fields(value, field)
    raise InvalidSerializedFormError.for_value(
        field, value, "expected seconds (a number) or a relativedelta dict"
    )


def _read_run_immediately(value: Any) -> bool | timedelta | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return timedelta(seconds=value)
    raise InvalidSerializedFormError.for_value(
        "__var.run_immediately", value, "expected a bool, null or seconds"
    )


def _read_instant(value: Any, field: str) -> datetime:
    if isinstance(value, int | float) and not isinstance(value, bool):
        from datetime import UTC

        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, ValueError, OSError) as err:
            raise InvalidSerializedFormError.for_value(field, value, str(err)) from err
    if not isinstance(value, str):
        raise InvalidSerializedFormError.for_value(field, value, "expected an ISO-8601 string")
    try:
        dt = datetime.fromisoformat(value)
    except ValueError as err:
        raise InvalidSerializedFormError.for_value(field, value, "not an ISO-8601 datetime") from err
    if dt.tzinfo is None:
        raise InvalidSerializedFormError.for_value(field, value, "needs a UTC offset")
    return dt


def from_serialized(data: Mapping[str, Any]) -> Timetable:
    """Build a timetable from the JSON Airflow stores for a DAG's timetable.

    Accepts the ``{"__type": …, "__var": …}`` form of every built-in kind (Airflow 2.2+
    and 3.x).  The SDK ``EventsTimetable`` form without ``_summary`` (which Airflow
    3.3.2 itself cannot read) is accepted too.

    Raises:
        InvalidSerializedFormError: not that form, an unknown ``__type``, or a malformed
            ``__var`` (the message names the field).
        InvalidScheduleError, UnknownTimezoneError: a bad cron, delta or zone.  Airflow
            fails later, when the timetable is validated or first used.

    >>> tt = from_serialized({"__type": "airflow.timetables.trigger.CronTriggerTimetable",
    ...     "__var": {"expression": "0 0 * * *", "timezone": "UTC", "interval": 0.0,
    ...               "run_immediately": False}})
    >>> tt
    CronTrigger(cron='0 0 * * *', timezone='UTC', interval=datetime.timedelta(0), run_immediately=False, dst=DstPolicy(gap='shift', fold='second'))
    """
    if not isinstance(data, Mapping):
        raise InvalidSerializedFormError.for_value(
            "data", data, 'expected a mapping {"__type": ..., "__var": {...}}'
        )
    type_name = data.get("__type")
    if not isinstance(type_name, str):
        raise InvalidSerializedFormError.for_value(
            "__type", type_name, "expected the timetable's import path"
        )
    kind = _TYPES.get(type_name)
    if kind is None:
        known = ", ".join(sorted(_TYPES))
        raise InvalidSerializedFormError.for_value(
            "__type", type_name, f"not a built-in Airflow timetable (known: {known})"
        )
    var = data.get("__var", {})
    if not isinstance(var, Mapping):
        raise InvalidSerializedFormError.for_value("__var", var, "expected a mapping")
    try:
        return _build(kind, type_name, var)
    except TimetableError:
        raise
    except (TypeError, ValueError, KeyError, OverflowError) as err:  # pragma: no cover
        raise InvalidSerializedFormError.for_value("__var", dict(var), str(err)) from err


def _build(kind: str, type_name: str, var: Mapping[str, Any]) -> Timetable:
    if kind == "null":
        return Never()
    if kind == "once":
        return Once()
    if kind == "continuous":
        return Continuous()
    if kind == "cron_interval":
        return CronDataIntervals(
            cron=_str(_field(var, "expression", type_name), "__var.expression"),
            timezone=_read_zone(_field(var, "timezone", type_name), "__var.timezone"),
        )
    if kind == "delta_interval":
        return DeltaDataIntervals(delta=_read_delta(_field(var, "delta", type_name), "__var.delta"))
    if kind == "cron_trigger":
        return CronTrigger(
            cron=_str(_field(var, "expression", type_name), "__var.expression"),
            timezone=_read_zone(_field(var, "timezone", type_name), "__var.timezone"),
            interval=_read_delta(var.get("interval", 0.0), "__var.interval"),
            run_immediately=_read_run_immediately(var.get("run_immediately", False)),
        )
    if kind == "delta_trigger":
        return DeltaTrigger(
            delta=_read_delta(_field(var, "delta", type_name), "__var.delta"),
            interval=_read_delta(var.get("interval", 0.0), "__var.interval"),
        )
    if kind == "multi_cron":
        exprs = _field(var, "expressions", type_name)
        if not isinstance(exprs, list) or not all(isinstance(e, str) for e in exprs):
            raise InvalidSerializedFormError.for_value(
                "__var.expressions", exprs, "expected a list of cron strings"
            )
        return MultiCronTrigger(
            crons=exprs,
            timezone=_read_zone(_field(var, "timezone", type_name), "__var.timezone"),
            interval=_read_delta(var.get("interval", 0.0), "__var.interval"),
            run_immediately=_read_run_immediately(var.get("run_immediately", False)),
        )
    # events
    raw = _field(var, "event_dates", type_name)
    if not isinstance(raw, list):
        raise InvalidSerializedFormError.for_value("__var.event_dates", raw, "expected a list")
    dates = tuple(_read_instant(v, f"__var.event_dates[{i}]") for i, v in enumerate(raw))
    restrict = var.get("restrict_to_events", False)
    if not isinstance(restrict, bool):
        raise InvalidSerializedFormError.for_value(
            "__var.restrict_to_events", restrict, "expected true or false"
        )
    description = var.get("description")
    if description is not None and not isinstance(description, str):
        raise InvalidSerializedFormError.for_value(
            "__var.description", description, "expected a string or null"
        )
    # Airflow stores the scan order and rebuilds the core class as presorted.
    events = Events(event_dates=dates, restrict_to_events=restrict, presorted=True)
    if description is not None and description != _auto_events_description(events):
        events = Events(
            event_dates=dates, restrict_to_events=restrict, presorted=True, description=description
        )
    return events


def _str(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidSerializedFormError.for_value(field, value, "expected a string")
    return value


def _auto_events_description(events: Events) -> str:
    ev = events.events
    if not ev:
        return "No events"
    return f"{len(ev)} events between {ev[0].isoformat()} and {ev[-1].isoformat()}"


# -- writing ----------------------------------------------------------------------------------
def _write_zone(name: str) -> str | int:
    tz = get_zone(name)
    if getattr(tz, "key", None) is None and name != "UTC":
        off = tz.utcoffset(None)
        assert off is not None
        return int(off.total_seconds())
    return name


def _write_delta(delta: Delta) -> Any:
    if isinstance(delta, timedelta):
        return delta.total_seconds()
    return _delta_to_dict(delta)["relativedelta"]


def _write_run_immediately(value: bool | timedelta | None) -> Any:
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value


def to_serialized(timetable: Timetable) -> dict[str, Any]:
    """The ``{"__type": …, "__var": …}`` JSON Airflow stores for this timetable.

    Raises:
        InvalidArgumentError: the timetable uses a feature Airflow does not have
            (a non-default DST policy).
        WrongTypeError: not a built-in timetable.

    >>> to_serialized(CronDataIntervals(cron="@daily", timezone="Europe/Berlin"))
    {'__type': 'airflow.timetables.interval.CronDataIntervalTimetable', '__var': {'expression': '0 0 * * *', 'timezone': 'Europe/Berlin'}}
    """
    dst = getattr(timetable, "dst", None)
    if isinstance(dst, DstPolicy) and not dst.is_airflow:
        raise InvalidArgumentError.for_value(
            "dst", dst, "Airflow has no DST policy; only the default can be serialized"
        )
    if getattr(timetable, "calendar", None) is not None:
        raise InvalidArgumentError.for_value(
            "calendar",
            timetable.calendar,  # type: ignore[union-attr]
            "Airflow's built-in timetables have no business calendar; only calendar=None can be serialized",
        )
    var: dict[str, Any]
    if isinstance(timetable, Never):
        kind, var = "null", {}
    elif isinstance(timetable, Once):
        kind, var = "once", {}
    elif isinstance(timetable, Continuous):
        kind, var = "continuous", {}
    elif isinstance(timetable, CronDataIntervals):
        kind, var = "cron_interval", {
            "expression": timetable.cron,
            "timezone": _write_zone(timetable.timezone),
        }
    elif isinstance(timetable, DeltaDataIntervals):
        kind, var = "delta_interval", {"delta": _write_delta(timetable.delta)}
    elif isinstance(timetable, CronTrigger):
        kind, var = "cron_trigger", {
            "expression": timetable.cron,
            "timezone": _write_zone(timetable.timezone),
            "interval": _write_delta(timetable.interval),
            "run_immediately": _write_run_immediately(timetable.run_immediately),
        }
    elif isinstance(timetable, DeltaTrigger):
        kind, var = "delta_trigger", {
            "delta": _write_delta(timetable.delta),
            "interval": _write_delta(timetable.interval),
        }
    elif isinstance(timetable, MultiCronTrigger):
        kind, var = "multi_cron", {
            "expressions": list(timetable.crons),
            "timezone": _write_zone(timetable.timezone),
            "interval": _write_delta(timetable.interval),
            "run_immediately": _write_run_immediately(timetable.run_immediately),
        }
    elif isinstance(timetable, Events):
        ev = timetable.events
        description = timetable.description_text
        kind, var = "events", {
            "event_dates": [e.isoformat() for e in ev],
            "restrict_to_events": timetable.restrict_to_events,
            "description": description
            if description is not None
            else _auto_events_description(timetable),
            "_summary": timetable.summary,
        }
    else:
        raise WrongTypeError.for_value(
            "timetable", timetable, "expected a built-in timetable kind"
        )
    return {"__type": _NAMES[kind], "__var": var}


# -- schedule= ------------------------------------------------------------------------------
def from_schedule(
    schedule: Any,
    *,
    timezone: str = "UTC",
    create_cron_data_intervals: bool = False,
) -> Timetable:
    """The timetable Airflow 3.3.2 builds for a DAG's ``schedule=`` value.

    Args:
        schedule: ``None``, ``"@once"``, ``"@continuous"``, a preset or cron string, a
            ``timedelta`` or a ``relativedelta``.
        timezone: the DAG's zone (the zone of its ``start_date``); used by cron strings.
        create_cron_data_intervals: Airflow's ``[scheduler] create_cron_data_intervals``
            (``False`` in 3.x, ``True`` in 2.x).  In 3.3.2 it also decides between the
            data-interval and the trigger kind for deltas (``create_delta_data_intervals``
            is never read - Airflow issue #69868).

    Raises:
        InvalidScheduleError: an invalid cron string or non-positive delta.
        WrongTypeError: a value of another type.

    >>> from_schedule("@daily", timezone="Europe/Berlin")
    CronTrigger(cron='0 0 * * *', timezone='Europe/Berlin', interval=datetime.timedelta(0), run_immediately=False, dst=DstPolicy(gap='shift', fold='second'))
    >>> from_schedule("@daily", create_cron_data_intervals=True).summary
    '0 0 * * *'
    """
    if not isinstance(create_cron_data_intervals, bool):
        raise WrongTypeError.for_value(
            "create_cron_data_intervals", create_cron_data_intervals, "expected True or False"
        )
    if schedule is None:
        return Never()
    if isinstance(schedule, str):
        if schedule == "@once":
            return Once()
        if schedule == "@continuous":
            return Continuous()
        if create_cron_data_intervals:
            return CronDataIntervals(cron=schedule, timezone=timezone)
        return CronTrigger(cron=schedule, timezone=timezone)
    if isinstance(schedule, timedelta) or is_relativedelta(schedule):
        if create_cron_data_intervals:
            return DeltaDataIntervals(delta=schedule)
        return DeltaTrigger(delta=schedule)
    raise WrongTypeError.for_value(
        "schedule", schedule, "expected None, a cron string, a timedelta or a relativedelta"
    )


def check_dag(
    timetable: Timetable,
    *,
    max_active_runs: int = 16,
    catchup: bool = False,
    start_date: datetime | None = None,
) -> None:
    """The DAG-level checks Airflow applies when a DAG is built.

    Raises:
        InvalidScheduleError: ``max_active_runs`` above the timetable's limit
            (``Continuous`` needs 1) or ``catchup=True`` without a start date.
        WrongTypeError: ``max_active_runs`` is not an int, or ``catchup`` not a bool.
        NaiveDatetimeError: ``start_date`` is naive.
    """
    if isinstance(max_active_runs, bool) or not isinstance(max_active_runs, int):
        raise WrongTypeError.for_value("max_active_runs", max_active_runs, "expected an int")
    if not isinstance(catchup, bool):
        raise WrongTypeError.for_value("catchup", catchup, "expected True or False")
    limit = getattr(timetable, "active_runs_limit", None)
    if isinstance(limit, int) and max_active_runs > limit:
        raise InvalidScheduleError.for_value(
            "max_active_runs",
            max_active_runs,
            f"{type(timetable).__name__} requires max_active_runs <= {limit}",
        )
    if catchup and start_date is None:
        raise InvalidScheduleError.for_value(
            "start_date", None, "a start_date is required when catchup=True"
        )
    if start_date is not None:
        check_aware(start_date, "start_date")


# -- run ids ----------------------------------------------------------------------------------
_SUFFIX_RE = re.compile(r"^[A-Za-z0-9]{8}$")
_TYPES_IN_ORDER = tuple(RunType)


def generate_run_id(
    run_type: RunType | str,
    *,
    run_after: datetime,
    logical_date: datetime | None = None,
    suffix: str | None = None,
) -> str:
    """Airflow 3.3.2's run id: ``<type>__<run_after ISO>`` (``_<suffix>`` without a logical date).

    Since 3.2 the id is anchored on ``run_after`` (a data-interval run's *end*), not on
    the logical date.  Runs with no logical date get eight random characters appended;
    pass them as *suffix* (the library never draws random numbers).

    Raises:
        InvalidArgumentError: unknown run type, a missing or malformed suffix.
        NaiveDatetimeError: a naive datetime.

    >>> from datetime import datetime, timezone
    >>> generate_run_id("scheduled", run_after=datetime(2021, 9, 5, tzinfo=timezone.utc),
    ...                 logical_date=datetime(2021, 9, 4, tzinfo=timezone.utc))
    'scheduled__2021-09-05T00:00:00+00:00'
    >>> generate_run_id("manual", run_after=datetime(2021, 9, 5, tzinfo=timezone.utc),
    ...                 suffix="aB3dE6gH")
    'manual__2021-09-05T00:00:00+00:00_aB3dE6gH'
    """
    try:
        rt = RunType(run_type)
    except ValueError:
        raise InvalidArgumentError.for_value(
            "run_type", run_type, f"expected one of {[t.value for t in RunType]}"
        ) from None
    check_aware(run_after, "run_after")
    base = f"{rt.value}__{run_after.isoformat()}"
    if logical_date is not None:
        check_aware(logical_date, "logical_date")
        if suffix is not None:
            raise InvalidArgumentError.for_value(
                "suffix", suffix, "only runs without a logical date get a suffix"
            )
        return base
    if suffix is None:
        raise InvalidArgumentError.for_value(
            "suffix",
            suffix,
            "a run without a logical date needs 8 random characters [A-Za-z0-9] from the host",
        )
    if not isinstance(suffix, str) or not _SUFFIX_RE.match(suffix):
        raise InvalidArgumentError.for_value("suffix", suffix, "expected 8 characters [A-Za-z0-9]")
    return f"{base}_{suffix}"


def parse_run_id(run_id: str) -> tuple[RunType, datetime | None]:
    """The run type of a run id (Airflow's ``DagRunType.from_run_id``) and its instant.

    The type is the first one (in Airflow's declaration order) whose ``"<type>__"``
    prefixes the id, else ``manual``.  The instant is the ISO datetime after the prefix
    when there is one (a trailing ``_<8 characters>`` suffix is ignored), else ``None``.

    >>> parse_run_id("scheduled__2021-09-05T00:00:00+00:00")
    (<RunType.SCHEDULED: 'scheduled'>, datetime.datetime(2021, 9, 5, 0, 0, tzinfo=datetime.timezone.utc))
    >>> parse_run_id("my_custom_id")
    (<RunType.MANUAL: 'manual'>, None)
    """
    if not isinstance(run_id, str):
        raise WrongTypeError.for_value("run_id", run_id, "expected a string")
    for rt in _TYPES_IN_ORDER:
        prefix = f"{rt.value}__"
        if run_id.startswith(prefix):
            return rt, _parse_instant(run_id[len(prefix) :])
    return RunType.MANUAL, None


def _parse_instant(text: str) -> datetime | None:
    candidates = [text]
    m = re.match(r"^(.*)_[A-Za-z0-9]{8}$", text)
    if m:
        candidates.insert(0, m.group(1))
    for c in candidates:
        try:
            dt = datetime.fromisoformat(c)
        except ValueError:
            continue
        if dt.tzinfo is not None:
            return dt
    return None


