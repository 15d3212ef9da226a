"""The command line's business calendars: ``timetable calendar``, ``--calendar``, ``--roll``."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

from timetable import BusinessCalendar
from timetable.cli import main
from timetable.serialization import to_dict


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def test_calendar_lists_days_with_reasons() -> None:
    code, text = run("calendar", "--calendar", "US", "--from", "2024-12-20", "--to", "2024-12-27",
                     "--now", "2024-12-01")
    assert code == 0
    assert "5 business days, 3 excluded" in text
    assert "2024-12-25 Wed  Christmas Day (US)" in text
    assert "2024-12-21 Sat  weekend" in text


def test_calendar_json_and_markets() -> None:
    code, text = run("calendar", "--calendar", "NYSE", "--from", "2025-04-01", "--to", "2025-04-30",
                     "--holidays-only", "--json", "--now", "2025-01-01")
    assert code == 0
    doc = json.loads(text)
    assert (doc["version"], doc["kind"], doc["business_days"]) == (1, "calendar", 21)
    assert doc["days"] == [{"date": "2025-04-18", "business": False, "reason": "Good Friday (NYSE)"}]


def test_calendar_file_and_roll_apply_to_schedules(tmp_path: Path) -> None:
    cal = BusinessCalendar(holidays={date(2024, 12, 25): "Christmas"})
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(to_dict(cal)))
    code, text = run("runs", "--schedule", "@daily", "--data-intervals", "--calendar", str(path),
                     "--roll", "span", "--start", "2024-12-23", "--end", "2024-12-27",
                     "--now", "2025-01-01", "--json")
    assert code == 0
    runs = [json.loads(line) for line in text.splitlines()]  # one document per run
    starts = [r["data_interval"]["start"][:10] for r in runs]
    assert starts == ["2024-12-23", "2024-12-24", "2024-12-26", "2024-12-27"]
    assert runs[1]["data_interval"]["end"].startswith("2024-12-26")  # span over Christmas


def test_bad_calendar_inputs_are_one_line_errors() -> None:
    code, _ = run("calendar", "--calendar", "XX", "--from", "2024-12-20", "--to", "2024-12-27")
    assert code == 2
    code, _ = run("runs", "--schedule", "@once", "--calendar", "US", "--start", "2024-12-20",
                  "--now", "2025-01-01")
    assert code == 2
    code, _ = run("runs", "--schedule", "@daily", "--roll", "following", "--start", "2024-12-20",
                  "--now", "2025-01-01")
    assert code == 2
