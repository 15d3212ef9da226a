"""lint: every lint fires on its failing example and stays quiet on its passing one."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

import timetable as tt

D = datetime(2020, 1, 1, 3, tzinfo=UTC)
NOW = datetime(2024, 6, 1, tzinfo=UTC)

#: id -> (failing call, passing call); the docs page shows the same pairs.
CASES = {
    "TT101": (lambda: tt.lint("*/90 * * * *"), lambda: tt.lint("0 * * * *")),
    "TT102": (lambda: tt.lint("*/7 * * * *"), lambda: tt.lint("*/5 * * * *")),
    "TT103": (lambda: tt.lint("0 0 1 * MON"), lambda: tt.lint("0 0 1 * *")),
    "TT104": (lambda: tt.lint("0 0 30 2 *"), lambda: tt.lint("0 0 28 2 *")),
    "TT105": (
        lambda: tt.lint(tt.CronTrigger(cron="0 6 * * *"), restriction=tt.TimeRestriction(earliest=D)),
        lambda: tt.lint(tt.CronTrigger(cron="0 6 * * *"),
                        restriction=tt.TimeRestriction(earliest=datetime(2020, 1, 1, 6, tzinfo=UTC))),
    ),
    "TT106": (
        lambda: tt.lint(tt.CronTrigger(cron="30 2 * * *", timezone="Europe/Berlin"), now=NOW),
        lambda: tt.lint(tt.CronTrigger(cron="30 4 * * *", timezone="Europe/Berlin"), now=NOW),
    ),
    "TT107": (lambda: tt.lint("0 6 * * *", timezone="+01:00"),
              lambda: tt.lint("0 6 * * *", timezone="Europe/Berlin")),
    "TT108": (
        lambda: tt.lint(tt.CronDataIntervals(cron="@daily"),
                        restriction=tt.TimeRestriction(earliest=datetime(2020, 1, 1, tzinfo=UTC), catchup=True), now=NOW),
        lambda: tt.lint(tt.CronDataIntervals(cron="@daily"),
                        restriction=tt.TimeRestriction(earliest=datetime(2020, 1, 1, tzinfo=UTC),
                                                       catchup=False), now=NOW),
    ),
}


def test_every_lint_has_a_case() -> None:
    assert set(CASES) == set(tt.LINTS)


@pytest.mark.parametrize("lint_id", sorted(CASES))
def test_failing_and_passing(lint_id: str) -> None:
    failing, passing = CASES[lint_id]
    found = failing()
    assert lint_id in found.ids
    finding = next(f for f in found if f.id == lint_id)
    assert finding.proof
    assert finding.severity == tt.LINTS[lint_id][1]
    assert lint_id not in passing().ids


def test_never_fires_gives_the_calendar_reason() -> None:
    (f,) = tt.lint("0 0 31 4,6,9,11 *").findings
    assert "April has 30 days" in f.proof
    assert f.severity == "error"


def test_catchup_counts_the_runs() -> None:
    (f,) = [f for f in CASES["TT108"][0]() if f.id == "TT108"]
    assert "creates 1613 run(s) at once" in f.proof


def test_json() -> None:
    doc = json.loads(tt.lint("*/90 * * * *").to_json())
    assert (doc["version"], doc["kind"], doc["findings"][0]["id"]) == (1, "lint_report", "TT101")


def test_bad_input() -> None:
    with pytest.raises(tt.TimetableError):
        tt.lint(42)  # type: ignore[arg-type]
    with pytest.raises(tt.TimetableError):
        tt.lint("0 0 * * *", timezone="Mars/Base")
    with pytest.raises(tt.TimetableError):
        tt.lint("0 0 * * *", now=datetime(2024, 1, 1))
