"""dst_report: the affected ticks per zone, with what every policy would do."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

import timetable as tt

Y0, Y1 = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 12, 31, tzinfo=UTC)


def report(cron: str, zone: str, **kw: object) -> tt.DstReport:
    return tt.dst_report(tt.CronDataIntervals(cron=cron, timezone=zone, **kw), start=Y0, end=Y1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cron", "zone", "expected"),
    [
        ("30 2 * * *", "Europe/Berlin",
         [("2024-03-31T02:30:00", "gap", 24), ("2024-04-01T02:30:00", "after_gap", 23),
          ("2024-10-27T02:30:00", "fold", 25)]),
        ("0 0 * * *", "America/New_York",
         [("2024-03-11T00:00:00", "crossed", 23), ("2024-11-04T00:00:00", "crossed", 25)]),
        ("30 2 * * *", "Australia/Lord_Howe",
         [("2024-04-07T02:30:00", "crossed", 24.5), ("2024-10-06T02:30:00", "crossed", 23.5)]),
        ("0 3 * * *", "Pacific/Chatham",
         [("2024-04-07T03:00:00", "fold", 25), ("2024-09-29T03:00:00", "gap", 24),
          ("2024-09-30T03:00:00", "after_gap", 23)]),
    ],
)
def test_affected_ticks(cron: str, zone: str, expected: list[tuple[str, str, float]]) -> None:
    got = [(t.wall.isoformat(), t.transition, t.length / timedelta(hours=1))
           for t in report(cron, zone).ticks]
    assert got == expected


def test_every_policy_is_shown_for_a_gap_and_a_fold() -> None:
    gap, _, fold = report("30 2 * * *", "Europe/Berlin").ticks
    assert gap.policies == {
        "shift": (datetime(2024, 3, 31, 1, 30, tzinfo=UTC),),
        "clamp": (datetime(2024, 3, 31, 1, 0, tzinfo=UTC),),
        "skip": (),
    }
    assert fold.policies["both"] == (datetime(2024, 10, 27, 0, 30, tzinfo=UTC),
                                     datetime(2024, 10, 27, 1, 30, tzinfo=UTC))


def test_the_timetables_own_policy_decides_the_ticks() -> None:
    skip = report("30 2 * * *", "Europe/Berlin", dst=tt.DstPolicy(gap="skip", fold="both"))
    assert skip.policy == "skip/both"
    kinds = [t.transition for t in skip.ticks]
    assert "after_gap" in kinds
    assert kinds.count("fold") == 2


def test_utc_and_delta_schedules_are_never_affected() -> None:
    assert len(report("30 2 * * *", "UTC")) == 0
    d = tt.dst_report(tt.DeltaDataIntervals(delta=timedelta(days=1)), start=Y0, end=Y1)
    assert d.ticks == ()


def test_json_and_text() -> None:
    r = report("30 2 * * *", "Europe/Berlin")
    doc = json.loads(r.to_json())
    assert (doc["version"], doc["kind"], len(doc["ticks"])) == (1, "dst_report", 3)
    assert "2024-03-31T02:30:00 (gap)" in r.to_text()


def test_bad_input() -> None:
    with pytest.raises(tt.TimetableError):
        tt.dst_report(tt.CronTrigger(cron="@daily"), start=Y1, end=Y0)
    with pytest.raises(tt.TimetableError):
        tt.dst_report(tt.CronTrigger(cron="@daily"), start=datetime(2024, 1, 1), end=Y1)
    with pytest.raises(tt.TimetableError):
        tt.dst_report(tt.Never(), start=Y0, end=Y1)
