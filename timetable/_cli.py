"""The imperative shell: ``timetable`` on the command line.

Theory of operation
-------------------
Every subcommand reads its inputs, calls one pure function of the library, and prints
the answer: a readable table (default) or JSON (``--json``).  Inputs come from flags for
the simple cases (``--schedule "@daily" --start 2015-12-01``) and from JSON for the rest:

* ``--input FILE`` -- one JSON object holding any of the inputs by name
  (``schedule``, ``timezone``, ``timetable``, ``start``, ``end``, ``catchup``, ``now``,
  ``runs``, ``task_instances``, ``graph``, ``request``); flags override it;
* ``--timetable FILE`` -- our serialized timetable, Airflow's serialized timetable, or a
  whole Airflow serialized DAG (its start date, end date, catchup flag and tasks are
  used as defaults);
* ``--runs`` / ``--history`` / ``--graph`` / ``--request FILE`` -- one input each, in the
  library's serialization format (``-`` reads standard input).

This is the only module of the package that reads the clock (when ``--now`` is absent),
files or standard input.  Exit codes: 0 success, 2 bad input (one line on standard error
naming the problem, never a traceback), 1 a bug (one line, and the traceback only when
``TIMETABLE_DEBUG`` is set).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from dateutil.relativedelta import relativedelta

from . import serialization
from ._backfill import BackfillRequest, plan_backfill
from ._catchup import CatchupPolicy, plan_catchup
from ._clear import ClearRequest, RunHistory, plan_clear
from ._decisions import manual_run_interval
from ._gaps import find_gaps
from ._graph import TaskGraph, TaskSpec
from ._mark import MarkRequest, plan_mark, plan_mark_run
from ._planning import Action, History, validate_history
from ._records import RunRecord, TaskInstanceRecord
from ._runs import infer_manual_interval, iter_run_infos, next_run_info
from ._types import DataInterval, RunInfo, TimeRestriction
from ._tz import get_zone
from ._version import __version__
from .airflow import from_schedule, from_serialized
from .errors import TimetableError

__all__ = ["EXAMPLES", "build_parser", "main"]


class BadInput(Exception):
    """A problem with the command line or an input file (exit code 2)."""


# -- built-in examples ----------------------------------------------------------------------

_DAY = "2024-01-0{}T00:00:00+00:00"


def _run(day: int, state: str, run_type: str = "scheduled") -> dict[str, Any]:
    start, end = _DAY.format(day), _DAY.format(day + 1)
    return {
        "run_id": f"{run_type}__{start}",
        "run_type": run_type,
        "logical_date": start,
        "data_interval": {"start": start, "end": end},
        "run_after": end,
        "state": state,
    }


_HISTORY_RUNS = [
    _run(1, "success"),
    _run(2, "success"),
    _run(3, "failed"),
    _run(5, "success"),
    _run(6, "running"),
]


def _ti(day: int, task: str, state: str | None, try_number: int = 1) -> dict[str, Any]:
    return {
        "run_id": f"scheduled__{_DAY.format(day)}",
        "task_id": task,
        "state": state,
        "try_number": try_number,
        "max_tries": 1,
    }


_GRAPH = {
    "tasks": [
        {"task_id": "extract", "retries": 1},
        {"task_id": "transform", "upstream": ["extract"], "retries": 1},
        {"task_id": "load", "upstream": ["transform"]},
        {"task_id": "report", "upstream": ["load"]},
    ]
}
_TASKS = ("extract", "transform", "load", "report")
_TIS = [
    *(_ti(1, t, "success") for t in _TASKS),
    *(_ti(2, t, "success") for t in _TASKS),
    _ti(3, "extract", "success"),
    _ti(3, "transform", "failed", 2),
    _ti(3, "load", "upstream_failed", 0),
    _ti(3, "report", "upstream_failed", 0),
    *(_ti(5, t, "success") for t in _TASKS),
    _ti(6, "extract", "success"),
    _ti(6, "transform", "running"),
    _ti(6, "load", None, 0),
    _ti(6, "report", None, 0),
]

#: Built-in inputs, one per subcommand (``timetable <command> --example``); print one
#: with ``timetable example <name>`` to see the JSON input format.
EXAMPLES: dict[str, dict[str, Any]] = {
    "catchup": {
        "about": "Airflow's catchup guide: @daily data intervals from 2015-12-01, "
        "first switched on at 2016-01-02 06:00 UTC",
        "schedule": "@daily",
        "data_intervals": True,
        "start": "2015-12-01T00:00:00+00:00",
        "catchup": True,
        "now": "2016-01-02T06:00:00+00:00",
        "runs": [],
    },
    "next": {
        "about": "the run after 2024-01-06 of a daily DAG, asked at 2024-01-08 09:00 UTC",
        "schedule": "@daily",
        "data_intervals": True,
        "start": "2024-01-01T00:00:00+00:00",
        "catchup": True,
        "now": "2024-01-08T09:00:00+00:00",
        "runs": _HISTORY_RUNS,
    },
    "runs": {
        "about": "02:30 every day in Berlin across the spring-forward night of 2024-03-31",
        "schedule": "30 2 * * *",
        "timezone": "Europe/Berlin",
        "start": "2024-03-29T00:00:00+01:00",
        "end": "2024-04-02T00:00:00+02:00",
        "now": "2024-04-10T00:00:00+00:00",
    },
    "manual": {
        "about": "a manual trigger of an hourly data-interval DAG at 09:41 UTC",
        "schedule": "@hourly",
        "data_intervals": True,
        "run_after": "2024-01-08T09:41:00+00:00",
    },
    "backfill": {
        "about": "backfill 2024-01-01 .. 2024-01-08 of a daily DAG, re-running failed runs",
        "schedule": "@daily",
        "data_intervals": True,
        "now": "2024-01-10T12:00:00+00:00",
        "runs": _HISTORY_RUNS,
        "request": {
            "from_date": "2024-01-01T00:00:00+00:00",
            "to_date": "2024-01-08T00:00:00+00:00",
            "reprocess_behavior": "failed",
            "max_active_runs": 2,
        },
    },
    "gaps": {
        "about": "holes and failures in the first ten days of a daily DAG",
        "schedule": "@daily",
        "data_intervals": True,
        "start": "2024-01-01T00:00:00+00:00",
        "end": "2024-01-10T00:00:00+00:00",
        "now": "2024-01-11T12:00:00+00:00",
        "include_failed": True,
        "runs": _HISTORY_RUNS,
    },
    "clear": {
        "about": "clear 'transform' and everything downstream of it in the failed run",
        "graph": _GRAPH,
        "runs": _HISTORY_RUNS,
        "task_instances": _TIS,
        "request": {
            "task_ids": ["transform"],
            "downstream": True,
            "run_id": "scheduled__2024-01-03T00:00:00+00:00",
        },
    },
    "mark": {
        "about": "mark 'transform' success in the failed run; its failed downstream is cleared",
        "schedule": "@daily",
        "data_intervals": True,
        "graph": _GRAPH,
        "runs": _HISTORY_RUNS,
        "task_instances": _TIS,
        "request": {
            "task_id": "transform",
            "run_id": "scheduled__2024-01-03T00:00:00+00:00",
            "state": "success",
        },
    },
    "describe": {
        "about": "weekdays at 09:00 in Berlin",
        "schedule": "0 9 * * 1-5",
        "timezone": "Europe/Berlin",
    },
    "from-airflow": {
        "about": "a DAG as Airflow 3 stores it (serialized_dag.data), trimmed to what we read",
        "dag": {
            "__version": 2,
            "dag": {
                "dag_id": "daily_sales",
                "timezone": "Europe/Berlin",
                "start_date": 1704063600.0,
                "catchup": False,
                "max_active_runs": 16,
                "timetable": {
                    "__type": "airflow.timetables.trigger.CronTriggerTimetable",
                    "__var": {
                        "expression": "0 6 * * *",
                        "timezone": "Europe/Berlin",
                        "interval": 0.0,
                        "run_immediately": False,
                    },
                },
                "tasks": [
                    {"__type": "operator", "__var": {
                        "task_id": "extract", "downstream_task_ids": ["load"], "retries": 2}},
                    {"__type": "operator", "__var": {
                        "task_id": "load", "downstream_task_ids": [],
                        "depends_on_past": True}},
                ],
            },
        },
        "now": "2024-03-31T09:00:00+02:00",
    },
}
EXAMPLES["validate"] = EXAMPLES["describe"]


# -- reading inputs -------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _read_json(source: str, what: str) -> Any:
    """The JSON document in file *source* (``-``: standard input)."""
    try:
        if source == "-":
            text = sys.stdin.read()
            name = "<stdin>"
        else:
            with open(source, encoding="utf-8") as fh:
                text = fh.read()
            name = source
    except OSError as err:
        raise BadInput(f"{what}: cannot read {source!r}: {err.strerror or err}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise BadInput(
            f"{what}: {name} is not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})"
        ) from None


_DURATION = re.compile(r"^(\d+)\s*(s|m|min|h|d|w|mo|y)$")
_UNITS = {
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "min": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}


def _duration(text: str, argument: str) -> timedelta | relativedelta:
    m = _DURATION.match(text.strip())
    if not m:
        raise BadInput(f"{argument}={text!r}: expected a duration such as 30m, 6h, 1d, 1w, 1mo")
    n, unit = int(m.group(1)), m.group(2)
    if unit == "mo":
        return relativedelta(months=n)
    if unit == "y":
        return relativedelta(years=n)
    return n * _UNITS[unit]


class Inputs:
    """Flags over an ``--input`` document over an Airflow DAG's defaults."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        doc: dict[str, Any] = {}
        if getattr(args, "example", False):
            doc = dict(EXAMPLES[args.command])
        elif getattr(args, "input", None):
            loaded = _read_json(args.input, "--input")
            if not isinstance(loaded, dict):
                raise BadInput("--input: expected a JSON object with the inputs by name")
            doc = loaded
        self.doc = doc
        self.dag: dict[str, Any] = {}
        self._timetable: Any = None

    def get(self, name: str, default: Any = None) -> Any:
        value = getattr(self.args, name, None)
        if value is not None:
            return value
        if name in self.doc:
            return self.doc[name]
        return self.dag.get(name, default)

    # -- the timetable
    def timetable(self) -> Any:
        if self._timetable is None:
            self._timetable = self._build_timetable()
        return self._timetable

    def _build_timetable(self) -> Any:
        source = getattr(self.args, "timetable", None)
        data: Any = None
        if source:
            data = _read_json(source, "--timetable")
        elif self.args.schedule is None:
            data = self.doc.get("timetable") or self.doc.get("dag")
        if data is not None:
            return self._timetable_from(data)
        schedule = self.get("schedule")
        if schedule is None:
            raise BadInput(
                "no schedule: give --schedule, --timetable FILE, --input FILE or --example"
            )
        return _schedule(
            schedule, timezone=self.get("timezone", "UTC"),
            data_intervals=bool(self.get("data_intervals", False)),
        )

    def _timetable_from(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise BadInput("--timetable: expected a JSON object (a timetable or a serialized DAG)")
        if "__type" in data:
            return from_serialized(data)
        if "type" in data:
            return serialization.from_dict(data)
        dag = data.get("dag")
        if isinstance(dag, dict) and "timetable" in dag:
            self.dag = _dag_defaults(dag)
            return self._timetable_from(dag["timetable"])
        if "timetable" in data:
            self.dag = _dag_defaults(data)
            return self._timetable_from(data["timetable"])
        raise BadInput(
            "--timetable: expected our serialized timetable ({\"type\": ...}), Airflow's "
            "({\"__type\": ...}) or a serialized DAG ({\"dag\": {\"timetable\": ...}})"
        )

    # -- instants
    def zone_name(self) -> str:
        if self._timetable is not None:
            zone = getattr(self._timetable, "timezone", None)
            if isinstance(zone, str):
                return zone
        return str(self.get("timezone", "UTC"))

    def instant(self, name: str, flag: str | None = None, *, required: bool = False) -> Any:
        value = self.get(name)
        label = flag or "--" + name.replace("_", "-")
        if value is None:
            if required:
                raise BadInput(f"{label} is required")
            return None
        if isinstance(value, datetime):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, UTC)
        if not isinstance(value, str):
            raise BadInput(f"{label}={value!r}: expected an ISO-8601 date-time")
        return parse_instant(value, label, zone=self.zone_name())

    def now(self) -> datetime:
        now = self.instant("now")
        if now is None:
            return datetime.now(UTC)  # the only clock read of the package
        return now  # type: ignore[no-any-return]

    # -- JSON inputs
    def _doc_or_file(self, flag: str, key: str) -> Any:
        source = getattr(self.args, flag, None)
        if source:
            return _read_json(source, "--" + flag.replace("_", "-"))
        return self.doc.get(key)

    def runs(self) -> History:
        data = self._doc_or_file("runs", "runs")
        if data is None:
            data = self._doc_or_file("history", "runs")
        if isinstance(data, dict):
            data = data.get("runs", [])
        if data is None:
            return validate_history([])
        if not isinstance(data, list):
            raise BadInput("runs: expected a JSON list of run records")
        return validate_history(data)

    def history(self) -> RunHistory:
        data = self._doc_or_file("history", "history")
        if data is None:
            data = {
                "runs": self._doc_or_file("runs", "runs") or [],
                "task_instances": self.doc.get("task_instances", []),
            }
        if not isinstance(data, dict):
            raise BadInput("--history: expected {\"runs\": [...], \"task_instances\": [...]}")
        runs = data.get("runs", [])
        tis = data.get("task_instances", [])
        if not isinstance(runs, list) or not isinstance(tis, list):
            raise BadInput("--history: \"runs\" and \"task_instances\" must be JSON lists")
        records = [
            _build(TaskInstanceRecord, ti, f"task_instances[{i}]") for i, ti in enumerate(tis)
        ]
        return RunHistory(runs=validate_history(runs), task_instances=records)

    def graph(self) -> TaskGraph:
        data = self._doc_or_file("graph", "graph")
        if data is None and self.dag.get("graph") is not None:
            return self.dag["graph"]  # type: ignore[no-any-return]
        if data is None:
            raise BadInput("no task graph: give --graph FILE (or --input/--example)")
        if isinstance(data, list):
            data = {"tasks": data}
        if not isinstance(data, dict):
            raise BadInput("--graph: expected {\"tasks\": [{\"task_id\": ..., \"upstream\": [...]}]}")
        return _build(TaskGraph, data, "graph")  # type: ignore[no-any-return]

    def request(self) -> dict[str, Any]:
        data = self._doc_or_file("request", "request")
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise BadInput("--request: expected a JSON object")
        return {k: v for k, v in data.items() if k not in ("type", "version")}


def _types() -> dict[str, type]:
    types = dict(serialization.registered_types())
    for cls in (TaskGraph, TaskSpec, TaskInstanceRecord, RunRecord, ClearRequest, MarkRequest,
                BackfillRequest):
        types.setdefault(cls.__name__, cls)
    return types


def _build(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise BadInput(f"{where}: expected a JSON object, got {json.dumps(data)[:60]}")
    return serialization._build(cls, data, where, _types())


def _dag_defaults(dag: Mapping[str, Any]) -> dict[str, Any]:
    """What an Airflow serialized DAG says beyond its timetable."""
    out: dict[str, Any] = {}
    for key in ("start_date", "end_date"):
        value = dag.get(key)
        if isinstance(value, dict) and "__var" in value:
            value = value["__var"]
        if value is not None:
            out["start" if key == "start_date" else "end"] = value
    if "catchup" in dag:
        out["catchup"] = bool(dag["catchup"])
    if "max_active_runs" in dag:
        out["max_active_runs"] = dag["max_active_runs"]
    out["dag_id"] = dag.get("dag_id")
    tasks = dag.get("tasks")
    if isinstance(tasks, list) and tasks:
        out["graph"] = _graph_from_airflow(tasks)
    return out


def _graph_from_airflow(tasks: list[Any]) -> TaskGraph:
    upstream: dict[str, set[str]] = {}
    specs: dict[str, dict[str, Any]] = {}
    for i, raw in enumerate(tasks):
        var = raw.get("__var", raw) if isinstance(raw, dict) else None
        if not isinstance(var, dict) or not isinstance(var.get("task_id"), str):
            raise BadInput(f"dag.tasks[{i}]: expected an operator with a task_id")
        tid = var["task_id"]
        specs[tid] = {
            "task_id": tid,
            "retries": int(var.get("retries", 0) or 0),
            "depends_on_past": bool(var.get("depends_on_past", False)),
            "wait_for_downstream": bool(var.get("wait_for_downstream", False)),
            "ignore_first_depends_on_past": bool(var.get("ignore_first_depends_on_past", True)),
            "is_setup": bool(var.get("is_setup", var.get("_is_setup", False))),
            "is_teardown": bool(var.get("is_teardown", var.get("_is_teardown", False))),
        }
        upstream.setdefault(tid, set())
        for down in var.get("downstream_task_ids", []) or []:
            upstream.setdefault(down, set()).add(tid)
    return TaskGraph(
        tasks=[TaskSpec(upstream=upstream.get(t, set()), **spec) for t, spec in specs.items()]
    )


def _schedule(text: Any, *, timezone: str, data_intervals: bool) -> Any:
    if text in (None, "None", "none", "null"):
        return from_schedule(None)
    if not isinstance(text, str):
        raise BadInput(f"--schedule={text!r}: expected a cron expression, a preset or a duration")
    value: Any = text
    if _DURATION.match(text.strip()):
        value = _duration(text, "--schedule")
    return from_schedule(value, timezone=timezone, create_cron_data_intervals=data_intervals)


def parse_instant(text: str, argument: str, *, zone: str = "UTC") -> datetime:
    """An aware instant from ISO-8601 text; a bare date means midnight in *zone*."""
    raw = text.strip()
    if raw[-1:] in ("Z", "z"):
        raw = raw[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise BadInput(f"{argument}={text!r}: not an ISO-8601 date-time") from None
    if value.tzinfo is None:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            return value.replace(tzinfo=get_zone(zone))
        raise BadInput(
            f"{argument}={text!r}: a date-time needs an offset, e.g. {raw}Z or {raw}+02:00"
        )
    return value


def _request_fields(args: argparse.Namespace, mapping: Mapping[str, str]) -> dict[str, Any]:
    """Request fields given as flags (``None`` and ``False`` mean "not given")."""
    out: dict[str, Any] = {}
    for flag, field in mapping.items():
        value = getattr(args, flag, None)
        if value is None or value is False or value == []:
            continue
        out[field] = value
    return out


def _instant_fields(data: dict[str, Any], names: Iterable[str], inputs: Inputs) -> dict[str, Any]:
    for name in names:
        value = data.get(name)
        if isinstance(value, str):
            data[name] = parse_instant(value, name, zone=inputs.zone_name())
    return data


# -- rendering ------------------------------------------------------------------------------


def fmt(dt: datetime | None) -> str:
    """A compact instant: ``2015-12-01 00:00Z``, ``2024-03-31 03:30+02:00``."""
    if dt is None:
        return "-"
    text = dt.strftime("%Y-%m-%d %H:%M")
    if dt.second or dt.microsecond:
        text += dt.strftime(":%S") + (f".{dt.microsecond:06d}" if dt.microsecond else "")
    off = dt.utcoffset()
    if not off:
        return text + "Z"
    return text + dt.isoformat()[-6:]


_SYMBOLS = {
    "success": "✓",
    "failed": "✗",
    "running": "▶",
    "queued": "○",
    "missing": "·",
    "create": "+",
    "reprocess": "↻",
}
_LEGEND = "✓ success  ✗ failed  ▶ running  ○ queued  · missing  + to create  ↻ to re-run"
_STRIP_WIDTH = 50
_STRIP_MAX = 400


def _strip(cells: Sequence[tuple[datetime, str]], out: TextIO) -> None:
    """A calendar strip: one symbol per interval, 50 to a line, dates at the ends."""
    if not cells:
        return
    if len(cells) > _STRIP_MAX:
        out.write(f"(calendar strip left out: {len(cells)} intervals)\n\n")
        return
    for i in range(0, len(cells), _STRIP_WIDTH):
        chunk = cells[i : i + _STRIP_WIDTH]
        marks = "".join(_SYMBOLS.get(sym, "?") for _, sym in chunk)
        out.write(f"{fmt(chunk[0][0])[:10]}  {marks}  {fmt(chunk[-1][0])[:10]}\n")
    used = {sym for _, sym in cells}
    legend = "  ".join(
        part for part in _LEGEND.split("  ") if any(
            _SYMBOLS[k] == part[0] for k in used if k in _SYMBOLS
        )
    )
    out.write(f"{legend}\n\n")


def _state_symbol(run: RunRecord | None) -> str:
    if run is None:
        return "missing"
    return run.state.value if run.state.value in _SYMBOLS else "success"


class Table:
    """Rows written as they come (streaming), with fixed column widths."""

    def __init__(self, out: TextIO, columns: Sequence[tuple[str, int]]) -> None:
        self.out = out
        self.columns = columns
        self.rows = 0
        self._line([name for name, _ in columns])

    def _line(self, cells: Sequence[str]) -> None:
        parts = []
        for (_, width), cell in zip(self.columns, cells, strict=True):
            parts.append(cell.rjust(-width) if width < 0 else cell.ljust(width))
        self.out.write("  ".join(p for p in parts).rstrip() + "\n")

    def row(self, *cells: Any) -> None:
        self.rows += 1
        self._line([str(c) for c in cells])


_RUN_COLUMNS = (("#", -4), ("logical date", 17), ("data interval", 38), ("run after", 17))


def _interval_text(iv: DataInterval | None) -> str:
    if iv is None:
        return "-"
    if iv.start == iv.end:
        return f"{fmt(iv.start)} (a point)"
    return f"{fmt(iv.start)} → {fmt(iv.end)}"


def _write_json(out: TextIO, data: Any) -> None:
    out.write(json.dumps(data, ensure_ascii=False) + "\n")


def _run_info_json(info: RunInfo) -> dict[str, Any]:
    iv = info.data_interval
    return {
        "logical_date": info.logical_date.isoformat(),
        "data_interval": {"start": iv.start.isoformat(), "end": iv.end.isoformat()},
        "run_after": info.run_after.isoformat(),
    }


def _print_infos(
    infos: Iterable[RunInfo], out: TextIO, as_json: bool, zone: str = "UTC"
) -> int:
    n = 0
    if as_json:
        for info in infos:
            _write_json(out, _run_info_json(info))
            n += 1
        return n
    if zone == "UTC":
        table = Table(out, _RUN_COLUMNS)
        for info in infos:
            table.row(
                table.rows + 1, fmt(info.logical_date), _interval_text(info.data_interval),
                fmt(info.run_after),
            )
    else:
        tz = get_zone(zone)
        columns = (*_RUN_COLUMNS[:2], (f"in {zone}", 22), *_RUN_COLUMNS[2:])
        table = Table(out, columns)
        for info in infos:
            table.row(
                table.rows + 1, fmt(info.logical_date), fmt(info.logical_date.astimezone(tz)),
                _interval_text(info.data_interval), fmt(info.run_after),
            )
    out.write(f"{table.rows} run{'s' if table.rows != 1 else ''}\n")
    return table.rows


def _describe_tt(tt: Any) -> str:
    zone = getattr(tt, "timezone", None)
    where = f", {zone}" if isinstance(zone, str) else ""
    return f"{tt.summary} ({type(tt).__name__}{where})"


# -- subcommands ----------------------------------------------------------------------------


def _restriction(inputs: Inputs) -> TimeRestriction:
    catchup = inputs.get("catchup", True)
    return TimeRestriction(
        earliest=inputs.instant("start"), latest=inputs.instant("end"), catchup=bool(catchup)
    )


def cmd_next(inputs: Inputs, out: TextIO) -> int:
    tt = inputs.timetable()
    now = inputs.now()
    restriction = _restriction(inputs)
    last = None
    args = inputs.args
    if args.last_start or args.last_end:
        if not (args.last_start and args.last_end):
            raise BadInput("--last-start and --last-end go together")
        last = DataInterval(
            start=inputs.instant("last_start"), end=inputs.instant("last_end")
        )
    else:
        reference = inputs.runs().latest_automated()
        if reference is not None:
            last = reference.data_interval or (
                None if reference.logical_date is None
                else DataInterval.exact(reference.logical_date)
            )
    info = next_run_info(tt, last_interval=last, restriction=restriction, now=now)
    if args.json:
        _write_json(out, None if info is None else _run_info_json(info))
        return 0
    out.write(f"schedule  {_describe_tt(tt)}\n")
    out.write(f"after     {_interval_text(last) if last else 'no previous scheduled run'}\n")
    if info is None:
        out.write("next      none: the schedule has no further run\n")
        return 0
    due = "due now" if info.run_after <= now else f"not before {fmt(info.run_after)}"
    out.write(f"next      logical date {fmt(info.logical_date)}, "
              f"data interval {_interval_text(info.data_interval)}\n")
    out.write(f"run after {fmt(info.run_after)} ({due}; now is {fmt(now)})\n")
    return 0


def cmd_runs(inputs: Inputs, out: TextIO) -> int:
    tt = inputs.timetable()
    now = inputs.now()
    start = inputs.instant("start", required=True)
    end = inputs.instant("end")
    limit = inputs.get("limit")
    infos: Iterator[RunInfo] = iter_run_infos(tt, start=start, end=end, now=now)
    if end is None and limit is None:
        limit = 20
    if limit is not None:
        if int(limit) < 1:
            raise BadInput(f"--limit={limit}: expected a positive number")
        infos = _take(infos, int(limit))
    if not inputs.args.json:
        out.write(f"schedule {_describe_tt(tt)}, from {fmt(start)}"
                  f"{' to ' + fmt(end) if end else ''}\n\n")
    _print_infos(infos, out, inputs.args.json, inputs.zone_name())
    return 0


def _take(items: Iterator[RunInfo], n: int) -> Iterator[RunInfo]:
    for i, item in enumerate(items):
        if i >= n:
            return
        yield item


def cmd_manual(inputs: Inputs, out: TextIO) -> int:
    tt = inputs.timetable()
    run_after = inputs.instant("run_after") or inputs.now()
    logical = inputs.instant("logical_date")
    if logical is not None:
        iv = manual_run_interval(tt, logical_date=logical, run_after=run_after)
        how = f"from the logical date {fmt(logical)} (REST API trigger)"
    else:
        iv = infer_manual_interval(tt, run_after=run_after)
        how = f"from run_after {fmt(run_after)} (CLI / TriggerDagRunOperator)"
    if inputs.args.json:
        _write_json(out, {
            "run_after": run_after.isoformat(),
            "logical_date": None if iv is None else iv.start.isoformat(),
            "data_interval": None if iv is None else {
                "start": iv.start.isoformat(), "end": iv.end.isoformat()},
        })
        return 0
    out.write(f"schedule      {_describe_tt(tt)}\n")
    out.write(f"manual run    {how}\n")
    out.write(f"data interval {_interval_text(iv)}\n")
    return 0


def _policy(text: str | None) -> CatchupPolicy | None:
    if text is None or text == "airflow":
        return None
    if text == "coalesce":
        return CatchupPolicy.coalesce()
    kind, _, value = text.partition(":")
    if kind == "latest":
        if not value.isdigit():
            raise BadInput(f"--policy={text!r}: expected latest:N, e.g. latest:3")
        return CatchupPolicy.latest(int(value))
    if kind == "window":
        window = _duration(value, "--policy window")
        if not isinstance(window, timedelta):
            raise BadInput(f"--policy={text!r}: the window must be fixed (s, m, h, d, w)")
        return CatchupPolicy.within(window)
    raise BadInput(
        f"--policy={text!r}: expected airflow, coalesce, latest:N or window:DURATION"
    )


def cmd_catchup(inputs: Inputs, out: TextIO) -> int:
    tt = inputs.timetable()
    now = inputs.now()
    restriction = _restriction(inputs)
    history = inputs.runs()
    max_active = inputs.get("max_active_runs")
    plan = plan_catchup(
        tt, runs=history, restriction=restriction, now=now,
        max_active_runs=None if max_active is None else int(max_active),
        limit=inputs.get("limit"), policy=_policy(inputs.args.policy),
    )
    if inputs.args.json:
        _write_json(out, plan.to_dict())
        return 0
    if inputs.doc.get("about"):
        out.write(f"example: {inputs.doc['about']}\n")
    out.write(
        f"schedule {_describe_tt(tt)}, start {fmt(restriction.earliest)}"
        f"{', end ' + fmt(restriction.latest) if restriction.latest else ''}, "
        f"catchup {'on' if restriction.catchup else 'off'}, now {fmt(now)}\n"
    )
    out.write(f"continues from: {plan.reference_run_id or 'no earlier scheduled run'}\n")
    n_skip = len(plan) - plan.create_count
    out.write(f"{plan.create_count} to create, {n_skip} skipped; stopped: {plan.stopped.value}\n\n")
    cells = []
    for e in plan:
        existing = history.at(e.run_info.logical_date)
        sym = "create" if e.action.value == "create" else _state_symbol(existing)
        cells.append((e.run_info.logical_date, sym))
    _strip(cells, out)
    table = Table(out, (("#", -4), ("action", 6), ("logical date", 17),
                        ("data interval", 38), ("run after", 17), ("reason", 0)))
    for e in plan:
        table.row(table.rows + 1, e.action.value, fmt(e.run_info.logical_date),
                  _interval_text(e.run_info.data_interval), fmt(e.run_info.run_after),
                  e.reason.value)
    for rng in plan.skipped:
        out.write(f"left out by the policy: {rng.count} interval(s) "
                  f"{fmt(rng.first.logical_date)} .. {fmt(rng.last.logical_date)} "
                  f"({rng.reason.value})\n")
    if plan.next_run is not None:
        out.write(f"next: logical date {fmt(plan.next_run.logical_date)}, "
                  f"run after {fmt(plan.next_run.run_after)}\n")
    return 0


_BACKFILL_FLAGS = {
    "from_date": "from_date", "to_date": "to_date", "backwards": "run_backwards",
    "reprocess": "reprocess_behavior", "max_active_runs": "max_active_runs",
}


def cmd_backfill(inputs: Inputs, out: TextIO) -> int:
    tt = inputs.timetable()
    now = inputs.now()
    fields = inputs.request()
    fields.update(_request_fields(inputs.args, _BACKFILL_FLAGS))
    if inputs.args.conf is not None:
        try:
            fields["dag_run_conf"] = json.loads(inputs.args.conf)
        except json.JSONDecodeError as err:
            raise BadInput(f"--conf: not valid JSON: {err.msg}") from None
    for key, flag in (("from_date", "--from"), ("to_date", "--to")):
        if key not in fields:
            raise BadInput(f"{flag} is required (or a request with {key})")
    _instant_fields(fields, ("from_date", "to_date"), inputs)
    request = _build(BackfillRequest, fields, "request")
    history = inputs.runs()
    plan = plan_backfill(
        tt, request, runs=history, now=now, depends_on_past=inputs.args.depends_on_past,
        dry_run=inputs.args.dry_run,
    )
    if inputs.args.json:
        _write_json(out, plan.to_dict())
        return 0
    if inputs.doc.get("about"):
        out.write(f"example: {inputs.doc['about']}\n")
    req = plan.request
    out.write(
        f"backfill {fmt(req.from_date)} .. {fmt(req.to_date)} of {_describe_tt(tt)}, "
        f"now {fmt(now)}\nreprocess {req.effective_reprocess.value}, "
        f"{'newest first' if req.run_backwards else 'oldest first'}, "
        f"max_active_runs {req.max_active_runs}\n"
    )
    out.write(
        f"{plan.count(Action.CREATE)} to create, {plan.count(Action.REPROCESS)} to re-run, "
        f"{plan.count(Action.SKIP)} left alone; {len(plan.waves())} wave(s)\n\n"
    )
    cells = []
    for e in plan:
        skip = e.action is Action.SKIP
        sym = _state_symbol(history.get(e.existing_run_id or "")) if skip else e.action.value
        cells.append((e.run_info.logical_date, sym))
    cells.sort(key=lambda c: c[0])
    _strip(cells, out)
    table = Table(out, (("#", -4), ("action", 9), ("logical date", 17), ("run id", 38),
                        ("wave", -4), ("reason", 0)))
    for e in plan:
        table.row(e.sort_ordinal, e.action.value, fmt(e.run_info.logical_date),
                  e.run_id or e.existing_run_id or "-", e.wave or "-", e.reason.value)
    return 0


def cmd_gaps(inputs: Inputs, out: TextIO) -> int:
    tt = inputs.timetable()
    now = inputs.now()
    start = inputs.instant("start", required=True)
    end = inputs.instant("end") or now
    history = inputs.runs()
    include_failed = bool(inputs.get("include_failed", False))
    report = find_gaps(tt, runs=history, start=start, end=end, now=now,
                       include_failed=include_failed)
    if inputs.args.json:
        _write_json(out, report.to_dict())
        return 0
    if inputs.doc.get("about"):
        out.write(f"example: {inputs.doc['about']}\n")
    out.write(
        f"{_describe_tt(tt)}, {fmt(start)} .. {fmt(end)}, now {fmt(now)}\n"
        f"{report.expected} intervals due, {report.present} with a run, "
        f"{report.missing} missing"
        + (f", {report.failed} failed" if include_failed else "") + "\n\n"
    )
    if report.expected <= _STRIP_MAX:
        cells = []
        for info in iter_run_infos(tt, start=start, end=end, now=now):
            if info.run_after > now:
                break
            cells.append((info.logical_date, _state_symbol(history.at(info.logical_date))))
        _strip(cells, out)
    table = Table(out, (("gap", 7), ("intervals", -9), ("first", 17), ("last", 17)))
    for g in report.gaps:
        table.row(g.reason.value, g.count, fmt(g.first.logical_date), fmt(g.last.logical_date))
    if not report.gaps:
        out.write("no gaps\n")
    if report.off_grid:
        out.write(f"runs off the grid: {', '.join(report.off_grid)}\n")
    return 0


_CLEAR_FLAGS = {
    "task": "task_ids", "task_pattern": "task_pattern", "upstream": "upstream",
    "downstream": "downstream", "run_id": "run_id", "start": "start", "end": "end",
    "past": "past", "future": "future", "only_failed": "only_failed",
    "only_running": "only_running", "exclude_task": "exclude_task_ids",
    "exclude_run": "exclude_run_ids", "prevent_running": "prevent_running",
    "reset_upstream_failed": "reset_upstream_failed_descendants",
}


def _task_selectors(items: list[str]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        m = re.fullmatch(r"(.+)\[(\d+)\]", item)
        out.append([m.group(1), int(m.group(2))] if m else item)
    return out


def _print_plan_grid(
    graph: TaskGraph, history: RunHistory, changed: set[tuple[str, str]], out: TextIO
) -> None:
    """Tasks × runs: each affected run as a column of state symbols, changes marked."""
    by_run: dict[str, dict[str, TaskInstanceRecord]] = {}
    for ti in history.task_instances:
        by_run.setdefault(ti.run_id, {})[ti.task_id] = ti
    run_ids = [r.run_id for r in history.runs.runs if r.run_id in {c[0] for c in changed}]
    if not run_ids:
        return
    present = {t for r in run_ids for t in by_run.get(r, {})}
    tasks = [t for t in graph.topological_order if t in present]
    tasks += sorted(present - set(tasks))
    width = max(len(t) for t in tasks)
    out.write("before:\n")
    out.write(" " * width + "  " + "  ".join(f"{i + 1:<2}" for i in range(len(run_ids))) + "\n")
    for t in tasks:
        cells = []
        for r in run_ids:
            cell = by_run.get(r, {}).get(t)
            state = "-" if cell is None or cell.state is None else cell.state.value
            sym = {"success": "✓", "failed": "✗", "running": "▶", "upstream_failed": "⊘",
                   "skipped": "»", "-": "·"}.get(state, "?")
            cells.append(sym + ("↻" if (r, t) in changed else " "))
        out.write(f"{t:<{width}}  " + "  ".join(cells) + "\n")
    for i, r in enumerate(run_ids):
        out.write(f"  {i + 1}: {r}\n")
    out.write("↻ changed  ✓ success  ✗ failed  ⊘ upstream_failed  ▶ running  · no state\n\n")


def cmd_clear(inputs: Inputs, out: TextIO) -> int:
    graph = inputs.graph()
    history = inputs.history()
    fields = inputs.request()
    flags = _request_fields(inputs.args, _CLEAR_FLAGS)
    if "task_ids" in flags:
        flags["task_ids"] = _task_selectors(flags["task_ids"])
    if "exclude_task_ids" in flags:
        flags["exclude_task_ids"] = _task_selectors(flags["exclude_task_ids"])
    fields.update(flags)
    if inputs.args.reset_runs_to is not None:
        rr = inputs.args.reset_runs_to
        fields["reset_runs_to"] = None if rr == "none" else rr
    if inputs.args.regex:
        fields["pattern_syntax"] = "regex"
    _instant_fields(fields, ("start", "end"), inputs)
    request = _build(ClearRequest, fields, "request")
    plan = plan_clear(graph, request, history=history,
                      unknown_tasks="removed" if inputs.args.removed_tasks else "error")
    if inputs.args.json:
        _write_json(out, plan.to_dict())
        return 0
    if inputs.doc.get("about"):
        out.write(f"example: {inputs.doc['about']}\n\n")
    _print_plan_grid(graph, history, {(c.run_id, c.task_id) for c in plan.task_instances}, out)
    out.write(plan.to_text() + "\n")
    return 0


_MARK_FLAGS = {
    "task": "task_id", "run_id": "run_id", "state": "state", "upstream": "upstream",
    "downstream": "downstream", "past": "past", "future": "future", "grid": "grid",
    "map_index": "map_indexes",
}


def cmd_mark(inputs: Inputs, out: TextIO) -> int:
    graph = inputs.graph()
    history = inputs.history()
    fields = inputs.request()
    fields.update(_request_fields(inputs.args, _MARK_FLAGS))
    if inputs.args.no_clear_failed_downstream:
        fields["clear_failed_downstream"] = False
    if "run_id" not in fields or "state" not in fields:
        raise BadInput("--run-id and --state are required (or a request with them)")
    if "task_id" not in fields:
        run_plan = plan_mark_run(graph, run_id=fields["run_id"], state=fields["state"],
                                 history=history)
        if inputs.args.json:
            _write_json(out, run_plan.to_dict())
        else:
            out.write(run_plan.to_text() + "\n")
        return 0
    tt = None
    if inputs.get("schedule") is not None or inputs.args.timetable or inputs.doc.get(
        "timetable"
    ):
        tt = inputs.timetable()
    request = _build(MarkRequest, fields, "request")
    plan = plan_mark(graph, request, history=history, timetable=tt)
    if inputs.args.json:
        _write_json(out, plan.to_dict())
        return 0
    if inputs.doc.get("about"):
        out.write(f"example: {inputs.doc['about']}\n\n")
    changed = {(c.run_id, c.task_id) for c in plan.task_instances}
    _print_plan_grid(graph, history, changed, out)
    out.write(plan.to_text() + "\n")
    return 0


def _description(tt: Any) -> dict[str, Any]:
    return {
        "kind": type(tt).__name__,
        "summary": tt.summary,
        "description": tt.description,
        "periodic": tt.periodic,
        "timetable": serialization.to_dict(tt),
    }


def cmd_describe(inputs: Inputs, out: TextIO) -> int:
    tt = inputs.timetable()
    info = _description(tt)
    if inputs.args.json:
        _write_json(out, info)
        return 0
    for key in ("kind", "summary", "description", "periodic"):
        out.write(f"{key:<12} {info[key]}\n")
    out.write(f"{'as JSON':<12} {json.dumps(info['timetable'])}\n")
    return 0


def cmd_validate(inputs: Inputs, out: TextIO) -> int:
    tt = inputs.timetable()
    if inputs.args.json:
        _write_json(out, {"valid": True, "kind": type(tt).__name__, "summary": tt.summary})
    else:
        out.write(f"valid: {_describe_tt(tt)}\n")
    return 0


def cmd_from_airflow(inputs: Inputs, out: TextIO) -> int:
    args = inputs.args
    if args.file is not None:
        data = _read_json(args.file, "FILE")
    elif "dag" in inputs.doc:
        data = inputs.doc["dag"]
    else:
        raise BadInput("give the file Airflow's serialized timetable or DAG is in (- for stdin)")
    tt = inputs._timetable_from(data)
    inputs._timetable = tt
    now = inputs.now()
    restriction = _restriction(inputs)
    info = next_run_info(tt, last_interval=None, restriction=restriction, now=now)
    history = inputs.runs()
    plan = plan_catchup(tt, runs=history, restriction=restriction, now=now,
                        max_active_runs=inputs.get("max_active_runs"))
    graph = inputs.dag.get("graph")
    result = {
        "dag_id": inputs.dag.get("dag_id"),
        **_description(tt),
        "start": None if restriction.earliest is None else restriction.earliest.isoformat(),
        "end": None if restriction.latest is None else restriction.latest.isoformat(),
        "catchup": restriction.catchup,
        "tasks": None if graph is None else [serialization._fields(t) for t in graph.tasks],
        "first_run": None if info is None else _run_info_json(info),
        "catchup_plan": plan.to_dict(),
    }
    if args.json:
        _write_json(out, result)
        return 0
    if inputs.dag.get("dag_id"):
        out.write(f"dag          {inputs.dag['dag_id']}\n")
    for key in ("kind", "summary", "description"):
        out.write(f"{key:<12} {result[key]}\n")
    out.write(f"{'start':<12} {fmt(restriction.earliest)}\n")
    if restriction.latest:
        out.write(f"{'end':<12} {fmt(restriction.latest)}\n")
    out.write(f"{'catchup':<12} {'on' if restriction.catchup else 'off'}\n")
    if graph is not None:
        out.write(f"{'tasks':<12} {', '.join(t.task_id for t in graph.tasks)}\n")
    out.write(f"{'as JSON':<12} {json.dumps(result['timetable'])}\n")
    if plan.create_count:
        runs = plan.to_create
        out.write(f"at {fmt(now)}: {plan.create_count} run(s) to create, "
                  f"{fmt(runs[0].logical_date)} .. {fmt(runs[-1].logical_date)}\n")
    if plan.next_run is not None:
        out.write(f"then next: logical date {fmt(plan.next_run.logical_date)}, "
                  f"run after {fmt(plan.next_run.run_after)}\n")
    return 0


def cmd_example(args: argparse.Namespace, out: TextIO) -> int:
    doc = {k: v for k, v in EXAMPLES[args.name].items() if k != "about"}
    out.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    return 0


# -- the parser -----------------------------------------------------------------------------

EPILOG = """\
examples:
  timetable catchup --example
  timetable runs --schedule "30 2 * * *" --timezone Europe/Berlin --start 2024-03-29 --limit 5
  timetable next --schedule "@daily" --start 2015-12-01 --now 2016-01-02T06:00Z --data-intervals
  timetable catchup --schedule "@daily" --timezone Europe/Berlin --start 2015-12-01 \\
      --now 2016-01-02T06:00Z --catchup
  timetable backfill --example --json
  timetable example clear > clear.json && timetable clear --input clear.json --only-failed
  timetable from-airflow serialized_dag.json --now 2024-03-31T09:00Z

Dates are ISO-8601 with an offset (2016-01-02T06:00Z, 2024-03-31T03:30+02:00); a bare
date (2015-12-01) is midnight in the schedule's zone.  --now defaults to the current time.
JSON inputs use the library's serialization format; FILE '-' reads standard input.
Exit status: 0 success, 2 bad input (one line on stderr), 1 a bug.
"""


def _common(p: argparse.ArgumentParser, *, example: bool = True) -> None:
    g = p.add_argument_group("output and inputs")
    g.add_argument("--json", action="store_true", help="print JSON instead of a table")
    g.add_argument("--now", help="evaluate at this instant (default: the current time)")
    g.add_argument("--input", metavar="FILE",
                   help="a JSON object with the inputs by name (flags override it)")
    if example:
        g.add_argument("--example", action="store_true",
                       help="use the built-in example (see `timetable example NAME`)")


def _schedule_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("schedule")
    g.add_argument("--schedule", help='cron ("0 6 * * 1-5"), preset ("@daily"), '
                   'duration ("6h", "1d"), "@once", "@continuous" or "None"')
    g.add_argument("--timezone", help="IANA zone of a cron schedule (default UTC)")
    g.add_argument("--data-intervals", action="store_true", default=None,
                   help="cron and duration schedules cover data intervals (Airflow 2's "
                   "default) instead of triggering at a point (Airflow 3's)")
    g.add_argument("--timetable", metavar="FILE",
                   help="our serialized timetable, Airflow's, or a serialized DAG")


def _restriction_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--start", help="the DAG's start_date")
    p.add_argument("--end", help="the DAG's end_date")
    p.add_argument("--catchup", action=argparse.BooleanOptionalAction, default=None,
                   help="catch up on missed intervals (default: on)")


def _runs_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runs", metavar="FILE", help="the run history: a JSON list of runs")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used to generate the CLI reference page)."""
    parser = argparse.ArgumentParser(
        prog="timetable",
        description="Airflow's scheduling answers from the shell: next runs, catchup, "
        "backfill, gaps, clear and mark plans.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"timetable {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help: str, func: Callable[..., int]) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help + ".",
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.set_defaults(func=func)
        return p

    p = add("next", "the next run to schedule after the latest scheduled one", cmd_next)
    _schedule_args(p)
    _restriction_args(p)
    _runs_arg(p)
    p.add_argument("--last-start", help="the previous run's data interval start")
    p.add_argument("--last-end", help="the previous run's data interval end")
    _common(p)

    p = add("runs", "every run of a schedule from --start (to --end), lazily", cmd_runs)
    _schedule_args(p)
    p.add_argument("--start", help="the first logical date to consider (required)")
    p.add_argument("--end", help="the last logical date to consider")
    p.add_argument("--limit", type=int, help="stop after N runs (default 20 without --end)")
    _common(p)

    p = add("manual", "the data interval of a manually triggered run", cmd_manual)
    _schedule_args(p)
    p.add_argument("--run-after", help="the trigger instant (default: now)")
    p.add_argument("--logical-date", help="a requested logical date (as the REST API takes)")
    _common(p)

    p = add("catchup", "the scheduled runs catchup creates by now, and why", cmd_catchup)
    _schedule_args(p)
    _restriction_args(p)
    _runs_arg(p)
    p.add_argument("--max-active-runs", type=int, help="Airflow's creation gate")
    p.add_argument("--limit", type=int, help="create at most N runs")
    p.add_argument("--policy", help="airflow (default), coalesce, latest:N or window:6h")
    _common(p)

    p = add("backfill", "the runs a backfill of a date range creates or re-runs", cmd_backfill)
    _schedule_args(p)
    _runs_arg(p)
    p.add_argument("--request", metavar="FILE", help="a BackfillRequest as JSON")
    p.add_argument("--from", dest="from_date", help="first logical date (inclusive)")
    p.add_argument("--to", dest="to_date", help="last logical date (inclusive)")
    p.add_argument("--reprocess", choices=("none", "failed", "completed"),
                   help="which existing runs to re-run (default none)")
    p.add_argument("--backwards", action="store_true", default=None,
                   help="newest interval first")
    p.add_argument("--max-active-runs", type=int, help="runs at a time (default 10)")
    p.add_argument("--conf", help="a JSON object for every run's conf")
    p.add_argument("--depends-on-past", action="store_true",
                   help="some task of the DAG has depends_on_past")
    p.add_argument("--dry-run", action="store_true", help="validate as Airflow's dry run does")
    _common(p)

    p = add("gaps", "intervals of a range with no run (or a failed one)", cmd_gaps)
    _schedule_args(p)
    _runs_arg(p)
    p.add_argument("--start", help="first logical date (required)")
    p.add_argument("--end", help="last logical date (default: now)")
    p.add_argument("--include-failed", action="store_true", default=None,
                   help="also report failed runs")
    _common(p)

    p = add("clear", "which task instances a clear resets, and how", cmd_clear)
    p.add_argument("--graph", metavar="FILE", help="the DAG's tasks as JSON")
    p.add_argument("--history", metavar="FILE",
                   help='{"runs": [...], "task_instances": [...]} as JSON')
    p.add_argument("--request", metavar="FILE", help="a ClearRequest as JSON")
    p.add_argument("--task", action="append", help="a task id, or id[map_index]; repeatable")
    p.add_argument("--task-pattern", help="tasks whose id contains this text")
    p.add_argument("--regex", action="store_true", help="--task-pattern is a regex (Airflow 2)")
    p.add_argument("--upstream", action="store_true", default=None)
    p.add_argument("--downstream", action="store_true", default=None)
    p.add_argument("--run-id", help="clear in this run")
    p.add_argument("--start", help="earliest logical date (inclusive)")
    p.add_argument("--end", help="latest logical date (inclusive)")
    p.add_argument("--past", action="store_true", default=None, help="drop the lower bound")
    p.add_argument("--future", action="store_true", default=None, help="drop the upper bound")
    p.add_argument("--only-failed", action="store_true", default=None)
    p.add_argument("--only-running", action="store_true", default=None)
    p.add_argument("--exclude-task", action="append", help="never clear this task; repeatable")
    p.add_argument("--exclude-run", action="append", help="never clear in this run; repeatable")
    p.add_argument("--reset-runs-to", choices=("queued", "running", "none"),
                   help="what finished affected runs become (default queued)")
    p.add_argument("--prevent-running", action="store_true", default=None,
                   help="refuse when a running task instance is selected")
    p.add_argument("--reset-upstream-failed", action="store_true", default=None,
                   help="also reset upstream_failed instances below the cleared ones")
    p.add_argument("--removed-tasks", action="store_true",
                   help="task instances of tasks not in the graph were removed from the DAG")
    _common(p)

    p = add("mark", "mark a task (or a whole run) success / failed", cmd_mark)
    _schedule_args(p)
    p.add_argument("--graph", metavar="FILE", help="the DAG's tasks as JSON")
    p.add_argument("--history", metavar="FILE",
                   help='{"runs": [...], "task_instances": [...]} as JSON')
    p.add_argument("--request", metavar="FILE", help="a MarkRequest as JSON")
    p.add_argument("--task", help="the task to mark (leave out to mark the run)")
    p.add_argument("--run-id", help="the run")
    p.add_argument("--state", choices=("success", "failed", "skipped", "queued"))
    p.add_argument("--map-index", type=int, action="append", help="only this mapped instance")
    p.add_argument("--upstream", action="store_true", default=None)
    p.add_argument("--downstream", action="store_true", default=None)
    p.add_argument("--past", action="store_true", default=None)
    p.add_argument("--future", action="store_true", default=None)
    p.add_argument("--grid", choices=("airflow", "strict"))
    p.add_argument("--no-clear-failed-downstream", action="store_true")
    _common(p)

    p = add("describe", "what a schedule means, and its serialized form", cmd_describe)
    _schedule_args(p)
    _common(p)

    p = add("validate", "check a schedule; exit 2 with the reason when it is invalid",
            cmd_validate)
    _schedule_args(p)
    _common(p)

    p = add("from-airflow", "describe and plan with the JSON Airflow stores for a DAG",
            cmd_from_airflow)
    p.add_argument("file", nargs="?", metavar="FILE",
                   help="a serialized timetable or DAG (- for stdin)")
    _restriction_args(p)
    _runs_arg(p)
    p.add_argument("--max-active-runs", type=int, help="Airflow's creation gate")
    p.add_argument("--schedule", help=argparse.SUPPRESS)
    p.add_argument("--timetable", help=argparse.SUPPRESS)
    _common(p)

    p = sub.add_parser("example", help="print a built-in example's inputs as JSON",
                       description="Print a built-in example's inputs as JSON, ready for "
                       "--input.")
    p.add_argument("name", choices=sorted(EXAMPLES))
    p.set_defaults(func=None)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line; return the exit status (0, 2 bad input, 1 a bug)."""
    stream = out if out is not None else sys.stdout
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help / --version exit 0, usage errors 2
        return int(exc.code or 0)
    try:
        if args.func is None:
            return cmd_example(args, stream)
        return int(args.func(Inputs(args), stream))
    except TimetableError as err:
        sys.stderr.write(f"timetable: error [{err.code}]: {_one_line(str(err))}\n")
        return 2
    except BadInput as err:
        sys.stderr.write(f"timetable: error: {_one_line(str(err))}\n")
        return 2
    except BrokenPipeError:  # pragma: no cover - piped into `head`
        sys.stderr.close()
        return 0
    except Exception as err:  # a bug: say so in one line
        if os.environ.get("TIMETABLE_DEBUG"):
            traceback.print_exc()
        sys.stderr.write(
            f"timetable: internal error (a bug, please report it): "
            f"{type(err).__name__}: {_one_line(str(err))}\n"
        )
        return 1


def reference_markdown() -> str:
    """The CLI reference page (``docs/reference/cli.md``), generated from the parser."""

    def fixed(prog: str) -> argparse.HelpFormatter:
        return argparse.RawDescriptionHelpFormatter(prog, width=88)

    parser = build_parser()
    parts = [
        "# CLI reference",
        "",
        "Generated from the argument parser (`timetable --help`, `timetable COMMAND --help`);",
        "a test keeps this page and the parser identical.",
        "The [how-to](../howto/cli.md) shows the commands at work.",
        "",
    ]
    parser.formatter_class = fixed
    parts += ["## timetable", "", "```text", parser.format_help().rstrip(), "```", ""]
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    for name, sub in actions[0].choices.items():
        sub.formatter_class = fixed
        parts += [f"## timetable {name}", "", "```text", sub.format_help().rstrip(), "```", ""]
    return "\n".join(parts)
