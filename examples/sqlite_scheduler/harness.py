"""Crash and race harnesses: SIGKILL the scheduler over and over, or run two at once.

Both drive real operating-system processes on one SQLite file.

A crash run is a sequence of *lives*, each a new process resuming from the database,
until one reaches the end of the script.  Lives die in three ways, all by ``SIGKILL``:

* ``exec`` - a fresh ``python -m sqlite_scheduler`` interpreter (the command a user
  runs), killed by the parent after a seeded random wall-clock delay;
* ``timer`` - a ``fork`` child (it inherits the imported modules, so a restart costs
  milliseconds), killed by the parent after a seeded random delay: the signal lands
  wherever the child happens to be, inside SQLite's C code included;
* ``point`` - a ``fork`` child that kills *itself* at a seeded write and phase: before
  the transaction, inside it after every statement but the cursor move, or just after
  ``COMMIT``.  Unlike timers these points do not depend on the machine's load, so the
  number of kills is the same on every machine.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs

from .dags import Dag
from .scheduler import Scheduler
from .script import Script
from .store import Cursor, SqliteStore

EXAMPLES = Path(__file__).resolve().parents[1]

Phase = Literal["before", "inside", "after"]


def run_once(
    path: str, dags: Sequence[Dag], script: Script, *, think: float = 0.0,
    store: SqliteStore | None = None,
) -> dict[str, int]:
    """Create or resume the database at *path* and run the scheduler to the end."""
    store = store or SqliteStore(path)
    try:
        store.initialize([d.dag_id for d in dags], script.start)
        return dict(Scheduler(store, dags, script, think=think).run())
    finally:
        store.close()


class _KillingStore(SqliteStore):
    """A store whose process SIGKILLs itself at its *write*-th write, in *phase*."""

    def __init__(self, path: str, write: int, phase: Phase) -> None:
        super().__init__(path)
        self.writes = 0
        self.kill_write = write
        self.kill_phase = phase

    def _die(self, phase: Phase) -> None:
        if self.writes == self.kill_write and phase == self.kill_phase:
            os.kill(os.getpid(), signal.SIGKILL)

    def _counted(self, write: Callable[[], None]) -> None:
        self.writes += 1
        self._die("before")
        write()
        self._die("after")

    def _move(self, expect: Cursor, to: Cursor | None) -> None:
        self._die("inside")  # the changeset is written, the cursor not yet moved
        super()._move(expect, to)

    def write(self, *args: Any, **kwargs: Any) -> None:
        self._counted(lambda: super(_KillingStore, self).write(*args, **kwargs))

    def set_paused(self, *args: Any, **kwargs: Any) -> None:
        self._counted(lambda: super(_KillingStore, self).set_paused(*args, **kwargs))

    def advance(self, *args: Any, **kwargs: Any) -> None:
        self._counted(lambda: super(_KillingStore, self).advance(*args, **kwargs))


def _fork(run: Callable[[], object]) -> int:
    with warnings.catch_warnings():
        # Python 3.12+ warns when a process with threads forks; the child only touches
        # its own SQLite connection and modules the parent already imported.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: run, then leave without running the parent's cleanup
        code = 0
        try:
            run()
        except BaseException:
            traceback.print_exc()
            code = 1
        os._exit(code)
    return pid


def command(path: str, script: Script, *, think: float = 0.0) -> list[str]:
    """The ``python -m sqlite_scheduler`` command line that runs *script* on *path*."""
    return [
        sys.executable, "-m", "sqlite_scheduler", path,
        "--start", script.start.isoformat(), "--end", script.end.isoformat(),
        "--seed", str(script.seed), "--think", str(think),
    ]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(EXAMPLES), env.get("PYTHONPATH")]))
    return env


class _Child:
    code: int | None = None

    def poll(self) -> int | None:
        """The exit code (negative: killed by that signal), or None while running."""
        raise NotImplementedError

    def kill(self) -> None:
        raise NotImplementedError

    def wait(self) -> int:
        raise NotImplementedError

    def error(self) -> str:
        return ""


class _Fork(_Child):
    def __init__(self, run: Callable[[], object]) -> None:
        self.pid = _fork(run)

    def poll(self) -> int | None:
        if self.code is None:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.code = os.waitstatus_to_exitcode(status)
        return self.code

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)

    def wait(self) -> int:
        if self.code is None:
            _, status = os.waitpid(self.pid, 0)
            self.code = os.waitstatus_to_exitcode(status)
        return self.code


class _Exec(_Child):
    def __init__(self, path: str, script: Script) -> None:
        self.proc = subprocess.Popen(
            command(path, script), env=_env(), cwd=EXAMPLES,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        self.text = ""

    def poll(self) -> int | None:
        return self.proc.poll()

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)

    def wait(self) -> int:
        return self.proc.wait()

    def error(self) -> str:
        stream = self.proc.stderr
        if stream is not None and not stream.closed:
            with stream:
                self.text = stream.read().decode()
        return self.text


@attrs.define
class CrashReport:
    """What a crash run did: lives, and SIGKILLs by kind (see the module notes)."""

    lives: int = 0
    kills: dict[str, int] = attrs.Factory(dict)

    @property
    def total(self) -> int:
        return sum(self.kills.values())


def crash_run(
    path: str,
    dags: Sequence[Dag],
    script: Script,
    *,
    seed: int,
    writes_per_life: int,
    exec_lives: int = 3,
    timer_lives: int = 20,
    timer_life: float = 0.01,
    exec_life: tuple[float, float] = (0.3, 1.5),
) -> CrashReport:
    """Run *script* on *path* to the end while killing the scheduler (module notes).

    Args:
        seed: seeds every delay and kill point.
        writes_per_life: a ``point`` life dies at a write drawn uniformly from
            ``1 .. 2 * writes_per_life``, in a phase drawn from the three.
        exec_lives: how many lives are fresh interpreters (first).
        timer_lives: how many ``fork`` lives are then killed by a timer, each after a
            delay drawn uniformly from ``[0, 2 * timer_life]`` seconds.
        exec_life: the delay range for ``exec`` lives, in seconds.

    Raises:
        RuntimeError: a life ended other than by finishing or by SIGKILL.
    """
    rng = random.Random(seed)
    report = CrashReport()
    while True:
        report.lives += 1
        child: _Child
        delay: float | None = None
        if report.lives <= exec_lives:
            mode = "exec"
            child, delay = _Exec(path, script), rng.uniform(*exec_life)
        elif report.lives <= exec_lives + timer_lives:
            mode = "timer"
            child = _Fork(lambda: run_once(path, dags, script))
            delay = rng.uniform(0, 2 * timer_life)
        else:
            mode = "point"
            write = rng.randint(1, 2 * writes_per_life)
            phase: Phase = rng.choice(("before", "inside", "after"))
            child = _Fork(lambda w=write, p=phase: run_once(  # type: ignore[misc]
                path, dags, script, store=_KillingStore(path, w, p)))
        if delay is not None:
            deadline = time.monotonic() + delay
            while child.poll() is None and time.monotonic() < deadline:
                time.sleep(min(0.001, max(0.0, deadline - time.monotonic())))
            if child.poll() is None:
                child.kill()
        code = child.wait()
        detail = child.error()
        if code == -signal.SIGKILL:
            report.kills[mode] = report.kills.get(mode, 0) + 1
            continue
        if code == 0:
            return report
        raise RuntimeError(f"scheduler process failed ({code}): {detail}")


def race(path: str, script: Script, *, processes: int = 2, think: float = 0.0005) -> list[str]:
    """Run *processes* schedulers (fresh interpreters) on *path* at once; their outputs."""
    procs = [
        subprocess.Popen(
            command(path, script, think=think), env=_env(), cwd=EXAMPLES,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(processes)
    ]
    outputs = []
    for proc in procs:
        out, err = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"scheduler process failed ({proc.returncode}): {err}")
        outputs.append(out)
    return outputs
