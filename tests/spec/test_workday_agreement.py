"""Agreement with Airflow 3.3.2's own business-day example, ``AfterWorkdayTimetable``.

``tests/data/workday/workday_agreement.jsonl`` holds that example's answers (computed
by ``tests/data/workday/generate.py`` in a throwaway Airflow venv, versions in
``versions.json``), each with the US federal holidays it saw.  Our daily data intervals
with a business calendar of those holidays and ``roll="skip"`` must give every one.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any

import pytest

from timetable import (
    BusinessCalendar,
    CronDataIntervals,
    DataInterval,
    TimeRestriction,
    infer_manual_interval,
    iter_run_infos,
    next_run_info,
)

DATA = Path(__file__).parent.parent / "data" / "workday" / "workday_agreement.jsonl"
CASES = [json.loads(line) for line in DATA.read_text().splitlines()]
FAR_NOW = datetime.fromisoformat("2099-01-01T00:00:00+00:00")


@cache
def schedule(holidays: tuple[str, ...]) -> CronDataIntervals:
    cal = BusinessCalendar(weekmask="1111100", holidays=[date.fromisoformat(d) for d in holidays])
    return CronDataIntervals(cron="@daily", timezone="UTC", calendar=cal, roll="skip")


def _dt(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _pair(iv: DataInterval) -> list[datetime]:
    return [iv.start, iv.end]


def _expected(pair: list[str]) -> list[datetime]:
    return [datetime.fromisoformat(x) for x in pair]


def test_the_data_covers_all_three_questions() -> None:
    """Several hundred answers of each kind, around holidays and month ends."""
    kinds = {k: sum(1 for c in CASES if c["kind"] == k) for k in ("next", "sequence", "manual")}
    assert kinds["next"] >= 300
    assert kinds["manual"] >= 300
    assert kinds["sequence"] >= 100
    assert any(c["around"].startswith("month_end") for c in CASES)
    # the data is not trivial: some answers really jump over a holiday
    assert any(
        c["kind"] == "manual"
        and (_dt(c["run_after"]) - _expected(c["expected"])[1]).days >= 2  # type: ignore[operator]
        for c in CASES
    )


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_matches_after_workday(case: dict[str, Any]) -> None:
    tt = schedule(tuple(case["holidays"]))
    if case["kind"] == "next":
        last = case["last"]
        info = next_run_info(
            tt,
            last_interval=None if last is None else DataInterval(start=_dt(last[0]), end=_dt(last[1])),
            restriction=TimeRestriction(
                earliest=_dt(case["earliest"]), latest=_dt(case["latest"]), catchup=True
            ),
            now=FAR_NOW,
        )
        if case["expected"] is None:
            assert info is None
        else:
            assert info is not None
            assert _pair(info.data_interval) == _expected(case["expected"]["interval"])
            assert info.run_after == datetime.fromisoformat(case["expected"]["run_after"])
    elif case["kind"] == "sequence":
        expected = [_expected(p) for p in case["expected"]]
        runs = iter_run_infos(tt, start=_dt(case["earliest"]), end=None, now=FAR_NOW)  # type: ignore[arg-type]
        assert [_pair(r.data_interval) for r in islice(runs, len(expected))] == expected
    else:
        iv = infer_manual_interval(tt, run_after=_dt(case["run_after"]))  # type: ignore[arg-type]
        assert _pair(iv) == _expected(case["expected"])
