"""The command line for people: Airflow's spellings, errors with codes, ASCII, colour, folders."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from timetable.cli import EXAMPLES, build_parser, main
from timetable.cli.registry import commands, examples
from timetable.cli.render import Console, console

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_COMMANDS = sorted(examples())


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


# -- Airflow's spellings give the same answers as ours ---------------------------------------

BACKFILL = ["backfill", "--example", "--json"]
CLEAR = ["clear", "--example", "--json"]
NOSEL = ["clear", "--input", "tests/data/cli/clear-no-selector.json", "--json"]
SPELLINGS = {
    "from/to": ([*BACKFILL, "--from-date", "2024-01-02", "--to-date", "2024-01-05"],
                [*BACKFILL, "--from", "2024-01-02", "--to", "2024-01-05"]),
    "reprocess": ([*BACKFILL, "--reprocess-behavior", "completed"],
                  [*BACKFILL, "--reprocess", "completed"]),
    "backwards": ([*BACKFILL, "--run-backwards"], [*BACKFILL, "--backwards"]),
    "conf": ([*BACKFILL, "--dag-run-conf", '{"a": 1}'], [*BACKFILL, "--conf", '{"a": 1}']),
    "task regex": ([*NOSEL, "-t", "^trans"], [*NOSEL, "--task-pattern", "^trans", "--regex"]),
    "task regex long": ([*NOSEL, "--task-regex", "form$"],
                        [*NOSEL, "--task-pattern", "form$", "--regex"]),
    "upstream": ([*CLEAR, "-u"], [*CLEAR, "--upstream"]),
    "downstream": ([*CLEAR, "-d", "--task", "extract", "--run-id", "scheduled__2024-01-06T00:00:00+00:00"],
                   [*CLEAR, "--downstream", "--task", "extract", "--run-id", "scheduled__2024-01-06T00:00:00+00:00"]),
    "only failed": ([*CLEAR, "-f"], [*CLEAR, "--only-failed"]),
    "only running": ([*CLEAR, "-r", "--run-id", "scheduled__2024-01-06T00:00:00+00:00"],
                     [*CLEAR, "--only-running", "--run-id", "scheduled__2024-01-06T00:00:00+00:00"]),
    "dates": (["clear", "--input", "tests/data/cli/clear-no-selector.json", "--json", "--task",
               "load", "-s", "2024-01-02", "-e", "2024-01-05"],
              ["clear", "--input", "tests/data/cli/clear-no-selector.json", "--json", "--task",
               "load", "--start", "2024-01-02", "--end", "2024-01-05"]),
    "yes": ([*CLEAR, "-y"], CLEAR),
    "start-date": (["catchup", "--example", "--json", "--start-date", "2015-12-20"],
                   ["catchup", "--example", "--json", "--start", "2015-12-20"]),
    "num executions": (["next", "--example", "--json", "-n", "3"],
                       ["next", "--example", "--json", "--num-executions", "3"]),
}


@pytest.mark.parametrize("case", sorted(SPELLINGS))
def test_airflow_spelling_gives_our_answer(case: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    airflow, ours = SPELLINGS[case]
    airflow = [str(ROOT / a) if a.startswith("tests/") else a for a in airflow]
    ours = [str(ROOT / a) if a.startswith("tests/") else a for a in ours]
    got_airflow, got_ours = run(*airflow), run(*ours)
    assert got_airflow[0] == 0, capsys.readouterr().err
    assert got_airflow == got_ours
    assert json.loads(got_airflow[1])["kind"]


def test_airflow_flags_change_the_answer() -> None:
    """The pairs above are not vacuous: the flags do something."""
    assert run(*BACKFILL, "--run-backwards") != run(*BACKFILL)
    assert run(*CLEAR, "-f") != run(*CLEAR, "-u")


def test_every_spelling_of_the_reference_table_parses() -> None:
    parser = build_parser()
    for argv in (
        ["next", "-n", "5"], ["backfill", "--from-date", "x", "--to-date", "y",
                              "--reprocess-behavior", "failed", "--run-backwards",
                              "--max-active-runs", "2", "--dry-run", "--dag-run-conf", "{}"],
        ["clear", "-t", "x", "-u", "-d", "-f", "-r", "-s", "a", "-e", "b", "-y", "-R",
         "--dags", "d", "--dag-id", "x"],
    ):
        parser.parse_args(argv)


def test_next_five_runs_with_local_times() -> None:
    code, text = run("next", "--schedule", "0 9 * * 1-5", "--timezone", "Europe/Berlin",
                     "-n", "5", "--now", "2024-03-29T12:00Z")
    assert code == 0
    rows = [line for line in text.splitlines() if line.split()[:1] != [] and line.split()[0].isdigit() and "Z" in line]
    assert len(rows) == 5
    assert "in Europe/Berlin" in text
    # 09:00 local on both sides of the spring-forward weekend
    assert "2024-03-29 09:00+01:00" in rows[0]
    assert "2024-04-01 09:00+02:00" in rows[1]
    assert text.rstrip().endswith("5 runs")


def test_now_means_the_current_time() -> None:
    code, text = run("next", "--schedule", "@hourly", "--now", "now", "--json")
    assert code == 0
    assert json.loads(text)["runs"]
    code, text = run("runs", "--schedule", "@daily", "--start", "now", "-n", "2", "--json")
    assert code == 0
    assert len(text.splitlines()) == 2


def test_catchup_is_off_by_default() -> None:
    argv = ["catchup", "--schedule", "@daily", "--start", "2024-01-01",
            "--now", "2024-01-10T06:00Z", "--json"]
    assert len(json.loads(run(*argv)[1])["entries"]) == 1
    assert len(json.loads(run(*argv, "--catchup")[1])["entries"]) == 10


def test_dst_flags() -> None:
    argv = ["runs", "--example", "--json"]
    base = [json.loads(line)["logical_date"] for line in run(*argv)[1].splitlines()]
    skip = [json.loads(line)["logical_date"] for line in
            run(*argv, "--dst-gap", "skip")[1].splitlines()]
    assert len(skip) == len(base) - 1  # 02:30 on 2024-03-31 does not exist in Berlin
    code, _ = run("runs", "--schedule", "6h", "--start", "2024-01-01", "--dst-gap", "skip")
    assert code == 2


# -- errors for people -------------------------------------------------------------------------


def test_unknown_flag_shows_the_subcommand_usage_and_a_suggestion(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _ = run("runs", "--example", "--lmit", "3")
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("usage: timetable runs ")
    assert err.rstrip().splitlines()[-1] == (
        "timetable runs: error [usage]: unrecognized arguments: --lmit (did you mean --limit?), 3"
    )


def test_bad_choice_names_the_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run("backfill", "--example", "--reprocess-behavior", "all")
    err = capsys.readouterr().err
    assert code == 2
    assert "timetable backfill: error [usage]: argument --reprocess-behavior" in err


def test_every_flag_has_help() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    missing = []
    for name, p in sub.choices.items():
        for action in p._actions:
            if action.help is None or not action.help.strip():
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}")
    assert missing == []


def test_every_command_is_registered_once() -> None:
    names = [c.name for c in commands()]
    assert len(names) == len(set(names))
    assert {"next", "clear", "example"} <= set(names)


def test_clear_without_a_selector_says_it_selects_every_task(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _ = run("clear", "--example", "--json")
    assert code == 0
    assert "every task is selected" not in capsys.readouterr().err  # the example has one
    path = ROOT / "tests/data/cli/clear-no-selector.json"
    code, _ = run("clear", "--input", str(path), "--json")
    assert code == 0
    assert "no task selector" in capsys.readouterr().err


def test_backfill_says_when_intervals_after_now_were_left_out() -> None:
    code, text = run("backfill", "--schedule", "@daily", "--data-intervals", "--from-date",
                     "2024-01-01", "--to-date", "2024-01-31", "--now", "2024-01-10T12:00Z")
    assert code == 0
    assert ("left out: the intervals from logical date 2024-01-10 00:00Z on end after now "
            "(2024-01-10 12:00Z)") in text
    code, text = run("backfill", "--example")
    assert "left out" not in text


def test_from_airflow_without_a_start_says_why_there_is_no_plan(tmp_path: Path) -> None:
    dag = json.loads(json.dumps(EXAMPLES["from-airflow"]["dag"]))
    del dag["dag"]["start_date"]
    path = tmp_path / "dag.json"
    path.write_text(json.dumps(dag))
    code, text = run("from-airflow", str(path), "--now", "2024-03-31T09:00Z")
    assert code == 0
    assert "no plan: the DAG has no start_date" in text
    code, text = run("from-airflow", str(path), "--now", "2024-03-31T09:00Z", "--json")
    assert "no start_date" in json.loads(text)["no_plan_reason"]


# -- bad input files: one line with a code, never an internal error ----------------------------

BAD_FILES: dict[str, bytes] = {
    "empty": b"",
    "malformed": b'{"runs": [',
    "nan": b'{"schedule": "@daily", "now": NaN}',
    "not utf-8": b'{"schedule": "\xff\xfe"}',
    "deeply nested": b"[" * 100_000 + b"]" * 100_000,
    "wrong shape": b'[1, 2, 3]',
    "wrong types": (b'{"schedule": 5, "runs": "x", "graph": 3, "history": [], "request": 1,'
                    b' "limit": "x", "start": [], "now": {}, "task_instances": 7}'),
    "huge timestamp": b'{"schedule": "@daily", "start": 1e300, "now": 1e300}',
}
COMMAND_FLAGS = {c: "--input" for c in EXAMPLE_COMMANDS if c != "example"}


@pytest.mark.parametrize("content", sorted(BAD_FILES))
@pytest.mark.parametrize("command", sorted(COMMAND_FLAGS))
def test_bad_input_files_give_one_line_with_a_code(
    command: str, content: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.json"
    path.write_bytes(BAD_FILES[content])
    code, _ = run(command, "--input", str(path), "--now", "2024-01-01T00:00Z")
    err = capsys.readouterr().err
    if content == "huge timestamp" and command in ("describe", "validate", "manual"):
        assert (code, err) == (0, "")  # they read no instant but --now
        return
    assert code == 2, err
    assert "internal error" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"timetable {command}: error [")


@pytest.mark.parametrize("flag", ["--runs", "--input"])
def test_closed_stdin(flag: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "timetable", "gaps", "--schedule", "@daily", "--start",
         "2024-01-01", "--now", "2024-01-05T00:00Z", flag, "-"],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
        stdin=subprocess.DEVNULL, preexec_fn=lambda: os.close(0),
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        f"timetable gaps: error [unreadable-input]: {flag}: standard input is closed"
    )


# -- output for every terminal -----------------------------------------------------------------


class _Stream(io.TextIOWrapper):
    def __init__(self, encoding: str, tty: bool = False) -> None:
        super().__init__(io.BytesIO(), encoding=encoding, errors="strict")
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty

    def text(self) -> str:
        self.flush()
        return self.buffer.getvalue().decode(self.encoding)  # type: ignore[attr-defined]


@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
@pytest.mark.parametrize("command", EXAMPLE_COMMANDS)
def test_every_example_in_a_narrow_encoding(
    command: str, encoding: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = _Stream(encoding)
    monkeypatch.setattr(sys, "stdout", stream)
    argv = [command, "clear"] if command == "example" else [command, "--example"]
    assert main(argv) == 0
    text = stream.text()
    assert text.strip()
    assert text.isascii() or encoding == "cp1252"
    assert all(ch not in text for ch in "✓✗▶↻⊘→")


@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
def test_narrow_encoding_as_a_process(encoding: str) -> None:
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    for command in ("backfill", "clear", "gaps"):
        proc = subprocess.run([sys.executable, "-m", "timetable", command, "--example"],
                              capture_output=True, cwd=ROOT, timeout=60, env=env)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.isascii()
        assert b"internal error" not in proc.stderr


def test_json_in_a_narrow_encoding_stays_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = _Stream("ascii")
    monkeypatch.setattr(sys, "stdout", stream)
    assert main(["manual", "--example", "--json"]) == 0
    assert json.loads(stream.text())["kind"] == "manual_interval"


def test_colour_only_on_a_terminal_and_never_with_no_color() -> None:
    assert console(_Stream("utf-8", tty=False), {}).__class__ is _Stream
    assert isinstance(console(_Stream("utf-8", tty=True), {}), Console)
    assert console(_Stream("utf-8", tty=True), {"NO_COLOR": ""}).__class__ is _Stream
    assert console(_Stream("utf-8", tty=True), {"TERM": "dumb"}).__class__ is _Stream
    tty = _Stream("utf-8", tty=True)
    out = console(tty, {})
    out.write("✓ ok\n")
    assert "\x1b[32m✓\x1b[0m ok" in tty.text()


# -- clearing across a folder of serialized DAGs -----------------------------------------------

DAGS = ROOT / "tests/data/cli/dags"


def test_recursive_clear_follows_markers_from_the_serialized_dags() -> None:
    code, text = run("clear", "--dags", str(DAGS), "--dag-id", "parent", "--task", "marker",
                     "--json")
    assert code == 0
    doc = json.loads(text)
    assert doc["kind"] == "clear_recursive"
    assert [d["dag_id"] for d in doc["dags"]] == ["parent", "child"]
    assert doc["depth"] == 1
    cleared = {ti["task_id"] for ti in doc["dags"][1]["plan"]["task_instances"]}
    assert cleared == {"sensor", "load"}


def test_dag_regex_clears_in_every_matching_dag(capsys: pytest.CaptureFixture[str]) -> None:
    code, text = run("clear", "--dags", str(DAGS), "--dag-id", "^(parent|child)$", "-R",
                     "--json")
    assert code == 0
    doc = json.loads(text)
    assert doc["kind"] == "clear_dags"
    assert [d["dag_id"] for d in doc["dags"]] == ["child", "parent"]
    code, _ = run("clear", "--dags", str(DAGS), "--dag-id", "nothing", "-R")
    assert code == 2
    assert "no DAG id matches" in capsys.readouterr().err


def test_recursive_clear_as_text() -> None:
    code, text = run("clear", "--dags", str(DAGS), "--dag-id", "parent", "--task", "marker")
    assert code == 0
    assert "3 DAG(s)" in text
    assert "1 cross-DAG marker(s)" in text


HOSTILE_FLAGS = [
    ["--now", "garbage"], ["--now", "99999-01-01"], ["--start", "2024-13-01"], ["--limit", "-1"],
    ["-n", "0"], ["--max-active-runs", "0"], ["--timezone", ""],
    ["--timezone", "Europe/Berlin", "--start", "2024-03-31T02:30"],
    ["--schedule", "*/0 * * * *"], ["--schedule", "0 0 31 2 *"], ["--schedule", "99999d"],
    ["--schedule", "0s"], ["--policy", "latest:0"], ["--policy", "window:1mo"],
    ["--dag-run-conf", "[1"], ["--task", "x[abc]"], ["--task", "transform[5]"], ["-t", "("],
    ["--map-index", "-5"], ["--state", "success", "--run-id", "nope"],
    ["--last-start", "2024-01-02", "--last-end", "2024-01-01"], ["--logical-date", "x"],
    ["--from-date", "2024-01-01", "--to-date", "2024-01-01"], ["--dags", "/nonexistent"],
    ["--dst-gap", "skip"], ["--timetable", "/nonexistent.json"],
]


@pytest.mark.parametrize("command", sorted(COMMAND_FLAGS))
def test_hostile_flags_are_usage_or_input_errors(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for flags in HOSTILE_FLAGS:
        code, _ = run(command, "--example", *flags)
        err = capsys.readouterr().err
        assert code in (0, 2), (flags, err)
        assert "internal error" not in err, flags
        if code == 2:
            assert err.strip().splitlines()[-1].startswith(f"timetable {command}: error ["), flags
