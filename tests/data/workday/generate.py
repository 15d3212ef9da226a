"""Regenerate ``workday_agreement.jsonl``: Airflow 3.3.2's own ``AfterWorkdayTimetable``.

Run with a throwaway Airflow venv (never imported by the test suite)::

    /path/to/airflow-venv/bin/python tests/data/workday/generate.py

It loads the example plugin ``workday.py`` shipped in the installed ``apache-airflow-core``
package (``airflow/example_dags/plugins/workday.py``), whose holidays come from pandas'
``USFederalHolidayCalendar``, and records three kinds of answers around every US federal
holiday of 2021-2025 and around every month end of those years:

* ``next``: ``next_dagrun_info`` with catchup on, from no run (earliest at midnight and
  mid-day, some with a ``latest`` bound) and from each previous workday interval;
* ``sequence``: a catchup chain of ``next_dagrun_info`` calls from an earliest date;
* ``manual``: ``infer_manual_data_interval`` at several instants of each day.

It also writes ``workday_catchup_off.jsonl`` (ids ``wdoff-NNNN``): ``next_dagrun_info``
with catchup **off**, where the example reads the clock through ``Date.today()``.  The
plugin module's ``Date`` is replaced while those cases are computed so that
``Date.today()`` returns a chosen day, recorded in each case as ``today``; the cases cover
no previous run (start date before and after that day, at midnight and at 09:15), a
``latest`` bound, and a previous run (which the example follows, ignoring catchup).

Each case carries the holiday dates the example saw in a window around it, so the test
can build the same calendar without pandas.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as md
import json
import platform
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pendulum
from airflow.example_dags.plugins import workday
from airflow.timetables.base import DataInterval, TimeRestriction
from pandas.tseries.holiday import USFederalHolidayCalendar

HERE = Path(__file__).parent
UTC = pendulum.UTC
TT = workday.AfterWorkdayTimetable()
CAL = USFederalHolidayCalendar()


def at(d: date, hour: int = 0, minute: int = 0) -> pendulum.DateTime:
    return pendulum.datetime(d.year, d.month, d.day, hour, minute, tz=UTC)


def iso(x: pendulum.DateTime) -> str:
    return x.in_timezone(UTC).isoformat()


def holidays_around(d: date, before: int = 20, after: int = 25) -> list[str]:
    idx = CAL.holidays(start=d - timedelta(days=before), end=d + timedelta(days=after))
    return [ts.date().isoformat() for ts in idx]


def pair(iv: DataInterval) -> list[str]:
    return [iso(iv.start), iso(iv.end)]


def next_case(d: date, *, earliest, latest=None, last=None) -> dict:
    info = TT.next_dagrun_info(
        last_automated_data_interval=last,
        restriction=TimeRestriction(earliest=earliest, latest=latest, catchup=True),
    )
    return {
        "kind": "next",
        "earliest": iso(earliest),
        "latest": iso(latest) if latest is not None else None,
        "last": pair(last) if last is not None else None,
        "expected": None
        if info is None
        else {"run_after": iso(info.run_after), "interval": pair(info.data_interval)},
        "holidays": holidays_around(d),
    }


@contextmanager
def today_is(d: date) -> Iterator[None]:
    """Make the plugin's ``Date.today()`` return *d* (only the plugin module is patched)."""

    class FixedDate(pendulum.Date):
        @classmethod
        def today(cls) -> pendulum.Date:
            return pendulum.Date(d.year, d.month, d.day)

    saved = workday.Date
    workday.Date = FixedDate
    try:
        yield
    finally:
        workday.Date = saved


def off_case(today: date, *, earliest, latest=None, last=None) -> dict:
    with today_is(today):
        info = TT.next_dagrun_info(
            last_automated_data_interval=last,
            restriction=TimeRestriction(earliest=earliest, latest=latest, catchup=False),
        )
    return {
        "kind": "next",
        "today": today.isoformat(),
        "earliest": iso(earliest),
        "latest": iso(latest) if latest is not None else None,
        "last": pair(last) if last is not None else None,
        "expected": None
        if info is None
        else {"run_after": iso(info.run_after), "interval": pair(info.data_interval)},
        "holidays": holidays_around(today),
    }


def is_workday(d: date) -> bool:
    return d.weekday() < 5 and d.isoformat() not in holidays_around(d, 0, 0)


def catchup_off_cases() -> list[dict]:
    cases = []
    for why, anchor in anchors():
        tag = f"{why} {anchor.isoformat()}"
        # no previous run: the start date before and after "today", at midnight and 09:15
        for k in range(-1, 2):
            today = anchor + timedelta(days=k)
            for earliest in (
                at(today - timedelta(days=3)),
                at(today - timedelta(days=1), 9, 15),
                at(today),
                at(today + timedelta(days=2)),
                at(today + timedelta(days=1), 9, 15),
            ):
                cases.append({"around": tag, **off_case(today, earliest=earliest)})
        # a latest bound: at the anchor (stops a first run after it), and the day before
        for latest in (at(anchor), at(anchor - timedelta(days=1))):
            cases.append({"around": tag, **off_case(anchor, earliest=at(anchor - timedelta(days=3)), latest=latest)})
        # a previous run on a workday before (or on) the anchor, seen one and three days later
        for k in range(-4, 1):
            d = anchor + timedelta(days=k)
            if is_workday(d):
                last = DataInterval(start=at(d), end=at(d + timedelta(days=1)))
                for later in (1, 3):
                    cases.append(
                        {"around": tag, **off_case(anchor + timedelta(days=later), earliest=at(anchor - timedelta(days=10)), last=last)}
                    )
    for i, case in enumerate(cases):
        case["id"] = f"wdoff-{i:04d}"
    return cases


def sequence_case(d: date, count: int) -> dict:
    restriction = TimeRestriction(earliest=at(d), latest=None, catchup=True)
    out, last = [], None
    for _ in range(count):
        info = TT.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)
        out.append(pair(info.data_interval))
        last = info.data_interval
    return {
        "kind": "sequence",
        "earliest": iso(at(d)),
        "expected": out,
        "holidays": holidays_around(d, after=3 * count),
    }


def manual_case(run_after: pendulum.DateTime) -> dict:
    iv = TT.infer_manual_data_interval(run_after=run_after)
    return {
        "kind": "manual",
        "run_after": iso(run_after),
        "expected": pair(iv),
        "holidays": holidays_around(run_after.date()),
    }


def anchors() -> list[tuple[str, date]]:
    out = []
    for ts in CAL.holidays(start="2021-01-01", end="2025-12-31"):
        out.append(("holiday", ts.date()))
    for year in range(2021, 2026):
        for month in range(1, 13):
            first_next = date(year + (month == 12), month % 12 + 1, 1)
            out.append(("month_end", first_next - timedelta(days=1)))
    return out


def main() -> None:
    cases = []
    for why, anchor in anchors():
        tag = f"{why} {anchor.isoformat()}"
        for k in range(-2, 3):
            d = anchor + timedelta(days=k)
            for hour, minute in ((0, 0), (9, 15)):
                cases.append({"around": tag, **next_case(d, earliest=at(d, hour, minute))})
        # a latest bound that stops the first run (and one that lets it through)
        cases.append({"around": tag, **next_case(anchor, earliest=at(anchor - timedelta(days=1)), latest=at(anchor))})
        cases.append({"around": tag, **next_case(anchor, earliest=at(anchor - timedelta(days=3)), latest=at(anchor - timedelta(days=3)))})
        for k in range(-4, 3):
            d = anchor + timedelta(days=k)
            if is_workday(d):
                last = DataInterval(start=at(d), end=at(d + timedelta(days=1)))
                cases.append({"around": tag, **next_case(d, earliest=at(anchor - timedelta(days=10)), last=last)})
        cases.append({"around": tag, **sequence_case(anchor - timedelta(days=5), 10)})
        for k in range(-1, 4):
            d = anchor + timedelta(days=k)
            for hour, minute in ((0, 0), (18, 30)):
                cases.append({"around": tag, **manual_case(at(d, hour, minute))})
    for i, case in enumerate(cases):
        case["id"] = f"workday-{i:04d}"
    with (HERE / "workday_agreement.jsonl").open("w") as fh:
        for case in cases:
            fh.write(json.dumps(case, sort_keys=True) + "\n")
    off = catchup_off_cases()
    with (HERE / "workday_catchup_off.jsonl").open("w") as fh:
        for case in off:
            fh.write(json.dumps(case, sort_keys=True) + "\n")
    source = Path(workday.__file__).read_bytes()
    versions = {
        "python": platform.python_version(),
        "apache-airflow": md.version("apache-airflow"),
        "apache-airflow-core": md.version("apache-airflow-core"),
        "pandas": md.version("pandas"),
        "pendulum": md.version("pendulum"),
        "workday.py": "airflow/example_dags/plugins/workday.py (installed with apache-airflow-core)",
        "workday.py sha256": hashlib.sha256(source).hexdigest(),
        "cases": len(cases),
        "catchup-off cases": len(off),
    }
    (HERE / "versions.json").write_text(json.dumps(versions, indent=2, sort_keys=True) + "\n")
    print(f"{len(cases)} cases, {len(off)} catchup-off cases", file=sys.stderr)


if __name__ == "__main__":
    main()
