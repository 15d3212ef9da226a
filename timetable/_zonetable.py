"""A zone's UTC-offset changes read from its rules, in O(changes) instead of daily probes.

A ``ZoneInfo`` keeps its transitions private.  The standard library also ships the same
class in pure Python (``zoneinfo._zoneinfo``), which loads the same tz database entry and
exposes the explicit transition instants plus the POSIX rule that extends them.  This
module turns those into ``(instant, offset before, offset after)`` triples for a range of
UTC years.

Nothing here is trusted blindly: `year_changes()` checks every change it returns,
and the offset at both ends of the year, against ``datetime.astimezone`` on the real zone,
and answers None (callers then probe day by day, the slow and assumption-laden way) when
anything disagrees, when the zone is not a keyed ``ZoneInfo``, or when the private layout
of ``zoneinfo._zoneinfo`` is not the one expected.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any

__all__ = ["constant_after", "range_changes", "range_offsets", "year_changes"]

_Change = tuple[datetime, timedelta, timedelta]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class _Table:
    """Explicit transitions (epoch seconds, offset after) plus the rule past the last one."""

    __slots__ = ("_rule_years", "after", "before", "offsets", "rule", "trans")

    def __init__(self, py: Any) -> None:
        self.trans: list[int] = [int(t) for t in py._trans_utc]
        self.offsets: list[int] = [int(i.utcoff.total_seconds()) for i in py._ttinfos]
        before = py._tti_before
        after = py._tz_after
        if len(self.trans) != len(self.offsets):
            raise ValueError("unexpected zoneinfo layout")
        self.rule: Any = None
        self._rule_years: dict[int, tuple[tuple[int, int], ...]] = {}
        if hasattr(after, "utcoff"):
            self.after = int(after.utcoff.total_seconds())
        else:
            self.rule = after
            # Raise now (AttributeError) if the rule object is not the expected shape.
            self.after = int(after.std.utcoff.total_seconds())
            after.dst.utcoff.total_seconds()
            after.transitions(2000)
        self.before = int(before.utcoff.total_seconds()) if before is not None else self.after

    def _rule_year(self, y: int) -> tuple[tuple[int, int], ...]:
        """(instant, offset after) of the rule's two changes in local year *y* (memoized)."""
        got = self._rule_years.get(y)
        if got is None:
            rule = self.rule
            std = int(rule.std.utcoff.total_seconds())
            dst = int(rule.dst.utcoff.total_seconds())
            start, end = rule.transitions(y)
            got = tuple(sorted(((int(start) - std, dst), (int(end) - dst, std))))
            if len(self._rule_years) > 20_000:  # pragma: no cover - bound the memo
                self._rule_years.clear()
            self._rule_years[y] = got
        return got

    def _rule_changes(self, y0: int, y1: int) -> list[tuple[int, int]]:
        """(instant, offset after) of the rule's changes in UTC years y0..y1 (a margin around)."""
        out: list[tuple[int, int]] = []
        for y in range(max(y0 - 1, 1), min(y1 + 1, 9999) + 1):
            out.extend(self._rule_year(y))
        out.sort()
        return out

    def changes(self, lo: int, hi: int, y0: int, y1: int) -> list[tuple[int, int, int]]:
        """(instant, before, after) of every offset change with lo <= instant < hi."""
        events: list[tuple[int, int]] = []
        i = bisect_left(self.trans, lo)
        j = bisect_left(self.trans, hi)
        events.extend(zip(self.trans[i:j], self.offsets[i:j], strict=True))
        last = self.trans[-1] if self.trans else None
        if self.rule is not None and (last is None or hi > last):
            if last is not None:
                y0 = max(y0, (_EPOCH + timedelta(seconds=last)).year)
            events.extend(
                (t, off)
                for t, off in self._rule_changes(y0, y1)
                if lo <= t < hi and (last is None or t > last)
            )
        cur = self.offset_at(lo - 1)
        out: list[tuple[int, int, int]] = []
        for t, off in events:
            if off != cur:
                out.append((t, cur, off))
                cur = off
        return out

    def offset_at(self, ts: int) -> int:
        """The offset in effect at epoch second *ts* (the explicit table, then the rule)."""
        k = bisect_right(self.trans, ts)
        if k == 0:
            return self.before
        if k < len(self.trans) or self.rule is None:
            return self.offsets[k - 1] if k <= len(self.offsets) else self.after
        year = (_EPOCH + timedelta(seconds=ts)).year
        cur = self.offsets[-1] if self.offsets else self.after
        for t, off in self._rule_changes(year, year):
            if t > self.trans[-1] and t <= ts:
                cur = off
        return cur


@lru_cache(maxsize=512)
def _table(tz: tzinfo) -> _Table | None:
    key = getattr(tz, "key", None)
    if not isinstance(key, str) or type(tz).__module__ != "zoneinfo":
        return None
    try:
        from zoneinfo._zoneinfo import ZoneInfo as _PyZoneInfo  # type: ignore[import-not-found]

        return _Table(_PyZoneInfo.no_cache(key))
    except Exception:  # any other layout or load failure: the caller probes instead
        return None


def _real_offset(tz: tzinfo, t: datetime) -> timedelta | None:
    return t.astimezone(tz).utcoffset()


@lru_cache(maxsize=4096)
def year_changes(tz: tzinfo, year: int) -> tuple[_Change, ...] | None:
    """``(instant, offset before, offset after)`` for each offset change in UTC *year*.

    None when the zone's rules cannot be read (or disagree with the zone): probe instead.
    """
    table = _table(tz)
    if table is None or not 2 <= year <= 9998:
        return None
    y0 = datetime(year, 1, 1, tzinfo=UTC)
    y1 = datetime(year + 1, 1, 1, tzinfo=UTC)
    lo, hi = int((y0 - _EPOCH).total_seconds()), int((y1 - _EPOCH).total_seconds())
    try:
        raw = table.changes(lo, hi, year, year)
        out = tuple(
            (_EPOCH + timedelta(seconds=t), timedelta(seconds=b), timedelta(seconds=a))
            for t, b, a in raw
        )
        # Check against the zone itself: both year ends, and both sides of every change.
        if _real_offset(tz, y0) != timedelta(seconds=table.offset_at(lo)):
            return None
        if _real_offset(tz, y1 - timedelta(seconds=1)) != timedelta(
            seconds=table.offset_at(hi - 1)
        ):
            return None
        for t, b, a in out:
            if _real_offset(tz, t - timedelta(seconds=1)) != b or _real_offset(tz, t) != a:
                return None
    except (OverflowError, ValueError, TypeError, AttributeError):
        return None
    return out


def _epoch_seconds(t: datetime) -> int:
    return int((t - _EPOCH).total_seconds())


def range_offsets(tz: tzinfo, lo: datetime, hi: datetime) -> tuple[timedelta, ...] | None:
    """Every UTC offset *tz* uses between instants *lo* and *hi*, in O(log changes).

    None when the zone's rules cannot be read (probe instead).
    """
    table = _table(tz)
    if table is None:
        return None
    a, b = _epoch_seconds(lo), _epoch_seconds(hi)
    try:
        first = table.offset_at(a)
        if _real_offset(tz, lo) != timedelta(seconds=first):
            return None
    except (OverflowError, ValueError, TypeError, AttributeError):
        return None
    out = {first}
    i, j = bisect_right(table.trans, a), bisect_right(table.trans, b)
    out.update(table.offsets[i:j])
    if table.rule is not None and (not table.trans or b > table.trans[-1]):
        out.update((table.after, int(table.rule.dst.utcoff.total_seconds())))
    return tuple(sorted(timedelta(seconds=o) for o in out))


def constant_after(tz: tzinfo) -> datetime | None:
    """An instant after which *tz* never changes its offset again, or None (rules, unknown)."""
    table = _table(tz)
    if table is None or table.rule is not None:
        return None
    if not table.trans:
        return datetime(1, 1, 2, tzinfo=UTC)
    return _EPOCH + timedelta(seconds=table.trans[-1])


def range_changes(tz: tzinfo, lo: datetime, hi: datetime) -> tuple[_Change, ...] | None:
    """Like `year_changes()` for ``lo <= instant < hi``: O(log changes + changes found).

    Explicit transitions come by bisection; the rule (when the zone has one) is expanded
    only for the years the range covers past the last explicit transition.
    """
    table = _table(tz)
    if table is None or not (datetime(2, 1, 1, tzinfo=UTC) <= lo <= hi):
        return None
    a, b = _epoch_seconds(lo), _epoch_seconds(min(hi, datetime(9998, 12, 31, tzinfo=UTC)))
    try:
        y0 = lo.year
        y1 = y0 if table.rule is None else (_EPOCH + timedelta(seconds=b)).year
        raw = table.changes(a, b, y0, y1)
        out = tuple(
            (_EPOCH + timedelta(seconds=t), timedelta(seconds=bf), timedelta(seconds=af))
            for t, bf, af in raw
        )
        if _real_offset(tz, lo) != timedelta(seconds=table.offset_at(a)):
            return None
        for t, bf, af in out:
            if _real_offset(tz, t - timedelta(seconds=1)) != bf or _real_offset(tz, t) != af:
                return None
    except (OverflowError, ValueError, TypeError, AttributeError):
        return None
    return out
