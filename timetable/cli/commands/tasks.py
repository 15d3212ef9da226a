"""Re-running tasks: ``clear`` and ``mark``."""

from __future__ import annotations

import argparse
import re
from typing import Any, TextIO

from timetable._clear import ClearRequest, plan_clear
from timetable._mark import MarkRequest, plan_mark, plan_mark_run
from timetable.cli.examples import EXAMPLES
from timetable.cli.inputs import (
    BadInput,
    Inputs,
    build,
    common,
    instant_fields,
    request_fields,
    schedule_args,
)
from timetable.cli.registry import Command
from timetable.cli.render import print_plan_grid, write_json

__all__ = ["COMMANDS"]


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


def cmd_clear(inputs: Inputs, out: TextIO) -> int:
    graph = inputs.graph()
    history = inputs.history()
    fields = inputs.request()
    flags = request_fields(inputs.args, _CLEAR_FLAGS)
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
    instant_fields(fields, ("start", "end"), inputs)
    request = build(ClearRequest, fields, "request")
    plan = plan_clear(graph, request, history=history,
                      unknown_tasks="removed" if inputs.args.removed_tasks else "error")
    if inputs.args.json:
        write_json(out, plan.to_dict())
        return 0
    if inputs.doc.get("about"):
        out.write(f"example: {inputs.doc['about']}\n\n")
    print_plan_grid(graph, history, {(c.run_id, c.task_id) for c in plan.task_instances}, out)
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
    fields.update(request_fields(inputs.args, _MARK_FLAGS))
    if inputs.args.no_clear_failed_downstream:
        fields["clear_failed_downstream"] = False
    if "run_id" not in fields or "state" not in fields:
        raise BadInput("--run-id and --state are required (or a request with them)")
    if "task_id" not in fields:
        run_plan = plan_mark_run(graph, run_id=fields["run_id"], state=fields["state"],
                                 history=history)
        if inputs.args.json:
            write_json(out, run_plan.to_dict())
        else:
            out.write(run_plan.to_text() + "\n")
        return 0
    tt = None
    if inputs.get("schedule") is not None or inputs.args.timetable or inputs.doc.get(
        "timetable"
    ):
        tt = inputs.timetable()
    request = build(MarkRequest, fields, "request")
    plan = plan_mark(graph, request, history=history, timetable=tt)
    if inputs.args.json:
        write_json(out, plan.to_dict())
        return 0
    if inputs.doc.get("about"):
        out.write(f"example: {inputs.doc['about']}\n\n")
    changed = {(c.run_id, c.task_id) for c in plan.task_instances}
    print_plan_grid(graph, history, changed, out)
    out.write(plan.to_text() + "\n")
    return 0


def _clear_arguments(p: argparse.ArgumentParser) -> None:
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
    common(p)


def _mark_arguments(p: argparse.ArgumentParser) -> None:
    schedule_args(p)
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
    common(p)


COMMANDS = (
    Command("clear", "which task instances a clear resets, and how", cmd_clear,
            _clear_arguments, EXAMPLES["clear"], rank=70),
    Command("mark", "mark a task (or a whole run) success / failed", cmd_mark,
            _mark_arguments, EXAMPLES["mark"], rank=80),
)
