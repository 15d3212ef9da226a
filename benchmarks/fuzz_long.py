"""The long fuzz run: N calls per public callable, counting escapes (target: none).

    .venv/bin/python benchmarks/fuzz_long.py 20000 [name-filter [first:last]]

The same targets and hostile values as ``tests/fuzz`` (``tests/fuzz/_harness.py``), drawn
with a seeded ``random.Random`` instead of Hypothesis (Hypothesis's bookkeeping would cost
more than the calls).  Each call runs under a 5 s alarm (a longer one is reported as a
near-hang) and the process under a 3 GiB address-space limit (an allocation beyond it is
reported as a MemoryError escape).  Prints one line per callable (calls, escapes) and
each distinct escape (callable, exception type, where it was raised, one example).
"""

from __future__ import annotations

import collections
import inspect
import random
import resource
import signal
import sys
import time
import traceback
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fuzz._harness import _SPECIAL, _ZONES, Target, call, instances_of, sample_pool, targets

import timetable


class NearHang(Exception):
    """A call ran past the alarm."""


def _alarm(signum: int, frame: Any) -> None:
    raise NearHang


def _leaf(rng: random.Random, pool: tuple[Any, ...]) -> Any:
    kind = rng.randrange(10)
    if kind < 3:
        return rng.choice(_SPECIAL)
    if kind < 5:
        return rng.choice(pool)
    if kind == 5:
        return rng.choice([rng.randint(-(2**70), 2**70), rng.randint(-5, 5), rng.random() * 1e9])
    if kind == 6:
        return "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(rng.randrange(8)))
    if kind == 7:
        d = datetime(1, 1, 1) + timedelta(seconds=rng.randrange(315_537_897_599))
        return d.replace(tzinfo=rng.choice((None, *_ZONES)))
    if kind == 8:
        return timedelta(seconds=rng.randint(-(10**9), 10**9))
    return None


def _value(rng: random.Random, pool: tuple[Any, ...], depth: int = 0) -> Any:
    if depth < 2 and rng.randrange(6) == 0:
        n = rng.randrange(4)
        shape = rng.randrange(3)
        items = [_value(rng, pool, depth + 1) for _ in range(n)]
        if shape == 0:
            return items
        if shape == 1:
            return tuple(items)
        out = {}
        for v in items:
            k = _leaf(rng, pool)
            try:
                out[k] = v
            except TypeError:
                out[str(k)] = v
        return out
    return _leaf(rng, pool)


def _plausible(target: Target) -> dict[str, tuple[Any, ...]]:
    from fuzz._harness import _pool_by_type

    by = _pool_by_type()
    out: dict[str, tuple[Any, ...]] = {}
    for p in target.parameters:
        words = [w for w in str(p.annotation).replace("[", " ").replace("|", " ")
                 .replace("]", " ").replace(",", " ").replace(".", " ").split() if w in by]
        out[p.name] = tuple(v for w in words for v in by[w])
    return out


def _arguments(rng: random.Random, target: Target, likely: dict[str, tuple[Any, ...]],
               pool: tuple[Any, ...]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    positional = True
    for p in target.parameters:
        if p.kind is p.VAR_POSITIONAL:
            if positional:
                args.extend(_value(rng, pool) for _ in range(rng.randrange(3)))
            continue
        if p.kind is p.VAR_KEYWORD:
            if rng.randrange(2):
                kwargs["bogus_keyword"] = _value(rng, pool)
            continue
        if p.default is not inspect.Parameter.empty and rng.randrange(3) == 0:
            positional = False
            continue
        cands = likely.get(p.name, ())
        if cands and rng.randrange(2):
            value = rng.choice(cands)
            if rng.randrange(4) == 0:
                value = [rng.choice(cands) for _ in range(rng.randrange(4))]
        else:
            value = _value(rng, pool)
        if p.kind is p.POSITIONAL_ONLY or (p.kind is p.POSITIONAL_OR_KEYWORD and positional):
            args.append(value)
        else:
            kwargs[p.name] = value
    return tuple(args), kwargs


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    name_filter = sys.argv[2] if len(sys.argv) > 2 else ""
    resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))
    signal.signal(signal.SIGALRM, _alarm)
    pool = sample_pool()
    groups: dict[tuple[str, str, str], list[Any]] = collections.defaultdict(list)
    total = escapes = 0
    t_start = time.perf_counter()
    chosen = [t for t in targets() if name_filter in t.name]
    if len(sys.argv) > 3:  # a slice of the callables, to split a run over processes
        first, _, last = sys.argv[3].partition(":")
        chosen = chosen[int(first or 0) : int(last) if last else None]
    for target in chosen:
        rng = random.Random(f"{target.name}:{n}")
        instances = instances_of(target.owner) if target.owner is not None else (None,)
        likely = _plausible(target)
        mine = 0
        t0 = time.perf_counter()
        for _ in range(n):
            args, kwargs = _arguments(rng, target, likely, pool)
            instance = rng.choice(instances) if instances else None
            signal.setitimer(signal.ITIMER_REAL, 5.0)
            try:
                call(target, instance, args, kwargs)
            except timetable.TimetableError:
                pass
            except (NearHang, MemoryError, Exception) as err:
                frame = traceback.extract_tb(err.__traceback__)[-1]
                where = f"{Path(frame.filename).name}:{frame.lineno}"
                key = (target.name, type(err).__name__, where)
                if len(groups[key]) < 1:
                    groups[key].append((repr(args)[:300], repr(kwargs)[:300], str(err)[:200]))
                else:
                    groups[key].append(None)
                mine += 1
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        total += n
        escapes += mine
        print(f"{target.name:60} {n:>8} calls {mine:>6} escapes "
              f"{time.perf_counter() - t0:8.1f} s", flush=True)
    print(f"\n{len(chosen)} callables, {total} calls, {escapes} escapes, "
          f"{len(groups)} distinct groups, {time.perf_counter() - t_start:.0f} s")
    for (name, kind, where), examples in sorted(groups.items()):
        print(f"{len(examples):>6}  {name}  {kind}  {where}  {examples[0]}")


if __name__ == "__main__":
    main()
