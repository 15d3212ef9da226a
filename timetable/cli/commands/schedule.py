"""Questions about a schedule: ``next``, ``runs``, ``manual``, ``describe``, ``validate``."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from typing import TextIO

from timetable._decisions import manual_run_interval
from timetable._runs import infer_manual_interval, iter_run_infos, next_run_info
from timetable._types import DataInterval, RunInfo
from timetable.cli.examples import EXAMPLES
from timetable.cli.inputs import (
    BadInput,
    Inputs,
    common,
    restriction_args,
    runs_arg,
    schedule_args,
    svg_arg,
    time_restriction,
    write_svg,
)
from timetable.cli.registry import Command
from timetable.cli.render import (
    describe_tt,
    description,
    document,
    fmt,
    interval_json,
    interval_text,
    local,
    print_infos,
    run_info_json,
    write_json,
)

__all__ = ["COMMANDS"]


def cmd_next(inputs: Inputs, out: TextIO) -> int:
    tt = inputs.timetable()
    now = inputs.now()
    restriction = time_restriction(inputs)
    count = inputs.integer("num_executions") or 1
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
    infos: list[RunInfo] = []
    previous = last
    while len(infos) < count:
        info = next_run_info(tt, last_interval=previous, restriction=restriction, now=now)
        if info is None or (infos and info.logical_date <= infos[-1].logical_date):
            break
        infos.append(info)
        previous = info.data_interval
    zone = inputs.zone_name()
    if infos:
        from timetable.draw import timeline

        write_svg(inputs, timeline(infos, now=now, zone=None if zone == "UTC" else zone,
                                   title=f"next runs of {tt.summary}"), out)
    if args.json:
        write_json(out, document(
            "next", now=now.isoformat(), after=interval_json(last),
            runs=[run_info_json(i) for i in infos],
        ))
        return 0
    out.write(f"schedule  {describe_tt(tt)}\n")
    out.write(f"after     {interval_text(last) if last else 'no previous scheduled run'}\n")
    if not infos:
        out.write("next      none: the schedule has no further run\n")
        return 0
    if count > 1:
        out.write(f"now       {fmt(now)}\n\n")
        shown = print_infos(infos, out, False, zone)
        if shown < count:
            out.write("the schedule has no further run\n")
        return 0
    info = infos[0]
    due = "due now" if info.run_after <= now else f"not before {fmt(info.run_after)}"
    out.write(f"next      logical date {fmt(info.logical_date)}, "
              f"data interval {interval_text(info.data_interval)}\n")
    if zone != "UTC":
        out.write(f"local     logical date {local(info.logical_date, zone)}, "
                  f"run after {local(info.run_after, zone)} ({zone})\n")
    out.write(f"run after {fmt(info.run_after)} ({due}; now is {fmt(now)})\n")
    return 0


def cmd_runs(inputs: Inputs, out: TextIO) -> int:
    tt = inputs.timetable()
    now = inputs.now()
    start = inputs.instant("start", required=True)
    end = inputs.instant("end")
    limit = inputs.integer("limit")
    infos: Iterator[RunInfo] = iter_run_infos(tt, start=start, end=end, now=now)
    if end is None and limit is None:
        limit = 20
    if limit is not None:
        infos = _take(infos, limit)
    if getattr(inputs.args, "svg", None):
        from timetable.draw import timeline

        listed = list(infos)
        zone = inputs.zone_name()
        write_svg(inputs, timeline(listed, now=now if end is None or end >= now else None,
                                   zone=None if zone == "UTC" else zone,
                                   title=f"runs of {tt.summary}"), out)
        infos = iter(listed)
    if not inputs.args.json:
        out.write(f"schedule {describe_tt(tt)}, from {fmt(start)}"
                  f"{' to ' + fmt(end) if end else ''}\n\n")
    print_infos(infos, out, inputs.args.json, inputs.zone_name())
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
        write_json(out, document(
            "manual_interval", run_after=run_after.isoformat(),
            logical_date=None if iv is None else iv.start.isoformat(),
            data_interval=interval_json(iv),
        ))
        return 0
    out.write(f"schedule      {describe_tt(tt)}\n")
    out.write(f"manual run    {how}\n")
    out.write(f"data interval {interval_text(iv)}\n")
    return 0


def cmd_describe(inputs: Inputs, out: TextIO) -> int:
    tt = inputs.timetable()
    info = description(tt)
    if inputs.args.json:
        write_json(out, document("description", **info))
        return 0
    for key in ("timetable_kind", "summary", "description", "periodic"):
        out.write(f"{key.removeprefix('timetable_'):<12} {info[key]}\n")
    out.write(f"{'as JSON':<12} {json.dumps(info['timetable'])}\n")
    return 0


def cmd_validate(inputs: Inputs, out: TextIO) -> int:
    tt = inputs.timetable()
    if inputs.args.json:
        write_json(out, document(
            "validation", valid=True, timetable_kind=type(tt).__name__, summary=tt.summary
        ))
    else:
        out.write(f"valid: {describe_tt(tt)}\n")
    return 0


def _next_arguments(p: argparse.ArgumentParser) -> None:
    schedule_args(p)
    restriction_args(p)
    runs_arg(p)
    p.add_argument("-n", "--num-executions", type=int, metavar="N",
                   help="show the next N runs (Airflow: dags next-execution -n)")
    p.add_argument("--last-start", help="the previous run's data interval start")
    p.add_argument("--last-end", help="the previous run's data interval end")
    svg_arg(p)
    common(p)


def _runs_arguments(p: argparse.ArgumentParser) -> None:
    schedule_args(p)
    p.add_argument("--start", "--start-date", dest="start",
                   help="the first logical date to consider (required; 'now' for now)")
    p.add_argument("--end", "--end-date", dest="end", help="the last logical date to consider")
    p.add_argument("--limit", "-n", type=int, metavar="N",
                   help="stop after N runs (default 20 without --end)")
    svg_arg(p)
    common(p)


def _manual_arguments(p: argparse.ArgumentParser) -> None:
    schedule_args(p)
    p.add_argument("--run-after", help="the trigger instant (default: now)")
    p.add_argument("--logical-date", help="a requested logical date (as the REST API takes)")
    common(p)


def _schedule_only(p: argparse.ArgumentParser) -> None:
    schedule_args(p)
    common(p)


COMMANDS = (
    Command("next", "the next run to schedule after the latest scheduled one", cmd_next,
            _next_arguments, EXAMPLES["next"], rank=10),
    Command("runs", "every run of a schedule from --start (to --end), lazily", cmd_runs,
            _runs_arguments, EXAMPLES["runs"], rank=20),
    Command("manual", "the data interval of a manually triggered run", cmd_manual,
            _manual_arguments, EXAMPLES["manual"], rank=30),
    Command("describe", "what a schedule means, and its serialized form", cmd_describe,
            _schedule_only, EXAMPLES["describe"], rank=90),
    Command("validate", "check a schedule; exit 2 with the reason when it is invalid",
            cmd_validate, _schedule_only, EXAMPLES["validate"], rank=100),
)
