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

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from timetable import (
    CronDataIntervals,
    TimeRestriction,
    find_gaps,
    history_from_columns,
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


def audit_dag(dag: Any, runs: Any, *, now: datetime) -> dict[str, Any]:
    """One DAG's row: its gap report since ``start_date`` and its catchup plan at *now*.

    *runs* are the DAG's ``dag_run`` records: a mapping of columns (name -> list of
    values, read with `history_from_columns`) or a list of rows (plain mappings, read
    with `validate_history`).
    """
    tt = _timetable(dag)
    start = dag.start_date.to_pydatetime() if hasattr(dag.start_date, "to_pydatetime") else dag.start_date
    # read and index the runs once, for both questions
    history = history_from_columns(runs) if isinstance(runs, dict) else validate_history(runs)
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


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one batch.

    An audit builds millions of small objects that live until its DAG is done; the
    collector's full passes walk all of them again and again (20-60 % of the time) and
    free nothing, as they form no cycles.  A batch job may pause it; a server should not.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _values(column: pd.Series) -> list[Any]:
    """A column as plain Python values, converted in C: aware datetimes in UTC
    (``datetime.UTC``, which the library compares fastest), ``None`` where missing."""
    dated = isinstance(column.dtype, pd.DatetimeTZDtype)
    values = column.dt.tz_convert(UTC).dt.to_pydatetime() if dated else column.astype(object)
    if column.hasnans:
        values = values.where(column.notna(), None)
    return values.tolist()


def _dag_rows(dags: pd.DataFrame) -> dict[str, Any]:
    """``dag_id -> row`` (a named tuple, ``start_date`` an aware datetime)."""
    table = dags.assign(start_date=_values(dags["start_date"]))
    return {dag.dag_id: dag for dag in table.itertuples(index=False)}


def audit_partition(runs: pd.DataFrame, dags: pd.DataFrame, *, now: datetime) -> pd.DataFrame:
    """The audit of every DAG with runs in *runs* (one group's file): a pure function.

    The columns become Python values once, in C (no per-cell pandas objects), and equal
    columns (``logical_date`` and ``data_interval_start``, usually) share them; the rows
    are sorted by DAG once and each DAG's runs are one slice of every column, read by
    `history_from_columns` without a dict per row.
    """
    out = []
    if len(runs):
        runs = runs.sort_values("dag_id", kind="stable", ignore_index=True)
        ids = runs["dag_id"].to_numpy()
        cuts = [0, *(np.flatnonzero(ids[1:] != ids[:-1]) + 1).tolist(), len(ids)]
        fields = RUN_COLUMNS[1:]  # dag_id is not a run field
        converted: dict[str, list[Any]] = {}
        for c in fields:  # a column equal to one already converted shares its values
            twin = next((d for d in converted if runs[d].dtype == runs[c].dtype
                         and runs[d].equals(runs[c])), None)
            converted[c] = converted[twin] if twin else _values(runs[c])
        columns = list(converted.values())
        wanted = dags[dags["dag_id"].isin(ids[cuts[:-1]])]
        table = _dag_rows(wanted)
        with _collector_paused():
            for lo, hi in pairwise(cuts):
                dag_columns = {f: c[lo:hi] for f, c in zip(fields, columns, strict=True)}
                out.append(audit_dag(table[ids[lo]], dag_columns, now=now))
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


def _audit_file(runs: pd.DataFrame, dags_path: str, *, now: datetime) -> pd.DataFrame:
    """One Dask task: the rows of the DAG table this file needs, then `audit_partition`."""
    ids = runs["dag_id"].unique().tolist()
    filters = [("dag_id", "in", ids)] if ids else None
    return audit_partition(runs, pd.read_parquet(dags_path, filters=filters), now=now)


def audit_dask(runs_dir: Path, dags_path: Path, out_dir: Path, *, now: datetime) -> None:
    """The audit on the current Dask client's cluster: one task per file; writes *out_dir*.

    ``dask.dataframe.read_parquet`` keeps a file as one partition.  Each task reads the
    rows of the DAG table it needs itself, so the table is not shipped inside every task
    (at 10,000 DAGs it is a megabyte).  The caller owns the cluster and the client.
    """
    import dask.dataframe as dd

    runs = dd.read_parquet(str(runs_dir), split_row_groups=False)
    meta = pd.DataFrame({k: pd.Series(dtype=v) for k, v in AUDIT_COLUMNS.items()})
    audits = runs.map_partitions(_audit_file, str(dags_path), now=now, meta=meta)
    audits.to_parquet(str(out_dir), write_index=False)


# -- generated fleets (tests and benchmarks) -------------------------------------------------
_SCHEDULES = ["@daily", "@hourly", "0 */6 * * *", "30 2 * * *", "15 8 * * 1-5", "0 0 * * 0"]
_ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]


def _grid(schedule: str, zone: str, start: datetime, now: datetime) -> tuple[Any, Any, Any]:
    """A schedule's intervals from *start* that end by *now*: starts, ends (UTC), run ids."""
    tt = CronDataIntervals(cron=schedule, timezone=zone)
    pairs = [(s, e) for s, e in iter_intervals(tt, start=start, end=now) if e <= now]
    starts = pd.to_datetime([s.astimezone(UTC) for s, _ in pairs], utc=True)
    ends = pd.to_datetime([e.astimezone(UTC) for _, e in pairs], utc=True)
    run_ids = np.array([f"scheduled__{e.isoformat()}" for _, e in pairs], dtype=object)
    return starts, ends, run_ids


def write_fleet(out_dir: Path, *, dags: int, dags_per_file: int, now: datetime,
                days: int, seed: int = 0, schedules: list[str] | None = None) -> Path:
    """Write a generated fleet: ``dags.parquet`` and ``runs/part-NNNNN.parquet``.

    Every DAG starts *days* before *now* with a random schedule and zone; about 3 % of
    its intervals have no run and 2 % failed.  A (schedule, zone) grid is computed once
    and masked per DAG, so a year of hourly runs for thousands of DAGs takes seconds per
    thousand DAGs, not minutes.  Returns *out_dir*.
    """
    rng = np.random.default_rng(seed)
    out_dir = Path(out_dir)
    (out_dir / "runs").mkdir(parents=True, exist_ok=True)
    start = now - timedelta(days=days)
    schedules = schedules or _SCHEDULES
    dag_frame = pd.DataFrame({
        "dag_id": [f"dag_{k:06d}" for k in range(dags)],
        "schedule": [schedules[i] for i in rng.integers(len(schedules), size=dags)],
        "timezone": [_ZONES[i] for i in rng.integers(len(_ZONES), size=dags)],
        "start_date": pd.Series([start] * dags, dtype="datetime64[us, UTC]"),
    })
    dag_frame.to_parquet(out_dir / "dags.parquet", index=False)
    grids: dict[tuple[str, str], tuple[Any, Any, Any]] = {}
    for f, lo in enumerate(range(0, dags, dags_per_file)):
        parts = []
        for dag in dag_frame.iloc[lo:lo + dags_per_file].itertuples(index=False):
            key = (dag.schedule, dag.timezone)
            if key not in grids:
                grids[key] = _grid(*key, start, now)
            starts, ends, run_ids = grids[key]
            roll = rng.random(len(starts))
            keep = roll >= 0.03  # the rest are gaps
            parts.append(pd.DataFrame({
                "dag_id": dag.dag_id,
                "run_id": run_ids[keep],
                "run_type": "scheduled",
                "logical_date": starts[keep],
                "data_interval_start": starts[keep],
                "data_interval_end": ends[keep],
                "run_after": ends[keep],
                "state": np.where(roll[keep] < 0.05, "failed", "success"),
            }))
        frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=RUN_COLUMNS)
        frame.to_parquet(out_dir / "runs" / f"part-{f:05d}.parquet", index=False)
    return out_dir


NOW = datetime(2025, 1, 1, tzinfo=UTC)
