"""Big work on the command line: ``--json-lines``, ``--limit``, ``--summary``, progress.

The plan commands (``catchup``, ``backfill``, ``gaps``) stream their entries from the
library's lazy planners, so the first line is written at once and memory stays bounded
whatever the range: ``--json-lines`` writes one JSON document per entry (kinds
``catchup_entry``, ``backfill_entry``, ``gap``), ``--limit N`` stops after N entries and
``--summary`` prints the counts only.  ``clear`` and ``mark`` take the same flags over
their (whole) plans: lines of ``task_instance_change`` then ``run_change``.  While a long stream is written, a progress bar is
drawn on standard error - only when standard error is a terminal (with ``rich``
installed: the ``cli`` extra), and never into a pipe or a file.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any, TextIO, TypeVar

from .inputs import BadInput, Inputs

__all__ = ["Progress", "limit_of", "stream_args", "stream_mode", "write_lines"]

_T = TypeVar("_T")

#: Streams shorter than this (when the total is known) draw no progress bar.
PROGRESS_MIN = 200_000
#: Items between two progress updates (keeps the bar's cost out of the loop).
_STEP = 8192


def stream_args(p: argparse.ArgumentParser, *, limit: bool = True, what: str = "entries") -> None:
    """``--json-lines``, ``--summary`` and (unless the command has its own) ``--limit``."""
    g = p.add_argument_group("big work")
    g.add_argument("--json-lines", action="store_true",
                   help=f"stream the {what} as JSON, one document per line (NDJSON), "
                   "in bounded memory")
    g.add_argument("--summary", action="store_true",
                   help="print the counts only (with --json: one summary document)")
    if limit:
        g.add_argument("--limit", metavar="N",
                       help=f"stop after the first N {what} (table and --json-lines)")


def limit_of(inputs: Inputs) -> int | None:
    """``--limit N`` (or ``limit`` in the ``--input`` document): a whole number >= 1."""
    value = inputs.get("limit")
    if value is None:
        return None
    number = int(value) if isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value) else value
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise BadInput(f"--limit={value!r}: expected a whole number >= 1", "usage")
    return min(number, sys.maxsize)  # more than that is no limit at all


def stream_mode(inputs: Inputs) -> str:
    """``"json-lines"``, ``"summary"``, ``"json"`` or ``"table"``; conflicts are usage errors."""
    args = inputs.args
    lines, summary = bool(getattr(args, "json_lines", False)), bool(getattr(args, "summary", False))
    if lines and summary:
        raise BadInput("--json-lines and --summary exclude each other", "usage")
    if lines and args.json:
        raise BadInput("--json-lines and --json exclude each other (one document per entry, "
                       "or one for the plan)", "usage")
    if (lines or summary) and getattr(args, "svg", None):
        raise BadInput("--svg draws a whole plan: not with --json-lines or --summary", "usage")
    if lines:
        return "json-lines"
    if summary:
        return "summary"
    return "json" if args.json else "table"


class Progress:
    """A progress bar on standard error while a long stream is written, else nothing.

    Drawn only when standard error is a terminal, ``rich`` is importable and the
    stream is long (a known total of at least `PROGRESS_MIN`, or an unknown total
    still running after a second).
    """

    def __init__(self, total: int | None, description: str, stream: Any = None) -> None:
        self.total = total
        self.description = description
        self.stream = sys.stderr if stream is None else stream
        self._bar: Any = None
        self._task: Any = None
        self._started = time.monotonic()
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = bool(isatty and isatty()) and (total is None or total >= PROGRESS_MIN)

    def _open(self) -> None:
        try:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as Bar
        except ImportError:  # the cli extra is not installed: no bar
            self.enabled = False
            return
        self._bar = Bar(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), TimeRemainingColumn(),
            console=Console(file=self.stream), transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task(self.description, total=self.total)

    def track(self, items: Iterable[_T]) -> Iterator[_T]:
        """*items*, advancing the bar every few thousand."""
        if not self.enabled:
            yield from items
            return
        n = 0
        try:
            for item in items:
                yield item
                n += 1
                if n % _STEP == 0:
                    if self._bar is None:
                        if self.total is None and time.monotonic() - self._started < 1.0:
                            continue
                        self._open()
                        if not self.enabled:
                            yield from items
                            return
                    self._bar.update(self._task, completed=n)
        finally:
            if self._bar is not None:
                self._bar.stop()


def write_lines(out: TextIO, kind: str, documents: Iterable[dict[str, Any]]) -> int:
    """Each document as ``{"version": 1, "kind": kind, ...}`` on its own line; the first is
    flushed at once.  Returns how many were written."""
    # one encoder for the whole stream: the output of write_json, without building an
    # encoder per line
    encode = json.JSONEncoder(ensure_ascii=bool(getattr(out, "ascii_only", False)),
                              check_circular=False).encode
    write = out.write
    n = 0
    for doc in documents:
        write(encode({"version": 1, "kind": kind, **doc}) + "\n")
        n += 1
        if n == 1:
            flush = getattr(out, "flush", None)
            if flush is not None:
                flush()
    return n
