"""Benchmarks: timetable against a floor loop, croniter and (optionally) Airflow.

Run ``python -m benchmarks`` (or ``python benchmarks/run.py``) from the repository root.
Every figure is a median of a few repeats, in microseconds per item, and every ratio is
taken against baselines measured in the same run:

* **floor** - ``dt += step`` and one small attrs frozen object per item (what any Python
  producer of intervals pays at least);
* **croniter** - a ``croniter(expr, start).get_next(datetime)`` loop, same zone;
* **Airflow** - Airflow's own ``next_dagrun_info`` chain, when ``apache-airflow-core`` is
  importable here, or in the interpreter named by ``TIMETABLE_BENCH_AIRFLOW_PYTHON``
  (a throwaway venv; never install Airflow into the project's).  Skipped otherwise.

Other ``benchmarks/bench_*.py`` files that expose ``run() -> list[dict]`` are run too and
appended to the report.  ``--out PATH`` writes the markdown (default
``benchmarks/RESULTS.md``); ``--quick`` uses fewer items.  ``--only bench_clear.py,...``
runs just those files and replaces only their sections of the existing report (the
other figures stay as last measured).
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from importlib import metadata
from itertools import islice
from pathlib import Path
from typing import Any

import attrs
from croniter import croniter
from dateutil.relativedelta import relativedelta

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import timetable  # noqa: E402
from timetable import (  # noqa: E402
    CronDataIntervals,
    CronTrigger,
    DeltaDataIntervals,
    iter_run_infos,
)
from timetable._index import (  # noqa: E402
    count_intervals,
    interval_containing,
    iter_intervals,
    nth_interval,
)
from timetable._tz import get_zone  # noqa: E402

START = datetime(2020, 1, 1, tzinfo=UTC)


def _median(fn: Callable[[], float], repeat: int) -> float:
    return statistics.median(fn() for _ in range(repeat))


def per_item(make_iter: Callable[[], Iterator[Any]], n: int, repeat: int = 3) -> float:
    """Median µs per item of consuming *n* items from a fresh iterator."""

    def once() -> float:
        it = make_iter()
        t0 = time.perf_counter()
        for _ in islice(it, n):
            pass
        return (time.perf_counter() - t0) / n * 1e6

    return _median(once, repeat)


def per_call(fn: Callable[[], Any], n: int, repeat: int = 3) -> float:
    def once() -> float:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        return (time.perf_counter() - t0) / n * 1e6

    return _median(once, repeat)


@attrs.frozen
class _Small:
    start: datetime
    end: datetime


def floor_loop(n: int) -> float:
    def make() -> Iterator[_Small]:
        dt = START
        step = timedelta(hours=1)
        while True:
            nxt = dt + step
            yield _Small(dt, nxt)
            dt = nxt

    return per_item(make, n)


def croniter_loop(expr: str, zone: str, n: int) -> float:
    tz = get_zone(zone)

    def make() -> Iterator[datetime]:
        c = croniter(expr, START.astimezone(tz))
        while True:
            yield c.get_next(datetime)

    return per_item(make, n)


# -- Airflow (optional) ------------------------------------------------------------------------
_AIRFLOW_SNIPPET = r"""
import json, sys, time, statistics
from datetime import datetime, timedelta, timezone
from itertools import islice
cases = json.loads(sys.argv[1])
from airflow.timetables.interval import CronDataIntervalTimetable, DeltaDataIntervalTimetable
from airflow.timetables.base import TimeRestriction
import airflow
try:
    import pendulum
    def zone(name): return pendulum.timezone(name)
except ImportError:
    from zoneinfo import ZoneInfo as zone
out = {"version": airflow.__version__}
try:
    start = pendulum.datetime(2020, 1, 1, tz="UTC")  # Airflow's every-hour path needs pendulum
except NameError:
    start = datetime(2020, 1, 1, tzinfo=timezone.utc)
for key, kind, arg, tzname, n in cases:
    if kind == "cron":
        tt = CronDataIntervalTimetable(arg, zone(tzname))
    else:
        tt = DeltaDataIntervalTimetable(timedelta(seconds=arg))
    r = TimeRestriction(earliest=start, latest=None, catchup=True)
    def once(tt=tt, r=r, n=n):
        last = None
        t0 = time.perf_counter()
        for _ in range(n):
            info = tt.next_dagrun_info(last_automated_data_interval=last, restriction=r)
            last = info.data_interval
        return (time.perf_counter() - t0) / n * 1e6
    try:
        out[key] = statistics.median(once() for _ in range(3))
    except Exception as err:
        out[key + " error"] = f"{type(err).__name__}: {err}"
print(json.dumps(out))
"""


def airflow_figures(cases: list[tuple[str, str, Any, str, int]]) -> dict[str, Any]:
    """µs per interval of Airflow's chain for each case, or {} when Airflow is unavailable."""
    payload = json.dumps(cases)
    if importlib.util.find_spec("airflow") is not None:
        cmd = [sys.executable, "-c", _AIRFLOW_SNIPPET, payload]
    elif os.environ.get("TIMETABLE_BENCH_AIRFLOW_PYTHON"):
        cmd = [os.environ["TIMETABLE_BENCH_AIRFLOW_PYTHON"], "-c", _AIRFLOW_SNIPPET, payload]
    else:
        return {}
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=True)
        result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
        return result
    except (subprocess.SubprocessError, ValueError, IndexError, OSError) as err:
        print(f"Airflow baseline skipped: {err}", file=sys.stderr)
        return {}


# -- cases --------------------------------------------------------------------------------------
CRON_CASES = [
    ("@daily UTC", "@daily", "0 0 * * *", "UTC", "fixed"),
    ("@hourly UTC", "@hourly", "0 * * * *", "UTC", "fixed"),
    ("*/5 * * * * UTC", "*/5 * * * *", "*/5 * * * *", "UTC", "fixed"),
    ("30 2 * * * Europe/Berlin", "30 2 * * *", "30 2 * * *", "Europe/Berlin", "fixed"),
    ("0 9 * * 1-5 America/New_York", "0 9 * * 1-5", "0 9 * * 1-5", "America/New_York", "fixed"),
    ("0 0 1 * * (monthly) Europe/Berlin", "0 0 1 * *", "0 0 1 * *", "Europe/Berlin", "fixed"),
    ("0 0 1,15 * * UTC", "0 0 1,15 * *", "0 0 1,15 * *", "UTC", "fixed"),
    ("15 3 * * 1#2 UTC", "15 3 * * 1#2", "15 3 * * 1#2", "UTC", "general"),
    ("0 0 L * * UTC", "0 0 L * *", "0 0 L * *", "UTC", "general"),
    ("0 9 1 * MON Europe/Berlin", "0 9 1 * MON", "0 9 1 * MON", "Europe/Berlin", "general"),
]


def run_core(quick: bool) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    n = 5_000 if quick else 20_000
    n_cron = 1_000 if quick else 3_000
    n_af = 100 if quick else 300
    floor = floor_loop(n * 5)
    rows: list[dict[str, Any]] = []
    af_cases: list[tuple[str, str, Any, str, int]] = []
    for label, _cron, expr, zone, _shape in CRON_CASES:
        af_cases.append((label, "cron", expr, zone, n_af))
    af_cases.append(("delta 1 day", "delta", 86400, "UTC", n_af * 5))
    airflow = airflow_figures(af_cases)

    for label, cron, expr, zone, shape in CRON_CASES:
        tt = CronDataIntervals(cron=cron, timezone=zone)
        ours = per_item(lambda tt=tt: iter_run_infos(tt, start=START, end=None, now=START), n)
        tuples = per_item(lambda tt=tt: iter_intervals(tt, start=START, end=None), n)
        trig = CronTrigger(cron=cron, timezone=zone)
        trigger = per_item(lambda trig=trig: iter_run_infos(trig, start=START, end=None, now=START), n)
        cr = croniter_loop(expr, zone, n_cron)
        rows.append(_row(label, shape, ours, tuples, trigger, floor, cr, airflow.get(label)))

    for label, delta in (("delta 1 day", timedelta(days=1)), ("delta 1 month (relativedelta)", relativedelta(months=1))):
        tt = DeltaDataIntervals(delta=delta)
        ours = per_item(lambda tt=tt: iter_run_infos(tt, start=START, end=None, now=START), n)
        tuples = per_item(lambda tt=tt: iter_intervals(tt, start=START, end=None), n)
        rows.append(_row(label, "delta", ours, tuples, None, floor, None, airflow.get(label)))

    return rows, {"floor": floor, "airflow_version": airflow.get("version")}


def _row(label: str, shape: str, ours: float, tuples: float, trigger: float | None, floor: float,
         cr: float | None, af: float | None) -> dict[str, Any]:
    return {
        "case": label, "shape": shape, "runinfo_us": ours, "tuple_us": tuples,
        "trigger_us": trigger, "x_floor": ours / floor,
        "croniter_us": cr, "vs_croniter": (cr / ours) if cr else None,
        "airflow_us": af, "vs_airflow": (af / ours) if af else None,
    }


def run_indexing(quick: bool) -> list[dict[str, Any]]:
    s, e = datetime(2014, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC)
    probe = datetime(2019, 7, 4, 12, 34, 56, tzinfo=UTC)
    reps = 50 if quick else 200
    out: list[dict[str, Any]] = []
    cases = [
        ("* * * * * UTC", CronDataIntervals(cron="* * * * *")),
        ("* * * * * Europe/Berlin", CronDataIntervals(cron="* * * * *", timezone="Europe/Berlin")),
        ("*/5 * * * * Australia/Lord_Howe", CronDataIntervals(cron="*/5 * * * *", timezone="Australia/Lord_Howe")),
        ("30 2 * * * Europe/Berlin", CronDataIntervals(cron="30 2 * * *", timezone="Europe/Berlin")),
        ("0 9 * * 1-5 America/New_York", CronTrigger(cron="0 9 * * 1-5", timezone="America/New_York")),
        ("delta 1 minute", DeltaDataIntervals(delta=timedelta(minutes=1))),
        ("15 3 * * 1#2 UTC (400-year cycle)", CronDataIntervals(cron="15 3 * * 1#2")),
        ("0 0 L * * Europe/Berlin (400-year cycle)",
         CronDataIntervals(cron="0 0 L * *", timezone="Europe/Berlin")),
        ("*/5 * L * * Europe/Berlin (400-year cycle)",
         CronDataIntervals(cron="*/5 * L * *", timezone="Europe/Berlin")),
    ]
    for label, tt in cases:
        count = count_intervals(tt, start=s, end=e)
        c_us = per_call(lambda tt=tt: count_intervals(tt, start=s, end=e), reps)
        n_us = per_call(lambda tt=tt, k=count // 2: nth_interval(tt, start=s, n=k), reps)
        i_us = per_call(lambda tt=tt: interval_containing(tt, probe, start=s), reps)
        out.append({"case": label, "intervals": count, "count_us": c_us, "nth_us": n_us,
                    "containing_us": i_us})
    return out


def run_extra(quick: bool, only: set[str] | None = None) -> list[tuple[str, list[dict[str, Any]]]]:
    out = []
    for path in sorted(HERE.glob("bench_*.py")):
        if only is not None and path.name not in only:
            continue
        spec = importlib.util.spec_from_file_location(f"benchmarks.{path.stem}", path)
        if spec is None or spec.loader is None:
            continue
        mod = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(mod)
            run = getattr(mod, "run", None)
            if run is None or any(
                p.default is inspect.Parameter.empty
                and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
                for p in inspect.signature(run).parameters.values()
            ):
                rows = [{"note": f"no run() -> rows here; run it alone: python benchmarks/{path.name}"}]
            else:
                rows = run()
        except Exception as err:  # a broken extra file must not hide the core figures
            rows = [{"error": f"{type(err).__name__}: {err}"}]
        out.append((path.name, list(rows)))
    return out


# -- report -------------------------------------------------------------------------------------
def _fmt(v: Any, digits: int = 2) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        if v >= 100:
            return f"{v:,.0f}"
        return f"{v:.{digits}f}"
    return str(v)


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "-"


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def render(core: list[dict[str, Any]], meta: dict[str, Any], index: list[dict[str, Any]],
           extra: Iterable[tuple[str, list[dict[str, Any]]]]) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"- machine: {_cpu()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()} ({platform.python_implementation()})",
        f"- timetable {getattr(timetable, '__version__', '-')}, croniter {_version('croniter')}, "
        f"attrs {_version('attrs')}, Airflow {meta.get('airflow_version') or 'not measured'}",
        f"- floor (`dt += step` + one small attrs frozen object): {meta['floor']:.3f} µs per item",
        "",
        "Producing consecutive intervals from 2020-01-01 (µs per item, medians of 3; ratios from "
        "this run). *RunInfo*: `iter_run_infos(CronDataIntervals/DeltaDataIntervals)`; "
        "*tuples*: `iter_intervals`; *trigger*: `iter_run_infos(CronTrigger)`.",
        "",
        "| case | shape | RunInfo µs | tuples µs | trigger µs | × floor | croniter µs | "
        "× faster than croniter | Airflow µs | × faster than Airflow |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in core:
        lines.append(
            f"| {r['case']} | {r['shape']} | {_fmt(r['runinfo_us'])} | {_fmt(r['tuple_us'])} | "
            f"{_fmt(r['trigger_us'])} | {_fmt(r['x_floor'], 1)} | {_fmt(r['croniter_us'])} | "
            f"{_fmt(r['vs_croniter'], 0)} | {_fmt(r['airflow_us'])} | {_fmt(r['vs_airflow'], 0)} |"
        )
    lines += ["", *render_index(index)]
    for name, rows in extra:
        lines += ["", *render_extra(name, rows)]
    return "\n".join(lines) + "\n"


_INDEX_HEAD = "Indexing a 10-year range (2014-01-01 .. 2024-01-01), µs per query (warm caches):"


def render_index(index: list[dict[str, Any]]) -> list[str]:
    """The indexing table (``--only indexing`` replaces it alone)."""
    lines = [
        _INDEX_HEAD,
        "",
        "| case | intervals | count_intervals µs | nth_interval µs | interval_containing µs |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in index:
        lines.append(
            f"| {r['case']} | {r['intervals']:,} | {_fmt(r['count_us'], 1)} | {_fmt(r['nth_us'], 1)} | "
            f"{_fmt(r['containing_us'], 1)} |"
        )
    return lines


def replace_index(text: str, index: list[dict[str, Any]]) -> str:
    """*text* with its indexing table replaced."""
    start = text.find(_INDEX_HEAD)
    if start < 0:
        return text.rstrip("\n") + "\n\n" + "\n".join(render_index(index)) + "\n"
    table = text.find("\n|", start)
    end = text.find("\n\n", table)
    return text[:start] + "\n".join(render_index(index)) + ("\n" if end < 0 else text[end:])


def render_extra(name: str, rows: list[dict[str, Any]]) -> list[str]:
    """The report section of one ``bench_*.py`` file: its name and a table of its rows."""
    lines = [f"`{name}`:", ""]
    if not rows:
        return [*lines, "(no rows)"]
    keys = list(dict.fromkeys(k for row in rows for k in row))
    lines.append("| " + " | ".join(keys) + " |")
    lines.append("|" + "---|" * len(keys))
    for row in rows:
        lines.append("| " + " | ".join(_fmt(row.get(k)) for k in keys) + " |")
    return lines


def replace_sections(text: str, extra: Iterable[tuple[str, list[dict[str, Any]]]]) -> str:
    """*text* with the section of each file in *extra* replaced (or appended)."""
    for name, rows in extra:
        section = "\n".join(render_extra(name, rows)) + "\n"
        head = f"`{name}`:"
        start = text.find("\n" + head)
        if start < 0:
            text = text.rstrip("\n") + "\n\n" + section
            continue
        nxt = text.find("\n`bench_", start + 1)
        text = text[: start + 1] + section + ("" if nxt < 0 else text[nxt:])
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer items per case")
    parser.add_argument("--out", default=str(HERE / "RESULTS.md"), help="markdown output path")
    parser.add_argument("--no-extra", action="store_true", help="skip bench_*.py files")
    parser.add_argument("--only", help="comma-separated bench_*.py files to run (and/or "
                        "'indexing' for the indexing table, 'core' for it and the stream table); replaces only their sections "
                        "of the existing report")
    args = parser.parse_args(argv)
    if args.only:
        only = {name.strip() for name in args.only.split(",") if name.strip()}
        extra = run_extra(args.quick, only)
        out = Path(args.out)
        text = replace_sections(out.read_text() if out.exists() else "# Benchmark results\n",
                                extra)
        if "core" in only:  # the stream and indexing tables: everything before the files'
            core, meta = run_core(args.quick)
            head = render(core, meta, run_indexing(args.quick), [])
            i = text.find("\n`bench_")
            text = head.rstrip("\n") + "\n" + ("" if i < 0 else text[i:])
        elif "indexing" in only:
            text = replace_index(text, run_indexing(args.quick))
        out.write_text(text)
        print(text)
        return 0
    core, meta = run_core(args.quick)
    index = run_indexing(args.quick)
    extra = [] if args.no_extra else run_extra(args.quick)
    text = render(core, meta, index, extra)
    Path(args.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
