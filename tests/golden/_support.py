"""Shared helpers for the golden tests: loading cases and building timetables from specs."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta

import timetable as tt

DATA = Path(__file__).resolve().parent.parent / "data"


def load(name: str) -> list[dict[str, Any]]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def duration(spec: Any) -> timedelta | relativedelta:
    if "seconds" in spec:
        return timedelta(seconds=spec["seconds"])
    return relativedelta(**spec["relativedelta"])


def build_from_spec(spec: dict[str, Any]) -> Any:
    """Build our timetable from the golden file's readable ``timetable`` spec."""
    kind = spec["type"]
    if kind == "NullTimetable":
        return tt.Never()
    if kind == "OnceTimetable":
        return tt.Once()
    if kind == "ContinuousTimetable":
        return tt.Continuous()
    if kind == "CronDataIntervalTimetable":
        return tt.CronDataIntervals(cron=spec["cron"], timezone=spec["timezone"])
    if kind == "DeltaDataIntervalTimetable":
        return tt.DeltaDataIntervals(delta=duration(spec["delta"]))
    ri = spec.get("run_immediately", False)
    if isinstance(ri, dict):
        ri = duration(ri)
    if kind == "CronTriggerTimetable":
        return tt.CronTrigger(
            cron=spec["cron"],
            timezone=spec["timezone"],
            interval=duration(spec["interval"]),
            run_immediately=ri,
        )
    if kind == "DeltaTriggerTimetable":
        return tt.DeltaTrigger(delta=duration(spec["delta"]), interval=duration(spec["interval"]))
    if kind == "MultipleCronTriggerTimetable":
        return tt.MultiCronTrigger(
            crons=spec["crons"],
            timezone=spec["timezone"],
            interval=duration(spec["interval"]),
            run_immediately=ri,
        )
    if kind == "EventsTimetable":
        return tt.Events(
            event_dates=[datetime.fromisoformat(e) for e in spec["event_dates"]],
            restrict_to_events=spec["restrict_to_events"],
            presorted=spec["presorted"],
        )
    raise AssertionError(kind)


def info_tuple(info: Any) -> tuple[datetime, datetime, datetime] | None:
    """(run_after, start, end) of our RunInfo or of a golden info dict, as instants."""
    if info is None:
        return None
    if isinstance(info, dict):
        di = info["data_interval"]
        return (dt(info["run_after"]), dt(di["start"]), dt(di["end"]))  # type: ignore[return-value]
    return (info.run_after, info.data_interval.start, info.data_interval.end)
