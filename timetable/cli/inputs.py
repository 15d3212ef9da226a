"""Reading inputs: flags, ``--input`` documents, serialized timetables and DAGs, JSON files.

[`Inputs`][timetable.cli.inputs.Inputs] layers three sources, first found wins: a flag, the
``--input`` document (or the command's built-in example), the defaults of an Airflow
serialized DAG given as ``--timetable``.  Problems with any of them raise
[`BadInput`][timetable.cli.inputs.BadInput] (exit 2, one line).  The flag groups several
commands share (``schedule_args``, ``restriction_args``, ``runs_arg``, ``common``) live here
too, so a command's flags and the way they are read stay side by side.

This module (with ``now()``) is the only place of the package that reads the clock, files
or standard input.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from dateutil.relativedelta import relativedelta

from timetable import serialization
from timetable._backfill import BackfillRequest
from timetable._clear import ClearRequest, RunHistory
from timetable._graph import TaskGraph, TaskSpec
from timetable._mark import MarkRequest
from timetable._planning import History, validate_history
from timetable._records import RunRecord, TaskInstanceRecord
from timetable._types import DstPolicy, TimeRestriction
from timetable._tz import get_zone
from timetable.airflow import from_schedule, from_serialized

__all__ = [
    "BadInput",
    "Inputs",
    "build",
    "dag_from_airflow",
    "history_from",
    "common",
    "duration",
    "instant_fields",
    "one_line",
    "parse_instant",
    "read_json",
    "request_fields",
    "time_restriction",
    "restriction_args",
    "runs_arg",
    "schedule_args",
    "svg_arg",
    "write_svg",
]


class BadInput(Exception):
    """A problem with the command line or an input file (exit code 2).

    ``code`` says which kind, as [`TimetableError`][timetable.TimetableError] codes do:
    ``usage`` (flags), ``missing-input``, ``unreadable-input``, ``invalid-json``,
    ``invalid-input``.
    """

    def __init__(self, message: str, code: str = "usage") -> None:
        super().__init__(message)
        self.code = code


#: The codes of [`BadInput`][timetable.cli.inputs.BadInput], for the reference page.
CODES = {
    "usage": "a flag is unknown, missing, malformed or conflicts with another",
    "missing-input": "an input the command needs was given nowhere",
    "unreadable-input": "a file or standard input cannot be read (missing, closed, not UTF-8)",
    "invalid-json": "an input is not JSON (or uses NaN/Infinity, or nests too deeply)",
    "invalid-input": "an input is JSON of the wrong shape",
}



def one_line(text: str) -> str:
    return " ".join(str(text).split())


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def read_json(source: str, what: str) -> Any:
    """The JSON document in file *source* (``-``: standard input)."""
    try:
        if source == "-":
            stdin = sys.stdin
            if stdin is None or stdin.closed:
                raise BadInput(f"{what}: standard input is closed", "unreadable-input")
            raw = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read()
            name = "<stdin>"
        else:
            with open(source, "rb") as fh:
                raw = fh.read()
            name = source
    except OSError as err:
        raise BadInput(
            f"{what}: cannot read {source!r}: {err.strerror or err}", "unreadable-input"
        ) from None
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as err:
        raise BadInput(
            f"{what}: {name} is not UTF-8 (byte {err.start})", "unreadable-input"
        ) from None
    if not text.strip():
        raise BadInput(f"{what}: {name} is empty", "invalid-json")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as err:
        raise BadInput(
            f"{what}: {name} is not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})",
            "invalid-json",
        ) from None
    except ValueError as err:
        raise BadInput(f"{what}: {name} is not valid JSON: {err}", "invalid-json") from None
    except RecursionError:
        raise BadInput(f"{what}: {name} nests too deeply", "invalid-json") from None


_DURATION = re.compile(r"^(\d+)\s*(s|m|min|h|d|w|mo|y)$")
_UNITS = {
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "min": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}


def duration(text: str, argument: str) -> timedelta | relativedelta:
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

    def __init__(
        self, args: argparse.Namespace, example: Mapping[str, Any] | None = None
    ) -> None:
        self.args = args
        doc: dict[str, Any] = {}
        if getattr(args, "example", False) and example is not None:
            doc = dict(example)
        elif getattr(args, "input", None):
            loaded = read_json(args.input, "--input")
            if not isinstance(loaded, dict):
                raise BadInput(
                    "--input: expected a JSON object with the inputs by name", "invalid-input"
                )
            doc = loaded
        self.doc = doc
        self.dag: dict[str, Any] = {}
        self._timetable: Any = None
        self._now: datetime | None = None

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
            from timetable.cli.commands.calendar import apply_calendar

            self._timetable = apply_calendar(self, self.with_dst(self._build_timetable()))
        return self._timetable

    def with_dst(self, tt: Any) -> Any:
        """*tt* with the DST policy of ``--dst-gap`` / ``--dst-fold`` (when given)."""
        gap, fold = self.get("dst_gap"), self.get("dst_fold")
        if gap is None and fold is None:
            return tt
        current = getattr(tt, "dst", None)
        if not isinstance(current, DstPolicy):
            raise BadInput(
                f"--dst-gap/--dst-fold: {type(tt).__name__} follows no wall clock; only "
                "cron schedules have a DST policy"
            )
        policy = DstPolicy(gap=gap or current.gap, fold=fold or current.fold)
        return attrs.evolve(tt, dst=policy)

    def _build_timetable(self) -> Any:
        source = getattr(self.args, "timetable", None)
        data: Any = None
        if source:
            data = read_json(source, "--timetable")
        elif self.args.schedule is None:
            data = self.doc.get("timetable") or self.doc.get("dag")
        if data is not None:
            return self._timetable_from(data)
        schedule = self.get("schedule")
        if schedule is None:
            raise BadInput(
                "no schedule: give --schedule, --timetable FILE, --input FILE or --example",
                "missing-input",
            )
        return _schedule(
            schedule, timezone=self.get("timezone", "UTC"),
            data_intervals=bool(self.get("data_intervals", False)),
        )

    def _timetable_from(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise BadInput("--timetable: expected a JSON object (a timetable or a serialized DAG)", "invalid-input")
        if "__type" in data:
            return from_serialized(data)
        if "type" in data:
            return serialization.from_dict(data)
        dag = data.get("dag")
        if isinstance(dag, dict) and "timetable" not in dag and isinstance(dag.get("dag"), dict):
            return self._timetable_from(dag)  # {"dag": <serialized DAG>}: an --input document
        if isinstance(dag, dict) and "timetable" in dag:
            self.dag = _dag_defaults(dag)
            return self._timetable_from(dag["timetable"])
        if "timetable" in data:
            self.dag = _dag_defaults(data)
            return self._timetable_from(data["timetable"])
        raise BadInput(
            "--timetable: expected our serialized timetable ({\"type\": ...}), Airflow's "
            "({\"__type\": ...}) or a serialized DAG ({\"dag\": {\"timetable\": ...}})",
            "invalid-input",
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
                raise BadInput(f"{label} is required", "missing-input")
            return None
        if isinstance(value, datetime):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                return datetime.fromtimestamp(value, UTC)
            except (OverflowError, OSError, ValueError):
                raise BadInput(f"{label}={value!r}: not a timestamp", "invalid-input") from None
        if not isinstance(value, str):
            raise BadInput(f"{label}={value!r}: expected an ISO-8601 date-time", "invalid-input")
        if value.strip().lower() == "now" and name != "now":
            return self.now()
        return parse_instant(value, label, zone=self.zone_name())

    def now(self) -> datetime:
        """``--now`` (``now`` or absent: the current time, read once)."""
        if self._now is None:
            value = self.get("now")
            if value is None or (isinstance(value, str) and value.strip().lower() == "now"):
                self._now = datetime.now(UTC)  # the only clock read of the package
            else:
                self._now = self.instant("now")
        return self._now

    def integer(self, name: str, *, minimum: int = 1) -> int | None:
        """A whole-number input (flag or document) of at least *minimum*."""
        value = self.get(name)
        label = "--" + name.replace("_", "-")
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadInput(f"{label}={value!r}: expected a whole number", "invalid-input")
        if value < minimum:
            raise BadInput(f"{label}={value}: expected a number >= {minimum}", "usage")
        return value

    # -- JSON inputs
    def _doc_or_file(self, flag: str, key: str) -> Any:
        source = getattr(self.args, flag, None)
        if source:
            return read_json(source, "--" + flag.replace("_", "-"))
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
            raise BadInput("runs: expected a JSON list of run records", "invalid-input")
        return validate_history(data)

    def history(self) -> RunHistory:
        data = self._doc_or_file("history", "history")
        if data is None:
            data = {
                "runs": self._doc_or_file("runs", "runs") or [],
                "task_instances": self.doc.get("task_instances", []),
            }
        return history_from(data, "--history")

    def graph(self) -> TaskGraph:
        data = self._doc_or_file("graph", "graph")
        if data is None and self.dag.get("graph") is not None:
            return self.dag["graph"]  # type: ignore[no-any-return]
        if data is None:
            raise BadInput("no task graph: give --graph FILE (or --input/--example)", "missing-input")
        if isinstance(data, list):
            data = {"tasks": data}
        if not isinstance(data, dict):
            raise BadInput("--graph: expected {\"tasks\": [{\"task_id\": ..., \"upstream\": [...]}]}", "invalid-input")
        return build(TaskGraph, data, "graph")  # type: ignore[no-any-return]

    def request(self) -> dict[str, Any]:
        data = self._doc_or_file("request", "request")
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise BadInput("--request: expected a JSON object", "invalid-input")
        return {k: v for k, v in data.items() if k not in ("type", "version")}


def history_from(data: Any, where: str) -> RunHistory:
    """A [`RunHistory`][timetable.RunHistory] from ``{"runs": [...], "task_instances": [...]}``."""
    if not isinstance(data, dict):
        raise BadInput(
            f"{where}: expected {{\"runs\": [...], \"task_instances\": [...]}}", "invalid-input"
        )
    runs = data.get("runs", [])
    tis = data.get("task_instances", [])
    if not isinstance(runs, list) or not isinstance(tis, list):
        raise BadInput(
            f"{where}: \"runs\" and \"task_instances\" must be JSON lists", "invalid-input"
        )
    records = [
        build(TaskInstanceRecord, ti, f"task_instances[{i}]") for i, ti in enumerate(tis)
    ]
    return RunHistory(runs=validate_history(runs), task_instances=records)


def dag_from_airflow(data: Any, where: str) -> dict[str, Any]:
    """``dag_id``, ``graph`` and the rest of an Airflow serialized DAG, plus its raw tasks."""
    dag = data.get("dag") if isinstance(data, dict) else None
    if not isinstance(dag, dict) or not isinstance(dag.get("dag_id"), str):
        raise BadInput(f"{where}: expected a serialized DAG ({{\"dag\": {{\"dag_id\": ...}}}})",
                       "invalid-input")
    out = _dag_defaults(dag)
    tasks = dag.get("tasks")
    out["tasks"] = tasks if isinstance(tasks, list) else []
    return out


def _types() -> dict[str, type]:
    types = dict(serialization.registered_types())
    for cls in (TaskGraph, TaskSpec, TaskInstanceRecord, RunRecord, ClearRequest, MarkRequest,
                BackfillRequest):
        types.setdefault(cls.__name__, cls)
    return types


def build(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise BadInput(f"{where}: expected a JSON object, got {json.dumps(data)[:60]}", "invalid-input")
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
            raise BadInput(f"dag.tasks[{i}]: expected an operator with a task_id", "invalid-input")
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
        value = duration(text, "--schedule")
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


def request_fields(args: argparse.Namespace, mapping: Mapping[str, str]) -> dict[str, Any]:
    """Request fields given as flags (``None`` and ``False`` mean "not given")."""
    out: dict[str, Any] = {}
    for flag, field in mapping.items():
        value = getattr(args, flag, None)
        if value is None or value is False or value == []:
            continue
        out[field] = value
    return out


def instant_fields(data: dict[str, Any], names: Iterable[str], inputs: Inputs) -> dict[str, Any]:
    for name in names:
        value = data.get(name)
        if isinstance(value, str):
            data[name] = parse_instant(value, name, zone=inputs.zone_name())
    return data


def time_restriction(inputs: Inputs) -> TimeRestriction:
    """The DAG's start, end and catchup flag from the inputs."""
    catchup = inputs.get("catchup", False)
    return TimeRestriction(
        earliest=inputs.instant("start"), latest=inputs.instant("end"), catchup=bool(catchup)
    )


# -- flag groups shared by several commands -------------------------------------------------


def common(p: argparse.ArgumentParser, *, example: bool = True) -> None:
    """``--json``, ``--now``, ``--input`` and (when the command has one) ``--example``."""
    g = p.add_argument_group("output and inputs")
    g.add_argument("--json", action="store_true", help="print JSON instead of a table")
    g.add_argument("--now", help="evaluate at this instant ('now' or absent: the current time)")
    g.add_argument("--input", metavar="FILE",
                   help="a JSON object with the inputs by name (flags override it)")
    if example:
        g.add_argument("--example", action="store_true",
                       help="use the built-in example (see `timetable example NAME`)")


def schedule_args(p: argparse.ArgumentParser) -> None:
    """The schedule: ``--schedule``/``--timezone``/``--data-intervals`` or ``--timetable``."""
    g = p.add_argument_group("schedule")
    g.add_argument("--schedule", help='cron ("0 6 * * 1-5"), preset ("@daily"), '
                   'duration ("6h", "1d"), "@once", "@continuous" or "None"')
    g.add_argument("--timezone", help="IANA zone of a cron schedule (default UTC)")
    g.add_argument("--data-intervals", action="store_true", default=None,
                   help="cron and duration schedules cover data intervals (Airflow 2's "
                   "default) instead of triggering at a point (Airflow 3's)")
    g.add_argument("--timetable", metavar="FILE",
                   help="our serialized timetable, Airflow's, or a serialized DAG")
    g.add_argument("--dst-gap", choices=("shift", "clamp", "skip"),
                   help="a wall time in a spring-forward gap: shift it by the gap (Airflow, "
                   "default), clamp it to the transition, or skip it")
    g.add_argument("--dst-fold", choices=("second", "first", "both"),
                   help="a repeated wall time: fire at the second occurrence (Airflow, "
                   "default), the first, or both")
    from timetable.cli.commands.calendar import calendar_args

    calendar_args(p)


def restriction_args(p: argparse.ArgumentParser) -> None:
    """The DAG's ``--start``, ``--end`` and ``--catchup``."""
    p.add_argument("--start", "--start-date", dest="start",
                   help="the DAG's start_date ('now' for the current time)")
    p.add_argument("--end", "--end-date", dest="end", help="the DAG's end_date")
    p.add_argument("--catchup", action=argparse.BooleanOptionalAction, default=None,
                   help="catch up on missed intervals (default: off, as in Airflow 3)")


def svg_arg(p: argparse.ArgumentParser) -> None:
    """``--svg FILE``: also write the answer as a picture (``timetable.draw``)."""
    p.add_argument("--svg", metavar="FILE",
                   help="also draw the answer as an SVG picture into FILE ('-': stdout)")


def write_svg(inputs: Inputs, svg: str, out: Any) -> None:
    """Write *svg* where ``--svg`` says (nothing when it is absent)."""
    target = getattr(inputs.args, "svg", None)
    if not target:
        return
    if target == "-":
        out.write(svg + "\n")
        return
    try:
        with open(target, "w", encoding="utf-8") as fh:
            fh.write(svg + "\n")
    except OSError as err:
        raise BadInput(f"--svg: cannot write {target!r}: {err.strerror or err}",
                       "unreadable-input") from None


def runs_arg(p: argparse.ArgumentParser) -> None:
    """``--runs FILE``: the run history."""
    p.add_argument("--runs", metavar="FILE", help="the run history: a JSON list of runs")

