"""Rendering answers for people: compact instants, streaming tables, calendar strips, grids.

Every command writes through these helpers so the console output stays uniform: instants
as ``2015-12-01 00:00Z`` ([`fmt`][timetable.cli.render.fmt]), intervals as ``start → end``,
one JSON document per line with ``--json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TextIO

from timetable import serialization
from timetable._clear import RunHistory
from timetable._graph import TaskGraph
from timetable._records import RunRecord, TaskInstanceRecord
from timetable._types import DataInterval, RunInfo
from timetable._tz import get_zone

__all__ = [
    "Console",
    "console",
    "document",
    "interval_json",
    "local",
    "local_column",
    "STRIP_MAX",
    "Table",
    "describe_tt",
    "description",
    "fmt",
    "interval_text",
    "print_infos",
    "print_plan_grid",
    "run_info_json",
    "state_symbol",
    "strip",
    "write_json",
]


def fmt(dt: datetime | None) -> str:
    """A compact instant: ``2015-12-01 00:00Z``, ``2024-03-31 03:30+02:00``."""
    if dt is None:
        return "-"
    text = dt.strftime("%Y-%m-%d %H:%M")
    if dt.second or dt.microsecond:
        text += dt.strftime(":%S") + (f".{dt.microsecond:06d}" if dt.microsecond else "")
    off = dt.utcoffset()
    if not off:
        return text + "Z"
    return text + dt.isoformat()[-6:]


_SYMBOLS = {
    "success": "✓",
    "failed": "✗",
    "running": "▶",
    "queued": "○",
    "missing": "·",
    "create": "+",
    "reprocess": "↻",
}
_LEGEND = "✓ success  ✗ failed  ▶ running  ○ queued  · missing  + to create  ↻ to re-run"
_STRIP_WIDTH = 50
STRIP_MAX = 400


def strip(cells: Sequence[tuple[datetime, str]], out: TextIO) -> None:
    """A calendar strip: one symbol per interval, 50 to a line, dates at the ends."""
    if not cells:
        return
    if len(cells) > STRIP_MAX:
        out.write(f"(calendar strip left out: {len(cells)} intervals)\n\n")
        return
    for i in range(0, len(cells), _STRIP_WIDTH):
        chunk = cells[i : i + _STRIP_WIDTH]
        marks = "".join(_SYMBOLS.get(sym, "?") for _, sym in chunk)
        out.write(f"{fmt(chunk[0][0])[:10]}  {marks}  {fmt(chunk[-1][0])[:10]}\n")
    used = {sym for _, sym in cells}
    legend = "  ".join(
        part for part in _LEGEND.split("  ") if any(
            _SYMBOLS[k] == part[0] for k in used if k in _SYMBOLS
        )
    )
    out.write(f"{legend}\n\n")


def state_symbol(run: RunRecord | None) -> str:
    if run is None:
        return "missing"
    return run.state.value if run.state.value in _SYMBOLS else "success"


class Table:
    """Rows written as they come (streaming), with fixed column widths."""

    def __init__(self, out: TextIO, columns: Sequence[tuple[str, int]]) -> None:
        self.out = out
        self.columns = columns
        self.rows = 0
        self._line([name for name, _ in columns])

    def _line(self, cells: Sequence[str]) -> None:
        parts = []
        for (_, width), cell in zip(self.columns, cells, strict=True):
            parts.append(cell.rjust(-width) if width < 0 else cell.ljust(width))
        self.out.write("  ".join(p for p in parts).rstrip() + "\n")

    def row(self, *cells: Any) -> None:
        self.rows += 1
        self._line([str(c) for c in cells])


_RUN_COLUMNS = (("#", -4), ("logical date", 17), ("data interval", 38), ("run after", 17))


def interval_text(iv: DataInterval | None) -> str:
    if iv is None:
        return "-"
    if iv.start == iv.end:
        return f"{fmt(iv.start)} (a point)"
    return f"{fmt(iv.start)} → {fmt(iv.end)}"


def write_json(out: TextIO, data: Any) -> None:
    """One JSON document on one line (ASCII escapes when the stream cannot encode)."""
    ascii_only = bool(getattr(out, "ascii_only", False))
    out.write(json.dumps(data, ensure_ascii=ascii_only) + "\n")


def document(kind: str, **fields: Any) -> dict[str, Any]:
    """A JSON document of the CLI: ``{"version": 1, "kind": kind, **fields}``."""
    return {"version": 1, "kind": kind, **fields}


def interval_json(iv: DataInterval | None) -> dict[str, str] | None:
    """``{"start": ..., "end": ...}`` (ISO-8601 with offset), or ``None``."""
    if iv is None:
        return None
    return {"start": iv.start.isoformat(), "end": iv.end.isoformat()}


def run_info_json(info: RunInfo) -> dict[str, Any]:
    return {
        "logical_date": info.logical_date.isoformat(),
        "data_interval": interval_json(info.data_interval),
        "run_after": info.run_after.isoformat(),
    }


def local(dt: datetime | None, zone: str) -> str:
    """*dt* on the wall clock of *zone* (``fmt`` of it), ``-`` for ``None``."""
    if dt is None:
        return "-"
    return fmt(dt.astimezone(get_zone(zone)))


def local_column(zone: str) -> tuple[str, int]:
    """The header and width of a local-time column for *zone*."""
    return (f"in {zone}", max(22, len(zone) + 3))


def print_infos(
    infos: Iterable[RunInfo], out: TextIO, as_json: bool, zone: str = "UTC"
) -> int:
    n = 0
    if as_json:
        for info in infos:
            write_json(out, document("run_info", **run_info_json(info)))
            n += 1
        return n
    if zone == "UTC":
        table = Table(out, _RUN_COLUMNS)
        for info in infos:
            table.row(
                table.rows + 1, fmt(info.logical_date), interval_text(info.data_interval),
                fmt(info.run_after),
            )
    else:
        tz = get_zone(zone)
        columns = (*_RUN_COLUMNS[:2], local_column(zone), *_RUN_COLUMNS[2:])
        table = Table(out, columns)
        for info in infos:
            table.row(
                table.rows + 1, fmt(info.logical_date), fmt(info.logical_date.astimezone(tz)),
                interval_text(info.data_interval), fmt(info.run_after),
            )
    out.write(f"{table.rows} run{'s' if table.rows != 1 else ''}\n")
    return table.rows


def describe_tt(tt: Any) -> str:
    zone = getattr(tt, "timezone", None)
    where = f", {zone}" if isinstance(zone, str) else ""
    return f"{tt.summary} ({type(tt).__name__}{where})"

def print_plan_grid(
    graph: TaskGraph, history: RunHistory, changed: set[tuple[str, str]], out: TextIO
) -> None:
    """Tasks × runs: each affected run as a column of state symbols, changes marked."""
    by_run: dict[str, dict[str, TaskInstanceRecord]] = {}
    for ti in history.task_instances:
        by_run.setdefault(ti.run_id, {})[ti.task_id] = ti
    run_ids = [r.run_id for r in history.runs.runs if r.run_id in {c[0] for c in changed}]
    if not run_ids:
        return
    present = {t for r in run_ids for t in by_run.get(r, {})}
    tasks = [t for t in graph.topological_order if t in present]
    tasks += sorted(present - set(tasks))
    width = max(len(t) for t in tasks)
    out.write("before:\n")
    out.write(" " * width + "  " + "  ".join(f"{i + 1:<2}" for i in range(len(run_ids))) + "\n")
    for t in tasks:
        cells = []
        for r in run_ids:
            cell = by_run.get(r, {}).get(t)
            state = "-" if cell is None or cell.state is None else cell.state.value
            sym = {"success": "✓", "failed": "✗", "running": "▶", "upstream_failed": "⊘",
                   "skipped": "»", "-": "·"}.get(state, "?")
            cells.append(sym + ("↻" if (r, t) in changed else " "))
        out.write(f"{t:<{width}}  " + "  ".join(cells) + "\n")
    for i, r in enumerate(run_ids):
        out.write(f"  {i + 1}: {r}\n")
    out.write("↻ changed  ✓ success  ✗ failed  ⊘ upstream_failed  ▶ running  · no state\n\n")


def description(tt: Any) -> dict[str, Any]:
    return {
        "timetable_kind": type(tt).__name__,
        "summary": tt.summary,
        "description": tt.description,
        "periodic": tt.periodic,
        "timetable": serialization.to_dict(tt),
    }


# -- the console: ASCII when the stream cannot encode the symbols, colour on a terminal ------

_ASCII = str.maketrans({
    "✓": "v", "✗": "x", "▶": ">", "○": "o", "·": ".", "↻": "@", "⊘": "!", "»": "s",
    "→": ">", "…": "~", "×": "x", "–": "-", "—": "-", "≤": "<", "≥": ">",
})
_ASCII_WIDE = {"→": "->", "…": "...", "≤": "<=", "≥": ">="}
_COLOURS = {"✓": "32", "✗": "31", "▶": "34", "↻": "33", "+": "36", "⊘": "31"}
_SYMBOL_TEXT = "✓✗▶○·↻⊘»→…"


class Console:
    """A text stream for people: ASCII fallback, optional colour of the state symbols.

    Tables are laid out on the plain text first; the substitutions keep one character
    per symbol in the grids (``→`` in running text becomes ``->``).
    """

    def __init__(self, stream: TextIO, *, ascii_only: bool, colour: bool) -> None:
        self.stream = stream
        self.ascii_only = ascii_only
        self.colour = colour
        self.encoding = getattr(stream, "encoding", None) or "utf-8"

    def write(self, text: str) -> int:
        if self.colour:
            for sym, code in _COLOURS.items():
                if sym == "+":
                    continue  # too common in plain text
                text = text.replace(sym, f"\x1b[{code}m{sym}\x1b[0m")
        if self.ascii_only:
            for wide, narrow in _ASCII_WIDE.items():
                text = text.replace(f" {wide} ", f" {narrow} ")
            text = text.translate(_ASCII)
            text = text.encode(self.encoding, "replace").decode(self.encoding)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()


def can_encode(stream: TextIO, text: str = _SYMBOL_TEXT) -> bool:
    """Whether *stream*'s encoding can write *text*."""
    encoding = getattr(stream, "encoding", None)
    if not encoding:
        return True
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def console(stream: TextIO, environ: Mapping[str, str]) -> TextIO:
    """*stream* as a [`Console`][timetable.cli.render.Console] when it needs one.

    ASCII when the stream's encoding cannot write the symbols; colour only on a terminal,
    never with ``NO_COLOR`` set (any value) or ``TERM=dumb``.
    """
    isatty = getattr(stream, "isatty", None)
    colour = (
        bool(isatty and isatty())
        and "NO_COLOR" not in environ
        and environ.get("TERM") != "dumb"
    )
    ascii_only = not can_encode(stream)
    if not colour and not ascii_only:
        return stream
    return Console(stream, ascii_only=ascii_only, colour=colour)  # type: ignore[return-value]
