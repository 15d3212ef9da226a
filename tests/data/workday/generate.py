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

Each case carries the holiday dates the example saw in a window around it, so the test
can build the same calendar without pandas.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as md
import json
import platform
import sys
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
            if d.weekday() < 5 and d.isoformat() not in holidays_around(d, 0, 0):
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
    }
    (HERE / "versions.json").write_text(json.dumps(versions, indent=2, sort_keys=True) + "\n")
    print(f"{len(cases)} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
