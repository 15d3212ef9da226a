"""Fleet audits (examples/fleet_audit): one process vs Dask on 1 and 2 workers; pickled sizes.

Run alone: ``.venv/bin/python benchmarks/bench_fleet.py``; ``python -m benchmarks``
includes it when the ``dask`` extra is installed.  The fleet size comes from
``TIMETABLE_BENCH_FLEET=dags,days`` (default ``200,365``): every DAG ``@hourly`` for
*days* (the issue's row is ``10000,365``, 87.6 million intervals).  Throughput is audited
DAG-intervals (grid intervals checked) per second, wall time, including reading and
writing Parquet; cluster start-up is not timed.  *CPU µs/interval* is the CPU time of
the process (or the sum over the workers) per interval, which the machine's other jobs
inflate less than they inflate wall time.  Files hold at most 50 DAGs (a year of
hourly runs each: about 425,000 rows), and there are at least 16 of them, so two workers
have work to share and each task's memory stays modest.  The fleet is written under the
system temporary directory and deleted afterwards.

Pickle rows time our values against the same values pickled with attrs' default state
(``__getstate__``/``__setstate__``, what they used before) in the same run, taking turns
round by round; each figure is the best round (the machine is shared).
"""

from __future__ import annotations

import copyreg
import io
import math
import os
import pickle
import resource
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


def _attrs_state(obj: Any) -> tuple[Any, ...]:
    """How attrs pickles a slotted class by default: its state dict, set back in Python."""
    return copyreg.__newobj__, (type(obj),), obj.__getstate__()


def _best(*fns: Any, rounds: int = 9, n: int = 20) -> list[float]:
    """Best per-call seconds of each of *fns*, over *rounds* rounds of *n* calls each; the
    functions take turns within a round, so a change of load hits them alike."""
    best = [math.inf] * len(fns)
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            best[i] = min(best[i], (time.perf_counter() - t0) / n)
    return best


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
    report = tt.find_gaps(hourly, runs=runs, start=start, end=NOW, now=NOW)
    report.gaps  # noqa: B018  (built, as a report that has been read)
    values = {
        "CronDataIntervals": hourly,
        "RunRecord": runs[0],
        "1,000 RunRecords (list)": runs[:1000],
        "CatchupPlan (1,000 creates)": tt.plan_catchup(
            hourly, runs=[], now=NOW, limit=1000,
            restriction=tt.TimeRestriction(earliest=start, catchup=True)),
        "GapReport (~500 gaps)": report,
    }
    before = dict(copyreg.dispatch_table)
    before.update(dict.fromkeys((tt.RunRecord, tt.DataInterval, tt.RunInfo), _attrs_state))

    def dumps_before(value: Any) -> bytes:
        out = io.BytesIO()
        pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.dispatch_table = before
        pickler.dump(value)
        return out.getvalue()

    out = []
    for name, value in values.items():
        blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        old = dumps_before(value)
        assert pickle.loads(blob) == value == pickle.loads(old)
        dumps, dumps_old = _best(
            lambda v=value: pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL),
            lambda v=value: dumps_before(v))
        loads, loads_old = _best(lambda b=blob: pickle.loads(b), lambda b=old: pickle.loads(b))
        out.append({"measure": f"pickle {name}", "bytes": len(blob),
                    "dumps µs": dumps * 1e6, "loads µs": loads * 1e6,
                    "attrs state: bytes": len(old), "dumps µs (attrs state)": dumps_old * 1e6,
                    "loads µs (attrs state)": loads_old * 1e6})
    return out


def _peak_mib() -> float:
    """This process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    """CPU time this process has used (user + system): what the machine's other jobs do
    not inflate as much as they inflate wall time."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _throughput(dags: int, days: int) -> list[dict[str, Any]]:
    import pandas as pd
    from distributed import Client, LocalCluster
    from fleet_audit import NOW, audit_dask, audit_local, write_fleet

    rows: list[dict[str, Any]] = []
    per_file = max(1, min(50, math.ceil(dags / 16)))
    with tempfile.TemporaryDirectory(prefix="timetable-fleet-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        write_fleet(root, dags=dags, dags_per_file=per_file, now=NOW, days=days,
                    schedules=["@hourly"])
        made = time.perf_counter() - t0
        files = len(list((root / "runs").glob("*.parquet")))
        t0, c0 = time.perf_counter(), _cpu_seconds()
        local = audit_local(root / "runs", root / "dags.parquet", root / "local.parquet", now=NOW)
        single, cpu = time.perf_counter() - t0, _cpu_seconds() - c0
        intervals = int(local["expected"].sum())
        rows.append({"measure": f"fleet: {dags:,} DAGs x {days} days @hourly ({intervals:,} "
                                f"intervals, {files} files; generated in {made:.0f} s)",
                     "mode": "one process (pandas)", "seconds": single,
                     "intervals/s": intervals / single, "µs/interval": single / intervals * 1e6,
                     "CPU µs/interval": cpu / intervals * 1e6,
                     "peak RSS MiB": _peak_mib(), "load (1 min)": os.getloadavg()[0]})
        del local
        for workers in (1, 2):
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster, Client(cluster) as client:
                client.upload_file(str(RECIPE / "fleet_audit.py"))
                out = root / f"dask{workers}"
                c0 = sum(client.run(_cpu_seconds).values())
                t0 = time.perf_counter()
                audit_dask(root / "runs", root / "dags.parquet", out, now=NOW)
                took = time.perf_counter() - t0
                cpu = sum(client.run(_cpu_seconds).values()) - c0
                peak = max(client.run(_peak_mib).values())
            got = pd.read_parquet(out)
            assert int(got["expected"].sum()) == intervals
            assert len(got) == dags
            rows.append({"measure": "", "mode": f"Dask LocalCluster, {workers} worker(s)",
                         "seconds": took, "intervals/s": intervals / took,
                         "µs/interval": took / intervals * 1e6,
                         "CPU µs/interval": cpu / intervals * 1e6, "peak RSS MiB": peak,
                         "load (1 min)": os.getloadavg()[0]})
    return rows


def run() -> list[dict[str, Any]]:
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
        import pandas  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError:
        return [{"note": "needs the dask extra: pip install -e '.[dask]'"}]
    dags, days = (int(x) for x in os.environ.get("TIMETABLE_BENCH_FLEET", "200,365").split(","))
    return _pickle_rows() + _throughput(dags, days)


if __name__ == "__main__":
    for row in run():
        print(row)
