"""Plans over a range of intervals: ``catchup``, ``backfill``, ``gaps``."""

from __future__ import annotations

import argparse
import itertools
import json
from datetime import datetime, timedelta
from typing import Any, TextIO

from timetable._backfill import (
    BackfillRequest,
    _prepare,
    count_backfill,
    entry_dict,
    plan_backfill,
    stream_rows,
)
from timetable._catchup import (
    CatchupPolicy,
    _airflow_rows,
    _chain,
    _Ending,
    _entry,
    _Gate,
    _slots,
    plan_catchup,
)
from timetable._gaps import _GapScan, find_gaps
from timetable._planning import DOCUMENT_VERSION, Action, iso
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
    run_info_json,
    state_symbol,
    strip,
    write_json,
)
from timetable.cli.stream import Progress, limit_of, stream_args, stream_mode, write_lines
from timetable.cli.summaries import (
    CatchupSummary,
    GapsSummary,
    catchup_summary,
    gaps_summary,
)
from timetable.errors import PlanTooLargeError

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


def _too_large(err: PlanTooLargeError) -> BadInput:
    return BadInput(f"{err} (on the command line: --json-lines or --summary stream it, "
                    "--limit N shows the first N)", err.code)


def cmd_catchup(inputs: Inputs, out: TextIO) -> int:
    tt = inputs.timetable()
    now = inputs.now()
    restriction = time_restriction(inputs)
    history = inputs.runs()
    mode = stream_mode(inputs)
    policy = _policy(inputs.args.policy)
    kwargs: dict[str, Any] = {
        "runs": history, "restriction": restriction, "now": now,
        "max_active_runs": inputs.integer("max_active_runs"), "limit": limit_of(inputs),
    }
    if mode in ("json-lines", "summary") or (mode == "table" and policy is None):
        if policy is not None:
            rows, ending = _policy_rows(tt, policy, kwargs)
        else:
            rows, ending = _catchup_rows(tt, kwargs)
        if mode == "json-lines":
            entries = Progress(None, "catchup").track(map(_entry, rows))
            write_lines(out, "catchup_entry", (e.to_dict() for e in entries))
            return 0
        if mode == "summary":
            fast = None if policy is not None else catchup_summary(
                tt, history, restriction, now,
                _slots(tt, history, kwargs["max_active_runs"]), kwargs["limit"])
            return _catchup_summary(inputs, out, rows, ending, restriction, now, fast)
        if _catchup_is_large(tt, history, restriction, now, kwargs["limit"]):
            return _catchup_stream_table(inputs, out, tt, rows, ending, restriction, now)
        try:
            plan = plan_catchup(tt, **kwargs)
        except PlanTooLargeError:
            return _catchup_stream_table(inputs, out, tt, rows, ending, restriction, now)
    else:
        try:
            plan = plan_catchup(tt, policy=policy, **kwargs)
        except PlanTooLargeError as err:
            raise _too_large(err) from None
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


def _catchup_rows(tt: Any, kwargs: dict[str, Any]) -> tuple[Any, Any]:
    """The catchup loop's rows (lazily) and where it ends: what ``iter_catchup`` streams."""
    from timetable import iter_catchup
    from timetable._planning import validate_history

    iter_catchup(tt, **kwargs)  # the argument checks, at once
    history = validate_history(kwargs["runs"])
    gate = _Gate(_slots(tt, history, kwargs["max_active_runs"]), kwargs["limit"])
    ending = _Ending()
    rows = _chain(tt, history, history.latest_automated(), kwargs["restriction"], kwargs["now"],
                  ending)
    return _airflow_rows(rows, gate, ending), ending


def _catchup_is_large(
    tt: Any, history: Any, restriction: Any, now: datetime, limit: int | None
) -> bool:
    """Whether a catchup=True chain holds more than `STREAM_TABLE` intervals (counted in
    constant time for the built-in periodic kinds; others are planned whole)."""
    from timetable._index import count_intervals
    from timetable._timetables import (
        CronDataIntervals,
        CronTrigger,
        DeltaDataIntervals,
        DeltaTrigger,
    )

    if not restriction.catchup or (limit is not None and limit <= STREAM_TABLE):
        return False
    if type(tt) not in (CronDataIntervals, CronTrigger, DeltaDataIntervals, DeltaTrigger):
        return False
    reference = history.latest_automated()
    first = reference.logical_date if reference is not None else restriction.earliest
    last = now if restriction.latest is None else min(now, restriction.latest)
    if first is None or first >= last:
        return False
    return count_intervals(tt, start=first, end=last) > STREAM_TABLE


def _policy_rows(tt: Any, policy: Any, kwargs: dict[str, Any]) -> tuple[Any, Any]:
    """A policy's plan is eager: its rows and ending, from the plan."""
    try:
        plan = plan_catchup(tt, policy=policy, **kwargs)
    except PlanTooLargeError as err:
        raise _too_large(err) from None
    ending = _Ending()
    ending.stop, ending.next_run = plan.stopped, plan.next_run
    return iter(plan._rows), ending


def _catchup_summary(
    inputs: Inputs, out: TextIO, rows: Any, ending: Any, restriction: Any, now: datetime,
    fast: CatchupSummary | None,
) -> int:
    if fast is not None:  # counted without the walk
        counts, first, last = fast.counts, fast.first, fast.last
        ending.stop, ending.next_run = fast.stop, fast.next_run
    else:
        counts = {a.value: 0 for a in Action}
        first = last = None
        for row in Progress(None, "catchup").track(rows):
            counts[row[0].value] += 1
            if first is None:
                first = row[3]
            last = row[3]
    total = sum(counts.values())
    if inputs.args.json:
        write_json(out, {
            "version": 1, "kind": "catchup_summary", "now": iso(now),
            "catchup": restriction.catchup, "entries": total, "counts": counts,
            "first_logical_date": iso(first), "last_logical_date": iso(last),
            "stopped": ending.stop.value,
            "next_run": None if ending.next_run is None else run_info_json(ending.next_run),
        })
        return 0
    out.write(f"catchup at {fmt(now)}: {total} interval(s), {counts['create']} to create, "
              f"{counts['skip']} skipped; stopped: {ending.stop.value}\n")
    if first is not None:
        out.write(f"logical dates {fmt(first)} .. {fmt(last)}\n")
    if ending.next_run is not None:
        out.write(f"next: logical date {fmt(ending.next_run.logical_date)}, "
                  f"run after {fmt(ending.next_run.run_after)}\n")
    return 0


def _catchup_stream_table(
    inputs: Inputs, out: TextIO, tt: Any, rows: Any, ending: Any, restriction: Any,
    now: datetime,
) -> int:
    """The table of a catchup too large for one plan: rows as they come, counts after."""
    out.write(
        f"schedule {describe_tt(tt)}, start {fmt(restriction.earliest)}, catchup "
        f"{'on' if restriction.catchup else 'off'}, now {fmt(now)} (a long plan, streamed: "
        "rows as they come, counts at the end)\n\n"
    )
    table = Table(out, (("#", -4), ("action", 6), ("logical date", 17),
                        ("data interval", 38), ("run after", 17), ("reason", 0)))
    counts = {a.value: 0 for a in Action}
    for row in Progress(None, "catchup").track(rows):
        e = _entry(row)
        counts[e.action.value] += 1
        table.row(table.rows + 1, e.action.value, fmt(e.run_info.logical_date),
                  interval_text(e.run_info.data_interval), fmt(e.run_info.run_after),
                  e.reason.value)
    out.write(f"{counts['create']} to create, {counts['skip']} skipped; "
              f"stopped: {ending.stop.value}\n")
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
    mode = stream_mode(inputs)
    limit = limit_of(inputs)
    if mode == "json" and limit is not None:
        raise BadInput("--limit: --json writes the whole plan; use --json-lines --limit N",
                       "usage")
    dry_run = bool(inputs.args.dry_run)
    tt, history = _prepare(
        tt, request, history, now, depends_on_past=bool(inputs.args.depends_on_past),
        allowed_run_types=None, backfill_running=False, dry_run=dry_run,
    )
    counted = count_backfill(tt, request, history, now)
    total = None if counted is None else sum(counted[0].values())
    if mode == "summary":
        return _backfill_summary(inputs, out, tt, request, history, now, dry_run, counted)
    if mode == "json-lines" or (mode == "table" and (
            limit is not None or (total is not None and total > STREAM_TABLE))):
        rows = stream_rows(tt, request, history, now, dry_run)
        if limit is not None:
            rows = itertools.islice(rows, limit)
            total = None if total is None else min(total, limit)
        rows = Progress(total, "backfill").track(rows)
        if mode == "json-lines":
            write_lines(out, "backfill_entry",
                        (entry_dict(i, row) for i, (row, _) in enumerate(rows, 1)))
            return 0
        return _backfill_stream_table(inputs, out, tt, request, now, rows, limit, counted)
    try:
        plan = plan_backfill(
            tt, request, runs=history, now=now, depends_on_past=inputs.args.depends_on_past,
            dry_run=dry_run,
        )
    except PlanTooLargeError as err:
        raise _too_large(err) from None
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


#: Backfills of more intervals than this print their table streamed (no strip, counts
#: at the end), so the first row appears at once.
STREAM_TABLE = 20_000


def _backfill_summary(
    inputs: Inputs, out: TextIO, tt: Any, request: BackfillRequest, history: Any,
    now: datetime, dry_run: bool, counted: Any,
) -> int:
    if counted is None:  # not countable in constant time: walk the rows
        counts = {a.value: 0 for a in Action}
        first = last = None
        for row, _ in Progress(None, "backfill").track(
                stream_rows(tt, request, history, now, True)):
            counts[row[0].value] += 1
            first = row[3] if first is None or row[3] < first else first
            last = row[3] if last is None or row[3] > last else last
    else:
        counts, first, last = counted
    total = sum(counts.values())
    if total == 0 and not dry_run:
        stream_rows(tt, request, history, now, dry_run)  # raises NoBackfillRunsError
    started = counts["create"] + counts["reprocess"]
    waves = -(-started // request.max_active_runs)
    if inputs.args.json:
        write_json(out, {
            "version": 1, "kind": "backfill_summary", "now": iso(now), "dry_run": dry_run,
            "from_date": iso(request.from_date), "to_date": iso(request.to_date),
            "entries": total, "counts": counts, "waves": waves,
            "first_logical_date": iso(first), "last_logical_date": iso(last),
        })
        return 0
    out.write(
        f"backfill {fmt(request.from_date)} .. {fmt(request.to_date)} of {describe_tt(tt)}, "
        f"now {fmt(now)}\n{total} interval(s): {counts['create']} to create, "
        f"{counts['reprocess']} to re-run, {counts['skip']} left alone; {waves} wave(s)\n"
    )
    if first is not None:
        out.write(f"logical dates {fmt(first)} .. {fmt(last)}\n")
    return 0


def _backfill_stream_table(
    inputs: Inputs, out: TextIO, tt: Any, request: BackfillRequest, now: datetime,
    rows: Any, limit: int | None, counted: Any,
) -> int:
    """The backfill table written as the plan is made: rows first, counts after."""
    out.write(
        f"backfill {fmt(request.from_date)} .. {fmt(request.to_date)} of {describe_tt(tt)}, "
        f"now {fmt(now)}\nreprocess {request.effective_reprocess.value}, "
        f"{'newest first' if request.run_backwards else 'oldest first'}, "
        f"max_active_runs {request.max_active_runs}\n"
    )
    if counted is not None:
        c = counted[0]
        out.write(f"{c['create']} to create, {c['reprocess']} to re-run, "
                  f"{c['skip']} left alone\n")
    out.write("\n")
    zone = inputs.zone_name()
    zoned = zone != "UTC"
    table = Table(out, (("#", -4), ("action", 9), ("logical date", 17),
                        *((local_column(zone),) if zoned else ()), ("run id", 38),
                        ("wave", -4), ("reason", 0)))
    for i, (row, _) in enumerate(rows, 1):
        d = entry_dict(i, row)
        ld = row[3]
        table.row(i, d["action"], fmt(ld), *((local(ld, zone),) if zoned else ()),
                  d["run_id"] or d["existing_run_id"] or "-", d["wave"] or "-", d["reason"])
    if limit is not None and table.rows == limit:
        out.write(f"(the first {limit} entries: --limit {limit})\n")
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
    mode = stream_mode(inputs)
    limit = limit_of(inputs)
    if mode == "json" and limit is not None:
        raise BadInput("--limit: --json writes the whole report; use --json-lines --limit N",
                       "usage")
    if mode == "json-lines" or (mode == "table" and limit is not None):
        scan = _GapScan(tt, history, start, end, now, include_failed)
        gaps = Progress(None, "gaps").track(itertools.islice(scan, limit))
        if mode == "json-lines":
            write_lines(out, "gap", (g.to_dict() for g in gaps))
            return 0
        table = Table(out, (("gap", 7), ("intervals", -9), ("first", 17), ("last", 17)))
        for g in gaps:
            table.row(g.reason.value, g.count, fmt(g.first.logical_date),
                      fmt(g.last.logical_date))
        out.write(f"(the first {table.rows} gap range(s) at most: --limit {limit})\n")
        return 0
    if mode == "summary":
        return _gaps_summary(inputs, out, tt, history, start, end, now, include_failed)
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


def _gaps_summary(
    inputs: Inputs, out: TextIO, tt: Any, history: Any, start: datetime, end: datetime,
    now: datetime, include_failed: bool,
) -> int:
    # the checks of find_gaps, at once (the scan itself is lazy)
    _GapScan(tt, history, start, end, now, include_failed)
    fast = gaps_summary(tt, history, start, end, now, include_failed)
    if fast is None:  # walk the grid
        report = find_gaps(tt, runs=history, start=start, end=end, now=now,
                           include_failed=include_failed)
        fast = GapsSummary(
            expected=report.expected, present=report.present, missing=report.missing,
            failed=report.failed, ranges=len(report.gaps), off_grid=len(report.off_grid),
        )
    if inputs.args.json:
        write_json(out, {
            "version": DOCUMENT_VERSION, "kind": "gaps_summary", "start": iso(start),
            "end": iso(end), "now": iso(now), "expected": fast.expected,
            "present": fast.present, "missing": fast.missing, "failed": fast.failed,
            "off_grid": fast.off_grid, "ranges": fast.ranges,
        })
        return 0
    out.write(
        f"{describe_tt(tt)}, {fmt(start)} .. {fmt(end)}, now {fmt(now)}\n"
        f"{fast.expected} intervals due, {fast.present} with a run, "
        f"{fast.missing} missing" + (f", {fast.failed} failed" if include_failed else "")
        + f"; {fast.ranges} gap range(s), {fast.off_grid} run(s) off the grid\n"
    )
    return 0


def _catchup_arguments(p: argparse.ArgumentParser) -> None:
    schedule_args(p)
    restriction_args(p)
    runs_arg(p)
    p.add_argument("--max-active-runs", type=int, metavar="N",
                   help="Airflow's creation gate: at most N runs running at a time")
    p.add_argument("--limit", metavar="N",
                   help="create at most N runs (Airflow creates one per scheduler loop: 1)")
    p.add_argument("--policy", help="airflow (default), coalesce, latest:N or window:6h")
    svg_arg(p)
    stream_args(p, limit=False)
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
    stream_args(p)
    common(p)


def _gaps_arguments(p: argparse.ArgumentParser) -> None:
    schedule_args(p)
    runs_arg(p)
    p.add_argument("--start", "--start-date", dest="start",
                   help="first logical date (required)")
    p.add_argument("--end", "--end-date", dest="end", help="last logical date (default: now)")
    p.add_argument("--include-failed", action="store_true", default=None,
                   help="also report failed runs")
    stream_args(p, what="gap ranges")
    common(p)


COMMANDS = (
    Command("catchup", "the scheduled runs catchup creates by now, and why", cmd_catchup,
            _catchup_arguments, EXAMPLES["catchup"], rank=40),
    Command("backfill", "the runs a backfill of a date range creates or re-runs", cmd_backfill,
            _backfill_arguments, EXAMPLES["backfill"], rank=50),
    Command("gaps", "intervals of a range with no run (or a failed one)", cmd_gaps,
            _gaps_arguments, EXAMPLES["gaps"], rank=60),
)
