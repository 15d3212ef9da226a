"""Plans over a range of intervals: ``catchup``, ``backfill``, ``gaps``."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta
from typing import Any, TextIO

from timetable._backfill import BackfillRequest, plan_backfill
from timetable._catchup import CatchupPolicy, plan_catchup
from timetable._gaps import find_gaps
from timetable._planning import Action
from timetable._runs import iter_run_infos
from timetable.cli.examples import EXAMPLES
from timetable.cli.inputs import (
    BadInput,
    Inputs,
    build,
    common,
    duration,
    instant_fields,
    request_fields,
    restriction_args,
    runs_arg,
    schedule_args,
    svg_arg,
    time_restriction,
    write_svg,
)
from timetable.cli.registry import Command
from timetable.cli.render import (
    STRIP_MAX,
    Table,
    describe_tt,
    fmt,
    interval_text,
    local,
    local_column,
    state_symbol,
    strip,
    write_json,
)

__all__ = ["COMMANDS"]


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
        window = duration(value, "--policy window")
        if not isinstance(window, timedelta):
            raise BadInput(f"--policy={text!r}: the window must be fixed (s, m, h, d, w)")
        return CatchupPolicy.within(window)
    raise BadInput(
        f"--policy={text!r}: expected airflow, coalesce, latest:N or window:DURATION"
    )


def cmd_catchup(inputs: Inputs, out: TextIO) -> int:
    tt = inputs.timetable()
    now = inputs.now()
    restriction = time_restriction(inputs)
    history = inputs.runs()
    plan = plan_catchup(
        tt, runs=history, restriction=restriction, now=now,
        max_active_runs=inputs.integer("max_active_runs"),
        limit=inputs.integer("limit"), policy=_policy(inputs.args.policy),
    )
    if inputs.args.svg:
        from timetable.draw import plan_chart

        write_svg(inputs, plan_chart(plan, title=f"catchup of {tt.summary} at {fmt(now)}"), out)
    if inputs.args.json:
        write_json(out, plan.to_dict())
        return 0
    if inputs.doc.get("about"):
        out.write(f"example: {inputs.doc['about']}\n")
    out.write(
        f"schedule {describe_tt(tt)}, start {fmt(restriction.earliest)}"
        f"{', end ' + fmt(restriction.latest) if restriction.latest else ''}, "
        f"catchup {'on' if restriction.catchup else 'off'}, now {fmt(now)}\n"
    )
    out.write(f"continues from: {plan.reference_run_id or 'no earlier scheduled run'}\n")
    n_skip = len(plan) - plan.create_count
    out.write(f"{plan.create_count} to create, {n_skip} skipped; stopped: {plan.stopped.value}\n\n")
    cells = []
    for e in plan:
        existing = history.at(e.run_info.logical_date)
        sym = "create" if e.action.value == "create" else state_symbol(existing)
        cells.append((e.run_info.logical_date, sym))
    strip(cells, out)
    zone = inputs.zone_name()
    zoned = zone != "UTC"
    table = Table(out, (("#", -4), ("action", 6), ("logical date", 17),
                        *((local_column(zone),) if zoned else ()),
                        ("data interval", 38), ("run after", 17), ("reason", 0)))
    for e in plan:
        info = e.run_info
        table.row(table.rows + 1, e.action.value, fmt(info.logical_date),
                  *((local(info.logical_date, zone),) if zoned else ()),
                  interval_text(info.data_interval), fmt(info.run_after), e.reason.value)
    for rng in plan.skipped:
        out.write(f"left out by the policy: {rng.count} interval(s) "
                  f"{fmt(rng.first.logical_date)} .. {fmt(rng.last.logical_date)} "
                  f"({rng.reason.value})\n")
    if plan.next_run is not None:
        out.write(f"next: logical date {fmt(plan.next_run.logical_date)}, "
                  f"run after {fmt(plan.next_run.run_after)}\n")
    return 0


_BACKFILL_FLAGS = {
    "from_date": "from_date", "to_date": "to_date", "run_backwards": "run_backwards",
    "reprocess_behavior": "reprocess_behavior", "max_active_runs": "max_active_runs",
}


def cmd_backfill(inputs: Inputs, out: TextIO) -> int:
    tt = inputs.timetable()
    now = inputs.now()
    fields = inputs.request()
    inputs.integer("max_active_runs")  # checks the flag
    fields.update(request_fields(inputs.args, _BACKFILL_FLAGS))
    if inputs.args.conf is not None:
        try:
            fields["dag_run_conf"] = json.loads(inputs.args.conf)
        except json.JSONDecodeError as err:
            raise BadInput(f"--dag-run-conf: not valid JSON: {err.msg}") from None
    for key, flag in (("from_date", "--from-date"), ("to_date", "--to-date")):
        if key not in fields:
            raise BadInput(f"{flag} is required (or a request with {key})", "missing-input")
    instant_fields(fields, ("from_date", "to_date"), inputs)
    request = build(BackfillRequest, fields, "request")
    history = inputs.runs()
    plan = plan_backfill(
        tt, request, runs=history, now=now, depends_on_past=inputs.args.depends_on_past,
        dry_run=inputs.args.dry_run,
    )
    if inputs.args.svg:
        from timetable.draw import plan_chart

        write_svg(inputs, plan_chart(plan, title=f"backfill of {tt.summary}"), out)
    if inputs.args.json:
        write_json(out, plan.to_dict())
        return 0
    if inputs.doc.get("about"):
        out.write(f"example: {inputs.doc['about']}\n")
    req = plan.request
    out.write(
        f"backfill {fmt(req.from_date)} .. {fmt(req.to_date)} of {describe_tt(tt)}, "
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
        sym = state_symbol(history.get(e.existing_run_id or "")) if skip else e.action.value
        cells.append((e.run_info.logical_date, sym))
    cells.sort(key=lambda c: c[0])
    strip(cells, out)
    zone = inputs.zone_name()
    zoned = zone != "UTC"
    table = Table(out, (("#", -4), ("action", 9), ("logical date", 17),
                        *((local_column(zone),) if zoned else ()), ("run id", 38),
                        ("wave", -4), ("reason", 0)))
    for e in plan:
        table.row(e.sort_ordinal, e.action.value, fmt(e.run_info.logical_date),
                  *((local(e.run_info.logical_date, zone),) if zoned else ()),
                  e.run_id or e.existing_run_id or "-", e.wave or "-", e.reason.value)
    dropped = _first_unfinished(tt, req.from_date, req.to_date, now)
    if dropped is not None:
        out.write(
            f"left out: the intervals from logical date {fmt(dropped)} on end after now "
            f"({fmt(now)}); a backfill plans only intervals that have ended\n"
        )
    return 0


def _first_unfinished(tt: Any, start: datetime, end: datetime, now: datetime) -> datetime | None:
    """The logical date of the first interval in the range not ended by *now*, if any."""
    # only the last intervals before now can be unfinished: a year and a bit covers them
    since = max(start, min(end, now) - timedelta(days=400))
    for info in iter_run_infos(tt, start=since, end=end, now=now):
        if info.data_interval.end >= now or info.logical_date >= now:
            return info.logical_date
    return None


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
        write_json(out, report.to_dict())
        return 0
    if inputs.doc.get("about"):
        out.write(f"example: {inputs.doc['about']}\n")
    out.write(
        f"{describe_tt(tt)}, {fmt(start)} .. {fmt(end)}, now {fmt(now)}\n"
        f"{report.expected} intervals due, {report.present} with a run, "
        f"{report.missing} missing"
        + (f", {report.failed} failed" if include_failed else "") + "\n\n"
    )
    if report.expected <= STRIP_MAX:
        cells = []
        for info in iter_run_infos(tt, start=start, end=end, now=now):
            if info.run_after > now:
                break
            cells.append((info.logical_date, state_symbol(history.at(info.logical_date))))
        strip(cells, out)
    zone = inputs.zone_name()
    zoned = zone != "UTC"
    table = Table(out, (("gap", 7), ("intervals", -9), ("first", 17),
                        *((("first " + local_column(zone)[0], local_column(zone)[1]),)
                          if zoned else ()), ("last", 17)))
    for g in report.gaps:
        table.row(g.reason.value, g.count, fmt(g.first.logical_date),
                  *((local(g.first.logical_date, zone),) if zoned else ()),
                  fmt(g.last.logical_date))
    if not report.gaps:
        out.write("no gaps\n")
    if report.off_grid:
        out.write(f"runs off the grid: {', '.join(report.off_grid)}\n")
    return 0


def _catchup_arguments(p: argparse.ArgumentParser) -> None:
    schedule_args(p)
    restriction_args(p)
    runs_arg(p)
    p.add_argument("--max-active-runs", type=int, metavar="N",
                   help="Airflow's creation gate: at most N runs running at a time")
    p.add_argument("--limit", type=int, metavar="N", help="create at most N runs")
    p.add_argument("--policy", help="airflow (default), coalesce, latest:N or window:6h")
    svg_arg(p)
    common(p)


def _backfill_arguments(p: argparse.ArgumentParser) -> None:
    schedule_args(p)
    runs_arg(p)
    p.add_argument("--request", metavar="FILE", help="a BackfillRequest as JSON")
    p.add_argument("--from-date", "--from", dest="from_date",
                   help="first logical date (inclusive); --from is an alias")
    p.add_argument("--to-date", "--to", dest="to_date",
                   help="last logical date (inclusive); --to is an alias")
    p.add_argument("--reprocess-behavior", "--reprocess", dest="reprocess_behavior",
                   choices=("none", "failed", "completed"),
                   help="which existing runs to re-run (default none); --reprocess is an alias")
    p.add_argument("--run-backwards", "--backwards", dest="run_backwards",
                   action="store_true", default=None,
                   help="newest interval first; --backwards is an alias")
    p.add_argument("--max-active-runs", type=int, metavar="N",
                   help="runs at a time (default 10)")
    p.add_argument("--dag-run-conf", "--conf", dest="conf",
                   help="a JSON object for every run's conf; --conf is an alias")
    p.add_argument("--depends-on-past", action="store_true",
                   help="some task of the DAG has depends_on_past")
    p.add_argument("--dry-run", action="store_true", help="validate as Airflow's dry run does")
    svg_arg(p)
    common(p)


def _gaps_arguments(p: argparse.ArgumentParser) -> None:
    schedule_args(p)
    runs_arg(p)
    p.add_argument("--start", "--start-date", dest="start",
                   help="first logical date (required)")
    p.add_argument("--end", "--end-date", dest="end", help="last logical date (default: now)")
    p.add_argument("--include-failed", action="store_true", default=None,
                   help="also report failed runs")
    common(p)


COMMANDS = (
    Command("catchup", "the scheduled runs catchup creates by now, and why", cmd_catchup,
            _catchup_arguments, EXAMPLES["catchup"], rank=40),
    Command("backfill", "the runs a backfill of a date range creates or re-runs", cmd_backfill,
            _backfill_arguments, EXAMPLES["backfill"], rank=50),
    Command("gaps", "intervals of a range with no run (or a failed one)", cmd_gaps,
            _gaps_arguments, EXAMPLES["gaps"], rank=60),
)
