"""Reading what Airflow stores: ``from-airflow``."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from timetable import serialization
from timetable._catchup import plan_catchup
from timetable._runs import next_run_info
from timetable.cli.examples import EXAMPLES
from timetable.cli.inputs import (
    BadInput,
    Inputs,
    common,
    read_json,
    restriction_args,
    runs_arg,
    time_restriction,
)
from timetable.cli.registry import Command
from timetable.cli.render import description, fmt, run_info_json, write_json

__all__ = ["COMMANDS"]


def cmd_from_airflow(inputs: Inputs, out: TextIO) -> int:
    args = inputs.args
    if args.file is not None:
        data = read_json(args.file, "FILE")
    elif "dag" in inputs.doc:
        data = inputs.doc["dag"]
    else:
        raise BadInput("give the file Airflow's serialized timetable or DAG is in (- for stdin)",
                       "missing-input")
    tt = inputs.with_dst(inputs._timetable_from(data))
    inputs._timetable = tt
    now = inputs.now()
    restriction = time_restriction(inputs)
    info = next_run_info(tt, last_interval=None, restriction=restriction, now=now)
    history = inputs.runs()
    plan = plan_catchup(tt, runs=history, restriction=restriction, now=now,
                        max_active_runs=inputs.integer("max_active_runs"))
    graph = inputs.dag.get("graph")
    no_plan = None
    if restriction.earliest is None and tt.periodic:
        no_plan = ("the DAG has no start_date, and the scheduler creates no run before it; "
                   "give --start (a date, or 'now') for a catchup plan")
    result = {
        "version": 1,
        "kind": "from_airflow",
        "dag_id": inputs.dag.get("dag_id"),
        **description(tt),
        "start": None if restriction.earliest is None else restriction.earliest.isoformat(),
        "end": None if restriction.latest is None else restriction.latest.isoformat(),
        "catchup": restriction.catchup,
        "tasks": None if graph is None else [serialization._fields(t) for t in graph.tasks],
        "first_run": None if info is None else run_info_json(info),
        "catchup_plan": plan.to_dict(),
        "no_plan_reason": no_plan,
    }
    if args.json:
        write_json(out, result)
        return 0
    if inputs.dag.get("dag_id"):
        out.write(f"dag          {inputs.dag['dag_id']}\n")
    for key in ("timetable_kind", "summary", "description"):
        out.write(f"{key.removeprefix('timetable_'):<12} {result[key]}\n")
    out.write(f"{'start':<12} {fmt(restriction.earliest)}\n")
    if restriction.latest:
        out.write(f"{'end':<12} {fmt(restriction.latest)}\n")
    out.write(f"{'catchup':<12} {'on' if restriction.catchup else 'off'}\n")
    if graph is not None:
        out.write(f"{'tasks':<12} {', '.join(t.task_id for t in graph.tasks)}\n")
    out.write(f"{'as JSON':<12} {json.dumps(result['timetable'])}\n")
    if no_plan is not None:
        out.write(f"no plan: {no_plan}\n")
    if plan.create_count:
        runs = plan.to_create
        out.write(f"at {fmt(now)}: {plan.create_count} run(s) to create, "
                  f"{fmt(runs[0].logical_date)} .. {fmt(runs[-1].logical_date)}\n")
    if plan.next_run is not None:
        out.write(f"then next: logical date {fmt(plan.next_run.logical_date)}, "
                  f"run after {fmt(plan.next_run.run_after)}\n")
    return 0


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", nargs="?", metavar="FILE",
                   help="a serialized timetable or DAG (- for stdin)")
    restriction_args(p)
    runs_arg(p)
    p.add_argument("--max-active-runs", type=int, metavar="N",
                   help="Airflow's creation gate: at most N runs running at a time")
    p.add_argument("--dst-gap", choices=("shift", "clamp", "skip"),
                   help="override the DST gap policy (default shift, Airflow's)")
    p.add_argument("--dst-fold", choices=("second", "first", "both"),
                   help="override the DST fold policy (default second, Airflow's)")
    p.add_argument("--schedule", help=argparse.SUPPRESS)
    p.add_argument("--timetable", help=argparse.SUPPRESS)
    common(p)


COMMANDS = (
    Command("from-airflow", "describe and plan with the JSON Airflow stores for a DAG",
            cmd_from_airflow, _arguments, EXAMPLES["from-airflow"], rank=110),
)
