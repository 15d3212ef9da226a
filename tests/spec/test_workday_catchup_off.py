"""``AfterWorkdayTimetable`` with catchup off: agreement, or a listed deviation by our rule.

``tests/data/workday/workday_catchup_off.jsonl`` holds Airflow 3.3.2's own answers
(``tests/data/workday/generate.py``), each computed with the example's ``Date.today()``
fixed to the case's ``today``.  The example reads only the date, so we ask at
**12:00 UTC on that day** (``now``).

Every case must agree with Airflow, or be listed in ``WORKDAY_CATCHUP_OFF``
(``tests/golden/deviations.py``, named on ``docs/design/deviations.md``); and for every
case, listed or not, our answer must be what our catchup-off rule predicts, computed here
directly from business days:

    the latest business-day interval that has ended by ``now``; but not before the first
    business day at or after the start date, and after the last run's start when there is
    a last run; nothing if that start is after ``latest``.

A listed case that starts agreeing, or an unlisted one that differs, fails.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from golden.deviations import WORKDAY_CATCHUP_OFF

from timetable import (
    BusinessCalendar,
    CronDataIntervals,
    DataInterval,
    TimeRestriction,
    next_run_info,
)

DATA = Path(__file__).parent.parent / "data" / "workday" / "workday_catchup_off.jsonl"
CASES = [json.loads(line) for line in DATA.read_text().splitlines()]
NOON = time(12, tzinfo=UTC)
DAY = timedelta(days=1)


@cache
def schedule(holidays: tuple[str, ...]) -> CronDataIntervals:
    cal = BusinessCalendar(weekmask="1111100", holidays=[date.fromisoformat(d) for d in holidays])
    return CronDataIntervals(cron="@daily", timezone="UTC", calendar=cal, roll="skip")


def _dt(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def now_of(case: dict[str, Any]) -> datetime:
    """The instant we ask at: 12:00 UTC on the day Airflow's ``Date.today()`` returned."""
    return datetime.combine(date.fromisoformat(case["today"]), NOON)


def ours(case: dict[str, Any]) -> list[datetime] | None:
    last = case["last"]
    info = next_run_info(
        schedule(tuple(case["holidays"])),
        last_interval=None if last is None else DataInterval(start=_dt(last[0]), end=_dt(last[1])),  # type: ignore[arg-type]
        restriction=TimeRestriction(earliest=_dt(case["earliest"]), latest=_dt(case["latest"]), catchup=False),
        now=now_of(case),
    )
    if info is None:
        return None
    assert info.run_after == info.data_interval.end
    return [info.data_interval.start, info.data_interval.end]


def airflow(case: dict[str, Any]) -> list[datetime] | None:
    exp = case["expected"]
    if exp is None:
        return None
    assert exp["run_after"] == exp["interval"][1]
    return [datetime.fromisoformat(x) for x in exp["interval"]]


def predicted(case: dict[str, Any]) -> list[datetime] | None:
    """Our catchup-off rule, from business days alone (no timetable code)."""
    holidays = {date.fromisoformat(d) for d in case["holidays"]}

    def business(d: date) -> bool:
        return d.weekday() < 5 and d not in holidays

    def midnight(d: date) -> datetime:
        return datetime.combine(d, time(0, tzinfo=UTC))

    now = now_of(case)
    # the latest business day whose interval (that day, midnight to midnight) has ended
    d = now.date() - DAY
    while not business(d):
        d -= DAY
    candidates = [d]
    # the first business day starting at or after the start date
    earliest = _dt(case["earliest"])
    assert earliest is not None
    e = earliest.date() if earliest == midnight(earliest.date()) else earliest.date() + DAY
    while not business(e):
        e += DAY
    candidates.append(e)
    # the first business day after the last run's start
    if case["last"] is not None:
        a = _dt(case["last"][0]).date() + DAY  # type: ignore[union-attr]
        while not business(a):
            a += DAY
        candidates.append(a)
    start = max(candidates)
    latest = _dt(case["latest"])
    if latest is not None and midnight(start) > latest:
        return None
    return [midnight(start), midnight(start + DAY)]


def test_the_data_covers_each_situation() -> None:
    """First runs before/after today (midnight and not), latest bounds, previous runs."""
    first = [c for c in CASES if c["last"] is None and c["latest"] is None]
    assert any(_dt(c["earliest"]) < now_of(c) for c in first)  # type: ignore[operator]
    assert any(_dt(c["earliest"]) > now_of(c) for c in first)  # type: ignore[operator]
    assert any(_dt(c["earliest"]).time() != time(0) for c in first)  # type: ignore[union-attr]
    assert sum(c["latest"] is not None for c in CASES) >= 100
    assert sum(c["last"] is not None for c in CASES) >= 300
    assert all(date.fromisoformat(c["today"]) for c in CASES)


def test_every_listed_deviation_is_a_case() -> None:
    assert {c["id"] for c in CASES} >= WORKDAY_CATCHUP_OFF


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_catchup_off(case: dict[str, Any]) -> None:
    got = ours(case)
    assert got == predicted(case), "our answer is not what our catchup-off rule predicts"
    if case["id"] in WORKDAY_CATCHUP_OFF:
        assert got != airflow(case), "listed as a deviation but agrees with Airflow"
    else:
        assert got == airflow(case)
