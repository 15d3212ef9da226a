"""Import cost: ``import timetable`` in fresh processes, and ``python -X importtime``.

Run alone: ``.venv/bin/python benchmarks/bench_import.py``; ``python -m benchmarks`` includes
it.  Each figure is the median of 7 fresh interpreters (wall time of the statement inside
the process, so interpreter start-up is not counted), with compiled bytecode cached as an
installed package has it.  The ``-X importtime`` rows are the
heaviest modules of one ``import timetable`` (cumulative µs, as Python reports them).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from typing import Any

_TIMED = """
import time
t0 = time.perf_counter()
{statement}
print((time.perf_counter() - t0) * 1000)
"""

CASES = [
    ("import timetable", "import timetable"),
    (
        "import + first CronTrigger next run",
        "import timetable as tt\n"
        "from datetime import UTC, datetime\n"
        "t = tt.CronTrigger(cron='0 3 * * *')\n"
        "tt.next_run_info(t, last_interval=None, now=datetime(2024, 5, 1, tzinfo=UTC),\n"
        "    restriction=tt.TimeRestriction(earliest=datetime(2024, 1, 1, tzinfo=UTC)))",
    ),
    (
        "import + first DeltaTrigger next run",
        "import timetable as tt\n"
        "from datetime import UTC, datetime, timedelta\n"
        "t = tt.DeltaTrigger(delta=timedelta(hours=1))\n"
        "tt.next_run_info(t, last_interval=None, now=datetime(2024, 5, 1, tzinfo=UTC),\n"
        "    restriction=tt.TimeRestriction(earliest=datetime(2024, 1, 1, tzinfo=UTC)))",
    ),
    ("import everything public", "import timetable as tt\nfor n in tt.__all__: getattr(tt, n)"),
]


# Compiled bytecode, as an installed package has it: a private cache directory, filled by a
# first (untimed) run, so neither PYTHONDONTWRITEBYTECODE nor the repository matters.
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
_ENV["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="timetable-bench-pyc-")


def _python(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, check=True,
                          env=_ENV)


def fresh_ms(statement: str, repeat: int = 7) -> float:
    code = _TIMED.format(statement=statement)
    _python("-c", code)  # warm the bytecode cache
    return statistics.median(float(_python("-c", code).stdout) for _ in range(repeat))


def importtime_rows(top: int = 8) -> list[tuple[str, int]]:
    """The heaviest modules of ``import timetable`` (cumulative µs)."""
    _python("-c", "import timetable")
    err = _python("-X", "importtime", "-c", "import timetable").stderr
    rows = []
    for line in err.splitlines():
        parts = line.split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        rows.append((parts[2].rstrip(), int(parts[1])))
    rows.sort(key=lambda r: -r[1])
    return rows[:top]


def run() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {"measure": label, "ms (median of 7 fresh processes)": fresh_ms(stmt)}
        for label, stmt in CASES
    ]
    for module, cumulative in importtime_rows():
        out.append({"measure": f"-X importtime: `{module.strip()}` (cumulative)",
                    "ms (median of 7 fresh processes)": cumulative / 1000})
    return out


if __name__ == "__main__":
    for row in run():
        print(row)
