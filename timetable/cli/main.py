"""The entry point: the parser built from the registry, error handling, the reference page."""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn, TextIO

from timetable._version import __version__
from timetable.errors import TimetableError

from .inputs import CODES, BadInput, Inputs, one_line
from .registry import commands
from .render import console

__all__ = ["AIRFLOW_SPELLINGS", "EPILOG", "build_parser", "main", "reference_markdown"]

EPILOG = """\
examples:
  timetable catchup --example
  timetable next --schedule "0 9 * * 1-5" --timezone Europe/Berlin -n 5 --now now
  timetable runs --schedule "30 2 * * *" --timezone Europe/Berlin --start 2024-03-29 --limit 5
  timetable catchup --schedule "@daily" --timezone Europe/Berlin --start 2015-12-01 \\
      --now 2016-01-02T06:00Z --catchup
  timetable backfill --example --json
  timetable example clear > clear.json && timetable clear --input clear.json --only-failed
  timetable from-airflow serialized_dag.json --now 2024-03-31T09:00Z

Dates are ISO-8601 with an offset (2016-01-02T06:00Z, 2024-03-31T03:30+02:00); a bare
date (2015-12-01) is midnight in the schedule's zone; "now" is the current time.
--now defaults to the current time; catchup is off unless --catchup (as in Airflow 3).
JSON inputs use the library's serialization format; FILE '-' reads standard input.
Exit status: 0 success, 2 bad input (one line on stderr with a code), 1 a bug.
"""


class UsageError(Exception):
    """A command-line usage problem found by the parser (exit code 2)."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(message)
        self.parser = parser


class Parser(argparse.ArgumentParser):
    """``argparse`` that raises instead of exiting, so errors get a code and a hint."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(self, message)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used to generate the CLI reference page)."""
    parser = Parser(
        prog="timetable",
        description="Airflow's scheduling answers from the shell: next runs, catchup, "
        "backfill, gaps, clear and mark plans.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"timetable {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in commands():
        p = sub.add_parser(
            command.name, help=command.help,
            description=command.description or command.help + ".",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.arguments(p)
        p.set_defaults(handler=command)
    return parser


def _subparser(parser: argparse.ArgumentParser, name: str | None) -> argparse.ArgumentParser:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and name in action.choices:
            return action.choices[name]  # type: ignore[no-any-return]
    return parser


def _did_you_mean(parser: argparse.ArgumentParser, unknown: Sequence[str]) -> str:
    """``unrecognized arguments: --lmit (did you mean --limit?)``."""
    options = [o for a in parser._actions for o in a.option_strings]
    parts = []
    for arg in unknown:
        flag = arg.split("=", 1)[0]
        close = difflib.get_close_matches(flag, options, n=1, cutoff=0.6) if flag[:1] == "-" else []
        parts.append(f"{arg} (did you mean {close[0]}?)" if close else arg)
    noun = "argument" if len(unknown) == 1 else "arguments"
    return f"unrecognized {noun}: {', '.join(parts)}"


def _prog(parser: argparse.ArgumentParser) -> str:
    return parser.prog


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line; return the exit status (0, 2 bad input, 1 a bug)."""
    stream = out if out is not None else console(sys.stdout, os.environ)
    parser = build_parser()
    args_list = list(sys.argv[1:] if argv is None else argv)
    prog = "timetable"
    try:
        try:
            args, unknown = parser.parse_known_args(args_list)
        except SystemExit as exc:  # --help / --version
            return int(exc.code or 0)
        command = args.handler
        prog = f"timetable {command.name}"
        if unknown:
            raise UsageError(_subparser(parser, command.name), _did_you_mean(
                _subparser(parser, command.name), unknown))
        return int(command.run(Inputs(args, command.example), stream))
    except UsageError as err:
        sys.stderr.write(err.parser.format_usage())
        sys.stderr.write(f"{_prog(err.parser)}: error [usage]: {one_line(str(err))}\n")
        return 2
    except TimetableError as err:
        sys.stderr.write(f"{prog}: error [{err.code}]: {one_line(str(err))}\n")
        return 2
    except BadInput as err:
        sys.stderr.write(f"{prog}: error [{err.code}]: {one_line(str(err))}\n")
        return 2
    except BrokenPipeError:  # pragma: no cover - piped into `head`
        sys.stderr.close()
        return 0
    except Exception as err:  # a bug: say so in one line
        if os.environ.get("TIMETABLE_DEBUG"):
            traceback.print_exc()
        sys.stderr.write(
            f"{prog}: internal error (a bug, please report it): "
            f"{type(err).__name__}: {one_line(str(err))}\n"
        )
        return 1


#: Airflow 3's commands and flags, and ours: (Airflow, ours, note).
AIRFLOW_SPELLINGS: tuple[tuple[str, str, str], ...] = (
    ("`airflow dags next-execution DAG_ID`", "`timetable next`", "the next run after the "
     "latest scheduled one (`--runs` gives the history)"),
    ("`-n` / `--num-executions N`", "`next -n N` / `--num-executions N`", "the next N runs"),
    ("`airflow dags trigger DAG_ID`", "`timetable manual`", "`--run-after` (default now); "
     "`--logical-date` as the REST API takes it"),
    ("`airflow backfill create --dag-id DAG_ID`", "`timetable backfill`", "plans only: "
     "nothing is created"),
    ("`--from-date` / `--to-date`", "same", "`--from` / `--to` kept as aliases"),
    ("`--reprocess-behavior {none,failed,completed}`", "same", "`--reprocess` kept as an alias"),
    ("`--run-backwards`", "same", "`--backwards` kept as an alias"),
    ("`--max-active-runs N`", "same", ""),
    ("`--dag-run-conf JSON`", "same", "`--conf` kept as an alias"),
    ("`--dry-run`", "same", "validates as Airflow's dry run does"),
    ("`--run-on-latest-version`", "none", "bundle versions are not modelled"),
    ("`airflow tasks clear DAG_ID`", "`timetable clear`", "no task selector: every task "
     "(a note on stderr says so)"),
    ("`-t` / `--task-regex REGEX`", "same", "regex search in the task id; `--task ID` and "
     "`--task-pattern TEXT` are exact and substring selectors"),
    ("`-u` / `--upstream`, `-d` / `--downstream`", "same", ""),
    ("`-f` / `--only-failed`, `-r` / `--only-running`", "same", ""),
    ("`-s` / `--start-date`, `-e` / `--end-date`", "same", "`--start` / `--end` kept as "
     "aliases"),
    ("`-y` / `--yes`", "same", "accepted; nothing is asked, since nothing is changed"),
    ("`-R` / `--dag-regex`", "`clear --dags DIR --dag-id REGEX -R`", "every DAG of the "
     "folder whose id the regex matches"),
    ("`-B` / `--bundle-name`", "`clear --dags DIR`", "a folder of serialized DAGs instead of "
     "a bundle"),
    ("`ExternalTaskMarker` (Airflow 2)", "`clear --dags DIR --dag-id ID`", "markers are read "
     "from the serialized DAGs and followed across DAGs"),
    ("`airflow dags clear DAG_ID --run-id R`", "`timetable clear --run-id R`", "`-f`, `-r`, "
     "`-y` as above"),
    ("DAG `schedule=`", "`--schedule` / `--timetable FILE`", "cron, preset, duration, "
     "`@once`, `@continuous`, `None`, or a serialized timetable or DAG"),
    ("DAG `start_date=` / `end_date=`", "`--start` / `--end` (`--start-date` / `--end-date`)",
     "a bare date is midnight in the schedule's zone; `now` is the current time"),
    ("DAG `catchup=`", "`--catchup` / `--no-catchup`", "off by default, as in Airflow 3"),
    ("DAG `max_active_runs=`", "`--max-active-runs N`", "catchup's creation gate"),
    ("`[scheduler] create_cron_data_intervals`", "`--data-intervals`", "Airflow 2's default"),
)


def reference_markdown() -> str:
    """The CLI reference page (``docs/reference/cli.md``), generated from the parser."""

    def fixed(prog: str) -> argparse.HelpFormatter:
        return argparse.RawDescriptionHelpFormatter(prog, width=88)

    parser = build_parser()
    parts = [
        "# CLI reference",
        "",
        "Generated from the argument parser (`timetable --help`, `timetable COMMAND --help`);",
        "a test keeps this page and the parser identical.",
        "The [how-to](../howto/cli.md) shows the commands at work.",
        "",
    ]
    parser.formatter_class = fixed
    parts += ["## timetable", "", "```text", parser.format_help().rstrip(), "```", ""]
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    for name, sub in actions[0].choices.items():
        sub.formatter_class = fixed
        parts += [f"## timetable {name}", "", "```text", sub.format_help().rstrip(), "```", ""]
    parts += [
        "## Airflow's spellings",
        "",
        "Airflow 3's command-line names are accepted wherever this CLI has the same "
        "question;",
        "the names of earlier releases of this CLI stay as aliases.  A test runs every pair "
        "below",
        "and compares the answers.",
        "",
        "| Airflow 3 | timetable | note |",
        "| --- | --- | --- |",
        *(f"| {a} | {b} | {c} |" for a, b, c in AIRFLOW_SPELLINGS),
        "",
        "## Error codes",
        "",
        "A usage or input problem prints one line, `timetable COMMAND: error [CODE]: ...`, and",
        "exits with status 2 (an unknown flag prints the command's usage first, with a "
        "suggestion).",
        "Besides the library's [error codes](errors.md), the command line uses:",
        "",
        "| code | meaning |",
        "| --- | --- |",
        *(f"| `{code}` | {meaning} |" for code, meaning in CODES.items()),
        "",
    ]
    return "\n".join(parts)
