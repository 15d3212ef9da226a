"""Fleet audits: gap reports and catchup plans for thousands of DAGs, on Dask or in one process.

The recipe behind ``docs/howto/fleet-audit.md``.  Nothing here is part of the
``timetable`` package: it is the glue a host writes around the library's pure functions.

Inputs (Parquet):

* a **DAG table**, one row per DAG: ``dag_id``, ``schedule`` (a cron), ``timezone``,
  ``start_date``;
* **run histories**, Airflow's ``dag_run`` columns (``dag_id``, ``run_id``, ``run_type``,
  ``logical_date``, ``data_interval_start``, ``data_interval_end``, ``run_after``,
  ``state``), one file per group of DAGs: every run of a DAG lives in one file, so a file
  is a unit of work.

Output (Parquet): one row per DAG with its gap report and its catchup plan in numbers.

:func:`audit_partition` is the whole computation for one group of DAGs, a pure function
of two DataFrames and ``now``; :func:`audit_local` maps it over the files in this process,
:func:`audit_dask` maps it over a Dask cluster (one task per file) and writes the result
with Dask.  Both give the same table.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from timetable import (
    CronDataIntervals,
    TimeRestriction,
    find_gaps,
    iter_intervals,
    plan_catchup,
    validate_history,
)

__all__ = [
    "AUDIT_COLUMNS",
    "audit_dag",
    "audit_dask",
    "audit_local",
    "audit_partition",
    "write_fleet",
]

RUN_COLUMNS = ["dag_id", "run_id", "run_type", "logical_date", "data_interval_start",
               "data_interval_end", "run_after", "state"]

#: The output table: one row per DAG.
AUDIT_COLUMNS = {
    "dag_id": "string",
    "expected": "int64",
    "present": "int64",
    "missing": "int64",
    "failed": "int64",
    "gap_ranges": "int64",
    "first_missing": "datetime64[ns, UTC]",
    "catchup_creates": "int64",
    "catchup_stopped": "string",
}


def _timetable(dag: Any) -> CronDataIntervals:
    return CronDataIntervals(cron=dag.schedule, timezone=dag.timezone)


def audit_dag(dag: Any, runs: list[dict[str, Any]], *, now: datetime) -> dict[str, Any]:
    """One DAG's row: its gap report since ``start_date`` and its catchup plan at *now*.

    *runs* are ``dag_run`` rows as plain mappings (the library reads them as they are).
    """
    tt = _timetable(dag)
    start = dag.start_date.to_pydatetime() if hasattr(dag.start_date, "to_pydatetime") else dag.start_date
    history = validate_history(runs)  # read and index the rows once, for both questions
    report = find_gaps(tt, runs=history, start=start, end=now, now=now, include_failed=True)
    first = next((g for g in report.gaps if g.reason.value == "missing"), None)
    plan = plan_catchup(tt, runs=history, now=now,
                        restriction=TimeRestriction(earliest=start, catchup=True))
    return {
        "dag_id": dag.dag_id,
        "expected": report.expected,
        "present": report.present,
        "missing": report.missing,
        "failed": report.failed,
        "gap_ranges": len(report.gaps),
        "first_missing": pd.Timestamp(first.first.logical_date) if first else pd.NaT,
        "catchup_creates": plan.create_count,
        "catchup_stopped": plan.stopped.value,
    }


def _plain(value: Any) -> Any:
    """pandas' Timestamp/NaT -> datetime/None (the library takes aware datetimes)."""
    if value is pd.NaT or value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def audit_partition(runs: pd.DataFrame, dags: pd.DataFrame, *, now: datetime) -> pd.DataFrame:
    """The audit of every DAG with runs in *runs* (one group's file): a pure function."""
    by_dag: dict[str, list[dict[str, Any]]] = {}
    if len(runs):
        columns = [runs[c].tolist() for c in RUN_COLUMNS]
        for values in zip(*columns, strict=True):
            row = {k: _plain(v) for k, v in zip(RUN_COLUMNS, values, strict=True)}
            by_dag.setdefault(row.pop("dag_id"), []).append(row)
    table = dags.set_index("dag_id", drop=False)
    out = [audit_dag(table.loc[dag_id], rows, now=now) for dag_id, rows in sorted(by_dag.items())]
    frame = pd.DataFrame(out, columns=list(AUDIT_COLUMNS))
    return frame.astype(AUDIT_COLUMNS)


def audit_local(runs_dir: Path, dags_path: Path, out_path: Path, *, now: datetime) -> pd.DataFrame:
    """The audit in this process: each file of *runs_dir* in turn; writes *out_path*."""
    dags = pd.read_parquet(dags_path)
    parts = [audit_partition(pd.read_parquet(f), dags, now=now)
             for f in sorted(Path(runs_dir).glob("*.parquet"))]
    result = pd.concat(parts, ignore_index=True).sort_values("dag_id", ignore_index=True)
    result.to_parquet(out_path, index=False)
    return result


def audit_dask(runs_dir: Path, dags_path: Path, out_dir: Path, *, now: datetime) -> None:
    """The audit on the current Dask client's cluster: one task per file; writes *out_dir*.

    ``dask.dataframe.read_parquet`` keeps a file as one partition, and the DAG table goes
    to every task once (it is small).  The caller owns the cluster and the client.
    """
    import dask.dataframe as dd

    dags = pd.read_parquet(dags_path)
    runs = dd.read_parquet(str(runs_dir), split_row_groups=False)
    meta = pd.DataFrame({k: pd.Series(dtype=v) for k, v in AUDIT_COLUMNS.items()})
    audits = runs.map_partitions(audit_partition, dags, now=now, meta=meta)
    audits.to_parquet(str(out_dir), write_index=False)


# -- generated fleets (tests and benchmarks) -------------------------------------------------
_SCHEDULES = ["@daily", "@hourly", "0 */6 * * *", "30 2 * * *", "15 8 * * 1-5", "0 0 * * 0"]
_ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]


def _dag_runs(dag_id: str, tt: CronDataIntervals, start: datetime, now: datetime,
              rng: random.Random) -> Iterable[tuple[Any, ...]]:
    for s, e in iter_intervals(tt, start=start, end=now):
        if e > now:
            break
        roll = rng.random()
        if roll < 0.03:
            continue  # a gap
        state = "failed" if roll < 0.05 else "success"
        yield (dag_id, f"scheduled__{e.isoformat()}", "scheduled", s, s, e, e, state)


def write_fleet(out_dir: Path, *, dags: int, dags_per_file: int, now: datetime,
                days: int, seed: int = 0, schedules: list[str] | None = None) -> Path:
    """Write a generated fleet: ``dags.parquet`` and ``runs/part-NNNNN.parquet``.

    Every DAG starts *days* before *now* with a random schedule and zone; about 3 % of
    its intervals have no run and 2 % failed.  Returns *out_dir*.
    """
    rng = random.Random(seed)
    out_dir = Path(out_dir)
    (out_dir / "runs").mkdir(parents=True, exist_ok=True)
    start = now - timedelta(days=days)
    table = []
    for k in range(dags):
        table.append({"dag_id": f"dag_{k:06d}", "schedule": rng.choice(schedules or _SCHEDULES),
                      "timezone": rng.choice(_ZONES), "start_date": start})
    dag_frame = pd.DataFrame(table)
    dag_frame["start_date"] = pd.to_datetime(dag_frame["start_date"], utc=True)
    dag_frame.to_parquet(out_dir / "dags.parquet", index=False)
    for f, lo in enumerate(range(0, dags, dags_per_file)):
        rows: list[tuple[Any, ...]] = []
        for dag in table[lo:lo + dags_per_file]:
            tt = CronDataIntervals(cron=dag["schedule"], timezone=dag["timezone"])
            rows.extend(_dag_runs(dag["dag_id"], tt, start, now, rng))
        frame = pd.DataFrame(rows, columns=RUN_COLUMNS)
        for c in ("logical_date", "data_interval_start", "data_interval_end", "run_after"):
            frame[c] = pd.to_datetime(frame[c], utc=True)
        frame.to_parquet(out_dir / "runs" / f"part-{f:05d}.parquet", index=False)
    return out_dir


NOW = datetime(2025, 1, 1, tzinfo=UTC)
