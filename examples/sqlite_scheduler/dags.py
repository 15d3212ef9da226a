"""The DAGs the reference scheduler drives: three schedules, three small task graphs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs

import timetable
from timetable import TaskGraph, TaskSpec


@attrs.frozen(kw_only=True)
class Dag:
    """One DAG as the host keeps it: a schedule, a restriction, tasks, a gate."""

    dag_id: str
    schedule: timetable.Timetable
    restriction: timetable.TimeRestriction
    graph: TaskGraph
    max_active_runs: int


YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)


def default_dags(start: datetime = YEAR_START) -> tuple[Dag, ...]:
    """A nightly cron in Europe/Berlin (across both DST transitions), a 6-hour timedelta
    and a twice-a-weekday MultiCron whose catchup is off (Airflow 3's default)."""
    return (
        Dag(
            dag_id="nightly_berlin",
            schedule=timetable.CronDataIntervals(cron="30 2 * * *", timezone="Europe/Berlin"),
            restriction=timetable.TimeRestriction(earliest=start, catchup=True),
            graph=TaskGraph(
                tasks=[
                    TaskSpec(task_id="extract"),
                    TaskSpec(task_id="transform", upstream=["extract"], retries=1),
                    TaskSpec(task_id="load", upstream=["transform"]),
                    TaskSpec(task_id="report", upstream=["transform"]),
                ]
            ),
            max_active_runs=3,
        ),
        Dag(
            dag_id="six_hourly",
            schedule=timetable.DeltaDataIntervals(delta=timedelta(hours=6)),
            restriction=timetable.TimeRestriction(earliest=start, catchup=True),
            graph=TaskGraph(
                tasks=[TaskSpec(task_id="fetch"), TaskSpec(task_id="store", upstream=["fetch"])]
            ),
            max_active_runs=2,
        ),
        Dag(
            dag_id="market_hours",
            schedule=timetable.MultiCronTrigger(
                crons=["0 6 * * 1-5", "30 18 * * 1-5"], timezone="Europe/Berlin"
            ),
            restriction=timetable.TimeRestriction(earliest=start, catchup=False),
            graph=TaskGraph(
                tasks=[
                    TaskSpec(task_id="snapshot", retries=2),
                    TaskSpec(task_id="publish", upstream=["snapshot"]),
                ]
            ),
            max_active_runs=4,
        ),
    )
