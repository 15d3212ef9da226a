"""Fleet audits (examples/fleet_audit): one process vs Dask on 1 and 2 workers; pickled sizes.

Run alone: ``.venv/bin/python benchmarks/bench_fleet.py``; ``python -m benchmarks``
includes it when the ``dask`` extra is installed.  The fleet size comes from
``TIMETABLE_BENCH_FLEET=dags,days`` (default ``300,365``: hourly-heavy schedules, a year
each); throughput is audited DAG-intervals (grid intervals checked) per second, wall time,
including reading and writing Parquet.  Cluster start-up is not timed.
"""

from __future__ import annotations

import os
import pickle
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RECIPE = HERE.parent / "examples" / "fleet_audit"
sys.path.insert(0, str(RECIPE))
sys.path.insert(0, str(HERE.parent))


def _pickle_rows() -> list[dict[str, Any]]:
    from fleet_audit import NOW

    import timetable as tt

    day = timedelta(days=1)
    hourly = tt.CronDataIntervals(cron="@hourly", timezone="Europe/Berlin")
    start = NOW - 42 * day
    runs = [
        tt.RunRecord(run_id=f"scheduled__{s.isoformat()}", run_type="scheduled", logical_date=s,
                     data_interval=tt.DataInterval(start=s, end=e), run_after=e, state="success")
        for s, e in tt.iter_intervals(hourly, start=start, end=NOW - day)
    ][::2]
    values = {
        "CronDataIntervals": hourly,
        "RunRecord": runs[0],
        "1,000 RunRecords (list)": runs[:1000],
        "CatchupPlan (1,000 creates)": tt.plan_catchup(
            hourly, runs=[], now=NOW, limit=1000,
            restriction=tt.TimeRestriction(earliest=start, catchup=True)),
        "GapReport (~500 gaps)": tt.find_gaps(hourly, runs=runs, start=start, end=NOW, now=NOW),
    }
    out = []
    for name, value in values.items():
        blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        n = 200
        t0 = time.perf_counter()
        for _ in range(n):
            pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        t1 = time.perf_counter()
        for _ in range(n):
            pickle.loads(blob)
        t2 = time.perf_counter()
        assert pickle.loads(blob) == value
        out.append({"measure": f"pickle {name}", "bytes": len(blob),
                    "dumps µs": (t1 - t0) / n * 1e6, "loads µs": (t2 - t1) / n * 1e6})
    return out


def _throughput(dags: int, days: int) -> list[dict[str, Any]]:
    import pandas as pd
    from distributed import Client, LocalCluster
    from fleet_audit import NOW, audit_dask, audit_local, write_fleet

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="timetable-fleet-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        write_fleet(root, dags=dags, dags_per_file=max(1, dags // 20), now=NOW, days=days,
                    schedules=["@hourly", "@hourly", "0 */6 * * *", "@daily"])
        made = time.perf_counter() - t0
        t0 = time.perf_counter()
        local = audit_local(root / "runs", root / "dags.parquet", root / "local.parquet", now=NOW)
        single = time.perf_counter() - t0
        intervals = int(local["expected"].sum())
        rows.append({"measure": f"fleet: {dags:,} DAGs x {days} days ({intervals:,} intervals; "
                                f"generated in {made:.0f} s)", "mode": "one process (pandas)",
                     "seconds": single, "intervals/s": intervals / single})
        for workers in (1, 2):
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster, Client(cluster) as client:
                client.upload_file(str(RECIPE / "fleet_audit.py"))
                out = root / f"dask{workers}"
                t0 = time.perf_counter()
                audit_dask(root / "runs", root / "dags.parquet", out, now=NOW)
                took = time.perf_counter() - t0
            got = pd.read_parquet(out).sort_values("dag_id", ignore_index=True)
            assert int(got["expected"].sum()) == intervals
            rows.append({"measure": "", "mode": f"Dask LocalCluster, {workers} worker(s)",
                         "seconds": took, "intervals/s": intervals / took})
    return rows


def run() -> list[dict[str, Any]]:
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
        import pandas  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError:
        return [{"note": "needs the dask extra: pip install -e '.[dask]'"}]
    dags, days = (int(x) for x in os.environ.get("TIMETABLE_BENCH_FLEET", "300,365").split(","))
    return _pickle_rows() + _throughput(dags, days)


if __name__ == "__main__":
    for row in run():
        print(row)
