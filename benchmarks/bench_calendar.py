"""Business calendars: ten years of business-day intervals, with and without a calendar.

Run alone: ``.venv/bin/python benchmarks/bench_calendar.py``; ``python -m benchmarks``
includes it.  Each figure is the best of 25 timings of one full enumeration (ms), taken
in five interleaved rounds of five.  The
target: producing ten years of business-day intervals costs at most 1.5x producing the
same schedule's intervals without a calendar (which yields every day, ~45 % more items).
The per-item ratio is shown too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import timetable as tt

START = datetime(2015, 1, 1, tzinfo=UTC)
END = datetime(2025, 1, 1, tzinfo=UTC)


def _best_ms(fn: Callable[[], int], repeat: int = 15) -> tuple[float, int]:
    best = float("inf")
    n = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        n = fn()
        best = min(best, time.perf_counter() - t0)
    return best * 1000, n


def run() -> list[dict[str, Any]]:
    us = tt.BusinessCalendar.from_holidays("US", years=range(2014, 2026))
    rows: list[dict[str, Any]] = []
    cases = [
        ("`@daily` UTC, iter_intervals", "@daily", "UTC", "tuples", "skip"),
        ("`@daily` UTC, iter_run_infos", "@daily", "UTC", "runs", "skip"),
        ("`@daily` UTC, iter_run_infos, span", "@daily", "UTC", "runs", "span"),
        ("`0 9 * * *` New York, iter_run_infos", "0 9 * * *", "America/New_York", "runs", "skip"),
        ("`@hourly` UTC, iter_intervals", "@hourly", "UTC", "tuples", "skip"),
    ]
    for label, cron, zone, how, roll in cases:
        plain = tt.CronDataIntervals(cron=cron, timezone=zone)
        cal = tt.CronDataIntervals(cron=cron, timezone=zone, calendar=us, roll=roll)

        def enum(t: Any, how: str = how) -> Callable[[], int]:
            if how == "tuples":
                return lambda: sum(1 for _ in tt.iter_intervals(t, start=START, end=END))
            return lambda: sum(1 for _ in tt.iter_run_infos(t, start=START, end=END, now=END))

        enum(cal)()  # warm the calendar's year tables
        # Interleaved, so a burst of load on a shared machine hits both sides alike.
        p_ms = c_ms = float("inf")
        p_n = c_n = 0
        for _ in range(5):
            p, p_n = _best_ms(enum(plain), 5)
            c, c_n = _best_ms(enum(cal), 5)
            p_ms, c_ms = min(p_ms, p), min(c_ms, c)
        rows.append({
            "10 years, 2015-2024": label,
            "no calendar ms": round(p_ms, 2),
            "items": p_n,
            "US business days ms": round(c_ms, 2),
            "business items": c_n,
            "total ratio": round(c_ms / p_ms, 2),
            "per-item ratio": round((c_ms / c_n) / (p_ms / p_n), 2),
        })
    counts = [
        ("`*/5 * * * *` UTC, count_intervals (day arithmetic)", "UTC", "skip"),
        ("`*/5 * * * *` Europe/Berlin, count_intervals (day arithmetic)", "Europe/Berlin", "skip"),
        ("`*/5 * * * *` Europe/Berlin, following, count_intervals", "Europe/Berlin", "following"),
    ]
    for label, zone, roll in counts:
        every5 = tt.CronDataIntervals(cron="*/5 * * * *", timezone=zone, calendar=us, roll=roll)
        c_ms, n = _best_ms(lambda t=every5: tt.count_intervals(t, start=START, end=END), 5)
        rows.append({
            "10 years, 2015-2024": label,
            "no calendar ms": None, "items": None, "US business days ms": round(c_ms, 3),
            "business items": n, "total ratio": None, "per-item ratio": None,
        })
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
