"""Schedule edits: ``plan_schedule_change(...).next_runs`` against Airflow 3.3.2's own answers.

``tests/data/airflow_schedule_changes.jsonl`` was made by ``tests/data/gen_schedule_changes.py``
with Airflow's timetables: the history under the old schedule, then the scheduler loop under
the new one (versions in ``airflow_schedule_changes.meta.json``).
"""

from __future__ import annotations

from typing import Any

import pytest

import timetable as tt

from ._support import build_from_spec, dt, info_tuple, load
from .deviations import SCHEDULE_CHANGE_STRICT_PREV

CASES = load("airflow_schedule_changes.jsonl")


def _restriction(spec: dict[str, Any]) -> tt.TimeRestriction:
    return tt.TimeRestriction(
        earliest=dt(spec["earliest"]), latest=dt(spec["latest"]), catchup=spec["catchup"]
    )


def _runs(case: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for r in case["inputs"]["runs"]:
        di = r["data_interval"]
        out.append(
            {
                **r,
                "logical_date": dt(r["logical_date"]),
                "run_after": dt(r["run_after"]),
                "data_interval": (dt(di["start"]), dt(di["end"])),
            }
        )
    return out


def _plan(case: dict[str, Any]) -> tt.ScheduleChangePlan:
    return tt.plan_schedule_change(
        build_from_spec(case["old"]),
        build_from_spec(case["new"]),
        runs=_runs(case),
        restriction=_restriction(case["inputs"]["restriction"]),
        now=dt(case["inputs"]["now"]),
    )


def test_there_are_several_hundred_cases() -> None:
    assert len(CASES) >= 500
    assert {c["tags"][0] for c in CASES} >= {
        "hourly->daily", "00:00->06:00", "daily->weekly", "weekly->monthly",
        "trigger->data", "data->trigger", "delta->cron", "cron->delta", "UTC->Berlin",
    }


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_next_runs_match_airflow(case: dict[str, Any]) -> None:
    plan = _plan(case)
    expected = case["expected"]
    assert [info_tuple(i) for i in plan.next_runs] == [
        info_tuple(i) for i in expected["next_runs"]
    ]
    skipped = [f.run_ids[0] for f in plan.collisions if f.reason is tt.ChangeReason.LOGICAL_DATE_EXISTS]
    assert skipped == expected["already_exists"]
    if case["id"] in SCHEDULE_CHANGE_STRICT_PREV:
        # docs/design/deviations.md section 1: 3.3.2 skips the 30 March interval, we do not.
        assert plan.upcoming is not None
        last_end = dt(case["inputs"]["runs"][-1]["data_interval"]["end"])
        assert plan.upcoming.data_interval.start < last_end < plan.upcoming.run_after
        assert plan.upcoming.run_after <= dt(expected["upcoming"]["data_interval"]["start"])
    elif expected["stopped"] == "caught_up":
        assert info_tuple(plan.upcoming) == info_tuple(expected["upcoming"])
    else:
        assert expected["stopped"] == "no_more_runs"
        assert plan.upcoming is None
