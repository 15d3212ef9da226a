"""The built-in inputs, one per subcommand, as plain data (``timetable COMMAND --example``).

``timetable example NAME`` prints one as JSON, which is also the format ``--input FILE``
reads.  A command takes its example from here by name (``example=EXAMPLES["next"]`` in its
[`Command`][timetable.cli.registry.Command]); a new command may instead carry its example
in its own module.
"""

from __future__ import annotations

from typing import Any

__all__ = ["EXAMPLES"]

_DAY = "2024-01-0{}T00:00:00+00:00"


def _run(day: int, state: str, run_type: str = "scheduled") -> dict[str, Any]:
    start, end = _DAY.format(day), _DAY.format(day + 1)
    return {
        "run_id": f"{run_type}__{start}",
        "run_type": run_type,
        "logical_date": start,
        "data_interval": {"start": start, "end": end},
        "run_after": end,
        "state": state,
    }


_HISTORY_RUNS = [
    _run(1, "success"),
    _run(2, "success"),
    _run(3, "failed"),
    _run(5, "success"),
    _run(6, "running"),
]


def _ti(day: int, task: str, state: str | None, try_number: int = 1) -> dict[str, Any]:
    return {
        "run_id": f"scheduled__{_DAY.format(day)}",
        "task_id": task,
        "state": state,
        "try_number": try_number,
        "max_tries": 1,
    }


_GRAPH = {
    "tasks": [
        {"task_id": "extract", "retries": 1},
        {"task_id": "transform", "upstream": ["extract"], "retries": 1},
        {"task_id": "load", "upstream": ["transform"]},
        {"task_id": "report", "upstream": ["load"]},
    ]
}
_TASKS = ("extract", "transform", "load", "report")
_TIS = [
    *(_ti(1, t, "success") for t in _TASKS),
    *(_ti(2, t, "success") for t in _TASKS),
    _ti(3, "extract", "success"),
    _ti(3, "transform", "failed", 2),
    _ti(3, "load", "upstream_failed", 0),
    _ti(3, "report", "upstream_failed", 0),
    *(_ti(5, t, "success") for t in _TASKS),
    _ti(6, "extract", "success"),
    _ti(6, "transform", "running"),
    _ti(6, "load", None, 0),
    _ti(6, "report", None, 0),
]

#: Built-in inputs, one per subcommand (``timetable <command> --example``); print one
#: with ``timetable example <name>`` to see the JSON input format.
EXAMPLES: dict[str, dict[str, Any]] = {
    "catchup": {
        "about": "Airflow's catchup guide: @daily data intervals from 2015-12-01, "
        "first switched on at 2016-01-02 06:00 UTC",
        "schedule": "@daily",
        "data_intervals": True,
        "start": "2015-12-01T00:00:00+00:00",
        "catchup": True,
        "now": "2016-01-02T06:00:00+00:00",
        "runs": [],
    },
    "next": {
        "about": "the run after 2024-01-06 of a daily DAG, asked at 2024-01-08 09:00 UTC",
        "schedule": "@daily",
        "data_intervals": True,
        "start": "2024-01-01T00:00:00+00:00",
        "catchup": True,
        "now": "2024-01-08T09:00:00+00:00",
        "runs": _HISTORY_RUNS,
    },
    "runs": {
        "about": "02:30 every day in Berlin across the spring-forward night of 2024-03-31",
        "schedule": "30 2 * * *",
        "timezone": "Europe/Berlin",
        "start": "2024-03-29T00:00:00+01:00",
        "end": "2024-04-02T00:00:00+02:00",
        "now": "2024-04-10T00:00:00+00:00",
    },
    "manual": {
        "about": "a manual trigger of an hourly data-interval DAG at 09:41 UTC",
        "schedule": "@hourly",
        "data_intervals": True,
        "run_after": "2024-01-08T09:41:00+00:00",
    },
    "backfill": {
        "about": "backfill 2024-01-01 .. 2024-01-08 of a daily DAG, re-running failed runs",
        "schedule": "@daily",
        "data_intervals": True,
        "now": "2024-01-10T12:00:00+00:00",
        "runs": _HISTORY_RUNS,
        "request": {
            "from_date": "2024-01-01T00:00:00+00:00",
            "to_date": "2024-01-08T00:00:00+00:00",
            "reprocess_behavior": "failed",
            "max_active_runs": 2,
        },
    },
    "gaps": {
        "about": "holes and failures in the first ten days of a daily DAG",
        "schedule": "@daily",
        "data_intervals": True,
        "start": "2024-01-01T00:00:00+00:00",
        "end": "2024-01-10T00:00:00+00:00",
        "now": "2024-01-11T12:00:00+00:00",
        "include_failed": True,
        "runs": _HISTORY_RUNS,
    },
    "clear": {
        "about": "clear 'transform' and everything downstream of it in the failed run",
        "graph": _GRAPH,
        "runs": _HISTORY_RUNS,
        "task_instances": _TIS,
        "request": {
            "task_ids": ["transform"],
            "downstream": True,
            "run_id": "scheduled__2024-01-03T00:00:00+00:00",
        },
    },
    "mark": {
        "about": "mark 'transform' success in the failed run; its failed downstream is cleared",
        "schedule": "@daily",
        "data_intervals": True,
        "graph": _GRAPH,
        "runs": _HISTORY_RUNS,
        "task_instances": _TIS,
        "request": {
            "task_id": "transform",
            "run_id": "scheduled__2024-01-03T00:00:00+00:00",
            "state": "success",
        },
    },
    "describe": {
        "about": "weekdays at 09:00 in Berlin",
        "schedule": "0 9 * * 1-5",
        "timezone": "Europe/Berlin",
    },
    "from-airflow": {
        "about": "a DAG as Airflow 3 stores it (serialized_dag.data), trimmed to what we read",
        "dag": {
            "__version": 2,
            "dag": {
                "dag_id": "daily_sales",
                "timezone": "Europe/Berlin",
                "start_date": 1704063600.0,
                "catchup": False,
                "max_active_runs": 16,
                "timetable": {
                    "__type": "airflow.timetables.trigger.CronTriggerTimetable",
                    "__var": {
                        "expression": "0 6 * * *",
                        "timezone": "Europe/Berlin",
                        "interval": 0.0,
                        "run_immediately": False,
                    },
                },
                "tasks": [
                    {"__type": "operator", "__var": {
                        "task_id": "extract", "downstream_task_ids": ["load"], "retries": 2}},
                    {"__type": "operator", "__var": {
                        "task_id": "load", "downstream_task_ids": [],
                        "depends_on_past": True}},
                ],
            },
        },
        "now": "2024-03-31T09:00:00+02:00",
    },
}
EXAMPLES["validate"] = EXAMPLES["describe"]
