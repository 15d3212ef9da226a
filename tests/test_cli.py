"""The command line: every subcommand's table and JSON on the built-in examples, bad input."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from timetable.cli import EXAMPLES, main
from timetable.cli.registry import examples

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ["next", "runs", "manual", "catchup", "backfill", "gaps", "clear", "mark",
            "describe", "validate", "from-airflow"]


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def cli(*argv: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "timetable", *argv],
        input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=60,
    )


# -- the built-in examples, as tables and as JSON ----------------------------------------------

TABLE_CHECKS = {
    "catchup": ["32 to create, 0 skipped; stopped: caught up",
                "2015-12-01  ++++++++++++++++++++++++++++++++  2016-01-01",
                "  32  create  2016-01-01 00:00Z"],
    "next": ["next      logical date 2024-01-07 00:00Z",
             "run after 2024-01-08 00:00Z (due now"],
    "runs": ["2024-03-31 01:30Z  2024-03-31 03:30+02:00", "4 runs"],
    "manual": ["data interval 2024-01-08 08:00Z → 2024-01-08 09:00Z"],
    "backfill": ["3 to create, 1 to re-run, 4 left alone; 2 wave(s)",
                 "2024-01-01  ✓✓↻+✓▶++  2024-01-08", "reprocess  2024-01-03 00:00Z"],
    "gaps": ["10 intervals due, 5 with a run, 5 missing, 1 failed",
             "2024-01-01  ✓✓✗·✓▶····  2024-01-10", "missing          4  2024-01-07 00:00Z"],
    "clear": ["clear plan: 3 task instance(s) in 1 run(s)", "transform  ✗↻",
              "transform: failed → none"],
    "mark": ["mark plan: 3 task instance(s) in 1 run(s)", "transform: failed → success"],
    "describe": ["description  At 09:00, Monday through Friday"],
    "validate": ["valid: 0 9 * * 1-5 (CronTrigger, Europe/Berlin)"],
    "from-airflow": ["dag          daily_sales", "tasks        extract, load",
                     "description  At 06:00"],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_example_table(command: str) -> None:
    code, text = run(command, "--example")
    assert code == 0
    for line in TABLE_CHECKS[command]:
        assert line in text, f"{line!r} not in:\n{text}"


JSON_CHECKS = {
    "catchup": lambda d: d["kind"] == "catchup" and len(d["entries"]) == 32,
    "next": lambda d: d["runs"][0]["logical_date"] == "2024-01-07T00:00:00+00:00",
    "manual": lambda d: d["data_interval"]["start"] == "2024-01-08T08:00:00+00:00",
    "backfill": lambda d: d["counts"] == {"create": 3, "reprocess": 1, "skip": 4},
    "gaps": lambda d: (d["missing"], d["failed"]) == (5, 1),
    "clear": lambda d: len(d["task_instances"]) == 3,
    "mark": lambda d: d["altered"][0][1] == "transform",
    "describe": lambda d: d["timetable"]["type"] == "CronTrigger",
    "validate": lambda d: d["valid"] is True,
    "from-airflow": lambda d: d["dag_id"] == "daily_sales" and len(d["tasks"]) == 2,
}


@pytest.mark.parametrize("command", sorted(JSON_CHECKS))
def test_example_json(command: str) -> None:
    code, text = run(command, "--example", "--json")
    assert code == 0
    assert JSON_CHECKS[command](json.loads(text))


def test_runs_json_streams_one_object_per_line() -> None:
    code, text = run("runs", "--example", "--json")
    lines = text.splitlines()
    assert code == 0
    assert len(lines) == 4
    assert json.loads(lines[2])["logical_date"] == "2024-03-31T01:30:00+00:00"


def test_runs_is_lazy_on_an_unbounded_range() -> None:
    code, text = run("runs", "--schedule", "* * * * *", "--start", "2000-01-01",
                     "--now", "2030-01-01T00:00Z", "--limit", "3", "--json")
    assert code == 0
    assert len(text.splitlines()) == 3


@pytest.mark.parametrize("name", sorted(examples()))
def test_example_inputs_round_trip_through_input(name: str, tmp_path: Path) -> None:
    code, doc = run("example", name)
    assert code == 0
    path = tmp_path / "in.json"
    path.write_text(doc)
    assert run(name, "--input", str(path), "--json") == run(name, "--example", "--json")


def test_flags_alone() -> None:
    code, text = run("catchup", "--schedule", "@daily", "--timezone", "Europe/Berlin",
                     "--start", "2015-12-01", "--now", "2016-01-02T06:00Z", "--catchup")
    assert code == 0
    # a bare date is midnight in the schedule's zone; CronTrigger runs at the tick
    assert "start 2015-12-01 00:00+01:00" in text
    assert "33 to create" in text


def test_json_inputs_from_stdin() -> None:
    runs = json.dumps(EXAMPLES["gaps"]["runs"])
    proc = cli("gaps", "--schedule", "@daily", "--data-intervals", "--runs", "-",
               "--start", "2024-01-01", "--end", "2024-01-10", "--now", "2024-01-11T12:00Z",
               "--json", stdin=runs)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["missing"] == 5


def test_clear_flags_override_the_request() -> None:
    code, text = run("clear", "--example", "--only-failed", "--json")
    assert code == 0
    states = {c["task_id"]: c["state_before"] for c in json.loads(text)["task_instances"]}
    assert states == {"transform": "failed", "load": "upstream_failed",
                      "report": "upstream_failed"}


def test_mark_a_whole_run(tmp_path: Path) -> None:
    ex = EXAMPLES["mark"]
    (tmp_path / "graph.json").write_text(json.dumps(ex["graph"]))
    (tmp_path / "history.json").write_text(
        json.dumps({"runs": ex["runs"], "task_instances": ex["task_instances"]})
    )
    code, text = run("mark", "--graph", str(tmp_path / "graph.json"),
                     "--history", str(tmp_path / "history.json"),
                     "--run-id", "scheduled__2024-01-06T00:00:00+00:00", "--state", "failed",
                     "--json")
    assert code == 0
    changes = {c["task_id"]: c["state_after"] for c in json.loads(text)["task_instances"]}
    assert changes == {"transform": "failed", "load": "skipped", "report": "skipped"}


def test_catchup_policies() -> None:
    code, text = run("catchup", "--example", "--policy", "coalesce", "--json")
    assert code == 0
    entries = json.loads(text)["entries"]
    assert len(entries) == 1
    code, text = run("catchup", "--example", "--policy", "latest:3", "--json")
    assert len(json.loads(text)["entries"]) == 3


# -- help, version, the README -------------------------------------------------------------


def test_help_has_examples() -> None:
    proc = cli("--help")
    assert proc.returncode == 0
    assert "timetable catchup --example" in proc.stdout
    for command in COMMANDS:
        assert command in proc.stdout


def test_version() -> None:
    from timetable import __version__

    proc = cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"timetable {__version__}"


def test_readme_quick_start_command() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "timetable catchup --example" in readme
    proc = cli("catchup", "--example")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("example: Airflow's catchup guide")
    assert "2015-12-01  ++++++++++++++++++++++++++++++++  2016-01-01" in lines
    assert lines[-1].startswith("next: logical date 2016-01-02 00:00Z")
    assert all(len(line) <= 120 for line in lines)


# -- bad input: exit 2, one line naming the problem, never a traceback -------------------------

BAD = {
    "malformed cron": (["next", "--schedule", "61 * * * *", "--now", "2024-01-01T00:00Z"],
                       "cron='61 * * * *'"),
    "unknown zone": (["next", "--schedule", "@daily", "--timezone", "Mars/Olympus",
                      "--now", "2024-01-01T00:00Z"], "Mars/Olympus"),
    "naive date-time": (["next", "--schedule", "@daily", "--now", "2024-01-01T06:00"],
                        "--now='2024-01-01T06:00'"),
    "reversed backfill range": (["backfill", "--schedule", "@daily", "--from", "2024-02-01",
                                 "--to", "2024-01-01", "--now", "2024-03-01T00:00Z"],
                                "invalid-backfill-range"),
    "reversed gap range": (["gaps", "--schedule", "@daily", "--start", "2024-02-01",
                            "--end", "2024-01-01", "--now", "2024-03-01T00:00Z"],
                           "invalid-interval"),
    "unknown task id": (["clear", "--example", "--task", "nope"], "task_id='nope'"),
    "unknown run id": (["clear", "--example", "--task", "load", "--run-id", "r9"], "r9"),
    "missing schedule": (["next", "--now", "2024-01-01T00:00Z"], "no schedule"),
    "bad policy": (["catchup", "--example", "--policy", "sometimes"], "--policy"),
    "unreadable file": (["catchup", "--example", "--runs", "/nonexistent/runs.json"],
                        "cannot read"),
    "unknown subcommand": (["frobnicate"], "invalid choice"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_in_process(case: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv, needle = BAD[case]
    code, _ = run(*argv)
    err = capsys.readouterr().err
    assert code == 2
    assert needle in err
    if case != "unknown subcommand":  # usage errors print the usage first
        assert len(err.strip().splitlines()) == 1
        assert err.startswith(f"timetable {argv[0]}: error [")


@pytest.mark.parametrize("case", ["malformed cron", "unknown zone", "naive date-time",
                                  "reversed backfill range", "unknown task id"])
def test_bad_input_as_a_subprocess(case: str) -> None:
    argv, needle = BAD[case]
    proc = cli(*argv)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert needle in proc.stderr


@pytest.mark.parametrize(
    ("flag", "text"),
    [("--graph", '{"tasks": ['), ("--runs", "[{"), ("--input", "not json")],
)
def test_malformed_json(flag: str, text: str) -> None:
    command = "clear" if flag == "--graph" else "catchup"
    argv = [command, flag, "-"]
    if command == "catchup":
        argv += ["--schedule", "@daily", "--start", "2024-01-01", "--now", "2024-01-05T00:00Z"]
    proc = cli(*argv, stdin=text)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "is not valid JSON" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_bad_record_names_the_record(tmp_path: Path) -> None:
    runs = [dict(EXAMPLES["gaps"]["runs"][0], logical_date="yesterday")]
    path = tmp_path / "runs.json"
    path.write_text(json.dumps(runs))
    proc = cli("gaps", "--schedule", "@daily", "--runs", str(path), "--start", "2024-01-01",
               "--now", "2024-01-05T00:00Z")
    assert proc.returncode == 2
    assert "runs[0]" in proc.stderr
    assert "yesterday" in proc.stderr


def test_a_bug_exits_1_in_one_line(monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    import timetable.cli.commands.plans as cli_module

    def boom(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(cli_module, "find_gaps", boom)
    code, _ = run("gaps", "--example")
    err = capsys.readouterr().err
    assert code == 1
    assert err.strip() == (
        "timetable gaps: internal error (a bug, please report it): ZeroDivisionError: oops"
    )


def test_the_clock_is_read_only_without_now(monkeypatch: pytest.MonkeyPatch) -> None:
    import timetable.cli.inputs as cli_module

    class NoClock:
        @staticmethod
        def now(tz: object = None) -> None:
            raise AssertionError("the clock was read")

        fromisoformat = staticmethod(cli_module.datetime.fromisoformat)
        fromtimestamp = staticmethod(cli_module.datetime.fromtimestamp)

    monkeypatch.setattr(cli_module, "datetime", NoClock)
    assert run("catchup", "--example")[0] == 0


# -- the console examples of the docs are real -----------------------------------------------

CONSOLE = re.compile(r"^```console\n(\$ timetable [^\n]*)\n((?:(?!^\$ )(?!^```).*?\n)*?)^```", re.M)
DOC_PAGES = ["docs/howto/cli.md", "docs/getting-started.md", "README.md"]


def _console_examples() -> list[tuple[str, str, str]]:
    found = []
    for page in DOC_PAGES:
        text = (ROOT / page).read_text(encoding="utf-8")
        for command, output in CONSOLE.findall(text):
            if output.strip():
                found.append((page, command, output))
    return found


@pytest.mark.parametrize(("page", "command", "output"), _console_examples(),
                         ids=lambda v: v if isinstance(v, str) and v.startswith("$") else "")
def test_docs_console_examples(page: str, command: str, output: str, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a command may write a file (--svg)
    argv = shlex.split(command[2:])[1:]
    buf = io.StringIO()
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        main(argv, out=buf)
    got = (buf.getvalue() + err.getvalue()).splitlines()
    want = [line for line in output.splitlines() if line.strip() != "…"]
    it = iter(got)
    for line in want:  # in order; "…" stands for lines left out
        assert any(g.rstrip() == line.rstrip() for g in it), f"{page}: {line!r} not in output"


RECIPE = re.compile(r"^```console\n((?:\$ [^\n]*\n(?:(?!\$ |```)[^\n]*\n)*){2,})```", re.M)


def _recipes() -> list[tuple[str, str]]:
    found = []
    for page in ["docs/howto/migrate-from-airflow.md", *DOC_PAGES]:
        for block in RECIPE.findall((ROOT / page).read_text(encoding="utf-8")):
            found.append((page, block))
    return found


@pytest.mark.parametrize(("page", "block"), _recipes())
def test_shell_recipes_run_as_written(page: str, block: str, tmp_path: Path) -> None:
    """Blocks of several ``$`` commands run in a shell, one after the other, in one folder."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    steps = re.split(r"^\$ ", block, flags=re.M)[1:]
    for step in steps:
        command, _, expected = step.partition("\n")
        proc = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, f"{page}: {command}: {proc.stderr}"
        got = [line.rstrip() for line in proc.stdout.splitlines()]
        assert got == [line.rstrip() for line in expected.splitlines()], f"{page}: {command}"


def test_the_migration_guide_has_a_shell_recipe() -> None:
    assert any(page.endswith("migrate-from-airflow.md") for page, _ in _recipes())


def test_there_are_console_examples() -> None:
    assert len(_console_examples()) >= 10


def test_cli_reference_page_is_generated_from_the_parser() -> None:
    from timetable.cli import reference_markdown

    page = (ROOT / "docs/reference/cli.md").read_text(encoding="utf-8")
    assert page == reference_markdown(), (
        "regenerate: python -c \"from timetable.cli import reference_markdown; "
        "open('docs/reference/cli.md', 'w').write(reference_markdown())\""
    )


def test_every_error_code_is_documented() -> None:
    import inspect

    import timetable.errors as errors

    page = (ROOT / "docs/reference/errors.md").read_text(encoding="utf-8")
    for _, cls in inspect.getmembers(errors, inspect.isclass):
        if issubclass(cls, errors.TimetableError):
            assert f"| `{cls.code}` | `{cls.__name__}` |" in page, cls.__name__
