"""Planning over long histories: catchup, backfill and gap plans (near-linear?).

Run: ``.venv/bin/python benchmarks/bench_planning.py [sizes...]`` (default 10k 100k 1M).

For each size N it builds an hourly history of N runs (1M hourly runs is ~114 years)
on ``CronDataIntervals("@hourly")`` and on ``DeltaDataIntervals(1 hour)`` (whose tick
engine is cheap, so the planning overhead itself shows), every 10th run missing and every 7th failed, and
times, one call each (``time.perf_counter``; not part of the test suite):

* ``validate_history``: sorting and indexing the N records;
* ``plan_catchup``: the history stops N/10 intervals before ``now``, so the plan
  creates N/10 runs (after locating the reference run);
* ``plan_backfill``: the whole range, reprocess ``failed`` (N intervals);
* ``find_gaps``: the whole range, failed runs included (N intervals).

Per-item costs that stay flat from 10k to 1M mean linear time.

``--rows`` (and ``python -m benchmarks``) gives the ``RESULTS.md`` rows instead: after one
small call of every planner (so no case pays a first call's imports), each case is timed
five times (three at 1M) in CPU time, alternating with ``iter_run_infos`` over the same
grid, and reported as the ratio of the two medians; the last row is the tracemalloc peak
of a backfill plan creating every run.  This file imports the ``timetable`` of the
checkout it sits in.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# the checkout this file is in, not whichever copy the environment installed
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timetable import (
    CronDataIntervals,
    DataInterval,
    DeltaDataIntervals,
    RunRecord,
    TimeRestriction,
    iter_run_infos,
)
from timetable._backfill import BackfillRequest, plan_backfill
from timetable._catchup import plan_catchup
from timetable._gaps import find_gaps
from timetable._planning import validate_history

START = datetime(1900, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def build(n: int) -> list[RunRecord]:
    runs = []
    for i in range(n):
        if i % 10 == 9:
            continue
        s = START + i * HOUR
        e = s + HOUR
        runs.append(
            RunRecord(
                run_id=f"scheduled__{e.isoformat()}",
                run_type="scheduled",
                logical_date=s,
                data_interval=DataInterval(start=s, end=e),
                run_after=e,
                state="failed" if i % 7 == 3 else "success",
            )
        )
    return runs


def timed(label: str, n_items: int, fn: object) -> object:
    gc.collect()
    t0 = time.perf_counter()
    out = fn()  # type: ignore[operator]
    dt = time.perf_counter() - t0
    print(f"  {label:<18} {dt:8.2f} s   {dt / n_items * 1e6:7.2f} µs/item   ({n_items:,} items)")
    return out


def main(sizes: list[int]) -> None:
    for tt in (CronDataIntervals(cron="@hourly"), DeltaDataIntervals(delta=HOUR)):
        for n in sizes:
            run_one(tt, n)


def run_one(tt: Any, n: int) -> None:
    if True:
        print(f"{tt!r}: N = {n:,} hourly intervals ({n / 8766:.1f} years)")
        t0 = time.perf_counter()
        runs = build(n)
        print(f"  (building {len(runs):,} records: {time.perf_counter() - t0:.2f} s)")
        history = timed("validate_history", len(runs), lambda: validate_history(runs))
        end = START + n * HOUR
        tail = n // 10
        now = end + tail * HOUR
        plan = timed(
            "plan_catchup",
            tail,
            lambda: plan_catchup(
                tt, runs=history, restriction=TimeRestriction(earliest=START, catchup=True), now=now
            ),
        )
        assert plan.create_count >= tail, plan.create_count  # type: ignore[attr-defined]
        bf = timed(
            "plan_backfill",
            n,
            lambda: plan_backfill(
                tt,
                BackfillRequest(from_date=START, to_date=end - HOUR,
                                reprocess_behavior="failed"),
                runs=history,
                now=now,
            ),
        )
        assert len(bf) == n  # type: ignore[arg-type]
        gaps = timed(
            "find_gaps",
            n,
            lambda: find_gaps(tt, runs=history, start=START, end=end - HOUR, now=now,
                              include_failed=True),
        )
        assert gaps.expected == n  # type: ignore[attr-defined]
        del runs, history, plan, bf, gaps


def _t(fn: Any) -> tuple[float, Any]:
    """Seconds of this process's CPU time for one call (on a shared machine, wall time
    also counts the time other jobs held the CPU), and its result."""
    gc.collect()
    t0 = time.process_time()
    out = fn()
    return time.process_time() - t0, out


def _stream_us(tt: Any, n: int) -> float:
    end = START + (n - 1) * HOUR
    dt, count = _t(lambda: sum(1 for _ in iter_run_infos(tt, start=START, end=end, now=end)))
    assert count == n, count
    return dt / n * 1e6


def _backfill_peak_mib(tt: Any, n: int) -> float:
    """Peak traced memory of a backfill plan creating *n* runs from an empty history."""
    import tracemalloc

    end = START + n * HOUR
    gc.collect()
    tracemalloc.start()
    plan = plan_backfill(tt, BackfillRequest(from_date=START, to_date=end - HOUR), runs=[],
                         now=end + HOUR)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(plan) == n
    return peak / 2**20


#: Timed calls per case (and of the baseline around it) up to 100k intervals, and beyond;
#: the medians are reported.
REPEAT = (5, 3)


def _warm_up(tt: Any) -> None:
    """One small call of each planner, so no case pays a first call's lazy imports."""
    _measure_once(tt, 100, lambda label, fn, items: fn())


def _measure_once(tt: Any, n: int, timed: Any) -> list[tuple[str, Any]]:
    runs = build(n)
    end = START + n * HOUR
    tail = n // 10
    now = end + tail * HOUR
    every = TimeRestriction(earliest=START, catchup=True)
    history = validate_history(runs)
    failed = BackfillRequest(from_date=START, to_date=end - HOUR, reprocess_behavior="failed")
    plain = BackfillRequest(from_date=START, to_date=end - HOUR)
    return [
        timed("validate_history (per record)", lambda: validate_history(runs), len(runs)),
        timed("catchup (per created run; the last tenth missing)",
              lambda: plan_catchup(tt, runs=history, now=now, restriction=every), tail + 1),
        timed("catchup from an empty history (per created run)",
              lambda: plan_catchup(tt, runs=[], now=START + tail * HOUR, restriction=every),
              tail),
        timed("backfill, 90% exist, reprocess failed (per interval)",
              lambda: plan_backfill(tt, failed, runs=history, now=now), n),
        timed("backfill creating every run (per interval)",
              lambda: plan_backfill(tt, plain, runs=[], now=now), n),
        timed("find_gaps, failed included (per interval)",
              lambda: find_gaps(tt, runs=history, start=START, end=end - HOUR, now=now,
                                include_failed=True), n),
    ]


def _check(label: str, out: Any, items: int, n: int) -> None:
    """Each case answers what the figures assume."""
    if label.startswith("catchup"):
        assert out.create_count == items, (label, out.create_count)
    elif label.startswith("backfill"):
        assert len(out) == n, (label, len(out))
    elif label.startswith("find_gaps"):
        assert out.expected == n, (label, out.expected)


def _measure(tt: Any, n: int) -> list[dict[str, Any]]:
    """Each case timed `REPEAT` times (CPU time), alternating with ``iter_run_infos`` over
    the same grid (the baseline of its ratio); medians of both."""

    def timed(label: str, fn: Any, items: int) -> dict[str, Any]:
        case, stream = [], []
        for _ in range(REPEAT[n > 100_000]):
            stream.append(_stream_us(tt, n))
            dt, out = _t(fn)
            _check(label, out, items, n)
            del out
            case.append(dt / items * 1e6)
        us, base = statistics.median(case), statistics.median(stream)
        return {"N (hourly)": f"{n:,}", "case": label, "µs per item": us,
                "iter_run_infos µs": base, "× iter_run_infos": us / base}

    return _measure_once(tt, n, timed)


def run(sizes: tuple[int, ...] | None = None) -> list[dict[str, Any]]:
    """Per-item costs as ratios to ``iter_run_infos`` over the same hourly grid, same run
    (medians of `REPEAT` calls in CPU time, after a warm-up of every planner).

    Sizes from ``TIMETABLE_BENCH_PLANNING`` (comma-separated; default 10k, 100k, 1M).
    """
    import os

    if sizes is None:
        env = os.environ.get("TIMETABLE_BENCH_PLANNING", "10000,100000,1000000")
        sizes = tuple(int(float(x)) for x in env.split(","))
    rows: list[dict[str, Any]] = []
    tt = CronDataIntervals(cron="@hourly")
    _warm_up(tt)
    for n in sizes:
        rows += _measure(tt, n)
    big = max(sizes)
    rows.append({"N (hourly)": f"{big:,}", "case": "backfill plan peak memory (tracemalloc, MiB)",
                 "µs per item": None, "iter_run_infos µs": None,
                 "× iter_run_infos": _backfill_peak_mib(tt, big)})
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["--rows"]:
        for row in run(tuple(int(float(a)) for a in sys.argv[2:]) or None):
            print(row)
    else:
        main([int(float(a)) for a in sys.argv[1:]] or [10_000, 100_000, 1_000_000])
