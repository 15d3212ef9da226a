"""The event script: what happens to the scheduler, and when, over a stretch of time.

A script is plain data fixed up front by a seed: the instants at which the scheduler
wakes (every due ``run_after``, every scripted action, each minute through the DST
transitions) and the operator's actions (pause, unpause, clear, mark a run, backfill).
Task outcomes are not in the script: they are a seeded hash of the task instance's key
and try, so they do not depend on the order in which a crashed scheduler redoes work.
"""

from __future__ import annotations

import bisect
import hashlib
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal

import attrs

import timetable

from .dags import Dag

ActionKind = Literal["pause", "unpause", "clear", "mark_run", "backfill"]


@attrs.frozen(kw_only=True)
class Action:
    """An operator action at an instant.

    ``clear``: clear the failed task instances of the DAG's first task and everything
    downstream, in runs whose logical date is in ``[start, end]``.  ``mark_run``: mark
    the DAG's latest failed run ``success``, or its oldest running run ``failed``.
    ``backfill``: backfill ``[start, end]``.
    """

    at: datetime
    kind: ActionKind
    dag_id: str
    start: datetime | None = None
    end: datetime | None = None
    state: Literal["success", "failed"] | None = None


@attrs.frozen(kw_only=True, eq=False)
class Script:
    """When the scheduler wakes and what the operator does (see the module notes)."""

    start: datetime
    end: datetime
    seed: int
    failure_rate: float
    heartbeat: timedelta
    actions: tuple[Action, ...]
    wakeups: tuple[datetime, ...]  # sorted, unique, within [start, end]
    _by_time: dict[datetime, tuple[Action, ...]] = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        by_time: dict[datetime, tuple[Action, ...]] = {}
        for a in self.actions:
            by_time[a.at] = (*by_time.get(a.at, ()), a)
        object.__setattr__(self, "_by_time", by_time)

    def actions_at(self, now: datetime) -> tuple[Action, ...]:
        """The actions scripted for exactly *now*, in script order."""
        return self._by_time.get(now, ())

    def next_wakeup(self, now: datetime) -> datetime | None:
        """The first scripted wake-up strictly after *now*, or None."""
        i = bisect.bisect_right(self.wakeups, now)
        return self.wakeups[i] if i < len(self.wakeups) else None

    def fails(self, dag_id: str, run_id: str, task_id: str, try_number: int) -> bool:
        """Whether this try of this task instance fails (a seeded hash, order-free)."""
        key = f"{self.seed}|{dag_id}|{run_id}|{task_id}|{try_number}".encode()
        roll = int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big") / 2**64
        return roll < self.failure_rate


def _minutes(start: datetime, end: datetime) -> list[datetime]:
    out = []
    t = start
    while t <= end:
        out.append(t)
        t += timedelta(minutes=1)
    return out


# Both 2026 transitions of Europe/Berlin happen at 01:00 UTC.
DST_WINDOWS = (
    (datetime(2026, 3, 29, 0, 0, tzinfo=UTC), datetime(2026, 3, 29, 3, 0, tzinfo=UTC)),
    (datetime(2026, 10, 25, 0, 0, tzinfo=UTC), datetime(2026, 10, 25, 3, 0, tzinfo=UTC)),
)


def build_script(
    dags: Sequence[Dag],
    *,
    start: datetime,
    end: datetime,
    seed: int = 2026,
    failure_rate: float = 0.08,
    heartbeat: timedelta = timedelta(minutes=10),
) -> Script:
    """A script for *dags* over ``[start, end]``, its actions drawn from *seed*.

    Per DAG, in each 30-day block: a clear of the last 14 days' failures and a run
    marked success or failed.  The six-hourly DAG is paused for three days (it catches up
    on unpause); the MultiCron DAG (catchup off) is paused for a week and the missed
    week is backfilled after it is unpaused.
    """
    rng = random.Random(seed)

    def at(lo: datetime, hi: datetime) -> datetime:
        span = int((hi - lo).total_seconds() // 60)
        return lo + timedelta(minutes=rng.randrange(max(span, 1)))

    actions: list[Action] = []
    ids = [d.dag_id for d in dags]
    block = timedelta(days=30)
    t = start
    while t + block <= end or t == start:
        hi = min(t + block, end)
        for dag_id in ids:
            when = at(t, hi)
            actions.append(
                Action(at=when, kind="clear", dag_id=dag_id, start=when - timedelta(days=14),
                       end=when)
            )
            actions.append(
                Action(at=at(t, hi), kind="mark_run", dag_id=dag_id,
                       state=rng.choice(("success", "failed")))
            )
        t += block
    span = end - start
    if "six_hourly" in ids:
        p = at(start + span / 5, start + span / 2)
        actions += [
            Action(at=p, kind="pause", dag_id="six_hourly"),
            Action(at=p + timedelta(days=3), kind="unpause", dag_id="six_hourly"),
        ]
    if "market_hours" in ids:
        p = at(start + span / 2, start + span * 3 / 4)
        u = p + timedelta(days=7)
        actions += [
            Action(at=p, kind="pause", dag_id="market_hours"),
            Action(at=u, kind="unpause", dag_id="market_hours"),
            Action(at=u + timedelta(days=1), kind="backfill", dag_id="market_hours",
                   start=p - timedelta(days=1), end=u),
        ]
    actions = [a for a in actions if start <= a.at <= end]
    actions.sort(key=lambda a: a.at)
    wake: set[datetime] = {start, end, *(a.at for a in actions)}
    for lo, hi in DST_WINDOWS:
        wake.update(m for m in _minutes(max(lo, start), min(hi, end)))
    for dag in dags:
        for info in timetable.iter_run_infos(
            dag.schedule, start=dag.restriction.earliest or start, end=end, now=end
        ):
            if start <= info.run_after <= end:
                wake.add(info.run_after.astimezone(UTC))
    return Script(
        start=start,
        end=end,
        seed=seed,
        failure_rate=failure_rate,
        heartbeat=heartbeat,
        actions=tuple(actions),
        wakeups=tuple(sorted(w.astimezone(UTC) for w in wake)),
    )
