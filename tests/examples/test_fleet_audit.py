"""The fleet-audit recipe (examples/fleet_audit): Dask on a 2-worker LocalCluster and one process agree.

Needs the ``dask`` extra (``pip install 'timetable-planning[dask]'``); skipped with a
message otherwise.  ``.ci/run`` installs it, so CI runs these.
"""

from __future__ import annotations

import pickle
import sys
from datetime import timedelta
from pathlib import Path

import pytest

pytest.importorskip("pandas", reason="the fleet-audit recipe needs the 'dask' extra (pandas)")
pytest.importorskip("pyarrow", reason="the fleet-audit recipe needs the 'dask' extra (pyarrow)")
pytest.importorskip("dask.dataframe", reason="the fleet-audit recipe needs the 'dask' extra")
distributed = pytest.importorskip("distributed", reason="the fleet-audit recipe needs the 'dask' extra")

import pandas as pd  # noqa: E402

import timetable as tt  # noqa: E402

RECIPE = Path(__file__).resolve().parents[2] / "examples" / "fleet_audit" / "fleet_audit.py"
sys.path.insert(0, str(RECIPE.parent))
import fleet_audit  # noqa: E402

DAGS = 1_000


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1,000 generated DAGs, 20 days of runs each, 50 DAGs per file."""
    return fleet_audit.write_fleet(
        tmp_path_factory.mktemp("fleet"), dags=DAGS, dags_per_file=50, now=fleet_audit.NOW,
        days=20, schedules=["@daily", "0 */6 * * *", "30 2 * * *", "15 8 * * 1-5"],
    )


@pytest.fixture(scope="module")
def local(fleet: Path) -> pd.DataFrame:
    return fleet_audit.audit_local(fleet / "runs", fleet / "dags.parquet", fleet / "local.parquet",
                                   now=fleet_audit.NOW)


def test_one_process_audits_every_dag(fleet: Path, local: pd.DataFrame) -> None:
    assert len(local) == DAGS
    assert local["dag_id"].is_unique
    assert (local["present"] + local["missing"] == local["expected"]).all()
    assert local["missing"].sum() > 0
    assert local["failed"].sum() > 0
    # each row is the library's own answer for that DAG
    dags = pd.read_parquet(fleet / "dags.parquet").set_index("dag_id", drop=False)
    runs = pd.read_parquet(fleet / "runs" / "part-00003.parquet")
    dag_id = runs["dag_id"].iloc[0]
    dag = dags.loc[dag_id]
    rows = [
        {k: (v.to_pydatetime() if isinstance(v, pd.Timestamp) else v) for k, v in r.items() if k != "dag_id"}
        for r in runs[runs["dag_id"] == dag_id].to_dict("records")
    ]
    timetable = tt.CronDataIntervals(cron=dag.schedule, timezone=dag.timezone)
    start = dag.start_date.to_pydatetime()
    report = tt.find_gaps(timetable, runs=rows, start=start, end=fleet_audit.NOW,
                          now=fleet_audit.NOW, include_failed=True)
    row = local.set_index("dag_id").loc[dag_id]
    assert (row["expected"], row["missing"], row["failed"]) == (report.expected, report.missing,
                                                                 report.failed)


def test_dask_on_two_workers_gives_the_same_table(fleet: Path, local: pd.DataFrame) -> None:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        client.upload_file(str(RECIPE))
        fleet_audit.audit_dask(fleet / "runs", fleet / "dags.parquet", fleet / "dask_out",
                               now=fleet_audit.NOW)
    out = pd.read_parquet(fleet / "dask_out").sort_values("dag_id", ignore_index=True)
    pd.testing.assert_frame_equal(out, local, check_dtype=False)


@pytest.mark.parametrize("value", [
    tt.CronDataIntervals(cron="30 2 * * *", timezone="Europe/Berlin"),
    tt.TimeRestriction(earliest=fleet_audit.NOW, catchup=True),
    tt.RunRecord(run_id="r", run_type="scheduled", logical_date=fleet_audit.NOW,
                 data_interval=tt.DataInterval(start=fleet_audit.NOW,
                                               end=fleet_audit.NOW + timedelta(days=1)),
                 run_after=fleet_audit.NOW + timedelta(days=1), state="success"),
], ids=lambda v: type(v).__name__)
def test_values_pickle_round_trip(value: object) -> None:
    """What a cluster ships between processes comes back equal."""
    assert pickle.loads(pickle.dumps(value)) == value


def test_plans_pickle_round_trip() -> None:
    timetable = tt.CronDataIntervals(cron="@hourly")
    plan = tt.plan_catchup(timetable, runs=[], now=fleet_audit.NOW,
                           restriction=tt.TimeRestriction(earliest=fleet_audit.NOW - timedelta(days=3),
                                                          catchup=True))
    report = tt.find_gaps(timetable, runs=[], start=fleet_audit.NOW - timedelta(days=3),
                          end=fleet_audit.NOW, now=fleet_audit.NOW)
    for value in (plan, report):
        back = pickle.loads(pickle.dumps(value))
        assert back == value
        assert back.to_dict() == value.to_dict()
