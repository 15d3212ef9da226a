"""Changesets in chunks, from a stream of plan entries.

Theory of operation
-------------------
An eager plan holds one entry per interval and refuses ranges past
``MAX_PLAN_INTERVALS``; its lazy twins ([`iter_catchup()`][timetable.iter_catchup],
[`iter_backfill()`][timetable.iter_backfill]) yield the same entries from the same planning
loop without holding them.  [`iter_changesets()`][timetable.iter_changesets] turns such a
stream (or a plan: a plan iterates over its entries) into changesets of a bounded number of
row operations, one per host transaction.  Each entry becomes its row operation through
the function the plans' own ``changeset()`` uses, so the chunks concatenated are the one
big changeset, whatever the chunk size.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ._backfill import BackfillEntry, backfill_change
from ._catchup import CatchupEntry
from ._changeset import Changeset, RunInsert, RunUpdate, chunk_changes, chunk_size_arg
from ._planning import Action, History, validate_history
from ._records import RunRecord
from ._rows import RowLike
from ._validation import checked
from .errors import WrongTypeError

__all__ = ["iter_changesets"]


@checked(size=chunk_size_arg)
def iter_changesets(
    entries: Iterable[CatchupEntry | BackfillEntry],
    *,
    runs: Iterable[RunRecord | RowLike] | History = (),
    size: int = 10_000,
) -> Iterator[Changeset]:
    """The rows a stream of plan entries writes, as changesets of at most *size* operations.

    *entries* are catchup or backfill entries: from
    [`iter_catchup()`][timetable.iter_catchup] or [`iter_backfill()`][timetable.iter_backfill]
    (bounded memory, no size limit), or a plan itself.  A ``create`` entry inserts a run,
    a backfill ``reprocess`` entry updates the stored run, a ``skip`` entry writes
    nothing, exactly as the plan's ``changeset()`` does.  The chunks are in entry order,
    none is empty, and concatenated (each chunk's ``runs_to_insert`` one after another,
    and its ``runs_to_update`` likewise) they are the plan's single ``changeset()``:
    ``Changeset.merge(*iter_changesets(plan, runs=runs, size=n)) == plan.changeset()``.

    Entries are read as the chunks are; a host commits one chunk per transaction and
    holds one chunk at a time.

    Args:
        entries: catchup or backfill entries, in plan order.
        runs: the run history the entries were planned from; only a backfill's
            ``reprocess`` entries need it (the update's before-values come from the
            stored run).
        size: the most row operations per changeset.

    Returns:
        An iterator of non-empty [`Changeset`][timetable.Changeset] values.

    Raises:
        InvalidArgumentError: *size* is not an int >= 1, or a ``reprocess`` entry's run
            is not in *runs*.
        WrongTypeError: an entry is neither a catchup nor a backfill entry.
        InvalidRecordError: the history is invalid.

    >>> from datetime import datetime, timezone
    >>> from timetable import BackfillRequest, CronDataIntervals, iter_backfill
    >>> utc = timezone.utc
    >>> entries = iter_backfill(
    ...     CronDataIntervals(cron="@hourly"),
    ...     BackfillRequest(from_date=datetime(2024, 1, 1, tzinfo=utc),
    ...                     to_date=datetime(2024, 1, 31, tzinfo=utc)),
    ...     runs=[], now=datetime(2026, 1, 1, tzinfo=utc))
    >>> [len(cs) for cs in iter_changesets(entries, size=300)]
    [300, 300, 121]
    """
    if isinstance(entries, (str, bytes)) or not isinstance(entries, Iterable):
        raise WrongTypeError.for_value(
            "entries", entries, "expected catchup or backfill entries (an iterable)"
        )
    history = validate_history(runs)
    return chunk_changes(_changes(entries, history), size)


def _changes(entries: Iterable[Any], history: History) -> Iterator[RunInsert | RunUpdate]:
    stored = history.get
    for i, entry in enumerate(entries):
        if isinstance(entry, BackfillEntry):
            change = backfill_change(entry, stored)
            if change is not None:
                yield change
        elif isinstance(entry, CatchupEntry):
            if entry.action is Action.CREATE:
                yield entry.to_insert()
        else:
            raise WrongTypeError.for_value(
                f"entries[{i}]", entry, "expected a CatchupEntry or a BackfillEntry"
            )
