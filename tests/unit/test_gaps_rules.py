"""Exact behaviour of ``find_gaps`` at each boundary (one row per rule)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from timetable import CronDataIntervals, CronTrigger, DataInterval, Reason, RunRecord, find_gaps
from timetable.errors import InvalidIntervalError, NaiveDatetimeError, WrongTypeError

DAILY = CronDataIntervals(cron="@daily")


def day(d: int, h: int = 0) -> datetime:
    return datetime(2024, 1, 1, h, tzinfo=UTC) + timedelta(days=d - 1)


def run(d: int, state: str = "success", *, run_id: str | None = None, hour: int = 0) -> RunRecord:
    return RunRecord(
        run_id=run_id or f"r{d}",
        run_type="scheduled",
        logical_date=day(d, hour),
        data_interval=DataInterval(start=day(d, hour), end=day(d + 1, hour)),
        run_after=day(d + 1, hour),
        state=state,
    )


def spans(report: object) -> list[tuple[str, int, int, int]]:
    return [
        (g.reason.value, g.first.logical_date.day, g.last.logical_date.day, g.count)
        for g in report.gaps  # type: ignore[attr-defined]
    ]


def test_empty_history_is_one_missing_range() -> None:
    r = find_gaps(DAILY, runs=[], start=day(1), end=day(5), now=day(10))
    assert (r.expected, r.present, r.missing, r.failed, r.off_grid) == (5, 0, 5, 0, ())
    assert spans(r) == [("missing", 1, 5, 5)]


def test_bounds_are_inclusive() -> None:
    # runs exactly at start and at end are present; one the day before start and one
    # after end are not counted at all (not even off grid)
    runs = [run(0), run(1), run(5), run(6)]
    r = find_gaps(DAILY, runs=runs, start=day(1), end=day(5), now=day(10))
    assert (r.expected, r.present, r.off_grid) == (5, 2, ())
    assert spans(r) == [("missing", 2, 4, 3)]


def test_only_due_intervals_count() -> None:
    # day 4's interval ends at day 5 00:00: due exactly at now=day(5), not a microsecond before
    r = find_gaps(DAILY, runs=[], start=day(1), end=day(9), now=day(5))
    assert (r.expected, spans(r)) == (4, [("missing", 1, 4, 4)])
    r = find_gaps(DAILY, runs=[], start=day(1), end=day(9), now=day(5) - timedelta(microseconds=1))
    assert (r.expected, spans(r)) == (3, [("missing", 1, 3, 3)])


def test_start_is_aligned_to_the_next_tick() -> None:
    r = find_gaps(DAILY, runs=[run(2)], start=day(1, 1), end=day(3), now=day(10))
    assert (r.expected, r.present, spans(r)) == (2, 1, [("missing", 3, 3, 1)])


def test_failed_runs_are_present_and_reported_only_on_request() -> None:
    runs = [run(1), run(2, "failed"), run(3, "failed"), run(5, "failed"), run(6)]
    plain = find_gaps(DAILY, runs=runs, start=day(1), end=day(7), now=day(10))
    assert (plain.expected, plain.present, plain.missing, plain.failed) == (7, 5, 2, 0)
    assert spans(plain) == [("missing", 4, 4, 1), ("missing", 7, 7, 1)]
    failed = find_gaps(DAILY, runs=runs, start=day(1), end=day(7), now=day(10),
                       include_failed=True)
    assert (failed.missing, failed.failed) == (2, 3)
    assert spans(failed) == [
        ("failed", 2, 3, 2), ("missing", 4, 4, 1), ("failed", 5, 5, 1), ("missing", 7, 7, 1),
    ]


def test_a_present_run_splits_missing_ranges() -> None:
    r = find_gaps(DAILY, runs=[run(3)], start=day(1), end=day(5), now=day(10))
    assert spans(r) == [("missing", 1, 2, 2), ("missing", 4, 5, 2)]


def test_running_and_queued_runs_are_present() -> None:
    runs = [run(1, "running"), run(2, "queued")]
    r = find_gaps(DAILY, runs=runs, start=day(1), end=day(2), now=day(10), include_failed=True)
    assert (r.present, r.gaps) == (2, ())


def test_off_grid_runs() -> None:
    runs = [run(1), run(2, run_id="odd", hour=6), run(3)]
    r = find_gaps(DAILY, runs=runs, start=day(1), end=day(3), now=day(10))
    assert (r.expected, r.present, r.off_grid) == (3, 2, ("odd",))
    assert spans(r) == [("missing", 2, 2, 1)]
    # an off-grid run between missing intervals does not split the range
    r = find_gaps(DAILY, runs=[run(2, run_id="odd", hour=6)], start=day(1), end=day(3),
                  now=day(10))
    assert (r.off_grid, spans(r)) == (("odd",), [("missing", 1, 3, 3)])


def test_off_grid_run_after_the_last_due_interval() -> None:
    r = find_gaps(DAILY, runs=[run(3, run_id="late", hour=6)], start=day(1), end=day(5),
                  now=day(3))
    assert (r.expected, r.off_grid, spans(r)) == (2, ("late",), [("missing", 1, 2, 2)])


def test_trigger_schedules_and_zones() -> None:
    tt = CronTrigger(cron="0 12 * * *", timezone="Europe/Berlin")
    start = datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=1)))
    r = find_gaps(tt, runs=[], start=start, end=start + timedelta(days=2), now=day(10))
    assert [g.first.logical_date for g in r.gaps] == [datetime(2024, 1, 1, 11, tzinfo=UTC)]
    assert (r.expected, r.missing) == (2, 2)


def test_report_dict_and_text() -> None:
    runs = [run(1), run(2, "failed"), run(4, run_id="odd", hour=6)]
    r = find_gaps(DAILY, runs=runs, start=day(1), end=day(4, 12), now=day(10),
                  include_failed=True)
    d = r.to_dict()
    assert {k: d[k] for k in ("kind", "expected", "present", "missing", "failed", "off_grid")} == {
        "kind": "gaps", "expected": 4, "present": 2, "missing": 2, "failed": 1,
        "off_grid": ["odd"],
    }
    assert d["start"] == "2024-01-01T00:00:00+00:00"
    assert d["end"] == "2024-01-04T12:00:00+00:00"
    assert d["now"] == "2024-01-10T00:00:00+00:00"
    assert [g["reason"] for g in d["gaps"]] == ["failed", "missing"]
    assert [g["count"] for g in d["gaps"]] == [1, 2]
    assert r.to_text() == (
        "gaps 2024-01-01T00:00:00+00:00 .. 2024-01-04T12:00:00+00:00 at "
        "2024-01-10T00:00:00+00:00: 4 expected, 2 present, 2 missing, 1 failed\n"
        "  failed       1  2024-01-02T00:00:00+00:00\n"
        "  missing      2  2024-01-03T00:00:00+00:00 .. 2024-01-04T00:00:00+00:00\n"
        "  off grid: odd"
    )
    assert r.to_text(max_lines=1).splitlines()[1:] == [
        "  failed       1  2024-01-02T00:00:00+00:00",
        "  … 1 more range(s) …",
        "  off grid: odd",
    ]
    assert r.to_text(max_lines=0).splitlines()[1] == "  … 2 more range(s) …"
    none = find_gaps(DAILY, runs=[run(1)], start=day(1), end=day(1), now=day(10))
    assert none.to_text() == (
        "gaps 2024-01-01T00:00:00+00:00 .. 2024-01-01T00:00:00+00:00 at "
        "2024-01-10T00:00:00+00:00: 1 expected, 1 present, 0 missing"
    )


def test_reason_values() -> None:
    r = find_gaps(DAILY, runs=[run(1, "failed")], start=day(1), end=day(2), now=day(10),
                  include_failed=True)
    assert [g.reason for g in r.gaps] == [Reason.FAILED, Reason.MISSING]


def test_errors() -> None:
    with pytest.raises(InvalidIntervalError) as info:
        find_gaps(DAILY, runs=[], start=day(3), end=day(1), now=day(9))
    assert info.value.argument == "start"
    assert str(info.value) == (
        "start='2024-01-03T00:00:00+00:00' is after end='2024-01-01T00:00:00+00:00'"
    )
    find_gaps(DAILY, runs=[], start=day(3), end=day(3), now=day(9))  # equal bounds are fine
    for name in ("start", "end", "now"):
        kwargs = {"start": day(1), "end": day(2), "now": day(3), name: datetime(2024, 1, 1)}
        with pytest.raises(NaiveDatetimeError) as naive:
            find_gaps(DAILY, runs=[], **kwargs)
        assert naive.value.argument == name
    with pytest.raises(WrongTypeError):
        find_gaps(DAILY, runs=[], start=day(1), end=day(2), now=day(3), include_failed="yes")
