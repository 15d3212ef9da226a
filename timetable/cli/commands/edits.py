"""Schedule edits and explanations: ``diff``, ``why``, ``dst``, ``lint``."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any, TextIO

from timetable._dst_report import dst_report
from timetable._explain import explain_run
from timetable._lint import lint
from timetable._schedule_change import plan_schedule_change
from timetable.cli.inputs import (
    BadInput,
    Inputs,
    _schedule,
    common,
    restriction_args,
    runs_arg,
    schedule_args,
    time_restriction,
)
from timetable.cli.registry import Command
from timetable.cli.render import Table, describe_tt, fmt, interval_text, write_json

__all__ = ["COMMANDS"]

_DAILY_RUNS = [
    {
        "run_id": f"scheduled__2024-03-0{d + 1}T00:00:00+00:00",
        "run_type": "scheduled",
        "logical_date": f"2024-03-0{d}T00:00:00+00:00",
        "data_interval": {"start": f"2024-03-0{d}T00:00:00+00:00",
                          "end": f"2024-03-0{d + 1}T00:00:00+00:00"},
        "run_after": f"2024-03-0{d + 1}T00:00:00+00:00",
        "state": "success",
    }
    for d in range(1, 5)
]


# -- diff --------------------------------------------------------------------------------------


def _side(inputs: Inputs, name: str) -> Any:
    """OLD or NEW: a schedule string, inline JSON, or a JSON file (ours or Airflow's)."""
    value = getattr(inputs.args, name, None)
    if value is None:
        value = inputs.doc.get(name)
    if value is None:
        raise BadInput(f"diff: give {name.upper()} (a schedule, or a timetable JSON file)")
    zone = inputs.get(f"{name}_timezone") or inputs.get("timezone", "UTC")
    data_intervals = bool(inputs.get(f"{name}_data_intervals", inputs.get("data_intervals", False)))
    if isinstance(value, dict):
        return inputs._timetable_from(value)
    text = str(value).strip()
    if text.startswith("{"):
        try:
            return inputs._timetable_from(json.loads(text))
        except json.JSONDecodeError as err:
            raise BadInput(f"{name.upper()}: not valid JSON ({err.msg})") from None
    if text.endswith(".json") and os.path.exists(text):
        with open(text, encoding="utf-8") as fh:
            try:
                return inputs._timetable_from(json.load(fh))
            except json.JSONDecodeError as err:
                raise BadInput(f"{name.upper()}: {text} is not valid JSON ({err.msg})") from None
    return _schedule(text, timezone=zone, data_intervals=data_intervals)


def cmd_diff(inputs: Inputs, out: TextIO) -> int:
    old = _side(inputs, "old")
    new = _side(inputs, "new")
    now = inputs.now()
    restriction = time_restriction(inputs)
    plan = plan_schedule_change(old, new, runs=inputs.runs(), restriction=restriction, now=now)
    if inputs.args.json:
        write_json(out, plan.to_dict())
        return 0
    out.write(f"old {describe_tt(old)}\nnew {describe_tt(new)}\n")
    out.write(
        f"catchup {'on' if restriction.catchup else 'off'}, now {fmt(now)}, continues from "
        f"{plan.reference_run_id or 'no earlier scheduled run'}\n"
    )
    out.write(f"{len(plan.next_runs)} run(s) to create; stopped: {plan.stopped.value}\n\n")
    if plan.next_runs:
        table = Table(out, (("#", -4), ("logical date", 17), ("data interval", 38),
                            ("run after", 17), ("run id", 0)))
        for rid, info in zip(plan.run_ids, plan.next_runs, strict=True):
            table.row(table.rows + 1, fmt(info.logical_date), interval_text(info.data_interval),
                      fmt(info.run_after), rid)
    if plan.upcoming is not None:
        out.write(f"next: logical date {fmt(plan.upcoming.logical_date)}, "
                  f"run after {fmt(plan.upcoming.run_after)}\n")
    if plan.findings:
        out.write("\n")
        table = Table(out, (("finding", 12), ("reason", 20), ("span", 38), ("detail", 0)))
        for f in plan.findings:
            table.row(f.kind, f.reason.value, interval_text(f.interval), f.detail)
    out.write("\nrecommendation:\n")
    for step in plan.recommendation:
        out.write(f"  - {step.text}\n")
    return 0


def _diff_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("old", nargs="?", help="the schedule before the edit (a cron, preset, "
                   "duration, or a timetable JSON file: ours or Airflow's)")
    p.add_argument("new", nargs="?", help="the schedule after the edit (same forms)")
    p.add_argument("--timezone", help="IANA zone of both cron schedules (default UTC)")
    p.add_argument("--old-timezone", help="zone of OLD when it differs")
    p.add_argument("--new-timezone", help="zone of NEW when it differs")
    p.add_argument("--data-intervals", action="store_true", default=None,
                   help="both cron/duration schedules cover data intervals (Airflow 2 style)")
    p.add_argument("--old-data-intervals", action=argparse.BooleanOptionalAction, default=None,
                   help="OLD covers data intervals (overrides --data-intervals)")
    p.add_argument("--new-data-intervals", action=argparse.BooleanOptionalAction, default=None,
                   help="NEW covers data intervals (overrides --data-intervals)")
    restriction_args(p)
    runs_arg(p)
    common(p)


_DIFF_EXAMPLE = {
    "about": "a daily data-interval DAG switched to the Airflow 3 trigger default, "
    "deployed on 2024-03-07 09:00 UTC",
    "old": "@daily",
    "old_data_intervals": True,
    "new": "@daily",
    "start": "2024-03-01T00:00:00+00:00",
    "catchup": True,
    "now": "2024-03-07T09:00:00+00:00",
    "runs": _DAILY_RUNS,
}


# -- why ---------------------------------------------------------------------------------------


def cmd_why(inputs: Inputs, out: TextIO) -> int:
    tt = inputs.timetable()
    at = inputs.instant("at", "--at", required=True)
    max_active = inputs.get("max_active_runs")
    answer = explain_run(
        tt, at=at, runs=inputs.runs(), restriction=time_restriction(inputs), now=inputs.now(),
        match=inputs.get("match", "logical_date"), paused=bool(inputs.get("paused", False)),
        max_active_runs=None if max_active is None else int(max_active),
    )
    if inputs.args.json:
        write_json(out, answer.to_dict())
        return 0
    out.write(f"schedule  {describe_tt(tt)}\n")
    out.write(f"at        {fmt(at)} ({answer.match.replace('_', ' ')})\n")
    out.write(f"answer    {answer.verdict.replace('_', ' ')}: {answer.reason.value}\n\n")
    out.write(answer.to_text() + "\n")
    return 0


def _why_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--at", help="the instant asked about (ISO-8601 with an offset)")
    p.add_argument("--match", choices=("logical_date", "run_after", "interval"),
                   help="compare --at with the logical date (default), the run_after, or "
                   "find the data interval containing it")
    p.add_argument("--paused", action="store_true", default=None, help="the DAG is paused")
    p.add_argument("--max-active-runs", type=int, help="the DAG's max_active_runs")
    schedule_args(p)
    restriction_args(p)
    runs_arg(p)
    common(p)


_WHY_EXAMPLE = {
    "about": "a daily 06:00 DAG with catchup off: why no run for 2 May?",
    "schedule": "0 6 * * *",
    "data_intervals": True,
    "start": "2024-01-01T00:00:00+00:00",
    "catchup": False,
    "now": "2024-11-01T00:00:00+00:00",
    "at": "2024-05-02T06:00:00+00:00",
    "runs": [],
}


# -- dst ---------------------------------------------------------------------------------------


def cmd_dst(inputs: Inputs, out: TextIO) -> int:
    tt = inputs.timetable()
    start = inputs.instant("start", "--from", required=True)
    end = inputs.instant("end", "--to", required=True)
    report = dst_report(tt, start=start, end=end)
    if inputs.args.json:
        write_json(out, report.to_dict())
        return 0
    out.write(f"schedule  {describe_tt(tt)}, policy {report.policy}\n")
    out.write(f"range     {fmt(start)} → {fmt(end)}: {len(report)} affected tick(s)\n\n")
    if not report.ticks:
        return 0
    table = Table(out, (("wall time asked", 19), ("transition", 10), ("tick", 17),
                        ("since previous", 14), ("on the wall", 11), ("other policies", 0)))
    for t in report.ticks:
        others = ", ".join(
            f"{k} {' & '.join(fmt(v) for v in vs) or 'no run'}" for k, vs in t.policies.items()
        )
        table.row(t.wall.isoformat(), t.transition, fmt(t.tick), _hours(t.length),
                  _hours(t.zone_free_length), others)
    return 0


def _hours(d: Any) -> str:
    return f"{d.total_seconds() / 3600:g} h"


def _dst_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="start", help="the start of the range")
    p.add_argument("--to", dest="end", help="the end of the range")
    schedule_args(p)
    common(p)


_DST_EXAMPLE = {
    "about": "02:30 every day in Berlin through 2024",
    "schedule": "30 2 * * *",
    "timezone": "Europe/Berlin",
    "start": "2024-01-01T00:00:00+00:00",
    "end": "2024-12-31T00:00:00+00:00",
    "now": "2024-01-01T00:00:00+00:00",
}


# -- lint --------------------------------------------------------------------------------------


def cmd_lint(inputs: Inputs, out: TextIO) -> int:
    schedule = inputs.get("schedule")
    # A five-field cron goes to lint as text, so it can explain crons the engine refuses.
    raw = isinstance(schedule, str) and len(schedule.split()) == 5
    target: Any = schedule if raw and not getattr(inputs.args, "timetable", None) else (
        inputs.timetable()
    )
    restriction = time_restriction(inputs) if inputs.get("start") else None
    report = lint(target, restriction=restriction, now=inputs.now(),
                  timezone=inputs.get("timezone", "UTC"))
    if inputs.args.json:
        write_json(out, report.to_dict())
        return 0
    out.write(f"schedule  {report.schedule}\n")
    out.write(f"findings  {len(report)}\n")
    if report.findings:
        out.write("\n")
        table = Table(out, (("id", 6), ("severity", 8), ("name", 28), ("message", 0)))
        for f in report.findings:
            table.row(f.id, f.severity, f.name, f.message)
        out.write("\n")
        for f in report.findings:
            out.write(f"{f.id} proof: {f.proof}\n")
    return 0


def _lint_arguments(p: argparse.ArgumentParser) -> None:
    schedule_args(p)
    restriction_args(p)
    common(p)


_LINT_EXAMPLE = {
    "about": "every 90 minutes? (no: */90 is minute 0 of every hour)",
    "schedule": "*/90 * * * *",
    "now": "2024-06-01T00:00:00+00:00",
}


COMMANDS = (
    Command("diff", "what a schedule edit does: the runs Airflow creates, gaps, overlaps, "
            "collisions", cmd_diff, _diff_arguments, example=_DIFF_EXAMPLE, rank=70),
    Command("why", "why there is (or is no) run at an instant, in one sentence", cmd_why,
            _why_arguments, example=_WHY_EXAMPLE, rank=71),
    Command("dst", "every tick a DST transition affects, under every policy", cmd_dst,
            _dst_arguments, example=_DST_EXAMPLE, rank=72),
    Command("lint", "schedule shapes that surprise (*/90, */7, never fires…), with proofs",
            cmd_lint, _lint_arguments, example=_LINT_EXAMPLE, rank=73),
)
