"""The command registry: every module of ``timetable/cli/commands/`` lists its commands.

A command is a [`Command`][timetable.cli.registry.Command]: its name, one line of help, a
function adding its flags to an ``argparse`` parser, a function answering it, and
optionally its built-in example.  A module under ``timetable/cli/commands/`` exports
``COMMANDS = (Command(...), ...)``; [`commands`][timetable.cli.registry.commands] finds
every such module, so adding a command means touching one file.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from .inputs import Inputs

__all__ = ["Command", "commands", "examples"]


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    """A command without flags of its own."""


@dataclass(frozen=True)
class Command:
    """One subcommand of ``timetable``.

    Attributes:
        name: what the user types (``timetable NAME``).
        help: one line for ``timetable --help``; the description ends it with a full stop
            unless *description* is given.
        run: answers the command: reads [`Inputs`][timetable.cli.inputs.Inputs], writes
            to the stream, returns the exit status.
        arguments: adds the command's flags to its parser (shared groups are in
            ``timetable.cli.inputs``).
        example: the inputs ``--example`` uses (and ``timetable example NAME`` prints).
        rank: the position in ``timetable --help`` (smaller first; ties by name).
        description: the longer text of ``timetable NAME --help``.
    """

    name: str
    help: str
    run: Callable[[Inputs, TextIO], int]
    arguments: Callable[[argparse.ArgumentParser], None] = _no_arguments
    example: Mapping[str, Any] | None = None
    rank: int = 500
    description: str | None = None


@cache
def commands() -> tuple[Command, ...]:
    """Every command of every module in ``timetable.cli.commands``, in help order."""
    from . import commands as package

    found: dict[str, Command] = {}
    for module_info in pkgutil.iter_modules(package.__path__):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{module_info.name}")
        for command in getattr(module, "COMMANDS", ()):
            if command.name in found:
                raise RuntimeError(f"two commands are called {command.name!r}")
            found[command.name] = command
    return tuple(sorted(found.values(), key=lambda c: (c.rank, c.name)))


def examples() -> dict[str, Mapping[str, Any]]:
    """The built-in example of every command that has one, by command name."""
    return {c.name: c.example for c in commands() if c.example is not None}
