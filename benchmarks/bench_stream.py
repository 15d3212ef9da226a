"""Big work on the command line: a 5-million-interval backfill streamed, summarised, refused.

Run alone: ``.venv/bin/python benchmarks/bench_stream.py`` (writes nothing; prints the
table); ``python -m benchmarks`` includes it.  The case is ten years of an every-minute
schedule (5,258,881 intervals):

    timetable backfill --schedule "* * * * *" --from-date 2014-01-01 --to-date 2024-01-01 \\
        --now 2026-01-01T00:00Z --json-lines

Rows, each in a fresh process (``python -m timetable``, standard output into a pipe that is
read and counted, standard error not a terminal, so no progress bar):

- ``--json-lines``: seconds until the first line arrives, seconds for the whole stream,
  lines, and the peak RSS of the process (``/usr/bin/time -v`` when present, else
  ``getrusage(RUSAGE_CHILDREN)`` of a one-child wrapper);
- ``--json-lines --limit 1000``: the same for a stream cut short (the floor: start-up);
- ``--summary``: seconds and peak RSS;
- ``--json`` (one document): refused at once with ``plan-too-large``: seconds;
- ``catchup --summary`` (catchup on, from 2014-01-01 with no runs, now 2024-01-01) and
  ``gaps --summary`` (the same ten years, no runs): seconds and peak RSS; both are
  counted from the interval index instead of walking the intervals.

Set ``TIMETABLE_BENCH_STREAM_QUICK=1`` to skip the full stream (about two minutes alone on
a quiet 2-core machine).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CASE = ["backfill", "--schedule", "* * * * *", "--from-date", "2014-01-01",
        "--to-date", "2024-01-01", "--now", "2026-01-01T00:00Z"]
CATCHUP = ["catchup", "--schedule", "* * * * *", "--start", "2014-01-01", "--catchup",
           "--now", "2024-01-01T00:00Z"]
GAPS = ["gaps", "--schedule", "* * * * *", "--start", "2014-01-01", "--end", "2024-01-01",
        "--now", "2026-01-01T00:00Z"]

_WRAPPER = (
    "import resource, subprocess, sys\n"
    "p = subprocess.Popen(sys.argv[1:])\n"
    "p.wait()\n"
    "sys.stderr.write(f'\\nMaximum resident set size (kbytes): "
    "{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}\\n')\n"
    "sys.exit(p.returncode)\n"
)


def _measure(argv: list[str]) -> dict[str, Any]:
    """Run ``timetable argv`` once: first-line and total seconds, lines, peak RSS."""
    command = [sys.executable, "-m", "timetable", *argv]
    gnu_time = shutil.which("time") is not None and Path("/usr/bin/time").exists()
    wrapper = ["/usr/bin/time", "-v"] if gnu_time else [sys.executable, "-c", _WRAPPER]
    command = [*wrapper, *command]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, bufsize=1 << 16)
    assert proc.stdout is not None
    assert proc.stderr is not None
    first = proc.stdout.readline()
    t_first = time.perf_counter() - t0
    lines = 1 if first else 0
    for _ in iter(proc.stdout.readline, b""):
        lines += 1
    err = proc.stderr.read().decode()
    proc.wait()
    total = time.perf_counter() - t0
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    code = re.search(r"error \[([a-z-]+)\]", err)
    return {
        "first line s": t_first if lines else None,
        "total s": total,
        "lines": lines,
        "peak RSS MB": int(rss.group(1)) / 1024 if rss else None,
        "exit": proc.returncode,
        "error": code.group(1) if code else None,
    }


def run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cases: list[tuple[str, list[str]]] = [
        ("backfill --json-lines --limit 1000", [*CASE, "--json-lines", "--limit", "1000"]),
        ("backfill --summary", [*CASE, "--summary"]),
        ("backfill --json (one document)", [*CASE, "--json"]),
        ("catchup --summary", [*CATCHUP, "--summary"]),
        ("gaps --summary", [*GAPS, "--summary"]),
    ]
    if not os.environ.get("TIMETABLE_BENCH_STREAM_QUICK"):
        cases.insert(0, ("backfill --json-lines (5,258,881 lines)", [*CASE, "--json-lines"]))
    for label, argv in cases:
        rows.append({"timetable, 10 years of * * * * *": label, **_measure(argv)})
    return rows


if __name__ == "__main__":  # pragma: no cover
    results = run()
    keys = list(dict.fromkeys(k for row in results for k in row))
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for row in results:
        cells = []
        for k in keys:
            v = row.get(k)
            cells.append("-" if v is None else f"{v:,.2f}" if isinstance(v, float) else str(v))
        print("| " + " | ".join(cells) + " |")
