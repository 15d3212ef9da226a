"""The imperative shell: ``timetable`` on the command line.

Theory of operation
-------------------
Every subcommand reads its inputs, calls one pure function of the library, and prints
the answer: a readable table (default) or JSON (``--json``).  Inputs come from flags for
the simple cases (``--schedule "@daily" --start 2015-12-01``) and from JSON for the rest:

* ``--input FILE`` -- one JSON object holding any of the inputs by name
  (``schedule``, ``timezone``, ``timetable``, ``start``, ``end``, ``catchup``, ``now``,
  ``runs``, ``task_instances``, ``graph``, ``request``); flags override it;
* ``--timetable FILE`` -- our serialized timetable, Airflow's serialized timetable, or a
  whole Airflow serialized DAG (its start date, end date, catchup flag and tasks are
  used as defaults);
* ``--runs`` / ``--history`` / ``--graph`` / ``--request FILE`` -- one input each, in the
  library's serialization format (``-`` reads standard input).

This package is the only part of ``timetable`` that reads the clock (when ``--now`` is
absent), files, the environment or standard input.  Exit codes: 0 success, 2 bad input
(one line on standard error naming the problem, never a traceback), 1 a bug (one line, and
the traceback only when ``TIMETABLE_DEBUG`` is set).

The modules
-----------
``inputs``      flags, ``--input`` documents, JSON files; the shared flag groups.
``render``      instants, tables, calendar strips, task grids, JSON lines.
``examples``    the built-in inputs of ``--example``, as data.
``registry``    ``Command`` and the discovery of every command.
``commands/``   one module per family: ``schedule`` (next, runs, manual, describe,
                validate), ``plans`` (catchup, backfill, gaps), ``tasks`` (clear, mark),
                ``airflow`` (from-airflow), ``example``.
``main``        the parser built from the registry, error handling, the reference page.

Adding a command
----------------
Touch one file: add a module ``timetable/cli/commands/NAME.py`` (or extend a family's
module) ending with ::

    def cmd_lint(inputs: Inputs, out: TextIO) -> int:
        tt = inputs.timetable()             # the schedule from flags / --input / --example
        if inputs.args.json:
            write_json(out, {"version": 1, "kind": "lint", ...})
        else:
            out.write(...)                  # use render.fmt / render.Table
        return 0                            # raise BadInput("...") for a usage problem

    def _arguments(p: argparse.ArgumentParser) -> None:
        schedule_args(p)                    # shared groups from timetable.cli.inputs
        p.add_argument("--strict", action="store_true", help="every flag has help")
        common(p)                           # --json --now --input --example

    COMMANDS = (Command("lint", "one line of help", cmd_lint, _arguments,
                        example={"schedule": "@daily"}, rank=120),)

The registry finds it; ``--help``, ``timetable example lint`` and the generated reference
page (``docs/reference/cli.md``; regenerate it with
``python -c "from timetable.cli import reference_markdown; print(reference_markdown())"``)
pick it up.  Add a line to ``tests/test_cli.py``'s tables for its example.
"""

from __future__ import annotations

from .examples import EXAMPLES
from .main import build_parser, main, reference_markdown

__all__ = ["EXAMPLES", "build_parser", "main", "reference_markdown"]
