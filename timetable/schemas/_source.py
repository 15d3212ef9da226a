"""The JSON Schemas of every document, as data (the shipped ``*.schema.json`` files are
written from here: ``python -m timetable.schemas._source``; a test checks they agree).

Enum values come from the library's own enums, so a new state or reason cannot drift
from its schema.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["build_all", "reference_markdown", "write_all"]

_DRAFT = "https://json-schema.org/draft/2020-12/schema"
_BASE = "https://timetable.invalid/schemas/"


def _enum_values(cls: Any) -> list[str]:
    return [m.value for m in cls]


def _defs() -> dict[str, Any]:
    from timetable._backfill import ReprocessBehavior
    from timetable._catchup import CatchupStop
    from timetable._decisions import DependsOnPastRule
    from timetable._planning import Action, Reason
    from timetable._records import RunState, RunType, TaskState

    instant = {
        "type": "string",
        "description": "An ISO-8601 datetime with its UTC offset.",
        "pattern": r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?"
                   r"(Z|[+-]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)$",
    }
    ref = _ref
    nullable = _nullable
    return {
        "instant": instant,
        "interval": {
            "type": "object",
            "description": "A data interval (or a window): always {start, end}.",
            "required": ["start", "end"],
            "additionalProperties": False,
            "properties": {"start": ref("instant"), "end": ref("instant")},
        },
        "duration": {
            "description": "A duration: {seconds} for a timedelta, {relativedelta} for "
                           "calendar steps.",
            "oneOf": [
                {"type": "object", "required": ["seconds"], "additionalProperties": False,
                 "properties": {"seconds": {"type": "number"}}},
                {"type": "object", "required": ["relativedelta"], "additionalProperties": False,
                 "properties": {"relativedelta": {"type": "object",
                                                  "additionalProperties": {"type": "integer"}}}},
            ],
        },
        "conf": {"type": ["object", "null"]},
        "run_id": {"type": "string", "minLength": 1},
        "run_state": {"enum": _enum_values(RunState)},
        "run_type": {"enum": _enum_values(RunType)},
        "task_state": {"enum": [*_enum_values(TaskState), None]},
        "action": {"enum": _enum_values(Action)},
        "reason": {"enum": _enum_values(Reason)},
        "catchup_stop": {"enum": _enum_values(CatchupStop)},
        "reprocess_behavior": {"enum": [*_enum_values(ReprocessBehavior), None]},
        "depends_on_past_rule": {"enum": _enum_values(DependsOnPastRule)},
        "count": {"type": "integer", "minimum": 0},
        "run_info": _object({
            "logical_date": ref("instant"),
            "data_interval": ref("interval"),
            "run_after": ref("instant"),
        }),
        "run_record": _object({
            "run_id": ref("run_id"),
            "run_type": ref("run_type"),
            "logical_date": nullable("instant"),
            "data_interval": nullable("interval"),
            "run_after": ref("instant"),
            "state": ref("run_state"),
            "conf": ref("conf"),
            "clear_number": ref("count"),
        }),
        "interval_range": _object({
            "reason": ref("reason"),
            "count": ref("count"),
            "first": ref("run_info"),
            "last": ref("run_info"),
        }),
        "task_instance_change": _object({
            "run_id": ref("run_id"),
            "task_id": {"type": "string", "minLength": 1},
            "map_index": {"type": "integer", "minimum": -1},
            "state_before": ref("task_state"),
            "state_after": ref("task_state"),
            "try_number": ref("count"),
            "max_tries_before": ref("count"),
            "max_tries_after": ref("count"),
            "reasons": {"type": "array", "items": {"type": "string"}},
        }),
        "run_change": _object({
            "run_id": ref("run_id"),
            "state_before": ref("run_state"),
            "state_after": ref("run_state"),
            "clear_number_before": ref("count"),
            "clear_number_after": ref("count"),
            "start_date": {"enum": ["unchanged", "reset", "now"]},
            "reason": {"type": "string"},
        }),
        "state_count": _object({
            "before": {"type": "string"},
            "after": {"type": "string"},
            "count": ref("count"),
        }),
        "ti_key": {"type": "array", "prefixItems": [ref("run_id"), {"type": "string"},
                                                    {"type": "integer"}],
                   "minItems": 3, "maxItems": 3},
        "field_change": _object({"before": {}, "after": {}}),
        "changes": {"type": "object", "additionalProperties": ref("field_change")},
        "change_finding": {
            "type": "object",
            "required": ["kind", "reason", "data_interval", "run_ids", "detail"],
            "properties": {"kind": {"type": "string"}, "reason": {"type": "string"},
                           "data_interval": nullable("interval"),
                           "run_ids": {"type": "array", "items": {"type": "string"}},
                           "detail": {"type": "string"}},
        },
    }


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{name}"}


def _nullable(name: str) -> dict[str, Any]:
    return {"anyOf": [_ref(name), {"type": "null"}]}


def _object(properties: dict[str, Any], *, optional: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "required": [k for k in properties if k not in optional],
        "additionalProperties": False,
        "properties": properties,
    }


def _array(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


def _task_plan(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "task_instances": _array(_ref("task_instance_change")),
        "runs": _array(_ref("run_change")),
        "state_counts": _array(_ref("state_count")),
        **(extra or {}),
    }


def _bodies() -> dict[str, tuple[str, dict[str, Any]]]:
    """``kind -> (title, properties besides version and kind)``."""
    ref, nullable = _ref, _nullable
    entry = {
        "action": ref("action"), "reason": ref("reason"), "run_id": ref("run_id"),
        "logical_date": ref("instant"), "data_interval": ref("interval"),
        "run_after": ref("instant"),
    }
    backfill_entry = {
        "sort_ordinal": {"type": "integer", "minimum": 1},
        **entry,
        "run_id": {"anyOf": [ref("run_id"), {"type": "null"}]},
        "existing_run_id": {"anyOf": [ref("run_id"), {"type": "null"}]},
        "wave": {"type": ["integer", "null"], "minimum": 1},
    }
    insert = _object({
        "run_id": ref("run_id"), "run_type": ref("run_type"),
        "logical_date": nullable("instant"), "data_interval_start": nullable("instant"),
        "data_interval_end": nullable("instant"), "run_after": ref("instant"),
        "state": ref("run_state"), "conf": ref("conf"), "clear_number": ref("count"),
        "triggered_by": {"type": ["string", "null"]},
    })
    run_update = _object({
        "dag_id": {"type": "string", "minLength": 1}, "run_id": ref("run_id"),
        "changes": ref("changes"), "start_date": {"enum": ["unchanged", "reset", "now"]},
    }, optional=("dag_id",))
    ti_update = _object({
        "dag_id": {"type": "string", "minLength": 1}, "run_id": ref("run_id"),
        "task_id": {"type": "string", "minLength": 1},
        "map_index": {"type": "integer", "minimum": -1}, "changes": ref("changes"),
    }, optional=("dag_id",))
    clear_doc = {"type": "object", "required": ["version", "kind", "task_instances", "runs",
                                                "state_counts"],
                 "additionalProperties": False,
                 "properties": {"version": {"const": 1}, "kind": {"const": "clear"},
                                **_task_plan()}}
    return {
        "changeset": ("Changeset: the rows a plan writes", {
            "runs_to_insert": _array(insert),
            "runs_to_update": _array(run_update),
            "task_instances_to_update": _array(ti_update),
        }),
        "catchup": ("Catchup plan", {
            "now": ref("instant"),
            "catchup": {"type": "boolean"},
            "policy": _object({
                "kind": {"enum": ["airflow", "window", "latest", "coalesce"]},
                "window": nullable("duration"),
                "count": {"type": ["integer", "null"], "minimum": 1},
            }),
            "reference_run_id": {"anyOf": [ref("run_id"), {"type": "null"}]},
            "active_runs": ref("count"),
            "stopped": ref("catchup_stop"),
            "next_run": nullable("run_info"),
            "entries": _array(_object(entry)),
            "skipped": _array(ref("interval_range")),
        }),
        "backfill": ("Backfill plan", {
            "now": ref("instant"),
            "dry_run": {"type": "boolean"},
            "request": _object({
                "from_date": ref("instant"), "to_date": ref("instant"),
                "run_backwards": {"type": "boolean"},
                "reprocess_behavior": ref("reprocess_behavior"),
                "max_active_runs": {"type": "integer", "minimum": 1},
                "dag_run_conf": ref("conf"),
            }),
            "counts": _object({a: ref("count") for a in ("create", "reprocess", "skip")}),
            "entries": _array(_object(backfill_entry)),
            "reprocessed_runs": _array(ref("run_record")),
            "excluded": _array(_object({
                "logical_date": ref("instant"),
                "reason": {"type": "string", "description": "'excluded: <why>' or "
                           "'rolled: <why> -> <instant>' (a business calendar's doing)"},
            })),
        }),
        "gaps": ("Gap report", {
            "start": ref("instant"), "end": ref("instant"), "now": ref("instant"),
            "expected": ref("count"), "present": ref("count"), "missing": ref("count"),
            "failed": ref("count"),
            "gaps": _array(ref("interval_range")),
            "off_grid": _array(ref("run_id")),
        }),
        "clear": ("Clear plan", _task_plan()),
        "mark": ("Mark plan", _task_plan({"altered": _array(ref("ti_key")),
                                          "cleared": _array(ref("ti_key"))})),
        "mark_run": ("Mark-run plan", _task_plan({
            "run_id": ref("run_id"), "run_state_before": ref("run_state"),
            "run_state_after": ref("run_state"),
        })),
        "clear_recursive": ("Recursive clear plan", {
            "depth": ref("count"),
            "dags": _array(_object({"dag_id": {"type": "string", "minLength": 1},
                                    "plan": clear_doc})),
        }),
        "manual_run": ("Manual run", {
            "run_id": ref("run_id"), "run_type": ref("run_type"),
            "logical_date": nullable("instant"), "data_interval": nullable("interval"),
            "run_after": ref("instant"), "state": ref("run_state"), "conf": ref("conf"),
            "reason": {"type": "string"},
        }),
        "depends_on_past": ("depends_on_past verdict", {
            "passed": {"type": "boolean"}, "rule": ref("depends_on_past_rule"),
            "reason": {"type": "string"},
            "previous_run_id": {"anyOf": [ref("run_id"), {"type": "null"}]},
        }),
        "schedule_change": ("Schedule-change plan", {
            "now": ref("instant"),
            "restriction": {"type": "object"},
            "reference_run_id": {"anyOf": [ref("run_id"), {"type": "null"}]},
            "next_runs": _array({"type": "object", "required": ["logical_date", "data_interval",
                                                                "run_after"],
                                 "properties": {"data_interval": nullable("interval"),
                                                "run_after": ref("instant")}}),
            "upcoming": {"anyOf": [{"type": "object"}, {"type": "null"}]},
            "stopped": {"type": ["string", "null"]},
            "uncovered": _array(ref("change_finding")),
            "overlaps": _array(ref("change_finding")),
            "collisions": _array(ref("change_finding")),
            "off_schedule": _array(ref("change_finding")),
            "recommendation": _array({"type": "object", "required": ["action", "text"]}),
        }),
        "run_explanation": ("Why (or why not) a run at an instant", {
            "at": ref("instant"), "match": {"type": "string"}, "verdict": {"type": "string"},
            "reason": {"type": "string"}, "run": {"anyOf": [{"type": "object"}, {"type": "null"}]},
            "run_id": {"anyOf": [ref("run_id"), {"type": "null"}]},
            "before": {"anyOf": [{"type": "object"}, {"type": "null"}]},
            "after": {"anyOf": [{"type": "object"}, {"type": "null"}]},
            "instead": {"anyOf": [{"type": "object"}, {"type": "null"}]},
            "moved_to": {"anyOf": [ref("instant"), {"type": "null"}]},
            "numbers": {"type": "object"}, "text": {"type": "string"},
        }),
        "dst_report": ("DST report", {
            "timezone": {"type": "string"}, "policy": {"type": "string"},
            "start": ref("instant"), "end": ref("instant"),
            "ticks": _array({"type": "object", "required": ["tick", "wall", "transition",
                                                           "policies", "length_seconds"],
                             "properties": {"tick": ref("instant"),
                                            "length_seconds": {"type": "number"}}}),
        }),
        "lint_report": ("Lint findings", {
            "schedule": {"type": ["string", "null"]},
            "findings": _array(_object({
                "id": {"type": "string", "pattern": "^TT[0-9]{3}$"},
                "name": {"type": "string"},
                "severity": {"enum": ["error", "warning", "info"]},
                "message": {"type": "string"}, "proof": {"type": "string"},
            })),
        }),
        # -- documents the command line writes (besides the library's plans) --------------
        "next": ("CLI: the next runs", {
            "now": ref("instant"), "after": nullable("interval"),
            "runs": _array(ref("run_info")),
        }),
        "run_info": ("CLI: one run (a line of `runs --json`)", {
            "logical_date": nullable("instant"), "data_interval": nullable("interval"),
            "run_after": ref("instant"),
        }),
        "manual_interval": ("CLI: a manual run's interval", {
            "run_after": ref("instant"), "logical_date": nullable("instant"),
            "data_interval": nullable("interval"),
        }),
        "description": ("CLI: a timetable described", {
            "timetable_kind": {"type": "string"}, "summary": {"type": "string"},
            "description": {"type": "string"}, "periodic": {"type": "boolean"},
            "timetable": {"type": "object", "required": ["type", "version", "kind"]},
        }),
        "validation": ("CLI: a timetable validated", {
            "valid": {"const": True}, "timetable_kind": {"type": "string"},
            "summary": {"type": "string"},
        }),
        "from_airflow": ("CLI: an Airflow serialized DAG read", {
            "dag_id": {"type": ["string", "null"]}, "timetable_kind": {"type": "string"},
            "summary": {"type": "string"}, "description": {"type": "string"},
            "periodic": {"type": "boolean"},
            "timetable": {"type": "object", "required": ["type", "version", "kind"]},
            "start": nullable("instant"), "end": nullable("instant"),
            "catchup": {"type": "boolean"}, "tasks": _array({"type": "object"}),
            "first_run": {"anyOf": [ref("run_info"), {"type": "null"}]},
            "catchup_plan": {"anyOf": [{"type": "object",
                                        "properties": {"kind": {"const": "catchup"}}},
                                       {"type": "null"}]},
            "no_plan_reason": {"type": ["string", "null"]},
        }),
        "clear_dags": ("CLI: a clear across a folder of serialized DAGs", {
            "dags": _array(_object({"dag_id": {"type": "string", "minLength": 1},
                                    "plan": {"type": "object",
                                             "required": ["version", "kind"]}})),
        }),
        # -- big work: one document per line (--json-lines) and --summary -------------------
        "catchup_entry": ("CLI: one entry of a catchup plan (a line of `catchup --json-lines`)",
                          entry),
        "backfill_entry": ("CLI: one entry of a backfill plan (a line of `backfill "
                           "--json-lines`)", backfill_entry),
        "gap": ("CLI: one gap range (a line of `gaps --json-lines`)", {
            "reason": ref("reason"), "count": ref("count"),
            "first": ref("run_info"), "last": ref("run_info"),
        }),
        "catchup_summary": ("CLI: a catchup plan counted (`catchup --summary --json`)", {
            "now": ref("instant"), "catchup": {"type": "boolean"}, "entries": ref("count"),
            "counts": _object({a: ref("count") for a in ("create", "reprocess", "skip")}),
            "first_logical_date": nullable("instant"), "last_logical_date": nullable("instant"),
            "stopped": ref("catchup_stop"), "next_run": nullable("run_info"),
        }),
        "backfill_summary": ("CLI: a backfill plan counted (`backfill --summary --json`)", {
            "now": ref("instant"), "dry_run": {"type": "boolean"},
            "from_date": ref("instant"), "to_date": ref("instant"), "entries": ref("count"),
            "counts": _object({a: ref("count") for a in ("create", "reprocess", "skip")}),
            "waves": ref("count"),
            "first_logical_date": nullable("instant"), "last_logical_date": nullable("instant"),
        }),
        "task_instance_change": ("CLI: one task-instance change of a clear or mark plan (a "
                                 "line of `clear`/`mark --json-lines`)",
                                 _defs()["task_instance_change"]["properties"]),
        "run_change": ("CLI: one run change of a clear or mark plan (a line of `clear`/`mark "
                       "--json-lines`, after the task-instance changes)",
                       _defs()["run_change"]["properties"]),
        "task_plan_summary": ("CLI: a clear, mark or mark-run plan counted (`clear`/`mark "
                              "--summary --json`)", {
            "plan": {"enum": ["clear", "mark", "mark_run"]},
            "task_instances": ref("count"), "runs": ref("count"),
            "run_changes": ref("count"), "state_counts": _array(ref("state_count")),
        }),
        "gaps_summary": ("CLI: a gap report counted (`gaps --summary --json`)", {
            "start": ref("instant"), "end": ref("instant"), "now": ref("instant"),
            "expected": ref("count"), "present": ref("count"), "missing": ref("count"),
            "failed": ref("count"), "ranges": ref("count"), "off_grid": ref("count"),
        }),
        "latest_only": ("LatestOnly decision", {
            "is_latest": {"type": "boolean"},
            "reason": {"enum": ["manual_run", "no_next_run", "in_window", "outside_window"]},
            "window": nullable("interval"),
        }),
    }


def _value_schema(defs: dict[str, Any]) -> dict[str, Any]:
    import timetable
    from timetable.serialization import registered_types

    # Built-in kinds only: kinds a host registers at run time are dotted or custom names
    # that the schema admits as any other string, so the shipped file never depends on
    # what happens to be registered in the process that builds it.
    names = sorted(
        n for n in registered_types() if n not in _PLAN_TYPES and n in timetable.__all__
    )
    return {
        "$schema": _DRAFT,
        "$id": f"{_BASE}value.schema.json",
        "title": "A value: timetable, record, request or graph (serialization.to_dict)",
        "type": "object",
        "required": ["type", "version", "kind"],
        "properties": {
            "type": {"anyOf": [
                {"enum": names},
                {"type": "string", "minLength": 1,
                 "description": "a kind registered with timetable.serialization.register"},
            ]},
            "version": {"const": 1},
            "kind": {"type": "string",
                     "description": "\"value\", or the value's own field called kind "
                                    "(CatchupPolicy, ChangeFinding)"},
            "data_interval": {"anyOf": [_ref("interval"), {"type": "null"}]},
            "conf": _ref("conf"),
        },
        "additionalProperties": True,
        "$defs": {k: defs[k] for k in ("instant", "interval", "conf")},
    }


_PLAN_TYPES = frozenset({
    "BackfillPlan", "CatchupPlan", "Changeset", "ClearPlan", "DependsOnPastVerdict",
    "GapReport", "LatestOnlyDecision", "ManualRun", "MarkPlan", "MarkRunPlan",
    "RecursiveClearPlan", "ScheduleChangePlan",
})  # fmt: skip


def _used(schema: Any, defs: dict[str, Any], out: set[str]) -> set[str]:
    if isinstance(schema, dict):
        target = schema.get("$ref")
        if isinstance(target, str) and target.startswith("#/$defs/"):
            name = target.rsplit("/", 1)[1]
            if name not in out:
                out.add(name)
                _used(defs[name], defs, out)
        for value in schema.values():
            _used(value, defs, out)
    elif isinstance(schema, list):
        for value in schema:
            _used(value, defs, out)
    return out


def build_all() -> dict[str, dict[str, Any]]:
    """``kind -> schema`` for every document kind."""
    defs = _defs()
    out: dict[str, dict[str, Any]] = {}
    for kind, (title, props) in _bodies().items():
        body = {
            "type": "object",
            "required": ["version", "kind", *props],
            "additionalProperties": False,
            "properties": {"version": {"const": 1}, "kind": {"const": kind}, **props},
        }
        used = _used(body, defs, set())
        out[kind] = {
            "$schema": _DRAFT,
            "$id": f"{_BASE}{kind}.schema.json",
            "title": title,
            **body,
            "$defs": {k: defs[k] for k in sorted(used)},
        }
    out["value"] = _value_schema(defs)
    return out


def write_all(directory: Path | None = None) -> list[Path]:
    """Write every schema file (``<kind>.schema.json``) into *directory*."""
    target = directory or Path(__file__).parent
    written = []
    for kind, schema in sorted(build_all().items()):
        path = target / f"{kind}.schema.json"
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


def reference_markdown() -> str:
    """The *JSON Schemas* reference page (``docs/reference/schemas.md``)."""
    built = build_all()
    lines = [
        "# JSON Schemas",
        "",
        "Every document the library writes carries `\"version\"` and `\"kind\"`, and each",
        "kind has a JSON Schema (draft 2020-12) shipped inside the package as",
        "`timetable/schemas/<kind>.schema.json`.",
        "Check a document with `timetable.schemas.validate(document)`",
        "(it needs `jsonschema`, part of the `test` extra);",
        "`timetable.schemas.schema(kind)` returns a schema as a dict.",
        "The encodings are the same in every document: a data interval (or a window) is",
        "`{\"start\", \"end\"}`, a datetime is ISO-8601 text with its offset,",
        "and a duration is `{\"seconds\": N}` (or `{\"relativedelta\": {…}}`",
        "for calendar steps).",
        "",
        "This page is generated from the schemas (`python -m timetable.schemas._source`).",
        "",
        "| kind | written by |",
        "|---|---|",
    ]
    writers = {
        "backfill": "`BackfillPlan.to_dict()`",
        "catchup": "`CatchupPlan.to_dict()`",
        "changeset": "`Changeset.to_dict()` (every `plan.changeset()`)",
        "clear": "`ClearPlan.to_dict()`",
        "clear_recursive": "`RecursiveClearPlan.to_dict()`",
        "depends_on_past": "`DependsOnPastVerdict.to_dict()`",
        "gaps": "`GapReport.to_dict()`",
        "latest_only": "`LatestOnlyDecision.to_dict()`",
        "manual_run": "`ManualRun.to_dict()`",
        "mark": "`MarkPlan.to_dict()`",
        "mark_run": "`MarkRunPlan.to_dict()`",
        "value": "`serialization.to_dict(value)` (timetables, records, requests, graphs)",
    }
    for kind in sorted(built):
        lines.append(f"| [`{kind}`](#{kind}) | {writers.get(kind, '')} |")
    for kind, schema in sorted(built.items()):
        lines += ["", f"## {kind}", "", "```json", json.dumps(schema, indent=2,
                                                              ensure_ascii=False), "```"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    for p in write_all():
        print(p)
    page = Path(__file__).parents[2] / "docs" / "reference" / "schemas.md"
    page.write_text(reference_markdown(), encoding="utf-8")
    print(page)
