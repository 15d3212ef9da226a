"""Big work on the command line: ``--json-lines``, ``--limit``, ``--summary``, progress on a
terminal only, and a stream that can be cut off after its first line."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from timetable import schemas
from timetable.cli import main

ROOT = Path(__file__).resolve().parents[1]

#: Ten years of an every-minute schedule: 5,258,881 intervals, more than one plan holds.
HUGE = ["backfill", "--schedule", "* * * * *", "--from-date", "2014-01-01",
        "--to-date", "2024-01-01", "--now", "2026-01-01T00:00Z"]


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def lines(text: str) -> list[dict[str, Any]]:
    docs = [json.loads(line) for line in text.splitlines()]
    for doc in docs:
        schemas.validate(doc)
    return docs


def _entries_of(command: str) -> list[dict[str, Any]]:
    code, text = run(command, "--example", "--json")
    assert code == 0
    doc = json.loads(text)
    return doc["gaps"] if command == "gaps" else doc["entries"]


@pytest.mark.parametrize(("command", "kind"), [("catchup", "catchup_entry"),
                                               ("backfill", "backfill_entry"), ("gaps", "gap")])
def test_json_lines_are_the_plan_entries_one_per_line(command: str, kind: str) -> None:
    code, text = run(command, "--example", "--json-lines")
    assert code == 0
    docs = lines(text)
    assert {d["kind"] for d in docs} == {kind}
    assert all(d["version"] == 1 for d in docs)
    assert [{k: v for k, v in d.items() if k not in ("version", "kind")} for d in docs] == (
        _entries_of(command)
    )


@pytest.mark.parametrize("command", ["backfill", "gaps"])
def test_limit_cuts_the_stream_and_the_table(command: str) -> None:
    code, text = run(command, "--example", "--json-lines", "--limit", "2")
    assert code == 0
    assert lines(text) == lines(run(command, "--example", "--json-lines")[1])[:2]
    code, table = run(command, "--example", "--limit", "1")
    assert code == 0
    assert "--limit 1" in table


def test_catchup_limit_is_the_planners_limit() -> None:
    code, text = run("catchup", "--example", "--json-lines", "--limit", "3")
    assert code == 0
    assert [d["action"] for d in lines(text)] == ["create"] * 3
    code, text = run("catchup", "--example", "--json", "--limit", "3")
    assert json.loads(text)["stopped"] == "limit reached"


@pytest.mark.parametrize("command", ["catchup", "backfill", "gaps"])
def test_a_huge_limit_is_no_limit(command: str) -> None:
    code, text = run(command, "--example", "--json-lines", "--limit", "9" * 30)
    assert code == 0
    assert text == run(command, "--example", "--json-lines")[1]


@pytest.mark.parametrize("command", ["catchup", "backfill", "gaps"])
def test_summary_counts_what_the_plan_holds(command: str) -> None:
    code, text = run(command, "--example", "--summary", "--json")
    assert code == 0
    (summary,) = lines(text)
    assert summary["kind"] == f"{command}_summary"
    plan = json.loads(run(command, "--example", "--json")[1])
    if command == "gaps":
        assert {k: summary[k] for k in ("expected", "present", "missing", "failed")} == {
            k: plan[k] for k in ("expected", "present", "missing", "failed")}
        assert summary["ranges"] == len(plan["gaps"])
    else:
        entries = plan["entries"]
        assert summary["entries"] == len(entries)
        for action in ("create", "reprocess", "skip"):
            assert summary["counts"][action] == sum(e["action"] == action for e in entries)
        assert summary["first_logical_date"] == min(e["logical_date"] for e in entries)
    code, table = run(command, "--example", "--summary")
    assert code == 0
    assert table.strip()
    assert "{" not in table


def test_summary_of_a_huge_backfill() -> None:
    code, text = run(*HUGE, "--summary", "--json")
    assert code == 0
    (summary,) = lines(text)
    assert summary["counts"] == {"create": 5_258_881, "reprocess": 0, "skip": 0}
    assert summary["last_logical_date"] == "2024-01-01T00:00:00+00:00"


def test_summaries_of_a_huge_catchup_and_its_gaps_are_counted_not_walked() -> None:
    """Ten years of minutes: the counts come from the interval index (walking them
    took about 45 s for catchup); a walk would be far too slow for this test."""
    every_minute = ["--schedule", "* * * * *", "--start", "2014-01-01"]
    code, text = run("catchup", *every_minute, "--catchup", "--now", "2024-01-01T00:00Z",
                     "--summary", "--json")
    assert code == 0
    (summary,) = lines(text)
    assert summary["counts"] == {"create": 5_258_881, "reprocess": 0, "skip": 0}
    assert summary["stopped"] == "caught up"
    assert summary["next_run"]["logical_date"] == "2024-01-01T00:01:00+00:00"
    code, text = run("gaps", *every_minute, "--end", "2024-01-01", "--now",
                     "2026-01-01T00:00Z", "--summary", "--json")
    assert code == 0
    (summary,) = lines(text)
    assert (summary["expected"], summary["missing"], summary["ranges"]) == (
        5_258_881, 5_258_881, 1)


def test_a_huge_plan_as_one_document_is_refused_with_the_way_out(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _ = run(*HUGE, "--json")
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("timetable backfill: error [plan-too-large]: ")
    assert "--json-lines" in err
    assert len(err.strip().splitlines()) == 1


def test_a_huge_table_streams() -> None:
    code, text = run(*HUGE, "--limit", "2")
    assert code == 0
    assert "5258881 to create" in text
    assert "backfill__2014-01-01T00:01:00+00:00" in text


def test_a_long_catchup_table_streams() -> None:
    code, text = run("catchup", "--schedule", "* * * * *", "--start", "2024-01-01", "--catchup",
                     "--now", "2024-01-21T00:00Z")
    lines_ = text.splitlines()
    assert code == 0
    assert "streamed" in lines_[0]
    assert lines_[3].split()[:3] == ["1", "create", "2024-01-01"]
    assert lines_[-1] == "28801 to create, 0 skipped; stopped: caught up"


BAD = [
    (["backfill", "--example", "--limit", "-1"], "--limit='-1'"),
    (["backfill", "--example", "--limit", "x"], "--limit='x'"),
    (["backfill", "--example", "--limit", "0"], "--limit='0'"),
    (["gaps", "--example", "--json-lines", "--limit", "x"], "--limit='x'"),
    (["catchup", "--example", "--limit", "-1"], "--limit='-1'"),
    (["catchup", "--example", "--limit", "x"], "--limit='x'"),
    (["backfill", "--example", "--json-lines", "--summary"], "--summary"),
    (["backfill", "--example", "--json-lines", "--json"], "--json"),
    (["backfill", "--example", "--json", "--limit", "2"], "--json-lines --limit N"),
    (["catchup", "--example", "--summary", "--svg", "-"], "--svg"),
]


@pytest.mark.parametrize(("argv", "needle"), BAD, ids=lambda v: " ".join(v) if isinstance(v, list) else v)
def test_bad_values_are_one_line_usage_errors(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(*argv)
    err = capsys.readouterr().err
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(f"timetable {argv[0]}: error [usage]: ")
    assert needle in err
    assert "internal error" not in err


def _cli(*argv: str, **kwargs: Any) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "timetable", *argv], cwd=ROOT, env=env,
                            text=True, **kwargs)


def test_the_first_line_of_a_huge_stream_comes_before_the_end() -> None:
    """Read one line of a 5-million-entry stream, then kill it: it need not finish."""
    proc = _cli(*HUGE, "--json-lines", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        first = json.loads(proc.stdout.readline())
        assert first["kind"] == "backfill_entry"
        assert first["sort_ordinal"] == 1
        assert first["run_id"] == "backfill__2014-01-01T00:00:00+00:00"
        assert proc.poll() is None  # still streaming
    finally:
        proc.kill()
        proc.communicate(timeout=60)


def test_no_progress_bar_when_stderr_is_not_a_terminal() -> None:
    proc = _cli(*HUGE, "--json-lines", "--limit", "210000", stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0
    assert err == ""


def test_progress_bar_only_on_a_terminal() -> None:
    from timetable.cli.stream import Progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    pytest.importorskip("rich")
    tty, pipe = Tty(), io.StringIO()
    items = range(300_000)
    assert sum(Progress(300_000, "work", stream=tty).track(items)) == sum(items)
    assert sum(Progress(300_000, "work", stream=pipe).track(items)) == sum(items)
    assert tty.getvalue()  # the bar was drawn (and cleared)
    assert pipe.getvalue() == ""
    short = Tty()
    assert list(Progress(10, "work", stream=short).track(range(10))) == list(range(10))
    assert short.getvalue() == ""  # short work draws nothing


# -- clear and mark: --json-lines, --limit, --summary ------------------------------------------
TASK_COMMANDS = [("clear", "clear"), ("mark", "mark")]


@pytest.mark.parametrize(("command", "kind"), TASK_COMMANDS)
def test_task_plan_lines_are_its_changes_then_its_runs(command: str, kind: str) -> None:
    plan = json.loads(run(command, "--example", "--json")[1])
    code, text = run(command, "--example", "--json-lines")
    assert code == 0
    docs = lines(text)
    strip = [{k: v for k, v in d.items() if k not in ("version", "kind")} for d in docs]
    n = len(plan["task_instances"])
    assert [d["kind"] for d in docs] == (
        ["task_instance_change"] * n + ["run_change"] * len(plan["runs"])
    )
    assert strip == plan["task_instances"] + plan["runs"]
    code, text = run(command, "--example", "--json-lines", "--limit", "2")
    assert code == 0
    assert lines(text) == docs[:2]


@pytest.mark.parametrize(("command", "kind"), TASK_COMMANDS)
def test_task_plan_summary_counts_the_plan(command: str, kind: str) -> None:
    plan = json.loads(run(command, "--example", "--json")[1])
    code, text = run(command, "--example", "--summary", "--json")
    assert code == 0
    (doc,) = lines(text)
    assert doc["kind"] == "task_plan_summary"
    assert doc["plan"] == kind
    assert doc["task_instances"] == len(plan["task_instances"])
    assert doc["runs"] == len({c["run_id"] for c in plan["task_instances"]})
    assert doc["run_changes"] == len(plan["runs"])
    assert doc["state_counts"] == plan["state_counts"]
    code, text = run(command, "--example", "--summary")
    assert code == 0
    assert text.startswith(f"{kind} plan: {doc['task_instances']} task instance(s)")


def test_mark_run_has_the_flags_too(tmp_path: Path) -> None:
    doc = json.loads(run("example", "mark")[1])
    doc.pop("request")  # no task: the whole run is marked (a mark-run plan)
    (tmp_path / "in.json").write_text(json.dumps(doc))
    argv = ["mark", "--input", str(tmp_path / "in.json"), "--run-id",
            "scheduled__2024-01-03T00:00:00+00:00", "--state", "success"]
    plan = json.loads(run(*argv, "--json")[1])
    assert plan["kind"] == "mark_run"
    code, text = run(*argv, "--summary", "--json")
    assert code == 0, text
    (summary,) = lines(text)
    assert summary["plan"] == "mark_run"
    assert summary["task_instances"] == len(plan["task_instances"])
    code, text = run(*argv, "--json-lines")
    assert code == 0
    assert len(lines(text)) == len(plan["task_instances"]) + len(plan["runs"])


def test_clear_limit_cuts_the_table_and_keeps_the_counts() -> None:
    code, full = run("clear", "--example")
    code, table = run("clear", "--example", "--limit", "1")
    assert code == 0
    assert "(the first 1 of 4 changes: --limit 1)" in table
    assert table.splitlines()[-1] == full.splitlines()[-1]  # the state counts line
    assert len(table.splitlines()) < len(full.splitlines())


@pytest.mark.parametrize("argv", [
    ["clear", "--example", "--json", "--limit", "2"],
    ["clear", "--example", "--json-lines", "--summary"],
    ["mark", "--example", "--json-lines", "--json"],
])
def test_task_plan_flag_conflicts_are_usage_errors(argv: list[str]) -> None:
    code, _ = run(*argv)
    assert code == 2


def test_a_large_clear_streams_and_counts(tmp_path: Path) -> None:
    """60 tasks x 400 runs (24,000 task instances), every task cleared: the summary counts
    them without the grid, and --json-lines --limit writes only the first lines."""
    from datetime import UTC, datetime, timedelta

    tasks = [{"task_id": f"t{i:02d}", **({"upstream": [f"t{i - 1:02d}"]} if i else {})}
             for i in range(60)]
    day = timedelta(days=1)
    t0 = datetime(2020, 1, 1, tzinfo=UTC)
    runs, tis = [], []
    for k in range(400):
        s = t0 + k * day
        rid = f"scheduled__{s.isoformat()}"
        runs.append({"run_id": rid, "run_type": "scheduled", "logical_date": s.isoformat(),
                     "data_interval_start": s.isoformat(),
                     "data_interval_end": (s + day).isoformat(),
                     "run_after": (s + day).isoformat(), "state": "success"})
        tis += [{"run_id": rid, "task_id": t["task_id"], "state": "success"} for t in tasks]
    (tmp_path / "graph.json").write_text(json.dumps({"tasks": tasks}))
    (tmp_path / "history.json").write_text(json.dumps({"runs": runs, "task_instances": tis}))
    base = ["clear", "--graph", str(tmp_path / "graph.json"),
            "--history", str(tmp_path / "history.json"), "--start-date", "2020-01-01",
            "--end-date", "2021-12-31"]
    code, text = run(*base, "--summary", "--json")
    assert code == 0, text
    (doc,) = lines(text)
    assert (doc["task_instances"], doc["runs"], doc["run_changes"]) == (24_000, 400, 400)
    code, text = run(*base, "--json-lines", "--limit", "5")
    assert code == 0
    assert [d["kind"] for d in lines(text)] == ["task_instance_change"] * 5
