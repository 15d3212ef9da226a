"""The imperative shell: ``timetable`` on the command line.

This is the only module that may read the clock (when ``--now`` is absent), the
environment, or files.  Every subcommand parses its input, calls one pure function and
prints a table (default) or JSON (``--json``).  Exit codes: 0 success, 2 bad input (one
line on stderr, never a traceback), 1 a bug.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

from . import __version__
from ._runs import infer_manual_interval, iter_run_infos, next_run_info
from ._types import RunInfo, TimeRestriction
from .airflow import from_schedule, from_serialized
from .errors import TimetableError
from .serialization import to_dict

__all__ = ["main"]

EXAMPLE = {
    "schedule": "@daily",
    "timezone": "UTC",
    "start": "2015-12-01T00:00:00+00:00",
    "now": "2016-01-02T06:00:00+00:00",
}


class _BadInput(Exception):
    pass


def _parse_dt(text: str, argument: str) -> datetime:
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise _BadInput(f"{argument}={text!r}: not an ISO-8601 date-time") from None
    if value.tzinfo is None:
        if len(raw) == 10:  # a bare date means midnight UTC
            return value.replace(tzinfo=UTC)
        raise _BadInput(
            f"{argument}={text!r}: naive date-time; add an offset such as Z or +02:00"
        )
    return value


def _timetable(args: argparse.Namespace) -> Any:
    if getattr(args, "airflow_json", None):
        with open(args.airflow_json, encoding="utf-8") as fh:
            data = json.load(fh)
        if isinstance(data, dict) and "__type" not in data:
            data = data.get("dag", data).get("timetable", data)
        return from_serialized(data)
    schedule: Any = args.schedule
    if schedule in (None, "None", "none"):
        schedule = None
    return from_schedule(
        schedule, timezone=args.timezone, create_cron_data_intervals=args.data_intervals
    )


def _now(args: argparse.Namespace) -> datetime:
    if args.now:
        return _parse_dt(args.now, "--now")
    return datetime.now(UTC)


def _fmt(dt: datetime | None) -> str:
    return "-" if dt is None else dt.isoformat()


def _print_runs(infos: Iterable[RunInfo], out: TextIO, as_json: bool) -> int:
    n = 0
    if as_json:
        for info in infos:
            out.write(json.dumps(to_dict(info)) + "\n")
            n += 1
        return n
    header = f"{'#':>4}  {'logical date':<25}  {'data interval':<53}  {'run after':<25}"
    out.write(header + "\n")
    for info in infos:
        n += 1
        iv = info.data_interval
        out.write(
            f"{n:>4}  {_fmt(info.logical_date):<25}  "
            f"{_fmt(iv.start) + ' → ' + _fmt(iv.end):<53}  {_fmt(info.run_after):<25}\n"
        )
    out.write(f"{n} run{'s' if n != 1 else ''}\n")
    return n


def _cmd_catchup(args: argparse.Namespace, out: TextIO) -> int:
    if args.example:
        args.schedule = args.schedule or EXAMPLE["schedule"]
        args.start = args.start or EXAMPLE["start"]
        args.now = args.now or EXAMPLE["now"]
        args.data_intervals = True
    tt = _timetable(args)
    now = _now(args)
    start = _parse_dt(args.start, "--start") if args.start else None
    end = _parse_dt(args.end, "--end") if args.end else None
    restriction = TimeRestriction(earliest=start, latest=end, catchup=args.catchup)
    if args.example and not args.json:
        out.write(
            f"Schedule {tt.summary!r} ({type(tt).__name__}), start {_fmt(start)}, "
            f"catchup={args.catchup}, evaluated at now={_fmt(now)}:\n\n"
        )

    def due() -> Iterable[RunInfo]:
        last = None
        while True:
            info = next_run_info(tt, last_interval=last, restriction=restriction, now=now)
            if info is None or info.run_after > now:
                return
            yield info
            last = info.data_interval

    _print_runs(due(), out, args.json)
    return 0


def _cmd_runs(args: argparse.Namespace, out: TextIO) -> int:
    tt = _timetable(args)
    now = _now(args)
    start = _parse_dt(args.start, "--start")
    end = _parse_dt(args.end, "--end") if args.end else None
    infos = iter_run_infos(tt, start=start, end=end, now=now)
    limit = args.limit

    def limited() -> Iterable[RunInfo]:
        for i, info in enumerate(infos):
            if limit is not None and i >= limit:
                return
            yield info

    _print_runs(limited(), out, args.json)
    return 0


def _cmd_next(args: argparse.Namespace, out: TextIO) -> int:
    tt = _timetable(args)
    now = _now(args)
    start = _parse_dt(args.start, "--start") if args.start else None
    end = _parse_dt(args.end, "--end") if args.end else None
    last = None
    if args.last_start or args.last_end:
        from ._types import DataInterval

        if not (args.last_start and args.last_end):
            raise _BadInput("--last-start and --last-end go together")
        last = DataInterval(
            start=_parse_dt(args.last_start, "--last-start"),
            end=_parse_dt(args.last_end, "--last-end"),
        )
    info = next_run_info(
        tt,
        last_interval=last,
        restriction=TimeRestriction(earliest=start, latest=end, catchup=args.catchup),
        now=now,
    )
    if info is None:
        out.write("null\n" if args.json else "no run to schedule\n")
        return 0
    _print_runs([info], out, args.json)
    return 0


def _cmd_manual(args: argparse.Namespace, out: TextIO) -> int:
    tt = _timetable(args)
    run_after = _parse_dt(args.run_after, "--run-after") if args.run_after else _now(args)
    iv = infer_manual_interval(tt, run_after=run_after)
    if args.json:
        out.write(json.dumps(to_dict(iv)) + "\n")
    else:
        out.write(f"data interval {_fmt(iv.start)} → {_fmt(iv.end)}\n")
    return 0


def _cmd_describe(args: argparse.Namespace, out: TextIO) -> int:
    tt = _timetable(args)
    info = {
        "kind": type(tt).__name__,
        "summary": tt.summary,
        "description": tt.description,
        "periodic": tt.periodic,
        "timetable": to_dict(tt),
    }
    if args.json:
        out.write(json.dumps(info) + "\n")
    else:
        for k, v in info.items():
            if k != "timetable":
                out.write(f"{k:<12} {v}\n")
    return 0


def _cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    tt = _timetable(args)
    out.write(json.dumps({"valid": True, "summary": tt.summary}) + "\n" if args.json else "valid\n")
    return 0


def _add_schedule_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("schedule")
    g.add_argument("--schedule", help='cron, preset ("@daily"), "@once", "@continuous" or "None"')
    g.add_argument("--timezone", default="UTC", help="IANA zone of the schedule (default UTC)")
    g.add_argument(
        "--data-intervals",
        action="store_true",
        help="cron/delta as data intervals (Airflow 2's default) instead of triggers",
    )
    g.add_argument("--airflow-json", metavar="FILE", help="Airflow's serialized timetable or DAG")
    p.add_argument("--now", help="evaluate at this instant (default: the current time)")
    p.add_argument("--json", action="store_true", help="print JSON (one object per line)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used to generate the CLI reference page)."""
    parser = argparse.ArgumentParser(
        prog="timetable",
        description="Airflow's scheduling answers from the shell: next runs, catchup, "
        "manual intervals.",
        epilog="example: timetable catchup --example",
    )
    parser.add_argument("--version", action="version", version=f"timetable {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("catchup", help="runs that catchup creates by --now")
    _add_schedule_args(p)
    p.add_argument("--start", help="start_date")
    p.add_argument("--end", help="end_date")
    p.add_argument("--catchup", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--example", action="store_true", help="the guide's @daily 2015-12-01 DAG")
    p.set_defaults(func=_cmd_catchup)

    p = sub.add_parser("runs", help="every run between --start and --end")
    _add_schedule_args(p)
    p.add_argument("--start", required=True)
    p.add_argument("--end")
    p.add_argument("--limit", type=int, default=None)
    p.set_defaults(func=_cmd_runs)

    p = sub.add_parser("next", help="the next run after an optional last interval")
    _add_schedule_args(p)
    p.add_argument("--start")
    p.add_argument("--end")
    p.add_argument("--catchup", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--last-start")
    p.add_argument("--last-end")
    p.set_defaults(func=_cmd_next)

    p = sub.add_parser("manual", help="the data interval of a manual run")
    _add_schedule_args(p)
    p.add_argument("--run-after")
    p.set_defaults(func=_cmd_manual)

    p = sub.add_parser("describe", help="summary and description of a schedule")
    _add_schedule_args(p)
    p.set_defaults(func=_cmd_describe)

    p = sub.add_parser("validate", help="check a schedule; exit 2 with the reason if invalid")
    _add_schedule_args(p)
    p.set_defaults(func=_cmd_validate)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the CLI; return the exit code."""
    stream = out if out is not None else sys.stdout
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help/--version exit 0, usage errors exit 2
        return int(exc.code or 0)
    try:
        return int(args.func(args, stream))
    except (TimetableError, _BadInput) as err:
        sys.stderr.write(f"timetable: error: {err}\n")
        return 2
    except BrokenPipeError:  # pragma: no cover - e.g. piped into `head`
        return 0
    except (OSError, json.JSONDecodeError) as err:
        sys.stderr.write(f"timetable: error: {err}\n")
        return 2
