"""The command line for schedule edits and explanations: diff, why, dst, lint."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from timetable.cli import main


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


TABLE_CHECKS = {
    "diff": ["2 run(s) to create; stopped: caught up",
             "uncovered     kind switch           2024-03-05 00:00Z → 2024-03-06 00:00Z"],
    "why": ["answer    no run: catchup off",
            "made the run with logical date 2024-10-30T06:00:00+00:00 instead."],
    "dst": ["3 affected tick(s)", "2024-03-31T02:30:00  gap         2024-03-31 01:30Z  24 h"],
    "lint": ["TT101   warning   step-exceeds-range", "TT101 proof: */90 over 0-59 gives [0]"],
}

JSON_CHECKS = {
    "diff": lambda d: d["kind"] == "schedule_change" and d["uncovered"][0]["reason"] == "kind switch",
    "why": lambda d: d["kind"] == "run_explanation" and d["reason"] == "catchup off",
    "dst": lambda d: d["kind"] == "dst_report" and len(d["ticks"]) == 3,
    "lint": lambda d: d["kind"] == "lint_report" and d["findings"][0]["id"] == "TT101",
}


@pytest.mark.parametrize("command", sorted(TABLE_CHECKS))
def test_example_table(command: str) -> None:
    code, text = run(command, "--example")
    assert code == 0
    for line in TABLE_CHECKS[command]:
        assert line in text, f"{line!r} not in:\n{text}"


@pytest.mark.parametrize("command", sorted(JSON_CHECKS))
def test_example_json(command: str) -> None:
    code, text = run(command, "--example", "--json")
    assert code == 0
    doc = json.loads(text)
    assert doc["version"] == 1
    assert JSON_CHECKS[command](doc)


def test_diff_takes_positional_schedules_and_airflow_json(tmp_path: Path) -> None:
    runs = tmp_path / "runs.json"
    runs.write_text(json.dumps([{
        "run_id": "scheduled__2024-01-05T00:00:00+00:00", "run_type": "scheduled",
        "logical_date": "2024-01-04T00:00:00+00:00",
        "data_interval": {"start": "2024-01-04T00:00:00+00:00", "end": "2024-01-05T00:00:00+00:00"},
        "run_after": "2024-01-05T00:00:00+00:00", "state": "success"}]))
    new = tmp_path / "new.json"
    new.write_text(json.dumps({"__type": "airflow.timetables.interval.CronDataIntervalTimetable",
                               "__var": {"expression": "0 6 * * *", "timezone": "UTC"}}))
    code, text = run("diff", "0 0 * * *", str(new), "--old-data-intervals", "--runs", str(runs),
                     "--start", "2024-01-01", "--now", "2024-01-05T07:00Z", "--json")
    assert code == 0
    doc = json.loads(text)
    assert [r["logical_date"] for r in doc["next_runs"]] == ["2024-01-04T06:00:00+00:00"]
    assert doc["overlaps"][0]["reason"] == "reaches back"


def test_why_needs_at_and_lint_explains_a_cron_that_never_fires() -> None:
    code, _ = run("why", "--schedule", "@daily", "--now", "2024-01-01T00:00Z")
    assert code == 2
    code, text = run("lint", "--schedule", "0 0 30 2 *", "--now", "2024-01-01T00:00Z")
    assert code == 0
    assert "February has no day 30" in text


def test_dst_in_chatham() -> None:
    code, text = run("dst", "--schedule", "0 3 * * *", "--timezone", "Pacific/Chatham",
                     "--from", "2024-01-01T00:00Z", "--to", "2024-12-31T00:00Z", "--json")
    assert code == 0
    assert [t["transition"] for t in json.loads(text)["ticks"]] == ["fold", "gap", "after_gap"]
