"""Mutation scores of the core modules, with mutmut, one module at a time.

    .venv/bin/pip install mutmut        # not a project dependency
    .venv/bin/python scripts/mutation.py _delta _gaps      # or no argument: every module

Each module is mutated in a scratch copy of the repository (``/tmp/timetable-mutation/``,
nothing in the work tree changes) and checked against the tests listed for it in
``SELECTIONS`` (the fastest tests that exercise it: mutmut runs, per mutant, only those
of them that reach the mutated function).  Prints ``module killed/total score`` where
killed includes timeouts (a mutant that loops forever is caught) and total includes
mutants no selected test reaches.  Runs at ``nice 19``; the machine is shared.
Scores recorded in docs/design/mutation.md.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = Path(os.environ.get("TIMETABLE_MUTATION_DIR", "/tmp/timetable-mutation"))  # noqa: TID251 - a developer script

#: module -> the tests run against its mutants
SELECTIONS: dict[str, list[str]] = {
    "_delta": ["tests/unit/test_delta.py", "tests/unit/test_delta_rules.py"],
    "_gaps": [
        "tests/unit/test_gaps_rules.py",
        "tests/unit/test_planning.py::test_gaps_missing_failed_and_off_grid",
    ],
    # test_cron.py's Hypothesis differential tests take minutes per mutant: the fixed
    # table of test_cron_rules.py stands in for them
    "_cron": [
        "tests/unit/test_cron_rules.py",
        *(f"tests/unit/test_cron.py::{name}" for name in (
            "test_presets_are_airflows", "test_invalid_or_never_firing_expressions_are_rejected",
            "test_valid_unusual_expressions_are_accepted",
            "test_every_hour_flag_follows_the_hour_field",
            "test_single_value_ranges_read_as_star_like_croniter", "test_parse_is_cached",
            "test_documented_croniter_semantics", "test_search_stays_in_range",
            "test_ticker_at_the_ends_of_time",
        )),
        "tests/spec/test_dst.py",
    ],
    "_catchup": [
        "tests/unit/test_catchup_rules.py",
        "tests/unit/test_planning.py",
        "tests/spec/test_planning_cases.py",
    ],
    "_backfill": [
        "tests/unit/test_backfill_rules.py",
        "tests/unit/test_planning.py",
        "tests/spec/test_planning_cases.py",
    ],
    "_clear": [
        "tests/unit/test_clear_rules.py",
        "tests/unit/test_clear.py",
        "tests/spec/test_clear_mark_cases.py",
    ],
}


#: module -> mutant-name patterns (fnmatch) to run instead of every mutant, for modules
#: whose full run takes hours; the score is then measured on that sample only
SAMPLES: dict[str, list[str]] = {
    # the wall-clock search, day sets, tick numbering, validation and Airflow's instant
    # rules; not CronSpec.__init__ (285 mutants, every test runs against each), the
    # zoned stream (_iter_zoned), the non-default DST policies' search and the zone tables
    "_cron": [
        "timetable._cron.x_normalize_expression__mutmut_*",
        "timetable._cron.x__field_set__mutmut_*",
        "timetable._cron.x__at__mutmut_*",
        *(f"timetable._cron.xǁCronSpecǁ{name}__mutmut_*" for name in (
            "_check_fires", "_croniter_step", "_day_at", "_days_before", "_days_by_arithmetic",
            "_days_of_month", "_is_tick_day", "count_le", "is_wall_tick", "iter_days",
            "matches_wall", "next_wall", "prev_wall", "wall_at",
        )),
        *(f"timetable._cron.xǁCronTickerǁ{name}__mutmut_*" for name in (
            "__init__", "to_wall", "offset_at", "wall_offset", "_next", "_prev",
            "align_next", "align_prev", "grid_ok", "_iter_simple",
        )),
    ],
    # the request, the run and task-instance selection and the changes; not the
    # rendering, the changeset and the history index
    "_clear": [
        *(f"timetable._clear.x_{name}__mutmut_*" for name in (
            "_opt_str", "_reset_state", "_parse_instant", "_choose_runs", "_check_removed",
            "_changes", "_run_changes", "_select", "plan_clear", "_build_plan",
            "_unknown_task", "_ti_label",
        )),
        "timetable._clear.xǁClearRequestǁ*",
    ],
}


def run(module: str) -> tuple[int, int]:
    work = SCRATCH / module
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split()
    for name in files:
        if name.startswith("docs/"):
            continue
        target = work / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    with (work / "pyproject.toml").open("a") as f:
        f.write(
            "\n[tool.mutmut]\n"
            'source_paths = ["timetable"]\n'
            f'only_mutate = ["timetable/{module}.py"]\n'
            f"pytest_add_cli_args_test_selection = {json.dumps(SELECTIONS[module])}\n"
            'pytest_add_cli_args = ["-p", "no:cacheprovider", "-x", "-q"]\n'
            "timeout_multiplier = 40.0\n"  # wall-clock on a shared machine: be generous
        )
    mutmut = [sys.executable, "-m", "mutmut"]
    patterns = SAMPLES.get(module, [])
    subprocess.run(["nice", "-n", "19", *mutmut, "run", "--max-children", "1", *patterns],
                   cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    out = subprocess.run([*mutmut, "results", "--all", "true"], cwd=work,
                         capture_output=True, text=True, check=False).stdout
    statuses = [
        status for name, status in re.findall(r"^\s*(\S+): (\w+(?: \w+)?)$", out, re.M)
        if not patterns or any(fnmatch.fnmatchcase(name, p) for p in patterns)
    ]
    killed = sum(s in ("killed", "timeout") for s in statuses)
    return killed, len(statuses)


def main() -> None:
    modules = sys.argv[1:] or list(SELECTIONS)
    for module in modules:
        killed, total = run(module)
        score = 100 * killed / total if total else 0.0
        print(f"{module:10} {killed}/{total} {score:.1f} %", flush=True)


if __name__ == "__main__":
    main()
