"""explain_run: one named reason per case, with its numbers, and one sentence."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

import timetable as tt
from timetable import WhyReason as W

D = datetime(2024, 1, 1, tzinfo=UTC)
R = tt.TimeRestriction(earliest=D, catchup=True)
DAILY = tt.CronDataIntervals(cron="@daily")
BERLIN = tt.CronTrigger(cron="30 2 * * *", timezone="Europe/Berlin")


def why(t, at, *, restriction=R, now=D + timedelta(days=10), **kw):  # type: ignore[no-untyped-def]
    return tt.explain_run(t, at=at, restriction=restriction, now=now, **kw)


@pytest.mark.parametrize(
    ("timetable", "at", "kwargs", "reason"),
    [
        (DAILY, D + timedelta(days=3), {}, W.DUE),
        (DAILY, D + timedelta(days=3, hours=4), {}, W.NOT_A_TICK),
        (DAILY, D - timedelta(days=3), {}, W.BEFORE_START),
        (DAILY, D + timedelta(days=30), {}, W.WILL_RUN),
        (DAILY, D + timedelta(days=3), {"restriction": tt.TimeRestriction(earliest=D, catchup=False)}, W.CATCHUP_OFF),
        (DAILY, D + timedelta(days=3), {"restriction": tt.TimeRestriction(earliest=D, latest=D + timedelta(days=2), catchup=True)}, W.AFTER_END),
        (DAILY, D + timedelta(days=3), {"max_active_runs": 0}, W.MAX_ACTIVE_RUNS),
        (DAILY, D + timedelta(days=3), {"paused": True}, W.PAUSED),
        (DAILY, D + timedelta(days=30), {"paused": True}, W.PAUSED),
        (tt.Never(), D, {}, W.NEVER_SCHEDULES),
        (BERLIN, datetime(2024, 10, 27, 0, 30, tzinfo=UTC), {"now": D + timedelta(days=400)}, W.DST_MOVED),
        (tt.CronTrigger(cron="30 2 * * *", timezone="Europe/Berlin", dst=tt.DstPolicy(gap="skip")),
         datetime(2024, 3, 31, 1, 30, tzinfo=UTC), {"now": D + timedelta(days=400)}, W.DST_SKIPPED),
        (tt.DeltaDataIntervals(delta=timedelta(hours=5)), D + timedelta(hours=7), {}, W.NOT_A_TICK),
    ],
)
def test_reasons(timetable, at, kwargs, reason) -> None:  # type: ignore[no-untyped-def]
    answer = why(timetable, at, **kwargs)
    assert answer.reason is reason
    text = answer.to_text()
    assert text.endswith(".")
    assert "\n" not in text
    doc = json.loads(answer.to_json())
    assert (doc["version"], doc["kind"], doc["reason"]) == (1, "run_explanation", reason.value)


def test_not_a_tick_names_the_nearest_runs() -> None:
    a = why(tt.CronDataIntervals(cron="0 6 * * *"), D + timedelta(days=3))
    assert a.before is not None
    assert a.after is not None
    assert (a.before.logical_date, a.after.logical_date) == (D + timedelta(days=2, hours=6),
                                                             D + timedelta(days=3, hours=6))


def test_catchup_off_names_the_run_made_instead() -> None:
    a = why(DAILY, D + timedelta(days=3), restriction=tt.TimeRestriction(earliest=D, catchup=False))
    assert a.instead is not None
    assert a.instead.logical_date == D + timedelta(days=9)
    assert "2024-01-10T00:00:00+00:00 instead" in a.to_text()


def test_fold_names_where_the_run_is() -> None:
    a = why(BERLIN, datetime(2024, 10, 27, 0, 30, tzinfo=UTC), now=D + timedelta(days=400))
    assert a.moved_to == datetime(2024, 10, 27, 1, 30, tzinfo=UTC)


def test_existing_and_cleared_runs() -> None:
    run = {"run_id": "scheduled__x", "run_type": "scheduled", "logical_date": D + timedelta(days=3),
           "data_interval": (D + timedelta(days=3), D + timedelta(days=4)),
           "run_after": D + timedelta(days=4), "state": "success"}
    assert why(DAILY, D + timedelta(days=3), runs=[run]).reason is W.EXISTS
    cleared = why(DAILY, D + timedelta(days=3), runs=[{**run, "clear_number": 2}])
    assert cleared.reason is W.CLEARED
    assert cleared.numbers["clear_number"] == 2
    inside = why(DAILY, D + timedelta(days=3, hours=5), runs=[run], match="interval")
    assert inside.reason is W.EXISTS


def test_behind_the_last_run() -> None:
    run = {"run_id": "scheduled__late", "run_type": "scheduled", "logical_date": D + timedelta(days=6),
           "data_interval": (D + timedelta(days=6), D + timedelta(days=7)),
           "run_after": D + timedelta(days=7), "state": "success"}
    a = why(DAILY, D + timedelta(days=3), runs=[run])
    assert a.reason is W.BEHIND_REFERENCE
    assert a.run_id == "scheduled__late"


def test_bad_input() -> None:
    with pytest.raises(tt.TimetableError):
        why(DAILY, datetime(2024, 1, 1))
    with pytest.raises(tt.TimetableError):
        why(DAILY, D, match="start")
    with pytest.raises(tt.TimetableError):
        why("daily", D)


def test_a_calendar_that_excludes_the_day_is_named() -> None:
    import attrs

    @attrs.frozen
    class Holidays:
        def is_business_day(self, day: object) -> bool:
            return str(day) != "2024-01-04"

        def exclusion(self, day: object) -> str | None:
            return None if self.is_business_day(day) else "company holiday"

    @attrs.frozen
    class WithCalendar:
        """A custom timetable (the protocol) carrying a calendar: no runs on holidays."""

        inner: tt.CronTrigger = attrs.field(factory=lambda: tt.CronTrigger(cron="0 6 * * *"))
        calendar: Holidays = attrs.field(factory=Holidays)
        timezone: str = "UTC"
        periodic = True
        summary = "0 6 * * * except holidays"

        def next_run_info(self, *, last_interval, restriction, now):  # type: ignore[no-untyped-def]
            info = self.inner.next_run_info(last_interval=last_interval, restriction=restriction, now=now)
            while info is not None and not self.calendar.is_business_day(info.run_after.date()):
                info = self.inner.next_run_info(last_interval=info.data_interval,
                                                restriction=restriction, now=now)
            return info

        def infer_manual_interval(self, *, run_after):  # type: ignore[no-untyped-def]
            return self.inner.infer_manual_interval(run_after=run_after)

    a = why(WithCalendar(), D + timedelta(days=3, hours=6))
    assert a.reason is W.CALENDAR_EXCLUDED
    assert "excludes 2024-01-04 (company holiday)" in a.to_text()
