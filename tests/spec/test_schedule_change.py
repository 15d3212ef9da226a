"""Schedule edits: each finding's named reason, on small hand-made histories."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import timetable as tt
from timetable import ChangeReason as R

D = datetime(2024, 1, 1, tzinfo=UTC)


def day(n: int, hour: int = 0) -> datetime:
    return D + timedelta(days=n, hours=hour)


def history(old: Any, until: datetime, *, start: datetime = D) -> list[tt.RunRecord]:
    runs = []
    for info in tt.iter_run_infos(old, start=start, end=until, now=until):
        if info.run_after > until:
            break
        runs.append(
            tt.RunRecord(
                run_id=f"scheduled__{info.run_after.isoformat()}",
                run_type="scheduled",
                logical_date=info.logical_date,
                data_interval=info.data_interval,
                run_after=info.run_after,
                state="success",
            )
        )
    return runs


def plan(old: Any, new: Any, runs: Any, *, now: datetime, **kw: Any) -> tt.ScheduleChangePlan:
    restriction = tt.TimeRestriction(**{"earliest": D, "catchup": True, **kw})
    return tt.plan_schedule_change(old, new, runs=runs, restriction=restriction, now=now)


def reasons(p: tt.ScheduleChangePlan) -> list[tuple[str, str]]:
    return [(f.kind, f.reason.value) for f in p.findings]


def test_same_schedule_is_seamless() -> None:
    old = tt.CronDataIntervals(cron="@daily")
    p = plan(old, old, history(old, day(5, 1)), now=day(8, 1))
    assert p.is_seamless
    assert [r.logical_date for r in p.next_runs] == [day(5), day(6), day(7)]
    assert p.recommendation[0].action == "none"


def test_data_interval_to_trigger_skips_a_period() -> None:
    old = tt.CronDataIntervals(cron="@daily")
    p = plan(old, tt.CronTrigger(cron="@daily"), history(old, day(5, 1)), now=day(8, 1))
    assert reasons(p) == [("uncovered", "kind switch")]
    assert p.uncovered[0].interval == tt.DataInterval(start=day(5), end=day(6))
    assert p.recommendation[0].action == "backfill"


def test_midnight_to_six_reaches_back_into_the_last_interval() -> None:
    old = tt.CronDataIntervals(cron="0 0 * * *")
    p = plan(old, tt.CronDataIntervals(cron="0 6 * * *"), history(old, day(5, 1)), now=day(5, 7))
    assert reasons(p) == [("overlap", "reaches back")]
    assert p.overlaps[0].duration == timedelta(hours=18)
    assert p.overlaps[0].run_ids == ("scheduled__2024-01-06T00:00:00+00:00",)


def test_catchup_off_after_a_pause_names_the_skipped_count_and_the_run_made() -> None:
    old = tt.CronDataIntervals(cron="@daily")
    p = plan(old, old, history(old, day(5, 1)), now=day(12, 1), catchup=False)
    assert [r.logical_date for r in p.next_runs] == [day(11)]
    (gap,) = p.uncovered
    assert gap.reason is R.CATCHUP_OFF
    assert gap.count == 6
    assert gap.interval == tt.DataInterval(start=day(5), end=day(11))
    assert "the run made instead is 2024-01-12T00:00:00+00:00" in gap.detail


def test_start_date_moved_later_leaves_a_gap() -> None:
    old = tt.CronDataIntervals(cron="@daily")
    runs = history(old, day(5, 1))
    p = tt.plan_schedule_change(old, old, runs=runs,
                                restriction=tt.TimeRestriction(earliest=day(7), catchup=True),
                                now=day(9, 1))
    assert reasons(p) == [("uncovered", "start_date later")]
    assert p.recommendation[0].action == "set_start_date"


def test_a_manual_run_on_the_next_logical_date_is_a_collision() -> None:
    old = tt.CronDataIntervals(cron="@daily")
    runs: list[Any] = history(old, day(5, 1))
    runs.append({"run_id": "manual__x", "run_type": "manual", "logical_date": day(5),
                 "data_interval": (day(5), day(6)), "run_after": day(5, 3), "state": "success"})
    p = plan(old, old, runs, now=day(7, 1))
    assert [r.logical_date for r in p.next_runs] == [day(6)]
    assert [(f.reason, f.run_ids) for f in p.collisions] == [(R.LOGICAL_DATE_EXISTS, ("manual__x",))]


def test_off_schedule_history_runs_are_reported_not_dropped() -> None:
    old = tt.CronDataIntervals(cron="@daily")
    runs: list[Any] = history(old, day(5, 1))
    runs.append({"run_id": "scheduled__odd", "run_type": "scheduled", "logical_date": day(5, 3),
                 "data_interval": (day(5, 3), day(6, 3)), "run_after": day(6, 3),
                 "state": "success"})
    p = plan(old, old, runs, now=day(6, 4))
    assert [f.run_ids for f in p.off_schedule] == [("scheduled__odd",)]
    assert p.recommendation[-1].action == "review"


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York"])
def test_utc_to_a_dst_zone_across_spring_forward(zone: str) -> None:
    old = tt.CronDataIntervals(cron="30 2 * * *")
    new = tt.CronDataIntervals(cron="30 2 * * *", timezone=zone)
    start = datetime(2024, 3, 1, tzinfo=UTC)
    runs = history(old, datetime(2024, 3, 8, 3, tzinfo=UTC), start=start)
    p = tt.plan_schedule_change(old, new, runs=runs,
                                restriction=tt.TimeRestriction(earliest=start, catchup=True),
                                now=datetime(2024, 4, 2, tzinfo=UTC))
    starts = [r.logical_date for r in p.next_runs]
    assert starts == sorted(starts)
    lengths = {r.data_interval.end - r.data_interval.start for r in p.next_runs}
    assert timedelta(hours=23) in lengths  # the spring-forward day


def test_to_dict_has_version_kind_and_round_trips_through_json() -> None:
    old = tt.CronDataIntervals(cron="@daily")
    p = plan(old, tt.CronTrigger(cron="@daily"), history(old, day(5, 1)), now=day(8, 1))
    doc = json.loads(p.to_json())
    assert doc["version"] == 1
    assert doc["kind"] == "schedule_change"
    assert doc["uncovered"][0]["data_interval"] == {
        "start": "2024-01-06T00:00:00+00:00", "end": "2024-01-07T00:00:00+00:00"}
    assert [r["run_id"] for r in doc["next_runs"]] == list(p.run_ids)


def test_bad_input_is_a_typed_error() -> None:
    old = tt.CronDataIntervals(cron="@daily")
    with pytest.raises(tt.TimetableError):
        tt.plan_schedule_change(old, "daily", runs=[], restriction=tt.TimeRestriction(), now=D)
    with pytest.raises(tt.TimetableError):
        tt.plan_schedule_change(old, old, runs=[], restriction=tt.TimeRestriction(),
                                now=datetime(2024, 1, 1))
    with pytest.raises(tt.TimetableError):
        tt.plan_schedule_change(old, old, runs=[], restriction=None, now=D)  # type: ignore[arg-type]


def test_changeset_inserts_next_runs_and_applying_it_leaves_nothing_to_do() -> None:
    old = tt.CronDataIntervals(cron="0 0 * * *")
    new = tt.CronDataIntervals(cron="0 6 * * *")
    runs = history(old, day(5, 1))
    p = plan(old, new, runs, now=day(9, 7))
    cs = p.changeset()
    assert [r.run_id for r in cs.runs_to_insert] == list(p.run_ids)
    assert cs.to_dict()["runs_to_insert"][0]["data_interval_start"] == "2024-01-05T06:00:00+00:00"
    applied, _ = tt.apply_changeset(cs, runs=runs)
    again = plan(new, new, applied, now=day(9, 7))
    assert again.next_runs == []
    assert again.uncovered == again.overlaps == ()


def test_catchup_off_plans_list_the_intervals_they_skip() -> None:
    old = tt.CronDataIntervals(cron="@daily")
    plan_off = tt.plan_catchup(old, runs=history(old, day(2, 1)),
                               restriction=tt.TimeRestriction(earliest=D, catchup=False),
                               now=day(9, 3))
    assert [e.run_info.logical_date for e in plan_off] == [day(8)]
    (skipped,) = plan_off.skipped
    assert skipped.reason is tt.Reason.CATCHUP_OFF
    assert (skipped.first.logical_date, skipped.last.logical_date, skipped.count) == (day(2), day(7), 6)
    plan_on = tt.plan_catchup(old, runs=history(old, day(2, 1)),
                              restriction=tt.TimeRestriction(earliest=D, catchup=True), now=day(9, 3))
    assert plan_on.skipped == ()
    assert plan_on.create_count == skipped.count + 1


KINDS = [
    tt.Never(),
    tt.Once(),
    tt.Continuous(),
    tt.CronDataIntervals(cron="0 6 * * *", timezone="Europe/Berlin"),
    tt.DeltaDataIntervals(delta=timedelta(hours=12)),
    tt.CronTrigger(cron="0 0 * * 1-5", interval=timedelta(days=1)),
    tt.DeltaTrigger(delta=timedelta(days=1)),
    tt.MultiCronTrigger(crons=["0 3 * * *", "0 15 * * *"]),
    tt.Events(event_dates=[day(3), day(6), day(9)]),
]


@pytest.mark.parametrize("old", KINDS, ids=lambda k: type(k).__name__)
@pytest.mark.parametrize("new", KINDS, ids=lambda k: type(k).__name__)
def test_every_kind_pair(old: Any, new: Any) -> None:
    runs = history(old, day(4, 1)) if old.periodic else []
    restriction = tt.TimeRestriction(earliest=D, catchup=True)
    p = tt.plan_schedule_change(old, new, runs=runs, restriction=restriction, now=day(8, 2))
    catchup = tt.plan_catchup(new, runs=runs, restriction=restriction, now=day(8, 2))
    assert p.next_runs == list(catchup.to_create)[: len(p.next_runs)]
    assert json.loads(p.to_json())["kind"] == "schedule_change"
    assert p.to_text()
    assert len(p.changeset().runs_to_insert) == len(p.next_runs)
