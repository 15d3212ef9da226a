"""The entry point: the parser built from the registry, error handling, the reference page."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from typing import TextIO

from timetable._version import __version__
from timetable.errors import TimetableError

from .inputs import BadInput, Inputs, one_line
from .registry import commands

__all__ = ["EPILOG", "build_parser", "main", "reference_markdown"]

EPILOG = """\
examples:
  timetable catchup --example
  timetable runs --schedule "30 2 * * *" --timezone Europe/Berlin --start 2024-03-29 --limit 5
  timetable next --schedule "@daily" --start 2015-12-01 --now 2016-01-02T06:00Z --data-intervals
  timetable catchup --schedule "@daily" --timezone Europe/Berlin --start 2015-12-01 \\
      --now 2016-01-02T06:00Z --catchup
  timetable backfill --example --json
  timetable example clear > clear.json && timetable clear --input clear.json --only-failed
  timetable from-airflow serialized_dag.json --now 2024-03-31T09:00Z

Dates are ISO-8601 with an offset (2016-01-02T06:00Z, 2024-03-31T03:30+02:00); a bare
date (2015-12-01) is midnight in the schedule's zone.  --now defaults to the current time.
JSON inputs use the library's serialization format; FILE '-' reads standard input.
Exit status: 0 success, 2 bad input (one line on stderr), 1 a bug.
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used to generate the CLI reference page)."""
    parser = argparse.ArgumentParser(
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


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line; return the exit status (0, 2 bad input, 1 a bug)."""
    stream = out if out is not None else sys.stdout
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help / --version exit 0, usage errors 2
        return int(exc.code or 0)
    try:
        command = args.handler
        return int(command.run(Inputs(args, command.example), stream))
    except TimetableError as err:
        sys.stderr.write(f"timetable: error [{err.code}]: {one_line(str(err))}\n")
        return 2
    except BadInput as err:
        sys.stderr.write(f"timetable: error: {one_line(str(err))}\n")
        return 2
    except BrokenPipeError:  # pragma: no cover - piped into `head`
        sys.stderr.close()
        return 0
    except Exception as err:  # a bug: say so in one line
        if os.environ.get("TIMETABLE_DEBUG"):
            traceback.print_exc()
        sys.stderr.write(
            f"timetable: internal error (a bug, please report it): "
            f"{type(err).__name__}: {one_line(str(err))}\n"
        )
        return 1


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
    return "\n".join(parts)
