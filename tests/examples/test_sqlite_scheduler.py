"""The reference scheduler on SQLite (examples/sqlite_scheduler): a simulated year that
matches the pure prediction, SIGKILLs that change nothing, and two racing schedulers."""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import timetable

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples"))

import sqlite_scheduler as ss  # noqa: E402
from sqlite_scheduler import harness  # noqa: E402

YEAR = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
# Two months around the spring transition, with a pause, clears, marks and a backfill.
WINDOW = (datetime(2026, 3, 15, tzinfo=UTC), datetime(2026, 5, 15, tzinfo=UTC))
# Three weeks around the spring transition, for two racing schedulers.
RACE = (datetime(2026, 3, 22, tzinfo=UTC), datetime(2026, 4, 12, tzinfo=UTC))
KILLS = 200


def _fresh(path: Path) -> str:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return str(path)


def _dump(path: str) -> list[tuple[Any, ...]]:
    store = ss.SqliteStore(path)
    try:
        return store.dump()
    finally:
        store.close()


def _rows(path: str, dag_id: str) -> tuple[list[sqlite3.Row], list[sqlite3.Row]]:
    conn = ss.connect(path)
    try:
        runs = conn.execute("SELECT * FROM dag_run WHERE dag_id = ? ORDER BY id", (dag_id,))
        tis = conn.execute(
            "SELECT * FROM task_instance WHERE dag_id = ? ORDER BY run_id, task_id", (dag_id,)
        )
        return runs.fetchall(), tis.fetchall()
    finally:
        conn.close()


_ALLOWED = {None, "running", "up_for_retry", "success", "failed", "upstream_failed", "skipped"}
_RAN = {"running", "up_for_retry", "success", "failed"}
_FINISHED = {"success", "failed", "upstream_failed", "skipped"}


def check_reachable(path: str, dags: Sequence[ss.Dag]) -> int:
    """Every run and task instance is in a state the scheduler's rules can produce."""
    checked = 0
    for dag in dags:
        runs, tis = _rows(path, dag.dag_id)
        history = timetable.RunHistory(runs=runs, task_instances=tis)  # rows in, as they are
        for run in history.runs.runs:
            cells = {t: history.instances(t, run.run_id) for t in dag.graph.task_ids}
            assert all(len(c) == 1 for c in cells.values()), (run.run_id, cells)
            state = {t: c[0].state and c[0].state.value for t, c in cells.items()}
            for task_id, (ti,) in cells.items():
                s = state[task_id]
                assert s in _ALLOWED, (run.run_id, task_id, s)
                upstream = [state[u] for u in dag.graph.direct_upstream(task_id)]
                if s in _RAN:
                    assert ti.try_number >= 1, (run.run_id, task_id, ti)
                    assert all(u in ("success", "skipped") for u in upstream), (run.run_id, state)
                if s == "upstream_failed":
                    assert any(u in ("failed", "upstream_failed") for u in upstream), state
                if s == "up_for_retry":
                    assert ti.try_number <= ti.max_tries, (run.run_id, task_id, ti)
            if run.state.finished:
                assert set(state.values()) <= _FINISHED, (run.run_id, run.state, state)
            checked += 1
    return checked


def check_schedule(path: str, dags: Sequence[ss.Dag], start: datetime, end: datetime) -> None:
    """No run missing, none duplicated: each DAG's logical dates are its schedule's."""
    for dag in dags:
        runs, _ = _rows(path, dag.dag_id)
        got = [timetable.RunHistory(runs=runs, task_instances=()).runs.runs]
        dates = [r.logical_date for r in got[0]]
        assert len(dates) == len(set(dates))
        want = {
            info.logical_date
            for info in timetable.iter_run_infos(dag.schedule, start=start, end=end, now=end)
            if info.run_after <= end
        }
        assert set(dates) == want, (dag.dag_id, sorted(want ^ set(dates))[:5])


# -- a simulated year ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    start, end = YEAR
    dags = ss.default_dags(start)
    script = ss.build_script(dags, start=start, end=end)
    path = _fresh(tmp_path_factory.mktemp("year") / "year.db")
    began = time.perf_counter()
    stats = harness.run_once(path, dags, script)
    seconds = time.perf_counter() - began
    memory = ss.MemoryStore([d.dag_id for d in dags], start)
    memory_stats = ss.Scheduler(memory, dags, script).run()
    print(f"\nyear on SQLite: {seconds:.1f} s, {dict(stats)}")
    return {"dags": dags, "script": script, "path": path, "stats": stats, "memory": memory,
           "memory_stats": memory_stats}


def test_year_matches_the_pure_replay(year: dict[str, Any]) -> None:
    """The SQLite database ends exactly where the records, applied with
    `timetable.apply_changeset`, end."""
    assert dict(year["memory_stats"]) == year["stats"]
    store = ss.SqliteStore(year["path"])
    log = store.log()
    store.close()
    assert log == year["memory"].log()  # the same decisions, at the same instants
    assert len(log) > 9000
    for dag in year["dags"]:
        runs, tis = _rows(year["path"], dag.dag_id)
        stored = timetable.RunHistory(runs=runs, task_instances=tis)
        want_runs, want_tis = year["memory"].records(dag.dag_id)
        key = lambda r: r.run_id  # noqa: E731
        assert sorted(stored.runs.runs, key=key) == sorted(want_runs, key=key)
        assert [dict(r.conf or {}) for r in sorted(stored.runs.runs, key=key)] == [
            dict(r.conf or {}) for r in sorted(want_runs, key=key)
        ]
        tkey = lambda t: (t.run_id, t.task_id)  # noqa: E731
        assert sorted(stored.task_instances, key=tkey) == sorted(want_tis, key=tkey)


def test_year_exercises_every_operation(year: dict[str, Any]) -> None:
    stats = year["stats"]
    for kind in ("catchup", "execute", "clear", "mark_run", "pause", "unpause", "backfill"):
        assert stats.get(kind, 0) >= 1, kind
    assert stats["instants"] > 365
    conn = ss.connect(year["path"])
    counts = dict(conn.execute("SELECT state, COUNT(*) FROM task_instance GROUP BY state").fetchall())
    types = dict(conn.execute("SELECT run_type, COUNT(*) FROM dag_run GROUP BY run_type").fetchall())
    assert counts["failed"] > 0
    assert counts["upstream_failed"] > 0
    assert counts["success"] > 0
    assert types["backfill"] > 0
    conn.close()


def test_year_runs_are_the_schedule(year: dict[str, Any]) -> None:
    check_schedule(year["path"], year["dags"], *YEAR)
    assert check_reachable(year["path"], year["dags"]) > 2000


def test_year_crosses_both_dst_transitions(year: dict[str, Any]) -> None:
    """The nightly Berlin run covers 23 hours in March and 25 hours in October.

    (Keys are UTC dates of the logical date: 02:30 CEST on October 25 is 00:30 UTC on the
    24th's interval start, which then runs to 02:30 CET, 01:30 UTC.)
    """
    runs, _ = _rows(year["path"], "nightly_berlin")
    spans = {
        r["logical_date"][:10]: datetime.fromisoformat(r["data_interval_end"])
        - datetime.fromisoformat(r["data_interval_start"])
        for r in runs
    }
    assert spans["2026-03-29"] == timedelta(hours=23)
    assert spans["2026-10-24"] == timedelta(hours=25)
    assert sum(1 for s in spans.values() if s != timedelta(hours=24)) == 2


# -- crash safety and races ----------------------------------------------------------------
@pytest.fixture(scope="module")
def window(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    start, end = WINDOW
    dags = ss.default_dags(start)
    script = ss.build_script(dags, start=start, end=end, seed=7)
    path = _fresh(tmp_path_factory.mktemp("window") / "reference.db")
    began = time.perf_counter()
    stats = harness.run_once(path, dags, script)
    writes = sum(n for kind, n in stats.items() if not kind.startswith("conflicts"))
    return {"dags": dags, "script": script, "reference": _dump(path), "path": path,
            "seconds": time.perf_counter() - began, "dir": Path(path).parent, "writes": writes}


def test_window_reference_is_reachable(window: dict[str, Any]) -> None:
    check_schedule(window["path"], window["dags"], *WINDOW)
    assert check_reachable(window["path"], window["dags"]) > 300


def test_sigkill_at_random_points_changes_nothing(window: dict[str, Any]) -> None:
    """Hundreds of SIGKILLs, each followed by a restart: three fresh
    `python -m sqlite_scheduler` interpreters and twenty forks killed by a timer, then
    forks killed at seeded writes and phases.  The database ends row for row like the
    run that was never killed."""
    path = _fresh(window["dir"] / "crash.db")
    report = harness.crash_run(
        path, window["dags"], window["script"], seed=1000,
        writes_per_life=window["writes"] // (KILLS + 50) + 1,
        timer_life=window["seconds"] / (KILLS + 50),
        # a fresh interpreter lives long enough to start and write a little, never to
        # finish the window on a quiet machine (which would leave too few point kills)
        exec_life=(0.2, 0.2 + min(0.6, window["seconds"] / 20)),
    )
    print(f"window reference run: {window['seconds']:.1f} s, {window['writes']} writes")
    print(f"\nSIGKILLs survived: {report.total} {report.kills} in {report.lives} lives")
    assert _dump(path) == window["reference"]
    check_reachable(path, window["dags"])
    assert report.total >= KILLS
    assert report.kills.get("exec", 0) + report.kills.get("timer", 0) >= 1


@pytest.fixture(scope="module")
def race_window(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    start, end = RACE
    dags = ss.default_dags(start)
    script = ss.build_script(dags, start=start, end=end, seed=11)
    path = _fresh(tmp_path_factory.mktemp("race") / "reference.db")
    harness.run_once(path, dags, script)
    return {"dags": dags, "script": script, "reference": _dump(path), "dir": Path(path).parent}


def test_two_schedulers_never_create_a_run_twice(race_window: dict[str, Any]) -> None:
    """Two processes race for every step on one file; the losers re-plan, and the
    database ends as if one scheduler had run."""
    path = _fresh(race_window["dir"] / "race.db")
    store = ss.SqliteStore(path)
    store.initialize([d.dag_id for d in race_window["dags"]], race_window["script"].start)
    store.close()
    outputs = harness.race(path, race_window["script"], processes=2)
    stats = [json.loads(out) for out in outputs]
    print(f"\nrace: {stats}")
    assert sum(s.get("conflicts", 0) for s in stats) > 0
    assert _dump(path) == race_window["reference"]
    check_schedule(path, race_window["dags"], *RACE)


def test_the_loser_of_an_insert_race_replans(tmp_path: Path) -> None:
    """Deterministically: two connections plan the same catchup from the same rows; the
    unique key refuses the second insert, nothing of it is written, and planning again
    finds nothing to do."""
    start = datetime(2026, 3, 1, tzinfo=UTC)
    dag = ss.default_dags(start)[0]
    path = _fresh(tmp_path / "two.db")
    a, b = ss.SqliteStore(path), ss.SqliteStore(path)
    a.initialize([dag.dag_id], start)
    now = start + timedelta(days=3)

    def plan(store: ss.SqliteStore) -> timetable.Changeset:
        return timetable.plan_catchup(
            dag.schedule, runs=store.catchup_runs(dag.dag_id), restriction=dag.restriction,
            now=now, max_active_runs=None,
        ).changeset()

    first, second = plan(a), plan(b)
    assert len(first.runs_to_insert) == 2
    tasks = [(t.task_id, t.retries) for t in dag.graph]
    with ss.store.write_transaction(a.conn):
        ss.apply_changeset(a.conn, dag.dag_id, first, now=now, task_instances_for_new_runs=tasks)
    before = b.dump()
    with pytest.raises(ss.Conflict, match="UNIQUE"), ss.store.write_transaction(b.conn):
        ss.apply_changeset(b.conn, dag.dag_id, second, now=now, task_instances_for_new_runs=tasks)
    assert b.dump() == before
    assert plan(b).is_empty
    a.close()
    b.close()


def test_a_stale_update_is_refused_and_rolled_back(tmp_path: Path) -> None:
    """A changeset whose before-values no longer match writes nothing at all, even when
    its first rows still match."""
    start = datetime(2026, 3, 1, tzinfo=UTC)
    dag = ss.default_dags(start)[1]
    path = _fresh(tmp_path / "stale.db")
    store = ss.SqliteStore(path)
    store.initialize([dag.dag_id], start)
    now = start + timedelta(days=1)
    created = timetable.plan_catchup(
        dag.schedule, runs=store.catchup_runs(dag.dag_id), restriction=dag.restriction, now=now
    ).changeset()
    tasks = [(t.task_id, t.retries) for t in dag.graph]
    with ss.store.write_transaction(store.conn):
        ss.apply_changeset(store.conn, dag.dag_id, created, now=now,
                           task_instances_for_new_runs=tasks)
    runs, tis = store.active(dag.dag_id)
    script = ss.build_script([dag], start=start, end=now)
    step = ss.execute(dag, timetable.RunHistory(runs=runs, task_instances=tis), script)
    assert len(step.runs_to_update) == 4
    with ss.store.write_transaction(store.conn):
        ss.apply_changeset(store.conn, dag.dag_id, step, now=now)
    before = store.dump()
    with pytest.raises(ss.Conflict, match="no longer"), ss.store.write_transaction(store.conn):
        ss.apply_changeset(store.conn, dag.dag_id, step, now=now)
    assert store.dump() == before
    store.close()


def test_the_host_maps_no_rows_to_records() -> None:
    """The claim on the how-to page: outside the applier's `_sql`, the host builds no
    record from a row, no row from a record, and parses no stored datetime of a run or
    task instance (the one `fromisoformat` reads the host's own cursor row)."""
    package = ROOT / "examples" / "sqlite_scheduler"
    host = ["scheduler.py", "store.py", "dags.py", "script.py", "__main__.py"]
    forbidden = ("RunRecord(", "TaskInstanceRecord(", "RunInsert(", "to_record(", ".to_dict(",
                 "json.loads", "DataInterval(")
    for name in host:
        text = (package / name).read_text()
        for token in forbidden:
            assert token not in text, (name, token)
    store = (package / "store.py").read_text()
    applier = store[store.index("[start:applier]"):store.index("[end:applier]")]
    outside = store.replace(applier, "")
    assert "isoformat()" not in outside
    assert "json.dumps" not in outside
    assert outside.count("fromisoformat") == 1
    assert applier.count("isoformat()") == applier.count("json.dumps") == 1
