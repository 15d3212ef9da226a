"""Re-running tasks: ``clear`` and ``mark``."""

from __future__ import annotations

import argparse
import itertools
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from timetable._clear import ClearRequest, RunHistory, plan_clear
from timetable._graph import TaskGraph
from timetable._mark import MarkRequest, plan_mark, plan_mark_run
from timetable._recursive import CrossDagMarker, plan_clear_recursive
from timetable.cli.examples import EXAMPLES
from timetable.cli.inputs import (
    BadInput,
    Inputs,
    build,
    common,
    dag_from_airflow,
    history_from,
    instant_fields,
    read_json,
    request_fields,
    schedule_args,
    svg_arg,
    write_svg,
)
from timetable.cli.registry import Command
from timetable.cli.render import document, print_plan_grid, write_json
from timetable.cli.stream import limit_of, stream_args, stream_mode, write_lines

__all__ = ["COMMANDS"]


_CLEAR_FLAGS = {
    "task": "task_ids", "upstream": "upstream",
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


def _clear_request(inputs: Inputs) -> ClearRequest:
    args = inputs.args
    fields = inputs.request()
    flags = request_fields(args, _CLEAR_FLAGS)
    if "task_ids" in flags:
        flags["task_ids"] = _task_selectors(flags["task_ids"])
    if "exclude_task_ids" in flags:
        flags["exclude_task_ids"] = _task_selectors(flags["exclude_task_ids"])
    if args.task_regex is not None and args.task_pattern is not None:
        raise BadInput("-t/--task-regex and --task-pattern are two spellings of one selector; "
                       "give one")
    if args.task_regex is not None:
        flags["task_pattern"] = args.task_regex
        flags["pattern_syntax"] = "regex"
    elif args.task_pattern is not None:
        flags["task_pattern"] = args.task_pattern
        if args.regex:
            flags["pattern_syntax"] = "regex"
    fields.update(flags)
    if args.reset_runs_to is not None:
        rr = args.reset_runs_to
        fields["reset_runs_to"] = None if rr == "none" else rr
    instant_fields(fields, ("start", "end"), inputs)
    request: ClearRequest = build(ClearRequest, fields, "request")
    if request.task_ids is None and request.task_pattern is None:
        sys.stderr.write(
            "timetable clear: note: no task selector (--task, -t/--task-regex): "
            "every task is selected\n"
        )
    return request


def _task_plan_out(
    inputs: Inputs, out: TextIO, kind: str, plan: Any, graph: Any, history: Any
) -> int:
    """Write a task-level plan (clear, mark, mark-run) as the big-work flags ask.

    ``--json-lines``: one ``task_instance_change`` document per line, then one
    ``run_change`` per run; ``--summary``: the counts only (``task_plan_summary`` with
    ``--json``); ``--limit N``: the first N lines of changes (table or ``--json-lines``).
    """
    mode = stream_mode(inputs)
    limit = limit_of(inputs)
    if mode == "json" and limit is not None:
        raise BadInput("--limit: --json writes the whole plan; use --json-lines --limit N",
                       "usage")
    if mode == "json-lines":
        lines: Iterator[tuple[str, dict[str, Any]]] = itertools.chain(
            (("task_instance_change", c.to_dict()) for c in plan.task_instances),
            (("run_change", r.to_dict()) for r in plan.runs),
        )
        if limit is not None:
            lines = itertools.islice(lines, limit)
        for line_kind, group in itertools.groupby(lines, key=lambda kv: kv[0]):
            write_lines(out, line_kind, (doc for _, doc in group))
        return 0
    if mode == "summary":
        runs = len({c.run_id for c in plan.task_instances})
        counts = [{"before": b, "after": a, "count": n} for b, a, n in plan.state_counts]
        if inputs.args.json:
            write_json(out, document(
                "task_plan_summary", plan=kind, task_instances=len(plan.task_instances),
                runs=runs, run_changes=len(plan.runs), state_counts=counts,
            ))
            return 0
        title = kind.replace("_", "-")
        out.write(f"{title} plan: {len(plan.task_instances)} task instance(s) in {runs} "
                  f"run(s); {len(plan.runs)} run(s) change\n")
        for c in counts:
            out.write(f"  {c['before']} → {c['after']}: {c['count']}\n")
        return 0
    if mode == "json":
        write_json(out, plan.to_dict())
        return 0
    if inputs.doc.get("about"):
        out.write(f"example: {inputs.doc['about']}\n\n")
    text = plan.to_text().splitlines()
    if limit is None:
        if graph is not None:
            changed = {(c.run_id, c.task_id) for c in plan.task_instances}
            print_plan_grid(graph, history, changed, out)
        out.write("\n".join(text) + "\n")
        return 0
    # the first line counts everything; a line per change follows, then the state counts
    changes = text[1:1 + len(plan.task_instances) + len(plan.runs)]
    rest = text[1 + len(changes):]
    out.write("\n".join([text[0], *changes[:limit]]) + "\n")
    if len(changes) > limit:
        out.write(f"  (the first {limit} of {len(changes)} changes: --limit {limit})\n")
    if rest:
        out.write("\n".join(rest) + "\n")
    return 0


def cmd_clear(inputs: Inputs, out: TextIO) -> int:
    if inputs.args.dags is not None:
        return _clear_dags(inputs, out)
    graph = inputs.graph()
    history = inputs.history()
    request = _clear_request(inputs)
    plan = plan_clear(graph, request, history=history,
                      unknown_tasks="removed" if inputs.args.removed_tasks else "error")
    if inputs.args.svg:
        from timetable.draw import task_grid

        changed = {(c.run_id, c.task_id) for c in plan.task_instances}
        runs = [r.run_id for r in history.runs.runs if any(c[0] == r.run_id for c in changed)]
        states = {(ti.run_id, ti.task_id): None if ti.state is None else ti.state.value
                  for ti in history.task_instances}
        tasks = list(graph.topological_order)
        write_svg(inputs, task_grid(tasks, runs, states, changed=changed,
                                    title="task instances the clear resets"), out)
    return _task_plan_out(inputs, out, "clear", plan, graph, history)


def _load_dags(folder: str) -> tuple[dict[str, tuple[TaskGraph, RunHistory]], list[CrossDagMarker]]:
    """Every serialized DAG of *folder* (``*.json``) with its history and markers.

    A DAG's history is ``DAG_ID.history.json`` beside it (none: no runs).  Its markers are
    the operators with ``external_dag_id`` and ``external_task_id`` (``ExternalTaskMarker``).
    """
    path = Path(folder)
    if not path.is_dir():
        raise BadInput(f"--dags: {folder!r} is not a folder", "unreadable-input")
    dags: dict[str, tuple[TaskGraph, RunHistory]] = {}
    markers: list[CrossDagMarker] = []
    files = sorted(p for p in path.glob("*.json") if not p.name.endswith(".history.json"))
    if not files:
        raise BadInput(f"--dags: no serialized DAG (*.json) in {folder!r}", "missing-input")
    for file in files:
        info = dag_from_airflow(read_json(str(file), "--dags"), str(file))
        dag_id = info["dag_id"]
        if dag_id in dags:
            raise BadInput(f"--dags: two files hold dag_id={dag_id!r}", "invalid-input")
        graph = info.get("graph") or TaskGraph(tasks=[])
        history_file = path / f"{dag_id}.history.json"
        history = (
            history_from(read_json(str(history_file), "--dags"), str(history_file))
            if history_file.exists() else RunHistory(runs=[], task_instances=[])
        )
        dags[dag_id] = (graph, history)
        for raw in info["tasks"]:
            var = raw.get("__var", raw) if isinstance(raw, dict) else {}
            ext_dag, ext_task = var.get("external_dag_id"), var.get("external_task_id")
            if isinstance(ext_dag, str) and isinstance(ext_task, str):
                markers.append(CrossDagMarker(
                    dag_id=dag_id, task_id=var["task_id"], external_dag_id=ext_dag,
                    external_task_id=ext_task,
                    recursion_depth=int(var.get("recursion_depth", 10) or 10),
                ))
    known = set(dags)
    return dags, [m for m in markers if m.external_dag_id in known]


def _clear_dags(inputs: Inputs, out: TextIO) -> int:
    args = inputs.args
    if stream_mode(inputs) in ("json-lines", "summary") or limit_of(inputs) is not None:
        raise BadInput("--dags writes one plan per DAG: not with --json-lines, --summary or "
                       "--limit", "usage")
    dags, markers = _load_dags(args.dags)
    if args.dag_id is None:
        raise BadInput("--dags needs --dag-id (the DAG to clear in, or a regex with -R)",
                       "missing-input")
    if args.dag_regex:
        try:
            pattern = re.compile(args.dag_id)
        except re.error as err:
            raise BadInput(f"--dag-id={args.dag_id!r}: not a regex ({err})") from None
        starts = [d for d in sorted(dags) if pattern.search(d)]
        if not starts:
            raise BadInput(f"--dag-id={args.dag_id!r}: no DAG id matches (known: "
                           f"{', '.join(sorted(dags))})", "invalid-input")
    else:
        starts = [args.dag_id]
    request = _clear_request(inputs)
    plans = [plan_clear_recursive(dags, start, request, markers=markers) for start in starts]
    if args.json:
        if len(plans) == 1:
            write_json(out, plans[0].to_dict())
        else:
            write_json(out, document("clear_dags", dags=[
                {"dag_id": start, "plan": plan.to_dict()}
                for start, plan in zip(starts, plans, strict=True)
            ]))
        return 0
    out.write(f"{len(dags)} DAG(s) in {args.dags}, {len(markers)} cross-DAG marker(s)\n")
    for start, plan in zip(starts, plans, strict=True):
        out.write(f"clear starting in {start} (markers followed to depth {plan.depth}):\n")
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
        return _task_plan_out(inputs, out, "mark_run", run_plan, None, history)
    tt = None
    if inputs.get("schedule") is not None or inputs.args.timetable or inputs.doc.get(
        "timetable"
    ):
        tt = inputs.timetable()
    request = build(MarkRequest, fields, "request")
    plan = plan_mark(graph, request, history=history, timetable=tt)
    return _task_plan_out(inputs, out, "mark", plan, graph, history)


def _clear_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("inputs")
    g.add_argument("--graph", metavar="FILE", help="the DAG's tasks as JSON")
    g.add_argument("--history", metavar="FILE",
                   help='{"runs": [...], "task_instances": [...]} as JSON')
    g.add_argument("--request", metavar="FILE", help="a ClearRequest as JSON")
    g.add_argument("--dags", metavar="DIR",
                   help="a folder of Airflow serialized DAGs (*.json, each with an optional "
                   "DAG_ID.history.json): clear across DAGs, following ExternalTaskMarkers")
    g.add_argument("--dag-id", help="with --dags: the DAG to clear in")
    g.add_argument("-R", "--dag-regex", action="store_true",
                   help="with --dags: --dag-id is a regex; clear in every DAG it matches")
    g = p.add_argument_group("which tasks (none given: every task)")
    g.add_argument("--task", action="append", metavar="TASK",
                   help="a task id, or id[map_index]; repeatable")
    g.add_argument("-t", "--task-regex", metavar="REGEX",
                   help="tasks whose id the regex matches anywhere (Airflow's -t)")
    g.add_argument("--task-pattern", metavar="TEXT",
                   help="tasks whose id contains this text")
    g.add_argument("--regex", action="store_true",
                   help="--task-pattern is a regex (same as -t/--task-regex)")
    g.add_argument("-u", "--upstream", action="store_true", default=None,
                   help="also the selected tasks' upstream tasks")
    g.add_argument("-d", "--downstream", action="store_true", default=None,
                   help="also the selected tasks' downstream tasks")
    g.add_argument("--exclude-task", action="append", metavar="TASK",
                   help="never clear this task; repeatable")
    g = p.add_argument_group("which runs and states")
    g.add_argument("--run-id", help="clear in this run only")
    g.add_argument("-s", "--start-date", "--start", dest="start",
                   help="earliest logical date (inclusive)")
    g.add_argument("-e", "--end-date", "--end", dest="end",
                   help="latest logical date (inclusive)")
    g.add_argument("--past", action="store_true", default=None,
                   help="drop the lower bound (every earlier run too)")
    g.add_argument("--future", action="store_true", default=None,
                   help="drop the upper bound (every later run too)")
    g.add_argument("-f", "--only-failed", action="store_true", default=None,
                   help="only failed and upstream_failed task instances")
    g.add_argument("-r", "--only-running", action="store_true", default=None,
                   help="only running task instances")
    g.add_argument("--exclude-run", action="append", metavar="RUN_ID",
                   help="never clear in this run; repeatable")
    g = p.add_argument_group("what the clear does")
    g.add_argument("--reset-runs-to", choices=("queued", "running", "none"),
                   help="what finished affected runs become (default queued)")
    g.add_argument("--prevent-running", action="store_true", default=None,
                   help="refuse when a running task instance is selected")
    g.add_argument("--reset-upstream-failed", action="store_true", default=None,
                   help="also reset upstream_failed instances below the cleared ones")
    g.add_argument("--removed-tasks", action="store_true",
                   help="task instances of tasks not in the graph were removed from the DAG")
    g.add_argument("-y", "--yes", action="store_true",
                   help="accepted for Airflow's spelling; nothing is asked: this only plans")
    stream_args(p, what="changes")
    svg_arg(p)
    common(p)


def _mark_arguments(p: argparse.ArgumentParser) -> None:
    schedule_args(p)
    p.add_argument("--graph", metavar="FILE", help="the DAG's tasks as JSON")
    p.add_argument("--history", metavar="FILE",
                   help='{"runs": [...], "task_instances": [...]} as JSON')
    p.add_argument("--request", metavar="FILE", help="a MarkRequest as JSON")
    p.add_argument("--task", help="the task to mark (leave out to mark the run)")
    p.add_argument("--run-id", help="the run")
    p.add_argument("--state", choices=("success", "failed", "skipped", "queued"),
                   help="the state to set")
    p.add_argument("--map-index", type=int, action="append", metavar="N",
                   help="only this mapped instance; repeatable")
    p.add_argument("-u", "--upstream", action="store_true", default=None,
                   help="also the task's upstream tasks")
    p.add_argument("-d", "--downstream", action="store_true", default=None,
                   help="also the task's downstream tasks")
    p.add_argument("--past", action="store_true", default=None,
                   help="also the task in earlier runs")
    p.add_argument("--future", action="store_true", default=None,
                   help="also the task in later runs")
    p.add_argument("--grid", choices=("airflow", "strict"),
                   help="which runs --past/--future reach: Airflow's (by logical date, any "
                   "run type) or strict (the schedule's grid)")
    p.add_argument("--no-clear-failed-downstream", action="store_true",
                   help="leave failed downstream tasks alone when marking success")
    stream_args(p, what="changes")
    common(p)


COMMANDS = (
    Command("clear", "which task instances a clear resets, and how", cmd_clear,
            _clear_arguments, EXAMPLES["clear"], rank=70),
    Command("mark", "mark a task (or a whole run) success / failed", cmd_mark,
            _mark_arguments, EXAMPLES["mark"], rank=80),
)
