"""Generate ``airflow_schedule_changes.jsonl``: Airflow 3.3.2's answers to schedule edits.

Run with a Python that has ``apache-airflow==3.3.2`` installed (a throwaway venv; the
project's tests never import Airflow)::

    /path/to/airflow-venv/bin/python tests/data/gen_schedule_changes.py

For every case:

1. the history is made by Airflow under the OLD timetable: ``next_dagrun_info`` chained
   from no previous run with catchup on, from the old start date, every run whose
   ``run_after`` is at or before ``changed_at`` (all ``scheduled``, state ``success``);
   a variant adds a manual run on the logical date the new schedule proposes first;
2. at ``now`` (``changed_at``, or later when the DAG was paused across the edit) the
   scheduler loop runs under the NEW timetable and the new restriction, exactly as
   Airflow's ``SchedulerJobRunner._create_dag_runs`` does: continue from the automated
   run with the greatest logical date (its stored data interval), ask
   ``next_dagrun_info``; while ``run_after <= now``: when a run with that logical date
   exists, log "run already exists" and continue from *that* run; otherwise create the
   run (its id from Airflow's ``generate_run_id``) and continue from it; when that id
   already exists, the database refuses the run on every loop (``"stopped":
   "run_id_exists"``).  ``upcoming`` is the run the loop stopped at.  The loop is cut when it revisits a logical date it has
   already proposed (Airflow keeps re-proposing it forever: ``"stopped": "loops"``).

The clock Airflow reads (``utcnow`` in the timetable modules) is frozen to ``now``.
Timetables are Airflow's core classes built directly (the same classes the scheduler
deserializes).  Versions go to ``airflow_schedule_changes.meta.json``.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata as md
import itertools
import json
import platform
import sys
from pathlib import Path
from typing import Any

import airflow.timetables.interval as _interval_mod
import airflow.timetables.trigger as _trigger_mod
import pendulum
from airflow.timetables.base import DataInterval, TimeRestriction
from airflow.timetables.interval import CronDataIntervalTimetable, DeltaDataIntervalTimetable
from airflow.timetables.trigger import CronTriggerTimetable, DeltaTriggerTimetable
from airflow.utils.types import DagRunType
from dateutil.relativedelta import relativedelta

HERE = Path(__file__).resolve().parent
OUT = HERE / "airflow_schedule_changes.jsonl"
META = HERE / "airflow_schedule_changes.meta.json"
UTC = dt.UTC

_NOW: list[pendulum.DateTime] = []


def _frozen_utcnow() -> pendulum.DateTime:
    return _NOW[-1]


_interval_mod.utcnow = _frozen_utcnow  # type: ignore[attr-defined]
_trigger_mod.utcnow = _frozen_utcnow  # type: ignore[attr-defined]


# -- schedules ---------------------------------------------------------------------------------


def cron_d(cron: str, tz: str = "UTC") -> dict[str, Any]:
    return {"type": "CronDataIntervalTimetable", "cron": cron, "timezone": tz}


def cron_t(cron: str, tz: str = "UTC") -> dict[str, Any]:
    return {
        "type": "CronTriggerTimetable",
        "cron": cron,
        "timezone": tz,
        "interval": {"seconds": 0},
        "run_immediately": False,
    }


def delta_d(seconds: int) -> dict[str, Any]:
    return {"type": "DeltaDataIntervalTimetable", "delta": {"seconds": seconds}}


def delta_t(seconds: int) -> dict[str, Any]:
    return {"type": "DeltaTriggerTimetable", "delta": {"seconds": seconds}, "interval": {"seconds": 0}}


def _duration(spec: dict[str, Any]) -> dt.timedelta | relativedelta:
    if "seconds" in spec:
        return dt.timedelta(seconds=spec["seconds"])
    return relativedelta(**spec["relativedelta"])


def build(spec: dict[str, Any]) -> Any:
    kind = spec["type"]
    if kind == "CronDataIntervalTimetable":
        return CronDataIntervalTimetable(spec["cron"], spec["timezone"])
    if kind == "DeltaDataIntervalTimetable":
        return DeltaDataIntervalTimetable(_duration(spec["delta"]))
    if kind == "CronTriggerTimetable":
        return CronTriggerTimetable(
            spec["cron"],
            timezone=spec["timezone"],
            interval=_duration(spec["interval"]),
            run_immediately=spec["run_immediately"],
        )
    if kind == "DeltaTriggerTimetable":
        return DeltaTriggerTimetable(_duration(spec["delta"]), interval=_duration(spec["interval"]))
    raise AssertionError(kind)


H = 3600
D = 86400
PAIRS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    # hourly <-> daily
    ("hourly->daily", cron_t("0 * * * *"), cron_t("0 0 * * *")),
    ("daily->hourly", cron_t("0 0 * * *"), cron_t("0 * * * *")),
    ("hourly->daily", cron_d("0 * * * *"), cron_d("0 0 * * *")),
    ("daily->hourly", cron_d("0 0 * * *"), cron_d("0 * * * *")),
    ("hourly->daily", cron_d("0 * * * *"), cron_t("0 0 * * *")),
    # 00:00 -> 06:00 and back
    ("00:00->06:00", cron_d("0 0 * * *"), cron_d("0 6 * * *")),
    ("06:00->00:00", cron_d("0 6 * * *"), cron_d("0 0 * * *")),
    ("00:00->06:00", cron_t("0 0 * * *"), cron_t("0 6 * * *")),
    ("06:00->00:00", cron_t("0 6 * * *"), cron_t("0 0 * * *")),
    # daily -> weekly -> monthly (and back)
    ("daily->weekly", cron_d("0 0 * * *"), cron_d("0 0 * * 1")),
    ("weekly->monthly", cron_d("0 0 * * 1"), cron_d("0 0 1 * *")),
    ("monthly->daily", cron_d("0 0 1 * *"), cron_d("0 0 * * *")),
    ("daily->weekly", cron_t("0 0 * * *"), cron_t("0 0 * * 1")),
    ("weekly->monthly", cron_t("0 0 * * 1"), cron_t("0 0 1 * *")),
    ("monthly->daily", cron_t("0 0 1 * *"), cron_t("0 0 * * *")),
    # trigger <-> data interval, same cron
    ("trigger->data", cron_t("0 0 * * *"), cron_d("0 0 * * *")),
    ("data->trigger", cron_d("0 0 * * *"), cron_t("0 0 * * *")),
    ("trigger->data", cron_t("0 * * * *"), cron_d("0 * * * *")),
    ("data->trigger", cron_d("0 * * * *"), cron_t("0 * * * *")),
    ("trigger->data", cron_t("0 0 * * 1"), cron_d("0 0 * * 1")),
    # timedelta <-> cron
    ("delta->cron", delta_d(D), cron_d("0 0 * * *")),
    ("cron->delta", cron_d("0 0 * * *"), delta_d(D)),
    ("delta->cron", delta_d(H), cron_d("0 * * * *")),
    ("delta->cron", delta_t(D), cron_t("0 0 * * *")),
    ("cron->delta", cron_t("0 0 * * *"), delta_t(D)),
    ("delta->cron", delta_d(D), cron_t("0 0 * * *")),
    # UTC -> Europe/Berlin (and back)
    ("UTC->Berlin", cron_d("0 0 * * *"), cron_d("0 0 * * *", "Europe/Berlin")),
    ("UTC->Berlin", cron_t("0 0 * * *"), cron_t("0 0 * * *", "Europe/Berlin")),
    ("UTC->Berlin", cron_d("30 2 * * *"), cron_d("30 2 * * *", "Europe/Berlin")),
    ("UTC->Berlin", cron_d("0 * * * *"), cron_d("0 * * * *", "Europe/Berlin")),
    ("Berlin->UTC", cron_d("0 0 * * *", "Europe/Berlin"), cron_d("0 0 * * *")),
    ("Berlin->UTC", cron_t("30 2 * * *", "Europe/Berlin"), cron_t("30 2 * * *")),
]

# (label, changed_at): an ordinary day, and around Berlin's spring and autumn transitions.
CHANGE_TIMES = [
    ("plain", dt.datetime(2024, 1, 10, 13, 17, tzinfo=UTC)),
    ("dst_spring", dt.datetime(2024, 3, 31, 1, 17, tzinfo=UTC)),
    ("dst_fall", dt.datetime(2024, 10, 27, 0, 40, tzinfo=UTC)),
]
PAUSES = [("no_pause", dt.timedelta(0)), ("paused", dt.timedelta(days=3, hours=5))]


def _history_span(spec: dict[str, Any]) -> dt.timedelta:
    text = spec.get("cron", "")
    if text.endswith("1 * *"):
        return dt.timedelta(days=62)
    if text.endswith("* * 1"):
        return dt.timedelta(days=15)
    if text.startswith("0 * ") or spec.get("delta", {}).get("seconds") == H:
        return dt.timedelta(hours=26)
    return dt.timedelta(days=3)


def restriction_variants(
    changed_at: dt.datetime, old_start: dt.datetime
) -> list[tuple[str, dt.datetime, dt.datetime | None]]:
    """(label, new start_date, new end_date)."""
    return [
        ("same_dates", old_start, None),
        ("start_moved_later", changed_at + dt.timedelta(hours=36), None),
        ("end_date_set", old_start, changed_at + dt.timedelta(days=2)),
    ]


def p(value: dt.datetime) -> pendulum.DateTime:
    return pendulum.instance(value.astimezone(UTC))


def iso(value: Any) -> str:
    return value.astimezone(UTC).isoformat()


def info_dict(info: Any) -> dict[str, Any]:
    di = info.data_interval
    return {
        "run_after": iso(info.run_after),
        "data_interval": {"start": iso(di.start), "end": iso(di.end)},
        "logical_date": iso(info.logical_date),
    }


def run_id(timetable: Any, info: Any) -> str:
    """Airflow's own scheduled run id (it is made from ``run_after``)."""
    return str(
        timetable.generate_run_id(
            run_type=DagRunType.SCHEDULED, run_after=info.run_after, data_interval=info.data_interval
        )
    )


def make_history(
    old: Any, start: dt.datetime, changed_at: dt.datetime
) -> list[dict[str, Any]]:
    _NOW.append(p(changed_at))
    restriction = TimeRestriction(p(start), None, True)
    runs: list[dict[str, Any]] = []
    last = None
    for _ in range(500):
        info = old.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)
        if info is None or info.run_after > p(changed_at):
            break
        di = info.data_interval
        runs.append(
            {
                "run_id": run_id(old, info),
                "run_type": "scheduled",
                "logical_date": iso(di.start),
                "data_interval": {"start": iso(di.start), "end": iso(di.end)},
                "run_after": iso(info.run_after),
                "state": "success",
            }
        )
        last = di
    _NOW.pop()
    return runs


def scheduler_loop(
    new: Any, runs: list[dict[str, Any]], restriction: TimeRestriction, now: dt.datetime
) -> dict[str, Any]:
    """Airflow's ``_create_dag_runs`` + ``calculate_dagrun_date_fields``, looped at *now*."""
    _NOW.append(p(now))
    by_date = {r["logical_date"]: r for r in runs if r["logical_date"] is not None}
    ids = {r["run_id"] for r in runs}
    automated = [r for r in runs if r["run_type"] in ("scheduled", "backfill")]
    reference = max(automated, key=lambda r: r["logical_date"], default=None)

    def interval_of(run: dict[str, Any]) -> DataInterval:
        di = run["data_interval"]
        return DataInterval(
            pendulum.parse(di["start"]), pendulum.parse(di["end"])  # type: ignore[arg-type]
        )

    last = None if reference is None else interval_of(reference)
    created: list[dict[str, Any]] = []
    existing: list[str] = []
    seen: set[str] = set()
    stopped = "caught_up"
    upcoming = None
    for _ in range(2000):
        info = new.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)
        if info is None:
            stopped = "no_more_runs"
            break
        if info.run_after > p(now):
            stopped = "caught_up"
            upcoming = info_dict(info)
            break
        key = iso(info.logical_date)
        if key in seen:
            stopped = "loops"
            break
        seen.add(key)
        if key in by_date:
            existing.append(by_date[key]["run_id"])
            last = interval_of(by_date[key])
            continue
        rid = run_id(new, info)
        if rid in ids:  # the unique (dag_id, run_id) constraint: creation fails every loop
            stopped = "run_id_exists"
            upcoming = info_dict(info)
            break
        record = info_dict(info)
        created.append(record)
        ids.add(rid)
        by_date[key] = {"run_id": rid, **record}
        last = info.data_interval
    else:
        stopped = "iteration_cap"
    _NOW.pop()
    return {
        "next_runs": created,
        "already_exists": existing,
        "stopped": stopped,
        "upcoming": upcoming,
    }


def main() -> None:
    cases: list[dict[str, Any]] = []
    n = 0
    for (label, old_spec, new_spec), (when, changed_at), (pause, pause_for) in itertools.product(
        PAIRS, CHANGE_TIMES, PAUSES
    ):
        old_start = changed_at - _history_span(old_spec)
        old_start = old_start.replace(minute=0, second=0)
        history = make_history(build(old_spec), old_start, changed_at)
        now = changed_at + pause_for
        for (rlabel, start, end), catchup in itertools.product(
            restriction_variants(changed_at, old_start), (True, False)
        ):
            restriction = TimeRestriction(p(start), None if end is None else p(end), catchup)
            variants = [("no_manual", history)]
            answer = scheduler_loop(build(new_spec), history, restriction, now)
            if answer["next_runs"] and rlabel == "same_dates":
                first = answer["next_runs"][0]
                manual = {
                    "run_id": "manual__" + first["logical_date"],
                    "run_type": "manual",
                    "logical_date": first["logical_date"],
                    "data_interval": first["data_interval"],
                    "run_after": first["logical_date"],
                    "state": "success",
                }
                variants.append(("manual_collides", [*history, manual]))
            for vlabel, runs in variants:
                ans = answer if vlabel == "no_manual" else scheduler_loop(
                    build(new_spec), runs, restriction, now
                )
                n += 1
                cases.append(
                    {
                        "id": f"sc-{n:05d}",
                        "kind": "schedule_change",
                        "old": old_spec,
                        "new": new_spec,
                        "inputs": {
                            "old_restriction": {
                                "earliest": iso(old_start), "latest": None, "catchup": True,
                            },
                            "restriction": {
                                "earliest": iso(start),
                                "latest": None if end is None else iso(end),
                                "catchup": catchup,
                            },
                            "changed_at": iso(changed_at),
                            "now": iso(now),
                            "runs": runs,
                        },
                        "tags": [label, when, pause, rlabel, vlabel,
                                 "catchup" if catchup else "no_catchup"],
                        "expected": ans,
                    }
                )
    with OUT.open("w", encoding="utf-8") as fh:
        for case in cases:
            fh.write(json.dumps(case, sort_keys=False) + "\n")
    names = ["apache-airflow", "apache-airflow-core", "apache-airflow-task-sdk", "croniter",
             "pendulum", "python-dateutil", "tzdata"]
    meta = {
        "generator": "tests/data/gen_schedule_changes.py",
        "python": platform.python_version(),
        "versions": {name: md.version(name) for name in names},
        "total_cases": len(cases),
        "stopped": {
            key: sum(1 for c in cases if c["expected"]["stopped"] == key)
            for key in sorted({c["expected"]["stopped"] for c in cases})
        },
        "cases_with_already_exists": sum(1 for c in cases if c["expected"]["already_exists"]),
    }
    META.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(cases)} cases to {OUT.name}", file=sys.stderr)


if __name__ == "__main__":
    main()
