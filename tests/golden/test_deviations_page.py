"""The docs' deviations page names every golden case we deliberately answer differently."""

from __future__ import annotations

import json
import re
from pathlib import Path

from golden._support import DATA, build_from_spec
from golden.deviations import SCHEDULE_CHANGE_STRICT_PREV, STRICT_PREV, WORKDAY_CATCHUP_OFF

import timetable as tt
from timetable.airflow import from_serialized

PAGE = Path(__file__).resolve().parents[2] / "docs" / "design" / "deviations.md"


def _deviating_ids() -> set[str]:
    out = set(STRICT_PREV) | set(SCHEDULE_CHANGE_STRICT_PREV)
    lines = (DATA / "airflow_golden.jsonl").read_text(encoding="utf-8").splitlines()
    for line in lines:
        case = json.loads(line)
        exp = case["expected"]
        if exp.get("error") in ("KeyError", "AssertionError") or exp.get("stopped") == "error" or exp.get("validate_error"):
            out.add(case["id"])
        elif case["kind"] not in ("run_id", "schedule_to_timetable"):
            ser = case.get("airflow_serialized")
            try:
                from_serialized(ser) if ser else build_from_spec(case["timetable"])
            except tt.TimetableError:
                out.add(case["id"])
    return out


def test_page_lists_every_deviation() -> None:
    listed = set(re.findall(r"`([a-z]{2,3}-\d{5})`", PAGE.read_text(encoding="utf-8")))
    deviating = _deviating_ids()
    assert deviating - listed == set(), "deviations missing from the docs page"
    assert listed - deviating == set(), "the docs page lists cases that agree"


def test_page_lists_every_workday_catchup_off_deviation() -> None:
    """Section 7 names every deviating ``wdoff-`` case, and states their count."""
    text = PAGE.read_text(encoding="utf-8")
    listed = re.findall(r"`(wdoff-\d{4})`", text)
    assert len(listed) == len(set(listed)), "a case is named twice"
    assert set(listed) - WORKDAY_CATCHUP_OFF == set(), "the docs page lists cases that agree"
    assert WORKDAY_CATCHUP_OFF - set(listed) == set(), "deviations missing from the docs page"
    cases = (DATA / "workday" / "workday_catchup_off.jsonl").read_text(encoding="utf-8")
    total = len(cases.splitlines())
    agree = total - len(WORKDAY_CATCHUP_OFF)
    assert f"**total ({total:,})** | **{agree:,}** | **{len(WORKDAY_CATCHUP_OFF):,}** |" in text
    assert f"The {len(WORKDAY_CATCHUP_OFF):,} deviating cases" in text
