"""``timetable example NAME``: print a built-in example's inputs as JSON."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from timetable.cli.inputs import Inputs
from timetable.cli.registry import Command, examples

__all__ = ["COMMANDS"]



def cmd_example(inputs: Inputs, out: TextIO) -> int:
    doc = {k: v for k, v in examples()[inputs.args.name].items() if k != "about"}
    out.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    return 0


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", choices=sorted(examples()), help="the command whose example to print")


COMMANDS = (
    Command("example", "print a built-in example's inputs as JSON", cmd_example, _arguments,
            rank=900,
            description="Print a built-in example's inputs as JSON, ready for --input."),
)
